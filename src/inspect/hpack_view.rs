use super::verdicts::violation;
use super::*;
use crate::error::ErrorCode;
use crate::hpack::HeaderField;

/// One representation of a field block (RFC 7541 §6), as far as the table is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Rep {
    /// A field line; `indexed` = literal with incremental indexing (inserted).
    Field {
        inserted: bool,
    },
    SizeUpdate(usize),
}

/// RFC 7541 §5.1 integer; returns (value, bytes used). None on truncation/overflow.
pub(super) fn hpack_int(b: &[u8], prefix_bits: u32) -> Option<(usize, usize)> {
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
pub(super) fn hpack_skip_string(b: &[u8]) -> Option<usize> {
    let (len, used) = hpack_int(b, 7)?;
    let total = used.checked_add(len)?;
    (total <= b.len()).then_some(total)
}

/// The representations of a block, in order; None if the block is malformed.
pub(super) fn representations(block: &[u8]) -> Option<Vec<Rep>> {
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
pub(super) fn literal_len(b: &[u8], prefix: u32) -> Option<usize> {
    let (index, mut used) = hpack_int(b, prefix)?;
    if index == 0 {
        used = used.checked_add(hpack_skip_string(b.get(used..)?)?)?;
    }
    used.checked_add(hpack_skip_string(b.get(used..)?)?)
}

#[derive(Debug)]
pub(super) struct TableMirror {
    pub(super) entries: VecDeque<(Vec<u8>, Vec<u8>)>,
    pub(super) size: usize,
    pub(super) max: usize,
    pub(super) in_sync: bool,
}

impl TableMirror {
    pub(super) fn new() -> Self {
        TableMirror { entries: VecDeque::new(), size: 0, max: DEFAULT_TABLE, in_sync: true }
    }
    pub(super) fn evict(&mut self) {
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
    pub(super) fn set_max(&mut self, max: usize) {
        self.max = max.min(MAX_TABLE_SIZE);
        self.evict();
    }
    pub(super) fn insert(&mut self, name: &[u8], value: &[u8]) {
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
    pub(super) fn snapshot(&self) -> TableSnapshot {
        TableSnapshot {
            size: self.size,
            max_size: self.max,
            entries: self.entries.iter().cloned().collect(),
            in_sync: self.in_sync,
        }
    }
}

pub(super) fn entry_size(name: &[u8], value: &[u8]) -> usize {
    name.len().saturating_add(value.len()).saturating_add(32)
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
}

/// Update the table mirror from one decoded block.
pub(super) fn mirror_block(
    table: &mut TableMirror,
    block: &[u8],
    fields: &[(Vec<u8>, Vec<u8>, bool)],
    truncated: bool,
) {
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
