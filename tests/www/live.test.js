// Live mode against TraceHub, without the h2wasm server: a plain node:http
// server serves www/ and /_trace through a tiny H2Stream-shaped adapter, and
// the test pushes a connection's bytes through hub.tap() while the page
// watches. (server.test.js does the same through `h2wasm serve --trace`.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { TraceHub } from '../../js/trace.js';
import { RESULTS, WWW, ensureWasm, launchBrowser, rows, sampleExchange, headersOf } from './helpers.js';

let server;
let url;
let browser;
const hub = new TraceHub({ heartbeatMs: 0 });

before(async () => {
  ensureWasm();
  server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/_trace') {
      // The H2Stream surface TraceHub uses: writeHeaders, write, loseConnection.
      const stream = {
        writeHeaders: (status, pairs) => res.writeHead(status, Object.fromEntries(pairs)),
        write: (b) => res.write(b),
        loseConnection: () => res.end(),
      };
      const cb = hub.handle(stream);
      req.on('close', () => cb.connectionLost('closed'));
      return;
    }
    const file = join(WWW, path === '/' ? 'index.html' : path);
    if (!file.startsWith(WWW) || !existsSync(file)) { res.writeHead(404); res.end(); return; }
    const type = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' }[extname(file)];
    res.writeHead(200, { 'content-type': type ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${server.address().port}/`;
  browser = await launchBrowser();
});
after(async () => {
  hub.close();
  await browser?.close();
  server?.closeAllConnections?.();
  if (server) await new Promise((r) => server.close(r));
});

test('live: frames appear as the connection bytes flow, replay covers earlier ones', async () => {
  const { page, errors } = browser;
  const ex = sampleExchange();
  // One connection that began before the page subscribed (replayed from the ring)…
  const early = hub.tap({ remoteAddress: '127.0.0.1', remotePort: 50001, localAddress: '127.0.0.1', localPort: 80 });
  early.inbound(ex.c2s[0]);
  early.outbound(ex.s2c[0]);

  await page.goto(`${url}?live`);
  await page.waitForFunction(() => document.querySelectorAll('#frames tbody tr[data-i]').length === 4);
  // …continues while the page watches.
  early.inbound(ex.c2s[1]);
  early.outbound(ex.s2c[1]);
  await page.waitForFunction(() => [...document.querySelectorAll('#frames tbody tr[data-i]')].some((tr) => tr.dataset.type === 'DATA'));
  early.inbound(ex.c2s[2]);
  early.outbound(ex.s2c[2]);
  early.closed();
  await page.waitForFunction(() => document.querySelectorAll('#frames tbody tr[data-i]').length === 12);
  const r = await rows(page);
  assert.deepEqual(r.filter((x) => x.type === 'HEADERS').map((x) => `${x.dir.split(' ')[1]} ${x.stream}`), ['c2s 1', 's2c 1', 'c2s 3', 's2c 3']);
  const h = await headersOf(page, r.find((x) => x.type === 'HEADERS').i);
  assert.deepEqual(h.slice(0, 3), [[':method', 'GET'], [':scheme', 'http'], [':path', '/']]);
  // Labels name both ends; times count from this connection's first event.
  assert.match(await page.textContent('#conn'), /#\d+ 127\.0\.0\.1:50001 → 127\.0\.0\.1:80 \(closed\)/);
  assert.ok(Number(r[0].t) >= 0 && Number(r[0].t) <= Number(r[11].t));

  // A second connection shows up in the selector and is followed.
  const second = hub.tap({ remoteAddress: '127.0.0.1', remotePort: 50002 });
  second.inbound(ex.c2s[0]);
  await page.waitForFunction(() => document.querySelectorAll('#conn option').length === 2);
  await page.waitForFunction(() => document.querySelectorAll('#frames tbody tr[data-i]').length === 2);
  await page.screenshot({ path: join(RESULTS, 'inspector-live-hub.png'), fullPage: true });
  second.closed();
  assert.deepEqual(errors, []);
});
