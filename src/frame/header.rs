//! The fixed 9-byte frame header (RFC 9113 §4.1) and the type/flag constants.

use super::FRAME_HEADER_LEN;

/// Frame type codes (RFC 9113 §6, RFC 9218 §7.1).
pub mod kind {
    pub const DATA: u8 = 0x0;
    pub const HEADERS: u8 = 0x1;
    pub const PRIORITY: u8 = 0x2;
    pub const RST_STREAM: u8 = 0x3;
    pub const SETTINGS: u8 = 0x4;
    pub const PUSH_PROMISE: u8 = 0x5;
    pub const PING: u8 = 0x6;
    pub const GOAWAY: u8 = 0x7;
    pub const WINDOW_UPDATE: u8 = 0x8;
    pub const CONTINUATION: u8 = 0x9;
    pub const PRIORITY_UPDATE: u8 = 0x10;

    /// The RFC name of a frame type, or `None` for a type this crate does not know.
    pub fn name(kind: u8) -> Option<&'static str> {
        Some(match kind {
            DATA => "DATA",
            HEADERS => "HEADERS",
            PRIORITY => "PRIORITY",
            RST_STREAM => "RST_STREAM",
            SETTINGS => "SETTINGS",
            PUSH_PROMISE => "PUSH_PROMISE",
            PING => "PING",
            GOAWAY => "GOAWAY",
            WINDOW_UPDATE => "WINDOW_UPDATE",
            CONTINUATION => "CONTINUATION",
            PRIORITY_UPDATE => "PRIORITY_UPDATE",
            _ => return None,
        })
    }
}

/// Frame flag bits. The same bit means different things on different frame
/// types (END_STREAM on DATA/HEADERS, ACK on SETTINGS/PING).
pub mod flags {
    pub const END_STREAM: u8 = 0x1;
    pub const ACK: u8 = 0x1;
    pub const END_HEADERS: u8 = 0x4;
    pub const PADDED: u8 = 0x8;
    pub const PRIORITY: u8 = 0x20;

    /// The flags a frame type defines, with their RFC names; other bits are
    /// undefined for it and MUST be ignored (§4.1).
    pub fn defined(kind: u8) -> &'static [(u8, &'static str)] {
        use super::kind as k;
        match kind {
            k::DATA => &[(END_STREAM, "END_STREAM"), (PADDED, "PADDED")],
            k::HEADERS => {
                &[(END_STREAM, "END_STREAM"), (END_HEADERS, "END_HEADERS"), (PADDED, "PADDED"), (PRIORITY, "PRIORITY")]
            }
            k::PUSH_PROMISE => &[(END_HEADERS, "END_HEADERS"), (PADDED, "PADDED")],
            k::CONTINUATION => &[(END_HEADERS, "END_HEADERS")],
            k::SETTINGS | k::PING => &[(ACK, "ACK")],
            _ => &[],
        }
    }
}

/// Stream identifiers are 31 bits; the top bit is reserved (§4.1) and ignored on receipt.
pub(crate) const STREAM_ID_MASK: u32 = 0x7fff_ffff;

/// A parsed frame header. `stream_id` has the reserved bit masked off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// Payload length (24 bits).
    pub length: u32,
    pub kind: u8,
    pub flags: u8,
    pub stream_id: u32,
}

impl FrameHeader {
    /// Parse the 9 header bytes. Never fails: every bit pattern is a header;
    /// whether it is acceptable is the decoder's question.
    pub fn parse(b: &[u8; FRAME_HEADER_LEN]) -> Self {
        let [l0, l1, l2, kind, flags, s0, s1, s2, s3] = *b;
        FrameHeader {
            length: u32::from_be_bytes([0, l0, l1, l2]),
            kind,
            flags,
            stream_id: u32::from_be_bytes([s0, s1, s2, s3]) & STREAM_ID_MASK,
        }
    }

    /// Append the 9 header bytes. `length` is truncated to 24 bits and the
    /// reserved bit of `stream_id` is written as 0: callers keep frames within
    /// the peer's max frame size, so truncation never happens in practice.
    pub fn write(&self, out: &mut Vec<u8>) {
        let [_, l0, l1, l2] = self.length.to_be_bytes();
        out.extend_from_slice(&[l0, l1, l2, self.kind, self.flags]);
        out.extend_from_slice(&(self.stream_id & STREAM_ID_MASK).to_be_bytes());
    }

    /// Whether `flag` is set.
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_masks_reserved_bit_and_reads_24_bit_length() {
        let h = FrameHeader::parse(&[0x12, 0x34, 0x56, 0x01, 0x25, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(h, FrameHeader { length: 0x12_3456, kind: 1, flags: 0x25, stream_id: 0x7fff_ffff });
    }

    #[test]
    fn write_then_parse_round_trips() {
        let h = FrameHeader { length: 16_777_215, kind: kind::GOAWAY, flags: 0, stream_id: 7 };
        let mut out = Vec::new();
        h.write(&mut out);
        assert_eq!(out.len(), FRAME_HEADER_LEN);
        let arr: [u8; 9] = out.as_slice().try_into().unwrap();
        assert_eq!(FrameHeader::parse(&arr), h);
    }

    #[test]
    fn write_clears_reserved_bit() {
        let mut out = Vec::new();
        FrameHeader { length: 0, kind: 0, flags: 0, stream_id: 0xffff_ffff }.write(&mut out);
        assert_eq!(&out[5..], &[0x7f, 0xff, 0xff, 0xff]);
    }
}
