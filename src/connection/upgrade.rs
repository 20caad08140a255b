//! h2c Upgrade (RFC 7540 §3.2): an HTTP/1.1 request with `Upgrade: h2c` and
//! `HTTP2-Settings` becomes stream 1 of a new connection.
//!
//! The HTTP/1.1 side (parsing the request, the 101 response, base64url of the
//! header) belongs to the caller; the engine only gets the decoded SETTINGS
//! payload and the request as HTTP/2 fields (pseudo-headers first). The
//! client still sends the connection preface (magic + SETTINGS) after the 101,
//! so the connection stays in its preface state; stream 1 is opened
//! half-closed (remote) because the upgraded request carried its whole body.

use core::fmt;

use crate::error::ProtoError;
use crate::frame;
use crate::proto::role::Role;
use crate::semantics;

use super::{Connection, Event, State};

/// The stream an upgraded request becomes (RFC 7540 §3.2).
pub const UPGRADE_STREAM_ID: u32 = 1;

/// Why [`Connection::upgrade`] refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpgradeError {
    /// Only a fresh connection (no bytes received, no stream) can be upgraded.
    NotFresh,
    /// The HTTP2-Settings payload is not a SETTINGS payload (length not a
    /// multiple of 6) or carries a value out of range.
    BadSettings(&'static str),
    /// The request fails the §8 checks that an HTTP/2 request would.
    BadRequest(&'static str),
}

impl fmt::Display for UpgradeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpgradeError::NotFresh => f.write_str("h2c upgrade: connection already started"),
            UpgradeError::BadSettings(r) => write!(f, "h2c upgrade: bad HTTP2-Settings: {r}"),
            UpgradeError::BadRequest(r) => write!(f, "h2c upgrade: bad request: {r}"),
        }
    }
}

impl Connection {
    /// Start this (fresh) connection from an h2c Upgrade: apply the client's
    /// `HTTP2-Settings` (already base64url-decoded; the 101 acknowledges them,
    /// no SETTINGS ACK is sent) and open stream 1, half-closed (remote), with
    /// `request` (pseudo-headers first, lowercase names). Queues
    /// `Event::Request { stream_id: 1, end_stream: true }`; the response is
    /// sent with the usual commands, after our SETTINGS. On error nothing changed.
    pub fn upgrade(&mut self, settings_payload: &[u8], request: &[(&[u8], &[u8])]) -> Result<(), UpgradeError> {
        let c = &mut self.core;
        if c.state != (State::Preface { matched: 0 }) || c.streams.last_peer_id != 0 || !c.streams.is_empty() {
            return Err(UpgradeError::NotFresh);
        }
        if settings_payload.len() % 6 != 0 {
            return Err(UpgradeError::BadSettings("length not a multiple of 6"));
        }
        let head =
            semantics::check_request(request.iter().copied()).map_err(|m| UpgradeError::BadRequest(m.as_str()))?;
        if head.content_length.is_some_and(|n| n != 0) {
            return Err(UpgradeError::BadRequest("an upgraded request must not carry a body"));
        }
        // Validate every value before applying any, so a refusal changes nothing.
        let mut peer = c.settings.peer;
        for (ident, value) in frame::settings_iter(settings_payload) {
            if let Err(e) = peer.apply(ident, value) {
                return Err(UpgradeError::BadSettings(match e {
                    ProtoError::Connection { reason, .. } | ProtoError::Stream { reason, .. } => reason,
                }));
            }
        }
        if peer.header_table_size != c.settings.peer.header_table_size {
            c.encoder.set_max_table_size(usize::try_from(peer.header_table_size).unwrap_or(usize::MAX));
        }
        c.settings.peer = peer;
        let first = c.arena.len();
        for (name, value) in request {
            if !c.arena.push(name, value) {
                return Err(UpgradeError::BadRequest("request too large"));
            }
        }
        let last = c.arena.len();
        let id = UPGRADE_STREAM_ID;
        let mut s = c.settings.new_stream(id);
        s.content_length = head.content_length;
        s.recv_closed = true;
        s.priority = head.priority.unwrap_or_default();
        c.streams.insert(id, s);
        c.streams.last_peer_id = id;
        c.emit(Event::Request { stream_id: id, fields: first..last, end_stream: true });
        Ok(())
    }
}
