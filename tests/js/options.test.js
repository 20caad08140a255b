// options.limits / options.settings / connectionWindow reach the engine, and bad ones throw early.
import test from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { createServer, serveConnection, LIMIT_NAMES, SETTINGS_NAMES } from '../../js/index.js';
import { engineConfig } from '../../js/options.js';
import { EngineConn } from '../../js/engine.js';

test('every option name is accepted by the engine (js/options.js and parse_config agree)', () => {
  const all = { ...LIMIT_NAMES, ...SETTINGS_NAMES, connectionWindow: [65535] };
  for (const [name, [min]] of Object.entries(all)) {
    const v = name === 'maxFrameSize' ? 16384 : min + 1;
    const e = new EngineConn(0, null, `${name}=${v}`);
    e.free();
  }
  assert.throws(() => new EngineConn(0, null, 'noSuchLimit=1'), RangeError);
  assert.throws(() => new EngineConn(0, null, 'maxFrameSize=1'), RangeError);
});

test('unknown names: TypeError listing the valid ones; out of range: RangeError, at createServer time', () => {
  assert.throws(() => createServer({ limits: { idleTimeout: 5 } }, () => ({})),
    (e) => e instanceof TypeError && /idleTimeoutMs/.test(e.message) && /resetBurst/.test(e.message));
  assert.throws(() => createServer({ settings: { resetBurst: 5 } }, () => ({})), TypeError);
  assert.throws(() => createServer({ settings: { maxFrameSize: 100 } }, () => ({})), RangeError);
  assert.throws(() => createServer({ limits: { idleTimeoutMs: -1 } }, () => ({})), RangeError);
  assert.throws(() => createServer({ limits: { idleTimeoutMs: 1.5 } }, () => ({})), TypeError);
  assert.throws(() => createServer({ connectionWindow: 2 ** 31 }, () => ({})), RangeError);
  assert.throws(() => serveConnection({ readable: null, writable: null }, { limits: { bogus: 1 } }, () => ({})), TypeError);
  // server.js's shape: the same names at the top level and under limits (settings names included).
  assert.equal(engineConfig({ idleTimeoutMs: 300, maxConcurrentStreams: 7, limits: { idleTimeoutMs: 300, maxConcurrentStreams: 7 } }),
    'idleTimeoutMs=300\nmaxConcurrentStreams=7');
});

test('settings reach the peer and limits act: SETTINGS values, idle GOAWAY', async () => {
  const s = createServer({ settings: { maxConcurrentStreams: 7, initialWindowSize: 100000 }, limits: { idleTimeoutMs: 200 } },
    (st) => ({ requestReceived() { st.writeHeaders(200, {}); st.write('ok'); st.loseConnection(); } }));
  const { port } = await s.listen(0, '127.0.0.1');
  const client = http2.connect(`http://127.0.0.1:${port}`);
  const settings = await new Promise((r) => client.once('remoteSettings', r));
  assert.equal(settings.maxConcurrentStreams, 7);
  assert.equal(settings.initialWindowSize, 100000);
  const goaway = await new Promise((r) => client.once('goaway', (code) => r(code)));
  assert.equal(goaway, 0); // idle timeout → GOAWAY(NO_ERROR)
  client.destroy();
  await s.close();
});
