// h2wasm on Bun: h2c over Bun.listen (Bun's own sockets; node:net works too, like examples/node.js).
//   bun add h2wasm   (or npm install h2wasm)
//   bun bun.js [port]
//   curl --http2-prior-knowledge http://127.0.0.1:8080/
import { serveConnection, fromBunSocket, bunSocketHandlers, toFetchFactory } from 'h2wasm';

const factory = toFetchFactory(async (request) => {
  if (request.method === 'POST' && new URL(request.url).pathname === '/echo') {
    return new Response(request.body, { headers: { 'content-type': 'application/octet-stream' } });
  }
  return new Response(`hello from h2wasm on Bun ${Bun.version}\n`);
});

const listener = Bun.listen({
  hostname: '127.0.0.1',
  port: Number(process.argv[2] ?? 8080),
  socket: bunSocketHandlers((socket) => serveConnection(fromBunSocket(socket), {}, factory)),
});
console.log(`h2wasm: bun serving h2c on http://127.0.0.1:${listener.port}/`);
