// H2Stream: one request/response exchange, modelled on Twisted's H2Stream
// (ITransport + IConsumer + IPushProducer for inbound data).

import { H2Error, ERROR_CODES, USER_ERROR, check } from './errors.js';
import { unpackFields, u32le, fieldString } from './engine.js';


function toBytes(chunk) {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError('write() takes a Uint8Array, ArrayBuffer view or string');
}

const NO_FIELDS = Object.freeze([]);

/** [[name, value], …] for EngineConn._args, which only reads f[0] and f[1]: arrays pass as they are. */
function headerPairs(headers) {
  if (!headers) return NO_FIELDS;
  if (Array.isArray(headers)) return headers;
  if (typeof headers.entries === 'function' && !(headers.constructor === Object)) return [...headers.entries()];
  const out = [];
  for (const [n, v] of Object.entries(headers)) {
    if (Array.isArray(v)) for (const x of v) out.push([n, x]); else if (v !== undefined) out.push([n, v]);
  }
  return out;
}

export class H2Stream {
  constructor(conn, streamID, block, endStream) {
    this._conn = conn;
    this.streamID = streamID;
    this._block = block; // packed request fields; decoded on first access
    this._pairs = null;
    this._headers = null;
    /** inbound: is the request object being fed? (IPushProducer state) */
    this.producing = true;
    this._inbound = null; // [chunk] buffered while paused (made on first use); the window stays closed
    this._endPending = endStream;
    this._ended = false; // requestReceived delivered
    this._done = false; // stream gone (closed/reset)
    this._headersSent = false;
    this._finished = false; // the application ended its response (loseConnection, writeTrailers, endStream)
    this._gone = false; // the engine already dropped the stream; connectionLost is on its way
    this.producer = null;
    this._streaming = false;
    this._blocked = false; // flow control or socket says pause
    this._producerPaused = false;
    this._request = null;
    this._q = null; // body chunks waiting for write_output (js/connection.js _queueData/_take)
    this._qoff = 0; // bytes of _q[0] already sent
  }

  /** Raw request fields, pseudo-headers first: [[name, value], …]. */
  get rawHeaders() {
    if (!this._pairs) { this._pairs = unpackFields(this._block); this._block = null; }
    return this._pairs;
  }

  /** A pseudo-header's value (they come first in the block), decoding nothing else. */
  _pseudo(name) { return this._find(name, true); }

  /** First value of a regular field (lowercase `name`), without decoding the others. */
  _field(name) { return this._find(name, false); }

  _find(name, pseudo) {
    const b = this._block;
    if (b && !this._pairs) {
      // Scan the packed block; only the value found becomes a string.
      let at = 0;
      while (at + 8 <= b.length) {
        const nl = u32le(b, at), vl = u32le(b, at + 4);
        const ns = at + 8;
        if (pseudo && b[ns] !== 58) break; // ':' — past the pseudo-headers
        if (nl === name.length) {
          let k = 0;
          while (k < nl && b[ns + k] === name.charCodeAt(k)) k++;
          if (k === nl) return fieldString(b, ns + nl, ns + nl + vl);
        }
        at = ns + nl + vl;
      }
      return undefined;
    }
    for (const [n, v] of this.rawHeaders) {
      if (pseudo && n[0] !== ':') break;
      if (n === name) return v;
    }
    return undefined;
  }

  /** '2.0' here, '1.1' on the HTTP/1.1 stand-in (js/http1.js H1Stream), as in node:http's `req.httpVersion`. */
  get httpVersion() { return '2.0'; }
  get command() { return this._pseudo(':method'); }
  get path() { return this._pseudo(':path'); }
  get scheme() { return this._pseudo(':scheme'); }
  get authority() { return this._pseudo(':authority'); }

  /** HTTP/1.1-like view: lowercase names, no pseudo-headers, `host` from :authority, repeated values joined. */
  get headers() {
    if (this._headers) return this._headers;
    const h = Object.create(null);
    const add = (n, v) => {
      if (h[n] === undefined) h[n] = v; else h[n] += (n === 'cookie' ? '; ' : ', ') + v;
    };
    const auth = this.authority;
    if (auth !== undefined) h.host = auth;
    for (const [n, v] of this.rawHeaders) {
      if (n[0] === ':') continue;
      if (n === 'host' && auth !== undefined) continue;
      add(n, v);
    }
    return (this._headers = h);
  }

  // ---- outbound (ITransport / IConsumer) ----

  /**
   * The engine's answer to a command on this stream: true when it was taken.
   * A peer can reset a stream (or break the connection) in the same socket chunk
   * that carried the request, so the engine may have dropped the stream before
   * the application could know: that command is dropped silently (false), and
   * the reset reaches the application once, as connectionLost. Any other refusal
   * is the application's mistake and throws an H2Error.
   */
  _accepted(rc) {
    if (rc === 0) return true;
    if (rc === USER_ERROR.STREAM_CLOSED || rc === USER_ERROR.CONNECTION_CLOSED) {
      this._gone = true;
      return false;
    }
    return check(rc);
  }

  /** Writing after the application ended the response is a bug in the application. */
  _checkNotEnded(what) {
    if (this._finished) {
      throw new H2Error(ERROR_CODES.STREAM_CLOSED, `${what} after the response was ended (loseConnection, writeTrailers or endStream)`);
    }
  }

  /** Send the response head. `headers`: object, array of pairs, or Headers. */
  writeHeaders(status, headers, { endStream = false } = {}) {
    this._checkNotEnded('writeHeaders');
    if (this._done || this._gone) return;
    const sent = this._accepted(this._conn._eng.sendHeaders(this.streamID, status | 0, headerPairs(headers), endStream));
    if (status >= 200) this._headersSent = true;
    if (endStream) this._finished = true;
    if (sent) this._conn._kick();
  }

  write(chunk) {
    this._checkNotEnded('write');
    const b = toBytes(chunk);
    if (this._done || this._gone) return;
    if (!this._headersSent) this.writeHeaders(200, {});
    if (b.length === 0 || this._gone) return;
    this._conn._queueData(this, b, false);
  }

  writeSequence(chunks) { for (const c of chunks) this.write(c); }

  writeTrailers(headers) {
    this._checkNotEnded('writeTrailers');
    if (this._done || this._gone) return;
    if (!this._headersSent) this.writeHeaders(200, {});
    const sent = !this._gone && this._accepted(this._conn._eng.sendTrailers(this.streamID, headerPairs(headers)));
    this._finished = true;
    if (sent) this._conn._kick();
  }

  /** End the response after all queued data (Twisted: loseConnection ends the stream). Idempotent. */
  loseConnection() {
    if (this._done || this._finished) return;
    if (!this._headersSent) this.writeHeaders(200, {});
    this._finished = true;
    if (!this._gone) this._conn._queueData(this, null, true);
  }

  /** RST_STREAM with `code` (default CANCEL). Nothing to do when the stream is already gone. */
  abortConnection(code = ERROR_CODES.CANCEL) {
    if (this._done || this._gone) return;
    if (this._accepted(this._conn._eng.resetStream(this.streamID, code))) this._conn._afterCommand();
  }

  getPeer() { return this._conn.peer; }
  getHost() { return this._conn.host; }
  isSecure() { return this._conn.secure; }

  registerProducer(producer, streaming) {
    if (this.producer) throw new H2Error(ERROR_CODES.INTERNAL_ERROR, 'a producer is already registered');
    this.producer = producer;
    this._streaming = !!streaming;
    this._producerPaused = false;
    if (this._streaming) {
      if (this._blocked || this._conn._socketBlocked) this._pauseProducer();
    } else {
      this._conn._schedulePull(this);
    }
  }

  unregisterProducer() {
    this.producer = null;
    this._producerPaused = false;
  }

  _pauseProducer() {
    if (this.producer && this._streaming && !this._producerPaused) {
      this._producerPaused = true;
      this.producer.pauseProducing?.();
    }
  }

  _resumeProducer() {
    if (!this.producer || this._done) return;
    if (this._blocked || this._conn._socketBlocked) return;
    if (this._streaming) {
      if (this._producerPaused) { this._producerPaused = false; this.producer.resumeProducing?.(); }
    } else {
      this._conn._schedulePull(this);
    }
  }

  // ---- inbound backpressure (IPushProducer, driven by the app) ----

  pauseProducing() { this.producing = false; }

  resumeProducing() {
    if (this._done && !this._inbound?.length && !this._endPending) return;
    this.producing = true;
    let taken = 0;
    while (this.producing && this._inbound?.length) {
      const c = this._inbound.shift();
      taken += c.length;
      this._request?.dataReceived?.(c);
    }
    if (taken) this._conn._consumed(this.streamID, taken);
    if (this.producing && this._endPending && !this._inbound?.length) this._deliverEnd();
  }

  stopProducing() {
    this.producing = false;
    this._inbound = null;
    this.abortConnection(ERROR_CODES.CANCEL);
  }

  // ---- called by the connection ----

  _data(chunk) {
    if (this.producing && !this._inbound?.length) {
      this._request?.dataReceived?.(chunk);
      this._conn._consumed(this.streamID, chunk.length);
    } else {
      (this._inbound ??= []).push(chunk);
    }
  }

  _trailers(block) {
    this.trailers = unpackFields(block);
    this._request?.trailersReceived?.(this.trailers);
  }

  _end() {
    this._endPending = true;
    if (this.producing && !this._inbound?.length) this._deliverEnd();
  }

  _deliverEnd() {
    this._endPending = false;
    if (this._ended) return;
    this._ended = true;
    this._request?.requestReceived?.(this.command, this.path, 'HTTP/2');
  }

  _lost(reason) {
    if (this._done) return;
    this._done = true;
    this._inbound = null;
    if (this.producer) { const p = this.producer; this.producer = null; p.stopProducing?.(); }
    this._request?.connectionLost?.(reason);
  }
}
