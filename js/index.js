// h2wasm: HTTP/2 server engine (Rust → wasm) with a Twisted H2Stream-style API.

import { H2Connection } from './connection.js';
import { nodeSocketTransport, webStreamTransport } from './transport.js';
import { H2Error, ERROR_CODES, codeName } from './errors.js';
import { init } from './engine.js';
import { serve, toFetchFactory } from './fetch.js';
import { engineConfig, tlsOptions, LIMIT_NAMES, SETTINGS_NAMES } from './options.js';

export { H2Error, ERROR_CODES, codeName, init, serve, toFetchFactory, H2Connection, LIMIT_NAMES, SETTINGS_NAMES };
export { H2Stream } from './stream.js';

/**
 * Serve HTTP/2 on one transport: a Node socket or a WHATWG {readable, writable} pair.
 * Returns the H2Connection (`closed` resolves when it ends).
 */
export function serveConnection(transport, options = {}, requestFactory) {
  if (typeof options === 'function') { requestFactory = options; options = {}; }
  engineConfig(options); // bad limits/settings throw here, before the transport is touched
  const t = (typeof transport.on === 'function' && typeof transport.write === 'function')
    ? nodeSocketTransport(transport)
    : webStreamTransport(transport, options);
  const conn = new H2Connection(t, options, requestFactory);
  if (!conn._closed) t.start();
  return conn;
}

/**
 * A Node server: h2c prior knowledge, or TLS with ALPN h2 when `options.tls`, `cert`, `key` or `pfx` is given
 * (js/options.js tlsOptions).
 * `listen(port, host)` resolves with the address; `close()` sends GOAWAY and waits for streams to finish.
 */
export function createServer(options = {}, requestFactory) {
  if (typeof options === 'function') { requestFactory = options; options = {}; }
  engineConfig(options); // TypeError/RangeError for unknown names and bad limits/settings, at createServer time
  const tlsServerOptions = tlsOptions(options);
  const gb = globalThis.process?.getBuiltinModule;
  if (!gb) throw new Error('createServer needs Node (use serveConnection elsewhere)');
  const conns = new Set();
  const onSocket = (socket) => {
    if (options.secure !== false && socket.encrypted && socket.alpnProtocol !== 'h2') {
      socket.destroy();
      return;
    }
    const c = serveConnection(socket, options, requestFactory);
    if (!c._closed) { conns.add(c); c._set = conns; } // H2Connection removes itself when it closes
  };
  let server;
  if (tlsServerOptions) {
    const tls = gb('node:tls');
    server = tls.createServer(tlsServerOptions, onSocket);
  } else {
    const net = gb('node:net');
    server = net.createServer(onSocket);
  }
  server.on('error', (e) => options.onError?.(e));
  return {
    server,
    connections: conns,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => { server.off('error', reject); resolve(server.address()); });
      });
    },
    address() { return server.address(); },
    /** Graceful: stop accepting, GOAWAY every connection, resolve when all are closed. */
    close() {
      const done = new Promise((r) => server.close(() => r()));
      for (const c of conns) c.shutdown();
      return Promise.all([done, ...[...conns].map((c) => c.closedPromise)]).then(() => {});
    },
  };
}

// HTTP/2 client (js/client.js): connect(url | transport) → ClientSession; a pooled module-level fetch.
export { connect, fetch, closeAllSessions, ClientSession, ClientStream } from './client.js';
