// Real frameworks from npm, unmodified, on h2wasm/compat (Express 4 and 5,
// Koa, Fastify through serverFactory) and on the fetch-style serve() (Hono),
// each over HTTP/2 and HTTP/1.1: routing, JSON bodies, static files through
// serve-static/send (Range and 304), streaming responses, errors → 500, and a
// client reset mid-response.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { createServer as createCompatServer } from '../../js/compat.js';
import { serve } from '../../js/index.js';
import { VERSIONS, listen, fetchVia, resetAfterFirstBytes, staticDir } from './compat-helpers.js';

const require = createRequire(import.meta.url);
const files = staticDir();
after(() => files.remove());

/** A response body that trickles out: `n` chunks, one per `ms`; `onClose` when the response closes. */
function trickle(n, ms, onClose) {
  let i = 0;
  let timer = null;
  return new Readable({
    read() {
      if (i >= n) { this.push(null); return; }
      timer = setTimeout(() => { i++; this.push(`chunk ${i}\n`); }, ms);
    },
    destroy(err, cb) { clearTimeout(timer); onClose?.(); cb(err); },
  });
}

const expectedTrickle = (n) => Array.from({ length: n }, (_, k) => `chunk ${k + 1}\n`).join('');

/** The checks every framework must pass, over one version. `app` serves the shared routes. */
async function checkApp(t, v, port, { staticFiles = true, closed }) {
  const step = (s) => process.env.COMPAT_DEBUG && console.error(v, s);
  const hello = await fetchVia(v, port, '/hello/ada');
  assert.equal(hello.status, 200);
  assert.equal(hello.body.toString(), `hello ada over ${v === 'h2' ? '2.0' : '1.1'}`);

  step('json');
  const json = await fetchVia(v, port, '/json', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n: 41 }),
  });
  assert.equal(json.status, 200);
  assert.match(json.headers['content-type'], /application\/json/);
  assert.deepEqual(JSON.parse(json.body), { n: 42 });

  step('missing');
  const missing = await fetchVia(v, port, '/nope');
  assert.equal(missing.status, 404);

  step('boom');
  const boom = await fetchVia(v, port, '/boom');
  assert.equal(boom.status, 500);

  step('stream');
  const stream = await fetchVia(v, port, '/stream');
  assert.equal(stream.status, 200);
  assert.equal(stream.body.toString(), expectedTrickle(5));

  step('(staticFiles)');
  if (staticFiles) {
    const whole = await fetchVia(v, port, '/static/data.bin');
    assert.equal(whole.status, 200);
    assert.ok(whole.body.equals(files.big));
    assert.ok(whole.headers.etag && whole.headers['last-modified']);
    const range = await fetchVia(v, port, '/static/data.bin', { headers: { range: 'bytes=1000-1099' } });
    assert.equal(range.status, 206);
    assert.equal(range.headers['content-range'], `bytes 1000-1099/${files.big.length}`);
    assert.ok(range.body.equals(files.big.subarray(1000, 1100)));
    const fresh = await fetchVia(v, port, '/static/a.txt');
    assert.equal(fresh.body.toString(), 'static text\n');
    assert.match(fresh.headers['content-type'], /text\/plain/);
    const notModified = await fetchVia(v, port, '/static/a.txt', { headers: { 'if-none-match': fresh.headers.etag } });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.body.length, 0);
  }

  step('resetAfterFirstBytes');
  await resetAfterFirstBytes(v, port, '/forever');
  assert.equal(await closed.next(), 'closed', 'the app saw the response close');
  step('still');
  const still = await fetchVia(v, port, '/hello/again');
  assert.equal(still.status, 200);
}

/** A queue of 'closed' notes from /forever handlers. */
function closeQueue() {
  const items = [];
  const waiters = [];
  return {
    push(x) { const w = waiters.shift(); if (w) w(x); else items.push(x); },
    next() { return items.length ? Promise.resolve(items.shift()) : new Promise((r) => waiters.push(r)); },
  };
}

function expressApp(express, closed) {
  const app = express();
  app.set('env', 'test'); // finalhandler: no stack traces on stderr for the /boom route
  app.use(express.json());
  app.use('/static', express.static(files.dir)); // serve-static → send
  app.get('/hello/:who', (req, res) => res.send(`hello ${req.params.who} over ${req.httpVersion}`));
  app.post('/json', (req, res) => res.json({ n: req.body.n + 1 }));
  app.get('/boom', () => { throw new Error('boom'); });
  app.get('/stream', (req, res) => { res.type('text/plain'); trickle(5, 2).pipe(res); });
  app.get('/forever', (req, res) => {
    const body = trickle(1e6, 2);
    body.pipe(res);
    res.on('close', () => { body.destroy(); closed.push('closed'); }); // pipe() alone does not stop the source
  });
  return app;
}

for (const [name, mod] of [['Express 4', 'express4'], ['Express 5', 'express']]) {
  for (const v of VERSIONS) {
    test(`${name} over ${v}: routing, JSON, express.static (Range, 304), streaming, 500, reset`, async (t) => {
      const closed = closeQueue();
      const { port, close } = await listen(expressApp(require(mod), closed));
      try { await checkApp(t, v, port, { closed }); } finally { await close(); }
    });
  }
}

for (const v of VERSIONS) {
  test(`Koa over ${v}: routing, JSON, send (Range, 304), streaming, 500, reset`, async (t) => {
    const Koa = require('koa');
    const send = require('send');
    const closed = closeQueue();
    const app = new Koa();
    app.silent = true;
    app.use(async (ctx) => {
      const { path } = ctx;
      if (path.startsWith('/hello/')) ctx.body = `hello ${path.slice(7)} over ${ctx.req.httpVersion}`;
      else if (path === '/json' && ctx.method === 'POST') {
        let raw = '';
        for await (const c of ctx.req) raw += c;
        ctx.body = { n: JSON.parse(raw).n + 1 };
      } else if (path === '/boom') throw new Error('boom');
      else if (path === '/stream') { ctx.type = 'text/plain'; ctx.body = trickle(5, 2); }
      else if (path === '/forever') ctx.body = trickle(1e6, 2, () => closed.push('closed'));
      else if (path.startsWith('/static/')) {
        ctx.respond = false; // send writes the response itself (Range, ETag, 304)
        ctx.status = 200; // Koa starts every response at 404; send only changes it for 206/304/errors
        send(ctx.req, path.slice(7), { root: files.dir }).pipe(ctx.res);
      }
    });
    const { port, close } = await listen(app.callback());
    try { await checkApp(t, v, port, { closed }); } finally { await close(); }
  });

  test(`Fastify over ${v} (serverFactory): routing, JSON, send (Range, 304), streaming, 500, reset`, async (t) => {
    const Fastify = require('fastify');
    const send = require('send');
    const closed = closeQueue();
    const fastify = Fastify({
      serverFactory: (handler) => createCompatServer({ allowHTTP1: true }, handler),
    });
    fastify.get('/hello/:who', async (req) => `hello ${req.params.who} over ${req.raw.httpVersion}`);
    fastify.post('/json', async (req) => ({ n: req.body.n + 1 }));
    fastify.get('/boom', async () => { throw new Error('boom'); });
    fastify.get('/stream', (req, reply) => { reply.type('text/plain').send(trickle(5, 2)); });
    fastify.get('/forever', (req, reply) => { reply.send(trickle(1e6, 2, () => closed.push('closed'))); });
    fastify.get('/static/*', (req, reply) => {
      reply.hijack(); // send writes the raw response (Range, ETag, 304)
      send(req.raw, `/${req.params['*']}`, { root: files.dir }).pipe(reply.raw);
    });
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    const { port } = fastify.server.address();
    try { await checkApp(t, v, port, { closed }); } finally { await fastify.close(); }
  });

  test(`Hono on serve() over ${v}: routing, JSON, streaming, 500, reset`, async (t) => {
    const { Hono } = await import('hono');
    const { stream: honoStream } = await import('hono/streaming');
    const closed = closeQueue();
    const app = new Hono();
    app.get('/hello/:who', (c) => c.text(`hello ${c.req.param('who')} over ${c.env.stream.httpVersion}`));
    app.post('/json', async (c) => c.json({ n: (await c.req.json()).n + 1 }));
    app.get('/boom', () => { throw new Error('boom'); });
    app.get('/stream', (c) => {
      c.header('content-type', 'text/plain');
      return honoStream(c, async (s) => {
        for (let i = 1; i <= 5; i++) { await s.write(`chunk ${i}\n`); await s.sleep(2); }
      });
    });
    app.get('/forever', (c) => honoStream(c, async (s) => {
      s.onAbort(() => closed.push('closed'));
      while (!s.aborted) { await s.write('x'.repeat(1024)); await s.sleep(2); }
    }));
    app.onError((err, c) => c.text('internal error', 500));
    const server = serve({ allowHTTP1: true, onError: () => {} }, (req, env) => app.fetch(req, env));
    const { port } = await server.listen(0, '127.0.0.1');
    try { await checkApp(t, v, port, { staticFiles: false, closed }); } finally { await server.close(); }
  });
}
