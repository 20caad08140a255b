// Shared helpers for the inspector tests: HTTP/2 frame and capture builders
// (pcap, pcapng, link layers), a static server for www/, the wasm build, and
// headless Chromium through playwright-core.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const WWW = join(ROOT, 'www');
export const RESULTS = join(ROOT, 'test-results');

// ---------------------------------------------------------------- HTTP/2 bytes

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

export function frame(type, flags, stream, payload = Buffer.alloc(0)) {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream >>> 0, 5);
  return Buffer.concat([h, Buffer.from(payload)]);
}
export const settings = (params = [], ack = false) => {
  const p = Buffer.alloc(params.length * 6);
  params.forEach(([id, v], i) => { p.writeUInt16BE(id, i * 6); p.writeUInt32BE(v >>> 0, i * 6 + 2); });
  return frame(4, ack ? 1 : 0, 0, p);
};
export const windowUpdate = (stream, inc) => { const p = Buffer.alloc(4); p.writeUInt32BE(inc); return frame(8, 0, stream, p); };
export const headers = (stream, block, { endStream = false, endHeaders = true } = {}) =>
  frame(1, (endStream ? 1 : 0) | (endHeaders ? 4 : 0), stream, block);
export const data = (stream, body, endStream = false) => frame(0, endStream ? 1 : 0, stream, Buffer.from(body));
export const goaway = (last, code, debug = '') => {
  const p = Buffer.alloc(8); p.writeUInt32BE(last); p.writeUInt32BE(code, 4);
  return frame(7, 0, 0, Buffer.concat([p, Buffer.from(debug)]));
};

/** HPACK literal with incremental indexing, indexed name (6-bit prefix; small values only). */
export const litIdx = (nameIndex, value) => Buffer.concat([Buffer.from([0x40 | nameIndex, value.length]), Buffer.from(value)]);
/** HPACK literal without indexing, new name. */
export const litNew = (name, value) => Buffer.concat([Buffer.from([0x00, name.length]), Buffer.from(name), Buffer.from([value.length]), Buffer.from(value)]);

/** A small, valid exchange: two GETs (the second reuses the dynamic table) and their responses. */
export function sampleExchange() {
  const req1 = Buffer.concat([Buffer.from([0x82, 0x86, 0x84]), litIdx(1, 'localhost'), litIdx(58, 'fixture-agent')]);
  const req3 = Buffer.from([0x82, 0x86, 0x84, 0xbf, 0xbe]); // :authority and user-agent from the dynamic table
  const resp = Buffer.concat([Buffer.from([0x88]), litIdx(31, 'text/plain')]);
  const resp3 = Buffer.from([0x88, 0xbe]);
  const c2s = [
    Buffer.concat([PREFACE, settings([[3, 100], [4, 65535]])]),
    Buffer.concat([windowUpdate(0, 1_000_000), headers(1, req1, { endStream: true })]),
    Buffer.concat([settings([], true), headers(3, req3, { endStream: true })]),
  ];
  const s2c = [
    Buffer.concat([settings([[3, 128], [4, 1 << 20]]), settings([], true)]),
    Buffer.concat([headers(1, resp), data(1, 'hello from the fixture', true)]),
    Buffer.concat([headers(3, resp3), data(3, 'second', true)]),
  ];
  return { c2s, s2c };
}

/** An exchange full of violations, each with a known RFC section. */
export function badExchange() {
  const c2s = [
    Buffer.concat([PREFACE, settings([[5, 100]])]),                                  // §6.5.2 MAX_FRAME_SIZE
    headers(2, Buffer.from([0x82, 0x86, 0x84, 0x41, 1, 0x78]), { endStream: true }), // §5.1.1 even id
    headers(5, Buffer.concat([Buffer.from([0x82, 0x86, 0x84, 0x41, 1, 0x78]), litNew('connection', 'close')]), { endStream: true }), // §8.2.2
  ];
  const s2c = [settings([]), windowUpdate(0, 0)];                                    // §6.9 increment 0
  return { c2s, s2c };
}

// ---------------------------------------------------------------- captures

const ipv4Sum = (h) => {
  let s = 0;
  for (let i = 0; i < h.length; i += 2) s += (h[i] << 8) | h[i + 1];
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return ~s & 0xffff;
};

function tcp(sport, dport, seq, ack, flags, payload) {
  const t = Buffer.alloc(20);
  t.writeUInt16BE(sport, 0); t.writeUInt16BE(dport, 2);
  t.writeUInt32BE(seq >>> 0, 4); t.writeUInt32BE(ack >>> 0, 8);
  t[12] = 5 << 4; t[13] = flags; t.writeUInt16BE(65535, 14);
  return Buffer.concat([t, payload]);
}
function ipv4(src, dst, seg) {
  const h = Buffer.alloc(20);
  h[0] = 0x45; h.writeUInt16BE(20 + seg.length, 2); h[8] = 64; h[9] = 6;
  Buffer.from(src).copy(h, 12); Buffer.from(dst).copy(h, 16);
  h.writeUInt16BE(ipv4Sum(h), 10);
  return Buffer.concat([h, seg]);
}
function ipv6(src, dst, seg) {
  const h = Buffer.alloc(40);
  h[0] = 0x60; h.writeUInt16BE(seg.length, 4); h[6] = 6; h[7] = 64;
  Buffer.from(src).copy(h, 8); Buffer.from(dst).copy(h, 24);
  return Buffer.concat([h, seg]);
}
const v6 = (last) => { const a = new Array(16).fill(0); a[15] = last; return a; };

/** Link layer wrappers. */
export const link = {
  ethernet: { type: 1, wrap: (ip, v) => Buffer.concat([Buffer.alloc(12), Buffer.from(v === 6 ? [0x86, 0xdd] : [0x08, 0x00]), ip]) },
  sll2: { type: 276, wrap: (ip, v) => { const h = Buffer.alloc(20); h.writeUInt16BE(v === 6 ? 0x86dd : 0x0800, 0); return Buffer.concat([h, ip]); } },
  sll: { type: 113, wrap: (ip, v) => { const h = Buffer.alloc(16); h.writeUInt16BE(v === 6 ? 0x86dd : 0x0800, 14); return Buffer.concat([h, ip]); } },
  loopback: { type: 0, wrap: (ip, v) => { const h = Buffer.alloc(4); h.writeUInt32LE(v === 6 ? 30 : 2); return Buffer.concat([h, ip]); } },
};

/**
 * One TCP connection's packets: handshake, then the chunks of each direction
 * interleaved (c2s[0], s2c[0], c2s[1], …), each sent as one or more segments.
 * options.shuffle: send one c2s segment late and retransmit one (reassembly test).
 */
export function tcpPackets({ c2s, s2c, cport = 40000, sport = 8080, v = 4, t0 = 1_700_000_000_000, shuffle = false, mss = 1000 }) {
  const cli = v === 6 ? v6(1) : [127, 0, 0, 1];
  const srv = v === 6 ? v6(1) : [127, 0, 0, 1];
  const ip = v === 6 ? ipv6 : ipv4;
  let cseq = 1000;
  let sseq = 5_000_000;
  let t = t0;
  const out = [];
  const push = (fromClient, flags, payload, seq) => {
    const seg = fromClient ? tcp(cport, sport, seq, sseq, flags, payload) : tcp(sport, cport, seq, cseq, flags, payload);
    out.push({ t: (t += 1.25), ip: ip(fromClient ? cli : srv, fromClient ? srv : cli, seg), v });
  };
  push(true, 0x02, Buffer.alloc(0), cseq - 1);
  push(false, 0x12, Buffer.alloc(0), sseq - 1);
  push(true, 0x10, Buffer.alloc(0), cseq);
  const n = Math.max(c2s.length, s2c.length);
  let late = null;
  for (let i = 0; i < n; i++) {
    for (const [fromClient, list] of [[true, c2s], [false, s2c]]) {
      const chunk = list[i];
      if (!chunk) continue;
      for (let o = 0; o < chunk.length; o += mss) {
        const piece = chunk.subarray(o, o + mss);
        const seq = fromClient ? cseq : sseq;
        if (shuffle && fromClient && i === 1 && o === 0 && !late) {
          late = { piece, seq };          // sent after the next segment
        } else {
          push(fromClient, 0x18, piece, seq);
          if (late && fromClient) { push(true, 0x18, late.piece, late.seq); push(true, 0x18, late.piece, late.seq); late = null; }
        }
        if (fromClient) cseq += piece.length; else sseq += piece.length;
      }
    }
  }
  if (late) push(true, 0x18, late.piece, late.seq);
  push(true, 0x11, Buffer.alloc(0), cseq);
  push(false, 0x11, Buffer.alloc(0), sseq);
  return out;
}

/** Classic pcap (microsecond, little-endian). */
export function pcap(packets, l = link.ethernet) {
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0); g.writeUInt16LE(2, 4); g.writeUInt16LE(4, 6);
  g.writeUInt32LE(262144, 16); g.writeUInt32LE(l.type, 20);
  const recs = packets.map((p) => {
    const d = l.wrap(p.ip, p.v);
    const h = Buffer.alloc(16);
    const us = Math.round(p.t * 1000);
    h.writeUInt32LE(Math.floor(us / 1e6), 0); h.writeUInt32LE(us % 1e6, 4);
    h.writeUInt32LE(d.length, 8); h.writeUInt32LE(d.length, 12);
    return Buffer.concat([h, d]);
  });
  return Buffer.concat([g, ...recs]);
}

/** pcapng: SHB, one IDB (nanosecond resolution), EPBs. */
export function pcapng(packets, l = link.ethernet) {
  const block = (type, body) => {
    const pad = (4 - (body.length % 4)) % 4;
    const len = 12 + body.length + pad;
    const b = Buffer.alloc(len);
    b.writeUInt32LE(type, 0); b.writeUInt32LE(len, 4); body.copy(b, 8); b.writeUInt32LE(len, len - 4);
    return b;
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0); shb.writeUInt16LE(1, 4); shb.writeInt32LE(-1, 8); shb.writeInt32LE(-1, 12);
  const idb = Buffer.alloc(8 + 8 + 4);
  idb.writeUInt16LE(l.type, 0); idb.writeUInt32LE(0, 4);
  idb.writeUInt16LE(9, 8); idb.writeUInt16LE(1, 10); idb[12] = 9; // if_tsresol = 10^-9
  const out = [block(0x0a0d0d0a, shb), block(1, idb)];
  for (const p of packets) {
    const d = l.wrap(p.ip, p.v);
    const e = Buffer.alloc(20);
    const ns = BigInt(Math.round(p.t * 1e6));
    e.writeUInt32LE(0, 0); e.writeUInt32LE(Number(ns >> 32n), 4); e.writeUInt32LE(Number(ns & 0xffffffffn), 8);
    e.writeUInt32LE(d.length, 12); e.writeUInt32LE(d.length, 16);
    out.push(block(6, Buffer.concat([e, d])));
  }
  return Buffer.concat(out);
}

// ---------------------------------------------------------------- wasm + static server + browser

/** Make sure www/wasm/h2wasm.js exists and is not older than the Rust sources. */
export function ensureWasm() {
  const js = join(WWW, 'wasm', 'h2wasm.js');
  const newest = (dir) => {
    let m = 0;
    for (const f of spawnSync('find', [dir, '-name', '*.rs'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) m = Math.max(m, statSync(f).mtimeMs);
    return m;
  };
  const fresh = () => existsSync(js) && statSync(js).mtimeMs >= newest(join(ROOT, 'src'));
  if (fresh()) return;
  // Test files run in parallel: one builds, the others wait for it.
  const lock = join(WWW, '.wasm-build-lock');
  const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  for (;;) {
    try { mkdirSync(lock); break; } catch { /* someone else is building */ }
    try { if (Date.now() - statSync(lock).mtimeMs > 15 * 60_000) rmSync(lock, { recursive: true, force: true }); } catch { /* gone */ }
    sleep(200);
    if (fresh()) return;
  }
  try {
    if (!fresh()) buildWasm(js, newest);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function buildWasm(js, newest) {
  const script = join(ROOT, 'scripts', 'build.sh');
  const run = (cmd, args) => {
    const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
  };
  if (existsSync(script)) run('bash', [script]);
  if (!existsSync(js) || statSync(js).mtimeMs < newest(join(ROOT, 'src'))) {
    run('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown', '--lib']);
    run('wasm-bindgen', ['--target', 'web', '--out-dir', join(WWW, 'wasm'), join(ROOT, 'target/wasm32-unknown-unknown/release/h2wasm.wasm')]);
  }
}

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json' };

/** Serve www/ on 127.0.0.1, ephemeral port (the page as static hosting). */
export async function staticServer(root = WWW) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(root, path);
    if (file.endsWith('/') || path === '/') file = join(root, 'index.html');
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'h2wasm-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking'],
    viewport: { width: 1400, height: 1000 },
    ignoreHTTPSErrors: true, // h2wasm serve --tls-self-signed
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // The inspector answers from its worker, asynchronously: after an action
  // (or a wait for something to appear), wait until what it started is drawn.
  for (const name of ['click', 'fill', 'selectOption', 'check', 'uncheck', 'press', 'waitForSelector', 'waitForFunction']) {
    const action = page[name].bind(page);
    page[name] = async (...args) => {
      const result = await action(...args);
      await settle(page);
      return result;
    };
  }
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return {
    page, errors,
    close: async () => { await context.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** Wait until the inspector has no question to its worker outstanding and no redraw queued. */
export async function settle(page) {
  // A navigation may replace the page meanwhile: then there is nothing to wait for.
  await page.evaluate(() => window.h2inspector?.settled?.()).catch(() => {});
}

/** Open the page, load files through the file input, wait for frame rows. */
export async function openFiles(page, url, files /* [{name, buffer}] */) {
  await page.goto(url);
  await page.evaluate(() => window.h2inspector.ready);
  await page.setInputFiles('#file', files.map((f) => ({ name: f.name, mimeType: 'application/octet-stream', buffer: f.buffer })));
  await page.waitForSelector('#frames tbody tr[data-i], #status.error');
  if (await page.$('#status.error')) throw new Error(`page: ${await page.textContent('#status')}`);
}

/** Frame rows as objects. */
/**
 * Open `file` through the page's file input and wait (polling every `pollMs`, at most `maxMs`)
 * until the first frame rows are drawn. Fails on an error status. Returns the time to first rows
 * and whether a "decoding… N %" progress status was seen on the way.
 */
export async function loadUntilFirstRows(page, file, { maxMs, pollMs }) {
  const t0 = Date.now();
  await page.setInputFiles('#file', file);
  let progressSeen = false;
  for (;;) {
    const s = await page.textContent('#status');
    if (/decoding… \d+ %/.test(s)) progressSeen = true;
    if (await page.$('#frames tbody tr[data-i]')) break;
    if (await page.$('#status.error')) assert.fail(`page: ${s}`);
    assert.ok(Date.now() - t0 < maxMs, 'decoding ends');
    await page.waitForTimeout(pollMs);
  }
  return { firstRows: Date.now() - t0, progressSeen };
}

export async function rows(page) {
  return page.$$eval('#frames tbody tr[data-i]', (trs) => trs.map((tr) => {
    const c = [...tr.cells].map((td) => td.textContent.trim());
    return { i: Number(c[0]), t: c[1], dir: c[2], type: c[3], flags: c[4], stream: c[5], len: Number(c[6]), info: c[7], warn: c[8] };
  }));
}

/** Decoded headers shown in the detail pane for frame i. */
export async function headersOf(page, i) {
  await page.click(`#frames tbody tr[data-i="${i}"]`);
  return page.$$eval('#detail table.headers tr', (trs) => trs.map((tr) => [tr.cells[0].textContent, tr.cells[1].textContent]));
}

/** HPACK literal without indexing, indexed name (4-bit prefix). */
const litNoIndex = (nameIndex, value) => {
  const v = Buffer.from(value);
  const name = nameIndex < 15 ? [nameIndex] : [15, nameIndex - 15];
  return Buffer.concat([Buffer.from([...name, v.length]), v]);
};

/**
 * Many sequential GETs, each answered with `bodyLen` bytes of text: one c2s
 * and one s2c chunk per stream. Windows are opened wide at the start so the
 * exchange is valid however large it gets.
 */
export function manyStreamsExchange({ streams, bodyLen, contentType = 'text/plain' }) {
  const c2s = [Buffer.concat([PREFACE, settings([[4, 1 << 24]]), windowUpdate(0, 0x7fffffff - 65_535)])];
  const s2c = [Buffer.concat([settings([[4, 1 << 20]]), settings([], true), windowUpdate(0, 0x7fffffff - 65_535)])];
  const body = Buffer.alloc(bodyLen, 'x');
  for (let k = 0; k < streams; k++) {
    const sid = 2 * k + 1;
    const req = Buffer.concat([Buffer.from([0x82, 0x86]), litNoIndex(4, `/item/${k}`), litNoIndex(1, 'localhost')]);
    const resp = Buffer.concat([Buffer.from([0x88]), litNoIndex(31, contentType)]);
    c2s.push(k === 0 ? Buffer.concat([settings([], true), headers(sid, req, { endStream: true })]) : headers(sid, req, { endStream: true }));
    s2c.push(Buffer.concat([headers(sid, resp), data(sid, body, true)]));
  }
  return { c2s, s2c };
}
