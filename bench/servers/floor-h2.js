'use strict';
// Not a real HTTP/2 server: the ceiling for any HTTP/2 server written over Node's
// net sockets. It skips the preface, ACKs SETTINGS, and answers every HEADERS frame
// with a canned `:status 200` HEADERS frame + a 12-byte DATA frame (END_STREAM), all
// responses of one socket chunk in one write. No HPACK decoding, no state, no
// validation: what is left is Node's socket cost per request. Only GET / (small,
// onecon). `node bench/run.js --servers node-http2,floor-h2 --only small,onecon`
// FLOOR_BIG=1: every HEADERS gets a canned 1 MiB answer instead (HEADERS + 64 full DATA
// frames, one prebuilt buffer whose stream ids are patched, one write): the most a client
// like h2load can take in the big scenario (`FLOOR_BIG=1 node bench/run.js
// --servers node-http2,floor-h2 --only big`).
// FLOOR_UPLOAD=1: answers when a request's body ends (DATA with END_STREAM) and gives every
// DATA frame's bytes back at once (WINDOW_UPDATE on the stream and the connection): the
// least any server must do for the upload scenario (`--only upload`).
const net = require('node:net');

const PREFACE_LEN = 24;
const SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
const SETTINGS_ACK = Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0]);
const BODY = Buffer.from('hello world\n');
// HEADERS (len 1, END_HEADERS, stream ?) :status 200 = static index 8 → 0x88; then DATA.
const RESP = Buffer.concat([Buffer.from([0, 0, 1, 1, 4, 0, 0, 0, 0, 0x88]),
  Buffer.from([0, 0, BODY.length, 0, 1, 0, 0, 0, 0]), BODY]);
const RESP_LEN = RESP.length;
const BIG_FRAME = 16384;
const BIG_BODY = Buffer.alloc(BIG_FRAME * 64, 0x61); // one shared body, as the real servers have
// Per response: the 65 frame headers in one small buffer, and the body as 64 slices of
// the shared buffer (no copy), all under cork: one writev, like Node's and ours.
function bigWrite(sock, sid) {
  const h = Buffer.allocUnsafe(10 + 64 * 9);
  h[0] = 0; h[1] = 0; h[2] = 1; h[3] = 1; h[4] = 4; h.writeUInt32BE(sid, 5); h[9] = 0x88;
  sock.cork();
  sock.write(h.subarray(0, 10));
  for (let i = 0, at = 10; i < 64; i++, at += 9) {
    h[at] = 0; h[at + 1] = BIG_FRAME >> 8; h[at + 2] = 0; h[at + 3] = 0; h[at + 4] = i === 63 ? 1 : 0;
    h.writeUInt32BE(sid, at + 5);
    sock.write(h.subarray(at, at + 9));
    sock.write(BIG_BODY.subarray(i * BIG_FRAME, (i + 1) * BIG_FRAME));
  }
  sock.uncork();
}

// FLOOR_RECORD=FILE: append the first connection's client bytes to FILE (bench/engine
// replays them into the engine without sockets).
const fs = require('node:fs');
const record = process.env.FLOOR_RECORD;
let recorded = false;

const server = net.createServer((sock) => {
  sock.setNoDelay(true);
  if (record && !recorded) {
    recorded = true;
    fs.writeFileSync(record, '');
    sock.on('data', (chunk) => fs.appendFileSync(record, chunk));
  }
  let pending = null;
  let skip = PREFACE_LEN;
  sock.write(SETTINGS);
  sock.on('data', (chunk) => {
    const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = null;
    let p = 0;
    if (skip) { const n = Math.min(skip, buf.length); skip -= n; p = n; }
    let out = null;
    let o = 0;
    let acks = 0;
    while (buf.length - p >= 9) {
      const len = (buf[p] << 16) | (buf[p + 1] << 8) | buf[p + 2];
      if (buf.length - p < 9 + len) break;
      const type = buf[p + 3];
      const flags = buf[p + 4];
      const sid = buf.readUInt32BE(p + 5) & 0x7fffffff;
      if (type === 1 && process.env.FLOOR_BIG) {
        bigWrite(sock, sid);
      } else if (process.env.FLOOR_UPLOAD && type === 1) {
        // wait for the body
      } else if (process.env.FLOOR_UPLOAD && type === 0) {
        if (len) {
          // WINDOW_UPDATE(0, len) then WINDOW_UPDATE(sid, len): 13 bytes each.
          const wu = Buffer.alloc(26);
          wu[2] = 4; wu[3] = 8; wu.writeUInt32BE(len, 9);
          wu[15] = 4; wu[16] = 8; wu.writeUInt32BE(sid, 18); wu.writeUInt32BE(len, 22);
          sock.write(wu);
        }
        if (flags & 1) {
          const r = Buffer.from(RESP);
          r.writeUInt32BE(sid, 5); r.writeUInt32BE(sid, 10 + 5);
          sock.write(r);
        }
      } else if (type === 1) {
        if (!out) out = Buffer.allocUnsafe(RESP_LEN * 256);
        if (o + RESP_LEN > out.length) { sock.write(out.subarray(0, o)); out = Buffer.allocUnsafe(RESP_LEN * 256); o = 0; }
        RESP.copy(out, o);
        out.writeUInt32BE(sid, o + 5);
        out.writeUInt32BE(sid, o + 10 + 5);
        o += RESP_LEN;
      } else if (type === 4 && !(flags & 1)) acks++;
      p += 9 + len;
    }
    if (p < buf.length) pending = Buffer.from(buf.subarray(p));
    for (let i = 0; i < acks; i++) sock.write(SETTINGS_ACK);
    if (o) sock.write(out.subarray(0, o));
  });
  sock.on('error', () => {});
});
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
