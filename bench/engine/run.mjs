// Engine benchmark in wasm32 under Node: node run.mjs [module.wasm] [input.bin]
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const dir = new URL('.', import.meta.url);
const wasmPath = process.argv[2] ?? new URL('./target/wasm32-unknown-unknown/release/engine_bench.wasm', dir);
const input = readFileSync(process.argv[3] ?? new URL('./h2load-onecon.bin', dir));
const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {});
const x = instance.exports;
const ptr = x.input_alloc(input.length);
new Uint8Array(x.memory.buffer, ptr, input.length).set(input);
for (const chunk of [1400, 200]) {
  x.run(chunk, 20);
  const reps = 200;
  const t0 = performance.now();
  const n = x.run(chunk, reps);
  const ns = ((performance.now() - t0) * 1e6) / n;
  console.log(`wasm32 (Node ${process.version}): ${n} requests, chunk ${chunk} B: ${ns.toFixed(0)} ns/request (${(ns / 1000).toFixed(2)} µs)`);
}
const before = x.memory.buffer.byteLength;
const n = x.idle(1000);
const after = x.memory.buffer.byteLength;
console.log(`wasm32: ${n} idle connections grew wasm memory by ${((after - before) / 1024).toFixed(0)} KiB: ≈ ${((after - before) / n).toFixed(0)} B/connection (64 KiB page resolution)`);
