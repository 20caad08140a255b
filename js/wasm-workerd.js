// `import wasm from 'h2wasm/wasm'` under Workers bundlers (wrangler, esbuild with the workerd
// condition): they ship a `*.wasm` import as a compiled WebAssembly.Module, which is the only
// form workerd accepts (it does not compile wasm from bytes at run time).
import wasm from './wasm/h2wasm_bg.wasm';

export default wasm;
