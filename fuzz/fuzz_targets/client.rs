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
use h2wasm::connection::Output;
use h2wasm::frame::{self, Frame};
use h2wasm::hpack::{Encoder, HeaderField};
use h2wasm::ErrorCode;
use libfuzzer_sys::fuzz_target;

mod peer;

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
    server_hpack: Encoder,
    out: Output,
    /// The server reading the client's output.
    peer: peer::Reader,
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
        let wire = self.peer.wire(&self.out);
        self.peer.read(&wire, |f| match f {
            Frame::Headers { stream_id, .. } => {
                assert!(stream_id % 2 == 1, "client HEADERS on even stream {stream_id}")
            }
            Frame::PushPromise { .. } => panic!("client sent PUSH_PROMISE"),
            _ => {}
        });
    }

    fn response(&mut self, stream_id: u32, status: u16, extra: &Fields, end_stream: bool, body: Option<&[u8]>) {
        let status = status.to_string();
        let mut fields = vec![HeaderField::new(b":status", status.as_bytes())];
        fields.extend(extra.iter().map(|(n, v)| HeaderField::new(n, v)));
        let wire = peer::message(&mut self.server_hpack, stream_id, fields, end_stream, body);
        self.receive(&wire);
    }

    fn run(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Receive { data, cuts } => {
                for piece in peer::pieces(&data, &cuts) {
                    self.receive(piece);
                }
            }
            Cmd::ReceiveFrame { kind, flags, stream, payload } => {
                let wire = peer::raw_frame(kind, flags, self.id(stream), &payload);
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
                    *self.peer.queued.entry(id).or_default() += u64::from(len);
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
        server_hpack: Encoder::new(),
        out: Output::default(),
        peer: peer::Reader::new("client", CLIENT_PREFACE),
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
