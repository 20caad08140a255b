#!/usr/bin/env bash
# Run every cargo-fuzz target for a total time budget, split evenly.
#
#   scripts/fuzz.sh [TOTAL_SECONDS]        (default 60; env FUZZ_TARGETS="a b" to pick targets)
#
# Prints executions and crashes per target; exits non-zero if any target
# crashed or failed to build. Installs the nightly toolchain / cargo-fuzz
# when missing. Crash inputs land in fuzz/artifacts/<target>/; reproduce with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
set -u
TOTAL=${1:-60}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT/fuzz" || exit 2

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz: installing the nightly toolchain" >&2
  rustup toolchain install nightly --profile minimal || { echo "fuzz: no nightly toolchain" >&2; exit 2; }
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz" >&2
  cargo install cargo-fuzz || { echo "fuzz: cannot install cargo-fuzz" >&2; exit 2; }
fi

TARGETS=${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}
LOGDIR=$(mktemp -d)
trap 'rm -rf "$LOGDIR"' EXIT
status=0
total_runs=0
printf '%-16s %12s %8s %s\n' target executions crashes note
# Build first, so the time budget is shared by the targets that built.
BUILT=""
for t in $TARGETS; do
  if cargo +nightly fuzz build "$t" >"$LOGDIR/$t.build" 2>&1; then
    BUILT="$BUILT $t"
  else
    printf '%-16s %12s %8s %s\n' "$t" - - "BUILD FAILED:"
    grep -E '^error' -A6 "$LOGDIR/$t.build" | head -n 30 | sed 's/^/    /'
    status=1
  fi
done
N=$(echo "$BUILT" | wc -w)
[ "$N" -gt 0 ] || { echo "fuzz: no target built" >&2; exit 2; }
PER=$(( TOTAL / N )); [ "$PER" -ge 1 ] || PER=1

for t in $BUILT; do
  log="$LOGDIR/$t.log"
  mkdir -p "corpus/$t"
  cargo +nightly fuzz run "$t" -- -max_total_time="$PER" -timeout=10 -print_final_stats=1 >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
  [ -n "$runs" ] || runs=$(grep -o 'Done [0-9]* runs' "$log" | grep -o '[0-9]*' | tail -n 1)
  [ -n "$runs" ] || runs=0
  # libFuzzer stops at the first crash/timeout/OOM and writes it as an artifact.
  crashes=$(grep -c 'Test unit written to' "$log")
  note=""
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    [ "$crashes" -ne 0 ] || crashes=1
    note="CRASH: $(grep -o 'Test unit written to .*' "$log" | head -n 1)"
    status=1
  fi
  total_runs=$(( total_runs + runs ))
  printf '%-16s %12s %8s %s\n' "$t" "$runs" "$crashes" "$note"
  if [ "$rc" -ne 0 ]; then
    grep -E -A20 'panicked at|^==[0-9]+== ?ERROR' "$log" | head -n 40 | sed 's/^/    /'
  fi
done
echo "fuzz: $total_runs executions in all, ${PER}s per target, exit $status"
exit $status
