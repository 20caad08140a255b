#!/usr/bin/env bash
# Tooling gates (test group `lint`): rustfmt, clippy (native and wasm32, warnings are errors,
# so the no-panic lints declared in src/lib.rs are enforced), eslint, and a strict TypeScript
# check of js/index.d.ts against tests/types/usage.ts. Runs every check, then fails if any did.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

failed=()
check() {
  local name=$1; shift
  echo "lint: $name" >&2
  "$@" || failed+=("$name")
}

check "cargo fmt --check" cargo fmt --check
for crate in tests/conformance fuzz; do
  check "cargo fmt --check ($crate)" cargo fmt --check --manifest-path "$crate/Cargo.toml"
done
check "cargo clippy (native, all targets)" cargo clippy --quiet --all-targets -- -D warnings
check "cargo clippy (wasm32: lib and wasm tests)" \
  cargo clippy --quiet --target wasm32-unknown-unknown --lib --test wasm_connection -- -D warnings
check "eslint" npx --no-install eslint --max-warnings 0 .
check "exports: js/index.js = js/index.d.ts, all used by tests/types/usage.ts" node tests/types/check-exports.mjs
check "tsc --strict (js/index.d.ts via tests/types/usage.ts)" npx --no-install tsc -p tests/types --noEmit --strict

if [ ${#failed[@]} -gt 0 ]; then
  printf 'lint: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "lint: all checks passed" >&2
