// Types for h2wasm.

// The option names are generated from src/wasm/boundary.rs (js/boundary.d.ts).
import type { LimitName, SettingsName } from './boundary.js';

export declare const ERROR_CODES: Readonly<Record<
  'NO_ERROR' | 'PROTOCOL_ERROR' | 'INTERNAL_ERROR' | 'FLOW_CONTROL_ERROR' | 'SETTINGS_TIMEOUT' | 'STREAM_CLOSED' |
  'FRAME_SIZE_ERROR' | 'REFUSED_STREAM' | 'CANCEL' | 'COMPRESSION_ERROR' | 'CONNECT_ERROR' | 'ENHANCE_YOUR_CALM' |
  'INADEQUATE_SECURITY' | 'HTTP_1_1_REQUIRED', number>>;
export declare function codeName(code: number): string;

/** The `code` of each H2Error class (Node's ERR_* convention). */
export declare const H2_ERROR_CODES: Readonly<{
  HTTP2: 'ERR_H2WASM_HTTP2'; STREAM_RESET: 'ERR_H2WASM_STREAM_RESET'; CONNECTION_CLOSED: 'ERR_H2WASM_CONNECTION_CLOSED';
  INVALID_COMMAND: 'ERR_H2WASM_INVALID_COMMAND'; WASM_TRAP: 'ERR_H2WASM_WASM_TRAP';
}>;
export type H2ErrorCode = (typeof H2_ERROR_CODES)[keyof typeof H2_ERROR_CODES];

export declare class H2Error extends Error {
  /** `errorCode`: the HTTP/2 error code (RFC 9113 §7); `remote`: the peer sent it. */
  constructor(errorCode: number, message?: string, options?: { cause?: unknown; remote?: boolean });
  /** Which failure this is (a string, stable across versions). It used to be the HTTP/2 number, now `errorCode`. */
  readonly code: H2ErrorCode;
  /** The HTTP/2 error code (RFC 9113 §7), e.g. ERROR_CODES.CANCEL. */
  readonly errorCode: number;
  readonly codeName: string;
  /** The peer sent it (RST_STREAM or GOAWAY from the other side). */
  readonly remote: boolean;
}
/** RST_STREAM, sent or received (or one of our timers ended the stream). */
export declare class StreamResetError extends H2Error {
  constructor(errorCode: number, message?: string, options?: {
    cause?: unknown; remote?: boolean; unsent?: number; expired?: boolean; timedOut?: boolean; tooLarge?: boolean; notProcessed?: boolean;
  });
  readonly code: 'ERR_H2WASM_STREAM_RESET';
  /** Bytes that were queued on the stream but never sent. */
  readonly unsent: number;
  /** Server: one of our timers ended the stream (slow request body: requestBodyTimeoutMs / minRequestBodyRate). */
  readonly expired: boolean;
  /** Client: responseTimeoutMs / responseBodyTimeoutMs ended the stream. */
  readonly timedOut: boolean;
  /** Client: the response body was larger than maxResponseBodyBytes (errorCode CANCEL). */
  readonly tooLarge: boolean;
  /** Client: the server said it did not process the request (safe to retry). */
  readonly notProcessed: boolean;
}
/** The connection or session ended before the stream finished. */
export declare class ConnectionClosedError extends H2Error {
  readonly code: 'ERR_H2WASM_CONNECTION_CLOSED';
}
/** The application asked for something the stream's state does not allow. */
export declare class InvalidCommandError extends H2Error {
  constructor(errorCode: number, message?: string, options?: { cause?: unknown; userError?: number });
  readonly code: 'ERR_H2WASM_INVALID_COMMAND';
  /** The engine's result number (docs/API.md), 0 when the JS side refused the command itself. */
  readonly userError: number;
}
/** The wasm instance trapped (an engine bug): every connection on it failed. */
export declare class WasmTrapError extends H2Error {
  constructor(message?: string, options?: { cause?: unknown });
  readonly code: 'ERR_H2WASM_WASM_TRAP';
}

export type HeadersInit = Record<string, string | string[] | undefined> | Array<[string, string]> | Iterable<[string, string]>;
export interface Address { address: string; port: number; family?: string }

export interface PushProducer { pauseProducing(): void; resumeProducing(): void; stopProducing(): void }
export interface PullProducer { resumeProducing(): void; stopProducing?(): void }

export declare class H2Stream {
  readonly streamID: number;
  /** '2.0', or '1.1' for an HTTP/1.1 exchange (allowHTTP1). */
  readonly httpVersion: '2.0' | '1.1';
  readonly command: string | undefined;
  readonly path: string | undefined;
  readonly scheme: string | undefined;
  readonly authority: string | undefined;
  /** HTTP/1.1-like view: lowercase names, no pseudo-headers, `host` from :authority. */
  readonly headers: Record<string, string>;
  readonly rawHeaders: Array<[string, string]>;
  trailers?: Array<[string, string]>;
  producing: boolean;
  producer: PushProducer | PullProducer | null;
  writeHeaders(status: number, headers?: HeadersInit, opts?: { endStream?: boolean }): void;
  write(chunk: Uint8Array | ArrayBufferView | ArrayBuffer | string): void;
  writeSequence(chunks: Iterable<Uint8Array | string>): void;
  writeTrailers(headers: HeadersInit): void;
  loseConnection(): void;
  abortConnection(code?: number): void;
  getPeer(): Address | null;
  getHost(): Address | null;
  isSecure(): boolean;
  registerProducer(producer: PushProducer, streaming: true): void;
  registerProducer(producer: PullProducer, streaming: false): void;
  unregisterProducer(): void;
  pauseProducing(): void;
  resumeProducing(): void;
  stopProducing(): void;
}

export interface Request {
  headersReceived?(rawHeaders: Array<[string, string]>): void;
  dataReceived?(chunk: Uint8Array): void;
  trailersReceived?(trailers: Array<[string, string]>): void;
  requestReceived?(method: string, path: string, version: 'HTTP/2'): void;
  connectionLost?(reason: H2Error): void;
}
export type RequestFactory = (stream: H2Stream) => Request | null | undefined | void;

export interface ConnInfo { id: number; peer: Address | null; host: Address | null; secure: boolean }
export interface Tap { inbound?(bytes: Uint8Array): void; outbound?(bytes: Uint8Array): void; closed?(): void }

/** Engine limits: camelCase names of `h2wasm::limits::Limits` (defaults and meaning: docs/SECURITY.md). Times in ms, 0 disables a timer. */
export interface Limits extends Partial<Record<LimitName, number>> {}
/** Budgets across connections (js/budget.js; burst 0 turns a bucket off). */
export interface Budget {
  serverResetBurst?: number; serverResetRatePerS?: number; peerResetBurst?: number; peerResetRatePerS?: number;
  serverRefusedBurst?: number; serverRefusedRatePerS?: number; peerRefusedBurst?: number; peerRefusedRatePerS?: number;
  serverErrorBurst?: number; serverErrorRatePerS?: number; peerErrorBurst?: number; peerErrorRatePerS?: number;
}
/** A GOAWAY(ENHANCE_YOUR_CALM) decision: who, and which rule fired. */
export interface AbuseInfo {
  peer: Address | null;
  rule: string;
  /** 'connection': an engine limit of that connection; 'address' / 'server': a budget across connections. */
  scope: 'connection' | 'address' | 'server';
  code: 'ENHANCE_YOUR_CALM';
}
/** Our SETTINGS (RFC 9113 §6.5.2). */
export interface Settings extends Partial<Record<SettingsName, number>> {}
export declare const LIMIT_NAMES: Readonly<Record<keyof Limits, [number, number]>>;
export declare const SETTINGS_NAMES: Readonly<Record<keyof Settings, [number, number]>>;
export declare const BUDGET_NAMES: Readonly<Record<keyof Budget, [number, number]>>;

/** Limit/settings/budget names are also accepted at the top level (flat shorthand). Unknown names (top level, `limits`, `settings`, `budget`) throw TypeError; out-of-range values RangeError. */
export interface ServerOptions extends Limits, Settings, Budget {
  limits?: Limits & Settings & Budget;
  budget?: Budget;
  settings?: Settings;
  /** Connection receive window opened at start (default 1 MiB; 65535 … 2^31−1). */
  connectionWindow?: number;
  /** TLS (ALPN h2) when `tls`, `cert`, `key` or `pfx` is given; h2c prior knowledge otherwise. */
  cert?: string | Uint8Array | Array<string | Uint8Array>;
  key?: string | Uint8Array | Array<string | Uint8Array>;
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  pfx?: string | Uint8Array | Array<string | Uint8Array>;
  passphrase?: string;
  /** Any other tls.createServer option, passed through (ALPNProtocols is always ['h2']). */
  tls?: Record<string, unknown>;
  /** Called once per connection; may return taps on the raw bytes. */
  tap?(info: ConnInfo): Tap | null;
  /** Errors thrown by application callbacks (default: a rate-limited console.error). */
  onError?(err: unknown, info?: { where: string; peer: Address | null }): void;
  /** serveConnection only (servers emit 'abuse'): GOAWAY(ENHANCE_YOUR_CALM) decisions. */
  onAbuse?(info: AbuseInfo): void;
  /**
   * Also serve HTTP/1.1 through Node's http server: cleartext sockets without the
   * HTTP/2 preface, TLS sockets choosing ALPN http/1.1 (or none), and h2c Upgrade
   * requests (which become stream 1 of HTTP/2). Default false, as in node:http2.
   * The requestFactory gets the same stream API; `stream.httpVersion` is '1.1' or '2.0'.
   */
  allowHTTP1?: boolean;
  /** Options of the HTTP/1.1 side's http.Server (maxHeaderSize, headersTimeout, requestTimeout, keepAliveTimeout, …). */
  http1Options?: Record<string, unknown>;
  /** Shorthand for http1Options.keepAliveTimeout (ms). */
  keepAliveTimeout?: number;
}

export declare class H2Connection {
  /** The transport's addresses, and whether it is TLS (as passed to `tap`). */
  readonly peer: Address | null;
  readonly host: Address | null;
  readonly secure: boolean;
  readonly closedPromise: Promise<H2Error | null>;
  error: H2Error | null;
  shutdown(): void;
  abort(code?: number): void;
}

export interface Server {
  on(event: 'abuse', listener: (info: AbuseInfo) => void): this;
  once(event: 'abuse', listener: (info: AbuseInfo) => void): this;
  off(event: 'abuse', listener: (info: AbuseInfo) => void): this;
  metrics: { calmed: number; calmedByRule: Record<string, number>; peerClosedErrors: number };
  server: unknown;
  connections: Set<H2Connection>;
  listen(port?: number, host?: string): Promise<Address>;
  address(): Address;
  close(): Promise<void>;
}

export interface WebStreamPair { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> }

export declare function createServer(options: ServerOptions, requestFactory: RequestFactory): Server;
export declare function createServer(requestFactory: RequestFactory): Server;
export declare function serveConnection(transport: WebStreamPair | object, options: ServerOptions & { secure?: boolean; peer?: Address; host?: Address },
  requestFactory: RequestFactory): H2Connection;
export declare function serveConnection(transport: WebStreamPair | object, requestFactory: RequestFactory): H2Connection;
export declare function serve(options: ServerOptions, handler: (request: globalThis.Request, ctx: { stream: H2Stream }) => Response | Promise<Response>): Server;
export declare function serve(handler: (request: globalThis.Request, ctx: { stream: H2Stream }) => Response | Promise<Response>): Server;
/** A Response whose string/bytes body becomes a stream only if something reads it (serve() writes it directly). */
export declare class LazyResponse extends Response {
  constructor(body?: BodyInit | null, init?: ResponseInit);
  static json(data: unknown, init?: ResponseInit): LazyResponse;
}
export declare function toFetchFactory(handler: (request: globalThis.Request, ctx: { stream: H2Stream }) => Response | Promise<Response>, options?: ServerOptions): RequestFactory;
/**
 * Load the engine before serving where it cannot load itself (browsers, Workers). Node and Bun load it
 * synchronously; Deno through its own entry point. Workers: `import wasm from 'h2wasm/wasm'; await init(wasm)`.
 * Rejects with InitError (WASM_UNAVAILABLE, COMPILE_BLOCKED) when it cannot.
 */
export declare function init(source?: WebAssembly.Module | BufferSource | Response | URL | string | { default: WebAssembly.Module }): Promise<void>;

// ---- Loading the engine, and runtime adapters (docs/API.md, "Runtimes") ----

/** Stable codes of InitError. */
export declare const INIT_ERROR_CODES: Readonly<{
  /** serveConnection/listen before the engine was loaded. */
  NOT_READY: 'ERR_H2WASM_NOT_READY';
  /** init() without an argument could neither read nor fetch the .wasm file: pass the module. */
  WASM_UNAVAILABLE: 'ERR_H2WASM_WASM_UNAVAILABLE';
  /** The runtime forbids compiling wasm from bytes (workerd): pass a WebAssembly.Module. */
  COMPILE_BLOCKED: 'ERR_H2WASM_COMPILE_BLOCKED';
}>;
export declare class InitError extends Error {
  constructor(code: string, message?: string, options?: { cause?: unknown });
  readonly code: 'ERR_H2WASM_NOT_READY' | 'ERR_H2WASM_WASM_UNAVAILABLE' | 'ERR_H2WASM_COMPILE_BLOCKED';
}
/** True when connections can be made now (Node, Bun, Deno: loads the wasm synchronously where it can). */
export declare function engineReady(): boolean;

/** A stream pair with the facts H2Stream.getPeer/getHost/isSecure report; serveConnection takes it as is. */
export interface RuntimeStreamPair extends WebStreamPair { peer: Address | null; host: Address | null; secure: boolean }

/** Deno.Conn / Deno.TlsConn (Deno.listen, Deno.listenTls, Deno.connect). */
export declare function fromDenoConn(conn: {
  readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array>;
  remoteAddr?: object; localAddr?: object; // Deno.Addr: a NetAddr gives {address, port}
  setNoDelay?(noDelay?: boolean): void; handshake?(): Promise<unknown>;
}): RuntimeStreamPair;

/** A Bun socket from Bun.listen / Bun.connect; its events come through `bunSocketHandlers`. */
export declare function fromBunSocket(socket: object, info?: { secure?: boolean }): RuntimeStreamPair;
/** The `socket` handlers for Bun.listen / Bun.connect: `open` is yours, the rest feed fromBunSocket's pair. */
export declare function bunSocketHandlers(open: (socket: any) => void): {
  open(socket: any): void; data(socket: any, chunk: Uint8Array): void; drain(socket: any): void;
  end(socket: any): void; close(socket: any, error?: Error): void; error(socket: any, error: Error): void;
};

/** A `cloudflare:sockets` Socket, or the socket of a Worker's `connect(socket)` handler. */
export declare function fromWorkersSocket(socket: {
  readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array>;
  opened?: Promise<{ remoteAddress?: string; localAddress?: string }>;
}, info?: { secure?: boolean }): RuntimeStreamPair;

/** A WebTransport bidirectional stream (always QUIC + TLS, so `secure` is true). */
export declare function fromWebTransportStream(stream: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> },
  info?: { peer?: Address | null; host?: Address | null }): RuntimeStreamPair;

// ---- HTTP/2 client (js/client.js; docs/API.md ("Client")) ----

/** Client engine options: the server's limit/settings names plus client-only ones. */
export interface ClientOptions extends Limits, Settings {
  limits?: Limits & Settings;
  settings?: Settings;
  /** Connection receive window opened at start (default 1 MiB). */
  connectionWindow?: number;
  /** Send a PING when nothing arrived for this long (ms; default 0 = off). */
  keepaliveMs?: number;
  /** Close the session when a PING is unanswered this long (ms; default 20000; 0 = never). */
  pingTimeoutMs?: number;
  /** No final response this long after the request was sent: that stream is reset (CANCEL) and fails with `timedOut` (ms; default 300000; 0 = off). */
  responseTimeoutMs?: number;
  /** Response body silent this long while the server may send: the same (ms; default 300000; 0 = off). */
  responseBodyTimeoutMs?: number;
  /** Largest response body taken on one stream: a larger content-length fails the request, a body that grows past it
   *  fails the body read; either way the stream is reset (CANCEL) with `tooLarge` (bytes; default 0 = no cap). */
  maxResponseBodyBytes?: number;
  /** Requests waiting for a stream slot before request() throws (default 65536). */
  maxWaitingRequests?: number;
  /** https: options for tls.connect (ca, rejectUnauthorized, cert/key, …); ALPNProtocols is always ['h2']. */
  tls?: Record<string, unknown>;
  /** For a transport: the origin the requests name (default 'localhost' and 'http', or 'https' with `secure`). */
  authority?: string;
  scheme?: 'http' | 'https';
  secure?: boolean;
  /** Protocol events as they happen (response heads, DATA lengths, resets, SETTINGS, GOAWAY…), e.g. for logs. */
  onFrameLog?(event: { type: string; [k: string]: unknown }): void;
  /** Raw bytes: `inbound(chunk)` as read, `outbound(pieces)` as written. */
  tap?: { inbound?(chunk: Uint8Array): void; outbound?(pieces: Uint8Array[]): void };
  onGoaway?(info: { lastStreamID: number; code: number; debug: string }): void;
  onClose?(session: ClientSession, err: H2Error | null): void;
  /** The socket does not keep the process alive while no stream is open (set by the fetch pool). */
  unrefWhenIdle?: boolean;
}

/**
 * A failed request: a StreamResetError (its `notProcessed` is true when the server said it did not
 * process the request: safe to retry), a ConnectionClosedError, or the H2Error that ended the session.
 */
export interface ClientStreamError extends H2Error {
  notProcessed?: boolean; unsent?: number;
  /** The server was silent longer than responseTimeoutMs / responseBodyTimeoutMs (errorCode CANCEL). */
  timedOut?: boolean;
  /** The response body was larger than maxResponseBodyBytes (errorCode CANCEL). */
  tooLarge?: boolean;
}

export interface ResponseHead {
  status: number;
  /** Fields in wire order, lowercase names, pseudo-headers removed. */
  rawHeaders: Array<[string, string]>;
  /** Plain object; repeated fields joined with ', '. */
  readonly headers: Record<string, string>;
}

export declare class ClientStream implements AsyncIterable<Uint8Array> {
  readonly id: number;
  readonly session: ClientSession;
  error: ClientStreamError | null;
  /** The final response head (1xx go to onInformational). */
  readonly response: Promise<ResponseHead>;
  /** Response trailers ([] when none). */
  readonly trailers: Promise<Array<[string, string]>>;
  /** The response body; bytes count as consumed (window reopened) as they are read. */
  readonly body: ReadableStream<Uint8Array>;
  onInformational: ((status: number, rawHeaders: Array<[string, string]>) => void) | null;
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array>;
  bytes(): Promise<Uint8Array>;
  text(): Promise<string>;
  /** Resolves when the stream may take more (flow control and send buffers). */
  write(chunk: Uint8Array | ArrayBufferView | ArrayBuffer | string): Promise<void>;
  end(chunk?: Uint8Array | ArrayBufferView | ArrayBuffer | string): void;
  writeTrailers(headers: Record<string, string> | Array<[string, string]>): void;
  /** RST_STREAM(code), CANCEL by default. */
  cancel(code?: number, reason?: unknown): void;
}

/** A Response from session.fetch / fetch, with the response trailers. */
export interface H2Response extends globalThis.Response {
  readonly trailers: Promise<Headers>;
  readonly stream: ClientStream;
}

export declare class ClientSession {
  readonly secure: boolean;
  /** True once no new request can start here (GOAWAY received, close() called, or closed). */
  readonly goingAway: boolean;
  /** The server's MAX_CONCURRENT_STREAMS (null: none given). */
  maxConcurrentStreams: number | null;
  goaway: { lastStreamID: number; code: number; debug: string } | null;
  error: H2Error | null;
  /** Resolves (never rejects) with the error that ended the session, or null. */
  readonly closed: Promise<H2Error | null>;
  request(headers: Record<string, string | string[]> | Array<[string, string]> | Headers,
    options?: { endStream?: boolean; signal?: AbortSignal }): ClientStream;
  fetch(input: string | URL | globalThis.Request, init?: RequestInit): Promise<H2Response>;
  /** Round trip time in ms. */
  ping(): Promise<number>;
  /** Graceful: no new requests, open ones finish, then GOAWAY and close. */
  close(): Promise<void>;
  destroy(err?: unknown): void;
}

/** http: h2c prior knowledge; https: TLS with ALPN h2; or a Node socket / WHATWG stream pair. Resolves after the server's SETTINGS. */
export declare function connect(target: string | URL | WebStreamPair | object, options?: ClientOptions): Promise<ClientSession>;
/** fetch over one pooled session per origin; retried (once more at most twice) only when the server did not process it. */
export declare function fetch(input: string | URL | globalThis.Request, init?: RequestInit & { h2?: ClientOptions }): Promise<H2Response>;
/** Close every pooled session gracefully. */
export declare function closeAllSessions(): Promise<void>;
