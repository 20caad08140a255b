// TLS 1.3 decryption with an NSS key log (SSLKEYLOGFILE, as written by curl,
// Chromium's --ssl-key-log-file, Firefox, Node's 'keylog' event), in the page
// with WebCrypto: TLS_AES_128_GCM_SHA256 and TLS_AES_256_GCM_SHA384. Keys and
// captures never leave the page.
//
// decryptTls(conn, keyLog) turns a connection's TLS record chunks into the
// application-data plaintext of each direction (same chunk shape, same times).

/** Is this text an NSS key log? */
export function isKeyLog(text) {
  return /^(#[^\n]*\n|\s*\n)*(CLIENT_RANDOM|CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0|EXPORTER_SECRET|EARLY_EXPORTER_SECRET|CLIENT_EARLY_TRAFFIC_SECRET) [0-9a-fA-F]{64} [0-9a-fA-F]+/.test(text);
}

/** Key log text → Map(client random hex → {LABEL: Uint8Array}). */
export function parseKeyLog(text) {
  const out = new Map();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Z_0-9]+) ([0-9a-fA-F]{64}) ([0-9a-fA-F]+)\s*$/.exec(line);
    if (!m) continue;
    const random = m[2].toLowerCase();
    let e = out.get(random);
    if (!e) { e = {}; out.set(random, e); }
    e[m[1]] = hex(m[3]);
  }
  return out;
}

const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

const SUITES = {
  0x1301: { name: 'TLS_AES_128_GCM_SHA256', keyLen: 16, hash: 'SHA-256', hashLen: 32 },
  0x1302: { name: 'TLS_AES_256_GCM_SHA384', keyLen: 32, hash: 'SHA-384', hashLen: 48 },
  0x1303: { name: 'TLS_CHACHA20_POLY1305_SHA256', unsupported: true },
};

/** One direction's bytes → TLS records [{type, header, body, t}] (a cut-off last record is dropped). */
function records(chunks, dir) {
  const out = [];
  let buf = new Uint8Array(0);
  for (const [idx, ch] of chunks.entries()) {
    if (ch.dir !== dir) continue;
    const joined = new Uint8Array(buf.length + ch.bytes.length);
    joined.set(buf);
    joined.set(ch.bytes, buf.length);
    let o = 0;
    while (o + 5 <= joined.length) {
      const len = (joined[o + 3] << 8) | joined[o + 4];
      if (o + 5 + len > joined.length) break;
      out.push({ type: joined[o], header: joined.subarray(o, o + 5), body: joined.subarray(o + 5, o + 5 + len), t: ch.t, idx });
      o += 5 + len;
    }
    buf = joined.subarray(o);
  }
  return out;
}

/** ServerHello → {cipher, tls13}. */
function serverHello(body) {
  if (body[0] !== 2) return null;
  let o = 4 + 2 + 32;
  o += 1 + body[o];
  const cipher = (body[o] << 8) | body[o + 1];
  o += 3;
  let tls13 = false;
  const end = Math.min(body.length, o + 2 + ((body[o] << 8) | body[o + 1]));
  o += 2;
  while (o + 4 <= end) {
    const type = (body[o] << 8) | body[o + 1];
    const len = (body[o + 2] << 8) | body[o + 3];
    if (type === 43 && len === 2 && body[o + 4] === 3 && body[o + 5] === 4) tls13 = true;
    o += 4 + len;
  }
  return { cipher, tls13 };
}

async function hkdfExpandLabel(secret, label, length, hash) {
  const full = new TextEncoder().encode(`tls13 ${label}`);
  const info = new Uint8Array([length >> 8, length & 0xff, full.length, ...full, 0]);
  const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash }, false, ['sign']);
  const out = new Uint8Array(length);
  let prev = new Uint8Array(0);
  for (let i = 1, o = 0; o < length; i++) {
    prev = new Uint8Array(await crypto.subtle.sign('HMAC', key, new Uint8Array([...prev, ...info, i])));
    out.set(prev.subarray(0, length - o), o);
    o += prev.length;
  }
  return out;
}

async function trafficKeys(secret, suite) {
  const key = await hkdfExpandLabel(secret, 'key', suite.keyLen, suite.hash);
  const iv = await hkdfExpandLabel(secret, 'iv', 12, suite.hash);
  return { secret, iv, key: await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['decrypt']), seq: 0n };
}

async function open(keys, rec) {
  const nonce = keys.iv.slice();
  for (let k = 0; k < 8; k++) nonce[11 - k] ^= Number((keys.seq >> BigInt(8 * k)) & 0xffn);
  const plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData: rec.header, tagLength: 128 }, keys.key, rec.body));
  keys.seq += 1n;
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  return { type: plain[end - 1], data: plain.subarray(0, end - 1) };
}

/**
 * Decrypt one TLS connection. Returns {chunks, suite, notes}; throws an Error
 * that says why when it cannot (no keys for this session, TLS 1.2, ChaCha20).
 */
export async function decryptTls(conn, keyLog) {
  const c2s = records(conn.chunks, 'c2s');
  const s2c = records(conn.chunks, 's2c');
  const hello = c2s.find((r) => r.type === 22 && r.body[0] === 1);
  if (!hello) throw new Error('no ClientHello in the capture');
  const random = toHex(hello.body.subarray(6, 38));
  const sh = s2c.filter((r) => r.type === 22).map((r) => serverHello(r.body)).find(Boolean);
  if (!sh) throw new Error('no ServerHello in the capture');
  const secrets = keyLog.get(random);
  if (!secrets) throw new Error('the key log has no line for this session (client random not found)');
  if (!sh.tls13) throw new Error('TLS 1.2 session: only TLS 1.3 is decrypted here so far');
  const suite = SUITES[sh.cipher];
  if (!suite || suite.unsupported) throw new Error(`cipher suite ${suite?.name ?? `0x${sh.cipher.toString(16)}`} is not supported here (AES-GCM suites are)`);
  const chunks = [];
  const notes = [];
  for (const [dir, recs, side] of [['c2s', c2s, 'CLIENT'], ['s2c', s2c, 'SERVER']]) {
    const hs = secrets[`${side}_HANDSHAKE_TRAFFIC_SECRET`];
    const app = secrets[`${side}_TRAFFIC_SECRET_0`];
    if (!hs || !app) throw new Error(`the key log lacks the ${side.toLowerCase()} traffic secrets for this session`);
    let keys = await trafficKeys(hs, suite);
    let phase = 'handshake';
    for (const rec of recs) {
      if (rec.type !== 23) continue;
      let inner;
      try {
        inner = await open(keys, rec);
      } catch {
        if (phase !== 'handshake') { notes.push(`${dir}: a record did not decrypt; the rest of this direction is left out`); break; }
        // The handshake is over: application traffic keys from here on.
        keys = await trafficKeys(app, suite);
        phase = 'application';
        try { inner = await open(keys, rec); } catch { notes.push(`${dir}: application data did not decrypt with the key log's secrets`); break; }
      }
      if (inner.type === 23) chunks.push({ t: rec.t, idx: rec.idx, dir, bytes: inner.data });
      else if (inner.type === 22 && inner.data[0] === 24 && phase === 'application') {
        // KeyUpdate: the next generation of this direction's traffic secret.
        keys = await trafficKeys(await hkdfExpandLabel(keys.secret, 'traffic upd', suite.hashLen, suite.hash), suite);
      }
    }
  }
  chunks.sort((a, b) => a.t - b.t || a.idx - b.idx);
  return { chunks, suite: suite.name, notes };
}
