// TLS captures decrypted in the page with a key log: a real exchange between
// Node's http2 client and server (TLS 1.3 and 1.2; AES-128-GCM, AES-256-GCM,
// ChaCha20-Poly1305) recorded by a TCP relay, written as a pcap, with the
// client's 'keylog' lines as the SSLKEYLOGFILE.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { selfSigned } from '../../js/cli.js';
import { ensureWasm, launchBrowser, openFiles, pcap, rows, staticServer, tcpPackets } from './helpers.js';

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
  const seq = [];
  const relay = net.createServer((down) => {
    const up = net.connect(h2.address().port, '127.0.0.1');
    down.on('data', (d) => { seq.push(['c2s', d]); if (up.writable) up.write(d); });
    up.on('data', (d) => { seq.push(['s2c', d]); if (down.writable) down.write(d); });
    down.on('end', () => up.end());
    up.on('end', () => down.end());
    // The test's own sockets closing in either order is not a failure.
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  await new Promise((r) => relay.listen(0, '127.0.0.1', r));
  let keyLog = '';
  const client = http2.connect(`https://localhost:${relay.address().port}`, {
    createConnection: () => {
      const s = tls.connect({ host: '127.0.0.1', port: relay.address().port, servername: 'localhost', ca: cert.cert, ALPNProtocols: ['h2'], ciphers, maxVersion: version, minVersion: version });
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
  // Consecutive chunks of one direction merge; tcpPackets alternates c2s[i], s2c[i].
  const c2s = [];
  const s2c = [];
  for (const [dir, d] of seq) {
    const list = dir === 'c2s' ? c2s : s2c;
    const other = dir === 'c2s' ? s2c : c2s;
    if (list.length > other.length || (dir === 's2c' && list.length === other.length && list.length)) list[list.length - 1] = Buffer.concat([list[list.length - 1], d]);
    else { while (dir === 's2c' && list.length < other.length - 1) list.push(Buffer.alloc(0)); list.push(d); }
  }
  return { c2s, s2c, keyLog, body };
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
