//! Bytes to frames: the preface, 9-byte headers, payloads (DATA streamed
//! through its own decoder), end of capture, and the per-frame dispatch.

use super::verdicts::{decoder_violation, endpoint, len32, self_dependency, stream_rule, violation};
use super::{type_name, Detail, Direction, Inspector, Prio, Record, DATA_PREVIEW, PREFACE};
use crate::error::ErrorCode;
use crate::frame::FRAME_HEADER_LEN;
use crate::frame::{
    check_header, data_padding, flags, kind, parse_payload, Frame, FrameDecoder, FrameError, FrameHeader, Item,
};
use crate::settings;
use crate::stream_rules::{StreamFrame, Verdict};

/// The frame being received.
pub(super) struct Current {
    pub(super) header: FrameHeader,
    pub(super) offset: u64,
    /// Payload bytes still to come.
    pub(super) remaining: u32,
    /// Whole frame (non-DATA).
    pub(super) buf: Vec<u8>,
    /// DATA: streamed through its own decoder.
    pub(super) data: Option<DataProgress>,
}

pub(super) struct DataProgress {
    pub(super) header: FrameHeader,
    /// Payload bytes fed so far (the pad length is the first, when PADDED).
    pub(super) fed: u32,
    pub(super) decoder: FrameDecoder,
    pub(super) payload: u32,
    pub(super) preview: Vec<u8>,
    pub(super) end_stream: bool,
    pub(super) error: Option<FrameError>,
}

/// A frame that just completed, before it is judged.
pub(super) struct Done<'a> {
    pub(super) header: FrameHeader,
    pub(super) offset: u64,
    pub(super) bytes: &'a [u8],
}

impl Inspector {
    /// Feed one chunk of one direction; complete frames are appended to `out`.
    pub fn feed(&mut self, dir: Direction, time: f64, input: &[u8], out: &mut Vec<Record>) {
        let mut pos = 0usize;
        while pos < input.len() {
            let side = self.side(dir);
            if side.dead {
                return;
            }
            let rest = input.get(pos..).unwrap_or_default();
            // 0. An HTTP/1.1 head (h2c upgrade), or the request body after it.
            if side.http1.is_some() {
                pos = pos.saturating_add(self.http1_bytes(dir, time, rest, out));
                continue;
            }
            if side.skip > 0 {
                let n = usize::try_from(side.skip).unwrap_or(usize::MAX).min(rest.len());
                let side = self.side_mut(dir);
                side.skip = side.skip.saturating_sub(n as u64);
                side.offset = side.offset.saturating_add(n as u64);
                pos = pos.saturating_add(n);
                continue;
            }
            // 1. Preface.
            if side.preface_pos < PREFACE.len() {
                let want = PREFACE.get(side.preface_pos..).unwrap_or_default();
                let n = want.len().min(rest.len());
                let ok = rest.get(..n) == want.get(..n);
                // "GET / HTTP/1.1…": maybe an h2c upgrade (RFC 7540 §3.2).
                let matched = PREFACE.get(..side.preface_pos).unwrap_or_default();
                let first = matched.first().or(rest.first()).copied().unwrap_or(0);
                if !ok
                    && dir == Direction::ClientToServer
                    && side.offset == side.preface_pos as u64
                    && first.is_ascii_uppercase()
                    && side.frames_seen == 0
                {
                    let side = self.side_mut(dir);
                    side.http1 = Some(matched.to_vec());
                    side.offset = 0;
                    side.preface_pos = 0;
                    continue;
                }
                if !ok {
                    let side = self.side_mut(dir);
                    side.dead = true;
                    let offset = side.offset;
                    let mut rec = self.blank(dir, time, offset, None, 0, 0, PREFACE.len() as u32);
                    rec.detail = Detail::Malformed;
                    let why = if first == 0x16 {
                        "invalid connection preface (TLS handshake? only cleartext HTTP/2 can be decoded); rest of this direction not decoded"
                    } else {
                        "invalid connection preface (not HTTP/2 prior knowledge?); rest of this direction not decoded"
                    };
                    rec.violations.push(violation("§3.4", why, ErrorCode::PROTOCOL_ERROR, true));
                    out.push(rec);
                    return;
                }
                pos = pos.saturating_add(n);
                let side = self.side_mut(dir);
                side.preface_pos = side.preface_pos.saturating_add(n);
                side.offset = side.offset.saturating_add(n as u64);
                if side.preface_pos == PREFACE.len() {
                    let mut rec = self.blank(dir, time, 0, None, 0, 0, PREFACE.len() as u32);
                    rec.detail = Detail::Preface;
                    out.push(rec);
                }
                continue;
            }
            // 2. Frame header.
            if side.current.is_none() {
                let need = FRAME_HEADER_LEN.saturating_sub(side.hdr_len);
                let n = need.min(rest.len());
                let side = self.side_mut(dir);
                let (lo, hi) = (side.hdr_len, side.hdr_len.saturating_add(n));
                if let (Some(dst), Some(src)) = (side.hdr.get_mut(lo..hi), rest.get(..n)) {
                    dst.copy_from_slice(src);
                }
                side.hdr_len = hi;
                pos = pos.saturating_add(n);
                if side.hdr_len < FRAME_HEADER_LEN {
                    continue;
                }
                side.hdr_len = 0;
                if side.offset == 0 && side.frames_seen == 0 && side.hdr.starts_with(b"HTTP/1.") {
                    // A 101 (or any HTTP/1.1) response before HTTP/2: read its head.
                    side.http1 = Some(side.hdr.to_vec());
                    continue;
                }
                let header = FrameHeader::parse(&side.hdr);
                let offset = side.offset;
                side.offset = side.offset.saturating_add(FRAME_HEADER_LEN as u64);
                let mut cur = Current { header, offset, remaining: header.length, buf: Vec::new(), data: None };
                if header.kind == kind::DATA {
                    let mut progress = DataProgress {
                        header,
                        fed: 0,
                        decoder: frame_decoder_for(&header),
                        payload: 0,
                        preview: Vec::new(),
                        end_stream: false,
                        error: check_header(&header, settings::MAX_MAX_FRAME_SIZE).err(),
                    };
                    let hdr = side.hdr;
                    decoder_feed(&mut progress, &hdr);
                    cur.data = Some(progress);
                } else {
                    cur.buf.reserve(FRAME_HEADER_LEN.saturating_add(header.length.min(1 << 16) as usize));
                    cur.buf.extend_from_slice(&side.hdr);
                }
                side.current = Some(cur);
            }
            // 3. Payload.
            let side = self.side_mut(dir);
            let Some(cur) = side.current.as_mut() else { continue };
            let rest = input.get(pos..).unwrap_or_default();
            let n = usize::try_from(cur.remaining).unwrap_or(usize::MAX).min(rest.len());
            let chunk = rest.get(..n).unwrap_or_default();
            match cur.data.as_mut() {
                Some(progress) => data_feed(progress, chunk),
                None => cur.buf.extend_from_slice(chunk),
            }
            cur.remaining = cur.remaining.saturating_sub(u32::try_from(n).unwrap_or(u32::MAX));
            pos = pos.saturating_add(n);
            side.offset = side.offset.saturating_add(n as u64);
            if cur.remaining == 0 {
                if let Some(cur) = side.current.take() {
                    let rec = self.complete(dir, time, cur);
                    out.push(rec);
                }
            }
        }
    }

    /// End of capture: report frames left incomplete.
    pub fn finish(&mut self, time: f64, out: &mut Vec<Record>) {
        for dir in [Direction::ClientToServer, Direction::ServerToClient] {
            let side = self.side_mut(dir);
            let partial_header = side.hdr_len;
            side.hdr_len = 0;
            let preface_partial = side.preface_pos > 0 && side.preface_pos < PREFACE.len();
            if let Some(cur) = side.current.take() {
                let h = cur.header;
                let mut rec = self.blank(dir, time, cur.offset, Some(h.kind), h.flags, h.stream_id, h.length);
                rec.detail = Detail::Malformed;
                rec.notes.push(format!("capture ends {} bytes before the end of this frame", cur.remaining));
                out.push(rec);
            } else if partial_header > 0 || preface_partial {
                let offset = self.side(dir).offset;
                let mut rec = self.blank(dir, time, offset, None, 0, 0, 0);
                rec.detail = Detail::Malformed;
                rec.notes.push("capture ends inside a frame header or the preface".to_string());
                out.push(rec);
            }
        }
    }

    /// A whole frame arrived: decode and judge it.
    pub(super) fn complete(&mut self, dir: Direction, time: f64, cur: Current) -> Record {
        let h = cur.header;
        let mut rec = Record {
            index: self.next_index,
            time,
            dir,
            offset: cur.offset,
            kind: Some(h.kind),
            flags: h.flags,
            stream_id: h.stream_id,
            length: h.length,
            detail: Detail::Malformed,
            headers: None,
            table: None,
            state: None,
            windows: self.windows(0),
            violations: Vec::new(),
            notes: Vec::new(),
        };
        self.next_index = self.next_index.saturating_add(1);

        // §4.2: the receiver's SETTINGS_MAX_FRAME_SIZE.
        let limit = self.side(dir.other()).max_frame_size;
        if h.length > limit {
            rec.violations.push(violation(
                "§4.2",
                &format!("{}-byte frame exceeds the receiver's SETTINGS_MAX_FRAME_SIZE ({limit})", h.length),
                ErrorCode::FRAME_SIZE_ERROR,
                true,
            ));
        }
        // §3.4: the first frame each side sends is SETTINGS.
        let first = self.side(dir).frames_seen == 0;
        let side = self.side_mut(dir);
        side.frames_seen = side.frames_seen.saturating_add(1);
        if first && h.kind != kind::SETTINGS && !self.mid_connection {
            rec.violations.push(violation(
                "§3.4",
                &format!("first frame from the {} is {}, not SETTINGS", endpoint(dir), type_name(h.kind)),
                ErrorCode::PROTOCOL_ERROR,
                true,
            ));
        }
        // §6.10: nothing may interleave a header block.
        if h.kind != kind::CONTINUATION {
            if let Some(block) = self.side_mut(dir).block.take() {
                rec.violations.push(violation(
                    "§6.10",
                    &format!(
                        "{} while the header block of stream {} awaits CONTINUATION",
                        type_name(h.kind),
                        block.stream_id
                    ),
                    ErrorCode::PROTOCOL_ERROR,
                    true,
                ));
            }
        }

        self.adopt_if_older_than_capture(dir, &mut rec);
        if let Some(progress) = cur.data {
            self.on_data(dir, &mut rec, progress);
        } else {
            let done = Done { header: h, offset: cur.offset, bytes: &cur.buf };
            self.on_frame(dir, &mut rec, done);
        }
        if h.stream_id != 0 {
            if let Some(s) = self.streams.get(&h.stream_id) {
                rec.state = Some(s.state());
            }
        }
        rec.windows = self.windows(h.stream_id);
        rec
    }

    pub(super) fn on_frame(&mut self, dir: Direction, rec: &mut Record, done: Done<'_>) {
        let h = done.header;
        let _ = done.offset;
        // The receiver's size limit was judged apart (§4.2): here the frame
        // meets the rules of its type, checked by the engine's own functions.
        let payload = done.bytes.get(FRAME_HEADER_LEN..).unwrap_or_default();
        let frame = match check_header(&h, settings::MAX_MAX_FRAME_SIZE).and_then(|()| parse_payload(&h, payload)) {
            Ok(f) => f,
            Err(e) => {
                rec.violations.push(decoder_violation(&h, e));
                return;
            }
        };
        match frame {
            Frame::Headers { stream_id, end_stream, end_headers, priority, fragment } => {
                let prio =
                    priority.map(|p| Prio { exclusive: p.exclusive, dependency: p.dependency, weight: p.weight });
                rec.detail =
                    Detail::Headers { end_stream, end_headers, priority: prio, fragment_len: len32(fragment.len()) };
                if let Some(p) = prio {
                    self_dependency(rec, stream_id, p.dependency);
                }
                self.start_block(dir, rec, stream_id, None, end_stream, end_headers, fragment);
            }
            Frame::Priority { stream_id, spec } => {
                let p = Prio { exclusive: spec.exclusive, dependency: spec.dependency, weight: spec.weight };
                rec.detail = Detail::Priority(p);
                let lookup = self.stream_lookup(dir, stream_id);
                let context = || self.lookup_context(dir, stream_id, lookup);
                if stream_rule(rec, StreamFrame::Priority, lookup, stream_id, context) == Verdict::Accept {
                    self_dependency(rec, stream_id, p.dependency);
                }
            }
            Frame::RstStream { stream_id, code } => {
                rec.detail = Detail::RstStream { code };
                let lookup = self.stream_lookup(dir, stream_id);
                let context = || self.lookup_context(dir, stream_id, lookup);
                if stream_rule(rec, StreamFrame::RstStream, lookup, stream_id, context) == Verdict::Accept {
                    if let Some(s) = self.streams.get_mut(&stream_id) {
                        s.reset = true;
                        s.reset_by.get_or_insert(dir);
                    }
                }
            }
            Frame::Settings { ack, params } => {
                let list: Vec<(u16, u32)> = crate::frame::settings_iter(params).collect();
                rec.detail = Detail::Settings { ack, params: list.clone() };
                if ack {
                    self.on_settings_ack(dir, rec);
                } else {
                    self.on_settings(dir, rec, &list);
                }
            }
            Frame::PushPromise { stream_id, promised_id, end_headers, fragment } => {
                rec.detail = Detail::PushPromise { promised_id, end_headers, fragment_len: len32(fragment.len()) };
                self.on_push_promise(dir, rec, stream_id, promised_id);
                self.start_block(dir, rec, stream_id, Some(promised_id), false, end_headers, fragment);
            }
            Frame::Ping { ack, data } => {
                rec.detail = Detail::Ping { ack, data };
            }
            Frame::GoAway { last_stream_id, code, debug } => {
                rec.detail = Detail::GoAway { last_stream_id, code, debug: debug.to_vec() };
                let side = self.side_mut(dir);
                if let Some(prev) = side.goaway {
                    if last_stream_id > prev {
                        rec.violations.push(violation(
                            "§6.8",
                            &format!("GOAWAY last-stream-id raised from {prev} to {last_stream_id}"),
                            ErrorCode::PROTOCOL_ERROR,
                            true,
                        ));
                    }
                }
                side.goaway = Some(last_stream_id);
            }
            Frame::WindowUpdate { stream_id, increment } => {
                rec.detail = Detail::WindowUpdate { increment };
                self.on_window_update(dir, rec, stream_id, increment);
            }
            Frame::Continuation { stream_id, end_headers, fragment } => {
                rec.detail = Detail::Continuation { end_headers, fragment_len: len32(fragment.len()) };
                self.on_continuation(dir, rec, stream_id, end_headers, fragment);
            }
            Frame::PriorityUpdate { prioritized_id, field_value } => {
                rec.detail = Detail::PriorityUpdate { prioritized_id, field_value: field_value.to_vec() };
                if dir == Direction::ServerToClient {
                    rec.violations.push(violation(
                        "RFC 9218 §7.1",
                        "PRIORITY_UPDATE sent by the server",
                        ErrorCode::PROTOCOL_ERROR,
                        true,
                    ));
                } else if !self.mid_connection || self.streams.contains_key(&prioritized_id) {
                    // Joined mid-connection, an unknown stream's past is unknown too.
                    let lookup = self.stream_lookup(dir, prioritized_id);
                    let context = || self.lookup_context(dir, prioritized_id, lookup);
                    stream_rule(rec, StreamFrame::PriorityUpdate, lookup, prioritized_id, context);
                }
            }
            Frame::Unknown { .. } => {
                rec.detail = Detail::Unknown;
                rec.notes.push("unknown frame type: ignored by the receiver (§5.5)".to_string());
            }
        }
    }
}

/// A decoder that accepts exactly this frame's size: the receiver's limit is
/// checked separately (§4.2), and sizing it to the frame keeps any buffer the
/// decoder reserves no larger than the frame itself.
pub(super) fn frame_decoder_for(h: &FrameHeader) -> FrameDecoder {
    FrameDecoder::new(h.length.clamp(settings::MIN_MAX_FRAME_SIZE, settings::MAX_MAX_FRAME_SIZE))
}

/// Feed DATA payload bytes, collecting lengths and a preview. The pad
/// length is checked as it arrives, by the function the decoder uses, for
/// the typed reason (the header was checked when it was read).
pub(super) fn data_feed(p: &mut DataProgress, input: &[u8]) {
    if p.error.is_none() && p.fed == 0 && p.header.has(flags::PADDED) {
        if let Some(&pad) = input.first() {
            p.error = data_padding(&p.header, pad).err();
        }
    }
    p.fed = p.fed.saturating_add(u32::try_from(input.len()).unwrap_or(u32::MAX));
    decoder_feed(p, input);
}

/// Feed DATA frame bytes (header, then payload) through its decoder.
pub(super) fn decoder_feed(p: &mut DataProgress, input: &[u8]) {
    if p.error.is_some() {
        return;
    }
    let mut pos = 0usize;
    loop {
        match p.decoder.decode(input, &mut pos) {
            Ok(Some(Item::DataPayload { start, end, .. })) => {
                let n = end.saturating_sub(start);
                p.payload = p.payload.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
                let room = DATA_PREVIEW.saturating_sub(p.preview.len());
                if room > 0 {
                    let take = end.min(start.saturating_add(room));
                    if let Some(bytes) = input.get(start..take) {
                        p.preview.extend_from_slice(bytes);
                    }
                }
            }
            Ok(Some(Item::DataEnd { end_stream, .. })) => p.end_stream = end_stream,
            Ok(Some(_)) => {}
            Ok(None) => return,
            Err(_) => {
                // Unreachable: the header and the pad length, the decoder's
                // only reasons to refuse DATA, passed the same checks first.
                p.error = Some(FrameError::Padding(kind::DATA));
                return;
            }
        }
    }
}
