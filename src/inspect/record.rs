//! What the inspector outputs: one [`Record`] per frame, and its parts.

use std::borrow::Cow;

use super::Direction;
use crate::error::ErrorCode;
use crate::frame::{flags, kind};
use crate::settings;

/// A protocol violation, with the RFC section that defines it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// "§6.5.2", "§5.1.1", … (RFC 9113 unless it says otherwise).
    pub section: Cow<'static, str>,
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

/// RFC name of a frame type ("UNKNOWN" for others).
pub fn type_name(k: u8) -> &'static str {
    kind::name(k).unwrap_or("UNKNOWN")
}

/// Names of the flags set, as defined for this frame type (undefined bits as "0x..").
pub fn flag_names(k: Option<u8>, f: u8) -> Vec<String> {
    let defined = k.map_or(&[][..], flags::defined);
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

/// RFC name of a SETTINGS parameter ("UNKNOWN" for others).
pub fn setting_name(id: u16) -> &'static str {
    settings::id::name(id).unwrap_or("UNKNOWN")
}
