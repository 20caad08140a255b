#!/bin/sh
# Engine-only cost per request (no sockets, no JS glue), native and wasm32 under Node.
# Input: h2load-onecon.bin, the client bytes of `h2load -n 2000 -c 1 -m 100 GET /`
# recorded with FLOOR_RECORD=... node ../servers/floor-h2.js.
# On a shared or virtual machine (no hardware counters) the ns/request numbers drift by ±10 %
# between runs; instruction counts do not: `valgrind --tool=callgrind` on a short native replay
# (a few reps of engine_bench::replay) compares two checkouts to within 0.1 %. The wasm32 build
# here uses the default inline threshold, not scripts/build.sh's, so it only approximates the
# shipped engine.
set -eu
cd "$(dirname "$0")"
cargo build --release --quiet
cargo build --release --quiet --lib --target wasm32-unknown-unknown
echo "== native =="
taskset -c 0 ./target/release/engine-bench h2load-onecon.bin
echo "== wasm32 =="
taskset -c 0 node run.mjs
