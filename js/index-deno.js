// The entry point under Deno: the same API, with the engine loaded through a source-phase
// import of the .wasm file, so that no --allow-read is needed and no init() either.
import source wasm from './wasm/h2wasm_bg.wasm';
import { init } from './engine.js';

await init(wasm);

export * from './index.js';
