//! A measurement prototype of the boundary docs/PERFORMANCE.md recommends, NOT the
//! package's boundary (that is src/wasm/ + js/engine.js): one wasm call per socket
//! chunk and one per flush, events as fixed-size u32 records in one buffer shared
//! by all connections, header bytes read by JS straight from wasm memory, response
//! bodies never copied into wasm (only their lengths). bench/servers/proto-direct.js
//! drives it; comparing it with bench/servers/h2wasm.js shows what the glue costs.
//!
//! Event record (8 × u32): kind, stream_id, a, b, c, d, e, f
//!   1 Request: a=method ptr, b=method len, c=path ptr, d=path len, e=end_stream
//!   2 Data:    a=start, b=end (offsets into the input buffer)
//!   3 End
//!   4 Closed (connection)
//!   5 Reset
//! Output: bytes at out_ptr(); segments as (kind, len, stream_id) u32 triples at
//! seg_ptr(): kind 0 = next len bytes of the output, 1 = next len bytes of the
//! body queued on stream_id.
use h2wasm::connection::{Config, Connection, Event, Output, Segment};

pub const REC: usize = 8;

pub struct Proto {
    conns: Vec<Option<Connection>>,
    free: Vec<u32>,
    input: Vec<u8>,
    events: Vec<u32>,
    out: Output,
    segs: Vec<u32>,
}

impl Proto {
    pub const fn new() -> Self {
        Proto { conns: Vec::new(), free: Vec::new(), input: Vec::new(), events: Vec::new(),
            out: Output { bytes: Vec::new(), segments: Vec::new() }, segs: Vec::new() }
    }

    pub fn open(&mut self, now: u64) -> u32 {
        let c = Some(Connection::new(Config::default(), now));
        if let Some(h) = self.free.pop() {
            self.conns[h as usize] = c;
            h
        } else {
            self.conns.push(c);
            (self.conns.len() - 1) as u32
        }
    }

    pub fn close(&mut self, h: u32) {
        if let Some(slot) = self.conns.get_mut(h as usize) {
            if slot.take().is_some() {
                self.free.push(h);
            }
        }
    }

    pub fn input(&mut self, len: usize) -> *mut u8 {
        if self.input.len() < len {
            self.input.resize(len, 0);
        }
        self.input.as_mut_ptr()
    }

    fn drain(events: &mut Vec<u32>, conn: &mut Connection) {
        while let Some(ev) = conn.poll_event() {
            let rec: [u32; REC] = match ev {
                Event::Request { stream_id, fields, end_stream } => {
                    let (mut m, mut p) = ((0, 0), (0, 0));
                    for i in fields {
                        let (name, value) = conn.field(i);
                        if name == b":method" {
                            m = (value.as_ptr() as u32, value.len() as u32);
                        } else if name == b":path" {
                            p = (value.as_ptr() as u32, value.len() as u32);
                        } else if !name.starts_with(b":") {
                            break;
                        }
                    }
                    [1, stream_id, m.0, m.1, p.0, p.1, end_stream as u32, 0]
                }
                Event::Data { stream_id, start, end } => [2, stream_id, start, end, 0, 0, 0, 0],
                Event::End { stream_id } => [3, stream_id, 0, 0, 0, 0, 0, 0],
                Event::Closed => [4, 0, 0, 0, 0, 0, 0, 0],
                Event::Reset { stream_id, .. } => [5, stream_id, 0, 0, 0, 0, 0, 0],
                _ => continue,
            };
            events.extend_from_slice(&rec);
        }
    }

    /// Feed input[..len]; returns the number of event records.
    pub fn receive(&mut self, h: u32, len: usize, now: u64) -> u32 {
        self.events.clear();
        let Some(Some(conn)) = self.conns.get_mut(h as usize) else { return 0 };
        conn.receive(&self.input[..len.min(self.input.len())], now);
        Self::drain(&mut self.events, conn);
        (self.events.len() / REC) as u32
    }

    pub fn respond(&mut self, h: u32, sid: u32, status: u32, body_len: u32) -> bool {
        let Some(Some(conn)) = self.conns.get_mut(h as usize) else { return false };
        let mut buf = [0u8; 10];
        let mut n = body_len;
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 { break; }
        }
        let fields: [(&[u8], &[u8]); 1] = [(b"content-length", &buf[i..])];
        conn.send_headers(sid, status as u16, &fields, body_len == 0).is_ok()
            && (body_len == 0 || conn.send_data(sid, body_len, true).is_ok())
    }

    pub fn consumed(&mut self, h: u32, sid: u32, n: u32) {
        if let Some(Some(conn)) = self.conns.get_mut(h as usize) {
            let _ = conn.consumed(sid, n);
        }
    }

    /// write_output into the shared output; returns the number of segments.
    /// Events it produces (StreamClosed, ...) are appended after a clear.
    pub fn flush(&mut self, h: u32, max: usize) -> u32 {
        self.out.clear();
        self.segs.clear();
        self.events.clear();
        let Some(Some(conn)) = self.conns.get_mut(h as usize) else { return 0 };
        conn.write_output(&mut self.out, max);
        for s in &self.out.segments {
            match *s {
                Segment::Bytes { len } => self.segs.extend_from_slice(&[0, len, 0]),
                Segment::Data { stream_id, len } => self.segs.extend_from_slice(&[1, len, stream_id]),
            }
        }
        Self::drain(&mut self.events, conn);
        (self.segs.len() / 3) as u32
    }

    pub fn events_ptr(&self) -> *const u32 { self.events.as_ptr() }
    pub fn events_len(&self) -> u32 { (self.events.len() / REC) as u32 }
    pub fn out_ptr(&self) -> *const u8 { self.out.bytes.as_ptr() }
    pub fn seg_ptr(&self) -> *const u32 { self.segs.as_ptr() }
}

#[cfg(target_arch = "wasm32")]
#[allow(static_mut_refs)]
mod exports {
    use super::Proto;
    static mut P: Proto = Proto::new();
    fn p() -> &'static mut Proto { unsafe { &mut P } }
    #[no_mangle] pub extern "C" fn p_open(now: f64) -> u32 { p().open(now as u64) }
    #[no_mangle] pub extern "C" fn p_close(h: u32) { p().close(h) }
    #[no_mangle] pub extern "C" fn p_input(len: usize) -> *mut u8 { p().input(len) }
    #[no_mangle] pub extern "C" fn p_receive(h: u32, len: usize, now: f64) -> u32 { p().receive(h, len, now as u64) }
    #[no_mangle] pub extern "C" fn p_respond(h: u32, sid: u32, status: u32, body_len: u32) -> u32 { p().respond(h, sid, status, body_len) as u32 }
    #[no_mangle] pub extern "C" fn p_consumed(h: u32, sid: u32, n: u32) { p().consumed(h, sid, n) }
    #[no_mangle] pub extern "C" fn p_flush(h: u32, max: usize) -> u32 { p().flush(h, max) }
    #[no_mangle] pub extern "C" fn p_events_ptr() -> *const u32 { p().events_ptr() }
    #[no_mangle] pub extern "C" fn p_events_len() -> u32 { p().events_len() }
    #[no_mangle] pub extern "C" fn p_out_ptr() -> *const u8 { p().out_ptr() }
    #[no_mangle] pub extern "C" fn p_seg_ptr() -> *const u32 { p().seg_ptr() }
}
