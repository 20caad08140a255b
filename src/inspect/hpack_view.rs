//! Header blocks: reassembly across CONTINUATION, HPACK decoding per
//! direction, and the dynamic table as the decoder reports it.

use super::verdicts::violation;
use std::collections::VecDeque;

use super::{Direction, HeaderBlock, Inspector, Record, TableSnapshot, MAX_HEADER_BLOCK};
use crate::error::ErrorCode;
use crate::hpack::{DecodeError, DecodeLimits, DecodeOutcome, Decoder, HeaderField, TableObserver, DEFAULT_TABLE_SIZE};

/// Header list decoding limits: generous, since the inspector shows what was sent.
const LIST_LIMITS: DecodeLimits = DecodeLimits { max_list_size: 4 << 20, max_fields: 10_000 };

/// One direction's HPACK decoder, and its dynamic table for display.
///
/// The entries are copied as the decoder reports its own inserts and
/// evictions, so they are the decoder's table, not a re-derivation of it.
#[derive(Debug)]
pub(super) struct HpackView {
    decoder: Decoder,
    entries: TableEntries,
    /// False once a block could not be decoded (or was too big to try): the
    /// decoder's table may no longer be the one the sender encodes against.
    in_sync: bool,
}

/// The dynamic table's fields, newest first.
#[derive(Debug, Default)]
struct TableEntries(VecDeque<(Vec<u8>, Vec<u8>)>);

impl TableObserver for TableEntries {
    fn inserted(&mut self, name: &[u8], value: &[u8]) {
        self.0.push_front((name.to_vec(), value.to_vec()));
    }
    fn evicted(&mut self, _name: &[u8], _value: &[u8]) {
        self.0.pop_back();
    }
}

impl HpackView {
    pub(super) fn new() -> Self {
        HpackView { decoder: Decoder::new(DEFAULT_TABLE_SIZE), entries: TableEntries::default(), in_sync: true }
    }

    fn decode(
        &mut self,
        block: &[u8],
        fields: &mut Vec<(Vec<u8>, Vec<u8>, bool)>,
    ) -> Result<DecodeOutcome, DecodeError> {
        let mut emit = |f: HeaderField<'_>| fields.push((f.name.to_vec(), f.value.to_vec(), f.sensitive));
        self.decoder.decode_observed(block, &LIST_LIMITS, &mut emit, &mut self.entries)
    }

    /// The receiver's SETTINGS_HEADER_TABLE_SIZE took effect (its ACK was seen).
    pub(super) fn set_max_allowed(&mut self, n: usize) {
        self.decoder.set_max_allowed_table_size_observed(n, &mut self.entries);
    }

    fn snapshot(&self) -> TableSnapshot {
        TableSnapshot {
            size: self.decoder.table_size(),
            max_size: self.decoder.max_table_size(),
            entries: self.entries.0.iter().cloned().collect(),
            in_sync: self.in_sync,
        }
    }
}

/// A header block being reassembled.
#[derive(Debug)]
pub(super) struct PendingBlock {
    pub(super) stream_id: u32,
    /// HEADERS, or PUSH_PROMISE with its promised id.
    pub(super) promised: Option<u32>,
    pub(super) end_stream: bool,
    pub(super) buf: Vec<u8>,
    pub(super) frames: u32,
    pub(super) too_big: bool,
}

impl Inspector {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn start_block(
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

    pub(super) fn on_continuation(
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
    pub(super) fn finish_block(&mut self, dir: Direction, rec: &mut Record, block: PendingBlock) {
        if block.too_big {
            rec.notes.push(format!(
                "header block larger than the inspector's {MAX_HEADER_BLOCK}-byte limit: not decoded; HPACK state lost"
            ));
            self.side_mut(dir).hpack.in_sync = false;
            return;
        }
        let mut fields: Vec<(Vec<u8>, Vec<u8>, bool)> = Vec::new();
        let mid_connection = self.mid_connection;
        let side = self.side_mut(dir);
        let result = side.hpack.decode(&block.buf, &mut fields);
        let undecodable_mid = mid_connection && result.is_err();
        match result {
            Ok(outcome) => {
                if outcome.over_limit {
                    rec.notes.push("header list over the inspector's limits: truncated".to_string());
                }
            }
            Err(e) if mid_connection => {
                side.hpack.in_sync = false;
                rec.notes.push(format!(
                    "HPACK decoding failed ({e}): joined mid-connection, so this direction's dynamic table is unknown"
                ));
            }
            Err(e) => {
                side.hpack.in_sync = false;
                rec.violations.push(violation(
                    "§4.3",
                    &format!("HPACK decoding error ({e}): COMPRESSION_ERROR; later header blocks in this direction may decode wrongly"),
                    ErrorCode::COMPRESSION_ERROR,
                    true,
                ));
            }
        }
        rec.table = Some(self.side(dir).hpack.snapshot());
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
}
