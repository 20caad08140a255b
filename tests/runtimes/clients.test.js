// h2wasm's client role in Deno, Bun and workerd, on the packed package: each runtime's client
// example (examples/<runtime>-client.js; in workerd, examples/workerd's GET /client) connects
// over that runtime's own socket API to h2wasm's server in Node (examples/node.js on
// 127.0.0.1), then makes a GET and a 1 MiB POST echo, compared by SHA-256.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { packedApp, bin, startChild, stop, curl, freePort, waitForPort } from './helpers.js';

const MIB = 1024 * 1024;
let app, server, url;
before(async () => {
  app = packedApp();
  server = await startChild('node', ['examples/node.js', '0'], { cwd: app, ready: /serving h2c on (http:\/\/127\.0\.0\.1:\d+\/)/ });
  url = server.match[1];
});
after(() => server && stop(server.child));

/** The JSON report a client example prints after its label. */
function report(stdout, label) {
  const m = new RegExp(`^${label}: (\\{.*\\})$`, 'm').exec(stdout);
  assert.ok(m, stdout);
  return JSON.parse(m[1]);
}

function assertGetAndEcho(r) {
  assert.deepEqual(r.get, { status: 200, body: `hello from h2wasm on Node ${process.version}\n` });
  const { status, length, same } = r.echo; // same: SHA-256 of what was sent equals that of what came back
  assert.deepEqual({ status, length, same }, { status: 200, length: MIB, same: true });
  assert.match(r.echo.sha256, /^[0-9a-f]{64}$/);
}

const RUNTIMES = [
  ['deno', () => [bin('deno'), ['run', '--allow-net', 'examples/deno-client.js', url]], /h2wasm client on Deno \d+\.\d+\.\d+/],
  ['bun', () => [bin('bun'), ['examples/bun-client.js', url]], /h2wasm client on Bun \d+\.\d+\.\d+/],
];

for (const [name, command, label] of RUNTIMES) {
  test(`${name}: h2wasm's client over the runtime's own socket gets GET and a 1 MiB echo (SHA-256) from h2wasm's server`, async () => {
    const [cmd, args] = command();
    const { stdout } = await promisify(execFile)(cmd, args, { cwd: app, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
    assertGetAndEcho(report(stdout, label.source));
  });
}

test("workerd: h2wasm's client over cloudflare:sockets connect() gets GET and a 1 MiB echo (SHA-256) from h2wasm's server", async () => {
  const dir = path.join(app, 'examples', 'workerd');
  // workerd.test.js bundles the same Worker; bundling again here keeps this file runnable on its own.
  execFileSync(bin('wrangler'), ['deploy', '--dry-run', '--outdir', 'dist'], {
    cwd: dir, stdio: 'pipe', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: '1' },
  });
  const [h2c, http] = [await freePort(), await freePort()];
  const child = spawn(bin('workerd'), ['serve', 'config.capnp', '--socket-addr', `h2c=127.0.0.1:${h2c}`, '--socket-addr', `http=127.0.0.1:${http}`],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  try {
    await waitForPort(http, child);
    const r = JSON.parse((await curl([`http://127.0.0.1:${http}/client?port=${new URL(url).port}`])).toString());
    assertGetAndEcho(r);
  } catch (e) {
    e.message += `\nworkerd output:\n${out}`;
    throw e;
  } finally {
    await stop(child);
  }
});
