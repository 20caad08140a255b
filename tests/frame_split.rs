//! Property test of the incremental frame decoder: a random sequence of
//! frames of every type (with and without padding), encoded with
//! `Frame::encode` / `write_data`, decodes to the same items whether fed in
//! one piece, one byte at a time, or in random splits — and to exactly the
//! frames that were encoded. Seeded, so failures reproduce.

use h2wasm::frame::*;
use h2wasm::ErrorCode;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Owned form of a decoder item; consecutive DATA payload pieces of one
/// frame are merged, as the split between them depends on the input chunks.
#[derive(Debug, PartialEq, Eq, Clone)]
enum Ev {
    Frame(String),
    Start { stream_id: u32, flags: u8, length: u32 },
    Data { stream_id: u32, bytes: Vec<u8> },
    End { stream_id: u32, end_stream: bool },
}

fn push(evs: &mut Vec<Ev>, ev: Ev) {
    if let (Some(Ev::Data { stream_id: a, bytes }), Ev::Data { stream_id: b, bytes: more }) = (evs.last_mut(), &ev) {
        assert_eq!(*a, *b);
        bytes.extend_from_slice(more);
        return;
    }
    evs.push(ev);
}

fn decode_in_chunks(max: u32, input: &[u8], cuts: &[usize]) -> Vec<Ev> {
    let mut d = FrameDecoder::new(max);
    let mut evs = Vec::new();
    let mut from = 0;
    for &to in cuts.iter().chain(std::iter::once(&input.len())) {
        let chunk = &input[from..to];
        let mut pos = 0;
        while let Some(item) = d.decode(chunk, &mut pos).unwrap() {
            let ev = match item {
                Item::Frame(f) => Ev::Frame(format!("{f:?}")),
                Item::DataStart { stream_id, flags, length } => Ev::Start { stream_id, flags, length },
                Item::DataPayload { stream_id, start, end } => {
                    assert!(start < end && end <= chunk.len());
                    Ev::Data { stream_id, bytes: chunk[start..end].to_vec() }
                }
                Item::DataEnd { stream_id, end_stream } => Ev::End { stream_id, end_stream },
            };
            push(&mut evs, ev);
            assert!(d.buffered() <= max as usize + 9);
        }
        assert_eq!(pos, chunk.len());
        assert!(d.buffered() <= max as usize + 9, "buffered {}", d.buffered());
        from = to;
    }
    assert!(d.at_frame_boundary());
    evs
}

fn bytes(rng: &mut SmallRng, max: usize) -> Vec<u8> {
    let n = if rng.gen_bool(0.2) { 0 } else { rng.gen_range(0..=max) };
    (0..n).map(|_| rng.gen()).collect()
}

fn sid(rng: &mut SmallRng) -> u32 {
    rng.gen_range(1..=0x7fff_ffff)
}

/// Append one random valid frame to `out` and its expected items to `want`.
fn random_frame(rng: &mut SmallRng, max: u32, out: &mut Vec<u8>, want: &mut Vec<Ev>) {
    let pad = if rng.gen_bool(0.4) { Some(rng.gen_range(0..=255u8)) } else { None };
    let body_max = (max as usize).saturating_sub(300).min(3000);
    let frag = bytes(rng, body_max);
    let spec = PrioritySpec { exclusive: rng.gen(), dependency: rng.gen_range(0..=0x7fff_ffff), weight: rng.gen() };
    let choice = rng.gen_range(0..12);
    if choice == 0 {
        let stream_id = sid(rng);
        let end_stream = rng.gen();
        write_data(out, stream_id, &frag, end_stream, pad);
        let mut flags = if end_stream { flags::END_STREAM } else { 0 };
        if pad.is_some() {
            flags |= flags::PADDED;
        }
        let length = (frag.len() + pad.map_or(0, |p| p as usize + 1)) as u32;
        want.push(Ev::Start { stream_id, flags, length });
        if !frag.is_empty() {
            want.push(Ev::Data { stream_id, bytes: frag });
        }
        want.push(Ev::End { stream_id, end_stream });
        return;
    }
    let params: Vec<u8> = frag.iter().copied().take(frag.len() / 6 * 6).collect();
    let ack: bool = rng.gen();
    let f = match choice {
        1 => Frame::Headers {
            stream_id: sid(rng),
            end_stream: rng.gen(),
            end_headers: rng.gen(),
            priority: if rng.gen() { Some(spec) } else { None },
            fragment: &frag,
        },
        2 => Frame::Priority { stream_id: sid(rng), spec },
        3 => Frame::RstStream { stream_id: sid(rng), code: ErrorCode(rng.gen()) },
        4 => Frame::Settings { ack, params: if ack { &[] } else { &params } },
        5 => Frame::PushPromise {
            stream_id: sid(rng),
            promised_id: rng.gen_range(0..=0x7fff_ffff),
            end_headers: rng.gen(),
            fragment: &frag,
        },
        6 => Frame::Ping { ack, data: rng.gen() },
        7 => Frame::GoAway { last_stream_id: rng.gen_range(0..=0x7fff_ffff), code: ErrorCode(rng.gen()), debug: &frag },
        8 => {
            Frame::WindowUpdate { stream_id: rng.gen_range(0..=0x7fff_ffff), increment: rng.gen_range(0..=0x7fff_ffff) }
        }
        9 => Frame::Continuation { stream_id: sid(rng), end_headers: rng.gen(), fragment: &frag },
        10 => Frame::PriorityUpdate { prioritized_id: sid(rng), field_value: &frag },
        _ => {
            let kind = rng.gen_range(0x11..=0xff);
            let length = frag.len() as u32;
            Frame::Unknown {
                header: FrameHeader { length, kind, flags: rng.gen(), stream_id: rng.gen_range(0..=0x7fff_ffff) },
            }
        }
    };
    f.encode(out, pad);
    want.push(Ev::Frame(format!("{f:?}")));
}

#[test]
fn identical_items_for_whole_bytewise_and_random_splits() {
    for seed in 0..40u64 {
        let mut rng = SmallRng::seed_from_u64(seed);
        let max = if seed % 4 == 0 { 16_777_215 } else { 16_384 };
        let mut input = Vec::new();
        let mut want = Vec::new();
        let n = rng.gen_range(1..60);
        for _ in 0..n {
            random_frame(&mut rng, max, &mut input, &mut want);
        }
        let whole = decode_in_chunks(max, &input, &[]);
        assert_eq!(whole, want, "seed {seed}: whole input vs encoded frames");

        let bytewise: Vec<usize> = (1..input.len()).collect();
        assert_eq!(decode_in_chunks(max, &input, &bytewise), want, "seed {seed}: one byte at a time");

        for _ in 0..5 {
            let mut cuts: Vec<usize> = (0..rng.gen_range(0..40)).map(|_| rng.gen_range(0..=input.len())).collect();
            cuts.sort_unstable();
            assert_eq!(decode_in_chunks(max, &input, &cuts), want, "seed {seed}: random splits {cuts:?}");
        }
    }
}

#[test]
fn every_frame_type_is_generated() {
    // Guards the property test against a generator that silently skips a type.
    let mut seen = std::collections::BTreeSet::new();
    let mut rng = SmallRng::seed_from_u64(99);
    for _ in 0..500 {
        let mut out = Vec::new();
        random_frame(&mut rng, 16_384, &mut out, &mut Vec::new());
        seen.insert(if out[3] > 0x10 { 0xff } else { out[3] });
    }
    assert_eq!(seen.len(), 12, "{seen:?}");
}
