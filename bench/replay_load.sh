#!/usr/bin/env bash
# How fast `smsflow workflows replay` replays stored texts; not part of the test suite.
#
#   bench/replay_load.sh
#
# Makes a fresh SQLite data directory, publishes examples/workflows.yaml, saves a draft that changes
# one workflow, writes TEXTS stored inbound texts (default 100,000; 4 per conversation, spread over
# the last 7 days, cycling through a few realistic bodies) straight into the database, then times
# `smsflow workflows replay --since 8d --draft --json` with keywords only and, with WITH_MODEL=1 (and
# the embedding model in MODEL_DIR), with it too: every text is embedded, so use fewer TEXTS for that.
# Prints wall and CPU seconds from /usr/bin/time.
#
# Env: TEXTS, BENCH_DIR (default target/bench-replay), SMSFLOW_BIN (release build if there is one,
#      else debug), MODEL_DIR (default /root/.cache/smsflow-test/models/all-MiniLM-L6-v2).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BENCH_DIR=${BENCH_DIR:-$TARGET/bench-replay}
TEXTS=${TEXTS:-100000}
MODEL_DIR=${MODEL_DIR:-/root/.cache/smsflow-test/models/all-MiniLM-L6-v2}
BIN=${SMSFLOW_BIN:-}
if [ -z "$BIN" ]; then
  BIN=$TARGET/release/smsflow
  [ -x "$BIN" ] || BIN=$TARGET/debug/smsflow
fi
step() { echo "==> $*" >&2; }

rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR/data"
export SMSFLOW_DATA_DIR=$BENCH_DIR/data SMSFLOW_DATABASE_URL=sqlite://$BENCH_DIR/data/smsflow.db
step "publishing examples/workflows.yaml and saving a draft ($BIN)"
"$BIN" workflows apply --file examples/workflows.yaml --publish >/dev/null
sed 's/priority: 40/priority: 5/' examples/workflows.yaml >"$BENCH_DIR/draft.yaml"
"$BIN" workflows apply --file "$BENCH_DIR/draft.yaml" >/dev/null

step "writing $TEXTS stored inbound texts"
CONVERSATIONS=$((TEXTS / 4))
sqlite3 "$BENCH_DIR/data/smsflow.db" <<SQL
CREATE TEMP TABLE seq AS WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $CONVERSATIONS - 1)
  SELECT i, randomblob(16) AS conversation, i * 604800 / $CONVERSATIONS AS ago FROM n;
CREATE TEMP TABLE turn AS SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3;
CREATE TEMP TABLE body AS
  SELECT 0 AS b, 'hi, how much would a new roof cost?' AS text UNION ALL
  SELECT 1, 'my sink is leaking and the app is broken, help' UNION ALL
  SELECT 2, 'I''m Dana from Blue Fin Sushi, dana@bluefin.example' UNION ALL
  SELECT 3, 'any openings friday afternoon?' UNION ALL
  SELECT 4, 'what are your hours on sunday' UNION ALL
  SELECT 5, 'can I get a quote for 12 people' UNION ALL
  SELECT 6, 'thanks!' UNION ALL
  SELECT 7, 'I want to book an appointment next week';
BEGIN;
INSERT INTO conversations (id, our_number, their_number, channel, status, run_completed, unread_count,
  last_message_at, created_at)
  SELECT conversation, '+15550000000', '+1555' || printf('%07d', i), 'simulator', 'agent', 0, 0,
    strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('%+d seconds', -ago)),
    strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('%+d seconds', -ago)) FROM seq;
INSERT INTO messages (id, conversation_id, direction, author, channel, body, status, segments, encoding, media_urls,
  simulated, attempts, created_at, updated_at)
  SELECT randomblob(16), conversation, 'inbound', 'contact', 'simulator', body.text, 'processed', 1, 'gsm7', '[]', 1, 0,
    strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('%+d seconds', 60 * k - ago)),
    strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('%+d seconds', 60 * k - ago))
  FROM seq, turn, body WHERE body.b = (i + k * 3) % 8;
COMMIT;
ANALYZE;
SQL

run() {
  local label=$1
  shift
  step "replay, $label"
  /usr/bin/time -f "$label: %e s wall, %U s user + %S s system, %M KiB max" \
    taskset -c 1 "$BIN" workflows replay --since 8d --draft --json "$@" >"$BENCH_DIR/report-$label.json"
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[2] + ':', r['messages'], 'texts,', r['rerouted_total'], 'rerouted,', r['replies_changed_total'], 'replies changed')" \
    "$BENCH_DIR/report-$label.json" "$label"
}
run keywords --keywords-only
if [ "${WITH_MODEL:-0}" = 1 ] && [ -f "$MODEL_DIR/model.safetensors" ]; then
  mkdir -p "$SMSFLOW_DATA_DIR/models"
  ln -sfn "$MODEL_DIR" "$SMSFLOW_DATA_DIR/models/all-MiniLM-L6-v2"
  run model
fi
uptime
