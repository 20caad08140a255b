// h2wasm/compat: node:http2's compatibility API — `createServer(options, (req, res) => …)`
// and `createSecureServer` — where `req` and `res` are REAL `http.IncomingMessage`
// and `http.ServerResponse` objects, over HTTP/2 and (allowHTTP1) HTTP/1.1.
//
// Why real ones (docs/ARCHITECTURE.md, "The (req, res) compatibility layer"):
// Express swaps the prototypes of req/res for its own, which inherit from
// http.IncomingMessage/ServerResponse, and from then on Node's own methods run
// on the objects. node:http2's Http2ServerRequest is not an IncomingMessage, so
// Express crashes on it. Here Node's classes do all the HTTP semantics (header
// bookkeeping, statusCode, write/end/finish, backpressure flags), and a few
// methods are replaced ON THE INSTANCE (own properties survive a prototype
// swap) where Node would produce HTTP/1 bytes:
//   res._storeHeader  keeps the header list instead of rendering "HTTP/1.1 …\r\n" text
//   res._send         sends HEADERS (once) and the body as DATA on the H2Stream
//   res.end           ends the stream (END_STREAM, or trailers from addTrailers)
//   req._read         resumes the H2Stream (inbound flow control)
// Each exchange gets a small socket stand-in (StreamSocket): what libraries read
// from `req.socket` (addresses, `encrypted`, 'close' when the stream is reset),
// without ever carrying bytes. HTTP/1.1 exchanges are Node's own objects, untouched.

import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { serveConnection } from './index.js';
import { engineConfig } from './options.js';
import { Http1Side, H1Stream } from './http1.js';
import { ERROR_CODES } from './errors.js';
import { kDone, kBlocked, kConnection, kSocketBlocked, kQueue, kQueueOffset, kEngine, kKick, kEndPending, kClosed, kConnectionSet } from './symbols.js';

const kH2 = Symbol('h2wasm.compat');

// Node's own symbols, found once on a sample instance by their description:
// `kNeedDrain` (set by res.write() when it returned false; we emit 'drain' and
// clear it, as Node's http server does on socket 'drain') and `kOutHeaders`
// (the setHeader() map, the usual argument of _storeHeader).
const sample = new http.ServerResponse(new http.IncomingMessage(null));
const symbolNamed = (name) => Object.getOwnPropertySymbols(sample).find((s) => s.description === name);
const kNeedDrain = symbolNamed('kNeedDrain');
const kOutHeaders = symbolNamed('kOutHeaders');
if (!kNeedDrain || !kOutHeaders) throw new Error('h2wasm/compat: this Node version lays out http.ServerResponse differently');

// RFC 9113 §8.2.2: connection-specific fields must not be sent over HTTP/2.
// Frameworks set some of them for HTTP/1.1; they are dropped, not an error.
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

let dateCache = '';
let dateCacheAt = 0;
function httpDate() {
  const now = Date.now();
  if (now - dateCacheAt >= 1000) { dateCache = new Date(now).toUTCString(); dateCacheAt = now - (now % 1000); }
  return dateCache;
}

/**
 * What `req.socket` / `res.socket` is for an HTTP/2 exchange: the stream's
 * view of its connection. It never carries bytes (the response goes out as
 * HEADERS/DATA through res._send); it reports addresses and TLS, corks like a
 * socket for OutgoingMessage, and emits 'close' when the stream is gone.
 */
class StreamSocket extends EventEmitter {
  constructor(stream) {
    super();
    this.stream = stream;
    this.encrypted = stream.isSecure();
    this.alpnProtocol = this.encrypted ? 'h2' : false;
    this.readable = true;
    this.writable = true;
    this.destroyed = false;
    this._httpMessage = null;
    this._writableState = { corked: 0 };
  }

  get remoteAddress() { return this.stream.getPeer()?.address; }
  get remotePort() { return this.stream.getPeer()?.port; }
  get remoteFamily() { return this.stream.getPeer()?.family; }
  get localAddress() { return this.stream.getHost()?.address; }
  get localPort() { return this.stream.getHost()?.port; }
  address() { return this.stream.getHost() ?? {}; }
  get readableHighWaterMark() { return 16384; }
  get writableHighWaterMark() { return 16384; }
  get writableLength() { return 0; }
  get writableCorked() { return this._writableState.corked; }
  cork() { this._writableState.corked++; }
  uncork() { if (this._writableState.corked > 0) this._writableState.corked--; }
  write(data, encoding, cb) { if (typeof encoding === 'function') cb = encoding; if (cb) process.nextTick(cb); return true; }
  end() { return this; }
  setTimeout(ms, cb) { if (cb) this.once('timeout', cb); return this; }
  setNoDelay() { return this; }
  setKeepAlive() { return this; }
  ref() { return this; }
  unref() { return this; }
  pause() { return this; }
  resume() { return this; }

  /** Destroying the exchange's socket resets the stream (the connection lives on). */
  destroy(err) {
    if (this.destroyed) return this;
    const res = this._httpMessage;
    try { this.stream.abortConnection(err || !res?.writableFinished ? ERROR_CODES.INTERNAL_ERROR : ERROR_CODES.CANCEL); } catch { /* gone */ }
    this._closed(err);
    return this;
  }

  _closed(err) {
    if (this.destroyed) return;
    this.destroyed = true;
    this.readable = false;
    this.writable = false;
    if (err && this.listenerCount('error') > 0) this.emit('error', err); // no listener: nobody to tell, do not throw
    this.emit('close', !!err);
  }
}

// ---- the instance overrides (own properties: they survive Express's setPrototypeOf) ----

function compatRead() {
  const stream = this[kH2].stream;
  if (!stream[kDone]) stream.resumeProducing();
}

function storeHeader(firstLine, headers) {
  const fields = [];
  let hasLength = false;
  let hasDate = false;
  const add = (name, value) => {
    const lower = name.toLowerCase();
    if (CONNECTION_SPECIFIC.has(lower)) return;
    if (lower === 'content-length') hasLength = true;
    else if (lower === 'date') hasDate = true;
    if (Array.isArray(value)) { for (const v of value) fields.push([lower, String(v)]); } else fields.push([lower, String(value)]);
  };
  if (headers) {
    if (headers === this[kOutHeaders]) {
      for (const key in headers) { const e = headers[key]; add(e[0], e[1]); }
    } else if (Array.isArray(headers)) {
      if (headers.length && Array.isArray(headers[0])) for (const e of headers) add(e[0], e[1]);
      else for (let i = 0; i + 1 < headers.length; i += 2) add(headers[i], headers[i + 1]);
    } else {
      for (const key in headers) if (Object.hasOwn(headers, key) && headers[key] !== undefined) add(key, headers[key]);
    }
  }
  if (this.sendDate && !hasDate) fields.push(['date', httpDate()]);
  if (!hasLength && this._hasBody && !this._removedContLen && typeof this._contentLength === 'number') {
    fields.push(['content-length', String(this._contentLength)]);
  }
  this[kH2].fields = fields;
  this.chunkedEncoding = false;
  this._header = firstLine; // truthy: `headersSent`, and writeHead() refuses a second time
  this._headerSent = false;
}

// res.write() returns false once this many body bytes wait on the stream (node:http's
// socket highWaterMark), or when flow control or the socket says stop.
const HIGH_WATER_MARK = 16 * 1024;
// Past this many queued chunks, stop counting bytes and say "full".
const MAX_COUNTED_CHUNKS = 64;

/** Whether the stream can take more now (window open, socket not full, little queued). */
function canWrite(stream) {
  if (stream[kBlocked] || stream[kConnection][kSocketBlocked]) return false;
  const q = stream[kQueue];
  if (q === null || q.length === 0) return true;
  if (q.length > MAX_COUNTED_CHUNKS) return false;
  let n = -stream[kQueueOffset];
  for (let i = 0; i < q.length; i++) n += q[i].length;
  return n < HIGH_WATER_MARK;
}

function send(data, encoding, callback) {
  const h2 = this[kH2];
  const stream = h2.stream;
  if (typeof encoding === 'function') { callback = encoding; encoding = null; }
  if (stream[kDone]) {
    if (callback) process.nextTick(callback, new Error('h2wasm: stream closed'));
    return false;
  }
  const bytes = typeof data === 'string' ? (data.length ? Buffer.from(data, encoding || 'utf8') : null) : data;
  if (!this._headerSent) {
    this._headerSent = true;
    const bodyless = h2.ending && (!bytes || !bytes.length || !this._hasBody) && !this._trailer;
    stream.writeHeaders(this.statusCode, h2.fields, { endStream: bodyless });
    h2.fields = null;
  }
  if (bytes && bytes.length && this._hasBody) stream.write(bytes);
  // After the flush this write scheduled (a microtask queued before this one): small
  // bodies are on the socket by then. Larger ones are still views of the caller's
  // buffer, as with H2Stream.write: do not reuse a buffer handed to write().
  if (callback) queueMicrotask(callback);
  return canWrite(stream);
}

/** addTrailers() left HTTP/1 text ("name: value\r\n"…): back to pairs for a HEADERS frame. */
function trailerPairs(text) {
  const out = [];
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out.push([line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()]);
  }
  return out;
}

const baseEnd = http.ServerResponse.prototype.end;
function end(chunk, encoding, callback) {
  const h2 = this[kH2];
  const stream = h2.stream;
  h2.ending = true;
  try {
    baseEnd.call(this, chunk, encoding, callback);
  } finally {
    h2.ending = false;
  }
  if (this.finished && !h2.ended) {
    h2.ended = true;
    if (!stream[kDone]) {
      if (this._trailer) stream.writeTrailers(trailerPairs(this._trailer));
      else stream.loseConnection();
    }
  }
  return this;
}

/** The engine answers `expect: 100-continue` itself (js/stream.js, when the request arrives); Node's version would write HTTP/1 text. */
function writeContinue(cb) {
  this._sent100 = true;
  if (cb) process.nextTick(cb);
}

function writeProcessing(cb) {
  if (cb) process.nextTick(cb);
}

function writeEarlyHints(hints, cb) {
  const stream = this[kH2].stream;
  const fields = [];
  for (const [n, v] of Object.entries(hints)) {
    if (Array.isArray(v)) for (const x of v) fields.push([n.toLowerCase(), String(x)]); else fields.push([n.toLowerCase(), String(v)]);
  }
  if (!stream[kDone] && !this._headerSent) {
    try { stream[kConnection][kEngine].sendInformational(stream.streamID, 103, fields); stream[kConnection][kKick](); } catch { /* closed */ }
  }
  if (cb) process.nextTick(cb);
}

function emitResClose(res) {
  if (!res._closed) { res.destroyed = true; res._closed = true; res.emit('close'); }
}

/** Node's http server after a response: unread request bodies are dumped, 'close' follows 'finish'. */
function onResFinish() {
  const req = this.req;
  if (!req._consuming && !req._readableState.resumeScheduled) req._dump();
  process.nextTick(emitResClose, this);
}

/**
 * Pull producer (js/connection.js asks it whenever the stream's queue is empty,
 * the window open and the socket writable): that moment is node:http's 'drain'.
 */
class DrainProducer {
  constructor(res) { this.res = res; }
  resumeProducing() {
    const res = this.res;
    if (res[kNeedDrain]) { res[kNeedDrain] = false; res.emit('drain'); }
  }
  stopProducing() {}
}

/** Repeated fields as node:http joins them: set-cookie as an array, cookie with '; ', others with ', '. */
function addHeader(headers, n, v) {
  const old = headers[n];
  if (old === undefined) headers[n] = n === 'set-cookie' ? [v] : v;
  else if (n === 'set-cookie') old.push(v);
  else headers[n] = old + (n === 'cookie' ? '; ' : ', ') + v;
}

function aborted() {
  const e = new Error('aborted');
  e.code = 'ECONNRESET';
  return e;
}

/**
 * A requestFactory (for h2wasm's createServer/serveConnection) that gives each
 * stream to `listener(req, res)` as real http.IncomingMessage/ServerResponse
 * objects. HTTP/1.1 exchanges (H1Stream, allowHTTP1) are passed as Node made them.
 */
export function toRequestFactory(listener) {
  return (stream) => {
    if (stream instanceof H1Stream) {
      listener(stream.req, stream.res);
      return null;
    }
    return new CompatExchange(stream, listener);
  };
}

class CompatExchange {
  constructor(stream, listener) {
    this.stream = stream;
    this.listener = listener;
    this.req = null;
    this.res = null;
    this.socket = null;
  }

  headersReceived(pairs) {
    const stream = this.stream;
    const socket = this.socket = new StreamSocket(stream);
    const req = this.req = new http.IncomingMessage(socket);
    req.httpVersionMajor = 2;
    req.httpVersionMinor = 0;
    req.httpVersion = '2.0';
    const raw = [];
    const headers = {};
    let method = 'GET', path = '/', authority;
    for (let i = 0; i < pairs.length; i++) {
      const n = pairs[i][0], v = pairs[i][1];
      raw.push(n, v);
      if (n[0] === ':') {
        if (n === ':method') method = v;
        else if (n === ':path') path = v;
        else if (n === ':authority') authority = v;
      }
      addHeader(headers, n, v);
    }
    // Frameworks build URLs and host names from `host`; HTTP/2 carries it as :authority.
    if (headers.host === undefined && authority !== undefined) { raw.push('host', authority); headers.host = authority; }
    // A body without content-length: HTTP/1.1 would have framed it as chunked, and body
    // parsers (type-is hasBody) look for one of the two before reading anything.
    if (!stream[kEndPending] && headers['content-length'] === undefined) headers['transfer-encoding'] = 'chunked';
    req.rawHeaders = raw;
    req.headers = headers;
    req.method = method;
    req.url = method === 'CONNECT' ? (authority ?? '') : path;
    req.authority = authority;
    req.scheme = stream.scheme;
    req.stream = stream;
    req[kH2] = this;
    req._read = compatRead;

    const res = this.res = new http.ServerResponse(req);
    res[kH2] = { stream, fields: null, ending: false, ended: false };
    res.stream = stream;
    res._storeHeader = storeHeader;
    res._send = send;
    res.end = end;
    res.writeContinue = writeContinue;
    res.writeProcessing = writeProcessing;
    res.writeEarlyHints = writeEarlyHints;
    res.assignSocket(socket);
    res.once('finish', onResFinish);
    stream.registerProducer(new DrainProducer(res), false);
    this.listener(req, res);
  }

  dataReceived(chunk) {
    if (!this.req.push(chunk)) this.stream.pauseProducing();
  }

  trailersReceived(pairs) {
    const req = this.req;
    const raw = [];
    const obj = {};
    for (const [n, v] of pairs) { raw.push(n, v); addHeader(obj, n, v); }
    req.rawTrailers = raw;
    req.trailers = obj;
  }

  requestReceived() {
    this.req.complete = true;
    this.req.push(null);
  }

  /** The stream was reset (by the peer, or by us) or the connection is gone. */
  connectionLost() {
    const { req, res, socket } = this;
    if (!socket) return;
    if (!req.complete && !req.destroyed) req.destroy(aborted());
    socket._closed(null); // → res 'close' (Node's onServerResponseClose), on-finished listeners
    emitResClose(res);
  }
}

/** Socket → HTTP/2 connection or (allowHTTP1) Node's http server; shared by both factories. */
function makeServer(options, listener, secure) {
  engineConfig(options); // TypeError/RangeError for bad limits/settings now
  const conns = new Set();
  let server = null;
  const factory = toRequestFactory((req, res) => server.emit('request', req, res));
  const serveH2 = (socket) => {
    const c = serveConnection(socket, options, factory);
    if (!c[kClosed]) { conns.add(c); c[kConnectionSet] = conns; }
  };
  const h1 = options.allowHTTP1 ? new Http1Side(options, {
    onRequest: (req, res) => server.emit('request', req, res),
    onH2: serveH2,
    h2Factory: factory,
    onUpgraded: (req, socket, head) => server.listenerCount('upgrade') > 0 && server.emit('upgrade', req, socket, head),
    onH2Connection: (c) => { conns.add(c); c[kConnectionSet] = conns; },
  }) : null;
  const onSocket = (socket) => {
    if (socket.encrypted) {
      if (socket.alpnProtocol === 'h2') serveH2(socket);
      else if (h1) h1.serve(socket);
      else socket.destroy(); // no HTTP/1.1 without allowHTTP1, as node:http2
      return;
    }
    if (h1) h1.route(socket); else serveH2(socket);
  };
  if (secure) {
    server = tls.createServer({ ...options, ALPNProtocols: h1 ? ['h2', 'http/1.1'] : ['h2'] }, onSocket);
  } else {
    server = net.createServer(onSocket);
  }
  if (listener) server.on('request', listener);
  server.connections = conns;
  const netClose = server.close;
  // Graceful, like node:http2's server.close(): stop accepting, GOAWAY every
  // connection, end idle HTTP/1.1 keep-alive sockets; `cb` runs when all are gone.
  server.close = function close(cb) {
    netClose.call(this, cb);
    for (const c of conns) c.shutdown();
    h1?.close();
    return this;
  };
  return server;
}

/**
 * node:http2.createServer's compatibility form: h2c (prior knowledge), plus
 * HTTP/1.1 and h2c Upgrade with `allowHTTP1: true` (default false, as in node:http2).
 * Returns a net.Server that emits 'request' (req, res); `options` also takes
 * h2wasm's limits/settings (README "Limits and settings").
 */
export function createServer(options, listener) {
  if (typeof options === 'function') { listener = options; options = {}; }
  return makeServer(options ?? {}, listener, false);
}

/** node:http2.createSecureServer's compatibility form: TLS options (`key`, `cert`, …) + ALPN h2 (and http/1.1 with allowHTTP1). */
export function createSecureServer(options, listener) {
  if (typeof options === 'function') { listener = options; options = {}; }
  return makeServer(options ?? {}, listener, true);
}

/**
 * A requestFactory (for h2wasm's createServer, either protocol) serving the files
 * under `root` with serve-static (send underneath): directory index.html, MIME
 * types, ETag/Last-Modified with 304, Range requests, and paths that cannot
 * leave `root`. What is not a file gets a plain 404 (or the error's status).
 * `options` go to serve-static. Meant for the CLI's static files.
 */
export function staticFiles(root, options = {}) {
  const serveStatic = createRequire(import.meta.url)('serve-static'); // loaded only when used
  const middleware = serveStatic(root, { index: ['index.html'], ...options, fallthrough: true });
  return toRequestFactory((req, res) => middleware(req, res, (err) => {
    const status = err ? (err.status ?? err.statusCode ?? 500) : 404;
    const body = status === 404 ? 'not found\n' : `${status}\n`;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }));
}

export { kH2 as kCompatExchange };
