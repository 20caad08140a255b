// TLS decryption with an NSS key log (SSLKEYLOGFILE, as written by curl,
// Chromium's --ssl-key-log-file, Firefox, Node's 'keylog' event), in the page:
// TLS 1.3 and TLS 1.2 with AES-128-GCM, AES-256-GCM (WebCrypto) and
// ChaCha20-Poly1305 (RFC 8439, here: WebCrypto has no ChaCha). Keys and
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

// TLS 1.3 suites, and the TLS 1.2 AEAD suites (ECDHE or RSA key exchange: the key log has the master secret).
const SUITES = {
  0x1301: { name: 'TLS_AES_128_GCM_SHA256', aead: 'gcm', keyLen: 16, hash: 'SHA-256', hashLen: 32 },
  0x1302: { name: 'TLS_AES_256_GCM_SHA384', aead: 'gcm', keyLen: 32, hash: 'SHA-384', hashLen: 48 },
  0x1303: { name: 'TLS_CHACHA20_POLY1305_SHA256', aead: 'chacha', keyLen: 32, hash: 'SHA-256', hashLen: 32 },
  0xc02b: { name: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', aead: 'gcm', keyLen: 16, hash: 'SHA-256' },
  0xc02c: { name: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', aead: 'gcm', keyLen: 32, hash: 'SHA-384' },
  0xc02f: { name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', aead: 'gcm', keyLen: 16, hash: 'SHA-256' },
  0xc030: { name: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', aead: 'gcm', keyLen: 32, hash: 'SHA-384' },
  0x009c: { name: 'TLS_RSA_WITH_AES_128_GCM_SHA256', aead: 'gcm', keyLen: 16, hash: 'SHA-256' },
  0x009d: { name: 'TLS_RSA_WITH_AES_256_GCM_SHA384', aead: 'gcm', keyLen: 32, hash: 'SHA-384' },
  0xcca8: { name: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', aead: 'chacha', keyLen: 32, hash: 'SHA-256' },
  0xcca9: { name: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', aead: 'chacha', keyLen: 32, hash: 'SHA-256' },
};

// ---------------------------------------------------------------- ChaCha20-Poly1305 (RFC 8439)

function chachaBlock(key, counter, nonce) {
  const s = new Uint32Array(16);
  s.set([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
  const kv = new DataView(key.buffer, key.byteOffset, 32);
  for (let k = 0; k < 8; k++) s[4 + k] = kv.getUint32(k * 4, true);
  s[12] = counter;
  const nv = new DataView(nonce.buffer, nonce.byteOffset, 12);
  for (let k = 0; k < 3; k++) s[13 + k] = nv.getUint32(k * 4, true);
  const x = s.slice();
  const rotl = (v, n) => (v << n) | (v >>> (32 - n));
  const qr = (a, b, c, d) => {
    x[a] += x[b]; x[d] = rotl(x[d] ^ x[a], 16);
    x[c] += x[d]; x[b] = rotl(x[b] ^ x[c], 12);
    x[a] += x[b]; x[d] = rotl(x[d] ^ x[a], 8);
    x[c] += x[d]; x[b] = rotl(x[b] ^ x[c], 7);
  };
  for (let r = 0; r < 10; r++) {
    qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15);
    qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14);
  }
  const out = new Uint8Array(64);
  const ov = new DataView(out.buffer);
  for (let k = 0; k < 16; k++) ov.setUint32(k * 4, (x[k] + s[k]) >>> 0, true);
  return out;
}

const leNum = (b) => { let n = 0n; for (let k = b.length - 1; k >= 0; k--) n = (n << 8n) | BigInt(b[k]); return n; };

function poly1305(key, msg) {
  const r = leNum(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = leNum(key.subarray(16, 32));
  const p = (1n << 130n) - 5n;
  let acc = 0n;
  for (let o = 0; o < msg.length; o += 16) {
    const block = msg.subarray(o, o + 16);
    acc = ((acc + leNum(block) + (1n << BigInt(8 * block.length))) * r) % p;
  }
  acc = (acc + s) & ((1n << 128n) - 1n);
  const tag = new Uint8Array(16);
  for (let k = 0; k < 16; k++) { tag[k] = Number(acc & 0xffn); acc >>= 8n; }
  return tag;
}

function chachaOpen(key, nonce, aad, sealed) {
  if (sealed.length < 16) throw new Error('record too short');
  const ct = sealed.subarray(0, sealed.length - 16);
  const tag = sealed.subarray(sealed.length - 16);
  const pad = (n) => (16 - (n % 16)) % 16;
  const mac = new Uint8Array(aad.length + pad(aad.length) + ct.length + pad(ct.length) + 16);
  mac.set(aad);
  mac.set(ct, aad.length + pad(aad.length));
  const lens = new DataView(mac.buffer, mac.length - 16);
  lens.setBigUint64(0, BigInt(aad.length), true);
  lens.setBigUint64(8, BigInt(ct.length), true);
  const want = poly1305(chachaBlock(key, 0, nonce).subarray(0, 32), mac);
  let diff = 0;
  for (let k = 0; k < 16; k++) diff |= want[k] ^ tag[k];
  if (diff) throw new Error('bad record MAC');
  const out = new Uint8Array(ct.length);
  for (let o = 0, counter = 1; o < ct.length; o += 64, counter++) {
    const ks = chachaBlock(key, counter, nonce);
    for (let k = 0; k < 64 && o + k < ct.length; k++) out[o + k] = ct[o + k] ^ ks[k];
  }
  return out;
}

/** An AEAD opener for a suite: (nonce, aad, sealed) → plaintext, or throws. */
async function aead(suite, keyBytes) {
  if (suite.aead === 'chacha') return async (nonce, aad, sealed) => chachaOpen(keyBytes, nonce, aad, sealed);
  const key = await crypto.subtle.importKey('raw', keyBytes, 'AES-GCM', false, ['decrypt']);
  return async (nonce, aad, sealed) => new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }, key, sealed));
}

const seqNonce = (iv, seq) => {
  const nonce = iv.slice();
  for (let k = 0; k < 8; k++) nonce[nonce.length - 1 - k] ^= Number((seq >> BigInt(8 * k)) & 0xffn);
  return nonce;
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
  const random = body.subarray(6, 38);
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
  return { cipher, tls13, random };
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
  return { secret, iv, open: await aead(suite, key), seq: 0n };
}

async function open(keys, rec) {
  const plain = await keys.open(seqNonce(keys.iv, keys.seq), rec.header, rec.body);
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
  const suite = SUITES[sh.cipher];
  if (!suite || (sh.tls13 !== (sh.cipher >> 8 === 0x13))) throw new Error(`cipher suite 0x${sh.cipher.toString(16).padStart(4, '0')} is not supported here (AES-GCM and ChaCha20-Poly1305 are)`);
  if (!sh.tls13) return decryptTls12(c2s, s2c, hello.body.subarray(6, 38), sh, suite, secrets);
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
  return { chunks, suite: suite.name, version: 'TLS 1.3', notes };
}

/** TLS 1.2 PRF (RFC 5246 §5): P_hash over HMAC with the suite's hash. */
async function prf(secret, label, seed, length, hash) {
  const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash }, false, ['sign']);
  const s = new Uint8Array([...new TextEncoder().encode(label), ...seed]);
  const out = new Uint8Array(length);
  let a = s;
  for (let o = 0; o < length;) {
    a = new Uint8Array(await crypto.subtle.sign('HMAC', key, a));
    const block = new Uint8Array(await crypto.subtle.sign('HMAC', key, new Uint8Array([...a, ...s])));
    out.set(block.subarray(0, length - o), o);
    o += block.length;
  }
  return out;
}

async function decryptTls12(c2s, s2c, clientRandom, sh, suite, secrets) {
  const master = secrets.CLIENT_RANDOM;
  if (!master) throw new Error('the key log has no CLIENT_RANDOM line (master secret) for this TLS 1.2 session');
  const ivLen = suite.aead === 'gcm' ? 4 : 12;
  const block = await prf(master, 'key expansion', new Uint8Array([...sh.random, ...clientRandom]), 2 * suite.keyLen + 2 * ivLen, suite.hash);
  const part = (k) => block.subarray(k[0], k[0] + k[1]);
  const keys = {
    c2s: { key: part([0, suite.keyLen]), iv: part([2 * suite.keyLen, ivLen]) },
    s2c: { key: part([suite.keyLen, suite.keyLen]), iv: part([2 * suite.keyLen + ivLen, ivLen]) },
  };
  const chunks = [];
  const notes = [];
  for (const [dir, recs] of [['c2s', c2s], ['s2c', s2c]]) {
    const openRecord = await aead(suite, keys[dir].key);
    let seq = -1n; // counts from the first record after ChangeCipherSpec
    for (const rec of recs) {
      if (rec.type === 20) { seq = 0n; continue; }
      if (seq < 0n) continue;
      let nonce;
      let sealed = rec.body;
      if (suite.aead === 'gcm') {
        // Salt from the key block, then the record's explicit 8-byte nonce.
        nonce = new Uint8Array([...keys[dir].iv, ...rec.body.subarray(0, 8)]);
        sealed = rec.body.subarray(8);
      } else {
        nonce = seqNonce(keys[dir].iv, seq);
      }
      const len = sealed.length - 16;
      const aad = new Uint8Array(13);
      new DataView(aad.buffer).setBigUint64(0, seq);
      aad.set([rec.type, rec.header[1], rec.header[2], len >> 8, len & 0xff], 8);
      let plain;
      try { plain = await openRecord(nonce, aad, sealed); } catch { notes.push(`${dir}: a record did not decrypt; the rest of this direction is left out`); break; }
      seq += 1n;
      if (rec.type === 23) chunks.push({ t: rec.t, idx: rec.idx, dir, bytes: plain });
    }
  }
  chunks.sort((a, b) => a.t - b.t || a.idx - b.idx);
  return { chunks, suite: suite.name, version: 'TLS 1.2', notes };
}
