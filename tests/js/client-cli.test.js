// `h2wasm get`: the client from the command line, with nghttp-style frame log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createServer } from '../../js/index.js';
import { demoApp } from '../../js/cli.js';
import { sha256 } from './helpers.js';

const cli = fileURLToPath(new URL('../../js/cli.js', import.meta.url));
// Async: the server runs in this process, so the CLI must not block the event loop.
const run = (...args) => new Promise((resolve) => {
  const p = spawn(process.execPath, [cli, ...args]);
  const out = [], err = [];
  p.stdout.on('data', (d) => out.push(d));
  p.stderr.on('data', (d) => err.push(d));
  p.on('close', (status) => resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
});

test('h2wasm get: body to stdout, -d @file uploads, -v logs frames both ways, mistakes exit 2', async () => {
  const server = createServer({}, demoApp({ root: '.' }));
  const { port } = await server.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  try {
    const r = await run('get', `${base}/bytes/5000`);
    assert.equal(r.status, 0);
    assert.equal(r.stdout.toString(), 'a'.repeat(5000));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h2wasm-get-'));
    const file = path.join(dir, 'up.bin');
    const data = randomBytes(300_000);
    fs.writeFileSync(file, data);
    const e = await run('get', `${base}/echo`, '-d', `@${file}`);
    assert.equal(sha256(e.stdout), sha256(data));
    fs.rmSync(dir, { recursive: true, force: true });
    const v = await run('get', `${base}/bytes/3`, '-v');
    assert.equal(v.stdout.toString(), 'aaa');
    for (const line of [/send SETTINGS frame/, /SETTINGS_ENABLE_PUSH\(0x02\):0/, /send HEADERS frame <length=\d+, flags=0x05, stream_id=1>/,
      /:path: \/bytes\/3/, /recv HEADERS frame/, /:status: 200/, /recv DATA frame <length=3, flags=0x01, stream_id=1>/, /send GOAWAY frame/]) {
      assert.match(v.stderr, line);
    }
    const nf = await run('get', `${base}/nope`);
    assert.equal(nf.status, 1, '4xx exits 1');
  } finally { await server.close(); }
  for (const args of [['get'], ['get', 'ftp://x/'], ['get', 'http://x/', '--bogus']]) {
    const r = await run(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /usage: h2wasm get URL/);
  }
  const h = await run('get', '--help');
  assert.equal(h.status, 0);
  assert.match(h.stdout.toString(), /frame log/);
});
