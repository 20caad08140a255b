#!/bin/sh
# HPACK decoder benchmark: ours vs hpack 0.3.0 vs loona-hpack 0.4.3 on an
# hpack-test-case corpus (default: the subset vendored in tests/fixtures; pass the
# root of a full upstream clone to time the whole corpus), natively (release) and
# in wasm32 under Node.
#   ./run.sh [CORPUS_DIR]
set -eu
cd "$(dirname "$0")"
if [ $# -gt 0 ]; then python3 make_corpus.py "$1"; elif [ ! -f corpus.bin ]; then python3 make_corpus.py; fi
cargo build --release --quiet
cargo build --release --quiet --lib --target wasm32-unknown-unknown
echo "== native =="
./target/release/hpack-bench
echo "== wasm32 =="
node run.mjs
