// h2wasm: HTTP/2 server engine (Rust → wasm) with a Twisted H2Stream-style API.

import { H2Connection } from './connection.js';
import { nodeSocketTransport, webStreamTransport } from './transport.js';
import { H2Error, ERROR_CODES, codeName, InitError, INIT_ERROR_CODES } from './errors.js';
import { init, engineReady, assertEngineReady } from './engine.js';
import { serve, toFetchFactory, LazyResponse } from './fetch.js';
import { engineConfig, tlsOptions, budgetConfig, LIMIT_NAMES, SETTINGS_NAMES, BUDGET_NAMES } from './options.js';
import { PeerBudget } from './budget.js';
import { reportAppError } from './log.js';
import { Http1Side, serveHttp1Request } from './http1.js';
import { kClosed, kConnectionSet, kHub, kBudget, kAbuse } from './symbols.js';

export {
  H2Error, ERROR_CODES, codeName, InitError, INIT_ERROR_CODES, init, engineReady, serve, toFetchFactory, LazyResponse, H2Connection,
  LIMIT_NAMES, SETTINGS_NAMES, BUDGET_NAMES,
};
export { H2Stream } from './stream.js';
export { H2_ERROR_CODES, StreamResetError, ConnectionClosedError, InvalidCommandError, WasmTrapError } from './errors.js';
export { fromDenoConn, fromBunSocket, bunSocketHandlers, fromWorkersSocket, fromWebTransportStream } from './adapters.js';

/**
 * Serve HTTP/2 on one transport: a Node socket or a WHATWG {readable, writable} pair.
 * Returns the H2Connection (`closed` resolves when it ends).
 */
export function serveConnection(transport, options = {}, requestFactory) {
  if (typeof options === 'function') { requestFactory = options; options = {}; }
  engineConfig(options); // bad limits/settings throw here, before the transport is touched
  assertEngineReady(); // InitError NOT_READY now, not later on closedPromise
  const t = (typeof transport.on === 'function' && typeof transport.write === 'function')
    ? nodeSocketTransport(transport)
    : webStreamTransport(transport, options);
  const conn = new H2Connection(t, options, requestFactory);
  if (!conn[kClosed]) t.start();
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
  const { EventEmitter } = gb('node:events');
  const conns = new Set();
  // The object returned: an EventEmitter ('abuse') with the server's budgets and counters.
  const hub = new EventEmitter();
  hub[kBudget] = new PeerBudget(budgetConfig(options));
  /** GOAWAY(ENHANCE_YOUR_CALM) decisions by rule, and peer-caused errors kept out of the logs. */
  hub.metrics = { calmed: 0, calmedByRule: Object.create(null), peerClosedErrors: 0 };
  hub[kAbuse] = (info) => {
    hub.metrics.calmed++;
    hub.metrics.calmedByRule[info.rule] = (hub.metrics.calmedByRule[info.rule] ?? 0) + 1;
    hub.emit('abuse', info);
  };
  /** Track an HTTP/2 connection: graceful close, and the budgets across connections. */
  const adopt = (c) => { // H2Connection removes itself from both when it closes
    conns.add(c); c[kConnectionSet] = conns;
    c[kHub] = hub; hub[kBudget].add(c);
  };
  const serveH2 = (socket) => {
    const c = serveConnection(socket, options, requestFactory);
    if (!c[kClosed]) adopt(c);
  };
  // allowHTTP1 (default false, as in node:http2): HTTP/1.1 sockets go to Node's http server (js/http1.js).
  const h1 = options.allowHTTP1 ? new Http1Side(options, {
    onRequest: (req, res) => serveHttp1Request(req, res, requestFactory, options),
    onH2: serveH2,
    h2Factory: requestFactory,
    onH2Connection: adopt, // h2c Upgrade
  }) : null;
  const onSocket = (socket) => {
    if (options.secure !== false && socket.encrypted && socket.alpnProtocol !== 'h2') {
      if (h1) h1.serve(socket); else socket.destroy();
      return;
    }
    if (h1 && !socket.encrypted) h1.route(socket); else serveH2(socket);
  };
  let server;
  if (tlsServerOptions) {
    const tls = gb('node:tls');
    if (h1) tlsServerOptions.ALPNProtocols = ['h2', 'http/1.1'];
    server = tls.createServer(tlsServerOptions, onSocket);
  } else {
    const net = gb('node:net');
    server = net.createServer(onSocket);
  }
  server.on('error', (e) => reportAppError(options, e, 'server'));
  return Object.assign(hub, {
    server,
    connections: conns,
    listen(port = 0, host = '127.0.0.1') {
      assertEngineReady(); // thrown here: a server that accepts and then fails every connection is worse
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
      h1?.close();
      return Promise.all([done, h1?.closed(), ...[...conns].map((c) => c.closedPromise)]).then(() => {});
    },
  });
}

// HTTP/2 client (js/client.js): connect(url | transport) → ClientSession; a pooled module-level fetch.
export { connect, fetch, closeAllSessions, ClientSession, ClientStream } from './client.js';
