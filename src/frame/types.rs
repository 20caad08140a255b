//! Typed frames and the items the incremental decoder yields.

use super::header::FrameHeader;
use crate::error::ErrorCode;

/// The priority fields of a HEADERS (PRIORITY flag) or PRIORITY frame
/// (RFC 9113 §5.3.2, deprecated). Parsed so the frame can be skipped safely;
/// h2wasm schedules by RFC 9218 instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrioritySpec {
    pub exclusive: bool,
    /// 31-bit stream dependency.
    pub dependency: u32,
    /// The weight byte as sent: the weight minus one (0 means weight 1, 255 means 256).
    pub weight: u8,
}

/// Every non-DATA frame, decoded whole, with padding removed. Slices borrow
/// either the caller's input or the decoder's buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    Headers {
        stream_id: u32,
        end_stream: bool,
        end_headers: bool,
        priority: Option<PrioritySpec>,
        fragment: &'a [u8],
    },
    Priority {
        stream_id: u32,
        spec: PrioritySpec,
    },
    RstStream {
        stream_id: u32,
        code: ErrorCode,
    },
    /// `params` is a whole number of 6-byte entries: read them with [`settings_iter`].
    Settings {
        ack: bool,
        params: &'a [u8],
    },
    PushPromise {
        stream_id: u32,
        promised_id: u32,
        end_headers: bool,
        fragment: &'a [u8],
    },
    Ping {
        ack: bool,
        data: [u8; 8],
    },
    GoAway {
        last_stream_id: u32,
        code: ErrorCode,
        debug: &'a [u8],
    },
    /// `increment` may be 0: whether that is a stream or connection error is
    /// the connection's call (§6.9).
    WindowUpdate {
        stream_id: u32,
        increment: u32,
    },
    Continuation {
        stream_id: u32,
        end_headers: bool,
        fragment: &'a [u8],
    },
    /// RFC 9218 §7.1; always received on stream 0.
    PriorityUpdate {
        prioritized_id: u32,
        field_value: &'a [u8],
    },
    /// A frame type we do not know. Its payload has been (or is being)
    /// discarded unread: unknown frames MUST be ignored (§4.1, §5.5).
    Unknown {
        header: FrameHeader,
    },
}

impl Frame<'_> {
    /// The stream the frame was sent on (0 for connection-level frames).
    pub fn stream_id(&self) -> u32 {
        match *self {
            Frame::Headers { stream_id, .. }
            | Frame::Priority { stream_id, .. }
            | Frame::RstStream { stream_id, .. }
            | Frame::PushPromise { stream_id, .. }
            | Frame::WindowUpdate { stream_id, .. }
            | Frame::Continuation { stream_id, .. } => stream_id,
            Frame::Settings { .. } | Frame::Ping { .. } | Frame::GoAway { .. } | Frame::PriorityUpdate { .. } => 0,
            Frame::Unknown { header } => header.stream_id,
        }
    }
}

/// What [`FrameDecoder::decode`](super::FrameDecoder::decode) yields.
///
/// DATA is streamed, never buffered: its payload is handed out as ranges of
/// the caller's input, so the JS side can pass `chunk.subarray(start, end)`
/// on without a copy. One DATA frame gives `DataStart`, zero or more
/// `DataPayload` (possibly across several `decode` inputs), then `DataEnd`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item<'a> {
    Frame(Frame<'a>),
    /// `length` is the whole payload including padding: the flow-controlled size (§6.9.1).
    DataStart {
        stream_id: u32,
        flags: u8,
        length: u32,
    },
    /// `input[start..end]` of the input passed to this `decode` call; padding excluded.
    DataPayload {
        stream_id: u32,
        start: usize,
        end: usize,
    },
    DataEnd {
        stream_id: u32,
        end_stream: bool,
    },
}

/// Iterate the `(identifier, value)` pairs of a SETTINGS payload. A trailing
/// partial entry (impossible after the decoder's size check) is ignored.
pub fn settings_iter(params: &[u8]) -> SettingsIter<'_> {
    SettingsIter { chunks: params.chunks_exact(6) }
}

/// Iterator returned by [`settings_iter`].
#[derive(Clone, Debug)]
pub struct SettingsIter<'a> {
    chunks: core::slice::ChunksExact<'a, u8>,
}

impl Iterator for SettingsIter<'_> {
    type Item = (u16, u32);

    fn next(&mut self) -> Option<(u16, u32)> {
        let c = self.chunks.next()?;
        match *c {
            [i0, i1, v0, v1, v2, v3] => Some((u16::from_be_bytes([i0, i1]), u32::from_be_bytes([v0, v1, v2, v3]))),
            _ => None,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_iter_reads_pairs_in_order() {
        let p = [0, 3, 0, 0, 0, 100, 0, 4, 0, 1, 0, 0];
        let v: Vec<_> = settings_iter(&p).collect();
        assert_eq!(v, vec![(3, 100), (4, 65_536)]);
        assert_eq!(settings_iter(&[]).count(), 0);
    }
}
