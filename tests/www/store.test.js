// The RecordStore in Node: what the decoding worker answers the page (rows,
// one frame's detail, filter results as frame numbers, stream summaries, the
// windows plot's points, exports), checked against the records themselves.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WWW, ensureWasm, sampleExchange } from './helpers.js';

let Inspector;
let RecordStore;
let framesToJSON;

before(async () => {
  ensureWasm();
  const mod = await import(join(WWW, 'wasm', 'h2wasm.js'));
  await mod.default({ module_or_path: readFileSync(join(WWW, 'wasm', 'h2wasm_bg.wasm')) });
  Inspector = mod.Inspector;
  ({ RecordStore } = await import(join(WWW, 'store.js')));
  ({ framesToJSON } = await import(join(WWW, 'export.js')));
});

/** The sample exchange as one connection in a store, as the worker keeps it. */
function sampleStore() {
  const ex = sampleExchange();
  const insp = new Inspector(true);
  const records = [];
  ex.c2s.forEach((b, k) => {
    records.push(...JSON.parse(insp.feed(true, k * 2, b)));
    if (ex.s2c[k]) records.push(...JSON.parse(insp.feed(false, k * 2 + 1, ex.s2c[k])));
  });
  records.push(...JSON.parse(insp.finish(99)));
  insp.free();
  const dirs = { c2s: new Uint8Array(Buffer.concat(ex.c2s)), s2c: new Uint8Array(Buffer.concat(ex.s2c)) };
  const store = new RecordStore();
  store.add({ id: 7, label: 'sample', client: 'c', server: 's', epoch0: 0, records, dirs });
  return { store, records };
}

test('the frame list: filter results are frame numbers, rows carry what a row shows', () => {
  const { store, records } = sampleStore();
  assert.deepEqual(store.filter(7, ''), { n: records.length, first: 0, frames: null });
  const data = store.filter(7, 'type == DATA');
  assert.ok(data.frames instanceof Int32Array);
  assert.deepEqual([...data.frames], records.filter((r) => r.type === 'DATA').map((r) => r.i));
  assert.equal(data.n, 2);
  const [row] = store.rows(7, Int32Array.of(5));
  assert.deepEqual(row, { i: 5, t: records[5].t, dir: 'c2s', type: 'HEADERS', flags: ['END_STREAM', 'END_HEADERS'], stream: 1, len: records[5].len, state: records[5].state, violations: [], info: 'GET /' });
  assert.deepEqual(store.rows(7, [99]), [null]);
  assert.throws(() => store.filter(7, 'strem == 1'), { name: 'FilterError' });
});

test('one frame: the record, its direction\'s HPACK table as of it, its payload bytes (a copy)', () => {
  const { store, records } = sampleStore();
  const later = records.find((r) => r.dir === 'c2s' && r.type === 'SETTINGS' && r.i > 5);
  const d = store.detail(7, later.i);
  assert.equal(d.r.i, later.i);
  assert.equal(d.r.table, undefined);
  assert.equal(d.tableFrom, 5);
  assert.deepEqual(d.table, records[5].table);
  const data = records.find((r) => r.type === 'DATA');
  const p = store.payload(7, data.i);
  assert.equal(Buffer.from(p).toString(), 'hello from the fixture');
  assert.equal(p.buffer.byteLength, p.length, 'not a view of the whole direction');
  assert.equal(store.detail(7, 99), null);
});

test('streams, follow, the windows plot and exports', () => {
  const { store, records } = sampleStore();
  const s = store.summary(7);
  assert.equal(s.n, records.length);
  assert.equal(s.violations, 0);
  assert.equal(s.streams, 3);
  const { total, rows } = store.streams(7, []);
  assert.equal(total, 2);
  assert.deepEqual(rows.map((x) => [x.sid, x.req, x.status, x.s2c, x.frames]), [[1, 'GET /', '200', 22, 3], [3, 'GET /', '200', 6, 3]]);
  const f = store.follow(7, 1);
  assert.equal(Buffer.from(f.responseBody).toString(), 'hello from the fixture');
  assert.deepEqual(f.request.headers.fields[0], [':method', 'GET']);
  const plot = store.flow(7, { width: 800, bySeq: false, stream: 1 });
  assert.equal(plot.series.length, 4);
  assert.ok(plot.series[0].points.length > 0 && plot.hits.length > 0);
  assert.ok(plot.hits.every(([x, i, title]) => x >= plot.x0 && records[i] && title.startsWith(`#${i} `)));
  const conn = store.conn(7);
  assert.equal(store.exportText(7, 'json-all'), framesToJSON(conn, records));
  assert.equal(store.exportText(7, 'json', { filter: 'stream == 3' }), JSON.stringify({ connection: 'sample', client: 'c', server: 's', frames: records.filter((r) => r.stream === 3 && r.type !== 'PREFACE') }, null, 1));
  assert.equal(store.exportText(7, 'csv-all').split('\n').length, records.length + 2);
  assert.equal(JSON.parse(store.exportText(7, 'har', { sid: 3 })).log.entries[0].response.content.text, 'second');
  assert.equal(store.exportText(7, 'har', {}), null);
});

test('exports as Blobs hold the same text', async () => {
  const { store } = sampleStore();
  for (const kind of ['json-all', 'csv', 'har']) {
    const blob = store.exportBlob(7, kind, { filter: '', sid: 1 });
    assert.equal(await blob.text(), store.exportText(7, kind, { filter: '', sid: 1 }));
  }
});
