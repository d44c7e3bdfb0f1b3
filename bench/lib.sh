# Shared by the load benchmarks (bench/twilio_load.sh, bench/side_by_side.sh,
# bench/instructions.sh): source it from the repository root, after setting TARGET, PORT,
# UPSTREAM_PORT, ACCOUNT_SID and TOKEN.

SERVER_PID= PG_STARTED=
stop_server() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=
}
cleanup() {
  stop_server
  if [ -n "$PG_STARTED" ]; then SMSFLOW_TEST_PGPORT=$PGPORT scripts/pg.sh stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# utime + stime of a process (all its threads, living and exited), in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
port_open() { (: </dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
ports_free() { for p in "$@"; do ! port_open "$p" || { echo "port $p is in use" >&2; exit 1; }; done; }

# A throwaway PostgreSQL server (scripts/pg.sh on PGPORT), stopped at exit unless it was running
# already; sets DATABASE_URL. BENCH_PG_FSYNC=on starts it syncing each commit to disk, as a
# production server (default off, as the test servers). BENCH_PG_NAPTIME sets autovacuum's nap
# in seconds (default 60, PostgreSQL's): a run of a few seconds on a new database is then planned
# throughout from the statistics of empty tables (the claims scan every conversation), as a
# server's first minute is; at 1 its tables are analysed as they grow, and vacuumed far more
# often than a running server's (docs/benchmarks.md, session 34).
ensure_postgres() {
  port_open "$PGPORT" || PG_STARTED=1
  eval "$(SMSFLOW_TEST_PGPORT=$PGPORT SMSFLOW_TEST_PG_FSYNC=${BENCH_PG_FSYNC:-off} scripts/pg.sh start)"
  psql -q "$DATABASE_URL" -c "ALTER SYSTEM SET autovacuum_naptime = ${BENCH_PG_NAPTIME:-60}" \
    -c "SELECT pg_reload_conf()" >/dev/null
}
# A fresh database NAME on that server (after ensure_postgres); prints its URL.
fresh_postgres_database() {
  PGOPTIONS="-c client_min_messages=warning" psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
  echo "${DATABASE_URL%/*}/$1"
}

# Starts `smsflow serve` (binary BIN) on CPUs SERVER_CPUS with its data in DIR and database DB_URL,
# the example workflows imported and Twilio pointed at the load generator's stand-in API; sets
# SERVER_PID once it answers /healthz. Extra `smsflow` setup can run in the function named by
# SMSFLOW_SETUP (given DB_URL) after the database is migrated, before the server starts, and
# SETUP_SQL (PostgreSQL) after that: a schema change measured with the same binary, e.g. a
# migration undone, so that before and after can be interleaved. SERVE_UNDER, a command line that
# runs the server under another program (bench/instructions.sh: valgrind).
start_smsflow() {
  local dir=$1 db_url=$2
  export SMSFLOW_DATA_DIR=$dir/data SMSFLOW_DATABASE_URL=$db_url SMSFLOW_LISTEN=127.0.0.1:$PORT
  export SMSFLOW_PUBLIC_URL=http://127.0.0.1:$PORT SMSFLOW_TWILIO_ACCOUNT_SID=$ACCOUNT_SID
  export SMSFLOW_TWILIO_AUTH_TOKEN=$TOKEN SMSFLOW_TWILIO_API_BASE=http://127.0.0.1:$UPSTREAM_PORT
  "$BIN" api-key create --name bench >/dev/null
  "$BIN" workflows import examples/workflows.yaml >/dev/null
  if [ -n "${SMSFLOW_SETUP:-}" ]; then "$SMSFLOW_SETUP" "$db_url"; fi
  if [ -n "${SETUP_SQL:-}" ]; then psql -q -v ON_ERROR_STOP=1 "$db_url" -c "$SETUP_SQL"; fi
  # shellcheck disable=SC2086 # SERVE_UNDER is a command line, split into its words
  RUST_LOG=${RUST_LOG:-info} taskset -c "$SERVER_CPUS" ${SERVE_UNDER:-} "$BIN" serve >"$dir/smsflow.log" 2>&1 </dev/null &
  SERVER_PID=$!
  for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && return; sleep 0.1; done
  echo "smsflow did not start: see $dir/smsflow.log" >&2
  exit 1
}

# One query's first row, space-separated, from a SQLite file or a PostgreSQL URL.
query_row() {
  case $1 in
  postgres*) psql -qtA -F' ' "$1" -c "$2" ;;
  *) python3 -c 'import sqlite3,sys; print(*sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone())' "${1#sqlite://}" "$2" ;;
  esac
}

# The PostgreSQL server's write-ahead log so far (the whole server's, autovacuum included), from
# database URL $1: its records (pg_stat_wal, which each backend adds to when idle a second or at
# exit) and its bytes (the log's position). Unlike CPU time they repeat from run to run within a
# fraction of a percent: what a change of schema or statements saves the database shows here first.
pg_wal() { query_row "$1" "SELECT wal_records, pg_current_wal_lsn() - '0/0' FROM pg_stat_wal"; }

# The webhook alone: no conversation names a message to claim, so the inbound workers find none.
no_processing() {
  case $1 in
  postgres*) psql -q "$1" <<'SQL' ;;
CREATE FUNCTION bench_no_processing() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN NEW.pending_inbound_id := NULL; RETURN NEW; END $$;
CREATE TRIGGER bench_no_processing BEFORE INSERT OR UPDATE ON conversations
  FOR EACH ROW EXECUTE FUNCTION bench_no_processing();
SQL
  *) python3 - "${1#sqlite://}" <<'PY' ;;
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
CREATE TRIGGER bench_no_processing AFTER INSERT ON conversations
  BEGIN UPDATE conversations SET pending_inbound_id = NULL WHERE id = NEW.id; END;
""")
PY
  esac
}
