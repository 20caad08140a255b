//! Request/response basics, byte-level: client frames in, server frames and events out.

mod common;

use common::*;
use h2wasm::connection::{Config, Connection, Event};
use h2wasm::error::UserError;
use h2wasm::ErrorCode;
use rand::{rngs::SmallRng, Rng, SeedableRng};

#[test]
fn server_first_flight_is_settings_then_connection_window_update() {
    let mut c = Client::raw(Config::default());
    let frames = c.flush();
    assert_eq!(
        frames,
        vec![
            SFrame::Settings {
                ack: false,
                params: vec![(1, 4096), (2, 0), (4, 65535), (5, 16384), (8, 0), (3, 100), (6, 65536)]
            },
            SFrame::WindowUpdate { id: 0, inc: (1 << 20) - 65535 },
        ]
    );
}

/// Twisted test_basicRequest, with our framing decision: when the app ends
/// the stream before its body was flushed, END_STREAM rides on the last DATA
/// frame; an empty END_STREAM DATA frame is only sent when the body already went out.
#[test]
fn basic_get_request_and_response() {
    let mut c = Client::new();
    let ev = c.request(1, &get("/hello"), true);
    assert_eq!(ev, vec![Ev::Request { id: 1, fields: get("/hello"), end: true }]);
    c.conn.send_headers(1, 200, &[(b"content-type", b"text/plain")], false).unwrap();
    c.write(1, b"hello world", false);
    c.conn.send_data(1, 0, true).unwrap();
    let frames = c.flush();
    assert_eq!(
        frames,
        vec![
            SFrame::Headers {
                id: 1,
                end: false,
                fields: fields(&[(":status", "200"), ("content-type", "text/plain")])
            },
            SFrame::Data { id: 1, data: b"hello world".to_vec(), end: true },
        ]
    );
    assert_eq!(c.events(), vec![Ev::StreamClosed(1)]);
    assert_eq!(c.conn.open_streams(), 0);
}

#[test]
fn end_after_flush_sends_empty_end_stream_data() {
    let mut c = Client::new();
    c.request(1, &get("/"), true);
    c.respond(1, 200, b"body", false);
    let f = c.flush();
    assert_eq!(data_frames(&f), vec![(1, b"body".to_vec(), false)]);
    c.conn.send_data(1, 0, true).unwrap();
    assert_eq!(c.flush(), vec![SFrame::Data { id: 1, data: vec![], end: true }]);
}

#[test]
fn response_without_body_is_headers_with_end_stream() {
    let mut c = Client::new();
    c.request(1, &get("/"), true);
    c.conn.send_headers(1, 204, &[], true).unwrap();
    assert_eq!(c.flush(), vec![SFrame::Headers { id: 1, end: true, fields: fields(&[(":status", "204")]) }]);
    assert_eq!(c.events(), vec![Ev::StreamClosed(1)]);
}

#[test]
fn post_body_delivered_then_end() {
    let mut c = Client::new();
    let mut f = post("/upload");
    f.push(("content-length".into(), "10".into()));
    let mut bytes = c.headers_bytes(1, &f, false);
    bytes.extend(build::data(1, b"01234", false));
    bytes.extend(build::data(1, b"56789", true));
    let ev = c.feed(&bytes);
    assert_eq!(
        ev,
        vec![
            Ev::Request { id: 1, fields: f.clone(), end: false },
            Ev::Data { id: 1, data: b"0123456789".to_vec() },
            Ev::End(1),
        ]
    );
}

#[test]
fn post_without_content_length() {
    let mut c = Client::new();
    let mut bytes = c.headers_bytes(1, &post("/"), false);
    bytes.extend(build::data(1, b"abc", true));
    let ev = c.feed(&bytes);
    assert_eq!(ev[1..], [Ev::Data { id: 1, data: b"abc".to_vec() }, Ev::End(1)]);
}

/// Data events point into the caller's input: no copy.
#[test]
fn data_event_ranges_point_into_input() {
    let mut c = Client::new();
    let mut bytes = c.headers_bytes(1, &post("/"), false);
    let at = bytes.len() + 9;
    bytes.extend(build::data(1, b"xyz", true));
    c.conn.receive(&bytes, 0);
    let mut found = false;
    while let Some(e) = c.conn.poll_event() {
        if let Event::Data { start, end, .. } = e {
            assert_eq!((start as usize, end as usize), (at, at + 3));
            found = true;
        }
    }
    assert!(found);
}

/// Twisted test_interleavedRequests: 40 interleaved POSTs all answered.
#[test]
fn interleaved_requests() {
    let mut c = Client::new();
    let ids: Vec<u32> = (0..40).map(|i| 1 + 2 * i).collect();
    let mut bytes = Vec::new();
    for &id in &ids {
        bytes.extend(c.headers_bytes(id, &post("/"), false));
    }
    for part in 0..3 {
        for &id in &ids {
            bytes.extend(build::data(id, format!("{id}:{part};").as_bytes(), part == 2));
        }
    }
    let ev = c.feed(&bytes);
    for &id in &ids {
        let body: Vec<u8> = ev
            .iter()
            .filter_map(|e| match e {
                Ev::Data { id: i, data } if *i == id => Some(data.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(body, format!("{id}:0;{id}:1;{id}:2;").into_bytes());
        assert!(ev.contains(&Ev::End(id)));
    }
    for &id in &ids {
        c.respond(id, 200, format!("resp{id}").as_bytes(), true);
    }
    let frames = c.flush();
    for &id in &ids {
        assert!(data_frames(&frames).contains(&(id, format!("resp{id}").into_bytes(), true)));
    }
    // 40 × ~12 bytes consumed by nobody: no WINDOW_UPDATE yet (never one per DATA frame).
    assert!(window_updates(&frames).is_empty());
}

/// Same events whether input comes whole, one byte at a time, or in random splits.
#[test]
fn split_input_gives_same_events() {
    let script = |c: &mut Client| {
        let mut bytes = PREFACE.to_vec();
        bytes.extend(build::settings(&[(4, 1000)]));
        let mut f = post("/p");
        f.push(("content-length".into(), "300".into()));
        bytes.extend(c.headers_bytes(1, &f, false));
        bytes.extend(build::data_padded(1, &[7u8; 100], 20, false));
        bytes.extend(build::ping([1; 8]));
        bytes.extend(c.headers_bytes(3, &get("/g"), true));
        bytes.extend(build::data(1, &[8u8; 200], false));
        let t = c.block(&fields(&[("x-trailer", "yes")]));
        let mut tf = Vec::new();
        h2wasm::frame::write_headers(&mut tf, 1, &t, true, 16_384);
        bytes.extend(tf);
        bytes.extend(build::rst(3, ErrorCode::CANCEL));
        bytes
    };
    let run = |sizes: Box<dyn Iterator<Item = usize>>| {
        let mut c = Client::raw(Config::default());
        let bytes = script(&mut c);
        let ev = c.feed_split(&bytes, sizes);
        let frames = c.flush();
        (ev, frames)
    };
    let whole = run(Box::new(std::iter::empty()));
    assert!(whole.0.contains(&Ev::Trailers { id: 1, fields: fields(&[("x-trailer", "yes")]) }));
    assert!(whole.0.contains(&Ev::Reset { id: 3, code: ErrorCode::CANCEL, remote: true, unsent: 0 }));
    assert_eq!(run(Box::new(std::iter::repeat(1))), whole);
    let mut rng = SmallRng::seed_from_u64(7);
    for _ in 0..50 {
        let sizes: Vec<usize> = (0..200).map(|_| rng.gen_range(1..40)).collect();
        assert_eq!(run(Box::new(sizes.into_iter())), whole);
    }
}

#[test]
fn preface_may_arrive_split() {
    let mut c = Client::raw(Config::default());
    let mut bytes = PREFACE.to_vec();
    bytes.extend(build::settings(&[]));
    let mut ev = Vec::new();
    for b in bytes.chunks(5) {
        ev.extend(c.feed(b));
    }
    assert_eq!(ev, vec![Ev::Settings]);
    assert!(c.flush().contains(&SFrame::Settings { ack: true, params: vec![] }));
}

#[test]
fn request_trailers_delivered() {
    let mut c = Client::new();
    let mut f = post("/");
    f.push(("te".into(), "trailers".into()));
    let mut bytes = c.headers_bytes(1, &f, false);
    bytes.extend(build::data(1, b"x", false));
    bytes.extend(c.headers_bytes(1, &fields(&[("grpc-status", "0")]), true));
    let ev = c.feed(&bytes);
    assert_eq!(
        ev[1..],
        [
            Ev::Data { id: 1, data: b"x".to_vec() },
            Ev::Trailers { id: 1, fields: fields(&[("grpc-status", "0")]) },
            Ev::End(1)
        ]
    );
}

#[test]
fn response_trailers_after_data() {
    let mut c = Client::new();
    c.request(1, &get("/"), true);
    c.respond(1, 200, b"abc", false);
    c.conn.send_trailers(1, &[(b"grpc-status", b"0")]).unwrap();
    let frames = c.flush();
    assert_eq!(
        frames[1..],
        [
            SFrame::Data { id: 1, data: b"abc".to_vec(), end: false },
            SFrame::Headers { id: 1, end: true, fields: fields(&[("grpc-status", "0")]) },
        ]
    );
    assert_eq!(c.events(), vec![Ev::StreamClosed(1)]);
}

#[test]
fn informational_100_continue_before_final() {
    let mut c = Client::new();
    let mut f = post("/");
    f.push(("expect".into(), "100-continue".into()));
    c.request(1, &f, false);
    c.conn.send_informational(1, 100, &[]).unwrap();
    c.conn.send_headers(1, 200, &[], true).unwrap();
    let frames = c.flush();
    assert_eq!(
        frames,
        vec![
            SFrame::Headers { id: 1, end: false, fields: fields(&[(":status", "100")]) },
            SFrame::Headers { id: 1, end: true, fields: fields(&[(":status", "200")]) },
        ]
    );
    assert_eq!(c.conn.send_informational(1, 100, &[]), Err(UserError::InvalidState));
}

/// The HTTP/1.1-like view: pseudo-headers come first so Host can be built from :authority.
#[test]
fn request_fields_pseudo_first() {
    let mut c = Client::new();
    let f = fields(&[
        (":method", "GET"),
        (":scheme", "https"),
        (":authority", "h.example:8443"),
        (":path", "/a?b=c"),
        ("accept", "*/*"),
        ("cookie", "a=b"),
        ("cookie", "c=d"),
    ]);
    assert_eq!(c.request(1, &f, true), vec![Ev::Request { id: 1, fields: f.clone(), end: true }]);
}

#[test]
fn malformed_request_answered_400_then_rst_connection_lives() {
    let cases: Vec<(Vec<(String, String)>, &str)> = vec![
        (fields(&[(":method", "GET"), (":path", "/")]), "missing :scheme"),
        (fields(&[(":method", "GET"), (":scheme", "https"), (":path", "/"), ("Upper", "x")]), "invalid field name"),
        (
            fields(&[(":method", "GET"), (":scheme", "https"), (":path", "/"), ("connection", "close")]),
            "connection-specific header field",
        ),
        (fields(&[(":method", "GET"), (":scheme", "https"), (":path", "/"), ("te", "gzip")]), "te other than trailers"),
        (
            fields(&[(":method", "GET"), (":scheme", "https"), (":path", "/"), (":status", "200")]),
            "response pseudo-header in request",
        ),
        (fields(&[(":method", "GET"), (":scheme", "https"), (":path", "/"), ("x", " lead")]), "invalid field value"),
    ];
    let mut c = Client::new();
    let mut id = 1;
    for (f, reason) in cases {
        let ev = c.request(id, &f, true);
        assert_eq!(ev, vec![Ev::Rejected { id, status: 400, reason }]);
        let frames = c.flush();
        assert_eq!(
            frames,
            vec![
                SFrame::Headers { id, end: true, fields: fields(&[(":status", "400")]) },
                SFrame::Rst { id, code: ErrorCode::PROTOCOL_ERROR },
            ]
        );
        id += 2;
    }
    // still serving
    assert_eq!(c.request(id, &get("/"), true).len(), 1);
}

#[test]
fn our_invalid_response_headers_refused_not_stripped() {
    let mut c = Client::new();
    c.request(1, &get("/"), true);
    assert_eq!(c.conn.send_headers(1, 200, &[(b"Content-Type", b"x")], false), Err(UserError::InvalidHeader));
    assert_eq!(c.conn.send_headers(1, 200, &[(b"connection", b"close")], false), Err(UserError::InvalidHeader));
    assert_eq!(c.conn.send_headers(1, 200, &[(b"x", b"a\r\nb")], false), Err(UserError::InvalidHeader));
    assert_eq!(c.conn.send_headers(1, 101, &[], false), Err(UserError::InvalidStatus));
    assert_eq!(c.conn.send_data(1, 1, false), Err(UserError::InvalidState));
    assert_eq!(c.conn.send_headers(3, 200, &[], false), Err(UserError::StreamClosed));
    assert!(c.flush().is_empty());
    c.conn.send_headers(1, 200, &[], true).unwrap();
    assert_eq!(c.conn.send_headers(1, 200, &[], true), Err(UserError::StreamClosed));
}

#[test]
fn connection_api_basics() {
    let c = Connection::new(Config::default(), 5);
    assert!(c.wants_write());
    assert!(!c.is_closed());
    assert!(c.next_deadline().is_some());
}
