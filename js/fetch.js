// Fetch-style API on top of the H2Stream API: handler(Request) → Response,
// with streaming bodies both ways and backpressure through the producer model.
//
// Where the time goes in a naive version (one `new Request` per request): undici's Request
// constructor makes an AbortController, a ReadableStream and a Headers object, parses the
// URL and links the signal through a FinalizationRegistry: ~100 µs of CPU per request,
// against ~6 µs for the whole exchange in the stream API. So the handler gets a
// `FetchRequest`: an object whose prototype chain ends in Request.prototype (so
// `instanceof Request` holds) and that answers method/url/headers/signal/body itself,
// making each of them only when read. Anything else (clone(), text(), json(), cache, …,
// and undici's own internal slots, which `new Request(req)` and `fetch(req)` read) goes to
// a real Request built on first use from the same parts.

import { createServer } from './index.js';
import { reportAppError } from './log.js';
import { ERROR_CODES } from './errors.js';
import { kDone, kEndPending } from './symbols.js';

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder(); // UTF-8, BOM stripped: what Body.text() does

// node:stream's isDisturbed (has a ReadableStream been read from?), where there is one.
const isDisturbed = globalThis.process?.getBuiltinModule?.('node:stream')?.isDisturbed ?? ((s) => s.locked);

function concat(parts, size) {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
const BODY_HIGH_WATER_MARK = 4; // chunks queued in the request body stream before the window closes

let internals = null; // Request instance slots and the Response state slot, probed once

/** What this runtime's Request/Response keep in symbol-keyed own properties (undici). */
function probeInternals() {
  if (internals) return internals;
  const probeReq = new Request('http://localhost/');
  const probeRes = new Response('x');
  const body = probeRes.body;
  // The Response slot holding { body: { stream, source } }: used only when its `stream`
  // is the very object `res.body` returns, so a different layout is simply not used.
  const resState = Object.getOwnPropertySymbols(probeRes)
    .find((s) => { const v = probeRes[s]; return v && typeof v === 'object' && v.body?.stream === body; }) ?? null;
  internals = { requestSlots: Object.getOwnPropertySymbols(probeReq), resState };
  defineDelegates(internals.requestSlots);
  return internals;
}

/** The request handed to the handler; see the file comment. */
class FetchRequest {
  constructor(stream) {
    this._stream = stream;
    this._method = stream.command;
    this._url = null;
    this._headers = null;
    this._ac = null; // AbortController, made when `signal` is first read
    this._lostReason = undefined; // the stream was reset/lost before `signal` was read
    this._lostError = undefined; // what the body stream was failed with when the stream was lost
    this._hasBody = !stream[kEndPending] && this._method !== 'GET' && this._method !== 'HEAD';
    this._body = null; // ReadableStream, made when `body` is first read
    this._controller = null;
    this._used = false; // the body was read by text()/json()/arrayBuffer()/bytes() below
    this._sink = null; // { parts, size, resolve, reject, convert } while they gather it
    this._real = null;
  }

  get method() { return this._method; }

  get url() {
    if (this._url === null) {
      const s = this._stream;
      const scheme = s.scheme ?? (s.isSecure() ? 'https' : 'http');
      this._url = `${scheme}://${s.authority ?? s.headers.host ?? 'localhost'}${s.path ?? '/'}`;
    }
    return this._url;
  }

  get headers() {
    if (this._headers === null) {
      const h = new Headers();
      for (const [n, v] of this._stream.rawHeaders) if (n[0] !== ':') h.append(n, v);
      this._headers = h;
    }
    return this._headers;
  }

  get signal() {
    if (this._ac === null) {
      this._ac = new AbortController();
      if (this._lostReason !== undefined) this._ac.abort(this._lostReason);
    }
    return this._ac.signal;
  }

  get body() {
    if (this._body !== null) return this._body;
    if (this._real !== null) return this._real.body;
    if (!this._hasBody) return null;
    if (this._used) {
      // Read by text() & co.: the body is an empty stream that has been read from, as in undici.
      const used = new ReadableStream({ start(c) { c.close(); } });
      const reader = used.getReader();
      reader.read().catch(() => {});
      reader.releaseLock();
      return (this._body = used);
    }
    const stream = this._stream;
    this._body = new ReadableStream({
      start: (c) => { this._controller = c; },
      pull() { stream.resumeProducing(); },
      cancel() { try { stream.stopProducing(); } catch { /* gone */ } },
    }, { highWaterMark: BODY_HIGH_WATER_MARK });
    return this._body;
  }

  get bodyUsed() {
    if (this._real !== null) return this._real.bodyUsed;
    return this._unusable();
  }

  get duplex() { return 'half'; }

  /** The body was read (by text() & co. here, or through `body`) or is locked by a reader. */
  _unusable() {
    if (this._used) return true;
    const b = this._body;
    return b !== null && (b.locked || isDisturbed(b));
  }

  /** The real Request, made from the same parts on first use of anything not answered above. */
  _request() {
    if (this._real === null) {
      // A body already read stays read: the real Request gets none (its body methods are
      // not reached then: _consume answers "unusable" first).
      const body = this._unusable() ? null : this.body;
      this._real = new Request(this.url, {
        method: this._method, headers: this.headers, body, duplex: body ? 'half' : undefined, signal: this.signal,
      });
    }
    return this._real;
  }

  // Body readers: when nobody has touched `body`, the chunks are gathered straight from the
  // stream (no ReadableStream, no real Request); otherwise the real Request does it.
  text() { return this._consume('text', (b) => DECODER.decode(b)); }
  json() { return this._consume('json', (b) => JSON.parse(DECODER.decode(b))); }
  arrayBuffer() { return this._consume('arrayBuffer', (b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); }
  bytes() { return this._consume('bytes', (b) => new Uint8Array(b)); } // a copy: b may be a view of a socket chunk

  _consume(name, convert) {
    if (this._real !== null) return this._real[name]();
    if (this._unusable()) return Promise.reject(new TypeError('Body is unusable: the request body was already read'));
    if (this._body !== null) return this._request()[name]();
    this._used = true;
    if (!this._hasBody) { try { return Promise.resolve(convert(new Uint8Array(0))); } catch (e) { return Promise.reject(e); } }
    return new Promise((resolve, reject) => {
      this._sink = { parts: [], size: 0, resolve, reject, convert };
      this._stream.resumeProducing(); // delivers what waited, then the rest as it comes
    });
  }

  // ---- from the stream (requestFactory callbacks) ----

  _data(chunk) {
    const sink = this._sink;
    if (sink !== null) { sink.parts.push(chunk); sink.size += chunk.length; return; }
    const c = this._controller;
    if (c === null) return;
    c.enqueue(chunk); // zero copy: a view of the socket chunk
    if (c.desiredSize <= 0) this._stream.pauseProducing();
  }

  _end() {
    const sink = this._sink;
    if (sink !== null) {
      this._sink = null;
      const all = sink.parts.length === 1 ? sink.parts[0] : concat(sink.parts, sink.size);
      try { sink.resolve(sink.convert(all)); } catch (e) { sink.reject(e); }
      return;
    }
    try { this._controller?.close(); } catch { /* cancelled */ }
  }

  _lost(reason) {
    this._lostError = reason;
    if (this._sink !== null) { const sink = this._sink; this._sink = null; sink.reject(reason); }
    try { this._controller?.error(reason); } catch { /* closed */ }
    if (this._ac !== null) this._ac.abort(reason);
    else this._lostReason = reason ?? null;
  }
}

let delegatesDefined = false;
/** Everything of Request.prototype (and the instance slots) that FetchRequest does not answer goes to the real Request. */
function defineDelegates(slots) {
  if (delegatesDefined) return;
  delegatesDefined = true;
  Object.setPrototypeOf(FetchRequest.prototype, Request.prototype);
  const own = new Set(Object.getOwnPropertyNames(FetchRequest.prototype));
  for (const key of [...Object.getOwnPropertyNames(Request.prototype), ...Object.getOwnPropertySymbols(Request.prototype)]) {
    if (key === 'constructor' || own.has(key) || key === Symbol.toStringTag) continue;
    const d = Object.getOwnPropertyDescriptor(Request.prototype, key);
    if (typeof d.value === 'function') {
      Object.defineProperty(FetchRequest.prototype, key, {
        configurable: true, writable: true,
        value: { [key]: function (...args) { const r = this._request(); return r[key](...args); } }[key],
      });
    } else if (d.get) {
      Object.defineProperty(FetchRequest.prototype, key, { configurable: true, get() { return this._request()[key]; } });
    }
  }
  for (const s of slots) {
    Object.defineProperty(FetchRequest.prototype, s, { configurable: true, get() { return this._request()[s]; } });
  }
}

/**
 * The bytes of a Response built from a string or bytes (Response.json, new Response('…')),
 * read without its stream; undefined for anything else (user streams, Blobs, FormData,
 * a body already read or locked), which then goes through the stream.
 */
function knownBody(res, body) {
  const slot = internals.resState;
  if (slot === null || body.locked || res.bodyUsed) return undefined;
  const b = res[slot]?.body;
  if (!b || b.stream !== body) return undefined;
  const src = b.source;
  if (typeof src === 'string') return ENCODER.encode(src);
  if (src instanceof Uint8Array) return src;
  return undefined;
}

function copyOf(bytes) {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes);
  return out;
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const TEXT_PLAIN = 'text/plain;charset=UTF-8';

/**
 * An opt-in Response for handlers that want serve() at the stream API's speed: a real
 * Response subclass (`instanceof Response`, status/headers/… from the base class; the
 * global Response is not touched) whose string or bytes body is kept as it is, and turned
 * into a stream only if `body`, `text()`, `clone()`, … is used. In Node 20, `new
 * Response(body)` builds a ReadableStream in its constructor: ~18 µs of CPU per response,
 * as much as Node's whole http2 exchange. Any other body kind (streams, Blobs, FormData,
 * URLSearchParams) is handed to the base class unchanged.
 */
export class LazyResponse extends Response {
  constructor(body = null, init = undefined) {
    const kept = typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer;
    if (!kept) { super(body, init); this._src = undefined; this._shadow = null; return; }
    super(null, init);
    if (NULL_BODY_STATUS.has(this.status)) throw new TypeError(`Response with null body status ${this.status} cannot have a body`);
    if (typeof body === 'string' && !this.headers.has('content-type')) this.headers.set('content-type', TEXT_PLAIN);
    // Bytes are copied, as the base class does: the caller may reuse its buffer.
    this._src = typeof body === 'string' ? body : copyOf(body);
    this._used = false;
    this._shadow = null; // a plain Response over the same bytes, once something needs the stream
  }

  static json(data, init = undefined) {
    const r = new LazyResponse(JSON.stringify(data), init);
    if (!init?.headers || !new Headers(init.headers).has('content-type')) r.headers.set('content-type', 'application/json');
    return r;
  }

  /** The plain Response the stream-based members go to (made on first use). */
  _plain() {
    if (this._shadow === null) this._shadow = new Response(this._used ? null : this._src, { status: this.status, statusText: this.statusText, headers: this.headers });
    return this._shadow;
  }

  get body() { return this._src === undefined ? super.body : this._plain().body; }
  get bodyUsed() {
    if (this._src === undefined) return super.bodyUsed;
    return this._shadow !== null ? this._shadow.bodyUsed : this._used;
  }

  /** The bytes, for serve(), when nothing has read or streamed the body. */
  _takeBytes() {
    if (this._src === undefined || this._shadow !== null || this._used) return undefined;
    this._used = true;
    return typeof this._src === 'string' ? ENCODER.encode(this._src) : this._src;
  }

  _read(convert, name) {
    if (this._src === undefined) return super[name]();
    if (this._shadow !== null) return this._shadow[name]();
    if (this._used) return Promise.reject(new TypeError('Body is unusable: the response body was already read'));
    this._used = true;
    try { return Promise.resolve(convert(this._src)); } catch (e) { return Promise.reject(e); }
  }
  text() { return this._read((s) => (typeof s === 'string' ? s : DECODER.decode(s)), 'text'); }
  json() { return this._read((s) => JSON.parse(typeof s === 'string' ? s : DECODER.decode(s)), 'json'); }
  arrayBuffer() { return this._read((s) => (typeof s === 'string' ? ENCODER.encode(s) : copyOf(s)).buffer, 'arrayBuffer'); }
  bytes() { return this._read((s) => (typeof s === 'string' ? ENCODER.encode(s) : copyOf(s)), 'bytes'); }
  blob() { return this._src === undefined ? super.blob() : this._plain().blob(); }
  formData() { return this._src === undefined ? super.formData() : this._plain().formData(); }

  clone() {
    if (this._src === undefined) return super.clone();
    if (this._shadow !== null || this._used) {
      if (this.bodyUsed) throw new TypeError('Response.clone: the body was already read');
      return this._plain().clone();
    }
    return new LazyResponse(this._src, { status: this.status, statusText: this.statusText, headers: new Headers(this.headers) });
  }
}

/** A requestFactory that turns each stream into a WHATWG Request and writes the Response back. */
export function toFetchFactory(handler, options = {}) {
  return (stream) => {
    // Application errors go to options.onError or the rate-limited default log (js/log.js).
    const onError = (e) => reportAppError(options, e, 'fetch handler', stream.getPeer());
    // A response body stream failing mid-way: reported, and the stream is reset.
    const streamError = (e) => { if (!stream[kDone]) reportAppError(options, e, 'fetch response body', stream.getPeer()); };
    probeInternals();
    // Started here, not in headersReceived: that callback is handed every field decoded
    // (stream.rawHeaders), which a FetchRequest only needs when `headers` is read.
    const request = new FetchRequest(stream);
    // Body chunks wait in the stream (flow-control window closed) until `body` is read.
    if (request._hasBody) stream.pauseProducing();
    respond(stream, request, handler, onError, streamError).catch(streamError);
    return {
      dataReceived(chunk) { request._data(chunk); },
      requestReceived() { request._end(); },
      connectionLost(reason) { request._lost(reason); },
    };
  };
}

async function respond(stream, request, handler, onError, streamError) {
  let res;
  try {
    res = await handler(request, { stream });
    if (!(res instanceof Response)) res = new Response(res ?? null);
  } catch (e) {
    // A handler failing only because the client went away (its body read rethrew the
    // reset) is not an application error; nobody is left to answer either.
    if (stream[kDone] && e === request._lostError) return;
    onError(e);
    res = new Response('internal error\n', { status: 500 });
  }
  if (stream[kDone]) return;
  const hdrs = [];
  res.headers.forEach((v, n) => { hdrs.push([n, v]); });
  if (res instanceof LazyResponse && res._src !== undefined) {
    const bytes = res._takeBytes();
    if (bytes !== undefined) {
      const end = bytes.length === 0 || request._method === 'HEAD';
      stream.writeHeaders(res.status, hdrs, { endStream: end });
      if (!end) { stream.write(bytes); stream.loseConnection(); }
      return;
    }
  }
  const body = res.body;
  if (body === null || request._method === 'HEAD') {
    stream.writeHeaders(res.status, hdrs, { endStream: true });
    body?.cancel().catch(() => {});
    return;
  }
  const bytes = knownBody(res, body);
  if (bytes !== undefined) {
    stream.writeHeaders(res.status, hdrs, { endStream: bytes.length === 0 });
    if (bytes.length) { stream.write(bytes); stream.loseConnection(); }
    return;
  }
  stream.writeHeaders(res.status, hdrs);
  await pipeBody(stream, body.getReader(), streamError);
}

/** A streaming Response body: read only while the stream can send (producer pause/resume). */
async function pipeBody(stream, reader, streamError) {
  let paused = false, wake = null;
  stream.registerProducer({
    pauseProducing() { paused = true; },
    resumeProducing() { paused = false; wake?.(); wake = null; },
    stopProducing() { paused = false; wake?.(); wake = null; },
  }, true);
  try {
    for (;;) {
      if (paused) await new Promise((r) => { wake = r; });
      if (stream[kDone]) { reader.cancel().catch(() => {}); return; }
      const { value, done } = await reader.read();
      if (done) break;
      if (stream[kDone]) { reader.cancel().catch(() => {}); return; }
      stream.write(value);
    }
    stream.unregisterProducer();
    stream.loseConnection();
  } catch (e) {
    streamError(e);
    try { stream.abortConnection(ERROR_CODES.INTERNAL_ERROR); } catch { /* gone */ }
  }
}

/** createServer with a fetch-style handler. */
export function serve(options, handler) {
  if (typeof options === 'function') { handler = options; options = {}; }
  return createServer(options, toFetchFactory(handler, options));
}
