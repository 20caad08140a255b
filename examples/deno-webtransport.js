// h2wasm over WebTransport (HTTP/3) in Deno: each bidirectional stream of a WebTransport
// session carries one HTTP/2 connection, served by h2wasm. Deno's QUIC API is unstable
// (--unstable-net); reading the certificate files needs --allow-read for those two files only.
//   deno run --unstable-net --allow-net --allow-read=cert.pem,key.pem deno-webtransport.js [port] [cert.pem] [key.pem]
// A page connects with `new WebTransport('https://127.0.0.1:4433/', { serverCertificateHashes })`
// (an ECDSA certificate valid for at most 14 days) and speaks HTTP/2 on
// `await wt.createBidirectionalStream()` (examples/browser.html does, with a tiny client).
import { serveConnection, fromWebTransportStream, toFetchFactory } from 'h2wasm';

const factory = toFetchFactory(async (request) => {
  if (request.method === 'POST' && new URL(request.url).pathname === '/echo') {
    return new Response(request.body, { headers: { 'content-type': 'application/octet-stream' } });
  }
  return new Response(`hello from h2wasm over WebTransport in Deno ${Deno.version.deno}\n`);
});

const [port = '4433', certFile = 'cert.pem', keyFile = 'key.pem'] = Deno.args;
const endpoint = new Deno.QuicEndpoint({ hostname: '127.0.0.1', port: Number(port) });
const listener = endpoint.listen({ cert: Deno.readTextFileSync(certFile), key: Deno.readTextFileSync(keyFile), alpnProtocols: ['h3'] });
console.log(`h2wasm: deno serving HTTP/2 over WebTransport on https://127.0.0.1:${endpoint.addr.port}/`);

async function session(incoming) {
  const conn = await incoming.accept();
  const peer = { address: conn.remoteAddr.hostname, port: conn.remoteAddr.port };
  const wt = await Deno.upgradeWebTransport(conn);
  await wt.ready;
  for await (const stream of wt.incomingBidirectionalStreams) serveConnection(fromWebTransportStream(stream, { peer }), {}, factory);
}

for await (const incoming of listener) session(incoming).catch((e) => console.error(`h2wasm: WebTransport session: ${e.message}`));
