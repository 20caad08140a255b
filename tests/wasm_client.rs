//! WasmClient through the real wasm ABI (wasm32 only; run under Node by
//! scripts/test-wasm.sh): preface + SETTINGS out, a request packed as JS packs
//! it, a response fed in → Response / Data / End records; `configure` with the
//! client's own option names and its refusal of bad entries.
#![cfg(target_arch = "wasm32")]

use h2wasm::hpack::{Encoder, HeaderField};
use h2wasm::wasm::boundary::{client_event as ev, RECORD_BYTES, RECORD_WORDS, REQUEST_ERROR};
use h2wasm::wasm::{parse_client_config, WasmClient};
use wasm_bindgen_test::wasm_bindgen_test;

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut f = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn feed(c: &mut WasmClient, bytes: &[u8]) -> Vec<[u32; RECORD_WORDS]> {
    let p = c.io.input_ptr(bytes.len());
    // SAFETY: input_ptr just sized the input buffer to bytes.len().
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len()) };
    let n = c.receive(bytes.len(), 1.0) as usize;
    // SAFETY: receive wrote n records at events_ptr.
    let raw = unsafe { std::slice::from_raw_parts(c.io.events_ptr(), n * RECORD_BYTES) };
    raw.chunks(RECORD_BYTES)
        .map(|r| core::array::from_fn(|i| u32::from_le_bytes(r[i * 4..i * 4 + 4].try_into().unwrap())))
        .collect()
}

fn output(c: &mut WasmClient) -> Vec<u8> {
    let n = c.write_output(1 << 20, 0.0) as usize;
    // SAFETY: write_output filled out_len bytes and n segment pairs.
    let out = unsafe { std::slice::from_raw_parts(c.io.out_ptr(), c.io.out_len()) }.to_vec();
    let segs = unsafe { std::slice::from_raw_parts(c.io.segs_ptr(), n * 2) };
    assert!(segs.chunks(2).all(|s| s[0] == 0), "no body segments for a GET");
    out
}

fn pack(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut v = Vec::new();
    for (n, val) in fields {
        v.extend_from_slice(&(n.len() as u32).to_le_bytes());
        v.extend_from_slice(&(val.len() as u32).to_le_bytes());
        v.extend_from_slice(n.as_bytes());
        v.extend_from_slice(val.as_bytes());
    }
    v
}

#[wasm_bindgen_test]
fn request_and_response_records() {
    let mut c = WasmClient::new(0.0);
    let first = output(&mut c);
    assert!(first.starts_with(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
    assert_eq!(first[24 + 3], 4, "SETTINGS after the preface");

    let args = pack(&[(":method", "GET"), (":scheme", "http"), (":authority", "a.test"), (":path", "/x")]);
    let p = c.io.args_ptr(args.len());
    // SAFETY: args_ptr just sized the buffer.
    unsafe { std::ptr::copy_nonoverlapping(args.as_ptr(), p, args.len()) };
    assert_eq!(c.request(args.len(), true, 0.0), 1, "stream id 1");
    let out = output(&mut c);
    assert_eq!(out[3], 1, "HEADERS");

    let mut block = Vec::new();
    Encoder::new().encode([HeaderField::new(b":status", b"200"), HeaderField::new(b"x-a", b"1")], &mut block);
    let mut input = frame(4, 0, 0, &[]);
    input.extend(frame(1, 0x4, 1, &block));
    input.extend(frame(0, 0x1, 1, b"hey"));
    let ev = feed(&mut c, &input);
    let kinds: Vec<u32> = ev.iter().map(|r| r[0]).collect();
    assert_eq!(
        kinds,
        [ev::SETTINGS, ev::RESPONSE, ev::DATA, ev::END, ev::STREAM_CLOSED],
        "Settings, Response, Data, End, StreamClosed: {ev:?}"
    );
    assert_eq!(ev[1][2], 200);
    let len = c.pack_fields(ev[1][3], ev[1][4]);
    // SAFETY: pack_fields wrote len bytes at scratch_ptr.
    let packed = unsafe { std::slice::from_raw_parts(c.io.scratch_ptr(), len) };
    assert_eq!(packed, pack(&[("x-a", "1")]).as_slice(), ":status is not among the fields");
    let data = &input[ev[2][2] as usize..ev[2][3] as usize];
    assert_eq!(data, b"hey");

    // A bad request: the error bit and InvalidHeader (3).
    let bad = pack(&[(":method", "GET")]);
    let p = c.io.args_ptr(bad.len());
    // SAFETY: as above.
    unsafe { std::ptr::copy_nonoverlapping(bad.as_ptr(), p, bad.len()) };
    assert_eq!(c.request(bad.len(), true, 0.0), REQUEST_ERROR | 3, "InvalidHeader");
}

#[wasm_bindgen_test]
fn client_config_names() {
    let c = parse_client_config(b"keepaliveMs=500\npingTimeoutMs=7\nmaxConcurrentStreams=3\nstallTimeoutMs=9").unwrap();
    assert_eq!(
        (c.keepalive_ms, c.ping_timeout_ms, c.settings.max_concurrent_streams, c.limits.stall_timeout_ms),
        (500, 7, 3, 9)
    );
    assert_eq!(c.settings.initial_window_size, 256 * 1024, "client default window kept");
    assert_eq!(parse_client_config(b"initialWindowSize=1000").unwrap().settings.initial_window_size, 1000);
    assert_eq!(parse_client_config(b"keepaliveMs=1\nbogus=2").err(), Some(2), "line numbers count every line");
    assert_eq!(parse_client_config(b"pingTimeoutMs=x").err(), Some(1));
    let t = parse_client_config(b"responseTimeoutMs=11\nresponseBodyTimeoutMs=12").unwrap();
    assert_eq!((t.response_timeout_ms, t.response_body_timeout_ms), (11, 12));
}
