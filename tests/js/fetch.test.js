// The fetch-style serve(): the lazy Request handed to handlers must behave as a Request,
// and every kind of Response (known bytes, streams, json, redirect, clones, errors) must
// reach the client whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, request, sha256 } from './helpers.js';
import { serve } from '../../js/index.js';

async function start(handler, options = {}) {
  const s = serve(options, handler);
  const { port } = await s.listen(0);
  const c = connect(`http://127.0.0.1:${port}`);
  c.on('error', () => {});
  return { s, c, origin: `http://127.0.0.1:${port}`, close: async () => { c.close(); await s.close(); } };
}

const tick = (ms) => new Promise((r) => setTimeout(r, ms));

test('the request is a Request: instanceof, url, method, headers, new Request(req), clone() and text()', async () => {
  let seen;
  const { c, origin, close } = await start(async (req) => {
    const cloned = req.clone();
    seen = {
      isRequest: req instanceof Request, url: req.url, method: req.method, ua: req.headers.get('x-test'),
      clonedText: await cloned.text(), text: await req.text(), used: req.bodyUsed,
      tag: Object.prototype.toString.call(req),
    };
    // new Request(req) takes the body over (the standard): try it on a fresh request without one.
    return new Response('ok');
  });
  const r = await request(c, { ':method': 'POST', ':path': '/a?b=1', 'x-test': 'yes' }, 'payload');
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'ok');
  assert.deepEqual(seen, {
    isRequest: true, url: `${origin}/a?b=1`, method: 'POST', ua: 'yes',
    clonedText: 'payload', text: 'payload', used: true, tag: '[object Request]',
  });
  await close();
});

test('GET and HEAD requests have a null body; HEAD responses carry no body', async () => {
  const bodies = [];
  let copy;
  const { c, origin, close } = await start((req) => {
    bodies.push(req.body);
    const r = new Request(req, { headers: { 'x-copy': '1' } }); // reads the real Request's internal slots
    copy = { url: r.url, method: r.method, h: r.headers.get('x-copy'), isRequest: r instanceof Request };
    return new Response('abc');
  });
  assert.equal((await request(c, { ':path': '/c?d' })).body.toString(), 'abc');
  assert.deepEqual(copy, { url: `${origin}/c?d`, method: 'GET', h: '1', isRequest: true });
  const h = await request(c, { ':method': 'HEAD', ':path': '/' });
  assert.equal(h.status, 200);
  assert.equal(h.body.length, 0);
  assert.deepEqual(bodies, [null, null]);
  await close();
});

test('multi-value headers both ways: repeated request fields joined, every set-cookie sent', async () => {
  let got;
  const { c, close } = await start((req) => {
    got = req.headers.get('x-multi');
    const h = new Headers({ 'content-type': 'text/plain' });
    h.append('set-cookie', 'a=1');
    h.append('set-cookie', 'b=2');
    return new Response('x', { headers: h });
  });
  const r = await request(c, { ':path': '/', 'x-multi': ['one', 'two'] });
  assert.equal(got, 'one, two');
  assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
  assert.equal(r.headers['content-type'], 'text/plain');
  await close();
});

test('Response.json, Response.redirect, a cloned Response, empty and ArrayBuffer bodies', async () => {
  const { c, close } = await start((req) => {
    const p = new URL(req.url).pathname;
    if (p === '/json') return Response.json({ a: [1, 2] }, { status: 201 });
    if (p === '/redirect') return Response.redirect('https://example.com/next', 308);
    if (p === '/clone') { const r = new Response('twice'); r.clone(); return r.clone(); }
    if (p === '/empty') return new Response('');
    if (p === '/ab') return new Response(new Uint8Array([1, 2, 3]).buffer);
    return new Response(null, { status: 404 });
  });
  const j = await request(c, { ':path': '/json' });
  assert.equal(j.status, 201);
  assert.equal(j.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(j.body), { a: [1, 2] });
  const r = await request(c, { ':path': '/redirect' });
  assert.equal(r.status, 308);
  assert.equal(r.headers.location, 'https://example.com/next');
  assert.equal((await request(c, { ':path': '/clone' })).body.toString(), 'twice');
  const e = await request(c, { ':path': '/empty' });
  assert.equal(e.status, 200);
  assert.equal(e.body.length, 0);
  assert.deepEqual([...(await request(c, { ':path': '/ab' })).body], [1, 2, 3]);
  assert.equal((await request(c, { ':path': '/nope' })).status, 404);
  await close();
});

test('a ReadableStream response body is read only as fast as the client takes it (backpressure)', async () => {
  const CHUNK = 16384, TOTAL = 400; // 6.5 MiB: far over the client's windows
  let pulled = 0;
  const { c, close } = await start(() => new Response(new ReadableStream({
    pull(ctl) { if (pulled === TOTAL) ctl.close(); else { pulled++; ctl.enqueue(new Uint8Array(CHUNK).fill(pulled & 0xff)); } },
  }, { highWaterMark: 1 })));
  const req = c.request({ ':path': '/stream' });
  req.pause();
  await new Promise((r) => req.once('response', r));
  await tick(200);
  const whilePaused = pulled;
  assert.ok(whilePaused < TOTAL / 2, `pulled ${whilePaused} of ${TOTAL} chunks while the client read nothing`);
  let n = 0;
  req.on('data', (d) => { n += d.length; });
  req.resume();
  await new Promise((r) => req.on('end', r));
  assert.equal(n, CHUNK * TOTAL);
  await close();
});

test('a request body waits in the stream until the handler reads it (window closed), then arrives whole', async () => {
  const body = randomBytes(1 << 20);
  let bufferedBeforeRead = -1;
  const { c, close } = await start(async (req, { stream }) => {
    await tick(150); // the client keeps sending meanwhile
    bufferedBeforeRead = (stream._inbound ?? []).reduce((n, x) => n + x.length, 0);
    const parts = [];
    for await (const chunk of req.body) parts.push(chunk);
    return new Response(Buffer.concat(parts));
  });
  const r = await request(c, { ':method': 'POST', ':path': '/up' }, body);
  assert.equal(sha256(r.body), sha256(body));
  assert.ok(bufferedBeforeRead >= 0 && bufferedBeforeRead <= 65535, `buffered ${bufferedBeforeRead} bytes before the body was read`);
  await close();
});

test('a request body streamed back as the response body (both directions at once)', async () => {
  const body = randomBytes(700000);
  const { c, close } = await start((req) => new Response(req.body, { headers: { 'x-len': req.headers.get('content-length') ?? '' } }));
  const r = await request(c, { ':method': 'POST', ':path': '/e', 'content-length': String(body.length) }, body);
  assert.equal(r.headers['x-len'], String(body.length));
  assert.equal(sha256(r.body), sha256(body));
  await close();
});

test('request.signal aborts on RST_STREAM, whether read before or after the reset', async () => {
  const aborted = [];
  let lateSignal = null;
  const { c, close } = await start((req) => {
    const p = new URL(req.url).pathname;
    if (p === '/early') {
      req.signal.addEventListener('abort', () => aborted.push('early'));
      return new Response(new ReadableStream({ pull() { return new Promise(() => {}); } }));
    }
    // /late: reads the signal only after the client has reset the stream
    return new Promise((resolve) => setTimeout(() => { lateSignal = req.signal; resolve(new Response('late')); }, 150));
  });
  for (const p of ['/early', '/late']) {
    const req = c.request({ ':path': p });
    req.on('error', () => {});
    await tick(50);
    req.close(8); // CANCEL
  }
  await tick(250);
  assert.deepEqual(aborted, ['early']);
  assert.equal(lateSignal?.aborted, true);
  // The connection is still usable.
  assert.equal((await request(c, { ':path': '/x' })).status, 200);
  await close();
});

test('a handler that throws (or whose body stream fails) gets a 500 or a reset, and the connection keeps serving', async () => {
  const errors = [];
  const { c, close } = await start(async (req) => {
    const p = new URL(req.url).pathname;
    if (p === '/throw') throw new Error('boom');
    if (p === '/reject') return Promise.reject(new Error('nope'));
    if (p === '/badstream') {
      return new Response(new ReadableStream({ start(ctl) { ctl.enqueue(new Uint8Array(1)); }, pull(ctl) { ctl.error(new Error('mid-way')); } }));
    }
    if (p === '/plain') return 'not a Response';
    return new Response('fine');
  }, { onError: (e) => errors.push(e.message) });
  assert.equal((await request(c, { ':path': '/throw' })).status, 500);
  assert.equal((await request(c, { ':path': '/reject' })).status, 500);
  const rst = await new Promise((resolve) => {
    const req = c.request({ ':path': '/badstream' });
    req.on('error', () => {}); req.resume();
    req.on('close', () => resolve(req.rstCode));
  });
  assert.equal(rst, 2); // INTERNAL_ERROR: the body failed after the head was sent
  assert.equal((await request(c, { ':path': '/plain' })).body.toString(), 'not a Response');
  assert.equal((await request(c, { ':path': '/ok' })).body.toString(), 'fine');
  assert.deepEqual(errors, ['boom', 'nope', 'mid-way']);
  await close();
});

test('many concurrent requests on one connection, each answered with its own path', async () => {
  const { c, close } = await start((req) => new Response(new URL(req.url).pathname));
  const rs = await Promise.all(Array.from({ length: 200 }, (_, i) => request(c, { ':path': `/p${i}` })));
  rs.forEach((r, i) => assert.equal(r.body.toString(), `/p${i}`));
  await close();
});

test('request body readers: json()/text()/arrayBuffer()/bytes() read it once, bodyUsed follows, a second read is a TypeError', async () => {
  const big = randomBytes(1 << 20).toString('hex'); // 2 MiB of text: many DATA frames, window updates
  const seen = [];
  const { c, close } = await start(async (req) => {
    const p = new URL(req.url).pathname;
    const before = req.bodyUsed;
    let value;
    if (p === '/json') value = JSON.stringify(await req.json());
    else if (p === '/text') value = await req.text();
    else if (p === '/ab') value = String(new Uint8Array(await req.arrayBuffer()).length);
    else if (p === '/bytes') { const b = await req.bytes(); value = `${b instanceof Uint8Array} ${b.length}`; }
    else if (p === '/stream-then-text') {
      for await (const chunk of req.body) void chunk;
      value = 'streamed';
    }
    const again = await req.text().then(() => 'read twice', (e) => e.constructor.name);
    seen.push({ p, before, after: req.bodyUsed, again, bodyIsStream: req.body instanceof ReadableStream });
    return new Response(value);
  });
  assert.equal((await request(c, { ':method': 'POST', ':path': '/json' }, '{"a":[1,"é"]}')).body.toString(), '{"a":[1,"é"]}');
  assert.equal(sha256((await request(c, { ':method': 'POST', ':path': '/text' }, big)).body), sha256(Buffer.from(big)));
  assert.equal((await request(c, { ':method': 'POST', ':path': '/ab' }, randomBytes(70000))).body.toString(), '70000');
  assert.equal((await request(c, { ':method': 'POST', ':path': '/bytes' }, 'abc')).body.toString(), 'true 3');
  assert.equal((await request(c, { ':method': 'POST', ':path': '/stream-then-text' }, 'xyz')).body.toString(), 'streamed');
  for (const s of seen) assert.deepEqual({ before: s.before, after: s.after, again: s.again, bodyIsStream: s.bodyIsStream },
    { before: false, after: true, again: 'TypeError', bodyIsStream: true }, s.p);
  await close();
});

test('a GET request reads as an empty body; a connection lost while a body is being read fails the read', async () => {
  let getText, failed;
  const { c, origin, close } = await start(async (req) => {
    if (req.method === 'GET') { getText = await req.text(); return new Response('g'); }
    try { await req.text(); } catch (e) { failed = e; }
    return new Response('never seen');
  }, { onError() {} });
  assert.equal((await request(c, { ':path': '/' })).body.toString(), 'g');
  assert.equal(getText, '');
  // (Node's client ends the stream before its RST_STREAM, so the body would be complete:
  // drop the whole connection instead.)
  const c2 = connect(origin);
  c2.on('error', () => {});
  const req = c2.request({ ':method': 'POST', ':path': '/p' }, { endStream: false });
  req.on('error', () => {});
  req.write('partial');
  await tick(50);
  c2.destroy();
  await tick(100);
  assert.ok(failed instanceof Error, 'the pending text() rejected');
  await close();
});

test('LazyResponse: a Response subclass whose string/bytes body is written without a stream, and behaves as a Response when read', async () => {
  const { LazyResponse } = await import('../../js/index.js');
  const shared = new Uint8Array([1, 2, 3]);
  const { c, close } = await start((req) => {
    const p = new URL(req.url).pathname;
    if (p === '/text') return new LazyResponse('hello', { status: 202, headers: { 'x-a': 'b' } });
    if (p === '/bytes') { const r = new LazyResponse(shared); shared[0] = 9; return r; } // copied at construction
    if (p === '/json') return LazyResponse.json({ ok: true });
    if (p === '/stream') return new LazyResponse(new ReadableStream({ start(ctl) { ctl.enqueue(new Uint8Array([7])); ctl.close(); } }));
    if (p === '/read-then-clone') { const r = new LazyResponse('twice'); return r.clone(); }
    if (p === '/empty') return new LazyResponse('');
    return new LazyResponse(null, { status: 404 });
  });
  const t = await request(c, { ':path': '/text' });
  assert.deepEqual([t.status, t.headers['x-a'], t.headers['content-type'], t.body.toString()], [202, 'b', 'text/plain;charset=UTF-8', 'hello']);
  assert.deepEqual([...(await request(c, { ':path': '/bytes' })).body], [1, 2, 3]);
  const j = await request(c, { ':path': '/json' });
  assert.deepEqual([j.headers['content-type'], JSON.parse(j.body)], ['application/json', { ok: true }]);
  assert.deepEqual([...(await request(c, { ':path': '/stream' })).body], [7]);
  assert.equal((await request(c, { ':path': '/read-then-clone' })).body.toString(), 'twice');
  assert.equal((await request(c, { ':path': '/empty' })).body.length, 0);
  assert.equal((await request(c, { ':path': '/none' })).status, 404);
  await close();

  // As a Response, outside serve(): instanceof, one read, streams on demand, clone, null-body statuses.
  const r = new LazyResponse('abc');
  assert.ok(r instanceof Response);
  assert.equal(r.bodyUsed, false);
  assert.equal(await r.clone().text(), 'abc');
  assert.equal(await r.text(), 'abc');
  assert.equal(r.bodyUsed, true);
  await assert.rejects(r.text(), TypeError);
  assert.throws(() => r.clone(), TypeError);
  const s = new LazyResponse(new Uint8Array([5, 6]));
  const chunks = [];
  for await (const x of s.body) chunks.push(...x);
  assert.deepEqual(chunks, [5, 6]);
  assert.equal(s.bodyUsed, true);
  assert.deepEqual(new Uint8Array(await new LazyResponse('hé').arrayBuffer()), new TextEncoder().encode('hé'));
  assert.throws(() => new LazyResponse('x', { status: 204 }), TypeError);
  assert.equal(new LazyResponse(null, { status: 204 }).status, 204);
});
