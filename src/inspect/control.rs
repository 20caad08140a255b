//! SETTINGS (and their ACKs) and WINDOW_UPDATE: the per-direction state
//! that limits what the other side may send.

use super::verdicts::{endpoint, stream_rule, violation};
use super::{setting_name, Direction, Inspector, PendingSettings, Record, MAX_TABLE_SIZE};
use crate::error::ErrorCode;
use crate::settings;
use crate::settings::PeerChange;
use crate::stream_rules::{StreamFrame, Verdict};

impl Inspector {
    pub(super) fn on_settings(&mut self, dir: Direction, rec: &mut Record, list: &[(u16, u32)]) {
        let mut pending = PendingSettings::default();
        for &(id, value) in list {
            if id == settings::id::MAX_CONCURRENT_STREAMS {
                pending.max_concurrent_streams = Some(value);
            }
            if dir == Direction::ServerToClient && id == settings::id::ENABLE_PUSH && value != 0 {
                rec.violations.push(violation(
                    "§6.5.2",
                    &format!("server sent SETTINGS_ENABLE_PUSH = {value} (must be 0)"),
                    ErrorCode::PROTOCOL_ERROR,
                    true,
                ));
                continue;
            }
            match self.side_mut(dir).announced.apply(id, value) {
                Ok(PeerChange::HeaderTableSize(n)) => pending.header_table_size = Some(n),
                Ok(PeerChange::MaxFrameSize(n)) => self.side_mut(dir).max_frame_size = n,
                Ok(PeerChange::InitialWindow { delta }) => {
                    // Windows of DATA sent *to* this side, on every stream (§6.9.2).
                    let target = dir.other().idx();
                    let mut overflow = false;
                    for s in self.streams.values_mut() {
                        if let Some(w) = s.windows.get_mut(target) {
                            *w = w.saturating_add(delta);
                            overflow |= *w > crate::flow::MAX_WINDOW;
                        }
                    }
                    if overflow {
                        rec.violations.push(violation(
                            "§6.9.2",
                            "INITIAL_WINDOW_SIZE change pushes a stream window above 2^31-1",
                            ErrorCode::FLOW_CONTROL_ERROR,
                            true,
                        ));
                    }
                }
                Ok(PeerChange::None) => {}
                Err(e) => rec.violations.push(violation(
                    "§6.5.2",
                    &format!("{} = {value}: {}", setting_name(id), e.reason()),
                    e.code(),
                    true,
                )),
            }
        }
        self.side_mut(dir).unacked.push_back(pending);
        if self.side(dir).unacked.len() > 64 {
            self.side_mut(dir).unacked.pop_front();
        }
    }

    pub(super) fn on_settings_ack(&mut self, dir: Direction, rec: &mut Record) {
        // This ACK acknowledges the other side's oldest unacknowledged SETTINGS.
        let Some(pending) = self.side_mut(dir.other()).unacked.pop_front() else {
            rec.notes.push("SETTINGS ACK with no SETTINGS outstanding".to_string());
            return;
        };
        if let Some(max) = pending.max_concurrent_streams {
            self.side_mut(dir.other()).max_streams = Some(max);
        }
        if let Some(size) = pending.header_table_size {
            // The other side announced the table size its decoder allows;
            // that decoder is the one for blocks `dir` sends.
            let n = usize::try_from(size).unwrap_or(usize::MAX).min(MAX_TABLE_SIZE);
            self.side_mut(dir).hpack.set_max_allowed(n);
            rec.notes.push(format!("{} may now use an HPACK table of up to {n} bytes", endpoint(dir)));
        }
    }

    pub(super) fn on_window_update(&mut self, dir: Direction, rec: &mut Record, stream_id: u32, increment: u32) {
        // The update opens the window of DATA sent *to* `dir`'s sender.
        let target = dir.other();
        if stream_id != 0 {
            let lookup = self.stream_lookup(dir, stream_id);
            let context = || self.lookup_context(dir, stream_id, lookup);
            if stream_rule(rec, StreamFrame::WindowUpdate, lookup, stream_id, context) != Verdict::Accept {
                return;
            }
        }
        if increment == 0 {
            rec.violations.push(violation(
                "§6.9",
                "WINDOW_UPDATE with an increment of 0",
                ErrorCode::PROTOCOL_ERROR,
                stream_id == 0,
            ));
        }
        let inc = i64::from(increment);
        if stream_id == 0 {
            let w = &mut self.side_mut(target).conn_window;
            if w.adjust(inc).is_err() {
                rec.violations.push(violation(
                    "§6.9.1",
                    "WINDOW_UPDATE pushes the connection window above 2^31-1",
                    ErrorCode::FLOW_CONTROL_ERROR,
                    true,
                ));
            }
            return;
        }
        let Some(s) = self.streams.get_mut(&stream_id) else { return };
        if let Some(w) = s.windows.get_mut(target.idx()) {
            *w = w.saturating_add(inc);
            if *w > crate::flow::MAX_WINDOW {
                rec.violations.push(violation(
                    "§6.9.1",
                    &format!("WINDOW_UPDATE pushes stream {stream_id}'s window above 2^31-1"),
                    ErrorCode::FLOW_CONTROL_ERROR,
                    false,
                ));
            }
        }
    }
}
