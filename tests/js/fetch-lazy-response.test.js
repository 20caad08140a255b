// LazyResponse keeps status, header fields and a string/bytes body without building
// undici's Response, and serve() writes those straight to the stream. These tests hold it
// to what the global Response does: same answers for the same init, same errors, the
// same body rules, and every byte reaching the client whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { connect, request } from './helpers.js';
import { serve, LazyResponse } from '../../js/index.js';

async function start(handler) {
  const s = serve({}, handler);
  const { port } = await s.listen(0);
  const c = connect(`http://127.0.0.1:${port}`);
  c.on('error', () => {});
  return { c, close: async () => { c.close(); await s.close(); } };
}

/** What a Response shows to code that inspects it. */
async function view(r) {
  return {
    status: r.status, ok: r.ok, statusText: r.statusText, type: r.type, url: r.url, redirected: r.redirected,
    headers: [...r.headers], bodyNull: r.body === null, text: await r.text(), used: r.bodyUsed,
  };
}

test('LazyResponse answers like Response for the same body and init', async () => {
  const cookies = new Headers([['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['X-Up', 'v']]);
  const cases = [
    [],
    ['hello'],
    ['hé', { status: 201, statusText: 'Made', headers: { 'X-A': '  padded\t', 'x-b': '\r\n edges \n', 'content-type': 'text/x' } }],
    [new Uint8Array([104, 105]), { headers: [['x-r', '1'], ['x-r', '2']] }],
    [new Uint16Array([0x6968]).buffer],
    [new DataView(new Uint8Array([111, 107]).buffer)],
    [null, { status: 404 }],
    [null, { status: 204 }],
    ['', { headers: cookies }],
    ['x', { status: '299.9' }],
  ];
  for (const args of cases) {
    assert.deepEqual(await view(new LazyResponse(...args)), await view(new Response(...args)), `new LazyResponse(${inspect(args)})`);
  }
  assert.deepEqual(await view(LazyResponse.json({ a: [1] }, { status: 202 })), await view(Response.json({ a: [1] }, { status: 202 })));
  assert.deepEqual(await view(LazyResponse.json(1, { headers: { 'Content-Type': 'application/x+json' } })),
    await view(Response.json(1, { headers: { 'Content-Type': 'application/x+json' } })));
});

test('LazyResponse rejects what Response rejects, with the same error types', () => {
  const bad = [
    ['x', { status: 199 }], ['x', { status: 600 }], ['x', { status: 'abc' }],
    ['x', { statusText: 'a\nb' }], ['x', { headers: { 'bad name': '1' } }], ['x', { headers: { a: 'x\ny' } }],
    ['x', { headers: { a: 'ā' } }], ['x', { headers: [['only-name']] }], ['x', { headers: 'a: b' }],
    ['x', { status: 204 }], ['x', { status: 304 }],
  ];
  for (const args of bad) {
    let want;
    try { new Response(...args); } catch (e) { want = e.constructor; }
    assert.ok(want, `Response accepts ${inspect(args)}`);
    assert.throws(() => new LazyResponse(...args), want, `new LazyResponse(${inspect(args)})`);
  }
  assert.throws(() => LazyResponse.json(undefined), TypeError);
  assert.throws(() => LazyResponse.json(1, { status: 204 }), TypeError);
});

test('LazyResponse is a Response to code that inspects it: instanceof, a snapshot of init, bodies, clones, statics', async () => {
  const init = { headers: { 'x-a': '1' } };
  const r = new LazyResponse('abc', init);
  init.headers['x-b'] = '2'; // the init was read at construction, as Response does
  assert.ok(r instanceof Response);
  assert.ok(r instanceof LazyResponse);
  assert.equal(Object.prototype.toString.call(r), '[object Response]');
  assert.equal(r.headers.get('x-b'), null);
  r.headers.set('x-c', '3');
  const copy = r.clone();
  r.headers.set('x-d', '4'); // a clone has its own headers
  assert.deepEqual([copy.headers.get('x-c'), copy.headers.get('x-d')], ['3', null]);
  assert.match(inspect(r), /status: 200/);

  // After text() the body is a stream that has been read; a second read and a clone fail.
  assert.equal(await r.text(), 'abc');
  assert.ok(r.body instanceof ReadableStream);
  assert.equal(r.bodyUsed, true);
  await assert.rejects(r.arrayBuffer(), TypeError);
  await assert.rejects(r.blob(), TypeError);
  assert.throws(() => r.clone(), TypeError);
  assert.equal(await copy.text(), 'abc');

  // A body read as a stream, then cloned: both get every byte.
  const s = new LazyResponse(new Uint8Array([1, 2, 3]));
  const reader = s.body.getReader();
  assert.equal(s.body.locked, true);
  reader.releaseLock();
  const t = s.clone();
  assert.deepEqual([...new Uint8Array(await s.arrayBuffer())], [1, 2, 3]);
  assert.deepEqual([...(await t.bytes())], [1, 2, 3]);

  // Other body kinds and the remaining members go to a plain Response.
  const form = new LazyResponse(new URLSearchParams({ q: 'a b' }));
  assert.equal(form.headers.get('content-type'), 'application/x-www-form-urlencoded;charset=UTF-8');
  assert.equal((await form.formData()).get('q'), 'a b');
  assert.equal(await (await new LazyResponse('blob!').blob()).text(), 'blob!');
  assert.equal(await new LazyResponse(null).text(), '');
  await assert.rejects(new LazyResponse(null).json(), SyntaxError);
  const redirect = LazyResponse.redirect('https://example.com/', 307);
  assert.deepEqual([redirect instanceof Response, redirect.status, redirect.headers.get('location')], [true, 307, 'https://example.com/']);
  assert.equal(LazyResponse.error().type, 'error');
});

test('serve() sends what the LazyResponse holds when it is returned: later header changes, streamed or read bodies, HEAD', async () => {
  const { c, close } = await start(async (req) => {
    const p = new URL(req.url).pathname;
    if (p === '/headers') {
      const r = new LazyResponse('h', { headers: { 'x-a': '1' } });
      r.headers.set('x-b', '2'); // a middleware adding a header
      r.headers.append('set-cookie', 'a=1');
      r.headers.append('set-cookie', 'b=2');
      return r;
    }
    if (p === '/body-read') { const r = new LazyResponse('streamed'); void r.body; return r; }
    if (p === '/text-read') { const r = new LazyResponse('gone', { status: 201 }); await r.text(); return r; }
    if (p === '/form') return new LazyResponse(new URLSearchParams({ a: '1' }));
    return new LazyResponse('head body', { headers: { 'x-h': 'y' } });
  });
  const h = await request(c, { ':path': '/headers' });
  assert.deepEqual([h.headers['x-a'], h.headers['x-b'], h.headers['set-cookie'], h.body.toString()], ['1', '2', ['a=1', 'b=2'], 'h']);
  assert.equal((await request(c, { ':path': '/body-read' })).body.toString(), 'streamed');
  const used = await request(c, { ':path': '/text-read' });
  assert.deepEqual([used.status, used.body.length], [201, 0]);
  const f = await request(c, { ':path': '/form' });
  assert.deepEqual([f.headers['content-type'], f.body.toString()], ['application/x-www-form-urlencoded;charset=UTF-8', 'a=1']);
  const head = await request(c, { ':method': 'HEAD', ':path': '/' });
  assert.deepEqual([head.status, head.headers['x-h'], head.body.length], [200, 'y', 0]);
  await close();
});

test('many small LazyResponse bodies in flight at once each arrive as their own bytes', async () => {
  // Small bodies share one copy buffer; sizes around its per-copy limit and multi-byte text included.
  const bodyFor = (i) => (i % 3 === 0 ? 'é'.repeat(i % 400) + i : 'x'.repeat((i * 37) % 1100) + i);
  const { c, close } = await start((req) => {
    const i = Number(new URL(req.url).searchParams.get('i'));
    const text = bodyFor(i);
    return i % 2 ? new LazyResponse(new TextEncoder().encode(text)) : new LazyResponse(text);
  });
  const N = 300;
  const got = await Promise.all(Array.from({ length: N }, (_, i) => request(c, { ':path': `/?i=${i}` })));
  for (let i = 0; i < N; i++) assert.equal(got[i].body.toString(), bodyFor(i), `response ${i}`);
  await close();
});

test('a handler\'s own new Response(...) is a real Response when inspected and is sent as it stands', async () => {
  let seen;
  const { c, close } = await start(async () => {
    const r = new Response('real', { status: 203, headers: { 'x-r': '1' } });
    const copy = r.clone();
    seen = {
      isResponse: r instanceof Response, isLazy: r instanceof LazyResponse, proto: Object.getPrototypeOf(r) === Response.prototype,
      header: r.headers.get('x-r'), text: await copy.text(),
    };
    return r;
  });
  const res = await request(c, { ':path': '/' });
  assert.deepEqual(seen, { isResponse: true, isLazy: false, proto: true, header: '1', text: 'real' });
  assert.deepEqual([res.status, res.headers['x-r'], res.body.toString()], [203, '1', 'real']);
  await close();
});

test('request.url follows each request\'s :scheme, :authority and :path, also when they change between requests', async () => {
  const { c, close } = await start((req) => new LazyResponse(`${req.method} ${req.url}`));
  const asks = [
    [{ ':path': '/a?x=1', ':authority': 'one.example:8443' }, 'GET http://one.example:8443/a?x=1'],
    [{ ':path': '/b', ':authority': 'one.example:8443' }, 'GET http://one.example:8443/b'],
    [{ ':path': '/c', ':authority': 'two.example' }, 'GET http://two.example/c'],
    [{ ':method': 'DELETE', ':path': '/d', ':authority': 'one.example:8443' }, 'DELETE http://one.example:8443/d'],
    [{ ':method': 'PROPFIND', ':path': '/e', ':authority': 'one.example:8444' }, 'PROPFIND http://one.example:8444/e'],
  ];
  for (const [headers, want] of asks) assert.equal((await request(c, headers)).body.toString(), want);
  await close();
});

test('a synchronous handler is answered at once: its throw is a 500, its Response or value is sent, the connection keeps serving', async () => {
  const errors = [];
  const s = serve({ onError: (e) => errors.push(e.message) }, (req) => {
    const p = new URL(req.url).pathname;
    if (p === '/throw') throw new Error('sync boom');
    if (p === '/value') return 'plain value';
    if (p === '/post') return new Response(`${req.method} unread`);
    return new LazyResponse('sync lazy');
  });
  const { port } = await s.listen(0);
  const c = connect(`http://127.0.0.1:${port}`);
  c.on('error', () => {});
  try {
    assert.equal((await request(c, { ':path': '/throw' })).status, 500);
    assert.equal((await request(c, { ':path': '/value' })).body.toString(), 'plain value');
    const post = await request(c, { ':method': 'POST', ':path': '/post' }, 'a body nobody reads');
    assert.deepEqual([post.status, post.body.toString()], [200, 'POST unread']);
    assert.equal((await request(c, { ':path': '/lazy' })).body.toString(), 'sync lazy');
    assert.deepEqual(errors, ['sync boom']);
  } finally {
    c.close();
    await s.close();
  }
});
