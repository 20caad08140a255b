//! Serializers: each appends one frame (or a HEADERS + CONTINUATION run) to a `Vec<u8>`.
//!
//! Lengths are the caller's to keep within the peer's SETTINGS_MAX_FRAME_SIZE
//! (the connection chunks DATA; `write_headers` splits by itself). A length
//! beyond 24 bits would be truncated in the header, never a panic.

use super::header::{flags, kind, FrameHeader, STREAM_ID_MASK};
use super::types::{Frame, PrioritySpec};
use super::{DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE};
use crate::error::ErrorCode;

fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn head(out: &mut Vec<u8>, length: usize, kind: u8, flags: u8, stream_id: u32) {
    FrameHeader { length: len_u32(length), kind, flags, stream_id }.write(out);
}

/// The 9-byte header of a DATA frame whose `len` payload bytes the caller
/// sends separately (the JS side keeps the body bytes; see ARCHITECTURE.md).
pub fn write_data_header(out: &mut Vec<u8>, stream_id: u32, len: u32, end_stream: bool) {
    let f = if end_stream { flags::END_STREAM } else { 0 };
    FrameHeader { length: len, kind: kind::DATA, flags: f, stream_id }.write(out);
}

/// A whole DATA frame, optionally padded with `pad` zero bytes (tests, fuzzing).
pub fn write_data(out: &mut Vec<u8>, stream_id: u32, data: &[u8], end_stream: bool, pad: Option<u8>) {
    let mut f = if end_stream { flags::END_STREAM } else { 0 };
    let extra = pad.map_or(0, |p| usize::from(p).saturating_add(1));
    if pad.is_some() {
        f |= flags::PADDED;
    }
    head(out, data.len().saturating_add(extra), kind::DATA, f, stream_id);
    if let Some(p) = pad {
        out.push(p);
    }
    out.extend_from_slice(data);
    out.resize(out.len().saturating_add(usize::from(pad.unwrap_or(0))), 0);
}

/// A field block as HEADERS followed by as many CONTINUATION frames as
/// `max_frame_size` (the peer's setting, clamped to the legal range) requires.
pub fn write_headers(out: &mut Vec<u8>, stream_id: u32, block: &[u8], end_stream: bool, max_frame_size: u32) {
    let max = usize::try_from(max_frame_size.clamp(DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE))
        .unwrap_or(usize::from(u16::MAX));
    let mut chunks = block.chunks(max).peekable();
    let first = chunks.next().unwrap_or(&[]);
    let mut f = if end_stream { flags::END_STREAM } else { 0 };
    if chunks.peek().is_none() {
        f |= flags::END_HEADERS;
    }
    head(out, first.len(), kind::HEADERS, f, stream_id);
    out.extend_from_slice(first);
    while let Some(c) = chunks.next() {
        let f = if chunks.peek().is_none() { flags::END_HEADERS } else { 0 };
        head(out, c.len(), kind::CONTINUATION, f, stream_id);
        out.extend_from_slice(c);
    }
}

pub fn write_settings(out: &mut Vec<u8>, ack: bool, params: &[(u16, u32)]) {
    let f = if ack { flags::ACK } else { 0 };
    head(out, params.len().saturating_mul(6), kind::SETTINGS, f, 0);
    for &(id, v) in params {
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&v.to_be_bytes());
    }
}

pub fn write_ping(out: &mut Vec<u8>, ack: bool, data: [u8; 8]) {
    let f = if ack { flags::ACK } else { 0 };
    head(out, 8, kind::PING, f, 0);
    out.extend_from_slice(&data);
}

pub fn write_goaway(out: &mut Vec<u8>, last_stream_id: u32, code: ErrorCode, debug: &[u8]) {
    head(out, debug.len().saturating_add(8), kind::GOAWAY, 0, 0);
    out.extend_from_slice(&(last_stream_id & STREAM_ID_MASK).to_be_bytes());
    out.extend_from_slice(&code.0.to_be_bytes());
    out.extend_from_slice(debug);
}

pub fn write_rst_stream(out: &mut Vec<u8>, stream_id: u32, code: ErrorCode) {
    head(out, 4, kind::RST_STREAM, 0, stream_id);
    out.extend_from_slice(&code.0.to_be_bytes());
}

pub fn write_window_update(out: &mut Vec<u8>, stream_id: u32, increment: u32) {
    head(out, 4, kind::WINDOW_UPDATE, 0, stream_id);
    out.extend_from_slice(&(increment & STREAM_ID_MASK).to_be_bytes());
}

fn write_priority(out: &mut Vec<u8>, p: &PrioritySpec) {
    let ex = if p.exclusive { !STREAM_ID_MASK } else { 0 };
    out.extend_from_slice(&((p.dependency & STREAM_ID_MASK) | ex).to_be_bytes());
    out.push(p.weight);
}

impl Frame<'_> {
    /// Serialize any frame as one frame (no CONTINUATION splitting). `pad`
    /// adds a pad-length byte and that many zero bytes to HEADERS and
    /// PUSH_PROMISE; other types cannot be padded and ignore it. `Unknown`
    /// is written as its header followed by `length` zero bytes.
    /// Meant for tests, fuzzing and the inspector; the connection uses `write_*`.
    pub fn encode(&self, out: &mut Vec<u8>, pad: Option<u8>) {
        match *self {
            Frame::Headers { stream_id, end_stream, end_headers, priority, fragment } => {
                let mut f = 0;
                if end_stream {
                    f |= flags::END_STREAM;
                }
                if end_headers {
                    f |= flags::END_HEADERS;
                }
                let prio_len = if priority.is_some() { 5 } else { 0 };
                if priority.is_some() {
                    f |= flags::PRIORITY;
                }
                padded(out, kind::HEADERS, f, stream_id, pad, prio_len, fragment, |out| {
                    if let Some(p) = &priority {
                        write_priority(out, p);
                    }
                });
            }
            Frame::Priority { stream_id, spec } => {
                head(out, 5, kind::PRIORITY, 0, stream_id);
                write_priority(out, &spec);
            }
            Frame::RstStream { stream_id, code } => write_rst_stream(out, stream_id, code),
            Frame::Settings { ack, params } => {
                head(out, params.len(), kind::SETTINGS, if ack { flags::ACK } else { 0 }, 0);
                out.extend_from_slice(params);
            }
            Frame::PushPromise { stream_id, promised_id, end_headers, fragment } => {
                let f = if end_headers { flags::END_HEADERS } else { 0 };
                padded(out, kind::PUSH_PROMISE, f, stream_id, pad, 4, fragment, |out| {
                    out.extend_from_slice(&(promised_id & STREAM_ID_MASK).to_be_bytes());
                });
            }
            Frame::Ping { ack, data } => write_ping(out, ack, data),
            Frame::GoAway { last_stream_id, code, debug } => write_goaway(out, last_stream_id, code, debug),
            Frame::WindowUpdate { stream_id, increment } => write_window_update(out, stream_id, increment),
            Frame::Continuation { stream_id, end_headers, fragment } => {
                let f = if end_headers { flags::END_HEADERS } else { 0 };
                head(out, fragment.len(), kind::CONTINUATION, f, stream_id);
                out.extend_from_slice(fragment);
            }
            Frame::PriorityUpdate { prioritized_id, field_value } => {
                head(out, field_value.len().saturating_add(4), kind::PRIORITY_UPDATE, 0, 0);
                out.extend_from_slice(&(prioritized_id & STREAM_ID_MASK).to_be_bytes());
                out.extend_from_slice(field_value);
            }
            Frame::Unknown { header } => {
                header.write(out);
                let n = usize::try_from(header.length).unwrap_or(0);
                out.resize(out.len().saturating_add(n), 0);
            }
        }
    }
}

/// A frame whose layout is [pad length] fixed-fields fragment [padding].
#[allow(clippy::too_many_arguments)]
fn padded(
    out: &mut Vec<u8>,
    kind: u8,
    mut f: u8,
    stream_id: u32,
    pad: Option<u8>,
    fixed_len: usize,
    fragment: &[u8],
    fixed: impl FnOnce(&mut Vec<u8>),
) {
    let extra = pad.map_or(0, |p| usize::from(p).saturating_add(1));
    if pad.is_some() {
        f |= flags::PADDED;
    }
    let len = fragment.len().saturating_add(fixed_len).saturating_add(extra);
    head(out, len, kind, f, stream_id);
    if let Some(p) = pad {
        out.push(p);
    }
    fixed(out);
    out.extend_from_slice(fragment);
    out.resize(out.len().saturating_add(usize::from(pad.unwrap_or(0))), 0);
}
