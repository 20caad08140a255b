// Run the HPACK decoder benchmark in wasm32 under Node.
// Usage: node run.mjs [path/to/hpack_bench.wasm]
// The module has no imports: it exports run_ours/run_hpack03/run_loona(iters) -> checksum.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const path = process.argv[2] ??
  new URL('./target/wasm32-unknown-unknown/release/hpack_bench.wasm', import.meta.url);
const { instance } = await WebAssembly.instantiate(readFileSync(path), {});
const x = instance.exports;
const blocks = x.corpus_blocks();
const bytes = x.corpus_bytes();

// The slow decoders take seconds per pass: one pass each; ours gets a warm-up and 20.
const runs = [
  ['ours', x.run_ours, 20],
  ['hpack 0.3.0', x.run_hpack03, 1],
  ['loona-hpack 0.4.3', x.run_loona, 1],
];
const results = [];
for (const [name, f, iters] of runs) {
  if (iters > 1) f(1);
  const t0 = performance.now();
  const sum = f(iters) >>> 0;
  const ms = performance.now() - t0;
  results.push({ name, ns: (ms * 1e6) / (blocks * iters), mbs: (bytes * iters) / (ms / 1e3) / 1e6, sum: (sum / iters) >>> 0 });
}
const base = results[1].ns;
console.log(`wasm32 (Node ${process.version}): ${blocks} blocks, ${bytes} wire bytes per pass`);
console.log('| decoder | ns per block | MB/s | vs hpack 0.3.0 | checksum |');
console.log('|---|---:|---:|---:|---:|');
for (const r of results) {
  console.log(`| ${r.name} | ${r.ns.toFixed(1)} | ${r.mbs.toFixed(1)} | ${(base / r.ns).toFixed(1)}x | ${r.sum} |`);
}
const sums = new Set(results.map((r) => r.sum));
if (sums.size !== 1 || sums.has(0)) {
  console.error('decoders disagree or failed (checksum 0 = decode error)');
  process.exit(1);
}

// One typical browser request block (first request on a connection).
const timeTypical = (f, iters) => {
  f(Math.max(1, iters / 10));
  const t0 = performance.now();
  f(iters);
  return ((performance.now() - t0) * 1e6) / iters;
};
const oursTyp = timeTypical(x.run_ours_typical, 200000);
const theirsTyp = timeTypical(x.run_hpack03_typical, 500);
console.log(`typical ${x.typical_len()}-byte request block: ours ${oursTyp.toFixed(0)} ns, hpack 0.3.0 ${theirsTyp.toFixed(0)} ns (${(theirsTyp / oursTyp).toFixed(0)}x)`);
const worst = timeTypical(x.run_ours_worst, 2000);
console.log(`worst case ${x.worst_len()}-byte block of 28-bit codes: ours ${worst.toFixed(0)} ns`);
