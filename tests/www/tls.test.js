// TLS captures decrypted in the page with a key log: a real exchange between
// Node's http2 client and server (TLS 1.3 and 1.2; AES-128-GCM, AES-256-GCM,
// ChaCha20-Poly1305) recorded by a TCP relay, written as a pcap, with the
// client's 'keylog' lines as the SSLKEYLOGFILE. Then key logs written by curl
// and Chromium against `h2wasm serve`, and by curl against nghttpd (captured
// with tcpdump on the loopback interface).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSigned } from '../../js/cli.js';
import { ROOT, ensureWasm, headersOf, launchBrowser, openFiles, pcap, rows, staticServer, tcpPackets } from './helpers.js';

let server;
let browser;
let cert;

before(async () => {
  ensureWasm();
  cert = selfSigned();
  server = await staticServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** One GET over TLS 1.3 with the given cipher suite → {c2s, s2c} chunk lists (in order) and the key log text. */
async function recordExchange(ciphers, version) {
  const h2 = http2.createSecureServer({ ...cert, minVersion: 'TLSv1.2' }, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello over ${ciphers}`);
  });
  await new Promise((r) => h2.listen(0, '127.0.0.1', r));
  const relay = await startRelay(h2.address().port);
  let keyLog = '';
  const client = http2.connect(`https://localhost:${relay.port}`, {
    createConnection: () => {
      const s = tls.connect({ host: '127.0.0.1', port: relay.port, servername: 'localhost', ca: cert.cert, ALPNProtocols: ['h2'], ciphers, maxVersion: version, minVersion: version });
      s.on('keylog', (line) => { keyLog += line.toString(); });
      return s;
    },
  });
  const body = await new Promise((resolve, reject) => {
    const req = client.request({ ':path': '/tls/hello' });
    let b = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { b += c; });
    req.on('end', () => resolve(b));
    req.on('error', reject);
    req.end();
  });
  await new Promise((r) => client.close(r));
  await new Promise((r) => setTimeout(r, 50));
  relay.close();
  h2.close();
  return { ...relay.chunks(), keyLog, body };
}

/**
 * A TCP relay on 127.0.0.1 in front of `targetPort` that records what passes.
 * chunks() → the busiest connection's {c2s, s2c} lists for tcpPackets, which
 * alternates c2s[i], s2c[i]: consecutive reads of one direction are merged.
 */
async function startRelay(targetPort) {
  const conns = [];
  const sockets = [];
  const relay = net.createServer((down) => {
    const seq = [];
    conns.push(seq);
    const up = net.connect(targetPort, '127.0.0.1');
    sockets.push(down, up);
    down.on('data', (d) => { seq.push(['c2s', d]); if (up.writable) up.write(d); });
    up.on('data', (d) => { seq.push(['s2c', d]); if (down.writable) down.write(d); });
    down.on('end', () => up.end());
    up.on('end', () => down.end());
    // The test's own sockets closing in either order is not a failure.
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  await new Promise((r) => relay.listen(0, '127.0.0.1', r));
  return {
    port: relay.address().port,
    close: () => { relay.close(); for (const c of sockets) c.destroy(); },
    chunks: () => {
      const size = (q) => q.reduce((n, [, d]) => n + d.length, 0);
      const seq = conns.reduce((a, b) => (size(b) > size(a) ? b : a), []);
      const c2s = [];
      const s2c = [];
      for (const [dir, d] of seq) {
        const list = dir === 'c2s' ? c2s : s2c;
        const other = dir === 'c2s' ? s2c : c2s;
        if (list.length > other.length || (dir === 's2c' && list.length === other.length && list.length)) list[list.length - 1] = Buffer.concat([list[list.length - 1], d]);
        else { while (dir === 's2c' && list.length < other.length - 1) list.push(Buffer.alloc(0)); list.push(d); }
      }
      return { c2s, s2c };
    },
  };
}

// [OpenSSL cipher name, TLS version, the suite's RFC name]
const SESSIONS = [
  ['TLS_AES_128_GCM_SHA256', 'TLSv1.3', 'TLS_AES_128_GCM_SHA256'],
  ['TLS_AES_256_GCM_SHA384', 'TLSv1.3', 'TLS_AES_256_GCM_SHA384'],
  ['TLS_CHACHA20_POLY1305_SHA256', 'TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256'],
  ['ECDHE-ECDSA-AES128-GCM-SHA256', 'TLSv1.2', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
  ['ECDHE-ECDSA-AES256-GCM-SHA384', 'TLSv1.2', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
  ['ECDHE-ECDSA-CHACHA20-POLY1305', 'TLSv1.2', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
];

for (const [ciphers, version, suite] of SESSIONS) {
  test(`${version} ${suite}: named without keys, decrypted with the key log`, async () => {
    const { page, errors } = browser;
    const { c2s, s2c, keyLog, body } = await recordExchange(ciphers, version);
    assert.equal(body, `hello over ${ciphers}`);
    assert.match(keyLog, version === 'TLSv1.3' ? /CLIENT_TRAFFIC_SECRET_0 / : /CLIENT_RANDOM /);
    const file = pcap(tcpPackets({ c2s, s2c, sport: 443 }));

    // Without keys: named as TLS, with the offer to load a key log.
    await page.goto(server.url);
    await page.evaluate(() => window.h2inspector.ready);
    await page.setInputFiles('#file', [{ name: 'tls.pcap', mimeType: 'application/octet-stream', buffer: file }]);
    await page.waitForSelector('#status.error');
    assert.match(await page.textContent('#status'), /TLS detected.*ClientHello.*server name localhost.*ALPN h2/);
    // Loading the key log from the notice decrypts the same capture.
    await page.setInputFiles('#keylog', [{ name: 'keys.log', mimeType: 'text/plain', buffer: Buffer.from(keyLog) }]);
    await page.waitForSelector('#frames tbody tr[data-i]');
    assert.match(await page.textContent('#notice'), new RegExp(`decrypted: TLS 1\\.${version.at(-1)}, ${suite}`));
    const r = await rows(page);
    // (Under TLS 1.2 the server's SETTINGS can come first: it rides with the server's Finished.)
    assert.equal(r.find((x) => x.dir.includes('c2s')).type, 'PREFACE');
    assert.ok(r.every((x) => !x.warn), JSON.stringify(r));
    assert.ok(r.some((x) => x.info === 'GET /tls/hello'), JSON.stringify(r));
    const data = r.find((x) => x.type === 'DATA' && x.dir.includes('s2c') && x.len > 0);
    await page.click(`#frames tbody tr[data-i="${data.i}"]`);
    assert.match(await page.textContent('#detail'), /hello over/);

    // The capture and the key log opened together work the same.
    await openFiles(page, server.url, [
      { name: 'tls.pcap', buffer: file },
      { name: 'sslkeylog.txt', buffer: Buffer.from(keyLog) },
    ]);
    assert.ok((await rows(page)).some((x) => x.info === 'GET /tls/hello'));
    // A key log for another session says why it cannot help.
    if (ciphers !== SESSIONS[0][0]) { assert.deepEqual(errors, []); return; }
    await page.goto(server.url);
    await page.evaluate(() => window.h2inspector.ready);
    const other = keyLog.replace(/ ([0-9a-f]{64}) /g, ` ${'ab'.repeat(32)} `);
    await page.setInputFiles('#file', [
      { name: 'tls.pcap', mimeType: 'application/octet-stream', buffer: file },
      { name: 'other.log', mimeType: 'text/plain', buffer: Buffer.from(other) },
    ]);
    await page.waitForSelector('#status.error');
    assert.match(await page.textContent('#status'), /client random not found/);
    assert.deepEqual(errors, []);
  });
}

/** `h2wasm serve --tls-self-signed` on ephemeral ports → {tlsPort, stop}. */
async function startCliTls() {
  const child = spawn(process.execPath, [join(ROOT, 'js', 'cli.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--tls-self-signed', '--tls-port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const m = await new Promise((resolve, reject) => {
    let buf = '';
    const on = (d) => { buf += d; const x = buf.match(/https:\/\/127\.0\.0\.1:(\d+)\//); if (x) resolve(x); };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.on('exit', (code) => reject(new Error(`h2wasm serve exited (${code}): ${buf}`)));
  });
  return { tlsPort: Number(m[1]), stop: () => child.kill('SIGTERM') };
}

/** Open a recorded TLS capture with its key log; the decrypted frames must show `path`. */
async function expectDecrypted(page, chunks, keyLog, path) {
  await openFiles(page, server.url, [
    { name: 'capture.pcap', buffer: pcap(tcpPackets({ ...chunks, sport: 443 })) },
    { name: 'keys.log', buffer: Buffer.from(keyLog) },
  ]);
  assert.match(await page.textContent('#notice'), /decrypted: TLS 1\.[23], TLS_/);
  const r = await rows(page);
  assert.ok(r.some((x) => x.info === `GET ${path}`), JSON.stringify(r.slice(0, 12)));
  return r;
}

const haveCurl = spawnSync('curl', ['--version']).status === 0;

test('curl with SSLKEYLOGFILE against h2wasm serve over TLS: decrypted', { skip: !haveCurl && 'curl not installed' }, async () => {
  const { page, errors } = browser;
  const cli = await startCliTls();
  const relay = await startRelay(cli.tlsPort);
  const dir = mkdtempSync(join(tmpdir(), 'h2wasm-keylog-'));
  try {
    const keyFile = join(dir, 'keys.log');
    // Asynchronous: the relay runs in this process.
    const curl = spawn('curl', ['--http2', '-sk', '-m', '30', '-o', '/dev/null', '-w', '%{http_version}', `https://127.0.0.1:${relay.port}/index.html`],
      { env: { ...process.env, SSLKEYLOGFILE: keyFile } });
    let out = '';
    curl.stdout.on('data', (d) => { out += d; });
    await new Promise((res) => curl.on('exit', res));
    assert.equal(out, '2');
    await new Promise((res) => setTimeout(res, 100));
    await expectDecrypted(page, relay.chunks(), readFileSync(keyFile, 'utf8'), '/index.html');
    assert.deepEqual(errors, []);
  } finally {
    relay.close();
    cli.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Chromium with --ssl-key-log-file against h2wasm serve over TLS: decrypted', async () => {
  const { page, errors } = browser;
  const cli = await startCliTls();
  const relay = await startRelay(cli.tlsPort);
  const dir = mkdtempSync(join(tmpdir(), 'h2wasm-keylog-'));
  const keyFile = join(dir, 'keys.log');
  const { chromium } = await import('playwright-core');
  const other = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', `--ssl-key-log-file=${keyFile}`],
  });
  try {
    const ctx = await other.newContext({ ignoreHTTPSErrors: true });
    const p = await ctx.newPage();
    const res = await p.goto(`https://127.0.0.1:${relay.port}/index.html`);
    assert.equal(res.status(), 200);
    await ctx.close();
    await other.close();
    await new Promise((r) => setTimeout(r, 200));
    await expectDecrypted(page, relay.chunks(), readFileSync(keyFile, 'utf8'), '/index.html');
    assert.deepEqual(errors, []);
  } finally {
    await other.close().catch(() => {});
    relay.close();
    cli.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

const haveNghttpd = spawnSync('nghttpd', ['--version']).status === 0;
const haveTcpdump = spawnSync('tcpdump', ['--version']).status === 0;

/** Resolves with the first match of `pattern` in a child's output; rejects if it exits first. */
function outputMatch(child, pattern, what) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const on = (d) => { buf += d; const m = buf.match(pattern); if (m) resolve(m); };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.on('exit', (code) => reject(new Error(`${what} exited (${code}): ${buf}`)));
  });
}

/** A port that was free a moment ago on 127.0.0.1 (nghttpd does not report an ephemeral one). */
async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

test('curl with SSLKEYLOGFILE against nghttpd over TLS, captured by tcpdump: request, status and body decrypted',
  { skip: !haveCurl || !haveNghttpd || !haveTcpdump ? 'curl, nghttpd or tcpdump missing' : false }, async (t) => {
    const { page, errors } = browser;
    const dir = mkdtempSync(join(tmpdir(), 'h2wasm-nghttpd-'));
    const htdocs = join(dir, 'htdocs');
    mkdirSync(htdocs);
    const body = 'hello from nghttpd over TLS\n';
    writeFileSync(join(htdocs, 'hello.txt'), body);
    writeFileSync(join(dir, 'key.pem'), cert.key);
    writeFileSync(join(dir, 'cert.pem'), cert.cert);
    const keyFile = join(dir, 'keys.log');
    const pcapFile = join(dir, 'nghttpd.pcap');
    const port = await freePort();
    const children = [];
    try {
      const nghttpd = spawn('nghttpd', ['-a', '127.0.0.1', `--htdocs=${htdocs}`, String(port), join(dir, 'key.pem'), join(dir, 'cert.pem')], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(nghttpd);
      // nghttpd prints nothing when it is ready: wait until its port accepts connections.
      for (let k = 0; ; k++) {
        const ok = await new Promise((r) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
        if (ok) break;
        assert.ok(k < 100 && nghttpd.exitCode == null, 'nghttpd listens');
        await new Promise((r) => setTimeout(r, 50));
      }
      const dump = spawn('tcpdump', ['-i', 'lo', '-Z', 'root', '--immediate-mode', '-U', '-n', '-s', '0', '-w', pcapFile, `tcp port ${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(dump);
      await outputMatch(dump, /listening on/, 'tcpdump');
      const curl = spawnSync('curl', ['--http2', '-sSk', '-m', '30', '-w', '\n%{http_version} %{http_code}', `https://127.0.0.1:${port}/hello.txt`],
        { env: { ...process.env, SSLKEYLOGFILE: keyFile }, encoding: 'utf8' });
      assert.equal(curl.stdout, `${body}\n2 200`, curl.stderr);
      // Let tcpdump see the FINs (immediate mode), then stop it (our own child).
      await new Promise((r) => setTimeout(r, 200));
      const exited = new Promise((r) => dump.on('exit', r));
      dump.kill('SIGINT');
      await exited;

      const keyLog = readFileSync(keyFile, 'utf8');
      await openFiles(page, server.url, [
        { name: 'nghttpd.pcap', buffer: readFileSync(pcapFile) },
        { name: 'keys.log', buffer: Buffer.from(keyLog) },
      ]);
      const notice = await page.textContent('#notice');
      assert.match(notice, /decrypted: TLS 1\.[23], TLS_/);
      t.diagnostic(notice.match(/decrypted: [^,]+, \w+/)[0]);
      const r = await rows(page);
      assert.ok(r.every((x) => !x.warn), JSON.stringify(r));
      const req = r.find((x) => x.type === 'HEADERS' && x.dir.includes('c2s'));
      assert.equal(req?.info, 'GET /hello.txt', JSON.stringify(r));
      const res = r.find((x) => x.type === 'HEADERS' && x.dir.includes('s2c') && x.stream === req.stream);
      assert.equal(res?.info, ':status 200', JSON.stringify(r));
      const h = Object.fromEntries(await headersOf(page, res.i));
      assert.equal(h.server?.startsWith('nghttpd'), true, JSON.stringify(h));
      // The response body, as the follow-stream view shows it.
      await page.evaluate((sid) => window.h2inspector.follow(sid), Number(req.stream));
      assert.equal(await page.textContent('#detail pre.body-text'), body);
      assert.deepEqual(errors, []);
    } finally {
      for (const c of children) if (c.exitCode == null && c.signalCode == null) c.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
