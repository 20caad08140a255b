#!/bin/sh
# HPACK decoder benchmark: ours vs hpack 0.3.0 vs loona-hpack 0.4.3 on the whole
# hpack-test-case corpus, natively (release) and in wasm32 under Node.
set -eu
cd "$(dirname "$0")"
[ -f corpus.bin ] || python3 make_corpus.py "${1:-../../../shared/hpack-test-case}"
cargo build --release --quiet
cargo build --release --quiet --lib --target wasm32-unknown-unknown
echo "== native =="
./target/release/hpack-bench
echo "== wasm32 =="
node run.mjs
