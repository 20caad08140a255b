// Inline-SVG charts: per-stream timeline lanes and flow-control windows.
// Both are linear in the records they are given: the lanes get the frames on
// screen, the windows plot keeps at most one point per pixel column. The
// plot's points are computed where the records are (flowPlot, in the decoding
// worker) and drawn on the page (renderFlow).

const SVG = 'http://www.w3.org/2000/svg';

/**
 * An integer with thousands separators, as toLocaleString('en') writes it:
 * that call loads the locale's data the first time, a long task on the
 * page's thread right when a large capture's first numbers are shown.
 */
export function groupDigits(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export const TYPE_COLORS = {
  PREFACE: '#9e9e9e', DATA: '#2e7d32', HEADERS: '#1565c0', CONTINUATION: '#64b5f6', PRIORITY: '#8d6e63',
  RST_STREAM: '#c62828', SETTINGS: '#6a1b9a', PUSH_PROMISE: '#00838f', PING: '#f9a825', GOAWAY: '#000000',
  WINDOW_UPDATE: '#ef6c00', PRIORITY_UPDATE: '#795548', UNKNOWN: '#bdbdbd',
};

function el(name, attrs = {}, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text != null) e.textContent = text;
  return e;
}

const rangeCache = new WeakMap();

function timeRange(records) {
  const known = rangeCache.get(records);
  if (known?.n === records.length) return known.range;
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of records) { const t = r.t ?? 0; if (t < lo) lo = t; if (t > hi) hi = t; }
  const range = Number.isFinite(lo) ? [lo, hi] : [0, 0];
  rangeCache.set(records, { n: records.length, range });
  return range;
}

/** x positions for records: by time, or by frame order (record index). */
function xScale(records, bySeq, x0, width) {
  if (bySeq) {
    const first = records[0]?.i ?? 0;
    const n = Math.max(1, (records[records.length - 1]?.i ?? 0) - first);
    return (r) => x0 + ((r.i - first) / n) * width;
  }
  const [lo, hi] = timeRange(records);
  const span = hi - lo || 1;
  return (r) => x0 + (((r.t ?? 0) - lo) / span) * width;
}

/** What an x axis is labelled with: frame numbers or times of the first and last record. */
function axisOf(records, bySeq) {
  const [lo, hi] = timeRange(records);
  return { bySeq, firstI: records[0]?.i ?? 0, lastI: records[records.length - 1]?.i ?? 0, lo, hi };
}

function axis(svg, ax, x0, width, y) {
  svg.append(el('line', { x1: x0, x2: x0 + width, y1: y, y2: y, stroke: '#ccc' }));
  if (ax.bySeq) {
    svg.append(el('text', { x: x0, y: y + 14 }, `#${ax.firstI}`));
    svg.append(el('text', { x: x0 + width, y: y + 14, 'text-anchor': 'end' }, `#${ax.lastI}`));
    return;
  }
  const { lo, hi } = ax;
  if (hi === lo) {
    svg.append(el('text', { x: x0, y: y + 15 }, `${lo.toFixed(1)} ms (all frames)`));
    return;
  }
  for (let k = 0; k <= 4; k++) {
    const x = x0 + (k / 4) * width;
    svg.append(el('line', { x1: x, x2: x, y1: y, y2: y + 4, stroke: '#ccc' }));
    svg.append(el('text', { x, y: y + 15, 'text-anchor': k === 0 ? 'start' : k === 4 ? 'end' : 'middle' }, `${(lo + ((hi - lo) * k) / 4).toFixed(1)} ms`));
  }
}

/** One lane per stream (0 = connection), c2s marks above the line, s2c below. */
export function renderLanes(container, records, { bySeq, selected, onSelect, width: available }) {
  container.textContent = '';
  if (!records.length) return;
  const lanes = new Map();
  for (const r of records) {
    if (r.type === 'PREFACE') continue;
    let l = lanes.get(r.stream);
    if (!l) { l = []; lanes.set(r.stream, l); }
    l.push(r);
  }
  const streams = [...lanes.keys()].sort((a, b) => a - b);
  const laneH = 26;
  const x0 = 90;
  const right = 150; // room for the last state label
  const width = Math.max(300, (available || container.clientWidth) - x0 - right);
  const height = streams.length * laneH + 34;
  const svg = el('svg', { width: x0 + width + right, height, role: 'img', 'aria-label': 'per-stream timeline' });
  const x = xScale(records, bySeq, x0, width);
  streams.forEach((s, i) => {
    const y = 10 + i * laneH + laneH / 2;
    const recs = lanes.get(s);
    const last = recs[recs.length - 1];
    svg.append(el('text', { x: 4, y: y + 4, class: 'lane-label' }, s === 0 ? 'conn (0)' : `stream ${s}`));
    const xa = x(recs[0]);
    const xb = x(last);
    const closed = last.state && last.state.startsWith('closed');
    svg.append(el('line', { x1: xa, x2: xb, y1: y, y2: y, stroke: closed ? '#bbb' : '#777', 'stroke-width': 2 }));
    if (last.state) svg.append(el('text', { x: xb + 8, y: y + 4 }, last.state));
    for (const r of recs) {
      const up = r.dir === 'c2s';
      const rect = el('rect', {
        x: x(r) - 3, y: up ? y - 10 : y + 1, width: 6, height: 9, rx: 1,
        fill: TYPE_COLORS[r.type] ?? '#999', class: `mark${r.i === selected ? ' sel' : ''}`,
        'data-i': r.i,
      });
      if (r.violations.length) rect.setAttribute('stroke', '#c62828');
      rect.append(el('title', {}, `#${r.i} ${r.dir} ${r.type} [${r.flags.join(' ')}] len ${r.len}${r.violations.length ? ' ⚠ ' + r.violations.map((v) => v.sec).join(' ') : ''}`));
      svg.append(rect);
    }
  });
  svg.addEventListener('click', (e) => {
    const i = e.target.getAttribute?.('data-i');
    if (i != null) onSelect(Number(i));
  });
  axis(svg, axisOf(records, bySeq), x0, width, height - 22);
  container.append(svg);
  const legend = document.createElement('div');
  legend.className = 'legend';
  legend.append(Object.assign(document.createElement('span'), { textContent: '▲ client → server   ▼ server → client' }));
  for (const t of new Set(records.map((r) => r.type))) {
    const s = document.createElement('span');
    s.innerHTML = `<i style="background:${TYPE_COLORS[t] ?? '#999'}"></i>${t}`;
    legend.append(s);
  }
  container.append(legend);
}

/**
 * The windows plot's view of a connection, as flat number arrays: the
 * connection windows after each frame that has them, and the frames a click
 * on the plot can pick. Grown batch by batch while records arrive, so the
 * first draw of a large capture does not walk every record object again.
 */
export function flowSeries() {
  return { n: 0, lo: Infinity, hi: -Infinity, t: [], i: [], c2s: [], s2c: [], hitT: [], hitI: [], hitPos: [] };
}

/** Take in records[fs.n …]; returns fs. */
export function extendFlowSeries(fs, records) {
  for (let k = fs.n; k < records.length; k++) {
    const r = records[k];
    const t = r.t ?? 0;
    if (t < fs.lo) fs.lo = t;
    if (t > fs.hi) fs.hi = t;
    const w = r.win?.conn;
    if (w && w[0] != null && w[1] != null) { fs.t.push(t); fs.i.push(r.i); fs.c2s.push(w[0]); fs.s2c.push(w[1]); }
    if (r.type === 'DATA' || r.type === 'WINDOW_UPDATE' || r.type === 'SETTINGS') { fs.hitT.push(t); fs.hitI.push(r.i); fs.hitPos.push(k); }
  }
  fs.n = records.length;
  return fs;
}

function columns(recs, get, xOf) {
  const cols = new Map();
  for (const r of recs) {
    const v = get(r);
    if (v != null) cols.set(Math.round(xOf(r.t ?? 0, r.i)), v);
  }
  return [...cols];
}

/** The connection series from a flowSeries: the last value in each pixel column. */
function seriesColumns(fs, values, xOf) {
  const cols = new Map();
  for (let k = 0; k < fs.t.length; k++) cols.set(Math.round(xOf(fs.t[k], fs.i[k])), values[k]);
  return [...cols];
}

/** One clickable frame per pixel column: [x, frame number, what hovering shows]. */
function hitColumns(records, fs, xOf) {
  const hits = new Map();
  for (let k = 0; k < fs.hitT.length; k++) hits.set(Math.round(xOf(fs.hitT[k], fs.hitI[k])), fs.hitPos[k]);
  return [...hits].map(([cx, pos]) => {
    const r = records[pos];
    const title = `#${r.i} ${r.type} ${r.dir}: conn [${r.win?.conn?.join(', ')}]${r.win?.stream ? ` stream ${r.stream} [${r.win.stream.join(', ')}]` : ''}`;
    return [cx, r.i, title];
  });
}

function fmtPow(v) {
  return v >= 1e9 ? `${v / 1e9}G` : v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : String(v);
}

const FLOW_X0 = 90;
const FLOW_RIGHT = 110;

/**
 * What the windows plot draws, computed where the records are: connection
 * windows (both directions) and the selected stream's, at most one point per
 * pixel column per series, and one click target per column. Plain data (the
 * decoding worker computes it; renderFlow draws it). `fs`: the connection's
 * flowSeries, kept up to date by the caller; `streamRecs`: the stream's
 * records; `cache`: an object kept per connection for the connection series.
 */
export function flowPlot(records, fs, { bySeq, stream, streamRecs = [], width: available, cache = {} }) {
  if (fs.n !== records.length) extendFlowSeries(fs, records);
  if (!records.length || !fs.t.length) return null;
  const x0 = FLOW_X0;
  const width = Math.max(300, (available || 0) - x0 - FLOW_RIGHT);
  const firstI = records[0].i;
  const lastI = records[records.length - 1].i;
  const lo0 = Number.isFinite(fs.lo) ? fs.lo : 0;
  const hi0 = Number.isFinite(fs.hi) ? fs.hi : 0;
  const nI = Math.max(1, lastI - firstI);
  const span = hi0 - lo0 || 1;
  const xOf = bySeq ? (t, i) => x0 + ((i - firstI) / nI) * width : (t) => x0 + ((t - lo0) / span) * width;
  // The connection series and click targets depend only on the records and
  // the geometry, so they are kept between redraws (a click redraws the stream's).
  const key = `${records.length}:${firstI}:${width}:${bySeq}`;
  if (cache.key !== key) {
    cache.key = key;
    cache.points = [seriesColumns(fs, fs.c2s, xOf), seriesColumns(fs, fs.s2c, xOf)];
    cache.hits = hitColumns(records, fs, xOf);
  }
  const series = [
    { name: 'connection c2s', color: '#1f6feb', points: cache.points[0] },
    { name: 'connection s2c', color: '#b5470b', points: cache.points[1] },
  ];
  if (stream) {
    series.push({ name: `stream ${stream} c2s`, color: '#1f6feb', dash: '4 3', points: columns(streamRecs, (r) => r.win?.stream?.[0], xOf) });
    series.push({ name: `stream ${stream} s2c`, color: '#b5470b', dash: '4 3', points: columns(streamRecs, (r) => r.win?.stream?.[1], xOf) });
  }
  return { x0, width, series, hits: cache.hits, axis: { bySeq, firstI, lastI, lo: lo0, hi: hi0 } };
}

/** Draw a flowPlot as step lines on a symmetric log scale; a click picks the nearest window-changing frame. */
export function renderFlow(container, plot, { onSelect }) {
  container.textContent = '';
  if (!plot) return;
  const { x0, width, series } = plot;
  // Symmetric log scale: windows span from negative values to 2^31-1, and
  // the interesting moves (a 16 KiB DATA frame) must stay visible next to a
  // 1 MiB WINDOW_UPDATE.
  const slog = (v) => Math.sign(v) * Math.log10(1 + Math.abs(v));
  const h = 180;
  const top = 12;
  let lo = 0;
  let hi = slog(65_535);
  for (const s of series) for (const [, v] of s.points) { lo = Math.min(lo, slog(v)); hi = Math.max(hi, slog(v)); }
  const svg = el('svg', { width: x0 + width + FLOW_RIGHT, height: h + 60, role: 'img', 'aria-label': 'flow-control windows (symmetric log scale)' });
  const y = (v) => top + (1 - (slog(v) - lo) / (hi - lo || 1)) * h;
  const ticks = [0];
  for (let p = 1; p <= 10; p++) { const v = 10 ** p; if (slog(v) <= hi) ticks.push(v); if (-slog(v) >= lo) ticks.push(-v); }
  for (const v of ticks) {
    svg.append(el('line', { x1: x0, x2: x0 + width, y1: y(v), y2: y(v), stroke: v === 0 ? '#999' : '#eee' }));
    svg.append(el('text', { x: x0 - 6, y: y(v) + 4, 'text-anchor': 'end' }, v === 0 ? '0' : `${v < 0 ? '−' : ''}${fmtPow(Math.abs(v))}`));
  }
  // The last value of each series, labelled at the right edge.
  const used = [];
  for (const s of series) {
    const lastV = s.points[s.points.length - 1]?.[1];
    if (lastV == null) continue;
    let ly = y(lastV) + 4;
    while (used.some((u) => Math.abs(u - ly) < 11)) ly += 11; // do not print labels over each other
    used.push(ly);
    svg.append(el('text', { x: x0 + width + 6, y: ly, style: `fill:${s.color}` }, groupDigits(lastV)));
  }
  for (const s of series) {
    let d = '';
    for (const [px, v] of s.points) d += d ? `H${px}V${y(v)}` : `M${px},${y(v)}`;
    if (d) svg.append(el('path', { d, fill: 'none', stroke: s.color, 'stroke-width': 1.6, 'stroke-dasharray': s.dash ?? '' }));
  }
  // One transparent target over the plot: a click picks the window-changing
  // frame nearest to it (one element, however many frames).
  const hit = el('rect', { x: x0, y: top, width, height: h, fill: 'transparent', class: 'mark hit' });
  const nearest = (px) => {
    let best = null;
    for (const c of plot.hits) if (!best || Math.abs(c[0] - px) < Math.abs(best[0] - px)) best = c;
    return best && Math.abs(best[0] - px) <= 6 ? best : null;
  };
  const at = (e) => e.offsetX ?? (e.clientX - svg.getBoundingClientRect().left);
  hit.addEventListener('click', (e) => { const c = nearest(at(e)); if (c) onSelect(c[1]); });
  hit.addEventListener('mousemove', (e) => {
    const c = nearest(at(e));
    hit.style.cursor = c ? 'pointer' : 'default';
    hit.setAttribute('data-i', c ? c[1] : '');
    title.textContent = c ? c[2] : '';
  });
  const title = el('title', {}, '');
  hit.append(title);
  svg.append(hit);
  axis(svg, plot.axis, x0, width, top + h + 8);
  let lx = x0;
  for (const s of series) {
    svg.append(el('line', { x1: lx, x2: lx + 18, y1: h + 50, y2: h + 50, stroke: s.color, 'stroke-width': 2, 'stroke-dasharray': s.dash ?? '' }));
    svg.append(el('text', { x: lx + 22, y: h + 54 }, s.name));
    lx += 150;
  }
  container.append(svg);
}
