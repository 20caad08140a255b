// Headless Chromium runs the packed package in a page (examples/browser.html): the page is
// served over HTTP/2+TLS by the package's own CLI, loads h2wasm through an import map, and
// runs the engine over in-memory stream pairs driven by a tiny hand-written client. The page
// then opens a real WebTransport session (HTTP/3 over QUIC) to examples/deno-webtransport.js,
// and h2wasm's client role in the page speaks HTTP/2 to h2wasm's server over one bidirectional
// stream: h2wasm at both ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { packedApp, startChild, stop, bin } from './helpers.js';

const require = createRequire(import.meta.url);
const CHROMIUM = '/usr/bin/chromium';
let playwright = null;
try { playwright = require('playwright-core'); } catch { /* failed below */ }

test('chromium: the example page runs the engine (loud failure before init, GET, 60 KB echo), and h2wasm\'s client over WebTransport to h2wasm\'s server in Deno (GET, 300 KB echo)', async () => {
  assert.ok(playwright, 'playwright-core not installed (npm ci)');
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} missing`);
  const app = packedApp();
  const cli = path.join(app, 'node_modules', 'h2wasm', 'js', 'cli.js');
  const { child, match } = await startChild('node', [cli, 'serve', '--root', app, '--port', '0', '--tls-self-signed', '--tls-port', '0'],
    { cwd: app, ready: /h2 \(TLS\) on https:\/\/127\.0\.0\.1:(\d+)\// });
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'h2wasm-chromium-'));
  // WebTransport's serverCertificateHashes takes an ECDSA certificate valid for at most 14 days.
  const certDir = fs.mkdtempSync(path.join(app, 'wt-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '10', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { cwd: certDir, stdio: 'ignore' });
  const der = execFileSync('openssl', ['x509', '-in', 'cert.pem', '-outform', 'der'], { cwd: certDir });
  const certHash = (await import('node:crypto')).createHash('sha256').update(der).digest('hex');
  const wtServer = await startChild(bin('deno'), ['run', '--unstable-net', '--allow-net', `--allow-read=${certDir}`,
    'examples/deno-webtransport.js', '0', path.join(certDir, 'cert.pem'), path.join(certDir, 'key.pem')],
  { cwd: app, ready: /over WebTransport on https:\/\/127\.0\.0\.1:(\d+)\//, env: { NO_COLOR: '1' } });
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
    await page.goto(`https://127.0.0.1:${match[1]}/examples/browser.html?wt=${wtServer.match[1]}&hash=${certHash}`);
    const r = await page.evaluate(() => window.result);
    assert.deepEqual(errors, []);
    assert.equal(r.beforeInit, 'ERR_H2WASM_NOT_READY');
    assert.deepEqual(r.get, { status: 200, body: 'hello from h2wasm in Chromium\n' });
    assert.deepEqual(r.echo, { status: 200, length: 60000, same: true });
    assert.ok(r.webTransport, wtServer.output());
    assert.equal(r.webTransport.get.status, 200);
    assert.match(r.webTransport.get.body, /^hello from h2wasm over WebTransport in Deno \d+\.\d+/);
    const { status, length, same } = r.webTransport.echo; // same: the SHA-256 of what was sent and what came back
    assert.deepEqual({ status, length, same }, { status: 200, length: 300_000, same: true });
    const nav = await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol);
    assert.equal(nav, 'h2'); // and the page itself came over HTTP/2 from the packed CLI
  } finally {
    await ctx?.close();
    await stop(child);
    await stop(wtServer.child);
    fs.rmSync(userDir, { recursive: true, force: true });
    fs.rmSync(certDir, { recursive: true, force: true });
  }
});
