#!/usr/bin/env node
// h2wasm CLI: `h2wasm serve [--host H] [--port P] [--root DIR] [--tls-self-signed | --cert F --key F] [--tls-port P] [--trace]`
// Static files from --root (default www/), POST /echo streams the body back,
// GET /bytes/N sends N bytes from a push producer. With --tls-self-signed (and
// no --port given) it serves h2c on 8080 and TLS h2 on 8443.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from './index.js';
import { logAbuse } from './log.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png', '.svg': 'image/svg+xml', '.txt': 'text/plain' };

export function parseArgs(argv) {
  const o = { host: '127.0.0.1', port: null, tlsPort: null, root: path.join(here, '..', 'www'), tlsSelfSigned: false, cert: null, key: null, trace: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--host') o.host = next();
    else if (a === '--port') o.port = Number(next());
    else if (a === '--tls-port') o.tlsPort = Number(next());
    else if (a === '--root') o.root = path.resolve(next());
    else if (a === '--tls-self-signed') o.tlsSelfSigned = true;
    else if (a === '--cert') o.cert = next();
    else if (a === '--key') o.key = next();
    else if (a === '--trace') o.trace = true;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** A throwaway self-signed certificate for localhost made with the openssl CLI. */
export function selfSigned() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h2wasm-cert-'));
  const key = path.join(dir, 'key.pem'), cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  const r = { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
  fs.rmSync(dir, { recursive: true, force: true });
  return r;
}

/** The demo application as a requestFactory. */
export function demoApp({ root, traceHub = null }) {
  const rootReal = path.resolve(root);
  return (stream) => {
    const p = (stream.path ?? '/').split('?')[0];
    const m = stream.command;
    if (traceHub && p === '/_trace') return traceHub.handle(stream);
    if (m === 'POST' && p === '/echo') {
      return {
        headersReceived() {
          stream.writeHeaders(200, { 'content-type': stream.headers['content-type'] ?? 'application/octet-stream' });
          // Backpressure: while the response cannot be sent, stop taking the request body.
          stream.registerProducer({ pauseProducing: () => stream.pauseProducing(), resumeProducing: () => stream.resumeProducing(), stopProducing() {} }, true);
        },
        dataReceived(chunk) { stream.write(chunk.slice()); },
        requestReceived() { stream.unregisterProducer(); stream.loseConnection(); },
      };
    }
    const bytes = /^\/bytes\/(\d+)$/.exec(p);
    if (bytes && (m === 'GET' || m === 'HEAD')) {
      return { requestReceived() { sendBytes(stream, Number(bytes[1]), m === 'HEAD'); } };
    }
    return { requestReceived() { serveFile(stream, rootReal, p, m); } };
  };
}

function sendBytes(stream, total, head) {
  stream.writeHeaders(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) }, { endStream: head });
  if (head) return;
  const block = new Uint8Array(16384).fill(0x61);
  let left = total, paused = false, scheduled = false;
  const pump = () => {
    scheduled = false;
    while (!paused && left > 0 && !stream._done) {
      const n = Math.min(left, block.length);
      left -= n;
      stream.write(n === block.length ? block : block.subarray(0, n));
    }
    if (left === 0 && !stream._done) { stream.unregisterProducer(); stream.loseConnection(); }
  };
  stream.registerProducer({
    pauseProducing() { paused = true; },
    resumeProducing() { paused = false; if (!scheduled) { scheduled = true; setImmediate(pump); } },
    stopProducing() { paused = true; left = 0; },
  }, true);
  if (!paused) { scheduled = true; setImmediate(pump); }
}

function serveFile(stream, root, p, method) {
  let rel;
  try { rel = decodeURIComponent(p); } catch { rel = p; }
  let file = path.join(root, rel);
  if (!file.startsWith(root)) { stream.writeHeaders(403, {}, { endStream: true }); return; }
  try { if (fs.statSync(file).isDirectory()) file = path.join(file, 'index.html'); } catch { /* below */ }
  let data;
  try { data = fs.readFileSync(file); } catch {
    stream.writeHeaders(404, { 'content-type': 'text/plain' });
    stream.write('not found\n');
    stream.loseConnection();
    return;
  }
  const type = MIME[path.extname(file)] ?? 'application/octet-stream';
  stream.writeHeaders(200, { 'content-type': type, 'content-length': String(data.length) }, { endStream: method === 'HEAD' || data.length === 0 });
  if (method === 'HEAD' || data.length === 0) return;
  stream.write(data);
  stream.loseConnection();
}

async function loadTrace() {
  try {
    const { TraceHub } = await import('./trace.js');
    return new TraceHub();
  } catch (e) {
    console.error(`h2wasm: --trace unavailable (${e.message})`);
    return null;
  }
}

export async function main(argv) {
  const [cmd, ...rest] = argv;
  if (cmd !== 'serve') {
    console.log('usage: h2wasm serve [--host 127.0.0.1] [--port 8080] [--root DIR] [--tls-self-signed | --cert F --key F] [--tls-port 8443] [--trace]');
    return cmd === undefined || cmd === '--help' ? 0 : 2;
  }
  const o = parseArgs(rest);
  const hub = o.trace ? await loadTrace() : null;
  const opts = hub ? { tap: (info) => hub.tap(info) } : {};
  const app = demoApp({ root: o.root, traceHub: hub });
  const servers = [];
  let tlsCreds = null;
  if (o.cert && o.key) tlsCreds = { cert: fs.readFileSync(o.cert), key: fs.readFileSync(o.key) };
  else if (o.tlsSelfSigned) tlsCreds = selfSigned();
  // h2c: always unless only TLS was asked for with --cert/--key and --port.
  const h2cPort = o.port ?? 8080;
  if (!(o.cert && o.port !== null)) {
    const s = createServer(opts, app);
    s.on('abuse', logAbuse);
    const a = await s.listen(h2cPort, o.host);
    console.log(`h2wasm: h2c on http://${o.host}:${a.port}/`);
    servers.push(s);
  }
  if (tlsCreds) {
    const s = createServer({ ...opts, ...tlsCreds }, app);
    s.on('abuse', logAbuse);
    const port = o.tlsPort ?? (o.cert && o.port !== null ? o.port : 8443);
    const a = await s.listen(port, o.host);
    console.log(`h2wasm: h2 (TLS) on https://${o.host}:${a.port}/`);
    servers.push(s);
  }
  const stop = () => { Promise.all(servers.map((s) => s.close())).then(() => process.exit(0)); setTimeout(() => process.exit(0), 3000).unref(); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return null;
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => { if (code !== null) process.exitCode = code; },
    (e) => { console.error(`h2wasm: ${e.message}`); process.exit(1); });
}
