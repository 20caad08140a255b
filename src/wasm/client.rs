//! `WasmClient`: the client engine as seen from js/client.js, through the
//! exports of `src/wasm/abi.rs`. Same design as `WasmConnection`
//! (docs/ARCHITECTURE.md, "Boundary format"): only numbers cross; JS copies
//! each socket chunk into `input`, reads event records, packs header lists
//! into `args`, and gets frame bytes plus "take N bytes of stream S"
//! segments. Request bodies never enter wasm.

use super::boundary::{
    client_event as ev, client_reset_flag, ms, parse_client_config, split_u64, unpack_fields, user_error_code,
    user_error_number, RECORD_WORDS, REQUEST_ERROR,
};
use super::buffers::{Buffers, Text};
use crate::client::{ClientConfig, ClientConnection, ClientEvent};
use crate::error::{ErrorCode, UserError};

pub struct WasmClient {
    conn: ClientConnection,
    /// What JS writes and reads (pointers, records, output).
    pub io: Buffers,
}

impl WasmClient {
    pub fn new(now_ms: f64) -> WasmClient {
        WasmClient { conn: ClientConnection::new(ClientConfig::default(), ms(now_ms)), io: Buffers::new() }
    }

    /// Rebuild from the `name=value` lines at `args_ptr(len)`; 0 or the bad line (1-based).
    pub fn configure(&mut self, len: usize, now_ms: f64) -> u32 {
        match parse_client_config(self.io.args(len).unwrap_or(&[])) {
            Ok(cfg) => {
                self.conn = ClientConnection::new(cfg, ms(now_ms));
                0
            }
            Err(line) => line,
        }
    }

    pub fn receive(&mut self, len: usize, now_ms: f64) -> u32 {
        let conn = &mut self.conn;
        self.io.receive(len, |input| conn.receive(input, ms(now_ms)));
        self.drain()
    }

    pub fn poll(&mut self) -> u32 {
        self.io.clear_events();
        self.drain()
    }

    /// Pack header fields `start..end` of the arena (`Buffers::pack_fields`).
    pub fn pack_fields(&mut self, start: u32, end: u32) -> usize {
        let conn = &self.conn;
        self.io.pack_fields((start..end).map(|i| conn.field(i)))
    }

    /// The last GOAWAY's debug data into scratch; its length.
    pub fn pack_debug_data(&mut self) -> usize {
        self.io.pack_bytes(self.conn.debug_data())
    }

    /// Start a request with the packed fields at `args_ptr`: the stream id, or
    /// 0x80000000 | user-error number.
    pub fn request(&mut self, args_len: usize, end_stream: bool, now_ms: f64) -> u32 {
        self.conn.set_now(ms(now_ms));
        let Some(fields) = self.io.args(args_len).and_then(unpack_fields) else {
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
        let Some(fields) = self.io.args(args_len).and_then(unpack_fields) else {
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
        let conn = &mut self.conn;
        self.io.write_output(|out| conn.write_output(out, max_bytes))
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
    fn drain(&mut self) -> u32 {
        let conn = &mut self.conn;
        self.io.drain(|text| {
            let e = conn.poll_event()?;
            Some(record(conn, text, e))
        })
    }
}

/// One event as its boundary record (`client_event`); SETTINGS reads the peer's settings from `conn`.
fn record(conn: &ClientConnection, text: &mut Text, event: ClientEvent) -> [u32; RECORD_WORDS] {
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
            let (o, l) = text.push(reason);
            ev::malformed(stream_id, o, l)
        }
        ClientEvent::TimedOut { stream_id, reason } => {
            let (o, l) = text.push(reason);
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
        ClientEvent::Settings => ev::settings(0, conn.peer_settings().max_concurrent_streams.unwrap_or(u32::MAX)),
        ClientEvent::PingAck { data, rtt_ms } => {
            let [a, b, c, d, e, f, g, h] = data;
            let rtt = u32::try_from(rtt_ms).unwrap_or(u32::MAX);
            ev::ping_ack(0, u32::from_be_bytes([a, b, c, d]), u32::from_be_bytes([e, f, g, h]), rtt)
        }
        ClientEvent::GoAway { last_stream_id, code } => ev::goaway(0, last_stream_id, code.0),
        ClientEvent::Error { code, reason, remote } => {
            let (o, l) = text.push(reason);
            ev::error(0, code.0, u32::from(remote), o, l)
        }
        ClientEvent::Closed => ev::closed(0),
    }
}
