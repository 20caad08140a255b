//! The client role (`ClientConnection`): against h2wasm's own server engine
//! in memory, and against a scripted raw-frame server for every hostile case.

mod common;

use common::{build, FrameReader, OutputAssembler, SFrame};
use h2wasm::client::{
    check_response, ClientConfig, ClientConnection, ClientEvent, RESPONSE_BODY_TIMEOUT_REASON, RESPONSE_TIMEOUT_REASON,
};
use h2wasm::connection::{Config, Connection, Event, Output};
use h2wasm::hpack::{self, HeaderField};
use h2wasm::ErrorCode;

/// A client event with its ranges resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ce {
    Info { id: u32, status: u16 },
    Response { id: u32, status: u16, fields: Vec<(String, String)>, end: bool },
    Trailers { id: u32, fields: Vec<(String, String)> },
    Data { id: u32, data: Vec<u8> },
    End(u32),
    Malformed { id: u32, reason: &'static str },
    TimedOut { id: u32, reason: &'static str },
    TooLarge(u32),
    Reset { id: u32, code: ErrorCode, remote: bool, not_processed: bool },
    Ready(u32),
    Blocked(u32),
    StreamClosed(u32),
    Settings,
    PingAck([u8; 8], u64),
    GoAway { last: u32, code: ErrorCode },
    Error { code: ErrorCode, reason: &'static str, remote: bool },
    Closed,
}

struct Harness {
    c: ClientConnection,
    now: u64,
    app: OutputAssembler,
    reader: FrameReader,
    preface_seen: bool,
    enc: hpack::Encoder,
}

fn req_get(path: &str) -> Vec<(&'static [u8], Vec<u8>)> {
    vec![
        (b":method", b"GET".to_vec()),
        (b":scheme", b"http".to_vec()),
        (b":authority", b"example.test".to_vec()),
        (b":path", path.as_bytes().to_vec()),
    ]
}

fn req_post(path: &str) -> Vec<(&'static [u8], Vec<u8>)> {
    let mut f = req_get(path);
    f[0].1 = b"POST".to_vec();
    f
}

impl Harness {
    fn new() -> Self {
        Self::with(ClientConfig::default())
    }

    fn with(cfg: ClientConfig) -> Self {
        Harness {
            c: ClientConnection::new(cfg, 0),
            now: 0,
            app: OutputAssembler::default(),
            reader: FrameReader::default(),
            preface_seen: false,
            enc: hpack::Encoder::new(),
        }
    }

    /// Client started and the server's SETTINGS (with `params`) fed.
    fn ready(params: &[(u16, u32)]) -> Self {
        Self::ready_with(ClientConfig::default(), params)
    }

    fn ready_with(cfg: ClientConfig, params: &[(u16, u32)]) -> Self {
        let mut h = Self::with(cfg);
        h.flush();
        let ev = h.feed(&build::settings(params));
        assert_eq!(ev, vec![Ce::Settings]);
        h.feed(&build::settings_ack());
        h.flush();
        h
    }

    fn resolve(&self, e: ClientEvent, input: &[u8]) -> Ce {
        let fields = |r: std::ops::Range<u32>| {
            r.map(|i| {
                let (n, v) = self.c.field(i);
                (String::from_utf8_lossy(n).into_owned(), String::from_utf8_lossy(v).into_owned())
            })
            .collect::<Vec<_>>()
        };
        match e {
            ClientEvent::Informational { stream_id, status, .. } => Ce::Info { id: stream_id, status },
            ClientEvent::Response { stream_id, status, fields: f, end_stream } => {
                Ce::Response { id: stream_id, status, fields: fields(f), end: end_stream }
            }
            ClientEvent::Trailers { stream_id, fields: f } => Ce::Trailers { id: stream_id, fields: fields(f) },
            ClientEvent::Data { stream_id, start, end } => {
                Ce::Data { id: stream_id, data: input[start as usize..end as usize].to_vec() }
            }
            ClientEvent::End { stream_id } => Ce::End(stream_id),
            ClientEvent::Malformed { stream_id, reason } => Ce::Malformed { id: stream_id, reason },
            ClientEvent::TimedOut { stream_id, reason } => Ce::TimedOut { id: stream_id, reason },
            ClientEvent::TooLarge { stream_id } => Ce::TooLarge(stream_id),
            ClientEvent::Reset { stream_id, code, remote, not_processed, .. } => {
                Ce::Reset { id: stream_id, code, remote, not_processed }
            }
            ClientEvent::SendReady { stream_id } => Ce::Ready(stream_id),
            ClientEvent::SendBlocked { stream_id } => Ce::Blocked(stream_id),
            ClientEvent::StreamClosed { stream_id } => Ce::StreamClosed(stream_id),
            ClientEvent::Settings => Ce::Settings,
            ClientEvent::PingAck { data, rtt_ms } => Ce::PingAck(data, rtt_ms),
            ClientEvent::GoAway { last_stream_id, code } => Ce::GoAway { last: last_stream_id, code },
            ClientEvent::Error { code, reason, remote } => Ce::Error { code, reason, remote },
            ClientEvent::Closed => Ce::Closed,
        }
    }

    fn events(&mut self, input: &[u8]) -> Vec<Ce> {
        let mut v = Vec::new();
        while let Some(e) = self.c.poll_event() {
            v.push(self.resolve(e, input));
        }
        v
    }

    fn feed(&mut self, bytes: &[u8]) -> Vec<Ce> {
        self.c.receive(bytes, self.now);
        self.events(bytes)
    }

    fn tick(&mut self, now: u64) -> Vec<Ce> {
        self.now = now;
        self.c.tick(now);
        self.events(&[])
    }

    /// Wire bytes the client writes now.
    fn wire(&mut self) -> Vec<u8> {
        let mut out = Output::new();
        self.c.write_output(&mut out, 1 << 24);
        let mut w = self.app.assemble(&out);
        if !self.preface_seen && !w.is_empty() {
            assert!(w.starts_with(h2wasm::client::CLIENT_PREFACE));
            w.drain(..24);
            self.preface_seen = true;
        }
        w
    }

    fn flush(&mut self) -> Vec<SFrame> {
        let w = self.wire();
        self.reader.push(&w)
    }

    fn request(&mut self, f: &[(&'static [u8], Vec<u8>)], end: bool) -> u32 {
        let list: Vec<(&[u8], &[u8])> = f.iter().map(|(n, v)| (*n, v.as_slice())).collect();
        self.c.request(&list, end).expect("request accepted")
    }

    fn body(&mut self, id: u32, data: &[u8], end: bool) {
        self.app.queue(id, data);
        self.c.send_data(id, data.len() as u32, end).expect("send_data");
    }

    /// A server HEADERS frame with raw fields (any names, for malformed cases).
    fn srv_headers(&mut self, id: u32, fields: &[(&str, &str)], end: bool) -> Vec<u8> {
        let mut block = Vec::new();
        self.enc.encode(
            fields.iter().map(|(n, v)| HeaderField { name: n.as_bytes(), value: v.as_bytes(), sensitive: false }),
            &mut block,
        );
        let mut out = Vec::new();
        h2wasm::frame::write_headers(&mut out, id, &block, end, 16_384);
        out
    }
}

fn resets(ev: &[Ce]) -> Vec<(u32, ErrorCode, bool)> {
    ev.iter()
        .filter_map(|e| match e {
            Ce::Reset { id, code, not_processed, .. } => Some((*id, *code, *not_processed)),
            _ => None,
        })
        .collect()
}

fn conn_error(ev: &[Ce]) -> Option<ErrorCode> {
    ev.iter().find_map(|e| match e {
        Ce::Error { code, remote: false, .. } => Some(*code),
        _ => None,
    })
}

fn headers_ids(frames: &[SFrame]) -> Vec<u32> {
    frames
        .iter()
        .filter_map(|f| match f {
            SFrame::Headers { id, .. } => Some(*id),
            _ => None,
        })
        .collect()
}

#[test]
fn preface_and_settings_disable_push() {
    let mut h = Harness::new();
    let frames = h.flush();
    match &frames[0] {
        SFrame::Settings { ack: false, params } => assert!(params.contains(&(2, 0)), "ENABLE_PUSH 0: {params:?}"),
        f => panic!("first frame {f:?}"),
    }
    assert!(matches!(frames[1], SFrame::WindowUpdate { id: 0, .. }));
}

#[test]
fn response_body_and_trailers_arrive_in_order() {
    let mut h = Harness::ready(&[]);
    let id = h.request(&req_get("/x"), true);
    let frames = h.flush();
    match &frames[0] {
        SFrame::Headers { id: 1, end: true, fields } => {
            assert_eq!(fields[0], (":method".into(), "GET".into()));
            assert_eq!(fields[3], (":path".into(), "/x".into()));
        }
        f => panic!("{f:?}"),
    }
    let mut input = h.srv_headers(id, &[(":status", "200"), ("content-length", "5")], false);
    input.extend(build::data(id, b"hello", false));
    input.extend(h.srv_headers(id, &[("grpc-status", "0")], true));
    let ev = h.feed(&input);
    assert_eq!(
        ev,
        vec![
            Ce::Response { id, status: 200, fields: vec![("content-length".into(), "5".into())], end: false },
            Ce::Data { id, data: b"hello".to_vec() },
            Ce::Trailers { id, fields: vec![("grpc-status".into(), "0".into())] },
            Ce::End(id),
            Ce::StreamClosed(id),
        ]
    );
}

#[test]
fn informational_then_final_response() {
    let mut h = Harness::ready(&[]);
    let id = h.request(&req_get("/"), true);
    h.flush();
    let mut input = h.srv_headers(id, &[(":status", "103"), ("link", "</a>")], false);
    input.extend(h.srv_headers(id, &[(":status", "204")], true));
    let ev = h.feed(&input);
    assert_eq!(ev[0], Ce::Info { id, status: 103 });
    assert!(matches!(ev[1], Ce::Response { status: 204, end: true, .. }));
    assert_eq!(ev[2], Ce::End(id));
}

#[test]
fn request_body_and_trailers_go_out_with_end_stream_last() {
    let mut h = Harness::ready(&[]);
    let id = h.request(&req_post("/up"), false);
    h.body(id, b"abc", false);
    h.body(id, b"def", false);
    let list: [(&[u8], &[u8]); 1] = [(b"x-sum", b"1")];
    h.c.send_trailers(id, &list).unwrap();
    let frames = h.flush();
    assert!(matches!(&frames[0], SFrame::Headers { id: 1, end: false, .. }));
    assert!(matches!(&frames[1], SFrame::Data { id: 1, data, end: false } if data == b"abcdef"));
    assert!(matches!(&frames[2], SFrame::Headers { id: 1, end: true, fields } if fields[0].0 == "x-sum"));
}

#[test]
fn invalid_request_fields_are_refused() {
    let mut h = Harness::ready(&[]);
    let bad: [(&[u8], &[u8]); 2] = [(b":method", b"GET"), (b":path", b"/")];
    assert!(h.c.request(&bad, true).is_err(), "missing :scheme");
    let mut f = req_get("/");
    f.push((b"connection", b"close".to_vec()));
    let list: Vec<(&[u8], &[u8])> = f.iter().map(|(n, v)| (*n, v.as_slice())).collect();
    assert!(h.c.request(&list, true).is_err(), "connection-specific field");
}

#[test]
fn requests_wait_for_a_slot_under_max_concurrent_streams() {
    let mut h = Harness::ready(&[(3, 2)]);
    let ids: Vec<u32> = (0..4).map(|i| h.request(&req_get(&format!("/{i}")), true)).collect();
    assert_eq!(ids, [1, 3, 5, 7]);
    assert_eq!(headers_ids(&h.flush()), [1, 3]);
    assert_eq!(h.c.waiting_requests(), 2);
    let r = h.srv_headers(1, &[(":status", "200")], true);
    h.feed(&r);
    assert_eq!(headers_ids(&h.flush()), [5], "one slot freed, one request sent");
    let r = h.srv_headers(3, &[(":status", "200")], true);
    h.feed(&r);
    assert_eq!(headers_ids(&h.flush()), [7]);
    // The server raising the limit opens waiting ones too.
    let mut h = Harness::ready(&[(3, 0)]);
    h.request(&req_get("/"), true);
    assert!(headers_ids(&h.flush()).is_empty());
    h.feed(&build::settings(&[(3, 10)]));
    assert_eq!(headers_ids(&h.flush()), [1]);
}

#[test]
fn goaway_fails_requests_above_last_stream_id_as_not_processed() {
    let mut h = Harness::ready(&[(3, 2)]);
    for i in 0..3 {
        h.request(&req_get(&format!("/{i}")), true);
    }
    h.flush();
    let ev = h.feed(&build::goaway(1, ErrorCode::NO_ERROR));
    assert_eq!(ev[0], Ce::GoAway { last: 1, code: ErrorCode::NO_ERROR });
    assert_eq!(resets(&ev), vec![(3, ErrorCode::REFUSED_STREAM, true), (5, ErrorCode::REFUSED_STREAM, true)]);
    assert!(h.c.is_going_away());
    let list: Vec<(&[u8], &[u8])> = req_get("/").iter().map(|(n, v)| (*n, v.clone().leak() as &[u8])).collect();
    assert!(h.c.request(&list, true).is_err(), "no new request after GOAWAY");
    // Stream 1 still completes, then the connection closes.
    let r = h.srv_headers(1, &[(":status", "200")], true);
    let ev = h.feed(&r);
    assert!(ev.contains(&Ce::End(1)));
    assert_eq!(ev.last(), Some(&Ce::Closed));
}

#[test]
fn refused_stream_is_not_processed_other_codes_are_not() {
    let mut h = Harness::ready(&[]);
    h.request(&req_get("/a"), true);
    h.request(&req_get("/b"), true);
    h.flush();
    let ev = h.feed(&build::rst(1, ErrorCode::REFUSED_STREAM));
    assert_eq!(resets(&ev), vec![(1, ErrorCode::REFUSED_STREAM, true)]);
    let ev = h.feed(&build::rst(3, ErrorCode::INTERNAL_ERROR));
    assert_eq!(resets(&ev), vec![(3, ErrorCode::INTERNAL_ERROR, false)]);
}

#[test]
fn malformed_responses_reset_the_stream_only() {
    type Case<'a> = (&'a [(&'a str, &'a str)], bool, &'a str);
    let cases: &[Case] = &[
        (&[("content-type", "x")], true, "missing :status"),
        (&[(":status", "200"), (":path", "/")], true, "pseudo-header other than :status in a response"),
        (&[(":status", "200"), (":status", "200")], true, "duplicate :status"),
        (&[(":status", "20")], true, "invalid :status"),
        (&[(":status", "abc")], true, "invalid :status"),
        (&[("x", "1"), (":status", "200")], true, "pseudo-header after regular field"),
        (&[(":status", "200"), ("Upper", "1")], true, "invalid field name"),
        (&[(":status", "200"), ("connection", "close")], true, "connection-specific header field"),
        (&[(":status", "200"), ("x", "a\r\nb")], true, "invalid field value"),
        (&[(":status", "101")], false, "101 Switching Protocols is not allowed in HTTP/2"),
        (&[(":status", "100")], true, "1xx response with END_STREAM"),
        (&[(":status", "200"), ("content-length", "3")], true, "content-length on a response without a body"),
    ];
    for (fields, end, reason) in cases {
        let mut h = Harness::ready(&[]);
        let id = h.request(&req_get("/"), true);
        h.flush();
        let r = h.srv_headers(id, fields, *end);
        let ev = h.feed(&r);
        assert_eq!(ev[0], Ce::Malformed { id, reason }, "{fields:?}");
        assert_eq!(resets(&ev), vec![(id, ErrorCode::PROTOCOL_ERROR, false)]);
        let frames = h.flush();
        assert!(frames.contains(&SFrame::Rst { id, code: ErrorCode::PROTOCOL_ERROR }));
        assert!(!h.c.is_closed(), "the connection lives on");
    }
}

#[test]
fn body_content_length_mismatch_and_data_before_headers_are_malformed() {
    let mut h = Harness::ready(&[]);
    let id = h.request(&req_get("/"), true);
    h.flush();
    let mut input = h.srv_headers(id, &[(":status", "200"), ("content-length", "2")], false);
    input.extend(build::data(id, b"abc", true));
    let ev = h.feed(&input);
    assert!(ev.contains(&Ce::Data { id, data: b"ab".to_vec() }), "delivered exactly up to content-length");
    assert!(ev.contains(&Ce::Malformed { id, reason: "body longer than content-length" }));

    let mut h = Harness::ready(&[]);
    let id = h.request(&req_get("/"), true);
    h.flush();
    let ev = h.feed(&build::data(id, b"abc", true));
    assert_eq!(ev[0], Ce::Malformed { id, reason: "DATA before the response HEADERS" });
}

#[test]
fn frames_on_streams_the_client_never_opened_are_connection_errors() {
    for input in [
        build::data(1, b"x", true),
        build::rst(5, ErrorCode::CANCEL),
        build::window_update(7, 1),
        build::raw(1, 4, 2, &[0x88]), // HEADERS on an even (server-initiated) stream
        build::raw(5, 4, 1, &[0, 0, 0, 2, 0x88]), // PUSH_PROMISE
    ] {
        let mut h = Harness::ready(&[]);
        let ev = h.feed(&input);
        assert_eq!(conn_error(&ev), Some(ErrorCode::PROTOCOL_ERROR), "{input:?}");
        assert_eq!(ev.last(), Some(&Ce::Closed));
    }
}

#[test]
fn frames_on_closed_streams_follow_the_section_5_1_table() {
    // Closed after END_STREAM both ways: HEADERS is a connection error
    // STREAM_CLOSED (§5.1); late WINDOW_UPDATE and RST_STREAM are ignored.
    let mut h = Harness::ready(&[]);
    let id = h.request(&req_get("/"), true);
    let head = h.srv_headers(id, &[(":status", "204")], true);
    let ev = h.feed(&head);
    assert!(ev.contains(&Ce::StreamClosed(id)), "{ev:?}");
    let mut late = build::window_update(id, 10);
    late.extend(build::rst(id, ErrorCode::CANCEL));
    assert_eq!(h.feed(&late), []);
    let again = h.srv_headers(id, &[(":status", "200")], true);
    let ev = h.feed(&again);
    assert_eq!(conn_error(&ev), Some(ErrorCode::STREAM_CLOSED), "{ev:?}");

    // Reset by us: frames in flight are ignored, DATA still credits the connection window.
    let mut h = Harness::ready(&[]);
    let id = h.request(&req_get("/"), true);
    h.c.reset_stream(id, ErrorCode::CANCEL).unwrap();
    h.flush();
    let mut late = h.srv_headers(id, &[(":status", "200")], false);
    late.extend(build::data(id, b"late body", true));
    let ev = h.feed(&late);
    assert_eq!(conn_error(&ev), None, "{ev:?}");
    assert!(!h.c.is_closed());
}

#[test]
fn server_must_send_settings_first_and_not_enable_push() {
    let mut h = Harness::new();
    h.flush();
    let ev = h.feed(&build::ping([0; 8]));
    assert_eq!(conn_error(&ev), Some(ErrorCode::PROTOCOL_ERROR));
    let mut h = Harness::new();
    h.flush();
    let ev = h.feed(&build::settings(&[(2, 1)]));
    assert_eq!(conn_error(&ev), Some(ErrorCode::PROTOCOL_ERROR));
}

#[test]
fn receive_window_reopens_only_as_the_application_consumes() {
    let mut h = Harness::ready(&[]);
    let id = h.request(&req_get("/big"), true);
    h.flush();
    let mut input = h.srv_headers(id, &[(":status", "200")], false);
    let chunk = vec![7u8; 16_384];
    for _ in 0..12 {
        input.extend(build::data(id, &chunk, false));
    }
    let ev = h.feed(&input);
    let got: usize = ev.iter().map(|e| if let Ce::Data { data, .. } = e { data.len() } else { 0 }).sum();
    assert_eq!(got, 12 * 16_384);
    let updates = common::window_updates(&h.flush());
    assert!(updates.is_empty(), "no WINDOW_UPDATE before consumption: {updates:?}");
    h.c.consumed(id, 12 * 16_384).unwrap();
    let updates = common::window_updates(&h.flush());
    // The stream window reopens; the 1 MiB connection window is below half used, so it waits.
    assert_eq!(updates, vec![(id, 12 * 16_384)]);
}

#[test]
fn server_overrunning_the_stream_window_is_a_stream_flow_control_error() {
    let mut h = Harness::ready(&[]);
    let id = h.request(&req_get("/"), true);
    h.flush();
    let mut input = h.srv_headers(id, &[(":status", "200")], false);
    let chunk = vec![0u8; 16_384];
    for _ in 0..17 {
        input.extend(build::data(id, &chunk, false)); // 272 KiB > 256 KiB stream window
    }
    let ev = h.feed(&input);
    assert!(resets(&ev).contains(&(id, ErrorCode::FLOW_CONTROL_ERROR, false)));
    assert!(!h.c.is_closed());
}

#[test]
fn request_body_respects_the_server_window_and_a_stall_times_out() {
    let mut h = Harness::ready(&[(4, 10)]);
    let id = h.request(&req_post("/"), false);
    h.body(id, &[1u8; 100], true);
    let frames = h.flush();
    let sent: usize = common::data_frames(&frames).iter().map(|d| d.1.len()).sum();
    assert_eq!(sent, 10, "only the server's window");
    let ev = h.feed(&build::window_update(id, 5));
    assert!(ev.is_empty());
    let sent: usize = common::data_frames(&h.flush()).iter().map(|d| d.1.len()).sum();
    assert_eq!(sent, 5);
    let stall = ClientConfig::default().limits.stall_timeout_ms;
    let ev = h.tick(stall + 1);
    assert_eq!(resets(&ev), vec![(id, ErrorCode::CANCEL, false)]);
}

#[test]
fn ping_reports_round_trip_and_keepalive_pings_are_silent() {
    let mut h = Harness::ready(&[]);
    h.c.ping(*b"12345678").unwrap();
    let frames = h.flush();
    assert!(frames.contains(&SFrame::Ping { ack: false, data: *b"12345678" }));
    h.now = 42;
    let ev = h.feed(&build::ping_ack(*b"12345678"));
    assert_eq!(ev, vec![Ce::PingAck(*b"12345678", 42)]);

    let cfg = ClientConfig { keepalive_ms: 1000, ..ClientConfig::default() };
    let mut h = Harness::with(cfg);
    h.flush();
    h.feed(&build::settings(&[]));
    h.feed(&build::settings_ack());
    h.flush();
    assert_eq!(h.c.next_deadline(), Some(1000));
    h.tick(1000);
    let data =
        h.flush().iter().find_map(|f| if let SFrame::Ping { ack: false, data } = f { Some(*data) } else { None });
    let data = data.expect("keepalive PING sent");
    assert!(h.feed(&build::ping_ack(data)).is_empty());
    // Unanswered: the connection is closed after ping_timeout_ms.
    h.now = 1100;
    h.feed(&build::ping([9; 8]));
    h.tick(2100);
    h.flush();
    let ev = h.tick(2100 + cfg.ping_timeout_ms);
    assert_eq!(ev.last(), Some(&Ce::Closed));
}

#[test]
fn floods_from_the_server_close_the_connection_with_enhance_your_calm() {
    // PING flood
    let mut h = Harness::ready(&[]);
    let mut input = Vec::new();
    for i in 0..200u8 {
        input.extend(build::ping([i; 8]));
    }
    assert_eq!(conn_error(&h.feed(&input)), Some(ErrorCode::ENHANCE_YOUR_CALM));
    // SETTINGS flood
    let mut h = Harness::ready(&[]);
    let mut input = Vec::new();
    for _ in 0..200 {
        input.extend(build::settings(&[]));
    }
    assert_eq!(conn_error(&h.feed(&input)), Some(ErrorCode::ENHANCE_YOUR_CALM));
    // CONTINUATION flood
    let mut h = Harness::ready(&[]);
    let id = h.request(&req_get("/"), true);
    h.flush();
    let mut input = build::raw(1, 0, id, &[0x88]);
    for _ in 0..100 {
        input.extend(build::raw(9, 0, id, &[0x88]));
    }
    assert_eq!(conn_error(&h.feed(&input)), Some(ErrorCode::ENHANCE_YOUR_CALM));
    // Reset flood over many streams
    let mut h = Harness::ready(&[(3, 100_000)]);
    for _ in 0..1100 {
        h.request(&req_get("/"), true);
    }
    h.flush();
    let mut input = Vec::new();
    for i in 0..1100u32 {
        input.extend(build::rst(1 + 2 * i, ErrorCode::CANCEL));
    }
    assert_eq!(conn_error(&h.feed(&input)), Some(ErrorCode::ENHANCE_YOUR_CALM));
}

#[test]
fn header_bombs_are_bounded() {
    // A header list over our MAX_HEADER_LIST_SIZE: the stream is reset, the connection lives.
    let mut h = Harness::ready(&[]);
    let id = h.request(&req_get("/"), true);
    h.flush();
    let big = "v".repeat(4000);
    let mut fields: Vec<(String, String)> = vec![(":status".into(), "200".into())];
    for i in 0..20 {
        fields.push((format!("x-{i}"), big.clone()));
    }
    let f: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let r = h.srv_headers(id, &f, true);
    let ev = h.feed(&r);
    assert!(resets(&ev).contains(&(id, ErrorCode::PROTOCOL_ERROR, false)), "{ev:?}");
    assert!(!h.c.is_closed());
    // A header block above the block-size cap: ENHANCE_YOUR_CALM before decoding.
    let mut h = Harness::ready(&[]);
    let id = h.request(&req_get("/"), true);
    h.flush();
    let mut input = build::raw(1, 0, id, &vec![0x40; 16_000]);
    for _ in 0..6 {
        input.extend(build::raw(9, 0, id, &vec![0x40; 16_000]));
    }
    assert_eq!(conn_error(&h.feed(&input)), Some(ErrorCode::ENHANCE_YOUR_CALM));
    // Garbage HPACK: COMPRESSION_ERROR.
    let mut h = Harness::ready(&[]);
    let id = h.request(&req_get("/"), true);
    h.flush();
    assert_eq!(
        conn_error(&h.feed(&build::raw(1, 5, id, &[0xff, 0xff, 0xff, 0xff]))),
        Some(ErrorCode::COMPRESSION_ERROR)
    );
}

#[test]
fn graceful_close_waits_for_open_streams() {
    let mut h = Harness::ready(&[]);
    let id = h.request(&req_get("/"), true);
    h.flush();
    h.c.close();
    assert!(h.c.is_going_away());
    assert!(h.events(&[]).is_empty());
    let r = h.srv_headers(id, &[(":status", "200")], true);
    let ev = h.feed(&r);
    assert_eq!(ev.last(), Some(&Ce::Closed));
    assert!(common::goaways(&h.flush()).contains(&(0, ErrorCode::NO_ERROR)));
}

#[test]
fn check_response_accepts_valid_heads() {
    let f = |l: &[(&'static str, &'static str)]| check_response(l.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())));
    assert_eq!(f(&[(":status", "200"), ("content-length", "7")]).unwrap().content_length, Some(7));
    assert_eq!(f(&[(":status", "404")]).unwrap().status, 404);
    assert!(f(&[(":status", "099")]).is_err());
    assert!(f(&[(":status", "200"), ("content-length", "1"), ("content-length", "2")]).is_err());
}

// ---- client ↔ h2wasm's own server, in memory ----

/// Moves bytes both ways between a ClientConnection and a server Connection,
/// feeding each side in pieces of at most `split` bytes. Returns the client's
/// events (Data merged per stream, in order) once nothing moves any more.
fn run_pair(split: usize, n: usize) -> Vec<Ce> {
    let mut h = Harness::new();
    let mut srv = Connection::new(Config::default(), 0);
    let mut srv_app = OutputAssembler::default();
    let mut client_events = Vec::new();
    for i in 0..n {
        let id = h.request(&req_post(&format!("/echo/{i}")), false);
        let body = vec![(i % 251) as u8; 1000 * (i + 1)];
        h.body(id, &body, true);
    }
    let mut bodies: std::collections::HashMap<u32, Vec<u8>> = Default::default();
    for _round in 0..10_000 {
        let mut moved = false;
        let mut out = Output::new();
        h.c.write_output(&mut out, 1 << 20);
        let c2s = h.app.assemble(&out);
        for piece in c2s.chunks(split.max(1)) {
            moved = true;
            srv.receive(piece, 0);
            let mut evs = Vec::new();
            while let Some(e) = srv.poll_event() {
                evs.push(e);
            }
            for e in evs {
                match e {
                    Event::Request { stream_id, .. } => {
                        srv.send_headers(stream_id, 200, &[(b"x-echo", b"1")], false).unwrap();
                    }
                    Event::Data { stream_id, start, end } => {
                        let d = &piece[start as usize..end as usize];
                        bodies.entry(stream_id).or_default().extend_from_slice(d);
                        srv.consumed(stream_id, d.len() as u32).unwrap();
                    }
                    Event::End { stream_id } => {
                        let b = bodies.remove(&stream_id).unwrap_or_default();
                        srv_app.queue(stream_id, &b);
                        srv.send_data(stream_id, b.len() as u32, false).unwrap();
                        srv.send_trailers(stream_id, &[(b"x-len", b.len().to_string().as_bytes())]).unwrap();
                    }
                    _ => {}
                }
            }
        }
        let mut out = Output::new();
        srv.write_output(&mut out, 1 << 20);
        let s2c = srv_app.assemble(&out);
        for piece in s2c.chunks(split.max(1)) {
            moved = true;
            h.c.receive(piece, 0);
            let mut consumed = Vec::new();
            while let Some(e) = h.c.poll_event() {
                let ce = h.resolve(e, piece);
                if let Ce::Data { id, data } = &ce {
                    consumed.push((*id, data.len() as u32));
                    match client_events.last_mut() {
                        Some(Ce::Data { id: last, data: d }) if last == id => {
                            d.extend_from_slice(data);
                            continue;
                        }
                        _ => {}
                    }
                }
                client_events.push(ce);
            }
            for (id, n) in consumed {
                h.c.consumed(id, n).unwrap();
            }
        }
        if !moved {
            break;
        }
    }
    client_events
}

#[test]
fn echo_through_h2wasm_server_delivers_every_body_and_trailer() {
    let ev = run_pair(usize::MAX, 20);
    for i in 0..20u32 {
        let id = 1 + 2 * i;
        let body: Vec<u8> = ev
            .iter()
            .filter_map(|e| if let Ce::Data { id: d, data } = e { (*d == id).then_some(data.clone()) } else { None })
            .flatten()
            .collect();
        assert_eq!(body, vec![(i % 251) as u8; 1000 * (i as usize + 1)], "stream {id}");
        assert!(ev.contains(&Ce::Trailers { id, fields: vec![("x-len".into(), body.len().to_string())] }));
        assert!(ev.contains(&Ce::StreamClosed(id)));
    }
}

#[test]
fn byte_at_a_time_input_gives_the_same_events() {
    let whole = run_pair(usize::MAX, 4);
    let split = run_pair(1, 4);
    let norm = |v: Vec<Ce>| -> Vec<Ce> {
        // Merge Data runs per stream (splits only change how bodies are chunked).
        let mut out: Vec<Ce> = Vec::new();
        for e in v {
            if let (Some(Ce::Data { id: a, data }), Ce::Data { id: b, data: d }) = (out.last_mut(), &e) {
                if a == b {
                    data.extend_from_slice(d);
                    continue;
                }
            }
            out.push(e);
        }
        out.into_iter().filter(|e| !matches!(e, Ce::Ready(_) | Ce::Blocked(_))).collect()
    };
    assert_eq!(norm(whole), norm(split));
}

#[test]
fn random_server_bytes_never_panic() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
    for _ in 0..300 {
        let mut h = Harness::ready(&[]);
        for _ in 0..3 {
            h.request(&req_post("/"), false);
        }
        h.body(1, b"abc", true);
        h.flush();
        let len = rng.gen_range(0..400);
        let mut input: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        // Mostly valid frame headers with random payloads, to get past the frame layer.
        if rng.gen_bool(0.7) {
            let kind = rng.gen_range(0..11u8);
            let flags = rng.gen();
            let id = rng.gen_range(0..8u32);
            let pl = rng.gen_range(0..64usize);
            let payload: Vec<u8> = (0..pl).map(|_| rng.gen()).collect();
            input = build::raw(kind, flags, id, &payload);
        }
        for piece in input.chunks(rng.gen_range(1..50)) {
            h.feed(piece);
            h.flush();
        }
        h.tick(1_000_000);
        h.flush();
    }
}

#[test]
fn connection_window_updates_wake_streams_once_per_chunk() {
    // Many queued uploads blocked on the connection window; a chunk of many
    // connection WINDOW_UPDATEs lets them all go, with one re-evaluation.
    let mut h = Harness::ready(&[]);
    let ids: Vec<u32> = (0..50).map(|_| h.request(&req_post("/"), false)).collect();
    for &id in &ids {
        h.body(id, &[5u8; 4000], true);
    }
    let sent: usize = common::data_frames(&h.flush()).iter().map(|d| d.1.len()).sum();
    assert_eq!(sent, 65_535, "the connection window is the limit");
    let mut input = Vec::new();
    for _ in 0..2000 {
        input.extend(build::window_update(0, 100));
    }
    h.feed(&input);
    let sent: usize = common::data_frames(&h.flush()).iter().map(|d| d.1.len()).sum();
    assert_eq!(sent, 50 * 4000 - 65_535, "the rest went out after the chunk");
}

#[test]
fn large_request_headers_go_out_as_headers_plus_continuation() {
    let mut h = Harness::ready(&[]);
    let mut f = req_get("/");
    f.push((b"x-big", vec![b'v'; 40_000]));
    let id = h.request(&f, true);
    let wire = h.wire();
    // Raw frame types in order: HEADERS without END_HEADERS, then CONTINUATIONs, the last with END_HEADERS.
    let mut at = 0;
    let mut kinds = Vec::new();
    while at + 9 <= wire.len() {
        let len = u32::from_be_bytes([0, wire[at], wire[at + 1], wire[at + 2]]) as usize;
        if u32::from_be_bytes(wire[at + 5..at + 9].try_into().unwrap()) == id {
            kinds.push((wire[at + 3], wire[at + 4]));
        }
        at += 9 + len;
    }
    assert_eq!(kinds.first(), Some(&(1, 1)), "HEADERS with END_STREAM, no END_HEADERS: {kinds:?}");
    assert!(kinds[1..kinds.len() - 1].iter().all(|k| *k == (9, 0)), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&(9, 4)));
    assert!(kinds.len() >= 3);
}

/// A client with short response timers: 5 s for the head, 3 s of body silence.
fn timed() -> Harness {
    let cfg = ClientConfig { response_timeout_ms: 5_000, response_body_timeout_ms: 3_000, ..ClientConfig::default() };
    Harness::ready_with(cfg, &[])
}

fn rst_frames(frames: &[SFrame]) -> Vec<(u32, ErrorCode)> {
    frames
        .iter()
        .filter_map(|f| match f {
            SFrame::Rst { id, code } => Some((*id, *code)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_server_that_never_answers_times_out_the_request_with_cancel() {
    let mut h = timed();
    h.tick(1_000);
    let id = h.request(&req_get("/silent"), true);
    h.flush();
    assert_eq!(h.c.next_deadline(), Some(6_000), "the head timer runs from the request");
    assert!(h.tick(5_999).is_empty());
    let ev = h.tick(6_000);
    assert_eq!(
        ev,
        vec![
            Ce::TimedOut { id, reason: RESPONSE_TIMEOUT_REASON },
            Ce::Reset { id, code: ErrorCode::CANCEL, remote: false, not_processed: false }
        ]
    );
    assert_eq!(rst_frames(&h.flush()), vec![(id, ErrorCode::CANCEL)]);
    assert!(!h.c.is_closed(), "only the stream fails");
    // A late response to the timed-out stream is ignored; a new request works.
    let late = h.srv_headers(id, &[(":status", "200")], true);
    assert!(h.feed(&late).is_empty());
    let id2 = h.request(&req_get("/next"), true);
    h.flush();
    let head = h.srv_headers(id2, &[(":status", "204")], true);
    let ev = h.feed(&head);
    assert!(ev.contains(&Ce::End(id2)));
}

#[test]
fn the_head_timer_starts_only_once_the_request_body_is_sent() {
    let mut h = timed();
    let id = h.request(&req_post("/upload"), false);
    h.flush();
    assert_eq!(h.c.next_deadline(), None, "the server may wait for the body");
    assert!(h.tick(60_000).is_empty());
    h.body(id, b"last", true);
    h.flush();
    assert_eq!(h.c.next_deadline(), Some(65_000));
    let ev = h.tick(65_000);
    assert_eq!(resets(&ev), vec![(id, ErrorCode::CANCEL, false)]);
}

#[test]
fn a_response_body_that_stalls_times_out_and_data_restarts_the_timer() {
    let mut h = timed();
    let id = h.request(&req_get("/trickle"), true);
    h.flush();
    h.tick(1_000);
    let head = h.srv_headers(id, &[(":status", "200")], false);
    h.feed(&head);
    assert_eq!(h.c.next_deadline(), Some(4_000), "body silence counts from the head");
    h.tick(3_500);
    let ev = h.feed(&build::data(id, b"abc", false));
    assert!(matches!(ev.as_slice(), [Ce::Data { .. }]));
    h.c.consumed(id, 3).unwrap();
    assert_eq!(h.c.next_deadline(), Some(6_500), "a DATA frame restarts it");
    assert!(h.tick(6_499).is_empty());
    let ev = h.tick(6_500);
    assert_eq!(ev.first(), Some(&Ce::TimedOut { id, reason: RESPONSE_BODY_TIMEOUT_REASON }));
    assert_eq!(resets(&ev), vec![(id, ErrorCode::CANCEL, false)]);
    assert_eq!(rst_frames(&h.flush()), vec![(id, ErrorCode::CANCEL)]);
}

#[test]
fn the_body_timer_waits_while_the_application_has_not_read() {
    let mut h = timed();
    let id = h.request(&req_get("/big"), true);
    h.flush();
    let mut input = h.srv_headers(id, &[(":status", "200")], false);
    input.extend(build::data(id, &[1u8; 1000], false));
    h.feed(&input);
    // Unread bytes: our window, not the server, may be what holds the body back.
    assert_eq!(h.c.next_deadline(), None);
    assert!(h.tick(100_000).is_empty());
    h.c.set_now(100_000);
    h.c.consumed(id, 1000).unwrap();
    assert_eq!(h.c.next_deadline(), Some(103_000), "counts from the read");
    let ev = h.tick(103_000);
    assert_eq!(resets(&ev), vec![(id, ErrorCode::CANCEL, false)]);
}

#[test]
fn response_timers_are_off_at_zero_and_stop_once_the_response_ends() {
    let cfg = ClientConfig { response_timeout_ms: 0, response_body_timeout_ms: 0, ..ClientConfig::default() };
    let mut h = Harness::ready_with(cfg, &[]);
    let id = h.request(&req_get("/"), true);
    h.flush();
    assert_eq!(h.c.next_deadline(), None);
    assert!(h.tick(10_000_000).is_empty());
    let head = h.srv_headers(id, &[(":status", "200")], false);
    assert!(!h.feed(&head).is_empty());
    assert!(h.tick(20_000_000).is_empty());

    let mut h = timed();
    let id = h.request(&req_get("/"), true);
    h.flush();
    let head = h.srv_headers(id, &[(":status", "200")], true);
    let ev = h.feed(&head);
    assert!(ev.contains(&Ce::End(id)));
    assert!(h.tick(1_000_000).iter().all(|e| !matches!(e, Ce::TimedOut { .. })));
}

#[test]
fn ping_round_trip_counts_from_when_the_ping_was_sent() {
    let mut h = Harness::ready(&[]);
    h.c.set_now(40_000);
    h.c.ping(*b"rtt-ping").unwrap();
    h.flush();
    h.now = 40_025;
    let ev = h.feed(&build::ping_ack(*b"rtt-ping"));
    assert_eq!(ev, vec![Ce::PingAck(*b"rtt-ping", 25)]);
}

/// A client that takes at most 10 body bytes per response.
fn capped() -> Harness {
    Harness::ready_with(ClientConfig { max_response_body_bytes: 10, ..ClientConfig::default() }, &[])
}

/// The body bytes delivered, in order.
fn body_of(ev: &[Ce]) -> Vec<u8> {
    ev.iter().filter_map(|e| if let Ce::Data { data, .. } = e { Some(data.clone()) } else { None }).flatten().collect()
}

/// What the cap ends a stream with.
fn too_large(id: u32) -> Vec<Ce> {
    vec![Ce::TooLarge(id), Ce::Reset { id, code: ErrorCode::CANCEL, remote: false, not_processed: false }]
}

#[test]
fn a_content_length_above_the_body_cap_fails_the_stream_before_its_head() {
    let mut h = capped();
    let id = h.request(&req_get("/big"), true);
    h.flush();
    let head = h.srv_headers(id, &[(":status", "200"), ("content-length", "11")], false);
    let ev = h.feed(&head);
    assert_eq!(ev, too_large(id));
    assert_eq!(rst_frames(&h.flush()), vec![(id, ErrorCode::CANCEL)]);
    assert!(!h.c.is_closed(), "only the stream fails");
    // At the cap is fine; the body that follows the reset is ignored.
    assert!(h.feed(&build::data(id, b"01234567890", true)).is_empty());
    let id2 = h.request(&req_get("/ok"), true);
    h.flush();
    let mut input = h.srv_headers(id2, &[(":status", "200"), ("content-length", "10")], false);
    input.extend(build::data(id2, b"0123456789", true));
    let ev = h.feed(&input);
    assert!(ev.contains(&Ce::Data { id: id2, data: b"0123456789".to_vec() }));
    assert!(ev.contains(&Ce::End(id2)));
}

#[test]
fn a_body_growing_past_the_cap_is_delivered_up_to_it_then_cancelled_however_split() {
    let mut whole = capped();
    let id = whole.request(&req_get("/stream"), true);
    whole.flush();
    let mut input = whole.srv_headers(id, &[(":status", "200")], false);
    input.extend(build::data(id, b"012345", false));
    input.extend(build::data(id, b"6789abcdef", false));
    let ev = whole.feed(&input);
    assert_eq!(body_of(&ev), b"0123456789");
    assert!(ev.ends_with(&too_large(id)));
    assert_eq!(rst_frames(&whole.flush()), vec![(id, ErrorCode::CANCEL)]);

    // The same bytes a byte at a time: the same body, the same end.
    let mut split = capped();
    let id = split.request(&req_get("/stream"), true);
    split.flush();
    let mut ev = Vec::new();
    for b in &input {
        ev.extend(split.feed(std::slice::from_ref(b)));
    }
    assert_eq!(body_of(&ev), b"0123456789");
    assert!(ev.ends_with(&too_large(id)));
    assert!(!split.c.is_closed(), "only the stream fails");
}

#[test]
fn the_body_cap_is_off_by_default() {
    assert_eq!(ClientConfig::default().max_response_body_bytes, 0);
    let mut h = Harness::ready(&[]);
    let id = h.request(&req_get("/"), true);
    h.flush();
    let mut input = h.srv_headers(id, &[(":status", "200"), ("content-length", "100000")], false);
    input.extend(build::data(id, &[7u8; 16_384], false));
    let ev = h.feed(&input);
    assert!(ev.iter().all(|e| !matches!(e, Ce::TooLarge(_) | Ce::Reset { .. })));
}
