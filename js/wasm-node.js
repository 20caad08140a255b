// `import wasm from 'h2wasm/wasm'` under Node and Bun: the compiled engine module, so that
// code written for Workers (`await init(wasm)`) runs unchanged here. Node-only by its
// export condition; the entry point (js/index.js) never imports it.
import { readFileSync } from 'node:fs';

export default new WebAssembly.Module(readFileSync(new URL('./wasm/h2wasm_bg.wasm', import.meta.url)));
