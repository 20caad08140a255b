//! HPACK (RFC 7541): header compression for HTTP/2.
//!
//! - [`Decoder`] decodes one complete field block at a time, hands each field
//!   to a callback as borrowed slices (no allocation per field), enforces the
//!   header-list size and field-count limits while decoding, and rejects every
//!   malformed input with a [`DecodeError`] (all map to COMPRESSION_ERROR).
//!   A [`TableObserver`] passed to `decode_observed` is told of every table
//!   insert, eviction and size change.
//! - [`Encoder`] encodes response fields with static/dynamic table indexing,
//!   Huffman when shorter, never-indexed literals for sensitive fields, and the
//!   peer's SETTINGS_HEADER_TABLE_SIZE honoured via size updates.
//!
//! Files: `integer` (prefix integers), `huffman` (table-driven codec),
//! `table` (static + dynamic tables), `decoder`, `encoder`.

mod decoder;
mod encoder;
mod huffman;
mod integer;
mod table;
#[cfg(test)]
mod test_vectors;

pub use decoder::Decoder;
pub use encoder::Encoder;

use crate::error::ErrorCode;
use std::fmt;

/// Default SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2) and our default
/// dynamic-table budget, in HPACK size units (name + value + 32 per entry).
pub const DEFAULT_TABLE_SIZE: usize = 4096;

/// One header field. Slices borrow from the decoder's input, its dynamic
/// table or its scratch buffer, and are valid only during the callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderField<'a> {
    pub name: &'a [u8],
    pub value: &'a [u8],
    /// Decoder: the field came as a never-indexed literal (RFC 7541 §6.2.3).
    /// Encoder: encode it as never-indexed (intermediaries must not index it).
    pub sensitive: bool,
}

impl<'a> HeaderField<'a> {
    pub fn new(name: &'a [u8], value: &'a [u8]) -> Self {
        HeaderField { name, value, sensitive: false }
    }
}

/// Watches a decoder's dynamic table change (RFC 7541 §4): for a view of the
/// table, such as the inspector's, that must follow the decoder exactly.
///
/// Every hook does nothing by default. The engine decodes with `()`, whose
/// `ACTIVE` is false: the calls and the slices they would be handed are
/// compiled out, so an unobserved decoder costs what it did before.
pub trait TableObserver {
    /// False: the decoder does not even look up what it would report.
    const ACTIVE: bool = true;
    /// An entry was added at the front (it becomes index 62).
    fn inserted(&mut self, _name: &[u8], _value: &[u8]) {}
    /// The oldest entry was dropped to make room or to honour a smaller size.
    fn evicted(&mut self, _name: &[u8], _value: &[u8]) {}
    /// The table's maximum size changed: a size update in a block (§6.3), or
    /// a lower acknowledged SETTINGS_HEADER_TABLE_SIZE shrinking it.
    fn size_updated(&mut self, _max_size: usize) {}
}

impl TableObserver for () {
    const ACTIVE: bool = false;
}

/// Limits checked while a block is decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Maximum sum of name + value + 32 over the fields (RFC 9113
    /// SETTINGS_MAX_HEADER_LIST_SIZE semantics).
    pub max_list_size: usize,
    /// Maximum number of fields.
    pub max_fields: usize,
}

impl Default for DecodeLimits {
    /// 64 KiB header list, 128 fields: the defaults of our advertised
    /// SETTINGS_MAX_HEADER_LIST_SIZE and of `Limits::max_header_fields`.
    fn default() -> Self {
        DecodeLimits { max_list_size: 64 * 1024, max_fields: 128 }
    }
}

/// What happened while decoding one block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecodeOutcome {
    /// Sum of name + value + 32 over every field decoded (saturating),
    /// including fields not emitted because a limit was crossed.
    pub list_size: usize,
    /// Number of fields decoded, including those not emitted.
    pub fields: usize,
    /// A limit was crossed: the fields emitted are an incomplete prefix, and
    /// the caller should refuse the request (e.g. 431 or RST_STREAM). The
    /// dynamic table is still in sync, so the connection can go on.
    pub over_limit: bool,
}

/// Malformed HPACK input. Every variant is a connection error of type
/// COMPRESSION_ERROR (RFC 9113 §4.3): the dynamic table is out of sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The block ended inside an integer or string.
    Truncated,
    /// An integer used more than 5 continuation octets or exceeded 2^32-1.
    IntegerOverflow,
    /// Index 0, or an index past the static + dynamic tables.
    InvalidIndex,
    /// Huffman string with EOS, padding > 7 bits, or padding not all ones.
    Huffman,
    /// Dynamic table size update above the acknowledged maximum.
    SizeUpdateTooLarge,
    /// Dynamic table size update after the first field of the block.
    SizeUpdateNotAtStart,
}

impl DecodeError {
    /// The HTTP/2 error code to send in GOAWAY.
    pub fn error_code(&self) -> ErrorCode {
        ErrorCode::COMPRESSION_ERROR
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecodeError::Truncated => "hpack: truncated integer or string",
            DecodeError::IntegerOverflow => "hpack: integer overflow",
            DecodeError::InvalidIndex => "hpack: invalid table index",
            DecodeError::Huffman => "hpack: invalid huffman string",
            DecodeError::SizeUpdateTooLarge => "hpack: table size update above the limit",
            DecodeError::SizeUpdateNotAtStart => "hpack: table size update after a field",
        })
    }
}

impl std::error::Error for DecodeError {}
