// js/trace.js TraceHub against a fake H2Stream: SSE output, replay, bounds,
// no self-tracing, and nothing ever thrown into the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TraceHub } from '../../js/trace.js';
import { traceConnections } from '../../www/capture.js';

class FakeStream {
  constructor({ failWrites = false } = {}) { this.status = null; this.headers = null; this.chunks = []; this.lost = false; this.failWrites = failWrites; }
  writeHeaders(status, headers) { this.status = status; this.headers = headers; }
  write(chunk) { if (this.failWrites) throw new Error('stream gone'); this.chunks.push(Buffer.from(chunk)); }
  loseConnection() { this.lost = true; }
  text() { return Buffer.concat(this.chunks).toString('utf8'); }
  events() { return this.text().split('\n\n').filter((b) => b.startsWith('data: ') || b.includes('\ndata: ')).map((b) => JSON.parse(b.slice(b.indexOf('data: ') + 6))); }
}

test('events stream as SSE and decode back to the same bytes', () => {
  const hub = new TraceHub({ heartbeatMs: 0 });
  const sub = new FakeStream();
  hub.handle(sub);
  assert.equal(sub.status, 200);
  assert.deepEqual(sub.headers.find(([k]) => k === 'content-type'), ['content-type', 'text/event-stream; charset=utf-8']);
  const tap = hub.tap({ remoteAddress: '127.0.0.1', remotePort: 4321, localAddress: '127.0.0.1', localPort: 80 });
  tap.inbound(new Uint8Array([1, 2, 3]));
  tap.outbound(Buffer.from('xyz'));
  tap.inbound(new Uint8Array(new ArrayBuffer(8), 2, 3).fill(9)); // a view with an offset
  tap.closed();
  tap.closed(); // twice is harmless
  const evs = sub.events();
  assert.deepEqual(evs.map((e) => e.k), ['hello', 'open', 'data', 'data', 'data', 'close']);
  assert.equal(evs[1].info.remotePort, 4321);
  assert.deepEqual(evs.slice(2, 5).map((e) => [e.d, Buffer.from(e.b, 'base64').toString('hex')]), [['c2s', '010203'], ['s2c', '78797a'], ['c2s', '090909']]);
  // The same events as JSON lines are the trace file format the page opens.
  const [conn] = traceConnections(hub.dump());
  assert.equal(conn.client, '127.0.0.1:4321');
  assert.equal(conn.bytes.c2s, 6);
  hub.close();
});

test('a late subscriber gets the ring replayed; evicted starts are marked partial', () => {
  const hub = new TraceHub({ maxEvents: 4, heartbeatMs: 0 });
  const a = hub.tap({ remotePort: 1 });
  a.inbound(new Uint8Array([1]));
  a.inbound(new Uint8Array([2]));
  const b = hub.tap({ remotePort: 2 });
  b.inbound(new Uint8Array([3]));
  assert.equal(hub.ring.length, 4);
  const sub = new FakeStream();
  hub.handle(sub);
  const evs = sub.events();
  assert.ok(evs.some((e) => e.k === 'partial' && e.c === a.id), JSON.stringify(evs));
  assert.ok(!evs.some((e) => e.k === 'partial' && e.c === b.id));
  assert.ok(evs.some((e) => e.k === 'open' && e.c === b.id));
  hub.close();
});

test('ring stays within its byte bound', () => {
  const hub = new TraceHub({ maxBytes: 10_000, heartbeatMs: 0 });
  const t = hub.tap({});
  for (let i = 0; i < 100; i++) t.inbound(new Uint8Array(1000));
  assert.ok(hub.ringBytes <= 10_000, String(hub.ringBytes));
  assert.ok(hub.dropped > 0);
});

test('the trace stream does not trace its own connection', () => {
  const hub = new TraceHub({ heartbeatMs: 0 });
  const info = { remoteAddress: '::ffff:127.0.0.1', remotePort: 5000 };
  const own = hub.tap(info);
  const other = hub.tap({ remoteAddress: '127.0.0.1', remotePort: 5001 });
  const sub = new FakeStream();
  sub.getPeer = () => ({ address: '127.0.0.1', port: 5000 });
  hub.handle(sub);
  own.outbound(new Uint8Array(100));   // the SSE bytes themselves
  other.inbound(new Uint8Array([7]));
  const data = sub.events().filter((e) => e.k === 'data');
  assert.deepEqual(data.map((e) => e.c), [other.id]);
  // An explicit tap handle works too.
  const hub2 = new TraceHub({ heartbeatMs: 0 });
  const own2 = hub2.tap({});
  const sub2 = new FakeStream();
  hub2.handle(sub2, own2);
  own2.outbound(new Uint8Array(10));
  assert.equal(sub2.events().filter((e) => e.k === 'data').length, 0);
});

test('a failing subscriber is dropped, never thrown into the server', () => {
  const hub = new TraceHub({ heartbeatMs: 0 });
  const bad = new FakeStream({ failWrites: true });
  const cb = hub.handle(bad);
  assert.equal(hub.subscribers.size, 0);
  assert.ok(bad.lost);
  const t = hub.tap({});
  assert.doesNotThrow(() => { t.inbound(new Uint8Array([1])); t.outbound(null); t.inbound({}); t.closed(); });
  cb.connectionLost('gone');
});

test('subscribers are bounded', () => {
  const hub = new TraceHub({ maxSubscribers: 2, heartbeatMs: 0 });
  hub.handle(new FakeStream());
  hub.handle(new FakeStream());
  const third = new FakeStream();
  hub.handle(third);
  assert.equal(third.status, 503);
  assert.ok(third.lost);
  assert.equal(hub.subscribers.size, 2);
  hub.close();
});

test('a flow-blocked subscriber is held within a bound, then dropped', () => {
  const hub = new TraceHub({ heartbeatMs: 0, maxPendingBytes: 5000 });
  const sub = new FakeStream();
  let producer = null;
  sub.registerProducer = (p, streaming) => { assert.equal(streaming, true); producer = p; };
  hub.handle(sub);
  const t = hub.tap({ peer: { address: '127.0.0.1', port: 1 }, host: { address: '127.0.0.1', port: 2 } });
  producer.pauseProducing();
  const before = sub.chunks.length;
  t.inbound(new Uint8Array(100));
  assert.equal(sub.chunks.length, before, 'nothing written while paused');
  producer.resumeProducing();
  assert.equal(sub.events().filter((e) => e.k === 'data').length, 1);
  assert.equal(sub.events().find((e) => e.k === 'open').info.remotePort, 1);
  producer.pauseProducing();
  for (let i = 0; i < 10; i++) t.inbound(new Uint8Array(1000));
  assert.equal(hub.subscribers.size, 0);
  assert.ok(sub.lost);
});

test('js/connection.js tap info: the trace stream is recognised by getPeer() identity', () => {
  const hub = new TraceHub({ heartbeatMs: 0 });
  const peer = { address: '127.0.0.1', port: 7000, family: 'IPv4' };
  const own = hub.tap({ peer, host: { address: '127.0.0.1', port: 80 }, secure: false, id: 1 });
  const sub = new FakeStream();
  sub.getPeer = () => peer;
  hub.handle(sub);
  own.outbound(new Uint8Array(10));
  assert.equal(sub.events().filter((e) => e.k === 'data').length, 0);
});
