// The engine's ABI and the generated boundary module (js/boundary.js, from src/wasm/boundary.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineConn } from '../../js/engine.js';
import {
  RECORD, SERVER_EVENT, SERVER_EVENT_FIELDS, CLIENT_EVENT, CLIENT_EVENT_FIELDS, decodeServerEvent, USER_ERROR,
} from '../../js/boundary.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const wasm = new WebAssembly.Module(fs.readFileSync(path.join(repo, 'js/wasm/h2wasm_bg.wasm')));

test('the engine .wasm needs no imports, and every server_/client_ export is called from js/ (and exists)', () => {
  assert.deepEqual(WebAssembly.Module.imports(wasm), []);
  const exported = new Set(WebAssembly.Module.exports(wasm).map((e) => e.name).filter((n) => /^(server|client)_/.test(n)));
  const called = new Set();
  for (const f of ['engine.js', 'client.js']) {
    for (const m of fs.readFileSync(path.join(repo, 'js', f), 'utf8').matchAll(/\.((?:server|client)_[a-z_]+)\(/g)) called.add(m[1]);
  }
  assert.deepEqual([...exported].filter((n) => !called.has(n)), [], 'exported but never called');
  assert.deepEqual([...called].filter((n) => !exported.has(n)), [], 'called but not exported');
});

test('every named word of every event kind lies inside one record, after kind and stream', () => {
  for (const fields of [SERVER_EVENT_FIELDS, CLIENT_EVENT_FIELDS]) {
    for (const offsets of Object.values(fields)) {
      for (const at of Object.values(offsets)) assert.ok(at >= RECORD.A && at <= RECORD.D && at % 4 === 0, `${at}`);
    }
  }
  assert.deepEqual(Object.keys(SERVER_EVENT_FIELDS), Object.keys(SERVER_EVENT));
  assert.deepEqual(Object.keys(CLIENT_EVENT_FIELDS), Object.keys(CLIENT_EVENT));
});

test('a request through the engine decodes into a REQUEST record with named fields', () => {
  const eng = new EngineConn(0, null);
  try {
    const frame = (type, flags, id, payload) => {
      const f = new Uint8Array(9 + payload.length);
      f.set([payload.length >> 16, payload.length >> 8, payload.length, type, flags, id >>> 24, id >>> 16, id >>> 8, id]);
      f.set(payload, 9);
      return f;
    };
    // :method GET, :scheme http, :path / (static table), :authority "a".
    const block = [0x82, 0x86, 0x84, 0x41, 0x01, 0x61];
    const preface = new TextEncoder().encode('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    const chunk = Buffer.concat([preface, frame(4, 0, 0, []), frame(1, 0x5, 1, block)]);
    const dv = eng.receive(chunk, 0);
    const events = [];
    for (let at = 0; at < dv.byteLength; at += RECORD.BYTES) events.push(decodeServerEvent(dv, at));
    const req = events.find((e) => e.kind === 'REQUEST');
    assert.ok(req, JSON.stringify(events));
    assert.equal(req.kindNumber, SERVER_EVENT.REQUEST);
    assert.equal(req.stream, 1);
    assert.equal(req.endStream, 1);
    assert.equal(req.fieldEnd - req.fieldStart, 4, 'four fields');
    assert.equal(eng.sendData(99, 1, true), USER_ERROR.STREAM_CLOSED);
  } finally { eng.free(); }
});
