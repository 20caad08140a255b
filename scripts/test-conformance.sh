#!/usr/bin/env bash
# Conformance (RFC 9113 §3–§8, RFC 9218 PRIORITY_UPDATE, RFC 7541) and attack-
# defence suite: a raw-frame Rust client over real sockets against
# `node tests/conformance/server.js` (the npm package's JS API over the wasm
# engine), then the client's raw-frame group: hostile raw-frame servers against
# h2wasm's client (node:test, tests/conformance/client/). Assumes scripts/build.sh already built js/wasm/. Standalone crate,
# so the main crate's `cargo test` stays free of sockets and node.
#
#   scripts/test-conformance.sh            # against the built package (node)
#   scripts/test-conformance.sh --native   # against the engine directly (no wasm/JS)
#   extra args go to the test harness, e.g. a test-name filter
set -euo pipefail
cd "$(dirname "$0")/.."
manifest=tests/conformance/Cargo.toml
threads="${CONFORMANCE_THREADS:-4}"
if [ "${1:-}" = "--native" ]; then
  shift
  cargo build --manifest-path "$manifest" --release --features native --bin native_server
  H2WASM_CONF_SERVER=native exec cargo test --manifest-path "$manifest" --release --features native \
    --no-fail-fast -- --test-threads="$threads" "$@"
fi
if [ ! -d js/wasm ] || [ -z "$(ls -A js/wasm 2>/dev/null)" ]; then
  echo "test-conformance: js/wasm/ is missing or empty: run scripts/build.sh first" >&2
  exit 1
fi
if [ ! -f js/index.js ]; then
  echo "test-conformance: js/index.js is missing (the npm package's JS API)" >&2
  exit 1
fi
command -v node >/dev/null || { echo "test-conformance: node not found" >&2; exit 1; }
status=0
cargo test --manifest-path "$manifest" --release --no-fail-fast -- --test-threads="$threads" "$@" || status=$?
# The client role: malformed responses, bad pseudo-headers, flow-control violations, GOAWAY
# mid-flight, floods and a server that never reads, each from a raw-frame server.
node --test --test-concurrency=1 tests/conformance/client/*.test.js || status=$?
exit "$status"
