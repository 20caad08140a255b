'use strict';
// h2wasm side of `npm run bench`: the same routes as bench/servers/node-http2.js,
// on our Twisted-style API (issue 3): createServer(options, requestFactory).
//   node bench/servers/h2wasm.js PORT     (PORT 0 = ephemeral)
// Prints "listening PORT" once bound to 127.0.0.1.
const path = require('node:path');

let api;
try {
  api = require(path.join(__dirname, '..', '..', 'js', 'index.js'));
} catch (e) {
  console.error(`h2wasm bench server: cannot load js/index.js (${e.message}); run scripts/build.sh first`);
  process.exit(2);
}

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

const server = api.createServer({}, requestFactory);
const port = Number(process.argv[2] || 0);
function announce() {
  const addr = server.address();
  console.log(`listening ${addr.port}`);
}
const r = server.listen(port, '127.0.0.1', announce);
if (r && typeof r.then === 'function') r.then(() => {}, (e) => { console.error(e); process.exit(1); });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
