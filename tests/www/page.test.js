// The inspector page in headless Chromium, served as static files: captures
// made in the test (pcap, pcapng, raw dumps, pasted hex), frame rows, decoded
// headers, HPACK table, violations, charts; screenshots in test-results/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  RESULTS, badExchange, ensureWasm, headersOf, launchBrowser, link, openFiles, pcap, pcapng, rows, sampleExchange, settle, staticServer, tcpPackets, PREFACE,
} from './helpers.js';

let server;
let browser;

before(async () => {
  ensureWasm();
  mkdirSync(RESULTS, { recursive: true });
  server = await staticServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('pcap: frame rows, decoded headers, HPACK table, stream lanes, windows plot', async () => {
  const { page, errors } = browser;
  const file = pcap(tcpPackets({ ...sampleExchange(), shuffle: true, mss: 17 }));
  await openFiles(page, server.url, [{ name: 'fixture.pcap', buffer: file }]);
  const r = await rows(page);
  assert.deepEqual(r.map((x) => `${x.dir.split(' ')[1]} ${x.type} ${x.stream}`), [
    'c2s PREFACE ', 'c2s SETTINGS 0', 's2c SETTINGS 0', 's2c SETTINGS 0', 'c2s WINDOW_UPDATE 0', 'c2s HEADERS 1',
    's2c HEADERS 1', 's2c DATA 1', 'c2s SETTINGS 0', 'c2s HEADERS 3', 's2c HEADERS 3', 's2c DATA 3',
  ]);
  assert.equal(r[3].flags, 'ACK');
  assert.equal(r[5].flags, 'END_STREAM END_HEADERS');
  assert.equal(r[7].len, 'hello from the fixture'.length);
  assert.equal(r[5].info, 'GET /');
  assert.equal(r[6].info, ':status 200');
  assert.equal(r[4].info, '+1000000');
  assert.equal(r[1].info, 'MAX_CONCURRENT_STREAMS=100 INITIAL_WINDOW_SIZE=65535');
  assert.ok(r.every((x) => !x.warn), 'no violations in a valid exchange');
  // Times come from the capture (ms, relative to its first packet).
  assert.ok(Number(r[11].t) > Number(r[1].t));

  const h = await headersOf(page, 5);
  assert.deepEqual(h, [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'localhost'], ['user-agent', 'fixture-agent']]);
  const detail = await page.textContent('#detail');
  assert.match(detail, /half-closed \(remote\)/);
  assert.match(detail, /HPACK dynamic table, client → server/);
  assert.match(detail, /2 entries, 106 \/ 4096 bytes/);
  // The second request's headers come from the dynamic table.
  assert.deepEqual((await headersOf(page, 9)).slice(3), [[':authority', 'localhost'], ['user-agent', 'fixture-agent']]);
  // The table "at" a later non-header frame is the latest one of its direction.
  await page.click('#frames tbody tr[data-i="8"]');
  assert.match(await page.textContent('#detail'), /as of frame #5/);
  // DATA detail and windows.
  await page.click('#frames tbody tr[data-i="7"]');
  const d = await page.textContent('#detail');
  assert.match(d, /22 bytes/);
  assert.match(d, /68 65 6c 6c 6f 20 66 72 6f 6d .*hello from the f/);
  assert.match(d, /s→c 1,065,513/); // connection window: 65,535 + 1,000,000 (client WINDOW_UPDATE) − 22
  // Charts: one lane per stream (0, 1, 3), marks for every frame but the preface.
  assert.deepEqual(await page.$$eval('#lanes .lane-label', (t) => t.map((x) => x.textContent)), ['conn (0)', 'stream 1', 'stream 3']);
  assert.equal(await page.$$eval('#lanes rect.mark', (m) => m.length), 11);
  assert.ok((await page.$$eval('#flow path', (p) => p.length)) >= 2);
  assert.match(await page.textContent('#violations'), /none found/);
  // Stream summary: request, status, bytes each way.
  const streams = await page.$$eval('#stream-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].slice(0, 5).map((c) => c.textContent)));
  assert.deepEqual(streams, [['1', 'GET /', '200', '0', '22'], ['3', 'GET /', '200', '0', '6']]);
  await page.screenshot({ path: join(RESULTS, 'inspector-pcap.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('a lane mark, the windows plot, a stream-list row and the arrow keys each select a frame', async () => {
  const { page, errors } = browser;
  await openFiles(page, server.url, [{ name: 'fixture.pcap', buffer: pcap(tcpPackets(sampleExchange())) }]);
  const shownFrame = async () => Number((await page.textContent('#detail h3')).match(/^#(\d+) /)?.[1]);
  await page.click('#lanes rect.mark[data-i="7"]');
  assert.equal(await shownFrame(), 7);
  await page.click('#stream-table tbody tr[data-stream="3"] td');
  assert.equal(await shownFrame(), 9);
  await page.focus('#frames-pane');
  await page.keyboard.press('ArrowDown');
  await settle(page);
  assert.equal(await shownFrame(), 10);
  assert.equal(await page.getAttribute('#frames tbody tr.sel', 'data-i'), '10');
  // The windows plot: the frame under the pointer (a window-changing one) is picked by a click.
  const box = await page.locator('#flow rect.hit').boundingBox();
  let picked = '';
  for (let x = box.x; x < box.x + box.width && !picked; x += 2) {
    await page.mouse.move(x, box.y + box.height / 2);
    picked = await page.getAttribute('#flow rect.hit', 'data-i');
    if (picked) await page.mouse.click(x, box.y + box.height / 2);
  }
  assert.ok(picked, 'a window-changing frame is under some point of the plot');
  await settle(page);
  assert.equal(await shownFrame(), Number(picked));
  assert.deepEqual(errors, []);
});

test('violations are flagged with their RFC section', async () => {
  const { page, errors } = browser;
  await openFiles(page, server.url, [{ name: 'bad.pcapng', buffer: pcapng(tcpPackets(badExchange()), link.sll2) }]);
  const r = await rows(page);
  const warned = r.filter((x) => x.warn).map((x) => `${x.type} ${x.warn}`);
  assert.deepEqual(warned.sort(), ['HEADERS ⚠ §5.1.1', 'HEADERS ⚠ §8.2.2', 'SETTINGS ⚠ §6.5.2', 'WINDOW_UPDATE ⚠ §6.9']);
  const list = await page.textContent('#violations');
  assert.match(list, /§6\.5\.2 .*MAX_FRAME_SIZE = 100/);
  assert.match(list, /§5\.1\.1 .*even stream id 2 from client/);
  assert.match(list, /§8\.2\.2 .*connection-specific/);
  // Clicking a violation selects its frame.
  await page.click('#violations li:nth-child(2)');
  assert.match(await page.textContent('#detail'), /#\d+ client → server HEADERS/);
  await page.screenshot({ path: join(RESULTS, 'inspector-violations.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('several connections: each is selectable', async () => {
  const { page } = browser;
  const a = tcpPackets({ ...sampleExchange(), cport: 41001 });
  const b = tcpPackets({ ...badExchange(), cport: 41002, t0: 1_700_000_000_002 });
  await openFiles(page, server.url, [{ name: 'two.pcap', buffer: pcap([...a, ...b].sort((p, q) => p.t - q.t), link.loopback) }]);
  const options = await page.$$eval('#conn option', (o) => o.map((x) => x.textContent));
  assert.equal(options.length, 2);
  assert.match(options[0], /127\.0\.0\.1:41001 → 127\.0\.0\.1:8080/);
  assert.equal((await rows(page)).length, 12);
  await page.selectOption('#conn', { index: 1 });
  assert.equal((await rows(page)).filter((x) => x.warn).length, 4);
});

test('raw dumps and pasted hex', async () => {
  const { page } = browser;
  const ex = sampleExchange();
  await openFiles(page, server.url, [
    { name: 's2c.bin', buffer: Buffer.concat(ex.s2c) },
    { name: 'c2s.bin', buffer: Buffer.concat(ex.c2s) },
  ]);
  assert.equal((await rows(page)).length, 12);

  await page.goto(server.url);
  await page.evaluate(() => window.h2inspector.ready);
  await page.click('#paste summary');
  await page.fill('#paste-c2s', Buffer.concat(ex.c2s).toString('hex').replace(/(.{32})/g, '$1\n'));
  await page.fill('#paste-s2c', Buffer.concat(ex.s2c).toString('base64'));
  await page.click('#decode-paste');
  await page.waitForSelector('#frames tbody tr[data-i]');
  const r = await rows(page);
  assert.equal(r.length, 12);
  assert.deepEqual((await headersOf(page, r.find((x) => x.type === 'HEADERS' && x.dir.includes('s2c')).i))[0], [':status', '200']);
  // A server-only paste (no preface) decodes too.
  await page.fill('#paste-c2s', '');
  await page.fill('#paste-s2c', Buffer.concat(ex.s2c).toString('hex'));
  await page.click('#decode-paste');
  await page.waitForFunction(() => document.querySelectorAll('#frames tbody tr[data-i]').length === 6);
  // Garbage paste: an error message, no crash.
  await page.fill('#paste-c2s', 'zz top');
  await page.click('#decode-paste');
  await page.waitForSelector('#status.error');
  assert.match(await page.textContent('#status'), /neither hex nor base64/);
  // Truncated and garbage bytes decode without breaking the page.
  await page.fill('#paste-c2s', Buffer.concat([PREFACE, Buffer.from('000010ff0000000001abcdef', 'hex')]).toString('hex'));
  await page.fill('#paste-s2c', 'ffffffffffffffffffffffff');
  await page.click('#decode-paste');
  await page.waitForSelector('#frames tbody tr[data-i]');
  assert.ok((await rows(page)).length >= 2);
});

test("the server's own trace (JSON lines) opens like a capture", async () => {
  const { page } = browser;
  const ex = sampleExchange();
  let t = 1_700_000_000_000;
  const lines = [
    { k: 'open', c: 3, t, info: { remoteAddress: '127.0.0.1', remotePort: 40404, localAddress: '127.0.0.1', localPort: 8443 } },
    ...ex.c2s.flatMap((b, i) => [
      { k: 'data', c: 3, t: (t += 2), d: 'c2s', b: b.toString('base64') },
      ...(ex.s2c[i] ? [{ k: 'data', c: 3, t: (t += 1), d: 's2c', b: ex.s2c[i].toString('base64') }] : []),
    ]),
    { k: 'close', c: 3, t: (t += 1) },
  ].map((e) => JSON.stringify(e)).join('\n');
  await openFiles(page, server.url, [{ name: 'trace.jsonl', buffer: Buffer.from(lines) }]);
  const r = await rows(page);
  assert.equal(r.length, 12);
  assert.match(await page.textContent('#conn'), /#3 127\.0\.0\.1:40404 → 127\.0\.0\.1:8443/);
  assert.equal(r[11].t, '9.000');
});
