// Types for h2wasm/compat: node:http2's compatibility API with real node:http objects.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as NetServer } from 'node:net';
import type { Server as TlsServer, TlsOptions } from 'node:tls';
import type { H2Stream, RequestFactory } from './index.js';

/** An HTTP/2 request: a real http.IncomingMessage (httpVersion '2.0'); HTTP/1.1 requests are Node's own. */
export interface CompatRequest extends IncomingMessage {
  /** :authority (HTTP/2 only; `headers.host` is filled from it when the client sent no host). */
  authority?: string;
  scheme?: string;
  /** The h2wasm stream under this exchange (HTTP/2 only). */
  stream?: H2Stream;
}

export interface CompatResponse extends ServerResponse<IncomingMessage> {
  stream?: H2Stream;
}

export type CompatListener = (req: CompatRequest, res: CompatResponse) => void;

export interface CompatOptions {
  /** Serve HTTP/1.1 (cleartext without the HTTP/2 preface, TLS ALPN http/1.1, h2c Upgrade). Default false, as in node:http2. */
  allowHTTP1?: boolean;
  /** Options of the internal http.Server for HTTP/1.1 connections (keepAliveTimeout, …). */
  http1Options?: Record<string, unknown>;
  keepAliveTimeout?: number;
  limits?: Record<string, number>;
  settings?: Record<string, number>;
  connectionWindow?: number;
  onError?(err: unknown): void;
  [name: string]: unknown;
}

export interface CompatServer extends NetServer {
  on(event: 'request', listener: CompatListener): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  /** Graceful: stop accepting, GOAWAY every HTTP/2 connection, end idle HTTP/1.1 ones; `cb` when all are gone. */
  close(cb?: (err?: Error) => void): this;
}

export interface SecureCompatServer extends TlsServer {
  on(event: 'request', listener: CompatListener): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  close(cb?: (err?: Error) => void): this;
}

export declare function createServer(listener?: CompatListener): CompatServer;
export declare function createServer(options: CompatOptions, listener?: CompatListener): CompatServer;
export declare function createSecureServer(options: CompatOptions & TlsOptions, listener?: CompatListener): SecureCompatServer;

/** A requestFactory for h2wasm's createServer/serveConnection that hands each exchange to `listener(req, res)`. */
export declare function toRequestFactory(listener: CompatListener): RequestFactory;

/** A requestFactory serving files under `root` with serve-static (index.html, MIME, ETag/304, Range, safe paths). */
export declare function staticFiles(root: string, options?: Record<string, unknown>): RequestFactory;

export declare const kCompatExchange: unique symbol;
