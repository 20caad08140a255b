//! The per-frame rules (RFC 9113 §4.2, §6; RFC 9218 §7.1) and payload parsing.
//!
//! Split in two so the decoder can reject a frame from its header alone,
//! before buffering a byte of its payload: [`check_header`] runs on the 9
//! header bytes, [`parse_payload`] on the complete payload.

use super::header::{flags, kind, FrameHeader, STREAM_ID_MASK};
use super::types::{Frame, PrioritySpec};
use crate::error::{ErrorCode, ProtoError};

const FRAME_SIZE: ErrorCode = ErrorCode::FRAME_SIZE_ERROR;
const PROTOCOL: ErrorCode = ErrorCode::PROTOCOL_ERROR;

fn conn(code: ErrorCode, reason: &'static str) -> ProtoError {
    ProtoError::conn(code, reason)
}

/// Everything decidable from the header alone. A `ProtoError::Stream` leaves
/// the connection (and the decoder) usable: the payload is skipped.
pub(crate) fn check_header(h: &FrameHeader, max_frame_size: u32) -> Result<(), ProtoError> {
    if h.length > max_frame_size {
        return Err(conn(FRAME_SIZE, "frame larger than SETTINGS_MAX_FRAME_SIZE"));
    }
    let on_zero = h.stream_id == 0;
    let padded = u32::from(h.has(flags::PADDED));
    match h.kind {
        kind::DATA => {
            need_stream(on_zero, "DATA on stream 0")?;
            // The pad-length byte is mandatory when PADDED is set (§4.2: too small).
            min_len(h.length, padded, "DATA too short for its pad length")
        }
        kind::HEADERS => {
            need_stream(on_zero, "HEADERS on stream 0")?;
            let prio = if h.has(flags::PRIORITY) { 5 } else { 0 };
            min_len(h.length, padded.saturating_add(prio), "HEADERS too short for its fields")
        }
        kind::PRIORITY => {
            need_stream(on_zero, "PRIORITY on stream 0")?;
            if h.length != 5 {
                // §6.3: a stream error; the payload is skipped.
                return Err(ProtoError::stream(h.stream_id, FRAME_SIZE, "PRIORITY length is not 5"));
            }
            Ok(())
        }
        kind::RST_STREAM => {
            need_stream(on_zero, "RST_STREAM on stream 0")?;
            exact_len(h.length, 4, "RST_STREAM length is not 4")
        }
        kind::SETTINGS => {
            need_zero(on_zero, "SETTINGS on a non-zero stream")?;
            if h.has(flags::ACK) && h.length != 0 {
                return Err(conn(FRAME_SIZE, "SETTINGS ACK with a payload"));
            }
            if h.length % 6 != 0 {
                return Err(conn(FRAME_SIZE, "SETTINGS length is not a multiple of 6"));
            }
            Ok(())
        }
        kind::PUSH_PROMISE => {
            need_stream(on_zero, "PUSH_PROMISE on stream 0")?;
            min_len(h.length, padded.saturating_add(4), "PUSH_PROMISE too short for its fields")
        }
        kind::PING => {
            need_zero(on_zero, "PING on a non-zero stream")?;
            exact_len(h.length, 8, "PING length is not 8")
        }
        kind::GOAWAY => {
            need_zero(on_zero, "GOAWAY on a non-zero stream")?;
            min_len(h.length, 8, "GOAWAY shorter than 8")
        }
        kind::WINDOW_UPDATE => exact_len(h.length, 4, "WINDOW_UPDATE length is not 4"),
        kind::CONTINUATION => need_stream(on_zero, "CONTINUATION on stream 0"),
        kind::PRIORITY_UPDATE => {
            need_zero(on_zero, "PRIORITY_UPDATE on a non-zero stream")?;
            min_len(h.length, 4, "PRIORITY_UPDATE shorter than 4")
        }
        _ => Ok(()),
    }
}

fn need_stream(on_zero: bool, reason: &'static str) -> Result<(), ProtoError> {
    if on_zero {
        Err(conn(PROTOCOL, reason))
    } else {
        Ok(())
    }
}

fn need_zero(on_zero: bool, reason: &'static str) -> Result<(), ProtoError> {
    if on_zero {
        Ok(())
    } else {
        Err(conn(PROTOCOL, reason))
    }
}

fn exact_len(len: u32, want: u32, reason: &'static str) -> Result<(), ProtoError> {
    if len == want {
        Ok(())
    } else {
        Err(conn(FRAME_SIZE, reason))
    }
}

fn min_len(len: u32, min: u32, reason: &'static str) -> Result<(), ProtoError> {
    if len >= min {
        Ok(())
    } else {
        Err(conn(FRAME_SIZE, reason))
    }
}

fn be32(b: &[u8]) -> u32 {
    match *b {
        [a, b, c, d, ..] => u32::from_be_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// Split off `n` leading bytes; a short payload is a FRAME_SIZE_ERROR
/// (unreachable after [`check_header`], kept so no slice can go out of bounds).
fn take(p: &[u8], n: usize) -> Result<(&[u8], &[u8]), ProtoError> {
    p.split_at_checked(n).ok_or(conn(FRAME_SIZE, "frame too short for its fields"))
}

/// Remove the pad-length byte (when PADDED) and return (padding length, rest).
fn pad_len<'a>(h: &FrameHeader, p: &'a [u8]) -> Result<(usize, &'a [u8]), ProtoError> {
    if !h.has(flags::PADDED) {
        return Ok((0, p));
    }
    let (first, rest) = take(p, 1)?;
    Ok((first.first().copied().map_or(0, usize::from), rest))
}

/// Drop `pad` trailing bytes; padding longer than what remains is a
/// connection PROTOCOL_ERROR (§6.2, §6.6).
fn strip_pad(p: &[u8], pad: usize) -> Result<&[u8], ProtoError> {
    let keep = p.len().checked_sub(pad).ok_or(conn(PROTOCOL, "padding exceeds the payload"))?;
    p.get(..keep).ok_or(conn(PROTOCOL, "padding exceeds the payload"))
}

fn priority(p: &[u8]) -> PrioritySpec {
    let dep = be32(p);
    PrioritySpec {
        exclusive: dep & !STREAM_ID_MASK != 0,
        dependency: dep & STREAM_ID_MASK,
        weight: p.get(4).copied().unwrap_or(0),
    }
}

/// Parse a complete non-DATA payload whose header passed [`check_header`].
pub(crate) fn parse_payload<'a>(h: &FrameHeader, p: &'a [u8]) -> Result<Frame<'a>, ProtoError> {
    let sid = h.stream_id;
    Ok(match h.kind {
        kind::HEADERS => {
            let (pad, rest) = pad_len(h, p)?;
            let (prio, rest) = if h.has(flags::PRIORITY) {
                let (spec, rest) = take(rest, 5)?;
                (Some(priority(spec)), rest)
            } else {
                (None, rest)
            };
            Frame::Headers {
                stream_id: sid,
                end_stream: h.has(flags::END_STREAM),
                end_headers: h.has(flags::END_HEADERS),
                priority: prio,
                fragment: strip_pad(rest, pad)?,
            }
        }
        kind::PRIORITY => Frame::Priority { stream_id: sid, spec: priority(p) },
        kind::RST_STREAM => Frame::RstStream { stream_id: sid, code: ErrorCode(be32(p)) },
        kind::SETTINGS => Frame::Settings { ack: h.has(flags::ACK), params: p },
        kind::PUSH_PROMISE => {
            let (pad, rest) = pad_len(h, p)?;
            let (id, rest) = take(rest, 4)?;
            Frame::PushPromise {
                stream_id: sid,
                promised_id: be32(id) & STREAM_ID_MASK,
                end_headers: h.has(flags::END_HEADERS),
                fragment: strip_pad(rest, pad)?,
            }
        }
        kind::PING => {
            let mut data = [0u8; 8];
            if let Some(src) = p.get(..8) {
                data.copy_from_slice(src);
            }
            Frame::Ping { ack: h.has(flags::ACK), data }
        }
        kind::GOAWAY => {
            let (fixed, debug) = take(p, 8)?;
            Frame::GoAway {
                last_stream_id: be32(fixed) & STREAM_ID_MASK,
                code: ErrorCode(be32(fixed.get(4..).unwrap_or(&[]))),
                debug,
            }
        }
        // §6.9: the reserved bit is ignored.
        kind::WINDOW_UPDATE => Frame::WindowUpdate { stream_id: sid, increment: be32(p) & STREAM_ID_MASK },
        kind::CONTINUATION => {
            Frame::Continuation { stream_id: sid, end_headers: h.has(flags::END_HEADERS), fragment: p }
        }
        kind::PRIORITY_UPDATE => {
            let (id, field_value) = take(p, 4)?;
            let prioritized_id = be32(id) & STREAM_ID_MASK;
            if prioritized_id == 0 {
                // RFC 9218 §7.1.
                return Err(conn(PROTOCOL, "PRIORITY_UPDATE for stream 0"));
            }
            Frame::PriorityUpdate { prioritized_id, field_value }
        }
        // DATA never gets here (it is streamed); anything else is unknown.
        _ => Frame::Unknown { header: *h },
    })
}
