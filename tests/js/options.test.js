// options.limits / options.settings / connectionWindow reach the engine, and bad ones throw early.
import test from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { createServer, serve, serveConnection, LIMIT_NAMES, SETTINGS_NAMES } from '../../js/index.js';
import { engineConfig, tlsOptions, OPTION_NAMES, TLS_SHORTHAND_NAMES } from '../../js/options.js';
import { selfSigned } from '../../js/cli.js';
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

test('unknown top-level names throw a TypeError listing the valid names (with a hint for a wrong case)', () => {
  assert.throws(() => createServer({ bogus: 1 }, () => ({})),
    (e) => e instanceof TypeError && /"bogus"/.test(e.message) && /limits/.test(e.message) && /idleTimeoutMs/.test(e.message) && /tls/.test(e.message));
  assert.throws(() => createServer({ idleTimeoutMS: 5 }, () => ({})),
    (e) => e instanceof TypeError && /did you mean "idleTimeoutMs"/.test(e.message));
  assert.throws(() => serve({ cerT: 'x' }, () => new Response('')), TypeError);
  assert.throws(() => serveConnection({ readable: null, writable: null }, { onerror() {} }, () => ({})), TypeError);
  assert.throws(() => createServer({ tls: 'yes' }, () => ({})), TypeError);
  // An undefined value is the same as leaving the name out.
  assert.doesNotThrow(() => engineConfig({ bogus: undefined }));
});

test('every documented top-level name is accepted', () => {
  const accepted = {
    limits: {}, settings: {}, connectionWindow: 1 << 20, idleTimeoutMs: 1000, maxConcurrentStreams: 10,
    budget: {}, tap: () => null, onError: () => {}, onAbuse: () => {}, secure: false,
    allowHTTP1: false, http1Options: {}, keepAliveTimeout: 5000, peer: { address: '::1', port: 1 }, host: { address: '::1', port: 2 },
  };
  for (const name of OPTION_NAMES) assert.ok(name in accepted || TLS_SHORTHAND_NAMES.includes(name) || name === 'tls', name);
  assert.doesNotThrow(() => engineConfig(accepted));
  assert.doesNotThrow(() => engineConfig({ cert: 'c', key: 'k', ca: 'a', pfx: 'p', passphrase: 'x', tls: { minVersion: 'TLSv1.3' } }));
});

test('TLS rule: top-level credentials and options.tls pass through to tls.createServer, ALPN is always h2', () => {
  assert.equal(tlsOptions({}), null);
  assert.equal(tlsOptions({ cert: null, key: undefined }), null);
  assert.deepEqual(tlsOptions({ cert: 'C', key: 'K', tls: { minVersion: 'TLSv1.3', ALPNProtocols: ['http/1.1'] } }),
    { minVersion: 'TLSv1.3', cert: 'C', key: 'K', ALPNProtocols: ['h2'] });
  assert.deepEqual(tlsOptions({ pfx: 'P', passphrase: 'pw' }), { pfx: 'P', passphrase: 'pw', ALPNProtocols: ['h2'] });
});

test('a TLS server from options.tls only (key and cert inside it) serves h2', async () => {
  const { key, cert } = selfSigned();
  const s = createServer({ tls: { key, cert, minVersion: 'TLSv1.2' } },
    (st) => ({ requestReceived() { st.writeHeaders(200, {}); st.write(`secure=${st.isSecure()}`); st.loseConnection(); } }));
  const { port } = await s.listen(0, '127.0.0.1');
  const client = http2.connect(`https://127.0.0.1:${port}`, { ca: cert, servername: 'localhost' });
  const body = await new Promise((resolve, reject) => {
    const req = client.request({ ':path': '/' });
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { text += d; });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
  assert.equal(body, 'secure=true');
  client.close();
  await s.close();
});
