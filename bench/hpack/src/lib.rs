//! HPACK decoder benchmark: ours vs `hpack` 0.3.0 vs `loona-hpack` 0.4.3 on
//! every wire block of hpack-test-case (corpus.bin, made by make_corpus.py).
//!
//! Each `run_*` decodes the whole corpus `iters` times, one fresh decoder
//! per story (stories share compression context), and returns a checksum
//! (total decoded name+value bytes, wrapping) so the work cannot be optimised
//! away and the three decoders can be checked to agree. 0 means an error.
//! The functions are plain `extern "C"` so the wasm32 cdylib needs no imports.

static CORPUS: &[u8] = include_bytes!("../corpus.bin");

/// Iterate the corpus: `f(story_start, header_table_size, wire)`.
fn for_each_block(mut f: impl FnMut(bool, u32, &[u8]) -> bool) -> bool {
    let rd = |b: &[u8], at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let mut at = 0;
    let stories = rd(CORPUS, at);
    at += 4;
    for _ in 0..stories {
        let cases = rd(CORPUS, at);
        at += 4;
        for c in 0..cases {
            let hts = rd(CORPUS, at);
            let len = rd(CORPUS, at + 4) as usize;
            at += 8;
            if !f(c == 0, hts, &CORPUS[at..at + len]) {
                return false;
            }
            at += len;
        }
    }
    true
}

/// Number of blocks in the corpus.
#[no_mangle]
pub extern "C" fn corpus_blocks() -> u32 {
    let mut n = 0;
    for_each_block(|_, _, _| {
        n += 1;
        true
    });
    n
}

/// Total wire bytes in the corpus.
#[no_mangle]
pub extern "C" fn corpus_bytes() -> u32 {
    let mut n = 0;
    for_each_block(|_, _, w| {
        n += w.len() as u32;
        true
    });
    n
}

#[no_mangle]
pub extern "C" fn run_ours(iters: u32) -> u32 {
    use h2wasm::hpack::{DecodeLimits, Decoder};
    let limits = DecodeLimits {
        max_list_size: usize::MAX,
        max_fields: usize::MAX,
    };
    let mut sum = 0u32;
    for _ in 0..iters {
        let mut d = Decoder::new(4096);
        let ok = for_each_block(|first, hts, wire| {
            if first {
                d = Decoder::new(4096);
            }
            if hts != 0 {
                d.set_max_allowed_table_size(hts as usize);
            }
            d.decode(wire, &limits, &mut |f| {
                sum = sum.wrapping_add((f.name.len() + f.value.len()) as u32);
            })
            .is_ok()
        });
        if !ok {
            return 0;
        }
    }
    sum
}

#[no_mangle]
pub extern "C" fn run_hpack03(iters: u32) -> u32 {
    let mut sum = 0u32;
    for _ in 0..iters {
        let mut d = hpack::Decoder::new();
        let ok = for_each_block(|first, _hts, wire| {
            if first {
                d = hpack::Decoder::new();
            }
            // hpack 0.3.0 has no way to bound size updates: it takes any.
            d.decode_with_cb(wire, |n, v| {
                sum = sum.wrapping_add((n.len() + v.len()) as u32);
            })
            .is_ok()
        });
        if !ok {
            return 0;
        }
    }
    sum
}

#[no_mangle]
pub extern "C" fn run_loona(iters: u32) -> u32 {
    let mut sum = 0u32;
    for _ in 0..iters {
        let mut d = loona_hpack::Decoder::new();
        let ok = for_each_block(|first, hts, wire| {
            if first {
                d = loona_hpack::Decoder::new();
            }
            if hts != 0 {
                d.set_max_allowed_table_size(hts as usize);
            }
            d.decode_with_cb(wire, |n, v| {
                sum = sum.wrapping_add((n.len() + v.len()) as u32);
            })
            .is_ok()
        });
        if !ok {
            return 0;
        }
    }
    sum
}

/// A Chrome-like first request (about 400 bytes on the wire once encoded):
/// literals with incremental indexing, Huffman-coded, as browsers send them.
fn typical_block() -> Vec<u8> {
    use h2wasm::hpack::{Encoder, HeaderField};
    let fields: [(&[u8], &[u8]); 18] = [
        (b":method", b"GET"),
        (b":authority", b"www.example.com"),
        (b":scheme", b"https"),
        (b":path", b"/articles/2024/11/some-long-article-name.html?ref=home&utm_source=feed"),
        (b"sec-ch-ua", b"\"Chromium\";v=\"130\", \"Google Chrome\";v=\"130\", \"Not?A_Brand\";v=\"99\""),
        (b"sec-ch-ua-mobile", b"?0"),
        (b"sec-ch-ua-platform", b"\"Linux\""),
        (b"upgrade-insecure-requests", b"1"),
        (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"),
        (b"accept", b"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"),
        (b"sec-fetch-site", b"none"),
        (b"sec-fetch-mode", b"navigate"),
        (b"sec-fetch-user", b"?1"),
        (b"sec-fetch-dest", b"document"),
        (b"accept-encoding", b"gzip, deflate, br, zstd"),
        (b"accept-language", b"en-US,en;q=0.9,de;q=0.8"),
        (b"cookie", b"session=8f2a6c1e9b7d4a3f0e5c2b1a9d8e7f6c; theme=dark; consent=yes"),
        (b"priority", b"u=0, i"),
    ];
    let mut out = Vec::new();
    Encoder::new().encode(
        fields.iter().map(|&(n, v)| HeaderField::new(n, v)),
        &mut out,
    );
    out
}

/// Length of the typical request block.
#[no_mangle]
pub extern "C" fn typical_len() -> u32 {
    typical_block().len() as u32
}

/// Decode the typical request block `iters` times, each with a fresh
/// decoder (a new connection's first request: every field is a literal that
/// is inserted into the table).
#[no_mangle]
pub extern "C" fn run_ours_typical(iters: u32) -> u32 {
    use h2wasm::hpack::{DecodeLimits, Decoder};
    let block = typical_block();
    let limits = DecodeLimits::default();
    let mut sum = 0u32;
    let mut d = Decoder::new(4096);
    for _ in 0..iters {
        // A size update to 0 and back empties the table without reallocating.
        d.set_max_allowed_table_size(4096);
        let _ = d.decode(&[0x20, 0x3f, 0xe1, 0x1f], &limits, &mut |_| {});
        if d.decode(&block, &limits, &mut |f| {
            sum = sum.wrapping_add((f.name.len() + f.value.len()) as u32)
        })
        .is_err()
        {
            return 0;
        }
    }
    sum
}

#[no_mangle]
pub extern "C" fn run_hpack03_typical(iters: u32) -> u32 {
    let block = typical_block();
    let mut sum = 0u32;
    for _ in 0..iters {
        let mut d = hpack::Decoder::new();
        if d.decode_with_cb(&block, |n, v| {
            sum = sum.wrapping_add((n.len() + v.len()) as u32)
        })
        .is_err()
        {
            return 0;
        }
    }
    sum
}

/// Worst case for the Huffman decoder: one literal whose ~16 KB value is
/// Huffman-coded symbols with the longest codes (byte 0x02: 28 bits), as a
/// peer could send to burn CPU. Returns decoded bytes.
fn worst_block() -> Vec<u8> {
    // 4681 × 28-bit code 0xfffffe2, padded with ones: 16,384 bytes.
    let n = 16 * 1024 * 8 / 28;
    let mut bits = Vec::with_capacity(16 * 1024);
    let (mut acc, mut nbits) = (0u64, 0u32);
    for _ in 0..n {
        acc = (acc << 28) | 0xfffffe2;
        nbits += 28;
        while nbits >= 8 {
            nbits -= 8;
            bits.push((acc >> nbits) as u8);
        }
    }
    if nbits > 0 {
        bits.push(((acc << (8 - nbits)) as u8) | (0xff >> nbits));
    }
    // never-indexed literal, new name "x", Huffman value of len 16384 (7-bit prefix)
    let mut out = vec![0x10, 0x01, b'x', 0xff];
    let mut rest = bits.len() - 127;
    while rest >= 128 {
        out.push((rest & 0x7f) as u8 | 0x80);
        rest >>= 7;
    }
    out.push(rest as u8);
    out.extend_from_slice(&bits);
    out
}

#[no_mangle]
pub extern "C" fn worst_len() -> u32 {
    worst_block().len() as u32
}

#[no_mangle]
pub extern "C" fn run_ours_worst(iters: u32) -> u32 {
    use h2wasm::hpack::{DecodeLimits, Decoder};
    let block = worst_block();
    let limits = DecodeLimits::default();
    let mut d = Decoder::new(4096);
    let mut sum = 0u32;
    for _ in 0..iters {
        if d.decode(&block, &limits, &mut |f| {
            sum = sum.wrapping_add(f.value.len() as u32)
        })
        .is_err()
        {
            return 0;
        }
    }
    sum
}
