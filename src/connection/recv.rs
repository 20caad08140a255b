//! Inbound side: the client preface and every frame, with the §5.1 stream
//! state rules. Frames on streams:
//!
//! | stream is…                         | DATA                          | HEADERS                     | WINDOW_UPDATE / RST_STREAM | PRIORITY |
//! |------------------------------------|-------------------------------|-----------------------------|----------------------------|----------|
//! | idle (id > last)                   | conn PROTOCOL_ERROR           | opens it                    | conn PROTOCOL_ERROR        | ignored  |
//! | open / half-closed (local)         | delivered                     | trailers (must END_STREAM)  | applied                    | ignored  |
//! | half-closed (remote)               | stream STREAM_CLOSED          | stream STREAM_CLOSED        | applied                    | ignored  |
//! | closed, reset by us                | ignored (window credited)     | decoded, ignored            | ignored                    | ignored  |
//! | closed, reset by peer              | stream STREAM_CLOSED          | stream STREAM_CLOSED        | ignored                    | ignored  |
//! | closed after END_STREAM / unknown  | stream STREAM_CLOSED (§6.1)   | conn STREAM_CLOSED / PROTOCOL_ERROR (§5.1.1) | ignored   | ignored  |
//!
//! Late WINDOW_UPDATE and RST_STREAM on closed streams are ignored (§5.1
//! allows it for END_STREAM-closed streams and it fixes Twisted #8558).

use crate::error::{ErrorCode, ProtoError};
use crate::frame::{self, flags, Frame, Item};
use crate::hpack::DecodeLimits;
use crate::schedule::Priority;
use crate::semantics;
use crate::settings::PeerChange;
use crate::stream::{CloseKind, Stream};

use super::{Block, Core, DataFrame, Event, FieldRef, Shutdown, State, SHUTDOWN_PING};

/// RFC 9113 §3.4.
pub(super) const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

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
        loop {
            if self.state != State::Open {
                break;
            }
            match frames.decode(input, &mut pos) {
                Ok(None) => break,
                Ok(Some(item)) => self.on_item(item),
                Err(ProtoError::Connection { code, reason }) => {
                    self.close_with(code, reason, false);
                    break;
                }
                Err(ProtoError::Stream { stream_id, code, .. }) => {
                    // The decoder skipped the frame (e.g. PRIORITY of the wrong size).
                    if self.block.is_some() || !self.got_settings {
                        self.protocol_error("frame inside a header block or before SETTINGS");
                        break;
                    }
                    self.stream_error(stream_id, code);
                }
            }
        }
        if self.input_frames > self.input_noops && !self.input_error {
            // Only valid input that did some work keeps the connection alive
            // (Twisted: invalid frames do not reset the idle timer).
            self.active_ms = self.now;
        }
    }

    fn protocol_error(&mut self, reason: &'static str) {
        self.close_with(ErrorCode::PROTOCOL_ERROR, reason, false);
    }

    fn on_item(&mut self, item: Item<'_>) {
        if !self.got_settings && !matches!(item, Item::Frame(Frame::Settings { ack: false, .. })) {
            self.protocol_error("first frame is not SETTINGS");
            return;
        }
        if let Some(b) = self.block {
            // §6.2/§6.10: only CONTINUATION of the same stream may follow.
            match &item {
                Item::Frame(Frame::Continuation { stream_id, .. }) if *stream_id == b.stream_id => {}
                _ => {
                    self.protocol_error("frame inside a header block");
                    return;
                }
            }
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
                let block = Block { stream_id, end_stream, self_dependent, continuations: 0, started_ms: self.now };
                if end_headers {
                    self.complete_block(block, fragment);
                } else {
                    if fragment.len() > self.limits.max_header_block_bytes {
                        self.close_with(ErrorCode::ENHANCE_YOUR_CALM, "header block too large", false);
                        return;
                    }
                    if fragment.is_empty() && !self.glitch() {
                        return;
                    }
                    self.block_buf.clear();
                    self.block_buf.extend_from_slice(fragment);
                    self.block = Some(block);
                }
            }
            Frame::Continuation { stream_id: _, end_headers, fragment } => {
                let Some(mut b) = self.block else {
                    self.protocol_error("CONTINUATION without HEADERS");
                    return;
                };
                b.continuations = b.continuations.saturating_add(1);
                if b.continuations > self.limits.max_continuation_frames(self.local.max_frame_size) {
                    self.close_with(ErrorCode::ENHANCE_YOUR_CALM, "too many CONTINUATION frames", false);
                    return;
                }
                if self.block_buf.len().saturating_add(fragment.len()) > self.limits.max_header_block_bytes {
                    self.close_with(ErrorCode::ENHANCE_YOUR_CALM, "header block too large", false);
                    return;
                }
                if fragment.is_empty() && !end_headers && !self.glitch() {
                    return;
                }
                self.block_buf.extend_from_slice(fragment);
                if end_headers {
                    self.block = None;
                    let buf = core::mem::take(&mut self.block_buf);
                    self.complete_block(b, &buf);
                    self.block_buf = buf;
                    self.block_buf.clear();
                } else {
                    self.block = Some(b);
                }
            }
            Frame::Priority { stream_id, spec } => {
                // RFC 7540 priorities are ignored (RFC 9113 §5.3.2); only the
                // self-dependency rule is checked. Counted as a glitch: a
                // PRIORITY flood costs the peer tokens (CVE-2019-9513 churn).
                if !self.glitch() {
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
                if self.peer_goaway && !self.noop_frame() {
                    return;
                }
                self.debug.clear();
                self.debug.extend_from_slice(debug.get(..1024).unwrap_or(debug));
                self.emit(Event::GoAway { last_stream_id, code });
                if code != ErrorCode::NO_ERROR {
                    self.emit(Event::Error { code, reason: "peer sent GOAWAY", remote: true });
                }
                // We never open streams, so last_stream_id concerns none of
                // ours: every open request keeps being served; close when done.
                self.peer_goaway = true;
                self.check_drained();
            }
            Frame::WindowUpdate { stream_id, increment } => self.on_window_update(stream_id, increment),
            Frame::PriorityUpdate { prioritized_id, field_value } => {
                self.on_priority_update(prioritized_id, field_value)
            }
            Frame::Unknown { .. } => {
                // §5.5: ignored; counted so an empty-frame flood is bounded.
                self.glitch();
            }
        }
    }

    /// Decode a complete header block (always: HPACK state must stay in
    /// sync even for streams we refuse) and act on it.
    fn complete_block(&mut self, b: Block, block: &[u8]) {
        let id = b.stream_id;
        if id % 2 == 0 {
            self.protocol_error("even stream id from client");
            return;
        }
        let first = self.fields.len();
        let limits = DecodeLimits {
            max_list_size: usize::try_from(self.local.max_header_list_size).unwrap_or(usize::MAX),
            max_fields: self.limits.max_header_fields,
        };
        let arena = &mut self.arena;
        let fields = &mut self.fields;
        let outcome = self.decoder.decode(block, &limits, &mut |f| {
            let (Ok(start), Ok(nl), Ok(vl)) =
                (u32::try_from(arena.len()), u32::try_from(f.name.len()), u32::try_from(f.value.len()))
            else {
                return;
            };
            arena.extend_from_slice(f.name);
            arena.extend_from_slice(f.value);
            fields.push(FieldRef { start, name_len: nl, value_len: vl });
        });
        let outcome = match outcome {
            Ok(o) => o,
            Err(_) => {
                self.close_with(ErrorCode::COMPRESSION_ERROR, "header block decoding failed", false);
                return;
            }
        };
        let range = u32::try_from(first).unwrap_or(u32::MAX)..u32::try_from(self.fields.len()).unwrap_or(u32::MAX);
        let keep = if self.streams.contains_key(&id) {
            self.on_trailers(b, range.clone(), outcome.over_limit)
        } else if id <= self.last_peer_id {
            self.on_headers_closed(id);
            false
        } else {
            self.on_request(b, range.clone(), outcome.over_limit)
        };
        if !keep {
            // Fields of refused/ignored blocks are not kept in the arena.
            if let Some(f) = self.fields.get(first) {
                let start = f.start as usize;
                self.arena.truncate(start);
            }
            self.fields.truncate(first);
        }
    }

    /// Copy of the decoded fields for the semantics checks.
    fn field_pairs(&self, range: core::ops::Range<u32>) -> impl Iterator<Item = (&[u8], &[u8])> {
        let arena = &self.arena;
        self.fields.get(range.start as usize..range.end as usize).unwrap_or(&[]).iter().map(move |f| {
            let s = f.start as usize;
            let m = s.saturating_add(f.name_len as usize);
            let e = m.saturating_add(f.value_len as usize);
            (arena.get(s..m).unwrap_or(&[]), arena.get(m..e).unwrap_or(&[]))
        })
    }

    /// HEADERS on a stream we no longer have.
    fn on_headers_closed(&mut self, id: u32) {
        match self.closed.get(id) {
            Some(CloseKind::ResetLocal) => {
                // In flight when we reset it: ignored (§5.4.2), but a stream
                // of them is a flood of frames that do no work.
                self.noop_frame();
            }
            Some(CloseKind::ResetRemote) => self.stream_error(id, ErrorCode::STREAM_CLOSED),
            Some(CloseKind::Ended) => self.close_with(ErrorCode::STREAM_CLOSED, "HEADERS on a closed stream", false),
            None => self.protocol_error("stream id not above the last one (§5.1.1)"),
        }
    }

    /// HEADERS on a live stream: request trailers. Returns whether the fields are kept.
    fn on_trailers(&mut self, b: Block, range: core::ops::Range<u32>, over_limit: bool) -> bool {
        let id = b.stream_id;
        let Some(s) = self.streams.get(&id) else { return false };
        if s.recv_closed {
            self.stream_error(id, ErrorCode::STREAM_CLOSED);
            return false;
        }
        let body_ok = length_matches(s.content_length, s.body_received);
        let bad = b.self_dependent
            || !b.end_stream
            || over_limit
            || semantics::check_trailers(self.field_pairs(range.clone())).is_err()
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
        self.last_peer_id = id;
        if self.goaway_last.is_some_and(|g| id > g) {
            // Above our final GOAWAY: ignored (§6.8), frames that follow too.
            self.closed.insert(id, CloseKind::ResetLocal);
            return false;
        }
        if b.self_dependent {
            self.closed.insert(id, CloseKind::ResetLocal);
            self.stream_error(id, ErrorCode::PROTOCOL_ERROR);
            return false;
        }
        let max = usize::try_from(self.local.max_concurrent_streams).unwrap_or(usize::MAX);
        if self.streams.len() >= max {
            // §5.1.2: a stream error, not a connection error (fixes Twisted).
            self.closed.insert(id, CloseKind::ResetLocal);
            self.peer_counts.refused = self.peer_counts.refused.saturating_add(1);
            if self.spend_glitch() {
                self.reset_local(id, ErrorCode::REFUSED_STREAM, true);
            }
            return false;
        }
        if over_limit {
            self.reject(id, 431, "request header fields too large");
            return false;
        }
        let head = match semantics::check_request(self.field_pairs(range.clone())) {
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
        let mut s = Stream::new(id, self.peer.initial_window_size, self.recv_initial, self.local.initial_window_size);
        s.content_length = head.content_length;
        s.recv_closed = b.end_stream;
        let mut prio = head.priority.unwrap_or_default();
        if let Some(i) = self.idle_priorities.iter().position(|e| e.0 == id) {
            if let Some((_, p)) = self.idle_priorities.remove(i) {
                prio = p;
            }
        }
        s.priority = prio;
        s.body_started_ms = self.now;
        s.conn_blocked_at_start = self.conn_blocked_ms;
        s.note_recv_window(self.now);
        self.streams.insert(id, s);
        self.emit(Event::Request { stream_id: id, fields: range, end_stream: b.end_stream });
        true
    }

    /// Malformed request (§8.1.1): answer `status` ourselves, then RST_STREAM(PROTOCOL_ERROR).
    fn reject(&mut self, id: u32, status: u16, reason: &'static str) {
        if !self.glitch() {
            return;
        }
        let mut digits = [0u8; 3];
        let value = super::status_digits(status, &mut digits);
        self.scratch.clear();
        self.encoder
            .encode([crate::hpack::HeaderField { name: b":status", value, sensitive: false }], &mut self.scratch);
        let (scratch, max) = (core::mem::take(&mut self.scratch), self.peer.max_frame_size);
        self.control(|p| {
            frame::write_headers(p, id, &scratch, true, max);
            frame::write_rst_stream(p, id, ErrorCode::PROTOCOL_ERROR);
        });
        self.scratch = scratch;
        self.closed.insert(id, CloseKind::ResetLocal);
        self.emit(Event::Rejected { stream_id: id, status, reason });
    }

    fn on_data_start(&mut self, id: u32, end_stream: bool, length: u32) {
        if self.conn_recv.receive(length).is_err() {
            self.close_with(ErrorCode::FLOW_CONTROL_ERROR, "connection window exceeded", false);
            return;
        }
        self.note_conn_window();
        let mut frame = DataFrame { stream_id: id, length, delivered: 0, discard: true };
        if length == 0 && !end_stream && !self.glitch() {
            return; // empty DATA without END_STREAM: CVE-2019-9518 flood
        }
        match self.streams.get_mut(&id) {
            Some(s) if !s.recv_closed => {
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
            Some(_) => {
                // half-closed (remote): §5.1 STREAM_CLOSED
                self.credit_conn(u64::from(length));
                self.data = Some(frame);
                self.stream_error(id, ErrorCode::STREAM_CLOSED);
                return;
            }
            None => {
                if id > self.last_peer_id {
                    self.protocol_error("DATA on an idle stream");
                    return;
                }
                // Closed: the connection window is still credited (§6.9).
                self.credit_conn(u64::from(length));
                if self.closed.get(id) != Some(CloseKind::ResetLocal) {
                    self.data = Some(frame);
                    if self.glitch() {
                        self.control(|p| frame::write_rst_stream(p, id, ErrorCode::STREAM_CLOSED));
                    }
                    return;
                }
                // In flight when we reset the stream: ignored, but budgeted.
                if !self.noop_frame() {
                    return;
                }
            }
        }
        self.data = Some(frame);
    }

    fn credit_conn(&mut self, n: u64) {
        if let Some(inc) = self.conn_recv.credit(n) {
            self.control(|p| frame::write_window_update(p, 0, inc));
        }
        self.note_conn_window();
    }

    fn on_data_payload(&mut self, id: u32, start: usize, end: usize) {
        let Some(mut d) = self.data else { return };
        if d.discard || d.stream_id != id {
            return;
        }
        let n = end.saturating_sub(start);
        let n32 = u32::try_from(n).unwrap_or(u32::MAX);
        d.delivered = d.delivered.saturating_add(n32);
        self.data = Some(d);
        let Some(s) = self.streams.get_mut(&id) else { return };
        let before = s.body_received;
        s.body_received = before.saturating_add(u64::from(n32));
        // Past content-length: deliver exactly up to it, then the stream error,
        // so the events do not depend on how the input was split.
        let allowed =
            s.content_length.map_or(n, |cl| usize::try_from(cl.saturating_sub(before)).unwrap_or(usize::MAX).min(n));
        if allowed > 0 {
            let end = start.saturating_add(allowed);
            if let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(end)) {
                self.emit(Event::Data { stream_id: id, start, end });
            }
        }
        if allowed < n {
            self.stream_error(id, ErrorCode::PROTOCOL_ERROR);
        }
    }

    fn on_data_end(&mut self, id: u32, end_stream: bool) {
        let Some(d) = self.data.take() else { return };
        if d.discard || d.stream_id != id {
            return;
        }
        // Padding is never handed to the application: credit it now.
        let padding = u64::from(d.length.saturating_sub(d.delivered));
        let Some(s) = self.streams.get_mut(&id) else { return };
        if padding > 0 {
            let stream_inc = s.recv.credit(padding);
            s.note_recv_window(self.now);
            if let (Some(inc), false) = (stream_inc, end_stream) {
                self.control(|p| frame::write_window_update(p, id, inc));
            }
            self.credit_conn(padding);
        }
        if end_stream {
            let Some(s) = self.streams.get(&id) else { return };
            if !length_matches(s.content_length, s.body_received) {
                self.stream_error(id, ErrorCode::PROTOCOL_ERROR);
                return;
            }
            self.end_of_request(id);
        }
    }

    fn on_rst(&mut self, id: u32, code: ErrorCode) {
        if id > self.last_peer_id {
            self.protocol_error("RST_STREAM on an idle stream");
            return;
        }
        self.peer_counts.resets = self.peer_counts.resets.saturating_add(1);
        if !self.reset_bucket.take(self.now) {
            self.close_with(ErrorCode::ENHANCE_YOUR_CALM, "too many RST_STREAM (rapid reset)", false);
            return;
        }
        if let Some(s) = self.drop_stream(id, CloseKind::ResetRemote) {
            self.emit(Event::Reset { stream_id: id, code, remote: true, unsent: s.queued });
            self.check_drained();
        }
    }

    /// WINDOW_UPDATE. Budgeted as a no-op frame unless it does work: it
    /// unblocks data waiting on the window (and is not a tiny increment that
    /// leaves most of it waiting: 1-byte dribbling), or it credits back DATA
    /// we sent. Windows are applied either way; streams are only re-examined
    /// when something was waiting, so a flood costs O(1) per frame.
    fn on_window_update(&mut self, id: u32, inc: u32) {
        let small = inc < self.limits.min_window_update;
        if id == 0 {
            if inc == 0 {
                self.protocol_error("WINDOW_UPDATE of 0 on the connection");
                return;
            }
            // Every stream's queue fits in the window already: raising it changes nothing.
            let avail = self.conn_send_avail();
            let waiting = self.conn_queued.saturating_sub(avail);
            let unblocks = avail <= self.conn_queued;
            if self.conn_send.adjust(i64::from(inc)).is_err() {
                self.close_with(ErrorCode::FLOW_CONTROL_ERROR, "connection window above 2^31-1", false);
                return;
            }
            let credits_back = u64::from(inc) <= self.conn_uncredited;
            self.conn_uncredited = self.conn_uncredited.saturating_sub(u64::from(inc));
            let useful = if unblocks { !small || u64::from(inc) >= waiting } else { credits_back };
            if !useful && !self.noop_frame() {
                return;
            }
            if unblocks {
                self.wake_all();
            }
            return;
        }
        let Some(s) = self.streams.get_mut(&id) else {
            if id > self.last_peer_id {
                self.protocol_error("WINDOW_UPDATE on an idle stream");
                return;
            }
            // Late update on a finished stream: harmless, but budgeted.
            self.noop_frame();
            return;
        };
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

    fn on_settings(&mut self, ack: bool, params: &[u8]) {
        if !self.settings_bucket.take(self.now) {
            self.close_with(ErrorCode::ENHANCE_YOUR_CALM, "too many SETTINGS frames", false);
            return;
        }
        if ack {
            if self.settings_sent_ms.take().is_some() {
                self.local_settings_acked();
            }
            return;
        }
        self.got_settings = true;
        let mut window_changed = false;
        for (ident, value) in frame::settings_iter(params) {
            match self.peer.apply(ident, value) {
                Err(ProtoError::Connection { code, reason }) | Err(ProtoError::Stream { code, reason, .. }) => {
                    self.close_with(code, reason, false);
                    return;
                }
                Ok(PeerChange::HeaderTableSize(n)) => {
                    self.encoder.set_max_table_size(usize::try_from(n).unwrap_or(usize::MAX));
                }
                Ok(PeerChange::InitialWindow { delta }) => {
                    for s in self.streams.values_mut() {
                        if s.send_window.adjust(delta).is_err() {
                            self.close_with(
                                ErrorCode::FLOW_CONTROL_ERROR,
                                "INITIAL_WINDOW_SIZE change overflows a stream window",
                                false,
                            );
                            return;
                        }
                    }
                    window_changed = true;
                }
                Ok(PeerChange::MaxFrameSize(_)) | Ok(PeerChange::None) => {}
            }
        }
        // §6.5.3: ACK once applied. h2 "always ACKs before reading more".
        self.control(|p| frame::write_settings(p, true, &[]));
        self.emit(Event::Settings);
        if window_changed {
            self.wake_all();
        }
    }

    /// The peer ACKed our SETTINGS: our values now bind it.
    fn local_settings_acked(&mut self) {
        let new = self.local.initial_window_size;
        let delta = i64::from(new).saturating_sub(i64::from(self.recv_initial));
        if delta != 0 {
            self.recv_initial = new;
            for s in self.streams.values_mut() {
                // Cannot overflow: both values are ≤ 2^31-1 and the window ≤ the old initial.
                let _ = s.recv.adjust(delta);
            }
        }
        self.decoder.set_max_allowed_table_size(usize::try_from(self.local.header_table_size).unwrap_or(usize::MAX));
    }

    fn on_ping(&mut self, ack: bool, data: [u8; 8]) {
        if ack {
            if data == SHUTDOWN_PING {
                if let Shutdown::AwaitPing { .. } = self.shutdown {
                    self.final_goaway();
                }
                return;
            }
            if let Some(i) = self.outstanding_pings.iter().position(|d| *d == data) {
                self.outstanding_pings.remove(i);
                self.emit(Event::PingAck { data });
            } else {
                self.noop_frame(); // an ACK of nothing we sent
            }
            return;
        }
        if !self.ping_bucket.take(self.now) {
            self.close_with(ErrorCode::ENHANCE_YOUR_CALM, "too many PING frames", false);
            return;
        }
        self.pending_ping_acks = self.pending_ping_acks.saturating_add(1);
        if self.pending_ping_acks > self.limits.max_pending_ping_acks {
            self.close_with(ErrorCode::ENHANCE_YOUR_CALM, "too many unanswered PINGs", false);
            return;
        }
        self.control(|p| frame::write_ping(p, true, data));
    }

    fn on_priority_update(&mut self, id: u32, value: &[u8]) {
        if !self.glitch() {
            return;
        }
        if id == 0 || id % 2 == 0 {
            // RFC 9218 §7.1: 0 is a PROTOCOL_ERROR; even ids would be pushes, which we never make.
            self.protocol_error("PRIORITY_UPDATE for stream 0 or a push stream");
            return;
        }
        if let Some(s) = self.streams.get_mut(&id) {
            let new = s.priority.parse_update(value);
            if new != s.priority {
                s.priority = new;
                if s.scheduled {
                    self.sched.remove(id);
                    self.sched.push(id, new);
                }
            }
        } else if id > self.last_peer_id {
            let base = self
                .idle_priorities
                .iter()
                .position(|e| e.0 == id)
                .and_then(|i| self.idle_priorities.remove(i))
                .map_or(Priority::default(), |e| e.1);
            if self.limits.idle_priority_memory == 0 {
                return;
            }
            if self.idle_priorities.len() >= self.limits.idle_priority_memory {
                self.idle_priorities.pop_front();
            }
            self.idle_priorities.push_back((id, base.parse_update(value)));
        }
    }
}

/// `content_length` is absent or equal to `n` (§8.1.1).
fn length_matches(content_length: Option<u64>, n: u64) -> bool {
    match content_length {
        None => true,
        Some(cl) => cl == n,
    }
}
