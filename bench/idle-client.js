'use strict';
// Opens N idle HTTP/2 (h2c prior knowledge) connections to 127.0.0.1:PORT with raw
// sockets: client preface + empty SETTINGS, waits for the server's SETTINGS and the
// ACK of ours, ACKs the server's, then stays idle. Raw sockets keep the client cheap
// and independent of any HTTP/2 library.
//   node bench/idle-client.js PORT N
// Protocol with the parent (bench/run.js), line-based on stdout/stdin:
//   1. opens and closes 500 connections, 10 at a time, prints "warm" (server code paths
//      hot — JIT, wasm tier-up — with a low memory high-water)
//   2. waits for a line "go" on stdin, opens N, prints "ready OPEN CLOSED_BY_SERVER"
//   3. "status" → prints "status OPEN CLOSED_BY_SERVER"; "drop" closes the kept
//      connections and prints "dropped" once the server has seen them close; exits on stdin end.
const net = require('node:net');
const readline = require('node:readline');

const port = Number(process.argv[2]);
const total = Number(process.argv[3] || 1000);
const BATCH = 100; // below the listen backlog, so no SYN is dropped
const PREFACE = Buffer.concat([
  Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
  Buffer.from([0, 0, 0, 0x04, 0, 0, 0, 0, 0]), // SETTINGS, empty
]);
const SETTINGS_ACK = Buffer.from([0, 0, 0, 0x04, 0x01, 0, 0, 0, 0]);

let open = 0;
let closedByServer = 0;
const sockets = [];

function connect() {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let buf = Buffer.alloc(0);
    let gotSettings = false;
    let gotAck = false;
    let done = false;
    s.on('connect', () => s.write(PREFACE));
    s.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 9) {
        const len = buf.readUIntBE(0, 3);
        if (buf.length < 9 + len) break;
        const type = buf[3];
        const flags = buf[4];
        if (type === 0x04 && !(flags & 1)) { gotSettings = true; s.write(SETTINGS_ACK); }
        if (type === 0x04 && flags & 1) gotAck = true;
        buf = buf.subarray(9 + len);
      }
      if (!done && gotSettings && gotAck) { done = true; open++; resolve(s); }
    });
    s.on('error', (e) => { if (!done) { done = true; reject(e); } });
    s.on('close', () => {
      if (done && !s.destroyedByUs) { closedByServer++; open--; }
      if (!done) { done = true; reject(new Error('closed before handshake')); }
    });
  });
}

async function openMany(n, keep) {
  for (let i = 0; i < n; i += BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++) batch.push(connect());
    const socks = await Promise.all(batch);
    for (const s of socks) {
      if (keep) sockets.push(s);
      else { s.destroyedByUs = true; open--; s.destroy(); }
    }
  }
}

(async () => {
  for (let i = 0; i < 50; i++) await openMany(10, false);
  console.log('warm');
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', async (line) => {
    if (line === 'go') {
      try { await openMany(total, true); } catch (e) { console.log(`error ${e.message}`); return; }
      console.log(`ready ${open} ${closedByServer}`);
    } else if (line === 'drop') {
      const closing = sockets.splice(0).map((s) => new Promise((r) => { s.destroyedByUs = true; open--; s.once('close', r); s.end(); }));
      await Promise.all(closing);
      console.log('dropped');
    } else if (line === 'status') {
      console.log(`status ${open} ${closedByServer}`);
    }
  });
  rl.on('close', () => {
    for (const s of sockets) { s.destroyedByUs = true; s.destroy(); }
    process.exit(0);
  });
})().catch((e) => { console.log(`error ${e.message}`); process.exit(1); });
