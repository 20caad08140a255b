// Runtime socket adapters: each turns one runtime's socket into the WHATWG
// {readable, writable} pair that serveConnection takes, plus the peer/host/secure
// facts the stream API reports (H2Stream.getPeer/getHost/isSecure).
// Nothing here runs at load time, so this module loads in every runtime.

/** "1.2.3.4:80" / "[::1]:80" → {address, port}; null when there is nothing to parse. */
function parseHostPort(s) {
  if (typeof s !== 'string' || s === '') return null;
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(s);
  return m ? { address: m[1], port: Number(m[2]) } : { address: s, port: 0 };
}

function denoAddr(a) {
  return a && a.hostname !== undefined ? { address: a.hostname, port: a.port, family: a.hostname.includes(':') ? 'IPv6' : 'IPv4' } : null;
}

/**
 * Deno.Conn or Deno.TlsConn (from Deno.listen / Deno.listenTls / Deno.connect): it already is a
 * stream pair; this adds its addresses and whether it is TLS, and turns Nagle off.
 */
export function fromDenoConn(conn) {
  try { conn.setNoDelay?.(true); } catch { /* not a TCP conn */ }
  return {
    readable: conn.readable,
    writable: conn.writable,
    peer: denoAddr(conn.remoteAddr),
    host: denoAddr(conn.localAddr),
    secure: typeof conn.handshake === 'function', // only Deno.TlsConn has handshake()
  };
}

/**
 * The Socket of `cloudflare:sockets` (`connect()`), or the one a Worker's `connect(socket)`
 * handler receives. Its addresses are known once `opened` resolves; `secure` says whether
 * the bytes were TLS on the wire (workerd decrypts a `tcp` socket with tlsOptions before
 * the handler sees it, so the socket itself cannot tell).
 */
export function fromWorkersSocket(socket, { secure = false } = {}) {
  const pair = { readable: socket.readable, writable: socket.writable, peer: null, host: null, secure };
  socket.opened?.then((info) => {
    pair.peer = parseHostPort(info?.remoteAddress);
    pair.host = parseHostPort(info?.localAddress);
  }, () => {});
  return pair;
}

/** A WebTransport bidirectional stream (`createBidirectionalStream()` or one from `incomingBidirectionalStreams`): always over QUIC+TLS. */
export function fromWebTransportStream(stream, { peer = null, host = null } = {}) {
  return { readable: stream.readable, writable: stream.writable, peer, host, secure: true };
}

// ---- Bun ----
// Bun.listen/Bun.connect take one handler object for all sockets, called with the socket;
// the per-socket state hangs off the socket under this symbol.
const kBun = Symbol('h2wasm.bunSocket');
// Bytes queued on the writable before writers see backpressure (socket.write in Bun does
// not buffer: what the kernel does not take waits here until `drain`).
const BUN_WRITE_HIGH_WATER = 64 * 1024;

/**
 * A Bun socket (from Bun.listen or Bun.connect) as a stream pair. Its events reach the pair
 * through the handlers of `bunSocketHandlers` (or your own handlers calling
 * `bunSocketHandlers().data(socket, chunk)` etc.).
 */
export function fromBunSocket(socket, { secure = false } = {}) {
  let controller = null;
  let unsent = null; // the rest of a chunk Bun's socket.write did not take
  let waiting = null; // {resolve, reject} of the write waiting for `drain`
  let done = false;
  const fail = (e) => { if (waiting) { waiting.reject(e); waiting = null; } unsent = null; };
  const state = {
    data(chunk) {
      if (done) return;
      controller.enqueue(chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk));
      if (controller.desiredSize <= 0) socket.pause?.();
    },
    drain() {
      if (!unsent) return;
      const n = socket.write(unsent);
      if (n < 0) { fail(new Error('socket closed')); return; }
      if (n >= unsent.length) { unsent = null; const w = waiting; waiting = null; w?.resolve(); } else unsent = unsent.subarray(n);
    },
    closed(err) {
      if (done) return;
      done = true;
      fail(err ?? new Error('socket closed'));
      try { if (err) controller.error(err); else controller.close(); } catch { /* already closed */ }
    },
  };
  socket[kBun] = state;
  const readable = new ReadableStream({
    start(c) { controller = c; },
    pull() { socket.resume?.(); },
    cancel() { done = true; socket.end(); },
  }, { highWaterMark: 8 });
  const writable = new WritableStream({
    write(chunk) {
      const n = socket.write(chunk);
      if (n < 0) throw new Error('socket closed');
      if (n >= chunk.length) return undefined;
      unsent = chunk.subarray(n);
      return new Promise((resolve, reject) => { waiting = { resolve, reject }; });
    },
    close() { socket.end(); },
    abort() { (socket.terminate ?? socket.end).call(socket); },
  }, { highWaterMark: BUN_WRITE_HIGH_WATER, size: (chunk) => chunk.byteLength });
  const peer = socket.remoteAddress ? { address: socket.remoteAddress, port: socket.remotePort ?? 0 } : null;
  const host = socket.localAddress ? { address: socket.localAddress, port: socket.localPort ?? 0 } : null;
  return { readable, writable, peer, host, secure };
}

/**
 * The `socket` handlers for Bun.listen / Bun.connect: `open(socket)` is yours (call
 * `serveConnection(fromBunSocket(socket), …)` there); the others feed the pair.
 */
export function bunSocketHandlers(open) {
  return {
    open,
    data(socket, chunk) { socket[kBun]?.data(chunk); },
    drain(socket) { socket[kBun]?.drain(); },
    end(socket) { socket[kBun]?.closed(null); },
    close(socket, err) { socket[kBun]?.closed(err ?? null); },
    error(socket, err) { socket[kBun]?.closed(err); },
  };
}
