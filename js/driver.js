// EngineDriver: what the server connection (js/connection.js) and the client
// session (js/client.js) do the same way around their engine: keep body bytes
// outside wasm until write_output asks for them, turn write_output's segments
// into socket writes, flush once per microtask, stop on socket backpressure,
// batch consumed-byte reports, and keep one timer for the engine's deadlines.
// Each role adds its own event handling ([kProcess]), how it ends ([kFinish],
// [kOutputDone]) and small hooks ([kQueueEmptied], [kTapOutbound]).
//
// This is the hot path of the stream API: no closure or allocation per chunk.

import { copyBytes } from './engine.js';
import { StreamTable } from './stream-table.js';
import { H2Error, ERROR_CODES } from './errors.js';
import {
  kEngine, kClosed, kClosing, kBusy, kSocketBlocked, kSetSocketBlocked, kDrained, kQueueData, kKick, kConsumed,
  kProcess, kFinish, kOutputDone, kQueueEmptied, kTapOutbound, kQueue, kQueueOffset, kAccepted, kFlush, kDisarm, kFail,
} from './symbols.js';

export const now = () => performance.now();
// DATA payload per write_output call. 4 MiB (= the default connection send buffer) lets one
// flush carry a whole large response in one cork/writev batch: 256 KiB made 15x more writev
// calls on 1 MiB bodies (docs/PERFORMANCE.md, "big"). Socket backpressure still stops flushing.
const MAX_WRITE = 4 * 1024 * 1024;
// Bodies up to this size are copied next to their frame header rather than written as views.
const COALESCE = 2048;
// Node: Buffer.allocUnsafe takes small buffers from a shared pool (no malloc per flush)
// and is what socket.write wants; elsewhere a plain Uint8Array.
const alloc = globalThis.Buffer ? (n) => globalThis.Buffer.allocUnsafe(n) : (n) => new Uint8Array(n);

export class EngineDriver {
  /**
   * @param transport {attach(conn), write(list) → bool, pauseReading(), resumeReading(), end(), destroy(), peer, host, secure}
   *   (js/transport.js). The subclass creates the engine and attaches the transport.
   */
  constructor(transport, options) {
    this.t = transport;
    this.options = options;
    this.streams = new StreamTable(); // id → stream (js/stream-table.js says why not a Map)
    /** The H2Error that ended the connection (or the engine's last ERROR), null while healthy. */
    this.error = null;
    this[kEngine] = null;
    this[kClosed] = false;
    this[kClosing] = false;
    this[kBusy] = false;
    this[kSocketBlocked] = false;
    this._kickPending = false;
    this._pendingConsumed = null; // id → bytes the app took since the last flush (made on first use)
    this._timer = null;
    this._timerAt = Infinity; // when the armed timer fires (ms, performance.now clock)
  }

  /** A call into the engine failed (also called by js/engine.js when the wasm instance traps). */
  [kFail](e) {
    if (this[kClosed]) return;
    const err = e instanceof H2Error ? e : new H2Error(ERROR_CODES.INTERNAL_ERROR, String(e?.message ?? e), { cause: e });
    this.error = err;
    this[kFinish](err, true);
  }

  // ---- outbound ----

  /** Tell the engine about `bytes` (or the end) of stream `id`; the bytes wait on the stream until written. */
  [kQueueData](stream, id, bytes, end) {
    const len = bytes ? bytes.length : 0;
    if (!stream[kAccepted](this[kEngine].sendData(id, len, end))) return;
    if (len) {
      if (stream[kQueue] === null) { stream[kQueue] = [bytes]; stream[kQueueOffset] = 0; } else stream[kQueue].push(bytes);
    }
    this[kKick]();
  }

  /**
   * Flush soon (once per microtask), so many writes become one socket write.
   * Not needed while a receive/flush cycle is running: it flushes at its end.
   */
  [kKick]() {
    if (this._kickPending || this[kBusy] || this[kClosed]) return;
    this._kickPending = true;
    queueMicrotask(() => this._kicked());
  }

  _kicked() {
    this._kickPending = false;
    if (this[kClosed]) return;
    this[kBusy] = true;
    try {
      this[kProcess](this[kEngine].poll(), null);
      this[kFlush]();
    } catch (e) { this[kFail](e); } finally { this[kBusy] = false; }
  }

  /** The app took n bytes: batched per stream and reported once per flush (fewer WINDOW_UPDATEs). */
  [kConsumed](id, n) {
    if (this[kClosed] || n === 0) return;
    const m = this._pendingConsumed ??= new StreamTable();
    m.set(id, (m.get(id) ?? 0) + n);
    this[kKick]();
  }

  _reportConsumed() {
    const m = this._pendingConsumed;
    if (m === null || m.size === 0) return;
    const eng = this[kEngine];
    m.forEach((n, id) => eng.consumed(id, n)); // order does not matter: no sorted snapshot per flush
    m.clear();
  }

  /** Push views of the next `len` queued body bytes of stream `id` onto `list`. */
  _take(id, len, list) {
    const s = this.streams.get(id);
    const q = s?.[kQueue];
    while (len > 0 && q && q.length) {
      const c = q[0];
      const off = s[kQueueOffset];
      const avail = c.length - off;
      if (avail <= len) {
        list.push(off ? c.subarray(off) : c);
        q.shift(); s[kQueueOffset] = 0; len -= avail;
      } else {
        list.push(c.subarray(off, off + len));
        s[kQueueOffset] = off + len; len = 0;
      }
    }
    this._taken(s, id, len);
  }

  /** Copy the next `len` queued body bytes of stream `id` into `dst` at `at` (small bodies). */
  _takeInto(id, len, dst, at) {
    const s = this.streams.get(id);
    const q = s?.[kQueue];
    while (len > 0 && q && q.length) {
      const c = q[0];
      const off = s[kQueueOffset];
      const n = Math.min(c.length - off, len);
      copyBytes(dst, at, c, off, n);
      at += n; len -= n;
      if (off + n === c.length) { q.shift(); s[kQueueOffset] = 0; } else s[kQueueOffset] = off + n;
    }
    this._taken(s, id, len);
  }

  _taken(s, id, missing) {
    if (missing > 0) throw new H2Error(ERROR_CODES.INTERNAL_ERROR, `engine asked for ${missing} bytes stream ${id} does not have`);
    if (s && s[kQueue] && s[kQueue].length === 0) this[kQueueEmptied](s, id);
  }

  /**
   * Write everything the engine has, in rounds of up to MAX_WRITE body bytes,
   * one socket write (one writev under cork) per round. Frame headers, control
   * frames and bodies up to COALESCE bytes are copied into one buffer: a small
   * response leaves as one piece instead of a write per frame and per body;
   * larger bodies go out as views of the application's own buffers.
   */
  [kFlush]() {
    if (this[kClosed]) return;
    const eng = this[kEngine];
    while (!this[kSocketBlocked]) {
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
      this[kTapOutbound](list);
      if (!this.t.write(list)) this[kSetSocketBlocked](true);
      this[kProcess](eng.poll(), null);
      if (this[kClosed]) return;
    }
    if (eng.isClosed() || this[kClosing]) {
      if (!eng.wantsWrite()) { this[kOutputDone](); return; }
    }
    this._arm();
  }

  [kSetSocketBlocked](b) {
    this[kSocketBlocked] = b;
    if (b) this.t.pauseReading(); else this.t.resumeReading();
  }

  [kDrained]() {
    if (this[kClosed] || !this[kSocketBlocked]) return;
    this[kBusy] = true;
    try {
      this[kSetSocketBlocked](false);
      this[kFlush]();
    } catch (e) { this[kFail](e); } finally { this[kBusy] = false; }
  }

  // ---- timers ----

  // One timer per connection, moved only when the engine's next deadline comes
  // earlier than the armed one: the idle deadline moves later with every chunk,
  // and re-arming a timer per flush cost a Timeout object each time. A timer that
  // fires early just ticks the engine (nothing due) and is armed again.
  _arm() {
    if (this[kClosed]) return;
    const dl = this[kEngine].nextDeadline();
    if (dl < 0) { this[kDisarm](); return; }
    if (this._timer !== null && this._timerAt <= dl) return;
    this[kDisarm]();
    this._timerAt = dl;
    this._timer = setTimeout(onTimer, Math.max(0, Math.ceil(dl - now())), this);
    this._timer.unref?.();
  }

  [kDisarm]() {
    if (this._timer !== null) { clearTimeout(this._timer); this._timer = null; this._timerAt = Infinity; }
  }

  _fired() {
    this._timer = null;
    this._timerAt = Infinity;
    if (this[kClosed]) return;
    this[kBusy] = true;
    try {
      this[kEngine].tick(now());
      this[kProcess](this[kEngine].poll(), null);
      this[kFlush]();
    } catch (e) { this[kFail](e); } finally { this[kBusy] = false; }
  }

  // ---- hooks: the roles override these ----

  [kQueueEmptied](_s, _id) {}
  [kTapOutbound](_list) {}
}

function onTimer(driver) { driver._fired(); }
