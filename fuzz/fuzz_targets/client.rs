//! The whole `ClientConnection` driven by arbitrary server bytes (split
//! arbitrarily) interleaved with arbitrary application commands and time
//! steps: a hostile server must not be able to make the client panic.
//!
//! Input layout: [n: u16 LE][n raw server bytes][`Input` via `arbitrary`]. The
//! raw prefix (fed first, after the optional SETTINGS) lets hand-made seeds be
//! plain server byte streams. Helpers let the fuzzer get past the handshake and
//! HPACK quickly: `settings` sends the server's SETTINGS and an ACK of ours,
//! `ReceiveResponse` HPACK-encodes a response with a server-side encoder,
//! `ReceiveFrame` frames an arbitrary payload.
//!
//! Oracles beyond "no panic":
//! - event byte ranges lie inside the input they refer to; field indices resolve;
//! - `Output` segments add up to `Output::bytes`, and no stream ever has more
//!   DATA written than the application queued on it;
//! - everything the client writes starts with the connection preface, then
//!   parses as frames (a server-side `FrameDecoder`) whose header blocks decode
//!   (a server-side HPACK `Decoder`), on odd stream ids only.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use h2wasm::client::{ClientConfig, ClientConnection, ClientEvent, CLIENT_PREFACE};
use h2wasm::connection::{Output, Segment};
use h2wasm::frame::{self, Frame, FrameDecoder, FrameHeader, Item};
use h2wasm::hpack::{DecodeLimits, Decoder, Encoder, HeaderField};
use h2wasm::ErrorCode;
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum StreamRef {
    /// The n-th stream id a request returned (mod the count).
    Opened(u8),
    /// Client stream 2n+1.
    Client(u8),
    Raw(u32),
}

type Fields = Vec<(Vec<u8>, Vec<u8>)>;

#[derive(Arbitrary, Debug)]
enum Cmd {
    Receive { data: Vec<u8>, cuts: Vec<u16> },
    ReceiveFrame { kind: u8, flags: u8, stream: StreamRef, payload: Vec<u8> },
    ReceiveResponse { stream: StreamRef, status: u16, extra: Fields, end_stream: bool, body: Option<Vec<u8>> },
    Request { extra: Fields, standard: bool, end_stream: bool },
    SendData { stream: StreamRef, len: u16, end_stream: bool },
    SendTrailers { stream: StreamRef, fields: Fields },
    ResetStream { stream: StreamRef, code: u32 },
    Consumed { stream: StreamRef, n: u32 },
    Ping([u8; 8]),
    Close,
    Abort(u32),
    Tick { advance_ms: u32 },
    WriteOutput { max_bytes: u16 },
}

#[derive(Arbitrary, Debug)]
struct Input {
    settings: bool,
    /// Caps (0 = off) so the fuzzer reaches the cap paths too.
    max_response_body_bytes: u16,
    response_timeout_ms: u16,
    keepalive_ms: u16,
    cmds: Vec<Cmd>,
}

struct Harness {
    conn: ClientConnection,
    now: u64,
    opened: Vec<u32>,
    queued: HashMap<u32, u64>,
    sent: HashMap<u32, u64>,
    server_hpack: Encoder,
    out: Output,
    // Server side of the client's output.
    preface_left: usize,
    peer_frames: FrameDecoder,
    peer_hpack: Decoder,
    peer_block: Vec<u8>,
}

impl Harness {
    fn id(&self, r: StreamRef) -> u32 {
        match r {
            StreamRef::Opened(i) if !self.opened.is_empty() => self.opened[i as usize % self.opened.len()],
            StreamRef::Opened(i) | StreamRef::Client(i) => 2 * u32::from(i) + 1,
            StreamRef::Raw(n) => n,
        }
    }

    fn receive(&mut self, input: &[u8]) {
        self.conn.receive(input, self.now);
        self.drain(input);
    }

    fn drain(&mut self, input: &[u8]) {
        while let Some(ev) = self.conn.poll_event() {
            match ev {
                ClientEvent::Informational { fields, .. }
                | ClientEvent::Response { fields, .. }
                | ClientEvent::Trailers { fields, .. } => {
                    for i in fields {
                        let _ = self.conn.field(i);
                    }
                }
                ClientEvent::Data { start, end, .. } => {
                    assert!(
                        start <= end && end as usize <= input.len(),
                        "Data range {start}..{end} outside input of {}",
                        input.len()
                    );
                }
                _ => {}
            }
        }
        let _ =
            (self.conn.debug_data(), self.conn.peer_settings(), self.conn.open_streams(), self.conn.waiting_requests());
    }

    fn write_output(&mut self, max: usize) {
        self.out.bytes.clear();
        self.out.segments.clear();
        self.conn.write_output(&mut self.out, max);
        // Rebuild the wire bytes: DATA payloads are the application's (zeros here).
        let mut wire = Vec::with_capacity(self.out.bytes.len());
        let mut at = 0usize;
        for seg in &self.out.segments {
            match *seg {
                Segment::Bytes { len } => {
                    let end = at + len as usize;
                    assert!(end <= self.out.bytes.len(), "Bytes segments exceed Output::bytes");
                    wire.extend_from_slice(&self.out.bytes[at..end]);
                    at = end;
                }
                Segment::Data { stream_id, len } => {
                    let sent = self.sent.entry(stream_id).or_default();
                    *sent += u64::from(len);
                    let queued = self.queued.get(&stream_id).copied().unwrap_or(0);
                    assert!(*sent <= queued, "stream {stream_id}: {sent} DATA bytes written, {queued} queued");
                    wire.resize(wire.len() + len as usize, 0);
                }
            }
        }
        assert_eq!(at, self.out.bytes.len(), "Bytes segments do not cover Output::bytes");
        self.check_wire(&wire);
    }

    /// The client's output, as a server would parse it.
    fn check_wire(&mut self, mut wire: &[u8]) {
        if self.preface_left > 0 && !wire.is_empty() {
            let n = self.preface_left.min(wire.len());
            let done = CLIENT_PREFACE.len() - self.preface_left;
            assert_eq!(&wire[..n], &CLIENT_PREFACE[done..done + n], "the client did not start with the preface");
            self.preface_left -= n;
            wire = &wire[n..];
        }
        let mut pos = 0;
        loop {
            match self.peer_frames.decode(wire, &mut pos) {
                Ok(None) => break,
                Ok(Some(Item::Frame(f))) => match f {
                    Frame::Headers { stream_id, fragment, end_headers, .. } => {
                        assert!(stream_id % 2 == 1, "client HEADERS on even stream {stream_id}");
                        header_block(&mut self.peer_block, &mut self.peer_hpack, fragment, end_headers);
                    }
                    Frame::Continuation { fragment, end_headers, .. } => {
                        header_block(&mut self.peer_block, &mut self.peer_hpack, fragment, end_headers)
                    }
                    Frame::PushPromise { .. } => panic!("client sent PUSH_PROMISE"),
                    _ => {}
                },
                Ok(Some(_)) => {}
                Err(e) => panic!("client output is not valid HTTP/2: {e}"),
            }
        }
    }

    fn response(&mut self, stream_id: u32, status: u16, extra: &Fields, end_stream: bool, body: Option<&[u8]>) {
        let status = status.to_string();
        let mut fields = vec![HeaderField::new(b":status", status.as_bytes())];
        fields.extend(extra.iter().map(|(n, v)| HeaderField::new(n, v)));
        let mut block = Vec::new();
        self.server_hpack.encode(fields, &mut block);
        let mut wire = Vec::new();
        frame::write_headers(&mut wire, stream_id, &block, end_stream && body.is_none(), 16_384);
        if let Some(b) = body {
            for (i, chunk) in b.chunks(16_384).enumerate() {
                let last = (i + 1) * 16_384 >= b.len();
                frame::write_data(&mut wire, stream_id, chunk, end_stream && last, None);
            }
            if b.is_empty() {
                frame::write_data(&mut wire, stream_id, b"", end_stream, None);
            }
        }
        self.receive(&wire);
    }

    fn run(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Receive { data, cuts } => {
                let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c as usize % (data.len() + 1)).collect();
                cuts.sort_unstable();
                let mut from = 0;
                for to in cuts.into_iter().chain(std::iter::once(data.len())) {
                    self.receive(&data[from..to]);
                    from = to;
                }
            }
            Cmd::ReceiveFrame { kind, flags, stream, payload } => {
                let mut wire = Vec::new();
                let len = payload.len() as u32;
                FrameHeader { length: len, kind, flags, stream_id: self.id(stream) }.write(&mut wire);
                wire.extend_from_slice(&payload);
                self.receive(&wire);
            }
            Cmd::ReceiveResponse { stream, status, extra, end_stream, body } => {
                let id = self.id(stream);
                self.response(id, status, &extra, end_stream, body.as_deref());
            }
            Cmd::Request { extra, standard, end_stream } => {
                let mut f: Vec<(&[u8], &[u8])> = Vec::new();
                if standard {
                    f.extend([
                        (&b":method"[..], &b"POST"[..]),
                        (b":scheme", b"https"),
                        (b":path", b"/"),
                        (b":authority", b"x"),
                    ]);
                }
                f.extend(extra.iter().map(|(n, v)| (&n[..], &v[..])));
                if let Ok(id) = self.conn.request(&f, end_stream) {
                    self.opened.push(id);
                }
            }
            Cmd::SendData { stream, len, end_stream } => {
                let id = self.id(stream);
                if self.conn.send_data(id, u32::from(len), end_stream).is_ok() {
                    *self.queued.entry(id).or_default() += u64::from(len);
                }
            }
            Cmd::SendTrailers { stream, fields } => {
                let f: Vec<(&[u8], &[u8])> = fields.iter().map(|(n, v)| (&n[..], &v[..])).collect();
                let _ = self.conn.send_trailers(self.id(stream), &f);
            }
            Cmd::ResetStream { stream, code } => {
                let _ = self.conn.reset_stream(self.id(stream), ErrorCode(code));
            }
            Cmd::Consumed { stream, n } => {
                let _ = self.conn.consumed(self.id(stream), n);
            }
            Cmd::Ping(data) => {
                let _ = self.conn.ping(data);
            }
            Cmd::Close => self.conn.close(),
            Cmd::Abort(code) => self.conn.abort(ErrorCode(code)),
            Cmd::Tick { advance_ms } => {
                self.now += u64::from(advance_ms);
                self.conn.tick(self.now);
                let _ = self.conn.next_deadline();
            }
            Cmd::WriteOutput { max_bytes } => self.write_output(max_bytes as usize),
        }
        self.drain(&[]);
        let _ = (self.conn.wants_write(), self.conn.is_closed(), self.conn.is_going_away());
    }
}

/// One HEADERS/CONTINUATION fragment of the client's; a complete block must decode.
fn header_block(block: &mut Vec<u8>, hpack: &mut Decoder, fragment: &[u8], end_headers: bool) {
    block.extend_from_slice(fragment);
    if end_headers {
        let limits = DecodeLimits { max_list_size: usize::MAX, max_fields: usize::MAX };
        let r = hpack.decode(block, &limits, &mut |_| {});
        assert!(r.is_ok(), "client header block does not decode: {r:?} {block:02x?}");
        block.clear();
    }
}

fuzz_target!(|data: &[u8]| {
    let n = data.get(..2).map_or(0, |b| u16::from_le_bytes([b[0], b[1]]) as usize);
    let rest = data.get(2..).unwrap_or(&[]);
    let (raw, rest) = rest.split_at(n.min(rest.len()));
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(rest)) else { return };
    let cfg = ClientConfig {
        max_response_body_bytes: u64::from(input.max_response_body_bytes),
        response_timeout_ms: u64::from(input.response_timeout_ms),
        keepalive_ms: u64::from(input.keepalive_ms),
        ..ClientConfig::default()
    };
    let mut h = Harness {
        conn: ClientConnection::new(cfg, 0),
        now: 0,
        opened: Vec::new(),
        queued: HashMap::new(),
        sent: HashMap::new(),
        server_hpack: Encoder::new(),
        out: Output::default(),
        preface_left: CLIENT_PREFACE.len(),
        peer_frames: FrameDecoder::new(frame::MAX_MAX_FRAME_SIZE),
        peer_hpack: Decoder::new(4096),
        peer_block: Vec::new(),
    };
    if input.settings {
        let mut wire = Vec::new();
        frame::write_settings(&mut wire, false, &[]);
        frame::write_settings(&mut wire, true, &[]);
        h.receive(&wire);
    }
    if !raw.is_empty() {
        h.receive(raw);
    }
    for cmd in input.cmds.into_iter().take(200) {
        h.run(cmd);
    }
    h.write_output(usize::MAX);
});
