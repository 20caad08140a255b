#!/usr/bin/env bash
# Install what is missing, and nothing else. Idempotent; quiet when all is present.
#
#   scripts/ensure-tools.sh          what building and serving need (`npm start`): Rust's wasm32
#                                    target, wasm-bindgen-cli at the Cargo.lock version, openssl
#                                    (the self-signed certificate) and the npm runtime dependencies
#   scripts/ensure-tools.sh --test   also what only the tests need (`npm test`, group `tools`):
#                                    clippy/rustfmt, curl, nghttp2-client, chromium, tcpdump,
#                                    tshark, the nightly toolchain and cargo-fuzz, npm devDependencies
#
# When rustup, cargo or apt-get is missing it says what to install and how, and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

test_tools=false
case "${1:-}" in
  --test) test_tools=true ;;
  "") ;;
  *) echo "usage: scripts/ensure-tools.sh [--test]" >&2; exit 2 ;;
esac

say() { echo "ensure-tools: $*" >&2; }
die() { echo "ensure-tools: ERROR: $*" >&2; exit 1; }
RUSTUP_HOWTO="Install Rust with rustup (https://rustup.rs):
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  then open a new shell (or run: . \"\$HOME/.cargo/env\") and run this command again."

# --- Node: js/index.cjs needs require(esm) without a flag (see "engines" in package.json).
node_ok=$(node -e 'const [a, b] = process.versions.node.split(".").map(Number);
  console.log((a === 20 && b >= 19) || (a === 22 && b >= 12) || a >= 23 ? 1 : 0)')
[ "$node_ok" = 1 ] || die "Node $(node --version) is too old: h2wasm needs Node 20.19+ (20.x) or 22.12+.
  Install a current LTS from https://nodejs.org/ (or with nvm: nvm install 22)."

# --- Rust: rustup, cargo and the wasm32 target.
command -v cargo >/dev/null || die "cargo not found. $RUSTUP_HOWTO"
sysroot=$(rustc --print sysroot)
if [ ! -d "$sysroot/lib/rustlib/wasm32-unknown-unknown" ]; then
  command -v rustup >/dev/null ||
    die "the Rust target wasm32-unknown-unknown is missing and rustup is not installed to add it (a distribution's cargo usually lacks it). $RUSTUP_HOWTO"
  say "adding rust target wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown >&2
fi

# wasm-bindgen-cli must match the wasm-bindgen crate version in Cargo.lock exactly.
lock_version() { awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock 2>/dev/null || true; }
want=$(lock_version)
if [ -z "$want" ]; then cargo generate-lockfile >/dev/null 2>&1 || true; want=$(lock_version); fi
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ -n "$want" ] && [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (have: ${have:-none}; compiles from source, a few minutes)"
  cargo install wasm-bindgen-cli --version "$want" >&2
fi

# --- System packages (Debian/Ubuntu names), only the missing ones.
missing=()
need() { command -v "$1" >/dev/null || missing+=("$2"); }
need openssl openssl
if $test_tools; then
  need curl curl
  need nghttp nghttp2-client
  need h2load nghttp2-client
  need nghttpd nghttp2-server
  need chromium chromium
  need tcpdump tcpdump
  need tshark tshark
fi
if [ ${#missing[@]} -gt 0 ]; then
  # shellcheck disable=SC2207
  pkgs=($(printf '%s\n' "${missing[@]}" | sort -u))
  command -v apt-get >/dev/null ||
    die "missing: ${pkgs[*]} (Debian/Ubuntu package names), and there is no apt-get to install them.
  Install them with your system's package manager and run this command again."
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "missing: ${pkgs[*]}; run as root: apt-get install ${pkgs[*]}"
    SUDO="sudo"
  fi
  say "apt-get install ${pkgs[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >&2
fi

# --- Test-only Rust tools: lint components, and nightly + cargo-fuzz for scripts/fuzz.sh.
if $test_tools; then
  if ! cargo clippy --version >/dev/null 2>&1 || ! cargo fmt --version >/dev/null 2>&1; then
    command -v rustup >/dev/null || die "cargo clippy / cargo fmt missing. $RUSTUP_HOWTO"
    say "adding rust components clippy rustfmt"; rustup component add clippy rustfmt >&2
  fi
  if ! cargo +nightly --version >/dev/null 2>&1; then
    command -v rustup >/dev/null || die "the nightly toolchain (for cargo-fuzz) needs rustup. $RUSTUP_HOWTO"
    say "installing the nightly toolchain"; rustup toolchain install nightly --profile minimal >&2
  fi
  if ! cargo fuzz --version >/dev/null 2>&1; then
    say "installing cargo-fuzz (compiles from source, a few minutes)"; cargo install cargo-fuzz >&2
  fi
fi

# --- npm: runtime dependencies for serving; devDependencies too for the tests. `npm ci` when
# node_modules is missing, older than the lock file, or (with --test) lacks a devDependency.
if [ -f package-lock.json ]; then
  stale=false
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then stale=true; fi
  if $test_tools && ! $stale; then
    node -e 'const fs = require("node:fs"); const dev = require("./package.json").devDependencies ?? {};
      process.exit(Object.keys(dev).every((n) => fs.existsSync(`node_modules/${n}/package.json`)) ? 0 : 1)' || stale=true
  fi
  if $stale; then
    if $test_tools; then say "npm ci"; npm ci --no-audit --no-fund --loglevel=error >&2
    else say "npm ci --omit=dev"; npm ci --omit=dev --no-audit --no-fund --loglevel=error >&2; fi
  fi
fi
