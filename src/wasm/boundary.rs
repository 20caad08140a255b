//! The JS↔wasm boundary, defined once: event records (kinds and what each
//! word means, per role), user-error codes, the packed header-field format,
//! the other result codes, and the option names JS may set with their ranges.
//! `src/wasm/codegen.rs` writes js/boundary.js, js/boundary.d.ts and the
//! tables in docs/ARCHITECTURE.md from these definitions, and a test fails
//! when the checked-in files differ (`H2WASM_BLESS=1 cargo test boundary`
//! rewrites them). Also here: what both wasm roles share at run time (time
//! from JS, command results, the packers, record writers, scratch trimming).

use crate::client::ClientConfig;
use crate::connection::Config;
use crate::error::UserError;
use crate::limits::Limits;
use crate::settings::{LocalSettings, DEFAULT_WINDOW_SIZE, MAX_MAX_FRAME_SIZE, MAX_WINDOW_SIZE, MIN_MAX_FRAME_SIZE};

// ---- event records ----

/// Words in one event record: `[kind, stream, a, b, c, d]`, little-endian u32 each.
pub const RECORD_WORDS: usize = 6;
/// Bytes in one event record.
pub const RECORD_BYTES: usize = RECORD_WORDS * 4;
/// The record's words in order; the last four are named per event kind (`EventKind::fields`).
pub const RECORD_WORD_NAMES: [&str; RECORD_WORDS] = ["kind", "stream", "a", "b", "c", "d"];

/// One kind of event record, as the generator and the docs see it.
pub struct EventKind {
    /// SCREAMING_CASE name (the JS constant).
    pub name: &'static str,
    /// Word 0 of the record.
    pub code: u32,
    /// Words a, b, c, d in order (snake_case; JS gets them in camelCase). Unnamed words are 0.
    pub fields: &'static [&'static str],
    pub doc: &'static str,
}

/// Defines one role's event kinds once: a module with a `u32` constant and a
/// record writer per kind (its parameters are the named words, in order) and
/// the table the generator reads.
macro_rules! events {
    ($module:ident, $table:ident, $role:literal; $( $(#[doc = $doc:literal])+ $name:ident = $code:literal => $ctor:ident($($field:ident),*); )*) => {
        #[doc = concat!("Event kinds of the ", $role, " role and their record writers (defined by `events!`).")]
        pub mod $module {
            $( $(#[doc = $doc])+ pub const $name: u32 = $code; )*
            $(
                #[doc = concat!("The record of `", stringify!($name), "`.")]
                #[inline]
                pub fn $ctor(stream: u32, $($field: u32),*) -> [u32; super::RECORD_WORDS] {
                    let mut r = [$code, stream, 0, 0, 0, 0];
                    let named: &[u32] = &[$($field),*];
                    for (w, v) in r.iter_mut().skip(2).zip(named) {
                        *w = *v;
                    }
                    r
                }
            )*
        }
        #[doc = concat!("The ", $role, " role's event kinds, for the generator.")]
        pub const $table: &[EventKind] = &[$(EventKind {
            name: stringify!($name),
            code: $code,
            fields: &[$(stringify!($field)),*],
            doc: concat!($($doc),+),
        }),*];
    };
}

events! { server_event, SERVER_EVENTS, "server";
    /// A request head. Fields `fieldStart..fieldEnd` of the header arena (read with `pack_fields`); `endStream`: no body follows.
    REQUEST = 1 => request(field_start, field_end, end_stream);
    /// Request trailers (arena fields); an END follows.
    TRAILERS = 2 => trailers(field_start, field_end);
    /// Body bytes `chunk[start..end]` of the chunk JS passed to `receive` (a view, no copy); report them with `consumed`.
    DATA = 3 => data(start, end);
    /// The request body is complete.
    END = 4 => end();
    /// The stream is gone (peer reset if `remote` is 1; also after our own reset and for every stream when the connection closes); `unsentLow`/`unsentHigh`: queued body bytes dropped.
    RESET = 5 => reset(code, remote, unsent_low, unsent_high);
    /// The stream may take more body bytes (window open, buffers below their soft limits).
    SEND_READY = 6 => send_ready();
    /// Pause the stream's producer (window closed or a send buffer at its soft limit).
    SEND_BLOCKED = 7 => send_blocked();
    /// Both sides are done; the stream's state is freed.
    STREAM_CLOSED = 8 => stream_closed();
    /// We answered the request ourselves (`status` 400/431) and reset it; the reason text is at `textOffset`, `textLen`.
    REJECTED = 9 => rejected(status, text_offset, text_len);
    /// The peer's SETTINGS were applied.
    SETTINGS = 10 => settings();
    /// The ACK of our PING; its 8 data bytes as two big-endian halves.
    PING_ACK = 11 => ping_ack(data_high, data_low);
    /// The peer's GOAWAY.
    GOAWAY = 12 => goaway(last_stream_id, code);
    /// Connection error (GOAWAY sent or received; `remote` 1: the peer's); reason text at `textOffset`, `textLen`.
    ERROR = 13 => error(code, remote, text_offset, text_len);
    /// Flush the output, then close the socket; always the last event.
    CLOSED = 14 => closed();
    /// A timer of ours (slow request body) ends the stream, for the reason at `textOffset`, `textLen`; its RESET follows.
    EXPIRED = 15 => expired(text_offset, text_len);
}

events! { client_event, CLIENT_EVENTS, "client";
    /// A 1xx response head (not 101); fields `fieldStart..fieldEnd` of the arena.
    INFORMATIONAL = 1 => informational(status, field_start, field_end);
    /// The final response head (fields exclude `:status`); `endStream`: no body follows.
    RESPONSE = 2 => response(status, field_start, field_end, end_stream);
    /// Response trailers (arena fields); an END follows.
    TRAILERS = 3 => trailers(field_start, field_end);
    /// Body bytes `chunk[start..end]` of the chunk JS passed to `receive`; report them with `consumed`.
    DATA = 4 => data(start, end);
    /// The response is complete.
    END = 5 => end();
    /// The response broke RFC 9113 §8 or a limit (reason at `textOffset`, `textLen`); a RESET follows.
    MALFORMED = 6 => malformed(text_offset, text_len);
    /// The stream is gone. `flags` bit 0 (REMOTE): the server reset it, bit 1 (NOT_PROCESSED): not processed (safe to retry); `unsentLow`/`unsentHigh`: request body bytes dropped.
    RESET = 7 => reset(code, flags, unsent_low, unsent_high);
    /// The stream may take more request body bytes.
    SEND_READY = 8 => send_ready();
    /// Pause the stream's request body producer.
    SEND_BLOCKED = 9 => send_blocked();
    /// Both sides are done; the stream's state is freed.
    STREAM_CLOSED = 10 => stream_closed();
    /// The server's SETTINGS were applied; its MAX_CONCURRENT_STREAMS (0xffffffff: none).
    SETTINGS = 11 => settings(max_concurrent_streams);
    /// The ACK of our PING: data as two big-endian halves, round trip in ms.
    PING_ACK = 12 => ping_ack(data_high, data_low, rtt_ms);
    /// The server's GOAWAY (debug data: `pack_debug_data`).
    GOAWAY = 13 => goaway(last_stream_id, code);
    /// Connection error (`remote` 1: the server's); reason at `textOffset`, `textLen`.
    ERROR = 14 => error(code, remote, text_offset, text_len);
    /// Flush the output, then close the socket; always the last event.
    CLOSED = 15 => closed();
    /// The server was silent too long on this stream (reason at `textOffset`, `textLen`); a RESET (CANCEL) follows.
    TIMED_OUT = 16 => timed_out(text_offset, text_len);
    /// The response body is above `maxResponseBodyBytes` (its content-length, or the bytes that came); a RESET (CANCEL) follows.
    TOO_LARGE = 17 => too_large();
}

/// `RESET` flag bits of the client role (`flags` word).
pub mod client_reset_flag {
    /// The server reset the stream (or sent GOAWAY), not us.
    pub const REMOTE: u32 = 1;
    /// The server did not process the request: safe to send again.
    pub const NOT_PROCESSED: u32 = 2;
}

/// A u64 as the (low, high) u32 halves records carry it in.
pub fn split_u64(v: u64) -> (u32, u32) {
    ((v & 0xffff_ffff) as u32, (v >> 32) as u32)
}

// ---- results of commands ----

/// One user-error number, as the generator sees it.
pub struct UserErrorCode {
    pub name: &'static str,
    pub code: u32,
    pub doc: &'static str,
}

macro_rules! user_errors {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $code:literal, $name:literal; )*) => {
        /// The number of a `UserError` in command results (never 0: 0 is success).
        pub(super) const fn user_error_number(e: UserError) -> u32 {
            match e { $(UserError::$variant => $code,)* }
        }
        /// Every user-error number, for the generator.
        pub const USER_ERRORS: &[UserErrorCode] = &[$(UserErrorCode { name: $name, code: $code, doc: concat!($($doc),+) }),*];
    };
}

user_errors! {
    /// No such stream, or it is already closed or reset.
    StreamClosed = 1, "STREAM_CLOSED";
    /// Headers already sent (or not yet sent, for data or trailers).
    InvalidState = 2, "INVALID_STATE";
    /// A header name or value the protocol forbids, or a bad packing.
    InvalidHeader = 3, "INVALID_HEADER";
    /// A status code outside 100..=999, or 101.
    InvalidStatus = 4, "INVALID_STATUS";
    /// The connection is closing or closed.
    ConnectionClosed = 5, "CONNECTION_CLOSED";
    /// A send buffer (per stream or per connection) is full.
    BufferFull = 6, "BUFFER_FULL";
}

/// The client's `request` returns a stream id, or this bit plus a user-error number.
pub const REQUEST_ERROR: u32 = 0x8000_0000;

/// Results of the server's `upgrade` (h2c): 0 is success.
pub mod upgrade_result {
    pub const OK: u32 = 0;
    /// The connection already received bytes or was upgraded.
    pub const NOT_FRESH: u32 = 1;
    /// The HTTP2-Settings payload is not a valid SETTINGS payload.
    pub const BAD_SETTINGS: u32 = 2;
    /// The request cannot be stream 1 (bad fields).
    pub const BAD_REQUEST: u32 = 3;
    /// The arguments JS wrote are not `[u32 settings_len][settings][packed fields]`.
    pub const BAD_PACKING: u32 = 4;
}
/// `upgrade_result` by name, for the generator.
pub const UPGRADE_RESULTS: &[(&str, u32)] = &[
    ("OK", upgrade_result::OK),
    ("NOT_FRESH", upgrade_result::NOT_FRESH),
    ("BAD_SETTINGS", upgrade_result::BAD_SETTINGS),
    ("BAD_REQUEST", upgrade_result::BAD_REQUEST),
    ("BAD_PACKING", upgrade_result::BAD_PACKING),
];

/// GOAWAY(ENHANCE_YOUR_CALM) reasons for the budgets JS keeps across connections
/// (js/budget.js): `calm(rule)` sends `CALM_RULES[rule]`. Index = kind × 2
/// (resets, refused, errors) + 1 for the per-address budget.
pub const CALM_RULES: [&str; 6] = [
    "too many RST_STREAM across this server",
    "too many RST_STREAM from this peer address",
    "too many refused streams across this server",
    "too many refused streams from this peer address",
    "too many protocol errors across this server",
    "too many protocol errors from this peer address",
];

/// `take_peer_counts` packs three saturated counts of this many bits each into one f64:
/// `resets + refused·2¹⁷ + errors·2³⁴` (exact: 51 bits).
pub const PEER_COUNT_BITS: u32 = 17;

// ---- the packed header-field format ----

/// A packed field: `[u32 name_len][u32 value_len][name][value]`, lengths little-endian.
/// Header lists JS passes to commands, and `pack_fields` output, are such fields back to back.
pub const FIELD_HEADER_BYTES: usize = 8;
/// Offset of `value_len` in a packed field (`name_len` is at 0).
pub const FIELD_VALUE_LEN_AT: usize = 4;

// ---- option names ----

/// Which part of the config an option name sets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OptionGroup {
    /// A field of `Limits` (JS `LIMIT_NAMES`).
    Limit,
    /// A field of `LocalSettings`: our SETTINGS (JS `SETTINGS_NAMES`).
    Setting,
    /// The connection receive window (JS `CONNECTION_NAMES`).
    Connection,
    /// A client-only field of `ClientConfig` (JS `CLIENT_NAMES`).
    Client,
}

/// What one option name sets, and how to read its value (the docs' default columns).
#[derive(Clone, Copy)]
pub enum OptionField {
    Limit(fn(&mut Limits, u64), fn(&Limits) -> u64),
    Setting(fn(&mut LocalSettings, u64), fn(&LocalSettings) -> u64),
    ConnectionWindow,
    Client(fn(&mut ClientConfig, u64), fn(&ClientConfig) -> u64),
}

/// One option name JS may set, with its inclusive range.
pub struct OptionName {
    /// camelCase, as in the JS options and in `configure` lines.
    pub name: &'static str,
    pub min: u64,
    pub max: u64,
    pub field: OptionField,
}

impl OptionName {
    pub fn group(&self) -> OptionGroup {
        match self.field {
            OptionField::Limit(..) => OptionGroup::Limit,
            OptionField::Setting(..) => OptionGroup::Setting,
            OptionField::ConnectionWindow => OptionGroup::Connection,
            OptionField::Client(..) => OptionGroup::Client,
        }
    }

    /// This option's value in a server config.
    pub fn server_value(&self, c: &Config) -> Option<u64> {
        match self.field {
            OptionField::Limit(_, get) => Some(get(&c.limits)),
            OptionField::Setting(_, get) => Some(get(&c.settings)),
            OptionField::ConnectionWindow => Some(u64::from(c.connection_window)),
            OptionField::Client(..) => None,
        }
    }

    /// This option's value in a client config.
    pub fn client_value(&self, c: &ClientConfig) -> u64 {
        match self.field {
            OptionField::Limit(_, get) => get(&c.limits),
            OptionField::Setting(_, get) => get(&c.settings),
            OptionField::ConnectionWindow => u64::from(c.connection_window),
            OptionField::Client(_, get) => get(c),
        }
    }
}

/// Largest u32 (and wasm32 usize) value.
const U32: u64 = u32::MAX as u64;
/// Largest integer a JS number holds exactly: the ceiling of the u64 options.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Getter and setter of one field, for [`OPTION_NAMES`]; the range check comes first.
macro_rules! field {
    ($kind:ident, $field:ident) => {
        OptionField::$kind(
            |s, v| s.$field = v.try_into().unwrap_or(s.$field),
            |s| u64::try_from(s.$field).unwrap_or(u64::MAX),
        )
    };
}

macro_rules! options {
    ($( $name:literal => $kind:ident $field:tt, $min:expr, $max:expr; )*) => {
        /// Every option name JS may pass to `configure`, with its range.
        pub const OPTION_NAMES: &[OptionName] = &[$(OptionName { name: $name, min: $min, max: $max, field: options!(@f $kind $field) }),*];
    };
    (@f ConnectionWindow $f:tt) => { OptionField::ConnectionWindow };
    (@f $kind:ident $f:ident) => { field!($kind, $f) };
}

options! {
    "maxHeaderFields" => Limit max_header_fields, 0, U32;
    "maxHeaderBlockBytes" => Limit max_header_block_bytes, 0, U32;
    "continuationFramesBase" => Limit continuation_frames_base, 0, U32;
    "maxControlBytes" => Limit max_control_bytes, 0, U32;
    "maxPendingPingAcks" => Limit max_pending_ping_acks, 0, U32;
    "maxOutstandingPings" => Limit max_outstanding_pings, 0, U32;
    "closedStreamMemory" => Limit closed_stream_memory, 0, U32;
    "idlePriorityMemory" => Limit idle_priority_memory, 0, U32;
    "streamSendBuffer" => Limit stream_send_buffer, 0, MAX_SAFE_INTEGER;
    "connectionSendBuffer" => Limit connection_send_buffer, 0, MAX_SAFE_INTEGER;
    "streamSendBufferHard" => Limit stream_send_buffer_hard, 0, MAX_SAFE_INTEGER;
    "connectionSendBufferHard" => Limit connection_send_buffer_hard, 0, MAX_SAFE_INTEGER;
    "resetBurst" => Limit reset_burst, 0, U32;
    "resetRatePerS" => Limit reset_rate_per_s, 0, U32;
    "glitchBurst" => Limit glitch_burst, 0, U32;
    "glitchRatePerS" => Limit glitch_rate_per_s, 0, U32;
    "settingsBurst" => Limit settings_burst, 0, U32;
    "settingsRatePerS" => Limit settings_rate_per_s, 0, U32;
    "pingBurst" => Limit ping_burst, 0, U32;
    "pingRatePerS" => Limit ping_rate_per_s, 0, U32;
    "noopFrameBurst" => Limit noop_frame_burst, 0, U32;
    "noopFrameRatePerS" => Limit noop_frame_rate_per_s, 0, U32;
    "minWindowUpdate" => Limit min_window_update, 0, U32;
    "prefaceTimeoutMs" => Limit preface_timeout_ms, 0, MAX_SAFE_INTEGER;
    "headerBlockTimeoutMs" => Limit header_block_timeout_ms, 0, MAX_SAFE_INTEGER;
    "idleTimeoutMs" => Limit idle_timeout_ms, 0, MAX_SAFE_INTEGER;
    "settingsAckTimeoutMs" => Limit settings_ack_timeout_ms, 0, MAX_SAFE_INTEGER;
    "shutdownPingTimeoutMs" => Limit shutdown_ping_timeout_ms, 0, MAX_SAFE_INTEGER;
    "drainTimeoutMs" => Limit drain_timeout_ms, 0, MAX_SAFE_INTEGER;
    "closeTimeoutMs" => Limit close_timeout_ms, 0, MAX_SAFE_INTEGER;
    "stallTimeoutMs" => Limit stall_timeout_ms, 0, MAX_SAFE_INTEGER;
    "requestBodyTimeoutMs" => Limit request_body_timeout_ms, 0, MAX_SAFE_INTEGER;
    "minRequestBodyRate" => Limit min_request_body_rate, 0, U32;
    "headerTableSize" => Setting header_table_size, 0, U32;
    "maxConcurrentStreams" => Setting max_concurrent_streams, 0, U32;
    "initialWindowSize" => Setting initial_window_size, 0, MAX_WINDOW_SIZE as u64;
    "maxFrameSize" => Setting max_frame_size, MIN_MAX_FRAME_SIZE as u64, MAX_MAX_FRAME_SIZE as u64;
    "maxHeaderListSize" => Setting max_header_list_size, 0, U32;
    "connectionWindow" => ConnectionWindow -, DEFAULT_WINDOW_SIZE as u64, MAX_WINDOW_SIZE as u64;
    "keepaliveMs" => Client keepalive_ms, 0, MAX_SAFE_INTEGER;
    "pingTimeoutMs" => Client ping_timeout_ms, 0, MAX_SAFE_INTEGER;
    "maxWaitingRequests" => Client max_waiting_requests, 0, U32;
    "responseTimeoutMs" => Client response_timeout_ms, 0, MAX_SAFE_INTEGER;
    "responseBodyTimeoutMs" => Client response_body_timeout_ms, 0, MAX_SAFE_INTEGER;
    "maxResponseBodyBytes" => Client max_response_body_bytes, 0, MAX_SAFE_INTEGER;
}

/// Read `configure` lines (UTF-8, `name=value` per line, decimal values,
/// blank lines skipped), calling `apply(option, value)` for each after the
/// name and range checks. `apply` returns false for a name this role does not
/// take. `Err(line)` (1-based) names the first bad line.
pub fn parse_options(text: &[u8], mut apply: impl FnMut(&OptionName, u64) -> bool) -> Result<(), u32> {
    let text = core::str::from_utf8(text).map_err(|_| 1u32)?;
    for (i, line) in text.lines().enumerate() {
        let no = u32::try_from(i).unwrap_or(u32::MAX).saturating_add(1);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (name, value) = line.split_once('=').ok_or(no)?;
        let v: u64 = value.trim().parse().map_err(|_| no)?;
        let name = name.trim();
        let opt = OPTION_NAMES.iter().find(|o| o.name == name).ok_or(no)?;
        if v < opt.min || v > opt.max || !apply(opt, v) {
            return Err(no);
        }
    }
    Ok(())
}

/// `Config::default()` with the option lines applied (the server role: no client names).
pub fn parse_config(text: &[u8]) -> Result<Config, u32> {
    let mut c = Config::default();
    parse_options(text, |opt, v| {
        match opt.field {
            OptionField::Limit(set, _) => set(&mut c.limits, v),
            OptionField::Setting(set, _) => set(&mut c.settings, v),
            OptionField::ConnectionWindow => c.connection_window = u32::try_from(v).unwrap_or(c.connection_window),
            OptionField::Client(..) => return false,
        }
        true
    })?;
    Ok(c)
}

/// `ClientConfig::default()` with the option lines applied (every name).
pub fn parse_client_config(text: &[u8]) -> Result<ClientConfig, u32> {
    let mut c = ClientConfig::default();
    parse_options(text, |opt, v| {
        match opt.field {
            OptionField::Limit(set, _) => set(&mut c.limits, v),
            OptionField::Setting(set, _) => set(&mut c.settings, v),
            OptionField::ConnectionWindow => c.connection_window = u32::try_from(v).unwrap_or(c.connection_window),
            OptionField::Client(set, _) => set(&mut c, v),
        }
        true
    })?;
    Ok(c)
}

// ---- run-time helpers both roles share ----

/// Per-connection scratch buffers above this capacity are freed once used,
/// rather than kept at their high-water mark for the connection's life: one
/// 64 KiB socket read would otherwise pin 64 KiB of wasm memory per connection
/// (and wasm memory never shrinks). Freed blocks go back to the allocator and
/// serve the next connection's call; below this size buffers are kept, so
/// steady small traffic does not allocate.
const KEEP_CAPACITY: usize = 4096;

/// Free `v` if it grew past [`KEEP_CAPACITY`].
pub(super) fn trim<T>(v: &mut Vec<T>) {
    if v.capacity().saturating_mul(core::mem::size_of::<T>()) > KEEP_CAPACITY {
        *v = Vec::new();
    }
}

/// JS time (`performance.now()` milliseconds) as the engine's `u64`; NaN, ±∞ and negatives are 0.
pub(super) fn ms(t: f64) -> u64 {
    if t.is_finite() && t > 0.0 {
        t as u64
    } else {
        0
    }
}

/// Result codes of commands: 0 = ok, otherwise [`user_error_number`].
pub(super) fn user_error_code(r: Result<(), UserError>) -> u32 {
    r.map_or_else(user_error_number, |()| 0)
}

pub(super) fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    let s: [u8; 4] = b.get(at..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(s))
}

/// Parse JS's packed header list (fields in the format of [`FIELD_HEADER_BYTES`]).
/// `None` if the packing is inconsistent (a JS bug, reported as InvalidHeader).
pub(super) fn unpack_fields(b: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < b.len() {
        let nl = usize::try_from(le_u32(b, at)?).ok()?;
        let vl = usize::try_from(le_u32(b, at.checked_add(FIELD_VALUE_LEN_AT)?)?).ok()?;
        let ns = at.checked_add(FIELD_HEADER_BYTES)?;
        let ne = ns.checked_add(nl)?;
        let ve = ne.checked_add(vl)?;
        out.push((b.get(ns..ne)?, b.get(ne..ve)?));
        at = ve;
    }
    Some(out)
}

/// Append one field to a packed header list (the format [`unpack_fields`] reads).
pub(super) fn pack_field(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    let nl = u32::try_from(name.len()).unwrap_or(0);
    let vl = u32::try_from(value.len()).unwrap_or(0);
    out.extend_from_slice(&nl.to_le_bytes());
    out.extend_from_slice(&vl.to_le_bytes());
    out.extend_from_slice(name);
    out.extend_from_slice(value);
}
