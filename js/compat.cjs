// CommonJS entry of h2wasm/compat (Node ≥ 20.19 loads the ES module with require(esm)).
'use strict';
module.exports = require('./compat.js');
