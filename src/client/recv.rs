//! Inbound side of the client: every frame from the server, with the §8.3.2
//! response checks. As on the server, each frame on a stream is classified
//! once (`StreamStore::lookup`: no id is ever idle for a client, since it
//! refuses pushes) and the RFC 9113 §5.1 table ([`crate::stream_rules`])
//! decides what happens to it; what remains here is the client's own:
//!
//! | open stream…                        | HEADERS                                | DATA                  |
//! |-------------------------------------|----------------------------------------|-----------------------|
//! | no final response yet               | 1xx or the final response              | stream PROTOCOL_ERROR |
//! | final response received             | trailers (must END_STREAM)             | body                  |

use crate::error::ErrorCode;
use crate::frame::{self, flags, Frame, Item};
use crate::semantics;
use crate::stream::CloseKind;
use crate::stream_rules::{rule, StreamFrame, Verdict};

use crate::proto::data::{accept_body, body_complete, DataIn, Overrun};
use crate::proto::header_block::Block;
use crate::proto::outbound::{Cause, Control};
use crate::proto::role::Role;

use super::{ClientEvent, Core, Resp, State};

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
        let any = self.read_items(frames, input, 0, Self::on_item, |c, id, code, reason| {
            if c.streams.contains_key(&id) {
                c.stream_error(id, code, reason);
            } else {
                c.peer_error();
            }
        });
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

    fn on_item(&mut self, item: Item<'_>) {
        if !self.admits(&item) {
            return;
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
                let block = Block::new(stream_id, end_stream, false, self.now);
                self.on_headers(block, end_headers, fragment);
            }
            Frame::Continuation { end_headers, fragment, .. } => self.on_continuation(end_headers, fragment),
            Frame::Priority { .. } => {
                // Ignored (RFC 9113 §5.3.2); a flood costs the server protocol-error tokens.
                self.peer_error();
            }
            Frame::RstStream { stream_id, code } => self.on_rst(stream_id, code),
            Frame::Settings { ack, params } => self.on_settings(ack, params),
            Frame::PushPromise { .. } => self.protocol_error("PUSH_PROMISE although we sent ENABLE_PUSH 0"),
            Frame::Ping { ack, data } => self.on_ping(ack, data),
            Frame::GoAway { last_stream_id, code, debug } => self.on_goaway(last_stream_id, code, debug),
            Frame::WindowUpdate { stream_id, increment } => self.on_window_update(stream_id, increment),
            Frame::PriorityUpdate { .. } | Frame::Unknown { .. } => {
                // PRIORITY_UPDATE is a client-to-server frame; unknown frames are ignored (§5.5).
                self.peer_error();
            }
        }
    }

    /// Decode a complete header block and act on it.
    pub(super) fn on_header_block(&mut self, b: Block, block: &[u8]) {
        // Always decoded: the HPACK table must stay in sync even for streams we dropped.
        let Some(decoded) = self.decode_block(block) else { return };
        let keep = self.on_block(b, decoded.fields.clone(), decoded.over_limit);
        if !keep {
            self.arena.drop_block(decoded.fields);
        }
    }

    /// A decoded header block for stream `b.stream_id`. Returns whether its fields are kept.
    fn on_block(&mut self, b: Block, range: core::ops::Range<u32>, over_limit: bool) -> bool {
        let id = b.stream_id;
        let rule = rule(StreamFrame::Headers, self.streams.lookup(id));
        match rule.verdict {
            Verdict::Accept => {}
            Verdict::Ignore => return false,
            Verdict::StreamError(code) => {
                self.stream_error(id, code, rule.reason);
                return false;
            }
            Verdict::ConnectionError(code) => {
                self.close_with(code, rule.reason, false);
                return false;
            }
        }
        let Some(cs) = self.streams.get(&id) else { return false };
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
                if let Err(reason) = semantics::check_trailers(self.arena.pairs(range.clone())) {
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
                let head = match check_response(self.arena.pairs(range.clone())) {
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
                if let (Some(n), Some(cap)) = (content_length, self.cfg.response_body_cap()) {
                    if n > cap {
                        self.too_large(id);
                        return false;
                    }
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
        self.streams.get(&id).map_or(true, |cs| body_complete(&cs.s))
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
        if !self.admit_data(end_stream, length) {
            return;
        }
        let mut frame = DataIn::new(id, length);
        let rule = rule(StreamFrame::Data, self.streams.lookup(id));
        match rule.verdict {
            Verdict::Accept => {}
            Verdict::ConnectionError(code) => {
                self.close_with(code, rule.reason, false);
                return;
            }
            Verdict::Ignore => {
                // In flight when we reset the stream; the connection window is still credited (§6.9).
                self.credit_conn(u64::from(length));
                return;
            }
            Verdict::StreamError(code) => {
                self.credit_conn(u64::from(length));
                self.data = Some(frame);
                if self.streams.contains_key(&id) {
                    self.stream_error(id, code, rule.reason);
                } else if self.peer_error() {
                    self.queue(Cause::Peer, Control::RstStream { stream_id: id, code });
                }
                return;
            }
        }
        let Some(cs) = self.streams.get_mut(&id) else { return };
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

    fn on_data_payload(&mut self, id: u32, start: usize, end: usize) {
        let cap = self.cfg.response_body_cap();
        let Some(cs) = self.payload_stream(id, start, end) else { return };
        let (deliver, overrun) = accept_body(&mut cs.s, start, end, cap);
        if let Some((start, end)) = deliver {
            self.emit(ClientEvent::Data { stream_id: id, start, end });
        }
        match overrun {
            Overrun::No => {}
            Overrun::ContentLength => self.malformed(id, "body longer than content-length"),
            Overrun::Cap => self.too_large(id),
        }
    }

    fn on_data_end(&mut self, id: u32, end_stream: bool) {
        if !self.end_data_in(id, end_stream) || !end_stream {
            return;
        }
        if !self.body_length_ok(id) {
            self.malformed(id, "body length differs from content-length");
            return;
        }
        self.end_of_response(id);
    }

    fn on_goaway(&mut self, last: u32, code: ErrorCode, debug: &[u8]) {
        // A later GOAWAY may only lower last_stream_id (§6.8).
        let last = self.goaway.on_received(last, debug);
        self.emit(ClientEvent::GoAway { last_stream_id: last, code });
        // Every request above `last` (sent or still waiting) was not processed: safe to retry.
        let above: Vec<u32> = self.streams.range(last.saturating_add(1)).map(|(&id, _)| id).collect();
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

    /// Unlike the server's, WINDOW_UPDATEs that do no work are not budgeted
    /// as no-op frames: each costs O(1) here (connection-level wake-ups are
    /// batched per input chunk).
    fn on_window_update(&mut self, id: u32, inc: u32) {
        if id == 0 {
            if !self.grow_send_window(inc) {
                return;
            }
            // Every stream is re-evaluated once per input chunk, not once per frame: a
            // WINDOW_UPDATE flood then costs O(frames + streams), not O(frames × streams).
            self.wake_pending = true;
            return;
        }
        let rule = rule(StreamFrame::WindowUpdate, self.streams.lookup(id));
        match rule.verdict {
            Verdict::Accept => {}
            Verdict::ConnectionError(code) => {
                self.close_with(code, rule.reason, false);
                return;
            }
            Verdict::Ignore | Verdict::StreamError(_) => return,
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

    fn on_ping(&mut self, ack: bool, data: [u8; 8]) {
        if ack {
            if let Some(sent) = self.pings.acked(data) {
                if !super::send::is_keepalive(data) {
                    self.emit(ClientEvent::PingAck { data, rtt_ms: self.now.saturating_sub(sent) });
                }
            }
            return;
        }
        self.on_ping_request(data);
    }
}
