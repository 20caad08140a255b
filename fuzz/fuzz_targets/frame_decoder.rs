//! Frame decoder on arbitrary bytes, split at arbitrary points, with an
//! arbitrary max frame size.
//!
//! Oracles beyond "no panic":
//! - items (consecutive DATA payload merged) and the first connection error
//!   are the same for the split input as for the whole input;
//! - `DataPayload` ranges are non-empty and inside the current chunk;
//! - the decoder never holds more than max_frame_size + 9 bytes;
//! - every decoded frame re-encodes with `Frame::encode` and decodes back equal.
#![no_main]

use arbitrary::Unstructured;
use h2wasm::error::ProtoError;
use h2wasm::frame::{Frame, FrameDecoder, Item};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, PartialEq, Eq)]
enum Ev {
    Frame(String),
    Start(u32, u8, u32),
    Data(u32, Vec<u8>),
    End(u32, bool),
    StreamErr(ProtoError),
}

fn push(evs: &mut Vec<Ev>, ev: Ev) {
    if let (Some(Ev::Data(a, bytes)), Ev::Data(b, more)) = (evs.last_mut(), &ev) {
        assert_eq!(*a, *b, "payload pieces of one frame");
        bytes.extend_from_slice(more);
        return;
    }
    evs.push(ev);
}

fn check_reencode(f: &Frame<'_>, max: u32) {
    let mut out = Vec::new();
    f.encode(&mut out, None);
    let mut d = FrameDecoder::new(max);
    let mut pos = 0;
    let again = d.decode(&out, &mut pos).expect("re-encoded frame decodes");
    assert_eq!(again, Some(Item::Frame(f.clone())));
}

/// Decode `input` cut at `cuts`; returns the items and the connection error that stopped it.
fn run(max: u32, input: &[u8], cuts: &[usize], reencode: bool) -> (Vec<Ev>, Option<ProtoError>) {
    let mut d = FrameDecoder::new(max);
    let bound = d.max_frame_size() as usize + 9;
    let mut evs = Vec::new();
    let mut from = 0;
    for &to in cuts.iter().chain(std::iter::once(&input.len())) {
        let chunk = &input[from..to];
        from = to;
        let mut pos = 0;
        loop {
            let before = pos;
            match d.decode(chunk, &mut pos) {
                Ok(None) => {
                    assert_eq!(pos, chunk.len(), "Ok(None) only when the input is used up");
                    break;
                }
                Ok(Some(item)) => {
                    let ev = match item {
                        Item::Frame(f) => {
                            if reencode && !matches!(f, Frame::Unknown { .. }) {
                                check_reencode(&f, max);
                            }
                            Ev::Frame(format!("{f:?}"))
                        }
                        Item::DataStart { stream_id, flags, length } => Ev::Start(stream_id, flags, length),
                        Item::DataPayload { stream_id, start, end } => {
                            assert!(start < end && end <= chunk.len() && start >= before);
                            Ev::Data(stream_id, chunk[start..end].to_vec())
                        }
                        Item::DataEnd { stream_id, end_stream } => Ev::End(stream_id, end_stream),
                    };
                    push(&mut evs, ev);
                }
                Err(e @ ProtoError::Stream { .. }) => push(&mut evs, Ev::StreamErr(e)),
                Err(e) => {
                    // Unusable afterwards: it must keep saying so.
                    let mut p = 0;
                    assert_eq!(d.decode(chunk, &mut p), Err(e));
                    return (evs, Some(e));
                }
            }
            assert!(pos <= chunk.len());
            assert!(d.buffered() <= bound, "buffered {} > {}", d.buffered(), bound);
        }
    }
    (evs, None)
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let max: u32 = match u.arbitrary::<u8>().unwrap_or(0) % 4 {
        0 => 16_384,
        1 => 16_777_215,
        _ => u.arbitrary().unwrap_or(0),
    };
    let ncuts = u.arbitrary::<u8>().unwrap_or(0) as usize % 32;
    let mut cuts: Vec<usize> = (0..ncuts).map(|_| u.arbitrary::<u16>().unwrap_or(0) as usize).collect();
    let input = u.take_rest();
    for c in &mut cuts {
        *c %= input.len() + 1;
    }
    cuts.sort_unstable();
    let whole = run(max, input, &[], true);
    let split = run(max, input, &cuts, false);
    assert_eq!(whole, split, "split input decoded differently; cuts {cuts:?}");
    if cuts.len() < 4 {
        // One byte at a time (short inputs only: keeps executions fast).
        if input.len() <= 512 {
            let bytewise: Vec<usize> = (1..input.len()).collect();
            assert_eq!(whole, run(max, input, &bytewise, false), "bytewise");
        }
    }
});
