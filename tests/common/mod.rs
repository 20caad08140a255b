//! Test client for the engine: builds client frames with h2wasm's own frame
//! encoders and HPACK encoder, feeds them to a `Connection`, resolves events
//! into owned values, and turns `write_output` (frame bytes + "N bytes of
//! stream S" segments) back into wire bytes with an `OutputAssembler`, then
//! parses those into frames with response headers decoded.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};

use h2wasm::connection::{Config, Connection, Event, Output, Segment};
use h2wasm::frame::{self, Frame};
use h2wasm::hpack::{self, DecodeLimits, HeaderField};
use h2wasm::ErrorCode;

pub const PREFACE: &[u8] = h2wasm::frame::CONNECTION_PREFACE;

/// An event with its byte ranges resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    Request { id: u32, fields: Vec<(String, String)>, end: bool },
    Trailers { id: u32, fields: Vec<(String, String)> },
    Data { id: u32, data: Vec<u8> },
    End(u32),
    Reset { id: u32, code: ErrorCode, remote: bool, unsent: u64 },
    SendReady(u32),
    SendBlocked(u32),
    StreamClosed(u32),
    Rejected { id: u32, status: u16, reason: &'static str },
    Settings,
    PingAck([u8; 8]),
    GoAway { last: u32, code: ErrorCode },
    Error { code: ErrorCode, reason: &'static str, remote: bool },
    Closed,
    Expired { id: u32, reason: &'static str },
}

/// A frame the server wrote, CONTINUATIONs folded into their HEADERS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SFrame {
    Settings { ack: bool, params: Vec<(u16, u32)> },
    Headers { id: u32, end: bool, fields: Vec<(String, String)> },
    Data { id: u32, data: Vec<u8>, end: bool },
    Rst { id: u32, code: ErrorCode },
    Ping { ack: bool, data: [u8; 8] },
    GoAway { last: u32, code: ErrorCode, debug: Vec<u8> },
    WindowUpdate { id: u32, inc: u32 },
    Other { kind: u8 },
}

/// Keeps the bytes the "application" queued per stream and assembles output.
#[derive(Default)]
pub struct OutputAssembler {
    queues: HashMap<u32, VecDeque<u8>>,
}

impl OutputAssembler {
    pub fn queue(&mut self, id: u32, data: &[u8]) {
        self.queues.entry(id).or_default().extend(data.iter().copied());
    }

    pub fn drop_stream(&mut self, id: u32) -> usize {
        self.queues.remove(&id).map_or(0, |q| q.len())
    }

    pub fn queued(&self, id: u32) -> usize {
        self.queues.get(&id).map_or(0, |q| q.len())
    }

    pub fn assemble(&mut self, out: &Output) -> Vec<u8> {
        let mut wire = Vec::new();
        let mut pos = 0usize;
        for seg in &out.segments {
            match *seg {
                Segment::Bytes { len } => {
                    wire.extend_from_slice(&out.bytes[pos..pos + len as usize]);
                    pos += len as usize;
                }
                Segment::Data { stream_id, len } => {
                    let q = self.queues.get_mut(&stream_id).expect("segment for a stream with no queue");
                    assert!(q.len() >= len as usize, "segment longer than queued bytes");
                    wire.extend(q.drain(..len as usize));
                }
            }
        }
        assert_eq!(pos, out.bytes.len(), "all Output bytes covered by segments");
        wire
    }
}

/// Parses the server's byte stream into frames (incrementally).
pub struct FrameReader {
    buf: Vec<u8>,
    dec: hpack::Decoder,
    block: Option<(u32, bool, Vec<u8>)>,
}

impl Default for FrameReader {
    fn default() -> Self {
        FrameReader { buf: Vec::new(), dec: hpack::Decoder::new(4096), block: None }
    }
}

impl FrameReader {
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SFrame> {
        self.buf.extend_from_slice(bytes);
        let mut frames = Vec::new();
        loop {
            if self.buf.len() < 9 {
                break;
            }
            let len = u32::from_be_bytes([0, self.buf[0], self.buf[1], self.buf[2]]) as usize;
            if self.buf.len() < 9 + len {
                break;
            }
            let kind = self.buf[3];
            let flags = self.buf[4];
            let id = u32::from_be_bytes([self.buf[5], self.buf[6], self.buf[7], self.buf[8]]) & 0x7fff_ffff;
            let payload: Vec<u8> = self.buf[9..9 + len].to_vec();
            self.buf.drain(..9 + len);
            if let Some(f) = self.parse(kind, flags, id, payload) {
                frames.push(f);
            }
        }
        frames
    }

    fn parse(&mut self, kind: u8, flags: u8, id: u32, p: Vec<u8>) -> Option<SFrame> {
        let u32at = |i: usize| u32::from_be_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]]);
        Some(match kind {
            0 => {
                assert_eq!(flags & 0x8, 0, "server never pads");
                SFrame::Data { id, data: p.clone(), end: flags & 1 != 0 }
            }
            1 | 9 => {
                let (sid, end, mut block) = if kind == 1 {
                    assert!(self.block.is_none(), "HEADERS inside a header block");
                    (id, flags & 1 != 0, Vec::new())
                } else {
                    let b = self.block.take().expect("CONTINUATION without HEADERS");
                    assert_eq!(b.0, id);
                    b
                };
                block.extend_from_slice(&p);
                if flags & 4 == 0 {
                    self.block = Some((sid, end, block));
                    return None;
                }
                let mut fields = Vec::new();
                let limits = DecodeLimits { max_list_size: 1 << 20, max_fields: 1000 };
                self.dec
                    .decode(&block, &limits, &mut |f: HeaderField<'_>| {
                        fields.push((
                            String::from_utf8_lossy(f.name).into_owned(),
                            String::from_utf8_lossy(f.value).into_owned(),
                        ))
                    })
                    .expect("server HPACK decodes");
                SFrame::Headers { id: sid, end, fields }
            }
            3 => SFrame::Rst { id, code: ErrorCode(u32at(0)) },
            4 => SFrame::Settings {
                ack: flags & 1 != 0,
                params: p
                    .chunks(6)
                    .map(|c| (u16::from_be_bytes([c[0], c[1]]), u32::from_be_bytes([c[2], c[3], c[4], c[5]])))
                    .collect(),
            },
            6 => SFrame::Ping { ack: flags & 1 != 0, data: p[..8].try_into().unwrap() },
            7 => SFrame::GoAway { last: u32at(0) & 0x7fff_ffff, code: ErrorCode(u32at(4)), debug: p[8..].to_vec() },
            8 => SFrame::WindowUpdate { id, inc: u32at(0) & 0x7fff_ffff },
            k => SFrame::Other { kind: k },
        })
    }
}

/// Client frame builders.
pub mod build {
    use super::*;

    pub fn settings(params: &[(u16, u32)]) -> Vec<u8> {
        let mut v = Vec::new();
        frame::write_settings(&mut v, false, params);
        v
    }

    pub fn settings_ack() -> Vec<u8> {
        let mut v = Vec::new();
        frame::write_settings(&mut v, true, &[]);
        v
    }

    pub fn data(id: u32, payload: &[u8], end: bool) -> Vec<u8> {
        let mut v = Vec::new();
        frame::write_data_header(&mut v, id, payload.len() as u32, end);
        v.extend_from_slice(payload);
        v
    }

    /// DATA with `pad` bytes of padding (plus the pad-length byte).
    pub fn data_padded(id: u32, payload: &[u8], pad: u8, end: bool) -> Vec<u8> {
        let len = payload.len() + 1 + pad as usize;
        let mut v = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, 0, 0x8 | u8::from(end)];
        v.extend_from_slice(&id.to_be_bytes());
        v.push(pad);
        v.extend_from_slice(payload);
        v.extend(std::iter::repeat(0u8).take(pad as usize));
        v
    }

    pub fn rst(id: u32, code: ErrorCode) -> Vec<u8> {
        let mut v = Vec::new();
        frame::write_rst_stream(&mut v, id, code);
        v
    }

    pub fn ping(data: [u8; 8]) -> Vec<u8> {
        let mut v = Vec::new();
        frame::write_ping(&mut v, false, data);
        v
    }

    pub fn ping_ack(data: [u8; 8]) -> Vec<u8> {
        let mut v = Vec::new();
        frame::write_ping(&mut v, true, data);
        v
    }

    pub fn goaway(last: u32, code: ErrorCode) -> Vec<u8> {
        let mut v = Vec::new();
        frame::write_goaway(&mut v, last, code, b"bye");
        v
    }

    pub fn window_update(id: u32, inc: u32) -> Vec<u8> {
        let mut v = Vec::new();
        frame::write_window_update(&mut v, id, inc);
        v
    }

    pub fn raw(kind: u8, flags: u8, id: u32, payload: &[u8]) -> Vec<u8> {
        let len = payload.len();
        let mut v = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
        v.extend_from_slice(&id.to_be_bytes());
        v.extend_from_slice(payload);
        v
    }

    pub fn frame(f: &Frame<'_>) -> Vec<u8> {
        let mut v = Vec::new();
        f.encode(&mut v, None);
        v
    }
}

/// GET request fields.
pub fn get(path: &str) -> Vec<(String, String)> {
    vec![
        (":method".into(), "GET".into()),
        (":scheme".into(), "https".into()),
        (":path".into(), path.into()),
        (":authority".into(), "example.com".into()),
    ]
}

pub fn post(path: &str) -> Vec<(String, String)> {
    let mut f = get(path);
    f[0].1 = "POST".into();
    f
}

pub fn fields(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
}

/// A client talking to one server `Connection`, plus the application's body queues.
pub struct Client {
    pub conn: Connection,
    pub now: u64,
    pub enc: hpack::Encoder,
    pub app: OutputAssembler,
    pub reader: FrameReader,
}

impl Client {
    /// Connection created, nothing sent yet.
    pub fn raw(config: Config) -> Self {
        Client {
            conn: Connection::new(config, 0),
            now: 0,
            enc: hpack::Encoder::new(),
            app: OutputAssembler::default(),
            reader: FrameReader::default(),
        }
    }

    /// Preface + empty SETTINGS sent, server's first flight read and
    /// checked, our SETTINGS ACKed.
    pub fn new() -> Self {
        Self::with_config(Config::default())
    }

    pub fn with_config(config: Config) -> Self {
        Self::with_settings(config, &[])
    }

    pub fn with_settings(config: Config, params: &[(u16, u32)]) -> Self {
        let mut c = Self::raw(config);
        let mut hello = PREFACE.to_vec();
        hello.extend(build::settings(params));
        let ev = c.feed(&hello);
        assert_eq!(ev, vec![Ev::Settings]);
        let frames = c.flush();
        assert!(matches!(frames[0], SFrame::Settings { ack: false, .. }), "{frames:?}");
        assert!(frames.contains(&SFrame::Settings { ack: true, params: vec![] }), "{frames:?}");
        let ev = c.feed(&build::settings_ack());
        assert_eq!(ev, vec![]);
        c
    }

    pub fn resolve(&self, e: Event) -> Ev {
        let fl = |r: std::ops::Range<u32>| -> Vec<(String, String)> {
            r.map(|i| {
                let (n, v) = self.conn.field(i);
                (String::from_utf8_lossy(n).into_owned(), String::from_utf8_lossy(v).into_owned())
            })
            .collect()
        };
        match e {
            Event::Request { stream_id, fields, end_stream } => {
                Ev::Request { id: stream_id, fields: fl(fields), end: end_stream }
            }
            Event::Trailers { stream_id, fields } => Ev::Trailers { id: stream_id, fields: fl(fields) },
            Event::Data { stream_id, .. } => Ev::Data { id: stream_id, data: vec![] },
            Event::End { stream_id } => Ev::End(stream_id),
            Event::Reset { stream_id, code, remote, unsent } => Ev::Reset { id: stream_id, code, remote, unsent },
            Event::SendReady { stream_id } => Ev::SendReady(stream_id),
            Event::SendBlocked { stream_id } => Ev::SendBlocked(stream_id),
            Event::StreamClosed { stream_id } => Ev::StreamClosed(stream_id),
            Event::Rejected { stream_id, status, reason } => Ev::Rejected { id: stream_id, status, reason },
            Event::Settings => Ev::Settings,
            Event::PingAck { data } => Ev::PingAck(data),
            Event::GoAway { last_stream_id, code } => Ev::GoAway { last: last_stream_id, code },
            Event::Error { code, reason, remote } => Ev::Error { code, reason, remote },
            Event::Closed => Ev::Closed,
            Event::Expired { stream_id, reason } => Ev::Expired { id: stream_id, reason },
        }
    }

    /// Feed bytes whole; consecutive Data events of a stream are merged.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Ev> {
        self.conn.receive(bytes, self.now);
        let mut out = Vec::new();
        while let Some(e) = self.conn.poll_event() {
            let ev = match e {
                Event::Data { stream_id, start, end } => {
                    Ev::Data { id: stream_id, data: bytes[start as usize..end as usize].to_vec() }
                }
                e => self.resolve(e),
            };
            push_merged(&mut out, ev);
        }
        out
    }

    /// Feed bytes in the given chunk sizes (the rest in one chunk).
    pub fn feed_split(&mut self, bytes: &[u8], sizes: impl IntoIterator<Item = usize>) -> Vec<Ev> {
        let mut out = Vec::new();
        let mut pos = 0;
        for n in sizes {
            if pos >= bytes.len() {
                break;
            }
            let end = (pos + n).min(bytes.len());
            for e in self.feed(&bytes[pos..end]) {
                push_merged(&mut out, e);
            }
            pos = end;
        }
        if pos < bytes.len() {
            for e in self.feed(&bytes[pos..]) {
                push_merged(&mut out, e);
            }
        }
        out
    }

    /// Events produced by commands/timers (no input).
    pub fn events(&mut self) -> Vec<Ev> {
        let mut out = Vec::new();
        while let Some(e) = self.conn.poll_event() {
            let ev = self.resolve(e);
            push_merged(&mut out, ev);
        }
        out
    }

    pub fn flush_max(&mut self, max_bytes: usize) -> Vec<SFrame> {
        let mut out = Output::new();
        self.conn.write_output(&mut out, max_bytes);
        let wire = self.app.assemble(&out);
        self.reader.push(&wire)
    }

    pub fn flush(&mut self) -> Vec<SFrame> {
        self.flush_max(usize::MAX)
    }

    pub fn tick(&mut self, now: u64) -> Vec<Ev> {
        self.now = now;
        self.conn.tick(now);
        self.events()
    }

    // ---- client frames ----

    pub fn headers_bytes(&mut self, id: u32, f: &[(String, String)], end: bool) -> Vec<u8> {
        let mut block = Vec::new();
        self.enc.encode(
            f.iter().map(|(n, v)| HeaderField { name: n.as_bytes(), value: v.as_bytes(), sensitive: false }),
            &mut block,
        );
        let mut v = Vec::new();
        frame::write_headers(&mut v, id, &block, end, 16_384);
        v
    }

    /// Encoded header block only (for hand-made HEADERS/CONTINUATION).
    pub fn block(&mut self, f: &[(String, String)]) -> Vec<u8> {
        let mut block = Vec::new();
        self.enc.encode(
            f.iter().map(|(n, v)| HeaderField { name: n.as_bytes(), value: v.as_bytes(), sensitive: false }),
            &mut block,
        );
        block
    }

    pub fn request(&mut self, id: u32, f: &[(String, String)], end: bool) -> Vec<Ev> {
        let b = self.headers_bytes(id, f, end);
        self.feed(&b)
    }

    // ---- application side ----

    pub fn respond(&mut self, id: u32, status: u16, body: &[u8], end: bool) {
        self.conn.send_headers(id, status, &[], body.is_empty() && end).unwrap();
        if !body.is_empty() || !end {
            self.write(id, body, end);
        }
    }

    pub fn write(&mut self, id: u32, body: &[u8], end: bool) {
        self.app.queue(id, body);
        self.conn.send_data(id, body.len() as u32, end).unwrap();
    }
}

fn push_merged(out: &mut Vec<Ev>, e: Ev) {
    if let (Some(Ev::Data { id: a, data }), Ev::Data { id: b, data: more }) = (out.last_mut(), &e) {
        if *a == *b {
            data.extend_from_slice(more);
            return;
        }
    }
    out.push(e);
}

/// Only the frames of one kind, for concise asserts.
pub fn goaways(frames: &[SFrame]) -> Vec<(u32, ErrorCode)> {
    frames
        .iter()
        .filter_map(|f| match f {
            SFrame::GoAway { last, code, .. } => Some((*last, *code)),
            _ => None,
        })
        .collect()
}

pub fn rsts(frames: &[SFrame]) -> Vec<(u32, ErrorCode)> {
    frames
        .iter()
        .filter_map(|f| match f {
            SFrame::Rst { id, code } => Some((*id, *code)),
            _ => None,
        })
        .collect()
}

pub fn window_updates(frames: &[SFrame]) -> Vec<(u32, u32)> {
    frames
        .iter()
        .filter_map(|f| match f {
            SFrame::WindowUpdate { id, inc } => Some((*id, *inc)),
            _ => None,
        })
        .collect()
}

pub fn data_frames(frames: &[SFrame]) -> Vec<(u32, Vec<u8>, bool)> {
    frames
        .iter()
        .filter_map(|f| match f {
            SFrame::Data { id, data, end } => Some((*id, data.clone(), *end)),
            _ => None,
        })
        .collect()
}
