//! Outbound side: `write_output`, scheduling and producer back-pressure.
//!
//! Order on the wire: everything in the outbound queue (SETTINGS/PING ACKs,
//! RST, WINDOW_UPDATE, GOAWAY, response HEADERS — encoded when the command
//! was given, so HPACK order is wire order), then DATA frames picked by the
//! scheduler, one turn at a time ([`send_turn`], shared with the client).

use crate::frame;
use crate::proto::data::{back_pressure, schedule, send_turn, SendCtx, SendView, Turn};

use super::{is_sensitive, Core, Event, Output, State};

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
            let Some(s) = self.streams.get_mut(&id) else { continue };
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
            match send_turn(s, id, budget, &mut cx) {
                Turn::Skip => continue,
                Turn::Stop => break,
                Turn::Sent { data, ended } => {
                    budget = budget.saturating_sub(data);
                    if data > 0 {
                        self.active_ms = self.now; // outbound DATA keeps the connection alive
                    }
                    if ended {
                        // The peer's stream-level WINDOW_UPDATE for the last DATA
                        // arrives after the stream is gone: that late frame is paid for.
                        self.abuse.earn_noop(1);
                        if s.is_finished() {
                            self.finish_stream(id);
                            continue;
                        }
                    }
                }
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
            schedule(s, id, &mut self.sched, conn_avail);
        }
    }

    /// Windows opened (connection WINDOW_UPDATE or SETTINGS): reschedule and
    /// re-evaluate every stream.
    pub(super) fn wake_all(&mut self) {
        let conn_avail = self.flow.send.available();
        for s in self.streams.values_mut() {
            schedule(s, s.id, &mut self.sched, conn_avail);
        }
        self.refresh_all();
    }

    pub(super) fn refresh_all(&mut self) {
        let view = SendView::new(&self.flow, &self.limits, self.now);
        let events = &mut self.events;
        let closed = self.closed_emitted;
        for s in self.streams.values_mut() {
            if let Some(blocked) = back_pressure(s, &view) {
                if !closed {
                    events.push_back(send_event(s.id, blocked));
                }
            }
        }
    }

    /// Report SendBlocked/SendReady transitions and track zero-window stalls for one stream.
    pub(super) fn refresh(&mut self, id: u32) {
        let view = SendView::new(&self.flow, &self.limits, self.now);
        let Some(s) = self.streams.get_mut(&id) else { return };
        if let Some(blocked) = back_pressure(s, &view) {
            self.emit(send_event(id, blocked));
        }
    }
}

pub(super) fn send_event(stream_id: u32, blocked: bool) -> Event {
    if blocked {
        Event::SendBlocked { stream_id }
    } else {
        Event::SendReady { stream_id }
    }
}
