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
