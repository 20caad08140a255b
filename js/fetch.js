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
import { u32le, fieldString, methodString } from './engine.js';
import { kDone, kEndPending, kFieldBlock } from './symbols.js';
import { PACKED_FIELD } from './boundary.js';

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

/** Bytes [s, e) of `b` equal `cached`? */
function sameBytes(b, s, e, cached) {
  if (cached === null || cached.length !== e - s) return false;
  for (let k = 0; k < cached.length; k++) if (b[s + k] !== cached[k]) return false;
  return true;
}

// `scheme://authority` of the last URL built: the requests of a connection share it, so
// comparing bytes is cheaper than decoding both strings again.
const lastOrigin = { scheme: null, authority: null, origin: '' };

/**
 * The request's pseudo-header values in one pass over the stream's packed field block
 * (js/boundary.js PACKED_FIELD: lengths, name, value per field; pseudo-headers first, checked by the engine):
 * `:method` decoded, the others' [start, end) offsets kept for `url`. H2Stream's getters
 * scan the block once per pseudo-header (four scans for method + url). False when the
 * block is not there (already decoded, or another stream class): the getters are used then.
 */
function scanPseudo(req, stream) {
  const b = stream[kFieldBlock];
  if (!(b instanceof Uint8Array)) return false;
  let i = 0;
  while (i + PACKED_FIELD.HEADER_BYTES <= b.length) {
    const nl = u32le(b, i + PACKED_FIELD.NAME_LEN_AT), vl = u32le(b, i + PACKED_FIELD.VALUE_LEN_AT);
    const ns = i + PACKED_FIELD.HEADER_BYTES, vs = ns + nl, ve = vs + vl;
    if (nl < 2 || b[ns] !== 58) break; // ':' — past the pseudo-headers
    const c = b[ns + 1];
    if (nl === 7 && c === 109) req._method = methodString(b, vs, ve); // :method
    else if (nl === 7 && c === 115 && b[ns + 2] === 99) { req._scheme = vs; req._schemeEnd = ve; } // :scheme
    else if (nl === 10 && c === 97) { req._authority = vs; req._authorityEnd = ve; } // :authority
    else if (nl === 5 && c === 112) { req._path = vs; req._pathEnd = ve; } // :path
    i = ve;
  }
  if (req._method === undefined) return false;
  req._block = b;
  return true;
}

/** The request handed to the handler; see the file comment. */
class FetchRequest {
  constructor(stream) {
    this._stream = stream;
    // Set by scanPseudo: the packed field block and the offsets of the URL's parts in it.
    this._method = undefined;
    this._block = null;
    this._scheme = -1; this._schemeEnd = 0;
    this._authority = -1; this._authorityEnd = 0;
    this._path = -1; this._pathEnd = 0;
    if (!scanPseudo(this, stream)) this._method = stream.command;
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
    if (this._url === null) this._url = this._block !== null ? this._urlFromBlock() : this._urlFromStream();
    return this._url;
  }

  _urlFromBlock() {
    const b = this._block;
    this._block = null;
    const path = this._path >= 0 ? fieldString(b, this._path, this._pathEnd) : '/';
    if (this._authority < 0 || this._scheme < 0) return this._urlFromStream();
    const o = lastOrigin;
    if (!sameBytes(b, this._scheme, this._schemeEnd, o.scheme) || !sameBytes(b, this._authority, this._authorityEnd, o.authority)) {
      o.scheme = b.slice(this._scheme, this._schemeEnd);
      o.authority = b.slice(this._authority, this._authorityEnd);
      o.origin = `${fieldString(b, this._scheme, this._schemeEnd)}://${fieldString(b, this._authority, this._authorityEnd)}`;
    }
    return o.origin + path;
  }

  _urlFromStream() {
    const s = this._stream;
    const scheme = s.scheme ?? (s.isSecure() ? 'https' : 'http');
    return `${scheme}://${s.authority ?? s.headers.host ?? 'localhost'}${s.path ?? '/'}`;
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

/** A copy of a BufferSource's bytes (the standard copies them: the caller may reuse its buffer). */
function copyOf(bytes) {
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.slice();
}

// Small bodies kept by LazyResponse are copied into a shared slab (one ArrayBuffer per
// SLAB_SIZE bytes, not one per response). A region is written once and never reused, so
// views of it stay valid while the stream queues them.
const SLAB_SIZE = 16 * 1024;
const SLAB_MAX_COPY = 1024;
let slab = new Uint8Array(SLAB_SIZE);
let slabAt = 0;

function slabRegion(n) {
  if (slabAt + n > SLAB_SIZE) { slab = new Uint8Array(SLAB_SIZE); slabAt = 0; }
  const region = new Uint8Array(slab.buffer, slabAt, n); // not subarray(): no species lookup
  slabAt += (n + 7) & ~7;
  return region;
}

/** copyOf for a body kept by LazyResponse: small ones go into the slab. */
function keptCopy(bytes) {
  if (bytes.byteLength > SLAB_MAX_COPY) return copyOf(bytes);
  const region = slabRegion(bytes.byteLength);
  region.set(bytes instanceof Uint8Array ? bytes : bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return region;
}

/** UTF-8 of a kept string body: short ones encoded into the slab. */
function keptEncode(text) {
  if (text.length * 3 > SLAB_MAX_COPY) return ENCODER.encode(text);
  const room = slabRegion(text.length * 3);
  const { written } = ENCODER.encodeInto(text, room);
  slabAt = room.byteOffset + ((written + 7) & ~7); // give back what UTF-8 did not need
  return room.subarray(0, written);
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const TEXT_PLAIN = 'text/plain;charset=UTF-8';
const JSON_TYPE = 'application/json';

// Header names: an RFC 9110 token. Values: no NUL/CR/LF once the surrounding HTTP
// whitespace is trimmed (what Headers checks).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

// Valid names seen before → their lowercase form (names repeat across responses).
const NAME_CACHE_MAX = 256;
const lowerNames = new Map();

function headerName(name) {
  const n = String(name);
  let lower = lowerNames.get(n);
  if (lower !== undefined) return lower;
  if (!TOKEN.test(n)) throw new TypeError(`invalid header name: ${JSON.stringify(n)}`);
  lower = n.toLowerCase();
  if (lowerNames.size < NAME_CACHE_MAX) lowerNames.set(n, lower);
  return lower;
}

function headerField(name, value) {
  const n = headerName(name);
  let v = typeof value === 'string' ? value : String(value);
  // HTTP whitespace at either end trimmed, then NUL/CR/LF or anything above U+00FF refused
  // (ByteString), as Headers does.
  const last = v.length - 1;
  if (last >= 0 && (v.charCodeAt(0) <= 32 || v.charCodeAt(last) <= 32)) v = v.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0 || c === 10 || c === 13 || c > 255) throw new TypeError(`invalid value for header ${n}`);
  }
  return [n, v];
}

/**
 * A snapshot of ResponseInit.headers as [[lowercase name, value], …] (order and repeats
 * kept, as they go on the wire), validated as Headers would. A Headers object is read
 * through its own iterator (combined values, set-cookie one by one).
 */
function headerFields(init) {
  if (init === undefined || init === null || init.headers === undefined || init.headers === null) return [];
  const h = init.headers;
  if (typeof h !== 'object' && typeof h !== 'function') throw new TypeError('ResponseInit.headers must be an object');
  const out = [];
  if (h instanceof Headers) { h.forEach((v, n) => { out.push([n, v]); }); return out; }
  if (typeof h[Symbol.iterator] === 'function') {
    for (const pair of h) {
      if (pair === null || typeof pair !== 'object' || typeof pair[Symbol.iterator] !== 'function') throw new TypeError('a header pair must be a [name, value] sequence');
      const p = Array.isArray(pair) ? pair : [...pair];
      if (p.length !== 2) throw new TypeError('a header pair must have exactly two items');
      out.push(headerField(p[0], p[1]));
    }
    return out;
  }
  // A record: own enumerable keys, in order. Counted first so the array is made at its
  // size (an empty array grows to 17 slots on its first push).
  let count = 0;
  for (const n in h) if (Object.hasOwn(h, n)) count++;
  const fields = new Array(count);
  let i = 0;
  for (const n in h) if (Object.hasOwn(h, n)) fields[i++] = headerField(n, h[n]);
  return fields;
}

function hasField(fields, name) {
  for (let i = 0; i < fields.length; i++) if (fields[i][0] === name) return true;
  return false;
}

/** A ReadableStream that has been read to its end: what `body` is after text() & co. */
function usedStream() {
  const used = new ReadableStream({ start(c) { c.close(); } });
  const reader = used.getReader();
  reader.read().catch(() => {});
  reader.releaseLock();
  return used;
}

// writeHeaders options, shared (read only by H2Stream).
const END_STREAM = Object.freeze({ endStream: true });
const MORE_TO_COME = Object.freeze({ endStream: false });

const FROM_PARTS = Symbol('LazyResponse parts'); // constructor argument of clone() and json()
let lazyWrite; // (LazyResponse, stream, isHead) → written? (false: the body is in a plain Response); set in the class body
let realOf; // (LazyResponse) → the plain Response its other members go to

/**
 * An opt-in Response for handlers that want serve() at the stream API's speed. In Node 20,
 * `new Response(body)` builds a ReadableStream (and undici's Headers) in its constructor:
 * ~18 µs of CPU per response, as much as Node's whole http2 exchange. A LazyResponse keeps
 * what it was given: status, a validated snapshot of the header fields, and a string or
 * bytes body (bytes copied, as the standard says). serve() writes those straight to the
 * stream. As a Response it answers status/ok/statusText/type/url/redirected, `headers`
 * (a Headers made on first read; later changes to it are what serve() sends),
 * text()/json()/arrayBuffer()/bytes()/clone() itself; `body`, blob(), formData() and
 * anything else on Response.prototype go to a plain Response made from the same parts on
 * first use. `instanceof Response` holds (its prototype chain ends in Response.prototype);
 * the global Response is not touched. Other body kinds (streams, Blobs, FormData,
 * URLSearchParams) go to a plain Response at once.
 */
export class LazyResponse {
  #src = null; // string | Uint8Array | null; undefined once #real holds the body
  #status = 200;
  #statusText = '';
  #fields = null; // [[name, value], …] as given; superseded by #headers once that is made
  #headers = null;
  #real = null; // the plain Response with the body, made when a stream is needed
  #used = false; // the kept body was read (text() & co., or written by serve())
  #usedBody = null;

  constructor(body = null, init = undefined) {
    if (body === FROM_PARTS) { this.#adopt(init); return; }
    if (body !== null && typeof body !== 'string' && !(body instanceof ArrayBuffer) && !ArrayBuffer.isView(body)) {
      const real = new Response(body, init);
      this.#adopt({ src: undefined, real, status: real.status, statusText: real.statusText, headers: real.headers });
      return;
    }
    this.#init(body, init, TEXT_PLAIN);
  }

  #adopt(p) {
    this.#src = p.src; this.#real = p.real ?? null;
    this.#status = p.status; this.#statusText = p.statusText;
    this.#fields = p.fields ?? null; this.#headers = p.headers ?? null;
  }

  /** "Initialize a response" (Fetch standard), without building a stream or a Headers. */
  #init(body, init, defaultType) {
    if (init !== undefined && init !== null) {
      if (typeof init !== 'object') throw new TypeError('ResponseInit must be an object');
      if (init.status !== undefined) {
        const s = Math.trunc(Number(init.status));
        if (!(s >= 200 && s <= 599)) throw new RangeError(`status ${init.status} is outside 200–599`);
        this.#status = s;
      }
      if (init.statusText !== undefined) {
        const t = String(init.statusText);
        if (!REASON_PHRASE.test(t)) throw new TypeError(`invalid statusText ${JSON.stringify(t)}`);
        this.#statusText = t;
      }
    }
    const fields = headerFields(init);
    if (body !== null) {
      if (NULL_BODY_STATUS.has(this.#status)) throw new TypeError(`Response with null body status ${this.#status} cannot have a body`);
      if (typeof body === 'string') {
        if (defaultType !== null && !hasField(fields, 'content-type')) fields.push(['content-type', defaultType]);
        this.#src = body;
      } else {
        this.#src = keptCopy(body);
      }
    }
    this.#fields = fields;
  }

  static json(data, init = undefined) {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Response.json: the value is not JSON serializable');
    const r = new LazyResponse(FROM_PARTS, { src: null, status: 200, statusText: '' });
    r.#init(text, init, JSON_TYPE);
    return r;
  }

  /** The plain Response the stream-based members go to (made on first use). */
  #toReal() {
    if (this.#real === null) {
      this.#real = new Response(this.#used ? null : this.#src, {
        status: this.#status, statusText: this.#statusText, headers: this.#headers ?? this.#fields,
      });
      this.#src = undefined;
    }
    return this.#real;
  }

  get type() { return 'default'; }
  get url() { return ''; }
  get redirected() { return false; }
  get status() { return this.#status; }
  get ok() { return this.#status >= 200 && this.#status <= 299; }
  get statusText() { return this.#statusText; }

  get headers() {
    if (this.#headers === null) { this.#headers = new Headers(this.#fields); this.#fields = null; }
    return this.#headers;
  }

  get body() {
    if (this.#real !== null) return this.#real.body;
    if (this.#src === null) return null;
    if (this.#used) return (this.#usedBody ??= usedStream());
    return this.#toReal().body;
  }

  get bodyUsed() { return this.#real !== null ? this.#real.bodyUsed : this.#used; }

  #read(name, convert) {
    if (this.#real !== null) return this.#real[name]();
    const s = this.#src;
    if (this.#used) return Promise.reject(new TypeError('Body is unusable: the response body was already read'));
    if (s !== null) this.#used = true; // a null body is never used up (bodyUsed stays false)
    try { return Promise.resolve(convert(s === null ? '' : s)); } catch (e) { return Promise.reject(e); }
  }

  text() { return this.#read('text', (s) => (typeof s === 'string' ? s : DECODER.decode(s))); }
  json() { return this.#read('json', (s) => JSON.parse(typeof s === 'string' ? s : DECODER.decode(s))); }
  arrayBuffer() { return this.#read('arrayBuffer', (s) => (typeof s === 'string' ? ENCODER.encode(s) : copyOf(s)).buffer); }
  bytes() { return this.#read('bytes', (s) => (typeof s === 'string' ? ENCODER.encode(s) : copyOf(s))); }
  blob() { return this.#used && this.#real === null ? Promise.reject(new TypeError('Body is unusable: the response body was already read')) : this.#toReal().blob(); }
  formData() { return this.#used && this.#real === null ? Promise.reject(new TypeError('Body is unusable: the response body was already read')) : this.#toReal().formData(); }

  clone() {
    if (this.bodyUsed) throw new TypeError('Response.clone: the body was already read');
    const head = { status: this.#status, statusText: this.#statusText };
    if (this.#real !== null) {
      // The plain Response tees its stream; the headers are ours (it has a copy of what they were).
      return new LazyResponse(FROM_PARTS, { ...head, src: undefined, real: this.#real.clone(), headers: new Headers(this.headers) });
    }
    // The kept string/bytes are never changed, so the clone shares them.
    return new LazyResponse(FROM_PARTS, {
      ...head, src: this.#src, fields: this.#headers === null ? this.#fields : null,
      headers: this.#headers === null ? null : new Headers(this.#headers),
    });
  }

  static {
    lazyWrite = (r, stream, head) => {
      if (r.#real !== null) return false;
      const bytes = r.#used || r.#src === null || head ? null : typeof r.#src === 'string' ? keptEncode(r.#src) : r.#src;
      if (r.#src !== null) r.#used = true;
      let fields = r.#fields;
      if (fields === null) { fields = []; r.#headers.forEach((v, n) => { fields.push([n, v]); }); }
      if (bytes === null || bytes.length === 0) { stream.writeHeaders(r.#status, fields, END_STREAM); return true; }
      stream.writeHeaders(r.#status, fields, MORE_TO_COME);
      stream.write(bytes);
      stream.loseConnection();
      return true;
    };
    realOf = (r) => r.#toReal();
  }
}

// instanceof Response, and the base class's statics (error(), redirect()) on LazyResponse.
Object.setPrototypeOf(LazyResponse.prototype, Response.prototype);
Object.setPrototypeOf(LazyResponse, Response);
// Whatever else this runtime's Response.prototype has goes to the plain Response.
for (const key of [...Object.getOwnPropertyNames(Response.prototype), ...Object.getOwnPropertySymbols(Response.prototype)]) {
  if (key === 'constructor' || key === Symbol.toStringTag || Object.hasOwn(LazyResponse.prototype, key)) continue;
  const d = Object.getOwnPropertyDescriptor(Response.prototype, key);
  if (typeof d.value === 'function') {
    Object.defineProperty(LazyResponse.prototype, key, {
      configurable: true, writable: true, value: { [key](...args) { const r = realOf(this); return r[key](...args); } }[key],
    });
  } else if (d.get) {
    Object.defineProperty(LazyResponse.prototype, key, { configurable: true, get() { return realOf(this)[key]; } });
  }
}

/** A requestFactory that turns each stream into a WHATWG Request and writes the Response back. */
export function toFetchFactory(handler, options = {}) {
  return (stream) => {
    probeInternals();
    // Started here, not in headersReceived: that callback is handed every field decoded
    // (stream.rawHeaders), which a FetchRequest only needs when `headers` is read.
    const exchange = stream[kEndPending] ? new BodylessExchange(stream, options) : new FetchExchange(stream, options);
    // Body chunks wait in the stream (flow-control window closed) until `body` is read.
    if (exchange.request._hasBody) stream.pauseProducing();
    exchange.respond(handler);
    return exchange;
  };
}

/**
 * One request/response: the stream's request object (dataReceived & co. feed the
 * FetchRequest) and the code that runs the handler and writes its Response. A class, not
 * closures: one object per request.
 */
class FetchExchange {
  constructor(stream, options) {
    this.stream = stream;
    this.options = options;
    this.request = new FetchRequest(stream);
  }

  dataReceived(chunk) { this.request._data(chunk); }
  requestReceived() { this.request._end(); }
  connectionLost(reason) { this.request._lost(reason); }

  /** Application errors go to options.onError or the rate-limited default log (js/log.js). */
  handlerError(e) { reportAppError(this.options, e, 'fetch handler', this.stream.getPeer()); }

  /** A response body stream failing mid-way: reported (the stream is reset by the caller). */
  bodyError(e) { if (!this.stream[kDone]) reportAppError(this.options, e, 'fetch response body', this.stream.getPeer()); }

  /**
   * Runs the handler. Its promise gets two small callbacks (an async function here would
   * keep its whole register file alive across the await: ~450 bytes per request, enough
   * to have in-flight requests promoted to the old generation at 150k req/s); a handler
   * that answers synchronously is written at once.
   */
  respond(handler) {
    let r;
    try {
      r = handler(this.request, { stream: this.stream });
    } catch (e) {
      r = this.failed(e);
      if (r === null) return;
    }
    if (r !== null && typeof r === 'object' && typeof r.then === 'function') {
      r.then((res) => this.answer(res), (e) => { const f = this.failed(e); if (f !== null) this.answer(f); });
    } else {
      this.answer(r);
    }
  }

  /** The handler threw or rejected: a 500, or null when nobody is left to answer. */
  failed(e) {
    // A handler failing only because the client went away (its body read rethrew the
    // reset) is not an application error.
    if (this.stream[kDone] && e === this.request._lostError) return null;
    this.handlerError(e);
    return new Response('internal error\n', { status: 500 });
  }

  answer(res) {
    const { stream, request } = this;
    try {
      if (!(res instanceof Response)) res = new Response(res ?? null);
      if (stream[kDone]) return;
      if (res instanceof LazyResponse && lazyWrite(res, stream, request._method === 'HEAD')) return;
      const hdrs = [];
      res.headers.forEach((v, n) => { hdrs.push([n, v]); });
      const body = res.body;
      if (body === null || request._method === 'HEAD') {
        stream.writeHeaders(res.status, hdrs, END_STREAM);
        body?.cancel().catch(() => {});
        return;
      }
      const bytes = knownBody(res, body);
      if (bytes !== undefined) {
        stream.writeHeaders(res.status, hdrs, bytes.length === 0 ? END_STREAM : MORE_TO_COME);
        if (bytes.length) { stream.write(bytes); stream.loseConnection(); }
        return;
      }
      stream.writeHeaders(res.status, hdrs);
      pipeBody(stream, body.getReader(), this).catch((e) => this.bodyError(e));
    } catch (e) {
      this.bodyError(e);
    }
  }
}

/**
 * A request that ended with its HEADERS frame (a GET, mostly): nothing for requestReceived
 * to do, and without one H2Stream does not decode `:method` and `:path` again to pass them.
 */
class BodylessExchange extends FetchExchange {}
BodylessExchange.prototype.requestReceived = undefined;

/** A streaming Response body: read only while the stream can send (producer pause/resume). */
async function pipeBody(stream, reader, exchange) {
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
    exchange.bodyError(e);
    try { stream.abortConnection(ERROR_CODES.INTERNAL_ERROR); } catch { /* gone */ }
  }
}

/** createServer with a fetch-style handler. */
export function serve(options, handler) {
  if (typeof options === 'function') { handler = options; options = {}; }
  return createServer(options, toFetchFactory(handler, options));
}
