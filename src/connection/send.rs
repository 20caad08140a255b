//! Outbound side: `write_output`, scheduling and producer back-pressure.
//!
//! Order on the wire: everything in the outbound queue (SETTINGS/PING ACKs, RST,
//! WINDOW_UPDATE, GOAWAY, response HEADERS — encoded when the command was
//! given, so HPACK order is wire order), then DATA frames picked by the
//! scheduler, each at most min(stream window, connection window, peer
//! MAX_FRAME_SIZE, the caller's byte budget). Trailers are HPACK-encoded
//! at the moment they are written, right after the stream's last DATA.

use crate::frame;
use crate::hpack::HeaderField;
use crate::stream::{SendState, Stream};

use super::{is_sensitive, unpack_fields, Core, Event, Output, State};

impl Core {
    pub(super) fn write_output(&mut self, out: &mut Output, max_bytes: usize) {
        self.out.flush_into(out);
        self.pings.flushed();
        if self.state != State::Open {
            return; // after our closing GOAWAY no more DATA
        }
        let mut budget = u64::try_from(max_bytes).unwrap_or(u64::MAX);
        let mut header = Vec::with_capacity(frame::FRAME_HEADER_LEN);
        // The budget is checked before popping so a stream's turn is never
        // spent without sending: round robin continues across calls.
        while budget > 0 {
            let Some(id) = self.sched.pop() else { break };
            let conn_avail = self.flow.send.available();
            let max_frame = u64::from(self.settings.peer.max_frame_size);
            let Some(s) = self.streams.get_mut(&id) else { continue };
            s.scheduled = false;
            if !s.has_sendable(conn_avail) {
                continue;
            }
            let mut end = false;
            let mut trailers = None;
            if s.queued > 0 {
                let n = s.queued.min(s.send_window.available()).min(conn_avail).min(max_frame).min(budget);
                let Ok(n32) = u32::try_from(n) else { break };
                // Cannot fail: n ≤ both windows.
                let _ = s.send_window.consume(n);
                let _ = self.flow.send.consume(n);
                s.queued = s.queued.saturating_sub(n);
                self.flow.queued = self.flow.queued.saturating_sub(n);
                budget = budget.saturating_sub(n);
                if s.queued == 0 && s.send == SendState::Ending {
                    if s.trailers.is_some() {
                        trailers = s.trailers.take();
                    } else {
                        end = true;
                    }
                }
                header.clear();
                frame::write_data_header(&mut header, id, n32, end);
                out.push_bytes(&header);
                out.push_data(id, n32);
                // The peer credits these bytes back with WINDOW_UPDATEs: work, not no-ops.
                s.uncredited = s.uncredited.saturating_add(n);
                self.flow.uncredited = self.flow.uncredited.saturating_add(n);
                self.active_ms = self.now; // outbound DATA keeps the connection alive
            } else {
                // Nothing queued and the stream is ending: trailers or an empty END_STREAM.
                trailers = s.trailers.take();
                if trailers.is_none() {
                    header.clear();
                    frame::write_data_header(&mut header, id, 0, true);
                    out.push_bytes(&header);
                    end = true;
                }
            }
            if end || trailers.is_some() {
                // The stream ends here: the peer's stream-level WINDOW_UPDATE for
                // its last DATA arrives after it is gone. That late frame is paid for.
                self.abuse.earn_noop(1);
            }
            if let Some(packed) = trailers {
                let list =
                    unpack_fields(&packed).map(|(n, v)| HeaderField { name: n, value: v, sensitive: is_sensitive(n) });
                self.scratch.clear();
                self.encoder.encode(list, &mut self.scratch);
                header.clear();
                frame::write_headers(&mut header, id, &self.scratch, true, self.settings.peer.max_frame_size);
                out.push_bytes(&header);
                end = true;
            }
            let conn_avail = self.flow.send.available();
            let Some(s) = self.streams.get_mut(&id) else { continue };
            if end {
                s.send = SendState::Done;
                if s.is_finished() {
                    self.finish_stream(id);
                    continue;
                }
            } else if s.has_sendable(conn_avail) {
                s.scheduled = true;
                self.sched.push(id, s.priority);
            }
            self.refresh(id);
        }
        // Windows and buffers changed: ready/blocked and stall state of every stream.
        self.refresh_all();
    }

    pub(super) fn wants_write(&self) -> bool {
        if !self.out.is_empty() {
            return true;
        }
        self.state == State::Open && !self.sched.is_empty()
    }

    /// Put a stream in the scheduler if it can send now.
    pub(super) fn schedule(&mut self, id: u32) {
        let conn_avail = self.flow.send.available();
        if let Some(s) = self.streams.get_mut(&id) {
            if !s.scheduled && s.has_sendable(conn_avail) {
                s.scheduled = true;
                self.sched.push(id, s.priority);
            }
        }
    }

    /// Windows opened (connection WINDOW_UPDATE or SETTINGS): reschedule and
    /// re-evaluate every stream.
    pub(super) fn wake_all(&mut self) {
        let conn_avail = self.flow.send.available();
        for s in self.streams.values_mut() {
            if !s.scheduled && s.has_sendable(conn_avail) {
                s.scheduled = true;
                self.sched.push(s.id, s.priority);
            }
        }
        self.refresh_all();
    }

    pub(super) fn refresh_all(&mut self) {
        let view = self.send_view();
        let events = &mut self.events;
        let closed = self.closed_emitted;
        for s in self.streams.values_mut() {
            if let Some(e) = refresh_stream(s, &view) {
                if !closed {
                    events.push_back(e);
                }
            }
        }
    }

    /// Report SendBlocked/SendReady transitions and track zero-window stalls for one stream.
    pub(super) fn refresh(&mut self, id: u32) {
        let view = self.send_view();
        let Some(s) = self.streams.get_mut(&id) else { return };
        if let Some(e) = refresh_stream(s, &view) {
            self.emit(e);
        }
    }

    fn send_view(&self) -> SendView {
        SendView {
            now: self.now,
            conn_window: self.flow.send.get(),
            conn_avail: self.flow.send.available(),
            conn_full: self.flow.queued >= self.limits.connection_send_buffer,
            stream_limit: self.limits.stream_send_buffer,
        }
    }
}

/// Connection-wide inputs to the per-stream back-pressure rule.
struct SendView {
    now: u64,
    conn_window: i64,
    conn_avail: u64,
    conn_full: bool,
    stream_limit: u64,
}

/// Twisted's rule: blocked when min(stream, connection window) − queued ≤ 0;
/// also when a send buffer reaches its soft limit. Only reported while the
/// producer may still write (final headers sent, stream not ending).
fn refresh_stream(s: &mut Stream, v: &SendView) -> Option<Event> {
    if s.is_stalled(v.conn_avail) {
        s.stalled_since.get_or_insert(v.now);
    } else {
        s.stalled_since = None;
    }
    if s.send != SendState::Headers {
        return None;
    }
    let window = s.send_window.get().min(v.conn_window);
    let room = i128::from(window).saturating_sub(i128::from(s.queued));
    let blocked = room <= 0 || s.queued >= v.stream_limit || v.conn_full;
    if blocked == s.blocked {
        return None;
    }
    s.blocked = blocked;
    Some(if blocked { Event::SendBlocked { stream_id: s.id } } else { Event::SendReady { stream_id: s.id } })
}
