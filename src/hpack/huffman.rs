//! RFC 7541 §5.2 / Appendix B Huffman coding.
//!
//! Decoding peeks 12 bits at a time into a table built at compile time (a
//! `const fn`) from the Appendix B code list. Each entry holds the one or two
//! whole symbols those bits start with and how many bits they use, so typical
//! header text (5–8-bit codes) costs about one table load per two symbols.
//! Codes longer than 12 bits (rare bytes, EOS) take a bit-by-bit walk of the
//! code tree. Table: 4096 × u32 = 16 KiB; no allocation.
//!
//! Errors (RFC 7541 §5.2): EOS decoded inside a string, padding longer than
//! 7 bits, or padding that is not the most significant bits of EOS (all ones).

use super::DecodeError;

/// RFC 7541 Appendix B: (code, bit length) for symbols 0..=255 and EOS (256).
pub(crate) const CODES: [(u32, u8); 257] = [
    (0x1ff8, 13),
    (0x7fffd8, 23),
    (0xfffffe2, 28),
    (0xfffffe3, 28),
    (0xfffffe4, 28),
    (0xfffffe5, 28),
    (0xfffffe6, 28),
    (0xfffffe7, 28),
    (0xfffffe8, 28),
    (0xffffea, 24),
    (0x3ffffffc, 30),
    (0xfffffe9, 28),
    (0xfffffea, 28),
    (0x3ffffffd, 30),
    (0xfffffeb, 28),
    (0xfffffec, 28),
    (0xfffffed, 28),
    (0xfffffee, 28),
    (0xfffffef, 28),
    (0xffffff0, 28),
    (0xffffff1, 28),
    (0xffffff2, 28),
    (0x3ffffffe, 30),
    (0xffffff3, 28),
    (0xffffff4, 28),
    (0xffffff5, 28),
    (0xffffff6, 28),
    (0xffffff7, 28),
    (0xffffff8, 28),
    (0xffffff9, 28),
    (0xffffffa, 28),
    (0xffffffb, 28),
    (0x14, 6),
    (0x3f8, 10),
    (0x3f9, 10),
    (0xffa, 12),
    (0x1ff9, 13),
    (0x15, 6),
    (0xf8, 8),
    (0x7fa, 11),
    (0x3fa, 10),
    (0x3fb, 10),
    (0xf9, 8),
    (0x7fb, 11),
    (0xfa, 8),
    (0x16, 6),
    (0x17, 6),
    (0x18, 6),
    (0x0, 5),
    (0x1, 5),
    (0x2, 5),
    (0x19, 6),
    (0x1a, 6),
    (0x1b, 6),
    (0x1c, 6),
    (0x1d, 6),
    (0x1e, 6),
    (0x1f, 6),
    (0x5c, 7),
    (0xfb, 8),
    (0x7ffc, 15),
    (0x20, 6),
    (0xffb, 12),
    (0x3fc, 10),
    (0x1ffa, 13),
    (0x21, 6),
    (0x5d, 7),
    (0x5e, 7),
    (0x5f, 7),
    (0x60, 7),
    (0x61, 7),
    (0x62, 7),
    (0x63, 7),
    (0x64, 7),
    (0x65, 7),
    (0x66, 7),
    (0x67, 7),
    (0x68, 7),
    (0x69, 7),
    (0x6a, 7),
    (0x6b, 7),
    (0x6c, 7),
    (0x6d, 7),
    (0x6e, 7),
    (0x6f, 7),
    (0x70, 7),
    (0x71, 7),
    (0x72, 7),
    (0xfc, 8),
    (0x73, 7),
    (0xfd, 8),
    (0x1ffb, 13),
    (0x7fff0, 19),
    (0x1ffc, 13),
    (0x3ffc, 14),
    (0x22, 6),
    (0x7ffd, 15),
    (0x3, 5),
    (0x23, 6),
    (0x4, 5),
    (0x24, 6),
    (0x5, 5),
    (0x25, 6),
    (0x26, 6),
    (0x27, 6),
    (0x6, 5),
    (0x74, 7),
    (0x75, 7),
    (0x28, 6),
    (0x29, 6),
    (0x2a, 6),
    (0x7, 5),
    (0x2b, 6),
    (0x76, 7),
    (0x2c, 6),
    (0x8, 5),
    (0x9, 5),
    (0x2d, 6),
    (0x77, 7),
    (0x78, 7),
    (0x79, 7),
    (0x7a, 7),
    (0x7b, 7),
    (0x7ffe, 15),
    (0x7fc, 11),
    (0x3ffd, 14),
    (0x1ffd, 13),
    (0xffffffc, 28),
    (0xfffe6, 20),
    (0x3fffd2, 22),
    (0xfffe7, 20),
    (0xfffe8, 20),
    (0x3fffd3, 22),
    (0x3fffd4, 22),
    (0x3fffd5, 22),
    (0x7fffd9, 23),
    (0x3fffd6, 22),
    (0x7fffda, 23),
    (0x7fffdb, 23),
    (0x7fffdc, 23),
    (0x7fffdd, 23),
    (0x7fffde, 23),
    (0xffffeb, 24),
    (0x7fffdf, 23),
    (0xffffec, 24),
    (0xffffed, 24),
    (0x3fffd7, 22),
    (0x7fffe0, 23),
    (0xffffee, 24),
    (0x7fffe1, 23),
    (0x7fffe2, 23),
    (0x7fffe3, 23),
    (0x7fffe4, 23),
    (0x1fffdc, 21),
    (0x3fffd8, 22),
    (0x7fffe5, 23),
    (0x3fffd9, 22),
    (0x7fffe6, 23),
    (0x7fffe7, 23),
    (0xffffef, 24),
    (0x3fffda, 22),
    (0x1fffdd, 21),
    (0xfffe9, 20),
    (0x3fffdb, 22),
    (0x3fffdc, 22),
    (0x7fffe8, 23),
    (0x7fffe9, 23),
    (0x1fffde, 21),
    (0x7fffea, 23),
    (0x3fffdd, 22),
    (0x3fffde, 22),
    (0xfffff0, 24),
    (0x1fffdf, 21),
    (0x3fffdf, 22),
    (0x7fffeb, 23),
    (0x7fffec, 23),
    (0x1fffe0, 21),
    (0x1fffe1, 21),
    (0x3fffe0, 22),
    (0x1fffe2, 21),
    (0x7fffed, 23),
    (0x3fffe1, 22),
    (0x7fffee, 23),
    (0x7fffef, 23),
    (0xfffea, 20),
    (0x3fffe2, 22),
    (0x3fffe3, 22),
    (0x3fffe4, 22),
    (0x7ffff0, 23),
    (0x3fffe5, 22),
    (0x3fffe6, 22),
    (0x7ffff1, 23),
    (0x3ffffe0, 26),
    (0x3ffffe1, 26),
    (0xfffeb, 20),
    (0x7fff1, 19),
    (0x3fffe7, 22),
    (0x7ffff2, 23),
    (0x3fffe8, 22),
    (0x1ffffec, 25),
    (0x3ffffe2, 26),
    (0x3ffffe3, 26),
    (0x3ffffe4, 26),
    (0x7ffffde, 27),
    (0x7ffffdf, 27),
    (0x3ffffe5, 26),
    (0xfffff1, 24),
    (0x1ffffed, 25),
    (0x7fff2, 19),
    (0x1fffe3, 21),
    (0x3ffffe6, 26),
    (0x7ffffe0, 27),
    (0x7ffffe1, 27),
    (0x3ffffe7, 26),
    (0x7ffffe2, 27),
    (0xfffff2, 24),
    (0x1fffe4, 21),
    (0x1fffe5, 21),
    (0x3ffffe8, 26),
    (0x3ffffe9, 26),
    (0xffffffd, 28),
    (0x7ffffe3, 27),
    (0x7ffffe4, 27),
    (0x7ffffe5, 27),
    (0xfffec, 20),
    (0xfffff3, 24),
    (0xfffed, 20),
    (0x1fffe6, 21),
    (0x3fffe9, 22),
    (0x1fffe7, 21),
    (0x1fffe8, 21),
    (0x7ffff3, 23),
    (0x3fffea, 22),
    (0x3fffeb, 22),
    (0x1ffffee, 25),
    (0x1ffffef, 25),
    (0xfffff4, 24),
    (0xfffff5, 24),
    (0x3ffffea, 26),
    (0x7ffff4, 23),
    (0x3ffffeb, 26),
    (0x7ffffe6, 27),
    (0x3ffffec, 26),
    (0x3ffffed, 26),
    (0x7ffffe7, 27),
    (0x7ffffe8, 27),
    (0x7ffffe9, 27),
    (0x7ffffea, 27),
    (0x7ffffeb, 27),
    (0xffffffe, 28),
    (0x7ffffec, 27),
    (0x7ffffed, 27),
    (0x7ffffee, 27),
    (0x7ffffef, 27),
    (0x7fffff0, 27),
    (0x3ffffee, 26),
    (0x3fffffff, 30),
];

/// Child pointers of one internal node: `> 0` internal node id, `< 0` leaf
/// `-(symbol + 1)`. The root is node 0 (never a child).
type Tree = [[i16; 2]; 256];

// Evaluated only at compile time: an out-of-range index or overflow here is a
// build error, never a runtime panic.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn build_tree() -> Tree {
    let mut tree: Tree = [[0; 2]; 256];
    let mut used: usize = 1; // node 0 is the root
    let mut sym = 0;
    while sym < 257 {
        let (code, len) = CODES[sym];
        let mut node = 0usize;
        let mut i = len;
        while i > 1 {
            i -= 1;
            let bit = ((code >> i) & 1) as usize;
            if tree[node][bit] == 0 {
                tree[node][bit] = used as i16;
                used += 1;
            }
            node = tree[node][bit] as usize;
        }
        let bit = (code & 1) as usize;
        tree[node][bit] = -(sym as i16) - 1;
        sym += 1;
    }
    tree
}

static TREE: Tree = build_tree();

/// Bits peeked per fast-table lookup.
const PEEK: u32 = 12;

// Fast-table entry layout: sym1 (bits 0-7), sym2 (8-15), symbol count 0..=2
// (16-17; 0 = the first code is longer than PEEK bits, and bits 0-7 hold the
// tree node after those PEEK bits), bits used by all the symbols (20-24),
// bits used by the first symbol (25-29).
const COUNT_SHIFT: u32 = 16;
const USED_SHIFT: u32 = 20;
const FIRST_SHIFT: u32 = 25;

/// The first symbol a left-aligned `PEEK`-bit pattern starts with, if its
/// code is at most `PEEK` bits: `(symbol, len)`, len 0 = none.
// Compile time only (see build_tree).
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn build_single() -> [(u8, u8); 1 << PEEK] {
    let mut single = [(0u8, 0u8); 1 << PEEK];
    let mut sym = 0;
    while sym < 256 {
        let (code, len) = CODES[sym];
        if len as u32 <= PEEK {
            let shift = PEEK - len as u32;
            let base = (code << shift) as usize;
            let mut j = 0;
            while j < (1usize << shift) {
                single[base + j] = (sym as u8, len);
                j += 1;
            }
        }
        sym += 1;
    }
    single
}

// Compile time only (see build_tree).
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn build_fast() -> [u32; 1 << PEEK] {
    let single = build_single();
    let tree = build_tree();
    let mut fast = [0u32; 1 << PEEK];
    let mut p = 0usize;
    while p < (1 << PEEK) {
        let (s1, l1) = single[p];
        if l1 > 0 {
            let mut entry =
                (s1 as u32) | (1 << COUNT_SHIFT) | ((l1 as u32) << USED_SHIFT) | ((l1 as u32) << FIRST_SHIFT);
            // A second symbol wholly inside the remaining bits?
            let rest = (p << l1) & ((1 << PEEK) - 1);
            let (s2, l2) = single[rest];
            if l2 > 0 && (l1 as u32 + l2 as u32) <= PEEK {
                entry = (s1 as u32)
                    | ((s2 as u32) << 8)
                    | (2 << COUNT_SHIFT)
                    | ((l1 as u32 + l2 as u32) << USED_SHIFT)
                    | ((l1 as u32) << FIRST_SHIFT);
            }
            fast[p] = entry;
        } else {
            // A code longer than PEEK bits: store the tree node those bits
            // lead to, so the slow path walks only the remaining bits.
            let mut node = 0usize;
            let mut i = PEEK;
            while i > 0 {
                i -= 1;
                node = tree[node][(p >> i) & 1] as usize;
            }
            fast[p] = node as u32;
        }
        p += 1;
    }
    fast
}

static FAST: [u32; 1 << PEEK] = build_fast();

/// Decode one code longer than `PEEK` bits from the top of the `nbits` valid
/// low bits of `acc`, walking the tree from `node` (where its first `PEEK`
/// bits lead). `Ok(Some((symbol, len)))`, or `Ok(None)` if the bits run out
/// first (end of input: the caller's padding check fails).
#[inline(never)]
fn decode_long(acc: u64, nbits: u32, mut node: usize) -> Result<Option<(u8, u32)>, DecodeError> {
    let mut used = PEEK;
    while used < nbits {
        used = used.saturating_add(1);
        let bit = ((acc >> nbits.saturating_sub(used)) & 1) as usize;
        let child = TREE.get(node).and_then(|n| n.get(bit)).copied().ok_or(DecodeError::Huffman)?;
        if child < 0 {
            // -(sym + 1): sym 256 is EOS, an error inside a string.
            return match u8::try_from((-1i32).saturating_sub(i32::from(child))) {
                Ok(sym) => Ok(Some((sym, used))),
                Err(_) => Err(DecodeError::Huffman),
            };
        }
        node = child as usize;
    }
    Ok(None)
}

/// Decode `input` and append the symbols to `out`.
pub(crate) fn decode(input: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
    const MASK: u64 = (1 << PEEK) - 1;
    out.reserve(input.len().saturating_mul(8) / 5);
    let mut acc: u64 = 0;
    let mut nbits: u32 = 0;
    let mut rest = input;
    loop {
        // Refill to at least 57 bits while input remains (enough for a
        // 30-bit code whatever is already buffered): 4 bytes at once when
        // possible, then byte by byte.
        if nbits <= 32 {
            if let Some((four, tail)) = rest.split_first_chunk::<4>() {
                acc = (acc << 32) | u64::from(u32::from_be_bytes(*four));
                nbits = nbits.saturating_add(32);
                rest = tail;
            }
        }
        while nbits <= 56 {
            let Some((&b, tail)) = rest.split_first() else {
                break;
            };
            acc = (acc << 8) | u64::from(b);
            nbits = nbits.saturating_add(8);
            rest = tail;
        }
        if nbits < PEEK {
            break;
        }
        let e = FAST.get(((acc >> (nbits.saturating_sub(PEEK))) & MASK) as usize).copied().unwrap_or(0);
        let count = (e >> COUNT_SHIFT) & 3;
        if count == 0 {
            match decode_long(acc, nbits, (e & 0xff) as usize)? {
                Some((sym, len)) => {
                    out.push(sym);
                    nbits = nbits.saturating_sub(len);
                }
                None => return Err(DecodeError::Huffman), // ≥ 12 bits left over
            }
            continue;
        }
        out.push(e as u8);
        if count == 2 {
            out.push((e >> 8) as u8);
        }
        nbits = nbits.saturating_sub((e >> USED_SHIFT) & 0x1f);
    }
    // Input exhausted, fewer than PEEK bits left: decode what fits (pad the
    // peek with ones), then the rest must be padding.
    while nbits > 0 {
        let pad = PEEK.saturating_sub(nbits);
        let p = ((acc << pad) | ((1u64 << pad).saturating_sub(1))) & MASK;
        let e = FAST.get(p as usize).copied().unwrap_or(0);
        let first = (e >> FIRST_SHIFT) & 0x1f;
        if (e >> COUNT_SHIFT) & 3 == 0 || first > nbits {
            break;
        }
        out.push(e as u8);
        nbits = nbits.saturating_sub(first);
    }
    let ones = (1u64 << nbits).saturating_sub(1);
    if nbits > 7 || acc & ones != ones {
        return Err(DecodeError::Huffman);
    }
    Ok(())
}

/// Length in octets of the Huffman encoding of `input`.
#[inline]
pub(crate) fn encoded_len(input: &[u8]) -> usize {
    let bits: usize = input.iter().map(|&b| CODES.get(usize::from(b)).map_or(0, |&(_, len)| usize::from(len))).sum();
    bits.div_ceil(8)
}

/// Append the Huffman encoding of `input` (padded with the EOS prefix) to `out`.
pub(crate) fn encode(input: &[u8], out: &mut Vec<u8>) {
    let mut acc: u64 = 0;
    let mut bits: u32 = 0;
    for &b in input {
        let (code, len) = CODES.get(usize::from(b)).copied().unwrap_or((0, 0));
        // bits < 8 before the shift and len ≤ 30, so acc never exceeds 38 bits.
        acc = (acc << len) | u64::from(code);
        bits = bits.saturating_add(u32::from(len));
        while bits >= 8 {
            bits = bits.saturating_sub(8);
            out.push((acc >> bits) as u8);
        }
        acc &= (1u64 << bits).saturating_sub(1);
    }
    if bits > 0 {
        let pad = 8u32.saturating_sub(bits);
        out.push(((acc << pad) as u8) | (0xffu8 >> bits));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
        let mut out = Vec::new();
        decode(input, &mut out).map(|()| out)
    }

    #[test]
    fn rfc_c4_strings() {
        let www = [0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff];
        assert_eq!(dec(&www).unwrap(), b"www.example.com");
        let mut out = Vec::new();
        encode(b"www.example.com", &mut out);
        assert_eq!(out, www);
        assert_eq!(encoded_len(b"www.example.com"), 12);
        assert_eq!(dec(&[0xa8, 0xeb, 0x10, 0x64, 0x9c, 0xbf]).unwrap(), b"no-cache");
    }

    #[test]
    fn roundtrip_every_byte() {
        let all: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        let mut enc = Vec::new();
        encode(&all, &mut enc);
        assert_eq!(enc.len(), encoded_len(&all));
        assert_eq!(dec(&enc).unwrap(), all);
        for n in 0..40 {
            let s: Vec<u8> = (0..n).map(|i| (i * 37 % 256) as u8).collect();
            let mut enc = Vec::new();
            encode(&s, &mut enc);
            assert_eq!(dec(&enc).unwrap(), s);
        }
    }

    /// Reference decoder: one bit at a time down the tree, RFC rules spelled
    /// out (EOS is an error, padding ≤ 7 bits and all ones).
    fn reference(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
        let mut out = Vec::new();
        let (mut node, mut depth, mut all_ones) = (0usize, 0u32, true);
        for &b in input {
            for i in (0..8).rev() {
                let bit = usize::from((b >> i) & 1);
                let child = TREE[node][bit];
                depth += 1;
                all_ones &= bit == 1;
                if child < 0 {
                    let sym = -(i32::from(child) + 1);
                    if sym == 256 {
                        return Err(DecodeError::Huffman);
                    }
                    out.push(sym as u8);
                    (node, depth, all_ones) = (0, 0, true);
                } else {
                    node = child as usize;
                }
            }
        }
        if depth > 7 || !all_ones {
            return Err(DecodeError::Huffman);
        }
        Ok(out)
    }

    #[test]
    fn agrees_with_reference_on_random_input() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::SmallRng::seed_from_u64(0x5241_4e44);
        let (mut ok, mut bad) = (0, 0);
        for _ in 0..50_000 {
            let len = rng.gen_range(0..24);
            let bias = rng.gen_range(0..4);
            let input: Vec<u8> = (0..len).map(|_| if rng.gen_range(0..4) < bias { 0xff } else { rng.gen() }).collect();
            let want = reference(&input);
            assert_eq!(dec(&input), want, "{input:02x?}");
            if want.is_ok() {
                ok += 1
            } else {
                bad += 1
            }
            // and valid encodings of random strings, long codes included
            let s: Vec<u8> = (0..rng.gen_range(0..20)).map(|_| rng.gen()).collect();
            let mut enc = Vec::new();
            encode(&s, &mut enc);
            assert_eq!(dec(&enc).unwrap(), s);
            assert_eq!(reference(&enc).unwrap(), s);
        }
        assert!(ok > 500 && bad > 500, "ok {ok} bad {bad}");
    }

    #[test]
    fn malformed() {
        // EOS (30 ones) inside a string
        assert_eq!(dec(&[0xff, 0xff, 0xff, 0xff]), Err(DecodeError::Huffman));
        // padding of 8+ bits: '0' is 00000 then 11 + a full byte of ones
        assert_eq!(dec(&[0x07, 0xff]), Err(DecodeError::Huffman));
        assert_eq!(dec(&[0xff]), Err(DecodeError::Huffman));
        // padding that is not all ones
        assert_eq!(dec(&[0x00]), Err(DecodeError::Huffman)); // '0' then 000
        assert_eq!(dec(&[0x06]), Err(DecodeError::Huffman)); // '0' then 110
                                                             // valid: '0' then 111
        assert_eq!(dec(&[0x07]).unwrap(), b"0");
        assert_eq!(dec(&[]).unwrap(), b"");
    }
}
