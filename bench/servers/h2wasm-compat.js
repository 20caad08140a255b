'use strict';
// h2wasm side of the compat scenarios (`node bench/run.js --compat`):
// h2wasm/compat's createServer, h2c prior knowledge.
//   /         plain (req, res) handler: hello world (as bench/servers/node-compat.js)
//   /express  an unmodified Express 5 app, one route answering hello world
//   node bench/servers/h2wasm-compat.js PORT     (PORT 0 = ephemeral)
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const ROOT = process.env.H2WASM_ROOT || path.join(__dirname, '..', '..');
const express = require(path.join(ROOT, 'node_modules', 'express'));

const SMALL = Buffer.from('hello world\n');

function hello(req, res) {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': SMALL.length });
  res.end(SMALL);
}

const app = express();
app.get('/express', (req, res) => res.type('text/plain').send(SMALL));

import(pathToFileURL(path.join(ROOT, 'js', 'compat.js')).href).then((compat) => {
  const server = compat.createServer((req, res) => (req.url === '/' ? hello(req, res) : app(req, res)));
  server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
    console.log(`listening ${server.address().port}`);
  });
}).catch((e) => {
  console.error(`h2wasm compat bench server: cannot start (${e.message}); run scripts/build.sh and npm ci first`);
  process.exit(2);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
