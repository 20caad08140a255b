// Nothing lost: 2,000 streams of random body sizes (seeded; 0 to 256 KiB,
// mostly small) go up and come back down (POST echo) through a TCP proxy that
// re-splits chunks at random sizes and pauses at random in both directions.
// Half the streams use a route whose push producer stalls at random and which
// pauses inbound reading at random. Every body's SHA-256 must match.

import test from 'node:test';
import assert from 'node:assert';
import net from 'node:net';
import http2 from 'node:http2';
import crypto from 'node:crypto';
import { createServer } from '../../js/index.js';

const STREAMS = Number(process.env.NOTHING_LOST_STREAMS || 2000);
const CONCURRENCY = 64;
const SEED = Number(process.env.NOTHING_LOST_SEED || 0x5eed1234);

function mulberry32(a) {
  return function () {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

// ------------------------------------------------------------------ server

function requestFactory(rand) {
  return (stream) => {
    let stall = false;
    const queue = [];
    let ended = false;
    let paused = false;
    let producing = false;
    let timer = null;

    // Push producer for /echo-stall: writes queued chunks in random slices,
    // stalls at random, obeys pause/resume from flow control.
    const pump = () => {
      timer = null;
      while (!paused && queue.length > 0) {
        if (rand() < 0.15) {
          timer = setTimeout(pump, Math.floor(rand() * 4));
          return;
        }
        const head = queue[0];
        const n = Math.max(1, Math.min(head.length, 1 + Math.floor(rand() * 20000)));
        stream.write(head.subarray(0, n));
        if (n === head.length) queue.shift();
        else queue[0] = head.subarray(n);
      }
      if (!paused && ended && queue.length === 0 && producing) {
        producing = false;
        stream.unregisterProducer();
        stream.loseConnection();
      }
    };
    const schedule = () => {
      if (timer === null && !paused) timer = setTimeout(pump, 0);
    };

    return {
      headersReceived() {
        stall = String(stream.path).startsWith('/echo-stall');
        stream.writeHeaders(200, [['content-type', 'application/octet-stream']]);
        if (stall) {
          producing = true;
          stream.registerProducer(
            {
              pauseProducing() { paused = true; },
              resumeProducing() { paused = false; schedule(); },
              stopProducing() { producing = false; queue.length = 0; },
            },
            true,
          );
        }
      },
      dataReceived(chunk) {
        const copy = Buffer.from(chunk);
        if (!stall) {
          stream.write(copy);
          return;
        }
        queue.push(copy);
        schedule();
        // Inbound backpressure at random: windows stay closed while paused.
        if (rand() < 0.05) {
          stream.pauseProducing();
          setTimeout(() => stream.resumeProducing(), Math.floor(rand() * 5));
        }
      },
      requestReceived() {
        if (!stall) {
          stream.loseConnection();
          return;
        }
        ended = true;
        schedule();
      },
      connectionLost() {
        if (timer) clearTimeout(timer);
      },
    };
  };
}

// ------------------------------------------------------------------ chaos proxy

function chaosPipe(src, dst, rand, stats) {
  const q = [];
  let busy = false;
  let srcEnded = false;
  const drain = () => {
    if (q.length === 0) {
      busy = false;
      if (srcEnded) dst.end();
      else src.resume();
      return;
    }
    busy = true;
    const piece = q.shift();
    stats.pieces++;
    const ok = dst.write(piece);
    const next = () => {
      if (rand() < 0.1) setTimeout(drain, Math.floor(rand() * 3));
      else setImmediate(drain);
    };
    if (ok) next();
    else dst.once('drain', next);
  };
  src.on('data', (chunk) => {
    let off = 0;
    while (off < chunk.length) {
      const r = rand();
      const n = r < 0.3 ? 1 + Math.floor(rand() * 16) : r < 0.8 ? 1 + Math.floor(rand() * 2048) : 1 + Math.floor(rand() * 65536);
      q.push(chunk.subarray(off, Math.min(chunk.length, off + n)));
      off += n;
    }
    if (q.length > 256) src.pause();
    if (!busy) drain();
  });
  src.on('end', () => {
    srcEnded = true;
    if (!busy) drain();
  });
  src.on('error', () => dst.destroy());
  dst.on('error', () => src.destroy());
}

function startProxy(targetPort, rand, stats) {
  return new Promise((resolve) => {
    const proxy = net.createServer((client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      chaosPipe(client, upstream, rand, stats);
      chaosPipe(upstream, client, rand, stats);
    });
    proxy.listen(0, '127.0.0.1', () => resolve(proxy));
  });
}

// ------------------------------------------------------------------ test

test('nothing lost: 2,000 random streams up and down through a chaotic proxy', { timeout: 120_000 }, async () => {
  const rand = mulberry32(SEED);
  const serverRand = mulberry32(SEED ^ 0xabcdef);
  const proxyRand = mulberry32(SEED ^ 0x123457);

  // Sizes: 70 % below 4 KiB, 25 % below 64 KiB, 5 % up to 256 KiB, a few empty.
  const sizes = [];
  for (let i = 0; i < STREAMS; i++) {
    const r = rand();
    sizes.push(r < 0.02 ? 0 : r < 0.72 ? Math.floor(rand() * 4096) : r < 0.97 ? Math.floor(rand() * 65536) : Math.floor(rand() * 262144) + 1);
  }
  const pool = Buffer.alloc(512 * 1024);
  for (let i = 0; i < pool.length; i += 4) pool.writeUInt32LE(Math.floor(rand() * 4294967296), i);

  const server = createServer({}, requestFactory(serverRand));
  const { port } = await server.listen(0, '127.0.0.1');
  const stats = { pieces: 0 };
  const proxy = await startProxy(port, proxyRand, stats);

  const client = http2.connect(`http://127.0.0.1:${proxy.address().port}`);
  client.on('error', () => {});

  const failures = [];
  let totalBytes = 0;
  const one = (i) =>
    new Promise((resolve) => {
      const n = sizes[i];
      const off = Math.floor(rand() * (pool.length - n));
      const body = pool.subarray(off, off + n);
      const want = sha(body);
      const route = i % 2 === 0 ? '/echo' : '/echo-stall';
      const req = client.request({ ':method': 'POST', ':path': route, 'content-length': String(n) });
      const h = crypto.createHash('sha256');
      let got = 0;
      let status = 0;
      req.on('response', (hdrs) => { status = hdrs[':status']; });
      req.on('data', (c) => { h.update(c); got += c.length; });
      req.on('end', () => {
        const hex = h.digest('hex');
        if (status !== 200 || hex !== want) failures.push(`#${i} ${route} size ${n}: status ${status}, got ${got} bytes, sha ${hex === want ? 'ok' : 'MISMATCH'}`);
        totalBytes += n;
        resolve();
      });
      req.on('error', (e) => {
        failures.push(`#${i} ${route} size ${n}: ${e.code || e.message}`);
        resolve();
      });
      // The request body in random chunk sizes.
      let p = 0;
      const writeMore = () => {
        while (p < n) {
          const k = Math.max(1, Math.min(n - p, Math.floor(rand() * 30000)));
          const ok = req.write(body.subarray(p, p + k));
          p += k;
          if (!ok) { req.once('drain', writeMore); return; }
        }
        req.end();
      };
      writeMore();
    });

  let next = 0;
  const worker = async () => {
    while (next < STREAMS) {
      const i = next++;
      await one(i);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  await new Promise((r) => client.close(r));
  proxy.close();
  await server.close();
  assert.deepStrictEqual(failures.slice(0, 20), [], `${failures.length} of ${STREAMS} streams lost or corrupted`);
  console.log(`nothing-lost: ${STREAMS} streams, ${(totalBytes / 1048576).toFixed(1)} MiB each way, ${stats.pieces} proxy pieces`);
});
