#!/usr/bin/env bash
# Build the wasm engine into js/wasm/, and the inspector page's wasm and its ESM glue into www/wasm/ (both gitignored).
# H2WASM_FEATURES=test-trap adds the test-only trap export.
set -euo pipefail
cd "$(dirname "$0")/.."
# cargo install puts wasm-bindgen here, which a fresh shell may not have on PATH yet.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
feat=()
[ -n "${H2WASM_FEATURES:-}" ] && feat=(--features "$H2WASM_FEATURES")
# A lower LLVM inline threshold (default 225 at opt-level 3) and binaryen's wasm-opt -O3 keep
# the engine at ~68 KiB gzip instead of ~78 KiB at the same speed (docs/ARCHITECTURE.md, "ABI":
# opt-level "s" cost 12 % per request cycle; threshold 90 costs ~1 %, within the noise).
RUSTFLAGS="${RUSTFLAGS:-} -C llvm-args=-inline-threshold=90" \
  cargo build --quiet --release --target wasm32-unknown-unknown --lib "${feat[@]}"
wasm=${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/h2wasm.wasm
mkdir -p js/wasm www/wasm
# The engine's exports are plain extern "C" functions (src/wasm/abi.rs) that js/engine.js
# instantiates itself: the compiler's .wasm is the package's, no wasm-bindgen pass. The name
# keeps its old `_bg` suffix because users' workerd configs and bundler setups embed this path.
rm -f js/wasm/h2wasm.js js/wasm/h2wasm.d.ts js/wasm/h2wasm_bg.wasm.d.ts
# wasm-opt comes with the npm devDependency binaryen; `npm start` installs runtime dependencies
# only, so without it the engine is left as the compiler made it (same behaviour, ~3 KiB larger).
# scripts/prepack.sh requires it: the package ships the optimized file.
wasm_opt=node_modules/binaryen/bin/wasm-opt
if [ -x "$wasm_opt" ]; then
  # The features rustc's wasm32-unknown-unknown target emits by default.
  "$wasm_opt" "$wasm" -O3 --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-mutable-globals --enable-multivalue --enable-reference-types -o js/wasm/h2wasm_bg.wasm
else
  echo "build: $wasm_opt not installed (npm devDependency binaryen): js/wasm/h2wasm_bg.wasm not size-optimized" >&2
  cp "$wasm" js/wasm/h2wasm_bg.wasm
fi
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
