#!/usr/bin/env node
'use strict';
// `npm run bench:client`: HTTP/2 clients side by side against the same local
// server — many small GETs (12-byte body), 100 streams in flight on one
// connection. Clients: the h2wasm client (session.request and session.fetch),
// Node's http2 client (core stream API, its fastest path) and undici's fetch
// with allowH2. Builds nothing: run scripts/build.sh first.
//
// The server is nghttpd (C, from nghttp2-server) serving a 12-byte index.html,
// over h2c and over TLS (undici only speaks HTTP/2 after ALPN, so its row is
// TLS only); without nghttpd, bench/servers/h2wasm.js over h2c. It runs in its
// own process pinned to core 0; each client runs in a fresh process pinned to
// core 1 and measures its own CPU time (process.cpuUsage) over the timed
// window, after a warm-up. Reported: requests/s and client CPU µs per request,
// and the ratios against Node's http2 client on the same transport.
//
//   node bench/client.js [--duration S] [--warmup S] [--rounds N] [--inflight N]
//
// Everything binds 127.0.0.1; every run is bounded by --duration and a kill timer.
const { spawn, execFileSync } = require('node:child_process');
const path = require('node:path');

const CLIENTS = ['node-http2', 'h2wasm-request', 'h2wasm-fetch', 'undici-fetch'];

function parseArgs(argv) {
  const o = { duration: 5, warmup: 1, rounds: 1, inflight: 100, worker: null, port: 0, tls: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--duration') o.duration = Number(v());
    else if (a === '--warmup') o.warmup = Number(v());
    else if (a === '--rounds') o.rounds = Number(v());
    else if (a === '--tls') o.tls = true;
    else if (a === '--inflight') o.inflight = Number(v());
    else if (a === '--worker') o.worker = v();
    else if (a === '--port') o.port = Number(v());
    else { console.error(`bench/client.js: unknown option ${a}`); process.exit(2); }
  }
  return o;
}

const haveTaskset = (() => { try { execFileSync('taskset', ['-c', '0', 'true']); return true; } catch { return false; } })();
const pinned = (core, args) => (haveTaskset ? ['taskset', ['-c', String(core), process.execPath, ...args]] : [process.execPath, args]);

// ---------- worker: one client kind, N requests in flight for D seconds ----------

async function makeClient(kind, url) {
  if (kind === 'node-http2') {
    const http2 = require('node:http2');
    const c = http2.connect(url, { rejectUnauthorized: false });
    await new Promise((r, j) => { c.once('connect', r); c.once('error', j); });
    return {
      one: () => new Promise((resolve, reject) => {
        const req = c.request({ ':path': '/' }, { endStream: true });
        let n = 0;
        req.on('data', (d) => { n += d.length; });
        req.on('end', () => resolve(n));
        req.on('error', reject);
      }),
      close: () => new Promise((r) => c.close(r)),
    };
  }
  if (kind === 'h2wasm-request' || kind === 'h2wasm-fetch') {
    const { connect } = await import(path.join(__dirname, '..', 'js', 'index.js'));
    const s = await connect(url, { tls: { rejectUnauthorized: false } });
    if (kind === 'h2wasm-fetch') return { one: async () => (await (await s.fetch('/')).arrayBuffer()).byteLength, close: () => s.close() };
    return { one: async () => (await s.request({ ':path': '/' }, { endStream: true }).bytes()).length, close: () => s.close() };
  }
  if (kind === 'undici-fetch') {
    const { fetch, Agent } = require('undici');
    // One connection (connections: 1) with HTTP/2 and 100 streams on it, as for the others.
    const dispatcher = new Agent({ allowH2: true, connections: 1, pipelining: 100, connect: { rejectUnauthorized: false } });
    return { one: async () => (await (await fetch(`${url}/`, { dispatcher })).arrayBuffer()).byteLength, close: () => dispatcher.close() };
  }
  throw new Error(`unknown client ${kind}`);
}

async function worker(o) {
  const url = `${o.tls ? 'https' : 'http'}://127.0.0.1:${o.port}`;
  const c = await makeClient(o.worker, url);
  let phase = 'warmup';
  let done = 0;
  let errors = 0;
  const loop = async () => {
    while (phase !== 'stop') {
      try { await c.one(); if (phase === 'timed') done++; } catch { errors++; if (errors > 1000) throw new Error('too many errors'); }
    }
  };
  const loops = Array.from({ length: o.inflight }, loop);
  await new Promise((r) => setTimeout(r, o.warmup * 1000));
  phase = 'timed';
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, o.duration * 1000));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const n = done;
  phase = 'stop';
  await Promise.all(loops);
  await c.close();
  process.stdout.write(JSON.stringify({ reqs: n, wallMs: wall, cpuUs: cpu.user + cpu.system, errors }) + '\n');
}

// ---------- driver ----------

const fs = require('node:fs');
const os = require('node:os');

const haveNghttpd = (() => { try { execFileSync('sh', ['-c', 'command -v nghttpd']); return true; } catch { return false; } })();

function waitListening(p, re) {
  return new Promise((resolve, reject) => {
    let out = '';
    const on = (d) => { out += d; const m = re.exec(out); if (m) resolve(Number(m[1])); };
    p.stdout?.on('data', on);
    p.stderr?.on('data', on);
    p.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

async function freePort() {
  const net = require('node:net');
  return new Promise((r) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });
}

/** nghttpd over h2c or TLS serving "hello world\n" at /, pinned to core 0; or the h2wasm bench server. */
async function startServer(tls, dir) {
  if (!haveNghttpd) {
    const [cmd, args] = pinned(0, [path.join(__dirname, 'servers', 'h2wasm.js'), '0']);
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    return { p, port: await waitListening(p, /listening (\d+)/), name: 'h2wasm (bench/servers/h2wasm.js)' };
  }
  const port = await freePort();
  const extra = tls ? [String(port), path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')] : ['--no-tls', String(port)];
  const [cmd, args] = haveTaskset ? ['taskset', ['-c', '0', 'nghttpd', '-a', '127.0.0.1', '-d', dir, ...extra]] : ['nghttpd', ['-a', '127.0.0.1', '-d', dir, ...extra]];
  const p = spawn(cmd, args, { stdio: 'ignore' });
  const net = require('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((r) => { const c = net.connect(port, '127.0.0.1', () => { c.destroy(); r(true); }); c.on('error', () => r(false)); });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { p, port, name: `nghttpd ${tls ? 'TLS' : 'h2c'}` };
}

function runWorker(kind, port, o) {
  const [cmd, args] = pinned(1, [__filename, '--worker', kind, '--port', String(port), '--duration', String(o.duration),
    '--warmup', String(o.warmup), '--inflight', String(o.inflight), ...(o.tls ? ['--tls'] : [])]);
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const kill = setTimeout(() => p.kill('SIGKILL'), (o.duration + o.warmup + 30) * 1000);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('close', (code) => {
      clearTimeout(kill);
      try { resolve(JSON.parse(out.trim().split('\n').pop())); } catch { reject(new Error(`${kind} exited ${code}: ${out}`)); }
    });
  });
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.worker) return worker(o);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h2wasm-client-bench-'));
  fs.writeFileSync(path.join(dir, 'index.html'), 'hello world\n');
  try {
    const { selfSigned } = await import(path.join(__dirname, '..', 'js', 'cli.js'));
    const c = selfSigned();
    fs.writeFileSync(path.join(dir, 'key.pem'), c.key);
    fs.writeFileSync(path.join(dir, 'cert.pem'), c.cert);
    for (const tls of haveNghttpd ? [false, true] : [false]) {
      const clients = tls ? CLIENTS : CLIENTS.filter((c) => c !== 'undici-fetch');
      const { p, port, name } = await startServer(tls, dir);
      const rows = Object.fromEntries(clients.map((c) => [c, []]));
      try {
        for (let r = 0; r < o.rounds; r++) {
          for (const c of clients) {
            const res = await runWorker(c, port, { ...o, tls });
            rows[c].push({ rps: res.reqs / (res.wallMs / 1000), cpuPerReq: res.cpuUs / Math.max(1, res.reqs), errors: res.errors });
          }
        }
      } finally { p.kill(); }
      const base = { rps: median(rows['node-http2'].map((x) => x.rps)), cpu: median(rows['node-http2'].map((x) => x.cpuPerReq)) };
      console.log(`\nclient bench: ${o.inflight} streams in flight on one connection, GET / (12 bytes), server ${name}, ` +
        `${o.duration}s timed after ${o.warmup}s warm-up, median of ${o.rounds}, pinned: ${haveTaskset}`);
      console.log('| client | req/s | client CPU µs/req | req/s vs Node | CPU/req vs Node (lower is better) |');
      console.log('| --- | ---: | ---: | ---: | ---: |');
      for (const c of clients) {
        const rps = median(rows[c].map((x) => x.rps)), cpu = median(rows[c].map((x) => x.cpuPerReq));
        const err = rows[c].reduce((s, x) => s + x.errors, 0);
        console.log(`| ${c} | ${rps.toFixed(0)} | ${cpu.toFixed(1)} | ${(rps / base.rps).toFixed(2)}× | ${(cpu / base.cpu).toFixed(2)}× |${err ? ` (${err} errors)` : ''}`);
      }
    }
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
}

main().catch((e) => { console.error(e); process.exit(1); });
