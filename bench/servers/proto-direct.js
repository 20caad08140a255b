'use strict';
// Measurement prototype, NOT the package: the same routes as node-http2.js on the
// h2wasm engine through the lean boundary of bench/engine/src/proto.rs (one wasm call
// per socket chunk and per flush, u32 event records in a shared buffer, strings only
// for :method/:path, bodies never copied into wasm, one corked writev per flush).
// Shows what the JS glue could cost; compare with bench/servers/h2wasm.js.
//   (cd bench/engine && cargo build --release --lib --target wasm32-unknown-unknown)
//   node bench/servers/proto-direct.js PORT
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const WASM = process.env.PROTO_WASM ||
  path.join(__dirname, '..', 'engine', 'target', 'wasm32-unknown-unknown', 'release', 'engine_bench.wasm');
const x = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(WASM)), {}).exports;
const memory = x.memory;
let memAb = null;
let u8 = null;
let u32 = null;
let mbuf = null;
function views() {
  if (memAb !== memory.buffer) {
    memAb = memory.buffer;
    u8 = new Uint8Array(memAb);
    u32 = new Uint32Array(memAb);
    mbuf = Buffer.from(memAb);
  }
}

const SMALL = Buffer.from('hello world\n');
const BIG = Buffer.alloc(1024 * 1024, 0x61);
const REC = 8;
const MAX_FLUSH = Number(process.env.PROTO_MAX_FLUSH || 256 * 1024); // bytes per write_output/writev

// Per-connection state is one small object; the listeners are shared functions
// (no per-connection closures) and the Maps are made on first use: idle connections
// should cost little more than the socket itself.
class Conn {
  constructor(sock) {
    this.sock = sock;
    this.h = x.p_open(Date.now());
    this.bodies = null; // sid -> [Buffer, offset]
    this.uploads = null; // sid -> bytes received
    this.closing = false;
    this.open = true;
  }

  events(n) {
    views();
    const base = x.p_events_ptr() >>> 2;
    for (let i = 0; i < n; i++) {
      const r = base + i * REC;
      const kind = u32[r];
      const sid = u32[r + 1];
      if (kind === 1) {
        const method = mbuf.latin1Slice(u32[r + 2], u32[r + 2] + u32[r + 3]);
        const p = mbuf.latin1Slice(u32[r + 4], u32[r + 4] + u32[r + 5]);
        if (method === 'POST' && p === '/echo') {
          if (u32[r + 6]) this.respond(sid, Buffer.from('0'));
          else (this.uploads ??= new Map()).set(sid, 0);
        } else if (method === 'GET' && p === '/') this.respond(sid, SMALL);
        else if (method === 'GET' && p === '/big') this.respond(sid, BIG);
        else { x.p_respond(this.h, sid, 404, 0); }
      } else if (kind === 2) {
        const len = u32[r + 3] - u32[r + 2];
        const got = this.uploads && this.uploads.get(sid);
        if (got !== undefined) this.uploads.set(sid, got + len);
        x.p_consumed(this.h, sid, len);
      } else if (kind === 3) {
        const got = this.uploads && this.uploads.get(sid);
        if (got !== undefined) { this.uploads.delete(sid); this.respond(sid, Buffer.from(String(got))); }
      } else if (kind === 4) this.closing = true;
      else if (kind === 5) { if (this.bodies) this.bodies.delete(sid); if (this.uploads) this.uploads.delete(sid); }
    }
  }

  respond(sid, body) {
    x.p_respond(this.h, sid, 200, body.length);
    (this.bodies ??= new Map()).set(sid, [body, 0]);
  }

  flush() {
    const sock = this.sock;
    while (this.open) {
      const nseg = x.p_flush(this.h, MAX_FLUSH);
      const nev = x.p_events_len();
      if (nseg === 0) { if (nev) this.events(nev); break; }
      views();
      const segBase = x.p_seg_ptr() >>> 2;
      let total = 0;
      for (let i = 0; i < nseg; i++) if (u32[segBase + 3 * i] === 0) total += u32[segBase + 3 * i + 1];
      const outPtr = x.p_out_ptr();
      const frames = Buffer.allocUnsafe(total); // copy: wasm memory is reused next flush
      mbuf.copy(frames, 0, outPtr, outPtr + total);
      let fo = 0;
      let ok = true;
      sock.cork();
      for (let i = 0; i < nseg; i++) {
        const s = segBase + 3 * i;
        const len = u32[s + 1];
        if (u32[s] === 0) { ok = sock.write(frames.subarray(fo, fo + len)); fo += len; } else {
          const sid = u32[s + 2];
          const b = this.bodies && this.bodies.get(sid);
          if (!b) continue; // reset meanwhile
          ok = sock.write(b[0].subarray(b[1], b[1] + len));
          b[1] += len;
          if (b[1] >= b[0].length) this.bodies.delete(sid);
        }
      }
      sock.uncork();
      if (nev) this.events(nev);
      if (!ok) { sock.once('drain', onDrain); return; }
    }
    if (this.closing && this.open) sock.end();
  }
}

const kConn = Symbol('conn');
function onData(chunk) {
  const c = this[kConn];
  const ptr = x.p_input(chunk.length);
  views();
  u8.set(chunk, ptr);
  const n = x.p_receive(c.h, chunk.length, Date.now());
  if (n) c.events(n);
  c.flush();
}
function onDrain() { this[kConn].flush(); }
function onClose() { const c = this[kConn]; c.open = false; x.p_close(c.h); }
function onError() {}

function serve(sock) {
  sock.setNoDelay(true);
  const c = new Conn(sock);
  sock[kConn] = c;
  sock.on('data', onData);
  sock.on('error', onError);
  sock.on('close', onClose);
  c.flush(); // our SETTINGS
}

const server = net.createServer(serve);
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
