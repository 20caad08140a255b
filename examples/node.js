// h2wasm on Node: h2c (HTTP/2 over cleartext TCP, prior knowledge).
//   npm install h2wasm && node node.js [port]
//   curl --http2-prior-knowledge http://127.0.0.1:8080/
//   curl --http2-prior-knowledge --data-binary @file http://127.0.0.1:8080/echo
import { serve } from 'h2wasm';

const server = serve({}, async (request) => {
  if (request.method === 'POST' && new URL(request.url).pathname === '/echo') {
    return new Response(request.body, { headers: { 'content-type': 'application/octet-stream' } });
  }
  return new Response(`hello from h2wasm on Node ${process.version}\n`);
});

const { port } = await server.listen(Number(process.argv[2] ?? 8080), '127.0.0.1');
console.log(`h2wasm: node serving h2c on http://127.0.0.1:${port}/`);
const stop = () => server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
