import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { randomBytes, createHash } from 'node:crypto';
import { startServer, connect, request, sha256 } from './helpers.js';
import { H2Error, StreamResetError, WasmTrapError, H2_ERROR_CODES, ERROR_CODES, serve, serveConnection } from '../../js/index.js';
import { runtime, _injectTrap } from '../../js/engine.js';
import { demoApp } from '../../js/cli.js';

const echoFactory = (stream) => {
  const parts = [];
  return {
    dataReceived(c) { parts.push(Buffer.from(c)); },
    requestReceived(method, path, version) {
      const body = Buffer.concat(parts);
      stream.writeHeaders(200, { 'x-method': method, 'x-path': path, 'x-version': version, 'x-host': stream.headers.host, 'x-secure': String(stream.isSecure()) });
      stream.write(body);
      stream.loseConnection();
    },
  };
};

test('GET: H2Stream surface (command, path, headers view with host, getPeer/getHost, isSecure)', async () => {
  let seen;
  const { s, url } = await startServer((stream) => ({
    requestReceived() {
      seen = { id: stream.streamID, cmd: stream.command, path: stream.path, headers: { ...stream.headers }, peer: stream.getPeer(), host: stream.getHost() };
      stream.writeHeaders(200, [['content-type', 'text/plain']]);
      stream.writeSequence(['a', 'b', new Uint8Array([0x63])]);
      stream.loseConnection();
    },
  }));
  const c = connect(url);
  const r = await request(c, { ':path': '/x?y=1', 'x-a': '1', cookie: 'a=1' });
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'abc');
  assert.equal(seen.id, 1);
  assert.equal(seen.cmd, 'GET');
  assert.equal(seen.path, '/x?y=1');
  assert.equal(seen.headers.host, url.slice(7));
  assert.equal(seen.headers['x-a'], '1');
  assert.equal(seen.headers[':path'], undefined);
  assert.equal(seen.peer.address, '127.0.0.1');
  assert.equal(seen.host.address, '127.0.0.1');
  c.close();
  await s.close();
});

test('POST body, 200 concurrent streams', async () => {
  const { s, url } = await startServer(echoFactory);
  const c = connect(url);
  const rs = await Promise.all(Array.from({ length: 200 }, (_, i) => request(c, { ':method': 'POST', ':path': `/p${i}` }, `body-${i}`)));
  rs.forEach((r, i) => { assert.equal(r.status, 200); assert.equal(r.body.toString(), `body-${i}`); assert.equal(r.headers['x-path'], `/p${i}`); assert.equal(r.headers['x-version'], 'HTTP/2'); });
  c.close();
  await s.close();
});

test('10 MiB up and down with SHA-256 checked', async () => {
  const app = demoApp({ root: '.' });
  const { s, url } = await startServer((stream) => {
    if (stream.path !== '/hash') return app(stream);
    const h = createHash('sha256');
    let n = 0;
    return {
      dataReceived(c) { h.update(c); n += c.length; },
      requestReceived() { stream.writeHeaders(200, { 'x-len': String(n) }); stream.write(h.digest('hex')); stream.loseConnection(); },
    };
  });
  const c = connect(url);
  const body = randomBytes(10 * 1024 * 1024);
  const r = await request(c, { ':method': 'POST', ':path': '/hash' }, body);
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-len'], String(body.length));
  assert.equal(r.body.toString(), sha256(body));
  const d = await request(c, { ':path': '/bytes/10485760' });
  assert.equal(d.body.length, 10485760);
  assert.equal(sha256(d.body), sha256(Buffer.alloc(10485760, 0x61)));
  c.close();
  await s.close();
});

test('client reset mid-body: connectionLost gets an H2Error, server keeps serving', async () => {
  let lost;
  const gotLost = new Promise((r) => { lost = r; });
  const { s, url } = await startServer((stream) => {
    if (stream.path === '/ok') return echoFactory(stream);
    return { headersReceived() { stream.writeHeaders(200, {}); stream.write('x'); }, connectionLost: (e) => lost(e) };
  });
  const c = connect(url);
  const req = c.request({ ':method': 'POST', ':path': '/slow' }, { endStream: false });
  req.write(Buffer.alloc(1000));
  req.on('error', () => {});
  await new Promise((r) => req.once('response', r));
  req.close(http2constants().NGHTTP2_CANCEL);
  const e = await gotLost;
  assert.ok(e instanceof StreamResetError && e instanceof H2Error);
  assert.equal(e.code, 'ERR_H2WASM_STREAM_RESET');
  assert.equal(e.errorCode, ERROR_CODES.CANCEL);
  assert.equal(e.codeName, 'CANCEL');
  assert.equal(e.remote, true);
  const r = await request(c, { ':method': 'POST', ':path': '/ok' }, 'still');
  assert.equal(r.body.toString(), 'still');
  c.close();
  await s.close();
});

import http2 from 'node:http2';
function http2constants() { return http2.constants; }

test('slow reader: push producer is paused by flow control and all bytes arrive', async () => {
  const { s, url } = await startServer(demoApp({ root: '.' }));
  const c = connect(url, { settings: { initialWindowSize: 16384 } });
  const req = c.request({ ':path': '/bytes/2000000' });
  let n = 0;
  req.on('data', (d) => { n += d.length; req.pause(); setTimeout(() => req.resume(), 1); });
  await new Promise((r, j) => { req.on('end', r); req.on('error', j); });
  assert.equal(n, 2000000);
  c.close();
  await s.close();
});

test('registerProducer twice throws; pull producer is asked per chunk', async () => {
  let threw = null;
  const { s, url } = await startServer((stream) => ({
    requestReceived() {
      stream.writeHeaders(200, {});
      let i = 0;
      stream.registerProducer({ resumeProducing() { if (i < 10) stream.write(String(i++)); else { stream.unregisterProducer(); stream.loseConnection(); } }, stopProducing() {} }, false);
      try { stream.registerProducer({}, true); } catch (e) { threw = e; }
    },
  }));
  const c = connect(url);
  const r = await request(c, { ':path': '/' });
  assert.equal(r.body.toString(), '0123456789');
  assert.ok(threw instanceof H2Error);
  c.close();
  await s.close();
});

test('inbound backpressure: paused stream buffers, resume delivers everything then requestReceived', async () => {
  let st, got = 0, ended = false;
  const { s, url } = await startServer((stream) => {
    st = stream;
    stream.pauseProducing();
    return { dataReceived(c) { got += c.length; }, requestReceived() { ended = true; stream.writeHeaders(200, {}); stream.write(String(got)); stream.loseConnection(); } };
  });
  const c = connect(url);
  const p = request(c, { ':method': 'POST', ':path': '/' }, Buffer.alloc(30000));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(got, 0);
  assert.equal(ended, false);
  st.resumeProducing();
  const r = await p;
  assert.equal(r.body.toString(), '30000');
  c.close();
  await s.close();
});

test('writeTrailers and abortConnection(code)', async () => {
  const { s, url } = await startServer((stream) => ({
    requestReceived() {
      if (stream.path === '/abort') { stream.writeHeaders(200, {}); stream.abortConnection(ERROR_CODES.REFUSED_STREAM); return; }
      stream.writeHeaders(200, {});
      stream.write('body');
      stream.writeTrailers({ 'x-t': 'done' });
    },
  }));
  const c = connect(url);
  const trailers = await new Promise((resolve, reject) => {
    const req = c.request({ ':path': '/' });
    req.on('trailers', resolve); req.on('error', reject); req.resume();
  });
  assert.equal(trailers['x-t'], 'done');
  const code = await new Promise((resolve) => {
    const req = c.request({ ':path': '/abort' });
    req.on('close', () => resolve(req.rstCode)); req.on('error', () => {}); req.resume();
  });
  assert.equal(code, ERROR_CODES.REFUSED_STREAM);
  c.close();
  await s.close();
});

test('fetch-style serve(): Request/Response with streaming bodies', async () => {
  const s = serve({}, async (req) => {
    if (req.method === 'POST') return new Response(req.body, { headers: { 'x-len': req.headers.get('content-length') ?? '' } });
    return new Response(`hello ${new URL(req.url).pathname}`, { status: 201, headers: { 'x-a': 'b' } });
  });
  const { port } = await s.listen(0);
  const c = connect(`http://127.0.0.1:${port}`);
  const r = await request(c, { ':path': '/f' });
  assert.equal(r.status, 201);
  assert.equal(r.headers['x-a'], 'b');
  assert.equal(r.body.toString(), 'hello /f');
  const body = randomBytes(300000);
  const e = await request(c, { ':method': 'POST', ':path': '/e' }, body);
  assert.equal(sha256(e.body), sha256(body));
  c.close();
  await s.close();
});

test('WHATWG {readable, writable} transport', async () => {
  const server = net.createServer((sock) => {
    const { readable, writable } = Duplex.toWeb(sock);
    serveConnection({ readable, writable }, {}, echoFactory);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const c = connect(`http://127.0.0.1:${server.address().port}`);
  const r = await request(c, { ':method': 'POST', ':path': '/w' }, 'web streams');
  assert.equal(r.body.toString(), 'web streams');
  assert.equal(r.headers['x-secure'], 'false');
  c.close();
  await new Promise((r) => server.close(r));
});

test('tap hook sees raw bytes both ways', async () => {
  let inb = 0, outb = 0, closed = false;
  const { s, url } = await startServer(echoFactory, { tap: () => ({ inbound: (b) => { inb += b.length; }, outbound: (b) => { outb += b.length; }, closed: () => { closed = true; } }) });
  const c = connect(url);
  await request(c, { ':path': '/' });
  c.close();
  await s.close();
  assert.ok(inb >= 24 + 9);
  assert.ok(outb >= 9);
  assert.ok(closed);
});

test('fault containment: a wasm trap fails its connections with WasmTrapError, a fresh instance serves the next', async () => {
  const errors = [];
  const { s, url } = await startServer((stream) => ({
    requestReceived() { stream.writeHeaders(200, {}); stream.write('ok'); stream.loseConnection(); },
    connectionLost(e) { errors.push(e); },
  }));
  const c1 = connect(url);
  c1.on('error', () => {});
  assert.equal((await request(c1, { ':path': '/' })).body.toString(), 'ok');
  // Hold a stream open, then trap the instance.
  const held = c1.request({ ':method': 'POST', ':path': '/held' }, { endStream: false });
  held.on('error', () => {});
  held.write('x');
  await new Promise((r) => setTimeout(r, 50));
  const rt = runtime();
  _injectTrap(rt);
  held.write('y'); // next chunk → trapped call
  await new Promise((r) => c1.on('close', r));
  assert.ok(rt.dead);
  const trap = errors.find((e) => e instanceof WasmTrapError);
  assert.ok(trap instanceof H2Error, `lost with ${errors}`);
  assert.equal(trap.code, H2_ERROR_CODES.WASM_TRAP);
  assert.equal(trap.errorCode, ERROR_CODES.INTERNAL_ERROR);
  const c2 = connect(url);
  assert.equal((await request(c2, { ':path': '/' })).body.toString(), 'ok');
  assert.notEqual(runtime(), rt);
  c2.close();
  await s.close();
});

test('an application H2Error that mentions a trap is an application error: only its stream is reset', async () => {
  const { s, url } = await startServer((stream) => ({
    requestReceived() {
      if (stream.path === '/throws') throw new H2Error(ERROR_CODES.INTERNAL_ERROR, 'worker trapped in a retry loop');
      stream.writeHeaders(200, {}); stream.write('ok'); stream.loseConnection();
    },
  }), { onError: () => {} });
  const c = connect(url);
  c.on('error', () => {});
  const reset = await new Promise((resolve) => {
    const req = c.request({ ':path': '/throws' });
    req.on('error', () => {});
    req.on('close', () => resolve(req.rstCode));
    req.resume();
  });
  assert.equal(reset, ERROR_CODES.INTERNAL_ERROR);
  assert.equal((await request(c, { ':path': '/' })).body.toString(), 'ok', 'the connection goes on');
  c.close();
  await s.close();
});

test('per-connection state made on demand: closedPromise after close, server set emptied, one flush per response mix', async () => {
  // Small bodies are coalesced with their frame headers, large ones written as views:
  // a mix of both on one stream must arrive whole and in order.
  const big = randomBytes(40_000);
  const { s, url } = await startServer((stream) => ({
    requestReceived() {
      stream.writeHeaders(200, [['content-type', 'application/octet-stream']]);
      stream.write('head-');
      stream.write(big);
      stream.write(new Uint8Array([0x2d, 0x74, 0x61, 0x69, 0x6c])); // "-tail"
      stream.loseConnection();
    },
  }));
  const c = connect(url);
  const rs = await Promise.all(Array.from({ length: 20 }, () => request(c, { ':path': '/mix' })));
  const want = Buffer.concat([Buffer.from('head-'), big, Buffer.from('-tail')]);
  for (const r of rs) assert.ok(r.body.equals(want));
  assert.equal(s.connections.size, 1);
  const [conn] = s.connections;
  const peer = conn.peer; // made on first use, then the same object every time (js/trace.js relies on it)
  assert.equal(peer.address, '127.0.0.1');
  assert.equal(conn.peer, peer);
  c.close();
  for (let i = 0; i < 100 && s.connections.size; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(s.connections.size, 0, 'a closed connection leaves the server set');
  const reason = await conn.closedPromise; // first read after the close: already settled
  assert.ok(reason === null || reason instanceof H2Error);
  await s.close();
});
