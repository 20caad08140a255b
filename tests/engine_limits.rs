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
