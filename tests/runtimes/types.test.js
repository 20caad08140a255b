// The packed package's type declarations, checked by `deno check` (TypeScript inside the
// npm-installed deno) on a file that uses the runtime entry points and adapters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { packedApp, bin, repo } from './helpers.js';

test('deno check: index.d.ts and wasm.d.ts type the runtime API as the examples use it', async () => {
  const app = packedApp();
  const file = path.join(app, 'types-check.ts');
  fs.copyFileSync(path.join(repo, 'tests', 'runtimes', 'types-check.ts'), file);
  const r = await promisify(execFile)(bin('deno'), ['check', file], { cwd: app, env: { ...process.env, NO_COLOR: '1' } })
    .catch((e) => e);
  assert.equal(r.code ?? 0, 0, `${r.stdout}${r.stderr}`);
  // And the check is real: a wrong type is reported.
  fs.writeFileSync(file, "import { engineReady } from 'h2wasm';\nexport const x: string = engineReady();\n");
  const bad = await promisify(execFile)(bin('deno'), ['check', file], { cwd: app, env: { ...process.env, NO_COLOR: '1' } }).catch((e) => e);
  assert.notEqual(bad.code ?? 0, 0);
  assert.match(`${bad.stdout}${bad.stderr}`, /TS2322/);
});
