// Byte transports: Node net/tls sockets and WHATWG {readable, writable} pairs.
// Each adapter gives H2Connection the same small surface.

function addr(a, p, f) { return a === undefined ? null : { address: a, port: p, family: f }; }

/** Node net.Socket / tls.TLSSocket. write() returns false when the socket buffer is full. */
export function nodeSocketTransport(socket) {
  const secure = !!socket.encrypted;
  return {
    secure,
    peer: addr(socket.remoteAddress, socket.remotePort, socket.remoteFamily),
    host: addr(socket.localAddress, socket.localPort, socket.localFamily),
    write(list) {
      if (socket.destroyed || !socket.writable) return true;
      let ok = true;
      socket.cork();
      for (const b of list) ok = socket.write(b);
      socket.uncork();
      return ok;
    },
    onDrain(cb) { socket.on('drain', cb); },
    pauseReading() { socket.pause(); },
    resumeReading() { socket.resume(); },
    // After our final GOAWAY: flush what is queued, stop reading, and close the
    // socket for good once the write side has finished (or after a 1 s linger
    // if the peer does not read). Half-closing alone would let a peer keep
    // streaming into a dead connection (CONTINUATION/empty-frame floods).
    end() {
      if (socket.destroyed) return;
      socket.pause();
      const linger = setTimeout(() => socket.destroy(), 1000);
      linger.unref?.();
      socket.end(() => { clearTimeout(linger); socket.destroy(); });
    },
    destroy() { socket.destroy(); },
    start(conn) {
      socket.setNoDelay?.(true);
      socket.on('data', (c) => conn.receive(c));
      socket.on('error', (e) => conn.transportClosed(e));
      socket.on('close', () => conn.transportClosed(null));
      socket.on('end', () => conn.transportClosed(null));
    },
  };
}

/** Any WHATWG byte-stream pair (WebTransport bidi stream, Deno/Workers sockets, TransformStreams). */
export function webStreamTransport(pair, info = {}) {
  const writer = pair.writable.getWriter();
  const reader = pair.readable.getReader();
  let drainCb = () => {};
  let paused = false;
  let wake = null;
  let closed = false;
  return {
    secure: !!info.secure,
    peer: info.peer ?? null,
    host: info.host ?? null,
    write(list) {
      if (closed) return true;
      for (const b of list) writer.write(b).catch(() => {});
      if (writer.desiredSize !== null && writer.desiredSize <= 0) {
        writer.ready.then(() => drainCb(), () => {});
        return false;
      }
      return true;
    },
    onDrain(cb) { drainCb = cb; },
    pauseReading() { paused = true; },
    resumeReading() { paused = false; wake?.(); wake = null; },
    end() { if (!closed) { closed = true; writer.close().catch(() => {}); reader.cancel().catch(() => {}); } },
    destroy() { if (!closed) { closed = true; writer.abort().catch(() => {}); reader.cancel().catch(() => {}); } },
    start(conn) {
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
