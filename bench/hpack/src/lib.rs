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
    let limits = DecodeLimits { max_list_size: usize::MAX, max_fields: usize::MAX };
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
