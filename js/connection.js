// H2Connection: the server side of one HTTP/2 connection. Turns the engine's
// event records into H2Stream callbacks, hands requests to the request factory,
// and reports abuse; the send queues, flushing, timer and backpressure are
// js/driver.js (shared with the client).

import { EngineConn } from './engine.js';
import { RECORD, SERVER_EVENT as EV, SERVER_EVENT_FIELDS } from './boundary.js';
import { H2Error, ERROR_CODES, StreamResetError, ConnectionClosedError, WasmTrapError } from './errors.js';
import { H2Stream } from './stream.js';
import { StreamTable } from './stream-table.js';
import { engineConfig } from './options.js';
import { reportAppError } from './log.js';
import { CALM_RULES } from './budget.js';
import { EngineDriver, now } from './driver.js';
import {
  kEngine, kClosed, kClosing, kBusy, kSocketBlocked, kSetSocketBlocked, kProcess, kFinish, kOutputDone, kQueueEmptied,
  kTapOutbound, kFlush, kDisarm, kQueue, kDone, kBlocked, kStreaming, kOpen, kOnData, kOnTrailers, kOnEnd, kLost,
  kExpired, kPauseProducer, kResumeProducer, kSchedulePull, kConnectionSet, kHub, kBudget, kAbuse, kBudgetScope,
  kScore, kScoreAt, kDiscard, kFail,
} from './symbols.js';

// Scratch for EngineConn.takePeerCounts (one receive at a time on the event loop).
const peerCounts = [0, 0, 0];

export class H2Connection extends EngineDriver {
  /** Connections made so far in this process: the `id` given to options.tap. */
  static seq = 0;

  /**
   * @param transport {attach(conn), write(list) → bool, pauseReading(), resumeReading(), end(), destroy(), peer, host, secure}
   *   (js/transport.js); `attach` is called here, before the first write.
   */
  constructor(transport, options = {}, requestFactory) {
    // Idle connections are the common case on a busy server: keep this object
    // small (docs/PERFORMANCE.md, idle memory). Maps, the closed promise and the
    // peer/host objects are made on first use.
    super(transport, options);
    this.requestFactory = requestFactory;
    this._pulls = null; // ids with a pull-producer call scheduled
    this._closedP = null;
    this._resolveClosed = null;
    this._closeReason = null;
    /** The peer's GOAWAY ({ lastStreamID, code }), once one came. */
    this.goaway = null;
    this[kConnectionSet] = null; // createServer's connection set: removed from it on close
    this[kHub] = null; // createServer's server object: budgets across connections, 'abuse' events
    // js/budget.js state, set here so every connection has the same shape.
    this[kBudgetScope] = undefined;
    this[kScore] = 0;
    this[kScoreAt] = 0;
    this.tap = null;
    if (options.tap) {
      try {
        this.tap = options.tap({ peer: this.peer, host: this.host, secure: this.secure, id: ++H2Connection.seq }) ?? null;
      } catch { this.tap = null; }
    }
    try {
      this[kEngine] = new EngineConn(now(), this, engineConfig(options));
    } catch (e) {
      this[kFail](e);
      return;
    }
    transport.attach(this);
    this[kFlush]();
  }

  /**
   * Start from an h2c Upgrade (RFC 7540 §3.2) before any byte was received:
   * `settings` is the decoded HTTP2-Settings payload, `fields` the HTTP/1.1
   * request as HTTP/2 fields. The request reaches the requestFactory as stream 1.
   * Throws a TypeError when the engine refuses (the caller answers in HTTP/1.1).
   */
  upgrade(settings, fields) {
    const r = this[kEngine].upgrade(settings, fields);
    if (r !== 0) throw new TypeError(`h2wasm: h2c upgrade refused (${['', 'connection already started', 'bad HTTP2-Settings', 'bad request', 'bad packing'][r] ?? r})`);
    this[kBusy] = true;
    try {
      this[kProcess](this[kEngine].poll(), null);
      this[kFlush]();
    } catch (e) { this[kFail](e); } finally { this[kBusy] = false; }
  }

  /** The h2c upgrade was refused: free the engine and leave the socket to the HTTP/1.1 side. */
  [kDiscard]() {
    this[kClosed] = true;
    try { this[kEngine].free(); } catch { /* gone */ }
  }

  get peer() { return this.t.peer; }
  get host() { return this.t.host; }
  get secure() { return !!this.t.secure; }

  /** Resolves (never rejects) with the H2Error that ended the connection, or null. */
  get closedPromise() {
    if (!this._closedP) {
      this._closedP = this[kClosed] ? Promise.resolve(this._closeReason)
        : new Promise((r) => { this._resolveClosed = r; });
    }
    return this._closedP;
  }

  // ---- inbound ----

  /** One socket chunk. */
  receive(chunk) {
    if (this[kClosed]) return;
    this.tap?.inbound?.(chunk);
    this[kBusy] = true;
    try {
      const ev = this[kEngine].receive(chunk, now());
      // Budgets across connections first: if this connection is cut off now,
      // the requests of this chunk never reach the application.
      if (this[kHub] !== null && this[kEngine].takePeerCounts(peerCounts)) this[kHub][kBudget].spend(this, peerCounts);
      if (this[kClosed]) return;
      this[kProcess](ev, chunk);
      this[kFlush]();
    } catch (e) {
      this[kFail](e);
    } finally {
      this[kBusy] = false;
    }
  }

  /** The transport ended or failed. */
  transportClosed(err) {
    if (this[kClosed]) return;
    this[kFinish](err ? new ConnectionClosedError(ERROR_CODES.CONNECT_ERROR, `transport: ${err.message ?? err}`, { cause: err })
      : new ConnectionClosedError(ERROR_CODES.CANCEL, 'connection closed by peer'));
  }

  [kProcess](dv, chunk) {
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
      if (this[kClosed]) return;
      dv = this[kEngine].poll();
    }
  }

  _event(kind, id, a, b, c, d, chunk) {
    const s = this.streams.get(id);
    switch (kind) {
      case EV.REQUEST: {
        const st = new H2Stream(this, id, this[kEngine].fields(a, b), c !== 0);
        this.streams.set(id, st);
        try { st[kOpen](this.requestFactory, c !== 0); } catch (e) { this._appError(st, e); }
        break;
      }
      // try/catch here rather than through _guard: no closure per DATA frame.
      case EV.TRAILERS: if (s) { try { s[kOnTrailers](this[kEngine].fields(a, b)); } catch (e) { this._appError(s, e); } } break;
      case EV.DATA: if (s) { try { s[kOnData](chunk.subarray(a, b)); } catch (e) { this._appError(s, e); } } else this[kEngine].consumed(id, b - a); break;
      case EV.END: if (s) { try { s[kOnEnd](); } catch (e) { this._appError(s, e); } } break;
      case EV.RESET: {
        if (s) {
          s[kQueue] = null;
          this.streams.delete(id);
          const unsent = c + d * 2 ** 32;
          const e = new StreamResetError(a, s[kExpired] ?? (b ? `stream reset by peer (${a})` : `stream reset (${a})`),
            { remote: !!b, unsent, expired: s[kExpired] !== undefined });
          this._guard(s, () => s[kLost](e));
        }
        break;
      }
      case EV.SEND_READY: if (s) { s[kBlocked] = false; s[kResumeProducer](); } break;
      case EV.SEND_BLOCKED: if (s) { s[kBlocked] = true; s[kPauseProducer](); } break;
      case EV.STREAM_CLOSED:
        if (s) { s[kDone] = true; s[kQueue] = null; this.streams.delete(id); }
        break;
      case EV.GOAWAY: this.goaway = { lastStreamID: a, code: b }; break;
      case EV.ERROR: {
        const reason = this[kEngine].text(c, d);
        this.error = new H2Error(a, reason, { remote: !!b });
        if (a === ERROR_CODES.ENHANCE_YOUR_CALM && !b) this._abuse(reason);
        break;
      }
      // Our timer ends the stream (slow request body); the RESET follows with this reason.
      case EV.EXPIRED: if (s) s[kExpired] = this[kEngine].text(a, b); break;
      case EV.CLOSED: this[kClosing] = true; break;
      default: break; // REJECTED, SETTINGS, PING_ACK: nothing for the app
    }
  }

  _guard(s, fn) { try { fn(); } catch (e) { this._appError(s, e); } }

  _appError(s, e) {
    if (e instanceof WasmTrapError) throw e;
    // A write racing the peer's reset is the peer's doing, not an application error.
    if (!reportAppError(this.options, e, 'request handler', this.peer)) {
      if (this[kHub] !== null) this[kHub].metrics.peerClosedErrors++;
    }
    try { if (!s[kDone]) s.abortConnection(ERROR_CODES.INTERNAL_ERROR); } catch { /* closed */ }
  }

  /** We sent GOAWAY(ENHANCE_YOUR_CALM) (`rule`): the server's 'abuse' event / options.onAbuse. */
  _abuse(rule) {
    const scope = CALM_RULES.includes(rule) ? (rule.endsWith('address') ? 'address' : 'server') : 'connection';
    const info = { peer: this.peer, rule, scope, code: 'ENHANCE_YOUR_CALM' };
    try {
      if (this[kHub] !== null) this[kHub][kAbuse](info);
      else this.options.onAbuse?.(info);
    } catch (e) { reportAppError(this.options, e, 'abuse listener', this.peer); }
  }

  // ---- outbound (the queue, flush and timer are js/driver.js) ----

  [kQueueEmptied](s, id) {
    if (!this._pulls?.has(id)) this._maybePull(id);
  }

  [kTapOutbound](list) {
    if (this.tap?.outbound) for (const b of list) this.tap.outbound(b);
  }

  [kOutputDone]() { this[kFinish](this.error); }

  [kSetSocketBlocked](b) {
    super[kSetSocketBlocked](b);
    if (b) for (const s of this.streams.values()) s[kPauseProducer]();
    else for (const s of this.streams.values()) s[kResumeProducer]();
  }

  _maybePull(id) {
    const s = this.streams.get(id);
    if (s && s.producer && !s[kStreaming]) this[kSchedulePull](s);
  }

  [kSchedulePull](s) {
    const pulls = this._pulls ??= new StreamTable();
    if (pulls.has(s.streamID)) return;
    pulls.set(s.streamID, true);
    queueMicrotask(() => {
      pulls.delete(s.streamID);
      if (this[kClosed] || s[kDone] || !s.producer || s[kStreaming]) return;
      if (s[kBlocked] || this[kSocketBlocked]) return; // SendReady/drain will ask again
      if (s[kQueue] && s[kQueue].length) return; // still sending the last chunk
      try { s.producer.resumeProducing(); } catch (e) { this._appError(s, e); }
    });
  }

  // ---- shutdown ----

  /** Graceful: GOAWAY, let open streams finish. */
  shutdown() {
    if (this[kClosed]) return;
    try { this[kEngine].shutdown(); this[kProcess](this[kEngine].poll(), null); this[kFlush](); } catch (e) { this[kFail](e); }
  }

  /** GOAWAY(code) now, then close. */
  abort(code = ERROR_CODES.NO_ERROR) {
    if (this[kClosed]) return;
    try { this[kEngine].abort(code); this[kProcess](this[kEngine].poll(), null); this[kFlush](); } catch (e) { this[kFail](e); }
  }

  /** GOAWAY(ENHANCE_YOUR_CALM) for a budget across connections (js/budget.js CALM_RULES index). */
  calm(rule) {
    if (this[kClosed]) return;
    try { this[kEngine].calm(rule); this[kProcess](this[kEngine].poll(), null); this[kFlush](); } catch (e) { this[kFail](e); }
  }

  [kFinish](reason, hard = false) {
    if (this[kClosed]) return;
    this[kClosed] = true;
    this[kDisarm]();
    const r = reason ?? new ConnectionClosedError(ERROR_CODES.NO_ERROR, 'connection closed');
    for (const s of this.streams.values()) { try { s[kLost](r); } catch { /* app error */ } }
    this.streams.clear();
    try { this.tap?.closed?.(); } catch { /* tap error */ }
    try { this[kEngine]?.free(); } catch { /* gone */ }
    if (hard) this.t.destroy(r); else this.t.end();
    this._closeReason = reason ?? null;
    this[kConnectionSet]?.delete(this);
    this[kHub]?.[kBudget].remove(this);
    this._resolveClosed?.(this._closeReason);
  }
}

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
