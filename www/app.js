// The inspector page: inputs → (Web Worker: capture parsing + wasm decoding,
// then the decoded records, kept there) → frame list (virtualized), detail
// pane (headers, HPACK table, windows, violations, payload), follow-stream
// view, stream lanes and flow-control plot, filters and exports. The page
// asks the worker for what it shows (a RecordStore call per question, see
// store.js) and never holds a capture's whole record set. Plain ES modules;
// no framework, no bundler.

import init, { Inspector } from './wasm/h2wasm.js';
import { base64ToBytes, NO_H2 } from './capture.js';
import { groupDigits, renderLanes, renderFlow } from './charts.js';
import { compileFilter, FilterError } from './filter.js';
import { timeOf } from './export.js';
import { RecordStore } from './store.js';

const $ = (id) => document.getElementById(id);

// Live-mode bounds: frames kept per connection, connections listed.
const LIVE_MAX_RECORDS = 20_000;
const LIVE_MAX_CONNS = 200;
// Frame rows are one fixed height so the list can be virtualized.
const ROW_H = 22;
const OVERSCAN_ROWS = 20;
// Rows fetched beyond those drawn, so scrolling a few screens needs no round trip to the worker.
const FETCH_AHEAD_ROWS = 200;
// Rows kept on the page (a small window onto the capture); beyond this the cache starts over.
const MAX_CACHED_ROWS = 20_000;
// Follow-stream bodies: bytes shown inline (the download has all of them).
const MAX_BODY_SHOWN = 256 * 1024;

const state = {
  mode: 'open',
  conns: [],          // connection descriptions: {id, label, kind, n (frames), violations, listed, ...}
  current: null,      // conn description
  store: null,        // where the records are: {call(method, ...args) → Promise, close()}
  view: { n: 0, first: 0, frames: null }, // the frame list: row k is frame frames[k] (or first + k unfiltered)
  filterText: '',     // the filter the view was made with ('' = none; null = the typed filter is bad)
  rows: new Map(),    // frame number → row (what the list and lanes show), for the current connection
  detail: null,       // the selected frame's detail as the store gave it
  selected: null,     // selected frame number
  following: null,    // stream id shown in the follow view
  timeMode: 'relative',
  follow: true,       // live: follow the newest connection
  live: null,         // {source, events, byId}
  dirty: false,
  worker: null,       // the decoding worker while it decodes
  timings: null,      // last decode: worker parse/decode ms, first render ms
  windowKey: '',      // first/last visible row, to redraw charts only when they change
  chartsQueued: false,
  visible: [0, 0],    // first/last row on screen in the filtered list
  chartWidth: 0,      // px for the charts, measured on render and resize
  rowsWorkMs: 0,      // time spent drawing frame rows on the page's thread, in total (the scroll benchmark reads it)
};

/** Store calls not answered yet, and redraws queued: the page is settled when both are none. */
let pendingCalls = 0;
let scrollQueued = false;

/** Resolves once no store call is outstanding and no redraw is queued (tests wait on it). */
function settled() {
  return new Promise((resolve) => {
    const check = () => {
      if (pendingCalls || scrollQueued || state.chartsQueued || state.dirty) { setTimeout(check, 5); return; }
      // Once more after a task: an answer may have queued the next call.
      setTimeout(() => (pendingCalls || scrollQueued || state.chartsQueued || state.dirty ? check() : resolve()), 0);
    };
    check();
  });
}

// Exposed for tests and for poking at from the console.
window.h2inspector = { state, ready: null, settled, exportText, follow: (sid) => showFollow(sid), renderRows: () => renderRows(),
  drawScrolledCharts: () => Promise.all([renderLanesChart(), renderStreamTable()]) };

const wasmReady = init().then(
  () => setStatus('ready'),
  (e) => { setStatus(`could not load ./wasm/h2wasm.js: ${e.message}`, true); throw e; },
);
window.h2inspector.ready = wasmReady;

function setStatus(text, error = false) {
  const s = $('status');
  s.textContent = text;
  s.classList.toggle('error', error);
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
const fmtT = (t) => (t == null ? '' : t.toFixed(3));
const plural = (n, w) => `${groupDigits(n)} ${w}${n === 1 ? '' : 's'}`;

// ---------------------------------------------------------------- the record store

class Cancelled extends Error {}

/** The store in a worker: each call is a message, answered by sequence number. */
function workerStore(worker) {
  let seq = 0;
  const waiting = new Map();
  worker.onmessage = ({ data }) => {
    const w = data.reply && waiting.get(data.reply.seq);
    if (!w) return;
    waiting.delete(data.reply.seq);
    const { value, error } = data.reply;
    if (!error) { w.resolve(value); return; }
    w.reject(error.name === 'FilterError' ? new FilterError(error.message, error.pos, error.end) : new Error(error.message));
  };
  return {
    call(method, ...args) {
      seq++;
      const p = new Promise((resolve, reject) => waiting.set(seq, { resolve, reject }));
      worker.postMessage({ call: { seq, method, args } });
      return p;
    },
    close() {
      worker.terminate();
      for (const w of waiting.values()) w.reject(new Cancelled('closed'));
      waiting.clear();
    },
  };
}

/** The store on the page (the live view's bounded records). */
function localStore(store) {
  return { store, call: async (method, ...args) => store[method](...args), close() {} };
}

/** Ask the current store; null if the store was closed meanwhile. */
async function ask(method, ...args) {
  const s = state.store;
  if (!s) return null;
  pendingCalls++;
  try {
    return await s.call(method, ...args);
  } catch (e) {
    if (e instanceof Cancelled) return null;
    throw e;
  } finally {
    pendingCalls--;
  }
}

function closeStore() {
  state.store?.close();
  state.store = null;
}

// ---------------------------------------------------------------- decoding (worker)

/** Forget everything shown for the previous input. */
function clearAll() {
  closeStore();
  state.conns = [];
  state.current = null;
  state.view = { n: 0, first: 0, frames: null };
  state.rows = new Map();
  state.detail = null;
  state.selected = null;
  state.following = null;
  $('conn-bar').hidden = true;
  $('notice').hidden = true;
  $('notice').textContent = '';
  for (const id of ['violations', 'stream-table', 'lanes', 'flow', 'detail']) $(id).textContent = '';
  $('frames').tBodies[0].textContent = '';
  render();
}

function cancelDecode() {
  if (!state.worker) return;
  const { worker, reject } = state.worker;
  worker.terminate();
  state.worker = null;
  $('progress').hidden = true;
  reject(new Cancelled('decoding cancelled'));
}

/** Decode in a worker; resolves with {conns, notes} and leaves the records in the worker (the new store). */
function decodeInWorker(msg) {
  cancelDecode();
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    const running = { worker: w, reject };
    state.worker = running;
    $('progress').hidden = false;
    $('progress-bar').value = 0;
    const done = () => {
      if (state.worker === running) state.worker = null;
      $('progress').hidden = true;
    };
    w.onmessage = ({ data }) => {
      if (data.progress) {
        const { done: d, total } = data.progress;
        $('progress-bar').value = total ? d / total : 0;
        setStatus(`decoding… ${Math.round((100 * d) / (total || 1))} % of ${(total / 1e6).toFixed(1)} MB`);
        return;
      }
      done();
      if (data.error) { w.terminate(); reject(new Error(data.error)); return; }
      closeStore();
      state.store = workerStore(w);
      state.timings = { ...data.result.timings, receivedAt: performance.now() };
      resolve(data.result);
    };
    w.onerror = (e) => {
      e.preventDefault();
      w.terminate();
      done();
      reject(new Error(e.message || 'worker failed'));
    };
    w.postMessage(msg);
  });
}

async function showResult({ conns, notes }, source) {
  const decodable = conns.filter((c) => c.kind === 'h2' || c.kind === 'mid');
  const extra = notes.length ? ` · ${notes.join('; ')}` : '';
  if (!decodable.length) {
    const tls = conns.filter((c) => c.kind === 'tls');
    if (tls.length) {
      setStatus(`${source}: ${NO_H2} in cleartext — TLS detected: ${tls[0].why}${tls.length > 1 ? ` and ${tls.length - 1} more TLS connections` : ''}${extra}`, true);
      showNotice(tlsNotice(tls[0]));
    } else {
      const why = conns.length ? [...new Set(conns.map((c) => c.why))].join('; ') : 'no TCP payload';
      setStatus(`${source}: ${NO_H2} (${why})${extra}`, true);
      if (notes.length) showNotice(esc(notes.join('; ')));
    }
    return;
  }
  for (const c of conns) if (c.kind === 'tls' || c.kind === 'none') c.label += ` — ${c.why}`;
  state.conns = conns;
  state.follow = false;
  fillConnSelect();
  const frames = decodable.reduce((n, c) => n + c.n, 0);
  setStatus(`${source}: ${plural(conns.length, 'connection')}, ${plural(frames, 'frame')}${extra}`);
  await selectConn(decodable[0].id);
}

function tlsNotice(c) {
  return `<b>This capture is TLS-encrypted</b> (${esc(c.why)}, record version ${esc(c.tls.version)}). `
    + 'HTTP/2 inside TLS needs the session keys: <label class="file">load the key log <input type="file" id="keylog"></label> '
    + 'the client wrote (<code>SSLKEYLOGFILE=keys.log curl …</code>, Chromium <code>--ssl-key-log-file</code>), '
    + 'or open it together with the capture. TLS 1.3 and 1.2 with AES-GCM or ChaCha20-Poly1305 are decrypted here, in this page; keys and captures stay on it. '
    + 'Otherwise run the server with <code>h2wasm serve --trace</code> and use the Live tab, which sees the bytes after TLS.';
}

function showNotice(html) {
  $('notice').innerHTML = html;
  $('notice').hidden = false;
}

/** The last files opened, so a key log loaded afterwards can decrypt them. */
let lastFiles = null;

async function decodeAndShow(msg, source) {
  await wasmReady;
  liveStop();
  clearAll();
  setStatus(`decoding ${source}…`);
  try {
    await showResult(await decodeInWorker(msg), source);
  } catch (e) {
    if (e instanceof Cancelled) setStatus('decoding cancelled');
    else setStatus(`${source}: ${e.message}`, true);
  }
}

function fillConnSelect() {
  const sel = $('conn');
  sel.textContent = '';
  for (const c of state.conns) {
    const o = document.createElement('option');
    o.value = String(c.id);
    const n = c.n != null && !state.live && c.kind !== 'tls' && c.kind !== 'none' ? ` — ${plural(c.n, 'frame')}` : '';
    o.textContent = `${c.label}${c.closed ? ' (closed)' : ''}${n}`;
    sel.append(o);
  }
  if (state.current) sel.value = String(state.current.id);
  $('conn-bar').hidden = false;
}

function connInfoText(conn) {
  const bytes = conn.bytes ? `${groupDigits(conn.bytes.c2s)} bytes c→s, ${groupDigits(conn.bytes.s2c)} bytes s→c · ` : '';
  return `${bytes}${plural(conn.n ?? 0, 'frame')} · ${plural(conn.violations ?? 0, 'violation')}${conn.closed ? ' · closed' : ''}`;
}

/** Frame count and violations of a connection, from the store. */
async function refreshSummary(conn) {
  if (conn.kind === 'tls' || conn.kind === 'none') return;
  const s = await ask('summary', conn.id);
  if (!s) return;
  Object.assign(conn, { n: s.n, violations: s.violations, listed: s.listed });
  if (conn === state.current) $('conn-info').textContent = connInfoText(conn);
}

async function selectConn(id) {
  const conn = state.conns.find((c) => c.id === id);
  if (!conn) return;
  state.current = conn;
  state.rows = new Map();
  state.detail = null;
  state.selected = null;
  state.following = null;
  $('conn').value = String(id);
  $('conn-info').textContent = connInfoText(conn);
  const notes = [...(conn.notes ?? [])];
  if (conn.kind === 'tls') showNotice(tlsNotice(conn));
  else if (conn.kind === 'none') showNotice(`${NO_H2} on this connection (${esc(conn.why)})`);
  else if (notes.length) showNotice(notes.map(esc).join('<br>'));
  else $('notice').hidden = true;
  $('axis-seq').checked = !!conn.untimed;
  await refreshSummary(conn);
  if (conn === state.current) await applyFilter();
}

// ---------------------------------------------------------------- filtering

/** Check the typed filter here (errors point at the token), run it where the records are. */
async function applyFilter() {
  const input = $('filter');
  const err = $('filter-error');
  const text = input.value;
  try {
    compileFilter(text);
    err.hidden = true;
    input.classList.remove('bad');
  } catch (e) {
    if (!(e instanceof FilterError)) throw e;
    state.filterText = null;
    input.classList.add('bad');
    err.hidden = false;
    err.innerHTML = `<code>${esc(text.slice(0, e.pos))}<mark>${esc(text.slice(e.pos, e.end) || ' ')}</mark>${esc(text.slice(e.end))}</code> ${esc(e.message)}`;
    err.dataset.pos = String(e.pos);
    if (state.current) { state.view = { n: 0, first: 0, frames: new Int32Array(0) }; await render(); }
    return;
  }
  const conn = state.current;
  if (!conn || conn.kind === 'tls' || conn.kind === 'none') { await render(); return; }
  const view = await ask('filter', conn.id, text);
  // A newer filter or connection took over meanwhile: that one draws.
  if (!view || conn !== state.current || input.value !== text) return;
  state.view = view;
  state.filterText = text.trim() ? text : '';
  await render();
}

/** Frame number of row k of the list. */
function frameAt(k) {
  const v = state.view;
  return v.frames ? v.frames[k] : v.first + k;
}

/** Row of frame number i in the list, or -1. */
function rowIndexOf(i) {
  const v = state.view;
  if (i == null) return -1;
  if (!v.frames) return i - v.first >= 0 && i - v.first < v.n ? i - v.first : -1;
  let lo = 0;
  let hi = v.n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (v.frames[mid] === i) return mid;
    if (v.frames[mid] < i) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}

// ---------------------------------------------------------------- rendering

function rowHtml(r, prev) {
  const cls = `${r.violations.length ? 'bad' : ''}${r.i === state.selected ? ' sel' : ''}`;
  const arrow = r.dir === 'c2s' ? '→ c2s' : '← s2c';
  const warn = r.violations.length
    ? `<span class="warn" title="${esc(r.violations.map((v) => `${v.sec} ${v.msg}`).join('\n'))}">⚠ ${esc(r.violations[0].sec)}</span>` : '';
  return `<tr data-i="${r.i}" data-type="${esc(r.type)}" data-stream="${r.stream}" class="${cls}"><td>${r.i}</td><td>${timeOf(r, state.timeMode, prev, state.current.epoch0)}</td>`
    + `<td class="dir-${r.dir}">${arrow}</td><td>${esc(r.type)}</td><td>${esc(r.flags.join(' '))}</td>`
    + `<td>${r.type === 'PREFACE' ? '' : r.stream}</td><td>${r.len}</td><td class="info">${esc(r.info)}</td><td>${warn}</td></tr>`;
}

/** Fetch rows not on the page yet around [first, last) of the list; resolves true if any were fetched. */
async function fetchRows(first, last) {
  const conn = state.current;
  const cache = state.rows;
  const view = state.view;
  const from = Math.max(0, first - FETCH_AHEAD_ROWS);
  const to = Math.min(view.n, last + FETCH_AHEAD_ROWS);
  const want = [];
  for (let k = from; k < to; k++) { const f = frameAt(k); if (!cache.has(f)) want.push(f); }
  if (!want.length) return false;
  const rows = await ask('rows', conn.id, Int32Array.from(want));
  if (!rows || conn !== state.current || cache !== state.rows) return false;
  if (cache.size + rows.length > MAX_CACHED_ROWS) cache.clear();
  rows.forEach((r, k) => cache.set(want[k], r));
  return view === state.view;
}

/**
 * Draw only the rows in (and near) the scrolled-to part of the frame pane,
 * from the rows on the page; rows not here yet are fetched, then drawn.
 * Resolves once the rows on screen are drawn.
 */
async function renderRows() {
  const conn = state.current;
  if (!conn) return;
  const t0 = performance.now();
  const pane = $('frames-pane');
  const tbody = $('frames').tBodies[0];
  const view = state.view;
  const head = $('frames').tHead.offsetHeight || ROW_H;
  const top = Math.max(0, pane.scrollTop - head);
  const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN_ROWS);
  const visible = Math.ceil((pane.clientHeight || 600) / ROW_H);
  const last = Math.min(view.n, first + visible + 2 * OVERSCAN_ROWS);
  let complete = true;
  for (let k = Math.max(0, first - 1); k < last && complete; k++) complete = state.rows.has(frameAt(k));
  if (!complete) {
    // Drawn when the rows come (the rows drawn so far stay until then: one more layout would only show blanks).
    state.rowsWorkMs += performance.now() - t0;
    if (await fetchRows(first, last)) await renderRows();
    return;
  }
  drawRows(tbody, view, first, last);
  state.rowsWorkMs += performance.now() - t0;
  // Scrolling on: fetch the next rows before they are needed, so they are drawn in the scroll's own frame.
  const ahead = FETCH_AHEAD_ROWS / 2;
  const near = [Math.min(view.n - 1, last + ahead), Math.max(0, first - ahead)];
  if (near.some((k) => k >= 0 && !state.rows.has(frameAt(k)))) fetchRows(first, last);
  if (state.timings && state.timings.renderMs == null && view.n) state.timings.renderMs = Math.round(performance.now() - state.timings.receivedAt);
  // Charts follow what is on screen.
  const vFirst = Math.min(view.n, Math.floor(top / ROW_H));
  const vLast = Math.min(view.n, vFirst + visible);
  state.visible = [vFirst, vLast];
  const key = `${vFirst}:${vLast}:${view.n}:${state.filterText}`;
  if (key !== state.windowKey && !state.chartsQueued) {
    // After this frame's rows are drawn: scrolling never waits for the charts.
    state.chartsQueued = true;
    setTimeout(async () => {
      state.chartsQueued = false;
      if (!state.current) return;
      const [a, b] = state.visible;
      state.windowKey = `${a}:${b}:${state.view.n}:${state.filterText}`;
      pendingCalls++;
      try { await Promise.all([renderLanesChart(), renderStreamTable()]); } finally { pendingCalls--; }
    }, 0);
  }
}

function drawRows(tbody, view, first, last) {
  let html = first > 0 ? `<tr class="pad" style="height:${first * ROW_H}px"></tr>` : '';
  for (let k = first; k < last; k++) {
    const r = state.rows.get(frameAt(k));
    html += r ? rowHtml(r, k > 0 ? state.rows.get(frameAt(k - 1)) : null) : '<tr class="pad"><td colspan="9"></td></tr>';
  }
  if (last < view.n) html += `<tr class="pad" style="height:${(view.n - last) * ROW_H}px"></tr>`;
  if (!view.n) html = `<tr class="pad"><td colspan="9" class="empty">${state.current?.n ? 'no frame matches the filter' : 'no frames'}</td></tr>`;
  tbody.innerHTML = html;
}

async function render() {
  const conn = state.current;
  const decodable = conn && conn.kind !== 'tls' && conn.kind !== 'none';
  $('main').hidden = !decodable;
  $('charts').hidden = !decodable;
  if (!decodable) return;
  state.windowKey = '';
  // Measured here, not while scrolling: reading a width forces a layout.
  state.chartWidth = $('charts').clientWidth - 34;
  renderViolations();
  $('export-count').textContent = state.filterText ? `${groupDigits(state.view.n)} of ${groupDigits(conn.n ?? 0)} frames` : '';
  await Promise.all([renderRows(), renderDetail(), renderFlowChart()]);
}

/** Rows on screen in the frame list (the lanes draw these). */
function visibleRows() {
  const [a, b] = state.visible ?? [0, 0];
  const out = [];
  for (let k = a; k < Math.max(b, a + 1) && k < state.view.n; k++) {
    const r = state.rows.get(frameAt(k));
    if (r) out.push(r);
  }
  return out;
}

/** Lanes of the frames on screen (redrawn as the list scrolls). */
function renderLanesChart() {
  if (!state.current) return;
  const shown = visibleRows();
  $('lanes-scope').textContent = state.view.n > shown.length ? `frames #${shown[0]?.i ?? 0}–#${shown[shown.length - 1]?.i ?? 0} (the rows on screen)` : '';
  renderLanes($('lanes'), shown, { bySeq: $('axis-seq').checked, selected: state.selected, onSelect: (i) => select(i, true), width: state.chartWidth });
}

/** The windows plot: the connection's windows, and the selected frame's stream's. */
async function renderFlowChart() {
  const conn = state.current;
  if (!conn) return;
  const stream = state.detail?.r.i === state.selected && state.detail?.r.stream ? state.detail.r.stream : null;
  const plot = await ask('flow', conn.id, { width: state.chartWidth, bySeq: $('axis-seq').checked, stream });
  if (conn !== state.current) return;
  renderFlow($('flow'), plot, { onSelect: (i) => select(i, true) });
}

function renderCharts() {
  renderLanesChart();
  return renderFlowChart();
}

/** One row per stream: request, response, bytes each way, state, frames (streams on screen first). */
async function renderStreamTable() {
  const conn = state.current;
  if (!conn) return;
  const onScreen = [...new Set(visibleRows().map((r) => r.stream))];
  const res = await ask('streams', conn.id, onScreen);
  if (!res || conn !== state.current) return;
  const { total, rows } = res;
  const rowsHtml = rows.map((s) => `<tr data-i="${s.firstI}" data-stream="${s.sid}"><td>${s.sid}</td><td>${esc(s.req ?? '')}</td><td>${esc(s.status ?? '')}</td><td>${s.c2s}</td><td>${s.s2c}</td>`
    + `<td>${s.frames}</td><td>${fmtT(s.duration)}</td><td>${esc(s.state)}</td><td>${s.bad ? `<span class="warn">⚠ ${s.bad}</span>` : ''}</td>`
    + `<td><button class="follow" data-stream="${s.sid}">follow</button></td></tr>`).join('');
  const more = total > rows.length ? `<p class="note">${plural(total, 'stream')}; listing the ${rows.length} with frames on screen. Use the filter (<code>stream == N</code>) or “follow” for the others.</p>` : '';
  $('stream-table').innerHTML = rows.length ? `${more}<table><thead><tr><th>stream</th><th>request</th><th>status</th><th>DATA c→s</th><th>DATA s→c</th><th>frames</th><th>duration (ms)</th><th>state</th><th></th><th></th></tr></thead><tbody>${rowsHtml}</tbody></table>` : more;
}

function renderViolations() {
  const ul = $('violations');
  const conn = state.current;
  const all = conn.listed ?? [];
  const total = conn.violations ?? 0;
  if (!all.length) { ul.innerHTML = '<li class="none">none found</li>'; return; }
  ul.innerHTML = all.map((v) => `<li data-i="${v.i}"><b>${esc(v.sec)}</b> frame #${v.i} (${v.dir} ${esc(v.type)}, stream ${v.stream}): ${esc(v.msg)} — ${esc(v.error)}, ${v.scope} error</li>`).join('')
    + (total > all.length ? `<li class="none">… and ${total - all.length} more (filter: <code>violation</code>)</li>` : '');
}

async function select(i, scroll = false) {
  state.selected = i;
  state.following = null;
  if (scroll) {
    const k = rowIndexOf(i);
    if (k < 0 && state.filterText !== '') {
      // Not in the filtered list: clear the filter so the frame can be shown.
      $('filter').value = '';
      await applyFilter();
      if (state.selected !== i) return undefined;
      return select(i, scroll);
    }
    if (k >= 0) {
      const pane = $('frames-pane');
      const y = k * ROW_H;
      if (y < pane.scrollTop || y > pane.scrollTop + pane.clientHeight - 2 * ROW_H) pane.scrollTop = Math.max(0, y - pane.clientHeight / 2);
    }
  }
  for (const tr of $('frames').querySelectorAll('tr.sel')) tr.classList.remove('sel');
  $('frames').querySelector(`tr[data-i="${i}"]`)?.classList.add('sel');
  if (scroll) renderRows();
  await renderDetail();
  if (state.selected === i) await renderCharts();
  return undefined;
}

function kvTable(pairs) {
  return `<table class="kv">${pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => `<tr><td>${esc(k)}</td><td>${v}</td></tr>`).join('')}</table>`;
}

function detailFields(r) {
  const d = r.detail ?? {};
  if (d.malformed) return [['decoded', 'no: malformed (see the violations below)']];
  const err = (e) => (e ? `${esc(e.name)} (0x${e.code.toString(16)})` : '');
  const prio = (p) => (p ? `depends on ${p.dependency}${p.exclusive ? ' (exclusive)' : ''}, weight ${p.weight}` : '');
  switch (r.type) {
    case 'DATA': return [['data', `${d.dataLen} bytes`], ['padding', d.padLen ? `${d.padLen} bytes` : '']];
    case 'HEADERS': return [['fragment', `${d.fragmentLen} bytes`], ['priority', prio(d.priority)]];
    case 'PRIORITY': return [['priority', prio(d.priority)]];
    case 'RST_STREAM': return [['error', err(d.error)]];
    case 'SETTINGS': return d.ack ? [['ack', 'yes']] : [['settings', d.settings?.length ? d.settings.map((s) => `${esc(s.name)} (0x${s.id.toString(16)}) = ${s.value}`).join('<br>') : '(none)']];
    case 'PUSH_PROMISE': return [['promised stream', d.promisedId], ['fragment', `${d.fragmentLen} bytes`]];
    case 'PING': return [['data', `<code>${esc(d.data ?? '')}</code>`], ['ack', d.ack ? 'yes' : 'no']];
    case 'GOAWAY': return [['last stream id', d.lastStreamId], ['error', err(d.error)], ['debug data', d.debug ? `<code>${esc(d.debug)}</code>` : '']];
    case 'WINDOW_UPDATE': return [['increment', d.increment]];
    case 'CONTINUATION': return [['fragment', `${d.fragmentLen} bytes`]];
    case 'PRIORITY_UPDATE': return [['prioritized stream', d.prioritizedId], ['priority field', `<code>${esc(d.value ?? '')}</code>`]];
    case 'PREFACE': return [['bytes', '<code>PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n</code>']];
    case 'HTTP/1.1': return [['start line', `<code>${esc(d.startLine ?? '')}</code>`]];
    default: return [];
  }
}

/** Classic hex dump: offset, 16 bytes in hex, ASCII. */
function hexDump(bytes, max = 4096) {
  const lines = [];
  const n = Math.min(bytes.length, max);
  for (let o = 0; o < n; o += 16) {
    const row = bytes.subarray(o, Math.min(n, o + 16));
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${o.toString(16).padStart(6, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  if (bytes.length > n) lines.push(`… ${bytes.length - n} more bytes (download for all)`);
  return lines.join('\n');
}

/** The selected frame's detail, asked of the store (kept while the same frame stays selected). */
async function renderDetail() {
  if (state.following != null) return renderFollow();
  const pane = $('detail');
  const conn = state.current;
  const i = state.selected;
  if (!conn || i == null) {
    pane.innerHTML = '<p class="empty">Select a frame.</p>';
    return undefined;
  }
  let d = state.detail;
  if (d?.r.i !== i || d.conn !== conn.id) {
    d = await ask('detail', conn.id, i);
    if (conn !== state.current || state.selected !== i || state.following != null) return undefined;
    if (!d) { pane.innerHTML = `<p class="empty">frame #${i} is no longer kept</p>`; return undefined; }
    d.conn = conn.id;
    state.detail = d;
  }
  drawDetail(pane, conn, d);
  return undefined;
}

function drawDetail(pane, conn, { r, table, tableFrom: from, payload }) {
  let html = `<h3>#${r.i} <span class="dir-${r.dir}">${r.dir === 'c2s' ? 'client → server' : 'server → client'}</span> ${esc(r.type)}</h3>`;
  const abs = conn.epoch0 != null && r.t != null ? new Date(conn.epoch0 + r.t).toISOString() : '';
  html += kvTable([
    ['time', `${fmtT(r.t)} ms${abs ? ` (${abs})` : ''}`],
    ['offset', `${r.off} (in this direction)`],
    ['type', r.code == null ? (r.type === 'PREFACE' ? 'connection preface' : r.type === 'HTTP/1.1' ? 'HTTP/1.1 head (h2c upgrade)' : esc(r.type)) : `${esc(r.type)} (0x${r.code.toString(16)})`],
    ['flags', r.flags.length ? `${esc(r.flags.join(' | '))} (0x${r.flagBits.toString(16)})` : r.code == null ? '' : 'none'],
    ['stream', r.type === 'PREFACE' ? '' : r.stream],
    ['length', r.len],
    ['stream state', r.state ? esc(r.state) : ''],
    ...detailFields(r),
  ]);
  if (r.stream && r.type !== 'PREFACE') html += `<button class="follow" data-stream="${r.stream}">Follow stream ${r.stream}</button> `;
  if (payload?.length) {
    html += `<button id="copy-hex">Copy payload as hex</button> <button id="save-raw">Save payload (raw)</button>`;
  }
  if (r.violations.length) {
    html += '<h4>Violations</h4>';
    for (const v of r.violations) html += `<div class="viol"><b>${esc(v.sec)}</b> ${esc(v.msg)} <br><small>${esc(v.error.name)} · ${v.scope} error</small></div>`;
  }
  for (const n of r.notes) html += `<p class="note">ℹ ${esc(n)}</p>`;
  if (r.headers) {
    const h = r.headers;
    html += `<h4>Decoded headers (${esc(h.kind)}, stream ${h.stream}, ${h.encodedLen} bytes in ${plural(h.frames, 'frame')})</h4>`;
    html += `<table class="headers">${h.fields.map(([n, v, s]) => `<tr><th${s ? ' class="sensitive" title="never indexed"' : ''}>${esc(n)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
  }
  if (payload?.length) {
    html += `<h4>Payload (${plural(payload.length, 'byte')})</h4><pre class="hexdump">${esc(hexDump(payload))}</pre>`;
  } else if (r.detail?.preview) {
    html += `<h4>First bytes</h4><pre class="hexdump">${esc(hexDump(hexToBytes(r.detail.preview)))}</pre>`;
  }
  // HPACK table of this direction as of this frame: the latest snapshot at or before it.
  if (r.type !== 'PREFACE') {
    html += `<h4>HPACK dynamic table, ${r.dir === 'c2s' ? 'client → server' : 'server → client'}${from != null && from !== r.i ? ` (as of frame #${from})` : ''}</h4>`;
    if (!table) html += '<p class="note">empty (no header block yet in this direction)</p>';
    else {
      html += `<p class="note">${table.entries.length} entries, ${table.size} / ${table.max} bytes${table.inSync ? '' : ' — may be out of sync after an error'}</p>`;
      if (table.entries.length) html += `<table><tr><th>index</th><th>name</th><th>value</th></tr>${table.entries.map(([n, v], k) => `<tr><th>${62 + k}</th><td>${esc(n)}</td><td>${esc(v)}</td></tr>`).join('')}</table>`;
    }
  }
  if (r.win?.conn) {
    html += '<h4>Flow-control windows after this frame</h4>';
    html += kvTable([
      ['connection', `c→s ${groupDigits(r.win.conn[0])} · s→c ${groupDigits(r.win.conn[1])}`],
      ['stream', r.win.stream ? `c→s ${groupDigits(r.win.stream[0])} · s→c ${groupDigits(r.win.stream[1])}` : ''],
    ]);
  }
  pane.innerHTML = html;
}

function hexToBytes(hex) {
  const out = new Uint8Array(hex.length >> 1);
  for (let k = 0; k < out.length; k++) out[k] = parseInt(hex.substr(k * 2, 2), 16);
  return out;
}

// ---------------------------------------------------------------- follow stream

function showFollow(sid) {
  state.following = sid;
  return renderFollow();
}

function bodyView(bytes, contentType, label) {
  if (!bytes.length) return `<p class="note">no ${label} body</p>`;
  const ct = (contentType ?? '').toLowerCase();
  const head = `<h4>${label} body (${plural(bytes.length, 'byte')}${ct ? `, ${esc(ct)}` : ''})</h4>`;
  if (ct.startsWith('image/')) {
    const url = URL.createObjectURL(new Blob([bytes], { type: ct }));
    return `${head}<img class="body-img" alt="${label} body" src="${url}">`;
  }
  if (/^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded))|\+(json|xml)/.test(ct)) {
    const text = new TextDecoder().decode(bytes.subarray(0, MAX_BODY_SHOWN));
    return `${head}<pre class="body-text">${esc(text)}${bytes.length > MAX_BODY_SHOWN ? '\n…' : ''}</pre>`;
  }
  return `${head}<pre class="hexdump">${esc(hexDump(bytes))}</pre>`;
}

async function renderFollow() {
  const pane = $('detail');
  const sid = state.following;
  const conn = state.current;
  if (!conn) return;
  const s = await ask('follow', conn.id, sid);
  if (!s || conn !== state.current || state.following !== sid) return;
  const get = (b, n) => b?.headers.fields.find(([k]) => k === n)?.[1];
  const fields = (b) => `<table class="headers">${b.headers.fields.map(([n, v]) => `<tr><th>${esc(n)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
  let html = `<h3>Stream ${sid} <button id="follow-close">back to frame</button> <button id="save-har">Save as HAR</button></h3>`;
  if (!s.frames.length) { pane.innerHTML = `${html}<p class="empty">no frames on stream ${sid}</p>`; return; }
  const t = s.timing;
  html += kvTable([
    ['frames', `${s.frames.length} (#${s.frames[0].i} … #${s.frames[s.frames.length - 1].i})`],
    ['started', `${fmtT(t.start)} ms`],
    ['request sent', t.requestSent != null ? `+${fmtT(t.requestSent - t.start)} ms` : ''],
    ['response headers', t.firstResponse != null ? `+${fmtT(t.firstResponse - t.start)} ms` : ''],
    ['last frame', `+${fmtT(t.total)} ms`],
    ['state', esc(s.frames[s.frames.length - 1].state ?? '')],
  ]);
  html += s.request ? `<h4>Request</h4>${fields(s.request)}` : '<p class="note">no request headers in the capture</p>';
  html += bodyView(s.requestBody, get(s.request, 'content-type'), 'request');
  for (const b of s.informational) html += `<h4>Informational response</h4>${fields(b)}`;
  html += s.response ? `<h4>Response</h4>${fields(s.response)}` : '<p class="note">no response headers in the capture</p>';
  html += bodyView(s.responseBody, get(s.response, 'content-type'), 'response');
  for (const b of s.trailers) html += `<h4>Trailers (${b.dir})</h4>${fields(b)}`;
  if (s.missing) html += '<p class="note">some DATA bytes are not in the capture</p>';
  const bad = s.frames.flatMap((r) => r.violations.map((v) => `<div class="viol"><b>${esc(v.sec)}</b> #${r.i}: ${esc(v.msg)}</div>`));
  if (bad.length) html += `<h4>Violations</h4>${bad.join('')}`;
  pane.innerHTML = html;
  pane.scrollTop = 0;
}

// ---------------------------------------------------------------- export

/** The stream a HAR export is about: the followed one, else the selected frame's. */
const harStream = () => state.following ?? (state.detail?.r.i === state.selected ? state.detail?.r.stream : null) ?? null;

/** Export text by kind: 'json' | 'csv' (filtered frames), 'json-all' | 'csv-all', 'har' (followed/selected stream), 'payload-hex'. */
async function exportText(kind) {
  const conn = state.current;
  if (!conn) return null;
  if (!kind.endsWith('-all') && kind !== 'har' && kind !== 'payload-hex' && state.filterText == null) return null;
  return ask('exportText', conn.id, kind, { filter: state.filterText ?? '', sid: harStream(), i: state.selected });
}

function download(name, data, type) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(data instanceof Blob ? data : new Blob([data], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

async function doExport(kind) {
  const sid = harStream();
  const conn = state.current;
  if (!conn) return;
  if (!kind.endsWith('-all') && kind !== 'har' && state.filterText == null) { setStatus('fix the filter first', true); return; }
  let blob;
  try {
    blob = await ask('exportBlob', conn.id, kind, { filter: state.filterText ?? '', sid, i: state.selected });
  } catch (e) {
    setStatus(`export failed: ${e.message}`, true);
    return;
  }
  if (blob == null) { setStatus(kind === 'har' ? 'select a frame on a stream (or follow one) to export it as HAR' : 'nothing to export', true); return; }
  const base = `h2-${(conn.label || 'capture').replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 60)}`;
  if (kind === 'har') download(`${base}-stream${sid}.har`, blob, 'application/json');
  else if (kind.startsWith('json')) download(`${base}.json`, blob, 'application/json');
  else download(`${base}.csv`, blob, 'text/csv');
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    setStatus(`copied ${groupDigits(text.length)} characters`);
  } catch {
    // No clipboard permission (e.g. plain http): fall back to a selected text area.
    const ta = Object.assign(document.createElement('textarea'), { value: text });
    document.body.append(ta);
    ta.select();
    const ok = document.execCommand?.('copy');
    ta.remove();
    setStatus(ok ? 'copied' : 'copy failed: select the hex dump by hand', !ok);
  }
}

// ---------------------------------------------------------------- live mode

function liveConnect() {
  liveStop();
  clearAll();
  state.store = localStore(new RecordStore());
  const url = new URL($('live-url').value || '/_trace', location.href);
  const live = { source: new EventSource(url), events: [], byId: new Map() };
  state.live = live;
  state.follow = true;
  $('live-connect').textContent = 'Disconnect';
  $('live-save').disabled = false;
  setStatus(`connecting to ${url.pathname}…`);
  live.source.onopen = () => setStatus(`live: connected to ${url.pathname}`);
  live.source.onerror = () => setStatus('live: connection lost, retrying…', true);
  live.source.onmessage = (m) => {
    let ev;
    try { ev = JSON.parse(m.data); } catch { return; }
    live.events.push(m.data);
    if (live.events.length > 50_000) live.events.splice(0, 10_000);
    onLiveEvent(live, ev);
  };
}

function liveStop() {
  if (!state.live) return;
  state.live.source.close();
  for (const c of state.live.byId.values()) c.insp?.free();
  state.live = null;
  $('live-connect').textContent = 'Connect';
}

const endpoint = (addr, port) => (addr == null ? '?' : `${String(addr).includes(':') ? `[${addr}]` : addr}:${port}`);

function onLiveEvent(live, ev) {
  if (ev.k === 'hello') return;
  let c = live.byId.get(ev.c);
  if (!c && ev.c != null) {
    const i = ev.info ?? {};
    c = {
      id: ev.c,
      label: `#${ev.c} ${endpoint(i.remoteAddress, i.remotePort)} → ${endpoint(i.localAddress, i.localPort)}`,
      kind: 'h2', records: [], insp: null, partial: false, closed: false, bytes: { c2s: 0, s2c: 0 }, notes: [],
      // Times count from this connection's first event.
      t0: typeof ev.t === 'number' ? ev.t : null, epoch0: typeof ev.t === 'number' ? ev.t : null,
      dirs: { c2s: new Uint8Array(0), s2c: new Uint8Array(0) },
    };
    live.byId.set(ev.c, c);
    state.conns.push(c);
    state.store?.store.add(c);
    // Forget the oldest closed connections beyond the bound.
    while (state.conns.length > LIVE_MAX_CONNS) {
      const k = state.conns.findIndex((x) => x.closed && x !== state.current);
      if (k < 0) break;
      live.byId.delete(state.conns[k].id);
      state.store?.store.delete(state.conns[k].id);
      state.conns.splice(k, 1);
    }
    fillConnSelect();
    if (state.follow) selectConn(c.id);
  }
  if (!c) return;
  if (c.t0 == null && typeof ev.t === 'number') { c.t0 = ev.t; c.epoch0 = ev.t; }
  if (ev.k === 'partial') {
    c.partial = true;
    c.kind = 'mid';
    c.notes = ['joined mid-connection: its start fell out of the trace ring; streams, windows and HPACK tables began earlier'];
    if (c === state.current) showNotice(esc(c.notes[0]));
  } else if (ev.k === 'data') {
    const bytes = base64ToBytes(ev.b);
    c.bytes[ev.d] += bytes.length;
    if (!c.insp) c.insp = new Inspector(!c.partial);
    const recs = JSON.parse(c.insp.feed(ev.d === 'c2s', ev.t - c.t0, bytes));
    if (recs.length) {
      for (const r of recs) c.records.push(r);
      if (c.records.length > LIVE_MAX_RECORDS) {
        c.records.splice(0, c.records.length - LIVE_MAX_RECORDS);
        c.notes = [`showing the last ${LIVE_MAX_RECORDS} frames`];
      }
      if (c === state.current) scheduleRender();
    }
  } else if (ev.k === 'close') {
    c.closed = true;
    if (c.insp) {
      for (const r of JSON.parse(c.insp.finish(ev.t - c.t0))) c.records.push(r);
      c.insp.free();
      c.insp = null;
    }
    fillConnSelect();
    if (c === state.current) scheduleRender();
  }
}

/** Redraw the live connection once per animation frame, however many events came in. */
function scheduleRender() {
  state.liveChanged = true;
  if (state.dirty) return;
  state.dirty = true;
  requestAnimationFrame(async () => {
    try {
      while (state.current && state.liveChanged) {
        state.liveChanged = false;
        await refreshSummary(state.current);
        await applyFilter();
      }
    } finally {
      state.dirty = false;
    }
  });
}

function saveTrace() {
  if (!state.live) return;
  download(`h2wasm-trace-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`, state.live.events.join('\n') + '\n', 'application/x-ndjson');
}

// ---------------------------------------------------------------- wiring

function setMode(mode) {
  state.mode = mode;
  $('tab-open').setAttribute('aria-selected', String(mode === 'open'));
  $('tab-live').setAttribute('aria-selected', String(mode === 'live'));
  $('input-open').hidden = mode !== 'open';
  $('input-live').hidden = mode !== 'live';
  if (mode === 'open') liveStop();
}

$('tab-open').addEventListener('click', () => setMode('open'));
$('tab-live').addEventListener('click', () => setMode('live'));
$('live-connect').addEventListener('click', () => (state.live ? (liveStop(), setStatus('live: disconnected')) : liveConnect()));
$('live-save').addEventListener('click', saveTrace);
$('cancel').addEventListener('click', cancelDecode);
$('conn').addEventListener('change', (e) => { state.follow = false; selectConn(Number(e.target.value)); });
$('filter').addEventListener('input', () => { $('frames-pane').scrollTop = 0; applyFilter(); });
$('time-mode').addEventListener('change', (e) => { state.timeMode = e.target.value; if (state.current) renderRows(); });
$('axis-seq').addEventListener('change', () => state.current && renderCharts());
$('export').addEventListener('change', (e) => { if (e.target.value) doExport(e.target.value); e.target.value = ''; });
window.addEventListener('resize', () => { if (state.current) render(); });
$('frames-pane').addEventListener('scroll', () => {
  if (scrollQueued || !state.current) return;
  scrollQueued = true;
  requestAnimationFrame(() => { scrollQueued = false; renderRows(); });
});
$('frames').addEventListener('click', (e) => {
  const tr = e.target.closest('tr[data-i]');
  if (tr) select(Number(tr.dataset.i));
});
$('frames-pane').addEventListener('keydown', (e) => {
  if (!state.current || (e.key !== 'ArrowDown' && e.key !== 'ArrowUp')) return;
  const k = rowIndexOf(state.selected);
  const to = Math.max(0, Math.min(state.view.n - 1, k + (e.key === 'ArrowDown' ? 1 : -1)));
  if (state.view.n) { e.preventDefault(); select(frameAt(to), true); }
});
$('frames-pane').tabIndex = 0;
$('detail').addEventListener('click', (e) => {
  const f = e.target.closest('button.follow');
  if (f) { showFollow(Number(f.dataset.stream)); return; }
  if (e.target.id === 'follow-close') { state.following = null; renderDetail(); return; }
  if (e.target.id === 'save-har') { doExport('har'); return; }
  if (e.target.id === 'copy-hex') { exportText('payload-hex').then((t) => t != null && copyText(t)); return; }
  if (e.target.id === 'save-raw') {
    const r = state.detail?.r;
    const p = r?.i === state.selected && state.detail.payload;
    if (p) download(`frame-${r.i}-${r.type}.bin`, p, 'application/octet-stream');
  }
});
$('stream-table').addEventListener('click', (e) => {
  const f = e.target.closest('button.follow');
  if (f) { showFollow(Number(f.dataset.stream)); return; }
  const tr = e.target.closest('tr[data-i]');
  if (tr) select(Number(tr.dataset.i), true);
});
$('violations').addEventListener('click', (e) => {
  const li = e.target.closest('li[data-i]');
  if (li) select(Number(li.dataset.i), true);
});

$('file').addEventListener('change', async (e) => {
  const files = [...e.target.files];
  e.target.value = ''; // choosing the same file again is a new load
  if (!files.length) return;
  const names = files.map((f) => f.name).join(', ');
  // The worker reads the files itself: their bytes never pass through the page's thread.
  lastFiles = { files, names };
  await decodeAndShow({ files: files.map((f) => ({ name: f.name, file: f })) }, names);
});

// A key log chosen from the TLS notice: decode the last files again with it.
$('notice').addEventListener('change', async (e) => {
  if (e.target.id !== 'keylog' || !e.target.files.length || !lastFiles) return;
  const keyLog = await e.target.files[0].text();
  const files = lastFiles.files.map((f) => ({ name: f.name, file: f }));
  await decodeAndShow({ files, keyLog }, `${lastFiles.names} + ${e.target.files[0].name}`);
});

$('decode-paste').addEventListener('click', async () => {
  const c2s = $('paste-c2s').value;
  const s2c = $('paste-s2c').value;
  if (!c2s.trim() && !s2c.trim()) { clearAll(); setStatus(`pasted bytes: ${NO_H2} (empty input)`, true); return; }
  await decodeAndShow({ paste: { c2s, s2c } }, 'pasted bytes');
});

// ?live opens live mode straight away (what `h2wasm serve --trace` links to).
if (new URLSearchParams(location.search).has('live')) {
  setMode('live');
  wasmReady.then(liveConnect, () => {});
}
