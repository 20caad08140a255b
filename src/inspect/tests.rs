use super::*;
use crate::error::ErrorCode;
use crate::frame::{flags, kind};

// --- byte builders -----------------------------------------------------

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut out = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}
fn settings(params: &[(u16, u32)]) -> Vec<u8> {
    let mut p = Vec::new();
    for (id, v) in params {
        p.extend_from_slice(&id.to_be_bytes());
        p.extend_from_slice(&v.to_be_bytes());
    }
    frame(kind::SETTINGS, 0, 0, &p)
}
fn settings_ack() -> Vec<u8> {
    frame(kind::SETTINGS, flags::ACK, 0, &[])
}
fn window_update(stream: u32, inc: u32) -> Vec<u8> {
    frame(kind::WINDOW_UPDATE, 0, stream, &inc.to_be_bytes())
}
fn headers(stream: u32, block: &[u8], end_stream: bool) -> Vec<u8> {
    frame(kind::HEADERS, flags::END_HEADERS | if end_stream { flags::END_STREAM } else { 0 }, stream, block)
}
fn data(stream: u32, body: &[u8], end_stream: bool) -> Vec<u8> {
    frame(kind::DATA, if end_stream { flags::END_STREAM } else { 0 }, stream, body)
}
/// HPACK literal with incremental indexing, indexed name (small values).
fn lit_idx(name_index: u8, value: &str) -> Vec<u8> {
    let mut v = vec![0x40 | name_index, value.len() as u8];
    v.extend_from_slice(value.as_bytes());
    v
}
/// HPACK literal with incremental indexing, new name.
fn lit_new_indexed(name: &str, value: &str) -> Vec<u8> {
    let mut v = lit_new(name, value);
    v[0] = 0x40;
    v
}
/// HPACK literal without indexing, new name.
fn lit_new(name: &str, value: &str) -> Vec<u8> {
    let mut v = vec![0x00, name.len() as u8];
    v.extend_from_slice(name.as_bytes());
    v.push(value.len() as u8);
    v.extend_from_slice(value.as_bytes());
    v
}
fn get_block() -> Vec<u8> {
    // :method GET, :scheme http, :path /, :authority x
    let mut b = vec![0x82, 0x86, 0x84];
    b.extend(lit_idx(1, "x"));
    b
}

struct Exchange {
    c2s: Vec<Vec<u8>>,
    s2c: Vec<Vec<u8>>,
}

fn sample() -> Exchange {
    let mut req1 = vec![0x82, 0x86, 0x84];
    req1.extend(lit_idx(1, "localhost"));
    req1.extend(lit_idx(58, "test-agent"));
    let req3 = vec![0x82, 0x86, 0x84, 0xbf, 0xbe];
    let mut resp = vec![0x88];
    resp.extend(lit_idx(31, "text/plain"));
    let mut c2s0 = PREFACE.to_vec();
    c2s0.extend(settings(&[(3, 100), (4, 65_535)]));
    let mut c2s1 = window_update(0, 1_000_000);
    c2s1.extend(headers(1, &req1, true));
    let mut s2c0 = settings(&[(3, 128), (4, 1 << 20)]);
    s2c0.extend(settings_ack());
    let mut s2c1 = headers(1, &resp, false);
    s2c1.extend(data(1, b"hello", true));
    let mut s2c2 = headers(3, &[0x88, 0xbe], false);
    s2c2.extend(data(3, b"second", true));
    let mut c2s2 = settings_ack();
    c2s2.extend(headers(3, &req3, true));
    Exchange { c2s: vec![c2s0, c2s1, c2s2], s2c: vec![s2c0, s2c1, s2c2] }
}

/// Feed alternately (c2s[i], s2c[i]), each split into `piece`-byte chunks.
fn run(ex: &Exchange, piece: usize) -> Vec<Record> {
    let mut insp = Inspector::new(true);
    let mut out = Vec::new();
    let n = ex.c2s.len().max(ex.s2c.len());
    let mut t = 0.0;
    for i in 0..n {
        for (dir, list) in [(Direction::ClientToServer, &ex.c2s), (Direction::ServerToClient, &ex.s2c)] {
            if let Some(bytes) = list.get(i) {
                for chunk in bytes.chunks(piece.max(1)) {
                    insp.feed(dir, t, chunk, &mut out);
                }
                t += 1.0;
            }
        }
    }
    insp.finish(t, &mut out);
    out
}

fn types(recs: &[Record]) -> Vec<(&'static str, &'static str, u32)> {
    recs.iter().map(|r| (r.dir.as_str(), r.type_name(), r.stream_id)).collect()
}
fn sections(recs: &[Record]) -> Vec<&str> {
    recs.iter().flat_map(|r| r.violations.iter().map(|v| v.section.as_ref())).collect()
}
fn field_strs(h: &HeaderBlock) -> Vec<(String, String)> {
    h.fields
        .iter()
        .map(|(n, v, _)| (String::from_utf8_lossy(n).into_owned(), String::from_utf8_lossy(v).into_owned()))
        .collect()
}
fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

// --- a valid exchange ---------------------------------------------------

#[test]
fn sample_exchange_decodes_cleanly() {
    let recs = run(&sample(), usize::MAX);
    assert_eq!(
        types(&recs),
        vec![
            ("c2s", "PREFACE", 0),
            ("c2s", "SETTINGS", 0),
            ("s2c", "SETTINGS", 0),
            ("s2c", "SETTINGS", 0),
            ("c2s", "WINDOW_UPDATE", 0),
            ("c2s", "HEADERS", 1),
            ("s2c", "HEADERS", 1),
            ("s2c", "DATA", 1),
            ("c2s", "SETTINGS", 0),
            ("c2s", "HEADERS", 3),
            ("s2c", "HEADERS", 3),
            ("s2c", "DATA", 3),
        ]
    );
    assert_eq!(sections(&recs), Vec::<&str>::new(), "{:#?}", recs.iter().map(|r| &r.violations).collect::<Vec<_>>());
    // Settings list, named.
    assert_eq!(recs[1].detail, Detail::Settings { ack: false, params: vec![(3, 100), (4, 65_535)] });
    assert_eq!(flag_names(recs[3].kind, recs[3].flags), vec!["ACK"]);
    // Request headers, decoded.
    let req = recs[5].headers.as_ref().unwrap();
    assert_eq!(req.kind, BlockKind::Request);
    assert_eq!(
        field_strs(req),
        pairs(&[
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "localhost"),
            ("user-agent", "test-agent")
        ])
    );
    // The client's dynamic table after its first block: newest first.
    let table = recs[5].table.as_ref().unwrap();
    assert_eq!(table.entries.len(), 2);
    assert_eq!(table.entries[0], (b"user-agent".to_vec(), b"test-agent".to_vec()));
    assert_eq!(table.size, 10 + 10 + 32 + 10 + 9 + 32);
    assert!(table.in_sync);
    // The server's table is separate.
    assert_eq!(recs[6].table.as_ref().unwrap().entries, vec![(b"content-type".to_vec(), b"text/plain".to_vec())]);
    assert_eq!(recs[6].headers.as_ref().unwrap().kind, BlockKind::Response);
    // Second request reuses dynamic entries 62 and 63.
    let req3 = recs[9].headers.as_ref().unwrap();
    assert_eq!(field_strs(req3)[3], (":authority".to_string(), "localhost".to_string()));
    assert_eq!(field_strs(req3)[4], ("user-agent".to_string(), "test-agent".to_string()));
    // Stream states (server's view).
    assert_eq!(recs[5].state, Some("half-closed (remote)"));
    assert_eq!(recs[7].state, Some("closed"));
    // DATA detail and windows: s2c windows start at the client's INITIAL_WINDOW_SIZE (65535).
    assert_eq!(recs[7].detail, Detail::Data { data_len: 5, pad_len: 0, end_stream: true, preview: b"hello".to_vec() });
    assert_eq!(recs[7].windows.connection, [65_535, 65_535 + 1_000_000 - 5]);
    assert_eq!(recs[7].windows.stream, Some([1 << 20, 65_535 - 5]));
}

#[test]
fn byte_at_a_time_gives_the_same_records() {
    let whole = run(&sample(), usize::MAX);
    let bytes = run(&sample(), 1);
    assert_eq!(whole.len(), bytes.len());
    for (a, b) in whole.iter().zip(&bytes) {
        assert_eq!(
            (a.dir, a.kind, a.stream_id, &a.detail, &a.headers, &a.table, a.state, a.windows),
            (b.dir, b.kind, b.stream_id, &b.detail, &b.headers, &b.table, b.state, b.windows)
        );
    }
}

#[test]
fn continuation_and_padding() {
    let block = get_block();
    let (a, b) = block.split_at(2);
    let mut c2s = PREFACE.to_vec();
    c2s.extend(settings(&[]));
    c2s.extend(frame(kind::HEADERS, flags::END_STREAM, 1, a));
    c2s.extend(frame(kind::CONTINUATION, flags::END_HEADERS, 1, b));
    let mut out = Vec::new();
    let mut insp = Inspector::new(true);
    insp.feed(Direction::ClientToServer, 0.0, &c2s, &mut out);
    // Padded DATA from the server: 3 data bytes + 4 padding (+1 pad length).
    let mut s2c = settings(&[]);
    s2c.extend(headers(1, &[0x88], false));
    s2c.extend(frame(kind::DATA, flags::PADDED | flags::END_STREAM, 1, &[4, b'a', b'b', b'c', 0, 0, 0, 0]));
    insp.feed(Direction::ServerToClient, 1.0, &s2c, &mut out);
    assert_eq!(sections(&out), Vec::<&str>::new());
    let cont = &out[3];
    assert_eq!(cont.type_name(), "CONTINUATION");
    let h = cont.headers.as_ref().unwrap();
    assert_eq!(h.frames, 2);
    assert_eq!(field_strs(h)[3], (":authority".into(), "x".into()));
    let d = &out[6];
    assert_eq!(d.detail, Detail::Data { data_len: 3, pad_len: 5, end_stream: true, preview: b"abc".to_vec() });
    // Flow control counts the padding.
    assert_eq!(d.windows.connection[1], 65_535 - 8);
}

// --- violations ---------------------------------------------------------

fn violations_of(c2s: &[u8], s2c: &[u8]) -> Vec<Record> {
    let mut insp = Inspector::new(true);
    let mut out = Vec::new();
    insp.feed(Direction::ClientToServer, 0.0, c2s, &mut out);
    insp.feed(Direction::ServerToClient, 1.0, s2c, &mut out);
    insp.finish(2.0, &mut out);
    out
}
fn with_preface(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut v = PREFACE.to_vec();
    for f in frames {
        v.extend_from_slice(f);
    }
    v
}
fn has(recs: &[Record], section: &str, needle: &str) -> bool {
    recs.iter().flat_map(|r| &r.violations).any(|v| v.section == section && v.message.contains(needle))
}

#[test]
fn joined_mid_connection_raises_no_false_violations() {
    // Frames of streams that began before the capture, a table-indexed
    // header block, and DATA beyond the default window: all normal here.
    let big = [data(3, &[0u8; 16_000], false), window_update(0, 5)].concat();
    let s2c = [headers(3, &[0xbe], false), data(3, b"ok", true), window_update(3, 100)].concat();
    let mut insp = Inspector::new(false);
    let mut out = Vec::new();
    for _ in 0..5 {
        insp.feed(Direction::ClientToServer, 0.0, &big, &mut out);
    }
    insp.feed(Direction::ClientToServer, 0.0, &data(3, b"x", true), &mut out);
    insp.feed(Direction::ServerToClient, 1.0, &s2c, &mut out);
    insp.finish(2.0, &mut out);
    assert_eq!(sections(&out), Vec::<&str>::new(), "{out:#?}");
    assert!(out.iter().flat_map(|r| &r.notes).any(|n| n.contains("joined mid-connection")));
    // A stream opened inside the capture is still judged.
    let mut out = Vec::new();
    insp.feed(Direction::ClientToServer, 3.0, &headers(5, &get_block(), true), &mut out);
    insp.feed(Direction::ClientToServer, 3.0, &data(5, b"late", false), &mut out);
    assert!(has(&out, "§5.1", "stream 5: DATA after END_STREAM (the client ended it)"), "{out:#?}");
}

#[test]
fn flags_settings_out_of_range() {
    let recs = violations_of(&with_preface(&[settings(&[(5, 100), (2, 7), (4, 1 << 31)])]), &settings(&[(2, 1)]));
    assert!(has(&recs, "§6.5.2", "MAX_FRAME_SIZE"), "{:#?}", recs);
    assert!(has(&recs, "§6.5.2", "ENABLE_PUSH"));
    assert!(has(&recs, "§6.5.2", "INITIAL_WINDOW_SIZE"));
    assert!(has(&recs, "§6.5.2", "server sent SETTINGS_ENABLE_PUSH"));
}

#[test]
fn flags_stream_id_rules() {
    let recs = violations_of(
        &with_preface(&[
            settings(&[]),
            headers(2, &get_block(), true),
            headers(5, &get_block(), true),
            headers(3, &get_block(), true),
        ]),
        &[],
    );
    assert!(has(&recs, "§5.1.1", "even stream id 2 from client"));
    assert!(has(&recs, "§5.1.1", "stream 3: stream id not above the last one (the client's last stream is 5)"));
    assert_eq!(recs.iter().filter(|r| !r.violations.is_empty()).count(), 2);
}

#[test]
fn flags_malformed_requests() {
    let mut conn = get_block();
    conn.extend(lit_new("connection", "close"));
    let mut upper = get_block();
    upper.extend(lit_new("X-Upper", "1"));
    let mut te = get_block();
    te.extend(lit_new("te", "gzip"));
    let recs = violations_of(
        &with_preface(&[
            settings(&[]),
            headers(1, &conn, true),
            headers(3, &upper, true),
            headers(5, &te, true),
            headers(7, &[0x82, 0x84], true),
        ]),
        &[],
    );
    assert!(has(&recs, "§8.2.2", "connection-specific"), "{:#?}", sections(&recs));
    assert!(has(&recs, "§8.2.1", "field name"));
    assert!(has(&recs, "§8.2.2", "te"));
    assert!(has(&recs, "§8.3.1", ":scheme"));
}

#[test]
fn flags_response_problems() {
    let c2s = with_preface(&[settings(&[]), headers(1, &get_block(), true), headers(3, &get_block(), true)]);
    let mut no_status = vec![];
    no_status.extend(lit_new("server", "x"));
    let s2c = [
        settings(&[]),
        headers(1, &no_status, false),
        headers(3, &[0x82], true), // :method in a response
        data(5, b"x", false),      // idle stream
        headers(9, &[0x88], true), // server HEADERS on an idle stream
    ]
    .concat();
    let recs = violations_of(&c2s, &s2c);
    assert!(has(&recs, "§8.3.2", "without :status"), "{:#?}", sections(&recs));
    assert!(has(&recs, "§8.3.2", ":method in a response"));
    assert!(has(&recs, "§5.1", "stream 5: DATA on an idle stream (the client has not opened it)"));
    assert!(has(&recs, "§5.1.1", "stream 9: HEADERS on a stream the peer may not open"));
}

#[test]
fn flags_frame_level_problems() {
    let c2s = with_preface(&[
        settings(&[]),
        frame(kind::PING, 0, 0, &[0; 7]),                      // §6.7 size
        frame(kind::CONTINUATION, flags::END_HEADERS, 1, &[]), // §6.10 no HEADERS
        frame(kind::HEADERS, 0, 1, &[0x82]),                   // block open…
        frame(kind::PING, 0, 0, &[0; 8]),                      // …interleaved
        window_update(0, 0),                                   // §6.9
        frame(kind::DATA, 0, 0, b"x"),                         // DATA on stream 0
        frame(kind::PRIORITY, 0, 7, &[0, 0, 0, 7, 16]),        // §5.3.1 self-dependency
        frame(0x42, 0, 0, b"whatever"),                        // unknown: note only
        frame(kind::HEADERS, flags::END_HEADERS | flags::END_STREAM, 9, &vec![0x82; 20_000]), // §4.2 too big
    ]);
    let recs = violations_of(&c2s, &settings(&[]));
    assert!(has(&recs, "§6.7", "PING"), "{:#?}", recs.iter().flat_map(|r| &r.violations).collect::<Vec<_>>());
    assert!(has(&recs, "§6.10", "CONTINUATION without"));
    assert!(has(&recs, "§6.10", "PING while the header block of stream 1"));
    assert!(has(&recs, "§6.9", "increment of 0"));
    assert!(has(&recs, "§6.1", "DATA"));
    assert!(has(&recs, "§5.3.1", "depends on itself"));
    assert!(has(&recs, "§4.2", "exceeds the receiver's SETTINGS_MAX_FRAME_SIZE (16384)"));
    let unknown = recs.iter().find(|r| r.kind == Some(0x42)).unwrap();
    assert!(unknown.violations.is_empty());
    assert_eq!(unknown.type_name(), "UNKNOWN");
    // Decoding went on after every problem.
    assert_eq!(recs.iter().filter(|r| r.dir == Direction::ClientToServer).count(), 11);
}

#[test]
fn larger_frames_are_fine_once_the_receiver_allows_them() {
    let big = vec![0x82; 20_000];
    let c2s = with_preface(&[settings(&[]), settings_ack(), headers(1, &big, true)]);
    let s2c = [settings(&[(5, 1 << 16)]), settings_ack()].concat();
    let mut insp = Inspector::new(true);
    let mut out = Vec::new();
    insp.feed(Direction::ServerToClient, 0.0, &s2c, &mut out);
    insp.feed(Direction::ClientToServer, 1.0, &c2s, &mut out);
    assert!(!has(&out, "§4.2", ""), "{:#?}", sections(&out));
}

#[test]
fn flags_flow_control_violations() {
    let c2s = with_preface(&[
        settings(&[]),
        headers(1, &get_block(), false),
        window_update(1, 0x7fff_ffff),
        data(1, &[0; 16_000], false),
        data(1, &[0; 16_000], false),
        data(1, &[0; 16_000], false),
        data(1, &[0; 16_000], false),
        data(1, &[0; 16_000], false),
    ]);
    let recs = violations_of(&c2s, &settings(&[]));
    assert!(has(&recs, "§6.9.1", "connection flow-control window"), "{:#?}", sections(&recs));
    assert!(has(&recs, "§6.9.1", "stream 1's flow-control window"));
    assert!(has(&recs, "§6.9.1", "above 2^31-1"));
    let last_data = recs.iter().rev().find(|r| r.type_name() == "DATA").unwrap();
    assert_eq!(last_data.windows.connection[0], 65_535 - 80_000);
}

#[test]
fn flags_bad_preface_and_stops_that_direction() {
    let recs = violations_of(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", &settings(&[]));
    assert!(has(&recs, "§3.4", "invalid connection preface (TLS handshake?"));
    assert_eq!(recs.iter().filter(|r| r.dir == Direction::ClientToServer).count(), 1);
    // The server direction still decodes.
    assert!(recs.iter().any(|r| r.dir == Direction::ServerToClient && r.type_name() == "SETTINGS"));
}

#[test]
fn first_frame_must_be_settings() {
    let recs = violations_of(&with_preface(&[frame(kind::PING, 0, 0, &[0; 8])]), &window_update(0, 1));
    assert_eq!(sections(&recs), vec!["§3.4", "§3.4"]);
}

#[test]
fn hpack_errors_are_compression_errors_and_decoding_goes_on() {
    let c2s =
        with_preface(&[settings(&[]), headers(1, &[0xff, 0xff, 0xff, 0x0f], true), headers(3, &get_block(), true)]);
    let recs = violations_of(&c2s, &[]);
    let bad = recs.iter().find(|r| r.stream_id == 1).unwrap();
    assert_eq!(bad.violations[0].section, "§4.3");
    assert_eq!(bad.violations[0].code, ErrorCode::COMPRESSION_ERROR);
    assert!(recs.iter().any(|r| r.stream_id == 3 && r.headers.is_some()));
}

#[test]
fn header_table_size_follows_acked_settings() {
    // A size update to 8192 is an error until the server's SETTINGS
    // raising HEADER_TABLE_SIZE has been acknowledged by the client.
    let mut upd = vec![0x3f, 0xe1, 0x3f]; // size update 8192 (5-bit prefix: 31 + 8161)
    upd.extend(get_block());
    let early = violations_of(&with_preface(&[settings(&[]), headers(1, &upd, true)]), &settings(&[(1, 8192)]));
    assert!(has(&early, "§4.3", ""), "{:#?}", sections(&early));

    let mut insp = Inspector::new(true);
    let mut out = Vec::new();
    insp.feed(Direction::ServerToClient, 0.0, &settings(&[(1, 8192)]), &mut out);
    insp.feed(
        Direction::ClientToServer,
        1.0,
        &with_preface(&[settings(&[]), settings_ack(), headers(1, &upd, true)]),
        &mut out,
    );
    assert_eq!(sections(&out), Vec::<&str>::new());
    let t = out.iter().find_map(|r| r.table.as_ref()).unwrap();
    assert_eq!(t.max_size, 8192);
    assert_eq!(t.entries.len(), 1);
}

#[test]
fn goaway_rst_and_push() {
    let c2s = with_preface(&[settings(&[]), headers(1, &get_block(), true)]);
    let mut pp = 2u32.to_be_bytes().to_vec();
    pp.extend(get_block());
    let s2c = [
        settings(&[]),
        frame(kind::PUSH_PROMISE, flags::END_HEADERS, 1, &pp),
        frame(kind::RST_STREAM, 0, 1, &8u32.to_be_bytes()),
        frame(kind::GOAWAY, 0, 0, &[&1u32.to_be_bytes()[..], &0xbu32.to_be_bytes()[..], b"calm down"].concat()),
        frame(kind::GOAWAY, 0, 0, &[&3u32.to_be_bytes()[..], &0u32.to_be_bytes()[..]].concat()),
    ]
    .concat();
    let recs = violations_of(&c2s, &s2c);
    let push = recs.iter().find(|r| r.type_name() == "PUSH_PROMISE").unwrap();
    assert_eq!(push.headers.as_ref().unwrap().kind, BlockKind::PushRequest);
    assert!(push.violations.is_empty(), "{:?}", push.violations);
    let rst = recs.iter().find(|r| r.type_name() == "RST_STREAM").unwrap();
    assert_eq!(rst.state, Some("closed (reset)"));
    assert_eq!(rst.detail, Detail::RstStream { code: ErrorCode::CANCEL });
    assert!(has(&recs, "§6.8", "raised from 1 to 3"));
    let mut json = String::new();
    recs.iter().find(|r| r.type_name() == "GOAWAY").unwrap().write_json(&mut json);
    assert!(json.contains("\"name\":\"ENHANCE_YOUR_CALM\""), "{json}");
    assert!(json.contains("\"debug\":\"calm down\""));
    // Push from a client, or after the client disabled push, is flagged.
    let c2s2 = with_preface(&[
        settings(&[(2, 0)]),
        headers(1, &get_block(), true),
        frame(kind::PUSH_PROMISE, flags::END_HEADERS, 1, &pp),
    ]);
    let recs2 = violations_of(&c2s2, &[settings(&[]), frame(kind::PUSH_PROMISE, flags::END_HEADERS, 1, &pp)].concat());
    assert!(has(&recs2, "§8.4", "PUSH_PROMISE sent by the client"));
    assert!(has(&recs2, "§6.6", "ENABLE_PUSH to 0"));
}

#[test]
fn incomplete_frame_at_end_is_reported() {
    let mut c2s = with_preface(&[settings(&[])]);
    c2s.extend_from_slice(&headers(1, &get_block(), true)[..12]);
    let recs = violations_of(&c2s, &[0, 0]);
    let notes: Vec<&String> = recs.iter().flat_map(|r| &r.notes).collect();
    assert!(notes.iter().any(|n| n.contains("bytes before the end of this frame")), "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("inside a frame header")), "{notes:?}");
}

#[test]
fn h2c_upgrade_then_frames() {
    let mut c2s = b"GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n".to_vec();
    c2s.extend(with_preface(&[settings(&[]), settings_ack(), headers(3, &get_block(), true)]));
    let mut s2c = b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n".to_vec();
    s2c.extend([settings(&[]), settings_ack(), headers(1, &[0x88], false), data(1, b"up", true)].concat());
    for piece in [usize::MAX, 1, 7] {
        let mut insp = Inspector::new(true);
        let mut out = Vec::new();
        // The request head, then the server's bytes, then the client's frames.
        let head = c2s.windows(5).position(|w| w == b"PRI *").unwrap();
        for (dir, bytes) in [
            (Direction::ClientToServer, &c2s[..head]),
            (Direction::ServerToClient, &s2c[..]),
            (Direction::ClientToServer, &c2s[head..]),
        ] {
            for chunk in bytes.chunks(piece) {
                insp.feed(dir, 0.0, chunk, &mut out);
            }
        }
        assert_eq!(sections(&out), Vec::<&str>::new(), "piece {piece}: {:#?}", out);
        let names: Vec<_> = out.iter().map(|r| (r.dir.as_str(), r.type_name(), r.stream_id)).collect();
        assert!(names.contains(&("c2s", "HTTP/1.1", 1)) && names.contains(&("s2c", "HTTP/1.1", 1)), "{names:?}");
        assert!(names.contains(&("c2s", "PREFACE", 0)));
        assert!(names.contains(&("c2s", "HEADERS", 3)));
        let up = out.iter().find(|r| r.type_name() == "HTTP/1.1" && r.dir == Direction::ClientToServer).unwrap();
        assert_eq!(up.detail, Detail::Http1 { start_line: b"GET /up HTTP/1.1".to_vec() });
        assert_eq!(field_strs(up.headers.as_ref().unwrap())[2], ("upgrade".into(), "h2c".into()));
        let data = out.iter().find(|r| r.type_name() == "DATA").unwrap();
        assert_eq!(data.state, Some("closed"));
    }
    // Plain HTTP/1.1 without an upgrade: flagged, not decoded further.
    let recs = violations_of(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"HTTP/1.1 200 OK\r\n\r\nhello");
    assert!(has(&recs, "§3.4", "without an h2c upgrade"));
    assert!(recs.iter().any(|r| r.notes.iter().any(|n| n.contains("answered in HTTP/1.1"))));
}

#[test]
fn content_length_and_concurrency() {
    let mut post = vec![0x83, 0x86, 0x84];
    post.extend(lit_idx(1, "x"));
    post.extend(lit_idx(28, "5")); // content-length: 5
    let c2s = with_preface(&[
        settings(&[]),
        settings_ack(),
        headers(1, &post, false),
        data(1, b"abc", true), // short
        headers(3, &post, false),
        data(3, b"abcdef", true), // long
        headers(5, &post, false),
        data(5, b"ab", false),
        data(5, b"cde", true),           // exact
        headers(7, &get_block(), false), // 4th open stream: over the limit of 3
    ]);
    let mut resp = vec![0x88];
    resp.extend(lit_idx(28, "2"));
    let s2c = [settings(&[(3, 3)]), settings_ack(), headers(1, &resp, false), data(1, b"ok", true)].concat();
    let mut insp = Inspector::new(true);
    let mut out = Vec::new();
    insp.feed(Direction::ServerToClient, 0.0, &s2c[..24], &mut out); // the server's SETTINGS first
    insp.feed(Direction::ClientToServer, 1.0, &c2s, &mut out);
    insp.feed(Direction::ServerToClient, 2.0, &s2c[24..], &mut out);
    assert!(has(&out, "§8.1.1", "stream 1: 3 bytes of DATA, content-length said 5"), "{:#?}", sections(&out));
    assert!(has(&out, "§8.1.1", "stream 3: DATA beyond the declared content-length 5"));
    assert!(!out.iter().flat_map(|r| &r.violations).any(|v| v.message.contains("stream 5")));
    assert!(has(&out, "§5.1.2", "stream 7 exceeds the server's SETTINGS_MAX_CONCURRENT_STREAMS (3)"));
    assert_eq!(sections(&out).len(), 3, "{:#?}", sections(&out));
}

#[test]
fn frames_after_rst_stream() {
    let c2s = with_preface(&[
        settings(&[]),
        headers(1, &get_block(), false),
        frame(kind::RST_STREAM, 0, 1, &8u32.to_be_bytes()),
        data(1, b"late", false), // the client reset it, then sent more: §5.1
    ]);
    let s2c = [settings(&[]), headers(1, &[0x88], false), data(1, b"in flight", true)].concat();
    let recs = violations_of(&c2s, &s2c);
    assert!(has(&recs, "§5.1", "stream 1: DATA after RST_STREAM (the client reset it)"), "{:#?}", sections(&recs));
    assert_eq!(sections(&recs), vec!["§5.1"]);
    let late = recs.iter().filter(|r| r.dir == Direction::ServerToClient && r.stream_id == 1).collect::<Vec<_>>();
    assert!(late.iter().all(|r| r.notes.iter().any(|n| n.contains("in flight"))));
}

// --- robustness and output ---------------------------------------------

#[test]
fn garbage_never_panics_and_json_always_parses() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let valid = sample();
    for round in 0..300 {
        let mut insp = Inspector::new(round % 2 == 0);
        let mut out = Vec::new();
        for _ in 0..20 {
            let dir = if next() % 2 == 0 { Direction::ClientToServer } else { Direction::ServerToClient };
            let mut chunk: Vec<u8> = (0..next() % 64).map(|_| next() as u8).collect();
            // Sometimes well-formed headers with random payloads, so decoding gets deep.
            if next() % 3 == 0 {
                let kind = (next() % 11) as u8;
                let payload: Vec<u8> = (0..next() % 40).map(|_| next() as u8).collect();
                chunk = frame(kind, next() as u8, (next() % 8) as u32, &payload);
            }
            if next() % 5 == 0 {
                let list = if dir == Direction::ClientToServer { &valid.c2s } else { &valid.s2c };
                chunk = list[(next() % list.len() as u64) as usize].clone();
            }
            insp.feed(dir, round as f64, &chunk, &mut out);
        }
        insp.finish(0.0, &mut out);
        let json = records_json(&out);
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(parsed.as_array().unwrap().len(), out.len());
    }
}

#[test]
fn json_shape() {
    let recs = run(&sample(), usize::MAX);
    let v: serde_json::Value = serde_json::from_str(&records_json(&recs)).unwrap();
    let h = &v[5];
    assert_eq!(h["type"], "HEADERS");
    assert_eq!(h["dir"], "c2s");
    assert_eq!(h["flags"], serde_json::json!(["END_STREAM", "END_HEADERS"]));
    assert_eq!(h["headers"]["fields"][2], serde_json::json!([":path", "/"]));
    assert_eq!(h["headers"]["kind"], "request");
    assert_eq!(h["table"]["entries"][0], serde_json::json!(["user-agent", "test-agent"]));
    assert_eq!(h["state"], "half-closed (remote)");
    assert_eq!(v[0]["type"], "PREFACE");
    assert_eq!(v[0]["code"], serde_json::Value::Null);
    assert_eq!(
        v[1]["detail"]["settings"][0],
        serde_json::json!({"id": 3, "name": "MAX_CONCURRENT_STREAMS", "value": 100})
    );
    assert_eq!(v[7]["win"]["stream"], serde_json::json!([1 << 20, 65_535 - 5]));
    let mut s = String::new();
    json_str(&mut s, "a\"b\\c\n\u{1}\u{2028}é");
    assert_eq!(s, "\"a\\\"b\\\\c\\n\\u0001\\u2028é\"");
}

#[test]
fn table_view_follows_the_decoder_through_evictions_and_size_updates() {
    // Three 36-byte entries into a 100-byte table (one evicted), then a size
    // update to 50 (one more evicted), then a new entry (the last evicted).
    let plain = [&[0x82, 0x86, 0x84][..], &lit_new(":authority", "x")].concat();
    let mut first = plain.clone();
    for name in ["k1", "k2", "k3"] {
        first.extend(lit_new_indexed(name, "vv"));
    }
    let mut shrink = vec![0x3f, 0x13]; // size update to 31 + 19 = 50
    shrink.extend(&plain);
    let mut last = plain.clone();
    last.extend(lit_new_indexed("k4", "vv"));
    let s2c = [settings(&[(1, 100)]), settings_ack()].concat();
    let c2s = with_preface(&[
        settings(&[]),
        settings_ack(),
        headers(1, &first, true),
        headers(3, &shrink, true),
        headers(5, &last, true),
    ]);
    let mut insp = Inspector::new(true);
    let mut out = Vec::new();
    insp.feed(Direction::ServerToClient, 0.0, &s2c[..15], &mut out);
    insp.feed(Direction::ClientToServer, 1.0, &c2s, &mut out);
    assert_eq!(sections(&out), Vec::<&str>::new(), "{out:#?}");
    let tables: Vec<&TableSnapshot> = out.iter().filter_map(|r| r.table.as_ref()).collect();
    let names =
        |t: &TableSnapshot| t.entries.iter().map(|(n, _)| String::from_utf8_lossy(n).into_owned()).collect::<Vec<_>>();
    // The ACK of the server's SETTINGS is the client's: the client may use 100 bytes.
    assert_eq!((tables[0].max_size, tables[0].size), (100, 72), "{:?}", names(tables[0]));
    assert_eq!(names(tables[0]), ["k3", "k2"]);
    assert_eq!((tables[1].max_size, tables[1].size), (50, 36));
    assert_eq!(names(tables[1]), ["k3"]);
    assert_eq!(names(tables[2]), ["k4"]);
    assert!(tables.iter().all(|t| t.in_sync));
}

#[test]
fn stream_state_verdicts_follow_the_shared_table() {
    use crate::stream_rules::{rule, ClosedCause, Lookup, StreamFrame, Verdict};
    let priority_update = |id: u32| frame(kind::PRIORITY_UPDATE, 0, 0, &[&id.to_be_bytes()[..], b"u=1"].concat());
    let request = with_preface(&[settings(&[]), headers(1, &get_block(), true)]);
    let response = [settings(&[]), headers(1, &[0x88], true)].concat();
    let later = [
        window_update(1, 5),                                // after both ended: dropped
        headers(1, &get_block(), true),                     // after both ended
        frame(kind::RST_STREAM, 0, 7, &8u32.to_be_bytes()), // idle
        priority_update(4),                                 // a server id the client may not open
        priority_update(9),                                 // idle: fine
    ]
    .concat();
    let mut insp = Inspector::new(true);
    let mut out = Vec::new();
    insp.feed(Direction::ClientToServer, 0.0, &request, &mut out);
    insp.feed(Direction::ServerToClient, 1.0, &response, &mut out);
    insp.feed(Direction::ClientToServer, 2.0, &later, &mut out);
    let judged: Vec<(&str, &str, ErrorCode, bool)> = out
        .iter()
        .flat_map(|r| r.violations.iter().map(move |v| (r.type_name(), v.section.as_ref(), v.code, v.connection)))
        .collect();
    let expect = |frame: StreamFrame, lookup: Lookup, section: &'static str| {
        let (code, connection) = match rule(frame, lookup).verdict {
            Verdict::ConnectionError(code) => (code, true),
            Verdict::StreamError(code) => (code, false),
            v => panic!("{v:?}"),
        };
        (frame.name(), section, code, connection)
    };
    assert_eq!(
        judged,
        vec![
            expect(StreamFrame::Headers, Lookup::Closed(ClosedCause::Ended), "§5.1"),
            expect(StreamFrame::RstStream, Lookup::Idle, "§6.4"),
            expect(StreamFrame::PriorityUpdate, Lookup::Unopened, "RFC 9218 §7.1"),
        ],
        "{out:#?}"
    );
}
