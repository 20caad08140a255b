// Uses every export, member and option declared in js/index.d.ts, the way an application
// would, so `tsc --strict` (tests/types/tsconfig.json) fails when a declaration is missing,
// wrong, or too loose. Type-checked only, never run. `@ts-expect-error` lines are misuse the
// types must reject.
import {
  ERROR_CODES, codeName, H2Error, H2_ERROR_CODES, StreamResetError, ConnectionClosedError, InvalidCommandError, WasmTrapError,
  H2Stream, H2Connection, LIMIT_NAMES, SETTINGS_NAMES,
  createServer, serveConnection, serve, toFetchFactory, init,
  engineReady, INIT_ERROR_CODES, InitError, fromDenoConn, fromBunSocket, bunSocketHandlers, fromWorkersSocket,
  fromWebTransportStream, BUDGET_NAMES, LazyResponse, connect, fetch, closeAllSessions,
} from 'h2wasm';
import type {
  Address, ConnInfo, HeadersInit, Limits, PullProducer, PushProducer, Request, RequestFactory,
  RuntimeStreamPair, Budget, AbuseInfo, ClientOptions, ClientStreamError, ResponseHead, ClientStream, H2Response,
  ClientSession, Server, ServerOptions, Settings, Tap, WebStreamPair, H2ErrorCode,
} from 'h2wasm';

// ---- errors
const cancel: number = ERROR_CODES.CANCEL;
const names: string[] = [codeName(ERROR_CODES.PROTOCOL_ERROR), codeName(0xff)];
const err = new H2Error(ERROR_CODES.ENHANCE_YOUR_CALM, 'calm down', { cause: new Error('why') });
const fromCode = new H2Error(ERROR_CODES.NO_ERROR);
const errorFields: [string, number, string, boolean, string] =
  [err.code, err.errorCode, err.codeName, err.remote, fromCode.message];
const isError: Error = err;
// @ts-expect-error the code is read-only
err.code = 'ERR_H2WASM_HTTP2';
// @ts-expect-error the code is a string now; the HTTP/2 number is errorCode
const oldStyle: number = err.code;
const reset = new StreamResetError(ERROR_CODES.CANCEL, 'reset', { remote: true, unsent: 3 });
const resetFields: [typeof H2_ERROR_CODES.STREAM_RESET, number, boolean, boolean, boolean, boolean] =
  [reset.code, reset.unsent, reset.expired, reset.timedOut, reset.tooLarge, reset.notProcessed];
const closedErr: H2Error = new ConnectionClosedError(ERROR_CODES.CANCEL);
const invalid = new InvalidCommandError(ERROR_CODES.STREAM_CLOSED, 'write after end', { userError: 1 });
const userError: number = invalid.userError;
const trap = new WasmTrapError('wasm instance trapped');
const anyCode: H2ErrorCode = trap.code;
function classify(e: unknown): string {
  if (e instanceof WasmTrapError) return 'engine bug';
  if (e instanceof H2Error) {
    switch (e.code) {
      case H2_ERROR_CODES.STREAM_RESET: return 'reset';
      case H2_ERROR_CODES.CONNECTION_CLOSED: return 'closed';
      case 'ERR_H2WASM_INVALID_COMMAND': return 'app bug';
      default: return e.codeName;
    }
  }
  return 'other';
}
// @ts-expect-error there is no such error code
void ERROR_CODES.NOT_A_CODE;

// ---- limits and settings
const limits: Required<Limits> = {
  maxHeaderFields: 100, maxHeaderBlockBytes: 65536, continuationFramesBase: 4,
  maxControlBytes: 1 << 20, maxPendingPingAcks: 8, maxOutstandingPings: 8,
  closedStreamMemory: 100, idlePriorityMemory: 100,
  streamSendBuffer: 1 << 16, connectionSendBuffer: 1 << 20, streamSendBufferHard: 1 << 20, connectionSendBufferHard: 1 << 22,
  resetBurst: 200, resetRatePerS: 100, glitchBurst: 100, glitchRatePerS: 50,
  settingsBurst: 10, settingsRatePerS: 5, pingBurst: 10, pingRatePerS: 5,
  prefaceTimeoutMs: 10_000, headerBlockTimeoutMs: 10_000, idleTimeoutMs: 30_000, settingsAckTimeoutMs: 10_000,
  shutdownPingTimeoutMs: 5_000, drainTimeoutMs: 30_000, closeTimeoutMs: 5_000, stallTimeoutMs: 30_000,
  noopFrameBurst: 1000, noopFrameRatePerS: 100, minWindowUpdate: 1024, requestBodyTimeoutMs: 20_000, minRequestBodyRate: 500,
};
const settings: Required<Settings> = {
  headerTableSize: 4096, maxConcurrentStreams: 100, initialWindowSize: 65535, maxFrameSize: 16384, maxHeaderListSize: 65536,
};
const idleRange: [number, number] = LIMIT_NAMES.idleTimeoutMs;
const streamsRange: [number, number] = SETTINGS_NAMES.maxConcurrentStreams;
const limitNames: Array<keyof Limits> = Object.keys(LIMIT_NAMES) as Array<keyof Limits>;
// @ts-expect-error not a limit
void LIMIT_NAMES.bogus;

const tap = (info: ConnInfo): Tap | null => {
  const who: [number, Address | null, Address | null, boolean] = [info.id, info.peer, info.host, info.secure];
  void who;
  return {
    inbound(bytes: Uint8Array) { void bytes.length; },
    outbound(bytes: Uint8Array) { void bytes.length; },
    closed() {},
  };
};

const options: ServerOptions = {
  limits: { ...limits, maxConcurrentStreams: 50 },
  settings,
  connectionWindow: 1 << 20,
  idleTimeoutMs: 60_000, // flat shorthand
  initialWindowSize: 1 << 20,
  cert: '-----BEGIN CERTIFICATE-----', key: new Uint8Array(0),
  tap,
  onError(e: unknown) { console.error(e); },
};
// @ts-expect-error unknown option names are rejected (they throw at run time too)
const bogus: ServerOptions = { bogus: 1 };
// @ts-expect-error a limit is a number
const badLimit: ServerOptions = { limits: { idleTimeoutMs: '5s' } };

// ---- the Twisted-style API
const headerShapes: HeadersInit[] = [
  { 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'], 'x-absent': undefined },
  [['content-type', 'text/plain']],
  new Map([['content-type', 'text/plain']]),
];

const factory: RequestFactory = (stream: H2Stream): Request => {
  const id: number = stream.streamID;
  const head: Array<string | undefined> = [stream.command, stream.path, stream.scheme, stream.authority];
  const host: string | undefined = stream.headers.host;
  const raw: Array<[string, string]> = stream.rawHeaders;
  const peer: Address | null = stream.getPeer();
  const local: Address | null = stream.getHost();
  const secure: boolean = stream.isSecure();
  void [id, head, host, raw, peer, local, secure, stream.producing, stream.producer, stream.trailers];
  return {
    headersReceived(rawHeaders: Array<[string, string]>) {
      void rawHeaders;
      stream.pauseProducing(); // inbound backpressure
      stream.resumeProducing();
    },
    dataReceived(chunk: Uint8Array) { void chunk.byteLength; },
    trailersReceived(trailers: Array<[string, string]>) { void trailers; },
    requestReceived(method: string, path: string, version: 'HTTP/2') {
      void [method, path, version];
      stream.writeHeaders(200, headerShapes[0]);
      stream.writeHeaders(204, undefined, { endStream: true });
      stream.write('text');
      stream.write(new Uint8Array(4));
      stream.write(new DataView(new ArrayBuffer(4)));
      stream.write(new ArrayBuffer(4));
      stream.writeSequence(['a', new Uint8Array(1)]);
      stream.writeTrailers({ 'grpc-status': '0' });
      stream.loseConnection();
      stream.abortConnection();
      stream.abortConnection(ERROR_CODES.CANCEL);
      stream.stopProducing();
      // @ts-expect-error the status is a number
      stream.writeHeaders('200');
    },
    connectionLost(reason: H2Error) { void reason.codeName; },
  };
};

function producers(stream: H2Stream): void {
  const push: PushProducer = { pauseProducing() {}, resumeProducing() {}, stopProducing() {} };
  const pull: PullProducer = { resumeProducing() { stream.write('next'); } };
  stream.registerProducer(push, true);
  stream.unregisterProducer();
  stream.registerProducer(pull, false);
  stream.unregisterProducer();
  // @ts-expect-error a push producer (streaming) must be able to pause
  stream.registerProducer(pull, true);
}

async function servers(): Promise<void> {
  const server: Server = createServer(options, factory);
  const noOptions: Server = createServer(factory);
  const nothing = createServer({}, () => undefined);
  const address: Address = await server.listen(8080, '127.0.0.1');
  const ephemeral: Address = await noOptions.listen();
  const same: Address = server.address();
  for (const conn of server.connections) {
    const c: H2Connection = conn;
    const why: H2Error | null = await c.closedPromise;
    const last: H2Error | null = c.error;
    const where: [Address | null, Address | null, boolean] = [c.peer, c.host, c.secure];
    void [why, last, where];
    c.shutdown();
    c.abort();
    c.abort(ERROR_CODES.ENHANCE_YOUR_CALM);
  }
  void [address, ephemeral, same, server.server, nothing];
  await server.close();
  await noOptions.close();
}

// ---- one transport: a WHATWG stream pair (or a Node socket)
function oneConnection(pair: WebStreamPair): H2Connection {
  const conn = serveConnection(pair, { secure: true, peer: { address: '192.0.2.1', port: 1234 }, host: { address: '127.0.0.1', port: 443, family: 'IPv4' } }, factory);
  const withoutOptions: H2Connection = serveConnection(pair, factory);
  void withoutOptions;
  return conn;
}

// ---- the fetch-style API
async function fetchStyle(): Promise<void> {
  await init();
  await init(new Uint8Array(0));
  await init(new WebAssembly.Module(new Uint8Array(0)));
  const echo = async (request: globalThis.Request, ctx: { stream: H2Stream }): Promise<Response> =>
    new Response(request.body, { headers: { 'x-stream': String(ctx.stream.streamID) } });
  const s: Server = serve({ limits: { idleTimeoutMs: 1000 } }, echo);
  const s2: Server = serve(() => new Response('sync'));
  const f: RequestFactory = toFetchFactory(echo);
  const f2: RequestFactory = toFetchFactory(echo, options);
  await s.listen(0);
  void [f, f2, s2];
  await s.close();
}

// ---- loading the engine, and the runtime adapters
async function runtimes(denoConn: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }): Promise<void> {
  const ready: boolean = engineReady();
  const notReady: 'ERR_H2WASM_NOT_READY' = INIT_ERROR_CODES.NOT_READY;
  try {
    await init({ default: new WebAssembly.Module(new Uint8Array(0)) });
  } catch (e) {
    if (e instanceof InitError) {
      const code: 'ERR_H2WASM_NOT_READY' | 'ERR_H2WASM_WASM_UNAVAILABLE' | 'ERR_H2WASM_COMPILE_BLOCKED' = e.code;
      void code;
    }
  }
  const fromDeno: RuntimeStreamPair = fromDenoConn(denoConn);
  const fromBun: RuntimeStreamPair = fromBunSocket({}, { secure: false });
  const handlers = bunSocketHandlers((socket) => { serveConnection(fromBunSocket(socket), factory); });
  handlers.data({}, new Uint8Array(0));
  const fromWorkers: RuntimeStreamPair = fromWorkersSocket(denoConn, { secure: true });
  const fromWt: RuntimeStreamPair = fromWebTransportStream(denoConn, { peer: null });
  const secure: boolean = fromWt.secure;
  // @ts-expect-error: an adapter needs the socket's streams
  fromWorkersSocket({});
  serveConnection(fromDeno, factory);
  void [ready, notReady, fromBun, fromWorkers, secure, new InitError('ERR_H2WASM_NOT_READY')];
}

// ---- budgets across connections, abuse reports, LazyResponse
async function budgetsAndAbuse(): Promise<void> {
  const budget: Budget = { peerResetBurst: 100, serverErrorRatePerS: 10 };
  const range: [number, number] = BUDGET_NAMES.peerResetBurst;
  const s = createServer({ budget, allowHTTP1: true, onAbuse(info: AbuseInfo) { void info.rule; } }, factory);
  s.on('abuse', (info: AbuseInfo) => { const scope: 'connection' | 'address' | 'server' = info.scope; void scope; });
  const lazy: Response = new LazyResponse('hello', { status: 200 });
  const json: LazyResponse = LazyResponse.json({ ok: true });
  void [range, lazy, json];
  await s.close();
}

// ---- the HTTP/2 client
async function client(pair: WebStreamPair): Promise<void> {
  const options: ClientOptions = {
    maxConcurrentStreams: 10, keepaliveMs: 10_000, maxResponseBodyBytes: 64 << 20, tls: { rejectUnauthorized: false },
  };
  const session: ClientSession = await connect('https://127.0.0.1:8443', options);
  const overPair: ClientSession = await connect(pair, { authority: 'example.test', scheme: 'https', secure: true });
  const stream: ClientStream = session.request({ ':method': 'POST', ':path': '/echo' }, { endStream: false });
  await stream.write('chunk');
  stream.end();
  const head: ResponseHead = await stream.response;
  const status: number = head.status;
  const body: Uint8Array = await stream.bytes();
  const trailers: Array<[string, string]> = await stream.trailers;
  const failed: ClientStreamError | null = stream.error;
  const retry: boolean | undefined = failed?.notProcessed;
  const res: H2Response = await session.fetch('https://127.0.0.1:8443/', { method: 'GET' });
  const resTrailers: Headers = await res.trailers;
  const pooled: H2Response = await fetch('http://127.0.0.1:8080/');
  const rtt: number = await session.ping();
  await session.close();
  overPair.destroy(new Error('done'));
  await closeAllSessions();
  void [status, body, trailers, retry, resTrailers, pooled, rtt];
}

export const used = [cancel, names, errorFields, isError, oldStyle, anyCode, resetFields, closedErr, userError, trap, classify, idleRange, streamsRange, limitNames, bogus, badLimit, producers, servers, oneConnection, fetchStyle, runtimes, budgetsAndAbuse, client];
