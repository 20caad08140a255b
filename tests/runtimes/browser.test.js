// Headless Chromium runs the packed package in a page (examples/browser.html): the page is
// served over HTTP/2+TLS by the package's own CLI, loads h2wasm through an import map, and
// runs the engine over in-memory stream pairs driven by a tiny hand-written client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { packedApp, startChild, stop } from './helpers.js';

const require = createRequire(import.meta.url);
const CHROMIUM = '/usr/bin/chromium';
let playwright = null;
try { playwright = require('playwright-core'); } catch { /* failed below */ }

test('chromium: the example page runs the engine (loud failure before init, GET, 60 KB echo)', async () => {
  assert.ok(playwright, 'playwright-core not installed (npm ci)');
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} missing`);
  const app = packedApp();
  const cli = path.join(app, 'node_modules', 'h2wasm', 'js', 'cli.js');
  const { child, match } = await startChild('node', [cli, 'serve', '--root', app, '--port', '0', '--tls-self-signed', '--tls-port', '0'],
    { cwd: app, ready: /h2 \(TLS\) on https:\/\/127\.0\.0\.1:(\d+)\// });
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'h2wasm-chromium-'));
  let ctx = null;
  try {
    ctx = await playwright.chromium.launchPersistentContext(userDir, {
      executablePath: CHROMIUM,
      headless: true,
      ignoreHTTPSErrors: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage', '--no-first-run'],
    });
    const page = ctx.pages()[0] ?? await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e));
    await page.goto(`https://127.0.0.1:${match[1]}/examples/browser.html`);
    const r = await page.evaluate(() => window.result);
    assert.deepEqual(errors, []);
    assert.equal(r.beforeInit, 'ERR_H2WASM_NOT_READY');
    assert.deepEqual(r.get, { status: 200, body: 'hello from h2wasm in Chromium\n' });
    assert.deepEqual(r.echo, { status: 200, length: 60000, same: true });
    const nav = await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol);
    assert.equal(nav, 'h2'); // and the page itself came over HTTP/2 from the packed CLI
  } finally {
    await ctx?.close();
    await stop(child);
    fs.rmSync(userDir, { recursive: true, force: true });
  }
});
