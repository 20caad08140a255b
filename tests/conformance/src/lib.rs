//! Raw-frame HTTP/2 client for conformance and attack tests.
//!
//! The server under test is `node tests/conformance/server.js` (our npm
//! package's JS API over the wasm engine), spawned per test module or per
//! test on 127.0.0.1 port 0. The client speaks HTTP/2 over a plain
//! `std::net::TcpStream` with a timeout on every read, so no test can hang.
//!
//! Frames are built and parsed here with a deliberately independent minimal
//! codec (9-byte header + payload): malformed frames (wrong lengths, bad
//! padding, reserved bits) must be expressible, and reading the server's
//! output with the server's own frame decoder would let a codec bug agree
//! with itself. HPACK uses h2wasm's encoder/decoder (hand-made bytes for
//! malformed blocks).

use h2wasm::hpack::{DecodeLimits, Decoder, Encoder, HeaderField};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// RFC 9113 §7 error codes.
pub mod code {
    pub const NO_ERROR: u32 = 0x0;
    pub const PROTOCOL_ERROR: u32 = 0x1;
    pub const INTERNAL_ERROR: u32 = 0x2;
    pub const FLOW_CONTROL_ERROR: u32 = 0x3;
    pub const SETTINGS_TIMEOUT: u32 = 0x4;
    pub const STREAM_CLOSED: u32 = 0x5;
    pub const FRAME_SIZE_ERROR: u32 = 0x6;
    pub const REFUSED_STREAM: u32 = 0x7;
    pub const CANCEL: u32 = 0x8;
    pub const COMPRESSION_ERROR: u32 = 0x9;
    pub const CONNECT_ERROR: u32 = 0xa;
    pub const ENHANCE_YOUR_CALM: u32 = 0xb;
}

pub fn code_name(c: u32) -> String {
    match h2wasm::ErrorCode(c).name() {
        Some(n) => n.to_string(),
        None => format!("0x{c:x}"),
    }
}

/// Frame types (RFC 9113 §6).
pub mod kind {
    pub const DATA: u8 = 0x0;
    pub const HEADERS: u8 = 0x1;
    pub const PRIORITY: u8 = 0x2;
    pub const RST_STREAM: u8 = 0x3;
    pub const SETTINGS: u8 = 0x4;
    pub const PUSH_PROMISE: u8 = 0x5;
    pub const PING: u8 = 0x6;
    pub const GOAWAY: u8 = 0x7;
    pub const WINDOW_UPDATE: u8 = 0x8;
    pub const CONTINUATION: u8 = 0x9;
}

pub mod flag {
    pub const END_STREAM: u8 = 0x1;
    pub const ACK: u8 = 0x1;
    pub const END_HEADERS: u8 = 0x4;
    pub const PADDED: u8 = 0x8;
    pub const PRIORITY: u8 = 0x20;
}

/// SETTINGS identifiers (§6.5.2).
pub mod setting {
    pub const HEADER_TABLE_SIZE: u16 = 0x1;
    pub const ENABLE_PUSH: u16 = 0x2;
    pub const MAX_CONCURRENT_STREAMS: u16 = 0x3;
    pub const INITIAL_WINDOW_SIZE: u16 = 0x4;
    pub const MAX_FRAME_SIZE: u16 = 0x5;
    pub const MAX_HEADER_LIST_SIZE: u16 = 0x6;
}

pub fn kind_name(k: u8) -> &'static str {
    match k {
        0 => "DATA",
        1 => "HEADERS",
        2 => "PRIORITY",
        3 => "RST_STREAM",
        4 => "SETTINGS",
        5 => "PUSH_PROMISE",
        6 => "PING",
        7 => "GOAWAY",
        8 => "WINDOW_UPDATE",
        9 => "CONTINUATION",
        _ => "UNKNOWN",
    }
}

// ---------------------------------------------------------------- frames out

/// Raw frame bytes: any length/type/flags/stream, the R bit as given.
pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    frame_with_len(payload.len() as u32, kind, flags, stream, payload)
}

/// A frame whose header claims `len` (which may differ from the payload).
pub fn frame_with_len(len: u32, kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(9 + payload.len());
    v.extend_from_slice(&len.to_be_bytes()[1..]);
    v.push(kind);
    v.push(flags);
    v.extend_from_slice(&stream.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// Padded payload: pad-length octet, `body`, `pad` zero octets.
pub fn padded(body: &[u8], pad: u8) -> Vec<u8> {
    let mut v = vec![pad];
    v.extend_from_slice(body);
    v.extend(std::iter::repeat_n(0u8, pad as usize));
    v
}

pub fn settings_payload(params: &[(u16, u32)]) -> Vec<u8> {
    let mut v = Vec::new();
    for (id, val) in params {
        v.extend_from_slice(&id.to_be_bytes());
        v.extend_from_slice(&val.to_be_bytes());
    }
    v
}

pub fn u32_payload(x: u32) -> Vec<u8> {
    x.to_be_bytes().to_vec()
}

/// PRIORITY payload / HEADERS priority prefix.
pub fn priority_payload(exclusive: bool, dep: u32, weight: u8) -> Vec<u8> {
    let d = if exclusive { dep | 0x8000_0000 } else { dep };
    let mut v = d.to_be_bytes().to_vec();
    v.push(weight);
    v
}

// ---------------------------------------------------------------- HPACK by hand

/// RFC 7541 §5.1 prefix integer.
pub fn hpack_int(value: usize, prefix_bits: u8, first: u8, out: &mut Vec<u8>) {
    let max = (1usize << prefix_bits) - 1;
    if value < max {
        out.push(first | value as u8);
        return;
    }
    out.push(first | max as u8);
    let mut v = value - max;
    while v >= 128 {
        out.push((v % 128) as u8 | 0x80);
        v /= 128;
    }
    out.push(v as u8);
}

/// Raw (non-Huffman) string literal.
pub fn hpack_str(s: &[u8], out: &mut Vec<u8>) {
    hpack_int(s.len(), 7, 0, out);
    out.extend_from_slice(s);
}

/// Literal without indexing, new name (§6.2.2): emitted verbatim, so names
/// and values the encoder might refuse (uppercase, NUL...) reach the server.
pub fn lit(name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut v = vec![0x00];
    hpack_str(name, &mut v);
    hpack_str(value, &mut v);
    v
}

/// Literal with incremental indexing, new name (§6.2.1).
pub fn lit_indexed(name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut v = vec![0x40];
    hpack_str(name, &mut v);
    hpack_str(value, &mut v);
    v
}

/// Indexed field (§6.1).
pub fn indexed(i: usize) -> Vec<u8> {
    let mut v = Vec::new();
    hpack_int(i, 7, 0x80, &mut v);
    v
}

/// Dynamic table size update (§6.3).
pub fn size_update(n: usize) -> Vec<u8> {
    let mut v = Vec::new();
    hpack_int(n, 5, 0x20, &mut v);
    v
}

/// A hand-made block of literal fields (no indexing, no Huffman).
pub fn block(fields: &[(&str, &str)]) -> Vec<u8> {
    fields.iter().flat_map(|(n, v)| lit(n.as_bytes(), v.as_bytes())).collect()
}

/// The four request pseudo-headers for `method path`.
pub fn req(method: &'static str, path: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![(":method", method), (":scheme", "http"), (":authority", "127.0.0.1"), (":path", path)]
}

pub fn get_block(path: &'static str) -> Vec<u8> {
    block(&req("GET", path))
}

// ---------------------------------------------------------------- frames in

#[derive(Clone, Debug)]
pub struct Frame {
    pub kind: u8,
    pub flags: u8,
    pub stream: u32,
    pub payload: Vec<u8>,
    /// Decoded header block, on the frame that ended it (END_HEADERS).
    pub headers: Option<Vec<(String, String)>>,
}

impl Frame {
    pub fn code(&self) -> u32 {
        match self.kind {
            kind::RST_STREAM => be32(&self.payload, 0),
            kind::GOAWAY => be32(&self.payload, 4),
            _ => u32::MAX,
        }
    }
    pub fn end_stream(&self) -> bool {
        matches!(self.kind, kind::DATA | kind::HEADERS) && self.flags & flag::END_STREAM != 0
    }
    pub fn describe(&self) -> String {
        match self.kind {
            kind::GOAWAY => format!(
                "GOAWAY(last={}, {}, debug={:?})",
                be32(&self.payload, 0) & 0x7fff_ffff,
                code_name(self.code()),
                String::from_utf8_lossy(self.payload.get(8..).unwrap_or(&[]))
            ),
            kind::RST_STREAM => format!("RST_STREAM(stream={}, {})", self.stream, code_name(self.code())),
            _ => format!(
                "{}(stream={}, flags=0x{:x}, len={})",
                kind_name(self.kind),
                self.stream,
                self.flags,
                self.payload.len()
            ),
        }
    }
}

pub fn be32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(s) => u32::from_be_bytes([s[0], s[1], s[2], s[3]]),
        None => u32::MAX,
    }
}

#[derive(Debug)]
pub enum Got {
    Frame(Frame),
    Closed,
    Timeout,
}

impl Got {
    pub fn describe(&self) -> String {
        match self {
            Got::Frame(f) => f.describe(),
            Got::Closed => "connection closed".into(),
            Got::Timeout => "timeout (nothing received)".into(),
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Response {
    pub status: u16,
    pub informational: Vec<u16>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub trailers: Option<Vec<(String, String)>>,
    pub reset: Option<u32>,
    pub done: bool,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

// ---------------------------------------------------------------- server

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One `node tests/conformance/server.js` process. Killed on drop; it also
/// exits by itself when its stdin closes (the test process ended), so a
/// static shared server never outlives the test binary.
pub struct Server {
    child: Child,
    _stdin: ChildStdin,
    pub port: u16,
    pub pid: u32,
}

impl Server {
    pub fn start() -> Server {
        Server::with_options("{}")
    }

    /// `options`: JSON handed to server.js (merged into the createServer options).
    pub fn with_options(options: &str) -> Server {
        let root = repo_root();
        let mut cmd = if std::env::var("H2WASM_CONF_SERVER").as_deref() == Ok("native") {
            // target/<profile>/deps/<test-binary> → target/<profile>/native_server
            let exe = std::env::current_exe().unwrap();
            let bin = exe.parent().and_then(|d| d.parent()).unwrap().join("native_server");
            assert!(bin.exists(), "{} missing: build with --features native", bin.display());
            Command::new(bin)
        } else {
            let wasm_dir = root.join("js/wasm");
            assert!(
                wasm_dir.is_dir(),
                "{} is missing: run scripts/build.sh first (the conformance suite runs against the built package)",
                wasm_dir.display()
            );
            let mut c = Command::new("node");
            c.arg(root.join("tests/conformance/server.js"));
            c
        };
        let mut child = cmd
            .env("H2WASM_CONF_OPTIONS", options)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn node tests/conformance/server.js");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            let mut sent = false;
            loop {
                line.clear();
                match r.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if !sent {
                            if let Some(p) = line.trim().strip_prefix("PORT ") {
                                let _ = tx.send(p.parse::<u16>().ok());
                                sent = true;
                            }
                        }
                    }
                }
            }
            if !sent {
                let _ = tx.send(None);
            }
        });
        let port = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Some(p)) => p,
            other => {
                let _ = child.kill();
                panic!("server.js did not print PORT <n> ({other:?})");
            }
        };
        let pid = child.id();
        Server { child, _stdin: stdin, port, pid }
    }

    /// The server for tests that need no special options, shared by every
    /// test of one test binary (each test opens its own connection).
    pub fn shared() -> &'static Server {
        static S: OnceLock<Server> = OnceLock::new();
        S.get_or_init(Server::start)
    }

    pub fn connect(&self) -> Conn {
        Conn::connect(self.port)
    }

    /// Resident set size of the server process in KiB (/proc/PID/status VmRSS).
    pub fn rss_kib(&self) -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        s.lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------- connection

pub struct Conn {
    pub sock: TcpStream,
    buf: Vec<u8>,
    pub enc: Encoder,
    pub dec: Decoder,
    /// The server's SETTINGS as received (first frame).
    pub server_settings: Vec<(u16, u32)>,
    /// Per-read timeout: how long "nothing arrives" takes to be a failure.
    pub timeout: Duration,
    /// Send WINDOW_UPDATEs for every DATA frame read (keeps responses flowing).
    pub auto_window: bool,
    /// Answer the server's SETTINGS with an ACK as they are read.
    pub auto_settings_ack: bool,
    pending_block: Option<(u32, Vec<u8>)>,
    pub write_failed: bool,
    ping_seq: u64,
    /// Every frame read so far (for diagnostics and for assertions like
    /// "no PUSH_PROMISE ever").
    pub seen: Vec<(u8, u8, u32, usize)>,
    /// Frames read while sending a flow-controlled body, replayed by next().
    stash: std::collections::VecDeque<Got>,
    /// Our send windows (what the server lets us send), from its SETTINGS and WINDOW_UPDATEs.
    pub conn_send_window: i64,
    stream_send_window: HashMap<u32, i64>,
}

impl Conn {
    pub fn connect(port: u16) -> Conn {
        let sock = TcpStream::connect(("127.0.0.1", port)).expect("connect to server");
        sock.set_nodelay(true).ok();
        sock.set_write_timeout(Some(Duration::from_secs(10))).ok();
        Conn {
            sock,
            buf: Vec::new(),
            enc: Encoder::new(),
            dec: Decoder::new(4096),
            server_settings: Vec::new(),
            timeout: Duration::from_secs(5),
            auto_window: true,
            auto_settings_ack: true,
            pending_block: None,
            write_failed: false,
            ping_seq: 0,
            seen: Vec::new(),
            stash: Default::default(),
            conn_send_window: 65_535,
            stream_send_window: HashMap::new(),
        }
    }

    /// Write bytes; a write failure (server already closed) is recorded, not fatal:
    /// the test then looks at what the server sent before closing.
    pub fn send(&mut self, bytes: &[u8]) {
        if self.write_failed {
            return;
        }
        if self.sock.write_all(bytes).is_err() {
            self.write_failed = true;
        }
    }

    pub fn send_frame(&mut self, kind: u8, flags: u8, stream: u32, payload: &[u8]) {
        let f = frame(kind, flags, stream, payload);
        self.send(&f);
    }

    pub fn preface(&mut self) {
        self.preface_with(&[]);
    }

    /// Client preface + our SETTINGS.
    pub fn preface_with(&mut self, params: &[(u16, u32)]) {
        let mut v = PREFACE.to_vec();
        v.extend(frame(kind::SETTINGS, 0, 0, &settings_payload(params)));
        self.send(&v);
    }

    /// Preface, then wait for the server's SETTINGS (which must be the first
    /// frame, §3.4) and ACK it.
    pub fn handshake(&mut self) {
        self.handshake_with(&[]);
    }

    pub fn handshake_with(&mut self, params: &[(u16, u32)]) {
        self.preface_with(params);
        match self.read_raw() {
            Got::Frame(f) if f.kind == kind::SETTINGS && f.flags & flag::ACK == 0 => {
                assert_eq!(f.stream, 0, "server SETTINGS on a non-zero stream");
                assert_eq!(f.payload.len() % 6, 0, "server SETTINGS length not a multiple of 6");
                self.server_settings =
                    f.payload.chunks(6).map(|c| (u16::from_be_bytes([c[0], c[1]]), be32(c, 2))).collect();
                self.send_frame(kind::SETTINGS, flag::ACK, 0, &[]);
            }
            other => panic!("§3.4: the server's first frame must be SETTINGS, got {}", other.describe()),
        }
    }

    pub fn server_setting(&self, id: u16) -> Option<u32> {
        self.server_settings.iter().rev().find(|(i, _)| *i == id).map(|(_, v)| *v)
    }

    /// Encode `fields` with our HPACK encoder (keeps dynamic-table state).
    pub fn encode(&mut self, fields: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        self.enc.encode(fields.iter().map(|(n, v)| HeaderField::new(n.as_bytes(), v.as_bytes())), &mut out);
        out
    }

    /// HEADERS(END_HEADERS) with an encoded block.
    pub fn headers(&mut self, stream: u32, fields: &[(&str, &str)], end_stream: bool) {
        let b = self.encode(fields);
        let f = flag::END_HEADERS | if end_stream { flag::END_STREAM } else { 0 };
        self.send_frame(kind::HEADERS, f, stream, &b);
    }

    pub fn get(&mut self, stream: u32, path: &'static str) {
        self.headers(stream, &req("GET", path), true);
    }

    pub fn post(&mut self, stream: u32, path: &'static str, body: &[u8]) {
        self.headers(stream, &req("POST", path), false);
        self.send_body(stream, body, true);
    }

    /// DATA frames (split at 16 384) with END_STREAM on the last when asked.
    pub fn data(&mut self, stream: u32, body: &[u8], end_stream: bool) {
        if body.is_empty() {
            self.send_frame(kind::DATA, if end_stream { flag::END_STREAM } else { 0 }, stream, &[]);
            return;
        }
        let chunks: Vec<&[u8]> = body.chunks(16_384).collect();
        let n = chunks.len();
        for (i, c) in chunks.into_iter().enumerate() {
            let fl = if end_stream && i + 1 == n { flag::END_STREAM } else { 0 };
            self.send_frame(kind::DATA, fl, stream, c);
        }
    }

    fn initial_send_window(&self) -> i64 {
        i64::from(self.server_setting(setting::INITIAL_WINDOW_SIZE).unwrap_or(65_535))
    }

    /// Send a request body respecting the server's flow-control windows
    /// (frames read meanwhile are kept for later next() calls).
    pub fn send_body(&mut self, stream: u32, body: &[u8], end_stream: bool) {
        let mut rest = body;
        loop {
            let init = self.initial_send_window();
            let sw = *self.stream_send_window.entry(stream).or_insert(init);
            let can = sw.min(self.conn_send_window).clamp(0, 16_384) as usize;
            if can == 0 && !rest.is_empty() {
                let g = self.next_inner();
                match g {
                    Got::Frame(_) => self.stash.push_back(g),
                    other => panic!("waiting for a window to send the body on stream {stream}: {}", other.describe()),
                }
                continue;
            }
            let n = can.min(rest.len());
            let (chunk, r) = rest.split_at(n);
            rest = r;
            let last = rest.is_empty();
            let fl = if end_stream && last { flag::END_STREAM } else { 0 };
            self.send_frame(kind::DATA, fl, stream, chunk);
            self.conn_send_window -= n as i64;
            *self.stream_send_window.get_mut(&stream).unwrap() -= n as i64;
            if last {
                return;
            }
        }
    }

    pub fn ping(&mut self, data: [u8; 8]) {
        self.send_frame(kind::PING, 0, 0, &data);
    }

    pub fn rst(&mut self, stream: u32, code: u32) {
        self.send_frame(kind::RST_STREAM, 0, stream, &u32_payload(code));
    }

    pub fn window_update(&mut self, stream: u32, inc: u32) {
        self.send_frame(kind::WINDOW_UPDATE, 0, stream, &u32_payload(inc));
    }

    // ------------------------------------------------------------ reading

    /// Read one frame (no processing), waiting at most `self.timeout`.
    pub fn read_raw(&mut self) -> Got {
        let deadline = Instant::now() + self.timeout;
        loop {
            if self.buf.len() >= 9 {
                let len =
                    (u32::from(self.buf[0]) << 16 | u32::from(self.buf[1]) << 8 | u32::from(self.buf[2])) as usize;
                if self.buf.len() >= 9 + len {
                    let kind = self.buf[3];
                    let flags = self.buf[4];
                    let stream = be32(&self.buf, 5) & 0x7fff_ffff;
                    let payload = self.buf[9..9 + len].to_vec();
                    self.buf.drain(..9 + len);
                    self.seen.push((kind, flags, stream, len));
                    return Got::Frame(Frame { kind, flags, stream, payload, headers: None });
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Got::Timeout;
            }
            self.sock.set_read_timeout(Some(deadline - now)).ok();
            let mut tmp = [0u8; 65536];
            match self.sock.read(&mut tmp) {
                Ok(0) => return Got::Closed,
                Ok(n) => self.buf.extend_from_slice(&tmp[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => return Got::Timeout,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => return Got::Closed,
            }
        }
    }

    /// Read one frame and process it: header blocks are decoded (keeps the
    /// HPACK table in sync), SETTINGS are ACKed, DATA is credited back.
    pub fn next_frame(&mut self) -> Got {
        if let Some(g) = self.stash.pop_front() {
            return g;
        }
        self.next_inner()
    }

    fn next_inner(&mut self) -> Got {
        let got = self.read_raw();
        let Got::Frame(mut f) = got else { return got };
        match f.kind {
            kind::SETTINGS if f.flags & flag::ACK == 0 && self.auto_settings_ack => {
                self.send_frame(kind::SETTINGS, flag::ACK, 0, &[]);
            }
            kind::HEADERS | kind::PUSH_PROMISE => {
                let mut p: &[u8] = &f.payload;
                let mut pad = 0usize;
                if f.flags & flag::PADDED != 0 {
                    pad = p.first().copied().unwrap_or(0) as usize;
                    p = p.get(1..).unwrap_or(&[]);
                }
                if f.kind == kind::HEADERS && f.flags & flag::PRIORITY != 0 {
                    p = p.get(5..).unwrap_or(&[]);
                }
                if f.kind == kind::PUSH_PROMISE {
                    p = p.get(4..).unwrap_or(&[]);
                }
                let frag = p.get(..p.len().saturating_sub(pad)).unwrap_or(&[]).to_vec();
                if f.flags & flag::END_HEADERS != 0 {
                    f.headers = Some(self.decode_block(&frag));
                } else {
                    self.pending_block = Some((f.stream, frag));
                }
            }
            kind::CONTINUATION => {
                if let Some((s, mut b)) = self.pending_block.take() {
                    assert_eq!(s, f.stream, "server interleaved CONTINUATION of another stream");
                    b.extend_from_slice(&f.payload);
                    if f.flags & flag::END_HEADERS != 0 {
                        f.headers = Some(self.decode_block(&b));
                    } else {
                        self.pending_block = Some((s, b));
                    }
                } else {
                    panic!("server sent CONTINUATION without HEADERS");
                }
            }
            kind::WINDOW_UPDATE => {
                let inc = i64::from(be32(&f.payload, 0) & 0x7fff_ffff);
                if f.stream == 0 {
                    self.conn_send_window += inc;
                } else {
                    let init = self.initial_send_window();
                    *self.stream_send_window.entry(f.stream).or_insert(init) += inc;
                }
            }
            kind::DATA if self.auto_window && !f.payload.is_empty() => {
                let n = f.payload.len() as u32;
                self.window_update(0, n);
                if !f.end_stream() {
                    self.window_update(f.stream, n);
                }
            }
            _ => {}
        }
        Got::Frame(f)
    }

    fn decode_block(&mut self, b: &[u8]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let limits = DecodeLimits { max_list_size: usize::MAX, max_fields: usize::MAX };
        self.dec
            .decode(b, &limits, &mut |h: HeaderField<'_>| {
                out.push((String::from_utf8_lossy(h.name).into_owned(), String::from_utf8_lossy(h.value).into_owned()))
            })
            .unwrap_or_else(|e| panic!("server sent an undecodable header block: {e}"));
        out
    }

    /// Read until `pred` accepts a frame; panics on timeout/close.
    pub fn read_until(&mut self, what: &str, mut pred: impl FnMut(&Frame) -> bool) -> Frame {
        let mut log = Vec::new();
        loop {
            match self.next_frame() {
                Got::Frame(f) => {
                    if pred(&f) {
                        return f;
                    }
                    if log.len() < 20 {
                        log.push(f.describe());
                    }
                }
                other => panic!("expected {what}, got {} (frames before: {:?})", other.describe(), log),
            }
        }
    }

    /// The connection must end: the server closes the socket (EOF or reset).
    /// Any frame (e.g. a final GOAWAY) before that is accepted.
    pub fn expect_closed(&mut self) {
        for _ in 0..10_000 {
            match self.next_frame() {
                Got::Closed => return,
                Got::Timeout => panic!("expected the server to close the connection, it stayed open"),
                Got::Frame(_) => {}
            }
        }
        panic!("expected the connection to close, server kept sending");
    }

    /// Connection error: GOAWAY with `code`, then the socket closes (§5.4.1).
    /// Returns the GOAWAY's last-stream-id.
    pub fn expect_goaway(&mut self, code: u32) -> u32 {
        let g = self.expect_goaway_any();
        assert_eq!(g.code(), code, "expected GOAWAY({}), got {}", code_name(code), g.describe());
        self.expect_closed();
        be32(&g.payload, 0) & 0x7fff_ffff
    }

    /// First GOAWAY, whatever its code (RST_STREAMs before it are skipped).
    pub fn expect_goaway_any(&mut self) -> Frame {
        let mut log = Vec::new();
        loop {
            match self.next_frame() {
                Got::Frame(f) if f.kind == kind::GOAWAY => return f,
                Got::Frame(f) => {
                    if log.len() < 20 {
                        log.push(f.describe())
                    }
                }
                other => panic!("expected GOAWAY, got {} (frames before: {:?})", other.describe(), log),
            }
        }
    }

    /// Stream error: RST_STREAM(stream, code). Response frames on the stream
    /// before it are allowed (a server MAY answer a malformed request, §8.1.1).
    pub fn expect_rst(&mut self, stream: u32, code: u32) {
        let mut log = Vec::new();
        loop {
            match self.next_frame() {
                Got::Frame(f) if f.kind == kind::RST_STREAM && f.stream == stream => {
                    assert_eq!(
                        f.code(),
                        code,
                        "expected RST_STREAM({stream}, {}), got {} (frames before: {log:?})",
                        code_name(code),
                        f.describe()
                    );
                    return;
                }
                Got::Frame(f) if f.kind == kind::GOAWAY => panic!(
                    "expected RST_STREAM({stream}, {}) (a stream error), got {} (frames before: {log:?})",
                    code_name(code),
                    f.describe()
                ),
                Got::Frame(f) if f.stream == stream && f.end_stream() => {
                    // A response (e.g. 400) may precede the RST_STREAM; keep waiting for it.
                    let status =
                        f.headers.as_ref().and_then(|h| h.iter().find(|(n, _)| n == ":status").map(|(_, v)| v.clone()));
                    log.push(format!("{} END_STREAM :status {:?}", f.describe(), status));
                    let save = self.timeout;
                    self.timeout = Duration::from_millis(1500);
                    let next = self.next_frame();
                    self.timeout = save;
                    match next {
                        Got::Frame(g) if g.kind == kind::RST_STREAM && g.stream == stream => {
                            assert_eq!(g.code(), code, "expected RST_STREAM({stream}, {}), got {}", code_name(code), g.describe());
                            return;
                        }
                        other => panic!(
                            "expected RST_STREAM({stream}, {}), but the stream ended normally ({log:?}) and then came {}",
                            code_name(code),
                            other.describe()
                        ),
                    }
                }
                Got::Frame(f) => {
                    if log.len() < 20 {
                        log.push(f.describe())
                    }
                }
                other => panic!(
                    "expected RST_STREAM({stream}, {}), got {} (frames before: {log:?})",
                    code_name(code),
                    other.describe()
                ),
            }
        }
    }

    /// The request is malformed (§8.1.1): stream error PROTOCOL_ERROR.
    pub fn expect_malformed(&mut self, stream: u32) {
        self.expect_rst(stream, code::PROTOCOL_ERROR)
    }

    /// Either RST_STREAM(stream, code) or GOAWAY(code): for requirements that
    /// let the endpoint choose the scope of the error.
    pub fn expect_stream_or_conn_error(&mut self, stream: u32, code: u32) {
        let f = self.read_until(&format!("RST_STREAM({stream}) or GOAWAY with {}", code_name(code)), |f| {
            (f.kind == kind::RST_STREAM && f.stream == stream) || f.kind == kind::GOAWAY
        });
        assert_eq!(f.code(), code, "expected {} (stream or connection error), got {}", code_name(code), f.describe());
    }

    /// Either GOAWAY with one of `codes`, then close.
    pub fn expect_goaway_one_of(&mut self, codes: &[u32]) {
        let g = self.expect_goaway_any();
        assert!(
            codes.contains(&g.code()),
            "expected GOAWAY with one of {:?}, got {}",
            codes.iter().map(|c| code_name(*c)).collect::<Vec<_>>(),
            g.describe()
        );
        self.expect_closed();
    }

    /// "The frame was ignored": a PING sent now comes back ACKed, and nothing
    /// before the ACK is a GOAWAY or a RST_STREAM.
    pub fn expect_ignored(&mut self) {
        self.ping_seq += 1;
        let data = (0x5eed_0000_0000_0000u64 + self.ping_seq).to_be_bytes();
        self.ping(data);
        let mut log = Vec::new();
        loop {
            match self.next_frame() {
                Got::Frame(f) if f.kind == kind::PING && f.flags & flag::ACK != 0 && f.payload == data => return,
                Got::Frame(f) if f.kind == kind::GOAWAY || f.kind == kind::RST_STREAM => {
                    panic!("expected the frame to be ignored (PING ACK), got {} (frames before: {log:?})", f.describe())
                }
                Got::Frame(f) => {
                    if log.len() < 20 {
                        log.push(f.describe())
                    }
                }
                other => panic!(
                    "expected the frame to be ignored (PING ACK), got {} (frames before: {log:?})",
                    other.describe()
                ),
            }
        }
    }

    /// Read until every stream in `streams` has ended (END_STREAM or RST).
    pub fn read_responses(&mut self, streams: &[u32]) -> HashMap<u32, Response> {
        let mut map: HashMap<u32, Response> = streams.iter().map(|s| (*s, Response::default())).collect();
        let mut log = Vec::new();
        while map.values().any(|r| !r.done) {
            let f = match self.next_frame() {
                Got::Frame(f) => f,
                other => panic!(
                    "waiting for responses on {:?}, got {} (frames before: {:?})",
                    map.iter().filter(|(_, r)| !r.done).map(|(s, _)| *s).collect::<Vec<_>>(),
                    other.describe(),
                    log
                ),
            };
            if f.kind == kind::GOAWAY {
                panic!("waiting for responses, got {} (frames before: {log:?})", f.describe());
            }
            if log.len() < 20 {
                log.push(f.describe());
            }
            let Some(r) = map.get_mut(&f.stream) else { continue };
            match f.kind {
                kind::HEADERS | kind::CONTINUATION => {
                    if let Some(h) = &f.headers {
                        let status = h.iter().find(|(n, _)| n == ":status").and_then(|(_, v)| v.parse::<u16>().ok());
                        match status {
                            Some(s) if (100..200).contains(&s) => r.informational.push(s),
                            Some(s) => {
                                r.status = s;
                                r.headers = h.clone();
                            }
                            None => r.trailers = Some(h.clone()),
                        }
                    }
                    if f.end_stream() {
                        r.done = true;
                    }
                }
                kind::DATA => {
                    let mut p: &[u8] = &f.payload;
                    if f.flags & flag::PADDED != 0 {
                        let pad = p[0] as usize;
                        p = &p[1..p.len() - pad];
                    }
                    r.body.extend_from_slice(p);
                    if f.end_stream() {
                        r.done = true;
                    }
                }
                kind::RST_STREAM => {
                    r.reset = Some(f.code());
                    r.done = true;
                }
                _ => {}
            }
        }
        map
    }

    pub fn read_response(&mut self, stream: u32) -> Response {
        self.read_responses(&[stream]).remove(&stream).unwrap()
    }

    /// A complete 200 response on `stream`.
    pub fn expect_200(&mut self, stream: u32) -> Response {
        let r = self.read_response(stream);
        assert_eq!(
            r.reset,
            None,
            "expected 200 on stream {stream}, got RST_STREAM({})",
            code_name(r.reset.unwrap_or(0))
        );
        assert_eq!(r.status, 200, "expected :status 200 on stream {stream}, got {:?}", r);
        r
    }

    pub fn close(&mut self) {
        let _ = self.sock.shutdown(Shutdown::Both);
    }
}

/// Deterministic xorshift for reproducible random sizes/bodies.
pub struct Rng(pub u64);
impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}
