//! Per-stream state (RFC 9113 §5.1) and the bounded record of closed streams.
//!
//! A server only ever sees client-initiated streams and never pushes, so the
//! reserved states do not occur. A stream object exists from the request
//! HEADERS until both directions are done (or a reset); then it is dropped
//! and only its id and how it ended stay in [`ClosedStreams`], which is
//! bounded (oldest forgotten first).
//!
//! | §5.1 state          | here                                   |
//! |---------------------|----------------------------------------|
//! | idle                | id > last peer stream id, no object    |
//! | open                | `!recv_closed && !send_closed`         |
//! | half-closed (remote)| `recv_closed && !send_closed`          |
//! | half-closed (local) | `!recv_closed && send_closed`          |
//! | closed              | no object; maybe in `ClosedStreams`    |

use std::collections::VecDeque;

use crate::flow::{RecvFlow, Window};
use crate::schedule::Priority;

/// How a stream ended, which decides how late frames on it are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseKind {
    /// Both sides sent END_STREAM.
    Ended,
    /// We sent RST_STREAM: frames already in flight are ignored (§5.4.2).
    ResetLocal,
    /// The peer sent RST_STREAM.
    ResetRemote,
}

/// Where the response side of a stream is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendState {
    /// No final HEADERS yet (1xx may have gone out).
    Idle,
    /// Final HEADERS sent; DATA may be queued.
    Headers,
    /// END_STREAM queued (after any queued DATA / trailers).
    Ending,
    /// END_STREAM written to the output.
    Done,
}

/// One live stream.
#[derive(Debug)]
pub struct Stream {
    pub id: u32,
    /// Peer sent END_STREAM (half-closed remote).
    pub recv_closed: bool,
    pub send: SendState,
    /// Peer's window for our DATA on this stream.
    pub send_window: Window,
    /// Bytes the application queued with send_data, not yet written.
    pub queued: u64,
    /// Trailers encoded-on-drain: the raw fields, packed as
    /// `[name_len u32 LE][value_len u32 LE][name][value]...`; sent after the queued DATA.
    pub trailers: Option<Vec<u8>>,
    /// Our window for the peer's DATA.
    pub recv: RecvFlow,
    /// Declared request content-length, checked against DATA (§8.1.1).
    pub content_length: Option<u64>,
    pub body_received: u64,
    pub priority: Priority,
    /// In the scheduler now.
    pub scheduled: bool,
    /// Last SendBlocked/SendReady state reported to the application.
    pub blocked: bool,
    /// Since when the stream has had something to send but no window.
    pub stalled_since: Option<u64>,
    /// Slow-body clock (see `Limits::request_body_timeout_ms`): when the
    /// request HEADERS arrived.
    pub body_started_ms: u64,
    /// Since when our stream receive window has held the peer back (the
    /// body clock does not run meanwhile).
    pub body_blocked_since: Option<u64>,
    /// Milliseconds the stream receive window held the peer back so far.
    pub body_blocked_ms: u64,
    /// The connection's blocked-time total when the stream started (the
    /// connection window holds every stream back at once).
    pub conn_blocked_at_start: u64,
    /// DATA bytes we sent on this stream that the peer has not credited back
    /// with a WINDOW_UPDATE yet (such updates are work, not no-op frames).
    pub uncredited: u64,
}

impl Stream {
    pub fn new(id: u32, send_window: u32, recv_window: u32, recv_target: u32) -> Self {
        Stream {
            id,
            recv_closed: false,
            send: SendState::Idle,
            send_window: Window::new(send_window),
            queued: 0,
            trailers: None,
            recv: RecvFlow::new(recv_window, recv_target),
            content_length: None,
            body_received: 0,
            priority: Priority::default(),
            scheduled: false,
            blocked: false,
            stalled_since: None,
            body_started_ms: 0,
            body_blocked_since: None,
            body_blocked_ms: 0,
            conn_blocked_at_start: 0,
            uncredited: 0,
        }
    }

    /// Track whether our receive window holds the peer back (call after any
    /// change of `recv`): time spent blocked does not count against the body rate.
    pub fn note_recv_window(&mut self, now_ms: u64) {
        if self.recv.window() <= 0 {
            self.body_blocked_since.get_or_insert(now_ms);
        } else if let Some(t) = self.body_blocked_since.take() {
            self.body_blocked_ms = self.body_blocked_ms.saturating_add(now_ms.saturating_sub(t));
        }
    }

    pub fn send_closed(&self) -> bool {
        matches!(self.send, SendState::Done)
    }

    /// Both directions finished: the stream can be dropped.
    pub fn is_finished(&self) -> bool {
        self.recv_closed && self.send_closed()
    }

    /// Something for the scheduler: DATA with window, or a zero-length
    /// END_STREAM / trailers once the queue is drained (not flow-controlled).
    pub fn has_sendable(&self, conn_window: u64) -> bool {
        if self.send != SendState::Headers && self.send != SendState::Ending {
            return false;
        }
        if self.queued > 0 {
            self.send_window.available() > 0 && conn_window > 0
        } else {
            self.send == SendState::Ending
        }
    }

    /// Has queued work it cannot send for lack of window.
    pub fn is_stalled(&self, conn_window: u64) -> bool {
        self.queued > 0 && (self.send_window.available() == 0 || conn_window == 0)
    }
}

/// Bounded memory of recently closed streams: enough to answer late frames
/// correctly (§5.1 "closed"), no more. Lookups are linear; the bound is small.
#[derive(Debug)]
pub struct ClosedStreams {
    entries: VecDeque<(u32, CloseKind)>,
    cap: usize,
}

impl ClosedStreams {
    pub fn new(cap: usize) -> Self {
        ClosedStreams { entries: VecDeque::new(), cap }
    }

    pub fn insert(&mut self, id: u32, kind: CloseKind) {
        if self.cap == 0 {
            return;
        }
        if self.entries.len() >= self.cap {
            self.entries.pop_front();
        }
        self.entries.push_back((id, kind));
    }

    pub fn get(&self, id: u32) -> Option<CloseKind> {
        self.entries.iter().rev().find(|e| e.0 == id).map(|e| e.1)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl crate::proto::streams::LiveStream for Stream {
    fn stream(&self) -> &Stream {
        self
    }
    fn stream_mut(&mut self) -> &mut Stream {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_record_is_bounded() {
        let mut c = ClosedStreams::new(2);
        c.insert(1, CloseKind::Ended);
        c.insert(3, CloseKind::ResetLocal);
        c.insert(5, CloseKind::ResetRemote);
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(1), None);
        assert_eq!(c.get(3), Some(CloseKind::ResetLocal));
        assert_eq!(c.get(5), Some(CloseKind::ResetRemote));
    }

    #[test]
    fn sendable_rules() {
        let mut s = Stream::new(1, 10, 65_535, 65_535);
        assert!(!s.has_sendable(100)); // no headers yet
        s.send = SendState::Headers;
        assert!(!s.has_sendable(100)); // nothing queued
        s.queued = 5;
        assert!(s.has_sendable(100));
        assert!(!s.has_sendable(0)); // connection window closed
        assert!(s.is_stalled(0));
        s.send_window.consume(10).unwrap();
        assert!(!s.has_sendable(100)); // zero window: not scheduled
        assert!(s.is_stalled(100));
        s.queued = 0;
        s.send = SendState::Ending;
        assert!(s.has_sendable(0)); // empty END_STREAM needs no window
    }

    #[test]
    fn finished() {
        let mut s = Stream::new(1, 10, 10, 10);
        s.recv_closed = true;
        assert!(!s.is_finished());
        s.send = SendState::Done;
        assert!(s.is_finished());
    }
}
