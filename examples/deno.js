// h2wasm on Deno: h2c over Deno.listen. Only --allow-net is needed: under Deno the package
// takes its compiled wasm through an import, so it needs no read permission.
//   deno install npm:h2wasm   (or npm install h2wasm)
//   deno run --allow-net deno.js [port]
//   curl --http2-prior-knowledge http://127.0.0.1:8080/
import { serveConnection, fromDenoConn, toFetchFactory } from 'h2wasm';

const factory = toFetchFactory(async (request) => {
  if (request.method === 'POST' && new URL(request.url).pathname === '/echo') {
    return new Response(request.body, { headers: { 'content-type': 'application/octet-stream' } });
  }
  return new Response(`hello from h2wasm on Deno ${Deno.version.deno}\n`);
});

const listener = Deno.listen({ hostname: '127.0.0.1', port: Number(Deno.args[0] ?? 8080) });
console.log(`h2wasm: deno serving h2c on http://127.0.0.1:${listener.addr.port}/`);
for await (const conn of listener) serveConnection(fromDenoConn(conn), {}, factory);
