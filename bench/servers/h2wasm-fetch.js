'use strict';
// h2wasm with the fetch-style serve() API: same routes as
// bench/servers/node-http2.js. Shows the cost of the WHATWG Request/Response
// layer on top of the Twisted-style API.
//   node bench/servers/h2wasm-fetch.js PORT   (PORT 0 = ephemeral)
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const fs = require('node:fs');

const ROOT = process.env.H2WASM_ROOT || path.join(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'js', 'index.js');

const SMALL = new Uint8Array(Buffer.from('hello world\n'));
const BIG = new Uint8Array(1024 * 1024).fill(0x61);

// BENCH_RESPONSE=lazy (the h2wasm-fetch-lazy column): the handler answers with h2wasm's
// LazyResponse (a Response subclass that keeps a string/bytes body without a stream)
// instead of the global Response.
let R = Response;

// The path of an absolute URL string, as Hono's router reads it: node-http2.js routes on
// the :path string too. `new URL(request.url)` here would cost ~0.5 µs per request and, in
// Node 20, enough surviving garbage to run a Mark-Compact every ~250 ms in small (peak RSS
// 135 MiB instead of 77); docs/PERFORMANCE.md has the numbers.
function pathnameOf(url) {
  const start = url.indexOf('/', url.indexOf('://') + 3);
  if (start < 0) return '/';
  const query = url.indexOf('?', start);
  return query < 0 ? url.slice(start) : url.slice(start, query);
}

async function handler(request) {
  const pathname = pathnameOf(request.url);
  if (request.method === 'GET' && pathname === '/') {
    return new R(SMALL, { headers: { 'content-type': 'text/plain' } });
  }
  if (request.method === 'GET' && pathname === '/big') {
    return new R(BIG, { headers: { 'content-type': 'application/octet-stream' } });
  }
  if (request.method === 'POST' && pathname === '/echo') {
    let n = 0;
    if (request.body) for await (const c of request.body) n += c.byteLength;
    return new R(String(n), { headers: { 'content-type': 'text/plain' } });
  }
  return new R(null, { status: 404 });
}

// BENCH_TLS_CERT/BENCH_TLS_KEY (PEM files, set by bench/run.js for the -tls scenarios): TLS, ALPN h2.
function tlsOptions() {
  if (!process.env.BENCH_TLS_CERT) return {};
  return { cert: fs.readFileSync(process.env.BENCH_TLS_CERT), key: fs.readFileSync(process.env.BENCH_TLS_KEY) };
}

import(pathToFileURL(ENTRY).href).then(async (mod) => {
  const api = mod.serve ? mod : mod.default;
  if (process.env.BENCH_RESPONSE === 'lazy') R = api.LazyResponse;
  // serve(options, handler) returns the same server object as createServer.
  const server = api.serve(tlsOptions(), handler);
  const addr = await server.listen(Number(process.argv[2] || 0), '127.0.0.1');
  console.log(`listening ${(addr && addr.port) || server.address().port}`);
}).catch((e) => {
  console.error(`h2wasm bench server: cannot start from ${ENTRY} (${e.message}); run scripts/build.sh first`);
  process.exit(2);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
