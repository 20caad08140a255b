// The inspector page never breaks on bad input: every malformed frame the
// decoder can emit renders as a violation, and garbage, TLS, empty, truncated
// and mid-connection inputs each get a clear message, with no page errors and
// nothing left over from the previous input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  PREFACE, ensureWasm, frame, launchBrowser, pcap, rows, sampleExchange, settings, staticServer, tcpPackets,
} from './helpers.js';

let server;
let browser;

before(async () => {
  ensureWasm();
  server = await staticServer();
  browser = await launchBrowser();
  await browser.page.goto(server.url);
  await browser.page.evaluate(() => window.h2inspector.ready);
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** Paste hex for both directions and wait until the page has answered. */
async function paste(page, c2s, s2c = '') {
  await page.evaluate(() => { document.getElementById('status').textContent = ''; });
  if (!(await page.isVisible('#paste-c2s'))) await page.click('#paste summary');
  await page.fill('#paste-c2s', c2s);
  await page.fill('#paste-s2c', s2c);
  await page.click('#decode-paste');
  await page.waitForFunction(() => {
    const s = document.getElementById('status').textContent;
    return s && !s.startsWith('decoding');
  });
}

/** Load files through the file input and wait until the page has answered. */
async function load(page, files) {
  await page.evaluate(() => { document.getElementById('status').textContent = ''; });
  await page.setInputFiles('#file', files.map(({ name, buffer }) => ({ name, mimeType: 'application/octet-stream', buffer })));
  await page.waitForFunction(() => {
    const s = document.getElementById('status').textContent;
    return s && !s.startsWith('decoding');
  });
}

const status = (page) => page.textContent('#status');
const shownViolations = (page) => page.$$eval('#violations li[data-i]', (lis) => lis.map((li) => li.textContent));

// [name, type, flags, stream, payload, expected section]: every fixed-length
// frame at a wrong length and every stream-0 rule of RFC 9113 §6.
const pad = (n, v = 1) => Buffer.alloc(n, v);
const MALFORMED = [
  ['PRIORITY of length 4', 2, 0, 1, pad(4), '§6.3'],
  ['PRIORITY of length 6', 2, 0, 1, pad(6), '§6.3'],
  ['PRIORITY on stream 0', 2, 0, 0, pad(5), '§6.3'],
  ['RST_STREAM of length 3', 3, 0, 1, pad(3), '§6.4'],
  ['RST_STREAM of length 5', 3, 0, 1, pad(5), '§6.4'],
  ['RST_STREAM on stream 0', 3, 0, 0, pad(4), '§6.4'],
  ['SETTINGS of length 5', 4, 0, 0, pad(5), '§6.5'],
  ['SETTINGS ACK with a payload', 4, 1, 0, pad(6), '§6.5'],
  ['SETTINGS on stream 1', 4, 0, 1, pad(6), '§6.5'],
  ['PING of length 7', 6, 0, 0, pad(7), '§6.7'],
  ['PING of length 9', 6, 0, 0, pad(9), '§6.7'],
  ['PING on stream 1', 6, 0, 1, pad(8), '§6.7'],
  ['GOAWAY of length 4', 7, 0, 0, pad(4), '§6.8'],
  ['GOAWAY on stream 1', 7, 0, 1, pad(8), '§6.8'],
  ['WINDOW_UPDATE of length 3', 8, 0, 0, pad(3), '§6.9'],
  ['WINDOW_UPDATE of length 5', 8, 0, 1, pad(5), '§6.9'],
  ['PUSH_PROMISE of length 3', 5, 4, 1, pad(3), '§6.6'],
  ['PUSH_PROMISE on stream 0', 5, 4, 0, pad(4), '§6.6'],
  ['DATA on stream 0', 0, 0, 0, pad(3), '§6.1'],
  ['DATA with more padding than payload', 0, 8, 1, Buffer.from([9, 0, 0]), '§6.1'],
  ['HEADERS on stream 0', 1, 4, 0, pad(1, 0x82), '§6.2'],
  ['HEADERS with PRIORITY too short', 1, 0x24, 1, pad(4), '§6.2'],
  ['CONTINUATION on stream 0', 9, 4, 0, pad(1), '§6.10'],
  ['PRIORITY_UPDATE of length 3', 16, 0, 0, pad(3), '§4.2'],
  ['PRIORITY_UPDATE on stream 1', 16, 0, 1, pad(5), '§4.1'],
];

test('every malformed frame renders, as a violation, and replaces the previous input', async () => {
  const { page, errors } = browser;
  for (const [name, type, flags, stream, payload, sec] of MALFORMED) {
    const c2s = Buffer.concat([PREFACE, settings([]), frame(type, flags, stream, payload)]);
    await paste(page, c2s.toString('hex'), settings([]).toString('hex'));
    assert.doesNotMatch(await status(page), /error|failed|undefined/i, name);
    const r = await rows(page);
    const bad = r.find((x) => x.i === 2);
    assert.ok(bad, `${name}: the frame has a row`);
    assert.match(bad.warn, new RegExp(sec.replace(/[.§]/g, (c) => `\\${c}`)), `${name}: ${JSON.stringify(bad)}`);
    assert.doesNotMatch(JSON.stringify(r), /undefined|NaN/, name);
    await page.click('#frames tbody tr[data-i="2"]');
    const detail = await page.textContent('#detail');
    assert.ok(detail.includes(sec), `${name}: detail shows ${sec}`);
    assert.doesNotMatch(detail, /undefined|NaN/, name);
    // The list holds this input's violations only (frame #2 and any on the server's SETTINGS at #3).
    const listed = await shownViolations(page);
    assert.ok(listed.length >= 1 && listed.every((l) => / frame #[23] /.test(l)), `${name}: ${listed}`);
    assert.ok(listed.some((l) => l.startsWith(sec)), `${name}: ${listed}`);
  }
  assert.deepEqual(errors, []);
});

test('garbage, empty, text, TLS and truncated inputs get a clear message', async () => {
  const { page, errors } = browser;
  // Something valid first, so stale output would show.
  await paste(page, Buffer.concat([PREFACE, settings([[5, 100]])]).toString('hex'));
  assert.equal((await shownViolations(page)).length, 1);

  await load(page, [{ name: 'empty.bin', buffer: Buffer.alloc(0) }]);
  assert.match(await status(page), /no HTTP\/2 found \(empty input\)/);
  assert.equal(await page.isVisible('#main'), false, 'nothing of the previous input stays');
  assert.deepEqual(await shownViolations(page), []);

  await load(page, [{ name: 'random.bin', buffer: randomBytes(1 << 20) }]);
  assert.match(await status(page), /random\.bin: no HTTP\/2 found/);

  await load(page, [{ name: 'words.txt', buffer: Buffer.from('zzzz not hex\n') }]);
  assert.match(await status(page), /neither hex nor base64/);
  await paste(page, 'zzzz not hex');
  assert.match(await status(page), /neither hex nor base64/);
  await paste(page, '   ', '');
  assert.match(await status(page), /no HTTP\/2 found \(empty input\)/);

  // A TLS ClientHello (with SNI and ALPN h2), as a raw dump and inside a pcap.
  const hello = clientHello('example.test', ['h2', 'http/1.1']);
  await load(page, [{ name: 'tls.bin', buffer: hello }]);
  assert.match(await status(page), /TLS detected.*ClientHello.*example\.test.*ALPN h2, http\/1\.1/);
  assert.match(await page.textContent('#notice'), /SSLKEYLOGFILE/);
  const tlsPcap = pcap(tcpPackets({ c2s: [hello], s2c: [Buffer.from('160303000402000000', 'hex')], sport: 443 }));
  await load(page, [{ name: 'tls.pcap', buffer: tlsPcap }]);
  assert.match(await status(page), /no HTTP\/2 found in cleartext — TLS detected/);

  // A pcap cut off in the middle of a packet record: decoded up to there, with a note.
  const full = pcap(tcpPackets({ ...sampleExchange(), mss: 40 }));
  await load(page, [{ name: 'cut.pcap', buffer: full.subarray(0, full.length - 30) }]);
  assert.doesNotMatch(await status(page), /no HTTP/);
  assert.match(await page.textContent('#notice'), /cut\.pcap is truncated/);
  assert.ok((await rows(page)).length > 5);
  assert.deepEqual(errors, []);
});

test('a capture joined mid-connection says so and raises no false violations', async () => {
  const { page, errors } = browser;
  const ex = sampleExchange();
  // No handshake, and the client's bytes start 5 bytes into a frame.
  const packets = tcpPackets({ c2s: [ex.c2s[1].subarray(5), ex.c2s[2]], s2c: [ex.s2c[1], ex.s2c[2]] }).slice(3);
  await load(page, [{ name: 'mid.pcap', buffer: pcap(packets) }]);
  const notice = await page.textContent('#notice');
  assert.match(notice, /joined mid-connection/);
  assert.match(notice, /skipped 8 bytes to the first frame boundary/);
  const r = await rows(page);
  assert.deepEqual(r.map((x) => x.type), ['HEADERS', 'HEADERS', 'DATA', 'SETTINGS', 'HEADERS', 'HEADERS', 'DATA']);
  assert.ok(r.every((x) => !x.warn), JSON.stringify(r));
  assert.match(await page.textContent('#violations'), /none found/);
  assert.deepEqual(errors, []);
});

test('an SSE dump of /_trace loads, and its partial connection is mid-connection', async () => {
  const { page, errors } = browser;
  const ex = sampleExchange();
  let t = 1_700_000_000_000;
  const ev = (o) => `data: ${JSON.stringify(o)}\n\n`;
  const text = 'retry: 2000\n'
    + ev({ k: 'hello', t, capacity: { events: 10, bytes: 100 } })
    + ev({ k: 'open', c: 1, t, info: { remoteAddress: '127.0.0.1', remotePort: 50123, localAddress: '127.0.0.1', localPort: 8443 } })
    + ex.c2s.map((b, i) => ev({ k: 'data', c: 1, t: (t += 1), d: 'c2s', b: b.toString('base64') })
      + ev({ k: 'data', c: 1, t: (t += 1), d: 's2c', b: ex.s2c[i].toString('base64') })).join('')
    + ev({ k: 'partial', c: 2 })
    + ev({ k: 'data', c: 2, t: (t += 1), d: 's2c', b: Buffer.concat([ex.s2c[1], ex.s2c[2]]).toString('base64') })
    + ev({ k: 'close', c: 1, t: (t += 1) });
  await load(page, [{ name: 'trace.sse', buffer: Buffer.from(text) }]);
  assert.match(await status(page), /2 connections/);
  assert.equal((await rows(page)).length, 12);
  assert.match(await page.textContent('#conn'), /127\.0\.0\.1:50123 → 127\.0\.0\.1:8443/);
  await page.selectOption('#conn', { index: 1 });
  assert.match(await page.textContent('#notice'), /joined mid-connection/);
  const r = await rows(page);
  assert.equal(r.length, 4);
  assert.ok(r.every((x) => !x.warn), JSON.stringify(r));
  assert.deepEqual(errors, []);
});

/** A TLS 1.3-style ClientHello record with server_name and ALPN extensions. */
function clientHello(sni, alpn) {
  const u16 = (n) => Buffer.from([n >> 8, n & 0xff]);
  const name = Buffer.from(sni);
  const sniExt = Buffer.concat([u16(0), u16(name.length + 5), u16(name.length + 3), Buffer.from([0]), u16(name.length), name]);
  const protos = Buffer.concat(alpn.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p)])));
  const alpnExt = Buffer.concat([u16(16), u16(protos.length + 2), u16(protos.length), protos]);
  const exts = Buffer.concat([sniExt, alpnExt]);
  const body = Buffer.concat([
    Buffer.from([3, 3]), Buffer.alloc(32, 7), Buffer.from([0]), u16(2), Buffer.from([0x13, 0x01]), Buffer.from([1, 0]),
    u16(exts.length), exts,
  ]);
  const hs = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([0x16, 3, 1]), u16(hs.length), hs]);
}
