// h2wasm's HTTP/2 client on Bun: h2c (prior knowledge) over Bun.connect, through the
// fromBunSocket adapter and its bunSocketHandlers. (node:net sockets work too, like in Node.)
//   bun bun-client.js http://127.0.0.1:8080/
// (against any h2c server with an /echo route, e.g. `bun bun.js` from this directory)
import { connect, fromBunSocket, bunSocketHandlers } from 'h2wasm';
import { getAndEcho } from './client-check.js';

const url = new URL(process.argv[2] ?? 'http://127.0.0.1:8080/');
let pair = null;
await Bun.connect({
  hostname: url.hostname,
  port: Number(url.port || 80),
  socket: bunSocketHandlers((socket) => { pair = fromBunSocket(socket); }),
});
const session = await connect(pair, { authority: url.host });
console.log(`h2wasm client on Bun ${Bun.version}: ${JSON.stringify(await getAndEcho(session))}`);
await session.close();
