#!/usr/bin/env bash
# wasm-bindgen-test tests (tests/wasm_*.rs) under Node, via the wasm-bindgen-test-runner
# shipped with wasm-bindgen-cli.
set -euo pipefail
cd "$(dirname "$0")/.."
ls tests/wasm_*.rs >/dev/null 2>&1 || { echo "no wasm tests"; exit 0; }
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown $(for f in tests/wasm_*.rs; do b=$(basename "$f" .rs); echo --test "$b"; done)
