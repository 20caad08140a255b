// h2wasm/compat (node:http2's compatibility API) and allowHTTP1: the same
// (req, res) semantics over HTTP/2 and HTTP/1.1, h2c Upgrade, TLS ALPN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer as createCompatServer, createSecureServer, staticFiles } from '../../js/compat.js';
import { createServer, serve } from '../../js/index.js';
import { selfSigned } from '../../js/cli.js';
import { VERSIONS, listen, listenServer, fetchVia, h1Request, resetAfterFirstBytes, once, staticDir } from './compat-helpers.js';

const hasCurl = (() => { try { execFileSync('curl', ['--version']); return true; } catch { return false; } })();

for (const v of VERSIONS) {
  test(`compat ${v}: req carries method, url, headers, rawHeaders, httpVersion and socket info`, async () => {
    let seen;
    const { port, close } = await listen((req, res) => {
      seen = {
        method: req.method, url: req.url, httpVersion: req.httpVersion, host: req.headers.host,
        custom: req.headers['x-custom'], raw: req.rawHeaders, addr: req.socket.remoteAddress,
        isMessage: req instanceof http.IncomingMessage, isResponse: res instanceof http.ServerResponse,
        authority: req.authority,
      };
      res.end('ok');
    });
    const r = await fetchVia(v, port, '/p?q=1', { method: 'DELETE', headers: { 'x-custom': 'abc' } });
    await close();
    assert.equal(r.status, 200);
    assert.equal(seen.method, 'DELETE');
    assert.equal(seen.url, '/p?q=1');
    assert.equal(seen.httpVersion, v === 'h2' ? '2.0' : '1.1');
    assert.equal(seen.host, `127.0.0.1:${port}`);
    assert.equal(seen.custom, 'abc');
    assert.ok(seen.raw.includes('x-custom'));
    assert.equal(seen.addr, '127.0.0.1');
    assert.ok(seen.isMessage && seen.isResponse);
    if (v === 'h2') assert.equal(seen.authority, `127.0.0.1:${port}`);
  });

  test(`compat ${v}: writeHead, setHeader/getHeader/removeHeader and statusCode shape the response`, async () => {
    const { port, close } = await listen((req, res) => {
      if (req.url === '/a') {
        res.setHeader('X-One', '1');
        res.setHeader('X-Gone', 'x');
        res.removeHeader('X-Gone');
        res.setHeader('Set-Cookie', ['a=1', 'b=2']);
        assert.equal(res.getHeader('x-one'), '1');
        res.statusCode = 201;
        res.end('created');
      } else {
        res.writeHead(418, { 'content-type': 'text/plain', connection: 'keep-alive' });
        res.end('teapot');
      }
    });
    const a = await fetchVia(v, port, '/a');
    const b = await fetchVia(v, port, '/b');
    await close();
    assert.equal(a.status, 201);
    assert.equal(a.headers['x-one'], '1');
    assert.equal(a.headers['x-gone'], undefined);
    assert.deepEqual(a.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(a.body.toString(), 'created');
    assert.equal(a.headers['content-length'], '7'); // end(chunk) with no headers set: length known
    assert.ok(a.headers.date);
    assert.equal(b.status, 418);
    assert.equal(b.body.toString(), 'teapot');
  });

  test(`compat ${v}: addTrailers sends trailers after the body`, async () => {
    const { port, close } = await listen((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
      res.write('body');
      res.addTrailers({ 'x-checksum': 'abc' });
      res.end();
    });
    const r = await fetchVia(v, port, '/', v === 'h1' ? { headers: { te: 'trailers' } } : {});
    await close();
    assert.equal(r.body.toString(), 'body');
    assert.equal(r.trailers['x-checksum'], 'abc');
  });

  test(`compat ${v}: a big response honours write() backpressure and 'drain', then 'finish' and 'close'`, async () => {
    const chunk = Buffer.alloc(64 * 1024, 7);
    const total = 64; // 4 MiB: more than the stream window and socket buffers
    const events = [];
    let sawFalse = false;
    const { port, close } = await listen((req, res) => {
      let n = 0;
      const pump = () => {
        while (n < total) {
          n++;
          if (!res.write(chunk)) { sawFalse = true; res.once('drain', () => { events.push('drain'); pump(); }); return; }
        }
        res.end();
      };
      res.on('finish', () => events.push('finish'));
      res.on('close', () => events.push('close'));
      pump();
    });
    const r = await fetchVia(v, port, '/');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await close();
    assert.equal(r.body.length, chunk.length * total);
    assert.ok(sawFalse, 'write() returned false at least once');
    assert.ok(events.includes('drain'));
    assert.deepEqual(events.filter((e) => e !== 'drain'), ['finish', 'close']);
  });

  test(`compat ${v}: the request body is readable with backpressure (paused reader gets every byte)`, async () => {
    const body = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4096) body[i] = i & 0xff;
    const { port, close } = await listen((req, res) => {
      const h = createHash('sha256');
      let n = 0;
      req.on('data', (c) => {
        h.update(c); n += c.length;
        req.pause(); // a slow consumer: the sender must wait, nothing is lost
        setTimeout(() => req.resume(), 1);
      });
      req.on('end', () => res.end(`${n} ${h.digest('hex')} ${req.complete}`));
    });
    const r = await fetchVia(v, port, '/up', { method: 'POST', body });
    await close();
    assert.equal(r.body.toString(), `${body.length} ${createHash('sha256').update(body).digest('hex')} true`);
  });

  test(`compat ${v}: a client reset mid-response closes req/res and the server keeps serving`, async () => {
    let closed;
    const closedP = new Promise((r) => { closed = r; });
    const { port, close } = await listen((req, res) => {
      if (req.url === '/ok') { res.end('still here'); return; }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const timer = setInterval(() => res.write(Buffer.alloc(1024)), 2);
      res.on('close', () => { clearInterval(timer); closed({ finished: res.writableFinished }); });
    });
    await resetAfterFirstBytes(v, port, '/stream');
    const c = await closedP;
    assert.equal(c.finished, false);
    const r = await fetchVia(v, port, '/ok');
    await close();
    assert.equal(r.body.toString(), 'still here');
  });
}

test('compat: HEAD and 304 responses carry no body', async () => {
  const { port, close } = await listen((req, res) => {
    if (req.url === '/304') { res.statusCode = 304; res.end(); return; }
    res.setHeader('content-type', 'text/plain');
    res.end('body that HEAD must not send');
  });
  for (const v of VERSIONS) {
    const head = await fetchVia(v, port, '/', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    const nm = await fetchVia(v, port, '/304');
    assert.equal(nm.status, 304);
    assert.equal(nm.body.length, 0);
  }
  await close();
});

test('compat: allowHTTP1 is off by default (as node:http2): an HTTP/1.1 request gets no HTTP/1.1 answer', async () => {
  const { port, close } = await listenServer(createCompatServer((req, res) => res.end('h2 only')));
  await assert.rejects(h1Request(port, '/'));
  const r = await fetchVia('h2', port, '/');
  assert.equal(r.body.toString(), 'h2 only');
  await close();
});

test('compat: createSecureServer with allowHTTP1 answers ALPN h2 and http/1.1 clients', async () => {
  const { cert, key } = selfSigned();
  const server = createSecureServer({ cert, key, allowHTTP1: true }, (req, res) => {
    res.end(`v${req.httpVersion} ${req.socket.encrypted ? 'tls' : 'clear'}`);
  });
  const { port, close } = await listenServer(server);
  const h2 = await new Promise((resolve, reject) => {
    const client = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    client.on('error', reject);
    const req = client.request({ ':path': '/' });
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { client.close(); resolve(body); });
  });
  const h1 = await new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  await close();
  assert.equal(h2, 'v2.0 tls');
  assert.equal(h1, 'v1.1 tls');
});

test('stream-style createServer with allowHTTP1: one requestFactory serves both versions and sees httpVersion', async () => {
  const s = createServer({ allowHTTP1: true }, (stream) => {
    let body = '';
    return {
      dataReceived(c) { body += Buffer.from(c).toString(); },
      requestReceived(method, path) {
        stream.writeHeaders(200, { 'content-type': 'text/plain' });
        stream.write(`${method} ${path} ${stream.httpVersion} ${stream.headers['x-a']} ${body}`);
        stream.loseConnection();
      },
    };
  });
  const { port } = await s.listen(0, '127.0.0.1');
  const a = await fetchVia('h2', port, '/x', { method: 'POST', headers: { 'x-a': '1' }, body: 'b2' });
  const b = await fetchVia('h1', port, '/y', { method: 'POST', headers: { 'x-a': '2' }, body: 'b1' });
  await s.close();
  assert.equal(a.body.toString(), 'POST /x 2.0 1 b2');
  assert.equal(b.body.toString(), 'POST /y 1.1 2 b1');
});

test('fetch-style serve() with allowHTTP1 answers HTTP/1.1 and HTTP/2 the same way', async () => {
  const s = serve({ allowHTTP1: true }, async (req, { stream }) => Response.json({
    method: req.method, path: new URL(req.url).pathname, version: stream.httpVersion, body: req.body ? await req.text() : null,
  }));
  const { port } = await s.listen(0, '127.0.0.1');
  for (const v of VERSIONS) {
    const r = await fetchVia(v, port, '/j', { method: 'PUT', body: 'data' });
    assert.deepEqual(JSON.parse(r.body), { method: 'PUT', path: '/j', version: v === 'h2' ? '2.0' : '1.1', body: 'data' });
  }
  await s.close();
});

test('h2c Upgrade (curl --http2): the request becomes stream 1 over HTTP/2, a request with a body stays HTTP/1.1', { skip: !hasCurl && 'curl not installed' }, async () => {
  const { port, close } = await listen((req, res) => res.end(`v${req.httpVersion} ${req.method} ${req.url}`));
  const curl = (...args) => new Promise((resolve, reject) => {
    import('node:child_process').then(({ execFile }) => execFile('curl', ['-sS', '--max-time', '10', ...args], (e, out) => (e ? reject(e) : resolve(out))));
  });
  const out = await curl('--http2', '-w', ' %{http_version}', `http://127.0.0.1:${port}/up?x=1`);
  assert.equal(out, 'v2.0 GET /up?x=1 2');
  const post = await curl('--http2', '-d', 'abc', '-w', ' %{http_version}', `http://127.0.0.1:${port}/p`);
  assert.equal(post, 'v1.1 POST /p 1.1');
  const again = await curl('--http2', `http://127.0.0.1:${port}/a`, `http://127.0.0.1:${port}/b`);
  assert.equal(again, 'v2.0 GET /av2.0 GET /b');
  await close();
});

test('h2c Upgrade: HTTP2-Settings are applied (a 1-byte initial window still delivers the whole body)', async () => {
  const { port, close } = await listen((req, res) => res.end('x'.repeat(1000)));
  const net = await import('node:net');
  // SETTINGS_INITIAL_WINDOW_SIZE (0x4) = 1
  const settings = Buffer.from([0, 4, 0, 0, 0, 1]).toString('base64url');
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  sock.write(`GET /s HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: ${settings}\r\n\r\n`);
  let buf = Buffer.alloc(0);
  sock.on('data', (c) => { buf = Buffer.concat([buf, c]); });
  await new Promise((r) => setTimeout(r, 100));
  assert.match(buf.toString('latin1'), /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  // No DATA may exceed the 1-byte window: frames after the 101 carry no DATA payload > 1.
  const frames = [];
  let at = buf.indexOf('\r\n\r\n') + 4;
  while (at + 9 <= buf.length) {
    const len = buf.readUIntBE(at, 3), type = buf[at + 3];
    frames.push({ len, type });
    at += 9 + len;
  }
  assert.equal(frames[0].type, 4); // our SETTINGS first
  assert.ok(!frames.some((f) => f.type === 0 && f.len > 1), JSON.stringify(frames));
  sock.destroy();
  await close();
});

test('staticFiles (for the CLI): index.html, MIME types, 304, Range and safe paths over both versions', async () => {
  const files = staticDir();
  const s = createServer({ allowHTTP1: true }, staticFiles(files.dir));
  const { port } = await s.listen(0, '127.0.0.1');
  try {
    for (const v of VERSIONS) {
      const index = await fetchVia(v, port, '/');
      assert.equal(index.status, 200);
      assert.equal(index.body.toString(), '<h1>index</h1>\n');
      assert.match(index.headers['content-type'], /text\/html/);
      const txt = await fetchVia(v, port, '/a.txt');
      assert.match(txt.headers['content-type'], /text\/plain/);
      const cached = await fetchVia(v, port, '/a.txt', { headers: { 'if-modified-since': txt.headers['last-modified'] } });
      assert.equal(cached.status, 304);
      const part = await fetchVia(v, port, '/data.bin', { headers: { range: 'bytes=-10' } });
      assert.equal(part.status, 206);
      assert.ok(part.body.equals(files.big.subarray(files.big.length - 10)));
      const escape = await fetchVia(v, port, '/../../etc/passwd');
      assert.ok(escape.status === 403 || escape.status === 404, String(escape.status));
      const encoded = await fetchVia(v, port, '/%2e%2e/%2e%2e/etc/passwd');
      assert.ok(encoded.status === 403 || encoded.status === 404, String(encoded.status));
      assert.equal((await fetchVia(v, port, '/missing')).status, 404);
    }
  } finally {
    await s.close();
    files.remove();
  }
});

test('allowHTTP1: a client that never finishes its HTTP/1.1 headers gets 408 and is closed (Node\'s headersTimeout)', async () => {
  const { port, close } = await listen((req, res) => res.end('never'), {
    http1Options: { headersTimeout: 300, requestTimeout: 400, connectionsCheckingInterval: 100 },
  });
  const net = await import('node:net');
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  sock.write('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  let got = '';
  sock.on('data', (c) => { got += c; });
  const ended = await Promise.race([once(sock, 'close').then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 10_000))]);
  sock.destroy();
  await close();
  assert.equal(ended, 'closed');
  assert.match(got, /^HTTP\/1\.1 408/);
});

test('compat: res.destroy(err) resets only that stream; the connection serves the next request', async () => {
  const { port, close } = await listen((req, res) => {
    if (req.url === '/bad') { res.write('partial'); res.destroy(new Error('app gave up')); return; }
    res.end('fine');
  });
  const client = http2.connect(`http://127.0.0.1:${port}`);
  const bad = await new Promise((resolve) => {
    const req = client.request({ ':path': '/bad' });
    req.on('error', (e) => resolve(e.code));
    req.on('close', () => resolve(req.rstCode));
    req.resume();
  });
  const ok = await new Promise((resolve, reject) => {
    const req = client.request({ ':path': '/ok' });
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
  client.close();
  await close();
  assert.ok(bad === 'ERR_HTTP2_STREAM_ERROR' || bad === http2.constants.NGHTTP2_INTERNAL_ERROR, String(bad));
  assert.equal(ok, 'fine');
});

test('stream-style createServer over TLS with allowHTTP1: ALPN http/1.1 reaches the same requestFactory', async () => {
  const s = createServer({ ...selfSigned(), allowHTTP1: true }, (stream) => ({
    requestReceived() {
      stream.writeHeaders(200, { 'content-type': 'text/plain' });
      stream.write(`${stream.httpVersion} ${stream.isSecure()} ${stream.scheme}`);
      stream.loseConnection();
    },
  }));
  const { port } = await s.listen(0, '127.0.0.1');
  const h1 = await new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  await s.close();
  assert.equal(h1, '1.1 true https');
});

test('allowHTTP1: a cleartext socket that sends nothing is closed after prefaceTimeoutMs', async () => {
  const { port, close } = await listen((req, res) => res.end(), { limits: { prefaceTimeoutMs: 200 } });
  const net = await import('node:net');
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  sock.write('PR'); // could still become the HTTP/2 preface or a PROPFIND
  sock.on('error', () => {});
  const ended = await Promise.race([once(sock, 'close').then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 10_000))]);
  sock.destroy();
  await close();
  assert.equal(ended, 'closed');
});
