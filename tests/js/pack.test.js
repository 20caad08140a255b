// `npm pack` → install into an empty dir → works with plain node via import and require.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('npm pack tarball installs and runs through import and require', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h2wasm-pack-'));
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: repo }).toString().trim().split('\n').pop();
  const tgz = path.join(tmp, out);
  const listing = execFileSync('tar', ['tzf', tgz]).toString();
  for (const f of ['package/js/wasm/h2wasm_bg.wasm', 'package/js/index.js', 'package/js/index.cjs', 'package/js/index.d.ts']) assert.ok(listing.includes(f), f);
  const app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app","private":true}');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', '--ignore-scripts', tgz], { cwd: app, stdio: 'ignore' });
  const script = (mod) => `
    const { createServer } = ${mod};
    const http2 = require('node:http2');
    (async () => {
      const s = createServer({}, (st) => ({ requestReceived() { st.writeHeaders(200, {}); st.write('packed'); st.loseConnection(); } }));
      const { port } = await s.listen(0);
      const c = http2.connect('http://127.0.0.1:' + port);
      const r = c.request({ ':path': '/' }); let b = '';
      r.on('data', (d) => b += d); r.on('end', async () => { console.log(b); c.close(); await s.close(); });
    })();`;
  const cjs = execFileSync('node', ['-e', script("require('h2wasm')")], { cwd: app }).toString();
  assert.equal(cjs.trim(), 'packed');
  fs.writeFileSync(path.join(app, 'm.mjs'), `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n` +
    script("await import('h2wasm')").replace('(async () => {', '(async () => {').replace("const { createServer } = await import('h2wasm');", "const { createServer } = await import('h2wasm');"));
  fs.writeFileSync(path.join(app, 'm.mjs'), `import { createServer } from 'h2wasm';\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n` +
    script('{ createServer }').replace('const { createServer } = { createServer };', ''));
  assert.equal(execFileSync('node', ['m.mjs'], { cwd: app }).toString().trim(), 'packed');
  fs.rmSync(tmp, { recursive: true, force: true });
});
