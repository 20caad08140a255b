#!/usr/bin/env bash
# The runtime matrix: the PACKED package (npm pack → tarball → installed into a temp
# project, never the source tree) under Node, Deno, Bun, workerd (bundled by wrangler)
# and headless Chromium, each running its example from examples/.
# Deno, Bun, workerd and wrangler are devDependencies: their platform binaries come as
# optional npm dependencies (no postinstall download needed).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f js/wasm/h2wasm_bg.wasm ] || bash scripts/build.sh
for bin in deno bun workerd wrangler; do
  [ -x "node_modules/.bin/$bin" ] || { echo "test-runtimes: node_modules/.bin/$bin missing: run npm ci"; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/h2wasm-runtimes-XXXXXX")
trap 'rm -rf "$work"' EXIT
tgz=$(npm pack --silent --pack-destination "$work" | tail -1)
app="$work/app"
mkdir -p "$app"
echo '{"name":"h2wasm-runtimes-app","private":true,"type":"module"}' > "$app/package.json"
(cd "$app" && npm install --no-audit --no-fund --offline --ignore-scripts "$work/$tgz" >/dev/null)
cp -r examples "$app/examples"
export H2WASM_PACKED_APP="$app"
node --test --test-concurrency=1 tests/runtimes/
