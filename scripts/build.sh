#!/usr/bin/env bash
# Build the wasm engine into js/wasm/, and the inspector page's wasm and its ESM glue into www/wasm/ (both gitignored).
# H2WASM_FEATURES=test-trap adds the test-only trap export.
set -euo pipefail
cd "$(dirname "$0")/.."
# cargo install puts wasm-bindgen here, which a fresh shell may not have on PATH yet.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
feat=()
[ -n "${H2WASM_FEATURES:-}" ] && feat=(--features "$H2WASM_FEATURES")
cargo build --quiet --release --target wasm32-unknown-unknown --lib "${feat[@]}"
wasm=${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/h2wasm.wasm
mkdir -p js/wasm www/wasm
# The engine's exports are plain extern "C" functions (src/wasm/abi.rs) that js/engine.js
# instantiates itself: the compiler's .wasm is the package's, no wasm-bindgen pass. The name
# keeps its old `_bg` suffix because users' workerd configs and bundler setups embed this path.
rm -f js/wasm/h2wasm.js js/wasm/h2wasm.d.ts js/wasm/h2wasm_bg.wasm.d.ts
cp "$wasm" js/wasm/h2wasm_bg.wasm
raw=$(wc -c < js/wasm/h2wasm_bg.wasm)
gz=$(gzip -9c js/wasm/h2wasm_bg.wasm | wc -c)
echo "build: js/wasm/h2wasm_bg.wasm ${raw} bytes raw, ${gz} bytes gzip -9"

# The inspector page's own build: the engine plus the Inspector export (feature "inspector").
# A separate target dir, so the two feature sets do not rebuild each other every time.
www_target=${CARGO_TARGET_DIR:-target}/www
CARGO_TARGET_DIR=$www_target cargo build --quiet --release --target wasm32-unknown-unknown --lib --features inspector
wasm-bindgen --target web --out-dir www/wasm --out-name h2wasm "$www_target/wasm32-unknown-unknown/release/h2wasm.wasm" 2>&1 | grep -v 'target_features' >&2 || true
raw=$(wc -c < www/wasm/h2wasm_bg.wasm)
gz=$(gzip -9c www/wasm/h2wasm_bg.wasm | wc -c)
echo "build: www/wasm/h2wasm_bg.wasm ${raw} bytes raw, ${gz} bytes gzip -9 (with the inspector)"
