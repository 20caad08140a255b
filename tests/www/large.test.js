// A large capture in the page: ~50 MB, 60,000 frames, 20,000 streams, made
// here at test time (never committed). Decoding runs in a Web Worker with
// progress and cancel; the frame list is virtualized. Prints the time to the
// first rows, for a row click and for scrolling; no thresholds here (the
// numbers depend on the machine).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWasm, launchBrowser, loadUntilFirstRows, manyStreamsExchange, pcap, staticServer, tcpPackets } from './helpers.js';

const STREAMS = Number(process.env.H2WASM_LARGE_STREAMS ?? 20_000);
const BODY = 2_400;

let server;
let browser;
let dir;
let file;

before(async () => {
  ensureWasm();
  server = await staticServer();
  browser = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'h2wasm-large-'));
  file = join(dir, 'large.pcap');
  const bytes = pcap(tcpPackets({ ...manyStreamsExchange({ streams: STREAMS, bodyLen: BODY }), mss: 16_384 }));
  writeFileSync(file, bytes);
  console.log(`# large capture: ${(bytes.length / 1e6).toFixed(1)} MB, ${3 * STREAMS + 7} frames, ${STREAMS} streams`);
});
after(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a 50 MB capture: decoded in a worker, rows virtualized, clicks and scrolls stay cheap', { timeout: 900_000 }, async () => {
  const { page, errors } = browser;
  await page.goto(server.url);
  await page.evaluate(() => window.h2inspector.ready);

  // Cancel mid-way: the page stays usable and says so.
  const cancelled = page.evaluate(() => new Promise((resolve) => {
    // Press Cancel as soon as the worker runs, with the progress bar showing.
    const poll = () => {
      if (!window.h2inspector.state.worker) { setTimeout(poll, 1); return; }
      const progressShown = !document.getElementById('progress').hidden;
      document.getElementById('cancel').click();
      resolve(progressShown);
    };
    poll();
  }));
  await page.setInputFiles('#file', file);
  assert.equal(await cancelled, true);
  assert.equal(await page.textContent('#status'), 'decoding cancelled');
  assert.equal(await page.isVisible('#progress'), false);

  // Long tasks on the page's thread while loading: how long the page could not respond.
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.longTasks.push(e.duration); }).observe({ entryTypes: ['longtask'] });
  });
  const { firstRows, progressSeen } = await loadUntilFirstRows(page, file, { maxMs: 600_000, pollMs: 50 });
  // The tasks until the first rows; those after (clicks, scrolls, the filter) are counted apart.
  const longestLoading = await page.evaluate(() => { const all = window.longTasks; window.longTasks = []; return Math.round(Math.max(0, ...all)); });
  assert.ok(progressSeen, 'progress was reported');
  assert.match(await page.textContent('#status'), new RegExp(`${(3 * STREAMS + 7).toLocaleString('en')} frames`));
  const domRows = await page.$$eval('#frames tbody tr', (t) => t.length);
  assert.ok(domRows < 200, `virtualized: ${domRows} rows in the DOM`);

  // A row click: the detail pane for that frame (asked of the worker), then the charts for its stream.
  const [clickMs, clickChartsMs] = await page.evaluate(async () => {
    const row = document.querySelector('#frames tbody tr[data-i="12"]');
    const detail = document.getElementById('detail');
    const shown = new Promise((resolve) => {
      const seen = new MutationObserver(() => { if (/#12 /.test(detail.textContent)) { seen.disconnect(); resolve(performance.now()); } });
      seen.observe(detail, { childList: true, subtree: true });
    });
    const t = performance.now();
    row.click();
    const detailAt = await shown;
    await window.h2inspector.settled();
    return [detailAt - t, performance.now() - t];
  });
  assert.match(await page.textContent('#detail'), /#12 /);

  // Scrolling: the page thread's work per scroll step (drawing the rows; what
  // decides whether scrolling keeps up with the frame rate) and the time until
  // the rows are on screen (each step jumps past the rows on the page, so that
  // includes asking the worker for them and waiting for the next frame); then
  // 10 wheel scrolls end to end. Lanes and the stream list follow the rows.
  const [scrollMs, shownMs, chartsMs] = await page.evaluate(async () => {
    const pane = document.getElementById('frames-pane');
    const { state } = window.h2inspector;
    let work = 0;
    let shown = 0;
    let charts = 0;
    for (let k = 1; k <= 20; k++) {
      pane.scrollTop = k * 50_000;
      const w0 = state.rowsWorkMs;
      const t = performance.now();
      await window.h2inspector.renderRows();
      shown += performance.now() - t;
      work += state.rowsWorkMs - w0;
      const c = performance.now();
      await window.h2inspector.drawScrolledCharts();
      charts += performance.now() - c;
      await new Promise((r) => requestAnimationFrame(r));
    }
    return [work / 20, shown / 20, charts / 20];
  });
  const shownFirst = await page.$eval('#frames tbody tr[data-i]', (tr) => Number(tr.dataset.i));
  assert.ok(shownFirst > 20 * 50_000 / 22 - 100, `rows of the scrolled-to part are drawn (first row #${shownFirst})`);
  await page.hover('#frames-pane');
  const w0 = Date.now();
  for (let k = 0; k < 10; k++) await page.mouse.wheel(0, 2_000);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const wheelMs = Date.now() - w0;
  // The far end of the list is reachable and drawn.
  await page.$eval('#frames-pane', (p) => { p.scrollTop = p.scrollHeight; });
  await page.waitForFunction((n) => document.querySelector(`#frames tbody tr[data-i="${n}"]`), 3 * STREAMS + 6);

  // A filter over all frames.
  const f0 = Date.now();
  await page.fill('#filter', `stream == ${2 * STREAMS - 1} and type == DATA`);
  await page.waitForFunction(() => document.querySelectorAll('#frames tbody tr[data-i]').length === 1);
  const filterMs = Date.now() - f0;

  const phases = await page.evaluate(() => window.h2inspector.state.timings);
  const longestAfter = await page.evaluate(() => Math.round(Math.max(0, ...window.longTasks)));
  console.log(`# large capture: first rows ${firstRows} ms (worker: capture parsing ${phases.parseMs} ms, wasm decoding ${phases.decodeMs} ms; page: first render ${phases.renderMs} ms, longest task while loading ${longestLoading} ms), row click ${clickMs.toFixed(1)} ms (with the charts ${clickChartsMs.toFixed(1)} ms), `
    + `scroll: rows ${scrollMs.toFixed(2)} ms of page-thread work per step, on screen ${shownMs.toFixed(1)} ms after a jump (lanes and stream list ${chartsMs.toFixed(1)} ms after them), 10 wheel scrolls ${wheelMs} ms, filter ${filterMs} ms; longest task on the page's thread after loading ${longestAfter} ms`);
  assert.deepEqual(errors, []);
});
