// Types for h2wasm.

export declare const ERROR_CODES: Readonly<Record<
  'NO_ERROR' | 'PROTOCOL_ERROR' | 'INTERNAL_ERROR' | 'FLOW_CONTROL_ERROR' | 'SETTINGS_TIMEOUT' | 'STREAM_CLOSED' |
  'FRAME_SIZE_ERROR' | 'REFUSED_STREAM' | 'CANCEL' | 'COMPRESSION_ERROR' | 'CONNECT_ERROR' | 'ENHANCE_YOUR_CALM' |
  'INADEQUATE_SECURITY' | 'HTTP_1_1_REQUIRED', number>>;
export declare function codeName(code: number): string;

export declare class H2Error extends Error {
  constructor(code: number, message?: string, options?: { cause?: unknown });
  readonly code: number;
  readonly codeName: string;
  remote?: boolean;
  unsent?: number;
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
export interface Limits {
  maxHeaderFields?: number; maxHeaderBlockBytes?: number; continuationFramesBase?: number;
  maxControlBytes?: number; maxPendingPingAcks?: number; maxOutstandingPings?: number;
  closedStreamMemory?: number; idlePriorityMemory?: number;
  streamSendBuffer?: number; connectionSendBuffer?: number; streamSendBufferHard?: number; connectionSendBufferHard?: number;
  resetBurst?: number; resetRatePerS?: number; glitchBurst?: number; glitchRatePerS?: number;
  settingsBurst?: number; settingsRatePerS?: number; pingBurst?: number; pingRatePerS?: number;
  prefaceTimeoutMs?: number; headerBlockTimeoutMs?: number; idleTimeoutMs?: number; settingsAckTimeoutMs?: number;
  shutdownPingTimeoutMs?: number; drainTimeoutMs?: number; closeTimeoutMs?: number; stallTimeoutMs?: number;
}
/** Our SETTINGS (RFC 9113 §6.5.2). */
export interface Settings {
  headerTableSize?: number; maxConcurrentStreams?: number; initialWindowSize?: number;
  maxFrameSize?: number; maxHeaderListSize?: number;
}
export declare const LIMIT_NAMES: Readonly<Record<keyof Limits, [number, number]>>;
export declare const SETTINGS_NAMES: Readonly<Record<keyof Settings, [number, number]>>;

/** Limit/settings names are also accepted at the top level (flat shorthand). Unknown names in `limits`/`settings` throw TypeError; out-of-range values RangeError. */
export interface ServerOptions extends Limits, Settings {
  limits?: Limits & Settings;
  settings?: Settings;
  /** Connection receive window opened at start (default 1 MiB; 65535 … 2^31−1). */
  connectionWindow?: number;
  /** TLS (ALPN h2) when both are given; h2c prior knowledge otherwise. */
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
  /** Called once per connection; may return taps on the raw bytes. */
  tap?(info: ConnInfo): Tap | null;
  onError?(err: unknown): void;
  /**
   * Also serve HTTP/1.1 through Node's http server: cleartext sockets without the
   * HTTP/2 preface, TLS sockets choosing ALPN http/1.1 (or none), and h2c Upgrade
   * requests (which become stream 1 of HTTP/2). Default false, as in node:http2.
   * The requestFactory gets the same stream API; `stream.httpVersion` is '1.1' or '2.0'.
   */
  allowHTTP1?: boolean;
}

export declare class H2Connection {
  readonly closedPromise: Promise<H2Error | null>;
  error: H2Error | null;
  shutdown(): void;
  abort(code?: number): void;
}

export interface Server {
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
export declare function serve(options: ServerOptions, handler: (request: globalThis.Request, ctx: { stream: H2Stream }) => Response | Promise<Response>): Server;
export declare function toFetchFactory(handler: (request: globalThis.Request, ctx: { stream: H2Stream }) => Response | Promise<Response>, options?: ServerOptions): RequestFactory;
/** Browsers/Workers: compile the wasm before serving (Node/Deno load it synchronously). */
export declare function init(source?: WebAssembly.Module | BufferSource): Promise<void>;
