// Client conformance against a scripted raw-frame server: malformed responses,
// bad pseudo-headers, flow-control violations, GOAWAY mid-flight (and the pooled
// fetch's retry of requests the server did not process), floods, and servers
// that never answer or never read. The connection's fate is checked each time.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { connect, fetch as h2fetch, closeAllSessions, ERROR_CODES } from '../../../js/index.js';
import { frame, headerBlock, rstStream, goaway, FRAME, FLAG, PREFACE } from '../../js/helpers.js';

// Servers still open when a test fails half-way (its own close never ran): closed after the
// last test, so a failing assertion ends the file instead of leaving it waiting on sockets.
const openServers = new Set();
after(async () => {
  for (const srv of openServers) await srv.close();
  await closeAllSessions();
});

const SETTINGS = frame(FRAME.SETTINGS, 0, 0);
const SETTINGS_ACK = frame(FRAME.SETTINGS, FLAG.ACK, 0);
const headers = (id, fields, end) => frame(FRAME.HEADERS, FLAG.END_HEADERS | (end ? FLAG.END_STREAM : 0), id, headerBlock(fields));
const data = (id, bytes, end) => frame(FRAME.DATA, end ? FLAG.END_STREAM : 0, id, Buffer.from(bytes));
const ping = (n) => { const p = Buffer.alloc(8); p.writeUInt32BE(n, 4); return frame(6, 0, 0, p); };

/**
 * A TCP server speaking just enough HTTP/2 to script: it reads the preface and
 * frames, and calls `onHeaders(sock, streamId, conn)` for each request HEADERS
 * (conn = 0, 1, … per connection). `greet`: send SETTINGS first (default true).
 * `onFrame({ type, flags, id, payload })` sees every frame the client sends.
 */
async function rawServer(onHeaders, { greet = true, read = true, settings = SETTINGS, onFrame = null } = {}) {
  let n = 0;
  const socks = new Set();
  const srv = net.createServer((sock) => {
    const conn = n++;
    socks.add(sock);
    sock.on('error', () => {});
    sock.on('close', () => socks.delete(sock));
    if (!read) { sock.pause(); if (greet) sock.write(settings); return; }
    if (greet) sock.write(settings);
    let buf = Buffer.alloc(0);
    let prefaced = false;
    sock.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      if (!prefaced) {
        if (buf.length < 24) return;
        assert.deepEqual(buf.subarray(0, 24), PREFACE);
        buf = buf.subarray(24); prefaced = true;
      }
      while (buf.length >= 9) {
        const len = buf.readUIntBE(0, 3);
        if (buf.length < 9 + len) break;
        const type = buf[3], flags = buf[4], id = buf.readUInt32BE(5) & 0x7fffffff;
        const payload = buf.subarray(9, 9 + len);
        buf = buf.subarray(9 + len);
        if (type === FRAME.SETTINGS && !(flags & FLAG.ACK)) sock.write(SETTINGS_ACK);
        onFrame?.({ type, flags, id, payload });
        if (type === FRAME.HEADERS) onHeaders(sock, id, conn);
      }
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const handle = {
    url: `http://127.0.0.1:${srv.address().port}`,
    connections: () => n,
    close: () => new Promise((r) => { openServers.delete(handle); for (const s of socks) s.destroy(); srv.close(() => r()); }),
  };
  openServers.add(handle);
  return handle;
}

const ok200 = [[':status', '200']];

test('malformed responses fail that request only; the session goes on', async () => {
  const bad = {
    '/no-status': [['content-type', 'text/plain']],
    '/path-in-response': [[':status', '200'], [':path', '/']],
    '/two-status': [[':status', '200'], [':status', '204']],
    '/late-pseudo': [['x', '1'], [':status', '200']],
    '/uppercase': [[':status', '200'], ['X-Upper', '1']],
    '/connection': [[':status', '200'], ['connection', 'close']],
  };
  const paths = Object.keys(bad);
  const srv = await rawServer((sock, id) => {
    const i = (id - 1) / 2;
    if (i < paths.length) sock.write(headers(id, bad[paths[i]], true));
    else sock.write(Buffer.concat([headers(id, ok200, false), data(id, 'fine', true)]));
  });
  const s = await connect(srv.url);
  for (const p of paths) {
    await assert.rejects(s.fetch(p), (e) => e.errorCode === ERROR_CODES.PROTOCOL_ERROR && /malformed response/.test(e.message), p);
  }
  assert.equal(await (await s.fetch('/after')).text(), 'fine');
  await s.close();
  await srv.close();
});

test('body longer than content-length and DATA before HEADERS are malformed', async () => {
  const srv = await rawServer((sock, id) => {
    if (id === 1) sock.write(Buffer.concat([headers(id, [[':status', '200'], ['content-length', '3']], false), data(id, 'abcdef', true)]));
    else sock.write(data(id, 'early', true));
  });
  const s = await connect(srv.url);
  const r = await s.fetch('/a');
  await assert.rejects(r.text(), /malformed response: body longer than content-length/);
  await assert.rejects(s.fetch('/b'), /DATA before the response HEADERS/);
  await s.close();
  await srv.close();
});

test('a server overrunning the stream window gets FLOW_CONTROL_ERROR on that stream', async () => {
  const srv = await rawServer((sock, id) => {
    const parts = [headers(id, ok200, false)];
    for (let i = 0; i < 17; i++) parts.push(data(id, Buffer.alloc(16384), false)); // 272 KiB > the 256 KiB window
    sock.write(Buffer.concat(parts));
  });
  const s = await connect(srv.url);
  // Nothing is read, so no WINDOW_UPDATE reopens the window: the overrun is certain.
  const st = s.request({ ':path': '/' }, { endStream: true });
  await assert.rejects(st.trailers, (e) => e.errorCode === ERROR_CODES.FLOW_CONTROL_ERROR && /stream window exceeded/.test(e.message));
  await s.close().catch(() => {});
  await srv.close();
});

test('GOAWAY mid-flight: requests above last-stream-id fail as not processed; the pooled fetch retries them', async () => {
  const srv = await rawServer((sock, id, conn) => {
    if (conn === 0 && id === 5) {
      // Three requests seen: process only stream 1.
      sock.write(Buffer.concat([goaway(1, 0), headers(1, ok200, false), data(1, 'one', true)]));
    } else if (conn > 0) sock.write(Buffer.concat([headers(id, ok200, false), data(id, `retried ${id}`, true)]));
  });
  const s = await connect(srv.url);
  const rs = ['/a', '/b', '/c'].map((p) => s.fetch(p).then((r) => r.text()));
  assert.equal(await rs[0], 'one');
  for (const p of rs.slice(1)) {
    await assert.rejects(p, (e) => e.notProcessed === true && /not processed.*safe to retry/.test(e.message));
  }
  assert.equal(s.goaway.lastStreamID, 1);
  await s.closed;
  // Module-level fetch: the same script; requests 3 and 5 are sent again on a second connection.
  const srv2 = await rawServer((sock, id, conn) => {
    if (conn === 0 && id === 5) sock.write(Buffer.concat([goaway(1, 0), headers(1, ok200, false), data(1, 'one', true)]));
    else if (conn > 0) sock.write(Buffer.concat([headers(id, ok200, false), data(id, `retried ${id}`, true)]));
  });
  const out = await Promise.all(['/a', '/b', '/c'].map((p) => h2fetch(srv2.url + p).then((r) => r.text())));
  assert.equal(out[0], 'one');
  assert.match(out[1], /^retried /);
  assert.match(out[2], /^retried /);
  assert.equal(srv2.connections(), 2);
  await closeAllSessions();
  await srv.close();
  await srv2.close();
});

test('REFUSED_STREAM is not processed; other resets are not retried by the pooled fetch', async () => {
  let calls = 0;
  const srv = await rawServer((sock, id, conn) => {
    calls++;
    if (conn === 0 && id === 1) sock.write(rstStream(1, ERROR_CODES.REFUSED_STREAM));
    else if (conn === 0 && id === 3) sock.write(rstStream(3, ERROR_CODES.INTERNAL_ERROR));
    else sock.write(Buffer.concat([headers(id, ok200, false), data(id, 'ok', true)]));
  });
  const s = await connect(srv.url);
  await assert.rejects(s.fetch('/r'), (e) => e.notProcessed === true && e.errorCode === ERROR_CODES.REFUSED_STREAM);
  await assert.rejects(s.fetch('/i'), (e) => e.notProcessed === false && e.errorCode === ERROR_CODES.INTERNAL_ERROR);
  await s.close();
  await srv.close();
  assert.equal(calls, 2);
});

test('a PING flood closes the session with ENHANCE_YOUR_CALM', async () => {
  const srv = await rawServer((sock) => {
    const pings = [];
    for (let i = 0; i < 300; i++) pings.push(ping(i));
    sock.write(Buffer.concat(pings));
  });
  const s = await connect(srv.url);
  await assert.rejects(s.fetch('/'), (e) => e.errorCode === ERROR_CODES.ENHANCE_YOUR_CALM);
  const reason = await s.closed;
  assert.equal(reason.errorCode, ERROR_CODES.ENHANCE_YOUR_CALM);
  await srv.close();
});

test('a server that never sends SETTINGS: connect fails after prefaceTimeoutMs', async () => {
  const srv = await rawServer(() => {}, { greet: false, read: false });
  await assert.rejects(connect(srv.url, { prefaceTimeoutMs: 200 }), /no SETTINGS from the server/);
  await srv.close();
});

test('a server that never reads: the upload stalls, bounded, and the stall timeout resets it', async () => {
  const srv = await rawServer(() => {}, { read: false });
  const s = await connect(srv.url, { stallTimeoutMs: 300 });
  let written = 0;
  const body = new ReadableStream({
    pull(c) { if (written < 8 * 1024 * 1024) { c.enqueue(new Uint8Array(64 * 1024)); written += 64 * 1024; } else c.close(); },
  });
  await assert.rejects(s.fetch('/up', { method: 'POST', body, duplex: 'half' }), (e) => e.errorCode === ERROR_CODES.CANCEL);
  // Backpressure held the producer near the send window, not the whole 8 MiB.
  assert.ok(written < 1024 * 1024, `read ${written} bytes of the body`);
  s.destroy();
  await srv.close();
});

/** Resolves with the code of the first RST_STREAM the client sends on `id`. */
function rstSeen(id) {
  let resolve;
  const seen = new Promise((r) => { resolve = r; });
  return { seen, onFrame: (f) => { if (f.type === FRAME.RST_STREAM && f.id === id) resolve(f.payload.readUInt32BE(0)); } };
}

test('a server that never answers a request: responseTimeoutMs fails it with a typed timeout and RST_STREAM(CANCEL)', async () => {
  const rst = rstSeen(1);
  const srv = await rawServer((sock, id) => {
    if (id !== 1) sock.write(Buffer.concat([headers(id, ok200, false), data(id, 'answered', true)]));
  }, { onFrame: rst.onFrame });
  const s = await connect(srv.url, { responseTimeoutMs: 150 });
  await assert.rejects(s.fetch('/silent'), (e) => e.errorCode === ERROR_CODES.CANCEL && e.timedOut === true && /responseTimeoutMs/.test(e.message));
  assert.equal(await rst.seen, ERROR_CODES.CANCEL);
  // Only that stream failed: the session goes on.
  assert.equal(await (await s.fetch('/next')).text(), 'answered');
  await s.close();
  await srv.close();
});

test('a server that sends the head and then stalls the body: responseBodyTimeoutMs fails the body read', async () => {
  const rst = rstSeen(1);
  const srv = await rawServer((sock, id) => sock.write(Buffer.concat([headers(id, ok200, false), data(id, 'part', false)])), { onFrame: rst.onFrame });
  const s = await connect(srv.url, { responseBodyTimeoutMs: 150 });
  const r = await s.fetch('/stall');
  assert.equal(r.status, 200);
  await assert.rejects(r.text(), (e) => e.errorCode === ERROR_CODES.CANCEL && e.timedOut === true && /responseBodyTimeoutMs/.test(e.message));
  assert.equal(await rst.seen, ERROR_CODES.CANCEL);
  assert.ok(!s.goingAway, 'the session stays open');
  s.destroy();
  await srv.close();
});

test('session.destroy fails every stream at once; close() waits for open ones', async () => {
  let hold = null;
  const srv = await rawServer((sock, id) => {
    if (id === 1) hold = () => sock.write(Buffer.concat([headers(1, ok200, false), data(1, 'late', true)]));
  });
  const s = await connect(srv.url);
  const p = s.fetch('/held').then((r) => r.text());
  await new Promise((r) => setTimeout(r, 50));
  const closing = s.close();
  assert.ok(s.goingAway);
  assert.throws(() => s.request({ ':path': '/new' }), (e) => e.notProcessed === true);
  hold();
  assert.equal(await p, 'late');
  await closing;
  const s2 = await connect(srv.url);
  const q = s2.fetch('/x');
  await new Promise((r) => setTimeout(r, 20));
  s2.destroy(new Error('stop'));
  await assert.rejects(q, /stop/);
  await srv.close();
});

test('the transport closing: sent requests fail with the transport error, queued ones as not processed', async () => {
  const limit1 = frame(FRAME.SETTINGS, 0, 0, Buffer.from([0, 3, 0, 0, 0, 1])); // MAX_CONCURRENT_STREAMS 1
  // The server allows one stream and drops the connection when it sees the first request.
  const srv = await rawServer((sock) => sock.destroy(), { settings: limit1 });
  const sess = await connect(srv.url);
  const a = sess.fetch('/a');
  const b = sess.fetch('/b');
  await assert.rejects(a, (e) => !e.notProcessed && /connection closed by server|transport/.test(e.message));
  await assert.rejects(b, (e) => e.notProcessed === true);
  await srv.close();
});

test('connect options: unknown names are a TypeError, bad values a RangeError, before any socket', async () => {
  await assert.rejects(connect('http://127.0.0.1:9', { keepAliveMs: 5 }), (e) => e instanceof TypeError && /keepAliveMs/.test(e.message));
  await assert.rejects(connect('http://127.0.0.1:9', { limits: { bogus: 1 } }), TypeError);
  await assert.rejects(connect('http://127.0.0.1:9', { pingTimeoutMs: -1 }), RangeError);
  await assert.rejects(connect('http://127.0.0.1:9', { responseTimeoutMs: 1.5 }), RangeError);
  await assert.rejects(connect('http://127.0.0.1:9', { responseBodyTimeoutMs: -1 }), RangeError);
});
