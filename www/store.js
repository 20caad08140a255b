// The decoded frame records of a capture's connections, and the questions the
// page asks about them. For opened files it lives in the decoding worker, so
// the page never holds the whole record set: a 500 MB capture decodes to about
// 1 GB of record objects, and holding them on the page's thread froze it (in
// garbage collection and in taking the records in). In the live view the page
// keeps one itself, over its bounded record lists.
//
// Every answer is plain structured-cloneable data: rows for the frame list,
// one frame's detail, filter results as Int32Array frame numbers, per-stream
// summaries, the windows plot's points, export text.

import { compileFilter } from './filter.js';
import { extendFlowSeries, flowPlot, flowSeries } from './charts.js';
import { framesToCSVLines, framesToJSONParts, payloadOf, streamSummary, streamToHAR, toHex } from './export.js';

// Long lists below the frame table are cut here (the filter reaches the rest).
export const MAX_LISTED_STREAMS = 300;
export const MAX_LISTED_VIOLATIONS = 500;

/** One-line summary for the frame list (like Wireshark's Info column). */
export function info(r) {
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

/** What a frame-list row and the lanes chart show of a record. */
export function rowOf(r) {
  return {
    i: r.i, t: r.t, dir: r.dir, type: r.type, flags: r.flags, stream: r.stream, len: r.len, state: r.state ?? null,
    violations: r.violations.map((v) => ({ sec: v.sec, msg: v.msg })), info: info(r),
  };
}

/** A record without its HPACK table snapshot (the detail asks for the table separately). */
const withoutTable = (r) => (r ? { ...r, table: undefined } : null);

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
    x = { n: 0, first: recs[0], byStream: new Map(), flow: flowSeries(), violations: 0, listed: [], plotCache: null };
    conn.index = x;
  }
  if (x.n === recs.length) return x;
  for (let k = x.n; k < recs.length; k++) {
    const r = recs[k];
    if (r.type !== 'PREFACE') {
      let a = x.byStream.get(r.stream);
      if (!a) { a = []; x.byStream.set(r.stream, a); }
      a.push(r);
    }
    for (const v of r.violations) {
      x.violations++;
      if (x.listed.length < MAX_LISTED_VIOLATIONS) {
        x.listed.push({ i: r.i, dir: r.dir, type: r.type, stream: r.stream, sec: v.sec, msg: v.msg, error: v.error?.name ?? '', scope: v.scope });
      }
    }
  }
  extendFlowSeries(x.flow, recs);
  x.n = recs.length;
  x.first = recs[0];
  return x;
}

export class RecordStore {
  constructor() {
    /** id → {id, label, client, server, epoch0, records, dirs: {c2s, s2c}} */
    this.conns = new Map();
  }

  add(conn) { this.conns.set(conn.id, conn); }

  delete(id) { this.conns.delete(id); }

  conn(id) {
    const c = this.conns.get(id);
    if (!c) throw new Error(`no connection ${id}`);
    return c;
  }

  /** Where frame number i is in conn.records (they are in frame-number order), or -1. */
  position(conn, i) {
    const recs = conn.records;
    const guess = i - (recs[0]?.i ?? 0);
    if (recs[guess]?.i === i) return guess;
    let lo = 0;
    let hi = recs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (recs[mid].i === i) return mid;
      if (recs[mid].i < i) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
  }

  record(conn, i) {
    return conn.records[this.position(conn, i)] ?? null;
  }

  /** Frame count, first frame number, violations (count and the first listed), stream count. */
  summary(id) {
    const conn = this.conn(id);
    const x = indexRecords(conn);
    return { n: conn.records.length, first: conn.records[0]?.i ?? 0, violations: x.violations, listed: x.listed, streams: x.byStream.size };
  }

  /** The records a filter lets through; a bad filter throws its FilterError. */
  filtered(conn, text) {
    const pred = compileFilter(text ?? '');
    if (!pred) return conn.records;
    const c = conn.filterCache;
    if (c && c.text === text && c.n === conn.records.length && c.first === conn.records[0]) return c.records;
    const records = conn.records.filter(pred);
    conn.filterCache = { text, n: conn.records.length, first: conn.records[0], records };
    return records;
  }

  /** The frame list: {n, first, frames} — frames is null when every frame passes (then row k is frame first + k). */
  filter(id, text) {
    const conn = this.conn(id);
    const recs = conn.records;
    const passed = this.filtered(conn, text);
    if (passed === recs) return { n: recs.length, first: recs[0]?.i ?? 0, frames: null };
    const frames = new Int32Array(passed.length);
    for (let k = 0; k < passed.length; k++) frames[k] = passed[k].i;
    return { n: passed.length, first: passed[0]?.i ?? 0, frames };
  }

  /** Rows for these frame numbers (null where there is no such frame). */
  rows(id, frames) {
    const conn = this.conn(id);
    return Array.from(frames, (i) => { const r = this.record(conn, i); return r ? rowOf(r) : null; });
  }

  /** One frame: the record, its direction's HPACK table as of it, and its payload bytes. */
  detail(id, i) {
    const conn = this.conn(id);
    const recs = conn.records;
    const at = this.position(conn, i);
    if (at < 0) return null;
    const r = recs[at];
    // The latest table snapshot at or before this frame, in its direction.
    let table = null;
    let tableFrom = null;
    for (let k = at; k >= 0; k--) {
      const x = recs[k];
      if (x.dir === r.dir && x.table) { table = x.table; tableFrom = x.i; break; }
    }
    return { r: withoutTable(r), table, tableFrom, payload: this.payload(id, i) };
  }

  /** A frame's payload bytes (a copy: a view would drag the whole direction's buffer into the message). */
  payload(id, i) {
    const conn = this.conn(id);
    const r = this.record(conn, i);
    return (r && payloadOf(conn, r)?.slice()) ?? null;
  }

  /** Everything about one stream (follow view): request, response, bodies, timing. */
  follow(id, sid) {
    const conn = this.conn(id);
    const s = streamSummary(conn, sid, indexRecords(conn).byStream.get(sid) ?? []);
    const block = (r) => r && { i: r.i, t: r.t, dir: r.dir, headers: r.headers };
    return {
      ...s, frames: s.frames.map(rowOf), request: block(s.request), response: block(s.response),
      informational: s.informational.map(block), trailers: s.trailers.map(block),
    };
  }

  /** One summary row per stream: all of them, or (when there are many) those in `onScreen`. */
  streams(id, onScreen) {
    const conn = this.conn(id);
    const idx = indexRecords(conn).byStream;
    const total = idx.size - (idx.has(0) ? 1 : 0);
    // Many streams: only those on screen (looked up, not searched for among all of them).
    const picked = total > MAX_LISTED_STREAMS
      ? [...new Set(onScreen)].filter((s) => s !== 0 && idx.has(s)).slice(0, MAX_LISTED_STREAMS)
      : [...idx.keys()].filter((s) => s !== 0);
    picked.sort((a, b) => a - b);
    const rows = picked.map((sid) => {
      const recs = idx.get(sid);
      const s = { sid, req: null, status: null, state: '', bad: 0, c2s: 0, s2c: 0, frames: recs.length, firstI: recs[0].i };
      for (const r of recs) {
        s.bad += r.violations.length;
        if (r.state) s.state = r.state;
        if (r.type === 'DATA') s[r.dir] += r.detail?.dataLen ?? 0;
        const f = r.headers?.fields;
        if (f && (r.headers.kind === 'request' || r.headers.kind === 'push-request') && !s.req) {
          const get = (n) => f.find(([k]) => k === n)?.[1] ?? '';
          s.req = `${get(':method')} ${get(':path')}`;
        }
        if (f && r.headers.kind === 'response') s.status = f.find(([k]) => k === ':status')?.[1] ?? '?';
      }
      s.duration = recs[recs.length - 1].t - recs[0].t;
      return s;
    });
    return { total, rows };
  }

  /** The windows plot's points for this width and axis, with the stream's series if one is given. */
  flow(id, { width, bySeq, stream }) {
    const conn = this.conn(id);
    const x = indexRecords(conn);
    const streamRecs = stream ? (x.byStream.get(stream) ?? []) : [];
    x.plotCache ??= {};
    return flowPlot(conn.records, x.flow, { width, bySeq, stream, streamRecs, cache: x.plotCache });
  }

  /** Export text by kind: 'json' | 'csv' (frames passing `filter`), 'json-all' | 'csv-all', 'har' (stream sid), 'payload-hex' (frame i). */
  exportText(id, kind, options = {}) {
    const parts = this.exportParts(id, kind, options);
    return parts && parts.join('');
  }

  /** The same as a Blob (a file to save): it is handed over by reference, and may be larger than a string can be. */
  exportBlob(id, kind, options = {}) {
    const parts = this.exportParts(id, kind, options);
    const type = kind.startsWith('csv') ? 'text/csv' : kind === 'payload-hex' ? 'text/plain' : 'application/json';
    return parts && new Blob(parts, { type });
  }

  exportParts(id, kind, { filter, sid, i } = {}) {
    const conn = this.conn(id);
    if (kind === 'har') {
      if (!sid) return null;
      return [JSON.stringify(streamToHAR(conn, sid, indexRecords(conn).byStream.get(sid) ?? []), null, 1)];
    }
    if (kind === 'payload-hex') {
      const p = i == null ? null : this.payload(id, i);
      return p ? [toHex(p)] : null;
    }
    const recs = kind.endsWith('-all') ? conn.records : this.filtered(conn, filter);
    if (kind.startsWith('json')) return framesToJSONParts(conn, recs);
    if (kind.startsWith('csv')) return framesToCSVLines(conn, recs);
    return null;
  }
}
