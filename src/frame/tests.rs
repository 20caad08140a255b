//! Unit tests of the codec: round trips for every frame type, every size /
//! stream-0 / padding rule, DATA streaming and the buffering bounds.
//! (Random splits of random frame sequences: tests/frame_split.rs.)

use super::*;
use crate::error::{ErrorCode, ProtoError};

/// Owned form of an item, with DATA payload as bytes.
#[derive(Debug, PartialEq, Eq)]
enum Ev {
    Frame(String),
    Start(u32, u8, u32),
    Data(u32, Vec<u8>),
    End(u32, bool),
}

fn push(evs: &mut Vec<Ev>, input: &[u8], item: Item<'_>) {
    match item {
        Item::Frame(f) => evs.push(Ev::Frame(format!("{f:?}"))),
        Item::DataStart { stream_id, flags, length } => evs.push(Ev::Start(stream_id, flags, length)),
        Item::DataPayload { stream_id, start, end } => {
            assert!(start < end, "empty payload item");
            evs.push(Ev::Data(stream_id, input[start..end].to_vec()))
        }
        Item::DataEnd { stream_id, end_stream } => evs.push(Ev::End(stream_id, end_stream)),
    }
}

fn decode_all(max: u32, input: &[u8]) -> Result<Vec<Ev>, ProtoError> {
    let mut d = FrameDecoder::new(max);
    let mut pos = 0;
    let mut evs = Vec::new();
    while let Some(item) = d.decode(input, &mut pos)? {
        push(&mut evs, input, item);
    }
    assert_eq!(pos, input.len());
    Ok(evs)
}

fn first_error(input: &[u8]) -> ProtoError {
    decode_all(DEFAULT_MAX_FRAME_SIZE, input).unwrap_err()
}

fn raw(len: u32, kind: u8, flags: u8, stream_id: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    FrameHeader { length: len, kind, flags, stream_id }.write(&mut out);
    out.extend_from_slice(payload);
    out
}

fn round_trip(f: &Frame<'_>, pad: Option<u8>) {
    let mut out = Vec::new();
    f.encode(&mut out, pad);
    let mut d = FrameDecoder::new(DEFAULT_MAX_FRAME_SIZE);
    let mut pos = 0;
    let got = d.decode(&out, &mut pos).unwrap().unwrap();
    assert_eq!(got, Item::Frame(f.clone()), "pad {pad:?}");
    assert!(d.decode(&out, &mut pos).unwrap().is_none());
    assert_eq!(pos, out.len());
}

fn all_frames() -> Vec<Frame<'static>> {
    let spec = PrioritySpec { exclusive: true, dependency: 0x7fff_fff0, weight: 255 };
    vec![
        Frame::Headers { stream_id: 1, end_stream: true, end_headers: true, priority: None, fragment: b"abc" },
        Frame::Headers { stream_id: 3, end_stream: false, end_headers: false, priority: Some(spec), fragment: b"" },
        Frame::Priority { stream_id: 5, spec: PrioritySpec { exclusive: false, dependency: 1, weight: 0 } },
        Frame::RstStream { stream_id: 7, code: ErrorCode(0xdead_beef) },
        Frame::Settings { ack: false, params: &[0, 3, 0, 0, 0, 100, 0, 4, 0, 1, 0, 0] },
        Frame::Settings { ack: true, params: &[] },
        Frame::PushPromise { stream_id: 1, promised_id: 2, end_headers: true, fragment: b"frag" },
        Frame::Ping { ack: true, data: *b"12345678" },
        Frame::GoAway { last_stream_id: 9, code: ErrorCode::ENHANCE_YOUR_CALM, debug: b"calm down" },
        Frame::WindowUpdate { stream_id: 0, increment: 0x7fff_ffff },
        Frame::WindowUpdate { stream_id: 3, increment: 0 },
        Frame::Continuation { stream_id: 1, end_headers: true, fragment: b"more" },
        Frame::PriorityUpdate { prioritized_id: 5, field_value: b"u=1, i" },
        Frame::Unknown { header: FrameHeader { length: 3, kind: 0xfe, flags: 0xff, stream_id: 11 } },
    ]
}

#[test]
fn every_frame_type_round_trips_with_and_without_padding() {
    for f in all_frames() {
        round_trip(&f, None);
        for pad in [0u8, 1, 200] {
            round_trip(&f, Some(pad)); // ignored by types that cannot be padded
        }
    }
}

#[test]
fn padded_headers_and_push_promise_are_marked_padded_on_the_wire() {
    let mut out = Vec::new();
    all_frames()[0].encode(&mut out, Some(4));
    assert_eq!(out[4] & flags::PADDED, flags::PADDED);
    assert_eq!(out.len(), 9 + 1 + 3 + 4);
}

#[test]
fn data_is_streamed_start_payload_end() {
    let mut out = Vec::new();
    write_data(&mut out, 1, b"hello", true, None);
    write_data(&mut out, 3, b"", false, None);
    write_data(&mut out, 5, b"xy", false, Some(3));
    write_data(&mut out, 7, b"", true, Some(0));
    let evs = decode_all(DEFAULT_MAX_FRAME_SIZE, &out).unwrap();
    assert_eq!(
        evs,
        vec![
            Ev::Start(1, flags::END_STREAM, 5),
            Ev::Data(1, b"hello".to_vec()),
            Ev::End(1, true),
            Ev::Start(3, 0, 0),
            Ev::End(3, false),
            Ev::Start(5, flags::PADDED, 6),
            Ev::Data(5, b"xy".to_vec()),
            Ev::End(5, false),
            Ev::Start(7, flags::PADDED | flags::END_STREAM, 1),
            Ev::End(7, true),
        ]
    );
}

#[test]
fn data_payload_ranges_point_into_each_input_and_exclude_padding() {
    let mut out = Vec::new();
    write_data(&mut out, 1, b"abcdef", false, Some(2));
    let mut d = FrameDecoder::new(DEFAULT_MAX_FRAME_SIZE);
    let (a, b) = out.split_at(12); // header, pad length, "ab"
    let mut pos = 0;
    assert!(matches!(d.decode(a, &mut pos).unwrap(), Some(Item::DataStart { length: 9, .. })));
    assert_eq!(d.decode(a, &mut pos).unwrap(), Some(Item::DataPayload { stream_id: 1, start: 10, end: 12 }));
    assert_eq!(d.decode(a, &mut pos).unwrap(), None);
    let mut pos = 0;
    assert_eq!(d.decode(b, &mut pos).unwrap(), Some(Item::DataPayload { stream_id: 1, start: 0, end: 4 }));
    assert_eq!(d.decode(b, &mut pos).unwrap(), Some(Item::DataEnd { stream_id: 1, end_stream: false }));
    assert_eq!(pos, b.len());
    assert_eq!(d.buffered(), 0, "DATA is never buffered");
}

#[test]
fn frame_wholly_in_input_borrows_input_else_buffer() {
    let mut out = Vec::new();
    write_goaway(&mut out, 1, ErrorCode::NO_ERROR, b"debug");
    let mut d = FrameDecoder::new(DEFAULT_MAX_FRAME_SIZE);
    let mut pos = 0;
    match d.decode(&out, &mut pos).unwrap() {
        Some(Item::Frame(Frame::GoAway { debug, .. })) => {
            assert!(core::ptr::eq(debug.as_ptr(), out[17..].as_ptr()), "borrowed from the input")
        }
        other => panic!("{other:?}"),
    }
    let (a, b) = out.split_at(12);
    let mut pos = 0;
    assert_eq!(d.decode(a, &mut pos).unwrap(), None);
    assert_eq!(d.buffered(), 3);
    let mut pos = 0;
    let item = d.decode(b, &mut pos).unwrap();
    assert_eq!(
        item,
        Some(Item::Frame(Frame::GoAway { last_stream_id: 1, code: ErrorCode::NO_ERROR, debug: b"debug" }))
    );
}

#[test]
fn write_headers_splits_into_continuations_at_max_frame_size() {
    let block: Vec<u8> = (0..40_000u32).map(|i| i as u8).collect();
    let mut out = Vec::new();
    write_headers(&mut out, 3, &block, true, 16_384);
    let mut d = FrameDecoder::new(16_384);
    let mut pos = 0;
    let mut got = Vec::new();
    let mut kinds = Vec::new();
    while let Some(item) = d.decode(&out, &mut pos).unwrap() {
        match item {
            Item::Frame(Frame::Headers { end_stream, end_headers, fragment, .. }) => {
                assert!(end_stream && !end_headers);
                kinds.push("H");
                got.extend_from_slice(fragment);
            }
            Item::Frame(Frame::Continuation { end_headers, fragment, .. }) => {
                kinds.push(if end_headers { "C!" } else { "C" });
                got.extend_from_slice(fragment);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(kinds, ["H", "C", "C!"]);
    assert_eq!(got, block);
    let mut small = Vec::new();
    write_headers(&mut small, 1, b"", false, 16_384);
    assert_eq!(small, raw(0, kind::HEADERS, flags::END_HEADERS, 1, b""));
}

#[test]
fn serializers_write_the_rfc_layout() {
    let mut out = Vec::new();
    write_data_header(&mut out, 1, 10, true);
    assert_eq!(out, [0, 0, 10, 0, 1, 0, 0, 0, 1]);
    out.clear();
    write_settings(&mut out, false, &[(4, 65_535)]);
    assert_eq!(out, [0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0xff, 0xff]);
    out.clear();
    write_settings(&mut out, true, &[]);
    assert_eq!(out, [0, 0, 0, 4, 1, 0, 0, 0, 0]);
    out.clear();
    write_rst_stream(&mut out, 5, ErrorCode::CANCEL);
    assert_eq!(out, [0, 0, 4, 3, 0, 0, 0, 0, 5, 0, 0, 0, 8]);
    out.clear();
    write_window_update(&mut out, 0, 1);
    assert_eq!(out, [0, 0, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    out.clear();
    write_ping(&mut out, true, [1; 8]);
    assert_eq!(&out[..9], [0, 0, 8, 6, 1, 0, 0, 0, 0]);
}

#[test]
fn unknown_frames_are_skipped_without_buffering() {
    // A 1 MiB unknown frame under a 16 MiB limit, fed in 4 KiB chunks.
    let mut d = FrameDecoder::new(MAX_MAX_FRAME_SIZE);
    let mut out = raw(1 << 20, 0xab, 0, 0, &[]);
    out.resize(9 + (1 << 20), 7);
    write_ping(&mut out, false, [9; 8]);
    let mut items = Vec::new();
    for chunk in out.chunks(4096) {
        let mut pos = 0;
        while let Some(item) = d.decode(chunk, &mut pos).unwrap() {
            items.push(format!("{item:?}"));
        }
        assert!(d.buffered() <= 9, "unknown payload must not be buffered");
        assert!(d.buffer_capacity() <= 8, "capacity {}", d.buffer_capacity());
    }
    assert_eq!(items.len(), 2);
    assert!(items[0].contains("Unknown"));
    assert!(items[1].contains("Ping"));
}

#[test]
fn unknown_frame_still_respects_max_frame_size() {
    let e = first_error(&raw(16_385, 0xab, 0, 0, &[]));
    assert_eq!(e.code(), ErrorCode::FRAME_SIZE_ERROR);
    assert!(matches!(e, ProtoError::Connection { .. }));
}

fn conn_err(input: &[u8], code: ErrorCode) {
    match first_error(input) {
        ProtoError::Connection { code: c, reason } => assert_eq!(c, code, "{reason}"),
        other => panic!("expected connection error, got {other:?}"),
    }
}

#[test]
fn size_rules_are_connection_frame_size_errors() {
    let fse = ErrorCode::FRAME_SIZE_ERROR;
    // Over our max frame size, for DATA and for a buffered type.
    conn_err(&raw(16_385, kind::DATA, 0, 1, &[]), fse);
    conn_err(&raw(16_385, kind::HEADERS, 0, 1, &[]), fse);
    conn_err(&raw(7, kind::PING, 0, 0, &[0; 7]), fse);
    conn_err(&raw(9, kind::PING, 0, 0, &[0; 9]), fse);
    conn_err(&raw(5, kind::SETTINGS, 0, 0, &[0; 5]), fse);
    conn_err(&raw(6, kind::SETTINGS, flags::ACK, 0, &[0; 6]), fse);
    conn_err(&raw(3, kind::WINDOW_UPDATE, 0, 1, &[0; 3]), fse);
    conn_err(&raw(5, kind::WINDOW_UPDATE, 0, 0, &[0; 5]), fse);
    conn_err(&raw(3, kind::RST_STREAM, 0, 1, &[0; 3]), fse);
    conn_err(&raw(7, kind::GOAWAY, 0, 0, &[0; 7]), fse);
    conn_err(&raw(3, kind::PRIORITY_UPDATE, 0, 0, &[0; 3]), fse);
    // Too short for the mandatory fields.
    conn_err(&raw(0, kind::DATA, flags::PADDED, 1, &[]), fse);
    conn_err(&raw(0, kind::HEADERS, flags::PADDED, 1, &[]), fse);
    conn_err(&raw(4, kind::HEADERS, flags::PRIORITY, 1, &[0; 4]), fse);
    conn_err(&raw(5, kind::HEADERS, flags::PRIORITY | flags::PADDED, 1, &[0; 5]), fse);
    conn_err(&raw(3, kind::PUSH_PROMISE, 0, 1, &[0; 3]), fse);
    conn_err(&raw(4, kind::PUSH_PROMISE, flags::PADDED, 1, &[0; 4]), fse);
}

#[test]
fn frame_size_is_checked_before_the_payload_arrives() {
    let mut d = FrameDecoder::new(DEFAULT_MAX_FRAME_SIZE);
    let mut pos = 0;
    let head = raw(1 << 23, kind::HEADERS, 0, 1, &[]);
    assert!(d.decode(&head, &mut pos).is_err());
    assert_eq!(d.buffered(), 0);
}

#[test]
fn priority_with_bad_length_is_a_stream_error_and_decoding_goes_on() {
    let mut input = raw(4, kind::PRIORITY, 0, 3, &[1, 2, 3, 4]);
    write_ping(&mut input, false, [1; 8]);
    let mut d = FrameDecoder::new(DEFAULT_MAX_FRAME_SIZE);
    let mut pos = 0;
    let e = d.decode(&input, &mut pos).unwrap_err();
    assert_eq!(e, ProtoError::stream(3, ErrorCode::FRAME_SIZE_ERROR, "PRIORITY length is not 5"));
    assert_eq!(d.decode(&input, &mut pos).unwrap(), Some(Item::Frame(Frame::Ping { ack: false, data: [1; 8] })));
}

#[test]
fn stream_zero_rules_are_connection_protocol_errors() {
    let pe = ErrorCode::PROTOCOL_ERROR;
    conn_err(&raw(0, kind::DATA, 0, 0, &[]), pe);
    conn_err(&raw(0, kind::HEADERS, 0, 0, &[]), pe);
    conn_err(&raw(5, kind::PRIORITY, 0, 0, &[0; 5]), pe);
    conn_err(&raw(4, kind::RST_STREAM, 0, 0, &[0; 4]), pe);
    conn_err(&raw(0, kind::CONTINUATION, 0, 0, &[]), pe);
    conn_err(&raw(4, kind::PUSH_PROMISE, 0, 0, &[0; 4]), pe);
    conn_err(&raw(0, kind::SETTINGS, 0, 1, &[]), pe);
    conn_err(&raw(8, kind::PING, 0, 1, &[0; 8]), pe);
    conn_err(&raw(8, kind::GOAWAY, 0, 1, &[0; 8]), pe);
    conn_err(&raw(4, kind::PRIORITY_UPDATE, 0, 1, &[0, 0, 0, 1]), pe);
    // RFC 9218 §7.1: a prioritized stream id of 0.
    conn_err(&raw(4, kind::PRIORITY_UPDATE, 0, 0, &[0; 4]), pe);
    // WINDOW_UPDATE is fine on stream 0; unknown types on any stream.
    assert!(decode_all(DEFAULT_MAX_FRAME_SIZE, &raw(4, kind::WINDOW_UPDATE, 0, 0, &[0, 0, 0, 1])).is_ok());
    assert!(decode_all(DEFAULT_MAX_FRAME_SIZE, &raw(1, 0x20, 0, 0, &[0])).is_ok());
}

#[test]
fn padding_not_less_than_payload_is_a_connection_protocol_error() {
    let pe = ErrorCode::PROTOCOL_ERROR;
    conn_err(&raw(3, kind::DATA, flags::PADDED, 1, &[3, 0, 0]), pe);
    conn_err(&raw(3, kind::DATA, flags::PADDED, 1, &[200, 0, 0]), pe);
    conn_err(&raw(3, kind::HEADERS, flags::PADDED, 1, &[3, 0, 0]), pe);
    conn_err(&raw(7, kind::HEADERS, flags::PADDED | flags::PRIORITY, 1, &[2, 0, 0, 0, 0, 0, 0]), pe);
    conn_err(&raw(6, kind::PUSH_PROMISE, flags::PADDED, 1, &[2, 0, 0, 0, 2, 0]), pe);
    // Largest legal padding: everything after the fixed fields.
    let ok = decode_all(DEFAULT_MAX_FRAME_SIZE, &raw(3, kind::DATA, flags::PADDED, 1, &[2, 0, 0])).unwrap();
    assert_eq!(ok, vec![Ev::Start(1, flags::PADDED, 3), Ev::End(1, false)]);
    let ok = decode_all(DEFAULT_MAX_FRAME_SIZE, &raw(6, kind::PUSH_PROMISE, flags::PADDED, 1, &[1, 0, 0, 0, 2, 0]));
    assert_eq!(ok.unwrap().len(), 1);
}

#[test]
fn after_a_connection_error_the_decoder_keeps_failing() {
    let input = raw(0, kind::DATA, 0, 0, &[]);
    let mut d = FrameDecoder::new(DEFAULT_MAX_FRAME_SIZE);
    let mut pos = 0;
    let e = d.decode(&input, &mut pos).unwrap_err();
    let good = raw(8, kind::PING, 0, 0, &[0; 8]);
    let mut pos = 0;
    assert_eq!(d.decode(&good, &mut pos).unwrap_err(), e);
}

#[test]
fn reserved_bits_are_ignored_on_receipt() {
    let evs =
        decode_all(DEFAULT_MAX_FRAME_SIZE, &raw(4, kind::WINDOW_UPDATE, 0, 0x8000_0001, &[0x80, 0, 0, 5])).unwrap();
    assert_eq!(evs, vec![Ev::Frame(format!("{:?}", Frame::WindowUpdate { stream_id: 1, increment: 5 }))]);
}

#[test]
fn max_frame_size_is_clamped_and_settable() {
    assert_eq!(FrameDecoder::new(0).max_frame_size(), DEFAULT_MAX_FRAME_SIZE);
    assert_eq!(FrameDecoder::new(u32::MAX).max_frame_size(), MAX_MAX_FRAME_SIZE);
    let mut d = FrameDecoder::new(DEFAULT_MAX_FRAME_SIZE);
    d.set_max_frame_size(20_000);
    let mut input = raw(20_000, kind::CONTINUATION, 0, 1, &[]);
    input.resize(9 + 20_000, 0);
    let mut pos = 0;
    assert!(matches!(d.decode(&input, &mut pos).unwrap(), Some(Item::Frame(Frame::Continuation { .. }))));
}

#[test]
fn buffer_never_exceeds_max_frame_size_plus_header() {
    let max = DEFAULT_MAX_FRAME_SIZE;
    let mut input = raw(max, kind::HEADERS, flags::END_HEADERS, 1, &[]);
    input.resize(9 + max as usize, 0x41);
    write_data(&mut input, 1, &vec![1; max as usize], true, None);
    let mut input2 = input.clone();
    input2.extend_from_slice(&input);
    let mut d = FrameDecoder::new(max);
    let mut n = 0;
    for chunk in input2.chunks(1000) {
        let mut pos = 0;
        while d.decode(chunk, &mut pos).unwrap().is_some() {
            n += 1;
            assert!(d.buffered() <= max as usize + 9);
        }
        assert!(d.buffered() <= max as usize + 9);
        assert!(d.buffer_capacity() <= max as usize);
    }
    assert!(n > 4);
    assert!(d.at_frame_boundary());
}

#[test]
fn typed_frame_rules_name_the_broken_rule_and_match_the_decoder_error() {
    let cases: [(Vec<u8>, FrameError, &str); 6] = [
        (raw(0, kind::DATA, 0, 0, &[]), FrameError::OnStreamZero(kind::DATA), "§6.1"),
        (raw(3, kind::DATA, flags::PADDED, 1, &[5, 0, 0]), FrameError::Padding(kind::DATA), "§6.1"),
        (raw(7, kind::PING, 0, 0, &[0; 7]), FrameError::WrongLength(kind::PING), "§6.7"),
        (raw(4, kind::PRIORITY, 0, 3, &[0; 4]), FrameError::PriorityLength { stream_id: 3 }, "§6.3"),
        (raw(3, kind::HEADERS, flags::PADDED, 1, &[5, 0, 0]), FrameError::Padding(kind::HEADERS), "§6.2"),
        (raw(3, kind::PRIORITY_UPDATE, 0, 0, &[0; 3]), FrameError::TooShort(kind::PRIORITY_UPDATE), "§4.2"),
    ];
    for (input, want, section) in cases {
        let (head, payload) = input.split_at(FRAME_HEADER_LEN);
        let h = FrameHeader::parse(head.try_into().unwrap());
        let got = check_header(&h, DEFAULT_MAX_FRAME_SIZE)
            .and_then(|()| match h.kind {
                kind::DATA => data_padding(&h, payload[0]).map(|_| ()),
                _ => parse_payload(&h, payload).map(|_| ()),
            })
            .unwrap_err();
        assert_eq!((got, got.section()), (want, section));
        assert_eq!(first_error(&input), got.proto(), "{want:?}");
        assert_eq!(got.is_stream_error(), matches!(got.proto(), ProtoError::Stream { .. }));
    }
}
