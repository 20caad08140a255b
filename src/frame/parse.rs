//! The per-frame rules (RFC 9113 §4.2, §6; RFC 9218 §7.1) and payload parsing.
//!
//! Split in two so the decoder can reject a frame from its header alone,
//! before buffering a byte of its payload: [`check_header`] runs on the 9
//! header bytes, [`parse_payload`] on the complete payload.

use super::header::{flags, kind, FrameHeader, STREAM_ID_MASK};
use super::types::{Frame, PrioritySpec};
use super::FrameError;
use crate::error::ErrorCode;

/// Everything decidable from the header alone. A stream error
/// ([`FrameError::is_stream_error`]) leaves the connection (and the decoder)
/// usable: the payload is skipped.
// `#[inline]`: the decoder's hot path, and also called by the inspector;
// without the hint the second caller can keep them out of the decoder.
#[inline]
pub fn check_header(h: &FrameHeader, max_frame_size: u32) -> Result<(), FrameError> {
    if h.length > max_frame_size {
        return Err(FrameError::TooLarge);
    }
    let on_zero = h.stream_id == 0;
    let padded = u32::from(h.has(flags::PADDED));
    match h.kind {
        kind::DATA => {
            need_stream(h, on_zero)?;
            // The pad-length byte is mandatory when PADDED is set (§4.2: too small).
            min_len(h, padded)
        }
        kind::HEADERS => {
            need_stream(h, on_zero)?;
            let prio = if h.has(flags::PRIORITY) { 5 } else { 0 };
            min_len(h, padded.saturating_add(prio))
        }
        kind::PRIORITY => {
            need_stream(h, on_zero)?;
            if h.length != 5 {
                // §6.3: a stream error; the payload is skipped.
                return Err(FrameError::PriorityLength { stream_id: h.stream_id });
            }
            Ok(())
        }
        kind::RST_STREAM => {
            need_stream(h, on_zero)?;
            exact_len(h, 4)
        }
        kind::SETTINGS => {
            need_zero(h, on_zero)?;
            if h.has(flags::ACK) && h.length != 0 {
                return Err(FrameError::SettingsAckWithPayload);
            }
            if h.length % 6 != 0 {
                return Err(FrameError::SettingsLength);
            }
            Ok(())
        }
        kind::PUSH_PROMISE => {
            need_stream(h, on_zero)?;
            min_len(h, padded.saturating_add(4))
        }
        kind::PING => {
            need_zero(h, on_zero)?;
            exact_len(h, 8)
        }
        kind::GOAWAY => {
            need_zero(h, on_zero)?;
            min_len(h, 8)
        }
        kind::WINDOW_UPDATE => exact_len(h, 4),
        kind::CONTINUATION => need_stream(h, on_zero),
        kind::PRIORITY_UPDATE => {
            need_zero(h, on_zero)?;
            min_len(h, 4)
        }
        _ => Ok(()),
    }
}

fn need_stream(h: &FrameHeader, on_zero: bool) -> Result<(), FrameError> {
    if on_zero {
        Err(FrameError::OnStreamZero(h.kind))
    } else {
        Ok(())
    }
}

fn need_zero(h: &FrameHeader, on_zero: bool) -> Result<(), FrameError> {
    if on_zero {
        Ok(())
    } else {
        Err(FrameError::OnNonZeroStream(h.kind))
    }
}

fn exact_len(h: &FrameHeader, want: u32) -> Result<(), FrameError> {
    if h.length == want {
        Ok(())
    } else {
        Err(FrameError::WrongLength(h.kind))
    }
}

fn min_len(h: &FrameHeader, min: u32) -> Result<(), FrameError> {
    if h.length >= min {
        Ok(())
    } else {
        Err(FrameError::TooShort(h.kind))
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
fn take<'a>(h: &FrameHeader, p: &'a [u8], n: usize) -> Result<(&'a [u8], &'a [u8]), FrameError> {
    p.split_at_checked(n).ok_or(FrameError::FieldsTooShort(h.kind))
}

/// Remove the pad-length byte (when PADDED) and return (padding length, rest).
fn pad_len<'a>(h: &FrameHeader, p: &'a [u8]) -> Result<(usize, &'a [u8]), FrameError> {
    if !h.has(flags::PADDED) {
        return Ok((0, p));
    }
    let (first, rest) = take(h, p, 1)?;
    Ok((first.first().copied().map_or(0, usize::from), rest))
}

/// Drop `pad` trailing bytes; padding longer than what remains is a
/// connection PROTOCOL_ERROR (§6.2, §6.6).
fn strip_pad<'a>(h: &FrameHeader, p: &'a [u8], pad: usize) -> Result<&'a [u8], FrameError> {
    let keep = p.len().checked_sub(pad).ok_or(FrameError::Padding(h.kind))?;
    p.get(..keep).ok_or(FrameError::Padding(h.kind))
}

/// A PADDED DATA frame's pad length (its first payload byte) against its
/// length, which counts that byte: returns the data length.
#[inline]
pub fn data_padding(h: &FrameHeader, pad: u8) -> Result<u32, FrameError> {
    h.length.checked_sub(1).and_then(|n| n.checked_sub(u32::from(pad))).ok_or(FrameError::Padding(kind::DATA))
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
#[inline]
pub fn parse_payload<'a>(h: &FrameHeader, p: &'a [u8]) -> Result<Frame<'a>, FrameError> {
    let sid = h.stream_id;
    Ok(match h.kind {
        kind::HEADERS => {
            let (pad, rest) = pad_len(h, p)?;
            let (prio, rest) = if h.has(flags::PRIORITY) {
                let (spec, rest) = take(h, rest, 5)?;
                (Some(priority(spec)), rest)
            } else {
                (None, rest)
            };
            Frame::Headers {
                stream_id: sid,
                end_stream: h.has(flags::END_STREAM),
                end_headers: h.has(flags::END_HEADERS),
                priority: prio,
                fragment: strip_pad(h, rest, pad)?,
            }
        }
        kind::PRIORITY => Frame::Priority { stream_id: sid, spec: priority(p) },
        kind::RST_STREAM => Frame::RstStream { stream_id: sid, code: ErrorCode(be32(p)) },
        kind::SETTINGS => Frame::Settings { ack: h.has(flags::ACK), params: p },
        kind::PUSH_PROMISE => {
            let (pad, rest) = pad_len(h, p)?;
            let (id, rest) = take(h, rest, 4)?;
            Frame::PushPromise {
                stream_id: sid,
                promised_id: be32(id) & STREAM_ID_MASK,
                end_headers: h.has(flags::END_HEADERS),
                fragment: strip_pad(h, rest, pad)?,
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
            let (fixed, debug) = take(h, p, 8)?;
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
            let (id, field_value) = take(h, p, 4)?;
            let prioritized_id = be32(id) & STREAM_ID_MASK;
            if prioritized_id == 0 {
                // RFC 9218 §7.1.
                return Err(FrameError::PriorityUpdateForStreamZero);
            }
            Frame::PriorityUpdate { prioritized_id, field_value }
        }
        // DATA never gets here (it is streamed); anything else is unknown.
        _ => Frame::Unknown { header: *h },
    })
}
