// Keeps the type check honest as the API grows: every runtime export of js/index.js is
// declared in js/index.d.ts, and every name js/index.d.ts exports is imported (so used,
// under noUnusedLocals) by tests/types/usage.ts. Run by scripts/lint.sh.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (f) => fs.readFileSync(path.join(repo, f), 'utf8');

const runtime = Object.keys(await import(path.join(repo, 'js/index.js'))).sort();
const dts = read('js/index.d.ts');
const declared = new Set([...dts.matchAll(/^export\s+(?:declare\s+)?(?:const|function|class|type|interface)\s+([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]));
const imported = new Set();
for (const m of read('tests/types/usage.ts').matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'h2wasm'/g)) {
  for (const name of m[1].split(',').map((s) => s.trim()).filter(Boolean)) imported.add(name);
}

const problems = [
  ...runtime.filter((n) => !declared.has(n)).map((n) => `js/index.js exports ${n}, js/index.d.ts does not declare it`),
  ...[...declared].filter((n) => !imported.has(n)).map((n) => `js/index.d.ts exports ${n}, tests/types/usage.ts does not use it`),
];
if (problems.length) {
  for (const p of problems) console.error(`check-exports: ${p}`);
  process.exit(1);
}
console.error(`check-exports: ${runtime.length} runtime exports declared, ${declared.size} declared names used`);
