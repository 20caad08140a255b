// Chaos: 1,000 concurrent requests over one client session through a TCP proxy
// that re-splits the byte stream at random points (down to single bytes) and
// stalls it now and then, both ways. Every body is checked by SHA-256. The
// randomness is seeded, the request count and stall lengths are bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { createServer, connect } from '../../js/index.js';
import { demoApp } from '../../js/cli.js';
import { sha256 } from './helpers.js';

/** Small seeded PRNG (mulberry32): the same chaos on every run. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const piped = { pieces: 0, bytes: 0 };

/** Copy `from` → `to`, re-split into random pieces, with short random stalls (≤ 3 ms, 2% of pieces). */
function chaosPipe(from, to, rand) {
  const queue = [];
  let running = false;
  const pump = async () => {
    running = true;
    while (queue.length) {
      let chunk = queue.shift();
      while (chunk.length) {
        const r = rand();
        const n = Math.max(1, Math.min(chunk.length, r < 0.1 ? 1 : Math.floor(rand() * 3000)));
        if (to.destroyed) return;
        to.write(chunk.subarray(0, n));
        piped.pieces++; piped.bytes += n;
        chunk = chunk.subarray(n);
        if (rand() < 0.02) await new Promise((res) => setTimeout(res, Math.floor(rand() * 4)));
      }
    }
    running = false;
  };
  from.on('data', (c) => { queue.push(c); if (!running) pump(); });
  from.on('end', () => to.end());
  from.on('error', () => to.destroy());
}

test('1,000 concurrent requests through a re-splitting, stalling proxy: every body intact', async () => {
  const server = createServer({}, demoApp({ root: '.' }));
  const { port } = await server.listen(0, '127.0.0.1');
  const rand = rng(12);
  const proxy = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    chaosPipe(client, upstream, rand);
    chaosPipe(upstream, client, rand);
  });
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  const session = await connect(`http://127.0.0.1:${proxy.address().port}`);
  const jobs = [];
  for (let i = 0; i < 1000; i++) {
    if (i % 4 === 3) {
      // An upload echoed back: bytes derived from i, so the expected hash is known.
      const body = createHash('sha512').update(String(i)).digest();
      const big = Buffer.concat(Array.from({ length: 1 + (i % 40) }, () => body));
      jobs.push(session.fetch('/echo', { method: 'POST', body: big })
        .then(async (r) => assert.equal(sha256(Buffer.from(await r.arrayBuffer())), sha256(big), `echo ${i}`)));
    } else {
      const n = (i * 7919) % 20_000;
      jobs.push(session.fetch(`/bytes/${n}`)
        .then(async (r) => assert.equal(sha256(Buffer.from(await r.arrayBuffer())), sha256(Buffer.alloc(n, 'a')), `bytes ${i}`)));
    }
  }
  await Promise.all(jobs);
  // The proxy really carried the traffic in small pieces.
  assert.ok(piped.bytes > 8_000_000 && piped.pieces > 5000, JSON.stringify(piped));
  await session.close();
  await server.close();
  await new Promise((r) => proxy.close(r));
});
