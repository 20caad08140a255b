// H2Stream: one request/response exchange, modelled on Twisted's H2Stream
// (ITransport + IConsumer + IPushProducer for inbound data).

import { InvalidCommandError, ERROR_CODES, USER_ERROR, check } from './errors.js';
import { unpackFields, u32le, fieldString, methodString } from './engine.js';
import { PACKED_FIELD } from './boundary.js';
import {
  kConnection, kEngine, kQueueData, kKick, kConsumed, kSocketBlocked, kSchedulePull, kQueue, kQueueOffset, kDone,
  kEndPending, kBlocked, kStreaming, kAccepted, kOpen, kOnData, kOnTrailers, kOnEnd, kLost, kExpired, kPauseProducer,
  kResumeProducer, kFieldBlock,
} from './symbols.js';

const encoder = new TextEncoder();

function toBytes(chunk) {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return encoder.encode(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError('write() takes a Uint8Array, ArrayBuffer view or string');
}

const NO_FIELDS = Object.freeze([]);

/** [[name, value], …] for the engine's field packer, which only reads f[0] and f[1]: arrays pass as they are. */
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
    this[kConnection] = conn;
    this.streamID = streamID;
    this[kFieldBlock] = block; // packed request fields; decoded on first access
    this._pairs = null;
    this._headers = null;
    /** inbound: is the request object being fed? (IPushProducer state) */
    this.producing = true;
    this._inbound = null; // [chunk] buffered while paused (made on first use); the window stays closed
    this[kEndPending] = endStream;
    this._ended = false; // requestReceived delivered
    this[kDone] = false; // stream gone (closed/reset)
    this._headersSent = false;
    this._finished = false; // the application ended its response (loseConnection, writeTrailers, endStream)
    this._gone = false; // the engine already dropped the stream; connectionLost is on its way
    this.producer = null;
    this[kStreaming] = false;
    this[kBlocked] = false; // flow control says pause
    this._producerPaused = false;
    this._request = null;
    this[kExpired] = undefined; // the connection's reason when its timer ends the stream
    this[kQueue] = null; // body chunks waiting for write_output (js/driver.js)
    this[kQueueOffset] = 0; // bytes of the first queued chunk already sent
    /** Request trailers, [[name, value], …], once they came. */
    this.trailers = undefined;
  }

  /** Ask the request factory for this stream's request object and give it the head. */
  [kOpen](requestFactory, endStream) {
    this._request = requestFactory(this) ?? null;
    this._request?.headersReceived?.(this.rawHeaders);
    if (endStream) { this[kOnEnd](); return; }
    // The client waits for a 100 before sending the body; a handler that answers at once does not need it.
    const expect = this._field('expect');
    if (expect && expect.toLowerCase() === '100-continue' && !this._headersSent) {
      this[kConnection][kEngine].sendInformational(this.streamID, 100, []);
    }
  }

  /** Raw request fields, pseudo-headers first: [[name, value], …]. */
  get rawHeaders() {
    if (!this._pairs) { this._pairs = unpackFields(this[kFieldBlock]); this[kFieldBlock] = null; }
    return this._pairs;
  }

  /** A pseudo-header's value (they come first in the block), decoding nothing else. */
  _pseudo(name) { return this._find(name, true); }

  /** First value of a regular field (lowercase `name`), without decoding the others. */
  _field(name) { return this._find(name, false); }

  _find(name, pseudo) {
    const b = this[kFieldBlock];
    if (b && !this._pairs) {
      // Scan the packed block; only the value found becomes a string.
      let at = 0;
      while (at + PACKED_FIELD.HEADER_BYTES <= b.length) {
        const nl = u32le(b, at + PACKED_FIELD.NAME_LEN_AT), vl = u32le(b, at + PACKED_FIELD.VALUE_LEN_AT);
        const ns = at + PACKED_FIELD.HEADER_BYTES;
        if (pseudo && b[ns] !== 58) break; // ':' — past the pseudo-headers
        if (nl === name.length && sameName(b, ns, name)) return fieldString(b, ns + nl, ns + nl + vl);
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
  [kAccepted](rc) {
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
      throw new InvalidCommandError(ERROR_CODES.STREAM_CLOSED, `${what} after the response was ended (loseConnection, writeTrailers or endStream)`);
    }
  }

  /** Send the response head. `headers`: object, array of pairs, or Headers. */
  writeHeaders(status, headers, { endStream = false } = {}) {
    this._checkNotEnded('writeHeaders');
    if (this[kDone] || this._gone) return;
    const sent = this[kAccepted](this[kConnection][kEngine].sendHeaders(this.streamID, status | 0, headerPairs(headers), endStream));
    if (status >= 200) this._headersSent = true;
    if (endStream) this._finished = true;
    if (sent) this[kConnection][kKick]();
  }

  write(chunk) {
    this._checkNotEnded('write');
    const b = toBytes(chunk);
    if (this[kDone] || this._gone) return;
    if (!this._headersSent) this.writeHeaders(200, {});
    if (b.length === 0 || this._gone) return;
    this[kConnection][kQueueData](this, this.streamID, b, false);
  }

  writeSequence(chunks) { for (const c of chunks) this.write(c); }

  writeTrailers(headers) {
    this._checkNotEnded('writeTrailers');
    if (this[kDone] || this._gone) return;
    if (!this._headersSent) this.writeHeaders(200, {});
    const sent = !this._gone && this[kAccepted](this[kConnection][kEngine].sendTrailers(this.streamID, headerPairs(headers)));
    this._finished = true;
    if (sent) this[kConnection][kKick]();
  }

  /** End the response after all queued data (Twisted: loseConnection ends the stream). Idempotent. */
  loseConnection() {
    if (this[kDone] || this._finished) return;
    if (!this._headersSent) this.writeHeaders(200, {});
    this._finished = true;
    if (!this._gone) this[kConnection][kQueueData](this, this.streamID, null, true);
  }

  /** RST_STREAM with `code` (default CANCEL). Nothing to do when the stream is already gone. */
  abortConnection(code = ERROR_CODES.CANCEL) {
    if (this[kDone] || this._gone) return;
    if (this[kAccepted](this[kConnection][kEngine].resetStream(this.streamID, code))) this[kConnection][kKick]();
  }

  getPeer() { return this[kConnection].peer; }
  getHost() { return this[kConnection].host; }
  isSecure() { return this[kConnection].secure; }

  registerProducer(producer, streaming) {
    if (this.producer) throw new InvalidCommandError(ERROR_CODES.INTERNAL_ERROR, 'a producer is already registered');
    this.producer = producer;
    this[kStreaming] = !!streaming;
    this._producerPaused = false;
    if (this[kStreaming]) {
      if (this[kBlocked] || this[kConnection][kSocketBlocked]) this[kPauseProducer]();
    } else {
      this[kConnection][kSchedulePull](this);
    }
  }

  unregisterProducer() {
    this.producer = null;
    this._producerPaused = false;
  }

  [kPauseProducer]() {
    if (this.producer && this[kStreaming] && !this._producerPaused) {
      this._producerPaused = true;
      this.producer.pauseProducing?.();
    }
  }

  [kResumeProducer]() {
    if (!this.producer || this[kDone]) return;
    if (this[kBlocked] || this[kConnection][kSocketBlocked]) return;
    if (this[kStreaming]) {
      if (this._producerPaused) { this._producerPaused = false; this.producer.resumeProducing?.(); }
    } else {
      this[kConnection][kSchedulePull](this);
    }
  }

  // ---- inbound backpressure (IPushProducer, driven by the app) ----

  pauseProducing() { this.producing = false; }

  resumeProducing() {
    if (this[kDone] && !this._inbound?.length && !this[kEndPending]) return;
    this.producing = true;
    let taken = 0;
    while (this.producing && this._inbound?.length) {
      const c = this._inbound.shift();
      taken += c.length;
      this._request?.dataReceived?.(c);
    }
    if (taken) this[kConnection][kConsumed](this.streamID, taken);
    if (this.producing && this[kEndPending] && !this._inbound?.length) this._deliverEnd();
  }

  stopProducing() {
    this.producing = false;
    this._inbound = null;
    this.abortConnection(ERROR_CODES.CANCEL);
  }

  // ---- called by the connection ----

  [kOnData](chunk) {
    if (this.producing && !this._inbound?.length) {
      this._request?.dataReceived?.(chunk);
      this[kConnection][kConsumed](this.streamID, chunk.length);
    } else {
      (this._inbound ??= []).push(chunk);
    }
  }

  [kOnTrailers](block) {
    this.trailers = unpackFields(block);
    this._request?.trailersReceived?.(this.trailers);
  }

  [kOnEnd]() {
    this[kEndPending] = true;
    if (this.producing && !this._inbound?.length) this._deliverEnd();
  }

  _deliverEnd() {
    this[kEndPending] = false;
    if (this._ended) return;
    this._ended = true;
    const r = this._request;
    if (r == null || r.requestReceived == null) return;
    requestLine(this);
    r.requestReceived(lineMethod, linePath, 'HTTP/2');
  }

  [kLost](reason) {
    if (this[kDone]) return;
    this[kDone] = true;
    this._inbound = null;
    if (this.producer) { const p = this.producer; this.producer = null; p.stopProducing?.(); }
    this._request?.connectionLost?.(reason);
  }
}

// requestLine's results (read right after the call; one request at a time on the event loop).
let lineMethod, linePath;

/**
 * `:method` and `:path` for requestReceived in one scan of the packed block (the
 * getters scan once each), the usual methods as shared strings.
 */
function requestLine(s) {
  const b = s[kFieldBlock];
  if (!b || s._pairs) { lineMethod = s.command; linePath = s.path; return; }
  lineMethod = undefined; linePath = undefined;
  let at = 0;
  while (at + PACKED_FIELD.HEADER_BYTES <= b.length) {
    const nl = u32le(b, at + PACKED_FIELD.NAME_LEN_AT), vl = u32le(b, at + PACKED_FIELD.VALUE_LEN_AT);
    const ns = at + PACKED_FIELD.HEADER_BYTES, vs = ns + nl, ve = vs + vl;
    if (b[ns] !== 58) break; // ':' — past the pseudo-headers
    if (nl === 7 && lineMethod === undefined && sameName(b, ns, ':method')) lineMethod = methodString(b, vs, ve);
    else if (nl === 5 && linePath === undefined && sameName(b, ns, ':path')) linePath = fieldString(b, vs, ve);
    at = ve;
  }
}

function sameName(b, at, name) {
  for (let k = 0; k < name.length; k++) if (b[at + k] !== name.charCodeAt(k)) return false;
  return true;
}
