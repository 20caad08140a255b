//! The outbound queue: every frame other than DATA, in the order it must go
//! on the wire, written before any DATA at the next `write_output`. HEADERS
//! are encoded when the command is given, so HPACK order is wire order.
//!
//! Each frame is pushed with its [`Cause`]. Frames the peer's input makes us
//! write (SETTINGS and PING ACKs, RST_STREAM for errors it provoked,
//! WINDOW_UPDATE crediting its DATA) are counted against `max_control_bytes`
//! until the next flush: a peer that sends faster than it reads cannot make
//! us buffer without bound. Frames our side decides on are not capped here
//! (the commands that cause them are bounded elsewhere).

use crate::error::ErrorCode;
use crate::frame;

/// Output of `write_output`: frame bytes plus where the application's queued
/// body bytes go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    pub bytes: Vec<u8>,
    pub segments: Vec<Segment>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    /// The next `len` bytes of `Output::bytes`.
    Bytes { len: u32 },
    /// The next `len` bytes the application queued on that stream.
    Data { stream_id: u32, len: u32 },
}

impl Output {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn clear(&mut self) {
        self.bytes.clear();
        self.segments.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Append frame bytes, merging with a preceding Bytes segment.
    pub(crate) fn push_bytes(&mut self, b: &[u8]) {
        if b.is_empty() {
            return;
        }
        self.bytes.extend_from_slice(b);
        let n = u32::try_from(b.len()).unwrap_or(u32::MAX);
        if let Some(Segment::Bytes { len }) = self.segments.last_mut() {
            *len = len.saturating_add(n);
        } else {
            self.segments.push(Segment::Bytes { len: n });
        }
    }

    pub(crate) fn push_data(&mut self, stream_id: u32, len: u32) {
        self.segments.push(Segment::Data { stream_id, len });
    }
}

/// Why a frame is written: our side decided (the application, a timer), or
/// the peer's input made us (ACKs, errors it provoked, credit for its DATA).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    Local,
    Peer,
}

/// A frame for the outbound queue.
#[derive(Clone, Copy, Debug)]
pub enum Control<'a> {
    /// The client connection preface (§3.4), raw bytes.
    Preface(&'a [u8]),
    Settings(&'a [(u16, u32)]),
    SettingsAck,
    Ping([u8; 8]),
    PingAck([u8; 8]),
    GoAway {
        last_stream_id: u32,
        code: ErrorCode,
        debug: &'a [u8],
    },
    RstStream {
        stream_id: u32,
        code: ErrorCode,
    },
    WindowUpdate {
        stream_id: u32,
        increment: u32,
    },
    /// An encoded header block, split into CONTINUATION frames as needed.
    Headers {
        stream_id: u32,
        block: &'a [u8],
        end_stream: bool,
        max_frame_size: u32,
    },
}

/// Peer input made us queue more than `max_control_bytes` since the last
/// flush: the caller ends the connection (ENHANCE_YOUR_CALM).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueFull;

/// GOAWAY debug data when the peer's share of the queue is full.
pub const QUEUE_FULL_REASON: &str = "control frame queue full";

#[derive(Debug)]
pub struct Outbound {
    bytes: Vec<u8>,
    /// Bytes queued because of peer input since the last flush.
    peer_bytes: usize,
    peer_cap: usize,
}

impl Outbound {
    pub fn new(peer_cap: usize) -> Self {
        Outbound { bytes: Vec::with_capacity(128), peer_bytes: 0, peer_cap }
    }

    /// Queue a frame. Only `Cause::Peer` frames can fill the queue.
    pub fn push(&mut self, cause: Cause, c: Control<'_>) -> Result<(), QueueFull> {
        let before = self.bytes.len();
        write(&mut self.bytes, c);
        if cause == Cause::Local {
            return Ok(());
        }
        let added = self.bytes.len().saturating_sub(before);
        self.peer_bytes = self.peer_bytes.saturating_add(added);
        if self.peer_bytes > self.peer_cap {
            Err(QueueFull)
        } else {
            Ok(())
        }
    }

    /// Queue a frame our side decided on (never refused).
    pub fn local(&mut self, c: Control<'_>) {
        write(&mut self.bytes, c);
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Move every queued frame to `out`; the peer's allowance starts over
    /// (it has been reading).
    pub fn flush_into(&mut self, out: &mut Output) {
        if !self.bytes.is_empty() {
            out.push_bytes(&self.bytes);
            self.bytes.clear();
        }
        self.peer_bytes = 0;
    }
}

fn write(buf: &mut Vec<u8>, c: Control<'_>) {
    match c {
        Control::Preface(p) => buf.extend_from_slice(p),
        Control::Settings(params) => frame::write_settings(buf, false, params),
        Control::SettingsAck => frame::write_settings(buf, true, &[]),
        Control::Ping(data) => frame::write_ping(buf, false, data),
        Control::PingAck(data) => frame::write_ping(buf, true, data),
        Control::GoAway { last_stream_id, code, debug } => frame::write_goaway(buf, last_stream_id, code, debug),
        Control::RstStream { stream_id, code } => frame::write_rst_stream(buf, stream_id, code),
        Control::WindowUpdate { stream_id, increment } => frame::write_window_update(buf, stream_id, increment),
        Control::Headers { stream_id, block, end_stream, max_frame_size } => {
            frame::write_headers(buf, stream_id, block, end_stream, max_frame_size)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_caused_frames_are_capped_until_flushed() {
        let mut q = Outbound::new(20);
        assert_eq!(q.push(Cause::Peer, Control::PingAck([0; 8])), Ok(())); // 17 bytes
        assert_eq!(q.push(Cause::Peer, Control::SettingsAck), Err(QueueFull)); // 26 > 20
        let mut out = Output::new();
        q.flush_into(&mut out);
        assert_eq!(out.bytes.len(), 26);
        assert_eq!(q.push(Cause::Peer, Control::SettingsAck), Ok(()));
    }

    #[test]
    fn local_frames_are_not_capped() {
        let mut q = Outbound::new(0);
        for _ in 0..10 {
            assert_eq!(q.push(Cause::Local, Control::Ping([1; 8])), Ok(()));
        }
        assert_eq!(q.push(Cause::Peer, Control::SettingsAck), Err(QueueFull));
        let mut out = Output::new();
        q.flush_into(&mut out);
        assert_eq!(out.segments, [Segment::Bytes { len: 179 }]);
        assert!(q.is_empty());
    }
}
