// Decoding off the page's thread: files or pasted text → connections → frame
// records, with progress messages. The page cancels by terminating the worker.
//
//   in:  {files: [{name, bytes}], keyLog?: text} | {paste: {c2s: text, s2c: text}}
//        (a key log among the files, or keyLog, decrypts TLS 1.3 connections)
//   out: {progress: {done, total}} …, {records: {id, batch}} … (in slices, so
//        the page takes them in several short tasks), then {result: {conns, notes}} or {error}

import init, { Inspector } from './wasm/h2wasm.js';
import { connectionsFromFiles, connectionFromDirections, classifyConnection, parseText } from './capture.js';
import { decryptTls, parseKeyLog } from './tls.js';

const ready = init();
const PROGRESS_EVERY_MS = 100;
// Records go to the page in slices of this many: one huge message would be
// deserialized in one long task on the page's thread. (A slice of 20,000
// took 300-400 ms to take in on a 500 MB capture; 5,000 keeps each under ~100 ms.)
const RECORDS_PER_MESSAGE = 5_000;

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

onmessage = async ({ data: msg }) => {
  try {
    await ready;
    const t0 = performance.now();
    let conns;
    let notes = [];
    if (msg.files) {
      conns = connectionsFromFiles(msg.files);
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
    const transfer = [];
    for (const c of conns) {
      const dirs = { c2s: concatDirection(c.chunks, 'c2s'), s2c: concatDirection(c.chunks, 's2c') };
      transfer.push(dirs.c2s.buffer, dirs.s2c.buffer);
      out.push({
        id: c.id, label: c.label, kind: c.kind, why: c.why ?? null, tls: c.tls ?? null, notes: c.notes ?? [],
        client: c.client ?? null, server: c.server ?? null, bytes: c.bytes, untimed: !!c.untimed,
        epoch0: c.epoch0 ?? null, records: [], dirs,
      });
      const recs = c.records ?? [];
      for (let k = 0; k < recs.length; k += RECORDS_PER_MESSAGE) {
        postMessage({ records: { id: c.id, batch: recs.slice(k, k + RECORDS_PER_MESSAGE) } });
      }
      c.records = null;
    }
    const timings = { parseMs: Math.round(tParsed - t0), decodeMs: Math.round(tDecoded - tParsed) };
    postMessage({ result: { conns: out, notes, timings } }, transfer);
  } catch (e) {
    postMessage({ error: e?.message ?? String(e) });
  }
};
