//! `WasmClient`: the client engine as seen from js/client.js. Same design as
//! `WasmConnection` (docs/ARCHITECTURE.md, "Boundary format"): only numbers
//! cross; JS copies each socket chunk into `input`, reads 24-byte event
//! records, packs header lists into `args`, and gets frame bytes plus
//! "take N bytes of stream S" segments. Request bodies never enter wasm.

use wasm_bindgen::prelude::*;

use super::boundary::{
    begin_output, clear_records, ms, pack_field, push_record, push_text, segment_words, trim, unpack_fields,
    user_error_code, user_error_number,
};
use super::connection::parse_config;
use crate::client::{ClientConfig, ClientConnection, ClientEvent};
use crate::connection::Output;
use crate::error::{ErrorCode, UserError};

/// Event kinds (word 0 of a record). Keep in sync with js/client.js `CEV`.
mod kind {
    pub const INFORMATIONAL: u32 = 1; // a=status b=fields.start c=fields.end
    pub const RESPONSE: u32 = 2; // a=status b=fields.start c=fields.end d=end_stream
    pub const TRAILERS: u32 = 3; // a=fields.start b=fields.end
    pub const DATA: u32 = 4; // a=start b=end (offsets into the chunk)
    pub const END: u32 = 5;
    pub const MALFORMED: u32 = 6; // a=text offset b=text len
    pub const RESET: u32 = 7; // a=code b=remote|not_processed<<1 c=unsent low d=unsent high
    pub const SEND_READY: u32 = 8;
    pub const SEND_BLOCKED: u32 = 9;
    pub const STREAM_CLOSED: u32 = 10;
    pub const SETTINGS: u32 = 11; // a=server MAX_CONCURRENT_STREAMS (0xffffffff: none)
    pub const PING_ACK: u32 = 12; // a,b = data (big-endian halves) c=rtt ms
    pub const GOAWAY: u32 = 13; // a=last_stream_id b=code
    pub const ERROR: u32 = 14; // a=code b=remote c=text offset d=text len
    pub const CLOSED: u32 = 15;
    pub const TIMED_OUT: u32 = 16; // a=text offset b=text len
}

/// `request` returns a stream id, or this bit plus a user-error number.
const REQUEST_ERROR: u32 = 0x8000_0000;

/// Parse the client's config lines: the server's names (limits, settings,
/// `connectionWindow`) plus `keepaliveMs`, `pingTimeoutMs`, `maxWaitingRequests`,
/// `responseTimeoutMs`, `responseBodyTimeoutMs`.
/// `Err(line)` is 1-based.
pub fn parse_client_config(text: &[u8]) -> Result<ClientConfig, u32> {
    let mut cfg = ClientConfig::default();
    let text = core::str::from_utf8(text).map_err(|_| 1u32)?;
    let mut shared = String::new();
    let mut window_given = false;
    let mut conn_window_given = false;
    for (i, line) in text.lines().enumerate() {
        let no = u32::try_from(i).unwrap_or(u32::MAX).saturating_add(1);
        let (name, value) = line.split_once('=').map_or((line.trim(), ""), |(n, v)| (n.trim(), v.trim()));
        let num = || value.parse::<u64>().map_err(|_| no);
        match name {
            "keepaliveMs" => cfg.keepalive_ms = num()?,
            "pingTimeoutMs" => cfg.ping_timeout_ms = num()?,
            "responseTimeoutMs" => cfg.response_timeout_ms = num()?,
            "responseBodyTimeoutMs" => cfg.response_body_timeout_ms = num()?,
            "maxWaitingRequests" => cfg.max_waiting_requests = usize::try_from(num()?).map_err(|_| no)?,
            _ => {
                window_given |= name == "initialWindowSize";
                conn_window_given |= name == "connectionWindow";
                shared.push_str(line);
            }
        }
        // One line out per line in, so the shared parser's line numbers match ours.
        shared.push('\n');
    }
    let base = parse_config(shared.as_bytes())?;
    let default_window = cfg.settings.initial_window_size;
    cfg.limits = base.limits;
    cfg.settings = base.settings;
    if !window_given {
        cfg.settings.initial_window_size = default_window;
    }
    if conn_window_given {
        cfg.connection_window = base.connection_window;
    }
    Ok(cfg)
}

#[wasm_bindgen]
pub struct WasmClient {
    conn: ClientConnection,
    input: Vec<u8>,
    args: Vec<u8>,
    events: Vec<u8>,
    text: Vec<u8>,
    scratch: Vec<u8>,
    out: Output,
    segs: Vec<u32>,
}

#[wasm_bindgen]
impl WasmClient {
    #[wasm_bindgen(constructor)]
    pub fn new(now_ms: f64) -> WasmClient {
        WasmClient {
            conn: ClientConnection::new(ClientConfig::default(), ms(now_ms)),
            input: Vec::new(),
            args: Vec::new(),
            events: Vec::new(),
            text: Vec::new(),
            scratch: Vec::new(),
            out: Output::new(),
            segs: Vec::new(),
        }
    }

    /// Rebuild from the `name=value` lines at `args_ptr(len)`; 0 or the bad line (1-based).
    pub fn configure(&mut self, len: usize, now_ms: f64) -> u32 {
        match parse_client_config(self.args.get(..len).unwrap_or(&[])) {
            Ok(cfg) => {
                self.conn = ClientConnection::new(cfg, ms(now_ms));
                0
            }
            Err(line) => line,
        }
    }

    pub fn input_ptr(&mut self, len: usize) -> *mut u8 {
        self.input.clear();
        self.input.resize(len, 0);
        self.input.as_mut_ptr()
    }

    pub fn args_ptr(&mut self, len: usize) -> *mut u8 {
        self.args.clear();
        self.args.resize(len, 0);
        self.args.as_mut_ptr()
    }

    pub fn receive(&mut self, len: usize, now_ms: f64) -> u32 {
        let n = len.min(self.input.len());
        self.clear_events();
        trim(&mut self.scratch);
        trim(&mut self.args);
        let input = self.input.get(..n).unwrap_or(&[]);
        self.conn.receive(input, ms(now_ms));
        trim(&mut self.input);
        self.drain()
    }

    pub fn poll(&mut self) -> u32 {
        self.clear_events();
        self.drain()
    }

    pub fn events_ptr(&self) -> *const u8 {
        self.events.as_ptr()
    }

    pub fn text_ptr(&self) -> *const u8 {
        self.text.as_ptr()
    }

    pub fn pack_fields(&mut self, start: u32, end: u32) -> usize {
        self.scratch.clear();
        for i in start..end {
            let (n, v) = self.conn.field(i);
            pack_field(&mut self.scratch, n, v);
        }
        self.scratch.len()
    }

    pub fn scratch_ptr(&self) -> *const u8 {
        self.scratch.as_ptr()
    }

    pub fn pack_debug_data(&mut self) -> usize {
        self.scratch.clear();
        self.scratch.extend_from_slice(self.conn.debug_data());
        self.scratch.len()
    }

    /// Start a request with the packed fields at `args_ptr`: the stream id, or
    /// 0x80000000 | user-error number.
    pub fn request(&mut self, args_len: usize, end_stream: bool, now_ms: f64) -> u32 {
        self.conn.set_now(ms(now_ms));
        let Some(fields) = self.args.get(..args_len).and_then(unpack_fields) else {
            return REQUEST_ERROR | user_error_number(UserError::InvalidHeader);
        };
        match self.conn.request(&fields, end_stream) {
            Ok(id) => id,
            Err(e) => REQUEST_ERROR | user_error_number(e),
        }
    }

    pub fn send_data(&mut self, stream_id: u32, len: u32, end_stream: bool) -> u32 {
        user_error_code(self.conn.send_data(stream_id, len, end_stream))
    }

    pub fn send_trailers(&mut self, stream_id: u32, args_len: usize) -> u32 {
        let Some(fields) = self.args.get(..args_len).and_then(unpack_fields) else {
            return user_error_number(UserError::InvalidHeader);
        };
        user_error_code(self.conn.send_trailers(stream_id, &fields))
    }

    pub fn reset_stream(&mut self, stream_id: u32, error_code: u32) -> u32 {
        user_error_code(self.conn.reset_stream(stream_id, ErrorCode(error_code)))
    }

    pub fn consumed(&mut self, stream_id: u32, n: u32, now_ms: f64) -> u32 {
        self.conn.set_now(ms(now_ms));
        user_error_code(self.conn.consumed(stream_id, n))
    }

    pub fn ping(&mut self, hi: u32, lo: u32, now_ms: f64) -> u32 {
        self.conn.set_now(ms(now_ms));
        let mut data = [0u8; 8];
        for (d, s) in data.iter_mut().zip(hi.to_be_bytes().into_iter().chain(lo.to_be_bytes())) {
            *d = s;
        }
        user_error_code(self.conn.ping(data))
    }

    pub fn close(&mut self) {
        self.conn.close();
    }

    pub fn abort(&mut self, error_code: u32) {
        self.conn.abort(ErrorCode(error_code));
    }

    pub fn tick(&mut self, now_ms: f64) {
        self.conn.tick(ms(now_ms));
    }

    pub fn next_deadline(&self) -> f64 {
        self.conn.next_deadline().map_or(-1.0, |t| t as f64)
    }

    pub fn write_output(&mut self, max_bytes: usize, now_ms: f64) -> u32 {
        self.conn.set_now(ms(now_ms));
        begin_output(&mut self.out, &mut self.segs);
        self.conn.write_output(&mut self.out, max_bytes);
        segment_words(&self.out, &mut self.segs)
    }

    pub fn out_ptr(&self) -> *const u8 {
        self.out.bytes.as_ptr()
    }

    pub fn out_len(&self) -> usize {
        self.out.bytes.len()
    }

    pub fn segs_ptr(&self) -> *const u32 {
        self.segs.as_ptr()
    }

    pub fn wants_write(&self) -> bool {
        self.conn.wants_write()
    }

    pub fn is_closed(&self) -> bool {
        self.conn.is_closed()
    }

    pub fn is_going_away(&self) -> bool {
        self.conn.is_going_away()
    }

    pub fn open_streams(&self) -> u32 {
        u32::try_from(self.conn.open_streams()).unwrap_or(u32::MAX)
    }

    pub fn waiting_requests(&self) -> u32 {
        u32::try_from(self.conn.waiting_requests()).unwrap_or(u32::MAX)
    }
}

impl WasmClient {
    fn clear_events(&mut self) {
        clear_records(&mut self.events, &mut self.text);
    }

    fn drain(&mut self) -> u32 {
        let mut n = 0u32;
        while let Some(ev) = self.conn.poll_event() {
            let rec = self.record(ev);
            push_record(&mut self.events, rec);
            n = n.saturating_add(1);
        }
        n
    }

    fn push_text(&mut self, s: &str) -> (u32, u32) {
        push_text(&mut self.text, s)
    }

    fn record(&mut self, ev: ClientEvent) -> [u32; 6] {
        match ev {
            ClientEvent::Informational { stream_id, status, fields } => {
                [kind::INFORMATIONAL, stream_id, u32::from(status), fields.start, fields.end, 0]
            }
            ClientEvent::Response { stream_id, status, fields, end_stream } => {
                [kind::RESPONSE, stream_id, u32::from(status), fields.start, fields.end, u32::from(end_stream)]
            }
            ClientEvent::Trailers { stream_id, fields } => [kind::TRAILERS, stream_id, fields.start, fields.end, 0, 0],
            ClientEvent::Data { stream_id, start, end } => [kind::DATA, stream_id, start, end, 0, 0],
            ClientEvent::End { stream_id } => [kind::END, stream_id, 0, 0, 0, 0],
            ClientEvent::Malformed { stream_id, reason } => {
                let (o, l) = self.push_text(reason);
                [kind::MALFORMED, stream_id, o, l, 0, 0]
            }
            ClientEvent::TimedOut { stream_id, reason } => {
                let (o, l) = self.push_text(reason);
                [kind::TIMED_OUT, stream_id, o, l, 0, 0]
            }
            ClientEvent::Reset { stream_id, code, remote, unsent, not_processed } => [
                kind::RESET,
                stream_id,
                code.0,
                u32::from(remote) | (u32::from(not_processed) << 1),
                (unsent & 0xffff_ffff) as u32,
                (unsent >> 32) as u32,
            ],
            ClientEvent::SendReady { stream_id } => [kind::SEND_READY, stream_id, 0, 0, 0, 0],
            ClientEvent::SendBlocked { stream_id } => [kind::SEND_BLOCKED, stream_id, 0, 0, 0, 0],
            ClientEvent::StreamClosed { stream_id } => [kind::STREAM_CLOSED, stream_id, 0, 0, 0, 0],
            ClientEvent::Settings => {
                let mcs = self.conn.peer_settings().max_concurrent_streams.unwrap_or(u32::MAX);
                [kind::SETTINGS, 0, mcs, 0, 0, 0]
            }
            ClientEvent::PingAck { data, rtt_ms } => {
                let [a, b, c, d, e, f, g, h] = data;
                let hi = u32::from_be_bytes([a, b, c, d]);
                let lo = u32::from_be_bytes([e, f, g, h]);
                [kind::PING_ACK, 0, hi, lo, u32::try_from(rtt_ms).unwrap_or(u32::MAX), 0]
            }
            ClientEvent::GoAway { last_stream_id, code } => [kind::GOAWAY, 0, last_stream_id, code.0, 0, 0],
            ClientEvent::Error { code, reason, remote } => {
                let (o, l) = self.push_text(reason);
                [kind::ERROR, 0, code.0, u32::from(remote), o, l]
            }
            ClientEvent::Closed => [kind::CLOSED, 0, 0, 0, 0, 0],
        }
    }
}
