//! `Buffers`: the memory a role's engine wrapper (`WasmConnection`,
//! `WasmClient`) and JS exchange bytes through: the socket chunk and command
//! arguments JS writes, the event records, reason text and packed fields it
//! reads, and the frame bytes and segments of `write_output`. Both roles own
//! one as `io`, so the pointers, the trimming rules and the record and segment
//! layouts are written once (docs/ARCHITECTURE.md, "Boundary format").

use super::boundary::{pack_field, trim, RECORD_WORDS};
use crate::connection::{Output, Segment};

pub struct Buffers {
    /// The current socket chunk (JS writes it at `input_ptr`).
    input: Vec<u8>,
    /// Command arguments (packed header lists, option lines) written by JS.
    args: Vec<u8>,
    /// Event records of the last `receive`/`poll`.
    events: Vec<u8>,
    /// Reason strings referenced by event records (offset, len).
    text: Vec<u8>,
    /// Packed header fields (`pack_fields`) or GOAWAY debug data.
    scratch: Vec<u8>,
    out: Output,
    /// Segments of the last `write_output` as u32 pairs `[stream_id (0 = bytes), len]`.
    segs: Vec<u32>,
}

impl Buffers {
    pub(super) fn new() -> Buffers {
        Buffers {
            input: Vec::new(),
            args: Vec::new(),
            events: Vec::new(),
            text: Vec::new(),
            scratch: Vec::new(),
            out: Output::new(),
            segs: Vec::new(),
        }
    }

    /// Make room for an `len`-byte chunk and return where JS must write it.
    pub fn input_ptr(&mut self, len: usize) -> *mut u8 {
        self.input.clear();
        self.input.resize(len, 0);
        self.input.as_mut_ptr()
    }

    /// Room for `len` bytes of command arguments.
    pub fn args_ptr(&mut self, len: usize) -> *mut u8 {
        self.args.clear();
        self.args.resize(len, 0);
        self.args.as_mut_ptr()
    }

    /// The first `len` argument bytes JS wrote, or None if it wrote fewer.
    pub(super) fn args(&self, len: usize) -> Option<&[u8]> {
        self.args.get(..len)
    }

    /// Hand the chunk written at `input_ptr(len)` to `feed`, after clearing
    /// the previous call's records.
    pub(super) fn receive(&mut self, len: usize, feed: impl FnOnce(&[u8])) {
        let n = len.min(self.input.len());
        self.clear_events();
        // JS has read the previous call's header block and arguments by now.
        trim(&mut self.scratch);
        trim(&mut self.args);
        feed(self.input.get(..n).unwrap_or(&[]));
        // DATA events point into JS's own copy of the chunk, not into `input`.
        trim(&mut self.input);
    }

    /// Empty the event records and their text for the next call (trimming big buffers first).
    pub(super) fn clear_events(&mut self) {
        trim(&mut self.events);
        trim(&mut self.text);
        self.events.clear();
        self.text.clear();
    }

    /// Append the records `next` makes (it may add reason text) until it has
    /// none; returns how many there are now.
    pub(super) fn drain(&mut self, mut next: impl FnMut(&mut Text) -> Option<[u32; RECORD_WORDS]>) -> u32 {
        let mut text = Text(&mut self.text);
        let mut n = 0u32;
        while let Some(rec) = next(&mut text) {
            for w in rec {
                self.events.extend_from_slice(&w.to_le_bytes());
            }
            n = n.saturating_add(1);
        }
        n
    }

    pub fn events_ptr(&self) -> *const u8 {
        self.events.as_ptr()
    }

    pub fn text_ptr(&self) -> *const u8 {
        self.text.as_ptr()
    }

    /// Pack `fields` into `scratch` as `[u32 name_len][u32 value_len][name][value]…`;
    /// returns the byte length (read it at `scratch_ptr`). Valid until the next `receive`.
    pub(super) fn pack_fields<'a>(&mut self, fields: impl Iterator<Item = (&'a [u8], &'a [u8])>) -> usize {
        self.scratch.clear();
        for (n, v) in fields {
            pack_field(&mut self.scratch, n, v);
        }
        self.scratch.len()
    }

    /// Copy `bytes` into `scratch`; returns the length.
    pub(super) fn pack_bytes(&mut self, bytes: &[u8]) -> usize {
        self.scratch.clear();
        self.scratch.extend_from_slice(bytes);
        self.scratch.len()
    }

    pub fn scratch_ptr(&self) -> *const u8 {
        self.scratch.as_ptr()
    }

    /// Let `write` produce output into emptied buffers (JS has copied the
    /// previous call's by now); returns the number of segments, whose words
    /// are at `segs_ptr` and frame bytes at `out_ptr` (`out_len` bytes).
    pub(super) fn write_output(&mut self, write: impl FnOnce(&mut Output)) -> u32 {
        trim(&mut self.out.bytes);
        trim(&mut self.out.segments);
        trim(&mut self.segs);
        self.out.clear();
        self.segs.clear();
        write(&mut self.out);
        for s in &self.out.segments {
            let (id, len) = match *s {
                Segment::Bytes { len } => (0, len),
                Segment::Data { stream_id, len } => (stream_id, len),
            };
            self.segs.push(id);
            self.segs.push(len);
        }
        u32::try_from(self.out.segments.len()).unwrap_or(u32::MAX)
    }

    pub fn out_ptr(&self) -> *const u8 {
        self.out.bytes.as_ptr()
    }

    pub fn out_len(&self) -> usize {
        self.out.bytes.len()
    }

    pub fn segs_ptr(&self) -> *const u32 {
        self.segs.as_ptr()
    }

    /// Bytes held by these buffers (diagnostics and tests).
    pub fn capacity(&self) -> usize {
        self.input
            .capacity()
            .saturating_add(self.args.capacity())
            .saturating_add(self.events.capacity())
            .saturating_add(self.text.capacity())
            .saturating_add(self.scratch.capacity())
            .saturating_add(self.out.bytes.capacity())
            .saturating_add(self.out.segments.capacity().saturating_mul(core::mem::size_of::<Segment>()))
            .saturating_add(self.segs.capacity().saturating_mul(4))
    }
}

/// The reason text of the records being made.
pub struct Text<'a>(&'a mut Vec<u8>);

impl Text<'_> {
    /// Append a reason string; its (offset, length) go into the record.
    pub(super) fn push(&mut self, s: &str) -> (u32, u32) {
        let off = u32::try_from(self.0.len()).unwrap_or(0);
        self.0.extend_from_slice(s.as_bytes());
        (off, u32::try_from(s.len()).unwrap_or(0))
    }
}
