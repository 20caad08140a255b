// Turns the inputs the page accepts into connections: lists of timed chunks
// per direction, ready for the wasm Inspector.
//
//   Connection = { id, label, client, server, chunks: [{t, dir: 'c2s'|'s2c', bytes}],
//                  bytes: {c2s, s2c}, expectPreface, notes: [string] }
//
// Inputs: hex or base64 text (one direction per text area), raw byte dumps
// (direction guessed from the preface), pcap and pcapng files of cleartext
// TCP (Ethernet, Linux cooked SLL/SLL2, BSD/Linux loopback, raw IP; IPv4 and
// IPv6), reassembled per connection and direction by sequence number, and the
// server's trace (JSON lines written by js/trace.js).

import { isKeyLog } from './tls.js';

export const PREFACE = new TextEncoder().encode('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** An HTTP/1.1 request line ("GET / HTTP/1.1"): maybe an h2c upgrade the Inspector follows. */
export function startsWithHttp1Request(bytes) {
  let i = 0;
  while (i < bytes.length && i < 16 && bytes[i] >= 0x41 && bytes[i] <= 0x5a) i++;
  return i > 0 && bytes[i] === 0x20;
}

/** Does a client→server byte stream start at the beginning of a connection? */
export function startsConnection(bytes) {
  return startsWithPreface(bytes) || startsWithHttp1Request(bytes);
}

export function startsWithPreface(bytes) {
  const n = Math.min(bytes.length, PREFACE.length);
  if (n < 4) return false;
  for (let i = 0; i < n; i++) if (bytes[i] !== PREFACE[i]) return false;
  return true;
}

// ---------------------------------------------------------------- text input

/** Hex (plain, with spaces/colons/0x, or xxd / hexdump -C lines) or base64. */
export function parseText(text) {
  const t = text.trim();
  if (!t) return new Uint8Array(0);
  const lines = t.split(/\r?\n/);
  const dumpLine = /^([0-9a-fA-F]{4,}):?(?:\s+(.*))?$/;
  // xxd ("00000000: 5052 4920 ...  PRI *") or hexdump -C ("00000000  50 52 49 20 ... |PRI *|")
  if (lines.every((l) => !l.trim() || dumpLine.test(l.trim())) && lines.length > 0 && /\s{2}|\|/.test(t)) {
    let hex = '';
    for (const raw of lines) {
      const l = raw.trim();
      if (!l) continue;
      let rest = l.match(dumpLine)[2] ?? '';
      rest = rest.replace(/\|.*\|\s*$/, '');           // hexdump -C ascii column
      const groups = rest.split(/\s{2,}/);               // xxd: hex then two spaces then ascii
      const hexPart = groups.length > 1 && /^[0-9a-fA-F ]+$/.test(groups[0]) && !/\|/.test(l) ? groups[0] : rest;
      hex += hexPart.replace(/[^0-9a-fA-F]/g, '');
    }
    return hexToBytes(hex);
  }
  const compact = t.replace(/0x/gi, '').replace(/[\s:,]/g, '');
  if (/^[0-9a-fA-F]*$/.test(compact) && compact.length % 2 === 0) return hexToBytes(compact);
  // Base64 may be wrapped into lines, but a line never holds spaces: "zzzz not hex" is words, not base64.
  const b64lines = t.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const b64 = b64lines.join('').replace(/-/g, '+').replace(/_/g, '/');
  const wrapped = b64lines.every((l, k) => !/\s/.test(l) && (k === b64lines.length - 1 || l.length === b64lines[0].length));
  if (wrapped && /^[A-Za-z0-9+/]*={0,2}$/.test(b64) && b64.replace(/=+$/, '').length % 4 !== 1) {
    try { return base64ToBytes(b64); } catch { /* fall through */ }
  }
  throw new Error('input is neither hex nor base64');
}

export function hexToBytes(hex) {
  if (hex.length % 2) throw new Error('odd number of hex digits');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

export function base64ToBytes(b64) {
  const pad = b64.length % 4 ? '='.repeat(4 - (b64.length % 4)) : '';
  const bin = atob(b64 + pad);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Two directions given as bytes (either may be empty) → one connection. */
export function connectionFromDirections(c2s, s2c, label = 'pasted bytes') {
  const chunks = [];
  // No timing information: feed the client's bytes first, then the server's,
  // frame order within each direction is what matters. Times are 0.
  if (c2s.length) chunks.push({ t: 0, dir: 'c2s', bytes: c2s });
  if (s2c.length) chunks.push({ t: 0, dir: 's2c', bytes: s2c });
  return {
    id: 1, label, client: 'client', server: 'server', chunks,
    bytes: { c2s: c2s.length, s2c: s2c.length },
    expectPreface: c2s.length === 0 || startsConnection(c2s),
    notes: c2s.length && s2c.length ? ['no timestamps: each direction is decoded in order, client bytes first'] : [],
    untimed: true,
  };
}

// ---------------------------------------------------------------- file input

/** What a file is, from its first bytes. */
export function sniff(bytes) {
  if (bytes.length >= 4) {
    const m = (bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]) >>> 0;
    if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1) return 'pcap';
    if (m === 0x0a0d0d0a) return 'pcapng';
  }
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x7b /* { */ && bytes.length > i + 3) {
    const head = new TextDecoder().decode(bytes.subarray(i, Math.min(bytes.length, i + 200)));
    if (/^\{\s*"k"\s*:/.test(head)) return 'trace';
  }
  // The raw text/event-stream of /_trace (saved from curl or the browser): "retry:", "data: {...}" lines.
  if (bytes.length > i + 6) {
    const head = new TextDecoder().decode(bytes.subarray(i, Math.min(bytes.length, i + 400)));
    if (/^(retry:|data:|event:|id:|:)/.test(head) && /(^|\n)data:\s*\{\s*"k"\s*:/.test(head)) return 'trace';
  }
  if (startsConnection(bytes)) return 'raw-c2s';
  // A text file holding hex or base64?
  let printable = true;
  for (let j = 0; j < Math.min(bytes.length, 4096); j++) {
    const b = bytes[j];
    if (!(b === 9 || b === 10 || b === 13 || (b >= 0x20 && b < 0x7f))) { printable = false; break; }
  }
  if (printable && bytes.length) {
    return isKeyLog(new TextDecoder().decode(bytes.subarray(0, 4096))) ? 'keylog' : 'text';
  }
  return 'raw-s2c';
}

/**
 * Files → connections. Raw dumps (and hex/base64 text files) are paired:
 * one starting with the preface is client→server, the other server→client.
 */
export function connectionsFromFiles(files /* [{name, bytes}] */) {
  const conns = [];
  const fileNotes = [];
  let keyLog = null;
  const raw = { c2s: null, s2c: null, names: [] };
  for (const f of files) {
    const kind = sniff(f.bytes);
    if (kind === 'pcap' || kind === 'pcapng') {
      const packets = kind === 'pcap' ? readPcap(f.bytes) : readPcapng(f.bytes);
      const truncated = packets.truncated ? [`${f.name} is truncated: the last ${kind} record is cut off`] : [];
      fileNotes.push(...truncated);
      for (const c of tcpConnections(packets)) conns.push({ ...c, label: `${f.name}: ${c.label}`, notes: [...truncated, ...c.notes] });
      if (!packets.length) fileNotes.push(`${f.name}: no packets`);
    } else if (kind === 'keylog') {
      keyLog = (keyLog ?? '') + new TextDecoder().decode(f.bytes);
    } else if (kind === 'trace') {
      for (const c of traceConnections(new TextDecoder().decode(f.bytes))) conns.push({ ...c, label: `${f.name}: ${c.label}` });
    } else {
      let bytes = f.bytes;
      if (kind === 'text') bytes = parseText(new TextDecoder().decode(f.bytes));
      const dir = startsConnection(bytes) ? 'c2s' : (raw.s2c ? 'c2s' : 's2c');
      raw[dir] = bytes;
      raw.names.push(f.name);
    }
  }
  if (raw.c2s || raw.s2c) {
    conns.push(connectionFromDirections(raw.c2s ?? new Uint8Array(0), raw.s2c ?? new Uint8Array(0), raw.names.join(' + ')));
  }
  conns.forEach((c, i) => { c.id = i + 1; classifyConnection(c); });
  conns.notes = fileNotes;
  conns.keyLog = keyLog;
  return conns;
}

// ---------------------------------------------------------------- pcap / pcapng

/** Classic pcap → [{t (ms), linktype, data}] */
export function readPcap(bytes) {
  const out = [];
  try { readPcapInto(bytes, out); } catch { out.truncated = true; /* garbage after the last good record */ }
  return out;
}

function readPcapInto(bytes, out) {
  if (bytes.length < 24) { out.truncated = true; return; }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint32(0, false);
  const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const linktype = dv.getUint32(20, le) & 0x0fffffff;
  let off = 24;
  while (off + 16 <= bytes.length) {
    const sec = dv.getUint32(off, le);
    const frac = dv.getUint32(off + 4, le);
    const incl = dv.getUint32(off + 8, le);
    off += 16;
    if (off + incl > bytes.length) break;
    out.push({ t: sec * 1000 + (nano ? frac / 1e6 : frac / 1e3), linktype, data: bytes.subarray(off, off + incl) });
    off += incl;
  }
  if (off < bytes.length) out.truncated = true; // a record cut off by the end of the file
}

/** pcapng → [{t (ms), linktype, data}] (SHB, IDB, EPB, SPB, obsolete PB). */
export function readPcapng(bytes) {
  const out = [];
  try { readPcapngInto(bytes, out); } catch { out.truncated = true; /* garbage after the last good block */ }
  return out;
}

function readPcapngInto(bytes, out) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le = true;
  let ifaces = [];
  let off = 0;
  while (off + 12 <= bytes.length) {
    let type = dv.getUint32(off, le);
    if (type === 0x0a0d0d0a || dv.getUint32(off, !le) === 0x0a0d0d0a) {
      // Section header: its byte-order magic decides the endianness of the section.
      le = dv.getUint32(off + 8, true) === 0x1a2b3c4d;
      type = 0x0a0d0d0a;
      ifaces = [];
    }
    const len = dv.getUint32(off + 4, le);
    if (len < 12 || off + len > bytes.length) break;
    const body = off + 8;
    if (type === 0x00000001) {
      // Interface description: link type and timestamp resolution (option 9).
      const iface = { linktype: dv.getUint16(body, le), unitsPerSec: 1e6 };
      let o = body + 8;
      while (o + 4 <= off + len - 4) {
        const code = dv.getUint16(o, le);
        const olen = dv.getUint16(o + 2, le);
        if (code === 0) break;
        if (code === 9 && olen >= 1) {
          const v = bytes[o + 4];
          iface.unitsPerSec = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
        }
        o += 4 + ((olen + 3) & ~3);
      }
      ifaces.push(iface);
    } else if (type === 0x00000006 || type === 0x00000002) {
      const epb = type === 0x00000006;
      const ifId = epb ? dv.getUint32(body, le) : dv.getUint16(body, le);
      const iface = ifaces[ifId] ?? { linktype: 1, unitsPerSec: 1e6 };
      const ts = dv.getUint32(body + 4, le) * 2 ** 32 + dv.getUint32(body + 8, le);
      const cap = dv.getUint32(body + 12, le);
      const start = body + 20;
      if (start + cap <= off + len) {
        out.push({ t: (ts / iface.unitsPerSec) * 1000, linktype: iface.linktype, data: bytes.subarray(start, start + cap) });
      }
    } else if (type === 0x00000003) {
      const iface = ifaces[0] ?? { linktype: 1 };
      const orig = dv.getUint32(body, le);
      const cap = Math.min(orig, len - 16);
      out.push({ t: NaN, linktype: iface.linktype, data: bytes.subarray(body + 4, body + 4 + cap) });
    }
    off += len;
  }
  if (off < bytes.length) out.truncated = true;
}

/** Link-layer frame → {version, payload} of its IP packet, or null. */
export function ipOf(linktype, d) {
  const u16 = (o) => (d[o] << 8) | d[o + 1];
  let eth;
  let off;
  switch (linktype) {
    case 1: { // Ethernet (+ 802.1Q tags)
      off = 12;
      eth = u16(off); off += 2;
      while ((eth === 0x8100 || eth === 0x88a8) && off + 4 <= d.length) { eth = u16(off + 2); off += 4; }
      break;
    }
    case 113: eth = u16(14); off = 16; break;      // Linux cooked (SLL)
    case 276: eth = u16(0); off = 20; break;       // Linux cooked v2 (SLL2)
    case 0: case 108: {                            // BSD loopback: address family (host / network order)
      const fam = linktype === 0 ? (d[0] | d[1] << 8 | d[2] << 16 | d[3] << 24) >>> 0 : ((d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3]) >>> 0);
      const famBE = ((d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3]) >>> 0);
      const f = fam < 256 ? fam : famBE;
      eth = f === 2 ? 0x0800 : [10, 24, 28, 30].includes(f) ? 0x86dd : -1;
      off = 4;
      break;
    }
    case 12: case 14: case 101: off = 0; eth = (d[0] >> 4) === 6 ? 0x86dd : 0x0800; break; // raw IP
    case 228: off = 0; eth = 0x0800; break;
    case 229: off = 0; eth = 0x86dd; break;
    default: return null;
  }
  if (eth !== 0x0800 && eth !== 0x86dd) return null;
  return d.subarray(off);
}

function ipStr4(d, o) { return `${d[o]}.${d[o + 1]}.${d[o + 2]}.${d[o + 3]}`; }
function ipStr6(d, o) {
  const parts = [];
  for (let i = 0; i < 16; i += 2) parts.push(((d[o + i] << 8) | d[o + i + 1]).toString(16));
  const s = parts.join(':');
  return s.replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
}

/** IP packet → TCP segment fields, or null. */
export function tcpOf(ip) {
  if (ip.length < 20) return null;
  const v = ip[0] >> 4;
  let src, dst, off, end, proto;
  if (v === 4) {
    const ihl = (ip[0] & 0x0f) * 4;
    const total = (ip[2] << 8) | ip[3];
    proto = ip[9];
    const frag = ((ip[6] << 8) | ip[7]) & 0x3fff;
    if (frag) return { fragment: true };
    src = ipStr4(ip, 12); dst = ipStr4(ip, 16);
    off = ihl; end = Math.min(ip.length, total || ip.length);
  } else if (v === 6) {
    if (ip.length < 40) return null;
    proto = ip[6];
    const plen = (ip[4] << 8) | ip[5];
    src = ipStr6(ip, 8); dst = ipStr6(ip, 24);
    off = 40; end = Math.min(ip.length, 40 + plen);
    // Extension headers before TCP.
    while ([0, 43, 60].includes(proto) && off + 8 <= end) { proto = ip[off]; off += (ip[off + 1] + 1) * 8; }
    if (proto === 44) return { fragment: true };
  } else return null;
  if (proto !== 6 || off + 20 > end) return null;
  const t = ip.subarray(off, end);
  const doff = (t[12] >> 4) * 4;
  if (doff < 20 || doff > t.length) return null;
  const fl = t[13];
  return {
    src, dst,
    sport: (t[0] << 8) | t[1], dport: (t[2] << 8) | t[3],
    seq: ((t[4] << 24) | (t[5] << 16) | (t[6] << 8) | t[7]) >>> 0,
    syn: !!(fl & 0x02), ack: !!(fl & 0x10), fin: !!(fl & 0x01), rst: !!(fl & 0x04),
    payload: t.subarray(doff),
  };
}

const ep = (a, p) => (a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`);

/** Packets → TCP connections, each direction reassembled by sequence number. */
export function tcpConnections(packets) {
  const conns = new Map();
  let t0 = Infinity;
  for (const p of packets) if (Number.isFinite(p.t)) t0 = Math.min(t0, p.t);
  let fragments = 0;
  packets.forEach((p, index) => {
    let seg;
    try {
      const ip = ipOf(p.linktype, p.data);
      seg = ip && tcpOf(ip);
    } catch { seg = null; } // truncated or garbage packet: skip it
    if (!seg) return;
    if (seg.fragment) { fragments++; return; }
    const a = ep(seg.src, seg.sport);
    const b = ep(seg.dst, seg.dport);
    const key = a < b ? `${a} ${b}` : `${b} ${a}`;
    let c = conns.get(key);
    // A new SYN on a finished 4-tuple starts a new connection.
    if (c && seg.syn && !seg.ack && c.sides.get(a)?.synSeen && c.sides.get(a).segments.length) {
      conns.set(`${key}#${index}`, c);
      c = null;
    }
    if (!c) {
      c = { key, sides: new Map(), first: index, synFrom: null };
      conns.set(key, c);
    }
    let s = c.sides.get(a);
    if (!s) { s = { name: a, peer: b, isn: null, synSeen: false, segments: [] }; c.sides.set(a, s); }
    if (seg.syn) {
      s.isn = (seg.seq + 1) >>> 0;
      s.synSeen = true;
      if (!seg.ack) c.synFrom = a;
    }
    if (seg.payload.length) {
      s.segments.push({ seq: seg.seq, data: seg.payload, t: Number.isFinite(p.t) ? p.t - t0 : 0, index });
    }
  });
  const out = [];
  for (const c of new Set(conns.values())) {
    const sides = [...c.sides.values()];
    const streams = sides.map((s) => ({ side: s, ...reassemble(s) }));
    // Who is the client: the SYN sender; else whoever starts with the preface; else the higher port.
    let client = c.synFrom;
    if (!client) {
      const pre = streams.find((x) => x.chunks.length && startsConnection(x.chunks[0].bytes));
      if (pre) client = pre.side.name;
    }
    if (!client && sides.length) {
      const port = (n) => Number(n.slice(n.lastIndexOf(':') + 1));
      client = sides.reduce((m, s) => (port(s.name) > port(m.name) ? s : m)).name;
    }
    const cs = streams.find((x) => x.side.name === client);
    const sc = streams.find((x) => x.side.name !== client);
    const chunks = [];
    const notes = [];
    for (const [x, dir] of [[cs, 'c2s'], [sc, 's2c']]) {
      if (!x) continue;
      for (const ch of x.chunks) chunks.push({ ...ch, dir });
      for (const n of x.notes) notes.push(`${dir}: ${n}`);
    }
    if (!chunks.length) continue;
    // Time order across directions (stable: packet order breaks ties).
    chunks.sort((p, q) => p.t - q.t || p.index - q.index);
    const serverName = cs ? cs.side.peer : sc.side.name;
    const clientName = cs ? cs.side.name : sc.side.peer;
    const first = chunks.find((x) => x.dir === 'c2s');
    if (fragments) notes.push(`${fragments} IP fragments ignored`);
    out.push({
      id: 0,
      label: `${clientName} → ${serverName}`,
      client: clientName, server: serverName, chunks,
      bytes: { c2s: cs ? cs.total : 0, s2c: sc ? sc.total : 0 },
      expectPreface: first ? startsConnection(first.bytes) : true,
      h2: first ? startsConnection(first.bytes) : false,
      notes,
      epoch0: Number.isFinite(t0) ? t0 : null,
      first: c.first,
    });
  }
  out.sort((p, q) => p.first - q.first);
  return out;
}

/** One direction's segments → in-order chunks (retransmits and overlaps trimmed). */
function reassemble(side) {
  const segs = side.segments;
  const notes = [];
  if (!segs.length) return { chunks: [], notes, total: 0 };
  // Relative sequence numbers (mod 2^32) from the ISN, or from the first segment.
  const base = side.isn ?? segs[0].seq;
  const rel = segs.map((s) => ({ ...s, off: ((s.seq - base) >>> 0) > 0x7fffffff ? ((s.seq - base) >>> 0) - 0x100000000 : (s.seq - base) >>> 0 }));
  rel.sort((p, q) => p.off - q.off || p.index - q.index);
  const chunks = [];
  let next = Math.min(0, rel[0].off);
  if (rel[0].off > 0 && side.isn != null) {
    notes.push(`first ${rel[0].off} bytes missing from the capture`);
    next = rel[0].off;
  } else if (side.isn == null) next = rel[0].off;
  let tmax = -Infinity;
  let imax = -Infinity;
  for (const s of rel) {
    const end = s.off + s.data.length;
    if (end <= next) continue;              // retransmit
    if (s.off > next) {
      notes.push(`${s.off - next} bytes missing at offset ${next}: decoding after the gap is unreliable`);
      next = s.off;
    }
    // In-order delivery time: a byte is usable once everything before it has arrived.
    tmax = Math.max(tmax, s.t);
    imax = Math.max(imax, s.index);
    chunks.push({ t: tmax, index: imax, bytes: s.data.subarray(next - s.off) });
    next = end;
  }
  return { chunks, notes, total: chunks.reduce((n, c) => n + c.bytes.length, 0) };
}

// ---------------------------------------------------------------- server trace (JSON lines)

/** JSON lines of js/trace.js events → connections. */
export function traceConnections(text) {
  const byConn = new Map();
  let t0 = Infinity;
  const get = (c) => {
    let x = byConn.get(c);
    if (!x) { x = { id: c, info: {}, chunks: [], partial: false, bytes: { c2s: 0, s2c: 0 }, closed: false }; byConn.set(c, x); }
    return x;
  };
  let n = 0;
  for (const line of text.split('\n')) {
    const l = line.trim().replace(/^data:\s*/, '');
    if (!l.startsWith('{')) continue;
    let ev;
    try { ev = JSON.parse(l); } catch { continue; }
    if (typeof ev.t === 'number') t0 = Math.min(t0, ev.t);
    if (ev.c == null) continue;
    const x = get(ev.c);
    if (ev.k === 'open') x.info = ev.info ?? {};
    else if (ev.k === 'partial') x.partial = true;
    else if (ev.k === 'close') x.closed = true;
    else if (ev.k === 'data' && (ev.d === 'c2s' || ev.d === 's2c') && typeof ev.b === 'string') {
      const bytes = base64ToBytes(ev.b);
      x.chunks.push({ t: ev.t, dir: ev.d, bytes, index: n++ });
      x.bytes[ev.d] += bytes.length;
    }
  }
  const out = [];
  for (const x of byConn.values()) {
    if (!x.chunks.length) continue;
    for (const ch of x.chunks) ch.t -= t0;
    const first = x.chunks.find((c) => c.dir === 'c2s');
    const client = x.info.remoteAddress != null ? ep(x.info.remoteAddress, x.info.remotePort) : 'client';
    const server = x.info.localAddress != null ? ep(x.info.localAddress, x.info.localPort) : 'server';
    out.push({
      id: x.id, label: `#${x.id} ${client} → ${server}`, client, server, chunks: x.chunks, bytes: x.bytes,
      expectPreface: !x.partial && (!first || startsConnection(first.bytes)),
      partial: x.partial,
      epoch0: t0,
      notes: x.partial ? ['the start of this connection was not in the trace ring'] : [],
    });
  }
  return out;
}

// ---------------------------------------------------------------- what a connection carries

const FRAME_HEADER = 9;
/** Flags each frame type defines; other bits set make a header implausible for resynchronising. */
const KNOWN_FLAGS = [0x09, 0x2d, 0, 0, 0x01, 0x0c, 0x01, 0, 0, 0x04];
/** Frame types that live on stream 0 only, and those that never do. */
const CONN_ONLY = new Set([4, 6, 7]);
const STREAM_ONLY = new Set([0, 1, 2, 3, 5, 9]);
const FIXED_LEN = { 2: 5, 3: 4, 6: 8, 8: 4 };

/** Is there a believable HTTP/2 frame header at `o`? Returns its total size, or 0. */
function plausibleFrameAt(b, o) {
  if (o + FRAME_HEADER > b.length) return 0;
  const len = (b[o] << 16) | (b[o + 1] << 8) | b[o + 2];
  const type = b[o + 3];
  const flags = b[o + 4];
  const sid = ((b[o + 5] << 24) | (b[o + 6] << 16) | (b[o + 7] << 8) | b[o + 8]) >>> 0;
  if (type > 9 && type !== 0x10) return 0;
  if (sid & 0x80000000) return 0;
  if (type <= 9 && (flags & ~KNOWN_FLAGS[type]) !== 0) return 0;
  if (CONN_ONLY.has(type) && sid !== 0) return 0;
  if (STREAM_ONLY.has(type) && sid === 0) return 0;
  if (FIXED_LEN[type] != null && len !== FIXED_LEN[type]) return 0;
  if (type === 4 && len % 6) return 0;
  if (len > 1 << 20) return 0;
  return FRAME_HEADER + len;
}

/** Offset of the first frame boundary in `b` (a chain of believable frames), or -1. */
export function findFrameBoundary(b, maxScan = 1 << 16) {
  for (let start = 0; start < Math.min(b.length, maxScan); start++) {
    let o = start;
    let n = 0;
    for (;;) {
      const size = plausibleFrameAt(b, o);
      if (!size) break;
      n++;
      o += size;
      if (o >= b.length || n >= 4) break;
    }
    // Either several frames in a row, or frames that end exactly where the bytes do.
    if (n >= 3 || (n >= 1 && o === b.length)) return start;
  }
  return -1;
}

/** TLS record at the start? → {record, handshake, version, sni, alpn} (fields may be missing). */
export function tlsInfo(b) {
  if (b.length < 5 || b[0] < 0x14 || b[0] > 0x17 || b[1] !== 3 || b[2] > 4) return null;
  const names = { 0x14: 'ChangeCipherSpec', 0x15: 'Alert', 0x16: 'Handshake', 0x17: 'ApplicationData' };
  const info = { record: names[b[0]], version: `3.${b[2]}` };
  if (b[0] !== 0x16 || b.length < 9) return info;
  const hs = { 1: 'ClientHello', 2: 'ServerHello', 11: 'Certificate' };
  info.handshake = hs[b[5]] ?? `handshake type ${b[5]}`;
  if (b[5] !== 1) return info;
  try {
    // ClientHello: version(2) random(32) session_id cipher_suites compression extensions.
    let o = 9 + 2 + 32;
    o += 1 + b[o];
    o += 2 + ((b[o] << 8) | b[o + 1]);
    o += 1 + b[o];
    const extEnd = Math.min(b.length, o + 2 + ((b[o] << 8) | b[o + 1]));
    o += 2;
    while (o + 4 <= extEnd) {
      const type = (b[o] << 8) | b[o + 1];
      const len = (b[o + 2] << 8) | b[o + 3];
      const body = b.subarray(o + 4, Math.min(extEnd, o + 4 + len));
      if (type === 0 && body.length > 5) info.sni = new TextDecoder().decode(body.subarray(5, 5 + ((body[3] << 8) | body[4])));
      if (type === 16 && body.length > 2) {
        const alpn = [];
        for (let k = 2; k < body.length;) { alpn.push(new TextDecoder().decode(body.subarray(k + 1, k + 1 + body[k]))); k += 1 + body[k]; }
        info.alpn = alpn;
      }
      o += 4 + len;
    }
  } catch { /* a cut-off hello: what was read so far */ }
  return info;
}

function firstBytes(conn, dir, max = 1 << 16) {
  const parts = [];
  let n = 0;
  for (const ch of conn.chunks) {
    if (ch.dir !== dir) continue;
    parts.push(ch.bytes);
    n += ch.bytes.length;
    if (n >= max) break;
  }
  const out = new Uint8Array(Math.min(n, max));
  let o = 0;
  for (const p of parts) { const k = Math.min(p.length, out.length - o); out.set(p.subarray(0, k), o); o += k; if (o >= out.length) break; }
  return out;
}

/** Drop the first `skip` bytes of one direction (to resynchronise on a frame boundary). */
function dropPrefix(conn, dir, skip) {
  let left = skip;
  conn.chunks = conn.chunks.flatMap((ch) => {
    if (ch.dir !== dir || left === 0) return [ch];
    if (ch.bytes.length <= left) { left -= ch.bytes.length; return []; }
    const kept = { ...ch, bytes: ch.bytes.subarray(left) };
    left = 0;
    return [kept];
  });
  conn.skipped = { ...(conn.skipped ?? { c2s: 0, s2c: 0 }), [dir]: skip };
}

export const NO_H2 = 'no HTTP/2 found';

/**
 * Decide what a connection carries and set `kind`:
 *  'h2'   — starts at the connection start (preface, h2c upgrade, or the server's first SETTINGS);
 *  'mid'  — HTTP/2 frames, joined mid-connection (resynchronised on a frame boundary if needed);
 *  'tls'  — TLS records (`tls` holds what the first record says);
 *  'none' — nothing that looks like HTTP/2 (`why` says what).
 */
export function classifyConnection(conn) {
  const c2s = firstBytes(conn, 'c2s');
  const s2c = firstBytes(conn, 's2c');
  conn.notes = conn.notes ?? [];
  if (!c2s.length && !s2c.length) {
    Object.assign(conn, { kind: 'none', why: 'empty input' });
    return conn;
  }
  const tls = tlsInfo(c2s) ?? tlsInfo(s2c);
  if (tls) {
    Object.assign(conn, { kind: 'tls', tls, why: `TLS (${[tls.handshake ?? tls.record, tls.sni && `server name ${tls.sni}`, tls.alpn && `ALPN ${tls.alpn.join(', ')}`].filter(Boolean).join(', ')})` });
    return conn;
  }
  if (!conn.partial && startsConnection(c2s)) { conn.kind = 'h2'; conn.expectPreface = true; return conn; }
  const serverStart = !c2s.length && !conn.partial && plausibleFrameAt(s2c, 0) && s2c[3] === 4 && !(s2c[4] & 1);
  if (serverStart) { conn.kind = 'h2'; conn.expectPreface = true; return conn; }
  let found = false;
  for (const [dir, b] of [['c2s', c2s], ['s2c', s2c]]) {
    if (!b.length) continue;
    const at = findFrameBoundary(b);
    if (at < 0) continue;
    found = true;
    if (at > 0) { dropPrefix(conn, dir, at); conn.notes.push(`${dir}: skipped ${at} bytes to the first frame boundary`); }
  }
  if (!found) {
    Object.assign(conn, { kind: 'none', why: 'no HTTP/2 frames in the bytes' });
    return conn;
  }
  conn.kind = 'mid';
  conn.expectPreface = false;
  conn.notes.unshift('joined mid-connection: streams, windows and HPACK tables began before the capture');
  return conn;
}
