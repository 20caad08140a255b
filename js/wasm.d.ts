// `import wasm from 'h2wasm/wasm'`: the compiled engine, for `await init(wasm)` where the
// package cannot read or fetch its .wasm file itself (Workers, bundles, Deno without --allow-read).
declare const wasm: WebAssembly.Module;
export default wasm;
