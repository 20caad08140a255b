'use strict';
// Baseline of the compat scenarios (`node bench/run.js --compat`): Node's own
// node:http2 compatibility API, (req, res) => …, h2c prior knowledge.
//   /         plain handler: hello world
//   /express  the same plain handler. Express (4 or 5) cannot run here: on the
//             first request it throws "Cannot read properties of undefined
//             (reading 'readable')" in IncomingMessage._read (Express swaps in
//             http.IncomingMessage's prototype, which Http2ServerRequest is not).
//             So the Express scenario compares Express on h2wasm/compat against
//             Node's compat API with no framework at all.
//   node bench/servers/node-compat.js PORT     (PORT 0 = ephemeral)
const http2 = require('node:http2');

const SMALL = Buffer.from('hello world\n');

function hello(req, res) {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': SMALL.length });
  res.end(SMALL);
}

const server = http2.createServer(hello);
server.on('sessionError', () => {});
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
