#!/usr/bin/env node
'use strict';
// `npm run bench`: h2wasm vs Node's built-in http2, side by side, same machine,
// same run. Builds nothing: run scripts/build.sh first.
//
// For every scenario and server: a fresh server process pinned to core 0
// (taskset -c 0), an h2load warm-up, then a timed h2load run pinned to core 1.
// Server CPU time comes from /proc/PID/stat (utime+stime) around the timed run,
// peak RSS from /proc/PID/status VmHWM (a fresh process per scenario resets it).
// Then 1,000 idle h2c connections (bench/idle-client.js) and the server's RSS and JS
// heap (+ external, which holds the wasm memory) deltas. Then "under attack": a
// legitimate client sending GET / every 50 ms while bench/attack-client.js floods
// the server (20 connections of Rapid Reset pairs, or WINDOW_UPDATE(1)); its
// p50/p99 latency is reported next to the attack rate.
//
// Servers (columns): node = node:http2 (baseline), h2wasm = our stream API, h2wasm-fetch =
// our serve(), h2wasm-fetch-lazy = the same handler answering with h2wasm's LazyResponse, bun = the same node:http2 script under Bun (bench/node_modules, `npm ci
// --prefix bench`), hyper = native Rust (bench/peers/hyper, built here with cargo), floor =
// bench/servers/floor-h2.js (canned answers: what any server over Node sockets costs at
// least). A bare Node process is measured first: peak RSS growth is counted over it.
// small-tls / upload-tls: the same over TLS with ALPN h2 (a throwaway self-signed key from
// openssl), node:http2's createSecureServer as the baseline.
//
//   node bench/run.js [options]
//     --duration S     timed h2load run per scenario/server (default 5)
//     --warmup S       h2load warm-up before it (default 1)
//     --rounds N       repeat every scenario N times, alternating servers; medians reported (default 1)
//     --only a,b       scenarios to run (small,onecon,big,upload,idle,attack)
//     --self-test      Node in both slots: proves the harness (ratios should be ~1.0)
//     --servers a,b    bench/servers/<a>.js vs <b>.js (first = baseline), e.g. node-http2,floor-net
//     --fetch          (default now) the fetch-style serve() server is always in the table
//     --no-peers       leave out the peer columns (bun, hyper, floor): node vs h2wasm vs h2wasm-fetch
//     --no-tls         leave out the small-tls and upload-tls scenarios
//     --compat         (req, res) handlers: node:http2's compat API vs h2wasm/compat (plain hello,
//                      and Express on h2wasm; see bench/servers/node-compat.js); implies --no-write
//     --cpu-prof DIR   run the servers under `node --cpu-prof --cpu-prof-dir DIR`
//     --no-write       do not update docs/PERFORMANCE.md and bench/results/latest.json
//     --idle N         idle connections (default 1000)
//     --ab DIR         A/B: also run the stream API and fetch-style columns from another checkout/build DIR
//                      (e.g. a `git worktree` of the previous commit), as h2wasm@ab, h2wasm-fetch@ab and
//                      h2wasm-fetch-lazy@ab, alternated with ours in the same run (implies --no-write)
//     --columns a,b    keep only these columns (labels as printed; node is always kept)
//
// Everything binds 127.0.0.1, every h2load run is bounded by -D and a kill timer,
// and every child process is stopped by this script.
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');

const ROOT = path.resolve(__dirname, '..');
// H2WASM_ROOT: bench another checkout/build of the package (inherited by bench/servers/h2wasm.js).
const PKG_ROOT = process.env.H2WASM_ROOT ? path.resolve(process.env.H2WASM_ROOT) : ROOT;
const SERVERS_DIR = path.join(__dirname, 'servers');
const DOC = path.join(ROOT, 'docs', 'PERFORMANCE.md');
const RESULT = path.join(__dirname, 'results', 'latest.json');
const CLK_TCK = (() => {
  try { return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100; } catch { return 100; }
})();

// ---------- options ----------
function parseArgs(argv) {
  const o = { duration: 5, warmup: 1, rounds: 1, only: null, selfTest: false, fetch: true,
    cpuProf: null, write: true, idle: 1000, servers: null, peers: true, tls: true, compat: false, ab: null, columns: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) die(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--duration') o.duration = Number(next());
    else if (a === '--warmup') o.warmup = Number(next());
    else if (a === '--rounds') o.rounds = Math.max(1, Number(next()));
    else if (a === '--only') o.only = next().split(',');
    else if (a === '--self-test') o.selfTest = true;
    else if (a === '--fetch') o.fetch = true;
    else if (a === '--no-peers') o.peers = false;
    else if (a === '--no-tls') o.tls = false;
    else if (a === '--compat') { o.compat = true; o.write = false; }
    else if (a === '--servers') o.servers = next().split(',');
    else if (a === '--cpu-prof') o.cpuProf = path.resolve(next());
    else if (a === '--no-write') o.write = false;
    else if (a === '--idle') o.idle = Number(next());
    else if (a === '--ab') { o.ab = path.resolve(next()); o.write = false; }
    else if (a === '--columns') o.columns = next().split(',');
    else if (a === '-h' || a === '--help') {
      console.log(fs.readFileSync(__filename, 'utf8').split('\n').slice(2, 45).join('\n'));
      process.exit(0);
    } else die(`unknown option ${a}`);
  }
  return o;
}

function die(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

// ---------- scenarios and the targets we hold ourselves to ----------
const UPLOAD_FILE = path.join(os.tmpdir(), `h2wasm-bench-64k-${process.pid}.bin`);
const TLS_DIR = path.join(os.tmpdir(), `h2wasm-bench-tls-${process.pid}`);
// floorEnv: how bench/servers/floor-h2.js must answer in that scenario (no floor over TLS).
const SCENARIOS = [
  { name: 'small', path: '/', args: ['-c', '10', '-m', '100'], floorEnv: {} },
  { name: 'onecon', path: '/', args: ['-c', '1', '-m', '100'], floorEnv: {} },
  { name: 'big', path: '/big', args: ['-c', '4', '-m', '10'], floorEnv: { FLOOR_BIG: '1' } },
  { name: 'upload', path: '/echo', args: ['-c', '4', '-m', '10', '-d', UPLOAD_FILE], floorEnv: { FLOOR_UPLOAD: '1' } },
  { name: 'small-tls', path: '/', args: ['-c', '10', '-m', '100'], tls: true },
  { name: 'upload-tls', path: '/echo', args: ['-c', '4', '-m', '10', '-d', UPLOAD_FILE], tls: true },
  // (req, res) handlers, run with --compat (bench/servers/node-compat.js vs h2wasm-compat.js).
  { name: 'compat-plain', path: '/', args: ['-c', '10', '-m', '100'] },
  { name: 'compat-express', path: '/express', args: ['-c', '10', '-m', '100'] },
];
const COMPAT_SCENARIOS = ['compat-plain', 'compat-express'];
// req/s ratio over node per server and scenario (the stream API's own target where the serve() targets say nothing).
const REQ_TARGETS = {
  h2wasm: { small: 6.0, onecon: 2.0, big: 1.1, upload: 2.5, 'small-tls': 2.5, 'upload-tls': 1.5 },
  'h2wasm-fetch': { small: 4.0, onecon: 3.0, big: 1.0, upload: 2.0 },
  'h2wasm-compat': { 'compat-plain': 3.0, 'compat-express': 1.5 },
  'h2wasm-fetch-lazy': { small: 4.0, onecon: 3.0, big: 1.0, upload: 2.0 },
};
const TARGET_BIG_CPU = 0.85; // h2wasm CPU µs per 1 MiB response ÷ node's
const TARGET_GROWTH = 0.5; // h2wasm peak RSS growth over a bare Node process ÷ node's, every scenario
const TARGET_FETCH_PEAK = 1.0; // h2wasm-fetch peak RSS ÷ node's, every scenario
const TARGET_IDLE = 0.5;
const TARGET_WASM_GZ = 120 * 1024;

// ---------- processes ----------
const children = new Set();
function track(child) {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}
function killAll() {
  for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { killAll(); process.exit(130); });

function startServer(server, opts) {
  // mem-report.js: SIGUSR2 → "mem HEAP EXTERNAL ARRAYBUFFERS" after a GC (idle heap measure).
  const nodeArgs = ['--expose-gc', '--require', path.join(SERVERS_DIR, 'mem-report.js')];
  if (opts.cpuProf && !server.cmd) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', opts.cpuProf,
    '--cpu-prof-name', `${server.label}-${server.scenario}-${Date.now()}.cpuprofile`);
  // server.cmd: another runtime (bun) running server.script, or a native binary (no script).
  const argv = server.cmd ? [server.cmd, ...(server.script ? [server.script] : []), '0'] : [process.execPath, ...nodeArgs, server.script, '0'];
  const env = { ...process.env, ...(server.env || {}) };
  const child = track(spawn('taskset', ['-c', '0', ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env }));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${server.label}: no "listening" within 15 s\n${err}`)); }, 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, pid: child.pid, port: Number(m[1]), stdoutAt: out.length, out: () => out }); }
    });
    child.stderr.on('data', (d) => { err += d; if (err.length > 20000) err = err.slice(-10000); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${server.label} exited (${code}) before listening\n${err}`)); });
  });
}

function stopServer(srv) {
  return new Promise((resolve) => {
    if (srv.child.exitCode !== null || srv.child.signalCode !== null) return resolve();
    const t = setTimeout(() => srv.child.kill('SIGKILL'), 5000); // SIGTERM lets --cpu-prof write its file
    srv.child.on('exit', () => { clearTimeout(t); resolve(); });
    srv.child.kill('SIGTERM');
  });
}

function runCapture(cmd, args, timeoutMs) {
  return new Promise((resolve) => {
    const child = track(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    let timedOut = false;
    const t = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => { clearTimeout(t); resolve({ code, out, err, timedOut }); });
  });
}

function h2load(port, sc, seconds) {
  const url = `${sc.tls ? 'https' : 'http'}://127.0.0.1:${port}${sc.path}`; // h2load: ALPN h2 over TLS
  // bash's `times` prints the children's (h2load's) user and system time last: the
  // client's CPU, to tell core-1 noise apart from h2load's own work.
  const args = ['-c', '1', 'bash', '-c', 'h2load "$@"; rc=$?; times; exit $rc', 'h2load',
    '-D', String(seconds), ...sc.args, url];
  return runCapture('taskset', args, (seconds + 30) * 1000).then((r) => {
    const t = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(r.out);
    r.clientCpuSeconds = t ? Number(t[1]) * 60 + Number(t[2]) + Number(t[3]) * 60 + Number(t[4]) : NaN;
    return r;
  });
}

// ---------- /proc ----------
function cpuTicks(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  return Number(f[11]) + Number(f[12]); // utime (14), stime (15)
}
// Busy and total jiffies of one core (for the "other load on core 0" noise figure).
function coreTicks(core) {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${core} `));
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  return { busy: user + nice + system + irq + softirq + steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
}
function statusKiB(pid, key) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(s);
  return m ? Number(m[1]) : NaN;
}

// ---------- h2load output ----------
function parseH2load(text) {
  const r = {};
  let m = /finished in ([\d.]+)(ms|s), ([\d.]+) req\/s, ([\d.]+)(B|KB|MB|GB)\/s/.exec(text);
  if (m) {
    r.seconds = Number(m[1]) / (m[2] === 'ms' ? 1000 : 1);
    r.reqPerSec = Number(m[3]);
    // h2load prints util::utos_funit: 1024-based units. Report MiB/s.
    const mult = { B: 1 / 1048576, KB: 1 / 1024, MB: 1, GB: 1024 }[m[5]];
    r.mibPerSec = Number(m[4]) * mult;
  }
  m = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(text);
  if (m) {
    r.done = Number(m[3]); r.succeeded = Number(m[4]); r.failed = Number(m[5]);
    r.errored = Number(m[6]); r.timeout = Number(m[7]);
  }
  m = /time for request:\s+(\S+)\s+(\S+)\s+(\S+)/.exec(text);
  if (m) r.meanLatencyMs = durMs(m[3]);
  return r;
}
function durMs(s) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(s);
  if (!m) return NaN;
  return Number(m[1]) * { us: 1e-3, ms: 1, s: 1000 }[m[2]];
}

// ---------- one measurement ----------
async function measure(server, sc, opts) {
  const env = { ...(server.label === 'floor' ? sc.floorEnv : {}),
    ...(sc.tls ? { BENCH_TLS_CERT: path.join(TLS_DIR, 'cert.pem'), BENCH_TLS_KEY: path.join(TLS_DIR, 'key.pem') } : {}) };
  const srv = await startServer({ ...server, scenario: sc.name, env: { ...(server.env || {}), ...env } }, opts);
  const startRssKiB = statusKiB(srv.pid, 'VmRSS');
  try {
    if (opts.warmup > 0) {
      const w = await h2load(srv.port, sc, opts.warmup);
      if (w.code !== 0 && !w.out.includes('finished in')) throw new Error(`h2load warm-up failed: ${w.err || w.out}`);
    }
    const t0 = cpuTicks(srv.pid);
    const c0 = coreTicks(0);
    const k0 = coreTicks(1);
    const r = await h2load(srv.port, sc, opts.duration);
    const t1 = cpuTicks(srv.pid);
    const c1 = coreTicks(0);
    const k1 = coreTicks(1);
    const res = parseH2load(r.out);
    // Share of core 0 used by anything but our server during the timed run
    // (other processes, steal): a noise indicator, high means distrust the cell.
    res.core0OtherPct = (100 * Math.max(0, c1.busy - c0.busy - (t1 - t0))) / Math.max(1, c1.total - c0.total);
    // Same for core 1, minus h2load's own CPU.
    res.core1OtherPct = (100 * Math.max(0, k1.busy - k0.busy - r.clientCpuSeconds * CLK_TCK)) / Math.max(1, k1.total - k0.total);
    res.clientCpuUsPerReq = res.done ? (r.clientCpuSeconds * 1e6) / res.done : NaN;
    // How busy the client was: near 100 % means h2load, not the server, set the pace
    // (then no server can go much faster in this cell; see docs/PERFORMANCE.md, "big").
    res.clientCpuPct = (100 * r.clientCpuSeconds * CLK_TCK) / Math.max(1, k1.total - k0.total);
    res.peakRssKiB = statusKiB(srv.pid, 'VmHWM');
    res.startRssKiB = startRssKiB; // the process before any request: peak − start is what load cost
    res.cpuSeconds = (t1 - t0) / CLK_TCK;
    res.cpuUsPerReq = res.done ? (res.cpuSeconds * 1e6) / res.done : NaN;
    // h2load's MB/s counts what it received; for the upload the interesting rate is what it sent.
    if (sc.name.startsWith('upload') && Number.isFinite(res.reqPerSec)) res.uploadMiBPerSec = (res.reqPerSec * 64) / 1024;
    if (r.timedOut) res.note = 'h2load killed by timer';
    if (res.reqPerSec === undefined) res.note = `h2load output not understood: ${(r.err || r.out).slice(-300)}`;
    return res;
  } finally {
    await stopServer(srv);
  }
}

// Idle connections: RSS after a warm-up (500 short-lived connections, 10 at a time),
// then after opening N connections and letting them settle.
async function measureIdle(server, opts) {
  const srv = await startServer({ ...server, scenario: 'idle' }, opts);
  const client = track(spawn('taskset', ['-c', '1', process.execPath, path.join(__dirname, 'idle-client.js'),
    String(srv.port), String(opts.idle)], { stdio: ['pipe', 'pipe', 'pipe'] }));
  const lines = [];
  let waiter = null;
  let buf = '';
  client.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i); buf = buf.slice(i + 1);
      lines.push(line);
      if (waiter) waiter();
    }
  });
  const waitFor = (prefix, ms) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`idle client: no "${prefix}" within ${ms} ms`)), ms);
    const check = () => {
      const l = lines.find((x) => x.startsWith(prefix) || x.startsWith('error'));
      if (l) { clearTimeout(t); waiter = null; lines.splice(lines.indexOf(l), 1); if (l.startsWith('error')) reject(new Error(l)); else resolve(l); }
    };
    waiter = check; check();
  });
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  try {
    await waitFor('warm', 15000);
    await sleep(500);
    // The client warmed the server with 500 short-lived connections, 10 alive at a time:
    // code paths are hot (JIT, wasm tier-up) but the memory high-water stays low.
    const heapBefore = await serverHeap(srv);
    const before = statusKiB(srv.pid, 'VmRSS');
    client.stdin.write('go\n');
    const ready = (await waitFor('ready', 60000)).split(' ');
    await sleep(1000);
    const after = statusKiB(srv.pid, 'VmRSS');
    const heapAfter = await serverHeap(srv);
    client.stdin.write('status\n');
    const st = (await waitFor('status', 5000)).split(' ');
    return { connections: opts.idle, open: Number(st[1]), closedByServer: Number(st[2]), openedReady: Number(ready[1]),
      rssBeforeKiB: before, rssAfterKiB: after, deltaKiB: after - before,
      perConnKiB: (after - before) / opts.idle, peakRssKiB: statusKiB(srv.pid, 'VmHWM'),
      // JS heap + external (Buffers and the wasm memory) after a GC, per connection.
      heapPerConnKiB: heapBefore && heapAfter ? (heapAfter.heapUsed - heapBefore.heapUsed) / 1024 / opts.idle : NaN,
      externalPerConnKiB: heapBefore && heapAfter ? (heapAfter.external - heapBefore.external) / 1024 / opts.idle : NaN };
  } finally {
    client.stdin.end();
    await new Promise((r) => { if (client.exitCode !== null) r(); else { client.on('exit', r); setTimeout(() => client.kill('SIGKILL'), 3000); } });
    await stopServer(srv);
  }
}

/** The server's JS heap after a GC: { heapUsed, external, arrayBuffers } in bytes (bench/servers/mem-report.js). */
function serverHeap(srv) {
  return new Promise((resolve) => {
    const from = srv.out().length;
    const t = setTimeout(() => { srv.child.stdout.off('data', on); resolve(null); }, 5000);
    const on = () => {
      const m = /mem (\d+) (\d+) (\d+)\n/.exec(srv.out().slice(from));
      if (!m) return;
      clearTimeout(t); srv.child.stdout.off('data', on);
      resolve({ heapUsed: Number(m[1]), external: Number(m[2]), arrayBuffers: Number(m[3]) });
    };
    srv.child.stdout.on('data', on);
    srv.child.kill('SIGUSR2');
  });
}

// Under attack: a legitimate h2 client (GET / every 50 ms) measured while
// bench/attack-client.js (core 1) attacks the server (core 0).
const ATTACKS = ['rapid-reset', 'window-update'];
const LEGIT_INTERVAL_MS = 50;
async function measureAttack(server, mode, opts) {
  const http2 = require('node:http2');
  const srv = await startServer({ ...server, scenario: `attack-${mode}` }, opts);
  const lat = [];
  let failures = 0;
  const client = http2.connect(`http://127.0.0.1:${srv.port}`);
  client.on('error', () => {});
  const one = () => new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = client.request({ ':path': '/' });
    req.on('response', () => {});
    req.on('data', () => {});
    req.on('end', () => { lat.push(Number(process.hrtime.bigint() - t0) / 1e6); resolve(); });
    req.on('error', () => { failures++; resolve(); });
    req.setTimeout(5000, () => { failures++; req.close(); resolve(); });
  });
  try {
    await one(); await one(); // warm
    lat.length = 0;
    const cpu0 = cpuTicks(srv.pid);
    const atk = track(spawn('taskset', ['-c', '1', process.execPath, path.join(__dirname, 'attack-client.js'),
      String(srv.port), mode, String(opts.duration)], { stdio: ['ignore', 'pipe', 'inherit'] }));
    let atkOut = '';
    atk.stdout.on('data', (d) => { atkOut += d; });
    const atkDone = new Promise((r) => atk.on('exit', r));
    const end = Date.now() + opts.duration * 1000;
    const pending = [];
    while (Date.now() < end) {
      pending.push(one());
      await new Promise((r) => setTimeout(r, LEGIT_INTERVAL_MS));
    }
    await Promise.all(pending);
    await atkDone;
    const cpuS = (cpuTicks(srv.pid) - cpu0) / CLK_TCK;
    const m = /done (\d+) (\d+) ([\d.]+)/.exec(atkOut) || [];
    lat.sort((a, b) => a - b);
    const q = (x) => (lat.length ? lat[Math.min(lat.length - 1, Math.round((lat.length - 1) * x))] : NaN);
    return { mode, attackFramesPerSec: Number(m[1]) / Number(m[3]), cutoffs: Number(m[2]), legitRequests: lat.length, failures,
      p50Ms: q(0.5), p99Ms: q(0.99), maxMs: q(1), serverCpuPct: (100 * cpuS) / opts.duration,
      alive: srv.child.exitCode === null };
  } finally {
    client.destroy();
    await stopServer(srv);
  }
}

// ---------- helpers ----------
function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}
function medianResult(runs) {
  const out = {};
  for (const k of Object.keys(runs[0])) {
    out[k] = typeof runs[0][k] === 'number' ? median(runs.map((r) => r[k])) : runs.map((r) => r[k]).filter(Boolean).join('; ');
  }
  if (runs.length > 1) out.rounds = runs.length;
  return out;
}
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const fmtRatio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');

function wasmSizes() {
  const dir = path.join(PKG_ROOT, 'js', 'wasm');
  let files = [];
  try { files = fs.readdirSync(dir).filter((f) => f.endsWith('.wasm')); } catch { /* none */ }
  return files.map((f) => {
    const raw = fs.readFileSync(path.join(dir, f));
    return { file: `js/wasm/${f}`, bytes: raw.length, gzipBytes: zlib.gzipSync(raw, { level: 9 }).length };
  });
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.slice(1).map(line)].join('\n');
}

function machineInfo() {
  const cpus = os.cpus();
  return { node: process.version, cpu: cpus[0] ? cpus[0].model : '?', cores: cpus.length,
    loadavg: os.loadavg().map((x) => Number(x.toFixed(2))),
    h2load: (() => { try { return execFileSync('h2load', ['--version']).toString().split('\n')[0]; } catch { return '?'; } })() };
}

// ---------- report ----------
// Growth over a bare Node process; only for servers that run on Node (not bun, not hyper).
const NOT_NODE = new Set(['bun', 'hyper']);
const growthOf = (r, bare, label) => (r && Number.isFinite(bare) && !NOT_NODE.has(label) ? r.peakRssKiB - bare : NaN);

function render(result) {
  const { servers, scenarios, idle, wasm, targets, attack, bare } = result;
  const [base] = servers;
  const bareKiB = bare ? bare.rssKiB : NaN;
  const out = [];
  out.push(`Run ${result.date} (${result.mode}); Node ${result.machine.node}, ${result.machine.h2load}, ` +
    `${result.machine.cores} cores (${result.machine.cpu}), load average at start ${result.machine.loadavg.join(' ')}; ` +
    `server on core 0, h2load on core 1; ${result.options.duration} s timed + ${result.options.warmup} s warm-up per cell, ` +
    `${result.options.rounds} round(s), medians. A bare Node process (\`node -e\` idling, same pinning) had ` +
    `${fmt(bareKiB / 1024, 1)} MiB RSS: "growth" is peak RSS minus that.`);
  for (const s of result.skipped || []) out.push(`\n- ${s.label}: not in this run (${s.why})`);
  out.push('');
  const rows = [['scenario', 'server', 'req/s', 'MiB/s', 'mean latency ms', 'CPU µs/req', 'h2load CPU %', 'peak RSS MiB', 'growth MiB', 'failed',
    'other load core0/core1 %', 'req/s ratio', 'CPU/req ratio', 'growth ratio']];
  for (const sc of scenarios) {
    for (const s of servers) {
      const r = sc.results[s.label];
      if (!r) continue;
      const b = sc.results[base.label];
      const isBase = s.label === base.label;
      const g = growthOf(r, bareKiB, s.label);
      rows.push([sc.name, s.label, fmt(r.reqPerSec), r.uploadMiBPerSec !== undefined ? `${fmt(r.uploadMiBPerSec, 1)} up` : fmt(r.mibPerSec, 1), fmt(r.meanLatencyMs, 2), fmt(r.cpuUsPerReq, 1),
        fmt(r.clientCpuPct), fmt(r.peakRssKiB / 1024, 1), fmt(g / 1024, 1), fmt(r.failed + (r.errored || 0)), `${fmt(r.core0OtherPct)}/${fmt(r.core1OtherPct)}`,
        isBase ? '1' : fmtRatio(r.reqPerSec / b.reqPerSec), isBase ? '1' : fmtRatio(r.cpuUsPerReq / b.cpuUsPerReq),
        isBase ? '1' : fmtRatio(g / growthOf(b, bareKiB))]);
    }
  }
  out.push(table(rows));
  if (idle) {
    out.push('');
    const irows = [['idle connections', 'server', 'open at end', 'closed by server', 'RSS before MiB', 'RSS after MiB', 'delta MiB', 'KiB/conn',
      'JS heap KiB/conn', 'external KiB/conn', 'ratio']];
    for (const s of servers) {
      const r = idle[s.label];
      if (!r) continue;
      irows.push([r.connections, s.label, r.open, r.closedByServer, fmt(r.rssBeforeKiB / 1024, 1), fmt(r.rssAfterKiB / 1024, 1),
        fmt(r.deltaKiB / 1024, 1), fmt(r.perConnKiB, 1), fmt(r.heapPerConnKiB, 2), fmt(r.externalPerConnKiB, 2),
        s.label === base.label ? '1' : fmtRatio(r.deltaKiB / idle[base.label].deltaKiB)]);
    }
    out.push(table(irows));
  }
  if (attack) {
    out.push('');
    const arows = [['under attack', 'server', 'attack frames/s', 'attacker conns cut off', 'legit requests', 'legit failed',
      'legit p50 ms', 'legit p99 ms', 'legit max ms', 'server CPU %']];
    for (const mode of ATTACKS) {
      for (const s of servers) {
        const r = attack[s.label]?.[mode];
        if (!r) continue;
        arows.push([mode, s.label, fmt(r.attackFramesPerSec), fmt(r.cutoffs), fmt(r.legitRequests), fmt(r.failures),
          fmt(r.p50Ms, 1), fmt(r.p99Ms, 1), fmt(r.maxMs, 1), fmt(r.serverCpuPct)]);
      }
    }
    out.push(table(arows));
  }
  out.push('');
  if (wasm.length) {
    out.push(table([['wasm', 'bytes', 'gzip -9 bytes', 'gzip KiB'], ...wasm.map((w) => [w.file, w.bytes, w.gzipBytes, fmt(w.gzipBytes / 1024, 1)])]));
  } else out.push('wasm: no js/wasm/*.wasm found (run scripts/build.sh)');
  out.push('');
  out.push(table([['target', 'server', 'wanted', `measured (÷ ${base.label})`, 'verdict'],
    ...targets.map((t) => [t.name, t.server, t.wanted, t.measured, t.verdict])]));
  return out.join('\n');
}

function targetsOf(servers, scenarios, idle, wasm, bare) {
  const [base] = servers;
  const labels = new Set(servers.map((s) => s.label));
  const t = [];
  const verdict = (ok) => (ok === null ? 'n/a' : ok ? 'PASS' : 'MISS');
  const bareKiB = bare ? bare.rssKiB : NaN;
  for (const [label, wanted] of Object.entries(REQ_TARGETS)) {
    if (!labels.has(label) || label === base.label) continue;
    for (const sc of scenarios) {
      if (wanted[sc.name] === undefined) continue;
      const a = sc.results[label];
      const b = sc.results[base.label];
      const ratio = a && b ? a.reqPerSec / b.reqPerSec : NaN;
      const failed = a ? (a.failed || 0) + (a.errored || 0) : 0;
      t.push({ name: `${sc.name} req/s`, server: label, wanted: `≥ ${wanted[sc.name].toFixed(1)}×`,
        measured: fmtRatio(ratio) + (failed ? ` (${failed} failed)` : '') + (a ? ` (CPU/req ${fmtRatio(a.cpuUsPerReq / b.cpuUsPerReq)})` : ''),
        ratio, verdict: verdict(Number.isFinite(ratio) ? ratio >= wanted[sc.name] && failed === 0 : null) });
    }
  }
  const big = scenarios.find((sc) => sc.name === 'big');
  if (big && labels.has('h2wasm')) {
    const a = big.results.h2wasm;
    const b = big.results[base.label];
    const ratio = a && b ? a.cpuUsPerReq / b.cpuUsPerReq : NaN;
    t.push({ name: 'big CPU µs per 1 MiB response', server: 'h2wasm', wanted: `≤ ${TARGET_BIG_CPU}×`,
      measured: `${fmtRatio(ratio)} (${fmt(a?.cpuUsPerReq, 0)} vs ${fmt(b?.cpuUsPerReq, 0)} µs)`, ratio,
      verdict: verdict(Number.isFinite(ratio) ? ratio <= TARGET_BIG_CPU : null) });
  }
  const plain = scenarios.filter((sc) => !/-tls$/.test(sc.name));
  if (plain.length && labels.has('h2wasm')) {
    const per = plain.map((sc) => ({ sc: sc.name, ratio: growthOf(sc.results.h2wasm, bareKiB) / growthOf(sc.results[base.label], bareKiB) }));
    const worst = Math.max(...per.map((p) => p.ratio));
    t.push({ name: 'peak RSS growth over bare Node, every scenario', server: 'h2wasm', wanted: `≤ ${TARGET_GROWTH}×`,
      measured: per.map((p) => `${p.sc} ${fmtRatio(p.ratio)}`).join(', '), ratio: worst,
      verdict: verdict(Number.isFinite(worst) ? worst <= TARGET_GROWTH : null) });
  }
  for (const label of ['h2wasm-fetch', 'h2wasm-fetch-lazy']) {
    if (!scenarios.length || !labels.has(label)) continue;
    const per = scenarios.map((sc) => ({ sc: sc.name, ratio: sc.results[label]?.peakRssKiB / sc.results[base.label]?.peakRssKiB }));
    const worst = Math.max(...per.map((p) => p.ratio));
    t.push({ name: 'peak RSS, every scenario', server: label, wanted: `≤ ${TARGET_FETCH_PEAK}×`,
      measured: per.map((p) => `${p.sc} ${fmtRatio(p.ratio)}`).join(', '), ratio: worst,
      verdict: verdict(Number.isFinite(worst) ? worst <= TARGET_FETCH_PEAK : null) });
  }
  if (idle && idle.h2wasm && idle[base.label]) {
    const a = idle.h2wasm;
    const b = idle[base.label];
    const ok = a.open === a.connections;
    const ratio = a.deltaKiB / b.deltaKiB;
    t.push({ name: 'idle-connection memory', server: 'h2wasm', wanted: `≤ ${TARGET_IDLE}×`, measured: fmtRatio(ratio) + (ok ? '' : ` (only ${a.open} open)`),
      ratio, verdict: verdict(Number.isFinite(ratio) ? ratio <= TARGET_IDLE && ok : null) });
  }
  const main = wasm.find((w) => !/inspect/i.test(w.file)) || wasm[0];
  t.push({ name: '.wasm gzipped', server: '—', wanted: '≤ 120 KiB', measured: main ? `${fmt(main.gzipBytes / 1024, 1)} KiB (${main.file})` : 'no .wasm',
    verdict: verdict(main ? main.gzipBytes <= TARGET_WASM_GZ : null) });
  t.push({ name: 'HPACK decoder vs hpack 0.3.0', server: '—', wanted: '≥ 20×', measured: 'bench/hpack/run.sh (HPACK engineer)', verdict: 'see bench/hpack' });
  return t;
}

// A bare Node process, pinned like the servers: the RSS every Node server starts from.
async function measureBareNode() {
  const child = track(spawn('taskset', ['-c', '0', process.execPath, '-e', 'console.log("listening 0"); setInterval(() => {}, 1000)'],
    { stdio: ['ignore', 'pipe', 'ignore'] }));
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('bare node did not start')), 10000);
    child.stdout.once('data', () => { clearTimeout(t); resolve(); });
  });
  await new Promise((r) => setTimeout(r, 1000));
  const r = { rssKiB: statusKiB(child.pid, 'VmRSS'), peakKiB: statusKiB(child.pid, 'VmHWM') };
  child.kill('SIGKILL');
  return r;
}

// The hyper peer: built here (cargo build --release --locked), never committed.
function buildHyper() {
  const dir = path.join(__dirname, 'peers', 'hyper');
  const bin = path.join(dir, 'target', 'release', 'hyper-peer');
  const cargo = ['cargo', path.join(os.homedir(), '.cargo', 'bin', 'cargo')].find((c) => {
    try { execFileSync(c, ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
  });
  if (!cargo) return { why: 'cargo not found' };
  process.stderr.write('bench: building bench/peers/hyper (cargo build --release --locked) … ');
  try {
    execFileSync(cargo, ['build', '--release', '--locked', '--quiet', '--manifest-path', path.join(dir, 'Cargo.toml')],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20 * 60 * 1000 });
  } catch (e) {
    process.stderr.write('FAILED\n');
    return { why: `cargo build failed: ${String(e.stderr || e.message).trim().split('\n').slice(-1)[0]}` };
  }
  process.stderr.write('ok\n');
  return { bin };
}

function makeTlsKey() {
  fs.mkdirSync(TLS_DIR, { recursive: true });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-keyout', path.join(TLS_DIR, 'key.pem'), '-out', path.join(TLS_DIR, 'cert.pem')], { stdio: 'ignore' });
  process.on('exit', () => { try { fs.rmSync(TLS_DIR, { recursive: true, force: true }); } catch { /* gone */ } });
}

const BEGIN = '<!-- bench:latest:begin (written by bench/run.js; do not edit by hand) -->';
const END = '<!-- bench:latest:end -->';
function writeDoc(text, result) {
  let doc;
  try { doc = fs.readFileSync(DOC, 'utf8'); } catch {
    doc = '# Performance\n\n## Latest results\n\n' + BEGIN + '\n' + END + '\n';
  }
  const block = `${BEGIN}\n\nCommand: \`${result.command}\`\n\n${text}\n\n${END}`;
  const i = doc.indexOf(BEGIN);
  const j = doc.indexOf(END);
  if (i >= 0 && j > i) doc = doc.slice(0, i) + block + doc.slice(j + END.length);
  else doc += `\n## Latest results\n\n${block}\n`;
  fs.mkdirSync(path.dirname(DOC), { recursive: true });
  fs.writeFileSync(DOC, doc);
}

// ---------- main ----------
async function main() {
  const opts = parseArgs(process.argv.slice(2));
  try { execFileSync('h2load', ['--version'], { stdio: 'ignore' }); } catch { die('h2load not found (Debian: apt-get install nghttp2-client)'); }
  try { execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }); } catch { die('taskset not found or core 0/1 not available (util-linux)'); }
  if (os.cpus().length < 2) die('needs 2 cores: server on core 0, h2load on core 1');

  const nodeServer = { label: 'node', script: path.join(SERVERS_DIR, 'node-http2.js') };
  let servers;
  if (opts.compat) {
    servers = [{ label: 'node-compat', script: path.join(SERVERS_DIR, 'node-compat.js') },
      { label: 'h2wasm-compat', script: path.join(SERVERS_DIR, 'h2wasm-compat.js') }];
  } else if (opts.servers) {
    servers = opts.servers.map((n) => ({ label: n === 'node-http2' ? 'node' : n, script: path.join(SERVERS_DIR, `${n}.js`) }));
    for (const s of servers) if (!fs.existsSync(s.script)) die(`no ${path.relative(ROOT, s.script)}`);
  } else if (opts.selfTest) {
    servers = [nodeServer, { label: 'node-b', script: nodeServer.script }];
  } else {
    const missing = ['js/index.js'].filter((f) => !fs.existsSync(path.join(PKG_ROOT, f)));
    if (!wasmSizes().length) missing.push('js/wasm/*.wasm');
    if (missing.length) {
      die(`missing ${missing.join(', ')}: build first with scripts/build.sh ` +
        '(or prove the harness with `node bench/run.js --self-test`, Node in both slots)');
    }
    servers = [nodeServer, { label: 'h2wasm', script: path.join(SERVERS_DIR, 'h2wasm.js') }];
    if (opts.fetch) {
      servers.push({ label: 'h2wasm-fetch', script: path.join(SERVERS_DIR, 'h2wasm-fetch.js') });
      // Same handler answering with h2wasm's LazyResponse instead of the global Response.
      servers.push({ label: 'h2wasm-fetch-lazy', script: path.join(SERVERS_DIR, 'h2wasm-fetch.js'), env: { BENCH_RESPONSE: 'lazy' } });
      if (opts.ab) {
        if (!fs.existsSync(path.join(opts.ab, 'js', 'index.js'))) die(`--ab ${opts.ab}: no js/index.js there`);
        servers.push({ label: 'h2wasm@ab', script: path.join(SERVERS_DIR, 'h2wasm.js'), env: { H2WASM_ROOT: opts.ab } });
        servers.push({ label: 'h2wasm-fetch@ab', script: path.join(SERVERS_DIR, 'h2wasm-fetch.js'), env: { H2WASM_ROOT: opts.ab } });
        servers.push({ label: 'h2wasm-fetch-lazy@ab', script: path.join(SERVERS_DIR, 'h2wasm-fetch.js'), env: { H2WASM_ROOT: opts.ab, BENCH_RESPONSE: 'lazy' } });
      }
    }
  }
  if (opts.columns) servers = servers.filter((s) => s.label === 'node' || opts.columns.includes(s.label));
  const skipped = [];
  if (opts.peers && !opts.compat && !opts.servers && !opts.selfTest) {
    const bun = path.join(__dirname, 'node_modules', '.bin', 'bun');
    let bunOk = false;
    try { execFileSync(bun, ['--version'], { stdio: 'ignore' }); bunOk = true; } catch { /* not installed */ }
    if (bunOk) servers.push({ label: 'bun', cmd: bun, script: nodeServer.script, tls: true });
    else skipped.push({ label: 'bun', why: 'not installed: `npm ci --prefix bench`' });
    const hyper = buildHyper();
    if (hyper.bin) servers.push({ label: 'hyper', cmd: hyper.bin, tls: false });
    else skipped.push({ label: 'hyper', why: hyper.why });
    servers.push({ label: 'floor', script: path.join(SERVERS_DIR, 'floor-h2.js'), tls: false });
  }
  if (opts.cpuProf) fs.mkdirSync(opts.cpuProf, { recursive: true });
  fs.writeFileSync(UPLOAD_FILE, Buffer.alloc(64 * 1024, 0x62));
  process.on('exit', () => { try { fs.unlinkSync(UPLOAD_FILE); } catch { /* gone */ } });

  const machine = machineInfo();
  let wanted = opts.only || (opts.compat ? COMPAT_SCENARIOS : null) || ['small', 'onecon', 'big', 'upload', ...(opts.tls ? ['small-tls', 'upload-tls'] : []), 'idle', 'attack'];
  if (SCENARIOS.some((sc) => sc.tls && wanted.includes(sc.name))) {
    try { makeTlsKey(); } catch (e) {
      skipped.push({ label: 'small-tls, upload-tls', why: `no TLS key: openssl failed (${e.message.split('\n')[0]})` });
      wanted = wanted.filter((n) => !SCENARIOS.some((sc) => sc.tls && sc.name === n));
    }
  }
  const bare = await measureBareNode();
  process.stderr.write(`bench: bare node ${fmt(bare.rssKiB / 1024, 1)} MiB RSS\n`);
  const scenarios = [];
  for (const sc of SCENARIOS.filter((s) => wanted.includes(s.name))) {
    const runs = Object.fromEntries(servers.map((s) => [s.label, []]));
    for (let round = 0; round < opts.rounds; round++) {
      // Alternate the order each round so neither server always runs first.
      // Servers without TLS support (hyper, floor) sit out the -tls scenarios.
      const able = servers.filter((s) => !sc.tls || s.tls !== false);
      const order = round % 2 ? [...able].reverse() : able;
      for (const s of order) {
        process.stderr.write(`bench: ${sc.name} ${s.label} round ${round + 1}/${opts.rounds} … `);
        try {
          const r = await measure(s, sc, opts);
          runs[s.label].push(r);
          process.stderr.write(`${fmt(r.reqPerSec)} req/s, ${fmt(r.cpuUsPerReq, 1)} µs/req, ${fmt(r.peakRssKiB / 1024, 1)} MiB peak${r.failed ? `, ${r.failed} failed` : ''}${r.note ? ` (${r.note})` : ''}\n`);
        } catch (e) {
          process.stderr.write(`FAILED: ${e.message.split('\n')[0]}\n`);
          runs[s.label].push({ reqPerSec: NaN, note: e.message.split('\n')[0] });
        }
      }
    }
    const results = {};
    for (const s of servers) if (runs[s.label].length) results[s.label] = medianResult(runs[s.label]);
    scenarios.push({ name: sc.name, h2loadArgs: [...sc.args.map((a) => (a === UPLOAD_FILE ? '<64 KiB file>' : a)), sc.path], results, runs });
  }

  let idle = null;
  if (wanted.includes('idle')) {
    idle = {};
    for (const s of servers.filter((x) => ['node', 'h2wasm', 'h2wasm-fetch', 'bun'].includes(x.label) || opts.servers)) {
      process.stderr.write(`bench: idle ${opts.idle} ${s.label} … `);
      try {
        idle[s.label] = await measureIdle(s, opts);
        const r = idle[s.label];
        process.stderr.write(`+${fmt(r.deltaKiB / 1024, 1)} MiB (${fmt(r.perConnKiB, 1)} KiB/conn), ${r.open} open\n`);
      } catch (e) {
        process.stderr.write(`FAILED: ${e.message}\n`);
        idle[s.label] = { connections: opts.idle, deltaKiB: NaN, note: e.message };
      }
    }
  }

  let attack = null;
  if (wanted.includes('attack')) {
    attack = {};
    for (const s of servers) {
      attack[s.label] = {};
      for (const mode of ATTACKS) {
        process.stderr.write(`bench: under attack (${mode}) ${s.label} … `);
        try {
          const r = await measureAttack(s, mode, opts);
          attack[s.label][mode] = r;
          process.stderr.write(`${fmt(r.attackFramesPerSec)} frames/s, legit p50 ${fmt(r.p50Ms, 1)} ms p99 ${fmt(r.p99Ms, 1)} ms, ${r.failures} failed\n`);
        } catch (e) {
          process.stderr.write(`FAILED: ${e.message.split('\n')[0]}\n`);
        }
      }
    }
  }

  const wasm = wasmSizes();
  const result = {
    date: new Date().toISOString(), mode: opts.selfTest && !opts.servers ? 'self-test: Node in both slots' : `${servers.map((s) => s.label).join(' vs ')}`,
    command: `${process.env.H2WASM_ROOT ? `H2WASM_ROOT=${process.env.H2WASM_ROOT} ` : ''}node bench/run.js ${process.argv.slice(2).join(' ')}`.trim(), machine, options: opts,
    servers: servers.map(({ label }) => ({ label })), scenarios, idle, wasm, attack, bare, skipped,
  };
  result.targets = targetsOf(result.servers, scenarios, idle, wasm, bare);
  const text = render(result);
  console.log(text);
  if (opts.write) {
    fs.mkdirSync(path.dirname(RESULT), { recursive: true });
    fs.writeFileSync(RESULT, JSON.stringify(result, null, 2) + '\n');
    writeDoc(text, result);
    console.log(`\nwrote ${path.relative(ROOT, RESULT)} and the latest-results section of ${path.relative(ROOT, DOC)}`);
  }
}

main().catch((e) => { console.error(e); killAll(); process.exit(1); });
