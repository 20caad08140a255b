// Page layout at common screen sizes: no panel overlaps another, the frame
// list scrolls inside its own pane. Screenshots go to test-results/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS, ensureWasm, launchBrowser, manyStreamsExchange, openFiles, pcap, tcpPackets, staticServer } from './helpers.js';

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

const PANELS = ['header', '#input-open', '#conn-bar', '#notice', '#frames-pane', '#detail', '#lanes', '#stream-table', '#flow', '#violations', 'footer'];

const overlap = (a, b) => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;

for (const [width, height] of [[1280, 800], [1920, 1080]]) {
  test(`no panel overlaps another at ${width}×${height}`, async () => {
    const { page, errors } = browser;
    await page.setViewportSize({ width, height });
    // 150 streams: far more rows than the pane holds.
    const file = pcap(tcpPackets(manyStreamsExchange({ streams: 150, bodyLen: 300 })));
    await openFiles(page, server.url, [{ name: 'many.pcap', buffer: file }]);
    await page.click('#frames tbody tr[data-i="6"]');
    const boxes = {};
    for (const sel of PANELS) {
      const el = await page.$(sel);
      if (el && (await el.isVisible())) boxes[sel] = await el.boundingBox();
    }
    for (const sel of ['#frames-pane', '#detail', '#lanes', '#flow']) assert.ok(boxes[sel], `${sel} is shown`);
    const names = Object.keys(boxes);
    for (let a = 0; a < names.length; a++) {
      for (let b = a + 1; b < names.length; b++) {
        assert.ok(!overlap(boxes[names[a]], boxes[names[b]]), `${names[a]} ${JSON.stringify(boxes[names[a]])} overlaps ${names[b]} ${JSON.stringify(boxes[names[b]])}`);
      }
    }
    // The frame list scrolls by itself, inside the window, and the charts start below it.
    const pane = await page.$eval('#frames-pane', (p) => ({ scroll: p.scrollHeight, client: p.clientHeight }));
    assert.ok(pane.scroll > pane.client, 'the frame pane has its own scrollbar');
    assert.ok(boxes['#frames-pane'].y + boxes['#frames-pane'].height <= height, 'the frame pane fits the window');
    assert.ok(boxes['#lanes'].y >= boxes['#frames-pane'].y + boxes['#frames-pane'].height);
    // Scrolling the pane leaves the page where it is.
    const before = await page.evaluate(() => window.scrollY);
    await page.$eval('#frames-pane', (p) => { p.scrollTop = 2000; });
    await page.waitForFunction(() => document.querySelector('#frames tbody tr[data-i="100"]'));
    assert.equal(await page.evaluate(() => window.scrollY), before);
    await page.screenshot({ path: join(RESULTS, `inspector-${width}x${height}.png`) });
    await page.screenshot({ path: join(RESULTS, `inspector-${width}x${height}-full.png`), fullPage: true });
    assert.deepEqual(errors, []);
  });
}
