// The inspector page: inputs → (Web Worker: capture parsing + wasm decoding)
// → frame list (virtualized), detail pane (headers, HPACK table, windows,
// violations, payload), follow-stream view, stream lanes and flow-control
// plot, filters and exports. Plain ES modules; no framework, no bundler.

import init, { Inspector } from './wasm/h2wasm.js';
import { base64ToBytes, NO_H2 } from './capture.js';
import { extendFlowSeries, flowSeries, renderLanes, renderFlow } from './charts.js';
import { compileFilter, FilterError } from './filter.js';
import { framesToCSV, framesToJSON, payloadOf, streamSummary, streamToHAR, timeOf, toHex } from './export.js';

const $ = (id) => document.getElementById(id);

// Live-mode bounds: frames kept per connection, connections listed.
const LIVE_MAX_RECORDS = 20_000;
const LIVE_MAX_CONNS = 200;
// Frame rows are one fixed height so the list can be virtualized.
const ROW_H = 22;
const OVERSCAN_ROWS = 20;
// Long lists below the frame table are cut here (the filter reaches the rest).
const MAX_LISTED_STREAMS = 300;
const MAX_LISTED_VIOLATIONS = 500;
// Follow-stream bodies: bytes shown inline (the download has all of them).
const MAX_BODY_SHOWN = 256 * 1024;

const state = {
  mode: 'open',
  conns: [],          // {id, label, kind, records, dirs, ...}
  current: null,      // conn object
  view: [],           // records passing the filter
  selected: null,     // record index (r.i)
  following: null,    // stream id shown in the follow view
  predicate: null,    // compiled filter
  timeMode: 'relative',
  follow: true,       // live: follow the newest connection
  live: null,         // {source, events, byId}
  dirty: false,
  worker: null,       // the decoding worker while it runs
  timings: null,      // last decode: worker parse/decode ms, first render ms
  windowKey: '',      // first/last visible row, to redraw charts only when they change
  chartsQueued: false,
  visible: [0, 0],    // first/last row on screen in the filtered list
  chartWidth: 0,      // px for the charts, measured on render and resize
};

// Exposed for tests and for poking at from the console.
window.h2inspector = { state, ready: null, exportText, follow: (sid) => showFollow(sid), renderRows: () => renderRows(),
  drawScrolledCharts: () => { renderLanesChart(); renderStreamTable(); } };

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
const plural = (n, w) => `${n.toLocaleString('en')} ${w}${n === 1 ? '' : 's'}`;

// ---------------------------------------------------------------- decoding (worker)

/** Forget everything shown for the previous input. */
function clearAll() {
  state.conns = [];
  state.current = null;
  state.view = [];
  state.selected = null;
  state.following = null;
  $('conn-bar').hidden = true;
  $('notice').hidden = true;
  $('notice').textContent = '';
  for (const id of ['violations', 'stream-table', 'lanes', 'flow', 'detail']) $(id).textContent = '';
  $('frames').tBodies[0].textContent = '';
  render();
}

class Cancelled extends Error {}

function cancelDecode() {
  if (!state.worker) return;
  const { worker, reject } = state.worker;
  worker.terminate();
  state.worker = null;
  $('progress').hidden = true;
  reject(new Cancelled('decoding cancelled'));
}

/** Decode in a worker; resolves with {conns, notes}. */
function decodeInWorker(msg, transfer = []) {
  cancelDecode();
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    const running = { worker: w, reject };
    state.worker = running;
    $('progress').hidden = false;
    $('progress-bar').value = 0;
    // conn id → {records so far, their index}: indexed batch by batch, in the
    // tasks that take the batches in, so the first render has nothing left to walk.
    const received = new Map();
    w.onmessage = ({ data }) => {
      if (data.records) {
        const { id, batch } = data.records;
        let acc = received.get(id);
        if (!acc) { acc = { records: [], index: null }; received.set(id, acc); }
        for (const r of batch) acc.records.push(r);
        indexRecords(acc);
        setStatus(`receiving frames… ${acc.records.length.toLocaleString('en')}`);
        return;
      }
      if (data.progress) {
        const { done, total } = data.progress;
        $('progress-bar').value = total ? done / total : 0;
        setStatus(`decoding… ${Math.round((100 * done) / (total || 1))} % of ${(total / 1e6).toFixed(1)} MB`);
        return;
      }
      w.terminate();
      if (state.worker === running) state.worker = null;
      $('progress').hidden = true;
      if (data.error) reject(new Error(data.error));
      else {
        for (const c of data.result.conns) {
          const acc = received.get(c.id);
          c.records = acc?.records ?? [];
          c.index = acc?.index ?? null;
        }
        state.timings = { ...data.result.timings, receivedAt: performance.now() };
        resolve(data.result);
      }
    };
    w.onerror = (e) => {
      e.preventDefault();
      w.terminate();
      if (state.worker === running) state.worker = null;
      $('progress').hidden = true;
      reject(new Error(e.message || 'worker failed'));
    };
    w.postMessage(msg, transfer);
  });
}

function showResult({ conns, notes }, source) {
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
  selectConn(decodable[0].id);
  if (state.timings) state.timings.renderMs = Math.round(performance.now() - state.timings.receivedAt);
  const frames = decodable.reduce((n, c) => n + c.records.length, 0);
  setStatus(`${source}: ${plural(conns.length, 'connection')}, ${plural(frames, 'frame')}${extra}`);
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

async function decodeAndShow(msg, transfer, source) {
  await wasmReady;
  liveStop();
  clearAll();
  setStatus(`decoding ${source}…`);
  try {
    showResult(await decodeInWorker(msg, transfer), source);
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
    const n = c.records && !state.live && c.kind !== 'tls' && c.kind !== 'none' ? ` — ${plural(c.records.length, 'frame')}` : '';
    o.textContent = `${c.label}${c.closed ? ' (closed)' : ''}${n}`;
    sel.append(o);
  }
  if (state.current) sel.value = String(state.current.id);
  $('conn-bar').hidden = false;
}

function connInfoText(conn) {
  const v = indexRecords(conn).violations;
  const bytes = conn.bytes ? `${conn.bytes.c2s.toLocaleString('en')} bytes c→s, ${conn.bytes.s2c.toLocaleString('en')} bytes s→c · ` : '';
  return `${bytes}${plural(conn.records.length, 'frame')} · ${plural(v, 'violation')}${conn.closed ? ' · closed' : ''}`;
}

function selectConn(id) {
  const conn = state.conns.find((c) => c.id === id);
  if (!conn) return;
  state.current = conn;
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
  applyFilter();
}

// ---------------------------------------------------------------- filtering

function applyFilter() {
  const input = $('filter');
  const err = $('filter-error');
  try {
    state.predicate = compileFilter(input.value);
    err.hidden = true;
    input.classList.remove('bad');
  } catch (e) {
    if (!(e instanceof FilterError)) throw e;
    state.predicate = null;
    input.classList.add('bad');
    err.hidden = false;
    const text = input.value;
    err.innerHTML = `<code>${esc(text.slice(0, e.pos))}<mark>${esc(text.slice(e.pos, e.end) || ' ')}</mark>${esc(text.slice(e.end))}</code> ${esc(e.message)}`;
    err.dataset.pos = String(e.pos);
    if (state.current) { state.view = []; render(); }
    return;
  }
  if (!state.current) return;
  const recs = state.current.records;
  state.view = state.predicate ? recs.filter(state.predicate) : recs;
  render();
}

// ---------------------------------------------------------------- rendering

/** One-line summary for the frame list (like Wireshark's Info column). */
function info(r) {
  const d = r.detail ?? {};
  if (d.malformed) {
    const why = r.violations[0]?.msg ?? r.notes[0] ?? 'could not be decoded';
    return `malformed: ${why}`;
  }
  const f = r.headers?.fields;
  const get = (n) => f?.find(([k]) => k === n)?.[1];
  switch (r.type) {
    case 'HEADERS': case 'CONTINUATION': case 'PUSH_PROMISE': case 'HTTP/1.1':
      if (!f) return r.type === 'PUSH_PROMISE' ? `promised ${d.promisedId}` : d.startLine ?? (d.endHeaders === false ? '(continued)' : '');
      if (get(':status')) return `:status ${get(':status')}${r.headers.kind === 'informational' ? ' (1xx)' : ''}`;
      if (get(':method')) return `${get(':method')} ${get(':path') ?? get(':authority') ?? ''}`;
      return `${r.headers.kind}: ${f.length} fields`;
    case 'DATA': return `${d.dataLen} bytes${d.padLen ? ` + ${d.padLen} padding` : ''}`;
    case 'SETTINGS': return d.ack ? '' : (d.settings ?? []).map((x) => `${x.name}=${x.value}`).join(' ');
    case 'WINDOW_UPDATE': return d.increment == null ? '' : `+${d.increment}`;
    case 'RST_STREAM': return d.error?.name ?? '';
    case 'GOAWAY': return `last ${d.lastStreamId} ${d.error?.name ?? ''}${d.debug ? ` "${d.debug}"` : ''}`;
    case 'PING': return d.data ?? '';
    case 'PRIORITY': return d.priority ? `→ ${d.priority.dependency} w${d.priority.weight}` : '';
    case 'PRIORITY_UPDATE': return `${d.prioritizedId}: ${d.value}`;
    default: return '';
  }
}

function rowHtml(r, prev) {
  const cls = `${r.violations.length ? 'bad' : ''}${r.i === state.selected ? ' sel' : ''}`;
  const arrow = r.dir === 'c2s' ? '→ c2s' : '← s2c';
  const warn = r.violations.length
    ? `<span class="warn" title="${esc(r.violations.map((v) => `${v.sec} ${v.msg}`).join('\n'))}">⚠ ${esc(r.violations[0].sec)}</span>` : '';
  return `<tr data-i="${r.i}" data-type="${esc(r.type)}" data-stream="${r.stream}" class="${cls}"><td>${r.i}</td><td>${timeOf(r, state.timeMode, prev, state.current.epoch0)}</td>`
    + `<td class="dir-${r.dir}">${arrow}</td><td>${esc(r.type)}</td><td>${esc(r.flags.join(' '))}</td>`
    + `<td>${r.type === 'PREFACE' ? '' : r.stream}</td><td>${r.len}</td><td class="info">${esc(info(r))}</td><td>${warn}</td></tr>`;
}

/** Draw only the rows in (and near) the scrolled-to part of the frame pane. */
function renderRows() {
  const pane = $('frames-pane');
  const tbody = $('frames').tBodies[0];
  const view = state.view;
  const head = $('frames').tHead.offsetHeight || ROW_H;
  const top = Math.max(0, pane.scrollTop - head);
  const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN_ROWS);
  const visible = Math.ceil((pane.clientHeight || 600) / ROW_H);
  const last = Math.min(view.length, first + visible + 2 * OVERSCAN_ROWS);
  let html = first > 0 ? `<tr class="pad" style="height:${first * ROW_H}px"></tr>` : '';
  for (let k = first; k < last; k++) html += rowHtml(view[k], k > 0 ? view[k - 1] : null);
  if (last < view.length) html += `<tr class="pad" style="height:${(view.length - last) * ROW_H}px"></tr>`;
  if (!view.length) html = `<tr class="pad"><td colspan="9" class="empty">${state.current?.records.length ? 'no frame matches the filter' : 'no frames'}</td></tr>`;
  tbody.innerHTML = html;
  // Charts follow what is on screen.
  const vFirst = Math.min(view.length, Math.floor(top / ROW_H));
  const vLast = Math.min(view.length, vFirst + visible);
  state.visible = [vFirst, vLast];
  const key = `${vFirst}:${vLast}:${view.length}`;
  if (key !== state.windowKey && !state.chartsQueued) {
    // After this frame's rows are drawn: scrolling never waits for the charts.
    state.chartsQueued = true;
    setTimeout(() => {
      state.chartsQueued = false;
      if (!state.current) return;
      const [a, b] = state.visible;
      state.windowKey = `${a}:${b}:${state.view.length}`;
      renderLanesChart();
      renderStreamTable();
    }, 0);
  }
}

function render() {
  const conn = state.current;
  const decodable = conn && conn.kind !== 'tls' && conn.kind !== 'none';
  $('main').hidden = !decodable;
  $('charts').hidden = !decodable;
  if (!decodable) return;
  state.windowKey = '';
  // Measured here, not while scrolling: reading a width forces a layout.
  state.chartWidth = $('charts').clientWidth - 34;
  renderRows();
  renderCharts();
  renderDetail();
  renderViolations();
  $('export-count').textContent = state.predicate ? `${state.view.length.toLocaleString('en')} of ${state.current.records.length.toLocaleString('en')} frames` : '';
}

/** Records on screen in the frame list (the charts draw these). */
function visibleRecords() {
  const [a, b] = state.visible ?? [0, 0];
  return state.view.slice(a, Math.max(b, a + 1));
}

function recordAt(i) {
  const recs = state.current?.records;
  if (!recs || i == null) return null;
  const guess = recs[i - (recs[0]?.i ?? 0)];
  if (guess?.i === i) return guess;
  let lo = 0;
  let hi = recs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (recs[mid].i === i) return recs[mid];
    if (recs[mid].i < i) lo = mid + 1; else hi = mid - 1;
  }
  return null;
}

/** Lanes of the frames on screen (redrawn as the list scrolls). */
function renderLanesChart() {
  if (!state.current) return;
  const shown = visibleRecords();
  $('lanes-scope').textContent = state.view.length > shown.length ? `frames #${shown[0]?.i ?? 0}–#${shown[shown.length - 1]?.i ?? 0} (the rows on screen)` : '';
  renderLanes($('lanes'), shown, { bySeq: $('axis-seq').checked, selected: state.selected, onSelect: (i) => select(i, true), width: state.chartWidth });
}

function renderCharts() {
  const conn = state.current;
  if (!conn) return;
  const bySeq = $('axis-seq').checked;
  const sel = recordAt(state.selected);
  renderLanesChart();
  const index = indexRecords(conn);
  renderFlow($('flow'), conn.records, { width: state.chartWidth, bySeq, stream: sel && sel.stream ? sel.stream : null, onSelect: (i) => select(i, true), streamIndex: index.byStream, flow: index.flow });
}

/**
 * What the charts and lists need from all of a connection's records, kept up
 * to date incrementally (linear overall): stream id → its records, the
 * windows plot's series, the violation count and the first violations listed.
 * Rebuilt when records were dropped from the front (the live view's bound).
 */
function indexRecords(conn) {
  const recs = conn.records;
  let x = conn.index;
  if (!x || x.first !== recs[0] || x.n > recs.length) {
    x = { n: 0, first: recs[0], byStream: new Map(), flow: flowSeries(), violations: 0, listed: [] };
    conn.index = x;
  }
  for (let k = x.n; k < recs.length; k++) {
    const r = recs[k];
    if (r.type !== 'PREFACE') {
      let a = x.byStream.get(r.stream);
      if (!a) { a = []; x.byStream.set(r.stream, a); }
      a.push(r);
    }
    for (const v of r.violations) {
      x.violations++;
      if (x.listed.length < MAX_LISTED_VIOLATIONS) x.listed.push([r, v]);
    }
  }
  extendFlowSeries(x.flow, recs);
  x.n = recs.length;
  x.first = recs[0];
  return x;
}

/** stream id → its records. */
function streamIndex(conn) {
  return indexRecords(conn).byStream;
}

/** One row per stream: request, response, bytes each way, state, frames (streams on screen first). */
function renderStreamTable() {
  const box = $('stream-table');
  const conn = state.current;
  const idx = streamIndex(conn);
  const onScreen = new Set(visibleRecords().map((r) => r.stream));
  const ids = [...idx.keys()].filter((s) => s !== 0);
  const picked = ids.length > MAX_LISTED_STREAMS ? ids.filter((s) => onScreen.has(s)).slice(0, MAX_LISTED_STREAMS) : ids;
  picked.sort((a, b) => a - b);
  const rowsHtml = picked.map((sid) => {
    const recs = idx.get(sid);
    const s = { req: null, status: null, state: '', bad: 0, bytes: { c2s: 0, s2c: 0 } };
    for (const r of recs) {
      s.bad += r.violations.length;
      if (r.state) s.state = r.state;
      if (r.type === 'DATA') s.bytes[r.dir] += r.detail?.dataLen ?? 0;
      const f = r.headers?.fields;
      if (f && (r.headers.kind === 'request' || r.headers.kind === 'push-request') && !s.req) {
        const get = (n) => f.find(([k]) => k === n)?.[1] ?? '';
        s.req = `${get(':method')} ${get(':path')}`;
      }
      if (f && r.headers.kind === 'response') s.status = f.find(([k]) => k === ':status')?.[1] ?? '?';
    }
    const first = recs[0];
    const last = recs[recs.length - 1];
    return `<tr data-i="${first.i}" data-stream="${sid}"><td>${sid}</td><td>${esc(s.req ?? '')}</td><td>${esc(s.status ?? '')}</td><td>${s.bytes.c2s}</td><td>${s.bytes.s2c}</td>`
      + `<td>${recs.length}</td><td>${fmtT(last.t - first.t)}</td><td>${esc(s.state)}</td><td>${s.bad ? `<span class="warn">⚠ ${s.bad}</span>` : ''}</td>`
      + `<td><button class="follow" data-stream="${sid}">follow</button></td></tr>`;
  }).join('');
  const more = ids.length > picked.length ? `<p class="note">${plural(ids.length, 'stream')}; listing the ${picked.length} with frames on screen. Use the filter (<code>stream == N</code>) or “follow” for the others.</p>` : '';
  box.innerHTML = picked.length ? `${more}<table><thead><tr><th>stream</th><th>request</th><th>status</th><th>DATA c→s</th><th>DATA s→c</th><th>frames</th><th>duration (ms)</th><th>state</th><th></th><th></th></tr></thead><tbody>${rowsHtml}</tbody></table>` : more;
}

function renderViolations() {
  const ul = $('violations');
  const { listed: all, violations: total } = indexRecords(state.current);
  if (!all.length) { ul.innerHTML = '<li class="none">none found</li>'; return; }
  ul.innerHTML = all.map(([r, v]) => `<li data-i="${r.i}"><b>${esc(v.sec)}</b> frame #${r.i} (${r.dir} ${esc(r.type)}, stream ${r.stream}): ${esc(v.msg)} — ${esc(v.error.name)}, ${v.scope} error</li>`).join('')
    + (total > all.length ? `<li class="none">… and ${total - all.length} more (filter: <code>violation</code>)</li>` : '');
}

function select(i, scroll = false) {
  state.selected = i;
  state.following = null;
  if (scroll) {
    const k = state.view.findIndex((r) => r.i === i);
    if (k < 0 && state.predicate) {
      // Not in the filtered list: clear the filter so the frame can be shown.
      $('filter').value = '';
      applyFilter();
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
  renderDetail();
  renderCharts();
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

function renderDetail() {
  if (state.following != null) return renderFollow();
  const pane = $('detail');
  const conn = state.current;
  const r = recordAt(state.selected);
  if (!r) {
    pane.innerHTML = '<p class="empty">Select a frame.</p>';
    return undefined;
  }
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
  const payload = payloadOf(conn, r);
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
  let table = null;
  let from = null;
  const recs = conn.records;
  for (let k = recs.indexOf(r); k >= 0; k--) {
    const x = recs[k];
    if (x.dir === r.dir && x.table) { table = x.table; from = x.i; break; }
  }
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
      ['connection', `c→s ${r.win.conn[0].toLocaleString('en')} · s→c ${r.win.conn[1].toLocaleString('en')}`],
      ['stream', r.win.stream ? `c→s ${r.win.stream[0].toLocaleString('en')} · s→c ${r.win.stream[1].toLocaleString('en')}` : ''],
    ]);
  }
  pane.innerHTML = html;
  return undefined;
}

function hexToBytes(hex) {
  const out = new Uint8Array(hex.length >> 1);
  for (let k = 0; k < out.length; k++) out[k] = parseInt(hex.substr(k * 2, 2), 16);
  return out;
}

// ---------------------------------------------------------------- follow stream

function showFollow(sid) {
  state.following = sid;
  renderFollow();
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

function renderFollow() {
  const pane = $('detail');
  const sid = state.following;
  const conn = state.current;
  const s = streamSummary(conn, sid);
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

/** Export text by kind: 'json' | 'csv' (filtered frames), 'json-all' | 'csv-all', 'har' (followed/selected stream). */
function exportText(kind) {
  const conn = state.current;
  if (!conn) return null;
  const recs = kind.endsWith('-all') ? conn.records : state.view;
  if (kind.startsWith('json')) return framesToJSON(conn, recs);
  if (kind.startsWith('csv')) return framesToCSV(conn, recs);
  if (kind === 'har') {
    const sid = state.following ?? recordAt(state.selected)?.stream;
    if (!sid) return null;
    return JSON.stringify(streamToHAR(conn, sid), null, 1);
  }
  if (kind === 'payload-hex') {
    const r = recordAt(state.selected);
    const p = r && payloadOf(conn, r);
    return p ? toHex(p) : null;
  }
  return null;
}

function download(name, data, type) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([data], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

function doExport(kind) {
  const text = exportText(kind);
  if (text == null) { setStatus(kind === 'har' ? 'select a frame on a stream (or follow one) to export it as HAR' : 'nothing to export', true); return; }
  const base = `h2-${(state.current.label || 'capture').replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 60)}`;
  if (kind === 'har') download(`${base}-stream${state.following ?? recordAt(state.selected)?.stream}.har`, text, 'application/json');
  else if (kind.startsWith('json')) download(`${base}.json`, text, 'application/json');
  else download(`${base}.csv`, text, 'text/csv');
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    setStatus(`copied ${text.length.toLocaleString('en')} characters`);
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
    // Forget the oldest closed connections beyond the bound.
    while (state.conns.length > LIVE_MAX_CONNS) {
      const k = state.conns.findIndex((x) => x.closed && x !== state.current);
      if (k < 0) break;
      live.byId.delete(state.conns[k].id);
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

function scheduleRender() {
  if (state.dirty) return;
  state.dirty = true;
  requestAnimationFrame(() => {
    state.dirty = false;
    if (!state.current) return;
    $('conn-info').textContent = connInfoText(state.current);
    const recs = state.current.records;
    state.view = state.predicate ? recs.filter(state.predicate) : recs;
    render();
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
let scrollQueued = false;
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
  const k = state.view.findIndex((r) => r.i === state.selected);
  const next = state.view[Math.max(0, Math.min(state.view.length - 1, k + (e.key === 'ArrowDown' ? 1 : -1)))];
  if (next) { e.preventDefault(); select(next.i, true); }
});
$('frames-pane').tabIndex = 0;
$('detail').addEventListener('click', (e) => {
  const f = e.target.closest('button.follow');
  if (f) { showFollow(Number(f.dataset.stream)); return; }
  if (e.target.id === 'follow-close') { state.following = null; renderDetail(); return; }
  if (e.target.id === 'save-har') { doExport('har'); return; }
  if (e.target.id === 'copy-hex') { const t = exportText('payload-hex'); if (t != null) copyText(t); return; }
  if (e.target.id === 'save-raw') {
    const r = recordAt(state.selected);
    const p = r && payloadOf(state.current, r);
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
  try {
    const loaded = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
    lastFiles = { files, names };
    await decodeAndShow({ files: loaded }, loaded.map((f) => f.bytes.buffer), names);
  } catch (err) {
    setStatus(`could not read ${names}: ${err.message}`, true);
  }
});

// A key log chosen from the TLS notice: decode the last files again with it.
$('notice').addEventListener('change', async (e) => {
  if (e.target.id !== 'keylog' || !e.target.files.length || !lastFiles) return;
  const keyLog = await e.target.files[0].text();
  const loaded = await Promise.all(lastFiles.files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
  await decodeAndShow({ files: loaded, keyLog }, loaded.map((f) => f.bytes.buffer), `${lastFiles.names} + ${e.target.files[0].name}`);
});

$('decode-paste').addEventListener('click', async () => {
  const c2s = $('paste-c2s').value;
  const s2c = $('paste-s2c').value;
  if (!c2s.trim() && !s2c.trim()) { clearAll(); setStatus(`pasted bytes: ${NO_H2} (empty input)`, true); return; }
  await decodeAndShow({ paste: { c2s, s2c } }, [], 'pasted bytes');
});

// ?live opens live mode straight away (what `h2wasm serve --trace` links to).
if (new URLSearchParams(location.search).has('live')) {
  setMode('live');
  wasmReady.then(liveConnect, () => {});
}
