// Exports of decoded frames and streams: JSON, CSV, HAR 1.2, payload bytes.
// Pure functions over frame records (see src/wasm/inspector.rs for their
// shape) and a connection's reassembled direction bytes; no DOM.

/** A frame's payload bytes from its direction's byte stream, or null if not captured. */
export function payloadOf(conn, r) {
  const dirBytes = conn.dirs?.[r.dir];
  if (!dirBytes || r.code == null) return null;
  const start = r.off + 9;
  if (start > dirBytes.length) return null;
  return dirBytes.subarray(start, Math.min(dirBytes.length, start + r.len));
}

/** The application data of a DATA frame (padding removed). */
export function dataOf(conn, r) {
  const p = payloadOf(conn, r);
  if (!p) return null;
  if (!r.flags.includes('PADDED')) return p;
  return p.subarray(1, Math.max(1, p.length - (p[0] ?? 0)));
}

export function toHex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Time of a record in the chosen column style. */
export function timeOf(r, mode, prev, epoch0) {
  if (r.t == null) return '';
  if (mode === 'delta') return prev && prev.t != null ? (r.t - prev.t).toFixed(3) : '0.000';
  if (mode === 'absolute') return epoch0 == null ? '' : new Date(epoch0 + r.t).toISOString();
  return r.t.toFixed(3);
}

/** Frame records → a JSON document (the records as the decoder gave them, plus the connection). */
export function framesToJSON(conn, records) {
  return framesToJSONParts(conn, records).join('');
}

/**
 * The same document in pieces, one per frame: all of a large capture's frames
 * exceed the longest string a JS engine makes, but not a Blob made of pieces.
 * The text is exactly JSON.stringify(document, null, 1).
 */
export function framesToJSONParts(conn, records) {
  const head = JSON.stringify({ connection: conn.label, client: conn.client ?? null, server: conn.server ?? null, frames: [] }, null, 1);
  if (!records.length) return [head];
  // head ends in `"frames": []\n}`: the frames go between the brackets, two levels deep.
  const parts = [`${head.slice(0, head.length - 4)}[\n`];
  records.forEach((r, k) => parts.push(`${k ? ',\n' : ''}  ${JSON.stringify(r, null, 1).replace(/\n/g, '\n  ')}`));
  parts.push('\n ]\n}');
  return parts;
}

const CSV_COLUMNS = ['frame', 'time_rel_ms', 'time_delta_ms', 'time_abs', 'dir', 'type', 'flags', 'stream', 'length', 'violations'];

function csvCell(v) {
  const s = v == null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Frame records → CSV (one line per frame, every time column). */
export function framesToCSV(conn, records) {
  return framesToCSVLines(conn, records).join('');
}

/** The same CSV as lines (each ending in a newline), for a Blob. */
export function framesToCSVLines(conn, records) {
  const lines = [`${CSV_COLUMNS.join(',')}\n`];
  let prev = null;
  for (const r of records) {
    lines.push(`${[
      r.i, timeOf(r, 'relative'), timeOf(r, 'delta', prev), timeOf(r, 'absolute', null, conn.epoch0), r.dir, r.type,
      r.flags.join('|'), r.type === 'PREFACE' ? '' : r.stream, r.len, r.violations.map((v) => `${v.sec} ${v.msg}`).join('; '),
    ].map(csvCell).join(',')}\n`);
    prev = r;
  }
  return lines;
}

/** Everything about one stream: header blocks, body bytes, timing. `streamRecords`: the stream's records, if indexed. */
export function streamSummary(conn, sid, streamRecords = null) {
  const frames = streamRecords ?? conn.records.filter((r) => r.stream === sid && r.type !== 'PREFACE');
  const blocks = frames.filter((r) => r.headers);
  const request = blocks.find((r) => r.headers.kind === 'request' || r.headers.kind === 'push-request') ?? null;
  const response = blocks.find((r) => r.headers.kind === 'response') ?? null;
  const informational = blocks.filter((r) => r.headers.kind === 'informational');
  const trailers = blocks.filter((r) => r.headers.kind === 'trailers');
  const body = { c2s: [], s2c: [] };
  let missing = false;
  for (const r of frames) {
    if (r.type !== 'DATA') continue;
    const d = dataOf(conn, r);
    if (d) body[r.dir].push(d); else missing = true;
  }
  const join = (parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  };
  const first = frames[0];
  const last = frames[frames.length - 1];
  const reqEnd = frames.find((r) => r.dir === 'c2s' && r.flags.includes('END_STREAM'));
  return {
    sid, frames, request, response, informational, trailers, missing,
    requestBody: join(body.c2s), responseBody: join(body.s2c),
    timing: first && {
      start: first.t, end: last.t,
      requestSent: reqEnd?.t ?? null,
      firstResponse: response?.t ?? null,
      total: last.t - first.t,
    },
  };
}

const header = (block, name) => block?.headers.fields.find(([n]) => n === name)?.[1];
const harHeaders = (block) => (block ? block.headers.fields.filter(([n]) => !n.startsWith(':')).map(([name, value]) => ({ name, value })) : []);

function harContent(bytes, mimeType) {
  const text = /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded)|[^;]*\+(json|xml))/i.test(mimeType ?? '');
  if (text) return { size: bytes.length, mimeType: mimeType ?? '', text: new TextDecoder().decode(bytes) };
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { size: bytes.length, mimeType: mimeType ?? '', text: btoa(bin), encoding: 'base64' };
}

/** One stream → HAR 1.2 (one entry). */
export function streamToHAR(conn, sid, streamRecords = null) {
  const s = streamSummary(conn, sid, streamRecords);
  const req = s.request;
  const res = s.response;
  const scheme = header(req, ':scheme') ?? 'http';
  const authority = header(req, ':authority') ?? header(req, 'host') ?? conn.server ?? 'unknown';
  const path = header(req, ':path') ?? '/';
  let url = `${scheme}://${authority}${path}`;
  let queryString = [];
  try { const u = new URL(url); url = u.href; queryString = [...u.searchParams].map(([name, value]) => ({ name, value })); } catch { /* keep the raw string */ }
  const t = s.timing ?? { start: 0, total: 0 };
  const started = conn.epoch0 != null ? new Date(conn.epoch0 + (t.start ?? 0)) : new Date(0);
  const send = Math.max(0, (t.requestSent ?? t.start) - t.start);
  const wait = Math.max(0, (t.firstResponse ?? t.requestSent ?? t.start) - (t.requestSent ?? t.start));
  const receive = Math.max(0, t.total - send - wait);
  const entry = {
    startedDateTime: started.toISOString(),
    time: t.total,
    request: {
      method: header(req, ':method') ?? '', url, httpVersion: 'HTTP/2', cookies: [], headers: harHeaders(req), queryString,
      headersSize: req?.headers.encodedLen ?? -1, bodySize: s.requestBody.length,
      ...(s.requestBody.length ? { postData: { mimeType: header(req, 'content-type') ?? '', text: new TextDecoder().decode(s.requestBody) } } : {}),
    },
    response: {
      status: Number(header(res, ':status') ?? 0), statusText: '', httpVersion: 'HTTP/2', cookies: [], headers: harHeaders(res),
      content: harContent(s.responseBody, header(res, 'content-type')),
      redirectURL: header(res, 'location') ?? '', headersSize: res?.headers.encodedLen ?? -1, bodySize: s.responseBody.length,
    },
    cache: {},
    timings: { send, wait, receive },
    connection: conn.label,
    comment: `stream ${sid}`,
  };
  return { log: { version: '1.2', creator: { name: 'h2wasm inspector', version: '1' }, pages: [], entries: [entry] } };
}
