//! RFC 9113 §5.1 stream states, stream identifiers, resets, header blocks.

mod common;

use common::*;
use h2wasm::connection::Config;
use h2wasm::frame::{Frame, PrioritySpec};
use h2wasm::ErrorCode;

fn closed_with(c: &mut Client, code: ErrorCode) {
    let f = c.flush();
    assert_eq!(goaways(&f).len(), 1, "{f:?}");
    assert_eq!(goaways(&f)[0].1, code, "{f:?}");
    assert!(c.conn.is_closed());
}

#[test]
fn even_stream_id_is_connection_protocol_error() {
    let mut c = Client::new();
    let ev = c.request(2, &get("/"), true);
    assert!(matches!(ev[..], [Ev::Error { code: ErrorCode::PROTOCOL_ERROR, .. }, Ev::Closed]), "{ev:?}");
    closed_with(&mut c, ErrorCode::PROTOCOL_ERROR);
}

#[test]
fn decreasing_stream_id_is_connection_protocol_error() {
    let mut c = Client::new();
    c.request(5, &get("/"), true);
    c.request(3, &get("/"), true);
    let f = c.flush();
    assert_eq!(goaways(&f), vec![(5, ErrorCode::PROTOCOL_ERROR)]);
}

#[test]
fn headers_on_stream_closed_after_end_stream_is_stream_closed() {
    let mut c = Client::new();
    c.request(1, &get("/"), true);
    c.conn.send_headers(1, 200, &[], true).unwrap();
    c.flush();
    c.events();
    c.request(1, &get("/"), true);
    closed_with(&mut c, ErrorCode::STREAM_CLOSED);
}

#[test]
fn data_on_idle_stream_is_connection_error() {
    let mut c = Client::new();
    c.feed(&build::data(1, b"x", false));
    closed_with(&mut c, ErrorCode::PROTOCOL_ERROR);
}

#[test]
fn rst_on_idle_stream_is_connection_error() {
    let mut c = Client::new();
    c.feed(&build::rst(1, ErrorCode::CANCEL));
    closed_with(&mut c, ErrorCode::PROTOCOL_ERROR);
}

#[test]
fn window_update_on_idle_stream_is_connection_error() {
    let mut c = Client::new();
    c.feed(&build::window_update(1, 1));
    closed_with(&mut c, ErrorCode::PROTOCOL_ERROR);
}

#[test]
fn priority_on_idle_stream_is_fine() {
    let mut c = Client::new();
    let spec = PrioritySpec { exclusive: false, dependency: 0, weight: 16 };
    assert_eq!(c.feed(&build::frame(&Frame::Priority { stream_id: 9, spec })), vec![]);
    assert_eq!(c.request(9, &get("/"), true).len(), 1);
    assert!(c.flush().is_empty());
}

#[test]
fn priority_depending_on_itself_is_stream_error() {
    let mut c = Client::new();
    c.request(1, &get("/"), false);
    let spec = PrioritySpec { exclusive: false, dependency: 1, weight: 16 };
    let ev = c.feed(&build::frame(&Frame::Priority { stream_id: 1, spec }));
    assert_eq!(ev, vec![Ev::Reset { id: 1, code: ErrorCode::PROTOCOL_ERROR, remote: false, unsent: 0 }]);
    assert_eq!(rsts(&c.flush()), vec![(1, ErrorCode::PROTOCOL_ERROR)]);
}

#[test]
fn headers_depending_on_itself_is_stream_error() {
    let mut c = Client::new();
    let block = c.block(&get("/"));
    let f = Frame::Headers {
        stream_id: 1,
        end_stream: true,
        end_headers: true,
        priority: Some(PrioritySpec { exclusive: false, dependency: 1, weight: 16 }),
        fragment: &block,
    };
    assert_eq!(c.feed(&build::frame(&f)), vec![]);
    assert_eq!(rsts(&c.flush()), vec![(1, ErrorCode::PROTOCOL_ERROR)]);
    // HPACK stayed in sync: the next request decodes
    assert_eq!(c.request(3, &get("/x"), true), vec![Ev::Request { id: 3, fields: get("/x"), end: true }]);
}

/// The 101st stream is refused and the connection lives (Twisted closed it).
#[test]
fn stream_over_concurrency_limit_refused() {
    let mut c = Client::new();
    for i in 0..100 {
        assert_eq!(c.request(1 + 2 * i, &get("/"), true).len(), 1);
    }
    assert_eq!(c.request(201, &get("/"), true), vec![]);
    assert_eq!(rsts(&c.flush()), vec![(201, ErrorCode::REFUSED_STREAM)]);
    assert!(!c.conn.is_closed());
    // frames already in flight for the refused stream are ignored
    assert_eq!(c.feed(&build::data(201, b"x", true)), vec![]);
    // once a stream finishes, a new one is accepted
    c.conn.send_headers(1, 200, &[], true).unwrap();
    c.flush();
    assert_eq!(c.events(), vec![Ev::StreamClosed(1)]);
    assert_eq!(c.request(203, &get("/"), true).len(), 1);
}

/// Twisted test_resetAfterBody: HEADERS(END_STREAM) + RST in one read → no response.
#[test]
fn reset_after_body_gives_no_response() {
    let mut c = Client::new();
    let mut bytes = c.headers_bytes(1, &get("/"), true);
    bytes.extend(build::rst(1, ErrorCode::CANCEL));
    let ev = c.feed(&bytes);
    assert_eq!(
        ev,
        vec![
            Ev::Request { id: 1, fields: get("/"), end: true },
            Ev::Reset { id: 1, code: ErrorCode::CANCEL, remote: true, unsent: 0 },
        ]
    );
    assert_eq!(c.conn.send_headers(1, 200, &[], true), Err(h2wasm::error::UserError::StreamClosed));
    assert!(c.flush().is_empty());
}

#[test]
fn data_on_closed_stream_is_stream_closed_and_credits_connection() {
    let cfg = Config { connection_window: 65_535, ..Config::default() };
    let mut c = Client::with_config(cfg);
    c.request(1, &post("/"), true);
    c.conn.send_headers(1, 200, &[], true).unwrap();
    c.flush();
    c.events();
    let mut bytes = Vec::new();
    for _ in 0..2 {
        bytes.extend(build::data(1, &[0; 16_384], false));
    }
    assert_eq!(c.feed(&bytes), vec![]);
    let f = c.flush();
    assert_eq!(rsts(&f), vec![(1, ErrorCode::STREAM_CLOSED), (1, ErrorCode::STREAM_CLOSED)]);
    assert_eq!(window_updates(&f), vec![(0, 32_768)]);
    assert!(!c.conn.is_closed());
}

#[test]
fn data_on_half_closed_remote_stream_is_stream_closed() {
    let mut c = Client::new();
    c.request(1, &get("/"), true);
    let ev = c.feed(&build::data(1, b"x", false));
    assert_eq!(ev, vec![Ev::Reset { id: 1, code: ErrorCode::STREAM_CLOSED, remote: false, unsent: 0 }]);
    assert_eq!(rsts(&c.flush()), vec![(1, ErrorCode::STREAM_CLOSED)]);
}

#[test]
fn frames_after_our_reset_are_ignored() {
    let mut c = Client::new();
    c.request(1, &post("/"), false);
    c.conn.reset_stream(1, ErrorCode::CANCEL).unwrap();
    c.events();
    let mut bytes = build::data(1, b"late", false);
    bytes.extend(c.headers_bytes(1, &fields(&[("x", "y")]), true));
    bytes.extend(build::rst(1, ErrorCode::CANCEL));
    bytes.extend(build::window_update(1, 5));
    assert_eq!(c.feed(&bytes), vec![]);
    assert_eq!(c.flush(), vec![SFrame::Rst { id: 1, code: ErrorCode::CANCEL }]);
    // HPACK in sync
    assert_eq!(c.request(3, &get("/ok"), true).len(), 1);
}

#[test]
fn headers_after_peer_reset_is_stream_closed() {
    let mut c = Client::new();
    c.request(1, &post("/"), false);
    c.feed(&build::rst(1, ErrorCode::CANCEL));
    assert_eq!(c.request(1, &fields(&[("x", "y")]), true), vec![]);
    assert_eq!(rsts(&c.flush()), vec![(1, ErrorCode::STREAM_CLOSED)]);
    assert!(!c.conn.is_closed());
}

#[test]
fn trailers_without_end_stream_is_stream_error() {
    let mut c = Client::new();
    c.request(1, &post("/"), false);
    let ev = c.request(1, &fields(&[("x", "y")]), false);
    assert_eq!(ev, vec![Ev::Reset { id: 1, code: ErrorCode::PROTOCOL_ERROR, remote: false, unsent: 0 }]);
}

#[test]
fn trailers_with_pseudo_header_is_stream_error() {
    let mut c = Client::new();
    c.request(1, &post("/"), false);
    let ev = c.request(1, &fields(&[(":path", "/")]), true);
    assert_eq!(ev, vec![Ev::Reset { id: 1, code: ErrorCode::PROTOCOL_ERROR, remote: false, unsent: 0 }]);
}

/// A content-length mismatch resets the stream only (Twisted closed the connection).
#[test]
fn content_length_mismatch_resets_stream() {
    // body longer than declared
    let mut c = Client::new();
    let mut f = post("/");
    f.push(("content-length".into(), "3".into()));
    let mut bytes = c.headers_bytes(1, &f, false);
    bytes.extend(build::data(1, b"abcd", true));
    let ev = c.feed(&bytes);
    assert_eq!(
        ev[1..],
        [
            Ev::Data { id: 1, data: b"abc".to_vec() },
            Ev::Reset { id: 1, code: ErrorCode::PROTOCOL_ERROR, remote: false, unsent: 0 }
        ]
    );
    assert_eq!(rsts(&c.flush()), vec![(1, ErrorCode::PROTOCOL_ERROR)]);
    // body shorter than declared
    let mut f = post("/");
    f.push(("content-length".into(), "10".into()));
    let mut bytes = c.headers_bytes(3, &f, false);
    bytes.extend(build::data(3, b"abcd", true));
    let ev = c.feed(&bytes);
    assert_eq!(
        ev[1..],
        [
            Ev::Data { id: 3, data: b"abcd".to_vec() },
            Ev::Reset { id: 3, code: ErrorCode::PROTOCOL_ERROR, remote: false, unsent: 0 }
        ]
    );
    // declared but HEADERS ends the stream
    let ev = c.request(5, &f, true);
    assert_eq!(ev, vec![Ev::Rejected { id: 5, status: 400, reason: "content-length mismatch" }]);
    assert!(!c.conn.is_closed());
}

#[test]
fn continuation_assembles_header_block() {
    let mut c = Client::new();
    let mut f = get("/");
    f.push(("x-long".into(), "v".repeat(100)));
    let block = c.block(&f);
    let (a, rest) = block.split_at(10);
    let (b, d) = rest.split_at(10);
    let mut bytes = build::frame(&Frame::Headers {
        stream_id: 1,
        end_stream: true,
        end_headers: false,
        priority: None,
        fragment: a,
    });
    bytes.extend(build::frame(&Frame::Continuation { stream_id: 1, end_headers: false, fragment: b }));
    bytes.extend(build::frame(&Frame::Continuation { stream_id: 1, end_headers: true, fragment: d }));
    assert_eq!(c.feed(&bytes), vec![Ev::Request { id: 1, fields: f, end: true }]);
}

#[test]
fn frame_interleaved_in_header_block_is_protocol_error() {
    let mut c = Client::new();
    let block = c.block(&get("/"));
    let mut bytes = build::frame(&Frame::Headers {
        stream_id: 1,
        end_stream: true,
        end_headers: false,
        priority: None,
        fragment: &block,
    });
    bytes.extend(build::ping([0; 8]));
    c.feed(&bytes);
    closed_with(&mut c, ErrorCode::PROTOCOL_ERROR);

    let mut c = Client::new();
    let mut bytes = build::frame(&Frame::Headers {
        stream_id: 1,
        end_stream: true,
        end_headers: false,
        priority: None,
        fragment: &block,
    });
    bytes.extend(build::frame(&Frame::Continuation { stream_id: 3, end_headers: true, fragment: &[] }));
    c.feed(&bytes);
    closed_with(&mut c, ErrorCode::PROTOCOL_ERROR);
}

#[test]
fn continuation_without_headers_is_protocol_error() {
    let mut c = Client::new();
    c.feed(&build::frame(&Frame::Continuation { stream_id: 1, end_headers: true, fragment: &[] }));
    closed_with(&mut c, ErrorCode::PROTOCOL_ERROR);
}

#[test]
fn bad_hpack_is_compression_error() {
    let mut c = Client::new();
    // indexed field 127+: far beyond the static table, empty dynamic table
    let bad = [0xff, 0xff, 0x7f];
    c.feed(&build::frame(&Frame::Headers {
        stream_id: 1,
        end_stream: true,
        end_headers: true,
        priority: None,
        fragment: &bad,
    }));
    closed_with(&mut c, ErrorCode::COMPRESSION_ERROR);
}

#[test]
fn push_promise_from_client_is_protocol_error() {
    let mut c = Client::new();
    c.request(1, &get("/"), false);
    c.feed(&build::frame(&Frame::PushPromise { stream_id: 1, promised_id: 2, end_headers: true, fragment: &[] }));
    closed_with(&mut c, ErrorCode::PROTOCOL_ERROR);
}

#[test]
fn unknown_frame_ignored() {
    let mut c = Client::new();
    assert_eq!(c.feed(&build::raw(0xfa, 0xff, 1, b"whatever")), vec![]);
    assert_eq!(c.request(1, &get("/"), true).len(), 1);
    assert!(c.flush().is_empty());
}

#[test]
fn peer_reset_emits_reset_so_the_app_stops() {
    let mut c = Client::new();
    c.request(1, &post("/"), false);
    c.conn.send_headers(1, 200, &[], false).unwrap();
    c.write(1, b"partial", false);
    let ev = c.feed(&build::rst(1, ErrorCode::INTERNAL_ERROR));
    assert_eq!(ev, vec![Ev::Reset { id: 1, code: ErrorCode::INTERNAL_ERROR, remote: true, unsent: 7 }]);
    // our HEADERS were already queued; no DATA for a reset stream
    let f = c.flush();
    assert!(data_frames(&f).is_empty(), "{f:?}");
}

#[test]
fn app_reset_emits_reset_with_unsent() {
    let mut c = Client::new();
    c.request(1, &get("/"), true);
    c.conn.send_headers(1, 200, &[], false).unwrap();
    c.write(1, b"abc", false);
    c.conn.reset_stream(1, ErrorCode::CANCEL).unwrap();
    assert_eq!(c.events(), vec![Ev::Reset { id: 1, code: ErrorCode::CANCEL, remote: false, unsent: 3 }]);
    let f = c.flush();
    assert!(matches!(f[..], [SFrame::Headers { .. }, SFrame::Rst { id: 1, code: ErrorCode::CANCEL }]), "{f:?}");
    assert_eq!(c.app.drop_stream(1), 3);
}

/// DATA for a stream finished after an early 400 (a KeyError in Twisted):
/// the body of a rejected request is ignored, its bytes still credited.
#[test]
fn body_after_fast_400_is_ignored() {
    let cfg = Config { connection_window: 65_535, ..Config::default() };
    let mut c = Client::with_config(cfg);
    let bad = fields(&[(":method", "POST"), (":scheme", "https"), (":path", "/"), ("Bad", "x")]);
    let ev = c.request(1, &bad, false);
    assert!(matches!(ev[..], [Ev::Rejected { id: 1, status: 400, .. }]));
    c.flush();
    let mut bytes = Vec::new();
    for _ in 0..2 {
        bytes.extend(build::data(1, &[0; 16_384], false));
    }
    bytes.extend(build::data(1, b"", true));
    assert_eq!(c.feed(&bytes), vec![]);
    assert_eq!(c.flush(), vec![SFrame::WindowUpdate { id: 0, inc: 32_768 }]);
    assert!(!c.conn.is_closed());
}

/// Streams whose response finished before the request body: the body is still
/// delivered, then the stream closes on the peer's END_STREAM.
#[test]
fn response_before_request_body_completes() {
    let mut c = Client::new();
    c.request(1, &post("/"), false);
    c.conn.send_headers(1, 200, &[], true).unwrap();
    c.flush();
    assert_eq!(c.events(), vec![]);
    let ev = c.feed(&build::data(1, b"late body", true));
    assert_eq!(ev, vec![Ev::Data { id: 1, data: b"late body".to_vec() }, Ev::End(1), Ev::StreamClosed(1)]);
}
