//! The whole `Connection` driven by arbitrary peer bytes (split arbitrarily)
//! interleaved with arbitrary application commands and time steps.
//!
//! Input layout: [n: u16 LE][n raw peer bytes][`Input` via `arbitrary`]. The
//! raw prefix (fed first, after the optional preface) lets hand-made seeds be
//! plain client byte streams. Helpers let the fuzzer get past the preface and
//! HPACK quickly: `preface`
//! sends the client preface + SETTINGS, `ReceiveRequest` HPACK-encodes a
//! request with a client-side encoder, `ReceiveFrame` frames an arbitrary payload.
//!
//! Oracles beyond "no panic":
//! - event byte ranges lie inside the input they refer to; field indices resolve;
//! - `Output` segments add up to `Output::bytes`, and no stream ever has more
//!   DATA written than the application queued on it;
//! - everything the server writes parses as frames (a client-side
//!   `FrameDecoder`) and its header blocks decode (a client-side HPACK `Decoder`).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use h2wasm::connection::{Config, Connection, Event, Output};
use h2wasm::frame::{self, Frame};
use h2wasm::hpack::{Encoder, HeaderField};
use h2wasm::ErrorCode;
use libfuzzer_sys::fuzz_target;

mod peer;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum StreamRef {
    /// The n-th stream id seen in a Request event (mod the count).
    Seen(u8),
    /// Client stream 2n+1.
    Client(u8),
    Raw(u32),
}

type Fields = Vec<(Vec<u8>, Vec<u8>)>;

#[derive(Arbitrary, Debug)]
enum Cmd {
    Receive { data: Vec<u8>, cuts: Vec<u16> },
    ReceiveFrame { kind: u8, flags: u8, stream: StreamRef, payload: Vec<u8> },
    ReceiveRequest { stream: StreamRef, extra: Fields, standard: bool, end_stream: bool, body: Option<Vec<u8>> },
    SendHeaders { stream: StreamRef, status: u16, fields: Fields, end_stream: bool },
    SendInformational { stream: StreamRef, status: u16, fields: Fields },
    SendData { stream: StreamRef, len: u16, end_stream: bool },
    SendTrailers { stream: StreamRef, fields: Fields },
    ResetStream { stream: StreamRef, code: u32 },
    Consumed { stream: StreamRef, n: u32 },
    Ping([u8; 8]),
    Shutdown,
    Abort(u32),
    Tick { advance_ms: u32 },
    WriteOutput { max_bytes: u16 },
}

#[derive(Arbitrary, Debug)]
struct Input {
    preface: bool,
    cmds: Vec<Cmd>,
}

struct Harness {
    conn: Connection,
    now: u64,
    seen: Vec<u32>,
    client_hpack: Encoder,
    out: Output,
    /// The client reading the server's output.
    peer: peer::Reader,
}

impl Harness {
    fn id(&self, r: StreamRef) -> u32 {
        match r {
            StreamRef::Seen(i) if !self.seen.is_empty() => self.seen[i as usize % self.seen.len()],
            StreamRef::Seen(i) | StreamRef::Client(i) => 2 * u32::from(i) + 1,
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
                Event::Request { stream_id, fields, .. } => {
                    self.seen.push(stream_id);
                    for i in fields {
                        let _ = self.conn.field(i);
                    }
                }
                Event::Trailers { fields, .. } => {
                    for i in fields {
                        let _ = self.conn.field(i);
                    }
                }
                Event::Data { start, end, .. } => {
                    assert!(
                        start <= end && end as usize <= input.len(),
                        "Data range {start}..{end} outside input of {}",
                        input.len()
                    );
                }
                _ => {}
            }
        }
        let _ = self.conn.debug_data();
    }

    fn write_output(&mut self, max: usize) {
        self.out.bytes.clear();
        self.out.segments.clear();
        self.conn.write_output(&mut self.out, max);
        let wire = self.peer.wire(&self.out);
        self.peer.read(&wire, |f| assert!(!matches!(f, Frame::PushPromise { .. }), "server sent PUSH_PROMISE"));
    }

    fn request(&mut self, stream_id: u32, extra: &Fields, standard: bool, end_stream: bool, body: Option<&[u8]>) {
        let mut fields: Vec<HeaderField<'_>> = Vec::new();
        if standard {
            for (n, v) in
                [(&b":method"[..], &b"POST"[..]), (b":scheme", b"https"), (b":path", b"/"), (b":authority", b"x")]
            {
                fields.push(HeaderField::new(n, v));
            }
        }
        fields.extend(extra.iter().map(|(n, v)| HeaderField::new(n, v)));
        let wire = peer::message(&mut self.client_hpack, stream_id, fields, end_stream, body);
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
            Cmd::ReceiveRequest { stream, extra, standard, end_stream, body } => {
                let id = self.id(stream);
                self.request(id, &extra, standard, end_stream, body.as_deref());
            }
            Cmd::SendHeaders { stream, status, fields, end_stream } => {
                let f: Vec<(&[u8], &[u8])> = fields.iter().map(|(n, v)| (&n[..], &v[..])).collect();
                let _ = self.conn.send_headers(self.id(stream), status, &f, end_stream);
            }
            Cmd::SendInformational { stream, status, fields } => {
                let f: Vec<(&[u8], &[u8])> = fields.iter().map(|(n, v)| (&n[..], &v[..])).collect();
                let _ = self.conn.send_informational(self.id(stream), status, &f);
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
            Cmd::Shutdown => self.conn.shutdown(),
            Cmd::Abort(code) => self.conn.abort(ErrorCode(code)),
            Cmd::Tick { advance_ms } => {
                self.now += u64::from(advance_ms);
                self.conn.tick(self.now);
                let _ = self.conn.next_deadline();
            }
            Cmd::WriteOutput { max_bytes } => self.write_output(max_bytes as usize),
        }
        self.drain(&[]);
        let _ = (self.conn.wants_write(), self.conn.is_closed());
    }
}

fuzz_target!(|data: &[u8]| {
    let n = data.get(..2).map_or(0, |b| u16::from_le_bytes([b[0], b[1]]) as usize);
    let rest = data.get(2..).unwrap_or(&[]);
    let (raw, rest) = rest.split_at(n.min(rest.len()));
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(rest)) else { return };
    let mut h = Harness {
        conn: Connection::new(Config::default(), 0),
        now: 0,
        seen: Vec::new(),
        client_hpack: Encoder::new(),
        out: Output::default(),
        peer: peer::Reader::new("server", b""),
    };
    if input.preface {
        let mut wire = frame::CONNECTION_PREFACE.to_vec();
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
