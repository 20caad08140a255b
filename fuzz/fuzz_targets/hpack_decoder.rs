//! HPACK, two ways (first byte even / odd):
//! 1. arbitrary blocks through one `hpack::Decoder` (table size, table-size
//!    changes and limits arbitrary): no panic, nothing is emitted past a
//!    limit, and the outcome counts what was emitted unless over_limit.
//!    Layout (hand-writable, so hpack-test-case blocks are seeds):
//!    [0][table u16 LE][max_list_size/4 u16 LE][max_fields u8] then records
//!    [len u16 LE][block] — len 0xffff instead means [new max allowed u16 LE];
//! 2. an arbitrary header list through `Encoder` → `Decoder` (peer table
//!    size changes in between blocks, on both sides): decodes back equal.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use h2wasm::hpack::{DecodeLimits, Decoder, Encoder, HeaderField};
use libfuzzer_sys::fuzz_target;

#[derive(Debug)]
enum DecStep<'a> {
    Block(&'a [u8]),
    SetMaxAllowed(u16),
}

#[derive(Arbitrary, Debug)]
struct RoundTrip {
    table: u16,
    blocks: Vec<RtBlock>,
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(i)?, *b.get(i + 1)?]))
}

/// Parse the decode-mode layout (see the top of the file).
fn parse_steps(mut b: &[u8]) -> Vec<DecStep<'_>> {
    let mut steps = Vec::new();
    while let Some(len) = u16_at(b, 0) {
        b = &b[2..];
        if len == 0xffff {
            let Some(n) = u16_at(b, 0) else { break };
            steps.push(DecStep::SetMaxAllowed(n));
            b = &b[2..];
        } else {
            let (block, rest) = b.split_at((len as usize).min(b.len()));
            steps.push(DecStep::Block(block));
            b = rest;
        }
    }
    steps
}

#[derive(Arbitrary, Debug)]
struct RtBlock {
    new_table: Option<u16>,
    fields: Vec<(Vec<u8>, Vec<u8>, bool)>,
}

fn blocks(table: u16, limits: DecodeLimits, steps: Vec<DecStep<'_>>) {
    let mut d = Decoder::new(table as usize);
    for step in steps {
        match step {
            DecStep::SetMaxAllowed(n) => d.set_max_allowed_table_size(n as usize),
            DecStep::Block(b) => {
                let (mut n, mut size) = (0usize, 0usize);
                let r = d.decode(b, &limits, &mut |f: HeaderField<'_>| {
                    n += 1;
                    size += f.name.len() + f.value.len() + 32;
                });
                assert!(n <= limits.max_fields, "emitted past max_fields");
                assert!(size <= limits.max_list_size, "emitted past max_list_size");
                match r {
                    Ok(out) => {
                        if out.over_limit {
                            assert!(out.fields > limits.max_fields || out.list_size > limits.max_list_size);
                        } else {
                            assert_eq!((out.fields, out.list_size), (n, size), "outcome counts what was emitted");
                        }
                    }
                    Err(_) => return, // connection error: the table is out of sync
                }
                assert!(d.table_size() <= d.max_table_size());
            }
        }
    }
}

fn round_trip(table: u16, rt: Vec<RtBlock>) {
    let mut enc = Encoder::new();
    let mut dec = Decoder::new(table as usize);
    enc.set_max_table_size(table as usize);
    let limits = DecodeLimits { max_list_size: usize::MAX, max_fields: usize::MAX };
    let mut out = Vec::new();
    for b in rt {
        if let Some(t) = b.new_table {
            // Our SETTINGS_HEADER_TABLE_SIZE changed and was acknowledged.
            dec.set_max_allowed_table_size(t as usize);
            enc.set_max_table_size(t as usize);
        }
        out.clear();
        enc.encode(b.fields.iter().map(|(n, v, s)| HeaderField { name: n, value: v, sensitive: *s }), &mut out);
        let mut got: Vec<(Vec<u8>, Vec<u8>, bool)> = Vec::new();
        dec.decode(&out, &limits, &mut |f| got.push((f.name.to_vec(), f.value.to_vec(), f.sensitive)))
            .expect("our own encoding decodes");
        assert_eq!(got.len(), b.fields.len());
        for ((n, v, s), (gn, gv, gs)) in b.fields.iter().zip(&got) {
            assert_eq!((n, v), (gn, gv));
            assert!(!*s || *gs, "a sensitive field lost its never-indexed marking");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode & 1 == 0 {
        let (Some(table), Some(list), Some(&fields)) = (u16_at(rest, 0), u16_at(rest, 2), rest.get(4)) else { return };
        let limits = DecodeLimits { max_list_size: list as usize * 4, max_fields: fields as usize };
        blocks(table, limits, parse_steps(&rest[5..]));
    } else if let Ok(rt) = RoundTrip::arbitrary_take_rest(Unstructured::new(rest)) {
        round_trip(rt.table, rt.blocks);
    }
});
