#!/usr/bin/env bash
# How long the performance dashboard's queries take over a large history; not part of the test suite.
#
#   bench/analytics_load.sh [sqlite] [postgres]        (default: both)
#
# For each database it starts a fresh `smsflow serve` (release build if there is one, else debug:
# SMSFLOW_BIN overrides), creates one workflow through the API, then writes a history straight into
# the database: CONVERSATIONS conversations (default 25,000) spread over the last 30 days, each with
# one run (a third completed) and 4 inbound messages matched by the workflow and 4 agent replies sent
# (100,000 messages each way by default). It then times REPEAT (default 20) requests of each:
# GET /api/v1/analytics/workflows/{id} for the last 7 and 30 days, GET /api/v1/analytics/workflows
# (the SMS Workflows list's columns) and GET /metrics, and prints the median and the slowest.
#
# Env: CONVERSATIONS, REPEAT, BENCH_DIR (default target/bench-analytics), SMSFLOW_BIN.
#      PostgreSQL: PG_URL (a server to create a throwaway database on), else scripts/pg.sh on port
#      18330 (stopped afterwards). Loopback port 18331 for smsflow.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BENCH_DIR=${BENCH_DIR:-$TARGET/bench-analytics}
CONVERSATIONS=${CONVERSATIONS:-25000}
REPEAT=${REPEAT:-20}
PORT=18331 PGPORT=18330
BIN=${SMSFLOW_BIN:-}
if [ -z "$BIN" ]; then
  BIN=$TARGET/release/smsflow
  [ -x "$BIN" ] || BIN=$TARGET/debug/smsflow
fi
BACKENDS=("$@")
[ ${#BACKENDS[@]} -gt 0 ] || BACKENDS=(sqlite postgres)
step() { echo "==> $*" >&2; }

SERVER_PID= PG_STARTED=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$PG_STARTED" ]; then SMSFLOW_TEST_PGPORT=$PGPORT scripts/pg.sh stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One conversation, run, 4 messages and 4 replies per row of `seq`; `ts` spreads them over 30 days.
sqlite_history() {
  local workflow_hex=$1
  cat <<SQL
CREATE TEMP TABLE seq AS WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $CONVERSATIONS - 1)
  SELECT i, randomblob(16) AS conversation, randomblob(16) AS run, i * 2592000 / $CONVERSATIONS AS ago FROM n;
CREATE TEMP TABLE turn AS SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3;
BEGIN;
INSERT INTO conversations (id, our_number, their_number, channel, status, active_workflow_id, active_workflow_at,
  run_completed, unread_count, last_message_at, created_at, active_run_id)
  SELECT conversation, '+15550000000', '+1555' || printf('%07d', i), 'simulator', 'agent', X'$workflow_hex',
    strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('%+d seconds', -ago)), i % 3 = 0, 0,
    strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('%+d seconds', -ago)),
    strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('%+d seconds', -ago)), run FROM seq;
INSERT INTO runs (id, conversation_id, workflow_id, state, completed, created_at, updated_at)
  SELECT run, conversation, X'$workflow_hex',
    CASE WHEN i % 3 = 0 THEN '{"fields":{"name":"Dana","email":"d@x.example"},"steps_done":[0,1],"ticket_id":null,"booking_link":null,"booked":false,"saved_to":["leads"]}'
         ELSE '{"fields":{"name":"Sam"},"steps_done":[],"ticket_id":null,"booking_link":null,"booked":false,"saved_to":[]}' END,
    i % 3 = 0, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('%+d seconds', -ago)),
    strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('%+d seconds', -ago)) FROM seq;
INSERT INTO messages (id, conversation_id, direction, author, channel, body, status, segments, encoding, media_urls,
  simulated, workflow_id, attempts, created_at, updated_at, sent_at)
  SELECT randomblob(16), conversation, d.direction, d.author, 'simulator', 'hello', d.status, 1, 'gsm7', '[]', 1,
    X'$workflow_hex', 0,
    strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('%+d seconds', 10 * k + d.offset - ago)),
    strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('%+d seconds', 10 * k + d.offset - ago)),
    CASE WHEN d.direction = 'outbound' THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('%+d seconds', 10 * k + d.offset - ago)) END
  FROM seq, turn, (SELECT 'inbound' AS direction, 'contact' AS author, 'processed' AS status, 0 AS offset
                   UNION ALL SELECT 'outbound', 'agent', 'delivered', 2) AS d;
COMMIT;
ANALYZE;
SQL
}

postgres_history() {
  local workflow=$1
  cat <<SQL
CREATE TEMP TABLE seq AS SELECT i, gen_random_uuid() AS conversation, gen_random_uuid() AS run,
  now() - make_interval(secs => i * 2592000.0 / $CONVERSATIONS) AS at FROM generate_series(0, $CONVERSATIONS - 1) AS i;
INSERT INTO conversations (id, our_number, their_number, channel, status, active_workflow_id, active_workflow_at,
  run_completed, unread_count, last_message_at, created_at, active_run_id)
  SELECT conversation, '+15550000000', '+1555' || lpad(i::text, 7, '0'), 'simulator', 'agent', '$workflow', at,
    i % 3 = 0, 0, at, at, run FROM seq;
INSERT INTO runs (id, conversation_id, workflow_id, state, completed, created_at, updated_at)
  SELECT run, conversation, '$workflow',
    CASE WHEN i % 3 = 0 THEN '{"fields":{"name":"Dana","email":"d@x.example"},"steps_done":[0,1],"ticket_id":null,"booking_link":null,"booked":false,"saved_to":["leads"]}'::jsonb
         ELSE '{"fields":{"name":"Sam"},"steps_done":[],"ticket_id":null,"booking_link":null,"booked":false,"saved_to":[]}'::jsonb END,
    i % 3 = 0, at, at FROM seq;
INSERT INTO messages (id, conversation_id, direction, author, channel, body, status, segments, encoding, media_urls,
  simulated, workflow_id, attempts, created_at, updated_at, sent_at)
  SELECT gen_random_uuid(), conversation, d.direction, d.author, 'simulator', 'hello', d.status, 1, 'gsm7', '[]', true,
    '$workflow', 0, at + make_interval(secs => 10 * k + d.delay), at + make_interval(secs => 10 * k + d.delay),
    CASE WHEN d.direction = 'outbound' THEN at + make_interval(secs => 10 * k + d.delay) END
  FROM seq, generate_series(0, 3) AS k,
    (VALUES ('inbound', 'contact', 'processed', 0), ('outbound', 'agent', 'delivered', 2)) AS d(direction, author, status, delay);
ANALYZE;
SQL
}

# Prints "median max" in milliseconds of REPEAT requests.
timed() {
  local url=$1 auth=$2
  for _ in $(seq "$REPEAT"); do
    curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $auth" "$url"
  done | sort -n | awk '{ t[NR] = $1 * 1000 } END { printf "median %.1f ms, slowest %.1f ms", t[int((NR + 1) / 2)], t[NR] }'
}

run_backend() {
  local backend=$1 dir=$BENCH_DIR/$1 db_url
  rm -rf "$dir"; mkdir -p "$dir/data"
  case $backend in
  sqlite) db_url=sqlite://$dir/data/smsflow.db ;;
  postgres)
    local server=${PG_URL:-}
    if [ -z "$server" ]; then
      if [ -z "$PG_STARTED" ]; then
        eval "$(SMSFLOW_TEST_PGPORT=$PGPORT scripts/pg.sh start)"
        PG_STARTED=1
      fi
      server=$DATABASE_URL
    fi
    local name=smsflow_bench_analytics_$$
    PGOPTIONS="-c client_min_messages=warning" psql -q "$server" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
    db_url=${server%/*}/$name
    ;;
  *) echo "unknown backend $backend: use sqlite or postgres" >&2; exit 2 ;;
  esac
  local env=(env -i PATH="$PATH" HOME="$dir" SMSFLOW_DATA_DIR="$dir/data" SMSFLOW_DATABASE_URL="$db_url"
    SMSFLOW_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn)
  local key
  key=$("${env[@]}" "$BIN" api-key create --name bench | tail -n 1)
  "${env[@]}" "$BIN" serve 2>"$dir/server.log" &
  SERVER_PID=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
  local api=http://127.0.0.1:$PORT/api/v1 workflow
  workflow=$(curl -sf -H "Authorization: Bearer $key" -H 'content-type: application/json' "$api/workflows" \
    -d '{"name": "Lead capture", "goal": "lead_capture", "active": true, "steps": [{"type": "extract_information", "fields": "name,email"}, {"type": "save_to_database", "table": "leads"}]}' \
    | sed -E 's/.*"id":"([^"]+)".*/\1/')
  step "$backend: writing $CONVERSATIONS conversations, $((CONVERSATIONS * 4)) inbound messages and as many replies"
  local started=$SECONDS
  case $backend in
  sqlite) sqlite_history "${workflow//-/}" | sqlite3 -bail "$dir/data/smsflow.db" ;;
  postgres) postgres_history "$workflow" | psql -q -v ON_ERROR_STOP=1 "$db_url" ;;
  esac
  step "$backend: written in $((SECONDS - started)) s; timing $REPEAT requests each ($BIN)"
  local week month
  week=$(curl -sf -H "Authorization: Bearer $key" "$api/analytics/workflows/$workflow")
  echo "$backend: last 7 days: $(echo "$week" | sed -E 's/.*("messages_matched":[0-9]+).*("runs":\{[^}]*\}).*/\1 \2/')"
  echo "$backend: GET /analytics/workflows/{id} (7 days):  $(timed "$api/analytics/workflows/$workflow" "$key")"
  echo "$backend: GET /analytics/workflows/{id} (30 days): $(timed "$api/analytics/workflows/$workflow?from=$(date -u -d '-30 days' +%F)" "$key")"
  echo "$backend: GET /analytics/workflows:                $(timed "$api/analytics/workflows" "$key")"
  echo "$backend: GET /metrics:                            $(timed "http://127.0.0.1:$PORT/metrics" "$key")"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
  if [ "$backend" = postgres ]; then psql -q "${db_url%/*}/postgres" -c "DROP DATABASE IF EXISTS ${db_url##*/}" || true; fi
}

for backend in "${BACKENDS[@]}"; do run_backend "$backend"; done
