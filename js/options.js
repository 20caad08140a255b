// Engine limits and SETTINGS from JS options (README "Limits and settings").
//
// `options.limits` takes the camelCase names of the fields of
// `h2wasm::limits::Limits`, `options.settings` those of `LocalSettings`, and
// `options.connectionWindow` the connection receive window. The same names are
// also accepted at the top level of the options (a flat shorthand), and
// `limits` also accepts the settings names (one flat bag, as
// tests/conformance/server.js passes them). Validated here, at
// createServer/serveConnection time: an unknown name is a TypeError listing
// the valid ones, a value out of range a RangeError. The result is the
// `name=value` lines src/wasm/boundary.rs `parse_config` reads.
//
// Every other top-level name must be one of OPTION_NAMES: a misspelt option
// (`idleTimeoutMS`, `cerT`) throws instead of being silently ignored. TLS rule:
// the common credentials (TLS_SHORTHAND_NAMES) may sit at the top level; any
// other tls.createServer option goes in `options.tls`, passed through as it is
// (Node validates it), with ALPNProtocols always ['h2'].
//
// The budgets across connections (js/budget.js BUDGET_NAMES) are validated
// the same way, are accepted at the top level, in `limits` and in
// `options.budget`, and stay in JS (budgetConfig).

import { BUDGET_NAMES, BUDGET_DEFAULTS } from './budget.js';
import { LIMIT_NAMES, SETTINGS_NAMES, CONNECTION_NAMES } from './boundary.js';

// LIMIT_NAMES (Limits fields), SETTINGS_NAMES (our SETTINGS, RFC 9113 §6.5.2 ranges) and
// CONNECTION_NAMES (connectionWindow): name → [min, max], generated from src/wasm/boundary.rs.
export { LIMIT_NAMES, SETTINGS_NAMES };
const OTHER = CONNECTION_NAMES;
const ALL = Object.freeze({ ...LIMIT_NAMES, ...SETTINGS_NAMES, ...OTHER, ...BUDGET_NAMES });
const ENGINE = Object.freeze({ ...LIMIT_NAMES, ...SETTINGS_NAMES, ...OTHER });

/** TLS credentials accepted at the top level; any other tls.createServer option goes in `options.tls`. */
export const TLS_SHORTHAND_NAMES = Object.freeze(['cert', 'key', 'ca', 'pfx', 'passphrase']);

/** Top-level option names besides the limit/settings names above, each read somewhere in js/. */
export const OPTION_NAMES = Object.freeze([
  'limits', 'settings', 'budget', // engineConfig below (budget: budgetConfig, js/budget.js)
  ...TLS_SHORTHAND_NAMES, 'tls', // createServer (tlsOptions below)
  'tap', 'onError', 'onAbuse', // js/connection.js, js/index.js, js/fetch.js, js/log.js
  'allowHTTP1', 'http1Options', 'keepAliveTimeout', // createServer's HTTP/1.1 side (js/http1.js)
  'secure', 'peer', 'host', // serveConnection on a stream pair (js/transport.js); `secure: false` in createServer
]);

function unknown(where, name, valid) {
  const names = Array.isArray(valid) ? valid : Object.keys(valid);
  const near = names.find((n) => n.toLowerCase() === String(name).toLowerCase());
  const hint = near ? ` (did you mean "${near}"?)` : '';
  return new TypeError(`h2wasm: unknown ${where} option "${name}"${hint}; valid names: ${names.join(', ')}`);
}

/** Throw a TypeError for a top-level name that is neither an option nor a limit/setting. */
function checkTopLevelNames(options) {
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined || Object.hasOwn(ALL, k) || OPTION_NAMES.includes(k)) continue;
    throw unknown('top-level', k, [...OPTION_NAMES, ...Object.keys(ALL)]);
  }
}

/** tls.createServer options when these options ask for TLS (`tls`, `cert`, `key` or `pfx` not null), else null. */
export function tlsOptions(options) {
  const { tls } = options;
  if (tls != null && typeof tls !== 'object') throw new TypeError('h2wasm: options.tls must be an object');
  const asksForTls = tls != null || options.cert != null || options.key != null || options.pfx != null;
  if (!asksForTls) return null;
  const out = { ...tls };
  for (const name of TLS_SHORTHAND_NAMES) if (options[name] != null) out[name] = options[name];
  out.ALPNProtocols = ['h2']; // HTTP/2 only: a client that cannot speak h2 is refused at the handshake
  return out;
}

function put(out, name, value, where) {
  const [min, max] = ALL[name];
  if (typeof value === 'bigint') value = Number(value);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`h2wasm: ${where}${name} must be an integer, got ${typeof value === 'number' ? value : typeof value}`);
  }
  if (value < min || value > max) throw new RangeError(`h2wasm: ${where}${name} = ${value} is out of range [${min}, ${max}]`);
  out.set(name, value);
}

function bag(out, obj, valid, where) {
  if (obj === undefined || obj === null) return;
  if (typeof obj !== 'object') throw new TypeError(`h2wasm: options.${where} must be an object`);
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (!Object.hasOwn(valid, k)) throw unknown(`options.${where}`, k, valid);
    put(out, k, v, `options.${where}.`);
  }
}

/**
 * Engine config text for these options, or '' when nothing is overridden.
 * Throws TypeError/RangeError on unknown names (top level, `limits`, `settings`) or bad values. Cached on the options object.
 */
export function engineConfig(options = {}) {
  if (options[CACHE] !== undefined) return options[CACHE];
  if (typeof options !== 'object' || options === null) throw new TypeError('h2wasm: options must be an object');
  checkTopLevelNames(options);
  const out = new Map();
  for (const [k, v] of Object.entries(options)) if (Object.hasOwn(ALL, k) && v !== undefined) put(out, k, v, 'options.');
  bag(out, options.limits, { ...LIMIT_NAMES, ...SETTINGS_NAMES, ...BUDGET_NAMES }, 'limits');
  bag(out, options.settings, SETTINGS_NAMES, 'settings');
  bag(out, options.budget, BUDGET_NAMES, 'budget');
  const text = [...out].filter(([k]) => Object.hasOwn(ENGINE, k)).map(([k, v]) => `${k}=${v}`).join('\n');
  try { Object.defineProperty(options, CACHE, { value: text }); } catch { /* frozen options */ }
  return text;
}
const CACHE = Symbol('h2wasm.engineConfig');

/** The budgets across connections for these options: BUDGET_DEFAULTS with the overrides. */
export function budgetConfig(options = {}) {
  engineConfig(options); // validates every name and value
  const cfg = { ...BUDGET_DEFAULTS };
  for (const src of [options, options.limits, options.budget]) {
    if (!src || typeof src !== 'object') continue;
    for (const k of Object.keys(BUDGET_NAMES)) if (src[k] !== undefined) cfg[k] = Number(src[k]);
  }
  return cfg;
}

export { BUDGET_NAMES };
