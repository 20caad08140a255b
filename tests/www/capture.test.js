// www/capture.js in Node: pcap/pcapng parsing, link layers, TCP reassembly,
// hex/base64 input, trace JSON lines. No browser, no wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  connectionsFromFiles, parseText, sniff, readPcap, readPcapng, tcpConnections, traceConnections, startsWithPreface,
} from '../../www/capture.js';
import { sampleExchange, tcpPackets, pcap, pcapng, link, PREFACE } from './helpers.js';

const joined = (conn, dir) => Buffer.concat(conn.chunks.filter((c) => c.dir === dir).map((c) => Buffer.from(c.bytes)));

test('pcap over Ethernet: both directions reassembled byte-exact, client found by SYN', () => {
  const ex = sampleExchange();
  const file = pcap(tcpPackets({ ...ex, mss: 7 }));
  assert.equal(sniff(file), 'pcap');
  const [conn, ...rest] = connectionsFromFiles([{ name: 'x.pcap', bytes: new Uint8Array(file) }]);
  assert.equal(rest.length, 0);
  assert.deepEqual(joined(conn, 'c2s'), Buffer.concat(ex.c2s));
  assert.deepEqual(joined(conn, 's2c'), Buffer.concat(ex.s2c));
  assert.equal(conn.client, '127.0.0.1:40000');
  assert.equal(conn.server, '127.0.0.1:8080');
  assert.ok(conn.expectPreface);
  // Chunks are in time order across directions.
  const ts = conn.chunks.map((c) => c.t);
  assert.deepEqual(ts, [...ts].sort((a, b) => a - b));
});

test('out-of-order and retransmitted segments are put back in order once', () => {
  const ex = sampleExchange();
  const conn = tcpConnections(readPcap(new Uint8Array(pcap(tcpPackets({ ...ex, shuffle: true, mss: 10 })))))[0];
  assert.deepEqual(joined(conn, 'c2s'), Buffer.concat(ex.c2s));
  assert.deepEqual(joined(conn, 's2c'), Buffer.concat(ex.s2c));
  assert.deepEqual(conn.notes, []);
});

test('pcapng (ns resolution) with every supported link type, IPv4 and IPv6', () => {
  const ex = sampleExchange();
  for (const [name, l] of Object.entries(link)) {
    for (const v of [4, 6]) {
      const file = new Uint8Array(pcapng(tcpPackets({ ...ex, v }), l));
      assert.equal(sniff(file), 'pcapng');
      const pk = readPcapng(file);
      assert.ok(pk.length > 5, `${name} v${v}`);
      // 1.25 ms between packets survives the nanosecond timestamps.
      assert.ok(Math.abs(pk[1].t - pk[0].t - 1.25) < 1e-6);
      const [conn] = tcpConnections(pk);
      assert.ok(conn, `${name} v${v}: a connection`);
      assert.deepEqual(joined(conn, 'c2s'), Buffer.concat(ex.c2s), `${name} v${v}`);
      assert.deepEqual(joined(conn, 's2c'), Buffer.concat(ex.s2c), `${name} v${v}`);
      if (v === 6) assert.equal(conn.client, '[::1]:40000');
    }
  }
});

test('several connections in one capture are kept apart', () => {
  const ex = sampleExchange();
  const a = tcpPackets({ ...ex, cport: 40001 });
  const b = tcpPackets({ c2s: [PREFACE], s2c: [Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])], cport: 40002, t0: 1_700_000_000_001 });
  const merged = [...a, ...b].sort((p, q) => p.t - q.t);
  const conns = tcpConnections(readPcap(new Uint8Array(pcap(merged))));
  assert.equal(conns.length, 2);
  assert.deepEqual(conns.map((c) => c.client).sort(), ['127.0.0.1:40001', '127.0.0.1:40002']);
  const second = conns.find((c) => c.client.endsWith(':40002'));
  assert.deepEqual(joined(second, 'c2s'), PREFACE);
});

test('capture without the handshake: the client is the side that sends the preface', () => {
  const ex = sampleExchange();
  const pk = tcpPackets({ ...ex, cport: 50000, sport: 60000 }).slice(3);
  const [conn] = tcpConnections(readPcap(new Uint8Array(pcap(pk))));
  assert.equal(conn.client, '127.0.0.1:50000');
  assert.deepEqual(joined(conn, 'c2s'), Buffer.concat(ex.c2s));
});

test('a gap in the sequence space is reported', () => {
  const ex = sampleExchange();
  const pk = tcpPackets({ ...ex, mss: 10 });
  pk.splice(6, 1); // drop one data segment
  const [conn] = tcpConnections(readPcap(new Uint8Array(pcap(pk))));
  assert.ok(conn.notes.some((n) => /missing/.test(n)), conn.notes.join());
});

test('hex, xxd, hexdump -C and base64 text', () => {
  const bytes = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00', 'latin1');
  assert.deepEqual(Buffer.from(parseText(bytes.toString('hex'))), bytes);
  assert.deepEqual(Buffer.from(parseText(bytes.toString('hex').replace(/(..)/g, '$1 '))), bytes);
  assert.deepEqual(Buffer.from(parseText(bytes.toString('base64'))), bytes);
  const xxd = '00000000: 5052 4920 2a20 4854 5450 2f32 2e30 0d0a  PRI * HTTP/2.0..\n'
    + '00000010: 0d0a 534d 0d0a 0d0a 0000 0004 0000 0000  ..SM............\n'
    + '00000020: 00                                       .\n';
  assert.deepEqual(Buffer.from(parseText(xxd)), bytes);
  const hexdumpC = '00000000  50 52 49 20 2a 20 48 54  54 50 2f 32 2e 30 0d 0a  |PRI * HTTP/2.0..|\n'
    + '00000010  0d 0a 53 4d 0d 0a 0d 0a  00 00 00 04 00 00 00 00  |..SM............|\n'
    + '00000020  00                                                |.|\n00000021\n';
  assert.deepEqual(Buffer.from(parseText(hexdumpC)), bytes);
  assert.throws(() => parseText('not hex, not base64!'));
});

test('raw dumps: the file starting with the preface is client → server', () => {
  const ex = sampleExchange();
  const conns = connectionsFromFiles([
    { name: 'server.bin', bytes: new Uint8Array(Buffer.concat(ex.s2c)) },
    { name: 'client.bin', bytes: new Uint8Array(Buffer.concat(ex.c2s)) },
  ]);
  assert.equal(conns.length, 1);
  assert.deepEqual(joined(conns[0], 'c2s'), Buffer.concat(ex.c2s));
  assert.deepEqual(joined(conns[0], 's2c'), Buffer.concat(ex.s2c));
  assert.ok(startsWithPreface(conns[0].chunks[0].bytes));
});

test('trace JSON lines → connections, times relative to the first event', () => {
  const ex = sampleExchange();
  const lines = [
    { k: 'open', c: 7, t: 1000, info: { remoteAddress: '127.0.0.1', remotePort: 5555, localAddress: '127.0.0.1', localPort: 80 } },
    ...ex.c2s.map((b, i) => ({ k: 'data', c: 7, t: 1001 + i, d: 'c2s', b: b.toString('base64') })),
    ...ex.s2c.map((b, i) => ({ k: 'data', c: 7, t: 1001.5 + i, d: 's2c', b: b.toString('base64') })),
    { k: 'close', c: 7, t: 1010 },
  ].map((e) => JSON.stringify(e)).join('\n');
  assert.equal(sniff(new Uint8Array(Buffer.from(lines))), 'trace');
  const [conn] = traceConnections(lines);
  assert.equal(conn.client, '127.0.0.1:5555');
  assert.equal(conn.chunks[0].t, 1);
  assert.deepEqual(joined(conn, 'c2s'), Buffer.concat(ex.c2s));
  assert.deepEqual(joined(conn, 's2c'), Buffer.concat(ex.s2c));
});

test('garbage files never throw', () => {
  for (let n = 0; n < 200; n++) {
    const len = (n * 7919) % 300;
    const b = new Uint8Array(len);
    for (let i = 0; i < len; i++) b[i] = (i * 31 + n * 17) & 0xff;
    if (n % 3 === 0 && len >= 4) b.set([0xd4, 0xc3, 0xb2, 0xa1]);
    if (n % 3 === 1 && len >= 4) b.set([0x0a, 0x0d, 0x0d, 0x0a]);
    connectionsFromFiles([{ name: 'g', bytes: b }]);
  }
});
