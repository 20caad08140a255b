//! Violations: each with the RFC section and error code of the rule it
//! breaks, taken from the engine's own rule types where there is one.

use std::borrow::Cow;

use super::{type_name, BlockKind, Direction, Record, StreamInfo, Violation};
use crate::error::ErrorCode;
use crate::frame::{FrameError, FrameHeader};
use crate::semantics::{self, Malformed};
use crate::stream_rules::{self, Lookup, StreamFrame, Verdict};

/// §8.3.2 response checks; returns the block kind and the first problem.
pub(super) fn check_response(fields: &[(Vec<u8>, Vec<u8>, bool)]) -> (BlockKind, Option<(&'static str, String)>) {
    let mut status: Option<&[u8]> = None;
    let mut problem: Option<(&'static str, String)> = None;
    let mut regular_seen = false;
    for (name, value, _) in fields {
        if name.first() == Some(&b':') {
            if regular_seen && problem.is_none() {
                problem = Some(("§8.3", "pseudo-header after regular field".to_string()));
            }
            if name.as_slice() == b":status" {
                if status.is_some() && problem.is_none() {
                    problem = Some(("§8.3", "duplicate :status".to_string()));
                }
                status = Some(value);
            } else if problem.is_none() {
                problem = Some(("§8.3.2", format!("{} in a response", String::from_utf8_lossy(name))));
            }
        } else {
            regular_seen = true;
        }
    }
    let regular =
        fields.iter().filter(|(n, _, _)| n.first() != Some(&b':')).map(|(n, v, _)| (n.as_slice(), v.as_slice()));
    if let Err(reason) = semantics::check_trailers(regular) {
        if problem.is_none() {
            problem = Some((reason.section(), reason.to_string()));
        }
    }
    let kind = match status {
        None => {
            if problem.is_none() {
                problem = Some(("§8.3.2", "response without :status".to_string()));
            }
            BlockKind::Response
        }
        Some(s) => {
            let valid = s.len() == 3 && s.iter().all(u8::is_ascii_digit);
            if !valid && problem.is_none() {
                problem = Some(("§8.3.2", format!(":status {:?} is not three digits", String::from_utf8_lossy(s))));
            }
            if s.first() == Some(&b'1') {
                if s == b"101" && problem.is_none() {
                    problem = Some(("§8.6", "101 Switching Protocols is not allowed in HTTP/2".to_string()));
                }
                BlockKind::Informational
            } else {
                BlockKind::Response
            }
        }
    };
    (kind, problem)
}

/// The §5.1 rule for a frame on a stream (the same table the engine
/// follows), applied to the record: a violation for an error, a note for a
/// frame the receiver drops. `context` says what the lookup was based on.
/// Returns the verdict, so the caller goes on only with `Accept`.
pub(super) fn stream_rule(
    rec: &mut Record,
    frame: StreamFrame,
    lookup: Lookup,
    sid: u32,
    context: impl FnOnce() -> String,
) -> Verdict {
    let rule = stream_rules::rule(frame, lookup);
    let (code, connection) = match rule.verdict {
        Verdict::Accept => return rule.verdict,
        Verdict::Ignore => {
            // Late RST_STREAM, WINDOW_UPDATE and PRIORITY_UPDATE on closed
            // streams are routine (§5.1 allows them); only dropped content is worth a note.
            if matches!(frame, StreamFrame::Data | StreamFrame::Headers) {
                rec.notes.push(format!(
                    "stream {sid}: {} ({}): ignored by the receiver ({})",
                    rule.reason,
                    context(),
                    section_label(rule.section)
                ));
            }
            return rule.verdict;
        }
        Verdict::StreamError(code) => (code, false),
        Verdict::ConnectionError(code) => (code, true),
    };
    rec.violations.push(Violation {
        section: section_label(rule.section),
        message: format!("stream {sid}: {} ({})", rule.reason, context()),
        code,
        connection,
    });
    rule.verdict
}

/// "5.1" → "§5.1", "RFC 9218 7.1" → "RFC 9218 §7.1": RFC 9113 is the default.
fn section_label(section: &'static str) -> Cow<'static, str> {
    match section.rsplit_once(' ') {
        Some((rfc, number)) => Cow::Owned(format!("{rfc} §{number}")),
        None => Cow::Owned(format!("§{section}")),
    }
}

/// END_STREAM in `dir`: the DATA seen must match a declared content-length (§8.1.1).
pub(super) fn body_end(rec: &mut Record, sid: u32, s: &StreamInfo, dir: Direction) {
    let (Some(Some(cl)), Some(&got)) = (s.content_length.get(dir.idx()), s.body.get(dir.idx())) else { return };
    if got < *cl {
        rec.violations.push(violation(
            "§8.1.1",
            &format!("stream {sid}: {got} bytes of DATA, content-length said {cl}"),
            ErrorCode::PROTOCOL_ERROR,
            false,
        ));
    }
}

pub(super) fn self_dependency(rec: &mut Record, stream_id: u32, dependency: u32) {
    if stream_id == dependency {
        rec.violations.push(violation(
            "§5.3.1",
            &format!("stream {stream_id} depends on itself"),
            ErrorCode::PROTOCOL_ERROR,
            false,
        ));
    }
}

/// A frame-decoder error, with the section of the rule it breaks.
pub(super) fn decoder_violation(h: &FrameHeader, e: FrameError) -> Violation {
    let what = if e.code() == ErrorCode::FRAME_SIZE_ERROR { "frame size error" } else { "malformed frame" };
    let message = format!("{} {what}: {}", type_name(h.kind), e.as_str());
    violation(e.section(), &message, e.code(), !e.is_stream_error())
}

/// A §8 failure from `semantics`, with its section.
pub(super) fn semantic_violation(reason: Malformed, sid: u32) -> Violation {
    violation(reason.section(), &format!("stream {sid}: malformed message: {reason}"), ErrorCode::PROTOCOL_ERROR, false)
}

pub(super) fn violation(section: &'static str, message: &str, code: ErrorCode, connection: bool) -> Violation {
    Violation { section: Cow::Borrowed(section), message: message.to_string(), code, connection }
}

pub(super) fn endpoint(dir: Direction) -> &'static str {
    match dir {
        Direction::ClientToServer => "client",
        Direction::ServerToClient => "server",
    }
}

pub(super) fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
