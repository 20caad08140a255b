//! Header blocks in: HEADERS + CONTINUATION assembly (§6.2, §6.10) and the
//! arena the decoded fields live in until the next `receive`.
//!
//! A block whose HEADERS carries END_HEADERS is decoded straight from the
//! frame (no copy); only split blocks are collected in the assembler's
//! buffer, bounded by `max_header_block_bytes` and a CONTINUATION count
//! derived from it (an endless CONTINUATION stream is CVE-2024-27316).

use core::ops::Range;

use crate::error::ErrorCode;
use crate::frame::{Frame, Item};
use crate::hpack::{self, DecodeLimits};
use crate::limits::Limits;

/// A header block being received.
#[derive(Clone, Copy, Debug)]
pub struct Block {
    pub stream_id: u32,
    pub end_stream: bool,
    /// The HEADERS' priority fields name the stream itself (§5.3.1).
    pub self_dependent: bool,
    continuations: u32,
    started_ms: u64,
}

impl Block {
    pub fn new(stream_id: u32, end_stream: bool, self_dependent: bool, now_ms: u64) -> Self {
        Block { stream_id, end_stream, self_dependent, continuations: 0, started_ms: now_ms }
    }
}

/// What a HEADERS or CONTINUATION fragment did.
#[derive(Clone, Copy, Debug)]
pub enum Progress {
    /// More CONTINUATION must follow. `empty`: the fragment carried nothing
    /// (a frame that does no work; the caller budgets it).
    Pending { empty: bool },
    /// The block is whole: its bytes are in the assembler's buffer (see
    /// [`HeaderBlockAssembler::take_buf`]).
    Complete(Block),
}

/// A connection error while assembling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockError {
    /// CONTINUATION with no header block open (§6.10).
    Orphan,
    TooLarge,
    TooManyContinuations,
}

impl BlockError {
    pub fn code_and_reason(self) -> (ErrorCode, &'static str) {
        match self {
            BlockError::Orphan => (ErrorCode::PROTOCOL_ERROR, "CONTINUATION without HEADERS"),
            BlockError::TooLarge => (ErrorCode::ENHANCE_YOUR_CALM, "header block too large"),
            BlockError::TooManyContinuations => (ErrorCode::ENHANCE_YOUR_CALM, "too many CONTINUATION frames"),
        }
    }
}

#[derive(Debug, Default)]
pub struct HeaderBlockAssembler {
    block: Option<Block>,
    buf: Vec<u8>,
}

impl HeaderBlockAssembler {
    /// The block being collected: while there is one, only CONTINUATION on
    /// its stream may arrive (§6.10).
    pub fn in_progress(&self) -> Option<Block> {
        self.block
    }

    /// While a block is open only CONTINUATION of its stream may arrive
    /// (§6.2, §6.10): false for any other item.
    pub fn admits(&self, item: &Item<'_>) -> bool {
        match (self.block, item) {
            (None, _) => true,
            (Some(b), Item::Frame(Frame::Continuation { stream_id, .. })) => *stream_id == b.stream_id,
            (Some(_), _) => false,
        }
    }

    /// When an unfinished block times out (`header_block_timeout_ms`, 0: never).
    pub fn deadline(&self, limit_ms: u64) -> Option<u64> {
        let b = self.block?;
        (limit_ms > 0).then(|| b.started_ms.saturating_add(limit_ms))
    }

    /// HEADERS without END_HEADERS: start collecting.
    pub fn start(&mut self, block: Block, fragment: &[u8], limits: &Limits) -> Result<Progress, BlockError> {
        if fragment.len() > limits.max_header_block_bytes {
            return Err(BlockError::TooLarge);
        }
        self.buf.clear();
        self.buf.extend_from_slice(fragment);
        self.block = Some(block);
        Ok(Progress::Pending { empty: fragment.is_empty() })
    }

    /// CONTINUATION (its stream id was checked against `in_progress`).
    pub fn continuation(
        &mut self,
        fragment: &[u8],
        end_headers: bool,
        limits: &Limits,
        local_max_frame_size: u32,
    ) -> Result<Progress, BlockError> {
        let Some(mut b) = self.block else { return Err(BlockError::Orphan) };
        b.continuations = b.continuations.saturating_add(1);
        if b.continuations > limits.max_continuation_frames(local_max_frame_size) {
            return Err(BlockError::TooManyContinuations);
        }
        if self.buf.len().saturating_add(fragment.len()) > limits.max_header_block_bytes {
            return Err(BlockError::TooLarge);
        }
        self.buf.extend_from_slice(fragment);
        if end_headers {
            self.block = None;
            Ok(Progress::Complete(b))
        } else {
            self.block = Some(b);
            Ok(Progress::Pending { empty: fragment.is_empty() })
        }
    }

    /// The bytes of a block just completed; hand the buffer back with
    /// [`restore_buf`](Self::restore_buf) so its allocation is reused.
    pub fn take_buf(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.buf)
    }

    pub fn restore_buf(&mut self, mut buf: Vec<u8>) {
        buf.clear();
        self.buf = buf;
    }
}

/// One decoded field in the arena: `bytes[start..start+name_len]` is the
/// name, the value follows it.
#[derive(Clone, Copy, Debug)]
struct FieldRef {
    start: u32,
    name_len: u32,
    value_len: u32,
}

/// Decoded header fields of the current `receive`, indexed by the ranges in
/// the events.
#[derive(Debug, Default)]
pub struct FieldArena {
    bytes: Vec<u8>,
    fields: Vec<FieldRef>,
}

/// A decoded block: where its fields are, and whether the list went over
/// SETTINGS_MAX_HEADER_LIST_SIZE (the fields past it were dropped).
#[derive(Clone, Debug)]
pub struct Decoded {
    pub fields: Range<u32>,
    pub over_limit: bool,
}

impl FieldArena {
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.fields.clear();
    }

    /// Field `i`: (name, value); empty if out of range.
    pub fn field(&self, i: u32) -> (&[u8], &[u8]) {
        let Some(f) = usize::try_from(i).ok().and_then(|i| self.fields.get(i)) else {
            return (&[], &[]);
        };
        self.slices(f)
    }

    fn slices(&self, f: &FieldRef) -> (&[u8], &[u8]) {
        let start = f.start as usize;
        let mid = start.saturating_add(f.name_len as usize);
        let end = mid.saturating_add(f.value_len as usize);
        (self.bytes.get(start..mid).unwrap_or(&[]), self.bytes.get(mid..end).unwrap_or(&[]))
    }

    /// The fields of `range`, for the semantics checks.
    pub fn pairs(&self, range: Range<u32>) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.fields.get(range.start as usize..range.end as usize).unwrap_or(&[]).iter().map(move |f| self.slices(f))
    }

    /// Number of fields held (the start of the next block's range).
    pub fn len(&self) -> u32 {
        u32::try_from(self.fields.len()).unwrap_or(u32::MAX)
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Add one field that did not come from HPACK (an HTTP/1.1 upgrade's
    /// request). False when the arena would pass 4 GiB.
    pub fn push(&mut self, name: &[u8], value: &[u8]) -> bool {
        let (Ok(start), Ok(name_len), Ok(value_len)) =
            (u32::try_from(self.bytes.len()), u32::try_from(name.len()), u32::try_from(value.len()))
        else {
            return false;
        };
        self.bytes.extend_from_slice(name);
        self.bytes.extend_from_slice(value);
        self.fields.push(FieldRef { start, name_len, value_len });
        true
    }

    /// Decode a whole block into the arena. Always called, even for streams
    /// that are refused or gone: the HPACK table must stay in sync.
    pub fn decode(
        &mut self,
        decoder: &mut hpack::Decoder,
        block: &[u8],
        limits: &DecodeLimits,
    ) -> Result<Decoded, hpack::DecodeError> {
        let first = self.fields.len();
        let bytes = &mut self.bytes;
        let fields = &mut self.fields;
        let outcome = decoder.decode(block, limits, &mut |f| {
            let (Ok(start), Ok(nl), Ok(vl)) =
                (u32::try_from(bytes.len()), u32::try_from(f.name.len()), u32::try_from(f.value.len()))
            else {
                return;
            };
            bytes.extend_from_slice(f.name);
            bytes.extend_from_slice(f.value);
            fields.push(FieldRef { start, name_len: nl, value_len: vl });
        });
        match outcome {
            Ok(o) => {
                let start = u32::try_from(first).unwrap_or(u32::MAX);
                let end = u32::try_from(self.fields.len()).unwrap_or(u32::MAX);
                Ok(Decoded { fields: start..end, over_limit: o.over_limit })
            }
            Err(e) => Err(e),
        }
    }

    /// Forget the fields of `range` (a block that was refused or ignored);
    /// it must be the last one decoded.
    pub fn drop_block(&mut self, range: Range<u32>) {
        let first = range.start as usize;
        if let Some(f) = self.fields.get(first) {
            let start = f.start as usize;
            self.bytes.truncate(start);
        }
        self.fields.truncate(first);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_block_is_collected_until_end_headers() {
        let l = Limits::default();
        let mut a = HeaderBlockAssembler::default();
        assert!(matches!(a.start(Block::new(1, true, false, 5), b"ab", &l), Ok(Progress::Pending { empty: false })));
        assert_eq!(a.deadline(100), Some(105));
        assert!(matches!(a.continuation(b"", false, &l, 16_384), Ok(Progress::Pending { empty: true })));
        let Ok(Progress::Complete(b)) = a.continuation(b"cd", true, &l, 16_384) else { panic!() };
        assert_eq!((b.stream_id, b.end_stream), (1, true));
        let buf = a.take_buf();
        assert_eq!(buf, b"abcd");
        a.restore_buf(buf);
        assert!(a.in_progress().is_none());
        assert_eq!(a.continuation(b"x", true, &l, 16_384).err(), Some(BlockError::Orphan));
    }

    #[test]
    fn only_continuation_of_the_open_block_is_admitted() {
        let l = Limits::default();
        let mut a = HeaderBlockAssembler::default();
        let ping = Item::Frame(Frame::Ping { ack: false, data: [0; 8] });
        let cont = |stream_id| Item::Frame(Frame::Continuation { stream_id, end_headers: true, fragment: b"" });
        assert!(a.admits(&ping));
        let _ = a.start(Block::new(3, false, false, 0), b"x", &l);
        assert!(!a.admits(&ping));
        assert!(!a.admits(&cont(5)));
        assert!(a.admits(&cont(3)));
    }

    #[test]
    fn oversized_and_endless_blocks_are_refused() {
        let l = Limits { max_header_block_bytes: 4, ..Limits::default() };
        let mut a = HeaderBlockAssembler::default();
        assert_eq!(a.start(Block::new(1, false, false, 0), b"abcde", &l).err(), Some(BlockError::TooLarge));
        let _ = a.start(Block::new(1, false, false, 0), b"ab", &l);
        assert_eq!(a.continuation(b"cde", false, &l, 16_384).err(), Some(BlockError::TooLarge));
        let mut a = HeaderBlockAssembler::default();
        let _ = a.start(Block::new(1, false, false, 0), b"", &l);
        let max = l.max_continuation_frames(16_384);
        for _ in 0..max {
            assert!(a.continuation(b"", false, &l, 16_384).is_ok());
        }
        assert_eq!(a.continuation(b"", false, &l, 16_384).err(), Some(BlockError::TooManyContinuations));
    }
}
