'use strict';
// Baseline for `npm run bench`: Node's built-in http2 (h2c, prior knowledge) with
// the same three routes as bench/servers/h2wasm.js. Uses the core 'stream' API
// (not the compat req/res layer) because it is Node's fastest http2 path: the
// fairest baseline to beat.
//   node bench/servers/node-http2.js PORT     (PORT 0 = ephemeral)
// Prints "listening PORT" once bound to 127.0.0.1.
const http2 = require('node:http2');
const fs = require('node:fs');

const SMALL = Buffer.from('hello world\n'); // 12 bytes
const BIG = Buffer.alloc(1024 * 1024, 0x61); // 1 MiB, preallocated once

// BENCH_TLS_CERT/BENCH_TLS_KEY (PEM files, set by bench/run.js for the -tls scenarios):
// http2.createSecureServer, ALPN h2.
const tls = process.env.BENCH_TLS_CERT
  ? { cert: fs.readFileSync(process.env.BENCH_TLS_CERT), key: fs.readFileSync(process.env.BENCH_TLS_KEY) } : null;
const server = tls ? http2.createSecureServer(tls) : http2.createServer();
server.on('stream', (stream, headers) => {
  const method = headers[':method'];
  const path = headers[':path'];
  stream.on('error', () => {});
  if (method === 'GET' && path === '/') {
    stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': SMALL.length });
    stream.end(SMALL);
  } else if (method === 'GET' && path === '/big') {
    stream.respond({ ':status': 200, 'content-type': 'application/octet-stream', 'content-length': BIG.length });
    stream.end(BIG);
  } else if (method === 'POST' && path === '/echo') {
    let n = 0;
    stream.on('data', (chunk) => { n += chunk.length; });
    stream.on('end', () => {
      if (stream.destroyed || stream.closed) return; // h2load -D resets in-flight streams at the end
      const body = String(n);
      stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
      stream.end(body);
    });
  } else {
    stream.respond({ ':status': 404 });
    stream.end();
  }
});
server.on('sessionError', () => {});
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
