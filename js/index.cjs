// CommonJS entry: Node ≥ 20.19 loads the ES module synchronously with require(esm)
// (the wasm is instantiated synchronously from the file, no top-level await).
'use strict';
module.exports = require('./index.js');
