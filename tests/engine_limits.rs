//! Attack defences at the engine level (the socket-level versions are in the
//! conformance suite): token buckets, control-queue cap, header limits.

mod common;

use common::*;
use h2wasm::connection::Config;
use h2wasm::frame::{Frame, PrioritySpec};
use h2wasm::limits::Limits;
use h2wasm::ErrorCode;

fn cut_off(c: &mut Client, ev: &[Ev]) {
    assert_eq!(ev.last(), Some(&Ev::Closed), "{:?}", &ev[ev.len().saturating_sub(3)..]);
    let f = c.flush();
    assert_eq!(goaways(&f).last().map(|g| g.1), Some(ErrorCode::ENHANCE_YOUR_CALM), "{f:?}");
}

fn rapid_resets(c: &mut Client, first: u32, n: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    for i in 0..n {
        let id = first + 2 * i;
        bytes.extend(c.headers_bytes(id, &get("/"), false));
        bytes.extend(build::rst(id, ErrorCode::CANCEL));
    }
    bytes
}

/// CVE-2023-44487, Twisted test_exactBurstAllowed / test_resetFloodIsRejected.
#[test]
fn rapid_reset_burst_allowed_then_cut_off() {
    let mut c = Client::new();
    let bytes = rapid_resets(&mut c, 1, 1000);
    let ev = c.feed(&bytes);
    assert_eq!(ev.len(), 2000);
    assert!(ev.iter().all(|e| matches!(e, Ev::Request { .. } | Ev::Reset { remote: true, .. })));
    assert!(!c.conn.is_closed());
    let bytes = rapid_resets(&mut c, 2001, 1);
    let ev = c.feed(&bytes);
    cut_off(&mut c, &ev);
}

/// Twisted test_resetTokensRefillOverTime / test_sustainedResetsWithinRateAreAllowed.
#[test]
fn rapid_reset_bucket_refills() {
    let mut c = Client::new();
    let bytes = rapid_resets(&mut c, 1, 1000);
    c.feed(&bytes);
    c.now = 1_000; // +33 tokens
    let bytes = rapid_resets(&mut c, 2001, 33);
    c.feed(&bytes);
    assert!(!c.conn.is_closed());
    let bytes = rapid_resets(&mut c, 2067, 1);
    let ev = c.feed(&bytes);
    cut_off(&mut c, &ev);
}

/// Twisted test_backwardClockDoesNotDrainBucket.
#[test]
fn rapid_reset_backward_clock_does_not_drain() {
    let mut c = Client::new();
    c.now = 100_000;
    let bytes = rapid_resets(&mut c, 1, 500);
    c.feed(&bytes);
    c.now = 0; // clock stepped back
    let bytes = rapid_resets(&mut c, 1001, 500);
    c.feed(&bytes);
    assert!(!c.conn.is_closed());
}

/// Twisted test_serverInitiatedResetsDoNotConsumeTokens.
#[test]
fn our_resets_do_not_consume_reset_tokens() {
    let mut c = Client::new();
    for i in 0..1500 {
        let id = 1 + 2 * i;
        c.request(id, &get("/"), false);
        c.conn.reset_stream(id, ErrorCode::CANCEL).unwrap();
        c.flush();
    }
    assert!(!c.conn.is_closed());
}

/// CVE-2019-9518 empty frames flood: empty DATA without END_STREAM are glitches.
#[test]
fn empty_data_flood_cut_off() {
    let mut c = Client::new();
    c.request(1, &post("/"), false);
    let mut bytes = Vec::new();
    for _ in 0..1000 {
        bytes.extend(build::data(1, b"", false));
    }
    assert_eq!(c.feed(&bytes), vec![]);
    let ev = c.feed(&build::data(1, b"", false));
    cut_off(&mut c, &ev);
}

/// CVE-2025-8671 MadeYouReset: peer-provoked stream errors are glitches.
#[test]
fn made_you_reset_cut_off() {
    let mut c = Client::new();
    let mut id = 1;
    for _ in 0..10 {
        let mut bytes = Vec::new();
        for _ in 0..100 {
            bytes.extend(c.headers_bytes(id, &get("/"), true));
            bytes.extend(build::window_update(id, 0));
            id += 2;
        }
        let ev = c.feed(&bytes);
        assert!(ev.contains(&Ev::Reset { id: id - 2, code: ErrorCode::PROTOCOL_ERROR, remote: false, unsent: 0 }));
        c.flush();
    }
    assert!(!c.conn.is_closed());
    let mut bytes = c.headers_bytes(id, &get("/"), true);
    bytes.extend(build::window_update(id, 0));
    let ev = c.feed(&bytes);
    cut_off(&mut c, &ev);
}

/// CVE-2019-9515 SETTINGS flood.
#[test]
fn settings_flood_cut_off() {
    let mut c = Client::new();
    for _ in 0..9 {
        for _ in 0..10 {
            c.feed(&build::settings(&[]));
        }
        c.flush();
    }
    assert!(!c.conn.is_closed());
    let mut bytes = Vec::new();
    for _ in 0..10 {
        bytes.extend(build::settings(&[]));
    }
    let ev = c.feed(&bytes); // 2 (handshake SETTINGS + ACK) + 90 + 10 = 102 > burst 100
    cut_off(&mut c, &ev);
}

/// CVE-2019-9512 PING flood.
#[test]
fn ping_flood_cut_off() {
    let mut c = Client::new();
    for _ in 0..10 {
        for _ in 0..10 {
            c.feed(&build::ping([1; 8]));
        }
        c.flush();
    }
    assert!(!c.conn.is_closed());
    let ev = c.feed(&build::ping([1; 8]));
    cut_off(&mut c, &ev);
}

#[test]
fn unanswered_pings_bounded() {
    let cfg = Config { limits: Limits { max_pending_ping_acks: 10, ..Limits::default() }, ..Config::default() };
    let mut c = Client::with_config(cfg);
    let mut bytes = Vec::new();
    for _ in 0..11 {
        bytes.extend(build::ping([2; 8]));
    }
    let ev = c.feed(&bytes);
    cut_off(&mut c, &ev);
}

/// Twisted test_bufferingAutomaticFrameDataWithCircuitBreaker: with a
/// 100-byte cap the 12th unflushed SETTINGS ACK aborts (peer not reading).
#[test]
fn control_queue_cap() {
    let cfg = Config { limits: Limits { max_control_bytes: 100, ..Limits::default() }, ..Config::default() };
    let mut c = Client::with_config(cfg);
    for _ in 0..11 {
        assert_eq!(c.feed(&build::settings(&[])), vec![Ev::Settings]);
    }
    let ev = c.feed(&build::settings(&[]));
    cut_off(&mut c, &ev);
}

/// CONTINUATION flood, zero-length frames included (counted by frame).
#[test]
fn continuation_flood_cut_off() {
    let mut c = Client::new();
    let block = c.block(&get("/"));
    let mut bytes = build::frame(&Frame::Headers {
        stream_id: 1,
        end_stream: true,
        end_headers: false,
        priority: None,
        fragment: &block,
    });
    for _ in 0..13 {
        bytes.extend(build::frame(&Frame::Continuation { stream_id: 1, end_headers: false, fragment: &[] }));
    }
    assert_eq!(c.feed(&bytes), vec![]);
    let ev = c.feed(&build::frame(&Frame::Continuation { stream_id: 1, end_headers: false, fragment: &[] }));
    cut_off(&mut c, &ev);
}

#[test]
fn oversized_header_block_cut_off() {
    let mut c = Client::new();
    let chunk = vec![0x40u8; 16_384];
    let mut bytes = build::frame(&Frame::Headers {
        stream_id: 1,
        end_stream: true,
        end_headers: false,
        priority: None,
        fragment: &chunk,
    });
    for _ in 0..5 {
        bytes.extend(build::frame(&Frame::Continuation { stream_id: 1, end_headers: false, fragment: &chunk }));
    }
    let ev = c.feed(&bytes);
    cut_off(&mut c, &ev);
}

/// CVE-2019-9516 / header-count bomb: too many fields → 431, HPACK stays in sync.
#[test]
fn too_many_header_fields_rejected_431() {
    let mut c = Client::new();
    let mut f = get("/");
    for i in 0..130 {
        f.push((format!("x-{i}"), "v".into()));
    }
    let ev = c.request(1, &f, true);
    assert_eq!(ev, vec![Ev::Rejected { id: 1, status: 431, reason: "request header fields too large" }]);
    let fr = c.flush();
    assert_eq!(rsts(&fr), vec![(1, ErrorCode::PROTOCOL_ERROR)]);
    assert!(matches!(&fr[0], SFrame::Headers { fields, .. } if fields == &fields_431()));
    assert_eq!(c.request(3, &get("/next"), true).len(), 1);
}

fn fields_431() -> Vec<(String, String)> {
    fields(&[(":status", "431")])
}

/// Header list above MAX_HEADER_LIST_SIZE (32 bytes overhead per field) → 431.
#[test]
fn header_list_too_large_rejected_431() {
    let mut c = Client::new();
    let mut f = get("/");
    for i in 0..17 {
        f.push((format!("x-{i}"), "a".repeat(4000)));
    }
    let ev = c.request(1, &f, true);
    assert_eq!(ev, vec![Ev::Rejected { id: 1, status: 431, reason: "request header fields too large" }]);
    assert_eq!(c.request(3, &get("/next"), true).len(), 1);
}

/// CVE-2019-9513: PRIORITY churn costs glitch tokens; no tree is kept.
#[test]
fn priority_churn_cut_off() {
    let mut c = Client::new();
    let mut bytes = Vec::new();
    for i in 0..1000u32 {
        let spec = PrioritySpec { exclusive: i % 2 == 0, dependency: 2 * i + 3, weight: 200 };
        bytes.extend(build::frame(&Frame::Priority { stream_id: 2 * i + 1, spec }));
    }
    assert_eq!(c.feed(&bytes), vec![]);
    let spec = PrioritySpec { exclusive: false, dependency: 0, weight: 1 };
    let ev = c.feed(&build::frame(&Frame::Priority { stream_id: 7, spec }));
    cut_off(&mut c, &ev);
}

#[test]
fn unknown_frame_flood_cut_off() {
    let mut c = Client::new();
    let mut bytes = Vec::new();
    for _ in 0..1001 {
        bytes.extend(build::raw(0xbb, 0, 0, b""));
    }
    let ev = c.feed(&bytes);
    cut_off(&mut c, &ev);
}

/// CVE-2019-9514 reset flood via invalid requests: each 400 + RST costs a glitch token.
#[test]
fn invalid_requests_flood_cut_off() {
    let mut c = Client::new();
    let bad = fields(&[(":method", "GET"), (":path", "/")]);
    let mut id = 1;
    for _ in 0..10 {
        for _ in 0..100 {
            let ev = c.request(id, &bad, true);
            assert!(matches!(ev[..], [Ev::Rejected { .. }]));
            id += 2;
        }
        c.flush();
    }
    let ev = c.request(id, &bad, true);
    cut_off(&mut c, &ev);
}

// ---- frames that cost CPU but do no work (no-op frame budget) ----

fn noop_limits(burst: u32) -> Config {
    let mut cfg = Config::default();
    cfg.limits.noop_frame_burst = burst;
    cfg.limits.noop_frame_rate_per_s = 10;
    cfg
}

/// Connection-level WINDOW_UPDATE(1) with nothing waiting: a flood is cut off at the burst.
#[test]
fn connection_window_update_flood_cut_off() {
    let mut c = Client::with_config(noop_limits(100));
    let mut bytes = Vec::new();
    for _ in 0..100 {
        bytes.extend(build::window_update(0, 1));
    }
    assert_eq!(c.feed(&bytes), vec![]);
    assert!(!c.conn.is_closed());
    let ev = c.feed(&build::window_update(0, 1));
    cut_off(&mut c, &ev);
}

/// Stream-level WINDOW_UPDATE(1) on a stream with nothing queued: cut off.
#[test]
fn stream_window_update_flood_cut_off() {
    let mut c = Client::with_config(noop_limits(100));
    c.request(1, &get("/hang"), true);
    let bytes: Vec<u8> = (0..101).flat_map(|_| build::window_update(1, 1)).collect();
    let ev = c.feed(&bytes);
    cut_off(&mut c, &ev);
}

/// WINDOW_UPDATE on a finished stream used to be free.
#[test]
fn late_window_update_flood_cut_off() {
    let mut c = Client::with_config(noop_limits(100));
    c.request(1, &get("/"), true);
    c.respond(1, 200, b"", true);
    c.flush();
    let bytes: Vec<u8> = (0..101).flat_map(|_| build::window_update(1, 1 << 20)).collect();
    let ev = c.feed(&bytes);
    cut_off(&mut c, &ev);
}

/// Unsolicited PING ACKs do nothing: budgeted.
#[test]
fn unsolicited_ping_ack_flood_cut_off() {
    let mut c = Client::with_config(noop_limits(100));
    let bytes: Vec<u8> = (0..101).flat_map(|_| build::ping_ack(*b"whatever")).collect();
    let ev = c.feed(&bytes);
    cut_off(&mut c, &ev);
}

/// Repeated GOAWAYs while a stream is open: only the first does anything.
#[test]
fn goaway_flood_cut_off() {
    let mut c = Client::with_config(noop_limits(100));
    c.request(1, &get("/hang"), true);
    let bytes: Vec<u8> = (0..102).flat_map(|_| build::goaway(1, ErrorCode::NO_ERROR)).collect();
    let ev = c.feed(&bytes);
    cut_off(&mut c, &ev);
}

/// A download: WINDOW_UPDATEs that unblock queued data, or that credit back
/// DATA we sent, never spend the budget, however many there are.
#[test]
fn window_updates_paid_by_data_are_free() {
    let mut c = Client::with_config(noop_limits(4));
    for round in 0..200u32 {
        let id = 1 + 2 * round;
        c.request(id, &get("/"), true);
        c.respond(id, 200, &[b'x'; 16_384], true);
        let f = c.flush();
        assert_eq!(data_frames(&f).len(), 1);
        // The client credits the bytes back at both levels, as nghttp2 and Go do.
        let mut bytes = build::window_update(id, 16_384);
        bytes.extend(build::window_update(0, 16_384));
        c.feed(&bytes);
        assert!(!c.conn.is_closed(), "round {round}");
    }
}

/// Increments that unblock queued data are free; tiny ones (1 byte of work
/// per frame, CVE-2019-9511 data dribble) are budgeted even then.
#[test]
fn tiny_window_updates_budgeted_even_when_they_unblock() {
    let mut c = Client::with_settings(noop_limits(50), &[(0x4, 0)]);
    c.request(1, &get("/"), true);
    c.respond(1, 200, &[b'x'; 100_000], false);
    c.flush();
    // Large unblocking increments are free.
    for _ in 0..100 {
        c.feed(&build::window_update(1, 1024));
        c.flush();
    }
    assert!(!c.conn.is_closed());
    let mut closed = false;
    for _ in 0..60 {
        let ev = c.feed(&build::window_update(1, 1));
        c.flush();
        if ev.last() == Some(&Ev::Closed) {
            closed = true;
            break;
        }
    }
    assert!(closed, "1-byte increments were never cut off");
}

/// The budget refills: a slow trickle of useless frames is tolerated.
#[test]
fn noop_budget_refills() {
    let mut c = Client::with_config(noop_limits(10));
    for i in 0..100u64 {
        c.now = i * 200; // 5 per second < 10 per second
        c.feed(&build::window_update(0, 1));
    }
    assert!(!c.conn.is_closed());
}

// ---- slow request bodies ----

fn body_limits(timeout_ms: u64, rate: u32) -> Config {
    let mut cfg = Config::default();
    cfg.limits.request_body_timeout_ms = timeout_ms;
    cfg.limits.min_request_body_rate = rate;
    cfg
}

/// One byte per 100 ms (10 B/s) against 1000 B/s after a 1 s grace: reset with CANCEL and a reason.
#[test]
fn slow_request_body_is_reset() {
    let mut c = Client::with_config(body_limits(1_000, 1_000));
    c.request(1, &post("/upload"), false);
    let mut expired = None;
    for i in 1..=40u64 {
        c.now = i * 100;
        let mut ev = c.feed(&build::data(1, b"x", false));
        ev.extend(c.tick(c.now));
        if let Some(p) = ev.iter().position(|e| matches!(e, Ev::Expired { .. })) {
            assert_eq!(ev.get(p + 1), Some(&Ev::Reset { id: 1, code: ErrorCode::CANCEL, remote: false, unsent: 0 }));
            expired = Some(c.now);
            break;
        }
    }
    let at = expired.expect("the slow body was never cut off");
    // Allowed: 1 s + 1 ms per byte received; the reset comes right after.
    assert!((1_000..=1_200).contains(&at), "reset at {at} ms");
    let f = c.flush();
    assert!(rsts(&f).contains(&(1, ErrorCode::CANCEL)), "{f:?}");
    assert!(!c.conn.is_closed());
}

/// An upload at the minimum rate or above completes, however long it takes.
#[test]
fn upload_within_rate_completes() {
    let mut c = Client::with_config(body_limits(1_000, 1_000));
    c.request(1, &post("/upload"), false);
    // 200 bytes per 100 ms = 2000 B/s for 10 s.
    for i in 1..=100u64 {
        c.now = i * 100;
        let ev = c.feed(&build::data(1, &[b'y'; 200], i == 100));
        for e in &ev {
            if let Ev::Data { id, data } = e {
                c.conn.consumed(*id, data.len() as u32).unwrap();
            }
        }
        let t = c.tick(c.now);
        assert!(t.iter().all(|e| !matches!(e, Ev::Expired { .. } | Ev::Reset { .. })), "at {}: {t:?}", c.now);
        c.flush();
    }
}

/// Time the peer spends held back by our window (the application is not
/// reading) does not count against it.
#[test]
fn body_clock_stops_while_our_window_is_closed() {
    let mut c = Client::with_config(body_limits(1_000, 1_000));
    c.request(1, &post("/upload"), false);
    let mut got = 0;
    for n in [16_384, 16_384, 16_384, 16_383] {
        for e in c.feed(&build::data(1, &vec![b'z'; n], false)) {
            if let Ev::Data { data, .. } = e {
                got += data.len();
            }
        }
    }
    assert_eq!(got, 65_535); // window exhausted, nothing consumed
    assert_eq!(c.conn.next_deadline().filter(|d| *d < 60_000), None, "no body deadline while blocked");
    let t = c.tick(50_000);
    assert!(t.iter().all(|e| !matches!(e, Ev::Expired { .. })), "{t:?}");
    // The application reads everything at 50 s: the clock runs again from there.
    c.now = 50_000;
    c.conn.consumed(1, 65_535).unwrap();
    let deadline = c.conn.next_deadline().unwrap();
    assert!(deadline > 50_000 && deadline <= 50_000 + 1_000 + 65_535 + 10, "deadline {deadline}");
}

/// 0 turns the check off.
#[test]
fn body_timeout_zero_disables() {
    let mut c = Client::with_config(body_limits(0, 1_000));
    c.request(1, &post("/upload"), false);
    let t = c.tick(59_000);
    assert!(t.is_empty(), "{t:?}");
}

/// A client that credits back every DATA frame at once (both levels), small
/// responses included, and whose stream-level credit arrives after the
/// stream ended: never cut off.
#[test]
fn per_frame_window_updates_for_small_responses_are_free() {
    let mut c = Client::with_config(noop_limits(4));
    for round in 0..2_000u32 {
        let id = 1 + 2 * round;
        c.request(id, &get("/"), true);
        c.respond(id, 200, b"hello from h2wasm\n", true);
        let f = c.flush();
        assert_eq!(data_frames(&f).len(), 1);
        let mut bytes = build::window_update(id, 18); // late: the stream is already closed
        bytes.extend(build::window_update(0, 18));
        c.feed(&bytes);
        assert!(!c.conn.is_closed(), "round {round}");
    }
}
