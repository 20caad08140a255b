// The h2wasm command line: help exits 0 with the usage on stdout; mistakes exit 2 with it on stderr.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../js/cli.js', import.meta.url));
const run = (...args) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 10_000 });

test('help: `h2wasm serve --help`, `-h`, `h2wasm --help` and `h2wasm help` print the usage and exit 0', () => {
  for (const args of [['serve', '--help'], ['serve', '-h'], ['serve', '--port', '1', '--help'], ['--help'], ['-h'], ['help']]) {
    const r = run(...args);
    assert.equal(r.status, 0, args.join(' '));
    assert.match(r.stdout, /^usage: h2wasm serve/, args.join(' '));
    for (const route of ['/echo', '/bytes/N', '/_trace', '--root', '--tls-self-signed', '--cert']) assert.ok(r.stdout.includes(route), route);
    assert.equal(r.stderr, '');
  }
});

test('mistakes: unknown options, commands and missing values print the usage on stderr and exit 2', () => {
  for (const [args, message] of [
    [['serve', '--bogus'], /unknown option --bogus/],
    [['serve', '--port'], /--port needs a port number/],
    [['serve', '--port', 'eighty'], /--port needs a port number/],
    [['serve', '--root'], /--root needs a value/],
    [['serve', '--cert', 'c.pem'], /--cert and --key go together/],
    [['frobnicate'], /unknown command frobnicate/],
  ]) {
    const r = run(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, message);
    assert.match(r.stderr, /usage: h2wasm serve/);
    assert.equal(r.stdout, '');
  }
});
