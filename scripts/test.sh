#!/usr/bin/env bash
# `npm test`: build from source, then run the test groups in order.
# To add a group: one `group NAME command…` line below. Set H2WASM_GROUPS="a b" to run only some.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

results=()
failed=0
group() {
  local name=$1; shift
  if [ -n "${H2WASM_GROUPS:-}" ] && [[ " $H2WASM_GROUPS " != *" $name "* ]]; then return 0; fi
  echo "=== test group: $name"
  local t0=$SECONDS
  if "$@"; then results+=("$name: ok ($((SECONDS - t0))s)")
  else results+=("$name: FAILED ($((SECONDS - t0))s)"); failed=$((failed + 1)); fi
}

group tools      bash scripts/ensure-tools.sh --test
group build      bash scripts/build.sh
group cargo      cargo test --quiet
group lint       bash scripts/lint.sh
group wasm       bash scripts/test-wasm.sh
group js         node --test --test-concurrency=1 tests/js/*.test.js
group www        node --test --test-concurrency=1 tests/www/
group runtimes   bash scripts/test-runtimes.sh
group conformance bash scripts/test-conformance.sh
group fuzz       bash scripts/fuzz.sh 80
# The 500 MB inspector capture (~30 s on a quiet 2-core machine, ~5 GB of memory, 500 MB in the temp dir).
group www-large  env H2WASM_LARGE=1 node --test tests/www/huge.test.js
# (other groups: add one line each here)

echo "=== summary"
printf '  %s\n' "${results[@]}"
if [ "$failed" -eq 0 ]; then echo "npm test: all ${#results[@]} groups passed"; exit 0
else echo "npm test: $failed of ${#results[@]} groups FAILED"; exit 1; fi
