// h2wasm's HTTP/2 client on Deno: h2c (prior knowledge) over Deno.connect, through the
// fromDenoConn adapter. Only --allow-net is needed.
//   deno run --allow-net deno-client.js http://127.0.0.1:8080/
// (against any h2c server with an /echo route, e.g. `node node.js` from this directory)
import { connect, fromDenoConn } from 'h2wasm';
import { getAndEcho } from './client-check.js';

const url = new URL(Deno.args[0] ?? 'http://127.0.0.1:8080/');
const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port || 80) });
const session = await connect(fromDenoConn(conn), { authority: url.host });
console.log(`h2wasm client on Deno ${Deno.version.deno}: ${JSON.stringify(await getAndEcho(session))}`);
await session.close();
