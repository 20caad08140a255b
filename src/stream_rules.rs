//! RFC 9113 §5.1 as data: what the receiver of a frame does with it, given
//! where the frame's stream is. Role-neutral and pure: the server, the client
//! and the inspector compute a [`Lookup`] once per received frame and ask
//! [`rule`] for the [`Verdict`]; checks of the frame's own content (a zero
//! WINDOW_UPDATE, a self-dependent PRIORITY, header semantics) come after.
//!
//! Everything is from the receiver's point of view: "local" is the endpoint
//! that received the frame, "peer" the one that sent it.
//!
//! | stream is…                     | DATA                | HEADERS              | PRIORITY | RST_STREAM / WINDOW_UPDATE | PRIORITY_UPDATE |
//! |--------------------------------|---------------------|----------------------|----------|----------------------------|-----------------|
//! | idle, the peer may open it     | conn PROTOCOL_ERROR | accept (opens it)    | accept   | conn PROTOCOL_ERROR        | accept          |
//! | unopened, the peer may not     | conn PROTOCOL_ERROR | conn PROTOCOL_ERROR  | accept   | conn PROTOCOL_ERROR        | conn PROTOCOL_ERROR |
//! | open / half-closed (local)     | accept              | accept               | accept   | accept                     | accept          |
//! | half-closed (remote)           | stream STREAM_CLOSED| stream STREAM_CLOSED | accept   | accept                     | accept          |
//! | closed, reset by us            | ignore              | ignore               | accept   | ignore                     | ignore          |
//! | closed, reset by the peer      | stream STREAM_CLOSED| stream STREAM_CLOSED | accept   | ignore                     | ignore          |
//! | closed after END_STREAM        | stream STREAM_CLOSED| conn STREAM_CLOSED   | accept   | ignore                     | ignore          |
//! | closed, cause forgotten        | stream STREAM_CLOSED| ignore               | accept   | ignore                     | ignore          |
//! | closed or skipped, unknown     | stream STREAM_CLOSED| conn PROTOCOL_ERROR  | accept   | ignore                     | ignore          |
//!
//! Why the cells that are not a plain reading of §5.1:
//! - Frames in flight when we reset a stream cannot be withdrawn by the
//!   peer, so they are ignored (§5.1 "closed"); HEADERS are still decoded by
//!   the caller so the HPACK table stays in sync.
//! - Late RST_STREAM and WINDOW_UPDATE on any closed stream are ignored:
//!   §5.1 allows them after END_STREAM, and a peer cannot know whether its
//!   own RST_STREAM or WINDOW_UPDATE crossed ours on the wire.
//! - "Forgotten": the receiver knows it used the stream but its bounded
//!   record of closed streams no longer says how it ended. It may have been
//!   reset by us, where a late HEADERS is legitimate, so HEADERS is ignored.
//! - "Unknown": an id at or below the highest the peer opened that the
//!   receiver does not remember. It may be an id the peer skipped (closed
//!   implicitly, §5.1.1), where HEADERS is a connection error.
//! - PRIORITY is allowed in every state (§5.1, §5.3.2).
//!
//! CONTINUATION is governed by the header-block assembler (§6.10) and
//! PUSH_PROMISE by SETTINGS_ENABLE_PUSH (§8.4), not by the stream state.

use crate::error::ErrorCode;
use crate::frame::kind as frame_type;

/// A frame whose acceptance depends on its stream's state. For
/// PRIORITY_UPDATE the stream is the prioritized one, not stream 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamFrame {
    Data,
    Headers,
    Priority,
    RstStream,
    WindowUpdate,
    PriorityUpdate,
}

impl StreamFrame {
    /// Every kind, in the order of the table's columns.
    pub const ALL: [StreamFrame; 6] = [
        StreamFrame::Data,
        StreamFrame::Headers,
        StreamFrame::Priority,
        StreamFrame::RstStream,
        StreamFrame::WindowUpdate,
        StreamFrame::PriorityUpdate,
    ];

    /// The kind of a frame type byte, if that type is state-checked.
    pub fn from_type(t: u8) -> Option<StreamFrame> {
        match t {
            frame_type::DATA => Some(StreamFrame::Data),
            frame_type::HEADERS => Some(StreamFrame::Headers),
            frame_type::PRIORITY => Some(StreamFrame::Priority),
            frame_type::RST_STREAM => Some(StreamFrame::RstStream),
            frame_type::WINDOW_UPDATE => Some(StreamFrame::WindowUpdate),
            frame_type::PRIORITY_UPDATE => Some(StreamFrame::PriorityUpdate),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            StreamFrame::Data => "DATA",
            StreamFrame::Headers => "HEADERS",
            StreamFrame::Priority => "PRIORITY",
            StreamFrame::RstStream => "RST_STREAM",
            StreamFrame::WindowUpdate => "WINDOW_UPDATE",
            StreamFrame::PriorityUpdate => "PRIORITY_UPDATE",
        }
    }
}

/// How a closed stream ended, as far as the receiver remembers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClosedCause {
    /// Both sides sent END_STREAM.
    Ended,
    /// The receiver sent RST_STREAM.
    ResetLocal,
    /// The peer sent RST_STREAM.
    ResetRemote,
    /// Used by the receiver, but no longer in its record of closed streams.
    Forgotten,
    /// Not remembered, and possibly never used: an id at or below the
    /// highest the peer opened (skipped ids are closed implicitly, §5.1.1).
    Unknown,
}

/// Where a received frame's stream is, from the receiver's point of view.
/// Computed once per frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lookup {
    /// An id the peer may open and has not opened yet.
    Idle,
    /// An id the peer may not open (the receiver's own, not opened yet, or
    /// one the receiver's settings forbid, such as pushes) and the receiver
    /// has not opened.
    Unopened,
    /// Open or half-closed (local): the peer may still send on it.
    Open,
    /// The peer ended its side with END_STREAM.
    HalfClosedRemote,
    Closed(ClosedCause),
}

impl Lookup {
    /// Every lookup, in the order of the table's rows.
    pub const ALL: [Lookup; 9] = [
        Lookup::Idle,
        Lookup::Unopened,
        Lookup::Open,
        Lookup::HalfClosedRemote,
        Lookup::Closed(ClosedCause::ResetLocal),
        Lookup::Closed(ClosedCause::ResetRemote),
        Lookup::Closed(ClosedCause::Ended),
        Lookup::Closed(ClosedCause::Forgotten),
        Lookup::Closed(ClosedCause::Unknown),
    ];
}

/// What the receiver does with the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Process it (content checks still apply).
    Accept,
    /// Drop it without error (a caller may still budget it as work done for nothing).
    Ignore,
    /// RST_STREAM with this code (§5.4.2).
    StreamError(ErrorCode),
    /// GOAWAY with this code, then close (§5.4.1).
    ConnectionError(ErrorCode),
}

/// A verdict with the RFC 9113 section that requires it and a short reason
/// (used as GOAWAY debug data or in the application's error event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub verdict: Verdict,
    pub section: &'static str,
    pub reason: &'static str,
}

const fn r(verdict: Verdict, section: &'static str, reason: &'static str) -> Rule {
    Rule { verdict, section, reason }
}

const ACCEPT: Verdict = Verdict::Accept;
const IGNORE: Verdict = Verdict::Ignore;
const CONN_PROTOCOL: Verdict = Verdict::ConnectionError(ErrorCode::PROTOCOL_ERROR);
const CONN_CLOSED: Verdict = Verdict::ConnectionError(ErrorCode::STREAM_CLOSED);
const STREAM_CLOSED: Verdict = Verdict::StreamError(ErrorCode::STREAM_CLOSED);

/// The §5.1 rule for receiving `frame` on a stream in state `lookup`.
pub const fn rule(frame: StreamFrame, lookup: Lookup) -> Rule {
    use ClosedCause as C;
    use Lookup as L;
    use StreamFrame as F;
    match (frame, lookup) {
        (F::Priority, _) => r(ACCEPT, "5.3.2", "PRIORITY is allowed in every state"),

        (F::Data, L::Idle | L::Unopened) => r(CONN_PROTOCOL, "5.1", "DATA on an idle stream"),
        (F::Data, L::Open) => r(ACCEPT, "6.1", "DATA on an open stream"),
        (F::Data, L::HalfClosedRemote) => r(STREAM_CLOSED, "5.1", "DATA after END_STREAM"),
        (F::Data, L::Closed(C::ResetLocal)) => r(IGNORE, "5.1", "DATA in flight when the stream was reset"),
        (F::Data, L::Closed(C::ResetRemote)) => r(STREAM_CLOSED, "5.1", "DATA after RST_STREAM"),
        (F::Data, L::Closed(_)) => r(STREAM_CLOSED, "6.1", "DATA on a closed stream"),

        (F::Headers, L::Idle) => r(ACCEPT, "5.1", "HEADERS opening a stream"),
        (F::Headers, L::Unopened) => r(CONN_PROTOCOL, "5.1.1", "HEADERS on a stream the peer may not open"),
        (F::Headers, L::Open) => r(ACCEPT, "8.1", "HEADERS on an open stream"),
        (F::Headers, L::HalfClosedRemote) => r(STREAM_CLOSED, "5.1", "HEADERS after END_STREAM"),
        (F::Headers, L::Closed(C::ResetLocal)) => r(IGNORE, "5.1", "HEADERS in flight when the stream was reset"),
        (F::Headers, L::Closed(C::ResetRemote)) => r(STREAM_CLOSED, "5.1", "HEADERS after RST_STREAM"),
        (F::Headers, L::Closed(C::Ended)) => r(CONN_CLOSED, "5.1", "HEADERS on a closed stream"),
        (F::Headers, L::Closed(C::Forgotten)) => r(IGNORE, "5.1", "HEADERS on a stream closed long ago"),
        (F::Headers, L::Closed(C::Unknown)) => r(CONN_PROTOCOL, "5.1.1", "stream id not above the last one"),

        (F::RstStream, L::Idle | L::Unopened) => r(CONN_PROTOCOL, "6.4", "RST_STREAM on an idle stream"),
        (F::RstStream, L::Open | L::HalfClosedRemote) => r(ACCEPT, "6.4", "RST_STREAM on a live stream"),
        (F::RstStream, L::Closed(_)) => r(IGNORE, "5.1", "RST_STREAM on a closed stream"),

        (F::WindowUpdate, L::Idle | L::Unopened) => r(CONN_PROTOCOL, "6.9", "WINDOW_UPDATE on an idle stream"),
        (F::WindowUpdate, L::Open | L::HalfClosedRemote) => r(ACCEPT, "6.9", "WINDOW_UPDATE on a live stream"),
        (F::WindowUpdate, L::Closed(_)) => r(IGNORE, "5.1", "WINDOW_UPDATE on a closed stream"),

        (F::PriorityUpdate, L::Idle) => r(ACCEPT, "RFC 9218 7.1", "PRIORITY_UPDATE for an idle stream"),
        (F::PriorityUpdate, L::Unopened) => {
            r(CONN_PROTOCOL, "RFC 9218 7.1", "PRIORITY_UPDATE for a stream the peer may not open")
        }
        (F::PriorityUpdate, L::Open | L::HalfClosedRemote) => {
            r(ACCEPT, "RFC 9218 7.1", "PRIORITY_UPDATE for a live stream")
        }
        (F::PriorityUpdate, L::Closed(_)) => r(IGNORE, "RFC 9218 7.1", "PRIORITY_UPDATE for a closed stream"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table of the module doc, row by row (columns in `StreamFrame::ALL`
    /// order): `a` accept, `i` ignore, `sC` stream STREAM_CLOSED, `cP` / `cC`
    /// connection PROTOCOL_ERROR / STREAM_CLOSED.
    const EXPECTED: [(Lookup, [&str; 6]); 9] = [
        (Lookup::Idle, ["cP", "a", "a", "cP", "cP", "a"]),
        (Lookup::Unopened, ["cP", "cP", "a", "cP", "cP", "cP"]),
        (Lookup::Open, ["a", "a", "a", "a", "a", "a"]),
        (Lookup::HalfClosedRemote, ["sC", "sC", "a", "a", "a", "a"]),
        (Lookup::Closed(ClosedCause::ResetLocal), ["i", "i", "a", "i", "i", "i"]),
        (Lookup::Closed(ClosedCause::ResetRemote), ["sC", "sC", "a", "i", "i", "i"]),
        (Lookup::Closed(ClosedCause::Ended), ["sC", "cC", "a", "i", "i", "i"]),
        (Lookup::Closed(ClosedCause::Forgotten), ["sC", "i", "a", "i", "i", "i"]),
        (Lookup::Closed(ClosedCause::Unknown), ["sC", "cP", "a", "i", "i", "i"]),
    ];

    fn short(v: Verdict) -> &'static str {
        match v {
            Verdict::Accept => "a",
            Verdict::Ignore => "i",
            Verdict::StreamError(ErrorCode::STREAM_CLOSED) => "sC",
            Verdict::ConnectionError(ErrorCode::PROTOCOL_ERROR) => "cP",
            Verdict::ConnectionError(ErrorCode::STREAM_CLOSED) => "cC",
            _ => "?",
        }
    }

    #[test]
    fn rule_matches_the_documented_table() {
        assert_eq!(EXPECTED.map(|e| e.0), Lookup::ALL);
        for (lookup, row) in EXPECTED {
            for (frame, want) in StreamFrame::ALL.into_iter().zip(row) {
                assert_eq!(short(rule(frame, lookup).verdict), want, "{} on {lookup:?}", frame.name());
            }
        }
    }

    #[test]
    fn only_headers_opens_an_idle_stream_besides_priority_signals() {
        for f in StreamFrame::ALL {
            let v = rule(f, Lookup::Idle).verdict;
            let allowed = matches!(f, StreamFrame::Headers | StreamFrame::Priority | StreamFrame::PriorityUpdate);
            assert_eq!(v == Verdict::Accept, allowed, "{}", f.name());
        }
    }

    #[test]
    fn frames_in_flight_after_our_reset_are_never_errors() {
        for f in StreamFrame::ALL {
            let v = rule(f, Lookup::Closed(ClosedCause::ResetLocal)).verdict;
            assert!(matches!(v, Verdict::Accept | Verdict::Ignore), "{}", f.name());
        }
    }

    #[test]
    fn every_rule_cites_a_section_and_a_reason() {
        for l in Lookup::ALL {
            for f in StreamFrame::ALL {
                let r = rule(f, l);
                assert!(!r.section.is_empty() && !r.reason.is_empty());
            }
        }
    }

    #[test]
    fn frame_types_map_to_kinds() {
        assert_eq!(StreamFrame::from_type(frame_type::DATA), Some(StreamFrame::Data));
        assert_eq!(StreamFrame::from_type(frame_type::PRIORITY_UPDATE), Some(StreamFrame::PriorityUpdate));
        assert_eq!(StreamFrame::from_type(frame_type::SETTINGS), None);
        assert_eq!(StreamFrame::from_type(frame_type::CONTINUATION), None);
    }
}
