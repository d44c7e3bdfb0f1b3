#!/usr/bin/env bash
# A burst of texts answered by a slow model server, not part of the test suite.
#
#   bench/model_burst.sh [sqlite|postgres]        (default: sqlite)
#
# Starts a fresh `smsflow serve` (release build, the example workflows imported, Twilio configured,
# the default SMS agent on the `openai` backend) pinned to one core, and on another core a stand-in
# OpenAI-compatible model server (crates/smsflow-server/examples/model_standin.rs, the agent tests'
# model server) that answers every request after DELAY_MS, and the Twilio load generator
# (examples/twilio_load.rs). COUNT people text at once, each from their own number; the generator
# waits until every one got a reply at its Twilio stand-in and prints the time from each webhook to
# its reply reaching Twilio (p50, p99), and counts people unanswered and answered twice. The script
# then counts in the database the texts stored and processed, the replies queued and sent, and the
# replies the model wrote (a reply after a model failure is the builtin agent's), and prints the
# server's CPU time per text.
#
# Env: COUNT (default 500), DELAY_MS (default 1000), SERVER_CPUS (default 0), LOADGEN_CPUS (default
#      1), SMSFLOW_MODEL_CALLS_IN_FLIGHT / SMSFLOW_INBOUND_WORKERS (the server's defaults unless
#      set), RUST_LOG for the server (default warn), BENCH_DIR (default target/bench-model),
#      PROFILE (default release; dev for a quick run on the debug build),
#      SMSFLOW_BIN (another smsflow binary). PostgreSQL: a throwaway server from scripts/pg.sh on
#      port BENCH_PGPORT (default 18339, stopped afterwards). Loopback ports BENCH_PORT (default
#      18331, smsflow) and BENCH_PORT + 1 (Twilio stand-in).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BENCH_DIR=${BENCH_DIR:-$TARGET/bench-model}
COUNT=${COUNT:-500}
DELAY_MS=${DELAY_MS:-1000}
SERVER_CPUS=${SERVER_CPUS:-0}
LOADGEN_CPUS=${LOADGEN_CPUS:-1}
PORT=${BENCH_PORT:-18331} PGPORT=${BENCH_PGPORT:-18339}
UPSTREAM_PORT=$((PORT + 1))
ACCOUNT_SID=AC0123456789abcdef0123456789abcdef
TOKEN=bench-token-$RANDOM$RANDOM
BACKEND=${1:-sqlite}
# What the stand-in model answers (examples/model_standin.rs).
MODEL_REPLY="Thanks! What is your name and email?"
step() { echo "==> $*" >&2; }

PROFILE=${PROFILE:-release}
OUT=$TARGET/$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")
step "building smsflow, the load generator and the model stand-in ($PROFILE)"
cargo build -q --profile "$PROFILE" -p smsflow -j2
cargo build -q --profile "$PROFILE" -p smsflow-server --example twilio_load --example model_standin -j2
BIN=${SMSFLOW_BIN:-$OUT/smsflow}
LOAD=$OUT/examples/twilio_load
MODEL=$OUT/examples/model_standin

SERVER_PID= MODEL_PID= PG_STARTED=
cleanup() {
  for pid in $SERVER_PID $MODEL_PID; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [ -n "$PG_STARTED" ]; then SMSFLOW_TEST_PGPORT=$PGPORT scripts/pg.sh stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
port_open() { (: </dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

dir=$BENCH_DIR/$BACKEND
rm -rf "$dir"; mkdir -p "$dir/data"
case $BACKEND in
sqlite) db_url=sqlite://$dir/data/smsflow.db ;;
postgres)
  eval "$(SMSFLOW_TEST_PGPORT=$PGPORT scripts/pg.sh start)"
  PG_STARTED=1
  psql -q "$DATABASE_URL" -c 'DROP DATABASE IF EXISTS smsflow_model_bench' -c 'CREATE DATABASE smsflow_model_bench' >/dev/null
  db_url=${DATABASE_URL%/*}/smsflow_model_bench ;;
*) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;;
esac
for p in $PORT $UPSTREAM_PORT; do ! port_open $p || { echo "port $p is in use" >&2; exit 1; }; done

taskset -c "$LOADGEN_CPUS" "$MODEL" --delay-ms "$DELAY_MS" >"$dir/model.url" 2>"$dir/model.log" &
MODEL_PID=$!
for _ in $(seq 1 100); do [ -s "$dir/model.url" ] && break; sleep 0.1; done
model_url=$(head -1 "$dir/model.url")

export SMSFLOW_DATA_DIR=$dir/data SMSFLOW_DATABASE_URL=$db_url SMSFLOW_LISTEN=127.0.0.1:$PORT
export SMSFLOW_PUBLIC_URL=http://127.0.0.1:$PORT SMSFLOW_TWILIO_ACCOUNT_SID=$ACCOUNT_SID
export SMSFLOW_TWILIO_AUTH_TOKEN=$TOKEN SMSFLOW_TWILIO_API_BASE=http://127.0.0.1:$UPSTREAM_PORT
export SMSFLOW_OPENAI_BASE_URL=$model_url SMSFLOW_OPENAI_MODEL=bench-model SMSFLOW_MODEL=off
key=$("$BIN" api-key create --name bench | tail -1)
"$BIN" workflows import examples/workflows.yaml >/dev/null
RUST_LOG=${RUST_LOG:-warn} taskset -c "$SERVER_CPUS" "$BIN" serve >"$dir/smsflow.log" 2>&1 </dev/null &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
# The default SMS agent writes its replies with the model.
api() { curl -sf -H "authorization: Bearer $key" -H 'content-type: application/json' "$@"; }
agent=$(api "http://127.0.0.1:$PORT/api/v1/agents" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
api -X PUT "http://127.0.0.1:$PORT/api/v1/agents/$agent" \
  -d '{"name": "SMS agent", "backend": "openai", "is_default": true}' >/dev/null

step "$BACKEND: $COUNT people text at once; the model answers after $DELAY_MS ms; server on CPU $SERVER_CPUS, model stand-in and load generator on CPU $LOADGEN_CPUS"
rc=0
cpu_before=$(cpu_ticks "$SERVER_PID")
taskset -c "$LOADGEN_CPUS" "$LOAD" --url "http://127.0.0.1:$PORT" --token "$TOKEN" --account-sid "$ACCOUNT_SID" \
  --count "$COUNT" --concurrency "$COUNT" --upstream-port "$UPSTREAM_PORT" --wait-secs "${WAIT_SECS:-300}" --run "$RANDOM$RANDOM" \
  | tee "$dir/load.out" || rc=$?
cpu_after=$(cpu_ticks "$SERVER_PID")
echo "server CPU ($BACKEND): $(((cpu_after - cpu_before) * 1000000 / $(getconf CLK_TCK) / COUNT)) µs per text (user + system, webhook to reply sent)"
q="SELECT (SELECT COUNT(*) FROM messages WHERE direction = 'inbound'), \
  (SELECT COUNT(*) FROM messages WHERE direction = 'inbound' AND status = 'processed'), \
  (SELECT COUNT(*) FROM messages WHERE direction = 'outbound'), \
  (SELECT COUNT(*) FROM messages WHERE direction = 'outbound' AND status = 'sent'), \
  (SELECT COUNT(*) FROM messages WHERE direction = 'outbound' AND body = '$MODEL_REPLY')"
case $BACKEND in
sqlite) counts=$(python3 -c 'import sqlite3,sys; print(*sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone())' "$dir/data/smsflow.db" "$q") ;;
postgres) counts=$(psql -qtA -F' ' "$db_url" -c "$q") ;;
esac
read -r inbound processed outbound sent by_model <<<"$counts"
echo "database ($BACKEND): $inbound texts stored ($processed processed), $outbound replies queued ($sent sent, $by_model written by the model); expected $COUNT each"
[ "$inbound" = "$COUNT" ] && [ "$processed" = "$COUNT" ] && [ "$outbound" = "$COUNT" ] && [ "$sent" = "$COUNT" ] && [ "$by_model" = "$COUNT" ] || rc=1
exit $rc
