#!/usr/bin/env bash
# The PostgreSQL outbound queue in a burst, without smsflow: what the claim reads, not how fast a
# loaded machine runs it. Not part of the test suite.
#
#   BENCH_PGPORT=55481 bench/pg_outbound_burst.sh LABEL
#
# On the scripts/pg.sh cluster at BENCH_PGPORT (default 18329, started if it is down) it makes a
# database `outbound_burst` with the store's migrations, 40,000 conversations and a history of
# 20,000 answered texts (statistics of the steady state), then runs with pgbench: one client
# storing 64 texts and their 64 queued replies per transaction (as an inbound worker's batch),
# 313 batches (20,032 replies) as fast as it can, and 4 senders claiming 8 replies each
# (the store's outbound claim at this commit, `$1`/`$2` written as `now() + 60 s`/`now()`) and
# marking them sent, for SECS seconds (default 90), polling every 100 ms when none is due. Every
# 2 s it runs `EXPLAIN (ANALYZE, BUFFERS)` of the claim (rolled back). CLAIM=old runs the claim
# as it was before session 13 (its claimed replies' next attempt left as it was). SETUP_SQL, if
# set, runs after the migrations (e.g. `DROP INDEX messages_body_trigrams`, to see what it costs).
# Writes BENCH_DIR/pg_outbound_burst/LABEL.{stats,samples,senders,producer}: per index of
# messages its scans and entries read, the table's updates and autovacuum times, WAL bytes, and
# the replies' waits (sent_at - created_at) and the last one's.
set -euo pipefail
cd "$(dirname "$0")/.."
LABEL=${1:?usage: bench/pg_outbound_burst.sh LABEL}
PORT=${BENCH_PGPORT:-18329}
OUT=${BENCH_DIR:-target/bench}/pg_outbound_burst
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SQL=$(mktemp -d)
trap 'rm -rf "$SQL"' EXIT
SMSFLOW_TEST_PGPORT=$PORT scripts/pg.sh start >/dev/null
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=outbound_burst
psql -q -d postgres -c "DROP DATABASE IF EXISTS outbound_burst" -c "CREATE DATABASE outbound_burst"
for migration in crates/smsflow-store/migrations/postgres/*.sql; do
  psql -q -v ON_ERROR_STOP=1 -f "$migration" >/dev/null
done
[ -n "${SETUP_SQL:-}" ] && psql -q -v ON_ERROR_STOP=1 -c "$SETUP_SQL"

ordered_id() { echo "('0000000$1-0000-7000-8000-' || lpad(to_hex($2), 12, '0'))::uuid"; }
INBOUND_BODY="'hello there, what time do you open tomorrow morning'"
REPLY_BODY="'Thanks for your message! We open at 9am tomorrow. Reply STOP to opt out.'"
psql -q <<EOF
INSERT INTO conversations (id, our_number, their_number, channel, status, run_completed, unread_count,
  last_message_at, created_at)
SELECT $(ordered_id 1 i), '+15550000000', '+1' || (5550000000 + i)::text, 'twilio', 'agent', FALSE, 1, now(), now()
FROM generate_series(1, 40000) i;
INSERT INTO messages (id, conversation_id, direction, author, channel, body, provider_id, status, segments,
  encoding, media_urls, simulated, attempts, created_at, updated_at)
SELECT $(ordered_id 3 i), $(ordered_id 1 i), 'inbound', 'contact', 'twilio', $INBOUND_BODY, 'SMold' || i, 'processed', 1,
  'gsm7', '[]', FALSE, 1, now() - interval '1 day', now() - interval '1 day' FROM generate_series(20001, 40000) i;
INSERT INTO messages (id, conversation_id, direction, author, channel, body, provider_id, status, segments,
  encoding, media_urls, simulated, attempts, created_at, updated_at, sent_at)
SELECT $(ordered_id 4 i), $(ordered_id 1 i), 'outbound', 'agent', 'twilio', $REPLY_BODY, 'SMsent' || i, 'sent', 1, 'gsm7',
  '[]', FALSE, 1, now() - interval '1 day', now() - interval '1 day', now() - interval '1 day'
FROM generate_series(20001, 40000) i;
CREATE SEQUENCE reply_seq;
VACUUM ANALYZE;
EOF

cat >"$SQL/producer.sql" <<EOF
WITH n AS (SELECT nextval('reply_seq') AS i FROM generate_series(1, 64)),
texts AS (INSERT INTO messages (id, conversation_id, direction, author, channel, body, provider_id, status,
  segments, encoding, media_urls, simulated, attempts, created_at, updated_at)
  SELECT $(ordered_id 2 i), $(ordered_id 1 i), 'inbound', 'contact', 'twilio', $INBOUND_BODY, 'SMin' || i, 'processed', 1,
  'gsm7', '[]', FALSE, 1, now(), now() FROM n RETURNING conversation_id)
INSERT INTO messages (id, conversation_id, direction, author, channel, body, status, segments, encoding,
  media_urls, simulated, attempts, next_attempt_at, created_at, updated_at)
SELECT gen_random_uuid(), conversation_id, 'outbound', 'agent', 'twilio', $REPLY_BODY, 'queued', 1, 'gsm7',
  '[]', FALSE, 0, now(), now(), now() FROM texts;
EOF
NEXT_ATTEMPT="next_attempt_at = now() + interval '60 seconds', "
[ "${CLAIM:-new}" = old ] && NEXT_ATTEMPT=
CLAIM_SQL="UPDATE messages SET status = 'sending', locked_until = now() + interval '60 seconds', ${NEXT_ATTEMPT}\
attempts = attempts + 1, updated_at = now() WHERE id IN (SELECT m.id FROM messages m \
WHERE m.direction = 'outbound' AND m.status IN ('queued', 'sending') AND m.next_attempt_at <= now() \
AND (m.locked_until IS NULL OR m.locked_until < now()) \
AND NOT EXISTS (SELECT 1 FROM messages e WHERE e.conversation_id = m.conversation_id \
AND e.direction = 'outbound' AND e.status IN ('queued', 'sending') AND e.attempts >= 0 AND e.id < m.id \
AND (e.next_attempt_at <= now() OR e.attempts > 0) OFFSET 0) \
ORDER BY m.next_attempt_at, m.id LIMIT 8 FOR UPDATE SKIP LOCKED)"
cat >"$SQL/sender.sql" <<EOF
WITH claimed AS ($CLAIM_SQL RETURNING id, attempts) SELECT count(*) AS n,
quote_literal(coalesce(array_agg(id)::text, '{}')) AS ids,
quote_literal(coalesce(array_agg(attempts)::text, '{}')) AS attempts FROM claimed
\gset
UPDATE messages SET status = 'sent', provider_id = 'SM' || s.id::text, locked_until = NULL,
next_attempt_at = NULL, error_message = NULL, updated_at = now(), sent_at = now()
FROM UNNEST(:ids::uuid[], :attempts::bigint[]) AS s(id, attempt)
WHERE messages.id = s.id AND messages.status = 'sending' AND messages.attempts = s.attempt;
\if :n = 0
\sleep 100 ms
\endif
EOF
printf 'BEGIN;\nEXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) %s;\nROLLBACK;\n' "$CLAIM_SQL" >"$SQL/explain.sql"

psql -q -c "SELECT pg_stat_reset()" >/dev/null
WAL_START=$(psql -Atc "SELECT pg_current_wal_lsn()")
SECS=${SECS:-90}
(
  for _ in $(seq 1 $((SECS / 2))); do
    sleep 2
    echo "== $(date -u +%T)"
    psql -f "$SQL/explain.sql" 2>&1 | grep -E "Buffers|Index Scan|Rows Removed|actual rows" || true
    psql -Atc "SELECT 'queued ' || count(*) FILTER (WHERE status = 'queued') || ', sending ' || \
      count(*) FILTER (WHERE status = 'sending') FROM messages WHERE direction = 'outbound'"
  done
) >"$OUT/$LABEL.samples" 2>&1 &
SAMPLER=$!
pgbench -n -M simple -c 4 -j 1 -T "$SECS" -f "$SQL/sender.sql" >"$OUT/$LABEL.senders" 2>&1 &
SENDERS=$!
pgbench -n -M simple -c 1 -j 1 -t 313 -f "$SQL/producer.sql" >"$OUT/$LABEL.producer" 2>&1
wait $SENDERS
kill $SAMPLER 2>/dev/null || true
wait $SAMPLER 2>/dev/null || true
psql -Atc "SELECT 'WAL bytes ' || pg_wal_lsn_diff(pg_current_wal_lsn(), '$WAL_START')" >"$OUT/$LABEL.stats"
psql -c "SELECT n_tup_ins, n_tup_upd, n_tup_hot_upd, n_dead_tup, last_autovacuum, last_autoanalyze \
  FROM pg_stat_user_tables WHERE relname = 'messages'" \
  -c "SELECT indexrelname, idx_scan, idx_tup_read, round(idx_tup_read::numeric / greatest(idx_scan, 1), 1) \
  AS read_per_scan FROM pg_stat_user_indexes WHERE relname = 'messages' ORDER BY 1" \
  -c "SELECT count(*) FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE status <> 'sent') AS unsent, \
  extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY sent_at - created_at)) AS p50_wait_s, \
  extract(epoch FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY sent_at - created_at)) AS p99_wait_s, \
  extract(epoch FROM max(sent_at) - min(created_at)) AS last_sent_s \
  FROM messages WHERE direction = 'outbound' AND created_at > now() - interval '12 hours'" >>"$OUT/$LABEL.stats"
cat "$OUT/$LABEL.stats"
