#!/usr/bin/env bash
# Conformance (RFC 9113 §3–§8, RFC 7541) and attack-defence suite: a raw-frame
# Rust client over real sockets against `node tests/conformance/server.js`.
# Assumes scripts/build.sh already built js/wasm/. Standalone crate, so the main
# crate's `cargo test` stays free of sockets and node.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d js/wasm ] || [ -z "$(ls -A js/wasm 2>/dev/null)" ]; then
  echo "test-conformance: js/wasm/ is missing or empty: run scripts/build.sh first" >&2
  exit 1
fi
if [ ! -f js/index.js ]; then
  echo "test-conformance: js/index.js is missing (the npm package's JS API)" >&2
  exit 1
fi
# Two cores shared by several jobs: a few test threads are enough (each test
# starts node processes of its own for the attack tests).
exec cargo test --manifest-path tests/conformance/Cargo.toml --release -- --test-threads="${CONFORMANCE_THREADS:-4}" "$@"
