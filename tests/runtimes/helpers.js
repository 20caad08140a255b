// Shared helpers of the runtime matrix (scripts/test-runtimes.sh): the packed app, child
// servers on 127.0.0.1 port 0, curl.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = (name) => path.join(repo, 'node_modules', '.bin', name);
export const sha256 = (b) => createHash('sha256').update(b).digest('hex');

/**
 * The temp project with the packed tarball installed and examples/ copied in: made by
 * scripts/test-runtimes.sh (H2WASM_PACKED_APP), or here when a file runs on its own.
 */
export function packedApp() {
  if (process.env.H2WASM_PACKED_APP) return process.env.H2WASM_PACKED_APP;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'h2wasm-runtimes-'));
  const tgz = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: repo }).toString().trim().split('\n').pop();
  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), '{"name":"h2wasm-runtimes-app","private":true,"type":"module"}');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', '--ignore-scripts', path.join(work, tgz)], { cwd: app, stdio: 'ignore' });
  fs.cpSync(path.join(repo, 'examples'), path.join(app, 'examples'), { recursive: true });
  process.env.H2WASM_PACKED_APP = app;
  process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
  return app;
}

/**
 * Start a child process and wait (at most `timeoutMs`) until its output matches `ready`.
 * Resolves {child, match, output()}; stop it with `stop(child)`.
 */
export function startChild(cmd, args, { cwd, ready, timeoutMs = 30_000, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const output = () => out;
    const timer = setTimeout(() => { stop(child); reject(new Error(`${cmd} ${args.join(' ')}: not ready after ${timeoutMs} ms:\n${out}`)); }, timeoutMs);
    const onData = (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, match: m, output }); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${cmd} exited with ${code}:\n${out}`)); });
  });
}

/** Stop a child we started (by its pid) and wait for it to exit. */
export function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.removeAllListeners('exit');
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

/** curl with the given arguments; resolves its stdout as a Buffer (throws on a non-zero exit). */
export function curl(args, input) {
  return new Promise((resolve, reject) => {
    const c = spawn('curl', ['-sS', '--max-time', '30', ...args], { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out = [], err = [];
    c.stdout.on('data', (d) => out.push(d));
    c.stderr.on('data', (d) => err.push(d));
    c.on('exit', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`curl ${args.join(' ')}: exit ${code}: ${Buffer.concat(err)}`))));
    if (input) c.stdin.end(input);
  });
}

/** A free TCP port on 127.0.0.1 (for configs that take a fixed address, like workerd's). */
export async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Resolve once 127.0.0.1:port accepts a connection (at most ~15 s, and only while `child` runs): for servers that print nothing when ready, like workerd. */
export async function waitForPort(port, child) {
  const net = await import('node:net');
  for (let i = 0; i < 150 && child.exitCode === null; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listening on ${port}`);
}

/** 1 MiB of random bytes, written to `dir`/name; resolves {file, sha}. */
export function bigFile(dir, name = 'big.bin', size = 1024 * 1024) {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return { file, sha: sha256(bytes) };
}
