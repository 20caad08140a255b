// Loading the engine (init, InitError) and the runtime socket adapters, in Node with fakes
// of the runtimes' sockets. The real runtimes run in the `runtimes` test group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  serveConnection, H2Error, InitError, INIT_ERROR_CODES, engineReady, init,
  fromBunSocket, bunSocketHandlers, fromDenoConn, fromWorkersSocket, fromWebTransportStream,
} from '../../js/index.js';
import { runtime, _injectTrap } from '../../js/engine.js';
import { miniRequest } from '../../examples/mini-h2-client.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WASM = path.join(repo, 'js', 'wasm', 'h2wasm_bg.wasm');

const echo = (stream) => {
  const parts = [];
  return {
    dataReceived(c) { parts.push(c.slice()); },
    requestReceived() {
      stream.writeHeaders(200, { 'x-peer': JSON.stringify(stream.getPeer()), 'x-secure': String(stream.isSecure()) });
      for (const p of parts) stream.write(p);
      stream.loseConnection();
    },
  };
};

/** A client/server pair of TransformStreams: `server` for serveConnection, `client` for miniRequest. */
function memoryPair() {
  const toServer = new TransformStream(), toClient = new TransformStream();
  return { server: { readable: toServer.readable, writable: toClient.writable }, client: { readable: toClient.readable, writable: toServer.writable } };
}

test('without a readable .wasm: serveConnection and listen throw InitError NOT_READY at once, init() says to pass the module, init(bytes) loads it', async () => {
  // A copy of the package's modules without the wasm/ folder: a fresh engine that cannot load by itself.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h2wasm-nowasm-'));
  try {
    for (const f of fs.readdirSync(path.join(repo, 'js'))) if (f.endsWith('.js')) fs.copyFileSync(path.join(repo, 'js', f), path.join(dir, f));
    const h = await import(pathToFileURL(path.join(dir, 'index.js')).href);
    assert.equal(h.engineReady(), false);
    const { server } = memoryPair();
    assert.throws(() => serveConnectionOf(h, server), (e) => e instanceof h.InitError && e.code === INIT_ERROR_CODES.NOT_READY
      && /import wasm from 'h2wasm\/wasm'; await init\(wasm\)/.test(e.message) && /ENOENT/.test(e.message));
    assert.equal(server.readable.locked, false, 'the transport is left untouched');
    const srv = h.createServer({}, echo);
    assert.throws(() => srv.listen(0, '127.0.0.1'), (e) => e.code === 'ERR_H2WASM_NOT_READY');
    assert.equal(srv.server.listening, false);
    await assert.rejects(h.init(), (e) => e.code === 'ERR_H2WASM_WASM_UNAVAILABLE' && /pass the module/.test(e.message));
    await h.init(fs.readFileSync(WASM));
    assert.equal(h.engineReady(), true);
    const pair = memoryPair();
    h.serveConnection(pair.server, {}, echo);
    const res = await miniRequest(pair.client, { method: 'POST', path: '/echo', body: new TextEncoder().encode('after init') });
    assert.equal(res.status, 200);
    assert.equal(new TextDecoder().decode(res.body), 'after init');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function serveConnectionOf(h, pair) { return h.serveConnection(pair, {}, echo); }

test('init() takes a WebAssembly.Module or a module namespace; engineReady() is true in Node', async () => {
  const mod = new WebAssembly.Module(fs.readFileSync(WASM));
  await init(mod);
  await init({ default: mod });
  await init((await import('../../js/wasm-node.js')));
  assert.equal(engineReady(), true);
  assert.ok(new InitError(INIT_ERROR_CODES.NOT_READY, 'x') instanceof Error);
});

test('a connection that fails aborts the peer\'s streams with its H2Error, never undefined', async () => {
  const { server, client } = memoryPair();
  const conn = serveConnection(server, {}, echo);
  const reader = client.readable.getReader();
  await reader.read(); // the server's SETTINGS: the connection is up
  _injectTrap(runtime());
  const w = client.writable.getWriter();
  w.write(new TextEncoder().encode('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')).catch(() => {});
  let reason;
  try { for (;;) { const r = await reader.read(); if (r.done) break; } } catch (e) { reason = e; }
  assert.ok(reason instanceof H2Error, `aborted with ${reason}`);
  assert.equal(reason.codeName, 'INTERNAL_ERROR');
  assert.equal(await conn.closedPromise, reason);
  await assert.rejects(w.write(new Uint8Array(1)), (e) => e === reason);
});

test('fromBunSocket: writes Bun did not take wait for drain; a 60 KB echo arrives intact', async () => {
  // A fake Bun socket whose write() takes at most 1000 bytes at a time (a full kernel buffer);
  // `drain` follows a short write, as Bun calls it once the socket is writable again.
  const toClient = new TransformStream();
  const sent = toClient.writable.getWriter();
  let writes = 0, short = 0;
  const socket = {
    remoteAddress: '10.1.2.3', remotePort: 4321, localAddress: '127.0.0.1', localPort: 80,
    write(chunk) {
      writes++;
      const n = Math.min(chunk.length, 1000);
      if (n < chunk.length) { short++; setTimeout(() => handlers.drain(socket), 0); }
      sent.write(chunk.slice(0, n));
      return n;
    },
    end() { sent.close().catch(() => {}); },
    terminate() { sent.abort().catch(() => {}); },
  };
  let peer = null;
  const handlers = bunSocketHandlers((s) => serveConnection(fromBunSocket(s), {}, (stream) => { peer = stream.getPeer(); return echo(stream); }));
  handlers.open(socket);
  // What the client writes reaches the server through the socket's `data` handler.
  const fromClient = new TransformStream();
  (async () => { for await (const c of fromClient.readable) handlers.data(socket, c); handlers.end(socket); })();
  const body = crypto.getRandomValues(new Uint8Array(60000));
  const res = await miniRequest({ readable: toClient.readable, writable: fromClient.writable }, { method: 'POST', path: '/echo', body });
  assert.equal(res.status, 200);
  assert.deepEqual(Buffer.from(res.body), Buffer.from(body));
  assert.ok(short > 0 && writes > short, `short writes ${short} of ${writes}`);
  assert.deepEqual(peer, { address: '10.1.2.3', port: 4321 });
});

test('fromDenoConn, fromWorkersSocket, fromWebTransportStream: the stream reports the socket\'s peer and whether it is secure', async () => {
  const cases = [
    [(p) => fromDenoConn({ ...p, remoteAddr: { hostname: '::1', port: 7, transport: 'tcp' }, localAddr: { hostname: '::1', port: 8 }, setNoDelay() {} }),
      { address: '::1', port: 7, family: 'IPv6' }, false],
    [(p) => fromDenoConn({ ...p, remoteAddr: { hostname: '1.2.3.4', port: 9 }, handshake: async () => ({}) }),
      { address: '1.2.3.4', port: 9, family: 'IPv4' }, true],
    [(p) => fromWorkersSocket({ ...p, opened: Promise.resolve({ remoteAddress: '[2001:db8::1]:443', localAddress: '10.0.0.1:8081' }) }, { secure: true }),
      { address: '2001:db8::1', port: 443 }, true],
    [(p) => fromWebTransportStream(p, { peer: { address: '5.6.7.8', port: 443 } }), { address: '5.6.7.8', port: 443 }, true],
  ];
  for (const [adapt, wantPeer, wantSecure] of cases) {
    const { server, client } = memoryPair();
    let facts = null;
    const pair = adapt(server);
    await Promise.resolve(); // a Workers socket learns its addresses once `opened` resolves
    serveConnection(pair, {}, (stream) => { facts = { peer: stream.getPeer(), secure: stream.isSecure() }; return echo(stream); });
    const res = await miniRequest(client, { path: '/' });
    assert.equal(res.status, 200);
    assert.deepEqual(facts, { peer: wantPeer, secure: wantSecure });
  }
});
