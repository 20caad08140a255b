// A Worker that loads the packed package's ES modules as they are (no bundler; the test's
// workerd config lists them) and reports how the engine behaves before and during init.
import { init, serveConnection, engineReady } from './node_modules/h2wasm/js/index.js';
import wasmBytes from 'h2wasm-bytes'; // the .wasm file as a Data module (an ArrayBuffer)
import wasmModule from 'h2wasm-module'; // the same file as a compiled Wasm module

export default {
  async fetch() {
    const r = { readyBefore: engineReady() };
    try { serveConnection(new TransformStream(), {}, () => null); r.serveBeforeInit = 'returned'; } catch (e) { r.serveBeforeInit = e.code; }
    try { await init(); r.initNoArg = 'ok'; } catch (e) { r.initNoArg = e.code; r.initNoArgMessage = e.message; }
    try { await init(wasmBytes); r.initBytes = 'ok'; } catch (e) { r.initBytes = e.code; r.initBytesMessage = e.message; }
    await init(wasmModule);
    r.readyAfter = engineReady();
    return Response.json(r);
  },
};
