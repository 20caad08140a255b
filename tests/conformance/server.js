// Server under test for the Rust conformance/attack suite (tests/conformance).
// Starts h2wasm through its public JS API on 127.0.0.1, port 0, prints
// `PORT <n>` on stdout. Options: JSON in env H2WASM_CONF_OPTIONS (merged into
// the createServer options, e.g. small limits or short timeouts).
// Exits when stdin closes, so it never outlives the test process.
//
// Routes:
//   GET  /           small body ("hello from h2wasm\n")
//   POST /echo       streams the request body back (trailers echoed as x-trailer-*)
//   GET  /big?n=N    N bytes (default 4 MiB) from a push producer
//   *    /hang       never answers; inbound paused (windows stay closed)
//   other            404

import { createServer } from '../../js/index.js';

// Limit/timeout overrides use the camelCase names of the engine's `Limits`
// fields (idleTimeoutMs, resetBurst, ...; maxConcurrentStreams for SETTINGS).
// They are passed both at the top level and as `limits`, whichever the
// package reads.
const overrides = JSON.parse(process.env.H2WASM_CONF_OPTIONS || '{}');
const options = Object.assign({}, overrides, { limits: Object.assign({}, overrides) });

const SMALL = Buffer.from('hello from h2wasm\n');

function parse(stream) {
  const p = String(stream.path || '/');
  const q = p.indexOf('?');
  const route = q < 0 ? p : p.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : p.slice(q + 1));
  return { route, params };
}

function bigProducer(stream, total) {
  const chunk = Buffer.alloc(16384, 0x61);
  let left = total;
  let paused = false;
  let stopped = false;
  const pump = () => {
    while (!paused && !stopped && left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      try {
        stream.write(n === chunk.length ? chunk : chunk.subarray(0, n));
      } catch {
        stopped = true;
        return;
      }
    }
    if (left === 0 && !stopped) {
      stopped = true;
      safe(() => stream.unregisterProducer());
      safe(() => stream.loseConnection());
    }
  };
  stream.registerProducer(
    {
      pauseProducing() { paused = true; },
      resumeProducing() { paused = false; setImmediate(pump); },
      stopProducing() { stopped = true; },
    },
    true,
  );
  setImmediate(pump);
}

// The peer may reset a stream (or the connection may die) between our
// callbacks; the API then throws on write. Attack tests do exactly that.
function safe(fn) {
  try { fn(); } catch { /* stream or connection already closed */ }
}

function requestFactory(stream) {
  let route = null;
  let params = null;
  let answered = false;
  return {
    headersReceived() {
      ({ route, params } = parse(stream));
      if (route === '/echo') {
        answered = true;
        safe(() => stream.writeHeaders(200, [['content-type', 'application/octet-stream']]));
      } else if (route === '/hang') {
        stream.pauseProducing();
      }
    },
    dataReceived(chunk) {
      if (route === '/echo') safe(() => stream.write(Buffer.from(chunk)));
    },
    trailersReceived(trailers) {
      if (route === '/echo') this._trailers = trailers;
    },
    requestReceived() {
      safe(() => this._respond());
    },
    _respond() {
      if (route === null) ({ route, params } = parse(stream));
      if (route === '/echo') {
        const t = this._trailers;
        if (t && typeof stream.writeTrailers === 'function') {
          const list = Array.isArray(t) ? t : Object.entries(t);
          stream.writeTrailers(list.map(([k, v]) => ['x-trailer-' + String(k), String(v)]));
        } else {
          stream.loseConnection();
        }
      } else if (route === '/') {
        answered = true;
        stream.writeHeaders(200, [['content-type', 'text/plain'], ['content-length', String(SMALL.length)]]);
        stream.write(SMALL);
        stream.loseConnection();
      } else if (route === '/big') {
        answered = true;
        const n = Number(params.get('n') || 4 * 1024 * 1024);
        stream.writeHeaders(200, [['content-type', 'application/octet-stream']]);
        bigProducer(stream, n);
      } else if (route === '/hang') {
        // never answer
      } else if (!answered) {
        stream.writeHeaders(404, [['content-type', 'text/plain']]);
        stream.write(Buffer.from('not found\n'));
        stream.loseConnection();
      }
    },
    connectionLost() {},
  };
}

async function main() {
  const server = createServer(options, requestFactory);
  const addr = await server.listen(0, '127.0.0.1');
  process.stdout.write(`PORT ${addr.port}\n`);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}

main().catch((e) => {
  console.error('server.js:', e);
  process.exit(1);
});
