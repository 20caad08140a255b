// Where errors from application callbacks go (README "Errors and logging").
//
// With `options.onError(err, info)` every application error goes there and
// nothing is printed. Without it, a process-wide rate-limited logger prints
// the first error of each kind with its stack, then at most one line per
// kind per interval with the count of the ones it held back, so a handler
// that throws on every request cannot flood stderr (19,000 stack traces in a
// reset flood). Errors that only say "the peer already closed this stream"
// are not application errors and are never logged.

import { H2Error } from './errors.js';

/** Seconds between summary lines of one kind. */
const LOG_INTERVAL_MS = 10_000;
/** Distinct kinds tracked per interval; the rest share one "other" kind. */
const MAX_KINDS = 64;
// Command results that mean the stream or connection is already gone (js/errors.js USER_ERRORS).
const GONE = new Set([1, 5]);

export class RateLimitedLog {
  /** `sink(...args)`: console.error by default; `intervalMs` between summary lines. */
  constructor(sink = (...a) => console.error(...a), intervalMs = LOG_INTERVAL_MS) {
    this.sink = sink;
    this.intervalMs = intervalMs;
    this.kinds = new Map(); // kind → { held, last }
    this.timer = null;
  }

  /** Log `err` under `kind` (first one with its stack; later ones counted). */
  report(kind, err) {
    let k = this.kinds.get(kind);
    if (k === undefined && this.kinds.size >= MAX_KINDS) { kind = 'other errors'; k = this.kinds.get(kind); }
    if (k === undefined) {
      this.kinds.set(kind, { held: 0, last: null });
      this.sink(`h2wasm: ${kind}:`, err);
      this._arm();
      return;
    }
    k.held++;
    k.last = err;
  }

  /** End of an interval: one line per kind that was held back; quiet kinds are forgotten. */
  flush() {
    this.timer = null;
    for (const [kind, k] of this.kinds) {
      if (k.held === 0) { this.kinds.delete(kind); continue; }
      const msg = k.last instanceof Error ? k.last.message : String(k.last);
      this.sink(`h2wasm: ${kind}: ${k.held} more in the last ${Math.round(this.intervalMs / 1000)} s (last: ${msg})`);
      k.held = 0;
      k.last = null;
    }
    if (this.kinds.size) this._arm();
  }

  _arm() {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => this.flush(), this.intervalMs);
    this.timer.unref?.();
  }
}

/** The default logger shared by every server in the process. */
const defaultLog = new RateLimitedLog();

/**
 * A GOAWAY(ENHANCE_YOUR_CALM) decision ('abuse' event) as one rate-limited log
 * line per rule: `server.on('abuse', logAbuse)`.
 */
export function logAbuse(info) {
  const peer = info?.peer ? `${info.peer.address}:${info.peer.port}` : 'unknown peer';
  defaultLog.report(`GOAWAY(ENHANCE_YOUR_CALM) (${info?.scope}): ${info?.rule}`, `peer ${peer}`);
}

/** The error only says the peer reset the stream or closed the connection under the application. */
export function isPeerClosed(err) {
  return err instanceof H2Error && (GONE.has(err.userError) || err.remote === true);
}

/**
 * An error thrown by application code (`where`: which callback). Goes to
 * `options.onError(err, { where, peer })` if set (an onError that throws is
 * logged itself), else to the rate-limited logger under the kind
 * "`where` threw: <name>: <message>".
 */
export function reportAppError(options, err, where, peer) {
  if (isPeerClosed(err)) return false;
  const onError = options?.onError;
  if (typeof onError === 'function') {
    try { onError(err, { where, peer }); return true; } catch (e) { err = e; where = 'onError'; }
  }
  const name = err?.name ?? typeof err;
  const text = String(err?.message ?? err).split('\n', 1)[0].slice(0, 120);
  defaultLog.report(`${where} threw: ${name}: ${text}`, err);
  return true;
}
