#!/usr/bin/env bash
# Load benchmark of the Twilio inbound webhook, not part of the test suite.
#
#   bench/twilio_load.sh [sqlite] [postgres]        (default: both)
#
# For each database it starts a fresh `smsflow serve` (release build, the example workflows
# imported, Twilio configured) pinned to one core, and the load generator
# (crates/smsflow-server/examples/twilio_load.rs) pinned to another. The generator pre-signs COUNT
# distinct inbound webhooks (Twilio's HMAC-SHA1 signature), fires them with CONCURRENCY requests in
# flight, and reports messages/s and p50/p99 latency of `POST /webhooks/twilio/sms` (answered after
# the message is committed). smsflow's Twilio API base points at a fast stand-in the generator
# serves, so it then waits (at most WAIT_SECS, default 600) until every sender got its reply and counts
# unanswered and duplicated replies, and the replies sent in each second (the lowest whole second
# between the first reply and the last is printed; the series is in BENCH_DIR/<db>/reply_rates.csv);
# the script checks the database too (COUNT inbound stored, COUNT replies sent), measures each
# sender's time from webhook request to reply stored in the outbound queue (bench/queued_latency.py:
# the reply's created_at against the request's start), and the server's CPU time per message
# (user + system, from /proc, over the whole run including sending the replies): less noisy than
# rates on a shared machine.
#
# Env: COUNT (default 20000), CONCURRENCY (default 32), SERVER_CPUS (default 0),
#      LOADGEN_CPUS (default 1), RUST_LOG for the server (default info, as `smsflow serve`),
#      BENCH_DIR (default target/bench), SMSFLOW_BIN (another smsflow binary to measure, e.g. an
#      earlier build), LOADGEN_BIN (the load generator already built; each is built here unless
#      given), SETUP_SQL (PostgreSQL: run after the migrations, see bench/lib.sh). PostgreSQL: a
#      throwaway server from scripts/pg.sh on port BENCH_PGPORT (default 18329, stopped
#      afterwards unless it was running), syncing commits to disk with BENCH_PG_FSYNC=on (as in
#      production; default off, as the test servers), autovacuum napping BENCH_PG_NAPTIME seconds
#      (default 60, see bench/lib.sh). Loopback ports BENCH_PORT (default
#      18321, smsflow) and BENCH_PORT + 1 (stand-in API). SMSFLOW_MODEL (default off: keywords, as in
#      side_by_side.sh; unset, a fresh data dir would fetch the embedding model from PyPI mid-run and
#      then embed every text, which measures the model, not the pipeline).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BENCH_DIR=${BENCH_DIR:-$TARGET/bench}
COUNT=${COUNT:-20000}
CONCURRENCY=${CONCURRENCY:-32}
SERVER_CPUS=${SERVER_CPUS:-0}
LOADGEN_CPUS=${LOADGEN_CPUS:-1}
PORT=${BENCH_PORT:-18321} PGPORT=${BENCH_PGPORT:-18329}
UPSTREAM_PORT=$((PORT + 1))
ACCOUNT_SID=AC0123456789abcdef0123456789abcdef
TOKEN=bench-token-$RANDOM$RANDOM
BACKENDS=("$@")
export SMSFLOW_MODEL=${SMSFLOW_MODEL:-off}
[ ${#BACKENDS[@]} -gt 0 ] || BACKENDS=(sqlite postgres)
step() { echo "==> $*" >&2; }

step "building what is not given: smsflow and the load generator (release)"
[ -n "${SMSFLOW_BIN:-}" ] || cargo build -q --release -p smsflow -j2
[ -n "${LOADGEN_BIN:-}" ] || cargo build -q --release -p smsflow-server --example twilio_load -j2
BIN=${SMSFLOW_BIN:-$TARGET/release/smsflow}
LOAD=${LOADGEN_BIN:-$TARGET/release/examples/twilio_load}

# shellcheck source=bench/lib.sh
. bench/lib.sh

run_backend() {
  local backend=$1 dir=$BENCH_DIR/$1 db_url
  rm -rf "$dir"; mkdir -p "$dir/data"
  case $backend in
  sqlite) db_url=sqlite://$dir/data/smsflow.db ;;
  postgres) ensure_postgres; db_url=$(fresh_postgres_database smsflow_bench) ;;
  esac
  ports_free $PORT $UPSTREAM_PORT
  start_smsflow "$dir" "$db_url"
  step "$backend: $COUNT signed webhooks, $CONCURRENCY in flight; server on CPU $SERVER_CPUS, load generator on CPU $LOADGEN_CPUS"
  local rc=0 cpu_before cpu_after wal_before= wal_after
  cpu_before=$(cpu_ticks "$SERVER_PID")
  [ "$backend" = postgres ] && read -r _ wal_before <<<"$(pg_wal "$db_url")"
  taskset -c "$LOADGEN_CPUS" "$LOAD" --url "http://127.0.0.1:$PORT" --token "$TOKEN" --account-sid "$ACCOUNT_SID" \
    --count "$COUNT" --concurrency "$CONCURRENCY" --upstream-port "$UPSTREAM_PORT" --wait-secs "${WAIT_SECS:-600}" --run "$RANDOM$RANDOM" \
    --times "$dir/times.csv" --reply-rates "$dir/reply_rates.csv" | tee "$dir/load.out" || rc=$?
  cpu_after=$(cpu_ticks "$SERVER_PID")
  echo "server CPU ($backend): $(((cpu_after - cpu_before) * 1000000 / $(getconf CLK_TCK) / COUNT)) µs per message (user + system, webhook to reply sent)"
  # The server's whole WAL (the bench's cluster is its own): what a text costs PostgreSQL to write.
  if [ -n "$wal_before" ]; then
    read -r _ wal_after <<<"$(pg_wal "$db_url")"
    echo "PostgreSQL WAL: $(((wal_after - wal_before + COUNT / 2) / COUNT)) bytes per message"
  fi
  # Count in the database what the generator counted at the gateway.
  local q="SELECT (SELECT COUNT(*) FROM messages WHERE direction = 'inbound'), \
    (SELECT COUNT(*) FROM messages WHERE direction = 'inbound' AND status = 'processed'), \
    (SELECT COUNT(*) FROM messages WHERE direction = 'outbound'), \
    (SELECT COUNT(*) FROM messages WHERE direction = 'outbound' AND status = 'sent')"
  local counts
  counts=$(query_row "$db_url" "$q")
  read -r inbound processed outbound sent <<<"$counts"
  case $backend in
  sqlite) python3 bench/queued_latency.py "$dir/times.csv" sqlite "$dir/data/smsflow.db" || rc=1 ;;
  postgres) python3 bench/queued_latency.py "$dir/times.csv" postgres "$db_url" || rc=1 ;;
  esac
  echo "database ($backend): $inbound inbound stored ($processed processed), $outbound replies queued ($sent sent); expected $COUNT each; lost (acknowledged but not stored): $((COUNT - inbound))"
  [ "$inbound" = "$COUNT" ] && [ "$processed" = "$COUNT" ] && [ "$outbound" = "$COUNT" ] && [ "$sent" = "$COUNT" ] || rc=1
  stop_server
  return $rc
}

status=0
for backend in "${BACKENDS[@]}"; do
  run_backend "$backend" || status=1
done
exit $status
