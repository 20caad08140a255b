//! `WasmConnection`: the server engine as seen from js/engine.js, through
//! the exports of `src/wasm/abi.rs`.
//!
//! Why it looks like this (see docs/ARCHITECTURE.md, "Boundary format"):
//! crossing the JS↔wasm boundary is cheap for numbers and expensive for
//! objects, so nothing here returns a JS object. JS copies each socket chunk
//! into `input` (one copy), calls `receive`, and reads the events as fixed
//! records (`boundary::RECORD_BYTES`) from `events`. Header fields are packed
//! on request into `scratch` and read lazily. DATA is reported as offsets into
//! the chunk JS already holds, and outbound DATA never enters wasm: JS gets
//! frame-header bytes plus "take N bytes of stream S" segments.

use super::boundary::{
    le_u32, ms, parse_config, server_event as ev, split_u64, unpack_fields, upgrade_result, user_error_code,
    CALM_RULES, PEER_COUNT_BITS, RECORD_WORDS,
};
use super::buffers::{Buffers, Text};
use crate::connection::{Config, Connection, Event, UpgradeError};
use crate::error::{ErrorCode, UserError};

/// Largest count `take_peer_counts` reports per kind and call.
const PEER_COUNT_MAX: u32 = (1 << PEER_COUNT_BITS) - 1;

pub struct WasmConnection {
    conn: Connection,
    /// What JS writes and reads (pointers, records, output).
    pub io: Buffers,
}

impl WasmConnection {
    /// A connection with the default `Config` (Twisted's SETTINGS, 1 MiB connection window).
    pub fn new(now_ms: f64) -> WasmConnection {
        WasmConnection { conn: Connection::new(Config::default(), ms(now_ms)), io: Buffers::new() }
    }

    /// Replace the engine with one built from `Config::default()` plus the
    /// overrides JS wrote at `args_ptr(len)`: UTF-8 lines `name=value` with the
    /// camelCase names of `Limits`/`LocalSettings` fields and
    /// `connectionWindow` (js/options.js holds the same list and validates
    /// first). Call before the first `receive`/`write_output`. Returns 0, or
    /// the 1-based line number of an unknown name or out-of-range value (the
    /// connection then keeps its previous config).
    pub fn configure(&mut self, len: usize, now_ms: f64) -> u32 {
        match parse_config(self.io.args(len).unwrap_or(&[])) {
            Ok(config) => {
                self.conn = Connection::new(config, ms(now_ms));
                0
            }
            Err(line) => line,
        }
    }

    /// Feed the chunk written at `input_ptr(len)`. Returns the number of event records.
    pub fn receive(&mut self, len: usize, now_ms: f64) -> u32 {
        let conn = &mut self.conn;
        self.io.receive(len, |input| conn.receive(input, ms(now_ms)));
        self.drain()
    }

    /// h2c Upgrade (`Connection::upgrade`): JS wrote at `args_ptr(len)` a
    /// little-endian u32 `n`, the `n`-byte decoded HTTP2-Settings payload, then
    /// the request fields packed like `send_headers` arguments. Returns 0 (the
    /// Request event for stream 1 is read with `poll`), 1 not a fresh
    /// connection, 2 bad settings, 3 bad request, 4 bad packing.
    pub fn upgrade(&mut self, len: usize) -> u32 {
        let args = self.io.args(len).unwrap_or(&[]);
        let bad = upgrade_result::BAD_PACKING;
        let Some(n) = le_u32(args, 0).and_then(|n| usize::try_from(n).ok()) else { return bad };
        let Some(settings) = n.checked_add(4).and_then(|end| args.get(4..end)) else { return bad };
        let Some(fields) = args.get(n.saturating_add(4)..).and_then(unpack_fields) else { return bad };
        match self.conn.upgrade(settings, &fields) {
            Ok(()) => upgrade_result::OK,
            Err(UpgradeError::NotFresh) => upgrade_result::NOT_FRESH,
            Err(UpgradeError::BadSettings(_)) => upgrade_result::BAD_SETTINGS,
            Err(UpgradeError::BadRequest(_)) => upgrade_result::BAD_REQUEST,
        }
    }

    /// Collect events produced by commands or timers (clears the previous records).
    pub fn poll(&mut self) -> u32 {
        self.io.clear_events();
        self.drain()
    }

    /// Pack header fields `start..end` of the arena (`Buffers::pack_fields`).
    pub fn pack_fields(&mut self, start: u32, end: u32) -> usize {
        let conn = &self.conn;
        self.io.pack_fields((start..end).map(|i| conn.field(i)))
    }

    /// Response HEADERS; the fields are the `args_len` packed bytes at `args_ptr`.
    pub fn send_headers(&mut self, stream_id: u32, status: u16, args_len: usize, end_stream: bool) -> u32 {
        let Some(fields) = self.io.args(args_len).and_then(unpack_fields) else {
            return user_error_code(Err(UserError::InvalidHeader));
        };
        user_error_code(self.conn.send_headers(stream_id, status, &fields, end_stream))
    }

    pub fn send_informational(&mut self, stream_id: u32, status: u16, args_len: usize) -> u32 {
        let Some(fields) = self.io.args(args_len).and_then(unpack_fields) else {
            return user_error_code(Err(UserError::InvalidHeader));
        };
        user_error_code(self.conn.send_informational(stream_id, status, &fields))
    }

    /// Queue `len` body bytes JS keeps itself.
    pub fn send_data(&mut self, stream_id: u32, len: u32, end_stream: bool) -> u32 {
        user_error_code(self.conn.send_data(stream_id, len, end_stream))
    }

    pub fn send_trailers(&mut self, stream_id: u32, args_len: usize) -> u32 {
        let Some(fields) = self.io.args(args_len).and_then(unpack_fields) else {
            return user_error_code(Err(UserError::InvalidHeader));
        };
        user_error_code(self.conn.send_trailers(stream_id, &fields))
    }

    pub fn reset_stream(&mut self, stream_id: u32, code: u32) -> u32 {
        user_error_code(self.conn.reset_stream(stream_id, ErrorCode(code)))
    }

    pub fn consumed(&mut self, stream_id: u32, n: u32) -> u32 {
        user_error_code(self.conn.consumed(stream_id, n))
    }

    pub fn shutdown(&mut self) {
        self.conn.shutdown();
    }

    pub fn abort(&mut self, code: u32) {
        self.conn.abort(ErrorCode(code));
    }

    /// GOAWAY(ENHANCE_YOUR_CALM) with reason `CALM_RULES[rule]` (a budget kept across connections).
    pub fn calm(&mut self, rule: u32) {
        let reason = usize::try_from(rule).ok().and_then(|i| CALM_RULES.get(i)).copied().unwrap_or(CALM_RULES[0]);
        self.conn.calm(reason);
    }

    /// Resets, refused streams and peer errors since the last call, packed
    /// in one number as three 17-bit saturated counts
    /// `resets + refused·2¹⁷ + errors·2³⁴` (exact in an f64; 0 in the common
    /// case: one call per receive, nothing allocated).
    pub fn take_peer_counts(&mut self) -> f64 {
        let c = self.conn.take_peer_counts();
        let sat = |n: u32| u64::from(n.min(PEER_COUNT_MAX));
        (sat(c.resets) | (sat(c.refused) << PEER_COUNT_BITS) | (sat(c.errors) << (2 * PEER_COUNT_BITS))) as f64
    }

    pub fn tick(&mut self, now_ms: f64) {
        self.conn.tick(ms(now_ms));
    }

    /// Next timer deadline in ms, or -1 when none.
    pub fn next_deadline(&self) -> f64 {
        match self.conn.next_deadline() {
            Some(t) => t as f64,
            None => -1.0,
        }
    }

    /// Produce output. Returns the number of segments; frame-header/control
    /// bytes are at `out_ptr` (`out_len` bytes), segments at `segs_ptr` as u32
    /// pairs `[stream_id, len]` where stream 0 means "the next len bytes of out".
    pub fn write_output(&mut self, max_bytes: usize) -> u32 {
        let conn = &mut self.conn;
        self.io.write_output(|out| conn.write_output(out, max_bytes))
    }

    pub fn wants_write(&self) -> bool {
        self.conn.wants_write()
    }

    pub fn is_closed(&self) -> bool {
        self.conn.is_closed()
    }
}

impl WasmConnection {
    fn drain(&mut self) -> u32 {
        let conn = &mut self.conn;
        self.io.drain(|text| conn.poll_event().map(|e| record(text, e)))
    }
}

/// One event as its boundary record (`server_event`).
fn record(text: &mut Text, event: Event) -> [u32; RECORD_WORDS] {
    match event {
        Event::Request { stream_id, fields, end_stream } => {
            ev::request(stream_id, fields.start, fields.end, u32::from(end_stream))
        }
        Event::Trailers { stream_id, fields } => ev::trailers(stream_id, fields.start, fields.end),
        Event::Data { stream_id, start, end } => ev::data(stream_id, start, end),
        Event::End { stream_id } => ev::end(stream_id),
        Event::Reset { stream_id, code, remote, unsent } => {
            let (low, high) = split_u64(unsent);
            ev::reset(stream_id, code.0, u32::from(remote), low, high)
        }
        Event::SendReady { stream_id } => ev::send_ready(stream_id),
        Event::SendBlocked { stream_id } => ev::send_blocked(stream_id),
        Event::StreamClosed { stream_id } => ev::stream_closed(stream_id),
        Event::Rejected { stream_id, status, reason } => {
            let (o, l) = text.push(reason);
            ev::rejected(stream_id, u32::from(status), o, l)
        }
        Event::Settings => ev::settings(0),
        Event::PingAck { data } => {
            let [a, b, c, d, e, f, g, h] = data;
            ev::ping_ack(0, u32::from_be_bytes([a, b, c, d]), u32::from_be_bytes([e, f, g, h]))
        }
        Event::GoAway { last_stream_id, code } => ev::goaway(0, last_stream_id, code.0),
        Event::Error { code, reason, remote } => {
            let (o, l) = text.push(reason);
            ev::error(0, code.0, u32::from(remote), o, l)
        }
        Event::Closed => ev::closed(0),
        Event::Expired { stream_id, reason } => {
            let (o, l) = text.push(reason);
            ev::expired(stream_id, o, l)
        }
    }
}
