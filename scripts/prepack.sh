#!/usr/bin/env bash
# `npm pack` / `npm publish` hook: build the wasm from source, so a package is never made
# without js/wasm/ and www/wasm/ (both gitignored) or with a stale build. Fails loudly when
# the build tools are missing or the build fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
fail() { echo "prepack: ERROR: $*" >&2; exit 1; }
for tool in cargo wasm-bindgen; do
  command -v "$tool" >/dev/null ||
    fail "$tool not found: the package ships js/wasm/h2wasm_bg.wasm built from src/. Run 'bash scripts/ensure-tools.sh' (or 'npm start') once to install Rust's wasm32 target and wasm-bindgen-cli."
done
[ -x node_modules/binaryen/bin/wasm-opt ] ||
  fail "wasm-opt not found: the package ships the size-optimized engine. Run 'npm ci' (the devDependency binaryen)."
# Build output to stderr: stdout stays clean for `npm pack --json`.
bash scripts/build.sh >&2 || fail "scripts/build.sh failed; not packing a package without its wasm"
for f in js/wasm/h2wasm_bg.wasm www/wasm/h2wasm.js www/wasm/h2wasm_bg.wasm; do
  [ -s "$f" ] || fail "$f missing after the build"
done
