//! RFC 7541 §2.3 index address space: the static table and the dynamic table.
//!
//! The dynamic table keeps every entry's bytes in one arena (`Vec<u8>`):
//! new entries are appended, evicted ones only advance `start`, and the arena
//! is compacted (one `copy_within`) when the next entry would not fit in its
//! budget of twice the table size. So insertion and eviction allocate nothing
//! after warm-up, lookups hand out borrowed slices, and memory stays bounded
//! by about 2 × `max_size` bytes of names/values plus `max_size / 32` entry
//! records — whatever the peer sends.

use std::collections::VecDeque;

use super::TableObserver;

/// RFC 7541 §4.1: each entry costs name + value + 32 octets.
pub(crate) const ENTRY_OVERHEAD: usize = 32;

/// Number of entries in the static table.
pub(crate) const STATIC_LEN: usize = 61;

/// RFC 7541 Appendix A, indices 1..=61 (slot 0 is index 1).
pub(crate) const STATIC_TABLE: [(&[u8], &[u8]); 61] = [
    (b":authority", b""),
    (b":method", b"GET"),
    (b":method", b"POST"),
    (b":path", b"/"),
    (b":path", b"/index.html"),
    (b":scheme", b"http"),
    (b":scheme", b"https"),
    (b":status", b"200"),
    (b":status", b"204"),
    (b":status", b"206"),
    (b":status", b"304"),
    (b":status", b"400"),
    (b":status", b"404"),
    (b":status", b"500"),
    (b"accept-charset", b""),
    (b"accept-encoding", b"gzip, deflate"),
    (b"accept-language", b""),
    (b"accept-ranges", b""),
    (b"accept", b""),
    (b"access-control-allow-origin", b""),
    (b"age", b""),
    (b"allow", b""),
    (b"authorization", b""),
    (b"cache-control", b""),
    (b"content-disposition", b""),
    (b"content-encoding", b""),
    (b"content-language", b""),
    (b"content-length", b""),
    (b"content-location", b""),
    (b"content-range", b""),
    (b"content-type", b""),
    (b"cookie", b""),
    (b"date", b""),
    (b"etag", b""),
    (b"expect", b""),
    (b"expires", b""),
    (b"from", b""),
    (b"host", b""),
    (b"if-match", b""),
    (b"if-modified-since", b""),
    (b"if-none-match", b""),
    (b"if-range", b""),
    (b"if-unmodified-since", b""),
    (b"last-modified", b""),
    (b"link", b""),
    (b"location", b""),
    (b"max-forwards", b""),
    (b"proxy-authenticate", b""),
    (b"proxy-authorization", b""),
    (b"range", b""),
    (b"referer", b""),
    (b"refresh", b""),
    (b"retry-after", b""),
    (b"server", b""),
    (b"set-cookie", b""),
    (b"strict-transport-security", b""),
    (b"transfer-encoding", b""),
    (b"user-agent", b""),
    (b"vary", b""),
    (b"via", b""),
    (b"www-authenticate", b""),
];

/// Static entry for a 1-based HPACK index in 1..=61.
#[inline]
pub(crate) fn static_entry(index: usize) -> Option<(&'static [u8], &'static [u8])> {
    STATIC_TABLE.get(index.checked_sub(1)?).copied()
}

/// Best static-table match for an encoder: `(index, value_matched)`.
/// Names are matched with a `match` on the name so it costs one comparison
/// tree, not a scan of 61 entries.
pub(crate) fn static_find(name: &[u8], value: &[u8]) -> Option<(usize, bool)> {
    let (first, last) = match name {
        b":authority" => (1, 1),
        b":method" => (2, 3),
        b":path" => (4, 5),
        b":scheme" => (6, 7),
        b":status" => (8, 14),
        b"accept-charset" => (15, 15),
        b"accept-encoding" => (16, 16),
        b"accept-language" => (17, 17),
        b"accept-ranges" => (18, 18),
        b"accept" => (19, 19),
        b"access-control-allow-origin" => (20, 20),
        b"age" => (21, 21),
        b"allow" => (22, 22),
        b"authorization" => (23, 23),
        b"cache-control" => (24, 24),
        b"content-disposition" => (25, 25),
        b"content-encoding" => (26, 26),
        b"content-language" => (27, 27),
        b"content-length" => (28, 28),
        b"content-location" => (29, 29),
        b"content-range" => (30, 30),
        b"content-type" => (31, 31),
        b"cookie" => (32, 32),
        b"date" => (33, 33),
        b"etag" => (34, 34),
        b"expect" => (35, 35),
        b"expires" => (36, 36),
        b"from" => (37, 37),
        b"host" => (38, 38),
        b"if-match" => (39, 39),
        b"if-modified-since" => (40, 40),
        b"if-none-match" => (41, 41),
        b"if-range" => (42, 42),
        b"if-unmodified-since" => (43, 43),
        b"last-modified" => (44, 44),
        b"link" => (45, 45),
        b"location" => (46, 46),
        b"max-forwards" => (47, 47),
        b"proxy-authenticate" => (48, 48),
        b"proxy-authorization" => (49, 49),
        b"range" => (50, 50),
        b"referer" => (51, 51),
        b"refresh" => (52, 52),
        b"retry-after" => (53, 53),
        b"server" => (54, 54),
        b"set-cookie" => (55, 55),
        b"strict-transport-security" => (56, 56),
        b"transfer-encoding" => (57, 57),
        b"user-agent" => (58, 58),
        b"vary" => (59, 59),
        b"via" => (60, 60),
        b"www-authenticate" => (61, 61),
        _ => return None,
    };
    for i in first..=last {
        if let Some((_, v)) = static_entry(i) {
            if !v.is_empty() && v == value {
                return Some((i, true));
            }
        }
    }
    Some((first, false))
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    /// Offset of the name in the arena (absolute, i.e. including `start`).
    offset: usize,
    name_len: usize,
    value_len: usize,
}

/// The dynamic table (RFC 7541 §2.3.2, §4).
#[derive(Debug)]
pub(crate) struct DynamicTable {
    /// Newest entry at the front (HPACK index 62 is `entries[0]`).
    entries: VecDeque<Entry>,
    arena: Vec<u8>,
    /// Bytes of `arena` before this offset belong to evicted entries.
    start: usize,
    /// Current size per §4.1 (sum of name + value + 32).
    size: usize,
    /// Current maximum size (set by size updates / SETTINGS).
    max_size: usize,
}

impl DynamicTable {
    pub(crate) fn new(max_size: usize) -> Self {
        DynamicTable { entries: VecDeque::new(), arena: Vec::new(), start: 0, size: 0, max_size }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn size(&self) -> usize {
        self.size
    }

    pub(crate) fn max_size(&self) -> usize {
        self.max_size
    }

    /// Change the maximum size, evicting as needed (§4.3).
    pub(crate) fn set_max_size(&mut self, max_size: usize) {
        self.set_max_size_observed(max_size, &mut ());
    }

    pub(crate) fn set_max_size_observed<O: TableObserver>(&mut self, max_size: usize, observer: &mut O) {
        self.max_size = max_size;
        if O::ACTIVE {
            observer.size_updated(max_size);
        }
        self.evict_to(max_size, observer);
        if self.entries.is_empty() {
            // Give memory back when the table is emptied or shrunk to zero.
            self.arena.clear();
            self.start = 0;
            if max_size == 0 {
                self.arena.shrink_to_fit();
            }
        }
    }

    /// Entry `i` (0 = newest), as borrowed slices.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<(&[u8], &[u8])> {
        let e = self.entries.get(i)?;
        let name_end = e.offset.checked_add(e.name_len)?;
        let value_end = name_end.checked_add(e.value_len)?;
        let name = self.arena.get(e.offset..name_end)?;
        let value = self.arena.get(name_end..value_end)?;
        Some((name, value))
    }

    fn evict_to<O: TableObserver>(&mut self, target: usize, observer: &mut O) {
        while self.size > target {
            if O::ACTIVE {
                if let Some((name, value)) = self.entries.len().checked_sub(1).and_then(|last| self.get(last)) {
                    observer.evicted(name, value);
                }
            }
            let Some(e) = self.entries.pop_back() else {
                self.size = 0;
                break;
            };
            let cost = e.name_len.saturating_add(e.value_len).saturating_add(ENTRY_OVERHEAD);
            self.size = self.size.saturating_sub(cost);
            // Entries leave in arena order, so the oldest one starts at `start`.
            self.start = e.offset.saturating_add(e.name_len).saturating_add(e.value_len);
        }
        if self.entries.is_empty() {
            self.arena.clear();
            self.start = 0;
        }
    }

    /// Insert a new entry (§4.4). An entry larger than the table empties it
    /// and is not stored. `name`/`value` must not borrow from this table (the
    /// caller copies an indexed name first, since eviction may drop it).
    pub(crate) fn insert(&mut self, name: &[u8], value: &[u8]) {
        self.insert_observed(name, value, &mut ());
    }

    pub(crate) fn insert_observed<O: TableObserver>(&mut self, name: &[u8], value: &[u8], observer: &mut O) {
        let len = name.len().saturating_add(value.len());
        let cost = len.saturating_add(ENTRY_OVERHEAD);
        if cost > self.max_size {
            self.evict_to(0, observer);
            return;
        }
        self.evict_to(self.max_size.saturating_sub(cost), observer);
        // Arena budget: twice the table size. Live bytes ≤ max_size - cost, so
        // after compaction the new entry always fits in the budget.
        let budget = self.max_size.saturating_mul(2);
        if self.arena.len().saturating_add(len) > budget && self.start > 0 {
            self.arena.copy_within(self.start.., 0);
            let live = self.arena.len().saturating_sub(self.start);
            self.arena.truncate(live);
            let shift = self.start;
            for e in self.entries.iter_mut() {
                e.offset = e.offset.saturating_sub(shift);
            }
            self.start = 0;
        }
        let needed = self.arena.len().saturating_add(len);
        if needed > self.arena.capacity() {
            // Grow geometrically but never past the budget, so the arena's
            // capacity stays ≤ 2 × max_size (idle connections stay small).
            let target = self.arena.capacity().saturating_mul(2).max(needed).min(budget.max(needed));
            self.arena.reserve_exact(target.saturating_sub(self.arena.len()));
        }
        let offset = self.arena.len();
        self.arena.extend_from_slice(name);
        self.arena.extend_from_slice(value);
        self.entries.push_front(Entry { offset, name_len: name.len(), value_len: value.len() });
        self.size = self.size.saturating_add(cost);
        if O::ACTIVE {
            observer.inserted(name, value);
        }
    }

    /// Encoder lookup: `(i, value_matched)` with `i` 0-based from the newest,
    /// preferring a full match, else the newest name match.
    pub(crate) fn find(&self, name: &[u8], value: &[u8]) -> Option<(usize, bool)> {
        let mut name_match = None;
        for i in 0..self.entries.len() {
            if let Some((n, v)) = self.get(i) {
                if n == name {
                    if v == value {
                        return Some((i, true));
                    }
                    if name_match.is_none() {
                        name_match = Some((i, false));
                    }
                }
            }
        }
        name_match
    }

    /// Bytes held by the arena (for memory-bound tests).
    #[cfg(test)]
    pub(crate) fn arena_capacity(&self) -> usize {
        self.arena.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_table_shape() {
        assert_eq!(static_entry(1), Some((&b":authority"[..], &b""[..])));
        assert_eq!(static_entry(2), Some((&b":method"[..], &b"GET"[..])));
        assert_eq!(static_entry(61), Some((&b"www-authenticate"[..], &b""[..])));
        assert_eq!(static_entry(0), None);
        assert_eq!(static_entry(62), None);
        assert_eq!(static_find(b":method", b"POST"), Some((3, true)));
        assert_eq!(static_find(b":method", b"PUT"), Some((2, false)));
        assert_eq!(static_find(b":status", b"404"), Some((13, true)));
        assert_eq!(static_find(b"accept-encoding", b"gzip, deflate"), Some((16, true)));
        assert_eq!(static_find(b"cookie", b""), Some((32, false)));
        assert_eq!(static_find(b"x-foo", b""), None);
        // every static name is findable at its first index
        for i in 1..=STATIC_LEN {
            let (n, v) = static_entry(i).unwrap();
            let (j, m) = static_find(n, v).unwrap();
            assert!(j <= i);
            if !v.is_empty() {
                assert_eq!((j, m), (i, true));
            }
        }
    }

    #[test]
    fn insert_evict_and_bound() {
        let mut t = DynamicTable::new(100);
        t.insert(b"aaaa", b"bbbb"); // 40
        t.insert(b"cccc", b"dddd"); // 80
        assert_eq!(t.len(), 2);
        assert_eq!(t.get(0), Some((&b"cccc"[..], &b"dddd"[..])));
        t.insert(b"eeee", b"ffff"); // evicts aaaa
        assert_eq!(t.len(), 2);
        assert_eq!(t.size(), 80);
        assert_eq!(t.get(1), Some((&b"cccc"[..], &b"dddd"[..])));
        // too big: empties the table
        t.insert(&[b'x'; 70], b"y");
        assert_eq!(t.len(), 0);
        assert_eq!(t.size(), 0);
        t.insert(b"a", b"b");
        t.set_max_size(0);
        assert_eq!(t.len(), 0);
        // many inserts keep the arena bounded
        let mut t = DynamicTable::new(4096);
        for i in 0..10_000usize {
            let v = vec![b'v'; i % 1000];
            t.insert(b"name", &v);
            assert!(t.size() <= 4096);
        }
        assert!(t.arena_capacity() <= 2 * 4096, "{}", t.arena_capacity());
        assert_eq!(t.find(b"name", &vec![b'v'; 9999 % 1000]), Some((0, true)));
    }
}
