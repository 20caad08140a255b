// A peer may reset a stream (or break the connection) in the same socket chunk as
// the request: the application never sees that request. When the reset comes while
// the application holds the stream, its later writes are dropped, it hears about it
// once through connectionLost (or request.signal), and nothing is logged as an error.
// Writing after the application itself ended the response still throws.
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, connect, request, PREFACE, frame, FRAME, FLAG, headerBlock, rstStream, goaway } from './helpers.js';
import { serve, H2Error, StreamResetError, InvalidCommandError, ERROR_CODES } from '../../js/index.js';

const GET = headerBlock([[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'localhost']]);
const requestFrame = frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, GET);

/** Run `fn` with console.error recorded instead of printed. */
async function withErrorLog(fn) {
  const logged = [];
  const original = console.error;
  console.error = (...args) => { logged.push(args.map(String).join(' ')); };
  try { await fn(); } finally { console.error = original; }
  return logged;
}

/** Open a raw connection, record what the server sends (`sock.received`), and write `bytes`. */
async function openRaw(port, bytes) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  sock.on('error', () => {});
  sock.received = [];
  sock.on('data', (d) => sock.received.push(d));
  sock.write(bytes);
  return sock;
}

/** The preface, our SETTINGS and the request, then `after`, all in ONE write. */
const sendInOneWrite = (port, after) => openRaw(port, Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0), requestFrame, after]));

/** Frames in the bytes the server sent: [{type, flags, id}]. */
function framesOf(chunks) {
  const b = Buffer.concat(chunks);
  const out = [];
  for (let at = 0; at + 9 <= b.length;) {
    const len = b.readUIntBE(at, 3);
    out.push({ type: b[at + 3], flags: b[at + 4], id: b.readUInt32BE(at + 5) & 0x7fffffff });
    at += 9 + len;
  }
  return out;
}

/** Resolves once the server has processed everything sent before: a PING and its ACK. */
function pingRoundTrip(sock) {
  const opaque = Buffer.from('h2wasm-t');
  return new Promise((resolve) => {
    const check = () => {
      const acked = framesOf(sock.received).some((f) => f.type === FRAME.PING && (f.flags & FLAG.ACK));
      if (acked) { sock.off('data', check); resolve(); }
    };
    sock.on('data', check);
    sock.write(frame(FRAME.PING, 0, 0, opaque));
  });
}

/** A requestFactory that records every call the application gets. */
function recordingApp() {
  const seen = { factory: 0, thrown: [], lost: [] };
  const factory = (stream) => {
    seen.factory++;
    return {
      requestReceived() {
        try { stream.writeHeaders(200, {}); stream.write('hello'); stream.loseConnection(); } catch (e) { seen.thrown.push(e); }
      },
      connectionLost(reason) { seen.lost.push(reason); },
    };
  };
  return { factory, seen };
}

// A request the peer resets within the same read never reaches the application (a Rapid
// Reset flood runs no handler code; docs/SECURITY.md), so there is nothing to throw into.
test('request + RST_STREAM in one chunk: the application never sees the request, nothing is sent on it, nothing logged', async () => {
  const { factory, seen } = recordingApp();
  let sent;
  const logged = await withErrorLog(async () => {
    const { s, port } = await startServer(factory);
    const sock = await sendInOneWrite(port, rstStream(1, ERROR_CODES.CANCEL));
    await pingRoundTrip(sock);
    sent = framesOf(sock.received).filter((f) => f.id === 1);
    sock.destroy();
    await s.close();
  });
  assert.equal(seen.factory, 0);
  assert.deepEqual(sent, []);
  assert.deepEqual(logged, []);
});

test('request + connection error in one chunk: the application never sees the request, GOAWAY, nothing logged', async () => {
  const { factory, seen } = recordingApp();
  const logged = await withErrorLog(async () => {
    const { s, port } = await startServer(factory);
    // DATA on stream 0 is a connection error (PROTOCOL_ERROR): the engine drops every stream.
    const sock = await sendInOneWrite(port, frame(FRAME.DATA, 0, 0, Buffer.from('x')));
    await new Promise((r) => sock.once('close', r));
    await s.close();
    assert.ok(framesOf(sock.received).some((f) => f.type === FRAME.GOAWAY));
  });
  assert.equal(seen.factory, 0);
  assert.deepEqual(logged, []);
});

// The race the application can meet: it holds a stream (an await, a timer), the peer resets
// it meanwhile, and the application writes afterwards. The writes are dropped, connectionLost
// ran once, nothing is thrown or logged.
test('writes after the peer reset the stream are dropped: connectionLost once, nothing thrown, nothing logged', async () => {
  const seen = { thrown: [], lost: [] };
  let held, resolveHeld, resolveLost;
  const heldP = new Promise((r) => { resolveHeld = r; });
  const lostP = new Promise((r) => { resolveLost = r; });
  const factory = (stream) => ({
    requestReceived() { held = stream; resolveHeld(); },
    connectionLost(reason) { seen.lost.push(reason); resolveLost(reason); },
  });
  const logged = await withErrorLog(async () => {
    const { s, port } = await startServer(factory);
    const sock = await openRaw(port, Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0), requestFrame]));
    await heldP;
    sock.write(rstStream(1, ERROR_CODES.CANCEL));
    const reason = await lostP;
    assert.ok(reason instanceof StreamResetError);
    assert.equal(reason.errorCode, ERROR_CODES.CANCEL);
    assert.equal(reason.remote, true);
    try {
      held.writeHeaders(200, { 'content-type': 'text/plain' });
      held.write('hello');
      held.writeSequence(['a', 'b']);
      held.writeTrailers({ 'x-done': '1' });
      held.loseConnection();
      held.abortConnection();
    } catch (e) { seen.thrown.push(e); }
    await pingRoundTrip(sock);
    sock.destroy();
    await s.close(); // every connection closed: no later connectionLost can come
  });
  assert.deepEqual(seen.thrown, []);
  assert.equal(seen.lost.length, 1);
  assert.deepEqual(logged, []);
});

test('request + client GOAWAY in one chunk: the stream the client already opened is still answered', async () => {
  // A client's GOAWAY does not close streams it opened (RFC 9113 §6.8): nothing is lost, nothing thrown.
  const { factory, seen } = recordingApp();
  const logged = await withErrorLog(async () => {
    const { s, port } = await startServer(factory);
    const sock = await sendInOneWrite(port, goaway(0, ERROR_CODES.NO_ERROR));
    await new Promise((r) => sock.once('close', r)); // the server closes once the answered stream is done
    await s.close();
    const mine = framesOf(sock.received).filter((f) => f.id === 1);
    assert.ok(mine.some((f) => f.type === FRAME.HEADERS));
    assert.ok(mine.some((f) => f.flags & FLAG.END_STREAM));
  });
  assert.equal(seen.factory, 1);
  assert.deepEqual(seen.thrown, []);
  assert.deepEqual(seen.lost, []);
  assert.deepEqual(logged, []);
});

test('fetch-style serve(): a reset while the handler awaits aborts request.signal once; its Response is dropped, nothing logged', async () => {
  let aborts = 0, handlerCalls = 0, reason = null;
  let resolveAbort, resolveCalled, release;
  const aborted = new Promise((r) => { resolveAbort = r; });
  const called = new Promise((r) => { resolveCalled = r; });
  const gate = new Promise((r) => { release = r; });
  const errors = [];
  const logged = await withErrorLog(async () => {
    const s = serve({ onError: (e) => errors.push(e) }, async (req) => {
      handlerCalls++;
      req.signal.addEventListener('abort', () => { aborts++; reason = req.signal.reason; resolveAbort(); });
      resolveCalled();
      await gate;
      return new Response('hello');
    });
    const { port } = await s.listen(0, '127.0.0.1');
    const sock = await openRaw(port, Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0), requestFrame]));
    await called;
    sock.write(rstStream(1, ERROR_CODES.CANCEL));
    await aborted;
    release();
    await pingRoundTrip(sock);
    assert.ok(!framesOf(sock.received).some((f) => f.id === 1 && f.type === FRAME.HEADERS));
    sock.destroy();
    await s.close();
  });
  assert.equal(handlerCalls, 1);
  assert.equal(aborts, 1);
  assert.ok(reason instanceof H2Error);
  assert.deepEqual(errors, []);
  assert.deepEqual(logged, []);
});

test('misuse still throws a typed H2Error: writing after loseConnection, bad status codes, headers twice', async () => {
  const caught = {};
  const attempt = (name, fn) => { try { fn(); caught[name] = null; } catch (e) { caught[name] = e; } };
  const { s, url } = await startServer((stream) => ({
    requestReceived() {
      attempt('status1000', () => stream.writeHeaders(1000, {}));
      attempt('status101', () => stream.writeHeaders(101, {}));
      stream.writeHeaders(200, {});
      attempt('headersTwice', () => stream.writeHeaders(200, {}));
      stream.write('ok');
      stream.loseConnection();
      stream.loseConnection(); // idempotent
      attempt('writeAfterEnd', () => stream.write('more'));
      attempt('headersAfterEnd', () => stream.writeHeaders(200, {}));
      attempt('trailersAfterEnd', () => stream.writeTrailers({ 'x-t': '1' }));
    },
  }));
  const c = connect(url);
  const r = await request(c, { ':path': '/' });
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'ok');
  c.close();
  await s.close();
  for (const name of ['status1000', 'status101']) {
    assert.ok(caught[name] instanceof InvalidCommandError, name);
    assert.equal(caught[name].code, 'ERR_H2WASM_INVALID_COMMAND', name);
    assert.equal(caught[name].codeName, 'PROTOCOL_ERROR');
  }
  assert.ok(caught.headersTwice instanceof H2Error);
  for (const name of ['writeAfterEnd', 'headersAfterEnd', 'trailersAfterEnd']) {
    assert.ok(caught[name] instanceof InvalidCommandError, name);
    assert.equal(caught[name].errorCode, ERROR_CODES.STREAM_CLOSED, name);
    assert.match(caught[name].message, /after the response was ended/);
  }
});
