// Helpers for the compat tests: one app served by h2wasm/compat on 127.0.0.1,
// and the same request made over HTTP/2 (node:http2) or HTTP/1.1 (node:http).
import http from 'node:http';
import http2 from 'node:http2';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '../../js/compat.js';

export const VERSIONS = ['h2', 'h1'];

/** Listen a compat server (allowHTTP1 on) with `listener`; resolves { server, port, close }. */
export async function listen(listener, options = {}) {
  const server = createServer({ allowHTTP1: true, ...options }, listener);
  return listenServer(server);
}

export async function listenServer(server) {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return { server, port, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * One request over `version` ('h2' | 'h1'); resolves { status, headers, body: Buffer, trailers, httpVersion }.
 * opts: { method, headers, body }.
 */
export function fetchVia(version, port, path, opts = {}) {
  return version === 'h2' ? h2Request(port, path, opts) : h1Request(port, path, opts);
}

export function h2Request(port, path, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const client = http2.connect(`http://127.0.0.1:${port}`);
    client.on('error', reject);
    const req = client.request({ ':method': method, ':path': path, ...headers }, { endStream: body === undefined });
    const chunks = [];
    let head = {}, trailers = {};
    req.on('response', (h) => { head = h; });
    req.on('trailers', (t) => { trailers = t; });
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      client.close();
      const { ':status': status, ...rest } = head;
      resolve({ status, headers: rest, body: Buffer.concat(chunks), trailers, httpVersion: '2.0' });
    });
    req.on('error', (e) => { client.close(); reject(e); });
    if (body !== undefined) req.end(body);
  });
}

export function h1Request(port, path, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), trailers: res.trailers,
        httpVersion: res.httpVersion,
      }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Start a request and reset it (h2: RST_STREAM CANCEL; h1: socket destroyed)
 * once the first response bytes arrive. Resolves when the client saw them.
 */
export function resetAfterFirstBytes(version, port, path) {
  return new Promise((resolve, reject) => {
    if (version === 'h2') {
      const client = http2.connect(`http://127.0.0.1:${port}`);
      client.on('error', () => {});
      const req = client.request({ ':path': path });
      req.on('error', () => {});
      req.once('data', () => { req.close(http2.constants.NGHTTP2_CANCEL); setTimeout(() => client.close(), 10); resolve(); });
      req.on('end', () => reject(new Error('response ended before the reset')));
    } else {
      const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        res.once('data', () => { req.destroy(); resolve(); });
        res.on('end', () => reject(new Error('response ended before the reset')));
      });
      req.on('error', () => {});
    }
  });
}

/** A temp directory with index.html, a.txt and a 100 KB data.bin (made here, not committed). */
export function staticDir() {
  const dir = mkdtempSync(join(tmpdir(), 'h2wasm-compat-'));
  writeFileSync(join(dir, 'index.html'), '<h1>index</h1>\n');
  writeFileSync(join(dir, 'a.txt'), 'static text\n');
  const big = Buffer.alloc(100_000);
  for (let i = 0; i < big.length; i++) big[i] = i % 251;
  writeFileSync(join(dir, 'data.bin'), big);
  return { dir, big, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Resolves when `emitter` emits `event` (with its first argument). */
export const once = (emitter, event) => new Promise((r) => emitter.once(event, r));
