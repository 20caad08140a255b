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

use super::{Core, Event, State};
use crate::stream::Stream;

/// Why a slow request body ends its stream (the `Expired` event's reason).
pub const SLOW_BODY_REASON: &str = "request body too slow (below minRequestBodyRate / requestBodyTimeoutMs)";

fn after(start: u64, limit: u64) -> Option<u64> {
    (limit > 0).then(|| start.saturating_add(limit))
}

impl Core {
    pub(super) fn next_deadline(&self) -> Option<u64> {
        let l = &self.limits;
        let mut d: Option<u64> = None;
        let mut add = |t: Option<u64>| {
            if let Some(t) = t {
                d = Some(d.map_or(t, |d| d.min(t)));
            }
        };
        match self.state {
            State::Closed => return None,
            State::Closing { until } => return Some(until),
            State::Preface { .. } | State::Open => {}
        }
        add(self.settings.peer_deadline(l.preface_timeout_ms));
        add(self.settings.ack_deadline(l.settings_ack_timeout_ms));
        add(self.assembler.deadline(l.header_block_timeout_ms));
        add(after(self.active_ms, l.idle_timeout_ms));
        add(self.goaway.shutdown_deadline());
        if l.stall_timeout_ms > 0 {
            for s in self.streams.values() {
                if let Some(since) = s.stalled_since {
                    add(after(since, l.stall_timeout_ms));
                }
            }
        }
        if l.request_body_timeout_ms > 0 {
            for s in self.streams.values() {
                add(self.body_deadline(s));
            }
        }
        d
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
        if due(self.settings.peer_deadline(l.preface_timeout_ms)) {
            self.close_with(ErrorCode::PROTOCOL_ERROR, "preface timeout", false);
            return;
        }
        if due(self.settings.ack_deadline(l.settings_ack_timeout_ms)) {
            self.close_with(ErrorCode::SETTINGS_TIMEOUT, "SETTINGS not acknowledged", false);
            return;
        }
        if due(self.assembler.deadline(l.header_block_timeout_ms)) {
            self.close_with(ErrorCode::PROTOCOL_ERROR, "header block timeout", false);
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
        if l.stall_timeout_ms > 0 {
            let stalled: Vec<u32> = self
                .streams
                .values()
                .filter(|s| s.stalled_since.is_some_and(|t| due(after(t, l.stall_timeout_ms))))
                .map(|s| s.id)
                .collect();
            for id in stalled {
                self.reset_local(id, ErrorCode::CANCEL, Cause::Local);
            }
        }
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
