// gRPC through session.request against a real @grpc/grpc-js server: unary,
// server-streaming, client-streaming, bidi, a deadline that cancels, and a
// non-zero grpc-status read from the trailers. Messages are raw bytes (identity
// serializers), so no .proto is needed: the test is about HTTP/2, not protobuf.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import grpc from '@grpc/grpc-js';
import { connect, ERROR_CODES } from '../../js/index.js';
import { sha256 } from './helpers.js';
import { randomBytes } from 'node:crypto';

const same = (b) => b;
const method = (name, requestStream, responseStream) => ({
  path: `/h2wasm.test.Echo/${name}`, requestStream, responseStream,
  requestSerialize: same, requestDeserialize: same, responseSerialize: same, responseDeserialize: same,
});
const SERVICE = {
  Unary: method('Unary', false, false),
  Split: method('Split', false, true),
  Concat: method('Concat', true, false),
  Bidi: method('Bidi', true, true),
  Fail: method('Fail', false, false),
  Slow: method('Slow', false, false),
};

let server, port, slowCancelled, session;
before(async () => {
  server = new grpc.Server();
  let onSlowCancel;
  slowCancelled = new Promise((r) => { onSlowCancel = r; });
  server.addService(SERVICE, {
    Unary: (call, cb) => cb(null, Buffer.from(sha256(call.request))),
    Split: (call) => { for (const b of call.request) call.write(Buffer.from([b])); call.end(); },
    Concat: (call, cb) => { const parts = []; call.on('data', (m) => parts.push(m)); call.on('end', () => cb(null, Buffer.concat(parts))); },
    Bidi: (call) => { call.on('data', (m) => call.write(Buffer.from(m.toString().toUpperCase()))); call.on('end', () => call.end()); },
    Fail: (call, cb) => cb({ code: grpc.status.NOT_FOUND, details: 'no such thing' }),
    Slow: (call, cb) => { const t = setTimeout(() => cb(null, Buffer.from('late')), 5000); call.on('cancelled', () => { clearTimeout(t); onSlowCancel(true); }); },
  });
  port = await new Promise((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  session = await connect(`http://127.0.0.1:${port}`);
});
after(async () => {
  await session.close();
  await new Promise((r) => server.tryShutdown(() => r()));
});

/** A gRPC length-prefixed message (not compressed). */
function frameMessage(bytes) {
  const b = Buffer.alloc(5 + bytes.length);
  b.writeUInt32BE(bytes.length, 1);
  Buffer.from(bytes).copy(b, 5);
  return b;
}

/** Read gRPC messages from a client stream's body as they arrive. */
async function* messages(stream) {
  let buf = Buffer.alloc(0);
  for await (const chunk of stream.body) {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 5 && buf.length >= 5 + buf.readUInt32BE(1)) {
      const n = buf.readUInt32BE(1);
      yield buf.subarray(5, 5 + n);
      buf = buf.subarray(5 + n);
    }
  }
}

function call(session, name, extra = {}) {
  return session.request({
    ':method': 'POST', ':path': `/h2wasm.test.Echo/${name}`,
    'content-type': 'application/grpc', te: 'trailers', ...extra,
  });
}

/** grpc-status and grpc-message: from the trailers, or from the headers of a trailers-only response. */
async function status(stream) {
  const head = await stream.response;
  const t = Object.fromEntries(await stream.trailers);
  const src = 'grpc-status' in t ? t : head.headers;
  // grpc-message is percent-encoded (gRPC over HTTP/2 spec).
  return { code: Number(src['grpc-status']), message: decodeURIComponent(src['grpc-message'] ?? '') };
}


test('unary call: request in, SHA-256 of it back, grpc-status 0 in the trailers', async () => {
  const msg = randomBytes(100_000);
  const st = call(session, 'Unary');
  st.end(frameMessage(msg));
  const out = [];
  for await (const m of messages(st)) out.push(Buffer.from(m));
  assert.deepEqual(out.map(String), [sha256(msg)]);
  assert.match((await st.response).headers['content-type'], /^application\/grpc/);
  assert.equal((await status(st)).code, 0);
});

test('server-streaming call: one message per byte', async () => {
  const st = call(session, 'Split');
  st.end(frameMessage(Buffer.from('h2wasm')));
  const got = [];
  for await (const m of messages(st)) got.push(String.fromCharCode(m[0]));
  assert.deepEqual(got, [...'h2wasm']);
  assert.equal((await status(st)).code, 0);
});

test('client-streaming call: many writes with backpressure, one answer', async () => {
  const st = call(session, 'Concat');
  const parts = Array.from({ length: 50 }, () => randomBytes(20_000));
  for (const p of parts) await st.write(frameMessage(p));
  st.end();
  const out = [];
  for await (const m of messages(st)) out.push(Buffer.from(m));
  assert.equal(out.length, 1);
  assert.equal(sha256(out[0]), sha256(Buffer.concat(parts)));
  assert.equal((await status(st)).code, 0);
});

test('bidi call: each message answered before the next is sent', async () => {
  const st = call(session, 'Bidi');
  const it = messages(st)[Symbol.asyncIterator]();
  for (const w of ['alpha', 'beta', 'gamma']) {
    await st.write(frameMessage(Buffer.from(w)));
    const { value } = await it.next();
    assert.equal(value.toString(), w.toUpperCase());
  }
  st.end();
  assert.equal((await it.next()).done, true);
  assert.equal((await status(st)).code, 0);
});

test('a non-zero grpc-status and grpc-message are read', async () => {
  const st = call(session, 'Fail');
  st.end(frameMessage(Buffer.from('x')));
  for await (const m of messages(st)) assert.fail(`unexpected message ${m}`);
  assert.deepEqual(await status(st), { code: grpc.status.NOT_FOUND, message: 'no such thing' });
});

test('a deadline: grpc-timeout ends the call with DEADLINE_EXCEEDED, and a client-side timeout cancels it', async () => {
  const st = call(session, 'Slow', { 'grpc-timeout': '100m' });
  st.end(frameMessage(Buffer.from('x')));
  for await (const m of messages(st)) assert.fail(`unexpected message ${m}`);
  assert.equal((await status(st)).code, grpc.status.DEADLINE_EXCEEDED);
  // Client side: an AbortSignal resets the stream (CANCEL); the server sees the cancellation.
  const st2 = session.request({
    ':method': 'POST', ':path': '/h2wasm.test.Echo/Slow', 'content-type': 'application/grpc', te: 'trailers',
  }, { signal: AbortSignal.timeout(100) });
  st2.end(frameMessage(Buffer.from('y')));
  await assert.rejects(st2.trailers, (e) => e.name === 'TimeoutError' || e.errorCode === ERROR_CODES.CANCEL);
  assert.equal(await slowCancelled, true);
});
