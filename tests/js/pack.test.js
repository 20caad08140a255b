// `npm pack` → install into an empty dir → works with plain node via import and require,
// and the installed `h2wasm serve` serves the inspector page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// What an installed package needs at run time: the engine, both entry points, the types,
// the inspector page with its own wasm glue, and the licence.
const REQUIRED_FILES = [
  'LICENSE', 'README.md', 'package.json',
  'js/index.js', 'js/index.cjs', 'js/index.d.ts', 'js/cli.js', 'js/wasm/h2wasm_bg.wasm',
  'www/index.html', 'www/app.js', 'www/capture.js', 'www/charts.js', 'www/style.css',
  'www/wasm/h2wasm.js', 'www/wasm/h2wasm_bg.wasm',
];

let tmp, app;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h2wasm-pack-'));
  // prepack builds the wasm first (scripts/prepack.sh).
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: repo }).toString().trim().split('\n').pop();
  const tgz = path.join(tmp, out);
  app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app","private":true}');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', '--ignore-scripts', tgz], { cwd: app, stdio: 'ignore' });
});

after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

test('npm pack --dry-run lists the wasm, the inspector page under www/ and LICENSE', () => {
  const json = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: repo, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  const files = JSON.parse(json)[0].files.map((f) => f.path);
  for (const f of REQUIRED_FILES) assert.ok(files.includes(f), `${f} not in ${files.join(' ')}`);
  // Nothing from the repository that only building or testing needs.
  assert.deepEqual(files.filter((f) => /^(src|tests|bench|scripts|fuzz|target|node_modules)\//.test(f)), []);
});

test('prepack refuses to pack when it cannot build the wasm', () => {
  // A PATH with no cargo and no wasm-bindgen (only what the script itself runs).
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'h2wasm-nobuild-'));
  try {
    fs.symlinkSync(execFileSync('sh', ['-c', 'command -v dirname']).toString().trim(), path.join(bin, 'dirname'));
    const bash = execFileSync('sh', ['-c', 'command -v bash']).toString().trim();
    const r = spawnSync(bash, [path.join(repo, 'scripts/prepack.sh')], { env: { PATH: bin, HOME: bin, CARGO_HOME: bin }, encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /prepack: ERROR: cargo not found.*ensure-tools/);
  } finally { fs.rmSync(bin, { recursive: true, force: true }); }
});

test('the installed package runs through import and require', () => {
  const script = (load) => `
    ${load}
    const http2 = require('node:http2');
    (async () => {
      const s = createServer({}, (st) => ({ requestReceived() { st.writeHeaders(200, {}); st.write('packed'); st.loseConnection(); } }));
      const { port } = await s.listen(0);
      const c = http2.connect('http://127.0.0.1:' + port);
      const r = c.request({ ':path': '/' }); let b = '';
      r.on('data', (d) => b += d); r.on('end', async () => { console.log(b); c.close(); await s.close(); });
    })();`;
  const cjs = execFileSync('node', ['-e', script("const { createServer } = require('h2wasm');")], { cwd: app }).toString();
  assert.equal(cjs.trim(), 'packed');
  fs.writeFileSync(path.join(app, 'm.mjs'), script(
    "import { createServer } from 'h2wasm';\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);"));
  assert.equal(execFileSync('node', ['m.mjs'], { cwd: app }).toString().trim(), 'packed');
});

async function get(origin, p) {
  const c = http2.connect(origin);
  try {
    const r = c.request({ ':path': p });
    const [headers] = await once(r, 'response');
    const chunks = [];
    for await (const d of r) chunks.push(d);
    return { status: headers[':status'], type: headers['content-type'], body: Buffer.concat(chunks) };
  } finally { c.close(); }
}

test('the installed `h2wasm serve` serves the inspector page and its wasm', async () => {
  const bin = path.join(app, 'node_modules', '.bin', 'h2wasm');
  const child = spawn(bin, ['serve', '--port', '0'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let out = '';
    const origin = await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /h2c on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`h2wasm serve exited with ${code}: ${out}`)));
    });
    const page = await get(origin, '/');
    assert.equal(page.status, 200);
    assert.match(page.body.toString(), /<script type="module" src="\.\/app\.js">/);
    for (const p of ['/app.js', '/wasm/h2wasm.js', '/wasm/h2wasm_bg.wasm']) {
      const r = await get(origin, p);
      assert.equal(r.status, 200, p);
      assert.ok(r.body.length > 0, p);
    }
    const wasm = await get(origin, '/wasm/h2wasm_bg.wasm');
    assert.deepEqual([...wasm.body.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]); // "\0asm"
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
});
