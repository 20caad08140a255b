// Byte transports: Node net/tls sockets and WHATWG {readable, writable} pairs.
// Each adapter gives H2Connection the same small surface.

import { kDrained } from './symbols.js';

function addr(a, p, f) { return a === undefined ? null : { address: a, port: p, family: f }; }

// Per-connection memory matters (docs/PERFORMANCE.md, idle connections): one
// small object per socket, prototype methods, and socket listeners that are
// shared functions finding their connection through a symbol, not closures.
const kConn = Symbol('h2wasm.transportOwner');
function onData(chunk) { this[kConn].receive(chunk); }
function onError(e) { this[kConn].transportClosed(e); }
function onEnd() { this[kConn].transportClosed(null); }
function onDrain() { this[kConn][kDrained](); }

/** Node net.Socket / tls.TLSSocket. write() returns false when the socket buffer is full. */
class NodeSocketTransport {
  constructor(socket) {
    this.socket = socket;
    this.secure = !!socket.encrypted;
    this._peer = undefined; // made on first use; the same object every time (js/trace.js relies on it)
    this._host = undefined;
  }

  get peer() {
    const s = this.socket;
    if (this._peer === undefined) this._peer = addr(s.remoteAddress, s.remotePort, s.remoteFamily);
    return this._peer;
  }

  get host() {
    const s = this.socket;
    if (this._host === undefined) this._host = addr(s.localAddress, s.localPort, s.localFamily);
    return this._host;
  }

  write(list) {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return true;
    if (list.length === 1) return socket.write(list[0]);
    let ok = true;
    socket.cork();
    for (let i = 0; i < list.length; i++) ok = socket.write(list[i]);
    socket.uncork();
    return ok;
  }

  pauseReading() { this.socket.pause(); }
  resumeReading() { this.socket.resume(); }

  // After our final GOAWAY: flush what is queued, stop reading, and close the
  // socket for good once the write side has finished (or after a 1 s linger
  // if the peer does not read). Half-closing alone would let a peer keep
  // streaming into a dead connection (CONTINUATION/empty-frame floods).
  end() {
    const socket = this.socket;
    if (socket.destroyed) return;
    socket.pause();
    const linger = setTimeout(() => socket.destroy(), 1000);
    linger.unref?.();
    socket.end(() => { clearTimeout(linger); socket.destroy(); });
  }

  destroy() { this.socket.destroy(); }

  /** Before the first write: `conn[kDrained]()` runs when a full socket drains. */
  attach(conn) {
    this.socket[kConn] = conn;
    this.socket.on('drain', onDrain);
  }

  /** Start reading: chunks go to `conn.receive`, the end or an error to `conn.transportClosed`. */
  start() {
    const socket = this.socket;
    socket.setNoDelay?.(true);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onEnd);
    socket.on('end', onEnd);
  }
}

export function nodeSocketTransport(socket) { return new NodeSocketTransport(socket); }

/**
 * Any WHATWG byte-stream pair (WebTransport bidi stream, Deno/Workers sockets, TransformStreams).
 * `peer`/`host`/`secure` come from `info` (serveConnection's options) or else from the pair itself
 * (the adapters in js/adapters.js set them), read when asked: a Workers socket learns its
 * addresses only once `opened` resolves.
 */
export function webStreamTransport(pair, info = {}) {
  const writer = pair.writable.getWriter();
  const reader = pair.readable.getReader();
  let conn = null;
  let paused = false;
  let wake = null;
  let closed = false;
  return {
    get secure() { return !!(info.secure ?? pair.secure); },
    get peer() { return info.peer ?? pair.peer ?? null; },
    get host() { return info.host ?? pair.host ?? null; },
    write(list) {
      if (closed) return true;
      for (const b of list) writer.write(b).catch(() => {});
      if (writer.desiredSize !== null && writer.desiredSize <= 0) {
        writer.ready.then(() => conn?.[kDrained](), () => {});
        return false;
      }
      return true;
    },
    pauseReading() { paused = true; },
    resumeReading() { paused = false; wake?.(); wake = null; },
    end() { if (!closed) { closed = true; writer.close().catch(() => {}); reader.cancel().catch(() => {}); } },
    // The peer's side of the pair sees `reason` (the H2Error that ended the connection), never undefined.
    destroy(reason) {
      if (closed) return;
      closed = true;
      writer.abort(reason).catch(() => {});
      reader.cancel(reason).catch(() => {});
    },
    attach(c) { conn = c; },
    start() {
      (async () => {
        try {
          for (;;) {
            if (paused) await new Promise((r) => { wake = r; });
            const { value, done } = await reader.read();
            if (done) break;
            conn.receive(value instanceof Uint8Array ? value : new Uint8Array(value));
          }
          conn.transportClosed(null);
        } catch (e) {
          conn.transportClosed(e);
        }
      })();
    },
  };
}
