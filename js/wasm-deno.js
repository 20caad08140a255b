// `import wasm from 'h2wasm/wasm'` under Deno: a source-phase import hands over the compiled
// module without any permission (reading the file at run time needs --allow-read).
import source wasm from './wasm/h2wasm_bg.wasm';

export default wasm;
