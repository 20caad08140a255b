// The HTTP/2 client against real servers: h2wasm's own, Node's http2, nghttpd (h2c and TLS).
// Bodies are checked by SHA-256.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createServer, connect, fetch as h2fetch, closeAllSessions, ERROR_CODES, H2Error, StreamResetError, ConnectionClosedError,
  InvalidCommandError,
} from '../../js/index.js';
import { demoApp, selfSigned } from '../../js/cli.js';
import { sha256 } from './helpers.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'h2wasm-client-'));
const big = randomBytes(3 * 1024 * 1024 + 17);
fs.writeFileSync(path.join(root, 'big.bin'), big);
fs.writeFileSync(path.join(root, 'index.html'), '<h1>hi</h1>\n');
const creds = selfSigned();

let own, ownPort, node, nodePort, nodeSessions = 0;
// Node's http2 server keeps its sessions private: collect them as they come.
const live = new Set();
before(async () => {
  own = createServer({}, demoApp({ root }));
  ownPort = (await own.listen(0, '127.0.0.1')).port;
  node = http2.createServer({ settings: { maxConcurrentStreams: 5 } });
  node.on('session', (x) => { nodeSessions++; live.add(x); x.on('error', () => {}); x.on('close', () => live.delete(x)); });
  node.on('stream', nodeHandler);
  await new Promise((r) => node.listen(0, '127.0.0.1', r));
  nodePort = node.address().port;
});
after(async () => {
  await closeAllSessions();
  await own.close();
  await new Promise((r) => node.close(r));
  fs.rmSync(root, { recursive: true, force: true });
});

/** Node http2 test routes. */
function nodeHandler(st, h) {
  st.on('error', () => {}); // resets by the client are part of the tests
  const p = h[':path'];
  if (p === '/big') { st.respond({ ':status': 200, 'content-length': String(big.length) }); st.end(big); return; }
  if (p === '/big-unsized') { st.respond({ ':status': 200 }); st.end(big); return; }
  if (p === '/echo-sha') {
    const chunks = [];
    st.on('data', (c) => chunks.push(c));
    st.on('end', () => {
      const b = Buffer.concat(chunks);
      st.respond({ ':status': 200 }, { waitForTrailers: true });
      st.on('wantTrailers', () => st.sendTrailers({ 'x-sha256': sha256(b), 'x-len': String(b.length) }));
      st.end(b);
    });
    return;
  }
  if (p === '/early-hints') {
    st.additionalHeaders({ ':status': 103, link: '</style.css>; rel=preload' });
    st.respond({ ':status': 200 });
    st.end('after hints');
    return;
  }
  if (p === '/hang') { st.respond({ ':status': 200 }); st.write('partial'); st.on('close', () => { hangClosed(st.rstCode); }); return; }
  if (p === '/slow') { setTimeout(() => { if (!st.destroyed) { st.respond({ ':status': 200 }); st.end(`slow ${h['x-n']}`); } }, 20); return; }
  if (p === '/redirect') { st.respond({ ':status': 302, location: '/one' }); st.end(); return; }
  if (p === '/see-other') { st.resume(); st.on('end', () => { st.respond({ ':status': 303, location: '/method' }); st.end(); }); return; }
  if (p === '/method') { st.respond({ ':status': 200 }); st.end(`${h[':method']} ${h['content-length'] ?? 'no body'}`); return; }
  if (p.startsWith('/elsewhere')) { st.respond({ ':status': 307, location: `http://127.0.0.1:${ownPort}/bytes/4` }); st.end(); return; }
  if (p === '/loop') { st.respond({ ':status': 301, location: '/loop' }); st.end(); return; }
  if (p === '/204') { st.respond({ ':status': 204 }, { endStream: true }); return; }
  if (p === '/refuse') { st.close(http2.constants.NGHTTP2_REFUSED_STREAM); return; }
  st.respond({ ':status': 200, 'x-path': p });
  st.end(`hello ${p}`);
}
let hangClosed = () => {};

test('own server: GET and a streamed 1 MiB upload echo, checked by SHA-256', async () => {
  const s = await connect(`http://127.0.0.1:${ownPort}`);
  const r = await s.fetch('/big.bin');
  assert.equal(r.status, 200);
  assert.equal(sha256(Buffer.from(await r.arrayBuffer())), sha256(big));
  const up = randomBytes(1024 * 1024);
  let sent = 0;
  const body = new ReadableStream({
    pull(c) {
      if (sent >= up.length) { c.close(); return; }
      const n = Math.min(50_000, up.length - sent);
      c.enqueue(up.subarray(sent, sent + n)); sent += n;
    },
  });
  const e = await s.fetch('/echo', { method: 'POST', body, duplex: 'half' });
  assert.equal(sha256(Buffer.from(await e.arrayBuffer())), sha256(up));
  await s.close();
});

test('own server: 200 concurrent GETs on one session', async () => {
  const s = await connect(`http://127.0.0.1:${ownPort}`);
  const rs = await Promise.all(Array.from({ length: 200 }, (_, i) => s.fetch(`/bytes/${i * 10}`).then((r) => r.text())));
  rs.forEach((t, i) => assert.equal(t, 'a'.repeat(i * 10)));
  await s.close();
});

test('Node http2: body, trailers and 1xx; SHA-256 both ways', async () => {
  const s = await connect(`http://127.0.0.1:${nodePort}`);
  const r = await s.fetch('/big');
  assert.equal(Number(r.headers.get('content-length')), big.length);
  assert.equal(sha256(Buffer.from(await r.arrayBuffer())), sha256(big));
  const up = randomBytes(2 * 1024 * 1024 + 5);
  const e = await s.fetch('/echo-sha', { method: 'POST', body: up });
  assert.equal(sha256(Buffer.from(await e.arrayBuffer())), sha256(up));
  const t = await e.trailers;
  assert.equal(t.get('x-sha256'), sha256(up));
  assert.equal(t.get('x-len'), String(up.length));
  // 103 Early Hints reach onInformational on a client stream; fetch skips them.
  const st = s.request({ ':path': '/early-hints' }, { endStream: true });
  const hints = [];
  st.onInformational = (status, fields) => hints.push([status, fields]);
  const head = await st.response;
  assert.equal(head.status, 200);
  assert.deepEqual(hints, [[103, [['link', '</style.css>; rel=preload']]]]);
  assert.equal(await st.text(), 'after hints');
  const n = await s.fetch('/204');
  assert.equal(n.status, 204);
  assert.equal(n.body, null);
  assert.ok((await s.ping()) >= 0);
  await s.close();
});

test('Node http2: more requests than MAX_CONCURRENT_STREAMS wait for a slot and all complete', async () => {
  const s = await connect(`http://127.0.0.1:${nodePort}`);
  assert.equal(s.maxConcurrentStreams, 5);
  const out = await Promise.all(Array.from({ length: 30 }, (_, i) => s.fetch('/slow', { headers: { 'x-n': String(i) } }).then((r) => r.text())));
  out.forEach((t, i) => assert.equal(t, `slow ${i}`));
  await s.close();
});

test('AbortSignal resets the stream with CANCEL; the server sees it', async () => {
  const s = await connect(`http://127.0.0.1:${nodePort}`);
  const seen = new Promise((r) => { hangClosed = r; });
  const ac = new AbortController();
  const r = await s.fetch('/hang', { signal: ac.signal });
  const reader = r.body.getReader();
  assert.equal(Buffer.from((await reader.read()).value).toString(), 'partial');
  ac.abort();
  await assert.rejects(reader.read(), (e) => e.name === 'AbortError');
  assert.equal(await seen, ERROR_CODES.CANCEL);
  // An already-aborted signal never sends the request.
  await assert.rejects(s.fetch('/x', { signal: AbortSignal.abort() }), (e) => e.name === 'AbortError');
  await s.close();
});

test('each failure has its own error class with a stable string code and the HTTP/2 errorCode', async () => {
  const s = await connect(`http://127.0.0.1:${nodePort}`);
  const refused = s.request({ ':path': '/refuse' }, { endStream: true });
  const reset = await refused.response.then(() => null, (e) => e);
  assert.ok(reset instanceof StreamResetError && reset instanceof H2Error, `got ${reset}`);
  assert.equal(reset.code, 'ERR_H2WASM_STREAM_RESET');
  assert.equal(reset.errorCode, ERROR_CODES.REFUSED_STREAM);
  assert.equal(reset.remote, true);
  assert.equal(reset.notProcessed, true);
  const done = s.request({ ':method': 'POST', ':path': '/echo-sha' });
  done.end('x');
  await done.response;
  const afterEnd = await done.write('more').then(() => null, (e) => e);
  assert.ok(afterEnd instanceof InvalidCommandError);
  assert.equal(afterEnd.code, 'ERR_H2WASM_INVALID_COMMAND');
  const open = s.request({ ':path': '/hang' }, { endStream: true });
  await open.response;
  s.destroy();
  const closed = await open.trailers.then(() => null, (e) => e);
  assert.ok(closed instanceof ConnectionClosedError, `got ${closed}`);
  assert.equal(closed.code, 'ERR_H2WASM_CONNECTION_CLOSED');
  assert.equal(closed.errorCode, ERROR_CODES.CANCEL);
});

test('maxResponseBodyBytes: a larger content-length fails the request, a body growing past it fails the read, the session goes on', async () => {
  const s = await connect(`http://127.0.0.1:${nodePort}`, { maxResponseBodyBytes: 1024 * 1024 });
  const tooLarge = (e) => e instanceof StreamResetError && e.tooLarge === true && e.errorCode === ERROR_CODES.CANCEL
    && !e.remote && /maxResponseBodyBytes \(1048576\)/.test(e.message);
  await assert.rejects(s.fetch('/big'), tooLarge);
  const r = await s.fetch('/big-unsized');
  assert.equal(r.status, 200);
  await assert.rejects(r.arrayBuffer(), tooLarge);
  assert.equal(await (await s.fetch('/after')).text(), 'hello /after');
  await s.close();
  // At the cap exactly, the whole body arrives.
  const exact = await connect(`http://127.0.0.1:${nodePort}`, { maxResponseBodyBytes: big.length });
  assert.equal(sha256(Buffer.from(await (await exact.fetch('/big-unsized')).arrayBuffer())), sha256(big));
  await exact.close();
  await assert.rejects(connect(`http://127.0.0.1:${nodePort}`, { maxResponseBodyBytes: -1 }), RangeError);
});

test('session.request: a client stream with write/end and the response body', async () => {
  const s = await connect(`http://127.0.0.1:${nodePort}`);
  const st = s.request({ ':method': 'POST', ':path': '/echo-sha' });
  const parts = [randomBytes(70_000), randomBytes(5), randomBytes(300_000)];
  for (const p of parts) await st.write(p);
  st.end();
  const all = Buffer.concat(parts);
  assert.equal((await st.response).status, 200);
  assert.equal(sha256(Buffer.from(await st.bytes())), sha256(all));
  const tr = Object.fromEntries(await st.trailers);
  assert.equal(tr['x-sha256'], sha256(all));
  await s.close();
});

test('module-level fetch pools one session per origin and opens a new one after GOAWAY', async () => {
  const before = nodeSessions;
  const a = await h2fetch(`http://127.0.0.1:${nodePort}/one`);
  assert.equal(await a.text(), 'hello /one');
  const b = await h2fetch(`http://127.0.0.1:${nodePort}/two`);
  assert.equal(b.headers.get('x-path'), '/two');
  await b.text();
  assert.equal(nodeSessions - before, 1, 'one pooled session');
  // The server says goodbye: the next fetch uses a fresh session.
  for (const sess of await serverSessions()) sess.goaway(0);
  await new Promise((r) => setTimeout(r, 50));
  const c = await h2fetch(`http://127.0.0.1:${nodePort}/three`);
  assert.equal(await c.text(), 'hello /three');
  assert.equal(nodeSessions - before, 2);
});

function serverSessions() { return [...live].filter((x) => !x.destroyed); }

test('https: TLS with ALPN h2 against Node http2 (secure) and refusal of a server without h2', async () => {
  const srv = http2.createSecureServer({ ...creds });
  srv.on('stream', (st) => { st.respond({ ':status': 200 }); st.end(big); });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const s = await connect(`https://127.0.0.1:${srv.address().port}`, { tls: { ca: creds.cert } });
  assert.ok(s.secure);
  const r = await s.fetch('/');
  assert.equal(sha256(Buffer.from(await r.arrayBuffer())), sha256(big));
  await s.close();
  await new Promise((r) => srv.close(r));
  const tls = await import('node:tls');
  const h1 = tls.createServer({ ...creds }, (sock) => sock.end()); // no ALPN at all: an HTTP/1.1-only server
  await new Promise((r) => h1.listen(0, '127.0.0.1', r));
  await assert.rejects(connect(`https://127.0.0.1:${h1.address().port}`, { tls: { ca: creds.cert } }), /did not negotiate h2/);
  await new Promise((r) => h1.close(r));
});

test('a { readable, writable } transport works like a socket', async () => {
  const sock = net.connect(ownPort, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const { Duplex } = await import('node:stream');
  const pair = Duplex.toWeb(sock);
  const s = await connect(pair, { authority: `127.0.0.1:${ownPort}` });
  const r = await s.fetch('/bytes/1000');
  assert.equal(await r.text(), 'a'.repeat(1000));
  await s.close();
});

// ---- nghttpd (apt nghttp2-server), h2c and TLS ----

const haveNghttpd = spawnSync('sh', ['-c', 'command -v nghttpd']).status === 0;

/** nghttpd [options] <port> [<key> <cert>] on a free port; resolves once it accepts connections. */
async function startNghttpd(args, tail = []) {
  const port = await new Promise((r) => { const x = net.createServer().listen(0, '127.0.0.1', () => { const p = x.address().port; x.close(() => r(p)); }); });
  const p = spawn('nghttpd', [...args, '-d', root, '-a', '127.0.0.1', String(port), ...tail], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((r) => { const c = net.connect(port, '127.0.0.1', () => { c.destroy(); r(true); }); c.on('error', () => r(false)); });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { p, port };
}

test('nghttpd over h2c: GET checked by SHA-256, many in flight', { skip: !haveNghttpd && 'nghttpd not installed' }, async () => {
  const { p, port } = await startNghttpd(['--no-tls']);
  try {
    const s = await connect(`http://127.0.0.1:${port}`);
    const r = await s.fetch('/big.bin');
    assert.equal(r.status, 200);
    assert.equal(sha256(Buffer.from(await r.arrayBuffer())), sha256(big));
    const many = await Promise.all(Array.from({ length: 50 }, () => s.fetch('/index.html').then((x) => x.text())));
    assert.ok(many.every((t) => t === '<h1>hi</h1>\n'));
    const nf = await s.fetch('/missing');
    assert.equal(nf.status, 404);
    await nf.arrayBuffer();
    await s.close();
  } finally { p.kill(); }
});

test('nghttpd over TLS (ALPN h2): GET checked by SHA-256', { skip: !haveNghttpd && 'nghttpd not installed' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h2wasm-ng-'));
  fs.writeFileSync(path.join(dir, 'key.pem'), creds.key);
  fs.writeFileSync(path.join(dir, 'cert.pem'), creds.cert);
  const { p, port } = await startNghttpd([], [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')]);
  try {
    const s = await connect(`https://127.0.0.1:${port}`, { tls: { ca: creds.cert } });
    assert.ok(s.secure);
    const r = await s.fetch('/big.bin');
    assert.equal(sha256(Buffer.from(await r.arrayBuffer())), sha256(big));
    await s.close();
  } finally { p.kill(); fs.rmSync(dir, { recursive: true, force: true }); }
});

test('redirects: followed on the session for its origin, across origins by the pooled fetch, manual and error modes', async () => {
  const s = await connect(`http://127.0.0.1:${nodePort}`);
  const r = await s.fetch('/redirect');
  assert.equal(r.status, 200);
  assert.equal(await r.text(), 'hello /one');
  assert.equal(r.redirected, true);
  assert.equal(r.url, `http://127.0.0.1:${nodePort}/one`);
  const m = await s.fetch('/redirect', { redirect: 'manual' });
  assert.equal(m.status, 302);
  assert.equal(m.headers.get('location'), '/one');
  await m.arrayBuffer();
  await assert.rejects(s.fetch('/redirect', { redirect: 'error' }), TypeError);
  await assert.rejects(s.fetch('/loop'), /too many redirects/);
  // 303 after POST: a GET without the body.
  const so = await s.fetch('/see-other', { method: 'POST', body: 'x' });
  assert.equal(await so.text(), 'GET no body');
  // Another origin: the session hands back the 307; the module-level fetch follows it.
  const other = await s.fetch('/elsewhere');
  assert.equal(other.status, 307);
  await other.arrayBuffer();
  const followed = await h2fetch(`http://127.0.0.1:${nodePort}/elsewhere`);
  assert.equal(await followed.text(), 'aaaa');
  await s.close();
});

test('a body on GET or HEAD is a TypeError, as in WHATWG fetch, and nothing is sent', async () => {
  const before = nodeSessions;
  const s = await connect(`http://127.0.0.1:${nodePort}`);
  for (const method of ['GET', 'HEAD', 'get']) {
    await assert.rejects(s.fetch('/method', { method, body: 'x' }), (e) => e instanceof TypeError && /cannot have a body/.test(e.message), method);
    await assert.rejects(h2fetch(`http://127.0.0.1:${nodePort}/method`, { method, body: new Uint8Array(1) }), TypeError, method);
  }
  await assert.rejects(s.fetch('/method', { body: '' }), TypeError, 'the default method is GET; an empty body is still a body');
  // The same requests without a body, and POST with one, go through.
  assert.equal(await (await s.fetch('/method')).text(), 'GET no body');
  assert.equal(await (await s.fetch('/method', { method: 'POST', body: 'abc' })).text(), 'POST 3');
  await s.close();
  assert.equal(nodeSessions - before, 1, 'the refused module-level fetches opened no session');
});
