//! h2c Upgrade (RFC 7540 §3.2): the HTTP/1.1 request becomes stream 1, the
//! HTTP2-Settings are applied without an ACK, and the preface still follows.

mod common;

use common::*;
use h2wasm::connection::{Config, Connection, UpgradeError};

fn pairs(list: &[(String, String)]) -> Vec<(&[u8], &[u8])> {
    list.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())).collect()
}

fn settings_payload(params: &[(u16, u32)]) -> Vec<u8> {
    params.iter().flat_map(|(id, v)| id.to_be_bytes().into_iter().chain(v.to_be_bytes())).collect()
}

/// The client's preface (magic + empty SETTINGS), which follows the 101.
fn preface() -> Vec<u8> {
    let mut hello = PREFACE.to_vec();
    hello.extend(build::settings(&[]));
    hello
}

fn upgraded(params: &[(u16, u32)], request: &[(String, String)]) -> (Client, Vec<Ev>) {
    let mut c = Client::raw(Config::default());
    c.conn.upgrade(&settings_payload(params), &pairs(request)).unwrap();
    let ev = c.events();
    (c, ev)
}

#[test]
fn upgraded_request_becomes_stream_1_half_closed_remote() {
    let (mut c, ev) = upgraded(&[], &get("/up"));
    assert_eq!(ev, vec![Ev::Request { id: 1, fields: get("/up"), end: true }]);
    c.respond(1, 200, b"hello", true);
    let mut frames = c.flush();
    assert!(matches!(frames[0], SFrame::Settings { ack: false, .. }), "{frames:?}");
    // Body DATA waits for the client's preface, which follows the 101.
    assert_eq!(c.feed(&preface()), vec![Ev::Settings]);
    frames.extend(c.flush());
    assert!(frames.contains(&SFrame::Headers { id: 1, end: false, fields: fields(&[(":status", "200")]) }));
    assert_eq!(data_frames(&frames), vec![(1, b"hello".to_vec(), true)]);
    assert_eq!(c.events(), vec![Ev::StreamClosed(1)]);
}

#[test]
fn http2_settings_bind_the_response_without_a_settings_ack() {
    // INITIAL_WINDOW_SIZE 4 from the HTTP2-Settings header: only 4 body bytes may go out.
    let (mut c, _) = upgraded(&[(4, 4)], &get("/"));
    c.respond(1, 200, b"0123456789", true);
    let frames = c.flush();
    assert!(!frames.contains(&SFrame::Settings { ack: true, params: vec![] }), "{frames:?}");
    // The client's SETTINGS repeats no window: the header's value still binds.
    c.feed(&preface());
    let frames = c.flush();
    assert_eq!(data_frames(&frames), vec![(1, b"0123".to_vec(), false)]);
    assert_eq!(c.conn.peer_settings().initial_window_size, 4);
}

#[test]
fn client_preface_after_the_upgrade_is_accepted_and_stream_1_continues() {
    let (mut c, _) = upgraded(&[(4, 4)], &get("/"));
    c.respond(1, 200, b"0123456789", true);
    c.flush();
    assert_eq!(c.feed(&preface()), vec![Ev::Settings]);
    let frames = c.flush();
    assert!(frames.contains(&SFrame::Settings { ack: true, params: vec![] }), "{frames:?}");
    assert_eq!(data_frames(&frames), vec![(1, b"0123".to_vec(), false)]);
    c.feed(&build::window_update(1, 100));
    c.feed(&build::window_update(0, 100));
    assert_eq!(data_frames(&c.flush()), vec![(1, b"456789".to_vec(), true)]);
}

#[test]
fn next_client_stream_is_3_and_stream_1_cannot_be_reopened() {
    let (mut c, _) = upgraded(&[], &get("/"));
    c.respond(1, 200, b"", true);
    c.flush();
    c.feed(&preface());
    c.flush();
    assert_eq!(c.request(3, &get("/next"), true), vec![Ev::Request { id: 3, fields: get("/next"), end: true }]);
    c.request(1, &get("/again"), true);
    let frames = c.flush();
    assert!(!goaways(&frames).is_empty() || !rsts(&frames).is_empty(), "{frames:?}");
}

#[test]
fn upgrade_is_refused_once_bytes_were_received() {
    let mut c = Client::raw(Config::default());
    c.feed(PREFACE);
    assert_eq!(c.conn.upgrade(&[], &pairs(&get("/"))), Err(UpgradeError::NotFresh));
    let (mut c, _) = upgraded(&[], &get("/"));
    assert_eq!(c.conn.upgrade(&[], &pairs(&get("/"))), Err(UpgradeError::NotFresh));
}

#[test]
fn bad_http2_settings_are_refused_and_change_nothing() {
    let mut conn = Connection::new(Config::default(), 0);
    assert!(matches!(conn.upgrade(&[0, 4, 0, 0, 0], &pairs(&get("/"))), Err(UpgradeError::BadSettings(_))));
    // A valid value then an out-of-range one: neither is applied.
    let bad = settings_payload(&[(4, 1000), (4, 0x8000_0000)]);
    assert!(matches!(conn.upgrade(&bad, &pairs(&get("/"))), Err(UpgradeError::BadSettings(_))));
    assert_eq!(conn.peer_settings().initial_window_size, 65_535);
    assert_eq!(conn.open_streams(), 0);
    assert!(conn.upgrade(&settings_payload(&[(4, 1000)]), &pairs(&get("/"))).is_ok());
}

#[test]
fn malformed_upgraded_request_is_refused() {
    let mut conn = Connection::new(Config::default(), 0);
    let no_path = fields(&[(":method", "GET"), (":scheme", "http"), (":authority", "x")]);
    assert!(matches!(conn.upgrade(&[], &pairs(&no_path)), Err(UpgradeError::BadRequest(_))));
    let mut with_body = post("/");
    with_body.push(("content-length".into(), "5".into()));
    assert!(matches!(conn.upgrade(&[], &pairs(&with_body)), Err(UpgradeError::BadRequest(_))));
    assert_eq!(conn.open_streams(), 0);
    let mut ok = Connection::new(Config::default(), 0);
    assert!(ok.upgrade(&[], &pairs(&get("/"))).is_ok());
}
