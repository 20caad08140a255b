// HTTP/2 client: connect() → ClientSession over any byte transport, with
// session.fetch (WHATWG), session.request (a client stream, what gRPC needs),
// ping/close/destroy, and a module-level fetch with one pooled session per origin.
//
// Same split as the server: the Rust ClientConnection (src/client/) decides
// everything about the protocol; this file moves bytes, keeps request bodies
// (they never enter wasm), turns event records into stream callbacks, and
// reports response bytes as consumed only when the application has read them
// (so the receive window is backpressure all the way to the reader).

import { runtime, unpackFields, copyBytes, u32le, putU32le } from './engine.js';
import { H2Error, ERROR_CODES, check, StreamResetError, ConnectionClosedError, InvalidCommandError, WasmTrapError } from './errors.js';
import { nodeSocketTransport, webStreamTransport } from './transport.js';
import { LIMIT_NAMES, SETTINGS_NAMES } from './options.js';
import { EngineDriver, now } from './driver.js';
import {
  kEngine, kClosed, kClosing, kBusy, kQueueData, kKick, kConsumed, kProcess, kFinish, kOutputDone, kTapOutbound,
  kFlush, kDisarm, kQueue, kQueueOffset, kAccepted, kFail, kOnTrap,
} from './symbols.js';
import {
  RECORD, CLIENT_EVENT as CEV, CLIENT_RESET_FLAG, REQUEST_ERROR, CONNECTION_NAMES, CLIENT_NAMES, PACKED_FIELD,
} from './boundary.js';

/** Any character outside ASCII (such a field takes the TextEncoder path). */
const NON_ASCII = /[\u0080-\uffff]/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Client-only engine options (js/boundary.js CLIENT_NAMES), besides the server's limits/settings. */
const CLIENT_OPTION_NAMES = CLIENT_NAMES;
const ENGINE_NAMES = { ...LIMIT_NAMES, ...SETTINGS_NAMES, ...CONNECTION_NAMES, ...CLIENT_OPTION_NAMES };

/** connect() options besides the engine names (each read somewhere in this file or js/transport.js). */
const CONNECT_OPTION_NAMES = Object.freeze(['limits', 'settings', 'tls', 'authority', 'scheme', 'secure', 'peer', 'host',
  'onFrameLog', 'tap', 'onGoaway', 'onClose', 'unrefWhenIdle']);

/**
 * `name=value` lines for WasmClient.configure from options (flat, or under limits/settings).
 * A misspelt name is a TypeError listing the valid ones (as for the server), a bad value a RangeError.
 */
function clientConfig(options) {
  for (const [k, v] of Object.entries(options)) {
    if (v !== undefined && !Object.hasOwn(ENGINE_NAMES, k) && !CONNECT_OPTION_NAMES.includes(k)) {
      throw new TypeError(`h2wasm: unknown connect option "${k}"; valid names: ${[...CONNECT_OPTION_NAMES, ...Object.keys(ENGINE_NAMES)].join(', ')}`);
    }
  }
  const lines = [];
  const add = (bag, strict) => {
    for (const [k, v] of Object.entries(bag ?? {})) {
      if (v === undefined) continue;
      if (!Object.hasOwn(ENGINE_NAMES, k)) {
        if (strict) throw new TypeError(`h2wasm: unknown client limit/setting "${k}"; valid names: ${Object.keys(ENGINE_NAMES).join(', ')}`);
        continue;
      }
      const [lo, hi] = ENGINE_NAMES[k];
      if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`h2wasm: ${k} must be an integer in [${lo}, ${hi}]`);
      lines.push(`${k}=${v}`);
    }
  };
  add(options, false); add(options.limits, true); add(options.settings, true);
  return lines.join('\n');
}

/** Raw wasm calls for one WasmClient (numbers only; see js/engine.js for the pattern). */
class ClientEngine {
  constructor(t, owner, config) {
    this.rt = runtime();
    this.owner = owner;
    const x = this.rt.x;
    this.ptr = x.client_new(t) >>> 0;
    this.op = 0; // where write_output's bytes and segments are (set by writeOutput)
    this.sp = 0;
    this.rt.connections.add(this);
    if (config) {
      const bytes = encoder.encode(config);
      const p = x.client_args_ptr(this.ptr, bytes.length) >>> 0;
      this.rt.mem().set(bytes, p);
      const bad = x.client_configure(this.ptr, bytes.length, t) >>> 0;
      if (bad) { this.free(); throw new RangeError(`h2wasm: client engine rejected option "${config.split('\n')[bad - 1]}"`); }
    }
  }

  [kOnTrap](e) { this.ptr = 0; this.owner?.[kFail](e); }

  /** Every call goes through here: a trap fails the instance and becomes an H2Error. */
  x() {
    if (this.rt.dead || this.ptr === 0) throw new WasmTrapError('wasm instance is gone');
    return this.rt.x;
  }

  trap(e) {
    if (e instanceof WebAssembly.RuntimeError) {
      this.rt.fail(e);
      return new WasmTrapError(`wasm instance trapped: ${e.message}`, { cause: e });
    }
    return e;
  }

  events(n) {
    if (n === 0) return null;
    const p = this.rt.x.client_events_ptr(this.ptr) >>> 0;
    return new DataView(this.rt.mem().slice(p, p + n * RECORD.BYTES).buffer);
  }

  receive(chunk, t) {
    const x = this.x();
    try {
      const p = x.client_input_ptr(this.ptr, chunk.length) >>> 0;
      this.rt.mem().set(chunk, p);
      return this.events(x.client_receive(this.ptr, chunk.length, t) >>> 0);
    } catch (e) { throw this.trap(e); }
  }

  poll() {
    const x = this.x();
    try { return this.events(x.client_poll(this.ptr) >>> 0); } catch (e) { throw this.trap(e); }
  }

  fields(start, end) {
    const x = this.x();
    try {
      const len = x.client_pack_fields(this.ptr, start, end) >>> 0;
      const p = x.client_scratch_ptr(this.ptr) >>> 0;
      return this.rt.mem().slice(p, p + len);
    } catch (e) { throw this.trap(e); }
  }

  text(off, len) {
    const p = this.rt.x.client_text_ptr(this.ptr) >>> 0;
    return decoder.decode(this.rt.mem().subarray(p + off, p + off + len));
  }

  debugData() {
    const x = this.x();
    const len = x.client_pack_debug_data(this.ptr) >>> 0;
    const p = x.client_scratch_ptr(this.ptr) >>> 0;
    return this.rt.mem().slice(p, p + len);
  }

  /** Pack [[name, value], …] (names lowercased) straight into wasm memory; returns the length. */
  args(fields) {
    const x = this.rt.x;
    let total = 0;
    let ascii = true;
    for (let i = 0; i < fields.length; i++) {
      const n = fields[i][0], v = fields[i][1];
      total += PACKED_FIELD.HEADER_BYTES + n.length + v.length;
      if (ascii && (NON_ASCII.test(n) || NON_ASCII.test(v))) ascii = false;
    }
    if (!ascii) return this.argsBytes(fields);
    const p = x.client_args_ptr(this.ptr, total) >>> 0;
    const m = this.rt.mem();
    let at = p;
    for (let i = 0; i < fields.length; i++) {
      const n = fields[i][0], v = fields[i][1];
      const nl = n.length, vl = v.length;
      putU32le(m, at + PACKED_FIELD.NAME_LEN_AT, nl); putU32le(m, at + PACKED_FIELD.VALUE_LEN_AT, vl);
      at += PACKED_FIELD.HEADER_BYTES;
      for (let k = 0; k < nl; k++) { let c = n.charCodeAt(k); if (c >= 65 && c <= 90) c += 32; m[at++] = c; }
      for (let k = 0; k < vl; k++) m[at++] = v.charCodeAt(k);
    }
    return total;
  }

  argsBytes(fields) {
    const parts = fields.map(([n, v]) => [encoder.encode(n.toLowerCase()), encoder.encode(v)]);
    const total = parts.reduce((s, [n, v]) => s + PACKED_FIELD.HEADER_BYTES + n.length + v.length, 0);
    const p = this.rt.x.client_args_ptr(this.ptr, total) >>> 0;
    const m = this.rt.mem();
    const dv = new DataView(m.buffer);
    let at = p;
    for (const [n, v] of parts) {
      dv.setUint32(at + PACKED_FIELD.NAME_LEN_AT, n.length, true); dv.setUint32(at + PACKED_FIELD.VALUE_LEN_AT, v.length, true);
      m.set(n, at + PACKED_FIELD.HEADER_BYTES); m.set(v, at + PACKED_FIELD.HEADER_BYTES + n.length);
      at += PACKED_FIELD.HEADER_BYTES + n.length + v.length;
    }
    return total;
  }

  request(fields, end) {
    const x = this.x();
    try { return x.client_request(this.ptr, this.args(fields), end, now()) >>> 0; } catch (e) { throw this.trap(e); }
  }
  sendData(id, len, end) {
    const x = this.x();
    try { return x.client_send_data(this.ptr, id, len, end) >>> 0; } catch (e) { throw this.trap(e); }
  }
  sendTrailers(id, fields) {
    const x = this.x();
    try { return x.client_send_trailers(this.ptr, id, this.args(fields)) >>> 0; } catch (e) { throw this.trap(e); }
  }
  resetStream(id, code) {
    const x = this.x();
    try { return x.client_reset_stream(this.ptr, id, code) >>> 0; } catch (e) { throw this.trap(e); }
  }
  consumed(id, n) {
    const x = this.x();
    try { return x.client_consumed(this.ptr, id, n, now()) >>> 0; } catch (e) { throw this.trap(e); }
  }
  ping(hi, lo) {
    const x = this.x();
    try { return x.client_ping(this.ptr, hi, lo, now()) >>> 0; } catch (e) { throw this.trap(e); }
  }
  close() { const x = this.x(); try { x.client_close(this.ptr); } catch (e) { throw this.trap(e); } }
  abort(code) { const x = this.x(); try { x.client_abort(this.ptr, code); } catch (e) { throw this.trap(e); } }
  tick(t) { const x = this.x(); try { x.client_tick(this.ptr, t); } catch (e) { throw this.trap(e); } }
  nextDeadline() { const x = this.x(); try { return x.client_next_deadline(this.ptr); } catch (e) { throw this.trap(e); } }
  wantsWrite() { const x = this.x(); try { return x.client_wants_write(this.ptr) !== 0; } catch (e) { throw this.trap(e); } }
  isClosed() { const x = this.x(); try { return x.client_is_closed(this.ptr) !== 0; } catch (e) { throw this.trap(e); } }
  isGoingAway() { const x = this.x(); try { return x.client_is_going_away(this.ptr) !== 0; } catch (e) { throw this.trap(e); } }

  writeOutput(max) {
    const x = this.x();
    try {
      const n = x.client_write_output(this.ptr, max, now()) >>> 0;
      if (n === 0) return 0;
      this.op = x.client_out_ptr(this.ptr) >>> 0;
      this.sp = x.client_segs_ptr(this.ptr) >>> 0;
      return n;
    } catch (e) { throw this.trap(e); }
  }
  segAt(i) { return u32le(this.rt.mem(), this.sp + i * 4); }
  copyOut(off, len, dst, at) { copyBytes(dst, at, this.rt.mem(), this.op + off, len); }

  free() {
    if (this.ptr && !this.rt.dead) { try { this.rt.x.client_free(this.ptr); } catch { /* gone */ } }
    this.rt.connections.delete(this);
    this.ptr = 0;
  }
}

function toBytes(chunk) {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return encoder.encode(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError('write() takes a Uint8Array, ArrayBuffer view or string');
}

/** Header input (object, [[n, v]], Headers, Map) → [[lowercase name, string value], …]. */
function pairs(headers) {
  const out = [];
  if (!headers) return out;
  if (Array.isArray(headers)) { for (const [n, v] of headers) out.push([String(n).toLowerCase(), String(v)]); return out; }
  if (typeof headers.forEach === 'function' && typeof headers.get === 'function') {
    headers.forEach((v, n) => out.push([String(n).toLowerCase(), String(v)]));
    return out;
  }
  for (const [n, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) out.push([n.toLowerCase(), String(x)]); else out.push([n.toLowerCase(), String(v)]);
  }
  return out;
}

/** A response head: status and fields; `headers` (an object, repeated fields joined with ', ') is made on first use. */
class ResponseHead {
  constructor(status, rawHeaders) { this.status = status; this.rawHeaders = rawHeaders; this._h = null; }
  get headers() {
    if (this._h === null) {
      const h = {};
      for (const [n, v] of this.rawHeaders) h[n] = n in h ? `${h[n]}, ${v}` : v;
      this._h = h;
    }
    return this._h;
  }
}

const EMPTY = new Uint8Array(0);

function concat(chunks) {
  if (chunks.length === 1) return chunks[0];
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/**
 * One request/response exchange. Request side: write/end/writeTrailers with
 * backpressure (write resolves when the stream may take more). Response side:
 * `response` (a promise of { status, headers, rawHeaders }), the body (read it
 * with `for await (const chunk of stream)`, `bytes()`, `text()` or the
 * ReadableStream `body`; bytes are reported consumed — and the receive window
 * reopened — only as the reader takes them), `trailers` (a promise of
 * [[name, value], …], empty when none came).
 *
 * Promises and the ReadableStream are made on first use: a small exchange read
 * with bytes() allocates a handful of objects, not a WHATWG stream.
 */
export class ClientStream {
  constructor(session, id) {
    this.session = session;
    this.id = id;
    this[kQueue] = null; // request-body chunks waiting for write_output (js/driver.js)
    this[kQueueOffset] = 0;
    this._blocked = false;
    this._waiters = null; // write() promises waiting for SEND_READY
    this._ended = false; // our side ended (end/writeTrailers)
    this._done = false; // the engine dropped the stream
    this.error = null;
    this._malformed = null;
    /** The engine's reason when the server was silent too long (responseTimeoutMs / responseBodyTimeoutMs). */
    this._timedOut = null;
    /** The response body went past maxResponseBodyBytes. */
    this._tooLarge = false;
    this._cancelReason = undefined;
    this.onInformational = null; // (status, rawHeaders) for 1xx responses
    this._head = null;
    this._headP = null; // [promise, resolve, reject] once `response` was read
    this._trailerList = null;
    this._trailersP = null;
    this._inbound = []; // body chunks not yet taken by the reader (window stays closed for them)
    this._bodyEnded = false;
    this._reader = null; // [resolve, reject] of a pending _next()
    this._body = null;
  }

  /** Promise of the final response head. */
  get response() {
    if (this._head) return Promise.resolve(this._head);
    if (this.error) return Promise.reject(this.error);
    return (this._headP ??= deferred())[0];
  }

  /** Promise of the response trailers, [[name, value], …] (empty when the response had none). */
  get trailers() {
    if (this._bodyEnded) return Promise.resolve(this._trailerList ?? []);
    if (this.error) return Promise.reject(this.error);
    return (this._trailersP ??= deferred())[0];
  }

  /** Next body chunk (null at the end). Taking it reports it consumed. */
  _next() {
    if (this._inbound.length) {
      const c = this._inbound.shift();
      this.session[kConsumed](this.id, c.length);
      return Promise.resolve(c);
    }
    if (this._bodyEnded) return Promise.resolve(null);
    if (this.error) return Promise.reject(this.error);
    return new Promise((res, rej) => { this._reader = [res, rej]; });
  }

  async *[Symbol.asyncIterator]() {
    for (;;) {
      const c = await this._next();
      if (c === null) return;
      yield c;
    }
  }

  /** The response body as a ReadableStream (highWaterMark 0: nothing is read ahead of the reader). */
  get body() {
    if (this._body) return this._body;
    this._body = new ReadableStream({
      pull: (c) => this._next().then((chunk) => { if (chunk === null) c.close(); else c.enqueue(chunk); }, (e) => c.error(e)),
      cancel: () => { if (!this._done) this.cancel(ERROR_CODES.CANCEL); },
    }, { highWaterMark: 0 });
    return this._body;
  }

  /** All of the response body as one Uint8Array. */
  async bytes() {
    await this.response;
    const parts = [];
    for (;;) {
      if (this._bodyEnded) {
        // Usually the whole body is already here: take it in one go.
        let n = 0;
        for (const c of this._inbound) { parts.push(c); n += c.length; }
        this._inbound.length = 0;
        this.session[kConsumed](this.id, n);
        return parts.length ? concat(parts) : EMPTY;
      }
      const c = await this._next();
      if (c === null) return parts.length ? concat(parts) : EMPTY;
      parts.push(c);
    }
  }

  async text() { return decoder.decode(await this.bytes()); }

  /** Queue request-body bytes; resolves when the stream may take more (flow control and buffers). */
  write(chunk) {
    if (this.error) return Promise.reject(this.error);
    if (this._ended) return Promise.reject(new InvalidCommandError(ERROR_CODES.STREAM_CLOSED, 'write after end'));
    const b = toBytes(chunk);
    if (b.length) this.session[kQueueData](this, this.id, b, false);
    if (!this._blocked) return Promise.resolve();
    return new Promise((res, rej) => { (this._waiters ??= []).push([res, rej]); });
  }

  /** End the request body (optionally with a last chunk). */
  end(chunk) {
    if (this._ended || this.error) return;
    this._ended = true;
    const b = chunk == null ? null : toBytes(chunk);
    this.session[kQueueData](this, this.id, b && b.length ? b : null, true);
  }

  /** Request trailers; they end the request. */
  writeTrailers(headers) {
    if (this._ended || this.error) return;
    this._ended = true;
    check(this.session[kEngine].sendTrailers(this.id, pairs(headers)));
    this.session[kKick]();
  }

  /** RST_STREAM(code) (CANCEL by default); pending reads and promises reject with `reason` if given. */
  cancel(code = ERROR_CODES.CANCEL, reason) {
    if (this._done) return;
    this._cancelReason = reason;
    try { this.session[kEngine].resetStream(this.id, code); } catch { /* gone */ }
    this.session[kKick]();
  }

  /** The engine's answer to sendData: a refusal is the application's mistake (an H2Error). */
  [kAccepted](rc) { check(rc); return true; }

  _wake() {
    const w = this._waiters;
    if (!w) return;
    this._waiters = null;
    for (const [res] of w) res();
  }

  _response(status, rawHeaders, endStream) {
    this._head = new ResponseHead(status, rawHeaders);
    if (this._headP) this._headP[1](this._head);
    if (endStream) this._end();
  }

  _data(view) {
    const r = this._reader;
    if (r !== null) {
      this._reader = null;
      this.session[kConsumed](this.id, view.length);
      r[0](view);
    } else this._inbound.push(view);
  }

  _end() {
    this._bodyEnded = true;
    if (this._trailersP) this._trailersP[1](this._trailerList ?? []);
    const r = this._reader;
    if (r !== null) { this._reader = null; r[0](null); }
  }

  _lost(err) {
    if (this._done) return;
    this._done = true;
    this[kQueue] = null;
    if (this._cancelReason !== undefined && !err.remote) err = this._cancelReason ?? err;
    this.session.streams.delete(this.id);
    this.session._maybeIdle();
    this.error = err;
    const w = this._waiters;
    this._waiters = null;
    if (w) for (const [, rej] of w) rej(err);
    if (this._bodyEnded && this._head) return; // the response was complete: it stays readable
    if (this._headP && !this._head) this._headP[2](err);
    if (this._trailersP) this._trailersP[2](err);
    // Unread bytes of an unfinished body are dropped; the reader sees the error.
    this._inbound.length = 0;
    const r = this._reader;
    if (r !== null) { this._reader = null; r[1](err); }
  }
}

/** [promise, resolve, reject]; the promise never causes an unhandled rejection by itself. */
function deferred() {
  let res, rej;
  const p = new Promise((a, b) => { res = a; rej = b; });
  p.catch(() => {});
  return [p, res, rej];
}

/**
 * The Response of session.fetch / fetch: a real `Response` (instanceof, status,
 * ok, headers, body, bodyUsed, arrayBuffer/text/json/bytes/blob/formData, clone)
 * whose body comes from the ClientStream and is only turned into a WHATWG
 * ReadableStream when `body` is read: arrayBuffer()/text()/json() take the bytes
 * straight from the stream (a WHATWG stream per response was most of the
 * client's cost per small request). Plus `trailers` (Promise<Headers>) and
 * `stream` (the ClientStream).
 */
class H2Response extends Response {
  constructor(stream, head, nullBody) {
    super(null, { status: head.status >= 200 && head.status <= 599 ? head.status : 200 });
    this._s = stream;
    this._head = head;
    this._nullBody = nullBody;
    this._headers = null;
    this._used = false;
    this._trailers = null;
    this._url = '';
    this._redirected = false;
  }
  get url() { return this._url; }
  get redirected() { return this._redirected; }
  get status() { return this._head.status; }
  get ok() { return this._head.status >= 200 && this._head.status <= 299; }
  get headers() {
    if (this._headers === null) this._headers = new Headers(this._head.rawHeaders);
    return this._headers;
  }
  get body() { if (this._nullBody) return null; return this._s.body; }
  get bodyUsed() { return this._used || (!this._nullBody && this._s._body !== null && this._s._body.locked); }
  get stream() { return this._s; }
  /** Response trailers: resolves with a Headers when the body ended (empty when none came). */
  get trailers() {
    return (this._trailers ??= this._s.trailers.then((list) => new Headers(list)));
  }
  async _bytes() {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this._used = true;
    if (this._nullBody) return EMPTY;
    if (this._s._body !== null) return new Uint8Array(await new Response(this._s._body).arrayBuffer());
    return this._s.bytes();
  }
  async arrayBuffer() {
    const b = await this._bytes();
    return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  }
  async bytes() { return new Uint8Array(await this.arrayBuffer()); }
  async text() { return decoder.decode(await this._bytes()); }
  async json() { return JSON.parse(await this.text()); }
  async blob() { return new Blob([await this._bytes()], { type: this.headers.get('content-type') ?? '' }); }
  async formData() { return new Response(await this._bytes(), { headers: this.headers }).formData(); }
  clone() {
    if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed');
    if (this._nullBody) return new Response(null, { status: this.status, headers: this.headers });
    const [a, b] = this._s.body.tee();
    this._s._body = a;
    return new Response(b, { status: this.status, headers: this.headers });
  }
}

/** One HTTP/2 client connection over a transport (js/transport.js surface). */
export class ClientSession extends EngineDriver {
  constructor(transport, options = {}, origin = null) {
    super(transport, options);
    this.origin = origin; // { scheme, authority }
    this._pings = new Map(); // 'hi:lo' → [resolve, reject]
    this._pingSeq = 0;
    this.goaway = null;
    this.maxConcurrentStreams = null;
    this.onFrameLog = options.onFrameLog ?? null;
    this._resolveClosed = null;
    this.closed = new Promise((r) => { this._resolveClosed = r; });
    this._resolveReady = null;
    this._rejectReady = null;
    this.ready = new Promise((res, rej) => { this._resolveReady = res; this._rejectReady = rej; });
    this.ready.catch(() => {});
    // Pooled sessions (module-level fetch) must not keep the process alive while idle.
    this._unrefIdle = !!options.unrefWhenIdle;
    this._destroyReason = undefined; // destroy(err): what every open stream fails with
    this._transportError = undefined; // the transport failed: what every open stream fails with
    this[kEngine] = new ClientEngine(now(), this, clientConfig(options));
    transport.attach(this);
    this[kFlush]();
  }

  get secure() { return !!this.t.secure; }
  /** True once no new request can start here (GOAWAY received, close() called, or closed). */
  get goingAway() { return this[kClosed] || this[kEngine].ptr === 0 || this[kEngine].isGoingAway(); }

  // ---- requests ----

  /**
   * Start a request. `headers`: an object / [[name, value]] / Headers; pseudo-headers
   * default to :method GET, :scheme and :authority of the session, :path '/'.
   * `endStream`: no request body. Returns a ClientStream at once (it may wait
   * for a slot under the server's MAX_CONCURRENT_STREAMS).
   */
  request(headers, { endStream = false, signal } = {}) {
    if (this[kClosed]) throw this.error ?? new ConnectionClosedError(ERROR_CODES.STREAM_CLOSED, 'session is closed');
    const list = pairs(headers);
    const pseudo = { ':method': 'GET', ':scheme': this.origin?.scheme ?? (this.secure ? 'https' : 'http'), ':authority': this.origin?.authority, ':path': '/' };
    const regular = [];
    for (const f of list) { if (f[0][0] === ':') pseudo[f[0]] = f[1]; else regular.push(f); }
    const fields = [];
    for (const k of [':method', ':scheme', ':authority', ':path']) if (pseudo[k] !== undefined && !(k === ':authority' && pseudo[k] === null)) fields.push([k, String(pseudo[k])]);
    if (pseudo[':method'] === 'CONNECT') fields.splice(1, 1);
    for (const f of regular) fields.push(f);
    const rc = this[kEngine].request(fields, endStream);
    if (rc & REQUEST_ERROR) {
      const r = rc & ~REQUEST_ERROR;
      if (r === 5) throw new StreamResetError(ERROR_CODES.REFUSED_STREAM, 'session is going away: request not sent (safe to retry on a new session)', { notProcessed: true });
      check(r);
    }
    const s = new ClientStream(this, rc);
    s._ended = endStream;
    this.streams.set(rc, s);
    if (this._unrefIdle && this.streams.size === 1) this.t.socket?.ref?.();
    if (signal) {
      const onAbort = () => s.cancel(ERROR_CODES.CANCEL, signal.reason ?? new DOMException('aborted', 'AbortError'));
      if (signal.aborted) onAbort(); else { signal.addEventListener('abort', onAbort, { once: true }); s.trailers.finally(() => signal.removeEventListener('abort', onAbort)).catch(() => {}); }
    }
    this[kKick]();
    return s;
  }

  /** WHATWG fetch over this session. The Response has `trailers`: a Promise<Headers>. */
  async fetch(input, init = {}) {
    const req = await toRequest(input, init, this.origin);
    // Redirects are followed on this session while they stay on its origin; another origin's
    // redirect is returned as it is (module-level fetch follows those through its pool).
    const own = `${this.origin?.scheme}://${this.origin?.authority}`;
    return followRedirects(req, (r) => (r.url.origin === own ? this._fetch(r) : null));
  }

  async _fetch(req) {
    const { method, path, authority, scheme, headers, body, signal } = req;
    if (signal?.aborted) throw signal.reason ?? new DOMException('aborted', 'AbortError');
    const fields = [[':method', method], [':scheme', scheme], [':authority', authority], [':path', path], ...headers];
    const bodyless = body == null;
    const s = this.request(fields, { endStream: bodyless, signal });
    if (!bodyless) pumpBody(s, body).catch(() => {});
    const head = await s.response;
    const nullBody = head.status === 204 || head.status === 205 || head.status === 304 || method === 'HEAD';
    if (nullBody && !s._bodyEnded) s.cancel(ERROR_CODES.CANCEL);
    const res = new H2Response(s, head, nullBody);
    res._url = req.url.href;
    return res;
  }

  /** PING; resolves with the round trip in ms. */
  ping() {
    if (this[kClosed]) return Promise.reject(this.error ?? new ConnectionClosedError(ERROR_CODES.STREAM_CLOSED, 'session is closed'));
    const hi = 0x70696e67, lo = ++this._pingSeq >>> 0; // 'ping' + counter
    check(this[kEngine].ping(hi, lo));
    const p = new Promise((res, rej) => this._pings.set(`${hi}:${lo}`, [res, rej]));
    this[kKick]();
    return p;
  }

  /** Graceful: no new requests; resolves when open ones have finished and the socket is closed. */
  close() {
    if (!this[kClosed]) { try { this[kEngine].close(); this[kKick](); } catch (e) { this[kFail](e); } }
    return this.closed.then(() => {});
  }

  /** Now: GOAWAY (CANCEL, or INTERNAL_ERROR with an error), every stream fails with `err`. */
  destroy(err) {
    if (this[kClosed]) return;
    this._destroyReason = err ?? new ConnectionClosedError(ERROR_CODES.CANCEL, 'session destroyed');
    try {
      this[kEngine].abort(err ? ERROR_CODES.INTERNAL_ERROR : ERROR_CODES.CANCEL);
      this[kBusy] = true;
      this[kProcess](this[kEngine].poll(), null);
      this[kFlush]();
    } catch (e) { this[kFail](e); } finally { this[kBusy] = false; }
    if (!this[kClosed]) this[kFinish](this._destroyReason, true);
  }

  // ---- inbound ----

  receive(chunk) {
    if (this[kClosed]) return;
    this.options.tap?.inbound?.(chunk);
    this[kBusy] = true;
    try {
      this[kProcess](this[kEngine].receive(chunk, now()), chunk);
      this[kFlush]();
    } catch (e) { this[kFail](e); } finally { this[kBusy] = false; }
  }

  transportClosed(err) {
    if (this[kClosed]) return;
    const e = err ? new ConnectionClosedError(ERROR_CODES.CONNECT_ERROR, `transport: ${err.message ?? err}`, { cause: err })
      : new ConnectionClosedError(ERROR_CODES.CANCEL, 'connection closed by server');
    // Through the engine, so requests still waiting for a slot come back marked not processed.
    this._transportError = e;
    try { this[kEngine].abort(ERROR_CODES.CANCEL); this[kProcess](this[kEngine].poll(), null); } catch { /* instance gone */ }
    this[kFinish](e, true);
  }

  [kProcess](dv, chunk) {
    while (dv) {
      // Words a..d are named per kind in js/boundary.js CLIENT_EVENT_FIELDS.
      for (let at = 0; at < dv.byteLength; at += RECORD.BYTES) {
        this._event(dv.getUint32(at + RECORD.KIND, true), dv.getUint32(at + RECORD.STREAM, true), dv.getUint32(at + RECORD.A, true),
          dv.getUint32(at + RECORD.B, true), dv.getUint32(at + RECORD.C, true), dv.getUint32(at + RECORD.D, true), chunk);
      }
      chunk = null;
      if (this[kClosed]) return;
      dv = this[kEngine].poll();
    }
  }

  _event(kind, id, a, b, c, d, chunk) {
    const s = this.streams.get(id);
    const log = this.onFrameLog;
    switch (kind) {
      case CEV.RESPONSE: {
        const raw = unpackFields(this[kEngine].fields(b, c));
        log?.({ type: 'response', stream: id, status: a, headers: raw, endStream: !!d });
        if (s) s._response(a, raw, !!d);
        break;
      }
      case CEV.INFORMATIONAL: {
        const raw = unpackFields(this[kEngine].fields(b, c));
        log?.({ type: 'informational', stream: id, status: a, headers: raw });
        try { s?.onInformational?.(a, raw); } catch { /* app callback */ }
        break;
      }
      case CEV.TRAILERS:
        if (s) { s._trailerList = unpackFields(this[kEngine].fields(a, b)); log?.({ type: 'trailers', stream: id, headers: s._trailerList }); }
        break;
      case CEV.DATA:
        log?.({ type: 'data', stream: id, length: b - a });
        if (s) s._data(chunk.subarray(a, b)); else this[kEngine].consumed(id, b - a);
        break;
      case CEV.END: log?.({ type: 'end', stream: id }); if (s) s._end(); break;
      case CEV.MALFORMED: if (s) s._malformed = this[kEngine].text(a, b); log?.({ type: 'malformed', stream: id, reason: this[kEngine].text(a, b) }); break;
      case CEV.TIMED_OUT: if (s) s._timedOut = this[kEngine].text(a, b); log?.({ type: 'timeout', stream: id, reason: this[kEngine].text(a, b) }); break;
      case CEV.TOO_LARGE: if (s) s._tooLarge = true; log?.({ type: 'too-large', stream: id }); break;
      case CEV.RESET: {
        const remote = !!(b & CLIENT_RESET_FLAG.REMOTE), notProcessed = !!(b & CLIENT_RESET_FLAG.NOT_PROCESSED);
        log?.({ type: 'reset', stream: id, code: a, remote, notProcessed });
        if (s) {
          let msg;
          if (notProcessed) msg = `request not processed by the server (${remote && this.goaway ? 'GOAWAY' : 'REFUSED_STREAM'}); safe to retry`;
          else if (s._malformed) msg = a === ERROR_CODES.PROTOCOL_ERROR ? `malformed response: ${s._malformed}` : s._malformed;
          else if (s._timedOut) msg = s._timedOut;
          else if (s._tooLarge) msg = `response body larger than maxResponseBodyBytes (${this.options.maxResponseBodyBytes})`;
          else msg = remote ? `stream reset by server (${a})` : `stream reset (${a})`;
          const e = new StreamResetError(a, msg, { remote, notProcessed, unsent: c + d * 2 ** 32, timedOut: !!s._timedOut, tooLarge: s._tooLarge });
          // destroy(err) / a lost transport: every stream the server may have seen fails with that error.
          const local = !remote && !notProcessed;
          s._lost(local && this._transportError !== undefined ? this._transportError
            : local && this._destroyReason !== undefined ? this._destroyReason : e);
        }
        break;
      }
      case CEV.SEND_READY: if (s) { s._blocked = false; s._wake(); } break;
      case CEV.SEND_BLOCKED: if (s) s._blocked = true; break;
      case CEV.STREAM_CLOSED: if (s) { s._done = true; s[kQueue] = null; this.streams.delete(id); this._maybeIdle(); } break;
      case CEV.SETTINGS:
        this.maxConcurrentStreams = a === 0xffffffff ? null : a;
        log?.({ type: 'settings', maxConcurrentStreams: this.maxConcurrentStreams });
        this._resolveReady(this);
        break;
      case CEV.PING_ACK: {
        log?.({ type: 'ping-ack', rttMs: c });
        const k = `${a}:${b}`;
        const p = this._pings.get(k);
        if (p) { this._pings.delete(k); p[0](c); }
        break;
      }
      case CEV.GOAWAY: {
        this.goaway = { lastStreamID: a, code: b, debug: decoder.decode(this[kEngine].debugData()) };
        log?.({ type: 'goaway', lastStreamID: a, code: b });
        this.options.onGoaway?.(this.goaway);
        break;
      }
      case CEV.ERROR: this.error = new H2Error(a, this[kEngine].text(c, d), { remote: !!b }); log?.({ type: 'error', code: a, reason: this.error.message }); break;
      case CEV.CLOSED: this[kClosing] = true; break;
      default: break;
    }
  }

  _maybeIdle() {
    if (this._unrefIdle && this.streams.size === 0) this.t.socket?.unref?.();
  }

  // ---- outbound (the queue, flush and timer are js/driver.js) ----

  [kOutputDone]() { this[kFinish](this._destroyReason ?? this.error ?? null); }

  [kTapOutbound](list) { this.options.tap?.outbound?.(list); }

  [kFinish](reason, hard = false) {
    if (this[kClosed]) return;
    this[kClosed] = true;
    this[kDisarm]();
    const r = reason ?? new ConnectionClosedError(ERROR_CODES.CANCEL, 'session closed');
    this._rejectReady(r);
    for (const s of [...this.streams.values()]) s._lost(r);
    this.streams.clear();
    for (const [, [, rej]] of this._pings) rej(r);
    this._pings.clear();
    try { this[kEngine].free(); } catch { /* gone */ }
    if (hard) this.t.destroy(); else this.t.end();
    this._resolveClosed(reason ?? null);
    this.options.onClose?.(this, reason ?? null);
  }
}

/** Pump a request body (ReadableStream or bytes) into a client stream with backpressure. */
async function pumpBody(s, body) {
  try {
    if (body instanceof Uint8Array) { s.end(body); return; }
    const reader = body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (s.error) { reader.cancel(s.error).catch(() => {}); return; }
      await s.write(value);
    }
    s.end();
  } catch (e) {
    if (!s._done) s.cancel(ERROR_CODES.CANCEL, e);
  }
}

/**
 * Normalise fetch(input, init) into what the session needs. Bodies that are
 * bytes or strings stay bytes (replayable, so a not-processed request can be
 * retried); anything else goes through Request for its WHATWG conversions.
 */
async function toRequest(input, init = {}, origin) {
  let url;
  let method = init.method;
  let headersInit = init.headers;
  let body = init.body ?? null;
  let signal = init.signal ?? null;
  if (typeof input === 'string' || input instanceof URL) {
    url = new URL(input, origin ? `${origin.scheme}://${origin.authority}` : undefined);
  } else if (input && typeof input.url === 'string') {
    url = new URL(input.url);
    method ??= input.method;
    headersInit ??= input.headers;
    if (body == null && input.body) body = input.body;
    signal ??= input.signal;
  } else throw new TypeError('fetch: input must be a URL, a string or a Request');
  method = String(method ?? 'GET').toUpperCase();
  // As WHATWG fetch (Request constructor, step 34): GET and HEAD carry no body.
  if (body != null && (method === 'GET' || method === 'HEAD')) throw new TypeError(`fetch: a ${method} request cannot have a body`);
  const headers = pairs(headersInit).filter(([n]) => !HOP_BY_HOP.has(n));
  let contentType = null;
  if (body != null) {
    if (typeof body === 'string') { body = encoder.encode(body); contentType = 'text/plain;charset=UTF-8'; } else if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) body = toBytes(body);
    else if (!(body instanceof ReadableStream)) {
      const r = new Request('http://x/', { method: 'POST', body, duplex: 'half' });
      contentType = r.headers.get('content-type');
      body = new Uint8Array(await r.arrayBuffer());
    }
    if (contentType && !headers.some(([n]) => n === 'content-type')) headers.push(['content-type', contentType]);
    if (body instanceof Uint8Array && !headers.some(([n]) => n === 'content-length')) headers.push(['content-length', String(body.length)]);
  }
  return {
    url, method, headers, body, signal, redirect: init.redirect ?? input?.redirect ?? 'follow',
    scheme: url.protocol.slice(0, -1),
    authority: url.host,
    path: (url.pathname || '/') + url.search,
  };
}

// Fields a WHATWG Headers may carry that HTTP/2 forbids (§8.2.2); dropped rather than refused.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

// ---- connect ----

/**
 * connect(url | transport, options) → Promise<ClientSession>, resolved once the
 * server's SETTINGS arrived. `http:` is h2c with prior knowledge, `https:` TLS
 * with ALPN h2 (options.tls goes to tls.connect: ca, rejectUnauthorized, …).
 * A transport is a Node socket or a WHATWG { readable, writable } pair
 * (options.authority/scheme then name the origin).
 */
export async function connect(target, options = {}) {
  clientConfig(options); // TypeError/RangeError for bad options before any socket is opened
  let transport;
  let origin;
  if (typeof target === 'string' || target instanceof URL) {
    const url = new URL(target);
    const gb = globalThis.process?.getBuiltinModule;
    if (!gb) throw new Error('connect(url) needs Node; pass a { readable, writable } transport elsewhere');
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') throw new TypeError(`connect: unsupported scheme ${url.protocol}`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (secure ? 443 : 80));
    origin = { scheme: secure ? 'https' : 'http', authority: url.host };
    const socket = await new Promise((resolve, reject) => {
      let s;
      if (secure) {
        const tls = gb('node:tls');
        const isIp = gb('node:net').isIP(host) !== 0;
        s = tls.connect({ host, port, servername: isIp ? undefined : host, ...options.tls, ALPNProtocols: ['h2'] }, () => {
          if (s.alpnProtocol !== 'h2') { s.destroy(); reject(new H2Error(ERROR_CODES.HTTP_1_1_REQUIRED, `server did not negotiate h2 over TLS (ALPN: ${s.alpnProtocol || 'none'})`)); return; }
          resolve(s);
        });
      } else {
        s = gb('node:net').connect({ host, port }, () => resolve(s));
      }
      s.once('error', (e) => reject(/no application protocol/.test(e.message)
        ? new H2Error(ERROR_CODES.HTTP_1_1_REQUIRED, 'server did not negotiate h2 over TLS (ALPN)', { cause: e }) : e));
    });
    socket.removeAllListeners('error');
    transport = nodeSocketTransport(socket);
  } else if (target && typeof target.on === 'function' && typeof target.write === 'function') {
    transport = nodeSocketTransport(target);
    origin = { scheme: options.scheme ?? (target.encrypted ? 'https' : 'http'), authority: options.authority ?? 'localhost' };
  } else if (target && target.readable && target.writable) {
    transport = webStreamTransport(target, options);
    origin = { scheme: options.scheme ?? (options.secure ? 'https' : 'http'), authority: options.authority ?? 'localhost' };
  } else throw new TypeError('connect: target must be a URL, a Node socket or a { readable, writable } pair');
  const session = new ClientSession(transport, options, origin);
  if (!session[kClosed]) transport.start();
  return session.ready;
}

// ---- module-level fetch: one pooled session per origin ----

const pool = new Map(); // origin → Promise<ClientSession>

function pooledSession(url, options) {
  const key = url.origin;
  const have = pool.get(key);
  if (have) {
    const s = have.session;
    if (!s || !s.goingAway) return have.promise;
  }
  const entry = { session: null, promise: null };
  entry.promise = connect(url.origin, { ...options, unrefWhenIdle: true, onClose: () => { if (pool.get(key) === entry) pool.delete(key); } })
    .then((s) => { entry.session = s; return s; }, (e) => { if (pool.get(key) === entry) pool.delete(key); throw e; });
  pool.set(key, entry);
  return entry.promise;
}

/**
 * fetch(url, init) over a pooled HTTP/2 session per origin (h2c for http:,
 * TLS+ALPN h2 for https:). A new session replaces one that received GOAWAY. A
 * request is sent again (once, on a fresh session) only when the server said it
 * did not process it (GOAWAY above its id, or REFUSED_STREAM) and its body is
 * replayable (none, bytes or a string).
 */
export async function fetch(input, init = {}) {
  const req = await toRequest(input, init);
  const options = init.h2 ?? {};
  return followRedirects(req, async (r) => {
    if (r.url.protocol !== 'http:' && r.url.protocol !== 'https:') return null;
    for (let attempt = 0; ; attempt++) {
      const session = await pooledSession(r.url, options);
      try {
        return await session._fetch(r);
      } catch (e) {
        const replayable = r.body == null || r.body instanceof Uint8Array;
        if (e?.notProcessed && replayable && attempt < 2) continue;
        throw e;
      }
    }
  });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * WHATWG redirect handling (`init.redirect`: 'follow' (default, at most 20), 'manual', 'error').
 * `send(req)` returns a Response, or null when it cannot send there (then the redirect
 * response itself is returned). 303, and 301/302 after POST, become a GET without body;
 * 307/308 resend the body when it is replayable (bytes), else it is a TypeError as in fetch.
 */
async function followRedirects(req, send) {
  const mode = req.redirect ?? 'follow';
  let res = await send(req);
  for (let hops = 0; res && REDIRECTS.has(res.status) && res.headers.has('location'); hops++) {
    if (mode === 'manual') return res;
    if (mode === 'error') throw new TypeError(`fetch: redirect (${res.status}) with redirect: 'error'`);
    if (hops >= 20) throw new TypeError('fetch: too many redirects');
    const next = { ...req, url: new URL(res.headers.get('location'), req.url) };
    if (res.status === 303 ? req.method !== 'HEAD' : (res.status <= 302 && req.method === 'POST')) {
      next.method = req.method === 'HEAD' ? 'HEAD' : 'GET';
      next.body = null;
      next.headers = req.headers.filter(([n]) => !n.startsWith('content-'));
    } else if (req.body != null && !(req.body instanceof Uint8Array)) {
      throw new TypeError('fetch: cannot follow a 307/308 redirect with a streamed body');
    }
    if (next.url.origin !== req.url.origin) next.headers = next.headers.filter(([n]) => n !== 'authorization' && n !== 'cookie');
    next.scheme = next.url.protocol.slice(0, -1);
    next.authority = next.url.host;
    next.path = (next.url.pathname || '/') + next.url.search;
    const r = await send(next);
    if (r === null) return res;
    res.arrayBuffer().catch(() => {}); // the redirect's own body is read and dropped (its window reopens)
    r._redirected = true;
    req = next;
    res = r;
  }
  return res;
}

/** Close every pooled session (graceful); for tests and process shutdown. */
export async function closeAllSessions() {
  const all = [...pool.values()];
  pool.clear();
  await Promise.all(all.map((e) => e.promise.then((s) => s.close(), () => {})));
}
