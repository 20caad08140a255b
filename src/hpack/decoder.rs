//! RFC 7541 §3, §6: decoding one field block.
//!
//! One pass over the block, linear time. Raw strings are borrowed from the
//! block; Huffman strings are decoded into a reusable scratch buffer; indexed
//! fields are borrowed from the tables. Nothing is allocated per field.

use super::table::{static_entry, DynamicTable, ENTRY_OVERHEAD, STATIC_LEN};
use super::{
    huffman, integer, DecodeError, DecodeLimits, DecodeOutcome, HeaderField, TableObserver, DEFAULT_TABLE_SIZE,
};

/// Scratch capacity kept between blocks; larger buffers are freed after use.
const SCRATCH_KEEP: usize = 16 * 1024;

/// HPACK decoder: owns the peer-to-us dynamic table.
#[derive(Debug)]
pub struct Decoder {
    table: DynamicTable,
    /// The largest table size the peer may select: our acknowledged
    /// SETTINGS_HEADER_TABLE_SIZE. Bounds the table's memory.
    max_allowed: usize,
    /// Reused for Huffman-decoded names and values.
    scratch: Vec<u8>,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new(DEFAULT_TABLE_SIZE)
    }
}

/// A decoded string: borrowed from the block (or a table), or a range of scratch.
#[derive(Clone, Copy)]
enum Str<'a> {
    Borrowed(&'a [u8]),
    Scratch(usize, usize),
}

impl<'a> Str<'a> {
    #[inline]
    fn resolve<'b>(self, scratch: &'b [u8]) -> &'b [u8]
    where
        'a: 'b,
    {
        match self {
            Str::Borrowed(s) => s,
            Str::Scratch(a, b) => scratch.get(a..b).unwrap_or_default(),
        }
    }
}

/// Read a string literal (§5.2) from the front of `input`.
#[inline]
fn read_string<'a>(input: &mut &'a [u8], scratch: &mut Vec<u8>) -> Result<Str<'a>, DecodeError> {
    let huffman = input.first().is_some_and(|b| b & 0x80 != 0);
    let len = integer::decode(input, 7)?;
    let (s, rest) = input.split_at_checked(len).ok_or(DecodeError::Truncated)?;
    *input = rest;
    if huffman {
        let start = scratch.len();
        huffman::decode(s, scratch)?;
        Ok(Str::Scratch(start, scratch.len()))
    } else {
        Ok(Str::Borrowed(s))
    }
}

/// Field at a 1-based HPACK index (§2.3.3).
#[inline]
fn lookup(table: &DynamicTable, index: usize) -> Result<(&[u8], &[u8]), DecodeError> {
    if index <= STATIC_LEN {
        static_entry(index).ok_or(DecodeError::InvalidIndex)
    } else {
        table.get(index.saturating_sub(STATIC_LEN + 1)).ok_or(DecodeError::InvalidIndex)
    }
}

/// Count a field against the limits; true if it may be emitted.
#[inline]
fn account(out: &mut DecodeOutcome, limits: &DecodeLimits, name: &[u8], value: &[u8]) -> bool {
    let size = name.len().saturating_add(value.len()).saturating_add(ENTRY_OVERHEAD);
    out.list_size = out.list_size.saturating_add(size);
    out.fields = out.fields.saturating_add(1);
    if out.over_limit {
        return false;
    }
    if out.list_size > limits.max_list_size || out.fields > limits.max_fields {
        out.over_limit = true;
        return false;
    }
    true
}

impl Decoder {
    /// `max_table_size`: the SETTINGS_HEADER_TABLE_SIZE we advertise; both the
    /// initial table size and the largest size update accepted.
    pub fn new(max_table_size: usize) -> Self {
        Decoder { table: DynamicTable::new(max_table_size), max_allowed: max_table_size, scratch: Vec::new() }
    }

    /// Our SETTINGS_HEADER_TABLE_SIZE changed and the peer acknowledged it.
    /// Later size updates must not exceed `n`. If the table is larger, it is
    /// shrunk now: a compliant encoder must signal the lower size at its next
    /// block (§4.2), so both sides agree.
    pub fn set_max_allowed_table_size(&mut self, n: usize) {
        self.set_max_allowed_table_size_observed(n, &mut ());
    }

    /// [`Self::set_max_allowed_table_size`], telling `observer` of the evictions.
    pub fn set_max_allowed_table_size_observed<O: TableObserver>(&mut self, n: usize, observer: &mut O) {
        self.max_allowed = n;
        if self.table.max_size() > n {
            self.table.set_max_size_observed(n, observer);
        }
    }

    /// Current dynamic table size (§4.1 units).
    pub fn table_size(&self) -> usize {
        self.table.size()
    }

    /// Current dynamic table maximum size (the last size update).
    pub fn max_table_size(&self) -> usize {
        self.table.max_size()
    }

    /// Decode one complete field block. Fields go to `emit` in order. When a
    /// limit is crossed, decoding goes on to keep the dynamic table in sync
    /// but nothing more is emitted and the outcome says over_limit.
    /// An error means the table is out of sync: a connection error.
    #[inline]
    pub fn decode(
        &mut self,
        block: &[u8],
        limits: &DecodeLimits,
        emit: &mut dyn FnMut(HeaderField<'_>),
    ) -> Result<DecodeOutcome, DecodeError> {
        self.decode_observed(block, limits, emit, &mut ())
    }

    /// [`Self::decode`], telling `observer` of every change to the dynamic
    /// table, in order. On an error the changes made before it stand (and
    /// were reported), as they do in the table.
    pub fn decode_observed<O: TableObserver>(
        &mut self,
        block: &[u8],
        limits: &DecodeLimits,
        emit: &mut dyn FnMut(HeaderField<'_>),
        observer: &mut O,
    ) -> Result<DecodeOutcome, DecodeError> {
        let Decoder { table, max_allowed, scratch } = self;
        let mut input = block;
        let mut out = DecodeOutcome::default();
        let mut at_start = true;
        while let Some(&first) = input.first() {
            if first & 0x80 != 0 {
                // §6.1 indexed field
                let index = integer::decode(&mut input, 7)?;
                let (name, value) = lookup(table, index)?;
                at_start = false;
                if account(&mut out, limits, name, value) {
                    emit(HeaderField { name, value, sensitive: false });
                }
            } else if first & 0x40 != 0 {
                // §6.2.1 literal with incremental indexing
                let index = integer::decode(&mut input, 6)?;
                at_start = false;
                scratch.clear();
                let name = if index == 0 {
                    read_string(&mut input, scratch)?
                } else if let Some((n, _)) = static_entry(index) {
                    Str::Borrowed(n)
                } else {
                    // Copy: inserting may evict the entry the name comes from (§4.4).
                    let (n, _) = lookup(table, index)?;
                    scratch.extend_from_slice(n);
                    Str::Scratch(0, n.len())
                };
                let value = read_string(&mut input, scratch)?;
                let (name, value) = (name.resolve(scratch), value.resolve(scratch));
                table.insert_observed(name, value, observer);
                if account(&mut out, limits, name, value) {
                    emit(HeaderField { name, value, sensitive: false });
                }
            } else if first & 0x20 != 0 {
                // §6.3 dynamic table size update: only before the first field.
                if !at_start {
                    return Err(DecodeError::SizeUpdateNotAtStart);
                }
                let size = integer::decode(&mut input, 5)?;
                if size > *max_allowed {
                    return Err(DecodeError::SizeUpdateTooLarge);
                }
                table.set_max_size_observed(size, observer);
            } else {
                // §6.2.2 without indexing (0000) / §6.2.3 never indexed (0001)
                let sensitive = first & 0x10 != 0;
                let index = integer::decode(&mut input, 4)?;
                at_start = false;
                scratch.clear();
                let name =
                    if index == 0 { read_string(&mut input, scratch)? } else { Str::Borrowed(lookup(table, index)?.0) };
                let value = read_string(&mut input, scratch)?;
                let (name, value) = (name.resolve(scratch), value.resolve(scratch));
                if account(&mut out, limits, name, value) {
                    emit(HeaderField { name, value, sensitive });
                }
            }
        }
        // A huge Huffman string grew the scratch buffer: don't keep that
        // memory on an idle connection.
        if scratch.capacity() > SCRATCH_KEEP {
            *scratch = Vec::new();
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_vectors::{unhex, RFC_C};
    use super::*;
    use rand::{Rng, SeedableRng};

    type Fields = Vec<(Vec<u8>, Vec<u8>, bool)>;

    fn run(d: &mut Decoder, block: &[u8], limits: &DecodeLimits) -> Result<(Fields, DecodeOutcome), DecodeError> {
        let mut v = Vec::new();
        let o = d.decode(block, limits, &mut |f| v.push((f.name.to_vec(), f.value.to_vec(), f.sensitive)))?;
        Ok((v, o))
    }

    fn dec(d: &mut Decoder, block: &[u8]) -> Result<Fields, DecodeError> {
        run(d, block, &DecodeLimits::default()).map(|(v, _)| v)
    }

    #[test]
    fn rfc_appendix_c() {
        let mut d = Decoder::new(4096);
        for &(sec, hex, fields, size) in RFC_C {
            // C.2.x are independent; C.3..C.6 share a decoder per section;
            // C.5/C.6 use a 256-byte table.
            if sec.starts_with("C.2") || sec.ends_with(".1") {
                let max = if sec.starts_with("C.5") || sec.starts_with("C.6") { 256 } else { 4096 };
                d = Decoder::new(max);
            }
            let got = dec(&mut d, &unhex(hex)).unwrap_or_else(|e| panic!("{sec}: {e}"));
            let want: Vec<_> =
                fields.iter().map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec(), sec == "C.2.3")).collect();
            assert_eq!(got, want, "{sec}");
            assert_eq!(d.table_size(), size, "{sec}");
        }
    }

    fn err(block: &[u8]) -> DecodeError {
        let mut d = Decoder::new(4096);
        dec(&mut d, block).unwrap_err()
    }

    #[test]
    fn malformed_cases_are_errors() {
        use DecodeError::*;
        // integers: truncated, too many octets, > 64 bits
        assert_eq!(err(&[0x3f]), Truncated);
        assert_eq!(err(&[0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]), IntegerOverflow);
        assert_eq!(err(&[0xff]), Truncated);
        assert_eq!(err(&[0xff, 0x80]), Truncated);
        assert_eq!(err(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), IntegerOverflow);
        assert_eq!(err(&[0xff, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), IntegerOverflow); // zero-padded
                                                                                       // missing strings
        assert_eq!(err(&[0x40]), Truncated);
        assert_eq!(err(&[0x40, 0x01, 0x61]), Truncated);
        assert_eq!(err(&[0x04]), Truncated);
        assert_eq!(err(&[0x10]), Truncated);
        // indices: 0, 62 with an empty table, 127, ≈2^28
        assert_eq!(err(&[0x80]), InvalidIndex);
        assert_eq!(err(&[0xbe]), InvalidIndex);
        assert_eq!(err(&[0xff, 0x00]), InvalidIndex);
        assert_eq!(err(&[0xff, 0xff, 0xff, 0xff, 0x7f]), InvalidIndex);
        assert_eq!(err(&[0x7e, 0x01, 0x61]), InvalidIndex); // literal, name index 62
        assert_eq!(err(&[0x0f, 0x30, 0x01, 0x61]), InvalidIndex); // literal, name index 63
                                                                  // string length past the block, or ≈2^28
        assert_eq!(err(&[0x40, 0x05, 0x61]), Truncated);
        assert_eq!(err(&[0x40, 0x7f, 0xff, 0xff, 0xff, 0x7f]), Truncated);
        // Huffman: EOS in string, padding > 7 bits, padding not all ones
        assert_eq!(err(&[0x00, 0x84, 0xff, 0xff, 0xff, 0xff, 0x01, 0x61]), Huffman);
        assert_eq!(err(&[0x00, 0x82, 0x07, 0xff, 0x01, 0x61]), Huffman);
        assert_eq!(err(&[0x00, 0x81, 0x00, 0x01, 0x61]), Huffman);
        assert_eq!(err(&[0x00, 0x01, 0x61, 0x81, 0x00]), Huffman);
        // size updates: above the limit, ≈2^28, after a field
        assert_eq!(err(&[0x3f, 0xe2, 0x1f]), SizeUpdateTooLarge); // 4097
        assert_eq!(err(&[0x3f, 0xe1, 0xff, 0xff, 0x7f]), SizeUpdateTooLarge);
        assert_eq!(err(&[0x82, 0x20]), SizeUpdateNotAtStart);
        assert_eq!(err(&[0x20, 0x82, 0x3f, 0xe1, 0x1f]), SizeUpdateNotAtStart);
    }

    #[test]
    fn size_updates() {
        let mut d = Decoder::new(4096);
        // several at block start are fine: 0 then 4096
        assert_eq!(dec(&mut d, &[0x20, 0x3f, 0xe1, 0x1f, 0x82]).unwrap().len(), 1);
        assert_eq!(d.max_table_size(), 4096);
        // exactly the limit is fine
        assert!(dec(&mut d, &[0x3f, 0xe1, 0x1f]).is_ok());
        // size update to 0 evicts
        dec(&mut d, &unhex("400a637573746f6d2d6b65790d637573746f6d2d686561646572")).unwrap();
        assert_eq!(d.table_size(), 55);
        dec(&mut d, &[0x20]).unwrap();
        assert_eq!(d.table_size(), 0);
        assert_eq!(dec(&mut d, &[0xbe]), Err(DecodeError::InvalidIndex));
        // lowering the acknowledged limit shrinks the table and the bound
        let mut d = Decoder::new(4096);
        d.set_max_allowed_table_size(100);
        assert_eq!(d.max_table_size(), 100);
        assert_eq!(dec(&mut d, &[0x3f, 0x46]), Err(DecodeError::SizeUpdateTooLarge)); // 101
        assert!(dec(&mut d, &[0x3f, 0x45]).is_ok()); // 100
    }

    /// Records table events as text, in order.
    #[derive(Default)]
    struct Log(Vec<String>);

    impl TableObserver for Log {
        fn inserted(&mut self, name: &[u8], value: &[u8]) {
            self.0.push(format!("+{}={}", String::from_utf8_lossy(name), String::from_utf8_lossy(value)));
        }
        fn evicted(&mut self, name: &[u8], value: &[u8]) {
            self.0.push(format!("-{}={}", String::from_utf8_lossy(name), String::from_utf8_lossy(value)));
        }
        fn size_updated(&mut self, max_size: usize) {
            self.0.push(format!("max {max_size}"));
        }
    }

    #[test]
    fn observer_sees_inserts_evictions_and_size_updates_in_order() {
        let mut d = Decoder::new(100);
        let mut log = Log::default();
        let decode = |d: &mut Decoder, block: &[u8], log: &mut Log| {
            d.decode_observed(block, &DecodeLimits::default(), &mut |_| {}, log).map(|o| o.fields)
        };
        // a=1 (34), bb=22 (36), ccc=333 (38): the third insert evicts a=1.
        let block = [
            &[0x40, 1, b'a', 1, b'1'][..],
            &[0x40, 2, b'b', b'b', 2, b'2', b'2'],
            &[0x40, 3, b'c', b'c', b'c', 3, b'3', b'3', b'3'],
        ]
        .concat();
        assert_eq!(decode(&mut d, &block, &mut log), Ok(3));
        assert_eq!(log.0, ["+a=1", "+bb=22", "-a=1", "+ccc=333"]);
        // A size update to 40 evicts the oldest; an entry larger than the table empties it.
        log.0.clear();
        let big = [&[0x3f, 0x09][..], &[0x40, 1, b'x', 10], &[b'y'; 10]].concat();
        assert_eq!(decode(&mut d, &big, &mut log), Ok(1));
        assert_eq!(log.0, ["max 40", "-bb=22", "-ccc=333"]);
        assert_eq!(d.table_size(), 0);
        // A lower acknowledged limit shrinks the table, and says so.
        let mut d = Decoder::new(4096);
        let mut log = Log::default();
        assert_eq!(decode(&mut d, &[0x40, 1, b'a', 1, b'1'], &mut log), Ok(1));
        d.set_max_allowed_table_size_observed(10, &mut log);
        assert_eq!(log.0, ["+a=1", "max 10", "-a=1"]);
        // Unobserved decoding gives the same table.
        let mut plain = Decoder::new(100);
        dec(&mut plain, &block).unwrap();
        assert_eq!(plain.table_size(), 36 + 38);
    }

    #[test]
    fn table_memory_is_bounded() {
        // Many 1 KB inserts: the table keeps at most 4096 bytes' worth.
        let mut d = Decoder::new(4096);
        let mut block = Vec::new();
        for _ in 0..1000 {
            block.extend_from_slice(&[0x40, 0x01, b'n', 0x7f, 0xe9, 0x06]); // value len 127 + 105 + 6*128 = 1000
            block.extend(std::iter::repeat(b'v').take(1000));
        }
        let (_, o) = run(&mut d, &block, &DecodeLimits { max_list_size: usize::MAX, max_fields: usize::MAX }).unwrap();
        assert_eq!(o.fields, 1000);
        assert!(d.table_size() <= 4096);
        assert_eq!(d.table.len(), 3); // 3 × 1033 ≤ 4096 < 4 × 1033
        assert!(d.table.arena_capacity() <= 2 * 4096);
        // the oldest entry is gone
        assert!(dec(&mut d, &[0xc0]).is_ok());
        assert_eq!(dec(&mut d, &[0xc1]), Err(DecodeError::InvalidIndex));
    }

    #[test]
    fn limits_stop_emitting_but_keep_the_table_in_sync() {
        // HPACK bomb: one 4000-byte entry, then 10,000 references to it.
        let mut d = Decoder::new(4096);
        let mut block = vec![0x40, 0x01, b'x', 0x7f, 0xa1, 0x1e]; // 127 + 33 + 30*128 = 4000
        block.extend(std::iter::repeat(b'y').take(4000));
        block.extend(std::iter::repeat(0xbe).take(10_000));
        let limits = DecodeLimits { max_list_size: 64 * 1024, max_fields: 1000 };
        let (fields, o) = run(&mut d, &block, &limits).unwrap();
        assert!(o.over_limit);
        assert_eq!(o.fields, 10_001);
        assert_eq!(fields.len(), 16); // 16 × 4033 ≤ 64 KiB < 17 × 4033
                                      // Later fields in the block still update the table.
        let mut block = vec![0xbe, 0xbe, 0x40, 0x01, b'a', 0x01, b'b'];
        block.extend_from_slice(&[0x40, 0x01, b'c', 0x01, b'd']);
        let limits = DecodeLimits { max_list_size: 64 * 1024, max_fields: 1 };
        let (fields, o) = run(&mut d, &block, &limits).unwrap();
        assert!(o.over_limit);
        assert_eq!(fields.len(), 1);
        let got = dec(&mut d, &[0xbe, 0xbf]).unwrap();
        assert_eq!(got[0].0, b"c");
        assert_eq!(got[1].0, b"a");
        // field count limit
        let mut d = Decoder::new(4096);
        let (fields, o) =
            run(&mut d, &[0x82, 0x84, 0x86], &DecodeLimits { max_list_size: 1 << 20, max_fields: 2 }).unwrap();
        assert_eq!((fields.len(), o.fields, o.over_limit), (2, 3, true));
        // list size counts name + value + 32: ":method GET" = 42
        let (fields, o) = run(&mut d, &[0x82, 0x82], &DecodeLimits { max_list_size: 84, max_fields: 10 }).unwrap();
        assert_eq!((fields.len(), o.list_size, o.over_limit), (2, 84, false));
        let (fields, o) = run(&mut d, &[0x82, 0x82], &DecodeLimits { max_list_size: 83, max_fields: 10 }).unwrap();
        assert_eq!((fields.len(), o.over_limit), (1, true));
    }

    #[test]
    fn evicted_name_reference_is_copied() {
        // Table 60: one entry "aaaa: bbbb" (40). A literal with incremental
        // indexing naming entry 62 with a value that forces its eviction.
        let mut d = Decoder::new(60);
        dec(&mut d, &[0x40, 0x04, b'a', b'a', b'a', b'a', 0x04, b'b', b'b', b'b', b'b']).unwrap();
        let got = dec(&mut d, &[0x7e, 0x08, b'c', b'c', b'c', b'c', b'c', b'c', b'c', b'c']).unwrap();
        assert_eq!(got, vec![(b"aaaa".to_vec(), b"cccccccc".to_vec(), false)]);
        assert_eq!(dec(&mut d, &[0xbe]).unwrap(), got);
    }

    #[test]
    fn random_input_and_truncations_never_panic() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(0x4850_4143_4b21);
        let mut d = Decoder::new(4096);
        let limits = DecodeLimits::default();
        for _ in 0..20_000 {
            let len = rng.gen_range(0..64);
            let mut block: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
            // bias toward plausible prefixes
            if rng.gen_bool(0.3) {
                block.insert(0, 0x40);
            }
            let _ = d.decode(&block, &limits, &mut |_| {});
            if rng.gen_bool(0.01) {
                d = Decoder::new(4096);
            }
        }
        for &(_, hex, _, _) in RFC_C {
            let block = unhex(hex);
            for cut in 0..block.len() {
                let mut d = Decoder::new(4096);
                let _ = d.decode(&block[..cut], &limits, &mut |_| {});
                let mut flipped = block.clone();
                flipped[cut] ^= 1 << (cut % 8);
                let _ = d.decode(&flipped, &limits, &mut |_| {});
            }
        }
    }
}
