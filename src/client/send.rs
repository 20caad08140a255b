//! Outbound side and timers of the client. The DATA loop is the server's
//! ([`crate::proto::data::send_turn`]): control frames and HEADERS first
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
use crate::frame;
use crate::proto::outbound::{Cause, Control};

use crate::proto::data::{back_pressure, schedule, send_turn, SendCtx, SendView, Turn};

use super::{is_sensitive, CStream, ClientEvent, Core, Output, Resp, State};

/// `TimedOut` reasons (the application's error message).
pub const RESPONSE_TIMEOUT_REASON: &str = "no response from the server within responseTimeoutMs";
pub const RESPONSE_BODY_TIMEOUT_REASON: &str = "response body stalled longer than responseBodyTimeoutMs";

/// Keepalive PINGs carry this prefix and a counter; their ACKs are not reported.
const KEEPALIVE_TAG: [u8; 4] = *b"h2ka";

pub(super) fn is_keepalive(data: [u8; 8]) -> bool {
    data.starts_with(&KEEPALIVE_TAG)
}

fn after(start: u64, limit: u64) -> Option<u64> {
    (limit > 0).then(|| start.saturating_add(limit))
}

impl Core {
    pub(super) fn write_output(&mut self, out: &mut Output, max_bytes: usize) {
        self.out.flush_into(out);
        self.pings.flushed();
        if self.state == State::Closed {
            return;
        }
        let mut budget = u64::try_from(max_bytes).unwrap_or(u64::MAX);
        let mut header = Vec::with_capacity(frame::FRAME_HEADER_LEN);
        while budget > 0 {
            let Some(id) = self.sched.pop() else { break };
            let Some(cs) = self.streams.get_mut(&id) else { continue };
            let mut cx = SendCtx {
                flow: &mut self.flow,
                sched: &mut self.sched,
                encoder: &mut self.encoder,
                scratch: &mut self.scratch,
                header: &mut header,
                out,
                peer_max_frame_size: self.settings.peer.max_frame_size,
                sensitive: is_sensitive,
            };
            match send_turn(cs, id, budget, &mut cx) {
                Turn::Skip => continue,
                Turn::Stop => break,
                Turn::Sent { data, ended } => {
                    budget = budget.saturating_sub(data);
                    if ended {
                        // The response timer runs from the request's END_STREAM.
                        cs.request_sent_ms = Some(self.now);
                        if cs.s.is_finished() {
                            self.finish_stream(id);
                            continue;
                        }
                    }
                }
            }
            self.refresh(id);
        }
        self.refresh_all();
    }

    pub(super) fn wants_write(&self) -> bool {
        !self.out.is_empty() || (self.state != State::Closed && !self.sched.is_empty())
    }

    pub(super) fn schedule(&mut self, id: u32) {
        let conn_avail = self.flow.send.available();
        if let Some(cs) = self.streams.get_mut(&id) {
            schedule(cs, id, &mut self.sched, conn_avail);
        }
    }

    pub(super) fn wake_all(&mut self) {
        let conn_avail = self.flow.send.available();
        for cs in self.streams.values_mut() {
            schedule(cs, cs.s.id, &mut self.sched, conn_avail);
        }
        self.refresh_all();
    }

    pub(super) fn refresh_all(&mut self) {
        let view = SendView::new(&self.flow, &self.limits, self.now);
        let closed = self.closed_emitted;
        for cs in self.streams.values_mut() {
            if let Some(blocked) = back_pressure(cs, &view) {
                if !closed {
                    self.events.push_back(send_event(cs.s.id, blocked));
                }
            }
        }
    }

    pub(super) fn refresh(&mut self, id: u32) {
        let view = SendView::new(&self.flow, &self.limits, self.now);
        let Some(cs) = self.streams.get_mut(&id) else { return };
        if let Some(blocked) = back_pressure(cs, &view) {
            self.emit(send_event(id, blocked));
        }
    }

    // ---- timers ----

    pub(super) fn next_deadline(&self) -> Option<u64> {
        if self.state == State::Closed {
            return None;
        }
        let l = &self.limits;
        let mut d: Option<u64> = None;
        let mut add = |t: Option<u64>| {
            if let Some(t) = t {
                d = Some(d.map_or(t, |d| d.min(t)));
            }
        };
        add(self.settings.peer_deadline(l.preface_timeout_ms));
        add(self.settings.ack_deadline(l.settings_ack_timeout_ms));
        add(self.assembler.deadline(l.header_block_timeout_ms));
        if self.streams.is_empty() {
            add(after(self.active_ms, l.idle_timeout_ms));
        }
        if self.pings.none_outstanding() {
            add(after(self.active_ms, self.cfg.keepalive_ms));
        }
        if let Some(sent) = self.pings.oldest_sent() {
            add(after(sent, self.cfg.ping_timeout_ms));
        }
        if l.stall_timeout_ms > 0 {
            for cs in self.streams.values() {
                if let Some(since) = cs.s.stalled_since {
                    add(after(since, l.stall_timeout_ms));
                }
            }
        }
        if self.cfg.response_timeout_ms > 0 || self.cfg.response_body_timeout_ms > 0 {
            for cs in self.streams.values() {
                add(self.response_deadline(cs).map(|(t, _)| t));
            }
        }
        d
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
        if due(self.settings.peer_deadline(l.preface_timeout_ms)) {
            self.close_with(ErrorCode::PROTOCOL_ERROR, "no SETTINGS from the server", false);
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
        if l.stall_timeout_ms > 0 {
            let stalled: Vec<u32> = self
                .streams
                .values()
                .filter(|cs| cs.s.stalled_since.is_some_and(|t| due(after(t, l.stall_timeout_ms))))
                .map(|cs| cs.s.id)
                .collect();
            for id in stalled {
                self.reset_local(id, ErrorCode::CANCEL, Cause::Local, false);
            }
        }
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
                self.reset_local(id, ErrorCode::CANCEL, Cause::Local, false);
            }
        }
    }
}

fn send_event(stream_id: u32, blocked: bool) -> ClientEvent {
    if blocked {
        ClientEvent::SendBlocked { stream_id }
    } else {
        ClientEvent::SendReady { stream_id }
    }
}
