// `h2wasm serve --root DIR` serves files inside DIR only: traversal probes sent
// byte for byte (`:path` exactly as written) never get a file from outside it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import { startServer } from './helpers.js';

const cli = fileURLToPath(new URL('../../js/cli.js', import.meta.url));
const SECRET = 'secret-outside-the-root';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'h2wasm-static-'));
const site = path.join(tmp, 'site');
// The sibling's name starts with the root's: a prefix check without a separator lets it through.
const secretDir = path.join(tmp, 'site-secret');
fs.mkdirSync(path.join(site, 'sub'), { recursive: true });
fs.mkdirSync(secretDir);
fs.writeFileSync(path.join(secretDir, 'secret.txt'), `${SECRET}\n`);
fs.writeFileSync(path.join(tmp, 'secret.txt'), `${SECRET}\n`);
fs.writeFileSync(path.join(site, 'index.html'), '<h1>inside</h1>\n');
fs.writeFileSync(path.join(site, 'inside.txt'), 'inside\n');
fs.writeFileSync(path.join(site, 'sub', 'a.txt'), 'a\n');
fs.writeFileSync(path.join(site, 'empty.json'), '');
fs.symlinkSync(path.join(site, 'inside.txt'), path.join(site, 'link-inside.txt'));
fs.symlinkSync(path.join(secretDir, 'secret.txt'), path.join(site, 'secret-link.txt'));
fs.symlinkSync(secretDir, path.join(site, 'dir-link'));

let child, port, client;

before(async () => {
  child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--root', site], { stdio: ['ignore', 'pipe', 'inherit'] });
  port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /h2c on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`h2wasm serve exited ${code} before listening: ${out}`)));
  });
  client = http2.connect(`http://127.0.0.1:${port}`);
});

after(async () => {
  client?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** One request with `:path` sent exactly as given. */
function get(p, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = client.request({ ':method': method, ':path': p }, { endStream: true });
    const chunks = [];
    let headers;
    req.on('response', (h) => { headers = h; });
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve({ status: headers[':status'], headers, body: Buffer.concat(chunks).toString() }));
    req.on('error', reject);
  });
}

test('the client sends :path unnormalized (so the probes below reach the server as written)', async () => {
  const seen = [];
  const { s, url } = await startServer((stream) => {
    seen.push(stream.path);
    return { requestReceived() { stream.writeHeaders(204, {}, { endStream: true }); } };
  });
  const c = http2.connect(url);
  for (const p of ['/../site-secret/secret.txt', '/%2e%2e/x', '/a\\b']) {
    await new Promise((resolve, reject) => {
      const req = c.request({ ':path': p }, { endStream: true });
      req.on('close', resolve).on('error', reject).resume();
    });
  }
  c.close();
  await s.close();
  assert.deepEqual(seen, ['/../site-secret/secret.txt', '/%2e%2e/x', '/a\\b']);
});

test('files inside the root are served, with MIME types from serve-static (mime-db); a symlink inside the root works', async () => {
  const index = await get('/');
  assert.equal(index.status, 200);
  assert.equal(index.body, '<h1>inside</h1>\n');
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  const txt = await get('/sub/a.txt?query=1');
  assert.equal(txt.status, 200);
  assert.equal(txt.body, 'a\n');
  assert.equal(txt.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal((await get('/link-inside.txt')).body, 'inside\n');
  assert.equal((await get('/%69nside.txt')).body, 'inside\n'); // percent-encoded letters decode
  const empty = await get('/empty.json');
  assert.equal(empty.status, 200);
  assert.equal(empty.headers['content-length'], '0');
  assert.match(empty.headers['content-type'], /^application\/json/);
  const head = await get('/inside.txt', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '7');
  assert.equal(head.body, '');
  assert.equal((await get('/missing.txt')).status, 404);
  const post = await get('/inside.txt', 'PUT');
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
});

const PROBES = [
  '/../site-secret/secret.txt',
  '/../secret.txt',
  '/sub/../../site-secret/secret.txt',
  '//../site-secret/secret.txt',
  '/%2e%2e/site-secret/secret.txt',
  '/%2E%2E/site-secret/secret.txt',
  '/.%2e/site-secret/secret.txt',
  '/%2e%2e%2fsite-secret%2fsecret.txt',
  '/..%2fsite-secret%2fsecret.txt',
  '/..%2Fsecret.txt',
  '/..%5csite-secret%5csecret.txt',
  '/..%5Csecret.txt',
  '/..\\site-secret\\secret.txt',
  '/sub\\..\\..\\secret.txt',
  '/%252e%252e/site-secret/secret.txt',
  '/inside.txt%00',
  '/%00../secret.txt',
  '/../site-secret/secret.txt%00.html',
  '/%zz/../secret.txt',
  '/secret-link.txt',
  '/dir-link/secret.txt',
  '/dir-link/',
  '/dir-link',
  `/${path.relative('/', path.join(secretDir, 'secret.txt'))}`,
  `/${'../'.repeat(20)}${path.relative('/', path.join(secretDir, 'secret.txt'))}`,
  'secret.txt',
  '*',
];

for (const probe of PROBES) {
  test(`traversal probe ${JSON.stringify(probe.replace(tmp, "<tmp>"))} gets no file from outside the root`, async () => {
    const r = await get(probe);
    assert.ok([400, 403, 404].includes(r.status), `status ${r.status}`);
    assert.ok(!r.body.includes(SECRET), 'the secret leaked');
  });
}

test('curl --path-as-is gets no file from outside the root', async () => {
  for (const probe of ['/../site-secret/secret.txt', '/%2e%2e/site-secret/secret.txt', '/dir-link/secret.txt']) {
    const out = await new Promise((resolve, reject) => {
      execFile('curl', ['-s', '--http2-prior-knowledge', '--path-as-is', '-w', '\n%{http_code}', `http://127.0.0.1:${port}${probe}`],
        (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    assert.ok(!out.includes(SECRET), probe);
    assert.match(out, /\n40[34]$/, probe);
  }
});
