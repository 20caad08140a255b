//! Attack defences. Each test starts its own server (small limits / short
//! timeouts through server.js options, so it finishes in seconds), starts a
//! legitimate client doing GET / in a loop, runs the attack over a raw socket,
//! and asserts: the attacker is cut off (GOAWAY with the expected code) or the
//! abuse is absorbed, the legitimate client kept getting 200s while the attack
//! ran (the attack waits for its progress between bursts), and the server's
//! resident memory grew by less than 64 MiB. Every loop is bounded.

use h2wasm_conformance::*;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const MEMORY_BOUND_KIB: u64 = 64 * 1024;

// ------------------------------------------------------------------ legitimate client

struct Legit {
    ok: Arc<AtomicU64>,
    failures: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
    /// Request latencies (only recorded by `paced` clients).
    latencies: Arc<Mutex<Vec<Duration>>>,
}

impl Legit {
    /// A client sending GET / back to back.
    fn start(port: u16) -> Legit {
        Legit::run(port, None)
    }

    /// A client sending GET / every `interval` (like a real user), recording latencies.
    fn paced(port: u16, interval: Duration) -> Legit {
        Legit::run(port, Some(interval))
    }

    fn run(port: u16, interval: Option<Duration>) -> Legit {
        let ok = Arc::new(AtomicU64::new(0));
        let failures = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let latencies = Arc::new(Mutex::new(Vec::new()));
        let (ok2, f2, s2, l2) = (ok.clone(), failures.clone(), stop.clone(), latencies.clone());
        let handle = std::thread::spawn(move || {
            let mut c = Conn::connect(port);
            c.handshake();
            let mut sid = 1u32;
            let mut next = Instant::now();
            while !s2.load(Ordering::Relaxed) {
                if let Some(i) = interval {
                    let now = Instant::now();
                    if next > now {
                        std::thread::sleep(next - now);
                    }
                    next += i;
                }
                let t0 = Instant::now();
                let r = catch_unwind(AssertUnwindSafe(|| {
                    c.get(sid, "/");
                    c.expect_200(sid)
                }));
                if interval.is_some() && r.is_ok() {
                    l2.lock().unwrap().push(t0.elapsed());
                }
                match r {
                    Ok(resp) if resp.body == b"hello from h2wasm\n" => {
                        ok2.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(resp) => f2.lock().unwrap().push(format!("bad body on stream {sid}: {:?}", resp.body)),
                    Err(e) => {
                        let msg = e
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        f2.lock().unwrap().push(format!("stream {sid}: {msg}"));
                        c = Conn::connect(port);
                        c.handshake();
                        sid = 1;
                        continue;
                    }
                }
                sid += 2;
                if sid > 2_000_000_000 {
                    c = Conn::connect(port);
                    c.handshake();
                    sid = 1;
                }
            }
        });
        let l = Legit { ok, failures, stop, handle: Some(handle), latencies };
        l.wait_progress(1, "before the attack");
        l
    }

    /// Block until the legitimate client completes `n` more requests.
    fn wait_progress(&self, n: u64, when: &str) {
        let target = self.ok.load(Ordering::Relaxed) + n;
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.ok.load(Ordering::Relaxed) < target {
            assert!(
                Instant::now() < deadline,
                "legitimate client starved {when} (ok={}, failures={:?})",
                self.ok.load(Ordering::Relaxed),
                self.failures.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Forget the latencies so far (the next ones are measured during the attack).
    fn reset_latencies(&self) {
        self.latencies.lock().unwrap().clear();
    }

    /// "p50 … p99 … max … (n requests)" of the latencies recorded so far.
    fn latency_report(&self) -> String {
        let mut v = self.latencies.lock().unwrap().clone();
        if v.is_empty() {
            return "no requests measured".into();
        }
        v.sort();
        let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
        format!("p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} requests)", at(0.5), at(0.99), at(1.0), v.len())
    }

    fn finish(mut self) -> u64 {
        self.wait_progress(3, "after the attack");
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        let f = self.failures.lock().unwrap();
        assert!(f.is_empty(), "legitimate client saw failures: {:?}", *f);
        self.ok.load(Ordering::Relaxed)
    }
}

// ------------------------------------------------------------------ attacker

#[derive(Debug, Default)]
struct ReadLog {
    frames: u64,
    goaway: Option<(u32, u32)>,
    rst: u64,
    rst_codes: Vec<u32>,
    headers: u64,
    statuses: Vec<String>,
    closed: bool,
}

/// A raw attacker socket: we write from the test thread; a reader thread
/// drains and tallies the server's frames (unless `reading` is false).
struct Attacker {
    w: TcpStream,
    reader: Option<JoinHandle<ReadLog>>,
    write_failed: bool,
    sent_frames: u64,
}

fn read_all(mut s: TcpStream, idle: Duration) -> ReadLog {
    let mut log = ReadLog::default();
    let mut buf: Vec<u8> = Vec::new();
    let mut tmp = vec![0u8; 1 << 16];
    let mut dec = h2wasm::hpack::Decoder::new(4096);
    s.set_read_timeout(Some(idle)).ok();
    let hard = Instant::now() + Duration::from_secs(60);
    loop {
        while buf.len() >= 9 {
            let len = (usize::from(buf[0]) << 16) | (usize::from(buf[1]) << 8) | usize::from(buf[2]);
            if buf.len() < 9 + len {
                break;
            }
            let k = buf[3];
            let fl = buf[4];
            let p = &buf[9..9 + len];
            log.frames += 1;
            match k {
                kind::GOAWAY if log.goaway.is_none() => log.goaway = Some((be32(p, 0) & 0x7fff_ffff, be32(p, 4))),
                kind::RST_STREAM => {
                    log.rst += 1;
                    if log.rst_codes.len() < 16 && !log.rst_codes.contains(&be32(p, 0)) {
                        log.rst_codes.push(be32(p, 0));
                    }
                }
                kind::HEADERS if fl & flag::END_HEADERS != 0 && fl & (flag::PADDED | flag::PRIORITY) == 0 => {
                    log.headers += 1;
                    let limits = h2wasm::hpack::DecodeLimits { max_list_size: usize::MAX, max_fields: usize::MAX };
                    let mut st = String::new();
                    let _ = dec.decode(p, &limits, &mut |h| {
                        if h.name == b":status" {
                            st = String::from_utf8_lossy(h.value).into_owned();
                        }
                    });
                    if log.statuses.len() < 16 && !log.statuses.contains(&st) {
                        log.statuses.push(st);
                    }
                }
                _ => {}
            }
            buf.drain(..9 + len);
        }
        if Instant::now() > hard {
            return log;
        }
        match s.read(&mut tmp) {
            Ok(0) => {
                log.closed = true;
                return log;
            }
            Ok(n) => buf.extend_from_slice(&tmp[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => return log,
            Err(_) => {
                log.closed = true;
                return log;
            }
        }
    }
}

impl Attacker {
    /// Connect, send the preface, our SETTINGS (+ ACK of theirs, blindly).
    fn connect(port: u16, settings: &[(u16, u32)], reading: bool) -> Attacker {
        let w = TcpStream::connect(("127.0.0.1", port)).unwrap();
        w.set_nodelay(true).ok();
        w.set_write_timeout(Some(Duration::from_secs(5))).ok();
        let reader = if reading {
            let r = w.try_clone().unwrap();
            Some(std::thread::spawn(move || read_all(r, Duration::from_secs(10))))
        } else {
            None
        };
        let mut a = Attacker { w, reader, write_failed: false, sent_frames: 0 };
        let mut v = PREFACE.to_vec();
        v.extend(frame(kind::SETTINGS, 0, 0, &settings_payload(settings)));
        v.extend(frame(kind::SETTINGS, flag::ACK, 0, &[]));
        a.send(&v);
        a
    }

    /// false once the server has closed (write fails).
    fn send(&mut self, b: &[u8]) -> bool {
        if self.write_failed {
            return false;
        }
        if self.w.write_all(b).is_err() {
            self.write_failed = true;
        }
        !self.write_failed
    }

    /// Keep the connection open (an attacker that stays to do it again) and
    /// wait for the reader to see the server close it (or go idle 10 s).
    fn linger(mut self) -> ReadLog {
        match self.reader.take() {
            Some(h) => h.join().unwrap(),
            None => read_all(self.w.try_clone().unwrap(), Duration::from_secs(10)),
        }
    }

    /// Stop writing; wait for the reader to see the server close (or go idle 10 s).
    fn finish(mut self) -> ReadLog {
        let _ = self.w.shutdown(std::net::Shutdown::Write);
        match self.reader.take() {
            Some(h) => h.join().unwrap(),
            None => read_all(self.w.try_clone().unwrap(), Duration::from_secs(10)),
        }
    }
}

/// Run `rounds` bursts of the attack; between bursts, wait for the legitimate
/// client to complete a request (so it is served *during* the attack).
fn run_attack(
    server: &Server,
    legit: &Legit,
    a: &mut Attacker,
    rounds: usize,
    mut burst: impl FnMut(usize) -> Vec<u8>,
    frames_per_burst: u64,
) -> usize {
    let _ = server;
    for r in 0..rounds {
        if !a.send(&burst(r)) {
            return r;
        }
        a.sent_frames += frames_per_burst;
        if r % 8 == 7 {
            legit.wait_progress(1, &format!("during the attack (round {r})"));
        }
    }
    rounds
}

fn assert_memory(server: &Server, before: u64, name: &str) -> u64 {
    let after = server.rss_kib();
    let growth = after.saturating_sub(before);
    eprintln!("[{name}] server VmRSS before {before} KiB, after {after} KiB, growth {growth} KiB");
    assert!(growth < MEMORY_BOUND_KIB, "{name}: server memory grew by {growth} KiB (bound {MEMORY_BOUND_KIB} KiB)");
    growth
}

fn assert_goaway(log: &ReadLog, codes: &[u32], name: &str) {
    eprintln!("[{name}] attacker read: {log:?}");
    let Some((_, c)) = log.goaway else {
        panic!("{name}: expected GOAWAY({}), the attacker got none ({log:?})", code_name(codes[0]))
    };
    assert!(
        codes.contains(&c),
        "{name}: expected GOAWAY with {:?}, got {}",
        codes.iter().map(|c| code_name(*c)).collect::<Vec<_>>(),
        code_name(c)
    );
    assert!(log.closed, "{name}: the server sent GOAWAY but did not close the connection");
}

fn get_hdr(stream: u32, path: &'static str) -> Vec<u8> {
    frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, stream, &get_block(path))
}

// ------------------------------------------------------------------ attacks

#[test]
fn attack_rapid_reset() {
    let server = Server::with_options(r#"{"resetBurst":200,"resetRatePerS":20}"#);
    let legit = Legit::start(server.port);
    let before = server.rss_kib();
    let mut a = Attacker::connect(server.port, &[], true);
    let mut sid = 1u32;
    run_attack(
        &server,
        &legit,
        &mut a,
        200,
        |_| {
            let mut v = Vec::new();
            for _ in 0..50 {
                v.extend(get_hdr(sid, "/"));
                v.extend(frame(kind::RST_STREAM, 0, sid, &u32_payload(code::CANCEL)));
                sid += 2;
            }
            v
        },
        100,
    );
    let log = a.finish();
    assert_goaway(&log, &[code::ENHANCE_YOUR_CALM], "rapid reset");
    assert_memory(&server, before, "rapid reset");
    legit.finish();
}

#[test]
fn attack_made_you_reset() {
    // WINDOW_UPDATE(0) on an open stream makes the server send RST_STREAM(PROTOCOL_ERROR).
    let server = Server::with_options(r#"{"glitchBurst":200,"glitchRatePerS":20}"#);
    let legit = Legit::start(server.port);
    let before = server.rss_kib();
    let mut a = Attacker::connect(server.port, &[], true);
    let mut sid = 1u32;
    run_attack(
        &server,
        &legit,
        &mut a,
        200,
        |_| {
            let mut v = Vec::new();
            for _ in 0..50 {
                v.extend(get_hdr(sid, "/hang"));
                v.extend(frame(kind::WINDOW_UPDATE, 0, sid, &u32_payload(0)));
                sid += 2;
            }
            v
        },
        100,
    );
    let log = a.finish();
    assert_goaway(&log, &[code::ENHANCE_YOUR_CALM], "MadeYouReset");
    assert_memory(&server, before, "MadeYouReset");
    legit.finish();
}

#[test]
fn attack_reset_flood_invalid_requests() {
    // CVE-2019-9514: malformed requests make the server send RST_STREAM.
    let server = Server::with_options(r#"{"glitchBurst":200,"glitchRatePerS":20}"#);
    let legit = Legit::start(server.port);
    let before = server.rss_kib();
    let mut a = Attacker::connect(server.port, &[], true);
    let mut sid = 1u32;
    let bad = block(&[(":method", "GET"), (":scheme", "http"), (":path", "/"), ("X-Upper", "1")]);
    run_attack(
        &server,
        &legit,
        &mut a,
        200,
        |_| {
            let mut v = Vec::new();
            for _ in 0..50 {
                v.extend(frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, sid, &bad));
                sid += 2;
            }
            v
        },
        50,
    );
    let log = a.finish();
    assert_goaway(&log, &[code::ENHANCE_YOUR_CALM], "reset flood");
    assert_memory(&server, before, "reset flood");
    legit.finish();
}

fn continuation_flood(zero_length: bool) {
    let server = Server::start();
    let legit = Legit::start(server.port);
    let before = server.rss_kib();
    let mut a = Attacker::connect(server.port, &[], true);
    let mut first = get_block("/");
    first.extend(lit(b"x-a", b"b"));
    a.send(&frame(kind::HEADERS, flag::END_STREAM, 1, &first));
    let filler: Vec<u8> = if zero_length {
        Vec::new()
    } else {
        (0..16).flat_map(|i| lit(format!("x-f{i}").as_bytes(), &[b'v'; 50])).collect()
    };
    let rounds = run_attack(
        &server,
        &legit,
        &mut a,
        2000,
        |_| {
            let mut v = Vec::new();
            for _ in 0..50 {
                v.extend(frame(kind::CONTINUATION, 0, 1, &filler));
            }
            v
        },
        50,
    );
    let name = if zero_length { "CONTINUATION flood (zero-length)" } else { "CONTINUATION flood" };
    eprintln!("[{name}] server cut the attacker off after {rounds} of 2000 bursts");
    let log = a.finish();
    assert_goaway(
        &log,
        &[code::ENHANCE_YOUR_CALM, code::PROTOCOL_ERROR, code::FRAME_SIZE_ERROR, code::COMPRESSION_ERROR],
        name,
    );
    // After its GOAWAY the server must close the connection (§5.4.1), not keep
    // reading: a server that only half-closes lets the attacker stream on forever.
    assert!(
        rounds < 2000,
        "{name}: all 100 000 CONTINUATION frames were written: the server kept reading after its GOAWAY (half-close only?)"
    );
    assert_memory(&server, before, name);
    legit.finish();
}

#[test]
fn attack_continuation_flood() {
    continuation_flood(false);
}

#[test]
fn attack_continuation_flood_zero_length() {
    continuation_flood(true);
}

/// A request whose header block decodes to far more than the limits: the
/// server must refuse it (4xx, RST_STREAM or GOAWAY) without materialising it.
fn header_bomb(name: &str, prefix: Vec<u8>, refs: Vec<u8>) {
    let server = Server::start();
    let legit = Legit::start(server.port);
    let before = server.rss_kib();
    let mut a = Attacker::connect(server.port, &[], true);
    let mut b = get_block("/");
    b.extend(prefix);
    b.extend(refs.iter().copied());
    let mut first = true;
    let mut sid = 1u32;
    run_attack(
        &server,
        &legit,
        &mut a,
        64,
        |_| {
            let blk = if first {
                first = false;
                b.clone()
            } else {
                let mut bb = get_block("/");
                bb.extend(refs.iter().copied());
                bb
            };
            let mut v = Vec::new();
            // Split into 16 KiB HEADERS + CONTINUATION.
            let parts: Vec<&[u8]> = blk.chunks(16_000).collect();
            for (i, p) in parts.iter().enumerate() {
                let mut fl = 0;
                if i + 1 == parts.len() {
                    fl |= flag::END_HEADERS;
                }
                if i == 0 {
                    v.extend(frame(kind::HEADERS, fl | flag::END_STREAM, sid, p));
                } else {
                    v.extend(frame(kind::CONTINUATION, fl, sid, p));
                }
            }
            sid += 2;
            v
        },
        1,
    );
    let log = a.finish();
    eprintln!("[{name}] attacker read: {log:?}");
    assert!(
        !log.statuses.iter().any(|s| s == "200"),
        "{name}: the server accepted a request over its header limits (statuses {:?})",
        log.statuses
    );
    assert!(
        log.goaway.is_some() || log.rst > 0 || log.statuses.iter().any(|s| s.starts_with('4')),
        "{name}: the server neither refused the request nor closed ({log:?})"
    );
    assert_memory(&server, before, name);
    legit.finish();
}

#[test]
fn attack_hpack_bomb() {
    // One 4000-byte entry, referenced 16 000 times per block: 64 MB decoded per request.
    let prefix = lit_indexed(b"x-bomb", &[b'B'; 4000]);
    let refs: Vec<u8> = std::iter::repeat_n(0xbe, 16_000).collect(); // indexed 62
    header_bomb("HPACK bomb", prefix, refs);
}

#[test]
fn attack_header_count_bomb() {
    // 16 000 one-byte references to a tiny entry: few bytes, many fields.
    let prefix = lit_indexed(b"x", b"y");
    let refs: Vec<u8> = std::iter::repeat_n(0xbe, 16_000).collect();
    header_bomb("header-count bomb", prefix, refs);
}

#[test]
fn attack_settings_flood() {
    let server = Server::with_options(r#"{"settingsBurst":50,"settingsRatePerS":5}"#);
    let legit = Legit::start(server.port);
    let before = server.rss_kib();
    let mut a = Attacker::connect(server.port, &[], true);
    let s = frame(kind::SETTINGS, 0, 0, &settings_payload(&[(setting::INITIAL_WINDOW_SIZE, 65_535)]));
    run_attack(&server, &legit, &mut a, 500, |_| s.repeat(100), 100);
    let log = a.finish();
    assert_goaway(&log, &[code::ENHANCE_YOUR_CALM], "SETTINGS flood");
    assert_memory(&server, before, "SETTINGS flood");
    legit.finish();
}

#[test]
fn attack_ping_flood_not_reading() {
    let server = Server::with_options(r#"{"pingBurst":50,"pingRatePerS":5}"#);
    let legit = Legit::start(server.port);
    let before = server.rss_kib();
    let mut a = Attacker::connect(server.port, &[], false);
    let p = frame(kind::PING, 0, 0, b"flooding");
    let rounds = run_attack(&server, &legit, &mut a, 1000, |_| p.repeat(200), 200);
    eprintln!("[PING flood] attacker wrote {rounds} bursts of 200 PINGs before being cut off");
    let log = a.finish();
    assert_goaway(&log, &[code::ENHANCE_YOUR_CALM], "PING flood");
    assert!(log.frames < 20_000, "PING flood: the server queued {} frames for a peer that does not read", log.frames);
    assert_memory(&server, before, "PING flood");
    legit.finish();
}

#[test]
fn attack_empty_data_frames_flood() {
    let server = Server::start();
    let legit = Legit::start(server.port);
    let before = server.rss_kib();
    let mut a = Attacker::connect(server.port, &[], true);
    a.send(&frame(kind::HEADERS, flag::END_HEADERS, 1, &block(&req("POST", "/echo"))));
    let e = frame(kind::DATA, 0, 1, &[]);
    let rounds = run_attack(&server, &legit, &mut a, 1000, |_| e.repeat(200), 200);
    let log = a.finish();
    assert_goaway(&log, &[code::ENHANCE_YOUR_CALM], "empty DATA flood");
    assert!(
        rounds < 1000,
        "empty DATA flood: all 200 000 empty DATA frames were written: the server kept reading after its GOAWAY (half-close only?)"
    );
    assert_memory(&server, before, "empty DATA flood");
    legit.finish();
}

#[test]
fn attack_priority_churn() {
    let server = Server::start();
    let legit = Legit::start(server.port);
    let before = server.rss_kib();
    let mut a = Attacker::connect(server.port, &[], true);
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let rounds = run_attack(
        &server,
        &legit,
        &mut a,
        500,
        |_| {
            let mut v = Vec::new();
            for _ in 0..200 {
                let s = (rng.below(1 << 20) as u32) * 2 + 1;
                let mut d = (rng.below(1 << 20) as u32) * 2 + 1;
                if d == s {
                    d += 2;
                }
                v.extend(frame(kind::PRIORITY, 0, s, &priority_payload(rng.below(2) == 1, d, rng.below(256) as u8)));
            }
            v
        },
        200,
    );
    let log = a.finish();
    eprintln!("[PRIORITY churn] {rounds} bursts of 200 PRIORITY frames; attacker read {log:?}");
    // PRIORITY is legal: ignoring it (no priority tree) or calming the peer are both fine.
    if let Some((_, c)) = log.goaway {
        assert_eq!(c, code::ENHANCE_YOUR_CALM, "PRIORITY churn: unexpected GOAWAY({})", code_name(c));
    }
    assert_memory(&server, before, "PRIORITY churn");
    legit.finish();
}

#[test]
fn attack_data_dribble() {
    // CVE-2019-9511: 1-byte windows force tiny frames. The server must stay
    // bounded and keep serving others; it may also cut the peer off.
    let server = Server::start();
    let legit = Legit::start(server.port);
    let before = server.rss_kib();
    let mut a = Attacker::connect(server.port, &[(setting::INITIAL_WINDOW_SIZE, 1)], true);
    let mut v = Vec::new();
    for i in 0..50u32 {
        v.extend(get_hdr(1 + 2 * i, "/big"));
    }
    a.send(&v);
    let rounds = run_attack(
        &server,
        &legit,
        &mut a,
        200,
        |r| {
            let mut v = Vec::new();
            for i in 0..50u32 {
                let _ = r;
                v.extend(frame(kind::WINDOW_UPDATE, 0, 1 + 2 * i, &u32_payload(1)));
            }
            v
        },
        50,
    );
    let log = a.finish();
    eprintln!("[data dribble] {rounds} bursts; attacker read {log:?}");
    assert_memory(&server, before, "data dribble");
    legit.finish();
}

#[test]
fn attack_peer_never_reads() {
    // CVE-2019-9517: huge windows, 100 × 16 MiB requested, nothing read.
    let server = Server::start();
    let legit = Legit::start(server.port);
    let before = server.rss_kib();
    let mut a = Attacker::connect(server.port, &[(setting::INITIAL_WINDOW_SIZE, 0x7fff_ffff)], false);
    let mut v = frame(kind::WINDOW_UPDATE, 0, 0, &u32_payload(0x7fff_ffff - 65_535));
    for i in 0..100u32 {
        v.extend(frame(
            kind::HEADERS,
            flag::END_HEADERS | flag::END_STREAM,
            1 + 2 * i,
            &block(&req("GET", "/big?n=16777216")),
        ));
    }
    a.send(&v);
    // Let the server try to push 1.6 GB while we read nothing; the legitimate
    // client must keep being served meanwhile.
    legit.wait_progress(50, "while a peer does not read");
    let growth = assert_memory(&server, before, "peer never reads");
    eprintln!("[peer never reads] growth {growth} KiB for 1.6 GB requested");
    drop(a);
    legit.finish();
}

#[test]
fn attack_zero_window_stall() {
    // Windows never open: queued response data must not pin memory forever;
    // with a short stall timeout the server resets streams whose queued data
    // is stuck, and a connection that only holds stalled streams idles out.
    let server = Server::with_options(r#"{"stallTimeoutMs":300,"idleTimeoutMs":1000,"closeTimeoutMs":300}"#);
    let legit = Legit::start(server.port);
    let before = server.rss_kib();
    let mut c = server.connect();
    c.auto_window = false;
    c.handshake_with(&[(setting::INITIAL_WINDOW_SIZE, 0)]);
    let ids: Vec<u32> = (0..50).map(|i| 1 + 2 * i).collect();
    for &s in &ids {
        c.get(s, "/big?n=1048576");
    }
    legit.wait_progress(20, "while streams are stalled on zero windows");
    // Wait (bounded by the per-read timeout) for the server to give up on every stalled stream.
    let mut reset = std::collections::HashSet::new();
    let mut codes = Vec::new();
    while reset.len() < ids.len() {
        let f = c.read_until("RST_STREAM for a stream stalled on a zero window (or GOAWAY)", |f| {
            f.kind == kind::RST_STREAM || f.kind == kind::GOAWAY
        });
        if f.kind == kind::GOAWAY {
            eprintln!("[zero-window stall] connection ended: {}", f.describe());
            break;
        }
        if !codes.contains(&f.code()) {
            codes.push(f.code());
        }
        reset.insert(f.stream);
    }
    eprintln!(
        "[zero-window stall] {} streams reset, codes {:?}",
        reset.len(),
        codes.iter().map(|c| code_name(*c)).collect::<Vec<_>>()
    );
    assert_memory(&server, before, "zero-window stall");
    legit.finish();
}

#[test]
fn attack_slowloris_preface() {
    let server = Server::with_options(r#"{"prefaceTimeoutMs":300}"#);
    let legit = Legit::start(server.port);
    let before = server.rss_kib();
    let mut socks = Vec::new();
    for _ in 0..50 {
        let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        s.write_all(&PREFACE[..10]).unwrap();
        socks.push(s);
    }
    legit.wait_progress(3, "during slowloris");
    for s in socks {
        let log = read_all(s, Duration::from_secs(10));
        assert!(
            log.closed,
            "slow preface: the server did not close a connection whose preface never completed ({log:?})"
        );
    }
    assert_memory(&server, before, "slowloris preface");
    legit.finish();
}

#[test]
fn attack_slow_headers() {
    let server = Server::with_options(r#"{"headerBlockTimeoutMs":300}"#);
    let legit = Legit::start(server.port);
    let mut c = server.connect();
    c.handshake();
    let b = get_block("/");
    c.send(&frame(kind::HEADERS, flag::END_STREAM, 1, &b[..3]));
    legit.wait_progress(3, "during slow headers");
    // The header block never completes: the server must end the connection.
    let g = c.expect_goaway_any();
    eprintln!("[slow headers] {}", g.describe());
    c.expect_closed();
    legit.finish();
}

#[test]
fn attack_idle_timeout() {
    let server = Server::with_options(r#"{"idleTimeoutMs":300,"closeTimeoutMs":300}"#);
    let mut c = server.connect();
    c.handshake();
    c.get(1, "/");
    c.expect_200(1);
    // Now idle: GOAWAY(NO_ERROR) after the idle timeout, then the close.
    let g = c.expect_goaway_any();
    assert_eq!(g.code(), code::NO_ERROR, "idle timeout: expected GOAWAY(NO_ERROR), got {}", g.describe());
    assert_eq!(be32(&g.payload, 0) & 0x7fff_ffff, 1, "idle GOAWAY last-stream-id");
    c.expect_closed();
}

// ------------------------------------------------------------------ round two: budgets across connections,
// frames that do no work, slow request bodies. A paced legitimate client
// (GET / every 50 ms) is measured during each attack; latencies are printed,
// not asserted (the machine is shared); the assertions are "cut off", "served"
// and "bounded memory", plus a generous bound on how long cutting off takes.

/// How long any cut-off may take before the test calls it a failure (sanity, not performance).
const CUT_OFF_SANITY: Duration = Duration::from_secs(10);

#[test]
fn attack_rapid_reset_across_connections() {
    // 20 connections × 950 HEADERS+RST_STREAM pairs: each stays under its own
    // reset burst (1000), so only the budget across connections can stop them.
    let server = Server::start();
    let legit = Legit::paced(server.port, Duration::from_millis(50));
    legit.wait_progress(3, "before the attack");
    legit.reset_latencies();
    let before = server.rss_kib();
    let t0 = Instant::now();
    let attackers: Vec<_> = (0..20)
        .map(|_| {
            let port = server.port;
            std::thread::spawn(move || {
                let mut a = Attacker::connect(port, &[], true);
                let mut sid = 1u32;
                let mut sent = 0u32;
                'outer: for _ in 0..19 {
                    let mut v = Vec::new();
                    for _ in 0..50 {
                        v.extend(get_hdr(sid, "/"));
                        v.extend(frame(kind::RST_STREAM, 0, sid, &u32_payload(code::CANCEL)));
                        sid += 2;
                    }
                    if !a.send(&v) {
                        break 'outer;
                    }
                    sent += 50;
                }
                let log = a.linger();
                (sent, log, t0.elapsed())
            })
        })
        .collect();
    let results: Vec<_> = attackers.into_iter().map(|h| h.join().unwrap()).collect();
    let attack_time = t0.elapsed();
    legit.wait_progress(3, "after the attack");
    let name = "rapid reset across 20 connections";
    let total: u32 = results.iter().map(|r| r.0).sum();
    let last_cut = results.iter().map(|r| r.2).max().unwrap();
    eprintln!(
        "[{name}] {total} pairs written by 20 attackers in {attack_time:?}; last attacker done at {last_cut:?}; legitimate client during the attack: {}",
        legit.latency_report()
    );
    for (i, (sent, log, at)) in results.iter().enumerate() {
        eprintln!("[{name}] attacker {i}: {sent} pairs written, done at {at:?}, GOAWAY {:?}", log.goaway);
    }
    for (i, (sent, log, _)) in results.iter().enumerate() {
        assert_goaway(log, &[code::ENHANCE_YOUR_CALM], &format!("{name}, attacker {i} ({sent} pairs written)"));
    }
    assert!(last_cut < CUT_OFF_SANITY, "{name}: cutting off took {last_cut:?}");
    assert_memory(&server, before, name);
    legit.finish();
}

/// A flood of one frame, repeated, from an attacker that reconnects as soon
/// as it is cut off, for about a second: every connection must end in
/// GOAWAY(ENHANCE_YOUR_CALM); the paced legitimate client is measured meanwhile.
fn noop_flood(name: &str, options: &str, setup: &[u8], flood_frame: Vec<u8>) {
    let server = Server::with_options(options);
    let legit = Legit::paced(server.port, Duration::from_millis(50));
    legit.wait_progress(3, "before the attack");
    legit.reset_latencies();
    let before = server.rss_kib();
    let burst = flood_frame.repeat(5_000);
    let t0 = Instant::now();
    let mut connections = 0u32;
    let mut frames = 0u64;
    let mut longest = Duration::ZERO;
    while t0.elapsed() < Duration::from_secs(1) {
        let mut a = Attacker::connect(server.port, &[], true);
        a.send(setup);
        let t = Instant::now();
        let mut rounds = 0u64;
        // Up to 2,000 × 5,000 frames (10 M) per connection, as fast as the socket takes them.
        while rounds < 2_000 && t.elapsed() < CUT_OFF_SANITY {
            if !a.send(&burst) {
                break;
            }
            rounds += 1;
        }
        longest = longest.max(t.elapsed());
        frames += rounds * 5_000;
        let log = a.finish();
        assert_goaway(&log, &[code::ENHANCE_YOUR_CALM], name);
        assert!(rounds < 2_000, "{name}: all 10 M frames were accepted");
        connections += 1;
    }
    eprintln!(
        "[{name}] {connections} attacker connections, {frames} frames handed to their sockets in {:?}, each cut off within {longest:?}; legitimate client: {}",
        t0.elapsed(),
        legit.latency_report()
    );
    assert_memory(&server, before, name);
    legit.finish();
}

#[test]
fn attack_window_update_flood_connection() {
    noop_flood("WINDOW_UPDATE(1) flood, connection", "{}", &[], frame(kind::WINDOW_UPDATE, 0, 0, &u32_payload(1)));
}

#[test]
fn attack_window_update_flood_stream() {
    let open = frame(kind::HEADERS, flag::END_HEADERS | flag::END_STREAM, 1, &get_block("/hang"));
    noop_flood("WINDOW_UPDATE(1) flood, stream", "{}", &open, frame(kind::WINDOW_UPDATE, 0, 1, &u32_payload(1)));
}

#[test]
fn attack_window_update_flood_closed_stream() {
    // Late WINDOW_UPDATEs on a finished stream used to be ignored for free.
    let done = get_hdr(1, "/");
    noop_flood(
        "WINDOW_UPDATE flood, closed stream",
        "{}",
        &done,
        frame(kind::WINDOW_UPDATE, 0, 1, &u32_payload(1 << 20)),
    );
}

#[test]
fn attack_unsolicited_ping_ack_flood() {
    noop_flood("PING ACK flood", "{}", &[], frame(kind::PING, flag::ACK, 0, b"nothing!"));
}

#[test]
fn attack_slow_request_bodies() {
    // 100 streams each uploading 1 byte per 100 ms (10 B/s) against a minimum
    // of 100 B/s after a 500 ms grace: every stream is reset (CANCEL), while a
    // slow upload above the rate on another connection completes.
    let server = Server::with_options(r#"{"requestBodyTimeoutMs":500,"minRequestBodyRate":100}"#);
    let legit = Legit::paced(server.port, Duration::from_millis(50));
    legit.wait_progress(3, "before the attack");
    legit.reset_latencies();
    let before = server.rss_kib();

    // The legitimate slow upload: 20 bytes per 100 ms (200 B/s) for 2 s.
    let port = server.port;
    let uploader = std::thread::spawn(move || {
        let mut c = Conn::connect(port);
        c.handshake();
        c.headers(1, &req("POST", "/echo"), false);
        let mut body = Vec::new();
        for i in 0..20u8 {
            let chunk = [b'a' + i; 20];
            c.data(1, &chunk, i == 19);
            body.extend_from_slice(&chunk);
            std::thread::sleep(Duration::from_millis(100));
        }
        let resp = c.read_response(1);
        (resp, body)
    });

    let mut c = server.connect();
    c.handshake();
    let ids: Vec<u32> = (0..100).map(|i| 1 + 2 * i).collect();
    for &s in &ids {
        c.headers(s, &req("POST", "/echo"), false);
    }
    let t0 = Instant::now();
    let mut reset = std::collections::HashMap::new();
    // Dribble until every stream is reset or the sanity bound passes.
    'dribble: while reset.len() < ids.len() && t0.elapsed() < CUT_OFF_SANITY {
        for &s in &ids {
            if !reset.contains_key(&s) {
                c.data(s, b"x", false);
            }
        }
        let until = Instant::now() + Duration::from_millis(100);
        c.timeout = Duration::from_millis(20);
        while Instant::now() < until {
            match c.next_frame() {
                Got::Frame(f) if f.kind == kind::RST_STREAM => {
                    reset.insert(f.stream, (f.code(), t0.elapsed()));
                }
                Got::Frame(f) if f.kind == kind::GOAWAY => {
                    eprintln!("[slow bodies] connection ended: {}", f.describe());
                    break 'dribble;
                }
                Got::Closed => break 'dribble,
                _ => {}
            }
        }
    }
    let last = reset.values().map(|r| r.1).max();
    let codes: std::collections::BTreeSet<String> = reset.values().map(|r| code_name(r.0)).collect();
    eprintln!(
        "[slow bodies] {} of 100 streams reset ({codes:?}), last at {last:?}; legitimate client: {}",
        reset.len(),
        legit.latency_report()
    );
    assert_eq!(reset.len(), ids.len(), "slow bodies: not every dribbling stream was reset");
    assert!(reset.values().all(|r| r.0 == code::CANCEL), "slow bodies: expected RST_STREAM(CANCEL), got {codes:?}");
    let (resp, body) = uploader.join().unwrap();
    assert_eq!(resp.reset, None, "a slow upload above the minimum rate was reset");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body, body, "the slow upload above the minimum rate was not echoed whole");
    assert_memory(&server, before, "slow bodies");
    legit.finish();
}
