#!/usr/bin/env node
// h2wasm CLI: `h2wasm serve [options]` runs the demo application (USAGE below).
// Static files from --root (default www/, the inspector), POST /echo streams the
// body back, GET /bytes/N sends N bytes from a push producer, /_trace (with
// --trace) streams the live frame trace. With --tls-self-signed (and no --port
// given) it serves h2c on 8080 and TLS h2 on 8443.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from './index.js';
import { staticFiles } from './compat.js';
import { logAbuse } from './log.js';
import { kDone } from './symbols.js';

const here = path.dirname(fileURLToPath(import.meta.url));

const USAGE = `usage: h2wasm serve [options]
       h2wasm get URL [-d DATA|@FILE] [-H 'name: value'] [-X METHOD] [-o FILE] [-v] [-k]   (h2wasm get --help)

Serves the demo application over HTTP/2, and HTTP/1.1 beside it (plain requests, h2c Upgrade,
and ALPN http/1.1 over TLS):
  GET  /            static files from --root (index.html for a directory; ETag/304, Range)
  POST /echo        streams the request body back
  GET  /bytes/N     N bytes of 'a' (HEAD: headers only)
  GET  /_trace      live frame trace as server-sent events (with --trace)

options:
  --host H            listen address (default 127.0.0.1)
  --port P            h2c port (default 8080; 0 picks a free port). With --cert/--key: the TLS port, and no h2c
  --root DIR          directory of static files (default: the package's www/, the inspector)
  --tls-self-signed   also serve TLS h2 with a throwaway certificate for localhost (needs the openssl CLI)
  --cert F --key F    also serve TLS h2 with this PEM certificate and key
  --tls-port P        TLS port (default 8443)
  --trace             record every connection's frames for /_trace (the inspector's live view)
  -h, --help          print this help

h2wasm get URL [options]        one request with the h2wasm HTTP/2 client, like nghttp (-v: frame log)
h2wasm help | h2wasm --help    print this help`;

/** A command line mistake: main prints it with the usage on stderr and exits 2. */
class UsageError extends Error {}

export function parseArgs(argv) {
  const o = { host: '127.0.0.1', port: null, tlsPort: null, root: path.join(here, '..', 'www'), tlsSelfSigned: false, cert: null, key: null, trace: false, help: false };
  const port = (name, v) => {
    const n = Number(v);
    if (v === undefined || v === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${name} needs a port number (0-65535), got ${v ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--host') o.host = next();
    else if (a === '--port') o.port = port(a, argv[++i]);
    else if (a === '--tls-port') o.tlsPort = port(a, argv[++i]);
    else if (a === '--root') o.root = path.resolve(next());
    else if (a === '--tls-self-signed') o.tlsSelfSigned = true;
    else if (a === '--cert') o.cert = next();
    else if (a === '--key') o.key = next();
    else if (a === '--trace') o.trace = true;
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new UsageError(`unknown option ${a}`);
  }
  if (!o.cert !== !o.key) throw new UsageError('--cert and --key go together');
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
  const staticRoot = realRoot(root);
  const files = staticRoot === null ? null : staticFiles(staticRoot);
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
    if (m !== 'GET' && m !== 'HEAD') return refuse(stream, 405, { allow: 'GET, HEAD' });
    const status = staticPathStatus(staticRoot, p);
    return status === 0 ? files(stream) : refuse(stream, status);
  };
}

function sendBytes(stream, total, head) {
  stream.writeHeaders(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) }, { endStream: head });
  if (head) return;
  const block = new Uint8Array(16384).fill(0x61);
  let left = total, paused = false, scheduled = false;
  const pump = () => {
    scheduled = false;
    while (!paused && left > 0 && !stream[kDone]) {
      const n = Math.min(left, block.length);
      left -= n;
      stream.write(n === block.length ? block : block.subarray(0, n));
    }
    if (left === 0 && !stream[kDone]) { stream.unregisterProducer(); stream.loseConnection(); }
  };
  stream.registerProducer({
    pauseProducing() { paused = true; },
    resumeProducing() { paused = false; if (!scheduled) { scheduled = true; setImmediate(pump); } },
    stopProducing() { paused = true; left = 0; },
  }, true);
  if (!paused) { scheduled = true; setImmediate(pump); }
}

// ---- static files ----
// serve-static (through h2wasm/compat's staticFiles) does the serving: index.html, MIME types,
// ETag/Last-Modified with 304, Range. It refuses `..` but follows symlinks wherever they lead,
// so every path is first checked here against the real root (staticPathStatus).

/** The real path of the static root (symlinks resolved), or null when it does not exist (every file is then 404). */
function realRoot(root) {
  try { return fs.realpathSync(path.resolve(root)); } catch { return null; }
}

/** `p` is `root` itself or below it; both are real paths. The separator keeps `/x/site-secret` out of `/x/site`. */
function isInside(root, p) {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * The status to answer instead of serving request path `p` from `root`, or 0 to serve it.
 * Refused before the file system is touched: malformed percent-encoding (400); encoded slashes
 * or backslashes, raw backslashes, NUL bytes and `..` segments (403). Then symlinks are resolved
 * and a real path outside the root is refused too (403), so a link inside --root cannot lead
 * out of it. Synchronous because a request factory answers at once; realpath is one syscall
 * per path component and the demo server is not a production file server.
 */
function staticPathStatus(root, p) {
  if (root === null || !p.startsWith('/')) return 404;
  // An encoded separator would become one only after decoding, past the `..` check below.
  if (/%2f|%5c|\\/i.test(p)) return 403;
  let rel;
  try { rel = decodeURIComponent(p); } catch { return 400; }
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').includes('..')) return 403;
  const candidate = path.resolve(root, `.${rel}`);
  if (!isInside(root, candidate)) return 403;
  let real;
  try { real = fs.realpathSync(candidate); } catch { return 404; }
  return isInside(root, real) ? 0 : 403;
}

const STATUS_TEXT = { 400: 'bad request\n', 403: 'forbidden\n', 404: 'not found\n', 405: 'method not allowed\n' };

/** A short text answer for a refused static path. */
function refuse(stream, status, extra = {}) {
  return {
    requestReceived() {
      const body = Buffer.from(STATUS_TEXT[status]);
      const head = stream.command === 'HEAD';
      stream.writeHeaders(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.length), ...extra }, { endStream: head });
      if (head) return;
      stream.write(body);
      stream.loseConnection();
    },
  };
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
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') { console.log(USAGE); return 0; }
  if (cmd === 'get') return (await import('./cli-get.js')).get(rest);
  let o;
  try {
    if (cmd !== 'serve') throw new UsageError(`unknown command ${cmd}`);
    o = parseArgs(rest);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`h2wasm: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (o.help) { console.log(USAGE); return 0; }
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
    const s = createServer({ ...opts, allowHTTP1: true }, app);
    s.on('abuse', logAbuse);
    const a = await s.listen(h2cPort, o.host);
    console.log(`h2wasm: h2c on http://${o.host}:${a.port}/`);
    servers.push(s);
  }
  if (tlsCreds) {
    const s = createServer({ ...opts, ...tlsCreds, allowHTTP1: true }, app);
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
