//! The HTTP/1.1 heads of an h2c upgrade (RFC 7540 §3.2) before HTTP/2 starts.

use super::verdicts::violation;
use super::{BlockKind, Detail, Direction, HeaderBlock, Inspector, Record, StreamInfo, MAX_HTTP1_HEAD};
use crate::error::ErrorCode;
use crate::semantics;
use crate::settings;

impl Inspector {
    /// Take bytes of an HTTP/1.1 head; returns how many of `rest` were used.
    /// At CRLFCRLF the head is judged: an h2c upgrade request makes stream 1
    /// and the preface must follow; a 101 response lets frames follow; anything
    /// else is not HTTP/2 and the direction stops.
    pub(super) fn http1_bytes(&mut self, dir: Direction, time: f64, rest: &[u8], out: &mut Vec<Record>) -> usize {
        let side = self.side_mut(dir);
        let Some(buf) = side.http1.as_mut() else { return rest.len() };
        let before = buf.len();
        let room = MAX_HTTP1_HEAD.saturating_sub(before);
        buf.extend_from_slice(rest.get(..room.min(rest.len())).unwrap_or_default());
        let end = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i.saturating_add(4));
        let Some(end) = end else {
            if buf.len() >= MAX_HTTP1_HEAD {
                side.http1 = None;
                side.dead = true;
                let offset = side.offset;
                let mut rec = self.blank(dir, time, offset, None, 0, 0, 0);
                rec.detail = Detail::Malformed;
                rec.violations.push(violation(
                    "§3.4",
                    "HTTP/1.1 head over 64 KiB: not HTTP/2",
                    ErrorCode::PROTOCOL_ERROR,
                    true,
                ));
                out.push(rec);
            }
            return rest.len().min(room);
        };
        let used = end.saturating_sub(before).min(rest.len());
        let head: Vec<u8> = buf.get(..end).unwrap_or_default().to_vec();
        side.http1 = None;
        let offset = side.offset;
        side.offset = side.offset.saturating_add(end as u64);
        let mut lines = head.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let start_line = lines.next().unwrap_or_default().to_vec();
        let fields: Vec<(Vec<u8>, Vec<u8>, bool)> = lines
            .filter(|l| !l.is_empty())
            .filter_map(|l| {
                let colon = l.iter().position(|&b| b == b':')?;
                let (n, v) = (l.get(..colon)?, l.get(colon.saturating_add(1)..)?);
                Some((n.to_ascii_lowercase(), v.trim_ascii().to_vec(), false))
            })
            .collect();
        let get = |name: &[u8]| fields.iter().find(|(n, _, _)| n.as_slice() == name).map(|(_, v, _)| v.clone());
        let mut rec = self.blank(dir, time, offset, None, 0, 1, u32::try_from(end).unwrap_or(u32::MAX));
        rec.detail = Detail::Http1 { start_line: start_line.clone() };
        let is_http1 = |line: &[u8]| line.windows(7).any(|w| w == b"HTTP/1.");
        match dir {
            Direction::ClientToServer => {
                let upgrade = get(b"upgrade").is_some_and(|v| v.to_ascii_lowercase().windows(3).any(|w| w == b"h2c"));
                if !is_http1(&start_line) || !upgrade {
                    self.side_mut(dir).dead = true;
                    rec.violations.push(violation(
                        "§3.4",
                        "HTTP/1.1 request without an h2c upgrade: not HTTP/2; rest of this direction not decoded",
                        ErrorCode::PROTOCOL_ERROR,
                        true,
                    ));
                } else {
                    rec.notes.push("h2c upgrade (RFC 7540 §3.2, deprecated by RFC 9113 §3.1): this request is stream 1; the client preface follows".to_string());
                    if get(b"http2-settings").is_none() {
                        rec.notes.push("no HTTP2-Settings header (RFC 7540 §3.2.1 requires exactly one)".to_string());
                    }
                    let skip = get(b"content-length").and_then(|v| semantics::parse_content_length(&v)).unwrap_or(0);
                    let side = self.side_mut(dir);
                    side.skip = skip;
                    side.preface_pos = 0;
                    side.last_stream = 1;
                    let windows = [i64::from(settings::DEFAULT_WINDOW_SIZE); 2];
                    self.track(&mut rec, 1, StreamInfo { client_done: true, windows, ..StreamInfo::default() });
                }
                rec.headers =
                    Some(HeaderBlock { stream_id: 1, kind: BlockKind::Request, encoded_len: end, frames: 0, fields });
            }
            Direction::ServerToClient => {
                let switched = start_line.split(|&b| b == b' ').nth(1) == Some(b"101".as_slice());
                if switched {
                    rec.notes.push("101 Switching Protocols: HTTP/2 frames follow; the response to the upgrade request comes on stream 1".to_string());
                } else {
                    self.side_mut(dir).dead = true;
                    rec.notes.push(
                        "the server answered in HTTP/1.1 (no upgrade): rest of this direction not decoded".to_string(),
                    );
                }
                rec.headers =
                    Some(HeaderBlock { stream_id: 1, kind: BlockKind::Response, encoded_len: end, frames: 0, fields });
            }
        }
        rec.state = self.streams.get(&1).map(StreamInfo::state);
        rec.windows = self.windows(1);
        out.push(rec);
        used
    }
}
