//! Offline decoder of captured HTTP/2 traffic, for the inspector page (www/).
//!
//! An [`Inspector`] watches one connection as an observer: both directions,
//! each fed in chunks with a timestamp. It never answers and never stops on a
//! protocol error: it records what it saw, one [`Record`] per frame (plus the
//! client preface), with:
//!
//! - the frame header (type, named flags, stream, length) and the
//!   type-specific fields (settings list, window increment, error-code names,
//!   PING data, GOAWAY last id and debug data, priority, promised id);
//! - the decoded header list of a complete header block (on the frame that
//!   ends it), with the HPACK dynamic table of that direction afterwards;
//! - the stream's §5.1 state after the frame (named from the server's side,
//!   since h2wasm is a server: "half-closed (remote)" = the client is done);
//! - the flow-control windows after the frame: the connection window of each
//!   direction and the frame's stream window of each direction, where the
//!   window of a direction is what its sender may still send;
//! - every protocol violation seen, with the RFC section.
//!
//! Framing is done here (9-byte header + length), so a malformed frame never
//! desynchronises the stream: each frame's bytes go to a fresh
//! [`crate::frame::FrameDecoder`] sized to the largest legal frame, and the size limit the
//! receiver advertised is checked separately (§4.2). DATA is streamed through
//! the decoder like the engine does (only a short preview is kept); every
//! other frame is at most 2^24-1+9 bytes, the largest a header can announce.
//!
//! Each direction has its own HPACK [`crate::hpack::Decoder`]. Its allowed
//! table size follows the other side's SETTINGS_HEADER_TABLE_SIZE once that
//! SETTINGS is acknowledged. The dynamic table shown is the one the decoder
//! holds: it reports every insert and eviction to the view
//! ([`crate::hpack::TableObserver`]).
//!
//! Modules, one concern each: `framing` (preface, 9-byte headers, payload
//! reassembly, DATA streamed through the frame decoder, per-frame dispatch),
//! `http1` (an h2c upgrade's HTTP/1.1 heads), `hpack_view` (header-block
//! reassembly and each direction's HPACK decoder and table view), `streams`
//! (per-stream state, DATA and header blocks on a stream), `control`
//! (SETTINGS and WINDOW_UPDATE), `verdicts` (violations and their RFC
//! sections), `record` (the output types) and `json` (their JSON form).
//!
//! The verdicts are the engine's own rules, not a second copy: stream-state
//! verdicts come from [`crate::stream_rules::rule`] over a per-frame stream
//! lookup (from the receiver's side of each frame), malformed frames from
//! [`crate::frame::FrameError`] and malformed messages from
//! [`crate::semantics::Malformed`], each with its `section()`.
//!
//! Bounds (an inspector runs on untrusted captures too): at most
//! [`MAX_TRACKED_STREAMS`] streams, header blocks up to [`MAX_HEADER_BLOCK`]
//! bytes, HPACK tables up to [`MAX_TABLE_SIZE`] bytes, DATA previews of
//! [`DATA_PREVIEW`] bytes. The caller owns the records it receives.

mod control;
mod framing;
mod hpack_view;
mod http1;
mod json;
mod record;
mod streams;
mod verdicts;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};

use crate::flow::Window;
use crate::frame::FRAME_HEADER_LEN;
use crate::settings::{self, PeerSettings};

pub use json::{json_str, records_json};
pub use record::{
    flag_names, setting_name, type_name, BlockKind, Detail, HeaderBlock, Prio, Record, TableSnapshot, Violation,
    Windows,
};

use framing::Current;
use hpack_view::{HpackView, PendingBlock};
use streams::StreamInfo;

/// The client connection preface (§3.4).
pub use crate::frame::CONNECTION_PREFACE as PREFACE;
/// Streams tracked per connection; beyond this, new streams are not tracked (flagged once).
pub const MAX_TRACKED_STREAMS: usize = 10_000;
/// Largest header block (HEADERS/PUSH_PROMISE + CONTINUATIONs) reassembled.
pub const MAX_HEADER_BLOCK: usize = 1 << 20;
/// Largest HPACK dynamic table accepted, whatever SETTINGS say.
pub const MAX_TABLE_SIZE: usize = 1 << 20;
/// DATA bytes kept per frame for display.
pub const DATA_PREVIEW: usize = 64;
/// Largest HTTP/1.1 head (h2c upgrade request or 101 response) read.
pub const MAX_HTTP1_HEAD: usize = 64 * 1024;

/// Which way bytes travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    ClientToServer,
    ServerToClient,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::ClientToServer => "c2s",
            Direction::ServerToClient => "s2c",
        }
    }
    fn idx(self) -> usize {
        match self {
            Direction::ClientToServer => 0,
            Direction::ServerToClient => 1,
        }
    }
    fn other(self) -> Direction {
        match self {
            Direction::ClientToServer => Direction::ServerToClient,
            Direction::ServerToClient => Direction::ClientToServer,
        }
    }
}

/// The parts of an unacknowledged SETTINGS that take effect on its ACK.
#[derive(Clone, Copy, Debug, Default)]
struct PendingSettings {
    header_table_size: Option<u32>,
    max_concurrent_streams: Option<u32>,
}

struct Side {
    /// Preface bytes matched so far (client side), or 24 when not expected.
    preface_pos: usize,
    /// The preface was wrong: nothing more of this direction is decoded.
    dead: bool,
    /// Reading an HTTP/1.1 head (h2c upgrade) until CRLFCRLF.
    http1: Option<Vec<u8>>,
    /// HTTP/1.1 request body bytes still to skip before the preface.
    skip: u64,
    offset: u64,
    hdr: [u8; FRAME_HEADER_LEN],
    hdr_len: usize,
    current: Option<Current>,
    frames_seen: u64,
    hpack: HpackView,
    block: Option<PendingBlock>,
    /// This side's settings as it announced them (applied when seen).
    announced: PeerSettings,
    /// SETTINGS of this side not yet acknowledged by the other (HEADER_TABLE_SIZE values).
    unacked: VecDeque<PendingSettings>,
    /// This side's SETTINGS_MAX_CONCURRENT_STREAMS, once acknowledged.
    max_streams: Option<u32>,
    /// This side's SETTINGS_MAX_FRAME_SIZE: limits frames the *other* side sends.
    max_frame_size: u32,
    /// Window for DATA this side sends, connection level.
    conn_window: Window,
    /// Highest stream id this side initiated.
    last_stream: u32,
    /// GOAWAY last-stream-id this side sent.
    goaway: Option<u32>,
}

impl Side {
    fn new(expect_preface: bool) -> Self {
        Side {
            preface_pos: if expect_preface { 0 } else { PREFACE.len() },
            dead: false,
            http1: None,
            skip: 0,
            offset: 0,
            hdr: [0; FRAME_HEADER_LEN],
            hdr_len: 0,
            current: None,
            frames_seen: 0,
            hpack: HpackView::new(),
            block: None,
            announced: PeerSettings::default(),
            unacked: VecDeque::new(),
            max_streams: None,
            max_frame_size: settings::MIN_MAX_FRAME_SIZE,
            conn_window: Window::new(settings::DEFAULT_WINDOW_SIZE),
            last_stream: 0,
            goaway: None,
        }
    }
}

/// Decodes one observed connection (both directions).
pub struct Inspector {
    sides: [Side; 2],
    streams: BTreeMap<u32, StreamInfo>,
    untracked_flagged: bool,
    /// Some stream was dropped from (or never entered) `streams` for the
    /// bound: an unknown id below a side's last may have been used.
    forgot_streams: bool,
    next_index: u32,
    /// The capture starts mid-connection: streams, windows and the HPACK
    /// tables began before it, so their absence is not a violation.
    mid_connection: bool,
    /// Per initiator (client, server): the first stream id seen opening in
    /// the capture. Unknown streams below it began before the capture.
    first_opened: [Option<u32>; 2],
}

impl Default for Inspector {
    fn default() -> Self {
        Self::new(true)
    }
}

impl Inspector {
    /// `expect_preface`: the client→server bytes start with the 24-byte
    /// preface (false for a capture that starts mid-connection).
    pub fn new(expect_preface: bool) -> Self {
        Inspector {
            sides: [Side::new(expect_preface), Side::new(false)],
            streams: BTreeMap::new(),
            untracked_flagged: false,
            forgot_streams: false,
            next_index: 0,
            mid_connection: !expect_preface,
            first_opened: [None, None],
        }
    }

    fn side(&self, dir: Direction) -> &Side {
        match dir {
            Direction::ClientToServer => &self.sides[0],
            Direction::ServerToClient => &self.sides[1],
        }
    }

    fn side_mut(&mut self, dir: Direction) -> &mut Side {
        match dir {
            Direction::ClientToServer => &mut self.sides[0],
            Direction::ServerToClient => &mut self.sides[1],
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn blank(
        &mut self,
        dir: Direction,
        time: f64,
        offset: u64,
        k: Option<u8>,
        f: u8,
        stream_id: u32,
        length: u32,
    ) -> Record {
        let index = self.next_index;
        self.next_index = self.next_index.saturating_add(1);
        Record {
            index,
            time,
            dir,
            offset,
            kind: k,
            flags: f,
            stream_id,
            length,
            detail: Detail::None,
            headers: None,
            table: None,
            state: None,
            windows: self.windows(stream_id),
            violations: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn windows(&self, stream_id: u32) -> Windows {
        Windows {
            connection: [self.sides[0].conn_window.get(), self.sides[1].conn_window.get()],
            stream: if stream_id == 0 { None } else { self.streams.get(&stream_id).map(|s| s.windows) },
        }
    }
}
