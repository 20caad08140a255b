// Decoding off the page's thread: files or pasted text → connections → frame
// records, with progress messages. The records stay here, in a RecordStore:
// the page asks for what it shows (rows on screen, one frame, filter results,
// chart points, exports) and never holds the whole set. The page cancels, or
// drops a capture, by terminating the worker.
//
//   in:  {files: [{name, file (Blob)}], keyLog?: text} | {paste: {c2s: text, s2c: text}}
//        (a key log among the files, or keyLog, decrypts TLS connections)
//   out: {progress: {done, total}} …, then {result: {conns, notes, timings}} or {error}
//   then: in {call: {seq, method, args}} (a RecordStore method) → out {reply: {seq, value} | {seq, error}}

import init, { Inspector } from './wasm/h2wasm.js';
import { connectionsFromFiles, connectionFromDirections, classifyConnection, parseText } from './capture.js';
import { RecordStore } from './store.js';
import { decryptTls, parseKeyLog } from './tls.js';

const ready = init();
const PROGRESS_EVERY_MS = 100;
const store = new RecordStore();
const CALLS = new Set(['summary', 'filter', 'rows', 'detail', 'payload', 'follow', 'streams', 'flow', 'exportText', 'exportBlob']);

function concatDirection(chunks, dir) {
  let n = 0;
  for (const c of chunks) if (c.dir === dir) n += c.bytes.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) if (c.dir === dir) { out.set(c.bytes, o); o += c.bytes.length; }
  return out;
}

function decode(conns) {
  const decodable = conns.filter((c) => c.kind === 'h2' || c.kind === 'mid');
  let total = 0;
  for (const c of decodable) for (const ch of c.chunks) total += ch.bytes.length;
  let done = 0;
  let lastPost = 0;
  for (const c of decodable) {
    const insp = new Inspector(c.expectPreface);
    const records = [];
    try {
      for (const ch of c.chunks) {
        const recs = JSON.parse(insp.feed(ch.dir === 'c2s', ch.t, ch.bytes));
        for (const r of recs) records.push(r);
        done += ch.bytes.length;
        const now = performance.now();
        if (now - lastPost > PROGRESS_EVERY_MS) { lastPost = now; postMessage({ progress: { done, total } }); }
      }
      const last = c.chunks.length ? c.chunks[c.chunks.length - 1].t : 0;
      for (const r of JSON.parse(insp.finish(last))) records.push(r);
    } finally {
      insp.free();
    }
    c.records = records;
  }
}

async function decryptAll(conns, keys, notes) {
  for (const c of conns) {
    if (c.kind !== 'tls') continue;
    try {
      const { chunks, suite, version, notes: more } = await decryptTls(c, keys);
      c.chunks = chunks;
      c.bytes = { c2s: 0, s2c: 0 };
      for (const ch of chunks) c.bytes[ch.dir] += ch.bytes.length;
      const tls = c.tls;
      c.notes = [];
      classifyConnection(c);
      c.tls = tls;
      c.notes.unshift(`decrypted: ${version}, ${suite}, with the key log`, ...more);
      c.label += ' (TLS, decrypted)';
    } catch (e) {
      c.why += `; not decrypted: ${e.message}`;
      notes.push(`${c.label}: not decrypted: ${e.message}`);
    }
  }
}

async function decodeInput(msg) {
  try {
    await ready;
    const t0 = performance.now();
    let conns;
    let notes = [];
    if (msg.files) {
      const files = await Promise.all(msg.files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.file.arrayBuffer()) })));
      conns = connectionsFromFiles(files);
      notes = conns.notes ?? [];
    } else {
      const c2s = parseText(msg.paste.c2s ?? '');
      const s2c = parseText(msg.paste.s2c ?? '');
      conns = [classifyConnection(connectionFromDirections(c2s, s2c))];
    }
    const keyLog = [msg.keyLog, conns.keyLog].filter(Boolean).join('\n');
    if (keyLog) await decryptAll(conns, parseKeyLog(keyLog), notes);
    const tParsed = performance.now();
    decode(conns);
    const tDecoded = performance.now();
    const out = [];
    for (const c of conns) {
      // The direction bytes (for payloads and bodies) replace the chunks, which hold the file's buffer.
      c.dirs = { c2s: concatDirection(c.chunks, 'c2s'), s2c: concatDirection(c.chunks, 's2c') };
      c.chunks = null;
      c.records ??= [];
      store.add(c);
      out.push({
        id: c.id, label: c.label, kind: c.kind, why: c.why ?? null, tls: c.tls ?? null, notes: c.notes ?? [],
        client: c.client ?? null, server: c.server ?? null, bytes: c.bytes, untimed: !!c.untimed,
        epoch0: c.epoch0 ?? null, n: c.records.length,
      });
    }
    const timings = { parseMs: Math.round(tParsed - t0), decodeMs: Math.round(tDecoded - tParsed) };
    postMessage({ result: { conns: out, notes, timings } });
  } catch (e) {
    postMessage({ error: e?.message ?? String(e) });
  }
}

function answer({ seq, method, args }) {
  try {
    if (!CALLS.has(method)) throw new Error(`unknown call ${method}`);
    postMessage({ reply: { seq, value: store[method](...args) } });
  } catch (e) {
    postMessage({ reply: { seq, error: { name: e?.name ?? 'Error', message: e?.message ?? String(e), pos: e?.pos, end: e?.end } } });
  }
}

onmessage = ({ data: msg }) => {
  if (msg.call) answer(msg.call);
  else decodeInput(msg);
};
