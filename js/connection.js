// H2Connection: drives one EngineConn from a byte transport, owns the
// per-stream send queues (body bytes never enter wasm), the timer, and
// backpressure in both directions.

import { EngineConn, copyBytes } from './engine.js';
import { RECORD, SERVER_EVENT as EV, SERVER_EVENT_FIELDS } from './boundary.js';
import { H2Error, ERROR_CODES } from './errors.js';
import { H2Stream } from './stream.js';
import { engineConfig } from './options.js';
import { reportAppError } from './log.js';
import { CALM_RULES } from './budget.js';

const now = () => performance.now();
// DATA payload per write_output call. 4 MiB (= the default connection send buffer) lets one
// flush carry a whole large response in one cork/writev batch: 256 KiB made 15x more writev
// calls on 1 MiB bodies (docs/PERFORMANCE.md, "big"). Socket backpressure still stops flushing.
const MAX_WRITE = 4 * 1024 * 1024;
// Bodies up to this size are copied next to their frame header rather than written as views.
const COALESCE = 2048;
// Scratch for EngineConn.takePeerCounts (one receive at a time on the event loop).
const peerCounts = [0, 0, 0];
// Node: Buffer.allocUnsafe takes small buffers from a shared pool (no malloc per flush)
// and is what socket.write wants; elsewhere a plain Uint8Array.
const alloc = globalThis.Buffer ? (n) => globalThis.Buffer.allocUnsafe(n) : (n) => new Uint8Array(n);

export class H2Connection {
  /**
   * @param transport {attach(conn), write(list) → bool, pauseReading(), resumeReading(), end(), destroy(), peer, host, secure}
   *   (js/transport.js); `attach` is called here, before the first write.
   */
  constructor(transport, options = {}, requestFactory) {
    // Idle connections are the common case on a busy server: keep this object
    // small (docs/PERFORMANCE.md, idle memory). Maps, the closed promise and the
    // peer/host objects are made on first use.
    this.t = transport;
    this.options = options;
    this.requestFactory = requestFactory;
    this.streams = new Map(); // id → H2Stream
    this._pulls = null; // ids with a pull-producer call scheduled
    this._pendingConsumed = null; // id → bytes the app took since the last flush
    this._socketBlocked = false;
    this._closed = false;
    this._kickPending = false;
    // Inside a receive/flush cycle that ends with its own flush: commands made by
    // callbacks need no extra microtask flush (one socket write per chunk).
    this._busy = false;
    this._timer = null;
    this._timerAt = Infinity; // when the armed timer fires (ms, performance.now clock)
    this._closedP = null;
    this._resolveClosed = null;
    this._closeReason = null;
    this._set = null; // createServer's connection set: removed from it on close
    this._hub = null; // createServer's server object: budgets across connections, 'abuse' events
    // js/budget.js state, set here so every connection has the same shape.
    this._budgetScope = undefined;
    this._score = 0;
    this._scoreAt = 0;
    this.error = null;
    this.tap = null;
    if (options.tap) {
      try {
        this.tap = options.tap({ peer: this.peer, host: this.host, secure: this.secure, id: ++H2Connection.seq }) ?? null;
      } catch { this.tap = null; }
    }
    try {
      this._eng = new EngineConn(now(), this, engineConfig(options));
    } catch (e) {
      this._fail(e);
      return;
    }
    transport.attach(this);
    this._flush();
  }

  /**
   * Start from an h2c Upgrade (RFC 7540 §3.2) before any byte was received:
   * `settings` is the decoded HTTP2-Settings payload, `fields` the HTTP/1.1
   * request as HTTP/2 fields. The request reaches the requestFactory as stream 1.
   * Throws a TypeError when the engine refuses (the caller answers in HTTP/1.1).
   */
  upgrade(settings, fields) {
    const r = this._eng.upgrade(settings, fields);
    if (r !== 0) throw new TypeError(`h2wasm: h2c upgrade refused (${['', 'connection already started', 'bad HTTP2-Settings', 'bad request', 'bad packing'][r] ?? r})`);
    this._busy = true;
    try {
      this._process(this._eng.poll(), null);
      this._flush();
    } catch (e) { this._fail(e); } finally { this._busy = false; }
  }

  get peer() { return this.t.peer; }
  get host() { return this.t.host; }
  get secure() { return !!this.t.secure; }

  /** Resolves (never rejects) with the H2Error that ended the connection, or null. */
  get closedPromise() {
    if (!this._closedP) {
      this._closedP = this._closed ? Promise.resolve(this._closeReason)
        : new Promise((r) => { this._resolveClosed = r; });
    }
    return this._closedP;
  }

  // ---- inbound ----

  /** One socket chunk. */
  receive(chunk) {
    if (this._closed) return;
    this.tap?.inbound?.(chunk);
    this._busy = true;
    try {
      const ev = this._eng.receive(chunk, now());
      // Budgets across connections first: if this connection is cut off now,
      // the requests of this chunk never reach the application.
      if (this._hub !== null && this._eng.takePeerCounts(peerCounts)) this._hub._budget.spend(this, peerCounts);
      if (this._closed) return;
      this._process(ev, chunk);
      this._flush();
    } catch (e) {
      this._fail(e);
    } finally {
      this._busy = false;
    }
  }

  /** The transport ended or failed. */
  transportClosed(err) {
    if (this._closed) return;
    this._finish(err ? new H2Error(ERROR_CODES.CONNECT_ERROR, `transport: ${err.message ?? err}`, { cause: err })
      : new H2Error(ERROR_CODES.CANCEL, 'connection closed by peer'));
  }

  _process(dv, chunk) {
    // A request the peer reset within the same read, or on a connection that
    // this read ends, is never handed to the application (h2's "pending
    // accept" resets): in a Rapid Reset flood the handlers do not run at all.
    const gone = chunk !== null ? resetInBatch(dv) : null;
    // Commands made by the application inside callbacks may queue more events;
    // they are collected with poll() after this batch (the batch was copied out).
    while (dv) {
      // Words a..d are named per kind in js/boundary.js SERVER_EVENT_FIELDS (e.g. RESET: code, remote, unsentLow, unsentHigh).
      for (let at = 0; at < dv.byteLength; at += RECORD.BYTES) {
        const kind = dv.getUint32(at + RECORD.KIND, true), id = dv.getUint32(at + RECORD.STREAM, true);
        if (gone !== null && kind === EV.REQUEST && (gone === ALL || gone.has(id))) continue;
        const a = dv.getUint32(at + RECORD.A, true), b = dv.getUint32(at + RECORD.B, true);
        const c = dv.getUint32(at + RECORD.C, true), d = dv.getUint32(at + RECORD.D, true);
        this._event(kind, id, a, b, c, d, chunk);
      }
      chunk = null;
      if (this._closed) return;
      dv = this._eng.poll();
    }
  }

  _event(kind, id, a, b, c, d, chunk) {
    const s = this.streams.get(id);
    switch (kind) {
      case EV.REQUEST: {
        const st = new H2Stream(this, id, this._eng.fields(a, b), c !== 0);
        this.streams.set(id, st);
        try {
          st._request = this.requestFactory(st) ?? null;
          st._request?.headersReceived?.(st.rawHeaders);
          if (!c) {
            const expect = st._field('expect');
            if (expect && expect.toLowerCase() === '100-continue' && !st._headersSent) {
              this._eng.sendInformational(id, 100, []);
            }
          }
          if (c) st._end();
        } catch (e) { this._appError(st, e); }
        break;
      }
      case EV.TRAILERS: if (s) this._guard(s, () => s._trailers(this._eng.fields(a, b))); break;
      case EV.DATA: if (s) this._guard(s, () => s._data(chunk.subarray(a, b))); else this._eng.consumed(id, b - a); break;
      case EV.END: if (s) this._guard(s, () => s._end()); break;
      case EV.RESET: {
        if (s) {
          s._q = null;
          this.streams.delete(id);
          const unsent = c + d * 2 ** 32;
          const e = new H2Error(a, s._expired ?? (b ? `stream reset by peer (${a})` : `stream reset (${a})`));
          e.remote = !!b; e.unsent = unsent;
          if (s._expired) e.expired = true;
          this._guard(s, () => s._lost(e));
        }
        break;
      }
      case EV.SEND_READY: if (s) { s._blocked = false; s._resumeProducer(); } break;
      case EV.SEND_BLOCKED: if (s) { s._blocked = true; s._pauseProducer(); } break;
      case EV.STREAM_CLOSED:
        if (s) { s._done = true; s._q = null; this.streams.delete(id); }
        break;
      case EV.GOAWAY: this.goaway = { lastStreamID: a, code: b }; break;
      case EV.ERROR: {
        const reason = this._eng.text(c, d);
        this.error = new H2Error(a, reason);
        this.error.remote = !!b;
        if (a === ERROR_CODES.ENHANCE_YOUR_CALM && !b) this._abuse(reason);
        break;
      }
      // Our timer ends the stream (slow request body); the RESET follows with this reason.
      case EV.EXPIRED: if (s) s._expired = this._eng.text(a, b); break;
      case EV.CLOSED: this._closing = true; break;
      default: break; // REJECTED, SETTINGS, PING_ACK: nothing for the app
    }
  }

  _guard(s, fn) { try { fn(); } catch (e) { this._appError(s, e); } }

  _appError(s, e) {
    if (e instanceof H2Error && e.message.includes('trapped')) throw e;
    // A write racing the peer's reset is the peer's doing, not an application error.
    if (!reportAppError(this.options, e, 'request handler', this.peer)) {
      if (this._hub !== null) this._hub.metrics.peerClosedErrors++;
    }
    try { if (!s._done) s.abortConnection(ERROR_CODES.INTERNAL_ERROR); } catch { /* closed */ }
  }

  /** We sent GOAWAY(ENHANCE_YOUR_CALM) (`rule`): the server's 'abuse' event / options.onAbuse. */
  _abuse(rule) {
    const scope = CALM_RULES.includes(rule) ? (rule.endsWith('address') ? 'address' : 'server') : 'connection';
    const info = { peer: this.peer, rule, scope, code: 'ENHANCE_YOUR_CALM' };
    try {
      if (this._hub !== null) this._hub._abuse(info);
      else this.options.onAbuse?.(info);
    } catch (e) { reportAppError(this.options, e, 'abuse listener', this.peer); }
  }

  /** The app took n bytes: batched per stream and reported once per flush (fewer WINDOW_UPDATEs). */
  _consumed(id, n) {
    if (this._closed || n === 0) return;
    const m = this._pendingConsumed ??= new Map();
    m.set(id, (m.get(id) ?? 0) + n);
    this._kick();
  }

  _reportConsumed() {
    const m = this._pendingConsumed;
    if (m === null || m.size === 0) return;
    for (const [id, n] of m) this._eng.consumed(id, n);
    m.clear();
  }

  // ---- outbound ----

  _queueData(stream, bytes, end) {
    const len = bytes ? bytes.length : 0;
    if (!stream._accepted(this._eng.sendData(stream.streamID, len, end))) return;
    // Body bytes wait on the stream itself (`_q`, `_qoff`) until write_output asks for them.
    if (len) {
      if (stream._q === null) { stream._q = [bytes]; stream._qoff = 0; } else stream._q.push(bytes);
    }
    this._kick();
  }

  _afterCommand() { this._kick(); }

  /**
   * Flush soon (once per microtask), so many writes become one socket write.
   * Not needed while a receive/flush cycle is running: it flushes at its end.
   */
  _kick() {
    if (this._kickPending || this._busy || this._closed) return;
    this._kickPending = true;
    queueMicrotask(() => this._kicked());
  }

  _kicked() {
    this._kickPending = false;
    if (this._closed) return;
    this._busy = true;
    try {
      this._process(this._eng.poll(), null);
      this._flush();
    } catch (e) { this._fail(e); } finally { this._busy = false; }
  }

  /** Push views of the next `len` queued body bytes of stream `id` onto `list`. */
  _take(id, len, list) {
    const s = this.streams.get(id);
    const q = s?._q;
    while (len > 0 && q && q.length) {
      const c = q[0];
      const off = s._qoff;
      const avail = c.length - off;
      if (avail <= len) {
        list.push(off ? c.subarray(off) : c);
        q.shift(); s._qoff = 0; len -= avail;
      } else {
        list.push(c.subarray(off, off + len));
        s._qoff = off + len; len = 0;
      }
    }
    this._taken(s, id, len);
  }

  /** Copy the next `len` queued body bytes of stream `id` into `dst` at `at` (small bodies). */
  _takeInto(id, len, dst, at) {
    const s = this.streams.get(id);
    const q = s?._q;
    while (len > 0 && q && q.length) {
      const c = q[0];
      const off = s._qoff;
      const n = Math.min(c.length - off, len);
      copyBytes(dst, at, c, off, n);
      at += n; len -= n;
      if (off + n === c.length) { q.shift(); s._qoff = 0; } else s._qoff = off + n;
    }
    this._taken(s, id, len);
  }

  _taken(s, id, missing) {
    if (missing > 0) throw new H2Error(ERROR_CODES.INTERNAL_ERROR, `engine asked for ${missing} bytes stream ${id} does not have`);
    if (s && s._q && s._q.length === 0 && !this._pulls?.has(id)) this._maybePull(id);
  }

  /**
   * Write everything the engine has, in rounds of up to MAX_WRITE body bytes,
   * one socket write (one writev under cork) per round. Frame headers, control
   * frames and bodies up to COALESCE bytes are copied into one buffer: a small
   * response leaves as one piece instead of a write per frame and per body;
   * larger bodies go out as views of the application's own buffers.
   */
  _flush() {
    if (this._closed) return;
    const eng = this._eng;
    while (!this._socketBlocked) {
      // Again each round: callbacks run by the previous round's events may have consumed data.
      this._reportConsumed();
      const n = eng.writeOutput(MAX_WRITE);
      if (n === 0) break;
      let small = 0;
      for (let i = 0; i < 2 * n; i += 2) {
        const id = eng.segAt(i), len = eng.segAt(i + 1);
        if (id === 0 || len <= COALESCE) small += len;
      }
      const buf = small ? alloc(small) : null;
      const list = [];
      let at = 0, mark = 0, off = 0;
      for (let i = 0; i < 2 * n; i += 2) {
        const id = eng.segAt(i), len = eng.segAt(i + 1);
        if (id === 0) { eng.copyOut(off, len, buf, at); off += len; at += len; }
        else if (len <= COALESCE) { this._takeInto(id, len, buf, at); at += len; }
        else {
          if (at > mark) { list.push(buf.subarray(mark, at)); mark = at; }
          this._take(id, len, list);
        }
      }
      if (at > mark) list.push(mark === 0 && at === buf.length ? buf : buf.subarray(mark, at));
      if (this.tap?.outbound) for (const b of list) this.tap.outbound(b);
      if (!this.t.write(list)) this._setSocketBlocked(true);
      this._process(eng.poll(), null);
      if (this._closed) return;
    }
    if (eng.isClosed() || this._closing) {
      if (!eng.wantsWrite()) { this._finish(this.error); return; }
    }
    this._arm();
  }

  _setSocketBlocked(b) {
    this._socketBlocked = b;
    if (b) {
      this.t.pauseReading();
      for (const s of this.streams.values()) s._pauseProducer();
    } else {
      this.t.resumeReading();
      for (const s of this.streams.values()) s._resumeProducer();
    }
  }

  _drained() {
    if (this._closed || !this._socketBlocked) return;
    this._busy = true;
    try {
      this._setSocketBlocked(false);
      this._flush();
    } catch (e) { this._fail(e); } finally { this._busy = false; }
  }

  _maybePull(id) {
    const s = this.streams.get(id);
    if (s && s.producer && !s._streaming) this._schedulePull(s);
  }

  _schedulePull(s) {
    const pulls = this._pulls ??= new Set();
    if (pulls.has(s.streamID)) return;
    pulls.add(s.streamID);
    queueMicrotask(() => {
      pulls.delete(s.streamID);
      if (this._closed || s._done || !s.producer || s._streaming) return;
      if (s._blocked || this._socketBlocked) return; // SendReady/drain will ask again
      if (s._q && s._q.length) return; // still sending the last chunk
      try { s.producer.resumeProducing(); } catch (e) { this._appError(s, e); }
    });
  }

  // ---- timers ----

  // One timer per connection, moved only when the engine's next deadline comes
  // earlier than the armed one: the idle deadline moves later with every chunk,
  // and re-arming a timer per flush cost a Timeout object each time. A timer that
  // fires early just ticks the engine (nothing due) and is armed again.
  _arm() {
    if (this._closed) return;
    const dl = this._eng.nextDeadline();
    if (dl < 0) { this._disarm(); return; }
    if (this._timer !== null && this._timerAt <= dl) return;
    this._disarm();
    this._timerAt = dl;
    this._timer = setTimeout(onTimer, Math.max(0, Math.ceil(dl - now())), this);
    this._timer.unref?.();
  }

  _disarm() {
    if (this._timer !== null) { clearTimeout(this._timer); this._timer = null; this._timerAt = Infinity; }
  }

  _fired() {
    this._timer = null;
    this._timerAt = Infinity;
    if (this._closed) return;
    this._busy = true;
    try {
      this._eng.tick(now());
      this._process(this._eng.poll(), null);
      this._flush();
    } catch (e) { this._fail(e); } finally { this._busy = false; }
  }

  // ---- shutdown ----

  /** Graceful: GOAWAY, let open streams finish. */
  shutdown() {
    if (this._closed) return;
    try { this._eng.shutdown(); this._process(this._eng.poll(), null); this._flush(); } catch (e) { this._fail(e); }
  }

  /** GOAWAY(code) now, then close. */
  abort(code = ERROR_CODES.NO_ERROR) {
    if (this._closed) return;
    try { this._eng.abort(code); this._process(this._eng.poll(), null); this._flush(); } catch (e) { this._fail(e); }
  }

  /** GOAWAY(ENHANCE_YOUR_CALM) for a budget across connections (js/budget.js CALM_RULES index). */
  calm(rule) {
    if (this._closed) return;
    try { this._eng.calm(rule); this._process(this._eng.poll(), null); this._flush(); } catch (e) { this._fail(e); }
  }

  _fail(e) {
    if (this._closed) return;
    const err = e instanceof H2Error ? e : new H2Error(ERROR_CODES.INTERNAL_ERROR, String(e?.message ?? e), { cause: e });
    this.error = err;
    this._finish(err, true);
  }

  _finish(reason, hard = false) {
    if (this._closed) return;
    this._closed = true;
    this._disarm();
    const r = reason ?? new H2Error(ERROR_CODES.NO_ERROR, 'connection closed');
    for (const s of this.streams.values()) { try { s._lost(r); } catch { /* app error */ } }
    this.streams.clear();
    try { this.tap?.closed?.(); } catch { /* tap error */ }
    try { this._eng?.free(); } catch { /* gone */ }
    if (hard) this.t.destroy(r); else this.t.end();
    this._closeReason = reason ?? null;
    this._set?.delete(this);
    this._hub?._budget.remove(this);
    this._resolveClosed?.(this._closeReason);
  }
}
H2Connection.seq = 0;

const ALL = 'all';
/**
 * Streams of a batch of event records that are already gone: a Set of the
 * ids the peer reset, ALL when the batch ends the connection (every stream is
 * reset then), or null.
 */
function resetInBatch(dv) {
  if (dv === null || dv.byteLength < 2 * RECORD.BYTES) return null;
  let gone = null;
  for (let at = 0; at < dv.byteLength; at += RECORD.BYTES) {
    const kind = dv.getUint32(at + RECORD.KIND, true);
    if (kind === EV.CLOSED) return ALL;
    if (kind === EV.RESET && dv.getUint32(at + SERVER_EVENT_FIELDS.RESET.remote, true) === 1) (gone ??= new Set()).add(dv.getUint32(at + RECORD.STREAM, true));
  }
  return gone;
}

function onTimer(conn) { conn._fired(); }
