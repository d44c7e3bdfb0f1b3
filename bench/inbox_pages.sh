#!/usr/bin/env bash
# How fast the inbox pages answer with many conversations, not part of the test suite.
#
#   bench/inbox_pages.sh            (COUNT conversations, default 1000; SMSFLOW_BIN, default the debug build)
#   SEED=100000 bench/inbox_pages.sh   (and 100,000 more written straight into the database)
#   bench/inbox_pages.sh postgres   (on PostgreSQL: a fresh database on scripts/pg.sh's server on
#                                    port BENCH_PGPORT, default 18339, left running)
#
# Starts a fresh `smsflow serve` (SQLite, or PostgreSQL), makes an admin and an API key with the CLI, texts COUNT
# numbers through the simulator (each answered by a workflow), adds SEED conversations with
# bench/seed_inbox.py (a text and a reply each, two in three contacts named, one in ten unread),
# signs in with curl, then requests each page ROUNDS times (default 30) and prints the median and
# the slowest time_total, and the server's CPU time per request (from /proc), of: the inbox's
# first page, the unread filter, searches (part of a number, a name, a reference in a message's
# text, a common word and a word in every conversation), a thread, and the thread's poll.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SMSFLOW_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/debug/smsflow}
COUNT=${COUNT:-1000}
ROUNDS=${ROUNDS:-30}
PORT=${PORT:-18331}
BASE=http://127.0.0.1:$PORT
BACKEND=${1:-sqlite}
WORK=$(mktemp -d)
case $BACKEND in
sqlite) DB_URL=sqlite://$WORK/data/smsflow.db; SEED_TARGET=$WORK/data/smsflow.db ;;
postgres)
  eval "$(SMSFLOW_TEST_PGPORT=${BENCH_PGPORT:-18339} scripts/pg.sh start)"
  PGOPTIONS="-c client_min_messages=warning" psql -q "$DATABASE_URL" \
    -c "DROP DATABASE IF EXISTS smsflow_inbox_bench WITH (FORCE)" -c "CREATE DATABASE smsflow_inbox_bench" >/dev/null
  DB_URL=${DATABASE_URL%/*}/smsflow_inbox_bench; SEED_TARGET=$DB_URL ;;
*) echo "usage: bench/inbox_pages.sh [sqlite|postgres]" >&2; exit 2 ;;
esac
export SMSFLOW_DATA_DIR=$WORK/data SMSFLOW_DATABASE_URL=$DB_URL \
  SMSFLOW_LISTEN=127.0.0.1:$PORT RUST_LOG=warn HOME=$WORK SMSFLOW_MODEL=off
"$BIN" serve 2>"$WORK/serve.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
until curl -sf "$BASE/healthz" >/dev/null; do sleep 0.2; done
echo "correct horse battery staple" | "$BIN" admin create --email bench@example.com --password-stdin >/dev/null
KEY=$("$BIN" api-key create --name bench | tail -1)
api() { curl -sf -H "authorization: Bearer $KEY" -H 'content-type: application/json' "$@"; }
api -X POST "$BASE/api/v1/workflows" -d '{"name":"Support","goal":"help_desk_support","active":true,
  "steps":[{"type":"extract_information","fields":"email"},{"type":"create_support_ticket","priority":"normal"}]}' >/dev/null
seq -f '+1555%07g' 1 "$COUNT" | xargs -P 8 -I{} curl -sf -o /dev/null \
  -H "authorization: Bearer $KEY" -H 'content-type: application/json' \
  -X POST "$BASE/api/v1/simulator/messages" -d '{"from": "{}", "body": "my order is broken, please help"}'
JAR=$WORK/cookies
CSRF=$(curl -sf -c "$JAR" "$BASE/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -sf -b "$JAR" -c "$JAR" -o /dev/null --data-urlencode "csrf=$CSRF" \
  --data-urlencode "email=bench@example.com" --data-urlencode "password=correct horse battery staple" "$BASE/login"
ID=$(api "$BASE/api/v1/conversations?limit=1" | sed -n 's/.*"items":\[{"id":"\([^"]*\)".*/\1/p')
[ -n "$ID" ] || { echo "no conversation was stored: see $WORK/serve.log" >&2; exit 1; }
SEED=${SEED:-0}
if [ "$SEED" -gt 0 ]; then python3 bench/seed_inbox.py "$SEED_TARGET" "$SEED"; fi
# Seven digits from the middle of one stored number.
DIGITS=$(api "$BASE/api/v1/conversations?limit=1" | sed -n 's/.*"their_number":"+1\([0-9]*\)".*/\1/p' | cut -c 3-9)
echo "$BACKEND: $((COUNT + SEED)) conversations, each with a message and the agent's reply; $ROUNDS requests a page; $(uptime)"
# smsflow's CPU time, and on PostgreSQL its server's (the postmaster's children: the pool's
# connections live through the run), in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER/stat"; }
db_ticks() {
  [ "$BACKEND" = postgres ] || { echo 0; return; }
  local postmaster; postmaster=$(head -1 "/tmp/smsflow-test-pg-${BENCH_PGPORT:-18339}/postmaster.pid")
  for pid in $(ps -o pid= --ppid "$postmaster"); do cat "/proc/$pid/stat" 2>/dev/null; done | awk '{ t += $14 + $15 } END { print t + 0 }'
}
measure() {
  local name=$1 url=$2 results before after
  local db_before db_after
  before=$(cpu_ticks); db_before=$(db_ticks)
  results=$(for _ in $(seq 1 "$ROUNDS"); do
    curl -s -b "$JAR" -o /dev/null -w '%{http_code} %{time_total}\n' "$BASE$url"
  done)
  after=$(cpu_ticks); db_after=$(db_ticks)
  local bad; bad=$(grep -vc '^200 ' <<<"$results" || true)
  per_request() { awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n="$ROUNDS" 'BEGIN { printf "%.1f", t * 1000 / hz / n }'; }
  local cpu; cpu=$(per_request $((after - before)))
  local db_cpu=""; [ "$BACKEND" = postgres ] && db_cpu=" + database $(per_request $((db_after - db_before))) ms"
  awk '{ print $2 }' <<<"$results" | sort -n | awk -v name="$name" -v bad="$bad" -v cpu="$cpu" -v db="$db_cpu" \
    '{ t[NR] = $1 } END { printf "%-38s median %6.1f ms   max %6.1f ms   CPU %5.1f ms%s a request   (%d not 200)\n",
      name, t[int((NR + 1) / 2)] * 1000, t[NR] * 1000, cpu, db, bad }'
}
measure "inbox, first page" "/conversations"
measure "inbox, unread" "/conversations?show=unread"
measure "search, part of a number" "/conversations?q=$DIGITS"
measure "search, a name" "/conversations?q=Grace+Hopper"
measure "search, a reference in a text" "/conversations?q=Reference+1234"
measure "search, a common word" "/conversations?q=Saturday"
measure "search, a word in every conversation" "/conversations?q=email"
measure "thread" "/conversations/$ID"
measure "thread poll" "/conversations/$ID/messages"
