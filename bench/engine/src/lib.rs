//! Engine-only benchmark: recorded h2load client bytes (one connection, GET /,
//! `-m 100`) replayed into `Connection::receive` in socket-sized chunks; every
//! request is answered like bench/servers' `GET /` (HEADERS with content-length +
//! 12-byte DATA, END_STREAM) and the output is drained after every chunk, as the
//! JS side would after each socket read. Returns the number of requests seen.
pub mod proto;

use h2wasm::connection::{Config, Connection, Event, Output};

pub fn replay(input: &[u8], chunk: usize, reps: u32) -> u64 {
    let mut requests = 0u64;
    let mut out = Output::new();
    let mut now = 0u64;
    for _ in 0..reps {
        let mut conn = Connection::new(Config::default(), now);
        for piece in input.chunks(chunk.max(1)) {
            now += 1;
            conn.receive(piece, now);
            while let Some(ev) = conn.poll_event() {
                if let Event::Request { stream_id, .. } = ev {
                    requests += 1;
                    let _ = conn.send_headers(stream_id, 200, &[(b"content-length", b"12")], false);
                    let _ = conn.send_data(stream_id, 12, true);
                }
            }
            out.clear();
            conn.write_output(&mut out, usize::MAX);
            out.clear();
            // Events produced by flushing (StreamClosed, ...).
            while conn.poll_event().is_some() {}
        }
    }
    requests
}

/// wasm32 entry points: the input is copied into a buffer allocated here.
#[cfg(target_arch = "wasm32")]
mod wasm {
    static mut INPUT: Vec<u8> = Vec::new();

    #[no_mangle]
    pub extern "C" fn input_alloc(len: usize) -> *mut u8 {
        // Single-threaded wasm; the buffer lives for the whole run.
        #[allow(static_mut_refs)]
        unsafe {
            INPUT = vec![0; len];
            INPUT.as_mut_ptr()
        }
    }

    static mut IDLE: Vec<h2wasm::connection::Connection> = Vec::new();

    /// Opens n idle connections (kept until the next call); JS measures memory growth.
    #[no_mangle]
    pub extern "C" fn idle(n: usize) -> usize {
        #[allow(static_mut_refs)]
        unsafe {
            let hs = super::handshake_bytes(&INPUT);
            IDLE = super::idle_connections(&hs, n);
            IDLE.len()
        }
    }

    #[no_mangle]
    pub extern "C" fn run(chunk: usize, reps: u32) -> f64 {
        #[allow(static_mut_refs)]
        let input = unsafe { &INPUT[..] };
        super::replay(input, chunk, reps) as f64
    }
}

/// The handshake of the recorded client: preface, SETTINGS, WINDOW_UPDATE (the first
/// 58 bytes of h2load-onecon.bin) and an ACK of our SETTINGS.
pub fn handshake_bytes(input: &[u8]) -> Vec<u8> {
    let mut v = input.get(..58).unwrap_or(input).to_vec();
    v.extend_from_slice(&[0, 0, 0, 4, 1, 0, 0, 0, 0]);
    v
}

/// Open `n` connections that have done the whole handshake and keep them (idle).
pub fn idle_connections(handshake: &[u8], n: usize) -> Vec<Connection> {
    let mut out = Output::new();
    (0..n)
        .map(|_| {
            let mut conn = Connection::new(Config::default(), 0);
            conn.receive(handshake, 1);
            while conn.poll_event().is_some() {}
            out.clear();
            conn.write_output(&mut out, usize::MAX);
            while conn.poll_event().is_some() {}
            conn
        })
        .collect()
}
