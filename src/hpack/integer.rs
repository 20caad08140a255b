//! RFC 7541 §5.1 prefix integers.
//!
//! Decoding is overflow-checked and reads at most [`MAX_CONTINUATION_OCTETS`]
//! continuation octets, so a peer cannot make us loop over a long run of
//! `0x80` bytes or smuggle a value past `u32`.

use super::DecodeError;

/// At most this many octets after the prefix. Five octets carry 35 bits, which
/// covers every value up to `u32::MAX` for any prefix width; nothing HPACK
/// carries (indices, lengths, table sizes) legitimately needs more.
pub(crate) const MAX_CONTINUATION_OCTETS: usize = 5;

/// Largest value we accept. Real values are bounded far lower by the block
/// length and table sizes; this keeps arithmetic in `usize` safe on wasm32.
const MAX_VALUE: u64 = u32::MAX as u64;

/// Decode an integer with an `prefix_bits`-bit prefix (1..=8) from the front of
/// `input`, advancing it. The bits above the prefix in the first octet are ignored.
#[inline]
pub(crate) fn decode(input: &mut &[u8], prefix_bits: u8) -> Result<usize, DecodeError> {
    let (&first, mut rest) = input.split_first().ok_or(DecodeError::Truncated)?;
    let mask: u8 = u8::MAX >> 8u8.saturating_sub(prefix_bits);
    let prefix = first & mask;
    if prefix < mask {
        *input = rest;
        return Ok(usize::from(prefix));
    }
    let mut value = u64::from(mask);
    let mut shift = 0u32;
    for _ in 0..MAX_CONTINUATION_OCTETS {
        let (&b, tail) = rest.split_first().ok_or(DecodeError::Truncated)?;
        rest = tail;
        value = value.saturating_add(u64::from(b & 0x7f) << shift);
        if value > MAX_VALUE {
            return Err(DecodeError::IntegerOverflow);
        }
        if b & 0x80 == 0 {
            *input = rest;
            return usize::try_from(value).map_err(|_| DecodeError::IntegerOverflow);
        }
        shift = shift.saturating_add(7);
    }
    Err(DecodeError::IntegerOverflow)
}

/// Append `value` with an `prefix_bits`-bit prefix; `flags` are the high bits of
/// the first octet (the representation's pattern).
#[inline]
pub(crate) fn encode(value: usize, prefix_bits: u8, flags: u8, out: &mut Vec<u8>) {
    let mask: u8 = u8::MAX >> 8u8.saturating_sub(prefix_bits);
    if value < usize::from(mask) {
        // value < mask ≤ 255, so the cast is exact.
        out.push(flags | value as u8);
        return;
    }
    out.push(flags | mask);
    let mut rest = value.saturating_sub(usize::from(mask));
    while rest >= 0x80 {
        out.push((rest & 0x7f) as u8 | 0x80);
        rest >>= 7;
    }
    out.push(rest as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(bytes: &[u8], prefix: u8) -> Result<(usize, usize), DecodeError> {
        let mut s = bytes;
        let v = decode(&mut s, prefix)?;
        Ok((v, bytes.len() - s.len()))
    }

    #[test]
    fn rfc_c1_examples() {
        // C.1.1: 10 with a 5-bit prefix
        assert_eq!(dec(&[0x0a], 5), Ok((10, 1)));
        // C.1.2: 1337 with a 5-bit prefix
        assert_eq!(dec(&[0x1f, 0x9a, 0x0a], 5), Ok((1337, 3)));
        // C.1.3: 42 at an octet boundary
        assert_eq!(dec(&[0x2a], 8), Ok((42, 1)));
        let mut out = Vec::new();
        encode(1337, 5, 0, &mut out);
        assert_eq!(out, [0x1f, 0x9a, 0x0a]);
        out.clear();
        encode(10, 5, 0xe0, &mut out);
        assert_eq!(out, [0xea]);
    }

    #[test]
    fn roundtrip_all_prefixes() {
        for prefix in 1..=8u8 {
            for v in [0usize, 1, 30, 31, 32, 126, 127, 128, 255, 256, 16383, 16384, 1 << 20, u32::MAX as usize] {
                let mut out = Vec::new();
                encode(v, prefix, 0, &mut out);
                assert_eq!(dec(&out, prefix), Ok((v, out.len())), "v={v} prefix={prefix}");
            }
        }
    }

    #[test]
    fn malformed() {
        assert_eq!(dec(&[], 5), Err(DecodeError::Truncated));
        assert_eq!(dec(&[0xff], 7), Err(DecodeError::Truncated));
        assert_eq!(dec(&[0xff, 0x80], 7), Err(DecodeError::Truncated));
        assert_eq!(dec(&[0x3f], 5), Err(DecodeError::Truncated));
        // too many octets
        assert_eq!(dec(&[0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f], 5), Err(DecodeError::IntegerOverflow));
        // zero-padded past the octet bound
        assert_eq!(dec(&[0x1f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 5), Err(DecodeError::IntegerOverflow));
        // > 64 bits
        assert_eq!(
            dec(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], 8),
            Err(DecodeError::IntegerOverflow)
        );
        // just over u32
        assert_eq!(dec(&[0xff, 0x80, 0xfe, 0xff, 0xff, 0x1f], 8), Err(DecodeError::IntegerOverflow));
    }
}
