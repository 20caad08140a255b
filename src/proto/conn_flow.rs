//! Connection-level flow control (§6.9), both directions, and what the
//! timers need to know about it.

use crate::flow::{RecvFlow, Window};
use crate::settings::{DEFAULT_WINDOW_SIZE, MAX_WINDOW_SIZE};

#[derive(Debug)]
pub struct ConnFlow {
    /// The peer's window for our DATA.
    pub send: Window,
    /// Our window for the peer's DATA, reopened as the application consumes.
    pub recv: RecvFlow,
    /// Bytes queued by the application on all streams, not yet written.
    pub queued: u64,
    /// DATA bytes sent that the peer has not credited back yet: a
    /// WINDOW_UPDATE crediting them is work, not a frame that does nothing.
    pub uncredited: u64,
    /// Since when our receive window has held the peer back.
    recv_blocked_since: Option<u64>,
    /// Milliseconds our receive window held the peer back so far (slow-body
    /// clocks do not run meanwhile).
    pub recv_blocked_ms: u64,
    /// When we last reopened the receive window (WINDOW_UPDATE sent).
    pub recv_opened_ms: u64,
}

impl ConnFlow {
    /// Windows at the protocol default; the receive window grows to
    /// `recv_target` with the first WINDOW_UPDATE ([`RecvFlow::open_to_target`]).
    pub fn new(recv_target: u32, now_ms: u64) -> Self {
        ConnFlow {
            send: Window::new(DEFAULT_WINDOW_SIZE),
            recv: RecvFlow::new(DEFAULT_WINDOW_SIZE, recv_target.clamp(DEFAULT_WINDOW_SIZE, MAX_WINDOW_SIZE)),
            queued: 0,
            uncredited: 0,
            recv_blocked_since: None,
            recv_blocked_ms: 0,
            recv_opened_ms: now_ms,
        }
    }

    /// Track whether our receive window holds the peer back (call after any
    /// change of `recv`).
    pub fn note_recv_window(&mut self, now_ms: u64) {
        if self.recv.window() <= 0 {
            self.recv_blocked_since.get_or_insert(now_ms);
        } else if let Some(t) = self.recv_blocked_since.take() {
            self.recv_blocked_ms = self.recv_blocked_ms.saturating_add(now_ms.saturating_sub(t));
        }
    }

    /// Our receive window holds the peer back now.
    pub fn recv_blocked(&self) -> bool {
        self.recv_blocked_since.is_some()
    }
}
