//! Native driver for the sans-IO engine: the same routes as server.js, over
//! std::net with one thread per connection. Lets the conformance suite run
//! against `h2wasm::connection::Connection` directly (H2WASM_CONF_SERVER=native),
//! e.g. before the npm package lands or to tell engine bugs from JS-layer bugs.
//! Prints `PORT <n>`; exits when stdin closes. Options: H2WASM_CONF_OPTIONS,
//! flat JSON of camelCase `Limits` fields (numbers only).

use h2wasm::connection::{Config, Connection, Event, Output, Segment};
use h2wasm::ErrorCode;
use std::collections::{HashMap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

const SMALL: &[u8] = b"hello from h2wasm\n";

fn options() -> Vec<(String, u64)> {
    let s = std::env::var("H2WASM_CONF_OPTIONS").unwrap_or_default();
    let mut out = Vec::new();
    for part in s.trim().trim_start_matches('{').trim_end_matches('}').split(',') {
        let mut kv = part.splitn(2, ':');
        if let (Some(k), Some(v)) = (kv.next(), kv.next()) {
            if let Ok(n) = v.trim().parse::<u64>() {
                out.push((k.trim().trim_matches('"').to_string(), n));
            }
        }
    }
    out
}

fn config() -> Config {
    let mut c = Config::default();
    let l = &mut c.limits;
    for (k, v) in options() {
        let u = v as u32;
        match k.as_str() {
            "resetBurst" => l.reset_burst = u,
            "resetRatePerS" => l.reset_rate_per_s = u,
            "glitchBurst" => l.glitch_burst = u,
            "glitchRatePerS" => l.glitch_rate_per_s = u,
            "settingsBurst" => l.settings_burst = u,
            "settingsRatePerS" => l.settings_rate_per_s = u,
            "pingBurst" => l.ping_burst = u,
            "pingRatePerS" => l.ping_rate_per_s = u,
            "prefaceTimeoutMs" => l.preface_timeout_ms = v,
            "headerBlockTimeoutMs" => l.header_block_timeout_ms = v,
            "idleTimeoutMs" => l.idle_timeout_ms = v,
            "settingsAckTimeoutMs" => l.settings_ack_timeout_ms = v,
            "closeTimeoutMs" => l.close_timeout_ms = v,
            "stallTimeoutMs" => l.stall_timeout_ms = v,
            "maxHeaderFields" => l.max_header_fields = v as usize,
            "maxConcurrentStreams" => c.settings.max_concurrent_streams = u,
            _ => eprintln!("native_server: unknown option {k}"),
        }
    }
    c
}

#[derive(Default)]
struct Stream {
    path: String,
    queue: VecDeque<u8>,
    big_left: u64,
    blocked: bool,
    ended: bool,
}

fn serve(mut sock: TcpStream) {
    let t0 = Instant::now();
    let now = || t0.elapsed().as_millis() as u64;
    let mut conn = Connection::new(config(), now());
    let mut streams: HashMap<u32, Stream> = HashMap::new();
    let mut out = Output::new();
    let mut buf = vec![0u8; 65536];
    let mut wire = Vec::new();
    sock.set_nodelay(true).ok();
    let mut peer_eof = false;
    loop {
        // Bounded write per turn; the socket write blocks (backpressure).
        out.clear();
        conn.write_output(&mut out, 256 * 1024);
        if !out.is_empty() {
            wire.clear();
            let mut at = 0usize;
            for seg in &out.segments {
                match *seg {
                    Segment::Bytes { len } => {
                        wire.extend_from_slice(&out.bytes[at..at + len as usize]);
                        at += len as usize;
                    }
                    Segment::Data { stream_id, len } => {
                        let s = streams.entry(stream_id).or_default();
                        for _ in 0..len {
                            wire.push(s.queue.pop_front().unwrap_or(0));
                        }
                    }
                }
            }
            if sock.write_all(&wire).is_err() {
                return;
            }
        }
        if conn.is_closed() {
            let _ = sock.flush();
            return;
        }
        if conn.wants_write() {
            // More to write: still poll input briefly so floods are seen.
            sock.set_read_timeout(Some(Duration::from_millis(1))).ok();
        } else {
            let wait = conn.next_deadline().map(|d| d.saturating_sub(now()).clamp(1, 20)).unwrap_or(20);
            sock.set_read_timeout(Some(Duration::from_millis(wait))).ok();
        }
        let n = if peer_eof {
            std::thread::sleep(Duration::from_millis(5));
            0
        } else {
            match sock.read(&mut buf) {
                Ok(0) => {
                    peer_eof = true;
                    0
                }
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => 0,
                Err(_) => return,
            }
        };
        if peer_eof && !conn.wants_write() {
            return;
        }
        if n > 0 {
            conn.receive(&buf[..n], now());
        }
        conn.tick(now());
        let input = &buf[..n];
        while let Some(ev) = conn.poll_event() {
            match ev {
                Event::Request { stream_id, fields, end_stream } => {
                    let mut path = String::new();
                    let mut expect = false;
                    for i in fields {
                        let (k, v) = conn.field(i);
                        if k == b":path" {
                            path = String::from_utf8_lossy(v).into_owned();
                        }
                        if k == b"expect" && v.eq_ignore_ascii_case(b"100-continue") {
                            expect = true;
                        }
                    }
                    let route = path.split('?').next().unwrap_or("").to_string();
                    let s = streams.entry(stream_id).or_default();
                    s.path = path.clone();
                    if route == "/echo" {
                        if expect && !end_stream {
                            let _ = conn.send_informational(stream_id, 100, &[]);
                        }
                        let _ =
                            conn.send_headers(stream_id, 200, &[(b"content-type", b"application/octet-stream")], false);
                    }
                    if end_stream {
                        finish_request(&mut conn, stream_id, s);
                    }
                }
                Event::Data { stream_id, start, end } => {
                    let s = streams.entry(stream_id).or_default();
                    let route = s.path.split('?').next().unwrap_or("");
                    if route == "/echo" {
                        let d = &input[start as usize..end as usize];
                        s.queue.extend(d.iter().copied());
                        let _ = conn.send_data(stream_id, d.len() as u32, false);
                        let _ = conn.consumed(stream_id, d.len() as u32);
                    } else if route != "/hang" {
                        let _ = conn.consumed(stream_id, end - start);
                    }
                }
                Event::End { stream_id } => {
                    let s = streams.entry(stream_id).or_default();
                    finish_request(&mut conn, stream_id, s);
                }
                Event::SendBlocked { stream_id } => {
                    if let Some(s) = streams.get_mut(&stream_id) {
                        s.blocked = true;
                    }
                }
                Event::SendReady { stream_id } => {
                    if let Some(s) = streams.get_mut(&stream_id) {
                        s.blocked = false;
                    }
                }
                Event::Reset { stream_id, .. } | Event::StreamClosed { stream_id } => {
                    streams.remove(&stream_id);
                }
                Event::Rejected { stream_id, status, reason } if std::env::var("H2WASM_CONF_DEBUG").is_ok() => {
                    eprintln!("native_server: stream {stream_id} rejected {status}: {reason}");
                }
                Event::Error { code, reason, remote } if std::env::var("H2WASM_CONF_DEBUG").is_ok() => {
                    eprintln!("native_server: connection error {code:?} {reason} remote={remote}");
                }
                _ => {}
            }
        }
        // Push producers for /big.
        for (id, s) in streams.iter_mut() {
            while s.big_left > 0 && !s.blocked && !s.ended {
                let n = s.big_left.min(16_384);
                s.big_left -= n;
                s.queue.extend(std::iter::repeat_n(b'a', n as usize));
                let last = s.big_left == 0;
                if conn.send_data(*id, n as u32, last).is_err() {
                    s.blocked = true;
                    s.big_left += n;
                    break;
                }
                if last {
                    s.ended = true;
                }
            }
        }
    }
}

fn finish_request(conn: &mut Connection, id: u32, s: &mut Stream) {
    let route = s.path.split('?').next().unwrap_or("").to_string();
    match route.as_str() {
        "/" => {
            let len = SMALL.len().to_string();
            let _ = conn.send_headers(
                id,
                200,
                &[(b"content-type", b"text/plain"), (b"content-length", len.as_bytes())],
                false,
            );
            s.queue.extend(SMALL.iter().copied());
            let _ = conn.send_data(id, SMALL.len() as u32, true);
            s.ended = true;
        }
        "/echo" => {
            let _ = conn.send_data(id, 0, true);
            s.ended = true;
        }
        "/big" => {
            let n = s.path.split("n=").nth(1).and_then(|v| v.parse::<u64>().ok()).unwrap_or(4 * 1024 * 1024);
            let _ = conn.send_headers(id, 200, &[(b"content-type", b"application/octet-stream")], n == 0);
            s.big_left = n;
            s.ended = n == 0;
        }
        "/hang" => {}
        _ => {
            let _ = conn.send_headers(id, 404, &[(b"content-type", b"text/plain")], false);
            s.queue.extend(b"not found\n".iter().copied());
            let _ = conn.send_data(id, 10, true);
            s.ended = true;
        }
    }
    let _ = ErrorCode::NO_ERROR;
}

fn main() {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    println!("PORT {}", l.local_addr().unwrap().port());
    std::io::stdout().flush().ok();
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        std::process::exit(0);
    });
    for s in l.incoming().flatten() {
        std::thread::spawn(move || serve(s));
    }
}
