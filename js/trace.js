// TraceHub: records the raw bytes of every connection (in and out) in a
// bounded ring and streams them to inspector pages as server-sent events.
//
// The server calls hub.tap(connInfo) once per connection and feeds every raw
// chunk it reads (inbound) and writes (outbound); the page decodes the chunks
// with the same wasm Inspector it uses for captures (www/). Nothing here may
// block or throw into the server: every entry point catches its own errors,
// and a subscriber that cannot keep up is dropped, not waited for.
//
// Event objects (one JSON object per SSE `data:` line, and per line of the
// JSON-lines trace format the page also opens offline):
//   {"k":"open",  "c":<conn id>, "t":<ms since epoch>, "info":{remoteAddress,remotePort,localAddress,localPort}}
//   {"k":"data",  "c":<conn id>, "t":<ms>, "d":"c2s"|"s2c", "b":"<base64 bytes>"}
//   {"k":"close", "c":<conn id>, "t":<ms>}
//   {"k":"partial","c":<conn id>} — the start of this connection fell out of the ring
//                                  (replay only): its bytes cannot be decoded from the start.
//   {"k":"hello", "t":<ms>, "capacity":{events,bytes}} — first event of every subscription.
// c2s = client→server (what the server read), s2c = server→client (what it wrote).
//
// Wiring (what `h2wasm serve --trace` does):
//   const hub = new TraceHub();
//   on each accepted socket:   const tap = hub.tap({ remoteAddress, remotePort, localAddress, localPort });
//                              socket 'data' → tap.inbound(chunk); every write → tap.outbound(bytes);
//                              socket 'close' → tap.closed();
//   on a request for GET /_trace:  const cb = hub.handle(stream, tap);   // pass that connection's tap
//                              forward the request's connectionLost(reason) to cb.connectionLost(reason).
// Passing the tap lets the hub leave the trace stream's own connection out (it
// would otherwise trace its own output forever); without it the hub matches
// stream.getPeer() against the tapped addresses. Serve www/ at / and open
// /?live for the live view.

/** Defaults (every bound documented): */
const TRACE_DEFAULTS = Object.freeze({
  maxEvents: 10_000,          // events kept in the ring for late subscribers
  maxBytes: 8 * 1024 * 1024,  // base64 characters kept in the ring
  maxSubscribers: 16,         // concurrent /_trace streams
  maxPendingBytes: 4 * 1024 * 1024, // per subscriber, held while its stream is flow-blocked; beyond: dropped
  heartbeatMs: 15_000,        // SSE comment line to keep idle streams open
});

function toBase64(bytes) {
  if (typeof Buffer !== 'undefined') {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  }
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function encodeText(s) {
  return typeof Buffer !== 'undefined' ? Buffer.from(s, 'utf8') : new TextEncoder().encode(s);
}

/**
 * Addresses of a connection, from either shape the server may pass:
 * {remoteAddress, remotePort, localAddress, localPort} (node:net names) or
 * {peer: {address, port}, host: {address, port}, secure} (js/connection.js).
 */
function pickInfo(info) {
  const out = {};
  if (!info || typeof info !== 'object') return out;
  const put = (k, v) => { if (typeof v === 'string' || typeof v === 'number') out[k] = v; };
  put('remoteAddress', info.remoteAddress ?? info.peer?.address);
  put('remotePort', info.remotePort ?? info.peer?.port);
  put('localAddress', info.localAddress ?? info.host?.address);
  put('localPort', info.localPort ?? info.host?.port);
  if (typeof info.secure === 'boolean') out.secure = info.secure;
  return out;
}

const bare = (a) => String(a).replace(/^::ffff:/, '');

export class TraceHub {
  constructor(options = {}) {
    this.opts = { ...TRACE_DEFAULTS, ...options };
    this.ring = [];            // {ev, json, size}
    this.ringBytes = 0;
    this.nextConn = 1;
    this.conns = new Map();    // id -> {id, info, muted, partial}
    this.subscribers = new Set();
    this.heartbeat = null;
    this.dropped = 0;          // events evicted from the ring
  }

  /** Per-connection tap. Never throws. */
  tap(connInfo) {
    const conn = { id: this.nextConn++, info: pickInfo(connInfo), muted: false, partial: false, raw: connInfo };
    this.conns.set(conn.id, conn);
    this._emit({ k: 'open', c: conn.id, t: Date.now(), info: conn.info });
    const hub = this;
    let closed = false;
    return {
      id: conn.id,
      inbound(bytes) { hub._data(conn, 'c2s', bytes); },
      outbound(bytes) { hub._data(conn, 's2c', bytes); },
      closed() {
        if (closed) return;
        closed = true;
        try {
          hub._emit({ k: 'close', c: conn.id, t: Date.now() });
          hub.conns.delete(conn.id);
        } catch { /* never into the server */ }
      },
    };
  }

  _data(conn, dir, bytes) {
    try {
      if (conn.muted || !bytes || !bytes.byteLength) return;
      const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes.buffer ?? bytes, bytes.byteOffset ?? 0, bytes.byteLength);
      this._emit({ k: 'data', c: conn.id, t: Date.now(), d: dir, b: toBase64(u8) });
    } catch { /* never into the server */ }
  }

  _emit(ev) {
    const json = JSON.stringify(ev);
    const entry = { ev, json, size: json.length };
    this.ring.push(entry);
    this.ringBytes += entry.size;
    while (this.ring.length > 1 && (this.ring.length > this.opts.maxEvents || this.ringBytes > this.opts.maxBytes)) {
      const old = this.ring.shift();
      this.ringBytes -= old.size;
      this.dropped++;
      const c = this.conns.get(old.ev.c);
      if (c) c.partial = true;
    }
    if (this.subscribers.size) {
      const frame = encodeText(`data: ${json}\n\n`);
      for (const sub of this.subscribers) {
        if (sub.conn === ev.c) continue; // a trace stream never traces itself
        this._send(sub, frame);
      }
    }
  }

  _send(sub, bytes) {
    try {
      if (sub.paused) {
        // The stream is flow-blocked: hold a bounded amount, then give up on
        // this subscriber rather than let the server's memory grow.
        sub.pending.push(bytes);
        sub.pendingBytes += bytes.length;
        if (sub.pendingBytes > this.opts.maxPendingBytes) this._drop(sub);
        return;
      }
      const r = sub.stream.write(bytes);
      if (r === false) sub.pressure++;
      if (sub.pressure > 1000) this._drop(sub);
    } catch {
      this._drop(sub);
    }
  }

  _resume(sub) {
    sub.paused = false;
    const pending = sub.pending;
    sub.pending = [];
    sub.pendingBytes = 0;
    for (const b of pending) this._send(sub, b);
  }

  _drop(sub) {
    if (!this.subscribers.delete(sub)) return;
    try { sub.stream.loseConnection(); } catch { /* already gone */ }
    this._unmute(sub.conn);
    if (!this.subscribers.size && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }

  _unmute(connId) {
    if (connId == null) return;
    for (const s of this.subscribers) if (s.conn === connId) return;
    const c = this.conns.get(connId);
    if (c) c.muted = false;
  }

  /**
   * Which tapped connection a stream belongs to, so its own bytes are not
   * traced (that would feed back forever). Tries, in order: an explicit
   * tap handle or id, then stream.connInfo / stream.connection identity,
   * then the peer address and port.
   */
  _connOf(stream, via) {
    const want = via?.id ?? via;
    if (typeof want === 'number' && this.conns.has(want)) return want;
    const cands = [stream?.connInfo, stream?.connection, stream?.conn, stream?.socket, stream?.transport];
    for (const [id, c] of this.conns) {
      if (cands.some((x) => x != null && x === c.raw)) return id;
    }
    let peer;
    try { peer = stream?.getPeer?.() ?? null; } catch { peer = null; }
    if (peer == null) return null;
    // js/stream.js: getPeer() is the very object the connection passed to tap() as `peer`.
    for (const [id, c] of this.conns) if (c.raw?.peer === peer) return id;
    const addr = peer.address ?? peer.remoteAddress ?? peer.host;
    const port = peer.port ?? peer.remotePort;
    if (addr != null && port != null) {
      for (const [id, c] of this.conns) {
        if (c.info.remotePort === port && bare(c.info.remoteAddress) === bare(addr)) return id;
      }
    }
    return null;
  }

  /**
   * Serve GET /_trace on an H2Stream as text/event-stream. `via` (optional):
   * the tap handle (or its id) of the connection the request came on.
   * Returns callbacks for the request: connectionLost(reason).
   */
  handle(stream, via) {
    const sub = { stream, conn: null, pressure: 0, paused: false, pending: [], pendingBytes: 0 };
    try {
      if (this.subscribers.size >= this.opts.maxSubscribers) {
        stream.writeHeaders(503, [['content-type', 'text/plain'], ['retry-after', '5']]);
        stream.write(encodeText('too many trace subscribers\n'));
        stream.loseConnection();
        return { connectionLost() {} };
      }
      sub.conn = this._connOf(stream, via);
      if (sub.conn != null) {
        const c = this.conns.get(sub.conn);
        if (c) c.muted = true;
      }
      stream.writeHeaders(200, [
        ['content-type', 'text/event-stream; charset=utf-8'],
        ['cache-control', 'no-store'],
        ['access-control-allow-origin', '*'],
      ]);
      this.subscribers.add(sub);
      // Follow the stream's flow control when it offers the producer API (js/stream.js does).
      if (typeof stream.registerProducer === 'function') {
        const hub = this;
        try {
          stream.registerProducer({
            pauseProducing() { sub.paused = true; },
            resumeProducing() { if (sub.paused) hub._resume(sub); },
            stopProducing() { hub._drop(sub); },
          }, true);
        } catch { /* not fatal: write without it */ }
      }
      // Replay the ring so connections already under way can be decoded.
      const partial = new Set();
      for (const c of this.conns.values()) if (c.partial) partial.add(c.id);
      let text = `retry: 2000\ndata: ${JSON.stringify({ k: 'hello', t: Date.now(), capacity: { events: this.opts.maxEvents, bytes: this.opts.maxBytes } })}\n\n`;
      for (const id of partial) text += `data: {"k":"partial","c":${id}}\n\n`;
      const seenOpen = new Set();
      for (const { ev, json } of this.ring) {
        if (ev.c === sub.conn) continue;
        if (ev.k === 'open') seenOpen.add(ev.c);
        else if (!seenOpen.has(ev.c) && !partial.has(ev.c)) {
          partial.add(ev.c);
          text += `data: {"k":"partial","c":${ev.c}}\n\n`;
        }
        text += `data: ${json}\n\n`;
      }
      this._send(sub, encodeText(text));
      if (!this.heartbeat && this.opts.heartbeatMs > 0) {
        this.heartbeat = setInterval(() => {
          const ping = encodeText(': keep-alive\n\n');
          for (const s of this.subscribers) this._send(s, ping);
        }, this.opts.heartbeatMs);
        this.heartbeat.unref?.();
      }
    } catch {
      this._drop(sub);
    }
    const hub = this;
    return {
      connectionLost() { hub.subscribers.delete(sub); hub._unmute(sub.conn); },
    };
  }

  /** The ring as JSON lines (the trace file format the page opens). */
  dump() {
    return this.ring.map((e) => e.json).join('\n') + (this.ring.length ? '\n' : '');
  }

  /** Stop timers and drop subscribers (server shutdown). */
  close() {
    for (const s of [...this.subscribers]) this._drop(s);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}
