//! What both wasm roles (`WasmConnection`, `WasmClient`) share at the JS boundary:
//! time from JS, command result codes, JS's packed header lists, event records
//! and the reason text they point into, and the scratch-buffer trimming rule.

use crate::connection::{Output, Segment};
use crate::error::UserError;

/// Per-connection scratch buffers above this capacity are freed once used,
/// rather than kept at their high-water mark for the connection's life: one
/// 64 KiB socket read would otherwise pin 64 KiB of wasm memory per connection
/// (and wasm memory never shrinks). Freed blocks go back to the allocator and
/// serve the next connection's call; below this size buffers are kept, so
/// steady small traffic does not allocate.
const KEEP_CAPACITY: usize = 4096;

/// Free `v` if it grew past [`KEEP_CAPACITY`].
pub(super) fn trim<T>(v: &mut Vec<T>) {
    if v.capacity().saturating_mul(core::mem::size_of::<T>()) > KEEP_CAPACITY {
        *v = Vec::new();
    }
}

/// JS time (`performance.now()` milliseconds) as the engine's `u64`; NaN, ±∞ and negatives are 0.
pub(super) fn ms(t: f64) -> u64 {
    if t.is_finite() && t > 0.0 {
        t as u64
    } else {
        0
    }
}

/// The number of a `UserError` in command results (keep in sync with js/errors.js `USER_ERROR`).
pub(super) fn user_error_number(e: UserError) -> u32 {
    match e {
        UserError::StreamClosed => 1,
        UserError::InvalidState => 2,
        UserError::InvalidHeader => 3,
        UserError::InvalidStatus => 4,
        UserError::ConnectionClosed => 5,
        UserError::BufferFull => 6,
    }
}

/// Result codes of commands: 0 = ok, otherwise [`user_error_number`].
pub(super) fn user_error_code(r: Result<(), UserError>) -> u32 {
    r.map_or_else(user_error_number, |()| 0)
}

pub(super) fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    let s: [u8; 4] = b.get(at..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(s))
}

/// Parse JS's packed header list: repeated `[u32 name_len][u32 value_len][name][value]`.
/// `None` if the packing is inconsistent (a JS bug, reported as InvalidHeader).
pub(super) fn unpack_fields(b: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < b.len() {
        let nl = usize::try_from(le_u32(b, at)?).ok()?;
        let vl = usize::try_from(le_u32(b, at.checked_add(4)?)?).ok()?;
        let ns = at.checked_add(8)?;
        let ne = ns.checked_add(nl)?;
        let ve = ne.checked_add(vl)?;
        out.push((b.get(ns..ne)?, b.get(ne..ve)?));
        at = ve;
    }
    Some(out)
}

/// Append one field to a packed header list (the format [`unpack_fields`] reads).
pub(super) fn pack_field(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    let nl = u32::try_from(name.len()).unwrap_or(0);
    let vl = u32::try_from(value.len()).unwrap_or(0);
    out.extend_from_slice(&nl.to_le_bytes());
    out.extend_from_slice(&vl.to_le_bytes());
    out.extend_from_slice(name);
    out.extend_from_slice(value);
}

/// Empty `out` and `segs` for the next `write_output`: JS has copied the previous call's out by now.
pub(super) fn begin_output(out: &mut Output, segs: &mut Vec<u32>) {
    trim(&mut out.bytes);
    trim(&mut out.segments);
    trim(segs);
    out.clear();
    segs.clear();
}

/// `out`'s segments as u32 pairs `[stream_id (0 = frame bytes), len]` in `segs`; returns how many.
pub(super) fn segment_words(out: &Output, segs: &mut Vec<u32>) -> u32 {
    for s in &out.segments {
        let (id, len) = match *s {
            Segment::Bytes { len } => (0, len),
            Segment::Data { stream_id, len } => (stream_id, len),
        };
        segs.push(id);
        segs.push(len);
    }
    u32::try_from(out.segments.len()).unwrap_or(u32::MAX)
}

/// Empty the event records and their text for the next call (trimming big buffers first).
pub(super) fn clear_records(events: &mut Vec<u8>, text: &mut Vec<u8>) {
    trim(events);
    trim(text);
    events.clear();
    text.clear();
}

/// Append one 24-byte event record: six little-endian u32 words.
pub(super) fn push_record(events: &mut Vec<u8>, rec: [u32; 6]) {
    for w in rec {
        events.extend_from_slice(&w.to_le_bytes());
    }
}

/// Append a reason string; its (offset, length) in `text` go into the record.
pub(super) fn push_text(text: &mut Vec<u8>, s: &str) -> (u32, u32) {
    let off = u32::try_from(text.len()).unwrap_or(0);
    text.extend_from_slice(s.as_bytes());
    (off, u32::try_from(s.len()).unwrap_or(0))
}
