// The JS side of the JS↔wasm boundary (docs/ARCHITECTURE.md, "Boundary format" and "ABI").
//
// The engine's exports are plain `extern "C"` functions taking numbers
// (src/wasm/abi.rs): `server_*` for the server role, `client_*` for the client,
// no imports and no generated glue, so loading is one `new WebAssembly.Instance`.
// `Runtime` owns one instance; every connection made while it is healthy
// shares it. If any call traps (WebAssembly.RuntimeError), the runtime is
// marked dead, its connections are failed with an H2Error, and the next
// connection gets a fresh Runtime from the same compiled Module.
// Record layouts, kinds and the packed field format come from js/boundary.js,
// generated from src/wasm/boundary.rs.

import { RECORD, PACKED_FIELD, PEER_COUNT_BITS } from './boundary.js';
import { kOnTrap, kFail } from './symbols.js';
import { WasmTrapError, InitError, INIT_ERROR_CODES } from './errors.js';

let compiled = null; // WebAssembly.Module
let loadFailure = null; // why reading the .wasm file next to this module failed (permission, missing file)

const HOW_TO_PASS = "pass the module: `import wasm from 'h2wasm/wasm'; await init(wasm);`";

/**
 * The .wasm file next to this module, or null where import.meta.url is not a URL
 * (workerd, bundles). Computed on use, never at load: a module that throws at load
 * cannot even be given the wasm by hand. The literal `new URL('…', import.meta.url)`
 * form is the one bundlers recognise as an asset reference.
 */
function wasmUrl() {
  try { return new URL('./wasm/h2wasm_bg.wasm', import.meta.url); } catch { return null; }
}

/** Load the wasm module synchronously (Node, Bun, Deno with read permission) from the file next to this one. */
function loadSync() {
  if (compiled) return compiled;
  if (loadFailure) return null;
  const url = wasmUrl();
  if (!url || url.protocol !== 'file:') return null;
  try {
    const fs = globalThis.process?.getBuiltinModule?.('node:fs');
    const bytes = fs ? fs.readFileSync(url) : globalThis.Deno?.readFileSync?.(url);
    if (bytes) compiled = new WebAssembly.Module(bytes);
  } catch (e) {
    loadFailure = e; // not retried: a denied permission does not come back by itself
  }
  return compiled;
}

/** Why the engine cannot load, with what to do about it (Deno: which permission). */
function unavailableReason() {
  if (!loadFailure) return '';
  const msg = String(loadFailure.message);
  const denied = globalThis.Deno && /read access|NotCapable|PermissionDenied/i.test(`${loadFailure.name} ${msg}`);
  const hint = denied && !msg.includes('--allow-read') ? '; or run Deno with --allow-read for that file' : '';
  return ` (reading ${wasmUrl()} failed: ${msg}${hint})`;
}

function notReady() {
  return new InitError(INIT_ERROR_CODES.NOT_READY,
    `h2wasm: the wasm engine is not loaded: call \`await init()\` before serving; where the .wasm file cannot be read or fetched, ${HOW_TO_PASS}${unavailableReason()}`,
    { cause: loadFailure ?? undefined });
}

/** True when connections can be made now (loads the module synchronously where it can). */
export function engineReady() { return !!(compiled ?? loadSync()); }

/** Throw InitError NOT_READY unless the engine can make connections now. */
export function assertEngineReady() { if (!engineReady()) throw notReady(); }

async function compileBytes(bytes) {
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    // workerd: a CompileError "Wasm code generation disallowed by embedder"; other errors are real.
    if (!/disallowed|code generation/i.test(String(e?.message))) throw e;
    throw new InitError(INIT_ERROR_CODES.COMPILE_BLOCKED,
      `h2wasm: this runtime does not compile wasm from bytes (${e.message}): ${HOW_TO_PASS}`, { cause: e });
  }
}

async function fetchAndCompile(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return compileBytes(await res.arrayBuffer());
}

/**
 * Load the engine. `source`: a WebAssembly.Module (Workers: `import wasm from 'h2wasm/wasm'`),
 * the .wasm bytes, a Response or a URL. Without it: read the file next to this module (Node,
 * Bun, Deno with --allow-read) or fetch it (browsers); if neither works, an InitError says to
 * pass the module.
 */
export async function init(source) {
  if (compiled) return;
  if (source && typeof source === 'object' && !(source instanceof WebAssembly.Module) && source.default instanceof WebAssembly.Module) {
    source = source.default; // a module namespace (`await import('h2wasm/wasm')`)
  }
  if (source instanceof WebAssembly.Module) { compiled = source; return; }
  if (source instanceof URL || typeof source === 'string') { compiled = await fetchAndCompile(source); return; }
  if (typeof Response === 'function' && source instanceof Response) { compiled = await compileBytes(await source.arrayBuffer()); return; }
  if (source) { compiled = await compileBytes(source); return; }
  if (loadSync()) return;
  const url = wasmUrl();
  if (url && url.protocol !== 'file:' && typeof fetch === 'function') {
    try { compiled = await fetchAndCompile(url); return; } catch (e) {
      if (e instanceof InitError) throw e;
      throw new InitError(INIT_ERROR_CODES.WASM_UNAVAILABLE,
        `h2wasm: could not fetch ${url} (${e.message}): ${HOW_TO_PASS}`, { cause: e });
    }
  }
  throw new InitError(INIT_ERROR_CODES.WASM_UNAVAILABLE,
    `h2wasm: init() found no .wasm file to read or fetch here: ${HOW_TO_PASS}${unavailableReason()}`,
    { cause: loadFailure ?? undefined });
}

const decoder = new TextDecoder();

export class Runtime {
  constructor() {
    const module = compiled ?? loadSync();
    if (!module) throw notReady();
    // No imports: the exports need nothing from JS (a module that wants some is not this engine).
    this.x = new WebAssembly.Instance(module, {}).exports;
    this.dead = false;
    this.connections = new Set(); // EngineConn on this instance
    this._u8 = undefined; // mem()'s cached view
  }

  /**
   * A Uint8Array over the whole wasm memory, made again only when the memory has
   * grown (growing detaches the old ArrayBuffer): a fresh view per call cost ~110 ns.
   * A detached view has length 0, so the cached view is checked without reading
   * `memory.buffer` (an accessor call: 7 % of the server's JS time in big, per segAt).
   */
  mem() {
    const u8 = this._u8;
    if (u8 !== undefined && u8.length !== 0) return u8;
    const buf = this.x.memory.buffer;
    if (this._u8 === undefined || this._u8.buffer !== buf) this._u8 = new Uint8Array(buf);
    return this._u8;
  }

  /** A trap happened: fail every connection on this instance. */
  fail(err) {
    if (this.dead) return;
    this.dead = true;
    const e = new WasmTrapError(`wasm instance trapped: ${err?.message ?? err}`, { cause: err });
    for (const c of [...this.connections]) c[kOnTrap](e);
    this.connections.clear();
    if (current === this) current = null;
  }
}

let current = null;
/** The shared healthy runtime (a fresh one after a trap). */
export function runtime() {
  if (!current || current.dead) current = new Runtime();
  return current;
}

/** Test hook: make the next call on `rt` trap (simulates a wasm bug). */
export function _injectTrap(rt) {
  const x = { ...rt.x }; // wasm exports objects are frozen: replace, not proxy
  for (const k of Object.keys(x)) {
    if (k.startsWith('server_')) x[k] = () => { throw new WebAssembly.RuntimeError('unreachable (injected)'); };
  }
  rt.x = x;
}

const PEER_COUNT_SPAN = 2 ** PEER_COUNT_BITS;
const FIELD_HEADER = PACKED_FIELD.HEADER_BYTES;

const encoder = new TextEncoder();

/** Pack [[name, value], …] with TextEncoder (any non-ASCII field; EngineConn._args is the fast path). */
function packFieldsSlow(fields) {
  const parts = [];
  let total = 0;
  for (const [n, v] of fields) {
    const nb = encoder.encode(String(n).toLowerCase());
    const vb = encoder.encode(String(v));
    parts.push(nb, vb);
    total += FIELD_HEADER + nb.length + vb.length;
  }
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let at = 0;
  for (let i = 0; i < parts.length; i += 2) {
    dv.setUint32(at + PACKED_FIELD.NAME_LEN_AT, parts[i].length, true);
    dv.setUint32(at + PACKED_FIELD.VALUE_LEN_AT, parts[i + 1].length, true);
    out.set(parts[i], at + FIELD_HEADER); out.set(parts[i + 1], at + FIELD_HEADER + parts[i].length);
    at += FIELD_HEADER + parts[i].length + parts[i + 1].length;
  }
  return out;
}

/** Decode a packed field block into [[name, value], …] (strings made here, on demand). */
export function unpackFields(block) {
  const out = [];
  let at = 0;
  const n = block.length;
  while (at + FIELD_HEADER <= n) {
    const nl = u32le(block, at + PACKED_FIELD.NAME_LEN_AT), vl = u32le(block, at + PACKED_FIELD.VALUE_LEN_AT);
    const ns = at + FIELD_HEADER;
    out.push([fieldString(block, ns, ns + nl), fieldString(block, ns + nl, ns + nl + vl)]);
    at = ns + nl + vl;
  }
  return out;
}

/** Copy `len` bytes of `src` from `from` into `dst` at `at`; a short copy by hand beats making a subarray view. */
export function copyBytes(dst, at, src, from, len) {
  if (len <= 64) { for (let i = 0; i < len; i++) dst[at + i] = src[from + i]; } else dst.set(src.subarray(from, from + len), at);
}

/** Write `v` as a little-endian u32 at `at` (the length prefixes of packed fields). */
export function putU32le(b, at, v) {
  b[at] = v; b[at + 1] = v >>> 8; b[at + 2] = v >>> 16; b[at + 3] = v >>> 24;
}

/** Little-endian u32 at `at` of a packed field block (the length prefixes). */
export function u32le(b, at) {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

/** One field string of a packed block. Short ASCII strings: fromCharCode is cheaper than a TextDecoder call. */
export function fieldString(b, s, e) {
  if (e - s > 64) return decoder.decode(b.subarray(s, e));
  let r = '';
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c > 0x7f) return decoder.decode(b.subarray(s, e));
    r += String.fromCharCode(c);
  }
  return r;
}

const METHOD_NAMES = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];

/** A `:method` value of a packed block: the usual methods as shared strings (no string made per request). */
export function methodString(b, s, e) {
  const n = e - s;
  for (let i = 0; i < METHOD_NAMES.length; i++) {
    const m = METHOD_NAMES[i];
    if (m.length !== n) continue;
    let k = 0;
    while (k < n && b[s + k] === m.charCodeAt(k)) k++;
    if (k === n) return m;
  }
  return fieldString(b, s, e);
}

// Request field blocks are copied out of wasm memory into a shared slab: one ArrayBuffer
// per BLOCK_SLAB_SIZE bytes instead of one (with its own off-heap backing store) per
// request. A region is written once and never reused; a stream that keeps its block
// keeps at most one slab alive. Larger blocks get their own copy.
const BLOCK_SLAB_SIZE = 8 * 1024;
const BLOCK_SLAB_MAX = 1024;
let blockSlab = null;
let blockSlabAt = BLOCK_SLAB_SIZE;

/** A copy of `len` bytes of `m` at `p` that stays valid after the next wasm call. */
function copyBlock(m, p, len) {
  if (len > BLOCK_SLAB_MAX) return m.slice(p, p + len);
  if (blockSlabAt + len > BLOCK_SLAB_SIZE) { blockSlab = new Uint8Array(BLOCK_SLAB_SIZE); blockSlabAt = 0; }
  const out = new Uint8Array(blockSlab.buffer, blockSlabAt, len); // not subarray(): no species lookup
  blockSlabAt += len;
  for (let i = 0; i < len; i++) out[i] = m[p + i];
  return out;
}

/**
 * One HTTP/2 connection inside a Runtime. Thin: numbers in, DataView records
 * out. Any wasm trap is routed to `rt.fail`, which calls `onTrap` of every
 * connection on the instance.
 */
export class EngineConn {
  /**
   * `owner[kFail](err)` is called if the instance traps (an object, not a closure:
   * one less allocation per connection). `config`: js/options.js engineConfig()
   * text ('' = engine defaults).
   */
  constructor(now, owner, config = '') {
    this.rt = runtime();
    this.owner = owner;
    this._op = 0; // where the last writeOutput's bytes and segments are
    this._sp = 0;
    this.ptr = this.call(() => this.rt.x.server_new(now)) >>> 0;
    this.rt.connections.add(this);
    if (config) {
      const bytes = encoder.encode(config);
      const bad = this.call(() => {
        const p = this.rt.x.server_args_ptr(this.ptr, bytes.length) >>> 0;
        this.rt.mem().set(bytes, p);
        return this.rt.x.server_configure(this.ptr, bytes.length, now) >>> 0;
      });
      if (bad) {
        this.free();
        throw new RangeError(`h2wasm: engine rejected option "${config.split('\n')[bad - 1]}"`);
      }
    }
  }

  [kOnTrap](e) { this.ptr = 0; this.owner?.[kFail](e); }

  /**
   * A failed wasm call: a trap fails the whole instance and becomes an H2Error;
   * anything else is rethrown as is. Methods catch around their own calls rather
   * than through a `call(() => …)` helper: no closure per call on the hot path.
   */
  _trap(e) {
    if (e instanceof WebAssembly.RuntimeError) {
      this.rt.fail(e);
      return new WasmTrapError(`wasm instance trapped: ${e.message}`, { cause: e });
    }
    return e;
  }

  _x() {
    if (this.rt.dead) throw new WasmTrapError('wasm instance is gone');
    return this.rt.x;
  }

  /** Run a wasm call; a trap fails the whole instance and rethrows as H2Error. */
  call(fn) {
    this._x();
    try { return fn(); } catch (e) { throw this._trap(e); }
  }

  /** Copy the events of the last receive/poll out (RECORD.BYTES each) as a DataView. */
  _events(n) {
    if (n === 0) return null;
    const p = this.rt.x.server_events_ptr(this.ptr) >>> 0;
    const bytes = this.rt.mem().slice(p, p + n * RECORD.BYTES);
    return new DataView(bytes.buffer);
  }

  /** Feed one socket chunk (one copy into wasm memory). Returns a DataView of event records or null. */
  receive(chunk, now) {
    const x = this._x();
    try {
      const p = x.server_input_ptr(this.ptr, chunk.length) >>> 0;
      this.rt.mem().set(chunk, p);
      return this._events(x.server_receive(this.ptr, chunk.length, now) >>> 0);
    } catch (e) { throw this._trap(e); }
  }

  poll() {
    const x = this._x();
    try { return this._events(x.server_poll(this.ptr) >>> 0); } catch (e) { throw this._trap(e); }
  }

  /** Copy header fields [start, end) out as one packed block (decode with unpackFields). */
  fields(start, end) {
    const x = this._x();
    try {
      const len = x.server_pack_fields(this.ptr, start, end) >>> 0;
      const p = x.server_scratch_ptr(this.ptr) >>> 0;
      return copyBlock(this.rt.mem(), p, len);
    } catch (e) { throw this._trap(e); }
  }

  text(off, len) {
    const p = this.rt.x.server_text_ptr(this.ptr) >>> 0;
    return decoder.decode(this.rt.mem().subarray(p + off, p + off + len));
  }

  /**
   * Pack [[name, value], …] (`[u32 nlen][u32 vlen][name][value]…`, names
   * lowercased) straight into wasm memory at args_ptr: no intermediate array
   * for the usual all-ASCII fields. Returns the packed length.
   */
  _args(fields) {
    const x = this.rt.x;
    let total = 0;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      total += FIELD_HEADER + String(f[0]).length + String(f[1]).length;
    }
    const p = x.server_args_ptr(this.ptr, total) >>> 0;
    const m = this.rt.mem(); // after args_ptr: it may have grown the memory
    let at = p;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      const n = String(f[0]), v = String(f[1]);
      const nl = n.length, vl = v.length;
      putU32le(m, at + PACKED_FIELD.NAME_LEN_AT, nl);
      putU32le(m, at + PACKED_FIELD.VALUE_LEN_AT, vl);
      at += FIELD_HEADER;
      for (let k = 0; k < nl; k++) {
        let c = n.charCodeAt(k);
        if (c > 0x7f) return this._argsBytes(packFieldsSlow(fields));
        if (c >= 65 && c <= 90) c += 32; // lowercase
        m[at++] = c;
      }
      for (let k = 0; k < vl; k++) {
        const c = v.charCodeAt(k);
        if (c > 0x7f) return this._argsBytes(packFieldsSlow(fields));
        m[at++] = c;
      }
    }
    return total;
  }

  _argsBytes(packed) {
    const p = this.rt.x.server_args_ptr(this.ptr, packed.length) >>> 0;
    this.rt.mem().set(packed, p);
    return packed.length;
  }

  /**
   * h2c Upgrade (src/connection/upgrade.rs): `settings` = the decoded HTTP2-Settings
   * payload, `fields` = the request as HTTP/2 fields. Returns 0 ok, 1 not fresh,
   * 2 bad settings, 3 bad request, 4 bad packing; the Request event comes from poll().
   */
  upgrade(settings, fields) {
    const x = this._x();
    const packed = packFieldsSlow(fields);
    const total = 4 + settings.length + packed.length;
    try {
      const p = x.server_args_ptr(this.ptr, total) >>> 0;
      const m = this.rt.mem();
      new DataView(m.buffer, m.byteOffset + p, 4).setUint32(0, settings.length, true);
      m.set(settings, p + 4);
      m.set(packed, p + 4 + settings.length);
      return x.server_upgrade(this.ptr, total) >>> 0;
    } catch (e) { throw this._trap(e); }
  }

  sendHeaders(id, status, fields, endStream) {
    const x = this._x();
    try { return x.server_send_headers(this.ptr, id, status, this._args(fields), endStream) >>> 0; } catch (e) { throw this._trap(e); }
  }
  sendInformational(id, status, fields) {
    const x = this._x();
    try { return x.server_send_informational(this.ptr, id, status, this._args(fields)) >>> 0; } catch (e) { throw this._trap(e); }
  }
  sendData(id, len, endStream) {
    const x = this._x();
    try { return x.server_send_data(this.ptr, id, len, endStream) >>> 0; } catch (e) { throw this._trap(e); }
  }
  sendTrailers(id, fields) {
    const x = this._x();
    try { return x.server_send_trailers(this.ptr, id, this._args(fields)) >>> 0; } catch (e) { throw this._trap(e); }
  }
  resetStream(id, code) {
    const x = this._x();
    try { return x.server_reset_stream(this.ptr, id, code) >>> 0; } catch (e) { throw this._trap(e); }
  }
  consumed(id, n) {
    const x = this._x();
    try { return x.server_consumed(this.ptr, id, n) >>> 0; } catch (e) { throw this._trap(e); }
  }
  shutdown() { this.call(() => this.rt.x.server_shutdown(this.ptr)); }
  abort(code) { this.call(() => this.rt.x.server_abort(this.ptr, code)); }
  /** GOAWAY(ENHANCE_YOUR_CALM) for a budget across connections (js/budget.js CALM_RULES index). */
  calm(rule) { this.call(() => this.rt.x.server_calm(this.ptr, rule)); }
  /**
   * [resets, refused, errors] since the last call into `out` (reused array);
   * returns false when all three are 0 (the usual case).
   */
  takePeerCounts(out) {
    const x = this._x();
    let v;
    try { v = x.server_take_peer_counts(this.ptr); } catch (e) { throw this._trap(e); }
    if (v === 0) return false;
    out[0] = v % PEER_COUNT_SPAN; v = Math.floor(v / PEER_COUNT_SPAN);
    out[1] = v % PEER_COUNT_SPAN; out[2] = Math.floor(v / PEER_COUNT_SPAN);
    return true;
  }
  tick(now) { this.call(() => this.rt.x.server_tick(this.ptr, now)); }
  nextDeadline() {
    const x = this._x();
    try { return x.server_next_deadline(this.ptr); } catch (e) { throw this._trap(e); }
  }
  wantsWrite() {
    const x = this._x();
    try { return x.server_wants_write(this.ptr) !== 0; } catch (e) { throw this._trap(e); }
  }
  isClosed() {
    const x = this._x();
    try { return x.server_is_closed(this.ptr) !== 0; } catch (e) { throw this._trap(e); }
  }

  /**
   * One write_output call. Returns the number of segments (0 = nothing to
   * write). Until the next call on this instance: `outBytes(off, len)` views
   * the frame-header/control bytes in wasm memory (copy before keeping them),
   * `segAt(i)` reads word i of the [stream, len] pairs (stream 0 = next len
   * bytes of the output bytes).
   */
  writeOutput(maxBytes) {
    const x = this._x();
    try {
      const n = x.server_write_output(this.ptr, maxBytes) >>> 0;
      if (n === 0) return 0;
      this._op = x.server_out_ptr(this.ptr) >>> 0;
      this._sp = x.server_segs_ptr(this.ptr) >>> 0;
      return n;
    } catch (e) { throw this._trap(e); }
  }

  /** Word i of the last writeOutput's segments. */
  segAt(i) { return u32le(this.rt.mem(), this._sp + i * 4); }

  /** Copy `len` output bytes from offset `off` of the last writeOutput into `dst` at `at`. */
  copyOut(off, len, dst, at) { copyBytes(dst, at, this.rt.mem(), this._op + off, len); }

  free() {
    if (this.ptr && !this.rt.dead) {
      try { this.rt.x.server_free(this.ptr); } catch { /* instance gone */ }
    }
    this.rt.connections.delete(this);
    this.ptr = 0;
  }
}
