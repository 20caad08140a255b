'use strict';
// Not an HTTP/2 server: the floor under any JS HTTP/2 server in Node. A bare net
// server that answers the client preface with an empty SETTINGS + SETTINGS ACK and
// otherwise ignores input. Used with `bench/run.js --servers node-http2,floor-net --only idle`
// to see how much of the per-connection memory is the socket itself.
const net = require('node:net');

const REPLY = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0]);
const server = net.createServer((sock) => {
  let answered = false;
  sock.on('data', () => { if (!answered) { answered = true; sock.write(REPLY); } });
  sock.on('error', () => {});
});
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
