//! `WasmClient`: the client engine as seen from js/client.js, through the
//! exports of `src/wasm/abi.rs`. Same design as `WasmConnection`
//! (docs/ARCHITECTURE.md, "Boundary format"): only numbers cross; JS copies
//! each socket chunk into `input`, reads event records, packs header lists
//! into `args`, and gets frame bytes plus "take N bytes of stream S"
//! segments. Request bodies never enter wasm.

use super::boundary::{
    begin_output, clear_records, client_event as ev, client_reset_flag, ms, pack_field, parse_client_config,
    push_record, push_text, segment_words, split_u64, trim, unpack_fields, user_error_code, user_error_number,
    RECORD_WORDS, REQUEST_ERROR,
};
use crate::client::{ClientConfig, ClientConnection, ClientEvent};
use crate::connection::Output;
use crate::error::{ErrorCode, UserError};

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

impl WasmClient {
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

    fn record(&mut self, event: ClientEvent) -> [u32; RECORD_WORDS] {
        match event {
            ClientEvent::Informational { stream_id, status, fields } => {
                ev::informational(stream_id, u32::from(status), fields.start, fields.end)
            }
            ClientEvent::Response { stream_id, status, fields, end_stream } => {
                ev::response(stream_id, u32::from(status), fields.start, fields.end, u32::from(end_stream))
            }
            ClientEvent::Trailers { stream_id, fields } => ev::trailers(stream_id, fields.start, fields.end),
            ClientEvent::Data { stream_id, start, end } => ev::data(stream_id, start, end),
            ClientEvent::End { stream_id } => ev::end(stream_id),
            ClientEvent::Malformed { stream_id, reason } => {
                let (o, l) = self.push_text(reason);
                ev::malformed(stream_id, o, l)
            }
            ClientEvent::TimedOut { stream_id, reason } => {
                let (o, l) = self.push_text(reason);
                ev::timed_out(stream_id, o, l)
            }
            ClientEvent::TooLarge { stream_id } => ev::too_large(stream_id),
            ClientEvent::Reset { stream_id, code, remote, unsent, not_processed } => {
                let mut flags = 0;
                if remote {
                    flags |= client_reset_flag::REMOTE;
                }
                if not_processed {
                    flags |= client_reset_flag::NOT_PROCESSED;
                }
                let (low, high) = split_u64(unsent);
                ev::reset(stream_id, code.0, flags, low, high)
            }
            ClientEvent::SendReady { stream_id } => ev::send_ready(stream_id),
            ClientEvent::SendBlocked { stream_id } => ev::send_blocked(stream_id),
            ClientEvent::StreamClosed { stream_id } => ev::stream_closed(stream_id),
            ClientEvent::Settings => {
                ev::settings(0, self.conn.peer_settings().max_concurrent_streams.unwrap_or(u32::MAX))
            }
            ClientEvent::PingAck { data, rtt_ms } => {
                let [a, b, c, d, e, f, g, h] = data;
                let rtt = u32::try_from(rtt_ms).unwrap_or(u32::MAX);
                ev::ping_ack(0, u32::from_be_bytes([a, b, c, d]), u32::from_be_bytes([e, f, g, h]), rtt)
            }
            ClientEvent::GoAway { last_stream_id, code } => ev::goaway(0, last_stream_id, code.0),
            ClientEvent::Error { code, reason, remote } => {
                let (o, l) = self.push_text(reason);
                ev::error(0, code.0, u32::from(remote), o, l)
            }
            ClientEvent::Closed => ev::closed(0),
        }
    }
}
