'use strict';
// h2wasm side of `npm run bench`: the same routes as bench/servers/node-http2.js,
// on our Twisted-style API: createServer(options, requestFactory).
//   node bench/servers/h2wasm.js PORT     (PORT 0 = ephemeral)
// Prints "listening PORT" once bound to 127.0.0.1.
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const fs = require('node:fs');

// H2WASM_ROOT: another checkout/build to bench (default: this repository).
const ROOT = process.env.H2WASM_ROOT || path.join(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'js', 'index.js');

const SMALL = Buffer.from('hello world\n'); // 12 bytes
const BIG = Buffer.alloc(1024 * 1024, 0x61); // 1 MiB, preallocated once
const H_SMALL = [['content-type', 'text/plain'], ['content-length', String(SMALL.length)]];
const H_BIG = [['content-type', 'application/octet-stream'], ['content-length', String(BIG.length)]];
const H_TEXT = [['content-type', 'text/plain']];

function requestFactory(stream) {
  let received = 0;
  return {
    dataReceived(chunk) { received += chunk.length; },
    // Twisted semantics: called once the whole request (body included) is in.
    requestReceived(method, reqPath) {
      if (method === 'GET' && reqPath === '/') {
        stream.writeHeaders(200, H_SMALL);
        stream.write(SMALL);
      } else if (method === 'GET' && reqPath === '/big') {
        stream.writeHeaders(200, H_BIG);
        stream.write(BIG);
      } else if (method === 'POST' && reqPath === '/echo') {
        const body = Buffer.from(String(received));
        stream.writeHeaders(200, [...H_TEXT, ['content-length', String(body.length)]]);
        stream.write(body);
      } else {
        stream.writeHeaders(404, []);
      }
      stream.loseConnection();
    },
  };
}

// js/index.js is an ES module: import() works from this CommonJS file on any Node.
// BENCH_TLS_CERT/BENCH_TLS_KEY (PEM files, set by bench/run.js for the -tls scenarios): TLS, ALPN h2.
function tlsOptions() {
  if (!process.env.BENCH_TLS_CERT) return {};
  return { cert: fs.readFileSync(process.env.BENCH_TLS_CERT), key: fs.readFileSync(process.env.BENCH_TLS_KEY) };
}

import(pathToFileURL(ENTRY).href).then(async (mod) => {
  const api = mod.createServer ? mod : mod.default;
  const server = api.createServer(tlsOptions(), requestFactory);
  const port = Number(process.argv[2] || 0);
  // listen(port, host) resolves with the address.
  const addr = await server.listen(port, '127.0.0.1');
  console.log(`listening ${(addr && addr.port) || server.address().port}`);
}).catch((e) => {
  console.error(`h2wasm bench server: cannot start from ${ENTRY} (${e.message}); run scripts/build.sh first`);
  process.exit(2);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
