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

// ---- raw HTTP/2 frames, for tests that need exact frame boundaries in one socket write ----

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
export const FRAME = Object.freeze({ DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7 });
export const FLAG = Object.freeze({ END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 });

/** One frame: 9-byte header + payload. */
export function frame(type, flags, streamId, payload = Buffer.alloc(0)) {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}

/** HPACK integer with an n-bit prefix (RFC 7541 §5.1); `first` holds the bits above the prefix. */
function hpackInt(value, n, first = 0) {
  const max = (1 << n) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  for (value -= max; value >= 128; value = Math.floor(value / 128)) out.push((value % 128) + 128);
  out.push(value);
  return out;
}

/** A header block of literal fields without indexing, no Huffman: decodable by any HPACK state. */
export function headerBlock(fields) {
  const out = [];
  for (const [name, value] of fields) {
    const n = Buffer.from(name), v = Buffer.from(value);
    out.push(Buffer.from([0x00, ...hpackInt(n.length, 7)]), n, Buffer.from(hpackInt(v.length, 7)), v);
  }
  return Buffer.concat(out);
}

export function rstStream(streamId, code) {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(code);
  return frame(FRAME.RST_STREAM, 0, streamId, p);
}

export function goaway(lastStreamId, code) {
  const p = Buffer.alloc(8);
  p.writeUInt32BE(lastStreamId);
  p.writeUInt32BE(code, 4);
  return frame(FRAME.GOAWAY, 0, 0, p);
}
