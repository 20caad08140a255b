// Type-checked by `deno check` against the packed package's js/index.d.ts and js/wasm.d.ts
// (tests/runtimes/types.test.js): the runtime entry points and adapters as users call them.
import wasm from 'h2wasm/wasm';
import {
  bunSocketHandlers, connect, engineReady, fromBunSocket, fromDenoConn, fromWebTransportStream, fromWorkersSocket,
  init, INIT_ERROR_CODES, InitError, serveConnection, toFetchFactory,
} from 'h2wasm';
import type { ClientSession, H2Connection, RuntimeStreamPair } from 'h2wasm';

await init(wasm);
const ready: boolean = engineReady();
const factory = toFetchFactory(async (request: Request) => new Response(request.body));

export async function denoServer(listener: Deno.Listener): Promise<void> {
  for await (const conn of listener) {
    try {
      const c: H2Connection = serveConnection(fromDenoConn(conn), {}, factory);
      await c.closedPromise;
    } catch (e) {
      if (e instanceof InitError && e.code === INIT_ERROR_CODES.NOT_READY) throw e;
    }
  }
}

/** The client role over a runtime's socket, as examples/deno-client.js uses it. */
export async function denoClient(hostname: string, port: number): Promise<number> {
  const session: ClientSession = await connect(fromDenoConn(await Deno.connect({ hostname, port })), { authority: `${hostname}:${port}` });
  const res: Response = await session.fetch('/echo', { method: 'POST', body: new Uint8Array(8) });
  await session.close();
  return res.status;
}

const bunHandlers = bunSocketHandlers((socket) => serveConnection(fromBunSocket(socket), {}, factory));
const t = new TransformStream<Uint8Array, Uint8Array>();
const pairs: RuntimeStreamPair[] = [
  fromWebTransportStream({ readable: t.readable, writable: t.writable }),
  fromWorkersSocket({ readable: t.readable, writable: t.writable, opened: Promise.resolve({ remoteAddress: '127.0.0.1:1' }) }, { secure: true }),
];
export const facts = { ready, bunHandlers, pairs, secure: pairs[0].secure };
