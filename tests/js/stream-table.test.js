// StreamTable (js/stream-table.js) answers like a Map under random inserts, lookups and deletes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamTable } from '../../js/stream-table.js';

test('a StreamTable answers get/has/size/values/entries like a Map through 200,000 random operations', () => {
  let seed = 12345;
  const rand = (n) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
  const table = new StreamTable(), map = new Map();
  let next = 1;
  for (let step = 0; step < 200_000; step++) {
    const op = rand(10);
    if (op < 4) { // open a stream: ids grow like a connection's odd ids, sometimes far apart
      const id = next; next += 2 * (1 + (rand(50) === 0 ? rand(100_000) : 0));
      table.set(id, step); map.set(id, step);
    } else if (op < 7 && map.size) { // close one that is open
      const ids = [...map.keys()];
      const id = ids[rand(ids.length)];
      assert.equal(table.delete(id), true); map.delete(id);
    } else { // look up an id that may or may not be open
      const id = 1 + 2 * rand(Math.max(1, next >> 1));
      assert.equal(table.get(id), map.get(id));
      assert.equal(table.has(id), map.has(id));
      assert.equal(table.delete(id + 1), false); // even ids are never in it
    }
    assert.equal(table.size, map.size);
    if (step % 5000 === 0) {
      const want = [...map.entries()].sort((a, b) => a[0] - b[0]);
      assert.deepEqual(table.entries(), want);
      assert.deepEqual(table.values(), want.map(([, v]) => v));
      const walked = [];
      table.forEach((v, id) => walked.push([id, v]));
      assert.deepEqual(walked.sort((a, b) => a[0] - b[0]), want);
    }
  }
  table.clear();
  assert.equal(table.size, 0);
  assert.deepEqual(table.values(), []);
  table.set(7, 'x');
  assert.equal(table.get(7), 'x');
});

test('fresh StreamTables share one empty table until their first set, and never write into it', () => {
  const a = new StreamTable(), b = new StreamTable();
  assert.equal(a._ids, b._ids, 'no arrays of their own while empty');
  for (const t of [a, b]) {
    assert.equal(t.get(1), undefined);
    assert.equal(t.has(1), false);
    assert.equal(t.delete(1), false);
    assert.deepEqual(t.values(), []);
    t.forEach(() => assert.fail('empty'));
    t.clear();
  }
  a.set(1, 'one');
  assert.notEqual(a._ids, b._ids);
  assert.equal(a.get(1), 'one');
  assert.equal(b.get(1), undefined, 'the shared empty table stays empty');
  assert.equal(new StreamTable().has(1), false);
  assert.equal(a.delete(1), true);
  assert.equal(a.size, 0);
});
