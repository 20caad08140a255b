// h2wasm in a Cloudflare Worker (workerd): HTTP/2 served from the Worker's `connect()`
// handler on a raw TCP socket (h2c, and TLS where workerd's socket has tlsOptions), with a
// gRPC method next to ordinary routes. The `fetch()` handler runs the engine over an
// in-memory stream pair and reports what a tiny hand-written client got back; its
// `GET /client?port=N` runs h2wasm's client over an outbound `cloudflare:sockets` socket to
// an h2c server on 127.0.0.1:N (config.capnp's "internet" service allows loopback addresses).
//
//   npx wrangler deploy --dry-run --outdir dist    (bundles worker.js + the .wasm, see wrangler.toml)
//   npx workerd serve config.capnp                 (h2c on 127.0.0.1:8081, fetch on :8080)
//   curl --http2-prior-knowledge http://127.0.0.1:8081/
import { connect as openSocket } from 'cloudflare:sockets';
import wasm from 'h2wasm/wasm';
import { init, serveConnection, connect, fromWorkersSocket, toFetchFactory } from 'h2wasm';
import { miniRequest } from '../mini-h2-client.js';
import { getAndEcho } from '../client-check.js';

// Workers may not compile wasm from bytes at run time: the module comes in compiled, through the import.
const ready = init(wasm);

const fetchStyle = toFetchFactory(async (request) => {
  if (request.method === 'POST' && new URL(request.url).pathname === '/echo') {
    return new Response(request.body, { headers: { 'content-type': 'application/octet-stream' } });
  }
  return new Response(`hello from h2wasm in workerd (${request.url})\n`);
});

// ---- gRPC: /h2wasm.Echo/Say, request and reply are `message Text { string text = 1; }` ----
// One string field is 2 + n bytes of protobuf, written by hand below rather than with a
// protobuf library.
const GRPC_SAY = '/h2wasm.Echo/Say';

function varint(n) {
  const out = [];
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}

/** Field 1 (string) of a protobuf message; '' when absent. */
function readText(msg) {
  let at = 0;
  while (at < msg.length) {
    const tag = msg[at++];
    let len = 0, shift = 1;
    for (;;) { const b = msg[at++]; len += (b & 0x7f) * shift; shift *= 128; if (b < 0x80) break; }
    if (tag === 0x0a) return new TextDecoder().decode(msg.subarray(at, at + len));
    at += len; // only length-delimited fields are expected here
  }
  return '';
}

function grpcFrame(text) {
  const body = new TextEncoder().encode(text);
  const msg = Uint8Array.from([0x0a, ...varint(body.length), ...body]);
  const frame = new Uint8Array(5 + msg.length);
  new DataView(frame.buffer).setUint32(1, msg.length); // byte 0: not compressed
  frame.set(msg, 5);
  return frame;
}

function grpcSay(stream) {
  const parts = [];
  return {
    dataReceived(chunk) { parts.push(chunk.slice()); },
    requestReceived() {
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) { all.set(p, at); at += p.length; }
      const len = all.length >= 5 ? new DataView(all.buffer).getUint32(1) : 0;
      stream.writeHeaders(200, { 'content-type': 'application/grpc+proto' });
      stream.write(grpcFrame(`h2wasm says: ${readText(all.subarray(5, 5 + len))}`));
      stream.writeTrailers({ 'grpc-status': '0' });
    },
  };
}

const factory = (stream) => (stream.path === GRPC_SAY ? grpcSay(stream) : fetchStyle(stream));

/** One HTTP/2 connection on a socket; the handler stays alive until the connection ends. */
async function serveSocket(socket, secure) {
  await ready;
  const conn = serveConnection(fromWorkersSocket(socket, { secure }), {}, factory);
  await conn.closedPromise;
}

// ---- the fetch() self-test: the engine on an in-memory stream pair ----
async function selfTest() {
  const toServer = new TransformStream(), toClient = new TransformStream();
  const conn = serveConnection({ readable: toServer.readable, writable: toClient.writable }, {}, factory);
  const res = await miniRequest({ readable: toClient.readable, writable: toServer.writable }, { authority: 'selftest' });
  conn.shutdown();
  return { status: res.status, body: new TextDecoder().decode(res.body), frames: res.frames };
}

// ---- the client role: h2c over an outbound socket ----
async function clientTo(port) {
  const socket = openSocket({ hostname: '127.0.0.1', port });
  const session = await connect(fromWorkersSocket(socket), { authority: `127.0.0.1:${port}` });
  try {
    return await getAndEcho(session);
  } finally {
    await session.close();
  }
}

export default {
  async connect(socket) { await serveSocket(socket, false); },
  async fetch(request) {
    await ready;
    const url = new URL(request.url);
    if (url.pathname === '/selftest') return Response.json(await selfTest());
    if (url.pathname === '/client') return Response.json(await clientTo(Number(url.searchParams.get('port'))));
    return new Response('h2wasm worker: HTTP/2 is on the tcp socket; GET /selftest runs the engine on a stream pair\n');
  },
};

/** The entrypoint of the TLS socket (config-tls.capnp): workerd has decrypted the bytes already. */
export const tls = {
  async connect(socket) { await serveSocket(socket, true); },
};
