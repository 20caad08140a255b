//! Timers. The caller passes time in (`tick(now_ms)`) and asks when to call
//! again (`next_deadline`). Every deadline is computed from state, so
//! nothing needs cancelling. A limit of 0 disables that timer.
//!
//! | timer           | starts                          | fires                                              |
//! |-----------------|---------------------------------|----------------------------------------------------|
//! | preface         | connection created              | no preface + SETTINGS yet → GOAWAY(PROTOCOL_ERROR) |
//! | SETTINGS ACK    | our SETTINGS queued             | no ACK → GOAWAY(SETTINGS_TIMEOUT)                  |
//! | header block    | HEADERS without END_HEADERS     | block unfinished → GOAWAY(PROTOCOL_ERROR)          |
//! | idle            | last valid frame in / DATA out  | GOAWAY(NO_ERROR, or PROTOCOL_ERROR if streams are open), Closed after close_timeout |
//! | shutdown PING   | GOAWAY(2^31-1) + PING           | final GOAWAY(last) without waiting for the ACK     |
//! | drain           | final GOAWAY                    | remaining streams reset (CANCEL), Closed           |
//! | zero-window stall | stream has queued data, no window | RST_STREAM(CANCEL) on that stream              |
//! | close linger    | idle-timeout GOAWAY             | Closed (the peer did not close first)              |
//! | request body    | request HEADERS without END_STREAM | body not complete by timeout + bytes / min rate (time held back by our windows not counted) → Expired + RST_STREAM(CANCEL) |

use crate::error::ErrorCode;
use crate::proto::outbound::{Cause, Control};

use crate::proto::goaway::Shutdown;
use crate::proto::role::{after, Earliest, Role};

use super::{Core, Event, State};
use crate::stream::Stream;

/// Why a slow request body ends its stream (the `Expired` event's reason).
pub const SLOW_BODY_REASON: &str = "request body too slow (below minRequestBodyRate / requestBodyTimeoutMs)";

impl Core {
    pub(super) fn next_deadline(&self) -> Option<u64> {
        let l = &self.limits;
        match self.state {
            State::Closed => return None,
            State::Closing { until } => return Some(until),
            State::Preface { .. } | State::Open => {}
        }
        let mut d = Earliest::default();
        d.add_shared(&self.settings, &self.assembler, &self.streams, l);
        d.add(after(self.active_ms, l.idle_timeout_ms));
        d.add(self.goaway.shutdown_deadline());
        if l.request_body_timeout_ms > 0 {
            for s in self.streams.values() {
                d.add(self.body_deadline(s));
            }
        }
        d.0
    }

    /// When the stream's request body is overdue: `request_body_timeout_ms`
    /// plus one second per `min_request_body_rate` bytes received, from the
    /// request HEADERS, plus every millisecond our windows held the peer
    /// back. None while they hold it back now, or once the body is complete.
    fn body_deadline(&self, s: &Stream) -> Option<u64> {
        let l = &self.limits;
        if l.request_body_timeout_ms == 0 || s.recv_closed {
            return None;
        }
        if s.body_blocked_since.is_some() || self.flow.recv_blocked() {
            return None;
        }
        let earned = match l.min_request_body_rate {
            0 => 0,
            rate => s.body_received.saturating_mul(1000).checked_div(u64::from(rate)).unwrap_or(0),
        };
        let conn_blocked = self.flow.recv_blocked_ms.saturating_sub(s.conn_blocked_at_start);
        Some(
            s.body_started_ms
                .saturating_add(l.request_body_timeout_ms)
                .saturating_add(earned)
                .saturating_add(s.body_blocked_ms)
                .saturating_add(conn_blocked),
        )
    }

    pub(super) fn tick(&mut self) {
        let now = self.now;
        let due = |t: Option<u64>| t.is_some_and(|t| now >= t);
        let l = self.limits;
        match self.state {
            State::Closed => return,
            State::Closing { until } => {
                if now >= until {
                    self.state = State::Closed;
                    self.emit(Event::Closed);
                }
                return;
            }
            State::Preface { .. } | State::Open => {}
        }
        if !self.tick_handshake() {
            return;
        }
        if due(after(self.active_ms, l.idle_timeout_ms)) {
            self.idle_timeout();
            return;
        }
        match self.goaway.shutdown {
            Shutdown::AwaitPing { deadline } if now >= deadline => self.final_goaway(),
            Shutdown::Draining { deadline } if now >= deadline => {
                let ids: Vec<u32> = self.streams.keys().copied().collect();
                for id in ids {
                    self.reset_local(id, ErrorCode::CANCEL, Cause::Local);
                }
                if self.state != State::Closed {
                    self.state = State::Closed;
                    self.emit(Event::Closed);
                }
                return;
            }
            _ => {}
        }
        self.reset_stalled();
        if l.request_body_timeout_ms > 0 {
            let slow: Vec<u32> = self.streams.values().filter(|s| due(self.body_deadline(s))).map(|s| s.id).collect();
            for id in slow {
                self.emit(Event::Expired { stream_id: id, reason: SLOW_BODY_REASON });
                self.reset_local(id, ErrorCode::CANCEL, Cause::Local);
            }
        }
    }

    /// Twisted's timeoutConnection: GOAWAY(NO_ERROR) if no stream is open,
    /// else PROTOCOL_ERROR; then wait up to close_timeout for the peer to close.
    fn idle_timeout(&mut self) {
        let code = if self.streams.is_empty() { ErrorCode::NO_ERROR } else { ErrorCode::PROTOCOL_ERROR };
        let last = self.streams.last_peer_id;
        self.queue(Cause::Local, Control::GoAway { last_stream_id: last, code, debug: b"idle timeout" });
        self.state = State::Closing { until: self.now.saturating_add(self.limits.close_timeout_ms) };
        self.reset_all(code);
        if code != ErrorCode::NO_ERROR {
            self.emit(Event::Error { code, reason: "idle timeout", remote: false });
        }
        if self.limits.close_timeout_ms == 0 {
            self.state = State::Closed;
            self.emit(Event::Closed);
        }
    }
}
