//! Inbound side of the client: every frame from the server, with §5.1 state
//! rules from the client's point of view and the §8.3.2 response checks.
//!
//! | frame on stream…                    | verdict                                        |
//! |-------------------------------------|------------------------------------------------|
//! | even id (server-initiated)          | conn PROTOCOL_ERROR (we sent ENABLE_PUSH 0)     |
//! | id we never opened (idle / waiting) | conn PROTOCOL_ERROR                            |
//! | open, no final response yet         | HEADERS: 1xx or final; DATA: stream PROTOCOL_ERROR |
//! | open, final response received       | HEADERS: trailers (must END_STREAM); DATA: body |
//! | half-closed (remote)                | stream STREAM_CLOSED                           |
//! | closed, reset by us                 | ignored (connection window credited)           |
//! | closed otherwise                    | DATA/HEADERS: stream STREAM_CLOSED; others ignored |

use crate::error::{ErrorCode, ProtoError};
use crate::frame::{self, flags, Frame, Item};
use crate::hpack::DecodeLimits;
use crate::semantics;
use crate::settings::{id as setting_id, PeerChange};
use crate::stream::CloseKind;

use super::{Block, ClientEvent, Core, DataFrame, FieldRef, Resp, State};

/// What the client needs from a valid response head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseHead {
    pub status: u16,
    pub content_length: Option<u64>,
}

/// Validate a response header block (§8.3.2, §8.2): exactly one `:status` of
/// three digits, no other pseudo-header, pseudo-headers first, regular fields
/// lowercase with valid values and no connection-specific fields, consistent
/// content-length.
pub fn check_response<'a>(
    fields: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
) -> Result<ResponseHead, &'static str> {
    let mut status: Option<u16> = None;
    let mut content_length: Option<u64> = None;
    let mut regular_seen = false;
    for (name, value) in fields {
        if name.first() == Some(&b':') {
            if regular_seen {
                return Err("pseudo-header after regular field");
            }
            if name != b":status" {
                return Err("pseudo-header other than :status in a response");
            }
            if status.is_some() {
                return Err("duplicate :status");
            }
            let [a, b, c] = value else { return Err("invalid :status") };
            if !(a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit()) || *a == b'0' {
                return Err("invalid :status");
            }
            let d = |x: u8| u16::from(x.saturating_sub(b'0'));
            status = Some(d(*a).saturating_mul(100).saturating_add(d(*b).saturating_mul(10)).saturating_add(d(*c)));
            continue;
        }
        regular_seen = true;
        if !semantics::name_ok(name) {
            return Err("invalid field name");
        }
        if !semantics::value_ok(value) {
            return Err("invalid field value");
        }
        if semantics::is_connection_specific(name) {
            return Err("connection-specific header field");
        }
        if name == b"content-length" {
            let n = semantics::parse_content_length(value).ok_or("invalid content-length")?;
            if content_length.is_some_and(|c| c != n) {
                return Err("conflicting content-length");
            }
            content_length = Some(n);
        }
    }
    let status = status.ok_or("missing :status")?;
    Ok(ResponseHead { status, content_length })
}

impl Core {
    pub(super) fn receive(&mut self, frames: &mut frame::FrameDecoder, input: &[u8]) {
        if self.state == State::Closed {
            return;
        }
        let mut pos = 0usize;
        let mut any = false;
        loop {
            if self.state == State::Closed {
                break;
            }
            match frames.decode(input, &mut pos) {
                Ok(None) => break,
                Ok(Some(item)) => {
                    any = true;
                    self.on_item(item);
                }
                Err(ProtoError::Connection { code, reason }) => {
                    self.close_with(code, reason, false);
                    break;
                }
                Err(ProtoError::Stream { stream_id, code, reason }) => {
                    if self.block.is_some() || !self.got_settings {
                        self.protocol_error("frame inside a header block or before SETTINGS");
                        break;
                    }
                    if self.streams.contains_key(&stream_id) {
                        self.stream_error(stream_id, code, reason);
                    } else {
                        self.glitch();
                    }
                }
            }
        }
        if self.wake_pending {
            self.wake_pending = false;
            if self.state != State::Closed {
                self.wake_all();
            }
        }
        if any {
            self.active_ms = self.now;
        }
    }

    fn protocol_error(&mut self, reason: &'static str) {
        self.close_with(ErrorCode::PROTOCOL_ERROR, reason, false);
    }

    fn on_item(&mut self, item: Item<'_>) {
        if !self.got_settings && !matches!(item, Item::Frame(Frame::Settings { ack: false, .. })) {
            // §3.4: the server preface is a SETTINGS frame.
            self.protocol_error("first frame from the server is not SETTINGS");
            return;
        }
        if let Some(b) = self.block {
            match &item {
                Item::Frame(Frame::Continuation { stream_id, .. }) if *stream_id == b.stream_id => {}
                _ => {
                    self.protocol_error("frame inside a header block");
                    return;
                }
            }
        }
        match item {
            Item::Frame(f) => self.on_frame(f),
            Item::DataStart { stream_id, flags: fl, length } => {
                self.on_data_start(stream_id, fl & flags::END_STREAM != 0, length)
            }
            Item::DataPayload { stream_id, start, end } => self.on_data_payload(stream_id, start, end),
            Item::DataEnd { stream_id, end_stream } => self.on_data_end(stream_id, end_stream),
        }
    }

    fn on_frame(&mut self, f: Frame<'_>) {
        match f {
            Frame::Headers { stream_id, end_stream, end_headers, fragment, .. } => {
                let block = Block { stream_id, end_stream, continuations: 0, started_ms: self.now };
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
            Frame::Continuation { end_headers, fragment, .. } => {
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
            Frame::Priority { .. } => {
                // Ignored (RFC 9113 §5.3.2); a flood costs the server glitch tokens.
                self.glitch();
            }
            Frame::RstStream { stream_id, code } => self.on_rst(stream_id, code),
            Frame::Settings { ack, params } => self.on_settings(ack, params),
            Frame::PushPromise { .. } => self.protocol_error("PUSH_PROMISE although we sent ENABLE_PUSH 0"),
            Frame::Ping { ack, data } => self.on_ping(ack, data),
            Frame::GoAway { last_stream_id, code, debug } => self.on_goaway(last_stream_id, code, debug),
            Frame::WindowUpdate { stream_id, increment } => self.on_window_update(stream_id, increment),
            Frame::PriorityUpdate { .. } | Frame::Unknown { .. } => {
                // PRIORITY_UPDATE is a client-to-server frame; unknown frames are ignored (§5.5).
                self.glitch();
            }
        }
    }

    /// A frame about a stream we never opened (idle or still waiting for a slot)?
    fn never_opened(&self, id: u32) -> bool {
        id == 0 || id % 2 == 0 || id >= self.next_id || self.streams.get(&id).is_some_and(|cs| !cs.opened)
    }

    fn complete_block(&mut self, b: Block, block: &[u8]) {
        let first = self.fields.len();
        let limits = DecodeLimits {
            max_list_size: usize::try_from(self.local.max_header_list_size).unwrap_or(usize::MAX),
            max_fields: self.limits.max_header_fields,
        };
        let arena = &mut self.arena;
        let fields = &mut self.fields;
        // Always decoded: the HPACK table must stay in sync even for streams we dropped.
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
        let Ok(outcome) = outcome else {
            self.close_with(ErrorCode::COMPRESSION_ERROR, "header block decoding failed", false);
            return;
        };
        let range = u32::try_from(first).unwrap_or(u32::MAX)..u32::try_from(self.fields.len()).unwrap_or(u32::MAX);
        let keep = self.on_block(b, range, outcome.over_limit);
        if !keep {
            if let Some(f) = self.fields.get(first) {
                let start = f.start as usize;
                self.arena.truncate(start);
            }
            self.fields.truncate(first);
        }
    }

    fn field_pairs(&self, range: core::ops::Range<u32>) -> impl Iterator<Item = (&[u8], &[u8])> {
        let arena = &self.arena;
        self.fields.get(range.start as usize..range.end as usize).unwrap_or(&[]).iter().map(move |f| {
            let s = f.start as usize;
            let m = s.saturating_add(f.name_len as usize);
            let e = m.saturating_add(f.value_len as usize);
            (arena.get(s..m).unwrap_or(&[]), arena.get(m..e).unwrap_or(&[]))
        })
    }

    /// A decoded header block for stream `b.stream_id`. Returns whether its fields are kept.
    fn on_block(&mut self, b: Block, range: core::ops::Range<u32>, over_limit: bool) -> bool {
        let id = b.stream_id;
        if self.never_opened(id) {
            self.protocol_error("HEADERS on a stream the client did not open");
            return false;
        }
        let Some(cs) = self.streams.get(&id) else {
            match self.closed.get(id) {
                Some(CloseKind::ResetLocal) | None => {} // in flight when we reset it (§5.4.2), or long gone
                Some(_) => self.stream_error(id, ErrorCode::STREAM_CLOSED, "HEADERS on a closed stream"),
            }
            return false;
        };
        if cs.s.recv_closed {
            self.stream_error(id, ErrorCode::STREAM_CLOSED, "HEADERS after the response ended");
            return false;
        }
        if over_limit {
            self.stream_error(id, ErrorCode::PROTOCOL_ERROR, "response header fields over the limit");
            return false;
        }
        let resp = cs.resp;
        let head_method = cs.head_method;
        match resp {
            Resp::Body => {
                if !b.end_stream {
                    self.malformed(id, "trailers without END_STREAM");
                    return false;
                }
                if let Err(reason) = semantics::check_trailers(self.field_pairs(range.clone())) {
                    self.malformed(id, reason.as_str());
                    return false;
                }
                if !self.body_length_ok(id) {
                    self.malformed(id, "body length differs from content-length");
                    return false;
                }
                self.emit(ClientEvent::Trailers { stream_id: id, fields: range });
                self.end_of_response(id);
                true
            }
            Resp::Head { informational } => {
                let head = match check_response(self.field_pairs(range.clone())) {
                    Ok(h) => h,
                    Err(reason) => {
                        self.malformed(id, reason);
                        return false;
                    }
                };
                // The fields handed out exclude :status (it is first: pseudo-headers lead).
                let fields = range.start.saturating_add(1)..range.end;
                if head.status < 200 {
                    if head.status == 101 {
                        self.malformed(id, "101 Switching Protocols is not allowed in HTTP/2");
                        return false;
                    }
                    if b.end_stream {
                        self.malformed(id, "1xx response with END_STREAM");
                        return false;
                    }
                    if informational >= super::MAX_INFORMATIONAL {
                        self.stream_error(id, ErrorCode::ENHANCE_YOUR_CALM, "too many 1xx responses");
                        return false;
                    }
                    if let Some(cs) = self.streams.get_mut(&id) {
                        cs.resp = Resp::Head { informational: informational.saturating_add(1) };
                    }
                    self.emit(ClientEvent::Informational { stream_id: id, status: head.status, fields });
                    return true;
                }
                // HEAD and 304 responses carry the content-length of a body they do not send (§8.1.1).
                let no_body = head_method || head.status == 304 || head.status == 204;
                let content_length = if no_body { Some(0) } else { head.content_length };
                if head.status == 204 && head.content_length.is_some_and(|n| n != 0) {
                    self.malformed(id, "204 response with a non-zero content-length");
                    return false;
                }
                if b.end_stream && content_length.is_some_and(|n| n != 0) {
                    self.malformed(id, "content-length on a response without a body");
                    return false;
                }
                let now = self.now;
                if let Some(cs) = self.streams.get_mut(&id) {
                    cs.resp = Resp::Body;
                    cs.body_active_ms = now;
                    cs.s.content_length = content_length;
                }
                self.emit(ClientEvent::Response {
                    stream_id: id,
                    status: head.status,
                    fields,
                    end_stream: b.end_stream,
                });
                if b.end_stream {
                    self.end_of_response(id);
                }
                true
            }
        }
    }

    fn body_length_ok(&self, id: u32) -> bool {
        match self.streams.get(&id) {
            Some(cs) => match cs.s.content_length {
                Some(cl) => cl == cs.s.body_received,
                None => true,
            },
            None => true,
        }
    }

    fn end_of_response(&mut self, id: u32) {
        let Some(cs) = self.streams.get_mut(&id) else { return };
        cs.s.recv_closed = true;
        let finished = cs.s.is_finished();
        // A complete response before the request body ended (§8.1): we keep
        // sending unless the server resets the stream (RST_STREAM(NO_ERROR)).
        self.emit(ClientEvent::End { stream_id: id });
        if finished {
            self.finish_stream(id);
        }
    }

    fn on_data_start(&mut self, id: u32, end_stream: bool, length: u32) {
        if self.conn_recv.receive(length).is_err() {
            self.close_with(ErrorCode::FLOW_CONTROL_ERROR, "connection window exceeded", false);
            return;
        }
        let mut frame = DataFrame { stream_id: id, length, delivered: 0, discard: true };
        if length == 0 && !end_stream && !self.glitch() {
            return;
        }
        if self.never_opened(id) {
            self.protocol_error("DATA on a stream the client did not open");
            return;
        }
        let Some(cs) = self.streams.get_mut(&id) else {
            self.credit_conn(u64::from(length));
            if self.closed.get(id) != Some(CloseKind::ResetLocal) {
                self.data = Some(frame);
                if self.glitch() {
                    self.control(|p| frame::write_rst_stream(p, id, ErrorCode::STREAM_CLOSED));
                }
            }
            return;
        };
        if cs.s.recv_closed {
            self.credit_conn(u64::from(length));
            self.data = Some(frame);
            self.stream_error(id, ErrorCode::STREAM_CLOSED, "DATA after the response ended");
            return;
        }
        if cs.resp != Resp::Body {
            self.credit_conn(u64::from(length));
            self.data = Some(frame);
            self.malformed(id, "DATA before the response HEADERS");
            return;
        }
        if cs.s.recv.receive(length).is_err() {
            self.credit_conn(u64::from(length));
            self.data = Some(frame);
            self.stream_error(id, ErrorCode::FLOW_CONTROL_ERROR, "stream window exceeded");
            return;
        }
        cs.body_active_ms = self.now;
        frame.discard = false;
        self.data = Some(frame);
    }

    fn credit_conn(&mut self, n: u64) {
        if let Some(inc) = self.conn_recv.credit(n) {
            self.control(|p| frame::write_window_update(p, 0, inc));
        }
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
        let Some(cs) = self.streams.get_mut(&id) else { return };
        let s = &mut cs.s;
        let before = s.body_received;
        s.body_received = before.saturating_add(u64::from(n32));
        // Deliver exactly up to content-length, then the error: events do not depend on input splits.
        let allowed =
            s.content_length.map_or(n, |cl| usize::try_from(cl.saturating_sub(before)).unwrap_or(usize::MAX).min(n));
        if allowed > 0 {
            let end = start.saturating_add(allowed);
            if let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(end)) {
                self.emit(ClientEvent::Data { stream_id: id, start, end });
            }
        }
        if allowed < n {
            self.malformed(id, "body longer than content-length");
        }
    }

    fn on_data_end(&mut self, id: u32, end_stream: bool) {
        let Some(d) = self.data.take() else { return };
        if d.discard || d.stream_id != id {
            return;
        }
        let padding = u64::from(d.length.saturating_sub(d.delivered));
        let Some(cs) = self.streams.get_mut(&id) else { return };
        if padding > 0 {
            let stream_inc = cs.s.recv.credit(padding);
            if let (Some(inc), false) = (stream_inc, end_stream) {
                self.control(|p| frame::write_window_update(p, id, inc));
            }
            self.credit_conn(padding);
        }
        if end_stream {
            if !self.body_length_ok(id) {
                self.malformed(id, "body length differs from content-length");
                return;
            }
            self.end_of_response(id);
        }
    }

    fn on_rst(&mut self, id: u32, code: ErrorCode) {
        if self.never_opened(id) {
            self.protocol_error("RST_STREAM on a stream the client did not open");
            return;
        }
        if !self.reset_bucket.take(self.now) {
            self.close_with(ErrorCode::ENHANCE_YOUR_CALM, "too many RST_STREAM", false);
            return;
        }
        if let Some(cs) = self.drop_stream(id, CloseKind::ResetRemote) {
            // §8.7: REFUSED_STREAM means the request was not processed at all.
            let not_processed = code == ErrorCode::REFUSED_STREAM;
            self.emit(ClientEvent::Reset { stream_id: id, code, remote: true, unsent: cs.s.queued, not_processed });
            self.check_drained();
        }
    }

    fn on_goaway(&mut self, last: u32, code: ErrorCode, debug: &[u8]) {
        self.debug.clear();
        self.debug.extend_from_slice(debug.get(..1024).unwrap_or(debug));
        // A later GOAWAY may only lower last_stream_id (§6.8).
        let last = self.goaway_last.map_or(last, |g| g.min(last));
        self.goaway_last = Some(last);
        self.emit(ClientEvent::GoAway { last_stream_id: last, code });
        // Every request above `last` (sent or still waiting) was not processed: safe to retry.
        let above: Vec<u32> = self.streams.range(last.saturating_add(1)..).map(|(&id, _)| id).collect();
        for id in above {
            if let Some(cs) = self.drop_stream(id, CloseKind::ResetRemote) {
                self.emit(ClientEvent::Reset {
                    stream_id: id,
                    code: ErrorCode::REFUSED_STREAM,
                    remote: true,
                    unsent: cs.s.queued,
                    not_processed: true,
                });
            }
        }
        if code != ErrorCode::NO_ERROR {
            self.emit(ClientEvent::Error { code, reason: "server sent GOAWAY", remote: true });
        }
        self.check_drained();
    }

    fn on_window_update(&mut self, id: u32, inc: u32) {
        if id == 0 {
            if inc == 0 {
                self.protocol_error("WINDOW_UPDATE of 0 on the connection");
                return;
            }
            if self.conn_send.adjust(i64::from(inc)).is_err() {
                self.close_with(ErrorCode::FLOW_CONTROL_ERROR, "connection window above 2^31-1", false);
                return;
            }
            // Every stream is re-evaluated once per input chunk, not once per frame: a
            // WINDOW_UPDATE flood then costs O(frames + streams), not O(frames × streams).
            self.wake_pending = true;
            return;
        }
        if self.never_opened(id) {
            self.protocol_error("WINDOW_UPDATE on a stream the client did not open");
            return;
        }
        let Some(cs) = self.streams.get_mut(&id) else { return };
        if inc == 0 {
            self.stream_error(id, ErrorCode::PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
            return;
        }
        if cs.s.send_window.adjust(i64::from(inc)).is_err() {
            self.stream_error(id, ErrorCode::FLOW_CONTROL_ERROR, "stream window above 2^31-1");
            return;
        }
        self.schedule(id);
        self.refresh(id);
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
            if ident == setting_id::ENABLE_PUSH && value != 0 {
                // §6.5.2: a server MUST NOT send 1; a client treats it as PROTOCOL_ERROR.
                self.protocol_error("server sent ENABLE_PUSH other than 0");
                return;
            }
            match self.peer.apply(ident, value) {
                Err(ProtoError::Connection { code, reason }) | Err(ProtoError::Stream { code, reason, .. }) => {
                    self.close_with(code, reason, false);
                    return;
                }
                Ok(PeerChange::HeaderTableSize(n)) => {
                    self.encoder.set_max_table_size(usize::try_from(n).unwrap_or(usize::MAX));
                }
                Ok(PeerChange::InitialWindow { delta }) => {
                    for cs in self.streams.values_mut() {
                        if cs.s.send_window.adjust(delta).is_err() {
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
        self.control(|p| frame::write_settings(p, true, &[]));
        self.emit(ClientEvent::Settings);
        // MAX_CONCURRENT_STREAMS may have grown.
        self.open_waiting();
        if window_changed {
            self.wake_all();
        }
    }

    fn local_settings_acked(&mut self) {
        let new = self.local.initial_window_size;
        let delta = i64::from(new).saturating_sub(i64::from(self.recv_initial));
        if delta != 0 {
            self.recv_initial = new;
            for cs in self.streams.values_mut() {
                let _ = cs.s.recv.adjust(delta);
            }
        }
        self.decoder.set_max_allowed_table_size(usize::try_from(self.local.header_table_size).unwrap_or(usize::MAX));
    }

    fn on_ping(&mut self, ack: bool, data: [u8; 8]) {
        if ack {
            if let Some(i) = self.outstanding_pings.iter().position(|p| p.0 == data) {
                if let Some((_, sent)) = self.outstanding_pings.remove(i) {
                    let rtt_ms = self.now.saturating_sub(sent);
                    if !super::send::is_keepalive(data) {
                        self.emit(ClientEvent::PingAck { data, rtt_ms });
                    }
                }
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
}
