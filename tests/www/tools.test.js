// The inspector's tools in the page: the filter language (and its error
// marker), follow stream (request, response, bodies as text / image / hex,
// timing), time columns, and exports (JSON, CSV, HAR, payload hex, downloads).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  PREFACE, data, ensureWasm, frame, headers, launchBrowser, litNew, openFiles, pcap, rows, settings, staticServer, tcpPackets,
} from './helpers.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const BINARY = Buffer.from(Array.from({ length: 64 }, (_, k) => k));

/** GET /api/data → JSON, GET /logo.png → PNG, POST /upload (padded body) → binary. */
function toolsExchange() {
  const get = (path) => Buffer.concat([Buffer.from([0x82, 0x86]), litNew(':path', path), litNew(':authority', 'localhost')]);
  const post = Buffer.concat([Buffer.from([0x83, 0x86]), litNew(':path', '/upload'), litNew(':authority', 'localhost'), litNew('content-type', 'text/plain')]);
  const resp = (ct) => Buffer.concat([Buffer.from([0x88]), litNew('content-type', ct)]);
  const padded = frame(0, 0x08 | 0x01, 5, Buffer.concat([Buffer.from([3]), Buffer.from('hello'), Buffer.alloc(3)]));
  return {
    c2s: [
      Buffer.concat([PREFACE, settings([])]),
      Buffer.concat([settings([], true), headers(1, get('/api/data'), { endStream: true })]),
      headers(3, get('/logo.png'), { endStream: true }),
      Buffer.concat([headers(5, post), padded]),
    ],
    s2c: [
      Buffer.concat([settings([]), settings([], true)]),
      Buffer.concat([headers(1, resp('application/json')), data(1, '{"a":1}', true)]),
      Buffer.concat([headers(3, resp('image/png')), data(3, PNG, true)]),
      Buffer.concat([headers(5, resp('application/octet-stream')), data(5, BINARY, true)]),
    ],
  };
}

let server;
let browser;

before(async () => {
  ensureWasm();
  server = await staticServer();
  browser = await launchBrowser();
  await openFiles(browser.page, server.url, [{ name: 'tools.pcap', buffer: pcap(tcpPackets(toolsExchange())) }]);
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function filterTo(page, text) {
  await page.fill('#filter', text);
  return rows(page);
}

test('filter language in the page, with the bad token marked', async () => {
  const { page, errors } = browser;
  const all = await rows(page);
  assert.equal(all.length, 15);
  assert.deepEqual((await filterTo(page, 'header[":path"] contains "/api"')).map((r) => r.info), ['GET /api/data']);
  assert.deepEqual((await filterTo(page, 'stream == 5 and type == DATA')).map((r) => r.dir), ['→ c2s', '← s2c']);
  assert.deepEqual((await filterTo(page, 'dir == s2c and (type == HEADERS or type == SETTINGS) and not flags has ACK')).map((r) => r.stream), ['0', '1', '3', '5']);
  assert.equal((await filterTo(page, 'len > 60 and type == DATA')).length, 2); // the PNG and the binary body
  assert.match(await page.textContent('#export-count'), /2 of 15 frames/);
  await filterTo(page, 'stream == 3 and strem == 4');
  assert.equal(await page.isVisible('#filter-error'), true);
  assert.equal(await page.textContent('#filter-error mark'), 'strem');
  assert.match(await page.textContent('#filter-error'), /unknown field "strem"/);
  assert.equal((await rows(page)).length, 0);
  assert.equal((await filterTo(page, '')).length, 15);
  assert.equal(await page.isVisible('#filter-error'), false);
  assert.deepEqual(errors, []);
});

test('follow stream: request, response, bodies by content-type, timing', async () => {
  const { page, errors } = browser;
  const r = await rows(page);
  await page.click(`#frames tbody tr[data-i="${r.find((x) => x.info === 'GET /api/data').i}"]`);
  await page.click('#detail button.follow');
  let d = await page.textContent('#detail');
  assert.match(d, /Stream 1/);
  assert.match(d, /:path\/api\/data/);
  assert.match(d, /:status200/);
  assert.match(d, /response body \(7 bytes, application\/json\)/);
  assert.equal(await page.textContent('#detail pre.body-text'), '{"a":1}');
  assert.match(d, /response headers\+[\d.]+ ms/);

  await page.evaluate(() => window.h2inspector.follow(3));
  await page.waitForFunction(() => document.querySelector('#detail img.body-img')?.complete);
  assert.equal(await page.$eval('#detail img.body-img', (img) => img.naturalWidth), 1);

  await page.click('#stream-table button.follow[data-stream="5"]');
  d = await page.textContent('#detail');
  assert.match(d, /request body \(5 bytes, text\/plain\)/);
  assert.equal(await page.textContent('#detail pre.body-text'), 'hello'); // padding removed
  assert.match(await page.textContent('#detail pre.hexdump'), /^000000 {2}00 01 02 03/);
  await page.click('#follow-close');
  assert.doesNotMatch(await page.textContent('#detail'), /Stream 5/);
  assert.deepEqual(errors, []);
});

test('time columns: relative, delta, absolute', async () => {
  const { page } = browser;
  const rel = (await rows(page)).map((r) => Number(r.t));
  await page.selectOption('#time-mode', 'delta');
  const delta = (await rows(page)).map((r) => Number(r.t));
  assert.equal(delta[0], 0);
  for (let k = 1; k < rel.length; k++) assert.ok(Math.abs(delta[k] - (rel[k] - rel[k - 1])) < 0.002);
  await page.selectOption('#time-mode', 'absolute');
  const abs = (await rows(page)).map((r) => r.t);
  assert.match(abs[0], /^2023-11-14T22:13:20\.\d{3}Z$/); // tcpPackets' t0 is 1,700,000,000,000 ms
  await page.selectOption('#time-mode', 'relative');
});

test('exports: JSON and CSV (filtered or all), HAR of a stream, payload as hex, downloads', async () => {
  const { page, errors } = browser;
  await page.fill('#filter', 'type == DATA');
  const json = JSON.parse(await page.evaluate(() => window.h2inspector.exportText('json')));
  assert.equal(json.frames.length, 4);
  assert.equal(json.client, '127.0.0.1:40000');
  const all = JSON.parse(await page.evaluate(() => window.h2inspector.exportText('json-all')));
  assert.equal(all.frames.length, 15);
  const csv = (await page.evaluate(() => window.h2inspector.exportText('csv'))).trim().split('\n');
  assert.equal(csv[0], 'frame,time_rel_ms,time_delta_ms,time_abs,dir,type,flags,stream,length,violations');
  assert.equal(csv.length, 5);
  assert.match(csv.find((l) => l.includes(',c2s,DATA,')), /^\d+,[\d.]+,[\d.]+,2023-11-14T[\d:.]+Z,c2s,DATA,END_STREAM\|PADDED,5,9,$/);
  assert.equal((await page.evaluate(() => window.h2inspector.exportText('csv-all'))).trim().split('\n').length, 16);

  // Payload of the s2c DATA on stream 5, as hex.
  const r = await rows(page);
  await page.click(`#frames tbody tr[data-i="${r.find((x) => x.stream === '5' && x.dir.includes('s2c')).i}"]`);
  assert.equal(await page.evaluate(() => window.h2inspector.exportText('payload-hex')), BINARY.toString('hex'));

  // HAR of stream 1 and of stream 3 (binary body in base64).
  await page.evaluate(() => window.h2inspector.follow(1));
  const har = JSON.parse(await page.evaluate(() => window.h2inspector.exportText('har')));
  const [e] = har.log.entries;
  assert.equal(har.log.version, '1.2');
  assert.equal(e.request.method, 'GET');
  assert.equal(e.request.url, 'http://localhost/api/data');
  assert.equal(e.response.status, 200);
  assert.deepEqual(e.response.content, { size: 7, mimeType: 'application/json', text: '{"a":1}' });
  assert.ok(e.timings.wait >= 0 && e.time >= 0);
  await page.evaluate(() => window.h2inspector.follow(3));
  const png = JSON.parse(await page.evaluate(() => window.h2inspector.exportText('har'))).log.entries[0].response.content;
  assert.equal(png.encoding, 'base64');
  assert.deepEqual(Buffer.from(png.text, 'base64'), PNG);

  // The menu downloads files, with the same text (the worker hands them over as Blobs built in pieces).
  for (const [kind, ext] of [['csv', '.csv'], ['json-all', '.json'], ['har', '.har']]) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.selectOption('#export', kind)]);
    assert.ok(download.suggestedFilename().endsWith(ext), download.suggestedFilename());
    assert.equal(readFileSync(await download.path(), 'utf8'), await page.evaluate((k) => window.h2inspector.exportText(k), kind));
  }
  await page.fill('#filter', '');
  assert.deepEqual(errors, []);
});
