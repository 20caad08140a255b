// The inspector page: inputs → connections → wasm Inspector → frame list,
// detail pane (headers, HPACK table, windows, violations), stream lanes and
// flow-control plot. Plain ES module; no framework, no bundler.

import init, { Inspector } from './wasm/h2wasm.js';
import { connectionsFromFiles, connectionFromDirections, parseText, base64ToBytes } from './capture.js';
import { renderLanes, renderFlow } from './charts.js';

const $ = (id) => document.getElementById(id);

// Live-mode bounds: frames kept per connection, connections listed.
const LIVE_MAX_RECORDS = 20_000;
const LIVE_MAX_CONNS = 200;

const state = {
  mode: 'open',
  conns: [],          // {id, label, records, ...}
  current: null,      // conn object
  selected: null,     // record index (r.i)
  follow: true,       // live: follow the newest connection
  live: null,         // {source, events, t0}
  dirty: false,
};

// Exposed for tests and for poking at from the console.
window.h2inspector = { state, ready: null };

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

// ---------------------------------------------------------------- decoding

function feedAll(conn) {
  const insp = new Inspector(conn.expectPreface);
  const records = [];
  try {
    for (const ch of conn.chunks) records.push(...JSON.parse(insp.feed(ch.dir === 'c2s', ch.t, ch.bytes)));
    const last = conn.chunks.length ? conn.chunks[conn.chunks.length - 1].t : 0;
    records.push(...JSON.parse(insp.finish(last)));
  } finally {
    insp.free();
  }
  return records;
}

async function showConnections(conns, source) {
  await wasmReady;
  if (!conns.length) {
    setStatus(`${source}: no TCP payload / HTTP/2 bytes found`, true);
    return;
  }
  for (const c of conns) c.records = null;
  state.conns = conns;
  state.follow = false;
  fillConnSelect();
  // Prefer the first connection that speaks HTTP/2 (starts with the preface).
  const pick = conns.find((c) => c.h2) ?? conns[0];
  selectConn(pick.id);
  setStatus(`${source}: ${conns.length} connection${conns.length > 1 ? 's' : ''}`);
}

function fillConnSelect() {
  const sel = $('conn');
  sel.textContent = '';
  for (const c of state.conns) {
    const o = document.createElement('option');
    o.value = String(c.id);
    const n = c.records && !state.live ? ` — ${c.records.length} frames` : '';
    o.textContent = `${c.label}${c.closed ? ' (closed)' : ''}${n}`;
    sel.append(o);
  }
  if (state.current) sel.value = String(state.current.id);
  $('conn-bar').hidden = false;
}

function selectConn(id) {
  const conn = state.conns.find((c) => c.id === id);
  if (!conn) return;
  if (!conn.records) {
    try {
      conn.records = feedAll(conn);
    } catch (e) {
      setStatus(`decoding failed: ${e.message}`, true);
      conn.records = [];
    }
  }
  state.current = conn;
  state.selected = null;
  $('conn').value = String(id);
  const v = conn.records.reduce((n, r) => n + r.violations.length, 0);
  $('conn-info').textContent = `${conn.bytes ? `${conn.bytes.c2s} bytes c→s, ${conn.bytes.s2c} bytes s→c · ` : ''}${conn.records.length} frames · ${v} violation${v === 1 ? '' : 's'}${conn.notes?.length ? ' · ' + conn.notes.join('; ') : ''}`;
  $('axis-seq').checked = !!conn.untimed;
  render();
}

// ---------------------------------------------------------------- rendering

function filtered(records) {
  const f = $('filter').value.trim().toLowerCase();
  if (!f) return records;
  if (f === '!' || f === '!violations') return records.filter((r) => r.violations.length);
  if (/^\d+$/.test(f)) return records.filter((r) => r.stream === Number(f));
  return records.filter((r) => r.type.toLowerCase().includes(f));
}

const fmtT = (t) => (t == null ? '' : t.toFixed(3));
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));

/** One-line summary for the frame list (like Wireshark's Info column). */
function info(r) {
  const d = r.detail ?? {};
  const f = r.headers?.fields;
  const get = (n) => f?.find(([k]) => k === n)?.[1];
  switch (r.type) {
    case 'HEADERS': case 'CONTINUATION': case 'PUSH_PROMISE': case 'HTTP/1.1':
      if (!f) return r.type === 'PUSH_PROMISE' ? `promised ${d.promisedId}` : d.startLine ?? (d.endHeaders === false ? '(continued)' : '');
      if (get(':status')) return `:status ${get(':status')}${r.headers.kind === 'informational' ? ' (1xx)' : ''}`;
      if (get(':method')) return `${get(':method')} ${get(':path') ?? get(':authority') ?? ''}`;
      return `${r.headers.kind}: ${f.length} fields`;
    case 'DATA': return `${d.dataLen} bytes${d.padLen ? ` + ${d.padLen} padding` : ''}`;
    case 'SETTINGS': return d.ack ? '' : d.settings.map((x) => `${x.name}=${x.value}`).join(' ');
    case 'WINDOW_UPDATE': return `+${d.increment}`;
    case 'RST_STREAM': return d.error.name;
    case 'GOAWAY': return `last ${d.lastStreamId} ${d.error.name}${d.debug ? ` "${d.debug}"` : ''}`;
    case 'PING': return d.data;
    case 'PRIORITY': return `→ ${d.priority.dependency} w${d.priority.weight}`;
    case 'PRIORITY_UPDATE': return `${d.prioritizedId}: ${d.value}`;
    default: return '';
  }
}

function rowFor(r) {
  const tr = document.createElement('tr');
  tr.dataset.i = r.i;
  tr.dataset.type = r.type;
  tr.dataset.stream = r.stream;
  if (r.violations.length) tr.classList.add('bad');
  if (r.i === state.selected) tr.classList.add('sel');
  const arrow = r.dir === 'c2s' ? '→ c2s' : '← s2c';
  tr.innerHTML = `<td>${r.i}</td><td>${fmtT(r.t)}</td><td class="dir-${r.dir}">${arrow}</td><td>${esc(r.type)}</td>`
    + `<td>${esc(r.flags.join(' '))}</td><td>${r.type === 'PREFACE' ? '' : r.stream}</td><td>${r.len}</td><td class="info">${esc(info(r))}</td>`
    + `<td>${r.violations.length ? `<span class="warn" title="${esc(r.violations.map((v) => `${v.sec} ${v.msg}`).join('\n'))}">⚠ ${esc(r.violations[0].sec)}</span>` : ''}</td>`;
  return tr;
}

function renderRows() {
  const tbody = $('frames').tBodies[0];
  tbody.textContent = '';
  const frag = document.createDocumentFragment();
  for (const r of filtered(state.current.records)) frag.append(rowFor(r));
  tbody.append(frag);
  state.rendered = state.current.records.length;
}

function render() {
  const conn = state.current;
  $('main').hidden = !conn;
  $('charts').hidden = !conn;
  if (!conn) return;
  renderRows();
  renderDetail();
  renderCharts();
  renderStreamTable();
  renderViolations();
}

function renderCharts() {
  const conn = state.current;
  const bySeq = $('axis-seq').checked;
  const sel = conn.records.find((r) => r.i === state.selected);
  renderLanes($('lanes'), conn.records, { bySeq, selected: state.selected, onSelect: select });
  renderFlow($('flow'), conn.records, { bySeq, stream: sel && sel.stream ? sel.stream : null, onSelect: select });
}

/** One row per stream: request, response, bytes each way, state, frames. */
function renderStreamTable() {
  const box = $('stream-table');
  const by = new Map();
  for (const r of state.current.records) {
    if (!r.stream || r.type === 'PREFACE') continue;
    let s = by.get(r.stream);
    if (!s) { s = { id: r.stream, first: r, last: r, frames: 0, bytes: { c2s: 0, s2c: 0 }, req: null, status: null, state: '', bad: 0 }; by.set(r.stream, s); }
    s.frames++;
    s.last = r;
    s.bad += r.violations.length;
    if (r.state) s.state = r.state;
    if (r.type === 'DATA') s.bytes[r.dir] += r.detail.dataLen ?? 0;
    const f = r.headers?.fields;
    if (f && (r.headers.kind === 'request' || r.headers.kind === 'push-request') && !s.req) {
      const get = (n) => f.find(([k]) => k === n)?.[1] ?? '';
      s.req = `${get(':method')} ${get(':path')}`;
    }
    if (f && r.headers.kind === 'response') s.status = f.find(([k]) => k === ':status')?.[1] ?? '?';
  }
  const rowsHtml = [...by.values()].sort((a, b) => a.id - b.id).map((s) => `<tr data-i="${s.first.i}">`
    + `<td>${s.id}</td><td>${esc(s.req ?? '')}</td><td>${esc(s.status ?? '')}</td><td>${s.bytes.c2s}</td><td>${s.bytes.s2c}</td>`
    + `<td>${s.frames}</td><td>${fmtT(s.last.t - s.first.t)}</td><td>${esc(s.state)}</td><td>${s.bad ? `<span class="warn">⚠ ${s.bad}</span>` : ''}</td></tr>`).join('');
  box.innerHTML = by.size ? `<table><thead><tr><th>stream</th><th>request</th><th>status</th><th>DATA c→s</th><th>DATA s→c</th><th>frames</th><th>duration (ms)</th><th>state</th><th></th></tr></thead><tbody>${rowsHtml}</tbody></table>` : '';
}

function renderViolations() {
  const ul = $('violations');
  ul.textContent = '';
  const all = state.current.records.flatMap((r) => r.violations.map((v) => [r, v]));
  if (!all.length) {
    const li = document.createElement('li');
    li.textContent = 'none found';
    li.style.listStyle = 'none';
    ul.append(li);
  }
  for (const [r, v] of all) {
    const li = document.createElement('li');
    li.innerHTML = `<b>${esc(v.sec)}</b> frame #${r.i} (${r.dir} ${esc(r.type)}, stream ${r.stream}): ${esc(v.msg)} — ${esc(v.error.name)}, ${v.scope} error`;
    li.addEventListener('click', () => select(r.i, true));
    ul.append(li);
  }
}

function select(i, scroll = false) {
  state.selected = i;
  for (const tr of $('frames').querySelectorAll('tr.sel')) tr.classList.remove('sel');
  const row = $('frames').querySelector(`tr[data-i="${i}"]`);
  if (row) {
    row.classList.add('sel');
    if (scroll) row.scrollIntoView({ block: 'center' });
  }
  renderDetail();
  renderCharts();
}

function kvTable(pairs) {
  return `<table class="kv">${pairs.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `<tr><td>${esc(k)}</td><td>${v}</td></tr>`).join('')}</table>`;
}

function detailFields(r) {
  const d = r.detail ?? {};
  const err = (e) => `${esc(e.name)} (0x${e.code.toString(16)})`;
  switch (r.type) {
    case 'DATA': return [['data', `${d.dataLen} bytes`], ['padding', d.padLen ? `${d.padLen} bytes` : ''], ['first bytes', `<code>${esc(hexAscii(d.preview ?? ''))}</code>`]];
    case 'HEADERS': return [['fragment', `${d.fragmentLen} bytes`], ['priority', d.priority ? `depends on ${d.priority.dependency}${d.priority.exclusive ? ' (exclusive)' : ''}, weight ${d.priority.weight}` : '']];
    case 'PRIORITY': return [['priority', `depends on ${d.priority.dependency}${d.priority.exclusive ? ' (exclusive)' : ''}, weight ${d.priority.weight}`]];
    case 'RST_STREAM': return [['error', err(d.error)]];
    case 'SETTINGS': return d.ack ? [['ack', 'yes']] : [['settings', d.settings.length ? d.settings.map((s) => `${esc(s.name)} (0x${s.id.toString(16)}) = ${s.value}`).join('<br>') : '(none)']];
    case 'PUSH_PROMISE': return [['promised stream', d.promisedId], ['fragment', `${d.fragmentLen} bytes`]];
    case 'PING': return [['data', `<code>${esc(d.data)}</code>`], ['ack', d.ack ? 'yes' : 'no']];
    case 'GOAWAY': return [['last stream id', d.lastStreamId], ['error', err(d.error)], ['debug data', d.debug ? `<code>${esc(d.debug)}</code>` : '']];
    case 'WINDOW_UPDATE': return [['increment', d.increment]];
    case 'CONTINUATION': return [['fragment', `${d.fragmentLen} bytes`]];
    case 'PRIORITY_UPDATE': return [['prioritized stream', d.prioritizedId], ['priority field', `<code>${esc(d.value)}</code>`]];
    case 'PREFACE': return [['bytes', '<code>PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n</code>']];
    case 'HTTP/1.1': return [['start line', `<code>${esc(d.startLine)}</code>`]];
    default: return d.malformed ? [['decoded', 'no (see below)']] : [];
  }
}

function hexAscii(hex) {
  let ascii = '';
  for (let i = 0; i < hex.length; i += 2) {
    const b = parseInt(hex.substr(i, 2), 16);
    ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  }
  return `${hex.replace(/(..)/g, '$1 ').trim()}  ${ascii}`;
}

function renderDetail() {
  const pane = $('detail');
  const conn = state.current;
  const r = conn?.records.find((x) => x.i === state.selected);
  if (!r) {
    pane.innerHTML = '<p class="empty">Select a frame.</p>';
    return;
  }
  let html = `<h3>#${r.i} <span class="dir-${r.dir}">${r.dir === 'c2s' ? 'client → server' : 'server → client'}</span> ${esc(r.type)}</h3>`;
  html += kvTable([
    ['time', `${fmtT(r.t)} ms`],
    ['offset', `${r.off} (in this direction)`],
    ['type', r.code == null ? (r.type === 'PREFACE' ? 'connection preface' : 'HTTP/1.1 head (h2c upgrade)') : `${esc(r.type)} (0x${r.code.toString(16)})`],
    ['flags', r.flags.length ? `${esc(r.flags.join(' | '))} (0x${r.flagBits.toString(16)})` : r.code == null ? '' : 'none'],
    ['stream', r.type === 'PREFACE' ? '' : r.stream],
    ['length', r.len],
    ['stream state', r.state ? esc(r.state) : ''],
    ...detailFields(r),
  ]);
  if (r.violations.length) {
    html += '<h4>Violations</h4>';
    for (const v of r.violations) html += `<div class="viol"><b>${esc(v.sec)}</b> ${esc(v.msg)} <br><small>${esc(v.error.name)} · ${v.scope} error</small></div>`;
  }
  for (const n of r.notes) html += `<p class="note">ℹ ${esc(n)}</p>`;
  if (r.headers) {
    const h = r.headers;
    html += `<h4>Decoded headers (${esc(h.kind)}, stream ${h.stream}, ${h.encodedLen} bytes in ${h.frames} frame${h.frames > 1 ? 's' : ''})</h4>`;
    html += `<table class="headers">${h.fields.map(([n, v, s]) => `<tr><th${s ? ' class="sensitive" title="never indexed"' : ''}>${esc(n)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
  }
  // HPACK table of this direction as of this frame: the latest snapshot at or before it.
  let table = null;
  let from = null;
  for (const x of conn.records) {
    if (x.i > r.i) break;
    if (x.dir === r.dir && x.table) { table = x.table; from = x.i; }
  }
  if (r.type !== 'PREFACE') {
    html += `<h4>HPACK dynamic table, ${r.dir === 'c2s' ? 'client → server' : 'server → client'}${from != null && from !== r.i ? ` (as of frame #${from})` : ''}</h4>`;
    if (!table) html += '<p class="note">empty (no header block yet in this direction)</p>';
    else {
      html += `<p class="note">${table.entries.length} entries, ${table.size} / ${table.max} bytes${table.inSync ? '' : ' — may be out of sync after an error'}</p>`;
      if (table.entries.length) html += `<table><tr><th>index</th><th>name</th><th>value</th></tr>${table.entries.map(([n, v], k) => `<tr><th>${62 + k}</th><td>${esc(n)}</td><td>${esc(v)}</td></tr>`).join('')}</table>`;
    }
  }
  html += '<h4>Flow-control windows after this frame</h4>';
  html += kvTable([
    ['connection', `c→s ${r.win.conn[0].toLocaleString('en')} · s→c ${r.win.conn[1].toLocaleString('en')}`],
    ['stream', r.win.stream ? `c→s ${r.win.stream[0].toLocaleString('en')} · s→c ${r.win.stream[1].toLocaleString('en')}` : ''],
  ]);
  pane.innerHTML = html;
}

// ---------------------------------------------------------------- live mode

function liveConnect() {
  liveStop();
  const url = new URL($('live-url').value || '/_trace', location.href);
  const live = { source: new EventSource(url), events: [], t0: null, byId: new Map() };
  state.live = live;
  state.conns = [];
  state.current = null;
  state.follow = true;
  render();
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

function onLiveEvent(live, ev) {
  if (ev.k === 'hello') return;
  if (live.t0 == null && typeof ev.t === 'number') live.t0 = ev.t;
  let c = live.byId.get(ev.c);
  if (!c && ev.c != null) {
    const info = ev.info ?? {};
    c = {
      id: ev.c,
      label: `#${ev.c} ${info.remoteAddress != null ? `${info.remoteAddress}:${info.remotePort}` : ''}`,
      records: [], insp: null, partial: false, closed: false, bytes: { c2s: 0, s2c: 0 }, notes: [],
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
  if (ev.k === 'partial') {
    c.partial = true;
    c.notes = ['joined mid-connection: decoding starts at the first frame boundary we can trust'];
  } else if (ev.k === 'data') {
    const bytes = base64ToBytes(ev.b);
    c.bytes[ev.d] += bytes.length;
    if (!c.insp) c.insp = new Inspector(!c.partial);
    const recs = JSON.parse(c.insp.feed(ev.d === 'c2s', ev.t - live.t0, bytes));
    if (recs.length) {
      c.records.push(...recs);
      if (c.records.length > LIVE_MAX_RECORDS) {
        c.records.splice(0, c.records.length - LIVE_MAX_RECORDS);
        c.notes = [`showing the last ${LIVE_MAX_RECORDS} frames`];
      }
      if (c === state.current) scheduleRender();
    }
  } else if (ev.k === 'close') {
    c.closed = true;
    if (c.insp) {
      c.records.push(...JSON.parse(c.insp.finish(ev.t - live.t0)));
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
    const v = state.current.records.reduce((n, r) => n + r.violations.length, 0);
    $('conn-info').textContent = `${state.current.bytes.c2s} bytes c→s, ${state.current.bytes.s2c} bytes s→c · ${state.current.records.length} frames · ${v} violation${v === 1 ? '' : 's'}${state.current.closed ? ' · closed' : ''}`;
    render();
  });
}

function saveTrace() {
  if (!state.live) return;
  const blob = new Blob([state.live.events.join('\n') + '\n'], { type: 'application/x-ndjson' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `h2wasm-trace-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
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
$('conn').addEventListener('change', (e) => { state.follow = false; selectConn(Number(e.target.value)); });
$('filter').addEventListener('input', () => state.current && renderRows());
$('axis-seq').addEventListener('change', () => state.current && renderCharts());
$('frames').addEventListener('click', (e) => {
  const tr = e.target.closest('tr[data-i]');
  if (tr) select(Number(tr.dataset.i));
});
$('frames').addEventListener('keydown', (e) => {
  if (!state.current || (e.key !== 'ArrowDown' && e.key !== 'ArrowUp')) return;
  const rows = [...$('frames').tBodies[0].rows];
  const k = rows.findIndex((tr) => Number(tr.dataset.i) === state.selected);
  const next = rows[Math.max(0, Math.min(rows.length - 1, k + (e.key === 'ArrowDown' ? 1 : -1)))];
  if (next) { e.preventDefault(); select(Number(next.dataset.i), true); }
});
$('frames').tabIndex = 0;
$('stream-table').addEventListener('click', (e) => {
  const tr = e.target.closest('tr[data-i]');
  if (tr) select(Number(tr.dataset.i), true);
});

$('file').addEventListener('change', async (e) => {
  const files = [...e.target.files];
  if (!files.length) return;
  try {
    const loaded = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
    await showConnections(connectionsFromFiles(loaded), files.map((f) => f.name).join(', '));
  } catch (err) {
    setStatus(`could not read ${files.map((f) => f.name).join(', ')}: ${err.message}`, true);
  }
});

$('decode-paste').addEventListener('click', async () => {
  try {
    const c2s = parseText($('paste-c2s').value);
    const s2c = parseText($('paste-s2c').value);
    if (!c2s.length && !s2c.length) { setStatus('nothing to decode', true); return; }
    await showConnections([connectionFromDirections(c2s, s2c)], 'pasted bytes');
  } catch (err) {
    setStatus(`paste: ${err.message}`, true);
  }
});

// ?live opens live mode straight away (what `h2wasm serve --trace` links to).
if (new URLSearchParams(location.search).has('live')) {
  setMode('live');
  wasmReady.then(liveConnect, () => {});
}
