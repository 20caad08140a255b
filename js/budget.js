// Budgets across connections (docs/SECURITY.md, "Budgets across connections").
//
// The engine bounds each connection on its own (resetBurst, glitchBurst, …),
// so an attacker stays under them by opening more connections: 20
// connections × 950 HEADERS+RST_STREAM pairs each never trip a per-connection
// bucket. One PeerBudget per server adds token buckets over all of the
// server's connections and over all connections from one peer address, for
// the three things the engine counts (`take_peer_counts`: RST_STREAM received,
// streams refused, other peer-provoked errors). When a bucket runs dry, the
// connections that spent most of it recently (a decaying score per
// connection) get GOAWAY(ENHANCE_YOUR_CALM) first; a connection that spent
// nothing is never cut off. A burst of 0 turns that bucket off.

import { CALM_RULES } from './boundary.js';
import { kBudgetScope, kScore, kScoreAt } from './symbols.js';

const U32 = 2 ** 32 - 1;

/** Option name → [min, max]; accepted in options, options.limits and options.budget. */
export const BUDGET_NAMES = Object.freeze({
  serverResetBurst: [0, U32], serverResetRatePerS: [0, U32], peerResetBurst: [0, U32], peerResetRatePerS: [0, U32],
  serverRefusedBurst: [0, U32], serverRefusedRatePerS: [0, U32], peerRefusedBurst: [0, U32], peerRefusedRatePerS: [0, U32],
  serverErrorBurst: [0, U32], serverErrorRatePerS: [0, U32], peerErrorBurst: [0, U32], peerErrorRatePerS: [0, U32],
});

/**
 * Defaults. Per connection the engine allows 1000 resets then 33/s (nghttp2's
 * numbers); one address gets twice that burst and six times the rate (a few
 * busy clients behind one NAT), the whole server ten times the address.
 */
export const BUDGET_DEFAULTS = Object.freeze({
  serverResetBurst: 20_000, serverResetRatePerS: 2_000, peerResetBurst: 2_000, peerResetRatePerS: 200,
  serverRefusedBurst: 10_000, serverRefusedRatePerS: 1_000, peerRefusedBurst: 1_000, peerRefusedRatePerS: 100,
  serverErrorBurst: 10_000, serverErrorRatePerS: 1_000, peerErrorBurst: 1_000, peerErrorRatePerS: 100,
});

/** What the engine counts, in the order of `take_peer_counts`; index × 2 (+1 per address) = calm rule. */
const KINDS = ['Reset', 'Refused', 'Error'];
// GOAWAY reasons of `calm(rule)` (the 'abuse' event's `rule` for budget decisions): generated
// from src/wasm/boundary.rs, in the order of the rule numbers.
export { CALM_RULES };

/** A connection's score halves every this many ms (who spent the budget *recently*). */
const SCORE_HALF_LIFE_MS = 2_000;
/** After cutting connections off in a scope, wait this long before scanning it again. */
const CUT_COOLDOWN_MS = 20;
/**
 * While a bucket is dry, a connection that keeps spending is cut off once its
 * score reaches this (or the last scan's bar, if lower): far above what a
 * browser cancelling streams does, far below one connection's own burst.
 */
const DEBT_SCORE = 100;
/** Peer addresses remembered; beyond it the oldest without connections are forgotten. */
const MAX_ADDRESSES = 16_384;

class Bucket {
  constructor(burst, ratePerS, now) { this.burst = burst; this.rate = ratePerS / 1000; this.tokens = burst; this.last = now; }
  /** Spend n tokens; false when the bucket ran dry (it then stays at 0). Burst 0: always true. */
  take(n, now) {
    if (this.burst === 0) return true;
    if (now > this.last) { this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.rate); this.last = now; }
    this.tokens -= n;
    if (this.tokens >= 0) return true;
    this.tokens = 0;
    return false;
  }
}

class Scope {
  constructor(cfg, prefix, now) {
    this.buckets = KINDS.map((k) => new Bucket(cfg[`${prefix}${k}Burst`], cfg[`${prefix}${k}RatePerS`], now));
    this.conns = new Set();
    this.cutAt = -Infinity;
    this.bar = Infinity; // the score that got connections cut off at the last scan
  }
}

export class PeerBudget {
  /** `cfg`: BUDGET_DEFAULTS merged with the options (budgetConfig in js/options.js). */
  constructor(cfg, now = performance.now()) {
    this.cfg = cfg;
    this.server = new Scope(cfg, 'server', now);
    this.addresses = new Map(); // address → Scope
  }

  _scopeOf(conn, now) {
    const addr = conn.peer?.address ?? 'unknown';
    let s = this.addresses.get(addr);
    if (s === undefined) {
      if (this.addresses.size >= MAX_ADDRESSES) {
        for (const [a, sc] of this.addresses) {
          if (sc.conns.size === 0) this.addresses.delete(a);
          if (this.addresses.size < MAX_ADDRESSES / 2) break;
        }
      }
      s = new Scope(this.cfg, 'peer', now);
      this.addresses.set(addr, s);
    }
    return s;
  }

  add(conn) {
    const now = performance.now();
    conn[kBudgetScope] = this._scopeOf(conn, now);
    conn[kBudgetScope].conns.add(conn);
    this.server.conns.add(conn);
    conn[kScore] = 0;
    conn[kScoreAt] = now;
  }

  remove(conn) {
    conn[kBudgetScope]?.conns.delete(conn);
    this.server.conns.delete(conn);
  }

  /** Counts from one receive of `conn` ([resets, refused, errors]); may cut connections off. */
  spend(conn, counts, now = performance.now()) {
    const total = counts[0] + counts[1] + counts[2];
    if (total === 0) return;
    conn[kScore] = decayed(conn, now) + total;
    conn[kScoreAt] = now;
    const addr = conn[kBudgetScope];
    for (let k = 0; k < KINDS.length; k++) {
      const n = counts[k];
      if (n === 0) continue;
      const serverOk = this.server.buckets[k].take(n, now);
      const addrOk = addr === undefined || addr.buckets[k].take(n, now);
      if (!addrOk && addr) this._cut(addr, 2 * k + 1, conn, now);
      if (!serverOk) this._cut(this.server, 2 * k, conn, now);
    }
  }

  /**
   * A bucket of `scope` ran dry as `spender` spent: the connections that spent
   * at least half as much as the worst one recently are cut off. Scans are at
   * most one per CUT_COOLDOWN_MS; in between, a spender that reaches the last
   * scan's bar (or DEBT_SCORE) is cut off on its own.
   */
  _cut(scope, rule, spender, now) {
    if (now - scope.cutAt < CUT_COOLDOWN_MS) {
      if (decayed(spender, now) >= Math.min(scope.bar, DEBT_SCORE)) spender.calm(rule);
      return;
    }
    scope.cutAt = now;
    let worst = 0;
    for (const c of scope.conns) worst = Math.max(worst, decayed(c, now));
    if (worst <= 0) return;
    scope.bar = worst / 2;
    for (const c of [...scope.conns]) if (decayed(c, now) >= scope.bar) c.calm(rule);
  }
}

function decayed(c, now) {
  const dt = now - c[kScoreAt];
  return dt > 0 ? c[kScore] * 2 ** (-dt / SCORE_HALF_LIFE_MS) : c[kScore];
}
