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
}

impl Legit {
    fn start(port: u16) -> Legit {
        let ok = Arc::new(AtomicU64::new(0));
        let failures = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (ok2, f2, s2) = (ok.clone(), failures.clone(), stop.clone());
        let handle = std::thread::spawn(move || {
            let mut c = Conn::connect(port);
            c.handshake();
            let mut sid = 1u32;
            while !s2.load(Ordering::Relaxed) {
                let r = catch_unwind(AssertUnwindSafe(|| {
                    c.get(sid, "/");
                    c.expect_200(sid)
                }));
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
        let l = Legit { ok, failures, stop, handle: Some(handle) };
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
