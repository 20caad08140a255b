//! Flow control both ways, back-pressure events, scheduling without spinning.

mod common;

use common::*;
use h2wasm::connection::Config;
use h2wasm::error::UserError;
use h2wasm::limits::Limits;
use h2wasm::ErrorCode;

const INITIAL_WINDOW_SIZE: u16 = 4;
const MAX_FRAME_SIZE: u16 = 5;

fn open_get(c: &mut Client, id: u32) {
    let ev = c.request(id, &get("/"), true);
    assert!(matches!(ev[..], [Ev::Request { .. }]), "{ev:?}");
    c.conn.send_headers(id, 200, &[], false).unwrap();
    let f = c.flush();
    assert!(matches!(f[..], [SFrame::Headers { .. }]), "{f:?}");
}

/// Twisted test_flowControlExact: window 5, body "helloworldh" goes out as
/// "hello", "world", "h" as the window reopens; blocked/ready reported exactly.
#[test]
fn flow_control_exact() {
    let mut c = Client::with_settings(Config::default(), &[(INITIAL_WINDOW_SIZE, 5)]);
    open_get(&mut c, 1);
    c.write(1, b"helloworldh", false);
    assert_eq!(c.events(), vec![Ev::SendBlocked(1)]);
    c.conn.send_data(1, 0, true).unwrap(); // finish() while blocked (test_endingBlockedStream)
    assert_eq!(c.flush(), vec![SFrame::Data { id: 1, data: b"hello".to_vec(), end: false }]);
    assert!(!c.conn.wants_write());
    assert_eq!(c.feed(&build::window_update(1, 5)), vec![]);
    assert_eq!(c.flush(), vec![SFrame::Data { id: 1, data: b"world".to_vec(), end: false }]);
    assert_eq!(c.feed(&build::window_update(1, 5)), vec![]);
    assert_eq!(c.flush(), vec![SFrame::Data { id: 1, data: b"h".to_vec(), end: true }]);
    assert_eq!(c.events(), vec![Ev::StreamClosed(1)]);
}

/// Ready fires when window − queued goes back above 0 (Twisted test_producerBlockingUnblocking).
#[test]
fn producer_blocked_then_ready() {
    let mut c = Client::with_settings(Config::default(), &[(INITIAL_WINDOW_SIZE, 5)]);
    open_get(&mut c, 1);
    c.write(1, b"hello", false); // window 5 − queued 5 = 0: blocked
    assert_eq!(c.events(), vec![Ev::SendBlocked(1)]);
    c.flush();
    assert_eq!(c.feed(&build::window_update(1, 1)), vec![Ev::SendReady(1)]);
    // a connection update alone does not change a stream-window-bound state
    assert_eq!(c.feed(&build::window_update(0, 100)), vec![]);
}

#[test]
fn delayed_writes_until_window_update() {
    let mut c = Client::with_settings(Config::default(), &[(INITIAL_WINDOW_SIZE, 5)]);
    open_get(&mut c, 1);
    c.write(1, b"0123456789", false);
    assert_eq!(data_frames(&c.flush()), vec![(1, b"01234".to_vec(), false)]);
    assert!(c.flush().is_empty());
    assert!(!c.conn.wants_write());
    c.feed(&build::window_update(1, 100));
    assert!(c.conn.wants_write());
    assert_eq!(data_frames(&c.flush()), vec![(1, b"56789".to_vec(), false)]);
}

/// Raising INITIAL_WINDOW_SIZE wakes a sender blocked on a zero window
/// (Twisted's sender stayed asleep).
#[test]
fn initial_window_size_change_wakes_sender() {
    let mut c = Client::with_settings(Config::default(), &[(INITIAL_WINDOW_SIZE, 0)]);
    open_get(&mut c, 1);
    c.write(1, b"0123456789", true);
    assert_eq!(c.events(), vec![Ev::SendBlocked(1)]);
    assert!(c.flush().is_empty());
    assert!(!c.conn.wants_write());
    let ev = c.feed(&build::settings(&[(INITIAL_WINDOW_SIZE, 100)]));
    assert_eq!(ev, vec![Ev::Settings]); // ending: the producer is done, nothing to resume
    let f = c.flush();
    assert_eq!(f[0], SFrame::Settings { ack: true, params: vec![] });
    assert_eq!(data_frames(&f), vec![(1, b"0123456789".to_vec(), true)]);
}

#[test]
fn initial_window_size_change_sends_ready_to_open_producer() {
    let mut c = Client::with_settings(Config::default(), &[(INITIAL_WINDOW_SIZE, 0)]);
    open_get(&mut c, 1);
    c.write(1, b"01234", false);
    assert_eq!(c.events(), vec![Ev::SendBlocked(1)]);
    assert_eq!(c.feed(&build::settings(&[(INITIAL_WINDOW_SIZE, 100)])), vec![Ev::Settings, Ev::SendReady(1)]);
}

/// §6.9.2: a decrease can make a window negative; it must climb back above 0.
#[test]
fn negative_window_after_settings_decrease() {
    let mut c = Client::with_settings(Config::default(), &[(INITIAL_WINDOW_SIZE, 10)]);
    open_get(&mut c, 1);
    c.write(1, &[b'a'; 20], false);
    assert_eq!(data_frames(&c.flush())[0].1.len(), 10);
    c.feed(&build::settings(&[(INITIAL_WINDOW_SIZE, 5)])); // window now -5
    c.feed(&build::window_update(1, 5)); // 0
    assert!(data_frames(&c.flush()).is_empty());
    c.feed(&build::window_update(1, 1));
    assert_eq!(data_frames(&c.flush()), vec![(1, b"a".to_vec(), false)]);
}

#[test]
fn data_chunked_to_peer_max_frame_size() {
    let mut c = Client::with_settings(Config::default(), &[(INITIAL_WINDOW_SIZE, 100_000)]);
    c.feed(&build::window_update(0, 100_000));
    open_get(&mut c, 1);
    c.write(1, &[1u8; 40_000], true);
    let sizes: Vec<usize> = data_frames(&c.flush()).iter().map(|d| d.1.len()).collect();
    assert_eq!(sizes, [16_384, 16_384, 7_232]);

    let mut c = Client::with_settings(Config::default(), &[(INITIAL_WINDOW_SIZE, 100_000), (MAX_FRAME_SIZE, 20_000)]);
    c.feed(&build::window_update(0, 100_000));
    open_get(&mut c, 1);
    c.write(1, &[1u8; 40_000], true);
    let sizes: Vec<usize> = data_frames(&c.flush()).iter().map(|d| d.1.len()).collect();
    assert_eq!(sizes, [20_000, 20_000]);
}

#[test]
fn connection_window_limits_all_streams() {
    let mut c = Client::new();
    open_get(&mut c, 1);
    open_get(&mut c, 3);
    c.write(1, &[1u8; 60_000], false);
    c.write(3, &[3u8; 60_000], false);
    let total: usize = data_frames(&c.flush()).iter().map(|d| d.1.len()).sum();
    assert_eq!(total, 65_535);
    assert!(!c.conn.wants_write());
    c.feed(&build::window_update(0, 1000));
    let total: usize = data_frames(&c.flush()).iter().map(|d| d.1.len()).sum();
    assert_eq!(total, 1000);
}

#[test]
fn write_output_respects_max_bytes() {
    let mut c = Client::new();
    open_get(&mut c, 1);
    c.write(1, &[0u8; 10_000], true);
    assert_eq!(data_frames(&c.flush_max(3000)), vec![(1, vec![0; 3000], false)]);
    assert_eq!(data_frames(&c.flush_max(3000)).len(), 1);
    assert_eq!(data_frames(&c.flush_max(0)).len(), 0);
    assert!(c.conn.wants_write());
    let rest = data_frames(&c.flush());
    assert_eq!(rest, vec![(1, vec![0; 4000], true)]);
}

/// A zero window is not a busy loop (it was in Twisted); the stream leaves
/// the scheduler until the window opens.
#[test]
fn zero_window_is_not_scheduled() {
    let mut c = Client::with_settings(Config::default(), &[(INITIAL_WINDOW_SIZE, 0)]);
    open_get(&mut c, 1);
    c.write(1, b"x", false);
    for _ in 0..3 {
        assert!(c.flush().is_empty());
        assert!(!c.conn.wants_write());
    }
}

#[test]
fn consumed_reopens_windows_at_half() {
    let mut c = Client::new();
    let mut bytes = c.headers_bytes(1, &post("/"), false);
    for _ in 0..3 {
        bytes.extend(build::data(1, &[0u8; 13_000], false));
    }
    c.feed(&bytes);
    c.conn.consumed(1, 20_000).unwrap();
    assert!(window_updates(&c.flush()).is_empty());
    c.conn.consumed(1, 19_000).unwrap();
    assert_eq!(window_updates(&c.flush()), vec![(1, 39_000)]);
    // connection: 1 MiB target, half not reached yet
    c.conn.consumed(1, 1_000_000).unwrap(); // clamped to the 0 bytes left unconsumed
    assert!(window_updates(&c.flush()).is_empty());
}

#[test]
fn connection_window_update_at_half_of_target() {
    let cfg = Config { connection_window: 100_000, ..Config::default() };
    let mut c = Client::with_config(cfg);
    let mut bytes = Vec::new();
    for id in [1, 3] {
        bytes.extend(c.headers_bytes(id, &post("/"), false));
        bytes.extend(build::data(id, &[0u8; 16_384], false));
        bytes.extend(build::data(id, &[0u8; 16_384], false));
    }
    c.feed(&bytes);
    c.conn.consumed(1, 32_768).unwrap();
    assert_eq!(window_updates(&c.flush()), vec![(1, 32_768)]);
    c.conn.consumed(3, 17_232).unwrap();
    assert_eq!(window_updates(&c.flush()), vec![(0, 50_000)]);
}

#[test]
fn padding_is_credited_without_consumed() {
    let mut c = Client::new();
    let mut bytes = c.headers_bytes(1, &post("/"), false);
    for _ in 0..130 {
        bytes.extend(build::data_padded(1, b"x", 255, false));
    }
    let ev = c.feed(&bytes);
    assert_eq!(ev[1], Ev::Data { id: 1, data: vec![b'x'; 130] });
    let wu = window_updates(&c.flush());
    assert_eq!(wu.len(), 1);
    assert_eq!(wu[0].0, 1);
    assert!(wu[0].1 >= 32_768 && wu[0].1 <= 130 * 256, "{wu:?}");
}

#[test]
fn stream_window_exceeded_is_stream_flow_control_error() {
    let mut c = Client::new();
    let mut bytes = c.headers_bytes(1, &post("/"), false);
    for _ in 0..4 {
        bytes.extend(build::data(1, &[0u8; 16_384], false)); // 65,536 > 65,535
    }
    let ev = c.feed(&bytes);
    assert!(ev.contains(&Ev::Reset { id: 1, code: ErrorCode::FLOW_CONTROL_ERROR, remote: false, unsent: 0 }));
    assert_eq!(rsts(&c.flush()), vec![(1, ErrorCode::FLOW_CONTROL_ERROR)]);
    assert!(!c.conn.is_closed());
}

#[test]
fn connection_window_exceeded_is_connection_error() {
    let cfg = Config { connection_window: 65_535, ..Config::default() };
    let mut c = Client::with_config(cfg);
    let mut bytes = Vec::new();
    for id in [1, 3] {
        bytes.extend(c.headers_bytes(id, &post("/"), false));
        bytes.extend(build::data(id, &[0u8; 16_384], false));
        bytes.extend(build::data(id, &[0u8; 16_384], false));
    }
    let ev = c.feed(&bytes);
    assert!(ev.contains(&Ev::Closed));
    assert_eq!(goaways(&c.flush()), vec![(3, ErrorCode::FLOW_CONTROL_ERROR)]);
    assert!(c.conn.is_closed());
}

/// Twisted test_dataAndRstStream: DATA then RST in one read → only a connection WINDOW_UPDATE.
#[test]
fn data_and_rst_credit_connection_window() {
    let cfg = Config { connection_window: 65_535, ..Config::default() };
    let mut c = Client::with_config(cfg);
    let mut bytes = c.headers_bytes(1, &post("/"), false);
    for n in [16_384, 16_384, 16_384, 16_383] {
        bytes.extend(build::data(1, &vec![0u8; n], false));
    }
    bytes.extend(build::rst(1, ErrorCode::CANCEL));
    let ev = c.feed(&bytes);
    assert_eq!(*ev.last().unwrap(), Ev::Reset { id: 1, code: ErrorCode::CANCEL, remote: true, unsent: 0 });
    assert_eq!(c.flush(), vec![SFrame::WindowUpdate { id: 0, inc: 65_535 }]);
    c.conn.consumed(1, 65_535).unwrap(); // after the reset: ignored, no double credit
    assert!(c.flush().is_empty());
}

#[test]
fn window_update_overflow() {
    let mut c = Client::new();
    open_get(&mut c, 1);
    c.feed(&build::window_update(1, 0x7fff_ffff));
    assert_eq!(rsts(&c.flush()), vec![(1, ErrorCode::FLOW_CONTROL_ERROR)]);
    c.feed(&build::window_update(0, 0x7fff_ffff));
    assert_eq!(goaways(&c.flush()), vec![(1, ErrorCode::FLOW_CONTROL_ERROR)]);
}

#[test]
fn window_update_zero() {
    let mut c = Client::new();
    open_get(&mut c, 1);
    let ev = c.feed(&build::window_update(1, 0));
    assert_eq!(ev, vec![Ev::Reset { id: 1, code: ErrorCode::PROTOCOL_ERROR, remote: false, unsent: 0 }]);
    assert_eq!(rsts(&c.flush()), vec![(1, ErrorCode::PROTOCOL_ERROR)]);
    c.feed(&build::window_update(0, 0));
    assert_eq!(goaways(&c.flush()), vec![(1, ErrorCode::PROTOCOL_ERROR)]);
}

/// Twisted test_windowUpdateForCompleteStream / AfterComplete / AfterTerminate.
#[test]
fn late_window_update_is_harmless() {
    let mut c = Client::new();
    c.request(1, &get("/"), true);
    c.respond(1, 200, b"x", true);
    c.flush();
    assert_eq!(c.events(), vec![Ev::StreamClosed(1)]);
    assert_eq!(c.feed(&build::window_update(1, 10)), vec![]);
    c.request(3, &get("/"), true);
    c.conn.reset_stream(3, ErrorCode::CANCEL).unwrap();
    assert_eq!(c.events(), vec![Ev::Reset { id: 3, code: ErrorCode::CANCEL, remote: false, unsent: 0 }]);
    assert_eq!(c.feed(&build::window_update(3, 10)), vec![]);
    assert_eq!(c.feed(&build::window_update(0, 10)), vec![]);
    let f = c.flush();
    assert_eq!(f, vec![SFrame::Rst { id: 3, code: ErrorCode::CANCEL }]);
    assert!(!c.conn.is_closed());
}

#[test]
fn unnecessary_window_updates_harmless() {
    let mut c = Client::new();
    open_get(&mut c, 1);
    assert_eq!(c.feed(&build::window_update(0, 10)), vec![]);
    assert_eq!(c.feed(&build::window_update(1, 10)), vec![]);
    assert!(c.flush().is_empty());
    assert!(!c.conn.wants_write());
}

#[test]
fn send_buffer_soft_limit_blocks_and_hard_cap_refuses() {
    let cfg = Config {
        limits: Limits { stream_send_buffer: 1000, stream_send_buffer_hard: 5000, ..Limits::default() },
        ..Config::default()
    };
    let mut c = Client::with_settings(cfg, &[(INITIAL_WINDOW_SIZE, 1_000_000)]);
    c.feed(&build::window_update(0, 1_000_000));
    open_get(&mut c, 1);
    c.write(1, &[0u8; 999], false);
    assert_eq!(c.events(), vec![]);
    c.write(1, &[0u8; 1], false);
    assert_eq!(c.events(), vec![Ev::SendBlocked(1)]);
    c.write(1, &[0u8; 4000], false); // beyond the soft limit: still accepted
    assert_eq!(c.conn.send_data(1, 1, false), Err(UserError::BufferFull));
    c.flush();
    assert_eq!(c.events(), vec![Ev::SendReady(1)]);
}

#[test]
fn connection_send_buffer_soft_limit_blocks_every_stream() {
    let cfg = Config { limits: Limits { connection_send_buffer: 1000, ..Limits::default() }, ..Config::default() };
    let mut c = Client::with_settings(cfg, &[(INITIAL_WINDOW_SIZE, 1_000_000)]);
    c.feed(&build::window_update(0, 1_000_000));
    open_get(&mut c, 1);
    open_get(&mut c, 3);
    c.write(1, &[0u8; 1000], false);
    assert_eq!(c.events(), vec![Ev::SendBlocked(1), Ev::SendBlocked(3)]);
    c.flush();
    assert_eq!(c.events(), vec![Ev::SendReady(1), Ev::SendReady(3)]);
}

#[test]
fn reset_reports_unsent_bytes() {
    let mut c = Client::with_settings(Config::default(), &[(INITIAL_WINDOW_SIZE, 3)]);
    open_get(&mut c, 1);
    c.write(1, b"abcdefgh", false);
    c.flush();
    c.events();
    let ev = c.feed(&build::rst(1, ErrorCode::CANCEL));
    assert_eq!(ev, vec![Ev::Reset { id: 1, code: ErrorCode::CANCEL, remote: true, unsent: 5 }]);
    assert_eq!(c.conn.send_data(1, 1, false), Err(UserError::StreamClosed));
}

/// Twisted test_producerUnblocked: writes that leave room in the window raise no events.
#[test]
fn no_events_while_window_has_room() {
    let mut c = Client::new();
    open_get(&mut c, 1);
    for _ in 0..10 {
        c.write(1, b"0123456789", false);
    }
    c.flush();
    assert_eq!(c.events(), vec![]);
}

/// Unlike Twisted (one DATA frame per write), queued writes are coalesced up
/// to the frame size: the app's chunks are lengths, the engine frames them.
#[test]
fn writes_are_coalesced_into_frames() {
    let mut c = Client::new();
    open_get(&mut c, 1);
    for i in 0..10u8 {
        c.write(1, &[b'0' + i], false);
    }
    assert_eq!(data_frames(&c.flush()), vec![(1, b"0123456789".to_vec(), false)]);
}

/// Echo `total` bytes through one stream the way the demo POST /echo route
/// does (every received chunk is consumed and written straight back), with
/// the peer sending everything its windows allow and write_output held back
/// until the peer is blocked (the socket-backpressure case: the JS layer keeps
/// calling receive()+consumed()+send_data() but not write_output). Returns the
/// echoed bytes and the most WINDOW_UPDATE frames seen in one flush.
fn echo_with_delayed_output(cfg: Config, total: usize) -> (Vec<u8>, Vec<u8>, usize) {
    let conn_target = cfg.connection_window;
    let mut c = Client::with_config(cfg);
    let body: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
    let ev = c.request(1, &post("/echo"), false);
    assert!(matches!(ev[..], [Ev::Request { .. }]), "{ev:?}");
    c.conn.send_headers(1, 200, &[], false).unwrap();
    // The peer's view of our receive windows (Client::new already took the
    // connection WINDOW_UPDATE that opens ours to its target).
    let (mut peer_stream, mut peer_conn) = (65_535i64, i64::from(conn_target.max(65_535)));
    let (mut sent, mut echoed, mut ended) = (0usize, Vec::new(), false);
    let mut most_updates = 0;
    while !ended {
        // The peer sends all it may, in 16 KiB frames; the application
        // consumes and echoes each 4 KiB piece as it arrives. No write_output.
        while sent < total && peer_stream > 0 && peer_conn > 0 {
            let n = (total - sent).min(16_384).min(peer_stream as usize).min(peer_conn as usize);
            let end = sent + n == total;
            let bytes = build::data(1, &body[sent..sent + n], end);
            sent += n;
            peer_stream -= n as i64;
            peer_conn -= n as i64;
            for piece in bytes.chunks(4_096) {
                for e in c.feed(piece) {
                    match e {
                        Ev::Data { id: 1, data } => {
                            c.conn.consumed(1, data.len() as u32).unwrap();
                            c.write(1, &data, false);
                        }
                        Ev::End(1) => c.conn.send_data(1, 0, true).unwrap(),
                        Ev::SendBlocked(1) | Ev::SendReady(1) => {}
                        other => panic!("unexpected event {other:?} after {sent} bytes"),
                    }
                }
            }
        }
        // The socket drains: everything queued goes out at once.
        let frames = c.flush();
        let updates = window_updates(&frames);
        most_updates = most_updates.max(updates.len());
        for (id, inc) in updates {
            if id == 0 {
                peer_conn += i64::from(inc);
            } else {
                peer_stream += i64::from(inc);
            }
        }
        assert!(goaways(&frames).is_empty() && rsts(&frames).is_empty(), "{frames:?}");
        let mut got = 0u32;
        for (id, data, end) in data_frames(&frames) {
            assert_eq!(id, 1);
            got += data.len() as u32;
            echoed.extend(data);
            ended |= end;
        }
        // The peer reads the echo and reopens our send windows.
        if got > 0 {
            let mut wu = build::window_update(1, got);
            wu.extend(build::window_update(0, got));
            let ev = c.feed(&wu);
            assert!(
                ev.iter().all(|e| matches!(e, Ev::SendReady(1) | Ev::SendBlocked(1) | Ev::StreamClosed(1))),
                "{ev:?}"
            );
        }
        assert!(sent == total || peer_stream > 0 || peer_conn > 0 || got > 0 || ended, "deadlock at {sent}");
    }
    (body, echoed, most_updates)
}

/// Regression (Node http2 client, 10 MiB POST /echo reset with
/// ENHANCE_YOUR_CALM): the engine side of the echo with output held back.
/// WINDOW_UPDATEs from consumed() are bounded by the windows themselves, are
/// not peer-provoked control frames, and never trip the control-queue cap.
#[test]
fn echo_10_mib_with_output_held_back() {
    let (body, echoed, most) = echo_with_delayed_output(Config::default(), 10 * 1024 * 1024);
    assert_eq!(echoed.len(), body.len());
    assert!(echoed == body, "echo differs");
    // At most one per half-window consumed per level between two flushes.
    assert!(most <= 4, "{most} WINDOW_UPDATEs in one flush");
}

/// Even with a control-queue cap far below one WINDOW_UPDATE per consumed()
/// call, a legitimate upload is never cut off by its own flow control.
#[test]
fn window_updates_do_not_count_against_control_cap() {
    let limits = Limits { max_control_bytes: 16, ..Limits::default() };
    let cfg = Config { limits, ..Config::default() };
    let (body, echoed, _) = echo_with_delayed_output(cfg, 2 * 1024 * 1024);
    assert!(echoed == body, "echo differs");
}
