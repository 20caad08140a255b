// `h2wasm get URL [-d DATA|@FILE] [-H 'name: value'] [-X METHOD] [-o FILE] [-v] [-k]`:
// one request with the h2wasm client, like `nghttp`. -v prints a frame log on
// stderr (both directions, timed, with SETTINGS/WINDOW_UPDATE/RST/GOAWAY details
// and the header fields of the request and the response).

import fs from 'node:fs';
import { connect } from './client.js';
import { codeName } from './errors.js';

const GET_USAGE = `usage: h2wasm get URL [options]

Sends one request over HTTP/2 (http: h2c prior knowledge, https: TLS with ALPN h2)
and writes the response body to stdout (trailers and errors to stderr).

options:
  -d, --data DATA     request body (POST unless -X says otherwise); @FILE reads it from FILE, @- from stdin
  -H, --header 'N: V' add a request header field (repeatable)
  -X, --method M      request method (default GET, or POST with -d)
  -o, --output FILE   write the body to FILE instead of stdout
  -v, --verbose       frame log on stderr, like nghttp -v
  -k, --insecure      do not verify the server's TLS certificate
  -h, --help          print this help`;

class GetUsageError extends Error {}

function parseGetArgs(argv) {
  const o = { url: null, data: null, headers: [], method: null, output: null, verbose: false, insecure: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => { const v = argv[++i]; if (v === undefined) throw new GetUsageError(`${a} needs a value`); return v; };
    if (a === '-d' || a === '--data') o.data = next();
    else if (a === '-H' || a === '--header') {
      const h = next();
      const c = h.indexOf(':', 1);
      if (c < 0) throw new GetUsageError(`-H needs 'name: value', got ${h}`);
      o.headers.push([h.slice(0, c).trim().toLowerCase(), h.slice(c + 1).trim()]);
    } else if (a === '-X' || a === '--method') o.method = next().toUpperCase();
    else if (a === '-o' || a === '--output') o.output = next();
    else if (a === '-v' || a === '--verbose') o.verbose = true;
    else if (a === '-k' || a === '--insecure') o.insecure = true;
    else if (a === '-h' || a === '--help') o.help = true;
    else if (a.startsWith('-') && a !== '-') throw new GetUsageError(`unknown option ${a}`);
    else if (o.url === null) o.url = a;
    else throw new GetUsageError(`unexpected argument ${a}`);
  }
  if (!o.help) {
    if (o.url === null) throw new GetUsageError('get needs a URL');
    let u;
    try { u = new URL(o.url); } catch { throw new GetUsageError(`not a URL: ${o.url}`); }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new GetUsageError(`URL must be http: or https:, got ${u.protocol}`);
  }
  return o;
}

const TYPES = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION'];
const SETTING_NAMES = { 1: 'SETTINGS_HEADER_TABLE_SIZE', 2: 'SETTINGS_ENABLE_PUSH', 3: 'SETTINGS_MAX_CONCURRENT_STREAMS', 4: 'SETTINGS_INITIAL_WINDOW_SIZE', 5: 'SETTINGS_MAX_FRAME_SIZE', 6: 'SETTINGS_MAX_HEADER_LIST_SIZE', 8: 'SETTINGS_ENABLE_CONNECT_PROTOCOL', 9: 'SETTINGS_NO_RFC7540_PRIORITIES' };

/** Incremental frame-header reader for one direction of the log. */
class FrameLog {
  constructor(dir, t0, out, skip = 0) { this.dir = dir; this.t0 = t0; this.out = out; this.buf = Buffer.alloc(0); this.skip = skip; }
  push(bytes) {
    this.buf = Buffer.concat([this.buf, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]);
    if (this.skip) { const n = Math.min(this.skip, this.buf.length); this.buf = this.buf.subarray(n); this.skip -= n; }
    while (this.buf.length >= 9) {
      const len = this.buf.readUIntBE(0, 3);
      if (this.buf.length < 9 + len) return;
      const type = this.buf[3], flags = this.buf[4], id = this.buf.readUInt32BE(5) & 0x7fffffff;
      const p = this.buf.subarray(9, 9 + len);
      this.buf = this.buf.subarray(9 + len);
      this.print(type, flags, id, p);
    }
  }
  print(type, flags, id, p) {
    const t = ((performance.now() - this.t0) / 1000).toFixed(3).padStart(7);
    const name = TYPES[type] ?? `UNKNOWN(0x${type.toString(16)})`;
    const lines = [`[${t}] ${this.dir} ${name} frame <length=${p.length}, flags=0x${flags.toString(16).padStart(2, '0')}, stream_id=${id}>`];
    const f = [];
    if ((type === 0 || type === 1) && flags & 1) f.push('END_STREAM');
    if ((type === 1 || type === 9) && flags & 4) f.push('END_HEADERS');
    if ((type === 4 || type === 6) && flags & 1) f.push('ACK');
    if (f.length) lines.push(`          ; ${f.join(' | ')}`);
    if (type === 4 && !(flags & 1)) {
      lines.push(`          (niv=${p.length / 6})`);
      for (let i = 0; i + 6 <= p.length; i += 6) lines.push(`          [${SETTING_NAMES[p.readUInt16BE(i)] ?? `0x${p.readUInt16BE(i).toString(16)}`}(0x${p.readUInt16BE(i).toString(16).padStart(2, '0')}):${p.readUInt32BE(i + 2)}]`);
    } else if (type === 8 && p.length === 4) lines.push(`          (window_size_increment=${p.readUInt32BE(0) & 0x7fffffff})`);
    else if (type === 3 && p.length === 4) lines.push(`          (error_code=${codeName(p.readUInt32BE(0))}(0x${p.readUInt32BE(0).toString(16).padStart(2, '0')}))`);
    else if (type === 7 && p.length >= 8) lines.push(`          (last_stream_id=${p.readUInt32BE(0) & 0x7fffffff}, error_code=${codeName(p.readUInt32BE(4))}(0x${p.readUInt32BE(4).toString(16).padStart(2, '0')}), opaque_data(${p.length - 8})=[${p.subarray(8).toString('latin1')}])`);
    else if (type === 6) lines.push(`          (opaque_data=${p.toString('hex')})`);
    this.out(lines.join('\n'));
  }
}

async function readData(spec) {
  if (spec === null) return null;
  if (spec === '@-') { const parts = []; for await (const c of process.stdin) parts.push(c); return Buffer.concat(parts); }
  if (spec.startsWith('@')) return fs.readFileSync(spec.slice(1));
  return Buffer.from(spec);
}

/** Run `h2wasm get`; returns the exit code (0: 2xx/3xx, 1: 4xx/5xx or error, 2: usage). */
export async function get(argv) {
  let o;
  try { o = parseGetArgs(argv); } catch (e) {
    if (!(e instanceof GetUsageError)) throw e;
    console.error(`h2wasm: ${e.message}\n\n${GET_USAGE}`);
    return 2;
  }
  if (o.help) { console.log(GET_USAGE); return 0; }
  const body = await readData(o.data);
  const url = new URL(o.url);
  const t0 = performance.now();
  const err = (s) => process.stderr.write(`${s}\n`);
  const options = {};
  if (o.insecure) options.tls = { rejectUnauthorized: false };
  if (o.verbose) {
    const sent = new FrameLog('send', t0, err, 24);
    const recv = new FrameLog('recv', t0, err);
    options.tap = { outbound: (list) => { for (const b of list) sent.push(b); }, inbound: (c) => recv.push(c) };
    options.onFrameLog = (e) => {
      if (e.type === 'response' || e.type === 'informational') { err(`          :status: ${e.status}`); for (const [n, v] of e.headers) err(`          ${n}: ${v}`); }
      if (e.type === 'trailers') for (const [n, v] of e.headers) err(`          ${n}: ${v}`);
    };
  }
  const session = await connect(url, options);
  const method = o.method ?? (body ? 'POST' : 'GET');
  const fields = [[':method', method], [':path', url.pathname + url.search], ...o.headers];
  if (body && !o.headers.some(([n]) => n === 'content-length')) fields.push(['content-length', String(body.length)]);
  if (o.verbose) { err('          ; request header fields'); for (const [n, v] of [[':method', method], [':scheme', url.protocol.slice(0, -1)], [':authority', url.host], ...fields.slice(1)]) err(`          ${n}: ${v}`); }
  const st = session.request(fields, { endStream: !body });
  if (body) st.end(body);
  const head = await st.response;
  const out = o.output ? fs.createWriteStream(o.output) : process.stdout;
  for await (const chunk of st.body) { if (!out.write(chunk)) await new Promise((r) => out.once('drain', r)); }
  if (o.output) await new Promise((r) => out.end(r));
  const trailers = await st.trailers;
  if (!o.verbose) for (const [n, v] of trailers) err(`${n}: ${v}`);
  await session.close();
  return head.status >= 400 ? 1 : 0;
}
