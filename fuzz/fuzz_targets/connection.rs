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
use h2wasm::connection::{Config, Connection, Event, Output, Segment};
use h2wasm::frame::{self, Frame, FrameDecoder, FrameHeader, Item};
use h2wasm::hpack::{DecodeLimits, Decoder, Encoder, HeaderField};
use h2wasm::ErrorCode;
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

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
    queued: HashMap<u32, u64>,
    sent: HashMap<u32, u64>,
    client_hpack: Encoder,
    out: Output,
    // Client side of the server's output.
    peer_frames: FrameDecoder,
    peer_hpack: Decoder,
    peer_block: Vec<u8>,
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

    /// The server's output, as a client would parse it.
    fn check_wire(&mut self, wire: &[u8]) {
        let mut pos = 0;
        loop {
            match self.peer_frames.decode(wire, &mut pos) {
                Ok(None) => break,
                Ok(Some(Item::Frame(f))) => match f {
                    Frame::Headers { fragment, end_headers, .. }
                    | Frame::Continuation { fragment, end_headers, .. } => {
                        self.peer_block.extend_from_slice(fragment);
                        if end_headers {
                            let limits = DecodeLimits { max_list_size: usize::MAX, max_fields: usize::MAX };
                            let r = self.peer_hpack.decode(&self.peer_block, &limits, &mut |_| {});
                            assert!(r.is_ok(), "server header block does not decode: {r:?} {:02x?}", self.peer_block);
                            self.peer_block.clear();
                        }
                    }
                    Frame::PushPromise { .. } => panic!("server sent PUSH_PROMISE"),
                    _ => {}
                },
                Ok(Some(_)) => {}
                Err(e) => panic!("server output is not valid HTTP/2: {e}"),
            }
        }
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
        let mut block = Vec::new();
        self.client_hpack.encode(fields, &mut block);
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
        queued: HashMap::new(),
        sent: HashMap::new(),
        client_hpack: Encoder::new(),
        out: Output::default(),
        peer_frames: FrameDecoder::new(frame::MAX_MAX_FRAME_SIZE),
        peer_hpack: Decoder::new(4096),
        peer_block: Vec::new(),
    };
    if input.preface {
        let mut wire = PREFACE.to_vec();
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
