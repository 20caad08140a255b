//! RFC 9113 §3–§8: one test per requirement, named by section. Each test
//! opens its own connection to a shared server (or starts its own when it
//! needs special options) and checks the server's exact reaction.

use h2wasm_conformance::*;

fn conn() -> Conn {
    let mut c = Server::shared().connect();
    c.handshake();
    c
}

fn fresh() -> Conn {
    Server::shared().connect()
}

/// HEADERS for GET `path` on `stream` with END_STREAM, hand-made literal block.
fn get_frame(stream: u32, path: &'static str) -> Vec<u8> {
    frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, stream, &get_block(path))
}

/// Open `stream` on /hang (half-closed remote: we sent END_STREAM, no answer comes).
fn open_hang_half_closed(c: &mut Conn, stream: u32) {
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, stream, &get_block("/hang")));
}

/// Open `stream` as POST /hang without END_STREAM (open on both sides).
fn open_hang(c: &mut Conn, stream: u32) {
    c.send(&frame(kind::HEADERS, flag::END_HEADERS, stream, &block(&req("POST", "/hang"))));
}

// ------------------------------------------------------------------ §3.4 preface

#[test]
fn s3_4_server_first_frame_is_settings() {
    let mut c = conn(); // handshake asserts the first frame is SETTINGS
    assert!(
        c.server_setting(setting::ENABLE_PUSH) != Some(1),
        "§6.5.2: a server MUST NOT set SETTINGS_ENABLE_PUSH to 1"
    );
    c.expect_ignored();
}

#[test]
fn s3_4_invalid_preface_goaway_protocol_error() {
    let mut c = fresh();
    c.send(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n");
    c.send(&frame(kind::SETTINGS, 0, 0, &[]));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s3_4_http1_request_instead_of_preface() {
    let mut c = fresh();
    c.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    // A server MAY omit the GOAWAY for an invalid preface (§3.4) but must not serve it.
    match c.next_frame() {
        Got::Frame(f) if f.kind == kind::SETTINGS => {
            // The SETTINGS may precede the verdict; then GOAWAY(PROTOCOL_ERROR).
            c.expect_goaway(code::PROTOCOL_ERROR);
        }
        Got::Frame(f) if f.kind == kind::GOAWAY => assert_eq!(f.code(), code::PROTOCOL_ERROR, "{}", f.describe()),
        Got::Closed => {}
        other => panic!("expected GOAWAY(PROTOCOL_ERROR) or close, got {}", other.describe()),
    }
}

#[test]
fn s3_4_first_frame_not_settings() {
    let mut c = fresh();
    let mut v = PREFACE.to_vec();
    v.extend(frame(kind::PING, 0, 0, &[0; 8]));
    c.send(&v);
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s3_4_first_settings_is_ack() {
    // The preface SETTINGS must not be an ACK: §3.4 requires a SETTINGS frame
    // (not an acknowledgement of one the client never received).
    let mut c = fresh();
    let mut v = PREFACE.to_vec();
    v.extend(frame(kind::SETTINGS, flag::ACK, 0, &[]));
    c.send(&v);
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s3_4_preface_byte_by_byte() {
    let mut c = fresh();
    let mut v = PREFACE.to_vec();
    v.extend(frame(kind::SETTINGS, 0, 0, &[]));
    v.extend(get_frame(1, "/"));
    for b in v {
        c.send(&[b]);
    }
    let r = c.expect_200(1);
    assert_eq!(r.body, b"hello from h2wasm\n");
}

// ------------------------------------------------------------------ §4 frames

#[test]
fn s4_1_unknown_flags_ignored() {
    let mut c = conn();
    c.send(&frame(kind::PING, 0xfe & !flag::ACK, 0, &[1; 8]));
    c.read_until("PING ACK", |f| f.kind == kind::PING && f.flags & flag::ACK != 0);
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM | 0x40 | 0x10 | 0x02, 1, &get_block("/")));
    c.expect_200(1);
}

#[test]
fn s4_1_reserved_bit_ignored() {
    let mut c = conn();
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, 0x8000_0001, &get_block("/")));
    c.expect_200(1);
}

#[test]
fn s4_2_frame_exceeding_max_frame_size() {
    let mut c = conn();
    open_hang(&mut c, 1);
    let max = c.server_setting(setting::MAX_FRAME_SIZE).unwrap_or(16_384);
    c.send(&frame(kind::DATA, 0, 1, &vec![0u8; max as usize + 1]));
    c.expect_stream_or_conn_error(1, code::FRAME_SIZE_ERROR);
}

#[test]
fn s4_2_headers_exceeding_max_frame_size_connection_error() {
    let mut c = conn();
    let max = c.server_setting(setting::MAX_FRAME_SIZE).unwrap_or(16_384) as usize;
    let mut b = get_block("/");
    b.extend(lit(b"x-big", &vec![b'a'; max]));
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, 1, &b));
    c.expect_goaway(code::FRAME_SIZE_ERROR);
}

#[test]
fn s4_2_settings_exceeding_max_frame_size_connection_error() {
    let mut c = conn();
    let max = c.server_setting(setting::MAX_FRAME_SIZE).unwrap_or(16_384) as usize;
    let n = (max / 6 + 1) * 6;
    c.send(&frame(kind::SETTINGS, 0, 0, &vec![0xff; n]));
    c.expect_goaway(code::FRAME_SIZE_ERROR);
}

#[test]
fn s4_2_max_size_frame_accepted() {
    let mut c = conn();
    let body = vec![7u8; 16_384];
    c.headers(1, &req("POST", "/echo"), false);
    c.send(&frame(kind::DATA, flag::END_STREAM, 1, &body));
    let r = c.expect_200(1);
    assert_eq!(r.body, body);
}

#[test]
fn s4_3_garbage_header_block_compression_error() {
    let mut c = conn();
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, 1, &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    c.expect_goaway(code::COMPRESSION_ERROR);
}

#[test]
fn s4_3_dynamic_table_shared_across_streams() {
    let mut c = conn();
    // The encoder indexes x-custom on stream 1 and refers to it on 3 and 5.
    for s in [1u32, 3, 5] {
        let mut f = req("GET", "/");
        f.push(("x-custom", "same-value-every-time"));
        c.headers(s, &f, true);
    }
    let rs = c.read_responses(&[1, 3, 5]);
    for s in [1u32, 3, 5] {
        assert_eq!(rs[&s].status, 200, "stream {s}: {:?}", rs[&s]);
    }
}

#[test]
fn s4_3_response_header_blocks_decodable() {
    // Many responses through one connection: the server's HPACK encoder and
    // our decoder stay in sync (a desync panics in Conn::next).
    let mut c = conn();
    for i in 0..20u32 {
        c.get(1 + 2 * i, "/");
        c.expect_200(1 + 2 * i);
    }
}

// ------------------------------------------------------------------ §5.1 stream states

#[test]
fn s5_1_data_on_idle_stream() {
    let mut c = conn();
    c.send(&frame(kind::DATA, 0, 1, b"hello"));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s5_1_window_update_on_idle_stream() {
    let mut c = conn();
    c.window_update(1, 100);
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s5_1_continuation_on_idle_stream() {
    let mut c = conn();
    c.send(&frame(kind::CONTINUATION, flag::END_HEADERS, 1, &get_block("/")));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s5_1_priority_on_idle_stream_allowed() {
    let mut c = conn();
    c.send(&frame(kind::PRIORITY, 0, 3, &priority_payload(false, 0, 16)));
    c.expect_ignored();
    // Stream 3 is still idle and can be opened.
    c.send(&get_frame(3, "/"));
    c.expect_200(3);
}

#[test]
fn s5_1_headers_on_half_closed_remote_stream_closed() {
    let mut c = conn();
    open_hang_half_closed(&mut c, 1);
    c.expect_ignored();
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, 1, &block(&[("x-more", "1")])));
    c.expect_stream_or_conn_error(1, code::STREAM_CLOSED);
}

#[test]
fn s5_1_data_on_half_closed_remote_stream_closed() {
    let mut c = conn();
    open_hang_half_closed(&mut c, 1);
    c.expect_ignored();
    c.send(&frame(kind::DATA, 0, 1, b"late"));
    c.expect_stream_or_conn_error(1, code::STREAM_CLOSED);
}

#[test]
fn s5_1_window_update_on_half_closed_remote_allowed() {
    let mut c = conn();
    open_hang_half_closed(&mut c, 1);
    c.window_update(1, 1000);
    c.expect_ignored();
}

#[test]
fn s5_1_priority_on_half_closed_remote_allowed() {
    let mut c = conn();
    open_hang_half_closed(&mut c, 1);
    c.send(&frame(kind::PRIORITY, 0, 1, &priority_payload(false, 0, 200)));
    c.expect_ignored();
}

#[test]
fn s5_1_rst_on_half_closed_remote_closes_stream() {
    let mut c = conn();
    open_hang_half_closed(&mut c, 1);
    c.rst(1, code::CANCEL);
    c.expect_ignored();
    // The stream is closed: the server sends nothing more for it and keeps serving.
    c.get(3, "/");
    c.expect_200(3);
    assert!(
        !c.seen.iter().any(|(k, _, s, _)| *s == 1 && (*k == kind::HEADERS || *k == kind::DATA)),
        "server sent HEADERS/DATA on a stream the client reset"
    );
}

#[test]
fn s5_1_data_on_closed_stream() {
    let mut c = conn();
    c.get(1, "/");
    c.expect_200(1);
    c.expect_ignored();
    c.send(&frame(kind::DATA, 0, 1, b"after close"));
    c.expect_stream_or_conn_error(1, code::STREAM_CLOSED);
}

#[test]
fn s5_1_headers_on_closed_stream() {
    let mut c = conn();
    c.get(1, "/");
    c.expect_200(1);
    c.send(&get_frame(1, "/"));
    // §5.1 closed: connection error STREAM_CLOSED; §5.1.1 (id not above the
    // highest opened) PROTOCOL_ERROR. Either is conformant.
    c.expect_goaway_one_of(&[code::STREAM_CLOSED, code::PROTOCOL_ERROR]);
}

#[test]
fn s5_1_window_update_after_end_stream_ignored() {
    let mut c = conn();
    c.get(1, "/");
    c.expect_200(1);
    c.window_update(1, 10);
    c.rst(1, code::CANCEL);
    c.expect_ignored();
}

#[test]
fn s5_1_priority_on_closed_stream_ignored() {
    let mut c = conn();
    c.get(1, "/");
    c.expect_200(1);
    c.send(&frame(kind::PRIORITY, 0, 1, &priority_payload(false, 0, 1)));
    c.expect_ignored();
}

#[test]
fn s5_1_data_after_client_rst_stream_closed() {
    let mut c = conn();
    open_hang(&mut c, 1);
    c.rst(1, code::CANCEL);
    c.expect_ignored();
    c.send(&frame(kind::DATA, 0, 1, b"x"));
    c.expect_stream_or_conn_error(1, code::STREAM_CLOSED);
}

#[test]
fn s5_1_1_even_stream_id() {
    let mut c = conn();
    c.send(&get_frame(2, "/"));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s5_1_1_decreasing_stream_id() {
    let mut c = conn();
    c.send(&get_frame(5, "/"));
    c.expect_200(5);
    c.send(&get_frame(3, "/"));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s5_1_1_skipped_ids_are_closed() {
    let mut c = conn();
    open_hang_half_closed(&mut c, 7);
    c.expect_ignored();
    c.send(&get_frame(5, "/"));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s5_1_1_stream_id_reuse() {
    let mut c = conn();
    c.send(&get_frame(1, "/"));
    c.expect_200(1);
    c.send(&get_frame(1, "/"));
    c.expect_goaway_one_of(&[code::PROTOCOL_ERROR, code::STREAM_CLOSED]);
}

#[test]
fn s5_1_2_excess_streams_refused() {
    let mut c = conn();
    let max = c.server_setting(setting::MAX_CONCURRENT_STREAMS).expect("server advertises MAX_CONCURRENT_STREAMS");
    assert!(max <= 1000, "MAX_CONCURRENT_STREAMS {max} too large to test");
    let mut batch = Vec::new();
    for i in 0..max {
        batch.extend(frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, 1 + 2 * i, &get_block("/hang")));
    }
    let extra = 1 + 2 * max;
    batch.extend(get_frame(extra, "/"));
    c.send(&batch);
    // §5.1.2: stream error PROTOCOL_ERROR or REFUSED_STREAM; not a connection error.
    let f = c.read_until("RST_STREAM on the excess stream", |f| {
        (f.kind == kind::RST_STREAM && f.stream == extra) || f.kind == kind::GOAWAY
    });
    assert!(
        f.kind == kind::RST_STREAM && (f.code() == code::REFUSED_STREAM || f.code() == code::PROTOCOL_ERROR),
        "expected RST_STREAM({extra}, REFUSED_STREAM), got {}",
        f.describe()
    );
    c.expect_ignored();
}

#[test]
fn s5_1_2_streams_count_frees_on_close() {
    let mut c = conn();
    let max = c.server_setting(setting::MAX_CONCURRENT_STREAMS).unwrap_or(100).min(1000);
    // max sequential streams twice over: closed streams stop counting.
    for i in 0..(max + 5) {
        c.get(1 + 2 * i, "/");
        c.expect_200(1 + 2 * i);
    }
}

#[test]
fn s5_3_1_priority_self_dependency() {
    let mut c = conn();
    c.send(&frame(kind::PRIORITY, 0, 3, &priority_payload(false, 3, 16)));
    c.expect_stream_or_conn_error(3, code::PROTOCOL_ERROR);
}

#[test]
fn s5_4_1_goaway_on_connection_error() {
    let mut c = conn();
    c.get(1, "/");
    c.expect_200(1);
    c.send(&frame(kind::PING, 0, 1, &[0; 8])); // PING on a stream: connection error
    let last = c.expect_goaway(code::PROTOCOL_ERROR);
    assert_eq!(last, 1, "GOAWAY last-stream-id must be the last stream processed");
}

#[test]
fn s5_4_1_connection_closed_after_goaway() {
    let mut c = conn();
    c.send(&frame(kind::DATA, 0, 0, b"x"));
    c.expect_goaway(code::PROTOCOL_ERROR); // includes: then the TCP connection closes
}

#[test]
fn s5_4_2_stream_error_keeps_connection() {
    let mut c = conn();
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, 1, &block(&[(":method", "GET")])));
    c.expect_malformed(1);
    c.get(3, "/");
    c.expect_200(3);
}

#[test]
fn s5_5_unknown_frame_ignored() {
    let mut c = conn();
    c.send(&frame(0xfa, 0xff, 0, b"whatever"));
    c.send(&frame(0xfb, 0, 1, b"on an idle stream"));
    c.expect_ignored();
    c.get(1, "/");
    c.expect_200(1);
}

#[test]
fn s5_5_unknown_frame_on_open_stream_ignored() {
    let mut c = conn();
    open_hang_half_closed(&mut c, 1);
    c.send(&frame(0xee, 0, 1, &[1, 2, 3]));
    c.expect_ignored();
}

#[test]
fn s5_5_unknown_extension_in_header_block() {
    let mut c = conn();
    let b = get_block("/");
    let (a, rest) = b.split_at(3);
    c.send(&frame(kind::HEADERS, flag::END_STREAM, 1, a));
    c.send(&frame(0xfa, 0, 1, b"ext"));
    c.send(&frame(kind::CONTINUATION, flag::END_HEADERS, 1, rest));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s5_5_unknown_setting_ignored() {
    let mut c = conn();
    c.send(&frame(kind::SETTINGS, 0, 0, &settings_payload(&[(0xf0f0, 7), (0x99, 0xffff_ffff)])));
    c.read_until("SETTINGS ACK", |f| f.kind == kind::SETTINGS && f.flags & flag::ACK != 0);
    c.get(1, "/");
    c.expect_200(1);
}

#[test]
fn s7_unknown_error_code_in_rst_stream_no_special_behaviour() {
    let mut c = conn();
    open_hang_half_closed(&mut c, 1);
    c.rst(1, 0xdead_beef);
    c.expect_ignored();
}

#[test]
fn s7_unknown_error_code_in_goaway() {
    let mut c = conn();
    c.send(&frame(kind::GOAWAY, 0, 0, &[0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef]));
    // The server may close now (peer said goodbye); it must not treat the code specially or crash.
    match c.next_frame() {
        Got::Frame(f) if f.kind == kind::GOAWAY => {
            assert!(f.code() == code::NO_ERROR, "server answered a peer GOAWAY with {}", f.describe())
        }
        _ => {}
    }
    let mut c2 = conn();
    c2.get(1, "/");
    c2.expect_200(1);
}

// ------------------------------------------------------------------ §6.1 DATA

#[test]
fn s6_1_data_stream_0() {
    let mut c = conn();
    c.send(&frame(kind::DATA, 0, 0, b"x"));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_1_padding_too_long() {
    let mut c = conn();
    open_hang(&mut c, 1);
    // pad length 10 with a 5-byte payload (pad length ≥ payload length).
    c.send(&frame(kind::DATA, flag::PADDED, 1, &[10, 1, 2, 3, 4]));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_1_padded_data_ok() {
    let mut c = conn();
    c.headers(1, &req("POST", "/echo"), false);
    c.send(&frame(kind::DATA, flag::PADDED, 1, &padded(b"abc", 20)));
    c.send(&frame(kind::DATA, flag::PADDED | flag::END_STREAM, 1, &padded(b"def", 0)));
    let r = c.expect_200(1);
    assert_eq!(r.body, b"abcdef");
}

#[test]
fn s6_1_data_exceeding_stream_window() {
    let mut c = conn();
    let win = c.server_setting(setting::INITIAL_WINDOW_SIZE).unwrap_or(65_535) as usize;
    open_hang(&mut c, 1); // /hang pauses inbound: the stream window never reopens
    c.expect_ignored();
    let body = vec![0u8; win + 1];
    c.data(1, &body, false);
    c.expect_stream_or_conn_error(1, code::FLOW_CONTROL_ERROR);
}

// ------------------------------------------------------------------ §6.2 HEADERS

#[test]
fn s6_2_headers_stream_0() {
    let mut c = conn();
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, 0, &get_block("/")));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_2_padding_too_long() {
    let mut c = conn();
    let b = get_block("/");
    let mut p = vec![(b.len() + 1).min(255) as u8];
    p.extend(&b);
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM | flag::PADDED, 1, &p));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_2_padded_headers_ok() {
    let mut c = conn();
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM | flag::PADDED, 1, &padded(&get_block("/"), 33)));
    c.expect_200(1);
}

#[test]
fn s6_2_headers_with_priority_ok() {
    let mut c = conn();
    let mut p = priority_payload(true, 0, 255);
    p.extend(get_block("/"));
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM | flag::PRIORITY, 1, &p));
    c.expect_200(1);
}

#[test]
fn s6_2_headers_padded_and_priority_ok() {
    let mut c = conn();
    let mut body = priority_payload(false, 0, 3);
    body.extend(get_block("/"));
    c.send(&frame(
        kind::HEADERS,
        flag::END_HEADERS | flag::END_STREAM | flag::PRIORITY | flag::PADDED,
        1,
        &padded(&body, 7),
    ));
    c.expect_200(1);
}

#[test]
fn s6_2_headers_self_dependency() {
    let mut c = conn();
    let mut p = priority_payload(false, 1, 16);
    p.extend(get_block("/"));
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM | flag::PRIORITY, 1, &p));
    c.expect_stream_or_conn_error(1, code::PROTOCOL_ERROR);
}

// ------------------------------------------------------------------ §6.3 PRIORITY

#[test]
fn s6_3_priority_stream_0() {
    let mut c = conn();
    c.send(&frame(kind::PRIORITY, 0, 0, &priority_payload(false, 1, 16)));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_3_priority_wrong_length() {
    let mut c = conn();
    open_hang_half_closed(&mut c, 1);
    c.send(&frame(kind::PRIORITY, 0, 1, &[0, 0, 0, 0]));
    c.expect_stream_or_conn_error(1, code::FRAME_SIZE_ERROR);
}

#[test]
fn s6_3_priority_on_idle_wrong_length() {
    let mut c = conn();
    c.send(&frame(kind::PRIORITY, 0, 5, &[0, 0, 0, 0, 0, 0]));
    c.expect_stream_or_conn_error(5, code::FRAME_SIZE_ERROR);
}

// ------------------------------------------------------------------ §6.4 RST_STREAM

#[test]
fn s6_4_rst_stream_stream_0() {
    let mut c = conn();
    c.rst(0, code::CANCEL);
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_4_rst_stream_idle() {
    let mut c = conn();
    c.rst(1, code::CANCEL);
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_4_rst_wrong_length() {
    let mut c = conn();
    open_hang_half_closed(&mut c, 1);
    c.send(&frame(kind::RST_STREAM, 0, 1, &[0, 0, 0, 8, 0]));
    c.expect_goaway(code::FRAME_SIZE_ERROR);
}

#[test]
fn s6_4_rst_stream_not_answered_with_rst() {
    // §5.4.2: an endpoint MUST NOT send a RST_STREAM in response to a RST_STREAM.
    let mut c = conn();
    open_hang_half_closed(&mut c, 1);
    c.rst(1, code::CANCEL);
    c.expect_ignored();
}

// ------------------------------------------------------------------ §6.5 SETTINGS

#[test]
fn s6_5_settings_ack_with_payload() {
    let mut c = conn();
    c.send(&frame(kind::SETTINGS, flag::ACK, 0, &settings_payload(&[(setting::ENABLE_PUSH, 0)])));
    c.expect_goaway(code::FRAME_SIZE_ERROR);
}

#[test]
fn s6_5_settings_non_zero_stream() {
    let mut c = conn();
    c.send(&frame(kind::SETTINGS, 0, 1, &[]));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_5_settings_bad_length() {
    let mut c = conn();
    c.send(&frame(kind::SETTINGS, 0, 0, &[0, 2, 0, 0, 0, 0, 0]));
    c.expect_goaway(code::FRAME_SIZE_ERROR);
}

#[test]
fn s6_5_settings_empty_acked() {
    let mut c = conn();
    c.send(&frame(kind::SETTINGS, 0, 0, &[]));
    c.read_until("SETTINGS ACK", |f| f.kind == kind::SETTINGS && f.flags & flag::ACK != 0);
}

#[test]
fn s6_5_2_enable_push_invalid() {
    let mut c = conn();
    c.send(&frame(kind::SETTINGS, 0, 0, &settings_payload(&[(setting::ENABLE_PUSH, 2)])));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_5_2_enable_push_1_from_client_ok() {
    let mut c = conn();
    c.send(&frame(kind::SETTINGS, 0, 0, &settings_payload(&[(setting::ENABLE_PUSH, 1)])));
    c.read_until("SETTINGS ACK", |f| f.kind == kind::SETTINGS && f.flags & flag::ACK != 0);
    c.get(1, "/");
    c.expect_200(1);
}

#[test]
fn s6_5_2_initial_window_too_large() {
    let mut c = conn();
    c.send(&frame(kind::SETTINGS, 0, 0, &settings_payload(&[(setting::INITIAL_WINDOW_SIZE, 0x8000_0000)])));
    c.expect_goaway(code::FLOW_CONTROL_ERROR);
}

#[test]
fn s6_5_2_max_frame_size_too_small() {
    let mut c = conn();
    c.send(&frame(kind::SETTINGS, 0, 0, &settings_payload(&[(setting::MAX_FRAME_SIZE, 16_383)])));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_5_2_max_frame_size_zero() {
    let mut c = conn();
    c.send(&frame(kind::SETTINGS, 0, 0, &settings_payload(&[(setting::MAX_FRAME_SIZE, 0)])));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_5_2_max_frame_size_too_large() {
    let mut c = conn();
    c.send(&frame(kind::SETTINGS, 0, 0, &settings_payload(&[(setting::MAX_FRAME_SIZE, 16_777_216)])));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_5_2_max_frame_size_respected() {
    // Peer max frame size 16384 (default): no server frame may be larger.
    let mut c = conn();
    c.get(1, "/big?n=200000");
    let r = c.expect_200(1);
    assert_eq!(r.body.len(), 200_000);
    let biggest = c.seen.iter().map(|(_, _, _, len)| *len).max().unwrap_or(0);
    assert!(biggest <= 16_384, "server sent a {biggest}-byte frame above our SETTINGS_MAX_FRAME_SIZE 16384");
}

#[test]
fn s6_5_2_larger_max_frame_size_used() {
    let mut c = Server::shared().connect();
    c.handshake_with(&[(setting::MAX_FRAME_SIZE, 65_536), (setting::INITIAL_WINDOW_SIZE, 1 << 20)]);
    c.window_update(0, 1 << 20);
    c.get(1, "/big?n=300000");
    let r = c.expect_200(1);
    assert_eq!(r.body.len(), 300_000);
}

#[test]
fn s6_5_2_header_table_size_zero_respected() {
    // The client allows no dynamic table: the server's encoder must not insert.
    let mut c = Server::shared().connect();
    c.dec = h2wasm::hpack::Decoder::new(0);
    c.handshake_with(&[(setting::HEADER_TABLE_SIZE, 0)]);
    c.read_until("SETTINGS ACK", |f| f.kind == kind::SETTINGS && f.flags & flag::ACK != 0);
    for i in 0..5u32 {
        c.get(1 + 2 * i, "/");
        c.expect_200(1 + 2 * i); // a dynamic-table insertion would fail to decode
    }
}

#[test]
fn s6_5_3_settings_ack_sent() {
    let mut c = fresh();
    c.preface_with(&[(setting::INITIAL_WINDOW_SIZE, 100_000)]);
    let ack = c.read_until("SETTINGS ACK", |f| f.kind == kind::SETTINGS && f.flags & flag::ACK != 0);
    assert!(ack.payload.is_empty() && ack.stream == 0, "SETTINGS ACK must be empty on stream 0: {}", ack.describe());
}

#[test]
fn s6_5_3_settings_timeout() {
    // We never ACK the server's SETTINGS: with a short settings-ACK timeout it
    // ends the connection with SETTINGS_TIMEOUT (§6.5.3 MAY; our documented behaviour).
    let srv = Server::with_options(r#"{"settingsAckTimeoutMs":300}"#);
    let mut c = srv.connect();
    c.auto_settings_ack = false;
    c.preface();
    c.expect_goaway(code::SETTINGS_TIMEOUT);
}

// ------------------------------------------------------------------ §6.7 PING

#[test]
fn s6_7_ping_ack() {
    let mut c = conn();
    c.ping(*b"h2wasm!!");
    let f = c.read_until("PING ACK", |f| f.kind == kind::PING && f.flags & flag::ACK != 0);
    assert_eq!(f.payload, b"h2wasm!!");
}

#[test]
fn s6_7_ping_ack_not_answered() {
    let mut c = conn();
    c.send(&frame(kind::PING, flag::ACK, 0, b"unsolict"));
    c.ping(*b"solicitd");
    let f = c.read_until("PING ACK", |f| f.kind == kind::PING);
    assert_eq!(f.payload, b"solicitd", "the server answered a PING ACK: {}", f.describe());
    assert!(f.flags & flag::ACK != 0);
}

#[test]
fn s6_7_ping_nonzero_stream() {
    let mut c = conn();
    c.send(&frame(kind::PING, 0, 1, &[0; 8]));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_7_ping_bad_length() {
    let mut c = conn();
    c.send(&frame(kind::PING, 0, 0, &[0; 6]));
    c.expect_goaway(code::FRAME_SIZE_ERROR);
}

// ------------------------------------------------------------------ §6.8 GOAWAY

#[test]
fn s6_8_goaway_nonzero_stream() {
    let mut c = conn();
    c.send(&frame(kind::GOAWAY, 0, 1, &[0, 0, 0, 0, 0, 0, 0, 0]));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_8_client_goaway_lets_open_streams_finish() {
    let mut c = conn();
    c.get(1, "/");
    c.send(&frame(kind::GOAWAY, 0, 0, &[0, 0, 0, 0, 0, 0, 0, 0]));
    let r = c.expect_200(1);
    assert_eq!(r.body, b"hello from h2wasm\n");
}

// ------------------------------------------------------------------ §6.9 WINDOW_UPDATE

#[test]
fn s6_9_window_update_zero_increment_stream() {
    let mut c = conn();
    open_hang_half_closed(&mut c, 1);
    c.window_update(1, 0);
    c.expect_rst(1, code::PROTOCOL_ERROR);
}

#[test]
fn s6_9_window_update_zero_increment_connection() {
    let mut c = conn();
    c.window_update(0, 0);
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_9_window_update_bad_length() {
    let mut c = conn();
    c.send(&frame(kind::WINDOW_UPDATE, 0, 0, &[0, 0, 1]));
    c.expect_goaway(code::FRAME_SIZE_ERROR);
}

#[test]
fn s6_9_window_update_reserved_bit_ignored() {
    let mut c = conn();
    c.window_update(0, 0x8000_0001); // R bit set, increment 1
    c.expect_ignored();
}

#[test]
fn s6_9_1_window_overflow_stream() {
    let mut c = conn();
    open_hang_half_closed(&mut c, 1);
    c.window_update(1, 0x7fff_ffff);
    c.expect_rst(1, code::FLOW_CONTROL_ERROR);
}

#[test]
fn s6_9_1_window_overflow_connection() {
    let mut c = conn();
    c.window_update(0, 0x7fff_ffff);
    c.expect_goaway(code::FLOW_CONTROL_ERROR);
}

#[test]
fn s6_9_1_flow_control_respected() {
    let mut c = Server::shared().connect();
    c.auto_window = false;
    c.handshake_with(&[(setting::INITIAL_WINDOW_SIZE, 5)]);
    c.get(1, "/");
    let mut got = 0usize;
    // The server fills the 5-byte window...
    while got < 5 {
        let f = c.read_until("DATA", |f| f.kind == kind::DATA && f.stream == 1);
        got += f.payload.len();
        assert!(!f.end_stream(), "server ended an 18-byte body within a 5-byte window");
    }
    assert_eq!(got, 5, "server sent {got} bytes into a 5-byte stream window");
    // ...and sends nothing more until the window opens.
    c.ping(*b"flowflow");
    let f = c.read_until("PING ACK", |f| {
        (f.kind == kind::PING && f.flags & flag::ACK != 0)
            || (f.kind == kind::DATA && f.stream == 1 && !f.payload.is_empty())
    });
    assert_eq!(f.kind, kind::PING, "server sent DATA beyond the stream window: {}", f.describe());
    c.window_update(1, 100);
    let mut rest = 0;
    loop {
        let f = c.read_until("DATA", |f| f.kind == kind::DATA && f.stream == 1);
        rest += f.payload.len();
        if f.end_stream() {
            break;
        }
    }
    assert_eq!(got + rest, b"hello from h2wasm\n".len());
}

#[test]
fn s6_9_2_initial_window_change_applies() {
    let mut c = Server::shared().connect();
    c.auto_window = false;
    c.handshake_with(&[(setting::INITIAL_WINDOW_SIZE, 0)]);
    c.get(1, "/");
    c.read_until("response HEADERS", |f| f.kind == kind::HEADERS && f.stream == 1);
    // No DATA with a payload can flow while the window is zero.
    c.ping(*b"zerowind");
    let f = c.read_until("PING ACK", |f| {
        (f.kind == kind::PING && f.flags & flag::ACK != 0)
            || (f.kind == kind::DATA && f.stream == 1 && !f.payload.is_empty())
    });
    assert_eq!(f.kind, kind::PING, "server sent DATA into a zero window: {}", f.describe());
    c.send_frame(kind::SETTINGS, 0, 0, &settings_payload(&[(setting::INITIAL_WINDOW_SIZE, 1000)]));
    let mut body = 0;
    loop {
        let f = c.read_until("DATA after INITIAL_WINDOW_SIZE grew", |f| f.kind == kind::DATA && f.stream == 1);
        body += f.payload.len();
        if f.end_stream() {
            break;
        }
    }
    assert_eq!(body, b"hello from h2wasm\n".len());
}

#[test]
fn s6_9_2_initial_window_negative() {
    let mut c = Server::shared().connect();
    c.auto_window = false;
    c.handshake_with(&[(setting::INITIAL_WINDOW_SIZE, 4)]);
    c.get(1, "/");
    let mut got = 0;
    while got < 4 {
        let f = c.read_until("DATA", |f| f.kind == kind::DATA && f.stream == 1);
        got += f.payload.len();
    }
    // Window 0 → INITIAL_WINDOW_SIZE 2 makes it -2 (§6.9.2); +2 brings it to 0: still nothing.
    c.send_frame(kind::SETTINGS, 0, 0, &settings_payload(&[(setting::INITIAL_WINDOW_SIZE, 2)]));
    c.window_update(1, 2);
    c.ping(*b"negative");
    let f = c.read_until("PING ACK", |f| {
        (f.kind == kind::PING && f.flags & flag::ACK != 0)
            || (f.kind == kind::DATA && f.stream == 1 && !f.payload.is_empty())
    });
    assert_eq!(f.kind, kind::PING, "server sent DATA while the stream window was ≤ 0: {}", f.describe());
    c.window_update(1, 3);
    let f = c.read_until("DATA", |f| f.kind == kind::DATA && f.stream == 1);
    assert_eq!(f.payload.len(), 3, "window -2+2+3 = 3 bytes allowed");
}

#[test]
fn s6_9_2_initial_window_change_overflow() {
    let mut c = conn();
    open_hang_half_closed(&mut c, 1);
    let win = c.server_setting(setting::INITIAL_WINDOW_SIZE).unwrap_or(65_535);
    let _ = win;
    // Our stream window (what the server may send) starts at 65 535.
    c.window_update(1, 0x7fff_ffff - 65_535);
    c.expect_ignored();
    c.send_frame(kind::SETTINGS, 0, 0, &settings_payload(&[(setting::INITIAL_WINDOW_SIZE, 65_536)]));
    c.expect_goaway(code::FLOW_CONTROL_ERROR);
}

// ------------------------------------------------------------------ §6.10 CONTINUATION

#[test]
fn s6_10_continuation_ok() {
    let mut c = conn();
    let mut b = get_block("/");
    b.extend(lit(b"x-pad", &[b'p'; 300]));
    let parts: Vec<&[u8]> = b.chunks(50).collect();
    c.send(&frame(kind::HEADERS, flag::END_STREAM, 1, parts[0]));
    for (i, p) in parts.iter().enumerate().skip(1) {
        let fl = if i + 1 == parts.len() { flag::END_HEADERS } else { 0 };
        c.send(&frame(kind::CONTINUATION, fl, 1, p));
    }
    c.expect_200(1);
}

#[test]
fn s6_10_continuation_without_headers() {
    let mut c = conn();
    c.get(1, "/");
    c.expect_200(1);
    c.send(&frame(kind::CONTINUATION, flag::END_HEADERS, 1, &block(&[("x", "y")])));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_10_continuation_after_end_headers() {
    let mut c = conn();
    c.send(&frame(kind::HEADERS, flag::END_HEADERS, 1, &block(&req("POST", "/hang"))));
    c.send(&frame(kind::CONTINUATION, flag::END_HEADERS, 1, &block(&[("x", "y")])));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_10_interleaved_frame_in_header_block() {
    let mut c = conn();
    let b = get_block("/");
    let (a, rest) = b.split_at(4);
    c.send(&frame(kind::HEADERS, flag::END_STREAM, 1, a));
    c.ping([0; 8]);
    c.send(&frame(kind::CONTINUATION, flag::END_HEADERS, 1, rest));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_10_continuation_other_stream() {
    let mut c = conn();
    let b = get_block("/");
    let (a, rest) = b.split_at(4);
    c.send(&frame(kind::HEADERS, flag::END_STREAM, 1, a));
    c.send(&frame(kind::CONTINUATION, flag::END_HEADERS, 3, rest));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_10_continuation_stream_0() {
    let mut c = conn();
    let b = get_block("/");
    let (a, rest) = b.split_at(4);
    c.send(&frame(kind::HEADERS, flag::END_STREAM, 1, a));
    c.send(&frame(kind::CONTINUATION, flag::END_HEADERS, 0, rest));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_10_data_in_header_block() {
    let mut c = conn();
    let b = block(&req("POST", "/echo"));
    let (a, rest) = b.split_at(4);
    c.send(&frame(kind::HEADERS, 0, 1, a));
    c.send(&frame(kind::DATA, 0, 1, b"x"));
    c.send(&frame(kind::CONTINUATION, flag::END_HEADERS, 1, rest));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

// ------------------------------------------------------------------ §8 HTTP semantics

#[test]
fn s8_get_ok() {
    let mut c = conn();
    c.get(1, "/");
    let r = c.expect_200(1);
    assert_eq!(r.body, b"hello from h2wasm\n");
    assert!(
        r.headers.iter().all(|(n, _)| n.chars().all(|ch| !ch.is_ascii_uppercase())),
        "§8.2: response field names must be lowercase: {:?}",
        r.headers
    );
    assert!(r.headers.first().map(|(n, _)| n == ":status").unwrap_or(false), "§8.3: :status must come first");
}

#[test]
fn s8_post_echo_ok() {
    let mut c = conn();
    let body: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    c.headers(1, &req("POST", "/echo"), false);
    c.send_body(1, &body, true);
    let r = c.expect_200(1);
    assert_eq!(r.body.len(), body.len());
    assert!(r.body == body, "echo body differs");
}

#[test]
fn s8_404_for_unknown_path() {
    let mut c = conn();
    c.get(1, "/no-such-thing");
    let r = c.read_response(1);
    assert_eq!(r.status, 404);
}

#[test]
fn s8_concurrent_streams_ok() {
    let mut c = conn();
    let ids: Vec<u32> = (0..50).map(|i| 1 + 2 * i).collect();
    for &s in &ids {
        c.get(s, "/");
    }
    let rs = c.read_responses(&ids);
    for s in ids {
        assert_eq!(rs[&s].status, 200, "stream {s}");
        assert_eq!(rs[&s].body, b"hello from h2wasm\n");
    }
}

#[test]
fn s8_1_trailers_ok() {
    let mut c = conn();
    c.headers(1, &req("POST", "/echo"), false);
    c.data(1, b"body", false);
    c.headers(1, &[("x-checksum", "abc")], true);
    let r = c.expect_200(1);
    assert_eq!(r.body, b"body");
}

#[test]
fn s8_1_trailers_with_pseudo_header() {
    let mut c = conn();
    c.headers(1, &req("POST", "/echo"), false);
    c.data(1, b"body", false);
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, 1, &block(&[(":path", "/x")])));
    c.expect_malformed(1);
}

#[test]
fn s8_1_trailers_without_end_stream() {
    let mut c = conn();
    c.headers(1, &req("POST", "/echo"), false);
    c.data(1, b"body", false);
    c.send(&frame(kind::HEADERS, flag::END_HEADERS, 1, &block(&[("x-trailer", "1")])));
    c.expect_malformed(1);
}

#[test]
fn s8_1_1_content_length_mismatch() {
    let mut c = conn();
    let mut h = req("POST", "/echo");
    h.push(("content-length", "10"));
    c.send(&frame(kind::HEADERS, flag::END_HEADERS, 1, &block(&h)));
    c.data(1, b"12345", true);
    c.expect_malformed(1);
}

#[test]
fn s8_1_1_content_length_exceeded() {
    let mut c = conn();
    let mut h = req("POST", "/echo");
    h.push(("content-length", "3"));
    c.send(&frame(kind::HEADERS, flag::END_HEADERS, 1, &block(&h)));
    c.data(1, b"12345", true);
    c.expect_malformed(1);
}

#[test]
fn s8_1_1_content_length_match_ok() {
    let mut c = conn();
    let mut h = req("POST", "/echo");
    h.push(("content-length", "5"));
    c.send(&frame(kind::HEADERS, flag::END_HEADERS, 1, &block(&h)));
    c.data(1, b"12345", true);
    let r = c.expect_200(1);
    assert_eq!(r.body, b"12345");
}

#[test]
fn s8_1_1_content_length_with_no_body() {
    let mut c = conn();
    let mut h = req("POST", "/echo");
    h.push(("content-length", "4"));
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, 1, &block(&h)));
    c.expect_malformed(1);
}

#[test]
fn s8_1_100_continue() {
    let mut c = conn();
    let mut h = req("POST", "/echo");
    h.push(("expect", "100-continue"));
    c.headers(1, &h, false);
    let f = c.read_until("HEADERS :status 100 (or the final response) before the body is sent", |f| {
        f.kind == kind::HEADERS && f.stream == 1
    });
    let status = f.headers.as_ref().and_then(|h| h.iter().find(|(n, _)| n == ":status").map(|(_, v)| v.clone()));
    assert!(
        matches!(status.as_deref(), Some("100") | Some("200")),
        "expected 100 (or the echo's 200) before sending the body, got {status:?}"
    );
    c.data(1, b"continued", true);
    let r = c.read_response(1);
    assert_eq!(r.body, b"continued");
}

fn malformed(fields: &[(&str, &str)], end_stream: bool) {
    let mut c = conn();
    let fl = flag::END_HEADERS | if end_stream { flag::END_STREAM } else { 0 };
    c.send(&frame(kind::HEADERS, fl, 1, &block(fields)));
    c.expect_malformed(1);
    // A stream error leaves the connection usable.
    c.get(3, "/");
    c.expect_200(3);
}

fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut h = req("GET", "/");
    h.extend_from_slice(extra);
    h
}

#[test]
fn s8_2_uppercase_header_name() {
    malformed(&with(&[("X-Upper", "1")]), true);
}

#[test]
fn s8_2_1_space_in_field_name() {
    malformed(&with(&[("x bad", "1")]), true);
}

#[test]
fn s8_2_1_colon_inside_field_name() {
    malformed(&with(&[("x:bad", "1")]), true);
}

#[test]
fn s8_2_1_empty_field_name() {
    malformed(&with(&[("", "1")]), true);
}

#[test]
fn s8_2_1_nul_in_field_value() {
    malformed(&with(&[("x-v", "a\0b")]), true);
}

#[test]
fn s8_2_1_cr_in_field_value() {
    malformed(&with(&[("x-v", "a\rb")]), true);
}

#[test]
fn s8_2_1_lf_in_field_value() {
    malformed(&with(&[("x-v", "a\nb")]), true);
}

#[test]
fn s8_2_1_leading_whitespace_in_value() {
    malformed(&with(&[("x-v", " a")]), true);
}

#[test]
fn s8_2_1_trailing_whitespace_in_value() {
    malformed(&with(&[("x-v", "a\t")]), true);
}

#[test]
fn s8_2_2_connection_specific_field() {
    malformed(&with(&[("connection", "keep-alive")]), true);
}

#[test]
fn s8_2_2_keep_alive_field() {
    malformed(&with(&[("keep-alive", "timeout=5")]), true);
}

#[test]
fn s8_2_2_proxy_connection_field() {
    malformed(&with(&[("proxy-connection", "keep-alive")]), true);
}

#[test]
fn s8_2_2_transfer_encoding_field() {
    malformed(&with(&[("transfer-encoding", "chunked")]), true);
}

#[test]
fn s8_2_2_upgrade_field() {
    malformed(&with(&[("upgrade", "h2c")]), true);
}

#[test]
fn s8_2_2_te_not_trailers() {
    malformed(&with(&[("te", "gzip")]), true);
}

#[test]
fn s8_2_2_te_trailers_ok() {
    let mut c = conn();
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, 1, &block(&with(&[("te", "trailers")]))));
    c.expect_200(1);
}

#[test]
fn s8_2_3_cookie_crumbs_ok() {
    let mut c = conn();
    c.send(&frame(
        kind::HEADERS,
        flag::END_HEADERS | flag::END_STREAM,
        1,
        &block(&with(&[("cookie", "a=1"), ("cookie", "b=2")])),
    ));
    c.expect_200(1);
}

#[test]
fn s8_3_1_missing_method() {
    malformed(&[(":scheme", "http"), (":authority", "127.0.0.1"), (":path", "/")], true);
}

#[test]
fn s8_3_1_missing_scheme() {
    malformed(&[(":method", "GET"), (":authority", "127.0.0.1"), (":path", "/")], true);
}

#[test]
fn s8_3_1_missing_path() {
    malformed(&[(":method", "GET"), (":scheme", "http"), (":authority", "127.0.0.1")], true);
}

#[test]
fn s8_3_1_empty_path() {
    malformed(&[(":method", "GET"), (":scheme", "http"), (":authority", "127.0.0.1"), (":path", "")], true);
}

#[test]
fn s8_3_1_missing_pseudo_header() {
    malformed(&[(":method", "GET")], true);
}

#[test]
fn s8_3_1_duplicate_pseudo_header() {
    malformed(&with(&[]).into_iter().chain([(":path", "/again")]).collect::<Vec<_>>(), true);
}

#[test]
fn s8_3_1_duplicate_method() {
    let mut h = vec![(":method", "GET")];
    h.extend(req("GET", "/"));
    malformed(&h, true);
}

#[test]
fn s8_3_1_pseudo_after_regular() {
    malformed(
        &[(":method", "GET"), (":scheme", "http"), ("x-regular", "1"), (":authority", "127.0.0.1"), (":path", "/")],
        true,
    );
}

#[test]
fn s8_3_1_response_pseudo_in_request() {
    malformed(&with(&[(":status", "200")]), true);
}

#[test]
fn s8_3_1_unknown_pseudo_header() {
    malformed(&with(&[(":foo", "bar")]), true);
}

#[test]
fn s8_3_1_host_without_authority_ok() {
    let mut c = conn();
    c.send(&frame(
        kind::HEADERS,
        flag::END_HEADERS | flag::END_STREAM,
        1,
        &block(&[(":method", "GET"), (":scheme", "http"), (":path", "/"), ("host", "127.0.0.1")]),
    ));
    c.expect_200(1);
}

#[test]
fn s8_5_connect_without_authority() {
    malformed(&[(":method", "CONNECT")], false);
}

#[test]
fn s8_5_connect_with_path() {
    malformed(
        &[(":method", "CONNECT"), (":authority", "example.com:443"), (":path", "/"), (":scheme", "https")],
        false,
    );
}

#[test]
fn s8_4_push_promise_from_client() {
    let mut c = conn();
    let mut p = u32_payload(2);
    p.extend(get_block("/"));
    c.send(&frame(kind::PUSH_PROMISE, flag::END_HEADERS, 1, &p));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s8_4_server_never_pushes() {
    let mut c = Server::shared().connect();
    c.handshake_with(&[(setting::ENABLE_PUSH, 0)]);
    for i in 0..5u32 {
        c.get(1 + 2 * i, "/");
        c.expect_200(1 + 2 * i);
    }
    assert!(!c.seen.iter().any(|(k, _, _, _)| *k == kind::PUSH_PROMISE), "server sent PUSH_PROMISE with ENABLE_PUSH=0");
}

#[test]
fn s6_9_1_data_exceeding_connection_window() {
    let mut c = conn();
    c.expect_ignored(); // picks up the server's connection WINDOW_UPDATE, if any
    let stream_win = i64::from(c.server_setting(setting::INITIAL_WINDOW_SIZE).unwrap_or(65_535));
    let conn_win = c.conn_send_window;
    let streams = (conn_win / stream_win + 1) as u32;
    let max = c.server_setting(setting::MAX_CONCURRENT_STREAMS).unwrap_or(100);
    assert!(streams <= max, "connection window {conn_win} too large to exceed with {max} streams");
    // Fill every stream window on /hang (never consumed), then one byte more
    // than the connection window allows overall.
    let mut left = conn_win + 1;
    for i in 0..streams {
        let id = 1 + 2 * i;
        open_hang(&mut c, id);
        let n = left.min(stream_win);
        c.data(id, &vec![0u8; n as usize], false);
        left -= n;
    }
    c.expect_goaway(code::FLOW_CONTROL_ERROR);
}

#[test]
fn rfc9218_priority_update_ok() {
    let mut c = conn();
    let mut p = u32_payload(1);
    p.extend(b"u=0, i");
    c.send(&frame(0x10, 0, 0, &p)); // PRIORITY_UPDATE for the not-yet-open stream 1
    c.expect_ignored();
    let mut h = req("GET", "/");
    h.push(("priority", "u=1"));
    c.headers(1, &h, true);
    c.expect_200(1);
}

#[test]
fn rfc9218_priority_update_on_nonzero_stream() {
    // RFC 9218 §7.1: PRIORITY_UPDATE with a stream identifier other than 0 → PROTOCOL_ERROR.
    let mut c = conn();
    let mut p = u32_payload(1);
    p.extend(b"u=0");
    c.send(&frame(0x10, 0, 1, &p));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn rfc9218_priority_update_for_stream_0() {
    // RFC 9218 §7.1: prioritized stream ID 0 → connection error PROTOCOL_ERROR.
    let mut c = conn();
    let mut p = u32_payload(0);
    p.extend(b"u=0");
    c.send(&frame(0x10, 0, 0, &p));
    c.expect_goaway(code::PROTOCOL_ERROR);
}

#[test]
fn s6_8_idle_timeout_with_open_stream_protocol_error() {
    // Twisted's documented behaviour, kept by the engine: the idle-timeout
    // GOAWAY is PROTOCOL_ERROR while streams are open, with last-stream-id.
    let srv = Server::with_options(r#"{"idleTimeoutMs":300,"closeTimeoutMs":300}"#);
    let mut c = srv.connect();
    c.handshake();
    open_hang_half_closed(&mut c, 1);
    let g = c.expect_goaway_any();
    assert_eq!(g.code(), code::PROTOCOL_ERROR, "{}", g.describe());
    assert_eq!(be32(&g.payload, 0) & 0x7fff_ffff, 1, "{}", g.describe());
    c.expect_closed();
}

#[test]
fn s6_10_large_block_split_by_h2wasm_frame_encoder() {
    // A 30 KB header block split into HEADERS + CONTINUATIONs by h2wasm's own
    // frame serializer (cross-checks it against the server's reassembly).
    let mut c = conn();
    let big = "v".repeat(30_000);
    let mut f = req("GET", "/");
    f.push(("x-big", big.as_str()));
    let b = c.encode(&f);
    let mut out = Vec::new();
    h2wasm::frame::write_headers(&mut out, 1, &b, true, 16_384);
    assert!(out.len() > 16_384 + 9, "block should need CONTINUATION frames");
    c.send(&out);
    c.expect_200(1);
}

#[test]
fn s6_2_padded_headers_from_h2wasm_frame_encoder() {
    let mut c = conn();
    let b = get_block("/");
    let mut out = Vec::new();
    h2wasm::frame::Frame::Headers { stream_id: 1, end_stream: true, end_headers: true, priority: None, fragment: &b }
        .encode(&mut out, Some(100));
    c.send(&out);
    c.expect_200(1);
}

#[test]
fn s6_5_3_settings_values_processed_in_order() {
    // Two values for the same parameter in one frame: the last one applies.
    let mut c = Server::shared().connect();
    c.auto_window = false;
    c.handshake_with(&[(setting::INITIAL_WINDOW_SIZE, 0), (setting::INITIAL_WINDOW_SIZE, 5)]);
    c.get(1, "/");
    let mut got = 0;
    while got < 5 {
        let f = c.read_until("DATA within the 5-byte window", |f| f.kind == kind::DATA && f.stream == 1);
        got += f.payload.len();
    }
    assert_eq!(got, 5);
}

#[test]
fn s8_2_2_te_trailers_and_other_value() {
    malformed(&with(&[("te", "trailers, gzip")]), true);
}

fn malformed_trailers(fields: &[(&str, &str)]) {
    let mut c = conn();
    c.headers(1, &req("POST", "/echo"), false);
    c.data(1, b"body", false);
    c.send(&frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, 1, &block(fields)));
    c.expect_malformed(1);
}

#[test]
fn s8_2_uppercase_name_in_trailers() {
    malformed_trailers(&[("X-Trailer", "1")]);
}

#[test]
fn s8_2_2_connection_specific_field_in_trailers() {
    malformed_trailers(&[("connection", "close")]);
}
