#!/usr/bin/env node
'use strict';
// Micro-benchmarks of the costs an HTTP/2-in-wasm server pays per request in Node,
// to rank the levers in docs/PERFORMANCE.md with numbers from this machine:
//   1. a JS→wasm call, and making a Uint8Array view on wasm memory
//   2. turning header bytes into JS strings (TextDecoder, Buffer latin1, fromCharCode,
//      a static-table cache)
//   3. the socket write path for one small response (HEADERS frame + DATA header + body):
//      write() per piece vs cork/uncork vs one concat'd write vs batching many responses.
//   node bench/micro/boundary.js
const net = require('node:net');
const { spawn } = require('node:child_process');

function bench(name, iters, fn) {
  for (let i = 0; i < Math.min(iters, 2e5); i++) fn(i); // warm-up / JIT
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0) / iters;
  console.log(`  ${name.padEnd(58)} ${ns.toFixed(1).padStart(8)} ns`);
  return ns;
}

// (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
//         (memory (export "mem") 1))
const WASM = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,
  0x03, 0x02, 0x01, 0x00,
  0x05, 0x03, 0x01, 0x00, 0x01,
  0x07, 0x0d, 0x02, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00,
  0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
]);

function boundary() {
  console.log('1. JS ↔ wasm');
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(WASM));
  let sink = 0;
  bench('call wasm add(i, 1)', 2e7, (i) => { sink += exports.add(i, 1); });
  bench('plain JS function call (for scale)', 2e7, (i) => { sink += ((a, b) => a + b)(i, 1); });
  const mem = exports.mem;
  bench('new Uint8Array(memory.buffer, ptr, 64)', 5e6, (i) => { sink += new Uint8Array(mem.buffer, i & 1023, 64).length; });
  let view = new Uint8Array(mem.buffer);
  bench('cached view, check buffer not detached, subarray(64)', 5e6, (i) => {
    if (view.buffer !== mem.buffer) view = new Uint8Array(mem.buffer);
    sink += view.subarray(i & 1023, (i & 1023) + 64).length;
  });
  const dv = new DataView(mem.buffer);
  bench('read one 5×u32 event record with DataView', 1e7, (i) => {
    const o = (i & 255) * 20;
    sink += dv.getUint32(o, true) + dv.getUint32(o + 4, true) + dv.getUint32(o + 8, true) + dv.getUint32(o + 12, true) + dv.getUint32(o + 16, true);
  });
  const u32 = new Uint32Array(mem.buffer);
  bench('read one 5×u32 event record with Uint32Array', 1e7, (i) => {
    const o = (i & 255) * 5;
    sink += u32[o] + u32[o + 1] + u32[o + 2] + u32[o + 3] + u32[o + 4];
  });
  const chunk = Buffer.alloc(16384);
  bench('copy a 16 KiB socket chunk into wasm memory (set)', 1e6, () => { view.set(chunk, 4096); });
  bench('copy a 200 B socket chunk into wasm memory (set)', 1e7, () => { view.set(chunk.subarray(0, 200), 4096); });
  bench('Buffer.subarray view of a DATA payload (no copy)', 1e7, (i) => { sink += chunk.subarray(i & 255, 4000).length; });
  bench('Buffer.from(copy) of a 4 KiB DATA payload', 1e6, (i) => { sink += Buffer.from(chunk.subarray(i & 255, 4096 + (i & 255))).length; });
  return sink;
}

function strings() {
  console.log('2. header bytes → JS strings (per field, typical h2load request fields)');
  const fields = [':method', 'GET', ':path', '/', ':scheme', 'http', ':authority', '127.0.0.1:8080',
    'accept', '*/*', 'accept-encoding', 'gzip, deflate', 'user-agent', 'h2load nghttp2/1.52.0'];
  const mem = Buffer.alloc(4096);
  const spans = [];
  let off = 0;
  for (const f of fields) { const n = mem.write(f, off, 'latin1'); spans.push([off, off + n]); off += n; }
  const u8 = new Uint8Array(mem.buffer, mem.byteOffset, mem.length);
  const td = new TextDecoder();
  const tdl = new TextDecoder('latin1');
  let sink = 0;
  const per = (fn) => () => { for (let k = 0; k < spans.length; k++) sink += fn(spans[k][0], spans[k][1]).length; };
  const n = fields.length;
  const t1 = bench(`TextDecoder('utf-8').decode(subarray) ×${n}`, 5e5, per((s, e) => td.decode(u8.subarray(s, e))));
  bench(`TextDecoder('latin1').decode(subarray) ×${n}`, 5e5, per((s, e) => tdl.decode(u8.subarray(s, e))));
  const t3 = bench(`buffer.latin1Slice(s, e) ×${n}`, 5e5, per((s, e) => mem.latin1Slice(s, e)));
  bench(`buffer.toString('latin1', s, e) ×${n}`, 5e5, per((s, e) => mem.toString('latin1', s, e)));
  bench(`String.fromCharCode.apply(null, subarray) ×${n}`, 5e5, per((s, e) => String.fromCharCode.apply(null, u8.subarray(s, e))));
  bench(`loop + String.fromCharCode per byte ×${n}`, 5e5, per((s, e) => { let r = ''; for (let i = s; i < e; i++) r += String.fromCharCode(u8[i]); return r; }));
  // Static-table interning: the engine can say "static index k" instead of bytes.
  const STATIC = [':authority', ':method', 'GET', 'POST', ':path', '/', ':scheme', 'http', 'https', ':status', '200', 'accept', 'accept-encoding', 'gzip, deflate', 'user-agent'];
  const ids = fields.map((f) => STATIC.indexOf(f));
  bench(`static-table index → interned string (hits only) ×${n}`, 5e5, () => { for (let k = 0; k < ids.length; k++) if (ids[k] >= 0) sink += STATIC[ids[k]].length; });
  console.log(`  → per request (${n / 2} fields): TextDecoder ≈ ${(t1 / 1000).toFixed(2)} µs, latin1Slice ≈ ${(t3 / 1000).toFixed(2)} µs`);
  return sink;
}

// ---------- socket write path ----------
function drainer() {
  // A child process that accepts one connection and throws everything away.
  const src = `const net=require('net');const s=net.createServer(c=>{c.on('data',()=>{});c.on('error',()=>{});});
s.listen(0,'127.0.0.1',()=>console.log(s.address().port));`;
  const child = spawn(process.execPath, ['-e', src], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => child.stdout.once('data', (d) => resolve({ child, port: Number(String(d).trim()) })));
}

async function writes() {
  console.log('3. socket write path, one small response = HEADERS frame (9+8 B) + DATA header (9 B) + 12 B body');
  const { child, port } = await drainer();
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const hdr = Buffer.from([0, 0, 8, 1, 4, 0, 0, 0, 1, 0x88, 0x5f, 0x87, 0x49, 0x7c, 0xa5, 0x8a, 0xe8]);
  const dhdr = Buffer.from([0, 0, 12, 0, 1, 0, 0, 0, 1]);
  const body = Buffer.from('hello world\n');
  const N = 100000;
  const waitDrain = () => new Promise((r) => sock.once('drain', r));
  async function run(name, batch, fn) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i += batch) {
      if (!fn(Math.min(batch, N - i))) await waitDrain();
      // Let the event loop turn, as a server would between socket reads.
      if ((i / batch) % 16 === 15) await new Promise(setImmediate);
    }
    await new Promise((r) => (sock.writableLength ? sock.once('drain', r) : r()));
    const c = process.cpuUsage(c0);
    const wall = Number(process.hrtime.bigint() - t0) / 1e3 / N;
    console.log(`  ${name.padEnd(58)} ${((c.user + c.system) / N).toFixed(2).padStart(6)} µs CPU/response (${wall.toFixed(2)} wall)`);
  }
  await run('3 × socket.write() per response', 1, () => { sock.write(hdr); sock.write(dhdr); return sock.write(body); });
  await run('cork; 3 × write; uncork per response (writev of 3)', 1, () => {
    sock.cork(); sock.write(hdr); sock.write(dhdr); const ok = sock.write(body); sock.uncork(); return ok;
  });
  await run('Buffer.concat of 3, one write per response', 1, () => sock.write(Buffer.concat([hdr, dhdr, body])));
  await run('cork; 100 responses × 3 writes; uncork (one writev)', 100, (n) => {
    sock.cork(); let ok = true; for (let i = 0; i < n; i++) { sock.write(hdr); sock.write(dhdr); ok = sock.write(body); } sock.uncork(); return ok;
  });
  await run('100 responses copied into one Buffer, one write', 100, (n) => {
    const out = Buffer.allocUnsafe(n * (hdr.length + dhdr.length + body.length));
    let o = 0;
    for (let i = 0; i < n; i++) { o += hdr.copy(out, o); o += dhdr.copy(out, o); o += body.copy(out, o); }
    return sock.write(out);
  });
  sock.destroy();
  child.kill();
}

(async () => {
  console.log(`Node ${process.version}`);
  boundary();
  strings();
  await writes();
})();
