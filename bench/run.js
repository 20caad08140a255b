#!/usr/bin/env node
'use strict';
// `npm run bench`: h2wasm vs Node's built-in http2, side by side, same machine,
// same run (issue 5). Builds nothing: run scripts/build.sh first.
//
// For every scenario and server: a fresh server process pinned to core 0
// (taskset -c 0), an h2load warm-up, then a timed h2load run pinned to core 1.
// Server CPU time comes from /proc/PID/stat (utime+stime) around the timed run,
// peak RSS from /proc/PID/status VmHWM (a fresh process per scenario resets it).
// Then 1,000 idle h2c connections (bench/idle-client.js) and the server's RSS delta.
//
//   node bench/run.js [options]
//     --duration S     timed h2load run per scenario/server (default 5)
//     --warmup S       h2load warm-up before it (default 1)
//     --rounds N       repeat every scenario N times, alternating servers; medians reported (default 1)
//     --only a,b       scenarios to run (small,onecon,big,upload,idle)
//     --self-test      Node in both slots: proves the harness (ratios should be ~1.0)
//     --servers a,b    bench/servers/<a>.js vs <b>.js (first = baseline), e.g. node-http2,floor-net
//     --fetch          also bench the fetch-style serve() server (bench/servers/h2wasm-fetch.js)
//     --compat         (req, res) handlers: node:http2's compat API vs h2wasm/compat (plain hello,
//                      and Express on h2wasm; see bench/servers/node-compat.js); implies --no-write
//     --cpu-prof DIR   run the servers under `node --cpu-prof --cpu-prof-dir DIR`
//     --no-write       do not update docs/PERFORMANCE.md and bench/results/latest.json
//     --idle N         idle connections (default 1000)
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
  const o = { duration: 5, warmup: 1, rounds: 1, only: null, selfTest: false, fetch: false,
    cpuProf: null, write: true, idle: 1000, servers: null, compat: false };
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
    else if (a === '--compat') { o.compat = true; o.write = false; }
    else if (a === '--servers') o.servers = next().split(',');
    else if (a === '--cpu-prof') o.cpuProf = path.resolve(next());
    else if (a === '--no-write') o.write = false;
    else if (a === '--idle') o.idle = Number(next());
    else if (a === '-h' || a === '--help') {
      console.log(fs.readFileSync(__filename, 'utf8').split("\n").slice(2, 27).join('\n'));
      process.exit(0);
    } else die(`unknown option ${a}`);
  }
  return o;
}

function die(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

// ---------- scenarios and targets (issue 5) ----------
const UPLOAD_FILE = path.join(os.tmpdir(), `h2wasm-bench-64k-${process.pid}.bin`);
const SCENARIOS = [
  { name: 'small', path: '/', args: ['-c', '10', '-m', '100'], target: 2.0 },
  { name: 'onecon', path: '/', args: ['-c', '1', '-m', '100'], target: 2.0 },
  { name: 'big', path: '/big', args: ['-c', '4', '-m', '10'], target: 1.1 },
  { name: 'upload', path: '/echo', args: ['-c', '4', '-m', '10', '-d', UPLOAD_FILE], target: 2.0 },
  // (req, res) handlers, run with --compat (bench/servers/node-compat.js vs h2wasm-compat.js).
  { name: 'compat-plain', path: '/', args: ['-c', '10', '-m', '100'], target: 3.0 },
  { name: 'compat-express', path: '/express', args: ['-c', '10', '-m', '100'], target: 1.5 },
];
const COMPAT_SCENARIOS = ['compat-plain', 'compat-express'];
const TARGET_PEAK_RSS = 0.5;
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
  const nodeArgs = [];
  if (opts.cpuProf) nodeArgs.push('--cpu-prof', '--cpu-prof-dir', opts.cpuProf,
    '--cpu-prof-name', `${server.label}-${server.scenario}-${Date.now()}.cpuprofile`);
  const child = track(spawn('taskset', ['-c', '0', process.execPath, ...nodeArgs, server.script, '0'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${server.label}: no "listening" within 15 s\n${err}`)); }, 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, pid: child.pid, port: Number(m[1]) }); }
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
  const url = `http://127.0.0.1:${port}${sc.path}`;
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
  const srv = await startServer({ ...server, scenario: sc.name }, opts);
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
    if (sc.name === 'upload' && Number.isFinite(res.reqPerSec)) res.uploadMiBPerSec = (res.reqPerSec * 64) / 1024;
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
    const before = statusKiB(srv.pid, 'VmRSS');
    client.stdin.write('go\n');
    const ready = (await waitFor('ready', 60000)).split(' ');
    await sleep(1000);
    const after = statusKiB(srv.pid, 'VmRSS');
    client.stdin.write('status\n');
    const st = (await waitFor('status', 5000)).split(' ');
    return { connections: opts.idle, open: Number(st[1]), closedByServer: Number(st[2]), openedReady: Number(ready[1]),
      rssBeforeKiB: before, rssAfterKiB: after, deltaKiB: after - before,
      perConnKiB: (after - before) / opts.idle, peakRssKiB: statusKiB(srv.pid, 'VmHWM') };
  } finally {
    client.stdin.end();
    await new Promise((r) => { if (client.exitCode !== null) r(); else { client.on('exit', r); setTimeout(() => client.kill('SIGKILL'), 3000); } });
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
function render(result) {
  const { servers, scenarios, idle, wasm, targets } = result;
  const [base, ours] = servers;
  const out = [];
  out.push(`Run ${result.date} (${result.mode}); Node ${result.machine.node}, ${result.machine.h2load}, ` +
    `${result.machine.cores} cores (${result.machine.cpu}), load average at start ${result.machine.loadavg.join(' ')}; ` +
    `server on core 0, h2load on core 1; ${result.options.duration} s timed + ${result.options.warmup} s warm-up per cell, ` +
    `${result.options.rounds} round(s), medians.`);
  out.push('');
  const rows = [['scenario', 'server', 'req/s', 'MiB/s', 'mean latency ms', 'CPU µs/req', 'h2load CPU %', 'peak RSS MiB (start)', 'failed',
    'other load core0/core1 %', 'req/s ratio', 'CPU/req ratio', 'peak RSS ratio']];
  for (const sc of scenarios) {
    for (const s of servers) {
      const r = sc.results[s.label];
      if (!r) continue;
      const b = sc.results[base.label];
      const isBase = s.label === base.label;
      rows.push([sc.name, s.label, fmt(r.reqPerSec), r.uploadMiBPerSec !== undefined ? `${fmt(r.uploadMiBPerSec, 1)} up` : fmt(r.mibPerSec, 1), fmt(r.meanLatencyMs, 2), fmt(r.cpuUsPerReq, 1),
        fmt(r.clientCpuPct), `${fmt(r.peakRssKiB / 1024, 1)} (${fmt(r.startRssKiB / 1024, 1)})`, fmt(r.failed + (r.errored || 0)), `${fmt(r.core0OtherPct)}/${fmt(r.core1OtherPct)}`,
        isBase ? '1' : fmtRatio(r.reqPerSec / b.reqPerSec), isBase ? '1' : fmtRatio(r.cpuUsPerReq / b.cpuUsPerReq),
        isBase ? '1' : fmtRatio(r.peakRssKiB / b.peakRssKiB)]);
    }
  }
  out.push(table(rows));
  if (idle) {
    out.push('');
    const irows = [['idle connections', 'server', 'open at end', 'closed by server', 'RSS before MiB', 'RSS after MiB', 'delta MiB', 'KiB/conn', 'ratio']];
    for (const s of servers) {
      const r = idle[s.label];
      if (!r) continue;
      irows.push([r.connections, s.label, r.open, r.closedByServer, fmt(r.rssBeforeKiB / 1024, 1), fmt(r.rssAfterKiB / 1024, 1),
        fmt(r.deltaKiB / 1024, 1), fmt(r.perConnKiB, 1), s.label === base.label ? '1' : fmtRatio(r.deltaKiB / idle[base.label].deltaKiB)]);
    }
    out.push(table(irows));
  }
  out.push('');
  if (wasm.length) {
    out.push(table([['wasm', 'bytes', 'gzip -9 bytes', 'gzip KiB'], ...wasm.map((w) => [w.file, w.bytes, w.gzipBytes, fmt(w.gzipBytes / 1024, 1)])]));
  } else out.push('wasm: no js/wasm/*.wasm found (run scripts/build.sh)');
  out.push('');
  out.push(table([['target (issue 5)', 'wanted', `measured (${ours.label} / ${base.label})`, 'verdict'],
    ...targets.map((t) => [t.name, t.wanted, t.measured, t.verdict])]));
  return out.join('\n');
}

function targetsOf(servers, scenarios, idle, wasm) {
  const [base, ours] = servers;
  const t = [];
  const verdict = (ok) => (ok === null ? 'n/a' : ok ? 'PASS' : 'MISS');
  for (const sc of scenarios) {
    const def = SCENARIOS.find((d) => d.name === sc.name);
    const a = sc.results[ours.label];
    const b = sc.results[base.label];
    const ratio = a && b ? a.reqPerSec / b.reqPerSec : NaN;
    const failed = a ? (a.failed || 0) + (a.errored || 0) : 0;
    t.push({ name: `${sc.name} req/s`, wanted: `≥ ${def.target.toFixed(1)}×`, measured: fmtRatio(ratio) + (failed ? ` (${failed} failed)` : ''),
      ratio, verdict: verdict(Number.isFinite(ratio) ? ratio >= def.target && failed === 0 : null) });
  }
  if (scenarios.length) {
    const peak = (label) => Math.max(...scenarios.map((sc) => (sc.results[label] ? sc.results[label].peakRssKiB : NaN)));
    const ratio = peak(ours.label) / peak(base.label);
    t.push({ name: 'peak RSS (max over scenarios)', wanted: `≤ ${TARGET_PEAK_RSS}×`, measured: fmtRatio(ratio), ratio,
      verdict: verdict(Number.isFinite(ratio) ? ratio <= TARGET_PEAK_RSS : null) });
    // Informational: what load added (peak − the process at start). The start (~45 MiB, mostly the
    // node binary's file-backed pages) is the same for both and is most of the 0.5× budget.
    const growth = (label) => Math.max(...scenarios.map((sc) => (sc.results[label] ? sc.results[label].peakRssKiB - sc.results[label].startRssKiB : NaN)));
    const g = growth(ours.label) / growth(base.label);
    t.push({ name: 'peak RSS growth over start (info)', wanted: '—', measured: fmtRatio(g), ratio: g, verdict: 'info' });
  }
  if (idle && idle[ours.label] && idle[base.label]) {
    const a = idle[ours.label];
    const b = idle[base.label];
    const ok = a.open === a.connections;
    const ratio = a.deltaKiB / b.deltaKiB;
    t.push({ name: 'idle-connection memory', wanted: `≤ ${TARGET_IDLE}×`, measured: fmtRatio(ratio) + (ok ? '' : ` (only ${a.open} open)`),
      ratio, verdict: verdict(Number.isFinite(ratio) ? ratio <= TARGET_IDLE && ok : null) });
  }
  const main = wasm.find((w) => !/inspect/i.test(w.file)) || wasm[0];
  t.push({ name: '.wasm gzipped', wanted: '≤ 120 KiB', measured: main ? `${fmt(main.gzipBytes / 1024, 1)} KiB (${main.file})` : 'no .wasm',
    verdict: verdict(main ? main.gzipBytes <= TARGET_WASM_GZ : null) });
  t.push({ name: 'HPACK decoder vs hpack 0.3.0', wanted: '≥ 20×', measured: 'bench/hpack/run.sh (HPACK engineer)', verdict: 'see bench/hpack' });
  return t;
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
    if (opts.fetch) servers.push({ label: 'h2wasm-fetch', script: path.join(SERVERS_DIR, 'h2wasm-fetch.js') });
  }
  if (opts.cpuProf) fs.mkdirSync(opts.cpuProf, { recursive: true });
  fs.writeFileSync(UPLOAD_FILE, Buffer.alloc(64 * 1024, 0x62));
  process.on('exit', () => { try { fs.unlinkSync(UPLOAD_FILE); } catch { /* gone */ } });

  const machine = machineInfo();
  const wanted = opts.only || (opts.compat ? COMPAT_SCENARIOS : ['small', 'onecon', 'big', 'upload', 'idle']);
  const scenarios = [];
  for (const sc of SCENARIOS.filter((s) => wanted.includes(s.name))) {
    const runs = Object.fromEntries(servers.map((s) => [s.label, []]));
    for (let round = 0; round < opts.rounds; round++) {
      // Alternate the order each round so neither server always runs first.
      const order = round % 2 ? [...servers].reverse() : servers;
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
    for (const s of servers) results[s.label] = medianResult(runs[s.label]);
    scenarios.push({ name: sc.name, h2loadArgs: [...sc.args.map((a) => (a === UPLOAD_FILE ? '<64 KiB file>' : a)), sc.path], results, runs });
  }

  let idle = null;
  if (wanted.includes('idle')) {
    idle = {};
    for (const s of servers) {
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

  const wasm = wasmSizes();
  const result = {
    date: new Date().toISOString(), mode: opts.selfTest && !opts.servers ? 'self-test: Node in both slots' : `${servers.map((s) => s.label).join(' vs ')}`,
    command: `${process.env.H2WASM_ROOT ? `H2WASM_ROOT=${process.env.H2WASM_ROOT} ` : ''}node bench/run.js ${process.argv.slice(2).join(' ')}`.trim(), machine, options: opts,
    servers: servers.map(({ label }) => ({ label })), scenarios, idle, wasm,
  };
  result.targets = targetsOf(result.servers, scenarios, idle, wasm);
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
