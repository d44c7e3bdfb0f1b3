#!/usr/bin/env bash
# The user-space instructions smsflow runs per inbound text on SQLite, counted by valgrind
# (cachegrind without its cache simulation): for the webhook alone a count that repeats within
# 0.1%, where the CPU time a text takes varies by ten percent from run to run here, so that a
# change of a few percent can be told from noise before it is measured in time
# (bench/side_by_side.sh). The pipeline's count moves with how its texts fall into batches: within
# 0.6% in one invocation, by up to 4% between invocations (docs/benchmarks.md, session 47), so
# compare binaries given to the same invocation, which take their turns in each round. Not a
# time: the kernel's work (writes, syncs, sockets) is not counted, nor what an instruction costs.
# Not part of the test suite.
#
#   bench/instructions.sh [pipeline|webhook] [SMSFLOW_BINARY ...]
#
# For each binary (default: target/release/smsflow, built here) and round, `smsflow serve` runs
# under valgrind on a fresh SQLite database, keywords only, and takes SMALL texts from the load
# generator (distinct webhooks signed as Twilio signs them, each from its own number, 4 in
# flight), then, started afresh, LARGE texts; the difference of the two runs' counts over
# LARGE - SMALL texts leaves out starting and stopping. pipeline (the default): every text
# answered, the generator waits for each reply; webhook: processing turned off in the database, as
# bench/side_by_side.sh does. The binaries take their turns within each round.
#
# Env: SMALL (default 1000), LARGE (default 3000), ROUNDS (default 2), BENCH_DIR (default
#      target/bench-instructions), LOADGEN_BIN (the load generator already built), BENCH_PORT
#      (default 18341: the server; + 1: the stand-in Twilio API). Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BENCH_DIR=${BENCH_DIR:-$TARGET/bench-instructions}
SMALL=${SMALL:-1000} LARGE=${LARGE:-3000} ROUNDS=${ROUNDS:-2}
MODE=pipeline
case ${1:-} in
pipeline | webhook) MODE=$1; shift ;;
-*) echo "usage: bench/instructions.sh [pipeline|webhook] [SMSFLOW_BINARY ...]" >&2; exit 2 ;;
esac
[ "$LARGE" -gt "$SMALL" ] || { echo "LARGE ($LARGE) must be more texts than SMALL ($SMALL)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is needed: apt-get install valgrind" >&2; exit 1; }

LOAD=${LOADGEN_BIN:-$TARGET/release/examples/twilio_load}
BINARIES=("$@")
if [ ${#BINARIES[@]} -eq 0 ]; then
  echo "==> building smsflow (release)" >&2
  cargo build -q --release -p smsflow -j2
  BINARIES=("$TARGET/release/smsflow")
fi
if [ -z "${LOADGEN_BIN:-}" ]; then
  echo "==> building the load generator (release)" >&2
  cargo build -q --release -p smsflow-server --example twilio_load -j2
fi

PORT=${BENCH_PORT:-18341}
UPSTREAM_PORT=$((PORT + 1))
ACCOUNT_SID=AC0123456789abcdef0123456789abcdef
TOKEN=bench-token-$RANDOM$RANDOM
SERVER_CPUS=0 LOADGEN_CPUS=1
export RUST_LOG=${RUST_LOG:-warn} SMSFLOW_MODEL=off
# shellcheck source=bench/lib.sh
. bench/lib.sh

# Sets COUNTED to the instructions `smsflow serve` (binary $1) ran, start to stop, taking $2
# texts. (Not answered on standard output: in a subshell the server would outlive a failure, out
# of reach of lib.sh's cleanup.)
count_instructions() {
  local bin=$1 texts=$2 dir=$BENCH_DIR/run
  rm -rf "$dir"; mkdir -p "$dir/data"
  ports_free $PORT $UPSTREAM_PORT
  local setup= replies=()
  [ "$MODE" = webhook ] && { setup=no_processing; replies=(--no-replies); }
  BIN=$bin SMSFLOW_SETUP=$setup SERVE_UNDER="valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=$dir/counts" \
    start_smsflow "$dir" "sqlite://$dir/data/smsflow.db"
  taskset -c "$LOADGEN_CPUS" "$LOAD" --url "http://127.0.0.1:$PORT" --token "$TOKEN" --account-sid "$ACCOUNT_SID" \
    --count "$texts" --concurrency 4 --upstream-port "$UPSTREAM_PORT" --wait-secs 900 \
    --run "$RANDOM$RANDOM" "${replies[@]}" >"$dir/load.out" 2>&1 \
    || { echo "the load generator failed: $dir/load.out" >&2; tail -3 "$dir/load.out" >&2; exit 1; }
  stop_server
  COUNTED=$(awk '$1 == "summary:" { print $2 }' "$dir/counts")
}

mkdir -p "$BENCH_DIR"
echo "user-space instructions per text, $MODE, SQLite, 4 in flight ((count of $LARGE texts - count of $SMALL) / $((LARGE - SMALL))):"
for round in $(seq 1 "$ROUNDS"); do
  for bin in "${BINARIES[@]}"; do
    count_instructions "$bin" "$SMALL"; small=$COUNTED
    count_instructions "$bin" "$LARGE"; large=$COUNTED
    printf '  round %s  %s  %s\n' "$round" "$(( (large - small) / (LARGE - SMALL) ))" "$bin"
  done
done
