//! Per-stream state: the stream lookup the §5.1 rules are asked with, DATA,
//! header blocks on their stream, PUSH_PROMISE, and the tracking bound.

use super::framing::DataProgress;
use super::verdicts::{
    body_end, check_response, decoder_violation, endpoint, semantic_violation, stream_rule, violation,
};
use super::{BlockKind, Detail, Direction, Inspector, PendingBlock, Record, MAX_TRACKED_STREAMS};
use crate::error::ErrorCode;
use crate::frame::{kind, FrameHeader};
use crate::semantics;
use crate::stream_rules::{ClosedCause, Lookup, StreamFrame, Verdict};

#[derive(Clone, Copy, Debug, Default)]
pub(super) struct StreamInfo {
    pub(super) client_done: bool,
    pub(super) server_done: bool,
    pub(super) reset: bool,
    /// Promised by the server (reserved until its HEADERS).
    pub(super) pushed: bool,
    /// A final (non-1xx) response HEADERS was seen.
    pub(super) responded: bool,
    /// Any HEADERS from the server was seen.
    pub(super) server_headers: bool,
    pub(super) windows: [i64; 2],
    /// Declared content-length per direction (§8.1.1), and DATA seen.
    pub(super) content_length: [Option<u64>; 2],
    pub(super) body: [u64; 2],
    /// The request was HEAD: the response has no content.
    pub(super) head: bool,
    /// Who sent the first RST_STREAM.
    pub(super) reset_by: Option<Direction>,
    /// Began before the capture: its earlier frames are unknown.
    pub(super) adopted: bool,
}

impl StreamInfo {
    pub(super) fn state(&self) -> &'static str {
        if self.reset {
            "closed (reset)"
        } else if self.client_done && self.server_done {
            "closed"
        } else if self.pushed && !self.server_headers {
            "reserved (local)"
        } else if self.client_done {
            "half-closed (remote)"
        } else if self.server_done {
            "half-closed (local)"
        } else {
            "open"
        }
    }
    /// The side sending in `dir` has sent END_STREAM.
    fn sent_end(&self, dir: Direction) -> bool {
        match dir {
            Direction::ClientToServer => self.client_done,
            Direction::ServerToClient => self.server_done,
        }
    }
    /// §5.1 state for the receiver of a frame sent in `dir`.
    fn lookup(&self, dir: Direction) -> Lookup {
        if self.reset {
            let by_sender = self.reset_by == Some(dir);
            Lookup::Closed(if by_sender { ClosedCause::ResetRemote } else { ClosedCause::ResetLocal })
        } else if self.client_done && self.server_done {
            Lookup::Closed(ClosedCause::Ended)
        } else if self.sent_end(dir) {
            Lookup::HalfClosedRemote
        } else {
            Lookup::Open
        }
    }
    pub(super) fn set_done(&mut self, dir: Direction) {
        match dir {
            Direction::ClientToServer => self.client_done = true,
            Direction::ServerToClient => self.server_done = true,
        }
    }
}

/// The direction the stream's initiator sends in: odd ids are the
/// client's, even ids the server's (§5.1.1).
fn initiator(sid: u32) -> Direction {
    if sid % 2 == 1 {
        Direction::ClientToServer
    } else {
        Direction::ServerToClient
    }
}

impl Inspector {
    /// Where stream `sid` is for the receiver of a frame sent in `dir`
    /// (§5.1, the receiver's view), to look up in [`crate::stream_rules`].
    pub(super) fn stream_lookup(&self, dir: Direction, sid: u32) -> Lookup {
        if let Some(s) = self.streams.get(&sid) {
            return s.lookup(dir);
        }
        if sid <= self.side(initiator(sid)).last_stream {
            // Every stream used is tracked until the bound makes us forget
            // some: until then, an unknown id below the last was skipped
            // (closed implicitly, §5.1.1).
            return Lookup::Closed(if self.forgot_streams { ClosedCause::Forgotten } else { ClosedCause::Unknown });
        }
        // Only the client opens streams with HEADERS: the server's are
        // reserved by PUSH_PROMISE, which starts tracking them.
        if dir == Direction::ClientToServer && initiator(sid) == dir {
            Lookup::Idle
        } else {
            Lookup::Unopened
        }
    }

    /// What a lookup was based on, for the messages of its verdict.
    pub(super) fn lookup_context(&self, dir: Direction, sid: u32, lookup: Lookup) -> String {
        let last = self.side(initiator(sid)).last_stream;
        match lookup {
            Lookup::Idle => format!("the client has opened streams up to {last}"),
            _ if dir == Direction::ClientToServer && sid % 2 == 0 && !self.streams.contains_key(&sid) => {
                format!("even stream id {sid} from client")
            }
            Lookup::Unopened if sid % 2 == 1 => "the client has not opened it".to_string(),
            Lookup::Unopened => "the server has not promised it".to_string(),
            Lookup::Open => "open".to_string(),
            Lookup::HalfClosedRemote => format!("the {} ended it", endpoint(dir)),
            Lookup::Closed(ClosedCause::Ended) => "both sides ended it".to_string(),
            Lookup::Closed(ClosedCause::ResetRemote) => format!("the {} reset it", endpoint(dir)),
            Lookup::Closed(ClosedCause::ResetLocal) => format!("the {} reset it", endpoint(dir.other())),
            Lookup::Closed(ClosedCause::Forgotten) => "closed, no longer tracked".to_string(),
            Lookup::Closed(ClosedCause::Unknown) => {
                format!("the {}'s last stream is {last}", endpoint(initiator(sid)))
            }
        }
    }

    /// Mid-connection: a frame on a stream that began before the capture
    /// starts tracking it as open (windows unknown, so never judged).
    pub(super) fn adopt_if_older_than_capture(&mut self, dir: Direction, rec: &mut Record) {
        let sid = rec.stream_id;
        if !self.mid_connection || sid == 0 || self.streams.contains_key(&sid) {
            return;
        }
        let opens = rec.kind == Some(kind::HEADERS) && (dir == Direction::ClientToServer) == (sid % 2 == 1);
        let initiator = usize::from(sid % 2 == 0);
        let first = self.first_opened.get(initiator).copied().flatten();
        if opens {
            if first.is_none() {
                if let Some(f) = self.first_opened.get_mut(initiator) {
                    *f = Some(sid);
                }
            }
            return;
        }
        if first.is_some_and(|f| sid >= f) {
            return;
        }
        let unknown = crate::flow::MAX_WINDOW;
        let info = StreamInfo { adopted: true, windows: [unknown, unknown], ..StreamInfo::default() };
        rec.notes.push(format!("stream {sid} began before the capture (joined mid-connection)"));
        self.track(rec, sid, info);
    }

    pub(super) fn on_data(&mut self, dir: Direction, rec: &mut Record, progress: DataProgress) {
        let h = FrameHeader { length: rec.length, kind: kind::DATA, flags: rec.flags, stream_id: rec.stream_id };
        if let Some(e) = progress.error {
            rec.violations.push(decoder_violation(&h, e));
            return;
        }
        rec.detail = Detail::Data {
            data_len: progress.payload,
            pad_len: h.length.saturating_sub(progress.payload),
            end_stream: progress.end_stream,
            preview: progress.preview,
        };
        let sid = h.stream_id;
        // Flow control counts the whole payload, padding included (§6.9.1).
        let len = i64::from(h.length);
        let window_broken = self.side_mut(dir).conn_window.adjust(len.saturating_neg()).is_err()
            || self.side(dir).conn_window.get() < 0;
        // Mid-connection the window's starting value is unknown.
        if window_broken && !self.mid_connection {
            rec.violations.push(violation(
                "§6.9.1",
                &format!("DATA exceeds the connection flow-control window (now {})", self.side(dir).conn_window.get()),
                ErrorCode::FLOW_CONTROL_ERROR,
                true,
            ));
        }
        let lookup = self.stream_lookup(dir, sid);
        let verdict = stream_rule(rec, StreamFrame::Data, lookup, sid, || self.lookup_context(dir, sid, lookup));
        // Whatever the verdict, DATA counted against the connection window above (§6.9).
        let Some(stream) = self.streams.get_mut(&sid) else { return };
        if verdict == Verdict::Accept && dir == Direction::ServerToClient && !stream.responded && !stream.adopted {
            rec.violations.push(violation(
                "§8.1",
                &format!("DATA on stream {sid} before the response HEADERS"),
                ErrorCode::PROTOCOL_ERROR,
                false,
            ));
        }
        if let Some(w) = stream.windows.get_mut(dir.idx()) {
            *w = w.saturating_sub(len);
            if *w < 0 {
                let now = *w;
                rec.violations.push(violation(
                    "§6.9.1",
                    &format!("DATA exceeds stream {sid}'s flow-control window (now {now})"),
                    ErrorCode::FLOW_CONTROL_ERROR,
                    false,
                ));
            }
        }
        if let (Some(b), Some(cl)) = (stream.body.get_mut(dir.idx()), stream.content_length.get(dir.idx())) {
            let before = *b;
            *b = b.saturating_add(u64::from(progress.payload));
            if let Some(cl) = *cl {
                if *b > cl && before <= cl {
                    rec.violations.push(violation(
                        "§8.1.1",
                        &format!("stream {sid}: DATA beyond the declared content-length {cl}"),
                        ErrorCode::PROTOCOL_ERROR,
                        false,
                    ));
                }
            }
        }
        if progress.end_stream {
            stream.set_done(dir);
            body_end(rec, sid, stream, dir);
        }
    }

    /// Stream-state and §8 checks for a header block; returns what it was.
    pub(super) fn judge_block(
        &mut self,
        dir: Direction,
        rec: &mut Record,
        block: &PendingBlock,
        fields: &[(Vec<u8>, Vec<u8>, bool)],
    ) -> BlockKind {
        let sid = block.stream_id;
        let pairs = || fields.iter().map(|(n, v, _)| (n.as_slice(), v.as_slice()));
        if let Some(promised) = block.promised {
            if let Err(reason) = semantics::check_request(pairs()) {
                rec.violations.push(semantic_violation(reason, promised));
            }
            return BlockKind::PushRequest;
        }
        match dir {
            Direction::ClientToServer => {
                let lookup = self.stream_lookup(dir, sid);
                let verdict =
                    stream_rule(rec, StreamFrame::Headers, lookup, sid, || self.lookup_context(dir, sid, lookup));
                if let Some(s) = self.streams.get_mut(&sid) {
                    if verdict != Verdict::Accept {
                        return BlockKind::Trailers;
                    }
                    // Trailers (§8.1).
                    if !block.end_stream {
                        rec.violations.push(violation(
                            "§8.1",
                            &format!("second HEADERS on stream {sid} without END_STREAM"),
                            ErrorCode::PROTOCOL_ERROR,
                            false,
                        ));
                    }
                    if let Err(reason) = semantics::check_trailers(pairs()) {
                        rec.violations.push(semantic_violation(reason, sid));
                    }
                    s.client_done = true;
                    body_end(rec, sid, s, dir);
                    return BlockKind::Trailers;
                }
                if verdict == Verdict::Ignore {
                    return BlockKind::Request;
                }
                // A new stream; one the rules refuse is still followed, so its later frames make sense.
                if lookup == Lookup::Idle {
                    self.side_mut(dir).last_stream = sid;
                }
                if let Some(goaway) = self.side(Direction::ServerToClient).goaway {
                    if sid > goaway {
                        rec.notes.push(format!(
                            "stream above the server's GOAWAY last-stream-id {goaway}: ignored by the server"
                        ));
                    }
                }
                if let Err(reason) = semantics::check_request(pairs()) {
                    rec.violations.push(semantic_violation(reason, sid));
                }
                // A direction's window starts at what its receiver announced.
                // §5.1.2: streams open or half-closed count against the server's limit.
                if let Some(max) = self.side(Direction::ServerToClient).max_streams {
                    let open = self
                        .streams
                        .values()
                        .filter(|s| !(s.pushed || s.reset || (s.client_done && s.server_done)))
                        .count();
                    if open >= usize::try_from(max).unwrap_or(usize::MAX) {
                        rec.violations.push(violation(
                            "§5.1.2",
                            &format!("stream {sid} exceeds the server's SETTINGS_MAX_CONCURRENT_STREAMS ({max}); {open} already open"),
                            ErrorCode::REFUSED_STREAM,
                            false,
                        ));
                    }
                }
                let field =
                    |name: &[u8]| fields.iter().find(|(n, _, _)| n.as_slice() == name).map(|(_, v, _)| v.as_slice());
                let info = StreamInfo {
                    client_done: block.end_stream,
                    content_length: [field(b"content-length").and_then(semantics::parse_content_length), None],
                    head: field(b":method") == Some(b"HEAD".as_slice()),
                    windows: [
                        i64::from(self.side(Direction::ServerToClient).announced.initial_window_size),
                        i64::from(self.side(Direction::ClientToServer).announced.initial_window_size),
                    ],
                    ..StreamInfo::default()
                };
                if block.end_stream {
                    body_end(rec, sid, &info, dir);
                }
                self.track(rec, sid, info);
                BlockKind::Request
            }
            Direction::ServerToClient => {
                let lookup = self.stream_lookup(dir, sid);
                let verdict =
                    stream_rule(rec, StreamFrame::Headers, lookup, sid, || self.lookup_context(dir, sid, lookup));
                let Some(s) = self.streams.get_mut(&sid) else {
                    return BlockKind::Response;
                };
                if verdict != Verdict::Accept {
                    // After the server's END_STREAM it can only have meant trailers.
                    let ended = matches!(lookup, Lookup::HalfClosedRemote | Lookup::Closed(ClosedCause::Ended));
                    return if ended { BlockKind::Trailers } else { BlockKind::Response };
                }
                s.server_headers = true;
                if s.responded {
                    if !block.end_stream {
                        rec.violations.push(violation(
                            "§8.1",
                            &format!("HEADERS after the final response on stream {sid} without END_STREAM"),
                            ErrorCode::PROTOCOL_ERROR,
                            false,
                        ));
                    }
                    if let Err(reason) = semantics::check_trailers(pairs()) {
                        rec.violations.push(semantic_violation(reason, sid));
                    }
                    s.server_done |= block.end_stream;
                    if block.end_stream {
                        body_end(rec, sid, s, dir);
                    }
                    return BlockKind::Trailers;
                }
                let (kind, problem) = check_response(fields);
                if let Some((section, msg)) = problem {
                    rec.violations.push(violation(section, &msg, ErrorCode::PROTOCOL_ERROR, false));
                }
                if kind == BlockKind::Informational && block.end_stream {
                    rec.violations.push(violation(
                        "§8.1",
                        "END_STREAM on an informational (1xx) response",
                        ErrorCode::PROTOCOL_ERROR,
                        false,
                    ));
                }
                if kind == BlockKind::Response {
                    s.responded = true;
                    let field = |name: &[u8]| {
                        fields.iter().find(|(n, _, _)| n.as_slice() == name).map(|(_, v, _)| v.as_slice())
                    };
                    let no_content = s.head || matches!(field(b":status"), Some(b"204" | b"304"));
                    if !no_content {
                        s.content_length[1] = field(b"content-length").and_then(semantics::parse_content_length);
                    }
                }
                s.server_done |= block.end_stream;
                if block.end_stream {
                    body_end(rec, sid, s, dir);
                }
                kind
            }
        }
    }

    /// Start tracking a stream, within the bound.
    pub(super) fn track(&mut self, rec: &mut Record, sid: u32, info: StreamInfo) {
        if self.streams.len() >= MAX_TRACKED_STREAMS && !self.streams.contains_key(&sid) {
            // Forget finished streams first (oldest ids first).
            let finished: Vec<u32> = self
                .streams
                .iter()
                .filter(|(_, s)| s.reset || (s.client_done && s.server_done))
                .map(|(&id, _)| id)
                .take(MAX_TRACKED_STREAMS / 10)
                .collect();
            for id in finished {
                self.streams.remove(&id);
            }
            self.forgot_streams = true;
            if self.streams.len() >= MAX_TRACKED_STREAMS {
                if !self.untracked_flagged {
                    self.untracked_flagged = true;
                    rec.notes.push(format!("more than {MAX_TRACKED_STREAMS} open streams: new streams not tracked"));
                }
                return;
            }
        }
        self.streams.insert(sid, info);
    }

    pub(super) fn on_push_promise(&mut self, dir: Direction, rec: &mut Record, stream_id: u32, promised_id: u32) {
        if dir == Direction::ClientToServer {
            rec.violations.push(violation("§8.4", "PUSH_PROMISE sent by the client", ErrorCode::PROTOCOL_ERROR, true));
            return;
        }
        if !self.side(Direction::ClientToServer).announced.enable_push {
            rec.violations.push(violation(
                "§6.6",
                "PUSH_PROMISE although the client set SETTINGS_ENABLE_PUSH to 0",
                ErrorCode::PROTOCOL_ERROR,
                true,
            ));
        }
        if promised_id % 2 != 0 || promised_id <= self.side(dir).last_stream {
            rec.violations.push(violation(
                "§5.1.1",
                &format!("promised stream id {promised_id} is not a new even id"),
                ErrorCode::PROTOCOL_ERROR,
                true,
            ));
        } else {
            self.side_mut(dir).last_stream = promised_id;
        }
        match self.streams.get(&stream_id) {
            Some(s) if !s.server_done && !s.reset => {}
            _ => rec.violations.push(violation(
                "§6.6",
                &format!("PUSH_PROMISE on stream {stream_id}, which is not open for the server"),
                ErrorCode::PROTOCOL_ERROR,
                true,
            )),
        }
        let info = StreamInfo {
            pushed: true,
            client_done: true,
            windows: [
                i64::from(self.side(Direction::ServerToClient).announced.initial_window_size),
                i64::from(self.side(Direction::ClientToServer).announced.initial_window_size),
            ],
            ..StreamInfo::default()
        };
        self.track(rec, promised_id, info);
    }
}
