//! RFC 7541 §6: encoding field blocks (our responses and trailers).
//!
//! Policy, per field:
//! - full match in the static or dynamic table → indexed field (§6.1);
//! - sensitive fields → never-indexed literal (§6.2.3, §7.1.3): anything
//!   marked `sensitive`, `authorization`, `proxy-authorization`, `set-cookie`,
//!   and `cookie` values shorter than 20 bytes (guessable by brute force);
//! - fields that cannot fit in the table → literal without indexing (§6.2.2);
//! - everything else → literal with incremental indexing (§6.2.1).
//!
//! Names reuse a table index when one matches. Strings are Huffman-coded when
//! that is shorter. The table never exceeds min(peer setting, 4096).

use super::table::{static_find, DynamicTable, ENTRY_OVERHEAD, STATIC_LEN};
use super::{huffman, integer, HeaderField, DEFAULT_TABLE_SIZE};

/// HPACK encoder: owns the us-to-peer dynamic table.
#[derive(Debug)]
pub struct Encoder {
    table: DynamicTable,
    /// Smallest size the table passed through since the last block, if it
    /// changed: must be signalled first (§4.2).
    pending_min: Option<usize>,
    /// Size last signalled to (or assumed by) the peer's decoder.
    signalled: usize,
}

impl Default for Encoder {
    fn default() -> Self {
        Encoder::new()
    }
}

/// Our own cap on the encoder's table, whatever the peer allows: bounds
/// memory per connection.
const ENCODER_TABLE_CAP: usize = DEFAULT_TABLE_SIZE;

fn is_sensitive(f: &HeaderField<'_>) -> bool {
    f.sensitive
        || matches!(f.name, b"authorization" | b"proxy-authorization" | b"set-cookie")
        || (f.name == b"cookie" && f.value.len() < 20)
}

/// Append a string literal (§5.2), Huffman-coded when shorter.
fn encode_string(s: &[u8], out: &mut Vec<u8>) {
    let hlen = huffman::encoded_len(s);
    if hlen < s.len() {
        integer::encode(hlen, 7, 0x80, out);
        huffman::encode(s, out);
    } else {
        integer::encode(s.len(), 7, 0, out);
        out.extend_from_slice(s);
    }
}

impl Encoder {
    /// 4096-byte table: the default until the peer's SETTINGS say otherwise.
    pub fn new() -> Self {
        Encoder { table: DynamicTable::new(DEFAULT_TABLE_SIZE), pending_min: None, signalled: DEFAULT_TABLE_SIZE }
    }

    /// The peer's SETTINGS_HEADER_TABLE_SIZE. We use min(setting, 4096); the
    /// size update(s) go out at the start of the next block: the minimum
    /// reached, then the final size, if the size went down and back up.
    pub fn set_max_table_size(&mut self, peer_setting: usize) {
        let size = peer_setting.min(ENCODER_TABLE_CAP);
        if size == self.table.max_size() && self.pending_min.is_none() {
            return;
        }
        self.pending_min = Some(self.pending_min.unwrap_or(self.signalled).min(size));
        self.table.set_max_size(size);
    }

    /// Current dynamic table maximum size.
    pub fn max_table_size(&self) -> usize {
        self.table.max_size()
    }

    /// Encode one field block, appending to `out`.
    pub fn encode<'a>(&mut self, fields: impl IntoIterator<Item = HeaderField<'a>>, out: &mut Vec<u8>) {
        if let Some(min) = self.pending_min.take() {
            let final_size = self.table.max_size();
            // Signal the minimum only if the peer must evict below where it
            // ends up (the size went down and then up again).
            let need_min = min < final_size && min < self.signalled;
            if need_min {
                integer::encode(min, 5, 0x20, out);
            }
            if need_min || final_size != self.signalled {
                integer::encode(final_size, 5, 0x20, out);
            }
            self.signalled = final_size;
        }
        for f in fields {
            self.encode_field(&f, out);
        }
    }

    fn encode_field(&mut self, f: &HeaderField<'_>, out: &mut Vec<u8>) {
        let sensitive = is_sensitive(f);
        // Look for an index: full match first, then a name match.
        let stat = static_find(f.name, f.value);
        let mut name_index = stat.map(|(i, _)| i);
        if !sensitive {
            if let Some((i, true)) = stat {
                integer::encode(i, 7, 0x80, out);
                return;
            }
            if let Some((i, full)) = self.table.find(f.name, f.value) {
                let index = i.saturating_add(STATIC_LEN + 1);
                if full {
                    integer::encode(index, 7, 0x80, out);
                    return;
                }
                name_index = name_index.or(Some(index));
            }
        } else if name_index.is_none() {
            name_index = self.table.find(f.name, f.value).map(|(i, _)| i.saturating_add(STATIC_LEN + 1));
        }
        let cost = f.name.len().saturating_add(f.value.len()).saturating_add(ENTRY_OVERHEAD);
        let (prefix, flags, index) = if sensitive {
            (4, 0x10, false)
        } else if cost > self.table.max_size() {
            (4, 0x00, false)
        } else {
            (6, 0x40, true)
        };
        match name_index {
            Some(i) => integer::encode(i, prefix, flags, out),
            None => {
                integer::encode(0, prefix, flags, out);
                encode_string(f.name, out);
            }
        }
        encode_string(f.value, out);
        if index {
            self.table.insert(f.name, f.value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_vectors::{unhex, RFC_C};
    use super::super::{DecodeLimits, Decoder};
    use super::*;

    fn fields(sec: &str) -> Vec<HeaderField<'static>> {
        let (_, _, f, _) = RFC_C.iter().find(|c| c.0 == sec).unwrap();
        f.iter().map(|(n, v)| HeaderField::new(n.as_bytes(), v.as_bytes())).collect()
    }

    fn decode_all(d: &mut Decoder, block: &[u8]) -> Vec<(Vec<u8>, Vec<u8>, bool)> {
        let mut v = Vec::new();
        d.decode(block, &DecodeLimits::default(), &mut |f| v.push((f.name.to_vec(), f.value.to_vec(), f.sensitive)))
            .unwrap();
        v
    }

    #[test]
    fn rfc_c4_requests_match_byte_for_byte() {
        let mut e = Encoder::new();
        for sec in ["C.4.1", "C.4.2", "C.4.3"] {
            let mut out = Vec::new();
            e.encode(fields(sec), &mut out);
            let want = RFC_C.iter().find(|c| c.0 == sec).unwrap().1;
            assert_eq!(out, unhex(want), "{sec}");
        }
    }

    #[test]
    fn rfc_c6_responses() {
        let mut e = Encoder::new();
        e.set_max_table_size(256);
        let mut d = Decoder::new(4096);
        for sec in ["C.6.1", "C.6.2", "C.6.3"] {
            let mut out = Vec::new();
            e.encode(fields(sec), &mut out);
            let want = unhex(RFC_C.iter().find(|c| c.0 == sec).unwrap().1);
            if sec == "C.6.1" {
                // size update to 256 first (the RFC assumes it was agreed)
                assert_eq!(out[..3], [0x3f, 0xe1, 0x01]);
                assert_eq!(out[3..], want[..]);
            } else if sec == "C.6.2" {
                // "307" is 3 bytes raw and 3 Huffman-coded: we send it raw
                // (same size, cheaper to decode); the rest is identical.
                assert_eq!(out, [0x48, 0x03, b'3', b'0', b'7', 0xc1, 0xc0, 0xbf]);
                assert_eq!(want, [0x48, 0x83, 0x64, 0x0e, 0xff, 0xc1, 0xc0, 0xbf]);
            }
            // C.6.3 differs on purpose: set-cookie is never indexed.
            let got = decode_all(&mut d, &out);
            let exp: Vec<_> =
                fields(sec).iter().map(|f| (f.name.to_vec(), f.value.to_vec(), f.name == b"set-cookie")).collect();
            assert_eq!(got, exp, "{sec}");
        }
        assert_eq!(d.max_table_size(), 256);
    }

    #[test]
    fn sensitive_fields_are_never_indexed() {
        let mut e = Encoder::new();
        let mut d = Decoder::new(4096);
        let list = [
            HeaderField { name: b"x-secret", value: b"s3cr3t", sensitive: true },
            HeaderField::new(b"authorization", b"Bearer abcdefghijklmnopqrstuvwxyz"),
            HeaderField::new(b"proxy-authorization", b"Basic Zm9vOmJhcg=="),
            HeaderField::new(b"set-cookie", b"id=a3fWa; Expires=Thu, 21 Oct 2031 07:28:00 GMT"),
            HeaderField::new(b"cookie", b"short=1"),
            HeaderField::new(b"cookie", b"a-long-cookie-value=0123456789"),
        ];
        for _ in 0..2 {
            let mut out = Vec::new();
            e.encode(list, &mut out);
            let got = decode_all(&mut d, &out);
            let sens: Vec<bool> = got.iter().map(|g| g.2).collect();
            assert_eq!(sens, [true, true, true, true, true, false]);
        }
        // only the long cookie went into the table
        assert_eq!(e.table.len(), 1);
        assert_eq!(d.table_size(), 6 + 30 + 32);
    }

    #[test]
    fn big_fields_are_not_indexed_and_repeats_are() {
        let mut e = Encoder::new();
        let big = vec![b'x'; 5000];
        let mut out = Vec::new();
        e.encode([HeaderField::new(b"x-big", &big), HeaderField::new(b"x-small", b"1")], &mut out);
        assert_eq!(e.table.len(), 1);
        let mut out2 = Vec::new();
        e.encode([HeaderField::new(b"x-small", b"1")], &mut out2);
        assert_eq!(out2, [0xbe]);
        let mut d = Decoder::new(4096);
        let got = decode_all(&mut d, &out);
        assert_eq!(got[0].1, big);
        assert_eq!(decode_all(&mut d, &out2)[0].0, b"x-small");
    }

    #[test]
    fn table_size_updates() {
        // lowered then raised: minimum then final
        let mut e = Encoder::new();
        let mut out = Vec::new();
        e.encode([HeaderField::new(b"x-a", b"1")], &mut out);
        e.set_max_table_size(0);
        e.set_max_table_size(8192); // capped at 4096
        out.clear();
        e.encode([HeaderField::new(b"x-a", b"1")], &mut out);
        assert_eq!(out[..4], [0x20, 0x3f, 0xe1, 0x1f]);
        // raised only: one update; same size again: none
        let mut e = Encoder::new();
        e.set_max_table_size(100);
        out.clear();
        e.encode([], &mut out);
        assert_eq!(out, [0x3f, 0x45]);
        e.set_max_table_size(200);
        out.clear();
        e.encode([], &mut out);
        assert_eq!(out, [0x3f, 0xa9, 0x01]);
        e.set_max_table_size(200);
        out.clear();
        e.encode([], &mut out);
        assert!(out.is_empty());
        let mut e = Encoder::new();
        e.set_max_table_size(4096);
        out.clear();
        e.encode([], &mut out);
        assert!(out.is_empty());
        // every sequence decodes against a decoder that allows the final size
        let mut e = Encoder::new();
        let mut d = Decoder::new(4096);
        for (i, s) in [0usize, 50, 4096, 10, 300, 300, 0, 4096].iter().enumerate() {
            e.set_max_table_size(*s);
            if i % 2 == 0 {
                e.set_max_table_size(s / 2);
            }
            out.clear();
            let v = format!("value-{i}");
            e.encode([HeaderField::new(b"x-k", v.as_bytes()), HeaderField::new(b"x-k", v.as_bytes())], &mut out);
            let got = decode_all(&mut d, &out);
            assert_eq!(got.len(), 2);
            assert_eq!(got[1].1, v.as_bytes());
            assert_eq!(d.max_table_size(), e.max_table_size());
        }
    }
}
