// Quiet, useful logs and abuse reporting: onError, the rate-limited default
// log, peer-caused errors kept out of it, the server's 'abuse' event for
// GOAWAY(ENHANCE_YOUR_CALM) decisions (per connection and across connections),
// and the typed reason a slow request body gives the application.
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http2 from 'node:http2';
import { startServer, connect } from './helpers.js';
import { serve, H2Error, InvalidCommandError, ERROR_CODES } from '../../js/index.js';
import { RateLimitedLog, reportAppError, isPeerClosed } from '../../js/log.js';
import { USER_ERROR } from '../../js/boundary.js';

// ---- raw frames (enough of HTTP/2 to misbehave) ----

function frame(type, flags, id, payload = Buffer.alloc(0)) {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3); h[3] = type; h[4] = flags; h.writeUInt32BE(id, 5);
  return Buffer.concat([h, payload]);
}
const lit = (n, v) => Buffer.concat([Buffer.from([0, n.length]), Buffer.from(n), Buffer.from([v.length]), Buffer.from(v)]);
const GET = Buffer.concat([lit(':method', 'GET'), lit(':scheme', 'http'), lit(':authority', 'x'), lit(':path', '/')]);
const PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frame(4, 0, 0)]);

/** HEADERS+RST_STREAM(CANCEL) pairs on streams first, first+2, …; resolves when the server closes. */
function rapidReset(port, pairs) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const parts = [PREFACE];
    for (let i = 0; i < pairs; i++) {
      const id = 1 + 2 * i;
      parts.push(frame(1, 5, id, GET), frame(3, 0, id, Buffer.from([0, 0, 0, 8])));
    }
    sock.on('data', () => {});
    sock.on('error', () => {});
    sock.on('close', resolve);
    sock.write(Buffer.concat(parts));
  });
}

const hello = (st) => ({ requestReceived() { st.writeHeaders(200, {}); st.write('hi'); st.loseConnection(); } });

test('the default log prints the first error of a kind with its stack, then one line with the count per interval', () => {
  const lines = [];
  const log = new RateLimitedLog((...a) => lines.push(a), 60_000);
  for (let i = 0; i < 1000; i++) log.report('request handler threw: Error: boom', new Error(`boom ${i}`));
  log.report('other kind', new Error('x'));
  assert.equal(lines.length, 2);
  assert.ok(lines[0][1] instanceof Error && lines[0][1].stack, 'the first one carries the error (and its stack)');
  log.flush();
  assert.equal(lines.length, 3, 'one summary line for the kind with held-back errors, none for the other');
  assert.match(lines[2][0], /request handler threw: Error: boom: 999 more in the last 60 s \(last: boom 999\)/);
  assert.equal(typeof lines[2][1], 'undefined', 'no stack trace on summary lines');
  log.flush(); // a quiet interval: the kinds are forgotten
  assert.equal(log.kinds.size, 0);
  clearTimeout(log.timer);
});

test('errors that only say the peer closed the stream are not application errors', () => {
  const gone = new InvalidCommandError(ERROR_CODES.STREAM_CLOSED, 'stream is closed', { userError: USER_ERROR.STREAM_CLOSED });
  assert.equal(isPeerClosed(gone), true);
  let called = 0;
  assert.equal(reportAppError({ onError: () => called++ }, gone, 'request handler'), false);
  assert.equal(reportAppError({ onError: () => called++ }, new TypeError('app bug'), 'request handler'), true);
  assert.equal(called, 1);
});

test('onError receives errors thrown by request callbacks, with where and the peer', async () => {
  const got = [];
  const { s, url } = await startServer(() => ({ requestReceived() { throw new Error('handler bug'); } }),
    { onError: (e, info) => got.push([e, info]) });
  const client = connect(url);
  const req = client.request({ ':path': '/' });
  req.on('error', () => {});
  await new Promise((r) => req.on('close', r));
  assert.equal(got.length, 1);
  assert.equal(got[0][0].message, 'handler bug');
  assert.equal(got[0][1].where, 'request handler');
  assert.equal(got[0][1].peer.address, '127.0.0.1');
  client.close();
  await s.close();
});

test("the server is an EventEmitter: 'abuse' reports a per-connection GOAWAY(ENHANCE_YOUR_CALM) with peer and rule", async () => {
  let handlers = 0;
  const { s, port } = await startServer((st) => { handlers++; return hello(st); }, { resetBurst: 50, resetRatePerS: 1 });
  const abuse = [];
  s.on('abuse', (i) => abuse.push(i));
  await rapidReset(port, 60);
  assert.equal(abuse.length, 1);
  assert.equal(abuse[0].peer.address, '127.0.0.1');
  assert.equal(abuse[0].scope, 'connection');
  assert.match(abuse[0].rule, /RST_STREAM/);
  assert.equal(abuse[0].code, 'ENHANCE_YOUR_CALM');
  assert.equal(s.metrics.calmed, 1);
  assert.equal(handlers, 0, 'requests reset within the same read never reach the application');
  await s.close();
});

test('budget options are validated like limits and stay out of the engine config', async () => {
  const { createServer } = await import('../../js/index.js');
  const { engineConfig, budgetConfig } = await import('../../js/options.js');
  assert.throws(() => createServer({ budget: { peerResetBurts: 1 } }, hello), TypeError);
  assert.throws(() => createServer({ limits: { peerResetBurst: -1 } }, hello), RangeError);
  const o = { peerResetBurst: 5, limits: { serverErrorRatePerS: 7, idleTimeoutMs: 100 } };
  assert.equal(engineConfig(o), 'idleTimeoutMs=100');
  const cfg = budgetConfig(o);
  assert.equal(cfg.peerResetBurst, 5);
  assert.equal(cfg.serverErrorRatePerS, 7);
  assert.equal(cfg.serverResetBurst, 20_000);
});

test('a budget across connections cuts off connections that each stay under their own limit; others are served', async () => {
  const seen = [];
  const { s, port, url } = await startServer(hello, { peerResetBurst: 100, peerResetRatePerS: 1 });
  s.on('abuse', (i) => seen.push(i));
  const legit = connect(url);
  // Three connections × 80 pairs: 240 resets from one address, each under resetBurst (1000).
  await Promise.all([rapidReset(port, 80), rapidReset(port, 80), rapidReset(port, 80)]);
  assert.ok(seen.length >= 1, 'no abuse event');
  assert.ok(seen.every((i) => i.scope === 'address' && /from this peer address/.test(i.rule)), JSON.stringify(seen));
  const req = legit.request({ ':path': '/' });
  const status = await new Promise((r, j) => { req.on('response', (h) => r(h[':status'])); req.on('error', j); });
  assert.equal(status, 200, 'a connection that spent nothing is not cut off');
  req.resume();
  legit.close();
  await s.close();
});

/** Upload `chunks` bytes one per `everyMs` on a Node http2 client; resolves with the stream's outcome. */
function dribble(url, path, chunks, everyMs, chunkBytes = 1) {
  const client = connect(url);
  const req = client.request({ ':method': 'POST', ':path': path });
  return new Promise((resolve) => {
    let n = 0;
    const body = [];
    const timer = setInterval(() => {
      if (req.destroyed || req.closed) { clearInterval(timer); return; }
      req.write(Buffer.alloc(chunkBytes, 0x61));
      if (++n === chunks) { clearInterval(timer); req.end(); }
    }, everyMs);
    req.on('data', (c) => body.push(c));
    req.on('error', () => {});
    req.on('close', () => { clearInterval(timer); client.close(); resolve({ rstCode: req.rstCode, body: Buffer.concat(body) }); });
  });
}

test('a request body below the minimum rate is reset (CANCEL) and connectionLost says why; uploads within it complete', async () => {
  const lost = [];
  const { s, url } = await startServer((st) => {
    let n = 0;
    return {
      dataReceived(c) { n += c.length; },
      requestReceived() { st.writeHeaders(200, {}); st.write(String(n)); st.loseConnection(); },
      connectionLost(e) { lost.push(e); },
    };
  }, { requestBodyTimeoutMs: 300, minRequestBodyRate: 100 });
  const [slow, fine] = await Promise.all([
    dribble(url, '/slow', 100, 100), // 10 B/s
    dribble(url, '/fine', 15, 100, 50), // 500 B/s for 1.5 s
  ]);
  assert.equal(slow.rstCode, http2.constants.NGHTTP2_CANCEL);
  const e = lost.find((x) => x?.expired);
  assert.ok(e instanceof H2Error, 'connectionLost got a typed H2Error');
  assert.equal(e.codeName, 'CANCEL');
  assert.match(e.message, /request body too slow/);
  assert.equal(fine.rstCode, http2.constants.NGHTTP2_NO_ERROR);
  assert.equal(fine.body.toString(), '750');
  await s.close();
});

test("fetch-style handlers: request.signal is aborted with the slow-body H2Error", async () => {
  let reason = null;
  const s = serve({ requestBodyTimeoutMs: 200, minRequestBodyRate: 100 }, async (request) => {
    await new Promise((r) => request.signal.addEventListener('abort', r));
    reason = request.signal.reason;
    return new Response('late');
  });
  const { port } = await s.listen(0, '127.0.0.1');
  await dribble(`http://127.0.0.1:${port}`, '/', 100, 100);
  assert.ok(reason instanceof H2Error);
  assert.equal(reason.codeName, 'CANCEL');
  assert.equal(reason.expired, true);
  await s.close();
});
