// A 500 MB capture in the page: ~576,000 frames on 192,000 streams, made here
// at test time in the OS temp dir and deleted afterwards (never committed).
// It takes minutes of CPU, so it runs only with H2WASM_LARGE=1 (the
// `www-large` group of scripts/test.sh). Asserts that the load completes with
// the right frame count, that the page's timers kept running while the worker
// decoded, and that row clicks work at both ends of the list; prints how long
// the page's thread was blocked while loading (the longest task, and the
// longest gap of a timer heartbeat running in the page) and the page's JS heap
// — no thresholds here (the numbers depend on the machine).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureWasm, launchBrowser, loadUntilFirstRows, manyStreamsExchange, pcap, staticServer, tcpPackets } from './helpers.js';

const enabled = process.env.H2WASM_LARGE === '1';
const STREAMS = Number(process.env.H2WASM_HUGE_STREAMS ?? 192_000);
const BODY = 2_400;
// Frames per stream (request HEADERS, response HEADERS, DATA) plus the connection's own.
const FRAMES = 3 * STREAMS + 7;
// The heartbeat's period in the page: a gap much longer than this is time the page could not respond.
const HEARTBEAT_MS = 10;

let server;
let browser;
let dir;
let file;

before(async () => {
  if (!enabled) return;
  ensureWasm();
  dir = mkdtempSync(join(tmpdir(), 'h2wasm-huge-'));
  file = join(dir, 'huge.pcap');
  writeFileSync(file, pcap(tcpPackets({ ...manyStreamsExchange({ streams: STREAMS, bodyLen: BODY }), mss: 16_384 })));
  server = await staticServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a 500 MB capture loads, with the frame count right and rows that answer clicks, while the page keeps running',
  { skip: !enabled && 'set H2WASM_LARGE=1 (the www-large test group)', timeout: 1_800_000 }, async (t) => {
    const { page, errors } = browser;
    const size = statSync(file).size;
    t.diagnostic(`capture: ${(size / 1e6).toFixed(1)} MB, ${FRAMES.toLocaleString('en')} frames, ${STREAMS.toLocaleString('en')} streams`);
    await page.goto(server.url);
    await page.evaluate(() => window.h2inspector.ready);

    // In the page: long tasks, and a timer heartbeat that records its longest gap.
    await page.evaluate((period) => {
      window.load = { longTasks: [], maxGap: 0, beats: 0, peakHeap: 0, progress: [] };
      // The heartbeat count at each progress report: it must grow while the worker decodes.
      const status = document.getElementById('status');
      new MutationObserver(() => { if (/decoding… \d+ %/.test(status.textContent)) window.load.progress.push(window.load.beats); })
        .observe(status, { childList: true, characterData: true, subtree: true });
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.load.longTasks.push(Math.round(e.duration)); }).observe({ entryTypes: ['longtask'] });
      let last = performance.now();
      const beat = () => {
        const now = performance.now();
        window.load.maxGap = Math.max(window.load.maxGap, now - last);
        window.load.beats++;
        if (performance.memory) window.load.peakHeap = Math.max(window.load.peakHeap, performance.memory.usedJSHeapSize);
        last = now;
        window.load.timer = setTimeout(beat, period);
      };
      beat();
    }, HEARTBEAT_MS);

    const { firstRows, progressSeen } = await loadUntilFirstRows(page, file, { maxMs: 1_500_000, pollMs: 100 });
    const load = await page.evaluate(() => { clearTimeout(window.load.timer); return window.load; });
    assert.ok(progressSeen, 'progress was reported');
    const p = load.progress;
    assert.ok(p.length >= 2 && p[p.length - 1] > p[0], `the page's heartbeat ran while the worker decoded (beats at progress reports: ${p[0]} … ${p[p.length - 1]})`);
    assert.match(await page.textContent('#status'), new RegExp(`${FRAMES.toLocaleString('en')} frames`));
    const domRows = await page.$$eval('#frames tbody tr', (x) => x.length);
    assert.ok(domRows < 200, `virtualized: ${domRows} rows in the DOM`);

    // A row click near the start, and one at the far end of the list.
    const c0 = Date.now();
    await page.click('#frames tbody tr[data-i="12"]');
    await page.waitForFunction(() => /#12 /.test(document.getElementById('detail').textContent));
    const clickMs = Date.now() - c0;
    await page.$eval('#frames-pane', (p) => { p.scrollTop = p.scrollHeight; });
    const lastRow = `#frames tbody tr[data-i="${FRAMES - 1}"]`;
    await page.waitForSelector(lastRow);
    await page.click(lastRow);
    await page.waitForFunction((n) => document.getElementById('detail').textContent.includes(`#${n} `), FRAMES - 1);
    assert.match(await page.textContent('#detail'), new RegExp(`stream\\s*${2 * STREAMS - 1}`));

    const phases = await page.evaluate(() => window.h2inspector.state.timings);
    const memory = await page.evaluate(() => (performance.memory ? Math.round(performance.memory.usedJSHeapSize / 1e6) : null));
    const top = [...load.longTasks].sort((a, b) => b - a);
    t.diagnostic(`first rows ${firstRows} ms (worker: capture parsing ${phases.parseMs} ms, wasm decoding ${phases.decodeMs} ms; page: first render ${phases.renderMs} ms); `
      + `page thread while loading: longest task ${top[0] ?? 0} ms, ${top.length} tasks over 50 ms (largest ${top.slice(0, 5).join(', ')} ms), `
      + `longest heartbeat gap ${Math.round(load.maxGap)} ms over ${load.beats} beats; row click ${clickMs} ms; page JS heap ${memory} MB (peak while loading ${Math.round(load.peakHeap / 1e6)} MB)`);
    assert.deepEqual(errors, []);
  });
