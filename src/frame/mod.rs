//! Frame codec (RFC 9113 §4, §6; RFC 9218 §7.1 PRIORITY_UPDATE).
//!
//! - [`header`]: the 9-byte frame header, frame-type and flag constants.
//! - [`types`]: typed frames ([`Frame`]), decoder items ([`Item`]) and payload parsing.
//! - [`decode`]: the incremental [`FrameDecoder`] (DATA streamed, other frames whole).
//! - [`encode`]: serializers (`write_*`) and [`Frame::encode`].
//! - `parse`: the per-frame rules ([`check_header`], [`parse_payload`], [`data_padding`]).
//! - `error`: [`FrameError`], the typed rule a malformed frame breaks.
//!
//! The decoder checks everything that can be checked from one frame alone
//! (sizes, stream 0 vs non-zero, padding); stream-state questions belong to
//! the connection.

pub mod decode;
pub mod encode;
mod error;
pub mod header;
mod parse;
pub mod types;

pub use decode::FrameDecoder;
pub use encode::{
    write_data, write_data_header, write_goaway, write_headers, write_ping, write_rst_stream, write_settings,
    write_window_update,
};
pub use error::FrameError;
pub use header::{flags, kind, FrameHeader};
pub use parse::{check_header, data_padding, parse_payload};
pub use types::{settings_iter, Frame, Item, PrioritySpec, SettingsIter};

/// The client connection preface (§3.4): the first bytes of every HTTP/2 connection
/// from the client, before its SETTINGS.
pub const CONNECTION_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Size of the fixed frame header (§4.1).
pub const FRAME_HEADER_LEN: usize = 9;
/// SETTINGS_MAX_FRAME_SIZE initial value (§6.5.2).
pub const DEFAULT_MAX_FRAME_SIZE: u32 = 16_384;
/// Largest value SETTINGS_MAX_FRAME_SIZE may take (2^24 - 1).
pub const MAX_MAX_FRAME_SIZE: u32 = 16_777_215;

#[cfg(test)]
mod tests;
