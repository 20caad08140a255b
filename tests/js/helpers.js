// Shared test helpers: servers on 127.0.0.1 port 0, Node http2 client helpers.
import http2 from 'node:http2';
import { createHash } from 'node:crypto';
import { createServer } from '../../js/index.js';

export async function startServer(factory, options = {}) {
  const s = createServer(options, factory);
  const { port } = await s.listen(0, '127.0.0.1');
  return { s, port, url: `http://127.0.0.1:${port}` };
}

export function connect(url, opts) { return http2.connect(url, opts); }

/** One request; resolves {status, headers, body: Buffer}. */
export function request(client, headers, body) {
  return new Promise((resolve, reject) => {
    const req = client.request(headers, { endStream: body === undefined });
    const chunks = [];
    let h;
    req.on('response', (x) => { h = x; });
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve({ status: h?.[':status'], headers: h, body: Buffer.concat(chunks) }));
    req.on('error', reject);
    if (body !== undefined) req.end(body);
  });
}

export const sha256 = (b) => createHash('sha256').update(b).digest('hex');
