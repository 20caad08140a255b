//! Connection level: preface, SETTINGS, PING, GOAWAY in and out, graceful
//! shutdown, abort, and every timer.

mod common;

use common::*;
use h2wasm::connection::Config;
use h2wasm::frame::Frame;
use h2wasm::ErrorCode;

fn last_goaway(c: &mut Client) -> (u32, ErrorCode) {
    let f = c.flush();
    *goaways(&f).last().unwrap_or_else(|| panic!("no GOAWAY in {f:?}"))
}

#[test]
fn wrong_preface_goaway_and_close() {
    let mut c = Client::raw(Config::default());
    c.flush();
    let ev = c.feed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(
        ev,
        vec![
            Ev::Error { code: ErrorCode::PROTOCOL_ERROR, reason: "invalid connection preface", remote: false },
            Ev::Closed
        ]
    );
    assert_eq!(last_goaway(&mut c), (0, ErrorCode::PROTOCOL_ERROR));
    assert!(c.conn.is_closed());
    assert!(!c.conn.wants_write());
}

#[test]
fn wrong_preface_detected_in_later_chunk() {
    let mut c = Client::raw(Config::default());
    assert_eq!(c.feed(&PREFACE[..10]), vec![]);
    let ev = c.feed(b"XXXX");
    assert_eq!(ev.last(), Some(&Ev::Closed));
}

#[test]
fn first_frame_must_be_settings() {
    let mut c = Client::raw(Config::default());
    let mut b = PREFACE.to_vec();
    b.extend(build::ping([0; 8]));
    c.feed(&b);
    assert_eq!(last_goaway(&mut c), (0, ErrorCode::PROTOCOL_ERROR));
}

#[test]
fn settings_values_are_range_checked() {
    let cases: [(u16, u32, ErrorCode); 6] = [
        (2, 2, ErrorCode::PROTOCOL_ERROR),           // ENABLE_PUSH
        (4, 1 << 31, ErrorCode::FLOW_CONTROL_ERROR), // INITIAL_WINDOW_SIZE
        (5, 16_383, ErrorCode::PROTOCOL_ERROR),      // MAX_FRAME_SIZE too small
        (5, 1 << 24, ErrorCode::PROTOCOL_ERROR),     // MAX_FRAME_SIZE too large
        (5, 0, ErrorCode::PROTOCOL_ERROR),           // CVE-2026-33814
        (8, 2, ErrorCode::PROTOCOL_ERROR),           // ENABLE_CONNECT_PROTOCOL
    ];
    for (id, value, code) in cases {
        let mut c = Client::new();
        c.feed(&build::settings(&[(id, value)]));
        assert_eq!(last_goaway(&mut c), (0, code), "setting {id}={value}");
    }
}

#[test]
fn settings_acked_and_unknown_ignored() {
    let mut c = Client::new();
    assert_eq!(c.feed(&build::settings(&[(0x99, 7), (1, 0), (2, 0), (3, 1), (6, 100)])), vec![Ev::Settings]);
    assert_eq!(c.flush(), vec![SFrame::Settings { ack: true, params: vec![] }]);
    assert_eq!(c.conn.peer_settings().header_table_size, 0);
    // the encoder honours a peer table size of 0: responses still decode
    c.request(1, &get("/"), true);
    c.conn.send_headers(1, 200, &[(b"x-a", b"b")], true).unwrap();
    let f = c.flush();
    assert!(matches!(&f[..], [SFrame::Headers { id: 1, .. }]));
}

#[test]
fn initial_window_overflow_of_open_stream_is_flow_control_error() {
    let mut c = Client::new();
    c.request(1, &get("/"), true);
    c.feed(&build::window_update(1, 0x7fff_ffff - 65_535));
    c.feed(&build::settings(&[(4, 65_536)]));
    assert_eq!(last_goaway(&mut c), (1, ErrorCode::FLOW_CONTROL_ERROR));
}

#[test]
fn settings_ack_timeout() {
    let mut c = Client::raw(Config::default());
    let mut b = PREFACE.to_vec();
    b.extend(build::settings(&[]));
    c.feed(&b);
    c.flush();
    assert_eq!(c.conn.next_deadline(), Some(10_000));
    assert_eq!(c.tick(9_999), vec![]);
    let ev = c.tick(10_000);
    assert!(matches!(ev[..], [Ev::Error { code: ErrorCode::SETTINGS_TIMEOUT, .. }, Ev::Closed]), "{ev:?}");
    assert_eq!(last_goaway(&mut c), (0, ErrorCode::SETTINGS_TIMEOUT));
}

#[test]
fn ping_is_acked_with_same_data() {
    let mut c = Client::new();
    assert_eq!(c.feed(&build::ping(*b"12345678")), vec![]);
    assert_eq!(c.flush(), vec![SFrame::Ping { ack: true, data: *b"12345678" }]);
}

#[test]
fn our_ping_ack_is_reported() {
    let mut c = Client::new();
    c.conn.ping(*b"abcdefgh").unwrap();
    assert_eq!(c.flush(), vec![SFrame::Ping { ack: false, data: *b"abcdefgh" }]);
    assert_eq!(c.feed(&build::ping_ack(*b"abcdefgh")), vec![Ev::PingAck(*b"abcdefgh")]);
    // unsolicited ACK: ignored
    assert_eq!(c.feed(&build::ping_ack(*b"zzzzzzzz")), vec![]);
}

/// Twisted kills every stream on GOAWAY; we keep serving and close when done.
#[test]
fn peer_goaway_keeps_open_streams_then_closes() {
    let mut c = Client::new();
    c.request(1, &get("/"), true);
    c.request(3, &get("/"), true);
    let ev = c.feed(&build::goaway(0, ErrorCode::NO_ERROR));
    assert_eq!(ev, vec![Ev::GoAway { last: 0, code: ErrorCode::NO_ERROR }]);
    assert_eq!(c.conn.debug_data(), b"bye");
    c.respond(1, 200, b"one", true);
    assert!(data_frames(&c.flush()).contains(&(1, b"one".to_vec(), true)));
    assert_eq!(c.events(), vec![Ev::StreamClosed(1)]);
    c.respond(3, 200, b"three", true);
    let f = c.flush();
    assert!(data_frames(&f).contains(&(3, b"three".to_vec(), true)));
    assert_eq!(c.events(), vec![Ev::StreamClosed(3), Ev::Closed]);
    assert_eq!(last_goaway(&mut c), (3, ErrorCode::NO_ERROR));
    assert!(c.conn.is_closed());
}

#[test]
fn peer_goaway_with_error_is_reported() {
    let mut c = Client::new();
    let ev = c.feed(&build::goaway(0, ErrorCode::INTERNAL_ERROR));
    assert_eq!(
        ev,
        vec![
            Ev::GoAway { last: 0, code: ErrorCode::INTERNAL_ERROR },
            Ev::Error { code: ErrorCode::INTERNAL_ERROR, reason: "peer sent GOAWAY", remote: true },
            Ev::Closed
        ]
    );
}

#[test]
fn graceful_shutdown_two_phases() {
    let mut c = Client::new();
    c.request(1, &get("/"), true);
    c.conn.shutdown();
    let f = c.flush();
    assert!(
        matches!(
            &f[..],
            [SFrame::GoAway { last: 0x7fff_ffff, code: ErrorCode::NO_ERROR, .. }, SFrame::Ping { ack: false, .. }]
        ),
        "{f:?}"
    );
    let SFrame::Ping { data, .. } = f[1] else { unreachable!() };
    // a request in flight before the client saw the GOAWAY is still served
    assert_eq!(c.request(3, &get("/"), true).len(), 1);
    assert_eq!(c.feed(&build::ping_ack(data)), vec![]);
    assert_eq!(c.flush(), vec![SFrame::GoAway { last: 3, code: ErrorCode::NO_ERROR, debug: vec![] }]);
    // above the final GOAWAY: ignored
    assert_eq!(c.request(5, &get("/"), true), vec![]);
    assert_eq!(c.feed(&build::data(5, b"x", true)), vec![]);
    assert!(c.flush().is_empty());
    c.conn.send_headers(1, 200, &[], true).unwrap();
    assert_eq!(c.events(), vec![Ev::StreamClosed(1)]);
    c.conn.send_headers(3, 200, &[], true).unwrap();
    assert_eq!(c.events(), vec![Ev::StreamClosed(3), Ev::Closed]);
    assert_eq!(c.flush().len(), 2);
    assert!(c.conn.is_closed());
}

#[test]
fn graceful_shutdown_ping_timeout_then_drain_timeout() {
    let mut c = Client::new();
    c.request(1, &get("/"), true);
    c.conn.shutdown();
    c.flush();
    assert_eq!(c.conn.next_deadline(), Some(5_000));
    assert_eq!(c.tick(5_000), vec![]);
    assert_eq!(last_goaway(&mut c), (1, ErrorCode::NO_ERROR));
    assert_eq!(c.conn.next_deadline(), Some(35_000));
    let ev = c.tick(35_000);
    assert_eq!(ev, vec![Ev::Reset { id: 1, code: ErrorCode::CANCEL, remote: false, unsent: 0 }, Ev::Closed]);
    assert_eq!(rsts(&c.flush()), vec![(1, ErrorCode::CANCEL)]);
    assert!(c.conn.is_closed());
}

#[test]
fn shutdown_without_streams_closes_after_ping_ack() {
    let mut c = Client::new();
    c.conn.shutdown();
    let f = c.flush();
    let SFrame::Ping { data, .. } = f[1] else { panic!("{f:?}") };
    assert_eq!(c.feed(&build::ping_ack(data)), vec![Ev::Closed]);
    assert_eq!(last_goaway(&mut c), (0, ErrorCode::NO_ERROR));
}

#[test]
fn abort_sends_goaway_and_resets_streams() {
    let mut c = Client::new();
    c.request(1, &get("/"), true);
    c.conn.abort(ErrorCode::INTERNAL_ERROR);
    let ev = c.events();
    assert_eq!(ev[0], Ev::Reset { id: 1, code: ErrorCode::INTERNAL_ERROR, remote: false, unsent: 0 });
    assert_eq!(ev.last(), Some(&Ev::Closed));
    assert_eq!(last_goaway(&mut c), (1, ErrorCode::INTERNAL_ERROR));
    assert_eq!(c.conn.send_headers(1, 200, &[], true), Err(h2wasm::error::UserError::ConnectionClosed));
    assert_eq!(c.feed(&build::ping([0; 8])), vec![]);
}

#[test]
fn connection_error_carries_reason_as_debug_data() {
    let mut c = Client::new();
    c.feed(&build::data(1, b"x", false));
    let f = c.flush();
    let Some(SFrame::GoAway { debug, .. }) = f.last() else { panic!("{f:?}") };
    assert_eq!(debug, b"DATA on an idle stream");
}

#[test]
fn frames_on_even_streams_are_connection_errors_even_below_the_last_id() {
    // A server never opens streams: every even id is one the client may not
    // use (§5.1.1), whatever the highest odd id it opened so far.
    for late in [build::data(2, b"x", false), build::window_update(2, 1), build::rst(2, ErrorCode::CANCEL)] {
        let mut c = Client::new();
        c.request(3, &get("/"), true);
        c.events();
        c.flush();
        c.feed(&late);
        let f = c.flush();
        let Some(SFrame::GoAway { code, .. }) = f.last() else { panic!("{f:?}") };
        assert_eq!(*code, ErrorCode::PROTOCOL_ERROR, "{late:?}");
    }
}

// ---- timers ----

#[test]
fn preface_timeout() {
    let mut c = Client::raw(Config::default());
    c.feed(&PREFACE[..5]);
    assert_eq!(c.conn.next_deadline(), Some(10_000));
    let ev = c.tick(10_000);
    assert_eq!(ev.last(), Some(&Ev::Closed));
    assert_eq!(last_goaway(&mut c).1, ErrorCode::PROTOCOL_ERROR);
}

#[test]
fn header_block_timeout() {
    let mut c = Client::new();
    c.now = 1000;
    let block = c.block(&get("/"));
    c.feed(&build::frame(&Frame::Headers {
        stream_id: 1,
        end_stream: true,
        end_headers: false,
        priority: None,
        fragment: &block,
    }));
    assert_eq!(c.conn.next_deadline(), Some(11_000));
    assert_eq!(c.tick(11_000).last(), Some(&Ev::Closed));
    assert_eq!(last_goaway(&mut c).1, ErrorCode::PROTOCOL_ERROR);
}

#[test]
fn idle_timeout_without_streams_is_no_error_then_closed_after_linger() {
    let mut c = Client::new();
    assert_eq!(c.conn.next_deadline(), Some(60_000));
    assert_eq!(c.tick(59_999), vec![]);
    assert_eq!(c.tick(60_000), vec![]);
    assert_eq!(last_goaway(&mut c), (0, ErrorCode::NO_ERROR));
    assert!(!c.conn.is_closed());
    assert_eq!(c.conn.next_deadline(), Some(75_000));
    assert_eq!(c.feed(&build::ping([0; 8])), vec![]); // ignored while closing
    assert!(c.flush().is_empty());
    assert_eq!(c.tick(75_000), vec![Ev::Closed]);
    assert!(c.conn.is_closed());
}

#[test]
fn idle_timeout_with_open_streams_is_protocol_error() {
    let mut c = Client::new();
    c.request(1, &get("/"), true);
    let ev = c.tick(60_000);
    assert_eq!(ev[0], Ev::Reset { id: 1, code: ErrorCode::PROTOCOL_ERROR, remote: false, unsent: 0 });
    assert_eq!(last_goaway(&mut c), (1, ErrorCode::PROTOCOL_ERROR));
}

#[test]
fn idle_timer_reset_by_valid_input() {
    let mut c = Client::new();
    c.now = 50_000;
    c.feed(&build::ping([0; 8]));
    assert_eq!(c.tick(60_000), vec![]);
    assert_eq!(c.conn.next_deadline(), Some(110_000));
}

/// Twisted test_timeOutClientThatSendsOnlyInvalidFrames.
#[test]
fn idle_timer_not_reset_by_invalid_frames() {
    let mut c = Client::new();
    c.request(1, &get("/"), true);
    c.conn.send_headers(1, 200, &[], true).unwrap();
    c.flush();
    c.events();
    c.now = 50_000;
    c.feed(&build::data(1, b"x", false)); // DATA on a closed stream
    c.feed(&build::raw(0xee, 0, 0, b"")); // unknown frame (counted as a glitch)
    assert_eq!(c.conn.next_deadline(), Some(60_000));
    c.tick(60_000);
    assert_eq!(last_goaway(&mut c), (1, ErrorCode::NO_ERROR));
}

#[test]
fn idle_timer_reset_by_outbound_data() {
    let mut c = Client::new();
    c.request(1, &get("/"), true);
    c.conn.send_headers(1, 200, &[], false).unwrap();
    c.tick(40_000);
    c.write(1, b"tick", false);
    c.flush();
    assert_eq!(c.conn.next_deadline(), Some(100_000));
    c.tick(100_000);
    assert_eq!(last_goaway(&mut c), (1, ErrorCode::PROTOCOL_ERROR));
}

#[test]
fn zero_window_stall_resets_stream() {
    let mut c = Client::with_settings(Config::default(), &[(4, 0)]);
    c.request(1, &get("/"), true);
    c.tick(1_000);
    c.conn.send_headers(1, 200, &[], false).unwrap();
    c.write(1, b"stuck", false);
    c.flush();
    c.events();
    assert_eq!(c.conn.next_deadline(), Some(60_000)); // idle (last DATA out at 0) comes first
    c.now = 30_000;
    c.feed(&build::ping([0; 8])); // the peer keeps the connection alive
    c.flush();
    assert_eq!(c.conn.next_deadline(), Some(61_000));
    let ev = c.tick(61_000);
    assert_eq!(ev, vec![Ev::Reset { id: 1, code: ErrorCode::CANCEL, remote: false, unsent: 5 }]);
    assert_eq!(rsts(&c.flush()), vec![(1, ErrorCode::CANCEL)]);
    assert!(!c.conn.is_closed());
}

#[test]
fn stall_timer_cleared_when_window_opens() {
    let mut c = Client::with_settings(Config::default(), &[(4, 0)]);
    c.request(1, &get("/"), true);
    c.conn.send_headers(1, 200, &[], false).unwrap();
    c.write(1, b"stuck", false);
    c.flush();
    c.now = 20_000;
    c.feed(&build::window_update(1, 100));
    c.flush();
    assert_eq!(c.conn.next_deadline(), Some(80_000)); // idle only
}
