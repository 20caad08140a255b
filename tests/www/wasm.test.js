// The wasm Inspector export in Node (the same www/wasm build the page loads):
// the record format the page relies on, and garbage never traps or breaks JSON.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WWW, ensureWasm, sampleExchange } from './helpers.js';

let Inspector;

before(async () => {
  ensureWasm();
  const mod = await import(join(WWW, 'wasm', 'h2wasm.js'));
  await mod.default({ module_or_path: readFileSync(join(WWW, 'wasm', 'h2wasm_bg.wasm')) });
  Inspector = mod.Inspector;
});

function decode(chunks, expectPreface = true) {
  const insp = new Inspector(expectPreface);
  const out = [];
  for (const [dir, t, bytes] of chunks) out.push(...JSON.parse(insp.feed(dir === 'c2s', t, bytes)));
  out.push(...JSON.parse(insp.finish(99)));
  insp.free();
  return out;
}

test('records carry what the page shows', () => {
  const ex = sampleExchange();
  const chunks = [];
  ex.c2s.forEach((b, i) => { chunks.push(['c2s', i * 2, b]); if (ex.s2c[i]) chunks.push(['s2c', i * 2 + 1, ex.s2c[i]]); });
  const recs = decode(chunks);
  assert.equal(recs.length, 12);
  assert.deepEqual(recs.map((r) => r.i), [...recs.keys()]);
  const h = recs.find((r) => r.type === 'HEADERS' && r.dir === 'c2s');
  assert.deepEqual(Object.keys(h).sort(), ['code', 'detail', 'dir', 'flagBits', 'flags', 'headers', 'i', 'len', 'notes', 'off', 'state', 'stream', 't', 'table', 'type', 'violations', 'win'].sort());
  assert.equal(h.t, 2);
  assert.deepEqual(h.headers.fields[0], [':method', 'GET']);
  assert.deepEqual(h.win.conn, [65535, 65535 + 1_000_000]);
  const d = recs.find((r) => r.type === 'DATA');
  assert.equal(Buffer.from(d.detail.preview, 'hex').toString(), 'hello from the fixture');
});

test('random garbage: no trap, valid JSON, indexes keep counting', () => {
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed; };
  const ex = sampleExchange();
  for (let round = 0; round < 200; round++) {
    const chunks = [];
    for (let k = 0; k < 12; k++) {
      const dir = rnd() & 1 ? 'c2s' : 's2c';
      let b;
      if (rnd() % 4 === 0) b = (dir === 'c2s' ? ex.c2s : ex.s2c)[rnd() % 3] ?? Buffer.alloc(0);
      else {
        b = Buffer.alloc(rnd() % 50);
        for (let i = 0; i < b.length; i++) b[i] = rnd() & 0xff;
        if (rnd() % 3 === 0 && b.length >= 9) { b[0] = 0; b[1] = 0; b[2] = b.length - 9; b[3] = rnd() % 11; }
      }
      chunks.push([dir, k, b]);
    }
    const recs = decode(chunks, round % 2 === 0);
    recs.forEach((r, j) => assert.equal(r.i, j));
  }
});
