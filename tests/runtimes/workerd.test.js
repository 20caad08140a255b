// workerd (the Workers runtime) on the packed package: examples/workerd bundled by wrangler
// serves HTTP/2 from the Worker's connect() handler on tcp sockets: h2c and TLS (curl GET and
// a 1 MiB echo), h2load with no failure, a gRPC method called by @grpc/grpc-js, and the
// fetch() handler running the engine on an in-memory stream pair. A second Worker loads the
// package's modules unbundled and checks init()'s errors there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { packedApp, bin, stop, curl, bigFile, sha256, freePort, repo, waitForPort } from './helpers.js';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');

let app, dir, big;
before(() => {
  app = packedApp();
  dir = path.join(app, 'examples', 'workerd');
  big = bigFile(dir);
  // As a Workers user would: wrangler bundles worker.js with h2wasm (no account: --dry-run).
  execFileSync(bin('wrangler'), ['deploy', '--dry-run', '--outdir', 'dist'], {
    cwd: dir, stdio: 'pipe', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: '1' },
  });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { cwd: dir, stdio: 'ignore' });
});
after(() => fs.rmSync(big.file, { force: true }));

/** workerd with its sockets moved to the given ports; it prints nothing when ready, so the ports are polled. */
function spawnWorkerd(config, ports, cwd) {
  const { spawn } = require('node:child_process');
  const args = ['serve', config];
  for (const [name, port] of Object.entries(ports)) args.push('--socket-addr', `${name}=127.0.0.1:${port}`);
  const child = spawn(bin('workerd'), args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  return { child, output: () => out };
}

async function withWorkerd(config, names, fn, cwd = dir) {
  const ports = {};
  for (const n of names) ports[n] = await freePort();
  const { child, output } = spawnWorkerd(config, ports, cwd);
  try {
    for (const n of names) await waitForPort(ports[n], child);
    await fn(ports);
  } catch (e) {
    e.message += `\nworkerd output:\n${output()}`;
    throw e;
  } finally {
    await stop(child);
  }
}

test('workerd: wrangler bundles the Worker with the wasm as a module', () => {
  assert.ok(fs.existsSync(path.join(dir, 'dist', 'worker.js')));
  assert.ok(fs.statSync(path.join(dir, 'dist', 'wasm', 'h2wasm_bg.wasm')).size > 100_000);
});

test('workerd: connect() serves h2c to curl, h2load and grpc-js; fetch() runs the engine on a stream pair', async () => {
  await withWorkerd('config.capnp', ['h2c', 'http'], async ({ h2c, http }) => {
    const url = `http://127.0.0.1:${h2c}`;
    const get = (await curl(['--http2-prior-knowledge', '-w', '\n%{http_version} %{http_code}', `${url}/`])).toString();
    assert.match(get, /^hello from h2wasm in workerd \(http:\/\/127\.0\.0\.1:\d+\/\)\n\n2 200$/);
    const echoed = await curl(['--http2-prior-knowledge', '--data-binary', `@${big.file}`, `${url}/echo`]);
    assert.equal(sha256(echoed), big.sha);

    const { stdout } = await promisify(execFile)('h2load', ['-n', '2000', '-c', '4', '-m', '10', `${url}/`], { timeout: 60_000 });
    const m = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(stdout);
    assert.ok(m, stdout);
    assert.deepEqual(m.slice(1).map(Number), [2000, 2000, 2000, 2000, 0, 0]);
    const rps = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(stdout)?.[1];
    console.log(`# workerd h2c h2load -n 2000 -c 4 -m 10: ${rps} req/s`);

    // gRPC: `message Text { string text = 1; }` both ways, hand-encoded (one string field).
    const encode = (text) => { const b = Buffer.from(text); const len = []; let n = b.length; while (n > 0x7f) { len.push((n & 0x7f) | 0x80); n >>>= 7; } len.push(n); return Buffer.concat([Buffer.from([0x0a, ...len]), b]); };
    const decode = (buf) => { let at = 1, len = 0, shift = 0; for (;;) { const x = buf[at++]; len |= (x & 0x7f) << shift; shift += 7; if (x < 0x80) break; } return buf.subarray(at, at + len).toString(); };
    const client = new grpc.Client(`127.0.0.1:${h2c}`, grpc.credentials.createInsecure());
    try {
      for (const text of ['hello', 'x'.repeat(300)]) {
        const reply = await new Promise((resolve, reject) => {
          client.makeUnaryRequest('/h2wasm.Echo/Say', encode, decode, text, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res)));
        });
        assert.equal(reply, `h2wasm says: ${text}`);
      }
    } finally {
      client.close();
    }

    const self = JSON.parse((await curl([`http://127.0.0.1:${http}/selftest`])).toString());
    assert.equal(self.status, 200);
    assert.equal(self.body, 'hello from h2wasm in workerd (http://selftest/)\n');
    assert.deepEqual(self.frames.slice(0, 1), ['SETTINGS']);
  });
});

test('workerd: the tcp socket with tlsOptions serves HTTP/2 over TLS to curl (GET and a 1 MiB echo)', async () => {
  await withWorkerd('config-tls.capnp', ['h2c', 'http', 'tls'], async ({ tls }) => {
    // workerd's TLS has no ALPN setting: curl speaks HTTP/2 by prior knowledge inside TLS.
    const url = `https://127.0.0.1:${tls}`;
    const get = (await curl(['-k', '--http2-prior-knowledge', '-w', '\n%{http_version} %{http_code}', `${url}/`])).toString();
    assert.match(get, /^hello from h2wasm in workerd \(https:\/\/127\.0\.0\.1:\d+\/\)\n\n2 200$/);
    const echoed = await curl(['-k', '--http2-prior-knowledge', '--data-binary', `@${big.file}`, `${url}/echo`]);
    assert.equal(sha256(echoed), big.sha);
  });
});

test('workerd, unbundled: serveConnection before init throws NOT_READY; init() says to pass the module; bytes are refused; a Module works', async () => {
  const js = path.join(app, 'node_modules', 'h2wasm', 'js');
  const modules = ['(name = "worker", esModule = embed "worker.js")'];
  for (const f of fs.readdirSync(js)) {
    // The package's runtime modules; cli.js is Node's CLI, the others are per-runtime entries.
    if (!f.endsWith('.js') || f === 'cli.js' || f.startsWith('wasm-') || f === 'index-deno.js') continue;
    modules.push(`(name = "node_modules/h2wasm/js/${f}", esModule = embed "../node_modules/h2wasm/js/${f}")`);
  }
  const wasm = '../node_modules/h2wasm/js/wasm/h2wasm_bg.wasm'; // embed paths are relative to the config
  modules.push(`(name = "h2wasm-bytes", data = embed "${wasm}")`, `(name = "h2wasm-module", wasm = embed "${wasm}")`);
  const cdir = fs.mkdtempSync(path.join(app, 'workerd-init-'));
  fs.copyFileSync(path.join(repo, 'tests', 'runtimes', 'workerd-init-worker.js'), path.join(cdir, 'worker.js'));
  fs.writeFileSync(path.join(cdir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = (modules = [${modules.join(', ')}], compatibilityDate = "2026-11-01")) ],
  sockets = [ (name = "http", address = "127.0.0.1:8080", http = (), service = "main") ],
);\n`);
  await withWorkerd('config.capnp', ['http'], async ({ http }) => {
    const r = JSON.parse((await curl([`http://127.0.0.1:${http}/`])).toString());
    assert.equal(r.readyBefore, false);
    assert.equal(r.serveBeforeInit, 'ERR_H2WASM_NOT_READY');
    assert.equal(r.initNoArg, 'ERR_H2WASM_WASM_UNAVAILABLE');
    assert.match(r.initNoArgMessage, /import wasm from 'h2wasm\/wasm'; await init\(wasm\)/);
    assert.equal(r.initBytes, 'ERR_H2WASM_COMPILE_BLOCKED', r.initBytesMessage);
    assert.equal(r.readyAfter, true);
  }, cdir);
});
