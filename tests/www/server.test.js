// End to end: a real server on 127.0.0.1, a curl --http2-prior-knowledge
// request captured with tcpdump on lo, the pcap opened in the page; and the
// live view of `h2wasm serve --trace` showing a curl request's frames.
//
// The server is `node js/cli.js serve` (h2wasm). Until the CLI exists in the
// tree, (a) uses Node's own node:http2 h2c server as the thing captured, so
// the capture → page path is still exercised on real curl traffic (Huffman
// headers, real TCP), and (b) is skipped.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, RESULTS, ensureWasm, headersOf, launchBrowser, openFiles, rows, staticServer } from './helpers.js';

const CLI = join(ROOT, 'js', 'cli.js');
const haveCli = existsSync(CLI);
const haveTcpdump = spawnSync('tcpdump', ['--version']).status === 0;
const haveCurl = spawnSync('curl', ['--version']).status === 0;

let browser;
let tmp;
const children = [];

before(async () => {
  ensureWasm();
  tmp = mkdtempSync(join(tmpdir(), 'h2wasm-www-'));
  browser = await launchBrowser();
});
after(async () => {
  for (const c of children) if (c.exitCode == null && c.signalCode == null) c.kill('SIGTERM');
  await browser?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Wait until `pattern` shows up in a child's output; returns the match. */
function waitFor(child, pattern, what) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const on = (d) => {
      buf += d;
      const m = buf.match(pattern);
      if (m) { child.stdout?.off('data', on); child.stderr?.off('data', on); resolve(m); }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.on('exit', (code) => reject(new Error(`${what} exited (${code}) before ready: ${buf}`)));
  });
}

/**
 * Start the h2wasm CLI on 127.0.0.1, ephemeral ports; returns {port, url, tlsUrl, stop}.
 * `tls`: also serve h2 over TLS (self-signed) — browsers speak HTTP/2 only over TLS.
 */
async function startCli(extra = [], { tls = false } = {}) {
  const args = [CLI, 'serve', '--host', '127.0.0.1', '--port', '0', ...(tls ? ['--tls-self-signed', '--tls-port', '0'] : []), ...extra];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const m = await waitFor(child, tls ? /http:\/\/127\.0\.0\.1:(\d+)\/[\s\S]*https:\/\/127\.0\.0\.1:(\d+)\// : /http:\/\/127\.0\.0\.1:(\d+)\//, 'h2wasm serve');
  const port = Number(m[1]);
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    tlsUrl: tls ? `https://127.0.0.1:${Number(m[2])}/` : null,
    stop: () => child.kill('SIGTERM'),
  };
}

/** Stand-in until the CLI lands: Node's h2c server. */
async function startNodeH2() {
  const http2 = await import('node:http2');
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-path': headers[':path'] });
    stream.end(`hello ${headers[':path']}\n`);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return { port, url: `http://127.0.0.1:${port}/`, stop: () => server.close() };
}

function curl(url, extra = []) {
  return new Promise((resolve, reject) => {
    const c = spawn('curl', ['-sS', '--http2-prior-knowledge', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', ...extra, url]);
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => { out += d; });
    c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`curl ${code}: ${out}`))));
  });
}

test('(a) tcpdump of a curl request, opened in the page', { skip: !haveTcpdump || !haveCurl ? 'tcpdump or curl missing (see /tmp/apt.log)' : false }, async (t) => {
  const srv = haveCli ? await startCli() : await startNodeH2();
  if (!haveCli) t.diagnostic('js/cli.js not present yet: capturing node:http2 instead of h2wasm');
  const pcapFile = join(tmp, 'curl.pcap');
  const dump = spawn('tcpdump', ['-i', 'lo', '-Z', 'root', '--immediate-mode', '-U', '-n', '-s', '0', '-w', pcapFile, `tcp port ${srv.port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(dump);
  await waitFor(dump, /listening on/, 'tcpdump');
  const res = await curl(`${srv.url}${haveCli ? 'index.html' : 'hello'}?x=1`, ['-H', 'x-test: inspector']);
  assert.equal(res, '2 200');
  // Let tcpdump see the FINs (immediate mode: no kernel buffering), then stop it (our own child).
  await new Promise((r) => setTimeout(r, 200));
  const exited = new Promise((r) => dump.on('exit', r));
  dump.kill('SIGINT');
  await exited;
  srv.stop();
  if (process.env.H2WASM_KEEP_PCAP) spawnSync('cp', [pcapFile, process.env.H2WASM_KEEP_PCAP]);

  const pages = await staticServer();
  try {
    const { page, errors } = browser;
    await openFiles(page, pages.url, [{ name: 'curl.pcap', buffer: readFileSync(pcapFile) }]);
    const r = await rows(page);
    const types = r.map((x) => `${x.dir.split(' ')[1]} ${x.type}`);
    assert.ok(types.includes('c2s PREFACE'), types.join());
    assert.ok(types.includes('c2s SETTINGS') && types.includes('s2c SETTINGS'), types.join());
    const req = r.find((x) => x.type === 'HEADERS' && x.dir.includes('c2s'));
    assert.ok(req, 'request HEADERS');
    assert.equal(req.stream, '1');
    assert.ok(r.some((x) => x.type === 'DATA' && x.dir.includes('s2c') && x.stream === '1'), types.join());
    const h = Object.fromEntries(await headersOf(page, req.i));
    assert.equal(h[':method'], 'GET');
    assert.equal(h[':path'], haveCli ? '/index.html?x=1' : '/hello?x=1');
    assert.equal(h[':scheme'], 'http');
    assert.equal(h['x-test'], 'inspector');
    assert.match(h['user-agent'], /^curl\//);
    const resp = r.find((x) => x.type === 'HEADERS' && x.dir.includes('s2c'));
    assert.equal(Object.fromEntries(await headersOf(page, resp.i))[':status'], '200');
    const bad = r.filter((x) => x.warn);
    assert.deepEqual(bad, [], 'a curl exchange has no violations');
    await page.click(`#frames tbody tr[data-i="${req.i}"]`);
    await page.screenshot({ path: join(RESULTS, 'inspector-curl-pcap.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await pages.close();
  }
});

test('(b) live view of `h2wasm serve --trace` shows a curl request', { skip: !haveCli ? 'js/cli.js not present yet' : !haveCurl ? 'curl missing' : false }, async () => {
  // The page comes from h2wasm itself, over TLS h2 (what a browser needs);
  // curl talks h2c to the cleartext port of the same server.
  const srv = await startCli(['--trace'], { tls: true });
  const { page, errors } = browser;
  await page.goto(`${srv.tlsUrl}?live`);
  await page.evaluate(() => window.h2inspector.ready);
  await page.waitForFunction(() => /live: connected/.test(document.getElementById('status').textContent));
  assert.equal(await curl(`${srv.url}index.html?live-check`, ['-H', 'x-live: yes']), '2 200');
  // The curl connection appears (the page's own connection is not traced).
  await page.waitForFunction(() => [...document.querySelectorAll('#frames tbody tr[data-i]')].some((tr) => tr.dataset.type === 'DATA'));
  const r = await rows(page);
  const req = r.find((x) => x.type === 'HEADERS' && x.dir.includes('c2s'));
  const h = Object.fromEntries(await headersOf(page, req.i));
  assert.equal(h[':path'], '/index.html?live-check');
  assert.equal(h['x-live'], 'yes');
  assert.ok(r.some((x) => x.type === 'HEADERS' && x.dir.includes('s2c')));
  // The page's own connection (the one carrying /_trace) is not traced:
  // only curl's connection has frames, so the trace never feeds on itself.
  const conns = await page.evaluate(() => window.h2inspector.state.conns.map((c) => c.records.length));
  assert.equal(conns.filter((n) => n > 0).length, 1, JSON.stringify(conns));
  await page.screenshot({ path: join(RESULTS, 'inspector-live-curl.png'), fullPage: true });
  srv.stop();
  assert.deepEqual(errors.filter((e) => !/EventSource|net::ERR/.test(e)), []);
});
