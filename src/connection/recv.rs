//! Inbound side: the client preface and every frame. Each frame on a stream
//! is classified once ([`StreamStore::lookup`]) and the RFC 9113 §5.1 table
//! ([`crate::stream_rules`]) decides whether it is accepted, ignored, a
//! stream error or a connection error; the handlers below only act on the
//! verdict and check the frame's own content. Frames ignored on closed
//! streams still cost no-op tokens: a flood of them does no work.
//!
//! [`StreamStore::lookup`]: crate::proto::streams::StreamStore::lookup

use crate::error::ErrorCode;
use crate::frame::{self, flags, Frame, Item};
use crate::semantics;
use crate::stream::CloseKind;
use crate::stream_rules::{rule, Lookup, StreamFrame, Verdict};

use crate::proto::header_block::Block;
use crate::proto::outbound::{Cause, Control};
use crate::proto::role::Role;

use crate::proto::data::{accept_body, body_complete, DataIn, Overrun};
use crate::proto::goaway::{Shutdown, SHUTDOWN_PING};

use super::{Core, Event, State};

/// RFC 9113 §3.4.
pub(super) use crate::frame::CONNECTION_PREFACE as PREFACE;

impl Core {
    pub(super) fn receive(&mut self, frames: &mut frame::FrameDecoder, input: &[u8]) {
        self.input_error = false;
        self.input_frames = 0;
        self.input_noops = 0;
        let mut pos = 0usize;
        if let State::Preface { matched } = self.state {
            let want = PREFACE.get(matched..).unwrap_or(&[]);
            let got = input.get(..want.len().min(input.len())).unwrap_or(&[]);
            if want.get(..got.len()) != Some(got) {
                self.close_with(ErrorCode::PROTOCOL_ERROR, "invalid connection preface", false);
                return;
            }
            pos = got.len();
            let matched = matched.saturating_add(got.len());
            if matched < PREFACE.len() {
                self.state = State::Preface { matched };
                return;
            }
            self.state = State::Open;
        }
        if self.state != State::Open {
            return; // Closing or Closed: input is dropped
        }
        // A frame the decoder skipped (e.g. PRIORITY of the wrong size) is a stream error.
        self.read_items(frames, input, pos, Self::on_item, |c, id, code, _| c.stream_error(id, code));
        if self.input_frames > self.input_noops && !self.input_error {
            // Only valid input that did some work keeps the connection alive
            // (Twisted: invalid frames do not reset the idle timer).
            self.active_ms = self.now;
        }
    }

    fn on_item(&mut self, item: Item<'_>) {
        if !self.admits(&item) {
            return;
        }
        match item {
            Item::Frame(f) => {
                self.input_frames = self.input_frames.saturating_add(1);
                self.on_frame(f);
            }
            Item::DataStart { stream_id, flags: fl, length } => {
                self.on_data_start(stream_id, fl & flags::END_STREAM != 0, length)
            }
            Item::DataPayload { stream_id, start, end } => self.on_data_payload(stream_id, start, end),
            Item::DataEnd { stream_id, end_stream } => {
                self.input_frames = self.input_frames.saturating_add(1);
                self.on_data_end(stream_id, end_stream);
            }
        }
    }

    fn on_frame(&mut self, f: Frame<'_>) {
        match f {
            Frame::Headers { stream_id, end_stream, end_headers, priority, fragment } => {
                let self_dependent = priority.is_some_and(|p| p.dependency == stream_id);
                let block = Block::new(stream_id, end_stream, self_dependent, self.now);
                self.on_headers(block, end_headers, fragment);
            }
            Frame::Continuation { stream_id: _, end_headers, fragment } => self.on_continuation(end_headers, fragment),
            Frame::Priority { stream_id, spec } => {
                // RFC 7540 priorities are ignored (RFC 9113 §5.3.2); only the
                // self-dependency rule is checked. It costs a protocol-error
                // token: a PRIORITY flood is cut off (CVE-2019-9513 churn).
                if !self.peer_error() {
                    return;
                }
                if spec.dependency == stream_id {
                    self.stream_error(stream_id, ErrorCode::PROTOCOL_ERROR);
                }
            }
            Frame::RstStream { stream_id, code } => self.on_rst(stream_id, code),
            Frame::Settings { ack, params } => self.on_settings(ack, params),
            Frame::PushPromise { .. } => self.protocol_error("PUSH_PROMISE from a client"),
            Frame::Ping { ack, data } => self.on_ping(ack, data),
            Frame::GoAway { last_stream_id, code, debug } => {
                // §6.8 allows several GOAWAYs, but only the first two can mean anything.
                if self.goaway.peer_sent() && !self.noop_frame() {
                    return;
                }
                self.goaway.on_received(last_stream_id, debug);
                self.emit(Event::GoAway { last_stream_id, code });
                if code != ErrorCode::NO_ERROR {
                    self.emit(Event::Error { code, reason: "peer sent GOAWAY", remote: true });
                }
                // We never open streams, so last_stream_id concerns none of
                // ours: every open request keeps being served; close when done.
                self.check_drained();
            }
            Frame::WindowUpdate { stream_id, increment } => self.on_window_update(stream_id, increment),
            Frame::PriorityUpdate { prioritized_id, field_value } => {
                self.on_priority_update(prioritized_id, field_value)
            }
            Frame::Unknown { .. } => {
                // §5.5: ignored; counted so an empty-frame flood is bounded.
                self.peer_error();
            }
        }
    }

    /// Decode a complete header block (always: HPACK state must stay in
    /// sync even for streams we refuse) and act on it.
    pub(super) fn on_header_block(&mut self, b: Block, block: &[u8]) {
        let id = b.stream_id;
        let lookup = self.streams.lookup(id);
        let rule = rule(StreamFrame::Headers, lookup);
        if let Verdict::ConnectionError(code) = rule.verdict {
            // The connection ends: its HPACK state no longer matters.
            self.close_with(code, rule.reason, false);
            return;
        }
        let Some(decoded) = self.decode_block(block) else { return };
        let range = decoded.fields;
        let keep = match rule.verdict {
            // HEADERS are accepted on an open stream (trailers) or an idle one
            // (a request): the lookup says which, without a second search.
            Verdict::Accept if lookup == Lookup::Open => self.on_trailers(b, range.clone(), decoded.over_limit),
            Verdict::Accept => self.on_request(b, range.clone(), decoded.over_limit),
            Verdict::Ignore => {
                // In flight when we reset it (§5.4.2), but a stream of them
                // is a flood of frames that do no work.
                self.noop_frame();
                false
            }
            Verdict::StreamError(code) => {
                self.stream_error(id, code);
                false
            }
            Verdict::ConnectionError(_) => false,
        };
        if !keep {
            // Fields of refused/ignored blocks are not kept in the arena.
            self.arena.drop_block(range);
        }
    }

    /// HEADERS on a live stream: request trailers. Returns whether the fields are kept.
    fn on_trailers(&mut self, b: Block, range: core::ops::Range<u32>, over_limit: bool) -> bool {
        let id = b.stream_id;
        let Some(s) = self.streams.get(&id) else { return false };
        let body_ok = body_complete(s);
        let bad = b.self_dependent
            || !b.end_stream
            || over_limit
            || semantics::check_trailers(self.arena.pairs(range.clone())).is_err()
            || !body_ok;
        if bad {
            self.stream_error(id, ErrorCode::PROTOCOL_ERROR);
            return false;
        }
        self.emit(Event::Trailers { stream_id: id, fields: range });
        self.end_of_request(id);
        true
    }

    /// The peer finished its side of the stream.
    fn end_of_request(&mut self, id: u32) {
        let Some(s) = self.streams.get_mut(&id) else { return };
        s.recv_closed = true;
        let finished = s.is_finished();
        self.emit(Event::End { stream_id: id });
        if finished {
            self.finish_stream(id);
        }
    }

    /// HEADERS opening a new stream. Returns whether the fields are kept.
    fn on_request(&mut self, b: Block, range: core::ops::Range<u32>, over_limit: bool) -> bool {
        let id = b.stream_id;
        self.streams.last_peer_id = id;
        if self.goaway.sent_last.is_some_and(|g| id > g) {
            // Above our final GOAWAY: ignored (§6.8), frames that follow too.
            self.streams.record_closed(id, CloseKind::ResetLocal);
            return false;
        }
        if b.self_dependent {
            self.streams.record_closed(id, CloseKind::ResetLocal);
            self.stream_error(id, ErrorCode::PROTOCOL_ERROR);
            return false;
        }
        let max = usize::try_from(self.settings.local.max_concurrent_streams).unwrap_or(usize::MAX);
        if self.streams.len() >= max {
            // §5.1.2: a stream error, not a connection error (fixes Twisted).
            self.streams.record_closed(id, CloseKind::ResetLocal);
            self.abuse.counts.refused = self.abuse.counts.refused.saturating_add(1);
            if self.spend_protocol_error() {
                self.reset_local(id, ErrorCode::REFUSED_STREAM, Cause::Peer);
            }
            return false;
        }
        if over_limit {
            self.reject(id, 431, "request header fields too large");
            return false;
        }
        let head = match semantics::check_request(self.arena.pairs(range.clone())) {
            Ok(h) => h,
            Err(reason) => {
                self.reject(id, 400, reason.as_str());
                return false;
            }
        };
        if b.end_stream && head.content_length.is_some_and(|n| n != 0) {
            self.reject(id, 400, "content-length mismatch");
            return false;
        }
        let mut s = self.settings.new_stream(id);
        s.content_length = head.content_length;
        s.recv_closed = b.end_stream;
        s.priority = self.streams.take_idle_priority(id).or(head.priority).unwrap_or_default();
        s.body_started_ms = self.now;
        s.conn_blocked_at_start = self.flow.recv_blocked_ms;
        s.note_recv_window(self.now);
        self.streams.insert(id, s);
        self.emit(Event::Request { stream_id: id, fields: range, end_stream: b.end_stream });
        true
    }

    /// Malformed request (§8.1.1): answer `status` ourselves, then RST_STREAM(PROTOCOL_ERROR).
    fn reject(&mut self, id: u32, status: u16, reason: &'static str) {
        if !self.peer_error() {
            return;
        }
        let mut digits = [0u8; 3];
        let value = super::status_digits(status, &mut digits);
        self.scratch.clear();
        self.encoder
            .encode([crate::hpack::HeaderField { name: b":status", value, sensitive: false }], &mut self.scratch);
        let headers = Control::Headers {
            stream_id: id,
            block: &self.scratch,
            end_stream: true,
            max_frame_size: self.settings.peer.max_frame_size,
        };
        // The response and its RST_STREAM go out together: the cap is checked
        // once, after both (the peer's count only grows until the next flush,
        // so the second push reports it).
        let _ = self.out.push(Cause::Peer, headers);
        self.queue(Cause::Peer, Control::RstStream { stream_id: id, code: ErrorCode::PROTOCOL_ERROR });
        self.streams.record_closed(id, CloseKind::ResetLocal);
        self.emit(Event::Rejected { stream_id: id, status, reason });
    }

    fn on_data_start(&mut self, id: u32, end_stream: bool, length: u32) {
        if !self.admit_data(end_stream, length) {
            return;
        }
        let mut frame = DataIn::new(id, length);
        let (lookup, live) = self.streams.lookup_mut(id);
        let rule = rule(StreamFrame::Data, lookup);
        match rule.verdict {
            Verdict::Accept => {
                let Some(s) = live else { return };
                let res = s.recv.receive(length);
                s.note_recv_window(self.now);
                if res.is_err() {
                    self.credit_conn(u64::from(length));
                    self.data = Some(frame);
                    self.stream_error(id, ErrorCode::FLOW_CONTROL_ERROR);
                    return;
                }
                frame.discard = false;
            }
            Verdict::ConnectionError(code) => {
                self.close_with(code, rule.reason, false);
                return;
            }
            Verdict::StreamError(code) => {
                // Not delivered, but the connection window is still credited (§6.9).
                self.credit_conn(u64::from(length));
                self.data = Some(frame);
                self.stream_error(id, code);
                return;
            }
            Verdict::Ignore => {
                self.credit_conn(u64::from(length));
                if !self.noop_frame() {
                    return;
                }
            }
        }
        self.data = Some(frame);
    }

    fn on_data_payload(&mut self, id: u32, start: usize, end: usize) {
        let Some(s) = self.payload_stream(id, start, end) else { return };
        let (deliver, overrun) = accept_body(s, start, end, None);
        if let Some((start, end)) = deliver {
            self.emit(Event::Data { stream_id: id, start, end });
        }
        if overrun != Overrun::No {
            self.stream_error(id, ErrorCode::PROTOCOL_ERROR);
        }
    }

    fn on_data_end(&mut self, id: u32, end_stream: bool) {
        if !self.end_data_in(id, end_stream) || !end_stream {
            return;
        }
        let Some(s) = self.streams.get(&id) else { return };
        if !body_complete(s) {
            self.stream_error(id, ErrorCode::PROTOCOL_ERROR);
            return;
        }
        self.end_of_request(id);
    }

    /// WINDOW_UPDATE. Budgeted as a no-op frame unless it does work: it
    /// unblocks data waiting on the window (and is not a tiny increment that
    /// leaves most of it waiting: 1-byte dribbling), or it credits back DATA
    /// we sent. Windows are applied either way; streams are only re-examined
    /// when something was waiting, so a flood costs O(1) per frame.
    fn on_window_update(&mut self, id: u32, inc: u32) {
        let small = inc < self.limits.min_window_update;
        if id == 0 {
            // Every stream's queue fits in the window already: raising it changes nothing.
            let avail = self.flow.send.available();
            let waiting = self.flow.queued.saturating_sub(avail);
            let unblocks = avail <= self.flow.queued;
            if !self.grow_send_window(inc) {
                return;
            }
            let credits_back = u64::from(inc) <= self.flow.uncredited;
            self.flow.uncredited = self.flow.uncredited.saturating_sub(u64::from(inc));
            let useful = if unblocks { !small || u64::from(inc) >= waiting } else { credits_back };
            if !useful && !self.noop_frame() {
                return;
            }
            if unblocks {
                self.wake_all();
            }
            return;
        }
        let rule = rule(StreamFrame::WindowUpdate, self.streams.lookup(id));
        match rule.verdict {
            Verdict::Accept => {}
            Verdict::ConnectionError(code) => {
                self.close_with(code, rule.reason, false);
                return;
            }
            Verdict::Ignore | Verdict::StreamError(_) => {
                // Late update on a finished stream: harmless, but budgeted.
                self.noop_frame();
                return;
            }
        }
        let Some(s) = self.streams.get_mut(&id) else { return };
        if inc == 0 {
            self.stream_error(id, ErrorCode::PROTOCOL_ERROR);
            return;
        }
        let queued = i64::try_from(s.queued).unwrap_or(i64::MAX);
        let window = s.send_window.get();
        let unblocks = window <= queued;
        let waiting = queued.saturating_sub(window.max(0));
        if s.send_window.adjust(i64::from(inc)).is_err() {
            self.stream_error(id, ErrorCode::FLOW_CONTROL_ERROR);
            return;
        }
        let credits_back = u64::from(inc) <= s.uncredited;
        s.uncredited = s.uncredited.saturating_sub(u64::from(inc));
        let useful = if unblocks { !small || i64::from(inc) >= waiting } else { credits_back };
        if !useful && !self.noop_frame() {
            return;
        }
        if unblocks {
            self.schedule(id);
            self.refresh(id);
        }
    }

    fn on_ping(&mut self, ack: bool, data: [u8; 8]) {
        if ack {
            if data == SHUTDOWN_PING {
                if let Shutdown::AwaitPing { .. } = self.goaway.shutdown {
                    self.final_goaway();
                }
                return;
            }
            if self.pings.acked(data).is_some() {
                self.emit(Event::PingAck { data });
            } else {
                self.noop_frame(); // an ACK of nothing we sent
            }
            return;
        }
        self.on_ping_request(data);
    }

    fn on_priority_update(&mut self, id: u32, value: &[u8]) {
        if !self.peer_error() {
            return;
        }
        let rule = rule(StreamFrame::PriorityUpdate, self.streams.lookup(id));
        match rule.verdict {
            Verdict::ConnectionError(code) => self.close_with(code, rule.reason, false),
            Verdict::Accept => {
                if let Some(s) = self.streams.get_mut(&id) {
                    let new = s.priority.parse_update(value);
                    if new != s.priority {
                        s.priority = new;
                        if s.scheduled {
                            self.sched.remove(id);
                            self.sched.push(id, new);
                        }
                    }
                } else {
                    self.streams.update_idle_priority(id, value);
                }
            }
            Verdict::Ignore | Verdict::StreamError(_) => {}
        }
    }
}
