// Node, Deno and Bun run their example (examples/<runtime>.js) from the packed package and
// serve h2c over TCP to curl: GET, and a 1 MiB POST echoed back intact (SHA-256).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { packedApp, bin, startChild, stop, curl, bigFile, sha256 } from './helpers.js';

let app, big;
before(() => {
  app = packedApp();
  big = bigFile(fs.mkdtempSync(path.join(app, 'data-')));
});
after(() => fs.rmSync(path.dirname(big.file), { recursive: true, force: true }));

const READY = /serving h2c on http:\/\/127\.0\.0\.1:(\d+)\//;

const RUNTIMES = [
  // Deno gets --allow-net only: the package must load its wasm without --allow-read.
  ['node', () => ['node', ['examples/node.js', '0']], /hello from h2wasm on Node v/],
  ['deno', () => [bin('deno'), ['run', '--allow-net', 'examples/deno.js', '0']], /hello from h2wasm on Deno \d/],
  ['bun', () => [bin('bun'), ['examples/bun.js', '0']], /hello from h2wasm on Bun \d/],
];

for (const [name, command, hello] of RUNTIMES) {
  test(`${name}: the example serves h2c to curl (GET and a 1 MiB echo, SHA-256)`, async () => {
    const [cmd, args] = command();
    const { child, match, output } = await startChild(cmd, args, { cwd: app, ready: READY, env: { NO_COLOR: '1' } });
    try {
      const url = `http://127.0.0.1:${match[1]}`;
      const get = (await curl(['--http2-prior-knowledge', '-w', '\n%{http_version} %{http_code}', `${url}/`])).toString();
      assert.match(get, hello);
      assert.match(get, /\n2 200$/);
      const echoed = await curl(['--http2-prior-knowledge', '--data-binary', `@${big.file}`, `${url}/echo`]);
      assert.equal(echoed.length, 1024 * 1024);
      assert.equal(sha256(echoed), big.sha);
      assert.doesNotMatch(output(), /error|Requires read access/i);
    } finally {
      await stop(child);
    }
  });
}

test('deno without --allow-read, bypassing the package exports: serveConnection throws NOT_READY naming --allow-read and how to pass the module', async () => {
  const file = path.join(app, 'deno-by-path.js');
  fs.writeFileSync(file, `import { serveConnection } from './node_modules/h2wasm/js/index.js';
try { serveConnection(new TransformStream(), {}, () => null); console.log('served'); } catch (e) { console.log(e.code, e.message); }\n`);
  const { execFile } = await import('node:child_process');
  const out = await new Promise((resolve, reject) => execFile(bin('deno'), ['run', file], { cwd: app, env: { ...process.env, NO_COLOR: '1' } },
    (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))));
  assert.match(out, /^ERR_H2WASM_NOT_READY /);
  assert.match(out, /--allow-read/);
  assert.match(out, /import wasm from 'h2wasm\/wasm'; await init\(wasm\)/);
});
