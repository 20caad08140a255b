//! Outbound side and timers of the client. `write_output` is the server's
//! ([`crate::proto::role::Role::write_output`]): control frames and HEADERS first
//! (encoded when given, so HPACK order is wire order), then request DATA by
//! priority, each frame at most min(stream window, connection window, peer
//! MAX_FRAME_SIZE, the caller's budget); trailers are encoded when written.
//!
//! Timers (a limit of 0 disables one):
//!
//! | timer          | starts                        | fires                                           |
//! |----------------|-------------------------------|-------------------------------------------------|
//! | server preface | connection created            | no SETTINGS from the server → GOAWAY(PROTOCOL_ERROR) |
//! | SETTINGS ACK   | our SETTINGS queued           | no ACK → GOAWAY(SETTINGS_TIMEOUT)               |
//! | header block   | HEADERS without END_HEADERS   | → GOAWAY(PROTOCOL_ERROR)                        |
//! | keepalive      | last frame in                 | PING (keepalive_ms)                              |
//! | ping timeout   | a PING sent                   | no ACK → GOAWAY, Closed (ping_timeout_ms)        |
//! | idle           | last frame in, no stream open | GOAWAY(NO_ERROR), Closed (idle_timeout_ms)       |
//! | send stall     | queued body, no window        | RST_STREAM(CANCEL) on that stream (stall_timeout_ms) |
//! | response head  | request END_STREAM out        | no final response → TimedOut + RST_STREAM(CANCEL) (response_timeout_ms) |
//! | response body  | head / DATA / app read        | silence while the server may send → TimedOut + RST_STREAM(CANCEL) (response_body_timeout_ms) |

use crate::error::ErrorCode;
use crate::proto::outbound::{Cause, Control};
use crate::proto::role::{after, Earliest, Role};

use super::{CStream, ClientEvent, Core, Resp, State};

/// `TimedOut` reasons (the application's error message).
pub const RESPONSE_TIMEOUT_REASON: &str = "no response from the server within responseTimeoutMs";
pub const RESPONSE_BODY_TIMEOUT_REASON: &str = "response body stalled longer than responseBodyTimeoutMs";

/// Keepalive PINGs carry this prefix and a counter; their ACKs are not reported.
const KEEPALIVE_TAG: [u8; 4] = *b"h2ka";

pub(super) fn is_keepalive(data: [u8; 8]) -> bool {
    data.starts_with(&KEEPALIVE_TAG)
}

impl Core {
    pub(super) fn wants_write(&self) -> bool {
        !self.out.is_empty() || (self.state != State::Closed && !self.sched.is_empty())
    }

    // ---- timers ----

    pub(super) fn next_deadline(&self) -> Option<u64> {
        if self.state == State::Closed {
            return None;
        }
        let l = &self.limits;
        let mut d = Earliest::default();
        d.add_shared(&self.settings, &self.assembler, &self.streams, l);
        if self.streams.is_empty() {
            d.add(after(self.active_ms, l.idle_timeout_ms));
        }
        if self.pings.none_outstanding() {
            d.add(after(self.active_ms, self.cfg.keepalive_ms));
        }
        if let Some(sent) = self.pings.oldest_sent() {
            d.add(after(sent, self.cfg.ping_timeout_ms));
        }
        if self.cfg.response_timeout_ms > 0 || self.cfg.response_body_timeout_ms > 0 {
            for cs in self.streams.values() {
                d.add(self.response_deadline(cs).map(|(t, _)| t));
            }
        }
        d.0
    }

    /// When the server's silence on this stream is too long, and which timer
    /// that is. Both start once the whole request went out (while the client
    /// still sends, as in a bidi call, the server may be waiting for it); the
    /// body timer is paused while the application holds unread bytes of the
    /// stream (our window, not the server, is then the limit) or while our
    /// connection window is closed, and restarts from the moment it reopens.
    fn response_deadline(&self, cs: &CStream) -> Option<(u64, &'static str)> {
        if cs.s.recv_closed {
            return None;
        }
        match cs.resp {
            Resp::Head { .. } => {
                let sent = cs.request_sent_ms?;
                after(sent, self.cfg.response_timeout_ms).map(|t| (t, RESPONSE_TIMEOUT_REASON))
            }
            Resp::Body => {
                let sent = cs.request_sent_ms?;
                if cs.s.recv.unconsumed() > 0 || self.flow.recv.window() <= 0 {
                    return None;
                }
                let since = cs.body_active_ms.max(sent).max(self.flow.recv_opened_ms);
                after(since, self.cfg.response_body_timeout_ms).map(|t| (t, RESPONSE_BODY_TIMEOUT_REASON))
            }
        }
    }

    pub(super) fn tick(&mut self) {
        if self.state == State::Closed {
            return;
        }
        let now = self.now;
        let due = |t: Option<u64>| t.is_some_and(|t| now >= t);
        let l = self.limits;
        if !self.tick_handshake() {
            return;
        }
        if self.pings.oldest_sent().is_some_and(|t| due(after(t, self.cfg.ping_timeout_ms))) {
            self.close_with(ErrorCode::CANCEL, "PING not acknowledged in time", false);
            return;
        }
        if self.streams.is_empty() && due(after(self.active_ms, l.idle_timeout_ms)) {
            self.out.local(Control::GoAway { last_stream_id: 0, code: ErrorCode::NO_ERROR, debug: b"idle" });
            self.state = State::Closed;
            self.emit(ClientEvent::Closed);
            return;
        }
        if self.pings.none_outstanding() && due(after(self.active_ms, self.cfg.keepalive_ms)) {
            self.keepalive_seq = self.keepalive_seq.wrapping_add(1);
            let seq = self.keepalive_seq.to_be_bytes();
            let mut data = [0u8; 8];
            for (d, s) in data.iter_mut().zip(KEEPALIVE_TAG.iter().chain(seq.iter().skip(4))) {
                *d = *s;
            }
            let _ = self.ping(data);
        }
        self.reset_stalled();
        if self.cfg.response_timeout_ms > 0 || self.cfg.response_body_timeout_ms > 0 {
            let silent: Vec<(u32, &'static str)> = self
                .streams
                .values()
                .filter_map(|cs| match self.response_deadline(cs) {
                    Some((t, reason)) if now >= t => Some((cs.s.id, reason)),
                    _ => None,
                })
                .collect();
            for (id, reason) in silent {
                self.emit(ClientEvent::TimedOut { stream_id: id, reason });
                self.reset_local(id, ErrorCode::CANCEL, Cause::Local);
            }
        }
    }
}
