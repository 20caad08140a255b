// Headless Chromium (system /usr/bin/chromium, driven by playwright-core) loads a
// page over our TLS server (self-signed, ALPN h2): the navigation and all 50
// fetched resources must have gone over h2, with the right bodies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { createServer } from '../../js/index.js';
import { selfSigned } from '../../js/cli.js';

const require = createRequire(import.meta.url);
const CHROMIUM = '/usr/bin/chromium';
const N = 50;

const PAGE = `<!doctype html><title>h2wasm</title><h1>h2wasm browser test</h1><pre id="out"></pre>
<script>
window.result = Promise.all(Array.from({ length: ${N} }, (_, i) =>
  fetch('/r/' + i).then(async (r) => ({ i, ok: r.ok, body: await r.text() }))))
  .then((rs) => { document.getElementById('out').textContent = rs.length + ' fetched'; return rs; });
</script>`;
const bodyOf = (i) => `resource ${i} `.repeat(i + 1);

let playwright = null;
try { playwright = require('playwright-core'); } catch { /* skipped below */ }

test('headless Chromium: navigation and 50 fetches over h2 (TLS, ALPN)', {
  skip: !playwright ? 'playwright-core not installed (npm ci)' : !fs.existsSync(CHROMIUM) ? `${CHROMIUM} missing` : false,
}, async () => {
  const server = createServer(selfSigned(), (stream) => ({
    requestReceived(method, p) {
      const m = /^\/r\/(\d+)$/.exec(p);
      if (p === '/') {
        stream.writeHeaders(200, { 'content-type': 'text/html; charset=utf-8' });
        stream.write(PAGE);
      } else if (m) {
        stream.writeHeaders(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
        stream.write(bodyOf(Number(m[1])));
      } else {
        stream.writeHeaders(404, {});
      }
      stream.loseConnection();
    },
  }));
  const { port } = await server.listen(0, '127.0.0.1');
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'h2wasm-chromium-'));
  const ctx = await playwright.chromium.launchPersistentContext(userDir, {
    executablePath: CHROMIUM,
    headless: true,
    ignoreHTTPSErrors: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
  try {
    const page = ctx.pages()[0] ?? await ctx.newPage();
    await page.goto(`https://127.0.0.1:${port}/`);
    const results = await page.evaluate(() => window.result);
    assert.equal(results.length, N);
    for (const r of results) {
      assert.ok(r.ok, `fetch /r/${r.i}`);
      assert.equal(r.body, bodyOf(r.i));
    }
    const nav = await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol);
    assert.equal(nav, 'h2');
    const res = await page.evaluate(() => performance.getEntriesByType('resource')
      .filter((e) => new URL(e.name).pathname.startsWith('/r/')).map((e) => e.nextHopProtocol));
    assert.equal(res.length, N);
    assert.deepEqual([...new Set(res)], ['h2']);
    fs.mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: path.join('test-results', 'browser-h2.png') });
  } finally {
    await ctx.close();
    await server.close();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
});
