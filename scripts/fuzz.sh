#!/usr/bin/env bash
# Fuzz smoke runs: each cargo-fuzz target in fuzz/ (libFuzzer) for SECONDS, starting from the
# corpus committed in fuzz/corpus/TARGET, with a dictionary of the string literals of our readers
# and parsers (scripts/fuzz_dictionary.py; it found in a minute two texts that panicked the agent). Runs on the stable toolchain (coverage instrumentation
# without a sanitizer: the targets are safe Rust, so panics, overflows and hangs are what they find).
#
#   scripts/fuzz.sh --install            install cargo-fuzz (crates.io) once; nothing else
#   scripts/fuzz.sh [SECONDS] [TARGET...] run each target (default: all) for SECONDS (default 20)
#
# Env: SMSFLOW_FUZZ_GROW=1   add what the run finds to fuzz/corpus/TARGET (then `cargo fuzz cmin`
#                            it and commit), instead of a throwaway copy under target/fuzz-run.
# A crash is saved to target/fuzz-run/artifacts/TARGET/ and reproduced with
#   cargo fuzz run --sanitizer none -a TARGET target/fuzz-run/artifacts/TARGET/crash-...
# Closing line: `fuzz: N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_FUZZ_VERSION=0.13.2

if [ "${1:-}" = --install ]; then
  if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
    echo "==> installing cargo-fuzz $CARGO_FUZZ_VERSION (crates.io)" >&2
    cargo install --quiet --locked --version "$CARGO_FUZZ_VERSION" cargo-fuzz
  fi
  exit 0
fi

SECONDS_EACH=${1:-20}
shift || true
TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
WORK=$TARGET_DIR/fuzz-run
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is missing: run scripts/fuzz.sh --install" >&2; exit 1; }
mkdir -p "$WORK"
# The words our readers and parsers react to, as a dictionary for every target (see the script).
DICT=$WORK/smsflow.dict
python3 scripts/fuzz_dictionary.py "$DICT" crates/smsflow-agent/src crates/smsflow-core/src crates/smsflow-sms/src
cd fuzz
# The fuzz crate builds in fuzz/target, with its own flags, away from the main build.
unset CARGO_TARGET_DIR
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
build=(--sanitizer none --debug-assertions)
echo "==> building ${#targets[@]} fuzz targets" >&2
CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2} cargo fuzz build "${build[@]}" >&2

passed=0 failed=0
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "$WORK/artifacts/$target"
  if [ "${SMSFLOW_FUZZ_GROW:-}" = 1 ]; then
    corpora=("corpus/$target")
  else
    # New inputs go to a throwaway directory; the committed corpus is only read.
    rm -rf "$WORK/corpus/$target" && mkdir -p "$WORK/corpus/$target"
    corpora=("$WORK/corpus/$target" "corpus/$target")
  fi
  log=$WORK/$target.log
  rc=0
  cargo fuzz run "${build[@]}" "$target" "${corpora[@]}" -- \
    -max_total_time="$SECONDS_EACH" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -dict="$DICT" \
    -artifact_prefix="$WORK/artifacts/$target/" >"$log" 2>&1 || rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1 || true)
  if [ "$rc" = 0 ]; then
    echo "ok   $target: $runs runs in ${SECONDS_EACH}s, ${cov:-no coverage line}"
    passed=$((passed + 1))
  else
    echo "FAIL $target (exit $rc): $(ls "$WORK/artifacts/$target" | head -n 1); the end of $log:"
    tail -n 30 "$log" | sed 's/^/     /'
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
