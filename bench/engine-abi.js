#!/usr/bin/env node
'use strict';
// CPU cost of one request/response cycle through the wasm engine in Node, with no
// sockets: a HEADERS chunk in → REQUEST record → header fields out → send_headers +
// send_data → write_output segments copied into one buffer → poll. Variants run
// A/B alternated in rounds (the machine is shared, so their order rotates and the
// median of the rounds is reported), as CPU µs per cycle (process.cpuUsage).
//
//   node bench/engine-abi.js [--base DIR] [--wasm NAME=FILE]... [--cycles N] [--rounds R]
//
// Variants:
//   extern-c      js/engine.js with js/wasm/h2wasm_bg.wasm (the package as built)
//   NAME          js/engine.js with another build of the engine (--wasm, e.g. opt-level "s")
//   bindgen-raw   --base DIR: a js/ folder built before the ABI change (wasm-bindgen 0.2.130
//                 output): its engine.js calling the mangled exports raw, as the package did
//   bindgen-glue  --base DIR: the same .wasm through wasm-bindgen's generated class, as generated
// A --base folder: `git worktree add /tmp/base <commit before the ABI change>`, build it there
// (bash scripts/build.sh), then pass /tmp/base/js.
const path = require('node:path');
const fs = require('node:fs');
const { pathToFileURL } = require('node:url');

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const CYCLES = Number(opt('--cycles', 20000));
const ROUNDS = Number(opt('--rounds', 9));
const BASE = opt('--base', null);
const EXTRA = args.flatMap((a, i) => (a === '--wasm' ? [args[i + 1]] : []));
const repo = path.resolve(__dirname, '..');

const frame = (type, flags, id, payload) => {
  const f = Buffer.alloc(9 + payload.length);
  f[0] = payload.length >> 16; f[1] = payload.length >> 8; f[2] = payload.length; f[3] = type; f[4] = flags;
  f.writeUInt32BE(id, 5);
  Buffer.from(payload).copy(f, 9);
  return f;
};
// :method GET, :scheme http, :path /, :authority "a" and accept: */* (literals without indexing:
// every request decodes the same way and leaves the dynamic table alone).
const BLOCK = [0x82, 0x86, 0x84, 0x01, 0x01, 0x61, 0x0f, 0x04, 0x03, 0x2a, 0x2f, 0x2a];
const BODY = Buffer.from('hello world');
const RESPONSE_FIELDS = [['content-type', 'text/plain'], ['content-length', String(BODY.length)]];
const PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frame(4, 0, 0, []), frame(4, 1, 0, [])]);
const windowUpdate = (n) => { const p = Buffer.alloc(4); p.writeUInt32BE(n); return frame(8, 0, 0, p); };
const RECORD_BYTES = 24;
const REQUEST = 1;

let sink = 0;

/** Drive one engine connection (`eng`: the EngineConn interface) through `n` cycles from stream `first`. */
function cycles(eng, unpackFields, first, n) {
  const out = Buffer.alloc(4096);
  for (let i = 0, id = first; i < n; i++, id += 2) {
    const chunk = Buffer.concat([frame(1, 0x5, id, BLOCK), windowUpdate(BODY.length)]);
    const dv = eng.receive(chunk, 1);
    for (let at = 0; dv && at < dv.byteLength; at += RECORD_BYTES) {
      if (dv.getUint32(at, true) !== REQUEST) continue;
      const sid = dv.getUint32(at + 4, true);
      const fields = unpackFields(eng.fields(dv.getUint32(at + 8, true), dv.getUint32(at + 12, true)));
      sink += fields.length;
      eng.sendHeaders(sid, 200, RESPONSE_FIELDS, false);
      eng.sendData(sid, BODY.length, true);
    }
    const segs = eng.writeOutput(1 << 22);
    let o = 0, w = 0;
    for (let s = 0; s < 2 * segs; s += 2) {
      const sid = eng.segAt(s), len = eng.segAt(s + 1);
      if (sid === 0) { eng.copyOut(o, len, out, w); o += len; } else BODY.copy(out, w, 0, len);
      w += len;
    }
    sink += w;
    eng.poll();
  }
}

/** wasm-bindgen's generated class, as generated, behind the EngineConn interface. */
function glueAdapter(glue, x) {
  let u8 = new Uint8Array(x.memory.buffer);
  const mem = () => (u8.length === 0 ? (u8 = new Uint8Array(x.memory.buffer)) : u8);
  return class GlueConn {
    constructor(now) { this.c = new glue.WasmConnection(now); }
    receive(chunk, now) {
      const p = this.c.input_ptr(chunk.length) >>> 0;
      mem().set(chunk, p);
      const n = this.c.receive(chunk.length, now);
      if (n === 0) return null;
      const e = this.c.events_ptr() >>> 0;
      return new DataView(mem().slice(e, e + n * RECORD_BYTES).buffer);
    }
    poll() {
      const n = this.c.poll();
      if (n === 0) return null;
      const e = this.c.events_ptr() >>> 0;
      return new DataView(mem().slice(e, e + n * RECORD_BYTES).buffer);
    }
    fields(a, b) { const len = this.c.pack_fields(a, b); const p = this.c.scratch_ptr() >>> 0; return mem().slice(p, p + len); }
    _args(fields) {
      let total = 0;
      for (const [n, v] of fields) total += 8 + n.length + v.length;
      const p = this.c.args_ptr(total) >>> 0;
      const m = mem();
      let at = p;
      for (const [n, v] of fields) {
        m[at] = n.length; m[at + 1] = 0; m[at + 2] = 0; m[at + 3] = 0;
        m[at + 4] = v.length; m[at + 5] = 0; m[at + 6] = 0; m[at + 7] = 0;
        at += 8;
        for (let k = 0; k < n.length; k++) m[at++] = n.charCodeAt(k);
        for (let k = 0; k < v.length; k++) m[at++] = v.charCodeAt(k);
      }
      return total;
    }
    sendHeaders(id, status, fields, end) { return this.c.send_headers(id, status, this._args(fields), end); }
    sendData(id, len, end) { return this.c.send_data(id, len, end); }
    writeOutput(max) {
      const n = this.c.write_output(max);
      if (n) { this.op = this.c.out_ptr() >>> 0; this.sp = this.c.segs_ptr() >>> 0; }
      return n;
    }
    segAt(i) { const m = mem(), a = this.sp + i * 4; return (m[a] | (m[a + 1] << 8) | (m[a + 2] << 16) | (m[a + 3] << 24)) >>> 0; }
    copyOut(off, len, dst, at) { dst.set(mem().subarray(this.op + off, this.op + off + len), at); }
    free() { this.c.free(); }
  };
}

async function engineVariant(name, engineJs, wasmFile) {
  // A query string makes a separate module instance, so each variant keeps its own compiled engine.
  const m = await import(`${pathToFileURL(engineJs).href}?${name}`);
  await m.init(new WebAssembly.Module(fs.readFileSync(wasmFile)));
  return { name, make: () => new m.EngineConn(0, null), unpackFields: m.unpackFields };
}

async function variants() {
  const list = [await engineVariant('extern-c', path.join(repo, 'js/engine.js'), path.join(repo, 'js/wasm/h2wasm_bg.wasm'))];
  for (const spec of EXTRA) {
    const [name, file] = spec.split('=');
    list.push(await engineVariant(name, path.join(repo, 'js/engine.js'), path.resolve(file)));
  }
  if (BASE) {
    const base = path.resolve(BASE);
    const wasmFile = path.join(base, 'wasm/h2wasm_bg.wasm');
    list.push(await engineVariant('bindgen-raw', path.join(base, 'engine.js'), wasmFile));
    const glue = await import(pathToFileURL(path.join(base, 'wasm/h2wasm.js')).href);
    const x = glue.initSync({ module: new WebAssembly.Module(fs.readFileSync(wasmFile)) });
    const { unpackFields } = await import(`${pathToFileURL(path.join(base, 'engine.js')).href}?bindgen-raw`);
    const Conn = glueAdapter(glue, x);
    list.push({ name: 'bindgen-glue', make: () => new Conn(0), unpackFields });
  }
  return list;
}

function run(v, n) {
  const eng = v.make();
  eng.receive(PREFACE, 0);
  eng.writeOutput(1 << 22);
  eng.poll();
  const before = sink;
  const t0 = process.cpuUsage();
  cycles(eng, v.unpackFields, 1, n);
  const t = process.cpuUsage(t0);
  // Each cycle must have written a HEADERS frame and a DATA frame with the body.
  if (sink - before < n * (2 * 9 + BODY.length)) throw new Error(`${v.name}: the engine did not answer every request`);
  eng.free();
  return (t.user + t.system) / n;
}

(async () => {
  const list = await variants();
  for (const v of list) run(v, Math.min(CYCLES, 5000)); // warm-up: JIT and wasm tiering
  const per = new Map(list.map((v) => [v.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < list.length; k++) {
      const v = list[(r + k) % list.length];
      per.get(v.name).push(run(v, CYCLES));
    }
  }
  const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
  const ref = median(per.get(list[0].name));
  console.log(`engine request/response cycle, CPU µs per cycle (median of ${ROUNDS} rounds × ${CYCLES} cycles, A/B alternated)`);
  for (const v of list) {
    const m = median(per.get(v.name));
    console.log(`  ${v.name.padEnd(14)} ${m.toFixed(3).padStart(8)} µs   ×${(m / ref).toFixed(3)}   rounds: ${per.get(v.name).map((x) => x.toFixed(2)).join(' ')}`);
  }
  if (sink === 42) console.log('');
})();
