//! Offline decoder of captured HTTP/2 traffic, for the inspector page (www/).
//!
//! An [`Inspector`] watches one connection as an observer: both directions,
//! each fed in chunks with a timestamp. It never answers and never stops on a
//! protocol error: it records what it saw, one [`Record`] per frame (plus the
//! client preface), with:
//!
//! - the frame header (type, named flags, stream, length) and the
//!   type-specific fields (settings list, window increment, error-code names,
//!   PING data, GOAWAY last id and debug data, priority, promised id);
//! - the decoded header list of a complete header block (on the frame that
//!   ends it), with the HPACK dynamic table of that direction afterwards;
//! - the stream's §5.1 state after the frame (named from the server's side,
//!   since h2wasm is a server: "half-closed (remote)" = the client is done);
//! - the flow-control windows after the frame: the connection window of each
//!   direction and the frame's stream window of each direction, where the
//!   window of a direction is what its sender may still send;
//! - every protocol violation seen, with the RFC section.
//!
//! Framing is done here (9-byte header + length), so a malformed frame never
//! desynchronises the stream: each frame's bytes go to a fresh
//! [`FrameDecoder`] sized to the largest legal frame, and the size limit the
//! receiver advertised is checked separately (§4.2). DATA is streamed through
//! the decoder like the engine does (only a short preview is kept); every
//! other frame is at most 2^24-1+9 bytes, the largest a header can announce.
//!
//! Each direction has its own HPACK [`Decoder`]. Its allowed table size
//! follows the other side's SETTINGS_HEADER_TABLE_SIZE once that SETTINGS is
//! acknowledged. The dynamic table contents are mirrored here (the decoder's
//! API does not expose them): a small walk over the block's representations
//! says which emitted fields were inserted and where size updates were.
//!
//! Bounds (an inspector runs on untrusted captures too): at most
//! [`MAX_TRACKED_STREAMS`] streams, header blocks up to [`MAX_HEADER_BLOCK`]
//! bytes, HPACK tables up to [`MAX_TABLE_SIZE`] bytes, DATA previews of
//! [`DATA_PREVIEW`] bytes. The caller owns the records it receives.

use std::collections::{BTreeMap, VecDeque};

use crate::error::{ErrorCode, ProtoError};
use crate::flow::Window;
use crate::frame::{flags, kind, Frame, FrameDecoder, FrameHeader, Item, FRAME_HEADER_LEN};
use crate::hpack::{DecodeLimits, Decoder, HeaderField};
use crate::semantics;
use crate::settings::{self, PeerChange, PeerSettings};

/// The client connection preface (§3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// Streams tracked per connection; beyond this, new streams are not tracked (flagged once).
pub const MAX_TRACKED_STREAMS: usize = 10_000;
/// Largest header block (HEADERS/PUSH_PROMISE + CONTINUATIONs) reassembled.
pub const MAX_HEADER_BLOCK: usize = 1 << 20;
/// Largest HPACK dynamic table accepted, whatever SETTINGS say.
pub const MAX_TABLE_SIZE: usize = 1 << 20;
/// DATA bytes kept per frame for display.
pub const DATA_PREVIEW: usize = 64;
/// Header list decoding limits: generous, since the inspector shows what was sent.
const LIST_LIMITS: DecodeLimits = DecodeLimits { max_list_size: 4 << 20, max_fields: 10_000 };
const DEFAULT_TABLE: usize = 4_096;
/// Largest HTTP/1.1 head (h2c upgrade request or 101 response) read.
pub const MAX_HTTP1_HEAD: usize = 64 * 1024;

/// Which way bytes travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    ClientToServer,
    ServerToClient,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::ClientToServer => "c2s",
            Direction::ServerToClient => "s2c",
        }
    }
    fn idx(self) -> usize {
        match self {
            Direction::ClientToServer => 0,
            Direction::ServerToClient => 1,
        }
    }
    fn other(self) -> Direction {
        match self {
            Direction::ClientToServer => Direction::ServerToClient,
            Direction::ServerToClient => Direction::ClientToServer,
        }
    }
}

/// A protocol violation, with the RFC section that defines it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// "§6.5.2", "§5.1.1", … (RFC 9113 unless it says otherwise).
    pub section: &'static str,
    pub message: String,
    /// The error code the receiver is to use.
    pub code: ErrorCode,
    /// Connection error (GOAWAY) rather than stream error (RST_STREAM).
    pub connection: bool,
}

/// Type-specific fields of a frame.
#[derive(Clone, Debug, PartialEq)]
pub enum Detail {
    None,
    Preface,
    /// An HTTP/1.1 head before HTTP/2 (h2c upgrade): request or status line.
    Http1 {
        start_line: Vec<u8>,
    },
    Data {
        data_len: u32,
        pad_len: u32,
        end_stream: bool,
        preview: Vec<u8>,
    },
    Headers {
        end_stream: bool,
        end_headers: bool,
        priority: Option<Prio>,
        fragment_len: u32,
    },
    Priority(Prio),
    RstStream {
        code: ErrorCode,
    },
    Settings {
        ack: bool,
        params: Vec<(u16, u32)>,
    },
    PushPromise {
        promised_id: u32,
        end_headers: bool,
        fragment_len: u32,
    },
    Ping {
        ack: bool,
        data: [u8; 8],
    },
    GoAway {
        last_stream_id: u32,
        code: ErrorCode,
        debug: Vec<u8>,
    },
    WindowUpdate {
        increment: u32,
    },
    Continuation {
        end_headers: bool,
        fragment_len: u32,
    },
    PriorityUpdate {
        prioritized_id: u32,
        field_value: Vec<u8>,
    },
    Unknown,
    /// The frame could not be decoded (see the violations).
    Malformed,
}

/// RFC 9113 §5.3 (deprecated) priority fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prio {
    pub exclusive: bool,
    pub dependency: u32,
    pub weight: u8,
}

/// What a complete header block was, judged from its place on the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    Request,
    Informational,
    Response,
    Trailers,
    PushRequest,
}

impl BlockKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockKind::Request => "request",
            BlockKind::Informational => "informational",
            BlockKind::Response => "response",
            BlockKind::Trailers => "trailers",
            BlockKind::PushRequest => "push-request",
        }
    }
}

/// A decoded header block, on the frame that completed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderBlock {
    pub stream_id: u32,
    pub kind: BlockKind,
    /// Encoded size (all fragments).
    pub encoded_len: usize,
    pub frames: u32,
    /// name, value, never-indexed.
    pub fields: Vec<(Vec<u8>, Vec<u8>, bool)>,
}

/// One direction's HPACK dynamic table after a header block (newest first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSnapshot {
    pub size: usize,
    pub max_size: usize,
    pub entries: Vec<(Vec<u8>, Vec<u8>)>,
    /// False once a decoding error made the mirror unreliable.
    pub in_sync: bool,
}

/// Flow-control windows after a frame, indexed [c2s, s2c]: what the sender
/// in that direction may still send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Windows {
    pub connection: [i64; 2],
    pub stream: Option<[i64; 2]>,
}

/// One frame (or the preface) as observed.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub index: u32,
    /// The caller's timestamp of the chunk that completed the frame.
    pub time: f64,
    pub dir: Direction,
    /// Offset of the frame's first byte in its direction's byte stream.
    pub offset: u64,
    /// Frame type code; `None` for the preface.
    pub kind: Option<u8>,
    pub flags: u8,
    pub stream_id: u32,
    /// Payload length from the frame header (24 for the preface).
    pub length: u32,
    pub detail: Detail,
    pub headers: Option<HeaderBlock>,
    pub table: Option<TableSnapshot>,
    /// §5.1 state of the frame's stream after it (server's point of view).
    pub state: Option<&'static str>,
    pub windows: Windows,
    pub violations: Vec<Violation>,
    /// Things worth knowing that are not violations.
    pub notes: Vec<String>,
}

impl Record {
    pub fn type_name(&self) -> &'static str {
        match (self.kind, &self.detail) {
            (None, Detail::Http1 { .. }) => "HTTP/1.1",
            (None, _) => "PREFACE",
            (Some(k), _) => type_name(k),
        }
    }
}

/// RFC name of a frame type.
pub fn type_name(k: u8) -> &'static str {
    match k {
        kind::DATA => "DATA",
        kind::HEADERS => "HEADERS",
        kind::PRIORITY => "PRIORITY",
        kind::RST_STREAM => "RST_STREAM",
        kind::SETTINGS => "SETTINGS",
        kind::PUSH_PROMISE => "PUSH_PROMISE",
        kind::PING => "PING",
        kind::GOAWAY => "GOAWAY",
        kind::WINDOW_UPDATE => "WINDOW_UPDATE",
        kind::CONTINUATION => "CONTINUATION",
        kind::PRIORITY_UPDATE => "PRIORITY_UPDATE",
        _ => "UNKNOWN",
    }
}

/// Names of the flags set, as defined for this frame type (undefined bits as "0x..").
pub fn flag_names(k: Option<u8>, f: u8) -> Vec<String> {
    let defined: &[(u8, &str)] = match k {
        Some(kind::DATA) => &[(flags::END_STREAM, "END_STREAM"), (flags::PADDED, "PADDED")],
        Some(kind::HEADERS) => &[
            (flags::END_STREAM, "END_STREAM"),
            (flags::END_HEADERS, "END_HEADERS"),
            (flags::PADDED, "PADDED"),
            (flags::PRIORITY, "PRIORITY"),
        ],
        Some(kind::PUSH_PROMISE) => &[(flags::END_HEADERS, "END_HEADERS"), (flags::PADDED, "PADDED")],
        Some(kind::CONTINUATION) => &[(flags::END_HEADERS, "END_HEADERS")],
        Some(kind::SETTINGS) | Some(kind::PING) => &[(flags::ACK, "ACK")],
        _ => &[],
    };
    let mut out = Vec::new();
    let mut rest = f;
    for &(bit, name) in defined {
        if f & bit != 0 {
            out.push(name.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        out.push(format!("{rest:#04x}"));
    }
    out
}

/// RFC name of a SETTINGS parameter.
pub fn setting_name(id: u16) -> &'static str {
    match id {
        settings::id::HEADER_TABLE_SIZE => "HEADER_TABLE_SIZE",
        settings::id::ENABLE_PUSH => "ENABLE_PUSH",
        settings::id::MAX_CONCURRENT_STREAMS => "MAX_CONCURRENT_STREAMS",
        settings::id::INITIAL_WINDOW_SIZE => "INITIAL_WINDOW_SIZE",
        settings::id::MAX_FRAME_SIZE => "MAX_FRAME_SIZE",
        settings::id::MAX_HEADER_LIST_SIZE => "MAX_HEADER_LIST_SIZE",
        settings::id::ENABLE_CONNECT_PROTOCOL => "ENABLE_CONNECT_PROTOCOL",
        settings::id::NO_RFC7540_PRIORITIES => "NO_RFC7540_PRIORITIES",
        _ => "UNKNOWN",
    }
}

// ---------------------------------------------------------------------------
// Per-stream bookkeeping

#[derive(Clone, Copy, Debug, Default)]
struct StreamInfo {
    client_done: bool,
    server_done: bool,
    reset: bool,
    /// Promised by the server (reserved until its HEADERS).
    pushed: bool,
    /// A final (non-1xx) response HEADERS was seen.
    responded: bool,
    /// Any HEADERS from the server was seen.
    server_headers: bool,
    windows: [i64; 2],
    /// Declared content-length per direction (§8.1.1), and DATA seen.
    content_length: [Option<u64>; 2],
    body: [u64; 2],
    /// The request was HEAD: the response has no content.
    head: bool,
    /// Who sent the first RST_STREAM.
    reset_by: Option<Direction>,
    /// Began before the capture: its earlier frames are unknown.
    adopted: bool,
}

impl StreamInfo {
    fn state(&self) -> &'static str {
        if self.reset {
            "closed (reset)"
        } else if self.client_done && self.server_done {
            "closed"
        } else if self.pushed && !self.server_headers {
            "reserved (local)"
        } else if self.client_done {
            "half-closed (remote)"
        } else if self.server_done {
            "half-closed (local)"
        } else {
            "open"
        }
    }
    fn done(&self, dir: Direction) -> bool {
        self.reset
            || match dir {
                Direction::ClientToServer => self.client_done,
                Direction::ServerToClient => self.server_done,
            }
    }
    fn set_done(&mut self, dir: Direction) {
        match dir {
            Direction::ClientToServer => self.client_done = true,
            Direction::ServerToClient => self.server_done = true,
        }
    }
}

// ---------------------------------------------------------------------------
// HPACK dynamic-table mirror

/// One representation of a field block (RFC 7541 §6), as far as the table is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rep {
    /// A field line; `indexed` = literal with incremental indexing (inserted).
    Field {
        inserted: bool,
    },
    SizeUpdate(usize),
}

/// RFC 7541 §5.1 integer; returns (value, bytes used). None on truncation/overflow.
fn hpack_int(b: &[u8], prefix_bits: u32) -> Option<(usize, usize)> {
    let first = *b.first()?;
    let mask: u8 = u8::try_from((1u32 << prefix_bits).checked_sub(1)?).ok()?;
    let mut value = usize::from(first & mask);
    if value < usize::from(mask) {
        return Some((value, 1));
    }
    let mut shift = 0u32;
    for (i, &byte) in b.iter().enumerate().skip(1) {
        let add = usize::from(byte & 0x7f).checked_shl(shift)?;
        if shift > 28 {
            return None;
        }
        value = value.checked_add(add)?;
        shift = shift.checked_add(7)?;
        if byte & 0x80 == 0 {
            return Some((value, i.checked_add(1)?));
        }
    }
    None
}

/// Skip one string literal (§5.2); returns bytes used.
fn hpack_skip_string(b: &[u8]) -> Option<usize> {
    let (len, used) = hpack_int(b, 7)?;
    let total = used.checked_add(len)?;
    (total <= b.len()).then_some(total)
}

/// The representations of a block, in order; None if the block is malformed.
fn representations(block: &[u8]) -> Option<Vec<Rep>> {
    let mut reps = Vec::new();
    let mut pos = 0usize;
    while pos < block.len() {
        let rest = block.get(pos..)?;
        let first = *rest.first()?;
        let used = if first & 0x80 != 0 {
            reps.push(Rep::Field { inserted: false });
            hpack_int(rest, 7)?.1
        } else if first & 0x40 != 0 {
            reps.push(Rep::Field { inserted: true });
            literal_len(rest, 6)?
        } else if first & 0x20 != 0 {
            let (size, used) = hpack_int(rest, 5)?;
            reps.push(Rep::SizeUpdate(size));
            used
        } else {
            reps.push(Rep::Field { inserted: false });
            literal_len(rest, 4)?
        };
        pos = pos.checked_add(used)?;
    }
    Some(reps)
}

/// Length of a literal representation with an index of `prefix` bits.
fn literal_len(b: &[u8], prefix: u32) -> Option<usize> {
    let (index, mut used) = hpack_int(b, prefix)?;
    if index == 0 {
        used = used.checked_add(hpack_skip_string(b.get(used..)?)?)?;
    }
    used.checked_add(hpack_skip_string(b.get(used..)?)?)
}

#[derive(Debug)]
struct TableMirror {
    entries: VecDeque<(Vec<u8>, Vec<u8>)>,
    size: usize,
    max: usize,
    in_sync: bool,
}

impl TableMirror {
    fn new() -> Self {
        TableMirror { entries: VecDeque::new(), size: 0, max: DEFAULT_TABLE, in_sync: true }
    }
    fn evict(&mut self) {
        while self.size > self.max {
            match self.entries.pop_back() {
                Some((n, v)) => {
                    self.size = self.size.saturating_sub(entry_size(&n, &v));
                }
                None => {
                    self.size = 0;
                }
            }
        }
    }
    fn set_max(&mut self, max: usize) {
        self.max = max.min(MAX_TABLE_SIZE);
        self.evict();
    }
    fn insert(&mut self, name: &[u8], value: &[u8]) {
        let sz = entry_size(name, value);
        if sz > self.max {
            self.entries.clear();
            self.size = 0;
            return;
        }
        self.size = self.size.saturating_add(sz);
        self.entries.push_front((name.to_vec(), value.to_vec()));
        self.evict();
    }
    fn snapshot(&self) -> TableSnapshot {
        TableSnapshot {
            size: self.size,
            max_size: self.max,
            entries: self.entries.iter().cloned().collect(),
            in_sync: self.in_sync,
        }
    }
}

fn entry_size(name: &[u8], value: &[u8]) -> usize {
    name.len().saturating_add(value.len()).saturating_add(32)
}

// ---------------------------------------------------------------------------
// Per-direction state

/// The parts of an unacknowledged SETTINGS that take effect on its ACK.
#[derive(Clone, Copy, Debug, Default)]
struct PendingSettings {
    header_table_size: Option<u32>,
    max_concurrent_streams: Option<u32>,
}

/// A header block being reassembled.
#[derive(Debug)]
struct PendingBlock {
    stream_id: u32,
    /// HEADERS, or PUSH_PROMISE with its promised id.
    promised: Option<u32>,
    end_stream: bool,
    buf: Vec<u8>,
    frames: u32,
    too_big: bool,
}

/// The frame being received.
struct Current {
    header: FrameHeader,
    offset: u64,
    /// Payload bytes still to come.
    remaining: u32,
    /// Whole frame (non-DATA).
    buf: Vec<u8>,
    /// DATA: streamed through its own decoder.
    data: Option<DataProgress>,
}

struct DataProgress {
    decoder: FrameDecoder,
    payload: u32,
    preview: Vec<u8>,
    end_stream: bool,
    error: Option<ProtoError>,
}

struct Side {
    /// Preface bytes matched so far (client side), or 24 when not expected.
    preface_pos: usize,
    /// The preface was wrong: nothing more of this direction is decoded.
    dead: bool,
    /// Reading an HTTP/1.1 head (h2c upgrade) until CRLFCRLF.
    http1: Option<Vec<u8>>,
    /// HTTP/1.1 request body bytes still to skip before the preface.
    skip: u64,
    offset: u64,
    hdr: [u8; FRAME_HEADER_LEN],
    hdr_len: usize,
    current: Option<Current>,
    frames_seen: u64,
    hpack: Decoder,
    table: TableMirror,
    block: Option<PendingBlock>,
    /// This side's settings as it announced them (applied when seen).
    announced: PeerSettings,
    /// SETTINGS of this side not yet acknowledged by the other (HEADER_TABLE_SIZE values).
    unacked: VecDeque<PendingSettings>,
    /// This side's SETTINGS_MAX_CONCURRENT_STREAMS, once acknowledged.
    max_streams: Option<u32>,
    /// This side's SETTINGS_MAX_FRAME_SIZE: limits frames the *other* side sends.
    max_frame_size: u32,
    /// Window for DATA this side sends, connection level.
    conn_window: Window,
    /// Highest stream id this side initiated.
    last_stream: u32,
    /// GOAWAY last-stream-id this side sent.
    goaway: Option<u32>,
}

impl Side {
    fn new(expect_preface: bool) -> Self {
        Side {
            preface_pos: if expect_preface { 0 } else { PREFACE.len() },
            dead: false,
            http1: None,
            skip: 0,
            offset: 0,
            hdr: [0; FRAME_HEADER_LEN],
            hdr_len: 0,
            current: None,
            frames_seen: 0,
            hpack: Decoder::new(DEFAULT_TABLE),
            table: TableMirror::new(),
            block: None,
            announced: PeerSettings::default(),
            unacked: VecDeque::new(),
            max_streams: None,
            max_frame_size: settings::MIN_MAX_FRAME_SIZE,
            conn_window: Window::new(settings::DEFAULT_WINDOW_SIZE),
            last_stream: 0,
            goaway: None,
        }
    }
}

/// Decodes one observed connection (both directions).
pub struct Inspector {
    sides: [Side; 2],
    streams: BTreeMap<u32, StreamInfo>,
    untracked_flagged: bool,
    next_index: u32,
    /// The capture starts mid-connection: streams, windows and the HPACK
    /// tables began before it, so their absence is not a violation.
    mid_connection: bool,
    /// Per initiator (client, server): the first stream id seen opening in
    /// the capture. Unknown streams below it began before the capture.
    first_opened: [Option<u32>; 2],
}

impl Default for Inspector {
    fn default() -> Self {
        Self::new(true)
    }
}

/// A frame that just completed, before it is judged.
struct Done<'a> {
    header: FrameHeader,
    offset: u64,
    bytes: &'a [u8],
}

impl Inspector {
    /// `expect_preface`: the client→server bytes start with the 24-byte
    /// preface (false for a capture that starts mid-connection).
    pub fn new(expect_preface: bool) -> Self {
        Inspector {
            sides: [Side::new(expect_preface), Side::new(false)],
            streams: BTreeMap::new(),
            untracked_flagged: false,
            next_index: 0,
            mid_connection: !expect_preface,
            first_opened: [None, None],
        }
    }

    /// Feed one chunk of one direction; complete frames are appended to `out`.
    pub fn feed(&mut self, dir: Direction, time: f64, input: &[u8], out: &mut Vec<Record>) {
        let mut pos = 0usize;
        while pos < input.len() {
            let side = self.side(dir);
            if side.dead {
                return;
            }
            let rest = input.get(pos..).unwrap_or_default();
            // 0. An HTTP/1.1 head (h2c upgrade), or the request body after it.
            if side.http1.is_some() {
                pos = pos.saturating_add(self.http1_bytes(dir, time, rest, out));
                continue;
            }
            if side.skip > 0 {
                let n = usize::try_from(side.skip).unwrap_or(usize::MAX).min(rest.len());
                let side = self.side_mut(dir);
                side.skip = side.skip.saturating_sub(n as u64);
                side.offset = side.offset.saturating_add(n as u64);
                pos = pos.saturating_add(n);
                continue;
            }
            // 1. Preface.
            if side.preface_pos < PREFACE.len() {
                let want = PREFACE.get(side.preface_pos..).unwrap_or_default();
                let n = want.len().min(rest.len());
                let ok = rest.get(..n) == want.get(..n);
                // "GET / HTTP/1.1…": maybe an h2c upgrade (RFC 7540 §3.2).
                let matched = PREFACE.get(..side.preface_pos).unwrap_or_default();
                let first = matched.first().or(rest.first()).copied().unwrap_or(0);
                if !ok
                    && dir == Direction::ClientToServer
                    && side.offset == side.preface_pos as u64
                    && first.is_ascii_uppercase()
                    && side.frames_seen == 0
                {
                    let side = self.side_mut(dir);
                    side.http1 = Some(matched.to_vec());
                    side.offset = 0;
                    side.preface_pos = 0;
                    continue;
                }
                if !ok {
                    let side = self.side_mut(dir);
                    side.dead = true;
                    let offset = side.offset;
                    let mut rec = self.blank(dir, time, offset, None, 0, 0, PREFACE.len() as u32);
                    rec.detail = Detail::Malformed;
                    let why = if first == 0x16 {
                        "invalid connection preface (TLS handshake? only cleartext HTTP/2 can be decoded); rest of this direction not decoded"
                    } else {
                        "invalid connection preface (not HTTP/2 prior knowledge?); rest of this direction not decoded"
                    };
                    rec.violations.push(violation("§3.4", why, ErrorCode::PROTOCOL_ERROR, true));
                    out.push(rec);
                    return;
                }
                pos = pos.saturating_add(n);
                let side = self.side_mut(dir);
                side.preface_pos = side.preface_pos.saturating_add(n);
                side.offset = side.offset.saturating_add(n as u64);
                if side.preface_pos == PREFACE.len() {
                    let mut rec = self.blank(dir, time, 0, None, 0, 0, PREFACE.len() as u32);
                    rec.detail = Detail::Preface;
                    out.push(rec);
                }
                continue;
            }
            // 2. Frame header.
            if side.current.is_none() {
                let need = FRAME_HEADER_LEN.saturating_sub(side.hdr_len);
                let n = need.min(rest.len());
                let side = self.side_mut(dir);
                let (lo, hi) = (side.hdr_len, side.hdr_len.saturating_add(n));
                if let (Some(dst), Some(src)) = (side.hdr.get_mut(lo..hi), rest.get(..n)) {
                    dst.copy_from_slice(src);
                }
                side.hdr_len = hi;
                pos = pos.saturating_add(n);
                if side.hdr_len < FRAME_HEADER_LEN {
                    continue;
                }
                side.hdr_len = 0;
                if side.offset == 0 && side.frames_seen == 0 && side.hdr.starts_with(b"HTTP/1.") {
                    // A 101 (or any HTTP/1.1) response before HTTP/2: read its head.
                    side.http1 = Some(side.hdr.to_vec());
                    continue;
                }
                let header = FrameHeader::parse(&side.hdr);
                let offset = side.offset;
                side.offset = side.offset.saturating_add(FRAME_HEADER_LEN as u64);
                let mut cur = Current { header, offset, remaining: header.length, buf: Vec::new(), data: None };
                if header.kind == kind::DATA {
                    let mut progress = DataProgress {
                        decoder: frame_decoder_for(&header),
                        payload: 0,
                        preview: Vec::new(),
                        end_stream: false,
                        error: None,
                    };
                    let hdr = side.hdr;
                    data_feed(&mut progress, &hdr);
                    cur.data = Some(progress);
                } else {
                    cur.buf.reserve(FRAME_HEADER_LEN.saturating_add(header.length.min(1 << 16) as usize));
                    cur.buf.extend_from_slice(&side.hdr);
                }
                side.current = Some(cur);
            }
            // 3. Payload.
            let side = self.side_mut(dir);
            let Some(cur) = side.current.as_mut() else { continue };
            let rest = input.get(pos..).unwrap_or_default();
            let n = usize::try_from(cur.remaining).unwrap_or(usize::MAX).min(rest.len());
            let chunk = rest.get(..n).unwrap_or_default();
            match cur.data.as_mut() {
                Some(progress) => data_feed(progress, chunk),
                None => cur.buf.extend_from_slice(chunk),
            }
            cur.remaining = cur.remaining.saturating_sub(u32::try_from(n).unwrap_or(u32::MAX));
            pos = pos.saturating_add(n);
            side.offset = side.offset.saturating_add(n as u64);
            if cur.remaining == 0 {
                if let Some(cur) = side.current.take() {
                    let rec = self.complete(dir, time, cur);
                    out.push(rec);
                }
            }
        }
    }

    /// End of capture: report frames left incomplete.
    pub fn finish(&mut self, time: f64, out: &mut Vec<Record>) {
        for dir in [Direction::ClientToServer, Direction::ServerToClient] {
            let side = self.side_mut(dir);
            let partial_header = side.hdr_len;
            side.hdr_len = 0;
            let preface_partial = side.preface_pos > 0 && side.preface_pos < PREFACE.len();
            if let Some(cur) = side.current.take() {
                let h = cur.header;
                let mut rec = self.blank(dir, time, cur.offset, Some(h.kind), h.flags, h.stream_id, h.length);
                rec.detail = Detail::Malformed;
                rec.notes.push(format!("capture ends {} bytes before the end of this frame", cur.remaining));
                out.push(rec);
            } else if partial_header > 0 || preface_partial {
                let offset = self.side(dir).offset;
                let mut rec = self.blank(dir, time, offset, None, 0, 0, 0);
                rec.detail = Detail::Malformed;
                rec.notes.push("capture ends inside a frame header or the preface".to_string());
                out.push(rec);
            }
        }
    }

    /// Take bytes of an HTTP/1.1 head; returns how many of `rest` were used.
    /// At CRLFCRLF the head is judged: an h2c upgrade request makes stream 1
    /// and the preface must follow; a 101 response lets frames follow; anything
    /// else is not HTTP/2 and the direction stops.
    fn http1_bytes(&mut self, dir: Direction, time: f64, rest: &[u8], out: &mut Vec<Record>) -> usize {
        let side = self.side_mut(dir);
        let Some(buf) = side.http1.as_mut() else { return rest.len() };
        let before = buf.len();
        let room = MAX_HTTP1_HEAD.saturating_sub(before);
        buf.extend_from_slice(rest.get(..room.min(rest.len())).unwrap_or_default());
        let end = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i.saturating_add(4));
        let Some(end) = end else {
            if buf.len() >= MAX_HTTP1_HEAD {
                side.http1 = None;
                side.dead = true;
                let offset = side.offset;
                let mut rec = self.blank(dir, time, offset, None, 0, 0, 0);
                rec.detail = Detail::Malformed;
                rec.violations.push(violation(
                    "§3.4",
                    "HTTP/1.1 head over 64 KiB: not HTTP/2",
                    ErrorCode::PROTOCOL_ERROR,
                    true,
                ));
                out.push(rec);
            }
            return rest.len().min(room);
        };
        let used = end.saturating_sub(before).min(rest.len());
        let head: Vec<u8> = buf.get(..end).unwrap_or_default().to_vec();
        side.http1 = None;
        let offset = side.offset;
        side.offset = side.offset.saturating_add(end as u64);
        let mut lines = head.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let start_line = lines.next().unwrap_or_default().to_vec();
        let fields: Vec<(Vec<u8>, Vec<u8>, bool)> = lines
            .filter(|l| !l.is_empty())
            .filter_map(|l| {
                let colon = l.iter().position(|&b| b == b':')?;
                let (n, v) = (l.get(..colon)?, l.get(colon.saturating_add(1)..)?);
                Some((n.to_ascii_lowercase(), v.trim_ascii().to_vec(), false))
            })
            .collect();
        let get = |name: &[u8]| fields.iter().find(|(n, _, _)| n.as_slice() == name).map(|(_, v, _)| v.clone());
        let mut rec = self.blank(dir, time, offset, None, 0, 1, u32::try_from(end).unwrap_or(u32::MAX));
        rec.detail = Detail::Http1 { start_line: start_line.clone() };
        let is_http1 = |line: &[u8]| line.windows(7).any(|w| w == b"HTTP/1.");
        match dir {
            Direction::ClientToServer => {
                let upgrade = get(b"upgrade").is_some_and(|v| v.to_ascii_lowercase().windows(3).any(|w| w == b"h2c"));
                if !is_http1(&start_line) || !upgrade {
                    self.side_mut(dir).dead = true;
                    rec.violations.push(violation(
                        "§3.4",
                        "HTTP/1.1 request without an h2c upgrade: not HTTP/2; rest of this direction not decoded",
                        ErrorCode::PROTOCOL_ERROR,
                        true,
                    ));
                } else {
                    rec.notes.push("h2c upgrade (RFC 7540 §3.2, deprecated by RFC 9113 §3.1): this request is stream 1; the client preface follows".to_string());
                    if get(b"http2-settings").is_none() {
                        rec.notes.push("no HTTP2-Settings header (RFC 7540 §3.2.1 requires exactly one)".to_string());
                    }
                    let skip = get(b"content-length").and_then(|v| semantics::parse_content_length(&v)).unwrap_or(0);
                    let side = self.side_mut(dir);
                    side.skip = skip;
                    side.preface_pos = 0;
                    side.last_stream = 1;
                    let windows = [i64::from(settings::DEFAULT_WINDOW_SIZE); 2];
                    self.track(&mut rec, 1, StreamInfo { client_done: true, windows, ..StreamInfo::default() });
                }
                rec.headers =
                    Some(HeaderBlock { stream_id: 1, kind: BlockKind::Request, encoded_len: end, frames: 0, fields });
            }
            Direction::ServerToClient => {
                let switched = start_line.split(|&b| b == b' ').nth(1) == Some(b"101".as_slice());
                if switched {
                    rec.notes.push("101 Switching Protocols: HTTP/2 frames follow; the response to the upgrade request comes on stream 1".to_string());
                } else {
                    self.side_mut(dir).dead = true;
                    rec.notes.push(
                        "the server answered in HTTP/1.1 (no upgrade): rest of this direction not decoded".to_string(),
                    );
                }
                rec.headers =
                    Some(HeaderBlock { stream_id: 1, kind: BlockKind::Response, encoded_len: end, frames: 0, fields });
            }
        }
        rec.state = self.streams.get(&1).map(StreamInfo::state);
        rec.windows = self.windows(1);
        out.push(rec);
        used
    }

    fn side(&self, dir: Direction) -> &Side {
        match dir {
            Direction::ClientToServer => &self.sides[0],
            Direction::ServerToClient => &self.sides[1],
        }
    }
    fn side_mut(&mut self, dir: Direction) -> &mut Side {
        match dir {
            Direction::ClientToServer => &mut self.sides[0],
            Direction::ServerToClient => &mut self.sides[1],
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn blank(
        &mut self,
        dir: Direction,
        time: f64,
        offset: u64,
        k: Option<u8>,
        f: u8,
        stream_id: u32,
        length: u32,
    ) -> Record {
        let index = self.next_index;
        self.next_index = self.next_index.saturating_add(1);
        Record {
            index,
            time,
            dir,
            offset,
            kind: k,
            flags: f,
            stream_id,
            length,
            detail: Detail::None,
            headers: None,
            table: None,
            state: None,
            windows: self.windows(stream_id),
            violations: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn windows(&self, stream_id: u32) -> Windows {
        Windows {
            connection: [self.sides[0].conn_window.get(), self.sides[1].conn_window.get()],
            stream: if stream_id == 0 { None } else { self.streams.get(&stream_id).map(|s| s.windows) },
        }
    }

    /// A whole frame arrived: decode and judge it.
    fn complete(&mut self, dir: Direction, time: f64, cur: Current) -> Record {
        let h = cur.header;
        let mut rec = Record {
            index: self.next_index,
            time,
            dir,
            offset: cur.offset,
            kind: Some(h.kind),
            flags: h.flags,
            stream_id: h.stream_id,
            length: h.length,
            detail: Detail::Malformed,
            headers: None,
            table: None,
            state: None,
            windows: self.windows(0),
            violations: Vec::new(),
            notes: Vec::new(),
        };
        self.next_index = self.next_index.saturating_add(1);

        // §4.2: the receiver's SETTINGS_MAX_FRAME_SIZE.
        let limit = self.side(dir.other()).max_frame_size;
        if h.length > limit {
            rec.violations.push(violation(
                "§4.2",
                &format!("{}-byte frame exceeds the receiver's SETTINGS_MAX_FRAME_SIZE ({limit})", h.length),
                ErrorCode::FRAME_SIZE_ERROR,
                true,
            ));
        }
        // §3.4: the first frame each side sends is SETTINGS.
        let first = self.side(dir).frames_seen == 0;
        let side = self.side_mut(dir);
        side.frames_seen = side.frames_seen.saturating_add(1);
        if first && h.kind != kind::SETTINGS && !self.mid_connection {
            rec.violations.push(violation(
                "§3.4",
                &format!("first frame from the {} is {}, not SETTINGS", endpoint(dir), type_name(h.kind)),
                ErrorCode::PROTOCOL_ERROR,
                true,
            ));
        }
        // §6.10: nothing may interleave a header block.
        if h.kind != kind::CONTINUATION {
            if let Some(block) = self.side_mut(dir).block.take() {
                rec.violations.push(violation(
                    "§6.10",
                    &format!(
                        "{} while the header block of stream {} awaits CONTINUATION",
                        type_name(h.kind),
                        block.stream_id
                    ),
                    ErrorCode::PROTOCOL_ERROR,
                    true,
                ));
            }
        }

        self.adopt_if_older_than_capture(dir, &mut rec);
        if let Some(progress) = cur.data {
            self.on_data(dir, &mut rec, progress);
        } else {
            let done = Done { header: h, offset: cur.offset, bytes: &cur.buf };
            self.on_frame(dir, &mut rec, done);
        }
        if h.stream_id != 0 {
            if let Some(s) = self.streams.get(&h.stream_id) {
                rec.state = Some(s.state());
            }
        }
        rec.windows = self.windows(h.stream_id);
        rec
    }

    /// Mid-connection: a frame on a stream that began before the capture
    /// starts tracking it as open (windows unknown, so never judged).
    fn adopt_if_older_than_capture(&mut self, dir: Direction, rec: &mut Record) {
        let sid = rec.stream_id;
        if !self.mid_connection || sid == 0 || self.streams.contains_key(&sid) {
            return;
        }
        let opens = rec.kind == Some(kind::HEADERS) && (dir == Direction::ClientToServer) == (sid % 2 == 1);
        let initiator = usize::from(sid % 2 == 0);
        let first = self.first_opened.get(initiator).copied().flatten();
        if opens {
            if first.is_none() {
                if let Some(f) = self.first_opened.get_mut(initiator) {
                    *f = Some(sid);
                }
            }
            return;
        }
        if first.is_some_and(|f| sid >= f) {
            return;
        }
        let unknown = crate::flow::MAX_WINDOW;
        let info = StreamInfo { adopted: true, windows: [unknown, unknown], ..StreamInfo::default() };
        rec.notes.push(format!("stream {sid} began before the capture (joined mid-connection)"));
        self.track(rec, sid, info);
    }

    fn on_data(&mut self, dir: Direction, rec: &mut Record, progress: DataProgress) {
        let h = FrameHeader { length: rec.length, kind: kind::DATA, flags: rec.flags, stream_id: rec.stream_id };
        if let Some(e) = progress.error {
            rec.violations.push(decoder_violation(&h, e));
            return;
        }
        rec.detail = Detail::Data {
            data_len: progress.payload,
            pad_len: h.length.saturating_sub(progress.payload),
            end_stream: progress.end_stream,
            preview: progress.preview,
        };
        let sid = h.stream_id;
        // Flow control counts the whole payload, padding included (§6.9.1).
        let len = i64::from(h.length);
        let window_broken = self.side_mut(dir).conn_window.adjust(len.saturating_neg()).is_err()
            || self.side(dir).conn_window.get() < 0;
        // Mid-connection the window's starting value is unknown.
        if window_broken && !self.mid_connection {
            rec.violations.push(violation(
                "§6.9.1",
                &format!("DATA exceeds the connection flow-control window (now {})", self.side(dir).conn_window.get()),
                ErrorCode::FLOW_CONTROL_ERROR,
                true,
            ));
        }
        let Some(stream) = self.streams.get_mut(&sid) else {
            rec.violations.push(idle_violation("DATA", sid, self.sides[0].last_stream, self.sides[1].last_stream));
            return;
        };
        if after_reset(rec, stream, dir, "DATA", sid) {
            // Judged there; still counted against the connection window above (§6.9).
        } else if stream.done(dir) {
            rec.violations.push(violation(
                "§5.1",
                &format!("DATA on stream {sid} after the {} ended it (state {})", endpoint(dir), stream.state()),
                ErrorCode::STREAM_CLOSED,
                !stream.reset,
            ));
        } else if dir == Direction::ServerToClient && !stream.responded && !stream.adopted {
            rec.violations.push(violation(
                "§8.1",
                &format!("DATA on stream {sid} before the response HEADERS"),
                ErrorCode::PROTOCOL_ERROR,
                false,
            ));
        }
        if let Some(w) = stream.windows.get_mut(dir.idx()) {
            *w = w.saturating_sub(len);
            if *w < 0 {
                let now = *w;
                rec.violations.push(violation(
                    "§6.9.1",
                    &format!("DATA exceeds stream {sid}'s flow-control window (now {now})"),
                    ErrorCode::FLOW_CONTROL_ERROR,
                    false,
                ));
            }
        }
        if let (Some(b), Some(cl)) = (stream.body.get_mut(dir.idx()), stream.content_length.get(dir.idx())) {
            let before = *b;
            *b = b.saturating_add(u64::from(progress.payload));
            if let Some(cl) = *cl {
                if *b > cl && before <= cl {
                    rec.violations.push(violation(
                        "§8.1.1",
                        &format!("stream {sid}: DATA beyond the declared content-length {cl}"),
                        ErrorCode::PROTOCOL_ERROR,
                        false,
                    ));
                }
            }
        }
        if progress.end_stream {
            stream.set_done(dir);
            body_end(rec, sid, stream, dir);
        }
    }

    fn on_frame(&mut self, dir: Direction, rec: &mut Record, done: Done<'_>) {
        let h = done.header;
        let _ = done.offset;
        let mut decoder = frame_decoder_for(&h);
        let mut pos = 0usize;
        let frame = match decoder.decode(done.bytes, &mut pos) {
            Ok(Some(Item::Frame(f))) => f,
            Ok(_) => {
                rec.notes.push("frame decoder yielded no frame".to_string());
                return;
            }
            Err(e) => {
                rec.violations.push(decoder_violation(&h, e));
                return;
            }
        };
        match frame {
            Frame::Headers { stream_id, end_stream, end_headers, priority, fragment } => {
                let prio =
                    priority.map(|p| Prio { exclusive: p.exclusive, dependency: p.dependency, weight: p.weight });
                rec.detail =
                    Detail::Headers { end_stream, end_headers, priority: prio, fragment_len: len32(fragment.len()) };
                if let Some(p) = prio {
                    self_dependency(rec, stream_id, p.dependency);
                }
                self.start_block(dir, rec, stream_id, None, end_stream, end_headers, fragment);
            }
            Frame::Priority { stream_id, spec } => {
                let p = Prio { exclusive: spec.exclusive, dependency: spec.dependency, weight: spec.weight };
                rec.detail = Detail::Priority(p);
                self_dependency(rec, stream_id, p.dependency);
            }
            Frame::RstStream { stream_id, code } => {
                rec.detail = Detail::RstStream { code };
                match self.streams.get_mut(&stream_id) {
                    Some(s) => {
                        s.reset = true;
                        s.reset_by.get_or_insert(dir);
                    }
                    None => {
                        let v = idle_violation(
                            "RST_STREAM",
                            stream_id,
                            self.sides[0].last_stream,
                            self.sides[1].last_stream,
                        );
                        if v.code == ErrorCode::PROTOCOL_ERROR {
                            rec.violations.push(v);
                        }
                    }
                }
            }
            Frame::Settings { ack, params } => {
                let list: Vec<(u16, u32)> = crate::frame::settings_iter(params).collect();
                rec.detail = Detail::Settings { ack, params: list.clone() };
                if ack {
                    self.on_settings_ack(dir, rec);
                } else {
                    self.on_settings(dir, rec, &list);
                }
            }
            Frame::PushPromise { stream_id, promised_id, end_headers, fragment } => {
                rec.detail = Detail::PushPromise { promised_id, end_headers, fragment_len: len32(fragment.len()) };
                self.on_push_promise(dir, rec, stream_id, promised_id);
                self.start_block(dir, rec, stream_id, Some(promised_id), false, end_headers, fragment);
            }
            Frame::Ping { ack, data } => {
                rec.detail = Detail::Ping { ack, data };
            }
            Frame::GoAway { last_stream_id, code, debug } => {
                rec.detail = Detail::GoAway { last_stream_id, code, debug: debug.to_vec() };
                let side = self.side_mut(dir);
                if let Some(prev) = side.goaway {
                    if last_stream_id > prev {
                        rec.violations.push(violation(
                            "§6.8",
                            &format!("GOAWAY last-stream-id raised from {prev} to {last_stream_id}"),
                            ErrorCode::PROTOCOL_ERROR,
                            true,
                        ));
                    }
                }
                side.goaway = Some(last_stream_id);
            }
            Frame::WindowUpdate { stream_id, increment } => {
                rec.detail = Detail::WindowUpdate { increment };
                self.on_window_update(dir, rec, stream_id, increment);
            }
            Frame::Continuation { stream_id, end_headers, fragment } => {
                rec.detail = Detail::Continuation { end_headers, fragment_len: len32(fragment.len()) };
                self.on_continuation(dir, rec, stream_id, end_headers, fragment);
            }
            Frame::PriorityUpdate { prioritized_id, field_value } => {
                rec.detail = Detail::PriorityUpdate { prioritized_id, field_value: field_value.to_vec() };
                if dir == Direction::ServerToClient {
                    rec.violations.push(violation(
                        "RFC 9218 §7.1",
                        "PRIORITY_UPDATE sent by the server",
                        ErrorCode::PROTOCOL_ERROR,
                        true,
                    ));
                }
            }
            Frame::Unknown { .. } => {
                rec.detail = Detail::Unknown;
                rec.notes.push("unknown frame type: ignored by the receiver (§5.5)".to_string());
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn start_block(
        &mut self,
        dir: Direction,
        rec: &mut Record,
        stream_id: u32,
        promised: Option<u32>,
        end_stream: bool,
        end_headers: bool,
        fragment: &[u8],
    ) {
        let block = PendingBlock {
            stream_id,
            promised,
            end_stream,
            buf: fragment.to_vec(),
            frames: 1,
            too_big: fragment.len() > MAX_HEADER_BLOCK,
        };
        if end_headers {
            self.finish_block(dir, rec, block);
        } else {
            self.side_mut(dir).block = Some(block);
        }
    }

    fn on_continuation(
        &mut self,
        dir: Direction,
        rec: &mut Record,
        stream_id: u32,
        end_headers: bool,
        fragment: &[u8],
    ) {
        let Some(mut block) = self.side_mut(dir).block.take() else {
            rec.violations.push(violation(
                "§6.10",
                "CONTINUATION without a preceding HEADERS/PUSH_PROMISE",
                ErrorCode::PROTOCOL_ERROR,
                true,
            ));
            return;
        };
        if block.stream_id != stream_id {
            rec.violations.push(violation(
                "§6.10",
                &format!("CONTINUATION on stream {stream_id}, header block is on stream {}", block.stream_id),
                ErrorCode::PROTOCOL_ERROR,
                true,
            ));
            return;
        }
        block.frames = block.frames.saturating_add(1);
        if block.buf.len().saturating_add(fragment.len()) > MAX_HEADER_BLOCK {
            block.too_big = true;
        } else {
            block.buf.extend_from_slice(fragment);
        }
        if end_headers {
            self.finish_block(dir, rec, block);
        } else {
            self.side_mut(dir).block = Some(block);
        }
    }

    /// A complete header block: HPACK-decode it, then judge it on its stream.
    fn finish_block(&mut self, dir: Direction, rec: &mut Record, block: PendingBlock) {
        if block.too_big {
            rec.notes.push(format!(
                "header block larger than the inspector's {MAX_HEADER_BLOCK}-byte limit: not decoded; HPACK state lost"
            ));
            self.side_mut(dir).table.in_sync = false;
            return;
        }
        let mut fields: Vec<(Vec<u8>, Vec<u8>, bool)> = Vec::new();
        let mid_connection = self.mid_connection;
        let side = self.side_mut(dir);
        let result = side.hpack.decode(&block.buf, &LIST_LIMITS, &mut |f: HeaderField<'_>| {
            fields.push((f.name.to_vec(), f.value.to_vec(), f.sensitive));
        });
        let undecodable_mid = mid_connection && result.is_err();
        match result {
            Ok(outcome) => {
                if outcome.over_limit {
                    rec.notes.push("header list over the inspector's limits: truncated".to_string());
                }
                mirror_block(&mut side.table, &block.buf, &fields, outcome.over_limit);
                // The decoder knows the true size; a mismatch means the mirror drifted.
                if side.hpack.table_size() != side.table.size || side.hpack.max_table_size() != side.table.max {
                    side.table.in_sync = false;
                }
            }
            Err(e) if mid_connection => {
                side.table.in_sync = false;
                rec.notes.push(format!(
                    "HPACK decoding failed ({e}): joined mid-connection, so this direction's dynamic table is unknown"
                ));
            }
            Err(e) => {
                side.table.in_sync = false;
                rec.violations.push(violation(
                    "§4.3",
                    &format!("HPACK decoding error ({e}): COMPRESSION_ERROR; later header blocks in this direction may decode wrongly"),
                    ErrorCode::COMPRESSION_ERROR,
                    true,
                ));
            }
        }
        rec.table = Some(self.side(dir).table.snapshot());
        let judged_before = rec.violations.len();
        let kind = self.judge_block(dir, rec, &block, &fields);
        if undecodable_mid {
            // The fields are unknown, so only the stream-state effects stand.
            rec.violations.truncate(judged_before);
        }
        rec.headers = Some(HeaderBlock {
            stream_id: block.stream_id,
            kind,
            encoded_len: block.buf.len(),
            frames: block.frames,
            fields,
        });
    }

    /// Stream-state and §8 checks for a header block; returns what it was.
    fn judge_block(
        &mut self,
        dir: Direction,
        rec: &mut Record,
        block: &PendingBlock,
        fields: &[(Vec<u8>, Vec<u8>, bool)],
    ) -> BlockKind {
        let sid = block.stream_id;
        let pairs = || fields.iter().map(|(n, v, _)| (n.as_slice(), v.as_slice()));
        if let Some(promised) = block.promised {
            if let Err(reason) = semantics::check_request(pairs()) {
                rec.violations.push(semantic_violation(reason, promised));
            }
            return BlockKind::PushRequest;
        }
        match dir {
            Direction::ClientToServer => {
                if let Some(s) = self.streams.get_mut(&sid) {
                    if after_reset(rec, s, dir, "HEADERS", sid) {
                        return BlockKind::Trailers;
                    }
                    if s.client_done {
                        rec.violations.push(violation(
                            "§5.1",
                            &format!("HEADERS on stream {sid} after the client ended it ({})", s.state()),
                            ErrorCode::STREAM_CLOSED,
                            !s.reset,
                        ));
                        return BlockKind::Trailers;
                    }
                    // Trailers (§8.1).
                    if !block.end_stream {
                        rec.violations.push(violation(
                            "§8.1",
                            &format!("second HEADERS on stream {sid} without END_STREAM"),
                            ErrorCode::PROTOCOL_ERROR,
                            false,
                        ));
                    }
                    if let Err(reason) = semantics::check_trailers(pairs()) {
                        rec.violations.push(semantic_violation(reason, sid));
                    }
                    s.client_done = true;
                    body_end(rec, sid, s, dir);
                    return BlockKind::Trailers;
                }
                // A new stream.
                let last = self.side(dir).last_stream;
                if sid % 2 == 0 {
                    rec.violations.push(violation(
                        "§5.1.1",
                        &format!("even stream id {sid} from client"),
                        ErrorCode::PROTOCOL_ERROR,
                        true,
                    ));
                } else if sid <= last {
                    rec.violations.push(violation(
                        "§5.1.1",
                        &format!(
                            "stream id {sid} not above the client's previous stream {last} (closed or skipped stream)"
                        ),
                        ErrorCode::PROTOCOL_ERROR,
                        true,
                    ));
                } else {
                    self.side_mut(dir).last_stream = sid;
                }
                if let Some(goaway) = self.side(Direction::ServerToClient).goaway {
                    if sid > goaway {
                        rec.notes.push(format!(
                            "stream above the server's GOAWAY last-stream-id {goaway}: ignored by the server"
                        ));
                    }
                }
                if let Err(reason) = semantics::check_request(pairs()) {
                    rec.violations.push(semantic_violation(reason, sid));
                }
                // A direction's window starts at what its receiver announced.
                // §5.1.2: streams open or half-closed count against the server's limit.
                if let Some(max) = self.side(Direction::ServerToClient).max_streams {
                    let open = self
                        .streams
                        .values()
                        .filter(|s| !(s.pushed || s.reset || (s.client_done && s.server_done)))
                        .count();
                    if open >= usize::try_from(max).unwrap_or(usize::MAX) {
                        rec.violations.push(violation(
                            "§5.1.2",
                            &format!("stream {sid} exceeds the server's SETTINGS_MAX_CONCURRENT_STREAMS ({max}); {open} already open"),
                            ErrorCode::REFUSED_STREAM,
                            false,
                        ));
                    }
                }
                let field =
                    |name: &[u8]| fields.iter().find(|(n, _, _)| n.as_slice() == name).map(|(_, v, _)| v.as_slice());
                let info = StreamInfo {
                    client_done: block.end_stream,
                    content_length: [field(b"content-length").and_then(semantics::parse_content_length), None],
                    head: field(b":method") == Some(b"HEAD".as_slice()),
                    windows: [
                        i64::from(self.side(Direction::ServerToClient).announced.initial_window_size),
                        i64::from(self.side(Direction::ClientToServer).announced.initial_window_size),
                    ],
                    ..StreamInfo::default()
                };
                if block.end_stream {
                    body_end(rec, sid, &info, dir);
                }
                self.track(rec, sid, info);
                BlockKind::Request
            }
            Direction::ServerToClient => {
                let Some(s) = self.streams.get_mut(&sid) else {
                    rec.violations.push(idle_violation(
                        "HEADERS",
                        sid,
                        self.sides[0].last_stream,
                        self.sides[1].last_stream,
                    ));
                    return BlockKind::Response;
                };
                if after_reset(rec, s, dir, "HEADERS", sid) {
                    return BlockKind::Response;
                }
                if s.server_done {
                    rec.violations.push(violation(
                        "§5.1",
                        &format!("HEADERS on stream {sid} after the server ended it ({})", s.state()),
                        ErrorCode::STREAM_CLOSED,
                        !s.reset,
                    ));
                    return BlockKind::Trailers;
                }
                s.server_headers = true;
                if s.responded {
                    if !block.end_stream {
                        rec.violations.push(violation(
                            "§8.1",
                            &format!("HEADERS after the final response on stream {sid} without END_STREAM"),
                            ErrorCode::PROTOCOL_ERROR,
                            false,
                        ));
                    }
                    if let Err(reason) = semantics::check_trailers(pairs()) {
                        rec.violations.push(semantic_violation(reason, sid));
                    }
                    s.server_done |= block.end_stream;
                    if block.end_stream {
                        body_end(rec, sid, s, dir);
                    }
                    return BlockKind::Trailers;
                }
                let (kind, problem) = check_response(fields);
                if let Some((section, msg)) = problem {
                    rec.violations.push(violation(section, &msg, ErrorCode::PROTOCOL_ERROR, false));
                }
                if kind == BlockKind::Informational && block.end_stream {
                    rec.violations.push(violation(
                        "§8.1",
                        "END_STREAM on an informational (1xx) response",
                        ErrorCode::PROTOCOL_ERROR,
                        false,
                    ));
                }
                if kind == BlockKind::Response {
                    s.responded = true;
                    let field = |name: &[u8]| {
                        fields.iter().find(|(n, _, _)| n.as_slice() == name).map(|(_, v, _)| v.as_slice())
                    };
                    let no_content = s.head || matches!(field(b":status"), Some(b"204" | b"304"));
                    if !no_content {
                        s.content_length[1] = field(b"content-length").and_then(semantics::parse_content_length);
                    }
                }
                s.server_done |= block.end_stream;
                if block.end_stream {
                    body_end(rec, sid, s, dir);
                }
                kind
            }
        }
    }

    /// Start tracking a stream, within the bound.
    fn track(&mut self, rec: &mut Record, sid: u32, info: StreamInfo) {
        if self.streams.len() >= MAX_TRACKED_STREAMS && !self.streams.contains_key(&sid) {
            // Forget finished streams first (oldest ids first).
            let finished: Vec<u32> = self
                .streams
                .iter()
                .filter(|(_, s)| s.reset || (s.client_done && s.server_done))
                .map(|(&id, _)| id)
                .take(MAX_TRACKED_STREAMS / 10)
                .collect();
            for id in finished {
                self.streams.remove(&id);
            }
            if self.streams.len() >= MAX_TRACKED_STREAMS {
                if !self.untracked_flagged {
                    self.untracked_flagged = true;
                    rec.notes.push(format!("more than {MAX_TRACKED_STREAMS} open streams: new streams not tracked"));
                }
                return;
            }
        }
        self.streams.insert(sid, info);
    }

    fn on_push_promise(&mut self, dir: Direction, rec: &mut Record, stream_id: u32, promised_id: u32) {
        if dir == Direction::ClientToServer {
            rec.violations.push(violation("§8.4", "PUSH_PROMISE sent by the client", ErrorCode::PROTOCOL_ERROR, true));
            return;
        }
        if !self.side(Direction::ClientToServer).announced.enable_push {
            rec.violations.push(violation(
                "§6.6",
                "PUSH_PROMISE although the client set SETTINGS_ENABLE_PUSH to 0",
                ErrorCode::PROTOCOL_ERROR,
                true,
            ));
        }
        if promised_id % 2 != 0 || promised_id <= self.side(dir).last_stream {
            rec.violations.push(violation(
                "§5.1.1",
                &format!("promised stream id {promised_id} is not a new even id"),
                ErrorCode::PROTOCOL_ERROR,
                true,
            ));
        } else {
            self.side_mut(dir).last_stream = promised_id;
        }
        match self.streams.get(&stream_id) {
            Some(s) if !s.server_done && !s.reset => {}
            _ => rec.violations.push(violation(
                "§6.6",
                &format!("PUSH_PROMISE on stream {stream_id}, which is not open for the server"),
                ErrorCode::PROTOCOL_ERROR,
                true,
            )),
        }
        let info = StreamInfo {
            pushed: true,
            client_done: true,
            windows: [
                i64::from(self.side(Direction::ServerToClient).announced.initial_window_size),
                i64::from(self.side(Direction::ClientToServer).announced.initial_window_size),
            ],
            ..StreamInfo::default()
        };
        self.track(rec, promised_id, info);
    }

    fn on_settings(&mut self, dir: Direction, rec: &mut Record, list: &[(u16, u32)]) {
        let mut pending = PendingSettings::default();
        for &(id, value) in list {
            if id == settings::id::MAX_CONCURRENT_STREAMS {
                pending.max_concurrent_streams = Some(value);
            }
            if dir == Direction::ServerToClient && id == settings::id::ENABLE_PUSH && value != 0 {
                rec.violations.push(violation(
                    "§6.5.2",
                    &format!("server sent SETTINGS_ENABLE_PUSH = {value} (must be 0)"),
                    ErrorCode::PROTOCOL_ERROR,
                    true,
                ));
                continue;
            }
            match self.side_mut(dir).announced.apply(id, value) {
                Ok(PeerChange::HeaderTableSize(n)) => pending.header_table_size = Some(n),
                Ok(PeerChange::MaxFrameSize(n)) => self.side_mut(dir).max_frame_size = n,
                Ok(PeerChange::InitialWindow { delta }) => {
                    // Windows of DATA sent *to* this side, on every stream (§6.9.2).
                    let target = dir.other().idx();
                    let mut overflow = false;
                    for s in self.streams.values_mut() {
                        if let Some(w) = s.windows.get_mut(target) {
                            *w = w.saturating_add(delta);
                            overflow |= *w > crate::flow::MAX_WINDOW;
                        }
                    }
                    if overflow {
                        rec.violations.push(violation(
                            "§6.9.2",
                            "INITIAL_WINDOW_SIZE change pushes a stream window above 2^31-1",
                            ErrorCode::FLOW_CONTROL_ERROR,
                            true,
                        ));
                    }
                }
                Ok(PeerChange::None) => {}
                Err(e) => rec.violations.push(violation(
                    "§6.5.2",
                    &format!("{} = {value}: {}", setting_name(id), e.reason()),
                    e.code(),
                    true,
                )),
            }
        }
        self.side_mut(dir).unacked.push_back(pending);
        if self.side(dir).unacked.len() > 64 {
            self.side_mut(dir).unacked.pop_front();
        }
    }

    fn on_settings_ack(&mut self, dir: Direction, rec: &mut Record) {
        // This ACK acknowledges the other side's oldest unacknowledged SETTINGS.
        let Some(pending) = self.side_mut(dir.other()).unacked.pop_front() else {
            rec.notes.push("SETTINGS ACK with no SETTINGS outstanding".to_string());
            return;
        };
        if let Some(max) = pending.max_concurrent_streams {
            self.side_mut(dir.other()).max_streams = Some(max);
        }
        if let Some(size) = pending.header_table_size {
            // The other side announced the table size its decoder allows;
            // that decoder is the one for blocks `dir` sends.
            let n = usize::try_from(size).unwrap_or(usize::MAX).min(MAX_TABLE_SIZE);
            let side = self.side_mut(dir);
            side.hpack.set_max_allowed_table_size(n);
            // The decoder shrinks its table at once when the limit drops below it.
            if side.table.max > n {
                side.table.set_max(n);
            }
            rec.notes.push(format!("{} may now use an HPACK table of up to {n} bytes", endpoint(dir)));
        }
    }

    fn on_window_update(&mut self, dir: Direction, rec: &mut Record, stream_id: u32, increment: u32) {
        // The update opens the window of DATA sent *to* `dir`'s sender.
        let target = dir.other();
        if increment == 0 {
            rec.violations.push(violation(
                "§6.9",
                "WINDOW_UPDATE with an increment of 0",
                ErrorCode::PROTOCOL_ERROR,
                stream_id == 0,
            ));
        }
        let inc = i64::from(increment);
        if stream_id == 0 {
            let w = &mut self.side_mut(target).conn_window;
            if w.adjust(inc).is_err() {
                rec.violations.push(violation(
                    "§6.9.1",
                    "WINDOW_UPDATE pushes the connection window above 2^31-1",
                    ErrorCode::FLOW_CONTROL_ERROR,
                    true,
                ));
            }
            return;
        }
        let (client_last, server_last) = (self.sides[0].last_stream, self.sides[1].last_stream);
        let Some(s) = self.streams.get_mut(&stream_id) else {
            let v = idle_violation("WINDOW_UPDATE", stream_id, client_last, server_last);
            if v.code == ErrorCode::PROTOCOL_ERROR {
                rec.violations.push(v);
            }
            return;
        };
        if let Some(w) = s.windows.get_mut(target.idx()) {
            *w = w.saturating_add(inc);
            if *w > crate::flow::MAX_WINDOW {
                rec.violations.push(violation(
                    "§6.9.1",
                    &format!("WINDOW_UPDATE pushes stream {stream_id}'s window above 2^31-1"),
                    ErrorCode::FLOW_CONTROL_ERROR,
                    false,
                ));
            }
        }
    }
}

/// A decoder that accepts exactly this frame's size: the receiver's limit is
/// checked separately (§4.2), and sizing it to the frame keeps any buffer the
/// decoder reserves no larger than the frame itself.
fn frame_decoder_for(h: &FrameHeader) -> FrameDecoder {
    FrameDecoder::new(h.length.clamp(settings::MIN_MAX_FRAME_SIZE, settings::MAX_MAX_FRAME_SIZE))
}

/// Feed DATA frame bytes through its decoder, collecting lengths and a preview.
fn data_feed(p: &mut DataProgress, input: &[u8]) {
    if p.error.is_some() {
        return;
    }
    let mut pos = 0usize;
    loop {
        match p.decoder.decode(input, &mut pos) {
            Ok(Some(Item::DataPayload { start, end, .. })) => {
                let n = end.saturating_sub(start);
                p.payload = p.payload.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
                let room = DATA_PREVIEW.saturating_sub(p.preview.len());
                if room > 0 {
                    let take = end.min(start.saturating_add(room));
                    if let Some(bytes) = input.get(start..take) {
                        p.preview.extend_from_slice(bytes);
                    }
                }
            }
            Ok(Some(Item::DataEnd { end_stream, .. })) => p.end_stream = end_stream,
            Ok(Some(_)) => {}
            Ok(None) => return,
            Err(e) => {
                p.error = Some(e);
                return;
            }
        }
    }
}

/// Update the table mirror from one decoded block.
fn mirror_block(table: &mut TableMirror, block: &[u8], fields: &[(Vec<u8>, Vec<u8>, bool)], truncated: bool) {
    let Some(reps) = representations(block) else {
        table.in_sync = false;
        return;
    };
    let mut it = fields.iter();
    for rep in reps {
        match rep {
            Rep::SizeUpdate(n) => table.set_max(n),
            Rep::Field { inserted } => match it.next() {
                Some((n, v, _)) => {
                    if inserted {
                        table.insert(n, v);
                    }
                }
                None => {
                    if truncated || inserted {
                        table.in_sync = false;
                    }
                }
            },
        }
    }
}

/// §8.3.2 response checks; returns the block kind and the first problem.
fn check_response(fields: &[(Vec<u8>, Vec<u8>, bool)]) -> (BlockKind, Option<(&'static str, String)>) {
    let mut status: Option<&[u8]> = None;
    let mut problem: Option<(&'static str, String)> = None;
    let mut regular_seen = false;
    for (name, value, _) in fields {
        if name.first() == Some(&b':') {
            if regular_seen && problem.is_none() {
                problem = Some(("§8.3", "pseudo-header after regular field".to_string()));
            }
            if name.as_slice() == b":status" {
                if status.is_some() && problem.is_none() {
                    problem = Some(("§8.3", "duplicate :status".to_string()));
                }
                status = Some(value);
            } else if problem.is_none() {
                problem = Some(("§8.3.2", format!("{} in a response", String::from_utf8_lossy(name))));
            }
        } else {
            regular_seen = true;
        }
    }
    let regular =
        fields.iter().filter(|(n, _, _)| n.first() != Some(&b':')).map(|(n, v, _)| (n.as_slice(), v.as_slice()));
    if let Err(reason) = semantics::check_trailers(regular) {
        if problem.is_none() {
            problem = Some((reason_section(reason), reason.to_string()));
        }
    }
    let kind = match status {
        None => {
            if problem.is_none() {
                problem = Some(("§8.3.2", "response without :status".to_string()));
            }
            BlockKind::Response
        }
        Some(s) => {
            let valid = s.len() == 3 && s.iter().all(u8::is_ascii_digit);
            if !valid && problem.is_none() {
                problem = Some(("§8.3.2", format!(":status {:?} is not three digits", String::from_utf8_lossy(s))));
            }
            if s.first() == Some(&b'1') {
                if s == b"101" && problem.is_none() {
                    problem = Some(("§8.6", "101 Switching Protocols is not allowed in HTTP/2".to_string()));
                }
                BlockKind::Informational
            } else {
                BlockKind::Response
            }
        }
    };
    (kind, problem)
}

/// A frame on a reset stream: a violation from the side that sent the
/// RST_STREAM (§6.4: it must not send more), in flight and ignored from the other.
fn after_reset(rec: &mut Record, s: &StreamInfo, dir: Direction, what: &str, sid: u32) -> bool {
    match s.reset_by {
        None => false,
        Some(by) if by == dir => {
            rec.violations.push(violation(
                "§6.4",
                &format!("{what} on stream {sid} after the {} reset it", endpoint(dir)),
                ErrorCode::STREAM_CLOSED,
                false,
            ));
            true
        }
        Some(_) => {
            rec.notes.push(format!(
                "{what} on stream {sid} after the peer's RST_STREAM: in flight, ignored by the receiver (§5.1)"
            ));
            true
        }
    }
}

/// END_STREAM in `dir`: the DATA seen must match a declared content-length (§8.1.1).
fn body_end(rec: &mut Record, sid: u32, s: &StreamInfo, dir: Direction) {
    let (Some(Some(cl)), Some(&got)) = (s.content_length.get(dir.idx()), s.body.get(dir.idx())) else { return };
    if got < *cl {
        rec.violations.push(violation(
            "§8.1.1",
            &format!("stream {sid}: {got} bytes of DATA, content-length said {cl}"),
            ErrorCode::PROTOCOL_ERROR,
            false,
        ));
    }
}

fn self_dependency(rec: &mut Record, stream_id: u32, dependency: u32) {
    if stream_id == dependency {
        rec.violations.push(violation(
            "§5.3.1",
            &format!("stream {stream_id} depends on itself"),
            ErrorCode::PROTOCOL_ERROR,
            false,
        ));
    }
}

/// A frame on a stream that is not (or no longer) known: idle (a
/// PROTOCOL_ERROR, §5.1) or closed and forgotten (STREAM_CLOSED).
/// `client_last`/`server_last`: the highest ids each side initiated.
fn idle_violation(what: &str, sid: u32, client_last: u32, server_last: u32) -> Violation {
    // Odd ids are the client's, even ids the server's (§5.1.1).
    let last = if sid % 2 == 1 { client_last } else { server_last };
    if sid > last {
        violation("§5.1", &format!("{what} on idle stream {sid}"), ErrorCode::PROTOCOL_ERROR, true)
    } else {
        violation("§5.1", &format!("{what} on closed stream {sid}"), ErrorCode::STREAM_CLOSED, false)
    }
}

/// A frame-decoder error, with the section of the frame type's definition.
fn decoder_violation(h: &FrameHeader, e: ProtoError) -> Violation {
    let section = match (e.code(), h.kind) {
        (_, kind::DATA) => "§6.1",
        (_, kind::HEADERS) => "§6.2",
        (_, kind::PRIORITY) => "§6.3",
        (_, kind::RST_STREAM) => "§6.4",
        (_, kind::SETTINGS) => "§6.5",
        (_, kind::PUSH_PROMISE) => "§6.6",
        (_, kind::PING) => "§6.7",
        (_, kind::GOAWAY) => "§6.8",
        (_, kind::WINDOW_UPDATE) => "§6.9",
        (_, kind::CONTINUATION) => "§6.10",
        (ErrorCode::FRAME_SIZE_ERROR, _) => "§4.2",
        _ => "§4.1",
    };
    let connection = matches!(e, ProtoError::Connection { .. });
    let what = if e.code() == ErrorCode::FRAME_SIZE_ERROR { "frame size error" } else { "malformed frame" };
    violation(section, &format!("{} {what}: {}", type_name(h.kind), e.reason()), e.code(), connection)
}

/// A §8 failure from `semantics`, with its section.
fn semantic_violation(reason: &str, sid: u32) -> Violation {
    violation(
        reason_section(reason),
        &format!("stream {sid}: malformed message: {reason}"),
        ErrorCode::PROTOCOL_ERROR,
        false,
    )
}

fn reason_section(reason: &str) -> &'static str {
    if reason.contains("connection-specific") || reason.starts_with("te ") {
        "§8.2.2"
    } else if reason.contains("field name") || reason.contains("field value") {
        "§8.2.1"
    } else if reason.contains("CONNECT") {
        "§8.5"
    } else if reason.contains("content-length") {
        "§8.1.1"
    } else if reason.contains("trailers") {
        "§8.1"
    } else if reason.contains("host")
        || reason.contains(":authority")
        || reason.contains(":path")
        || reason.contains(":scheme")
        || reason.contains(":method")
    {
        "§8.3.1"
    } else {
        "§8.3"
    }
}

fn violation(section: &'static str, message: &str, code: ErrorCode, connection: bool) -> Violation {
    Violation { section, message: message.to_string(), code, connection }
}

fn endpoint(dir: Direction) -> &'static str {
    match dir {
        Direction::ClientToServer => "client",
        Direction::ServerToClient => "server",
    }
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

// ---------------------------------------------------------------------------
// JSON output (hand-built: the format is small and fixed; see src/wasm/inspector.rs)

/// Append `s` as a JSON string literal.
pub fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_bytes(out: &mut String, b: &[u8]) {
    json_str(out, &String::from_utf8_lossy(b));
}

fn json_hex(out: &mut String, b: &[u8]) {
    out.push('"');
    for byte in b {
        out.push_str(&format!("{byte:02x}"));
    }
    out.push('"');
}

fn json_code(out: &mut String, code: ErrorCode) {
    out.push_str(&format!("{{\"code\":{},\"name\":", code.0));
    match code.name() {
        Some(n) => json_str(out, n),
        None => json_str(out, &format!("UNKNOWN({:#x})", code.0)),
    }
    out.push('}');
}

fn json_prio(out: &mut String, p: &Prio) {
    out.push_str(&format!(
        "{{\"exclusive\":{},\"dependency\":{},\"weight\":{}}}",
        p.exclusive,
        p.dependency,
        u16::from(p.weight).saturating_add(1)
    ));
}

impl Record {
    /// This record as one JSON object (format in src/wasm/inspector.rs).
    pub fn write_json(&self, out: &mut String) {
        out.push_str(&format!("{{\"i\":{},\"t\":", self.index));
        if self.time.is_finite() {
            out.push_str(&format!("{}", self.time));
        } else {
            out.push_str("null");
        }
        out.push_str(&format!(",\"dir\":\"{}\",\"off\":{},\"type\":", self.dir.as_str(), self.offset));
        json_str(out, self.type_name());
        match self.kind {
            Some(k) => out.push_str(&format!(",\"code\":{k}")),
            None => out.push_str(",\"code\":null"),
        }
        out.push_str(&format!(",\"flagBits\":{},\"flags\":[", self.flags));
        for (i, f) in flag_names(self.kind, self.flags).iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_str(out, f);
        }
        out.push_str(&format!("],\"stream\":{},\"len\":{},\"detail\":", self.stream_id, self.length));
        self.write_detail(out);
        if let Some(h) = &self.headers {
            out.push_str(&format!(
                ",\"headers\":{{\"stream\":{},\"kind\":\"{}\",\"encodedLen\":{},\"frames\":{},\"fields\":[",
                h.stream_id,
                h.kind.as_str(),
                h.encoded_len,
                h.frames
            ));
            for (i, (n, v, sensitive)) in h.fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('[');
                json_bytes(out, n);
                out.push(',');
                json_bytes(out, v);
                if *sensitive {
                    out.push_str(",true");
                }
                out.push(']');
            }
            out.push_str("]}");
        }
        if let Some(t) = &self.table {
            out.push_str(&format!(
                ",\"table\":{{\"size\":{},\"max\":{},\"inSync\":{},\"entries\":[",
                t.size, t.max_size, t.in_sync
            ));
            for (i, (n, v)) in t.entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('[');
                json_bytes(out, n);
                out.push(',');
                json_bytes(out, v);
                out.push(']');
            }
            out.push_str("]}");
        }
        if let Some(s) = self.state {
            out.push_str(",\"state\":");
            json_str(out, s);
        }
        out.push_str(&format!(",\"win\":{{\"conn\":[{},{}]", self.windows.connection[0], self.windows.connection[1]));
        if let Some(s) = self.windows.stream {
            out.push_str(&format!(",\"stream\":[{},{}]", s[0], s[1]));
        }
        out.push_str("},\"violations\":[");
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"sec\":");
            json_str(out, v.section);
            out.push_str(",\"msg\":");
            json_str(out, &v.message);
            out.push_str(",\"error\":");
            json_code(out, v.code);
            out.push_str(&format!(",\"scope\":\"{}\"}}", if v.connection { "connection" } else { "stream" }));
        }
        out.push_str("],\"notes\":[");
        for (i, n) in self.notes.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_str(out, n);
        }
        out.push_str("]}");
    }

    fn write_detail(&self, out: &mut String) {
        match &self.detail {
            Detail::None | Detail::Unknown => out.push_str("{}"),
            Detail::Preface => out.push_str("{\"preface\":true}"),
            Detail::Http1 { start_line } => {
                out.push_str("{\"startLine\":");
                json_bytes(out, start_line);
                out.push('}');
            }
            Detail::Malformed => out.push_str("{\"malformed\":true}"),
            Detail::Data { data_len, pad_len, end_stream, preview } => {
                out.push_str(&format!(
                    "{{\"dataLen\":{data_len},\"padLen\":{pad_len},\"endStream\":{end_stream},\"preview\":"
                ));
                json_hex(out, preview);
                out.push('}');
            }
            Detail::Headers { end_stream, end_headers, priority, fragment_len } => {
                out.push_str(&format!(
                    "{{\"endStream\":{end_stream},\"endHeaders\":{end_headers},\"fragmentLen\":{fragment_len}"
                ));
                if let Some(p) = priority {
                    out.push_str(",\"priority\":");
                    json_prio(out, p);
                }
                out.push('}');
            }
            Detail::Priority(p) => {
                out.push_str("{\"priority\":");
                json_prio(out, p);
                out.push('}');
            }
            Detail::RstStream { code } => {
                out.push_str("{\"error\":");
                json_code(out, *code);
                out.push('}');
            }
            Detail::Settings { ack, params } => {
                out.push_str(&format!("{{\"ack\":{ack},\"settings\":["));
                for (i, (id, value)) in params.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&format!("{{\"id\":{id},\"name\":\"{}\",\"value\":{value}}}", setting_name(*id)));
                }
                out.push_str("]}");
            }
            Detail::PushPromise { promised_id, end_headers, fragment_len } => out.push_str(&format!(
                "{{\"promisedId\":{promised_id},\"endHeaders\":{end_headers},\"fragmentLen\":{fragment_len}}}"
            )),
            Detail::Ping { ack, data } => {
                out.push_str(&format!("{{\"ack\":{ack},\"data\":"));
                json_hex(out, data);
                out.push('}');
            }
            Detail::GoAway { last_stream_id, code, debug } => {
                out.push_str(&format!("{{\"lastStreamId\":{last_stream_id},\"error\":"));
                json_code(out, *code);
                out.push_str(",\"debug\":");
                json_bytes(out, debug);
                out.push('}');
            }
            Detail::WindowUpdate { increment } => out.push_str(&format!("{{\"increment\":{increment}}}")),
            Detail::Continuation { end_headers, fragment_len } => {
                out.push_str(&format!("{{\"endHeaders\":{end_headers},\"fragmentLen\":{fragment_len}}}"))
            }
            Detail::PriorityUpdate { prioritized_id, field_value } => {
                out.push_str(&format!("{{\"prioritizedId\":{prioritized_id},\"value\":"));
                json_bytes(out, field_value);
                out.push('}');
            }
        }
    }
}

/// Records as a JSON array.
pub fn records_json(records: &[Record]) -> String {
    let mut out = String::with_capacity(records.len().saturating_mul(256));
    out.push('[');
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        r.write_json(&mut out);
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn sections(recs: &[Record]) -> Vec<&'static str> {
        recs.iter().flat_map(|r| r.violations.iter().map(|v| v.section)).collect()
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
        assert_eq!(
            sections(&recs),
            Vec::<&str>::new(),
            "{:#?}",
            recs.iter().map(|r| &r.violations).collect::<Vec<_>>()
        );
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
        assert_eq!(
            recs[7].detail,
            Detail::Data { data_len: 5, pad_len: 0, end_stream: true, preview: b"hello".to_vec() }
        );
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
        assert!(has(&out, "§5.1", "DATA on stream 5 after the client ended it"), "{out:#?}");
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
        assert!(has(&recs, "§5.1.1", "stream id 3 not above"));
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
        assert!(has(&recs, "§5.1", "DATA on idle stream 5"));
        assert!(has(&recs, "§5.1", "HEADERS on idle stream 9"));
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
        let recs2 =
            violations_of(&c2s2, &[settings(&[]), frame(kind::PUSH_PROMISE, flags::END_HEADERS, 1, &pp)].concat());
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
            data(1, b"late", false), // the client reset it, then sent more: §6.4
        ]);
        let s2c = [settings(&[]), headers(1, &[0x88], false), data(1, b"in flight", true)].concat();
        let recs = violations_of(&c2s, &s2c);
        assert!(has(&recs, "§6.4", "DATA on stream 1 after the client reset it"), "{:#?}", sections(&recs));
        assert_eq!(sections(&recs), vec!["§6.4"]);
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
    fn hpack_walker_matches_representations() {
        assert_eq!(hpack_int(&[0x1f, 0x9a, 0x0a], 5), Some((1337, 3)));
        assert_eq!(hpack_int(&[0x1f, 0x9a], 5), None);
        assert_eq!(hpack_int(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 7), None);
        let mut block = vec![0x82, 0x3f, 0xe1, 0x1f];
        block.extend(lit_idx(1, "x"));
        block.extend(lit_new("a", "b"));
        assert_eq!(
            representations(&block),
            Some(vec![
                Rep::Field { inserted: false },
                Rep::SizeUpdate(4096),
                Rep::Field { inserted: true },
                Rep::Field { inserted: false }
            ])
        );
        assert_eq!(representations(&[0x40, 0x05, b'a']), None);
    }
}
