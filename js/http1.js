// HTTP/1.1 beside HTTP/2 (`allowHTTP1`): which protocol a socket speaks, and
// Node's own `http` server for the HTTP/1.1 ones. There is no HTTP/1 parser
// here: a cleartext socket whose first bytes are not the HTTP/2 preface, or a
// TLS socket that chose `http/1.1` (or nothing) by ALPN, is given to an
// `http.Server` with `emit('connection', socket)` after the sniffed bytes are
// put back with `socket.unshift`. An HTTP/1.1 request with `Upgrade: h2c`
// (RFC 7540 §3.2) becomes stream 1 of an HTTP/2 connection on that socket.

import { ERROR_CODES, ConnectionClosedError, InvalidCommandError } from './errors.js';
import { H2Connection } from './connection.js';
import { nodeSocketTransport } from './transport.js';
import { kClosed, kDiscard, kDone, kEndPending } from './symbols.js';

const gb = globalThis.process?.getBuiltinModule;
const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
// The preface is told apart from any HTTP/1.x request line by its first 4
// bytes ("PRI " is not a method a client sends; RFC 9113 §3.4 reserves it).
const SNIFF_BYTES = 4;
// Default wait for the first bytes: the engine's default prefaceTimeoutMs (src/limits.rs).
const SNIFF_TIMEOUT_MS = 10_000;
const SWITCHING = 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n';
// HTTP/1.1 fields that have no place in an HTTP/2 request (RFC 9113 §8.2.2) or
// that the upgrade itself consumed.
const HOP_BY_HOP = new Set(['connection', 'upgrade', 'http2-settings', 'keep-alive', 'proxy-connection',
  'transfer-encoding', 'host']);

/**
 * Wait for the first bytes of a cleartext socket and hand it on: `h2(socket)`
 * when they are the HTTP/2 preface, `h1(socket)` otherwise. The bytes read are
 * put back first, so the next reader sees the stream from its start.
 */
export function sniff(socket, h2, h1, timeoutMs = SNIFF_TIMEOUT_MS) {
  let seen = null;
  // A socket that never sends its first bytes is closed, as the engine's preface timeout would.
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  timer.unref?.();
  const decide = (isH2) => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('error', onError);
    socket.pause();
    if (seen) socket.unshift(seen);
    (isH2 ? h2 : h1)(socket);
    socket.resume(); // pause() left it non-flowing; the new 'data' listener alone would not restart it
  };
  const onData = (chunk) => {
    seen = seen ? Buffer.concat([seen, chunk]) : chunk;
    const n = Math.min(seen.length, SNIFF_BYTES);
    if (seen.toString('latin1', 0, n) !== PREFACE.slice(0, n)) decide(false);
    else if (seen.length >= SNIFF_BYTES) decide(true);
  };
  const onEnd = () => { clearTimeout(timer); socket.destroy(); };
  const onError = () => { clearTimeout(timer); socket.destroy(); };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('error', onError);
}

/** Lowercase [[name, value], …] from Node's flat rawHeaders. */
function pairsOf(raw) {
  const out = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i].toLowerCase(), raw[i + 1]]);
  return out;
}

/** The HTTP/1.1 request as HTTP/2 fields: pseudo-headers first, hop-by-hop fields dropped. */
function h2FieldsOf(req, scheme) {
  const fields = [[':method', req.method], [':scheme', scheme]];
  if (req.headers.host !== undefined) fields.push([':authority', req.headers.host]);
  fields.push([':path', req.url]);
  for (const [n, v] of pairsOf(req.rawHeaders)) {
    if (HOP_BY_HOP.has(n) || (n === 'te' && v.trim().toLowerCase() !== 'trailers')) continue;
    fields.push([n, v]);
  }
  return fields;
}

function requestHasBody(req) {
  const len = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

function hasToken(value, token) {
  return typeof value === 'string' && value.split(',').some((t) => t.trim().toLowerCase() === token);
}

/**
 * The HTTP/1.1 request head again, without the upgrade fields, for a request
 * whose h2c Upgrade is declined: Node's http server already parsed it, so it
 * is written back in front of the unread bytes and the socket starts over.
 */
function requestHeadWithoutUpgrade(req) {
  let head = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const n = req.rawHeaders[i], lower = n.toLowerCase();
    if (lower === 'upgrade' || lower === 'http2-settings') continue;
    let v = req.rawHeaders[i + 1];
    if (lower === 'connection') {
      v = v.split(',').map((t) => t.trim()).filter((t) => !/^(upgrade|http2-settings)$/i.test(t)).join(', ');
      if (!v) continue;
    }
    head += `${n}: ${v}\r\n`;
  }
  return Buffer.from(`${head}\r\n`, 'latin1');
}

/**
 * One Node `http.Server` (never listening: sockets are given to it) for the
 * HTTP/1.1 connections of an h2wasm server.
 *   onRequest(req, res): every HTTP/1.1 request.
 *   onH2(socket): a socket that turned out to speak HTTP/2 (after sniffing).
 *   h2Factory: the requestFactory for h2c-upgraded connections.
 * `route(socket)` takes a new socket, `close()` ends idle keep-alive
 * connections and the busy ones after their response; `closed()` resolves when all are gone.
 */
export class Http1Side {
  constructor(options, { onRequest, onH2, h2Factory, onUpgraded, onH2Connection }) {
    const http = gb('node:http');
    this.options = options;
    this.onH2 = onH2;
    this.onH2Connection = onH2Connection ?? null; // an h2c Upgrade made this connection
    this.h2Factory = h2Factory;
    this.onUpgraded = onUpgraded;
    this.sockets = new Set();
    this.closing = false;
    this.server = http.createServer({
      keepAliveTimeout: options.keepAliveTimeout ?? 5000,
      ...(options.http1Options ?? {}),
    }, onRequest);
    // Node arms its headersTimeout/requestTimeout checks (slow-loris defence) on
    // 'listening'; this server never listens, so the event is given to it here.
    // server.close() in close() disarms them again.
    this.server.emit('listening');
    this.server.on('upgrade', (req, socket, head) => this._upgrade(req, socket, head));
    // No 'clientError' listener: Node answers 400, 408 (timeouts) or 431 and closes.
  }

  /** A new socket: TLS sockets were routed by ALPN already; cleartext ones are sniffed. */
  route(socket) {
    if (socket.encrypted) { this.serve(socket); return; }
    const limit = this.options.prefaceTimeoutMs ?? this.options.limits?.prefaceTimeoutMs;
    sniff(socket, this.onH2, (s) => this.serve(s), limit || undefined);
  }

  serve(socket) {
    if (this.closing) { socket.destroy(); return; }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    this.server.emit('connection', socket);
  }

  _upgrade(req, socket, head) {
    const settings = req.headers['http2-settings'];
    const wantsH2c = !socket.encrypted && hasToken(req.headers.upgrade, 'h2c') && typeof settings === 'string'
      && hasToken(req.headers.connection, 'http2-settings') && !requestHasBody(req);
    if (wantsH2c && this._startH2c(req, socket, head, Buffer.from(settings, 'base64url'))) return;
    if (this.onUpgraded?.(req, socket, head)) return; // the application takes other upgrades (WebSocket…)
    // Declined (RFC 7540 §3.2: the server may ignore it): the request is served as HTTP/1.1.
    this.sockets.delete(socket);
    socket.unshift(head);
    socket.unshift(requestHeadWithoutUpgrade(req));
    this.serve(socket);
  }

  _startH2c(req, socket, head, settings) {
    if (settings.length % 6 !== 0) return false;
    const t = nodeSocketTransport(socket);
    // Our SETTINGS must follow the 101: hold the engine's writes until the upgrade is accepted.
    const held = [];
    const write = t.write;
    t.write = (list) => { held.push(...list); return true; };
    const conn = new H2Connection(t, this.options, this.h2Factory);
    if (conn[kClosed]) return false;
    try {
      conn.upgrade(settings, h2FieldsOf(req, 'http'));
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
      conn[kDiscard]();
      return false;
    }
    t.write = write;
    socket.write(SWITCHING);
    if (held.length) t.write(held);
    this.sockets.delete(socket);
    if (head.length) socket.unshift(head);
    t.start();
    this.onH2Connection?.(conn);
    return true;
  }

  close() {
    this.closing = true;
    this.server.close(() => {}); // not listening: only stops the timeout checks and ends idle connections
    for (const s of this.sockets) {
      const res = s._httpMessage;
      if (!res) s.end();
      else { res.shouldKeepAlive = false; res.once('finish', () => s.end()); }
    }
  }

  closed() {
    return Promise.all([...this.sockets].map((s) => (s.destroyed ? null : new Promise((r) => s.once('close', r)))));
  }
}

/**
 * The H2Stream interface over one HTTP/1.1 exchange of Node's http server, so
 * a requestFactory (and the fetch-style handler) serves both versions. The
 * request reaches the factory with pseudo-headers first, as over HTTP/2.
 */
export class H1Stream {
  constructor(req, res) {
    this.req = req;
    this.res = res;
    this.streamID = 1;
    this.httpVersion = req.httpVersion;
    this.producing = true;
    this.producer = null;
    this._streaming = false;
    this._producerPaused = false;
    this._request = null;
    this._headersSent = false;
    this._finished = false;
    this[kDone] = false;
    this._ended = false;
    this[kEndPending] = !requestHasBody(req);
    this._pairs = null;
    this._headers = null;
    this.trailers = undefined;
  }

  get rawHeaders() {
    if (!this._pairs) {
      const scheme = this.req.socket.encrypted ? 'https' : 'http';
      this._pairs = h2FieldsOf(this.req, scheme);
    }
    return this._pairs;
  }

  get command() { return this.req.method; }
  get path() { return this.req.url; }
  get scheme() { return this.req.socket.encrypted ? 'https' : 'http'; }
  get authority() { return this.req.headers.host; }
  get headers() {
    if (!this._headers) {
      const h = Object.create(null);
      Object.assign(h, this.req.headers);
      this._headers = h;
    }
    return this._headers;
  }

  _start(requestFactory) {
    const { req, res } = this;
    this._request = requestFactory(this) ?? null;
    this._request?.headersReceived?.(this.rawHeaders);
    req.on('data', (chunk) => this._request?.dataReceived?.(chunk));
    req.on('end', () => {
      if (req.rawTrailers.length) {
        this.trailers = pairsOf(req.rawTrailers);
        this._request?.trailersReceived?.(this.trailers);
      }
      this[kEndPending] = false;
      this._ended = true;
      this._request?.requestReceived?.(req.method, req.url, 'HTTP/1.1');
    });
    res.on('drain', () => this._resumeProducer());
    res.on('close', () => {
      if (this[kDone]) return;
      this[kDone] = true;
      if (res.writableFinished) return;
      const e = new ConnectionClosedError(ERROR_CODES.CANCEL, 'connection closed by peer');
      e.remote = true;
      if (this.producer) { const p = this.producer; this.producer = null; p.stopProducing?.(); }
      this._request?.connectionLost?.(e);
    });
  }

  writeHeaders(status, headers, { endStream = false } = {}) {
    if (this[kDone] || this._headersSent) return;
    const res = this.res;
    if (status < 200) {
      if (status === 100) res.writeContinue();
      else if (status === 103) res.writeEarlyHints(Object.fromEntries(flatPairs(headers)));
      return;
    }
    const flat = [];
    for (const [n, v] of flatPairs(headers)) flat.push(n, v);
    res.writeHead(status, flat);
    this._headersSent = true;
    if (endStream) { this._finished = true; res.end(); }
  }

  write(chunk) {
    if (this[kDone] || this._finished) return;
    if (!this._headersSent) this.writeHeaders(200, []);
    const ok = this.res.write(typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : toU8(chunk));
    if (!ok) this._pauseProducer();
    else if (this.producer && !this._streaming) queueMicrotask(() => this._pull());
  }

  writeSequence(chunks) { for (const c of chunks) this.write(c); }

  writeTrailers(headers) {
    if (this[kDone] || this._finished) return;
    if (!this._headersSent) this.writeHeaders(200, []);
    this.res.addTrailers(Object.fromEntries(flatPairs(headers)));
    this.loseConnection();
  }

  loseConnection() {
    if (this[kDone] || this._finished) return;
    if (!this._headersSent) this.writeHeaders(200, []);
    this._finished = true;
    this.res.end();
  }

  /** HTTP/1.1 has no stream reset: the connection is closed. */
  abortConnection() {
    if (this[kDone]) return;
    this.res.destroy();
  }

  getPeer() { const s = this.req.socket; return { address: s.remoteAddress, port: s.remotePort, family: s.remoteFamily }; }
  getHost() { const s = this.req.socket; return { address: s.localAddress, port: s.localPort, family: s.localFamily }; }
  isSecure() { return !!this.req.socket.encrypted; }

  registerProducer(producer, streaming) {
    if (this.producer) throw new InvalidCommandError(ERROR_CODES.INTERNAL_ERROR, 'a producer is already registered');
    this.producer = producer;
    this._streaming = !!streaming;
    this._producerPaused = false;
    if (this._streaming) { if (this.res.writableNeedDrain) this._pauseProducer(); } else queueMicrotask(() => this._pull());
  }

  unregisterProducer() { this.producer = null; this._producerPaused = false; }

  _pull() {
    if (this.producer && !this._streaming && !this[kDone] && !this.res.writableNeedDrain) {
      this.producer.resumeProducing();
    }
  }

  _pauseProducer() {
    if (this.producer && this._streaming && !this._producerPaused) {
      this._producerPaused = true;
      this.producer.pauseProducing?.();
    }
  }

  _resumeProducer() {
    if (!this.producer || this[kDone]) return;
    if (!this._streaming) { this._pull(); return; }
    if (this._producerPaused) { this._producerPaused = false; this.producer.resumeProducing?.(); }
  }

  pauseProducing() { this.producing = false; this.req.pause(); }
  resumeProducing() { this.producing = true; this.req.resume(); }
  stopProducing() { this.producing = false; this.abortConnection(); }
}

function toU8(c) {
  if (ArrayBuffer.isView(c)) return new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
  if (c instanceof ArrayBuffer) return new Uint8Array(c);
  throw new TypeError('write() takes a Uint8Array, ArrayBuffer view or string');
}

/** [[name, value], …] from an object, an array of pairs, or a Headers-like iterable. */
function flatPairs(headers) {
  if (!headers) return [];
  if (Array.isArray(headers)) return headers;
  if (typeof headers.entries === 'function' && headers.constructor !== Object) return [...headers.entries()];
  const out = [];
  for (const [n, v] of Object.entries(headers)) {
    if (Array.isArray(v)) for (const x of v) out.push([n, x]); else if (v !== undefined) out.push([n, v]);
  }
  return out;
}

/** Serve one HTTP/1.1 request of Node's http server through a requestFactory. */
export function serveHttp1Request(req, res, requestFactory, options = {}) {
  const s = new H1Stream(req, res);
  try {
    s._start(requestFactory);
  } catch (e) {
    options.onError?.(e);
    if (!options.onError) console.error('h2wasm: request handler threw:', e);
    if (!res.headersSent) { res.writeHead(500, { 'content-length': '0' }); res.end(); } else res.destroy();
  }
}

export { PREFACE };
