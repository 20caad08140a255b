//! SETTINGS parameters (RFC 9113 §6.5, RFC 8441, RFC 9218 §2.1): our local
//! values, the peer's values, and the range check for every known parameter.
//!
//! Unknown identifiers are ignored (§6.5.2: "An endpoint that receives a
//! SETTINGS frame with any unknown or unsupported identifier MUST ignore
//! that setting").

use crate::error::{ErrorCode, ProtoError};

/// Setting identifiers.
pub mod id {
    pub const HEADER_TABLE_SIZE: u16 = 0x1;
    pub const ENABLE_PUSH: u16 = 0x2;
    pub const MAX_CONCURRENT_STREAMS: u16 = 0x3;
    pub const INITIAL_WINDOW_SIZE: u16 = 0x4;
    pub const MAX_FRAME_SIZE: u16 = 0x5;
    pub const MAX_HEADER_LIST_SIZE: u16 = 0x6;
    /// RFC 8441 (extended CONNECT).
    pub const ENABLE_CONNECT_PROTOCOL: u16 = 0x8;
    /// RFC 9218 §2.1.
    pub const NO_RFC7540_PRIORITIES: u16 = 0x9;

    /// The RFC name of a setting, or `None` for an identifier this crate does not know.
    pub fn name(id: u16) -> Option<&'static str> {
        Some(match id {
            HEADER_TABLE_SIZE => "HEADER_TABLE_SIZE",
            ENABLE_PUSH => "ENABLE_PUSH",
            MAX_CONCURRENT_STREAMS => "MAX_CONCURRENT_STREAMS",
            INITIAL_WINDOW_SIZE => "INITIAL_WINDOW_SIZE",
            MAX_FRAME_SIZE => "MAX_FRAME_SIZE",
            MAX_HEADER_LIST_SIZE => "MAX_HEADER_LIST_SIZE",
            ENABLE_CONNECT_PROTOCOL => "ENABLE_CONNECT_PROTOCOL",
            NO_RFC7540_PRIORITIES => "NO_RFC7540_PRIORITIES",
            _ => return None,
        })
    }
}

/// Largest legal flow-control window and INITIAL_WINDOW_SIZE (2^31-1).
pub const MAX_WINDOW_SIZE: u32 = 0x7fff_ffff;
/// The protocol default for windows and INITIAL_WINDOW_SIZE.
pub const DEFAULT_WINDOW_SIZE: u32 = 65_535;
/// Smallest legal SETTINGS_MAX_FRAME_SIZE (2^14).
pub const MIN_MAX_FRAME_SIZE: u32 = 16_384;
/// Largest legal SETTINGS_MAX_FRAME_SIZE (2^24-1).
pub const MAX_MAX_FRAME_SIZE: u32 = 16_777_215;
/// HPACK dynamic table size both sides assume before any SETTINGS.
pub const DEFAULT_HEADER_TABLE_SIZE: u32 = 4_096;

/// The settings we advertise. Defaults are Twisted's (h2's defaults), see
/// docs/SECURITY.md. ENABLE_PUSH is always 0: this is a server and servers
/// never receive pushes; we also never push.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalSettings {
    pub header_table_size: u32,
    pub max_concurrent_streams: u32,
    pub initial_window_size: u32,
    pub max_frame_size: u32,
    pub max_header_list_size: u32,
}

impl Default for LocalSettings {
    fn default() -> Self {
        LocalSettings {
            header_table_size: DEFAULT_HEADER_TABLE_SIZE,
            max_concurrent_streams: 100,
            initial_window_size: DEFAULT_WINDOW_SIZE,
            max_frame_size: MIN_MAX_FRAME_SIZE,
            max_header_list_size: 65_536,
        }
    }
}

impl LocalSettings {
    /// The parameters of our initial SETTINGS frame, in Twisted's order.
    pub fn params(&self) -> [(u16, u32); 7] {
        [
            (id::HEADER_TABLE_SIZE, self.header_table_size),
            (id::ENABLE_PUSH, 0),
            (id::INITIAL_WINDOW_SIZE, self.initial_window_size),
            (id::MAX_FRAME_SIZE, self.max_frame_size),
            (id::ENABLE_CONNECT_PROTOCOL, 0),
            (id::MAX_CONCURRENT_STREAMS, self.max_concurrent_streams),
            (id::MAX_HEADER_LIST_SIZE, self.max_header_list_size),
        ]
    }

    /// Clamp out-of-range configuration into the legal ranges, so a bad
    /// `Config` can never make us send an illegal SETTINGS frame.
    pub fn sanitized(mut self) -> Self {
        self.initial_window_size = self.initial_window_size.min(MAX_WINDOW_SIZE);
        self.max_frame_size = self.max_frame_size.clamp(MIN_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE);
        self
    }
}

/// What applying one peer setting changed, for the connection to act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerChange {
    None,
    HeaderTableSize(u32),
    /// New INITIAL_WINDOW_SIZE and the delta to apply to every open stream.
    InitialWindow {
        delta: i64,
    },
    MaxFrameSize(u32),
}

/// The peer's settings as last received (protocol defaults until then).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerSettings {
    pub header_table_size: u32,
    pub enable_push: bool,
    /// Limits streams *we* open; we open none (no push). Kept for inspection.
    pub max_concurrent_streams: Option<u32>,
    pub initial_window_size: u32,
    pub max_frame_size: u32,
    /// Advisory (§6.5.2); kept for inspection.
    pub max_header_list_size: Option<u32>,
    pub enable_connect_protocol: bool,
    pub no_rfc7540_priorities: bool,
}

impl Default for PeerSettings {
    fn default() -> Self {
        PeerSettings {
            header_table_size: DEFAULT_HEADER_TABLE_SIZE,
            enable_push: true,
            max_concurrent_streams: None,
            initial_window_size: DEFAULT_WINDOW_SIZE,
            max_frame_size: MIN_MAX_FRAME_SIZE,
            max_header_list_size: None,
            enable_connect_protocol: false,
            no_rfc7540_priorities: false,
        }
    }
}

impl PeerSettings {
    /// Range-check and apply one parameter (§6.5.2). Errors are connection errors.
    pub fn apply(&mut self, ident: u16, value: u32) -> Result<PeerChange, ProtoError> {
        match ident {
            id::HEADER_TABLE_SIZE => {
                self.header_table_size = value;
                Ok(PeerChange::HeaderTableSize(value))
            }
            id::ENABLE_PUSH => {
                self.enable_push = bool_setting(value, "ENABLE_PUSH not 0 or 1")?;
                Ok(PeerChange::None)
            }
            id::MAX_CONCURRENT_STREAMS => {
                self.max_concurrent_streams = Some(value);
                Ok(PeerChange::None)
            }
            id::INITIAL_WINDOW_SIZE => {
                if value > MAX_WINDOW_SIZE {
                    return Err(ProtoError::conn(ErrorCode::FLOW_CONTROL_ERROR, "INITIAL_WINDOW_SIZE above 2^31-1"));
                }
                let delta = i64::from(value).saturating_sub(i64::from(self.initial_window_size));
                self.initial_window_size = value;
                Ok(PeerChange::InitialWindow { delta })
            }
            id::MAX_FRAME_SIZE => {
                if !(MIN_MAX_FRAME_SIZE..=MAX_MAX_FRAME_SIZE).contains(&value) {
                    return Err(ProtoError::conn(ErrorCode::PROTOCOL_ERROR, "MAX_FRAME_SIZE outside [2^14, 2^24-1]"));
                }
                self.max_frame_size = value;
                Ok(PeerChange::MaxFrameSize(value))
            }
            id::MAX_HEADER_LIST_SIZE => {
                self.max_header_list_size = Some(value);
                Ok(PeerChange::None)
            }
            id::ENABLE_CONNECT_PROTOCOL => {
                self.enable_connect_protocol = bool_setting(value, "ENABLE_CONNECT_PROTOCOL not 0 or 1")?;
                Ok(PeerChange::None)
            }
            id::NO_RFC7540_PRIORITIES => {
                self.no_rfc7540_priorities = bool_setting(value, "NO_RFC7540_PRIORITIES not 0 or 1")?;
                Ok(PeerChange::None)
            }
            _ => Ok(PeerChange::None),
        }
    }
}

fn bool_setting(value: u32, reason: &'static str) -> Result<bool, ProtoError> {
    match value {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(ProtoError::conn(ErrorCode::PROTOCOL_ERROR, reason)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_twisted() {
        let p = LocalSettings::default().params();
        assert_eq!(p, [(1, 4096), (2, 0), (4, 65535), (5, 16384), (8, 0), (3, 100), (6, 65536)]);
    }

    #[test]
    fn enable_push_range() {
        let mut s = PeerSettings::default();
        assert!(s.apply(id::ENABLE_PUSH, 0).is_ok());
        assert!(!s.enable_push);
        let e = s.apply(id::ENABLE_PUSH, 2).unwrap_err();
        assert_eq!(e.code(), ErrorCode::PROTOCOL_ERROR);
    }

    #[test]
    fn initial_window_range_and_delta() {
        let mut s = PeerSettings::default();
        assert_eq!(s.apply(id::INITIAL_WINDOW_SIZE, 100).unwrap(), PeerChange::InitialWindow { delta: 100 - 65535 });
        assert_eq!(
            s.apply(id::INITIAL_WINDOW_SIZE, MAX_WINDOW_SIZE).unwrap(),
            PeerChange::InitialWindow { delta: i64::from(MAX_WINDOW_SIZE) - 100 }
        );
        let e = s.apply(id::INITIAL_WINDOW_SIZE, 1 << 31).unwrap_err();
        assert_eq!(e.code(), ErrorCode::FLOW_CONTROL_ERROR);
    }

    #[test]
    fn max_frame_size_range() {
        let mut s = PeerSettings::default();
        assert!(s.apply(id::MAX_FRAME_SIZE, 16_383).is_err());
        assert!(s.apply(id::MAX_FRAME_SIZE, 0).is_err());
        assert!(s.apply(id::MAX_FRAME_SIZE, 1 << 24).is_err());
        assert_eq!(s.apply(id::MAX_FRAME_SIZE, 16_384).unwrap(), PeerChange::MaxFrameSize(16_384));
        assert_eq!(s.apply(id::MAX_FRAME_SIZE, (1 << 24) - 1).unwrap(), PeerChange::MaxFrameSize((1 << 24) - 1));
    }

    #[test]
    fn connect_protocol_and_priorities_range() {
        let mut s = PeerSettings::default();
        assert!(s.apply(id::ENABLE_CONNECT_PROTOCOL, 1).is_ok());
        assert!(s.apply(id::ENABLE_CONNECT_PROTOCOL, 7).is_err());
        assert!(s.apply(id::NO_RFC7540_PRIORITIES, 1).is_ok());
        assert!(s.apply(id::NO_RFC7540_PRIORITIES, 2).is_err());
    }

    #[test]
    fn unknown_ignored() {
        let mut s = PeerSettings::default();
        assert_eq!(s.apply(0xffff, 12345).unwrap(), PeerChange::None);
        assert_eq!(s, PeerSettings::default());
    }

    #[test]
    fn sanitize_clamps() {
        let l = LocalSettings { max_frame_size: 1, initial_window_size: u32::MAX, ..Default::default() }.sanitized();
        assert_eq!(l.max_frame_size, MIN_MAX_FRAME_SIZE);
        assert_eq!(l.initial_window_size, MAX_WINDOW_SIZE);
    }
}
