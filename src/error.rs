//! HTTP/2 error codes (RFC 9113 §7) and the engine's error types.

use core::fmt;

/// An HTTP/2 error code as carried by RST_STREAM and GOAWAY.
///
/// A newtype rather than an enum: peers may send codes we do not know, and
/// §7 says unknown codes MUST NOT trigger special behaviour, so they must be
/// representable and passed through unchanged.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorCode(pub u32);

impl ErrorCode {
    pub const NO_ERROR: ErrorCode = ErrorCode(0x0);
    pub const PROTOCOL_ERROR: ErrorCode = ErrorCode(0x1);
    pub const INTERNAL_ERROR: ErrorCode = ErrorCode(0x2);
    pub const FLOW_CONTROL_ERROR: ErrorCode = ErrorCode(0x3);
    pub const SETTINGS_TIMEOUT: ErrorCode = ErrorCode(0x4);
    pub const STREAM_CLOSED: ErrorCode = ErrorCode(0x5);
    pub const FRAME_SIZE_ERROR: ErrorCode = ErrorCode(0x6);
    pub const REFUSED_STREAM: ErrorCode = ErrorCode(0x7);
    pub const CANCEL: ErrorCode = ErrorCode(0x8);
    pub const COMPRESSION_ERROR: ErrorCode = ErrorCode(0x9);
    pub const CONNECT_ERROR: ErrorCode = ErrorCode(0xa);
    pub const ENHANCE_YOUR_CALM: ErrorCode = ErrorCode(0xb);
    pub const INADEQUATE_SECURITY: ErrorCode = ErrorCode(0xc);
    pub const HTTP_1_1_REQUIRED: ErrorCode = ErrorCode(0xd);

    /// The RFC name, or `None` for a code this crate does not know.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x0 => "NO_ERROR",
            0x1 => "PROTOCOL_ERROR",
            0x2 => "INTERNAL_ERROR",
            0x3 => "FLOW_CONTROL_ERROR",
            0x4 => "SETTINGS_TIMEOUT",
            0x5 => "STREAM_CLOSED",
            0x6 => "FRAME_SIZE_ERROR",
            0x7 => "REFUSED_STREAM",
            0x8 => "CANCEL",
            0x9 => "COMPRESSION_ERROR",
            0xa => "CONNECT_ERROR",
            0xb => "ENHANCE_YOUR_CALM",
            0xc => "INADEQUATE_SECURITY",
            0xd => "HTTP_1_1_REQUIRED",
            _ => return None,
        })
    }
}

impl fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "ErrorCode({:#x})", self.0),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A protocol violation found while processing peer input, and how far it reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtoError {
    /// Ends the connection with GOAWAY(code).
    Connection { code: ErrorCode, reason: &'static str },
    /// Ends one stream with RST_STREAM(code); the connection lives on.
    Stream { stream_id: u32, code: ErrorCode, reason: &'static str },
}

impl ProtoError {
    pub const fn conn(code: ErrorCode, reason: &'static str) -> Self {
        ProtoError::Connection { code, reason }
    }
    pub const fn stream(stream_id: u32, code: ErrorCode, reason: &'static str) -> Self {
        ProtoError::Stream { stream_id, code, reason }
    }
    pub fn code(&self) -> ErrorCode {
        match *self {
            ProtoError::Connection { code, .. } | ProtoError::Stream { code, .. } => code,
        }
    }
    pub fn reason(&self) -> &'static str {
        match *self {
            ProtoError::Connection { reason, .. } | ProtoError::Stream { reason, .. } => reason,
        }
    }
}

impl fmt::Display for ProtoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtoError::Connection { code, reason } => write!(f, "connection error {code}: {reason}"),
            ProtoError::Stream { stream_id, code, reason } => {
                write!(f, "stream {stream_id} error {code}: {reason}")
            }
        }
    }
}

/// A command from the application that cannot be carried out. Never fatal to
/// the connection: the application gets it back and decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserError {
    /// No such stream, or it is already closed or reset.
    StreamClosed,
    /// Headers already sent (or not yet sent, for data/trailers).
    InvalidState,
    /// A header name or value the protocol forbids (uppercase, connection-specific, CR/LF…).
    InvalidHeader,
    /// A status code outside 100..=999, or 101 (forbidden in HTTP/2).
    InvalidStatus,
    /// The connection is closing or closed.
    ConnectionClosed,
    /// The per-stream or per-connection send buffer is full.
    BufferFull,
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UserError::StreamClosed => "stream is closed",
            UserError::InvalidState => "command not valid in the stream's state",
            UserError::InvalidHeader => "invalid header field",
            UserError::InvalidStatus => "invalid status code",
            UserError::ConnectionClosed => "connection is closed",
            UserError::BufferFull => "send buffer is full",
        })
    }
}
