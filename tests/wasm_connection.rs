//! WasmConnection through the real wasm ABI (wasm32 only; run under Node by
//! scripts/test-wasm.sh with wasm-bindgen-test-runner): preface + SETTINGS +
//! a HEADERS request → a Request event record → send_headers/send_data →
//! the output holds a HEADERS and a DATA frame. Also `configure` (the JS
//! options path) and its refusal of bad entries.
#![cfg(target_arch = "wasm32")]

use h2wasm::hpack::{Encoder, HeaderField};
use h2wasm::wasm::boundary::{server_event, upgrade_result, RECORD_BYTES, RECORD_WORDS};
use h2wasm::wasm::{parse_config, WasmConnection};
use wasm_bindgen_test::wasm_bindgen_test;

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut f = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// Feed bytes through input_ptr/receive (as js/engine.js does); returns the event records.
fn feed(c: &mut WasmConnection, bytes: &[u8], now: f64) -> Vec<[u32; RECORD_WORDS]> {
    let p = c.io.input_ptr(bytes.len());
    // SAFETY: input_ptr just sized the input buffer to bytes.len().
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
    let n = c.receive(bytes.len(), now) as usize;
    records(c, n)
}

fn records(c: &WasmConnection, n: usize) -> Vec<[u32; RECORD_WORDS]> {
    // SAFETY: receive/poll wrote n records at events_ptr.
    let raw = unsafe { std::slice::from_raw_parts(c.io.events_ptr(), n * RECORD_BYTES) };
    raw.chunks(RECORD_BYTES)
        .map(|r| {
            let mut w = [0u32; RECORD_WORDS];
            for (i, x) in w.iter_mut().enumerate() {
                *x = u32::from_le_bytes(r[i * 4..i * 4 + 4].try_into().unwrap());
            }
            w
        })
        .collect()
}

/// All output as (frame type, flags, stream id, payload length), with DATA
/// segments filled in with zeros as JS would with the queued body.
fn output_frames(c: &mut WasmConnection) -> Vec<(u8, u8, u32, usize)> {
    let mut wire = Vec::new();
    loop {
        let n = c.write_output(1 << 20) as usize;
        if n == 0 {
            break;
        }
        // SAFETY: write_output filled out (out_len bytes) and n segment pairs.
        let out = unsafe { std::slice::from_raw_parts(c.io.out_ptr(), c.io.out_len()) }.to_vec();
        let segs = unsafe { std::slice::from_raw_parts(c.io.segs_ptr(), n * 2) }.to_vec();
        let mut off = 0usize;
        for s in segs.chunks(2) {
            let len = s[1] as usize;
            if s[0] == 0 {
                wire.extend_from_slice(&out[off..off + len]);
                off += len;
            } else {
                wire.extend(std::iter::repeat(0u8).take(len));
            }
        }
    }
    let mut frames = Vec::new();
    let mut at = 0;
    while at + 9 <= wire.len() {
        let len = (usize::from(wire[at]) << 16) | (usize::from(wire[at + 1]) << 8) | usize::from(wire[at + 2]);
        let id = u32::from_be_bytes(wire[at + 5..at + 9].try_into().unwrap()) & 0x7fff_ffff;
        frames.push((wire[at + 3], wire[at + 4], id, len));
        at += 9 + len;
    }
    assert_eq!(at, wire.len(), "output is whole frames");
    frames
}

fn request_block() -> Vec<u8> {
    let mut block = Vec::new();
    let fields = [
        (&b":method"[..], &b"GET"[..]),
        (b":scheme", b"https"),
        (b":path", b"/hello"),
        (b":authority", b"example.test"),
    ];
    Encoder::new().encode(fields.iter().map(|&(n, v)| HeaderField::new(n, v)), &mut block);
    block
}

#[wasm_bindgen_test]
fn request_response_round_trip() {
    let mut c = WasmConnection::new(0.0);
    let mut input = PREFACE.to_vec();
    input.extend(frame(4, 0, 0, &[])); // SETTINGS
    input.extend(frame(1, 0x4 | 0x1, 1, &request_block())); // HEADERS END_HEADERS|END_STREAM
    let events = feed(&mut c, &input, 1.0);
    let req = events.iter().find(|r| r[0] == server_event::REQUEST).expect("a Request event");
    assert_eq!(req[1], 1, "stream 1");
    assert_eq!(req[4], 1, "end_stream");

    // The fields come back packed as [u32 nlen][u32 vlen][name][value]…
    let len = c.pack_fields(req[2], req[3]);
    // SAFETY: pack_fields wrote len bytes at scratch_ptr.
    let packed = unsafe { std::slice::from_raw_parts(c.io.scratch_ptr(), len) };
    let text = String::from_utf8_lossy(packed);
    assert!(text.contains(":path/hello"), "{text}");

    let before = output_frames(&mut c); // our SETTINGS, WINDOW_UPDATE, SETTINGS ACK
    assert!(before.iter().any(|f| f.0 == 4 && f.1 == 0), "our SETTINGS: {before:?}");
    assert!(before.iter().any(|f| f.0 == 4 && f.1 == 1), "SETTINGS ACK: {before:?}");

    // send_headers: no extra fields (args empty), then 5 body bytes with END_STREAM.
    c.io.args_ptr(0);
    assert_eq!(c.send_headers(1, 200, 0, false), 0);
    assert_eq!(c.send_data(1, 5, true), 0);
    let frames = output_frames(&mut c);
    assert!(frames.iter().any(|f| f.0 == 1 && f.2 == 1 && f.1 & 0x4 != 0), "HEADERS on 1: {frames:?}");
    assert!(
        frames.iter().any(|f| f.0 == 0 && f.2 == 1 && f.3 == 5 && f.1 & 0x1 != 0),
        "DATA(5, END_STREAM) on 1: {frames:?}"
    );
    assert_eq!(c.send_data(1, 1, false), 1, "stream closed after END_STREAM");
}

#[wasm_bindgen_test]
fn configure_applies_and_refuses() {
    let mut c = WasmConnection::new(0.0);
    let cfg = b"maxConcurrentStreams=7\ninitialWindowSize=100000\nidleTimeoutMs=300";
    let p = c.io.args_ptr(cfg.len());
    // SAFETY: args_ptr sized the args buffer to cfg.len().
    unsafe { std::ptr::copy_nonoverlapping(cfg.as_ptr(), p, cfg.len()) };
    assert_eq!(c.configure(cfg.len(), 0.0), 0);
    feed(&mut c, PREFACE, 1.0);
    assert!(c.next_deadline() >= 0.0, "idle/settings timers armed");

    let cfg = parse_config(b"maxConcurrentStreams=7\nidleTimeoutMs=300").unwrap();
    assert_eq!(cfg.settings.max_concurrent_streams, 7);
    assert_eq!(cfg.limits.idle_timeout_ms, 300);
    assert_eq!(parse_config(b"idleTimeoutMs=1\nnope=3"), Err(2));
    assert_eq!(parse_config(b"maxFrameSize=100"), Err(1));
    assert_eq!(parse_config(b"resetBurst=99999999999"), Err(1));
    assert_eq!(parse_config(b"resetBurst=-1"), Err(1));
    assert_eq!(parse_config(b"resetBurst"), Err(1));
    assert_eq!(parse_config(&[0xff]), Err(1));
}

#[wasm_bindgen_test]
fn large_chunks_do_not_pin_scratch_memory() {
    // One ~60 KB socket chunk (a request with four 15,000-byte DATA frames):
    // once it is processed, the connection keeps no buffer of that size.
    let mut c = WasmConnection::new(0.0);
    let mut input = PREFACE.to_vec();
    input.extend(frame(4, 0, 0, &[]));
    input.extend(frame(1, 0x4, 1, &request_block())); // HEADERS END_HEADERS, body follows
    for i in 0..4 {
        input.extend(frame(0, if i == 3 { 0x1 } else { 0 }, 1, &[0x61; 15_000]));
    }
    let events = feed(&mut c, &input, 1.0);
    let data: usize = events.iter().filter(|r| r[0] == server_event::DATA).map(|r| (r[3] - r[2]) as usize).sum();
    assert_eq!(data, 60_000, "all DATA reported as offsets into the caller's chunk");
    assert!(c.io.capacity() < 16 * 1024, "after receive: {} bytes held", c.io.capacity());
    c.consumed(1, 60_000);
    let _ = output_frames(&mut c);
    assert!(c.io.capacity() < 16 * 1024, "after output: {} bytes held", c.io.capacity());
}

/// `[u32 settings_len][settings][packed fields]` at args_ptr, as js/engine.js `upgrade` writes it.
fn upgrade_args(c: &mut WasmConnection, settings: &[u8], fields: &[(&str, &str)]) -> usize {
    let mut args = (settings.len() as u32).to_le_bytes().to_vec();
    args.extend_from_slice(settings);
    for (n, v) in fields {
        args.extend((n.len() as u32).to_le_bytes());
        args.extend((v.len() as u32).to_le_bytes());
        args.extend(n.as_bytes());
        args.extend(v.as_bytes());
    }
    let p = c.io.args_ptr(args.len());
    // SAFETY: args_ptr sized the args buffer to args.len().
    unsafe { std::ptr::copy_nonoverlapping(args.as_ptr(), p, args.len()) };
    args.len()
}

#[wasm_bindgen_test]
fn h2c_upgrade_opens_stream_1_through_the_abi() {
    let get = [(":method", "GET"), (":scheme", "http"), (":authority", "x"), (":path", "/up")];
    let mut c = WasmConnection::new(0.0);
    let bad = upgrade_args(&mut c, &[0, 4, 0], &get);
    assert_eq!(c.upgrade(bad), upgrade_result::BAD_SETTINGS, "settings payload not a multiple of 6");
    let len = upgrade_args(&mut c, &[0, 4, 0, 0, 0, 10], &get); // INITIAL_WINDOW_SIZE = 10
    assert_eq!(c.upgrade(len), upgrade_result::OK);
    let n = c.poll() as usize;
    let events = records(&c, n);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        (events[0][0], events[0][1], events[0][4]),
        (server_event::REQUEST, 1, 1),
        "Request on stream 1, end_stream"
    );
    let again = upgrade_args(&mut c, &[], &get);
    assert_eq!(c.upgrade(again), upgrade_result::NOT_FRESH, "only a fresh connection");
}
