// A deliberately tiny HTTP/2 client for the examples that run the h2wasm server over an
// in-memory stream pair (browser page, the Worker's fetch handler): one request per
// connection, no HPACK decoder (only the :status indexes of the static table), bodies up to
// the default 64 KiB windows. h2wasm's own client role is a separate piece of work.

const enc = new TextEncoder();
const PREFACE = enc.encode('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const STATIC_STATUS = { 8: 200, 9: 204, 10: 206, 11: 304, 12: 400, 13: 404, 14: 500 };
const FRAME_NAMES = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION'];
const MAX_FRAME = 16384;
const DEFAULT_WINDOW = 65535;

function frame(type, flags, id, payload = new Uint8Array(0)) {
  const f = new Uint8Array(9 + payload.length);
  f[0] = payload.length >> 16; f[1] = payload.length >> 8; f[2] = payload.length;
  f[3] = type; f[4] = flags;
  new DataView(f.buffer).setUint32(5, id);
  f.set(payload, 9);
  return f;
}

/** A header field as an HPACK literal with incremental indexing and an indexed name (no Huffman). */
function literal(nameIndex, value) {
  const v = enc.encode(value);
  if (v.length > 126) throw new RangeError('mini client: header value too long');
  return [0x40 | nameIndex, v.length, ...v];
}

/**
 * One request over `pair` ({readable, writable}: the client's ends). Resolves with
 * {status, body: Uint8Array, frames: [names of the frames received]}.
 */
export async function miniRequest(pair, { method = 'GET', path = '/', authority = 'localhost', body = null } = {}) {
  if (body && body.length > DEFAULT_WINDOW) throw new RangeError('mini client: body over one default window');
  const w = pair.writable.getWriter();
  const block = [method === 'POST' ? 0x83 : 0x82, 0x86, ...(path === '/' ? [0x84] : literal(4, path)), ...literal(1, authority)];
  w.write(PREFACE);
  w.write(frame(4, 0, 0)); // our SETTINGS: all defaults
  w.write(frame(1, body ? 0x4 : 0x5, 1, Uint8Array.from(block))); // HEADERS: END_HEADERS (+END_STREAM without a body)
  for (let at = 0; body && at < body.length; at += MAX_FRAME) {
    const end = Math.min(at + MAX_FRAME, body.length);
    w.write(frame(0, end === body.length ? 0x1 : 0, 1, body.subarray(at, end)));
  }
  const reader = pair.readable.getReader();
  let buf = new Uint8Array(0), status = null;
  const parts = [], frames = [];
  for (let done = false; !done;) {
    const r = await reader.read();
    if (r.done) break;
    const next = new Uint8Array(buf.length + r.value.length);
    next.set(buf); next.set(r.value, buf.length);
    buf = next;
    while (!done && buf.length >= 9) {
      const len = (buf[0] << 16) | (buf[1] << 8) | buf[2];
      if (buf.length < 9 + len) break;
      const type = buf[3], flags = buf[4], payload = buf.slice(9, 9 + len);
      buf = buf.subarray(9 + len);
      frames.push(FRAME_NAMES[type] ?? String(type));
      if (type === 4 && !(flags & 1)) w.write(frame(4, 1, 0)); // ACK the server's SETTINGS
      if (type === 6 && !(flags & 1)) w.write(frame(6, 1, 0, payload)); // answer PINGs
      if (type === 1) status = payload[0] & 0x80 ? STATIC_STATUS[payload[0] & 0x7f] ?? null : null;
      if (type === 0) parts.push(payload);
      if (type === 3 || type === 7) throw new Error(`mini client: ${FRAME_NAMES[type]} received`);
      if ((type === 0 || type === 1) && flags & 1) done = true;
    }
  }
  await w.close().catch(() => {});
  reader.cancel().catch(() => {});
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return { status, body: out, frames };
}
