#!/usr/bin/env node
// CPU per request of the fetch-style layer alone (js/fetch.js + the bench handler), with
// no socket, no wasm and no client: real H2Streams over a stand-in connection that takes
// every command and drops it. The same request block as h2load's GET /, 100 requests per
// batch (h2load -m 100), a macrotask between batches so every handler promise settles.
// CPU time (process.cpuUsage, GC included) is steadier than req/s on a shared machine,
// and with --ab the two builds run alternately in one process.
//
//   node bench/micro/fetch-layer.mjs [--n REQUESTS] [--rounds R] [--ab DIR]
//     columns: stream = a stream-API factory answering directly (the floor of this harness),
//     fetch = serve()'s factory with the global Response, lazy = the same with LazyResponse;
//     --ab DIR adds fetch@ab and lazy@ab from another checkout's js/ (e.g. a git worktree).
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const N = Number(opt('--n', 200000));
const ROUNDS = Number(opt('--rounds', 5));
const AB = opt('--ab', null);

async function load(root) {
  const js = (f) => import(pathToFileURL(path.join(root, 'js', f)).href);
  const [{ toFetchFactory, LazyResponse }, { H2Stream }] = await Promise.all([js('index.js'), js('stream.js')]);
  return { toFetchFactory, LazyResponse, H2Stream };
}

/** A request's fields packed as the engine hands them over: [u32 nlen][u32 vlen][name][value]… */
function pack(fields) {
  const parts = [];
  for (const [n, v] of fields) {
    const nb = Buffer.from(n, 'latin1'), vb = Buffer.from(v, 'latin1');
    const h = Buffer.alloc(8);
    h.writeUInt32LE(nb.length, 0); h.writeUInt32LE(vb.length, 4);
    parts.push(h, nb, vb);
  }
  return new Uint8Array(Buffer.concat(parts));
}
const BLOCK = pack([[':method', 'GET'], [':path', '/'], [':scheme', 'http'], [':authority', '127.0.0.1:40000'],
  ['user-agent', 'h2load nghttp2/1.52.0'], ['accept-encoding', 'gzip, deflate']]);

/** What H2Stream calls on its connection, each command taken and dropped. */
const conn = {
  peer: { host: '127.0.0.1', port: 1 }, host: null, secure: false, _socketBlocked: false, written: 0,
  _eng: { sendHeaders: () => 0, sendTrailers: () => 0, resetStream: () => 0 },
  _kick() {}, _afterCommand() {}, _consumed() {}, _schedulePull() {},
  _queueData(s, b) { if (b) this.written += b.length; },
};

const SMALL = new Uint8Array(Buffer.from('hello world\n'));

/** The bench/servers/h2wasm-fetch.js route for GET /, with the given Response class. */
function handlerWith(R) {
  return async (request) => {
    const url = request.url;
    const start = url.indexOf('/', url.indexOf('://') + 3);
    const q = url.indexOf('?', start);
    const pathname = q < 0 ? url.slice(start) : url.slice(start, q);
    if (request.method === 'GET' && pathname === '/') return new R(SMALL, { headers: { 'content-type': 'text/plain' } });
    return new R(null, { status: 404 });
  };
}

function streamFactory(stream) {
  stream.writeHeaders(200, [['content-type', 'text/plain']]);
  stream.write(SMALL);
  stream.loseConnection();
  return null;
}

async function run(H2Stream, factory) {
  let id = 1;
  const t0 = process.cpuUsage();
  for (let done = 0; done < N; done += 100) {
    for (let k = 0; k < 100; k++) {
      const st = new H2Stream(conn, id += 2, BLOCK.slice(), true);
      st._request = factory(st) ?? null;
      st._end();
    }
    await new Promise((r) => setImmediate(r));
  }
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / N;
}

const ours = await load(path.join(HERE, '..', '..'));
const columns = [
  ['stream', ours.H2Stream, streamFactory],
  ['fetch', ours.H2Stream, ours.toFetchFactory(handlerWith(Response))],
  ['lazy', ours.H2Stream, ours.toFetchFactory(handlerWith(ours.LazyResponse))],
];
if (AB) {
  const ab = await load(path.resolve(AB));
  columns.push(['fetch@ab', ab.H2Stream, ab.toFetchFactory(handlerWith(Response))]);
  columns.push(['lazy@ab', ab.H2Stream, ab.toFetchFactory(handlerWith(ab.LazyResponse))]);
}
const results = Object.fromEntries(columns.map(([name]) => [name, []]));
for (const [, H, f] of columns) await run(H, f); // warm-up: JIT
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 ? [...columns].reverse() : columns;
  for (const [name, H, f] of order) results[name].push(await run(H, f));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`fetch layer, CPU µs per GET / (median of ${ROUNDS} rounds of ${N} requests; min in brackets)`);
for (const [name] of columns) {
  console.log(`  ${name.padEnd(10)} ${median(results[name]).toFixed(2).padStart(6)}  (${Math.min(...results[name]).toFixed(2)})`);
}
