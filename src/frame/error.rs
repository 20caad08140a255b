//! Why a frame is malformed, from the frame alone (RFC 9113 §4, §6; RFC 9218
//! §7.1): typed, so that the inspector can say which section is broken. The
//! rule functions (`check_header`, `parse_payload`, `data_padding`) return it;
//! the decoder turns it into a [`ProtoError`] (same codes, scopes and text).

use super::header::kind;
use crate::error::{ErrorCode, ProtoError};

/// A rule one frame breaks by itself. `u8` fields are the frame type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// Length above our SETTINGS_MAX_FRAME_SIZE (§4.2).
    TooLarge,
    /// A stream's frame type on stream 0.
    OnStreamZero(u8),
    /// A connection-level frame type on a stream.
    OnNonZeroStream(u8),
    /// RST_STREAM, PING or WINDOW_UPDATE of a length other than its fixed one.
    WrongLength(u8),
    /// PRIORITY of a length other than 5: a stream error, the only one here.
    PriorityLength {
        stream_id: u32,
    },
    /// Shorter than the fields its flags and type require.
    TooShort(u8),
    SettingsAckWithPayload,
    SettingsLength,
    /// Pad length not below the payload.
    Padding(u8),
    /// A payload shorter than its fixed fields after the header checks
    /// passed: unreachable, kept so no slice can go out of bounds.
    FieldsTooShort(u8),
    /// RFC 9218 §7.1: PRIORITY_UPDATE for stream 0.
    PriorityUpdateForStreamZero,
}

impl FrameError {
    pub fn code(self) -> ErrorCode {
        use FrameError::*;
        match self {
            OnStreamZero(_) | OnNonZeroStream(_) | Padding(_) | PriorityUpdateForStreamZero => {
                ErrorCode::PROTOCOL_ERROR
            }
            TooLarge
            | WrongLength(_)
            | PriorityLength { .. }
            | TooShort(_)
            | SettingsAckWithPayload
            | SettingsLength
            | FieldsTooShort(_) => ErrorCode::FRAME_SIZE_ERROR,
        }
    }

    /// The reason as text: GOAWAY debug data and the error event.
    pub fn as_str(self) -> &'static str {
        use FrameError::*;
        match self {
            TooLarge => "frame larger than SETTINGS_MAX_FRAME_SIZE",
            OnStreamZero(kind::DATA) => "DATA on stream 0",
            OnStreamZero(kind::HEADERS) => "HEADERS on stream 0",
            OnStreamZero(kind::PRIORITY) => "PRIORITY on stream 0",
            OnStreamZero(kind::RST_STREAM) => "RST_STREAM on stream 0",
            OnStreamZero(kind::PUSH_PROMISE) => "PUSH_PROMISE on stream 0",
            OnStreamZero(kind::CONTINUATION) => "CONTINUATION on stream 0",
            OnStreamZero(_) => "stream frame on stream 0",
            OnNonZeroStream(kind::SETTINGS) => "SETTINGS on a non-zero stream",
            OnNonZeroStream(kind::PING) => "PING on a non-zero stream",
            OnNonZeroStream(kind::GOAWAY) => "GOAWAY on a non-zero stream",
            OnNonZeroStream(kind::PRIORITY_UPDATE) => "PRIORITY_UPDATE on a non-zero stream",
            OnNonZeroStream(_) => "connection frame on a non-zero stream",
            WrongLength(kind::RST_STREAM) => "RST_STREAM length is not 4",
            WrongLength(kind::PING) => "PING length is not 8",
            WrongLength(kind::WINDOW_UPDATE) => "WINDOW_UPDATE length is not 4",
            WrongLength(_) => "frame of the wrong length",
            PriorityLength { .. } => "PRIORITY length is not 5",
            TooShort(kind::DATA) => "DATA too short for its pad length",
            TooShort(kind::HEADERS) => "HEADERS too short for its fields",
            TooShort(kind::PUSH_PROMISE) => "PUSH_PROMISE too short for its fields",
            TooShort(kind::GOAWAY) => "GOAWAY shorter than 8",
            TooShort(kind::PRIORITY_UPDATE) => "PRIORITY_UPDATE shorter than 4",
            TooShort(_) | FieldsTooShort(_) => "frame too short for its fields",
            SettingsAckWithPayload => "SETTINGS ACK with a payload",
            SettingsLength => "SETTINGS length is not a multiple of 6",
            Padding(kind::DATA) => "DATA padding exceeds the payload",
            Padding(_) => "padding exceeds the payload",
            PriorityUpdateForStreamZero => "PRIORITY_UPDATE for stream 0",
        }
    }

    /// The section that states the rule: the frame type's definition in
    /// RFC 9113 §6, else the frame size (§4.2) or format (§4.1) rules.
    pub fn section(self) -> &'static str {
        use FrameError::*;
        let frame = match self {
            TooLarge => return "§4.2",
            PriorityUpdateForStreamZero => return "§4.1",
            SettingsAckWithPayload | SettingsLength => kind::SETTINGS,
            PriorityLength { .. } => kind::PRIORITY,
            OnStreamZero(k) | OnNonZeroStream(k) | WrongLength(k) | TooShort(k) | Padding(k) | FieldsTooShort(k) => k,
        };
        match frame {
            kind::DATA => "§6.1",
            kind::HEADERS => "§6.2",
            kind::PRIORITY => "§6.3",
            kind::RST_STREAM => "§6.4",
            kind::SETTINGS => "§6.5",
            kind::PUSH_PROMISE => "§6.6",
            kind::PING => "§6.7",
            kind::GOAWAY => "§6.8",
            kind::WINDOW_UPDATE => "§6.9",
            kind::CONTINUATION => "§6.10",
            _ if self.code() == ErrorCode::FRAME_SIZE_ERROR => "§4.2",
            _ => "§4.1",
        }
    }

    /// A stream error (the decoder skips the frame and goes on), not a connection error.
    pub fn is_stream_error(self) -> bool {
        matches!(self, FrameError::PriorityLength { .. })
    }

    /// The engine's form of this error.
    pub fn proto(self) -> ProtoError {
        match self {
            FrameError::PriorityLength { stream_id } => ProtoError::stream(stream_id, self.code(), self.as_str()),
            _ => ProtoError::conn(self.code(), self.as_str()),
        }
    }
}

impl From<FrameError> for ProtoError {
    fn from(e: FrameError) -> Self {
        e.proto()
    }
}
