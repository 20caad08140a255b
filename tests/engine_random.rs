//! Seeded random traffic (structured frames, raw garbage, random commands and
//! clock steps) must never panic, never emit anything after `Closed`, and
//! always produce output whose DATA segments match what the app queued.

mod common;

use common::*;
use h2wasm::connection::{Config, Event, Output};
use h2wasm::frame::{Frame, PrioritySpec};
use h2wasm::limits::Limits;
use h2wasm::ErrorCode;
use rand::{rngs::SmallRng, Rng, SeedableRng};

/// `next`: the next new stream id; mostly valid traffic, some violations.
fn random_frame(rng: &mut SmallRng, c: &mut Client, next: &mut u32, hostile: bool) -> Vec<u8> {
    let id = if hostile && rng.gen_bool(0.1) {
        rng.gen_range(0..*next + 4)
    } else if *next > 1 {
        rng.gen_range(0..*next / 2) * 2 + 1
    } else {
        1
    };
    let small = |rng: &mut SmallRng| -> Vec<u8> { (0..rng.gen_range(0..20)).map(|_| rng.gen()).collect() };
    let kinds = if hostile { 16 } else { 10 };
    let kind = if *next == 1 { 0 } else { rng.gen_range(0..kinds) };
    match kind {
        0 | 1 => {
            let id = *next;
            *next += 2;
            let mut f = if rng.gen_bool(0.5) { get("/") } else { post("/") };
            if rng.gen_bool(0.2) {
                f.push(("content-length".into(), rng.gen_range(0..5).to_string()));
            }
            if rng.gen_bool(0.05) {
                f.push(("Bad".into(), "x".into()));
            }
            c.headers_bytes(id, &f, rng.gen_bool(0.3))
        }
        2 | 3 => build::data(id, &small(rng), rng.gen_bool(0.3)),
        4 => build::data_padded(id, &small(rng), rng.gen(), rng.gen_bool(0.3)),
        5 => build::rst(id, ErrorCode(rng.gen_range(0..15))),
        6 => build::window_update(id, if rng.gen_bool(0.05) { 0 } else { rng.gen_range(1..100_000) }),
        7 if hostile => build::settings(&[(rng.gen_range(0..10), rng.gen_range(0..70_000))]),
        7 => build::settings(&[(4, rng.gen_range(0..70_000)), (5, rng.gen_range(16_384..70_000))]),
        8 => build::ping(rng.gen()),
        9 => build::frame(&Frame::Priority {
            stream_id: id.max(1),
            spec: PrioritySpec { exclusive: rng.gen(), dependency: rng.gen_range(0..12), weight: rng.gen() },
        }),
        10 => {
            build::frame(&Frame::Continuation { stream_id: id.max(1), end_headers: rng.gen(), fragment: &small(rng) })
        }
        11 => {
            let block = small(rng);
            build::frame(&Frame::Headers {
                stream_id: id.max(1),
                end_stream: rng.gen(),
                end_headers: rng.gen(),
                priority: None,
                fragment: &block,
            })
        }
        12 => build::frame(&Frame::PriorityUpdate { prioritized_id: id, field_value: b"u=1, i" }),
        13 => build::goaway(id, ErrorCode(rng.gen_range(0..3))),
        14 => build::raw(rng.gen(), rng.gen(), id, &small(rng)),
        _ => small(rng),
    }
}

fn random_command(rng: &mut SmallRng, c: &mut Client) {
    let id = rng.gen_range(0..40u32) | 1;
    match rng.gen_range(0..10) {
        0 => {
            let _ = c.conn.send_headers(id, 200, &[(b"x", b"y")], rng.gen_bool(0.2));
        }
        1 | 2 => {
            let n = rng.gen_range(0..70_000usize);
            if c.conn.send_data(id, n as u32, rng.gen_bool(0.3)).is_ok() {
                c.app.queue(id, &vec![id as u8; n]);
            }
        }
        3 => {
            let _ = c.conn.send_trailers(id, &[(b"t", b"1")]);
        }
        4 => {
            let _ = c.conn.reset_stream(id, ErrorCode::CANCEL);
        }
        5 => {
            let _ = c.conn.consumed(id, rng.gen_range(0..100_000));
        }
        6 => {
            let _ = c.conn.send_informational(id, 100, &[]);
        }
        7 => {
            let _ = c.conn.ping(rng.gen());
        }
        8 if rng.gen_bool(0.05) => c.conn.shutdown(),
        _ => {
            c.now += rng.gen_range(0..20_000);
            c.conn.tick(c.now);
        }
    }
}

#[test]
fn random_traffic_never_panics_and_output_is_consistent() {
    let mut events = 0u64;
    for seed in 0..300u64 {
        let mut rng = SmallRng::seed_from_u64(seed);
        let limits = Limits { glitch_burst: 50, ..Limits::default() };
        let mut c = Client::raw(Config { limits, ..Config::default() });
        let mut bytes = PREFACE.to_vec();
        bytes.extend(build::settings(&[]));
        bytes.extend(build::settings_ack());
        let hostile = seed % 3 == 0;
        let mut next = 1;
        for _ in 0..rng.gen_range(1..200) {
            bytes.extend(random_frame(&mut rng, &mut c, &mut next, hostile));
        }
        let mut pos = 0;
        let mut closed = false;
        while pos < bytes.len() {
            let end = (pos + rng.gen_range(1..200)).min(bytes.len());
            c.conn.receive(&bytes[pos..end], c.now);
            let chunk_len = end - pos;
            pos = end;
            for _ in 0..rng.gen_range(0..4) {
                random_command(&mut rng, &mut c);
            }
            while let Some(e) = c.conn.poll_event() {
                assert!(!closed, "seed {seed}: event after Closed: {e:?}");
                if let Event::Reset { stream_id, unsent, .. } = e {
                    assert_eq!(c.app.drop_stream(stream_id) as u64, unsent, "seed {seed}");
                }
                if let Event::Data { start: s, end: e2, .. } = e {
                    assert!(s < e2 && (e2 as usize) <= chunk_len, "seed {seed}: Data range out of input");
                }
                closed |= e == Event::Closed;
                events += 1;
            }
            let mut out = Output::new();
            c.conn.write_output(&mut out, rng.gen_range(0..100_000));
            c.app.assemble(&out);
        }
        assert_eq!(closed, c.conn.is_closed(), "seed {seed}");
    }
    // the traffic is mostly valid, so it gets deep into the state machine
    assert!(events > 5_000, "{events}");
}

/// The same random traffic fed whole, one byte at a time and in random
/// splits gives the same events (Data merged per stream) and the same output.
#[test]
fn random_traffic_split_invariant() {
    for seed in 0..60u64 {
        let mut rng = SmallRng::seed_from_u64(1000 + seed);
        let hostile = seed % 4 == 0;
        let mut gen = Client::raw(Config::default());
        let mut bytes = PREFACE.to_vec();
        bytes.extend(build::settings(&[]));
        bytes.extend(build::settings_ack());
        let mut next = 1;
        for _ in 0..rng.gen_range(1..80) {
            bytes.extend(random_frame(&mut rng, &mut gen, &mut next, hostile));
        }
        let run = |sizes: &mut dyn FnMut() -> usize| {
            let mut c = Client::raw(Config::default());
            let mut ev = Vec::new();
            let mut pos = 0;
            while pos < bytes.len() {
                let end = (pos + sizes()).min(bytes.len());
                ev.extend(c.feed(&bytes[pos..end]));
                pos = end;
            }
            // merge Data across chunk boundaries
            let mut merged: Vec<Ev> = Vec::new();
            for e in ev {
                if let (Some(Ev::Data { id: a, data }), Ev::Data { id: b, data: more }) = (merged.last_mut(), &e) {
                    if a == b {
                        data.extend_from_slice(more);
                        continue;
                    }
                }
                merged.push(e);
            }
            (merged, c.flush())
        };
        let whole = run(&mut || usize::MAX / 2);
        assert_eq!(run(&mut || 1), whole, "seed {seed} 1-byte");
        let mut r2 = SmallRng::seed_from_u64(seed);
        assert_eq!(run(&mut || r2.gen_range(1..50)), whole, "seed {seed} random");
    }
}

/// Throughput smoke check (run with --ignored --nocapture; no thresholds asserted).
#[test]
#[ignore]
fn throughput_report() {
    use std::time::Instant;
    let mut c = Client::with_settings(Config::default(), &[(4, 0x7fff_ffff)]);
    c.feed(&build::window_update(0, 0x7fff_0000));
    // upload: 64 streams × 1 MiB of DATA in 16 KiB frames
    let mut bytes = Vec::new();
    for i in 0..64u32 {
        bytes.extend(c.headers_bytes(1 + 2 * i, &post("/"), false));
    }
    let chunk = vec![7u8; 16_384];
    let mut frames = Vec::new();
    for _ in 0..64 {
        for i in 0..64u32 {
            frames.extend(build::data(1 + 2 * i, &chunk, false));
        }
    }
    c.feed(&bytes);
    let t = Instant::now();
    let mut n = 0u64;
    for piece in frames.chunks(65_536) {
        c.conn.receive(piece, 0);
        while let Some(e) = c.conn.poll_event() {
            if let Event::Data { stream_id, start, end } = e {
                n += u64::from(end - start);
                let _ = c.conn.consumed(stream_id, end - start);
            }
        }
        let mut out = Output::new();
        c.conn.write_output(&mut out, usize::MAX);
    }
    let dt = t.elapsed().as_secs_f64();
    eprintln!("inbound: {} MiB in {:.3} s = {:.0} MiB/s", n >> 20, dt, (n >> 20) as f64 / dt);
    // download: 64 streams × 1 MiB queued, written in 256 KiB budgets
    for i in 0..64u32 {
        c.conn.send_headers(1 + 2 * i, 200, &[], false).unwrap();
        c.conn.send_data(1 + 2 * i, 1 << 20, true).unwrap();
    }
    let t = Instant::now();
    let mut total = 0u64;
    let mut out = Output::new();
    while c.conn.wants_write() {
        out.clear();
        c.conn.write_output(&mut out, 256 * 1024);
        for s in &out.segments {
            if let h2wasm::connection::Segment::Data { len, .. } = s {
                total += u64::from(*len);
            }
        }
        while c.conn.poll_event().is_some() {}
    }
    let dt = t.elapsed().as_secs_f64();
    eprintln!("outbound: {} MiB in {:.3} s = {:.0} MiB/s", total >> 20, dt, (total >> 20) as f64 / dt);
}
