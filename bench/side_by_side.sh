#!/usr/bin/env bash
# Issue 14's table in one command: smsflow against the "limit" (bench/limit: the least a server
# must do per inbound text), side by side in one interleaved run. Not part of the test suite.
#
#   bench/side_by_side.sh [sqlite] [postgres]        (default: both)
#
# For each database, each round and each number of requests in flight (4, then 32), six servers
# in turn, each fresh (new database) and pinned to one core while the load generator runs on the
# other:
#   limit     bench/limit: checks the Twilio signature, matches keywords, stores the inbound text
#             and its reply in one transaction (PostgreSQL: one statement);
#   floor     bench/limit --send-to: the limit, then the reply sent to the stand-in Twilio API and
#             marked sent in a second transaction: the least a server must do to answer a text
#             durably (what smsflow adds to it is the pipeline's ratio to the floor);
#   stored-first  bench/limit --send-to --stored-first: the floor keeping smsflow's rule that a text
#             is stored before anything else is done with it (the text alone in the webhook's
#             transaction; matched, marked processed and its reply queued in a second; sent and
#             marked sent in a third): the least a server must do to answer durably by that rule;
#   peer      bench/peer: the webhook a Python developer would write (FastAPI, uvicorn and Twilio's
#             official SDK checking the signature) storing each text in SQLite; stores only. SQLite
#             runs only; its pinned packages are installed from PyPI in a venv on first use;
#   webhook   smsflow with processing turned off in the database (a trigger leaves no message
#             to claim), so only the webhook runs: signature, store, answer;
#   pipeline  smsflow whole: webhook, match, agent, reply queued and sent to a stand-in Twilio API.
# The load generator (crates/smsflow-server/examples/twilio_load.rs, built here, nothing to install)
# sends COUNT distinct webhooks signed as Twilio signs them, each from its own number, and waits for
# every reply of the pipeline runs (counting unanswered and duplicated ones). Each run prints msg/s
# and p50/p99 webhook latency, the server's CPU per message (user + system over the whole run,
# replies sent included), its context switches per message (perf stat when it works, else the
# threads' counts in /proc/<pid>/task/*/status), the CPU of smsflow's SQLite writer thread (the
# thread named sqlite-writer) per message, the bytes the server wrote per message (write_bytes of
# /proc/<pid>/io: what reached the page cache for storage, a WAL page rewritten while still dirty
# counted once; and wchar: every byte of its write calls, sockets included), PostgreSQL's CPU per
# message and its write-ahead log's records and bytes per message, and what the database holds;
# the table at the end gives each figure's median over the rounds and, per round, the ratios to
# the same round's limit (CPU, msg/s, and the replies a second end to end against its msg/s: the
# limit stores each reply with its text), floor (CPU) and peer (msg/s) as a range over the rounds;
# after it, each of issue 14's bars this run can judge, met or not, with the floor's and
# stored-first's ratios beside those against the limit.
#
# Env: COUNT (default 20000), ROUNDS (default 2), CONCURRENCIES (default "4 32"), SERVER_CPUS
#      (default 0), LOADGEN_CPUS (default 1), BENCH_DIR (default target/bench-side-by-side),
#      SMSFLOW_BIN (another smsflow binary), LOADGEN_BIN and LIMIT_BIN (the load generator and
#      the limit already built: then not built here), SERVERS (default "limit floor stored-first
#      peer webhook pipeline": without the limit, no ratios to it; without the floor or the
#      peer, none to them), PEER_VENV (default target/bench-peer-venv: the peer's Python packages),
#      BENCH_PGPORT (default 18329: scripts/pg.sh's throwaway server, stopped afterwards unless it
#      was running), BENCH_PG_FSYNC (default off, as the test servers; on, syncing each commit
#      as in production), BENCH_PG_NAPTIME (default 60: autovacuum's nap in seconds, see
#      bench/lib.sh), BENCH_PG_WARMUP (default 0: PostgreSQL runs start on an empty database;
#      N: each server first takes N texts, unmeasured, then its database is analysed, so that the
#      measured texts run on the plans of a database in use, not those PostgreSQL caches for
#      tables it has seen empty; the counts checked include them),
#      BENCH_PORT (default 18321: the server; + 1: the stand-in Twilio API).
#      RUST_LOG for smsflow (default warn).
#      SETUP_SQL (PostgreSQL): run on smsflow's database after its migrations (bench/lib.sh).
#      WAL_PAGES=1 (SQLite): also counts the pages each run's commits write, by table or index and
#      by kind of commit (bench/wal_pages.py, into its run's directory as wal_pages.txt; the first
#      lines printed). It holds the log from checkpoints during the run: that run's CPU is not
#      comparable to one without it.
#      PERF_RECORD=1 also samples each server with `perf record -F 499 -g` into its run's directory
#      (perf.data; read it with `perf report -i DIR/perf.data --no-children --sort dso,symbol`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BENCH_DIR=${BENCH_DIR:-$TARGET/bench-side-by-side}
COUNT=${COUNT:-20000} ROUNDS=${ROUNDS:-2} CONCURRENCIES=${CONCURRENCIES:-"4 32"}
SERVERS=${SERVERS:-"limit floor stored-first peer webhook pipeline"}
SERVER_CPUS=${SERVER_CPUS:-0} LOADGEN_CPUS=${LOADGEN_CPUS:-1}
PORT=${BENCH_PORT:-18321} PGPORT=${BENCH_PGPORT:-18329}
UPSTREAM_PORT=$((PORT + 1))
ACCOUNT_SID=AC0123456789abcdef0123456789abcdef
TOKEN=bench-token-$RANDOM$RANDOM
BACKENDS=("$@")
[ ${#BACKENDS[@]} -gt 0 ] || BACKENDS=(sqlite postgres)
export RUST_LOG=${RUST_LOG:-warn}
# Keywords only, as the limit: no embedding model (nor its download on first start).
export SMSFLOW_MODEL=off
step() { echo "==> $*" >&2; }

# The tools: taskset, curl and psql from Debian when missing (as .ci/run installs its tools).
need=()
command -v taskset >/dev/null || need+=(util-linux)
command -v curl >/dev/null || need+=(curl)
command -v psql >/dev/null || need+=(postgresql-client)
if [ ${#need[@]} -gt 0 ]; then
  step "installing ${need[*]} (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
perf_works() { command -v perf >/dev/null && perf stat -x, -e context-switches -- true 2>&1 | grep -q '^[0-9]'; }

# Each built here unless given (e.g. another checkout's release builds: a release build takes long).
step "building what is not given: smsflow, the load generator, the limit (release)"
[ -n "${SMSFLOW_BIN:-}" ] || cargo build -q --release -p smsflow -j2
[ -n "${LOADGEN_BIN:-}" ] || cargo build -q --release -p smsflow-server --example twilio_load -j2
[ -n "${LIMIT_BIN:-}" ] || [[ " $SERVERS " != *" limit "* && " $SERVERS " != *" floor "* && " $SERVERS " != *" stored-first "* ]] ||
  CARGO_TARGET_DIR=$TARGET/limit cargo build -q --release --manifest-path bench/limit/Cargo.toml -j2
PEER_VENV=${PEER_VENV:-$TARGET/bench-peer-venv}
if [[ " $SERVERS " == *" peer "* && " ${BACKENDS[*]} " == *" sqlite "* && ! -x $PEER_VENV/bin/uvicorn ]]; then
  step "installing the peer's Python packages (bench/peer/requirements.txt) in $PEER_VENV"
  python3 -m venv "$PEER_VENV" || { echo "python3 -m venv failed: install python3-venv" >&2; exit 1; }
  "$PEER_VENV/bin/pip" install -q -r bench/peer/requirements.txt
fi
BIN=${SMSFLOW_BIN:-$TARGET/release/smsflow}
LOAD=${LOADGEN_BIN:-$TARGET/release/examples/twilio_load}
LIMIT=${LIMIT_BIN:-$TARGET/limit/release/smsflow-limit}

# shellcheck source=bench/lib.sh
. bench/lib.sh

# Context switches of every thread of a process, so far (threads that ended are not counted).
proc_switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { n += $2 } END { print n + 0 }'; }
# CPU ticks of smsflow's SQLite writer thread(s), found by name (0 when there is none).
writer_ticks() {
  local task total=0
  for task in /proc/"$1"/task/*; do
    [ "$(cat "$task/comm" 2>/dev/null)" = sqlite-writer ] || continue
    total=$((total + $(awk '{ print $14 + $15 }' "$task/stat" 2>/dev/null || echo 0)))
  done
  echo $total
}
# A counter of /proc/<pid>/io (write_bytes, wchar) so far.
io_bytes() { awk -v key="$2:" '$1 == key { print $2 }' /proc/"$1"/io; }
# CPU ticks of the PostgreSQL server's processes (the postmaster and its children).
pg_ticks() {
  [ -n "${PGDATA_DIR:-}" ] || { echo 0; return; }
  local main; main=$(head -1 "$PGDATA_DIR/postmaster.pid")
  local total=0 pid
  for pid in "$main" $(ps -o pid= --ppid "$main"); do total=$((total + $(cpu_ticks "$pid" 2>/dev/null || echo 0))); done
  echo $total
}

RESULTS=$BENCH_DIR/results.tsv
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR"
printf 'round\tbackend\tin_flight\tserver\tmsgs_per_s\tp50_ms\tp99_ms\tcpu_us\tswitches\tdb_cpu_us\treplies_per_s\twriter_us\twrite_bytes\twchar\twal_records\twal_bytes\n' >"$RESULTS"
USE_PERF=; perf_works && USE_PERF=1
TICK_US=$((1000000 / $(getconf CLK_TCK)))
status=0

# One measured run: server $4 (limit, webhook, pipeline) on database $2 with $3 in flight.
run() {
  local round=$1 backend=$2 inflight=$3 server=$4 dir=$BENCH_DIR/$1-$2-$3-$4 db_url
  mkdir -p "$dir/data"
  case $backend in
  sqlite) db_url=sqlite://$dir/data/$server.db ;;
  postgres) db_url=$(fresh_postgres_database "bench_${server//-/_}") ;;
  esac
  ports_free $PORT $UPSTREAM_PORT
  local replies=(--no-replies)
  case $server in
  limit | floor | stored-first)
    local send=()
    [ "$server" = limit ] || { replies=(); send=(--send-to "http://127.0.0.1:$UPSTREAM_PORT" --account-sid "$ACCOUNT_SID"); }
    [ "$server" = stored-first ] && send+=(--stored-first)
    taskset -c "$SERVER_CPUS" "$LIMIT" --listen 127.0.0.1:$PORT --token "$TOKEN" --database "$db_url" "${send[@]}" >"$dir/limit.log" 2>&1 </dev/null &
    SERVER_PID=$!
    for _ in $(seq 1 100); do port_open $PORT && break; sleep 0.1; done ;;
  peer)
    PEER_TOKEN=$TOKEN PEER_PUBLIC_URL=http://127.0.0.1:$PORT PEER_DATABASE=$dir/data/peer.db \
      taskset -c "$SERVER_CPUS" "$PEER_VENV/bin/uvicorn" app:app --app-dir bench/peer --host 127.0.0.1 --port "$PORT" \
      --log-level warning --no-access-log >"$dir/peer.log" 2>&1 </dev/null &
    SERVER_PID=$!
    for _ in $(seq 1 100); do port_open $PORT && break; sleep 0.1; done ;;
  webhook) SMSFLOW_SETUP=no_processing start_smsflow "$dir" "$db_url" ;;
  pipeline) replies=(); SMSFLOW_SETUP= start_smsflow "$dir" "$db_url" ;;
  esac
  local warmup=0
  [ "$backend" = postgres ] && warmup=${BENCH_PG_WARMUP:-0}
  if [ "$warmup" -gt 0 ]; then
    taskset -c "$LOADGEN_CPUS" "$LOAD" --url "http://127.0.0.1:$PORT" --token "$TOKEN" --account-sid "$ACCOUNT_SID" \
      --count "$warmup" --concurrency "$inflight" --upstream-port "$UPSTREAM_PORT" --wait-secs 600 \
      --run "$RANDOM$RANDOM" --first-sender "$COUNT" "${replies[@]}" >"$dir/warmup.out"
    psql -q "$db_url" -c ANALYZE
  fi
  local wal_records0=0 wal_bytes0=0 wal_records1=0 wal_bytes1=0
  if [ "$backend" = postgres ]; then
    sleep 1.2 # the warmup's connections add their log records to pg_stat_wal once idle a second
    read -r wal_records0 wal_bytes0 <<<"$(pg_wal "$db_url")"
  fi
  local cpu0 sw0 db0 writer0 written0 wchar0 perf_pid=
  cpu0=$(cpu_ticks "$SERVER_PID") sw0=$(proc_switches "$SERVER_PID") db0=$(pg_ticks)
  writer0=$(writer_ticks "$SERVER_PID") written0=$(io_bytes "$SERVER_PID" write_bytes) wchar0=$(io_bytes "$SERVER_PID" wchar)
  if [ -n "$USE_PERF" ]; then
    perf stat -x, -e context-switches -p "$SERVER_PID" -o "$dir/perf.csv" & perf_pid=$!
  fi
  local record_pid=
  if [ -n "${PERF_RECORD:-}" ]; then
    perf record -q -F 499 -g -p "$SERVER_PID" -o "$dir/perf.data" 2>/dev/null & record_pid=$!
  fi
  local wal_pid=
  if [ -n "${WAL_PAGES:-}" ] && [ "$backend" = sqlite ] && [ "$server" != peer ]; then
    rm -f "$dir/wal.stop" "$dir/wal.stop.held"
    python3 bench/wal_pages.py "$dir/data/$server.db" "$dir/wal.stop" "$COUNT" >"$dir/wal_pages.txt" & wal_pid=$!
    for _ in $(seq 1 100); do [ -e "$dir/wal.stop.held" ] && break; sleep 0.1; done
  fi
  local rc=0
  taskset -c "$LOADGEN_CPUS" "$LOAD" --url "http://127.0.0.1:$PORT" --token "$TOKEN" --account-sid "$ACCOUNT_SID" \
    --count "$COUNT" --concurrency "$inflight" --upstream-port "$UPSTREAM_PORT" --wait-secs 600 \
    --run "$RANDOM$RANDOM" "${replies[@]}" >"$dir/load.out" || rc=$?
  local cpu1 sw1 db1 writer1 written1 wchar1 switches
  cpu1=$(cpu_ticks "$SERVER_PID") sw1=$(proc_switches "$SERVER_PID") db1=$(pg_ticks)
  writer1=$(writer_ticks "$SERVER_PID") written1=$(io_bytes "$SERVER_PID" write_bytes) wchar1=$(io_bytes "$SERVER_PID" wchar)
  switches=$((sw1 - sw0))
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"; wait "$perf_pid" || true
    switches=$(awk -F, '/context-switches/ && $1 ~ /^[0-9]+$/ { print $1 }' "$dir/perf.csv")
    switches=${switches:-$((sw1 - sw0))}
  fi
  if [ -n "$record_pid" ]; then kill -INT "$record_pid"; wait "$record_pid" || true; fi
  # What the database holds: every text stored once, and a reply queued (limit) or sent (floor,
  # stored-first, pipeline).
  local counts inbound outbound expected_out=0
  case $server in
  limit) counts=$(query_row "$db_url" "SELECT (SELECT COUNT(*) FROM messages WHERE direction = 'inbound'), (SELECT COUNT(*) FROM messages WHERE direction = 'outbound')"); expected_out=$COUNT ;;
  *) counts=$(query_row "$db_url" "SELECT (SELECT COUNT(*) FROM messages WHERE direction = 'inbound'), (SELECT COUNT(*) FROM messages WHERE direction = 'outbound' AND status = 'sent')") ;;
  esac
  [[ " pipeline floor stored-first " == *" $server "* ]] && expected_out=$COUNT
  [ "$expected_out" = 0 ] || expected_out=$((expected_out + warmup))
  read -r inbound outbound <<<"$counts"
  if [ -n "$wal_pid" ]; then
    touch "$dir/wal.stop"
    wait "$wal_pid" || true
    head -2 "$dir/wal_pages.txt" | sed 's/^/    WAL: /' >&2
  fi
  stop_server
  [ "$backend" = postgres ] && read -r wal_records1 wal_bytes1 <<<"$(pg_wal "$db_url")"
  if [ "$rc" != 0 ] || [ "$inbound" != "$((COUNT + warmup))" ] || [ "$outbound" != "$expected_out" ]; then
    echo "FAILED: $server on $backend, $inflight in flight: generator exit $rc, $inbound texts stored, $outbound replies (expected $((COUNT + warmup)), $expected_out); see $dir" >&2
    status=1
  fi
  python3 - "$dir/load.out" "$round" "$backend" "$inflight" "$server" "$(( (cpu1 - cpu0) * TICK_US ))" "$switches" \
    "$(( (db1 - db0) * TICK_US ))" "$COUNT" "$(( (writer1 - writer0) * TICK_US ))" "$((written1 - written0))" \
    "$((wchar1 - wchar0))" "$((wal_records1 - wal_records0))" "$((wal_bytes1 - wal_bytes0))" >>"$RESULTS" <<'PY'
import json, sys
out, round_, backend, inflight, server, cpu, switches, db_cpu, count, writer, written, wchar, wal_records, wal_bytes = sys.argv[1:]
summary = json.loads(open(out).read().strip().splitlines()[-1])
count = int(count)
replies = count / summary["replies_seconds"] if "replies_seconds" in summary else None
row = [round_, backend, inflight, server, f'{summary["msgs_per_s"]:.0f}', f'{summary["p50_ms"]:.2f}',
       f'{summary["p99_ms"]:.2f}', f'{int(cpu) / count:.0f}', f'{int(switches) / count:.1f}',
       f'{int(db_cpu) / count:.0f}' if backend == "postgres" else "", f"{replies:.0f}" if replies else "",
       # The thread named sqlite-writer: smsflow's and the limit's (the peer has none).
       f'{int(writer) / count:.0f}' if backend == "sqlite" and int(writer) > 0 else "",
       f'{int(written) / count:.0f}', f'{int(wchar) / count:.0f}',
       f'{int(wal_records) / count:.1f}' if backend == "postgres" else "",
       f'{int(wal_bytes) / count:.0f}' if backend == "postgres" else ""]
print("\t".join(row))
PY
  tail -1 "$RESULTS" | awk -F'\t' '{ printf "    %s %s, %s in flight: %s msg/s, p50 %s ms, p99 %s ms, %s µs CPU/msg%s, %s switches/msg, %s B written/msg (wchar %s)%s\n", $4, $2, $3, $5, $6, $7, $8, ($12 == "" ? "" : " (writer thread " $12 ")"), $9, $13, $14, ($10 == "" ? "" : ", PostgreSQL " $10 " µs/msg, its log " $15 " records and " $16 " B/msg") }' >&2
}

for backend in "${BACKENDS[@]}"; do
  [ "$backend" = postgres ] && { ensure_postgres; PGDATA_DIR=/tmp/smsflow-test-pg-$PGPORT; }
  for round in $(seq 1 "$ROUNDS"); do
    for inflight in $CONCURRENCIES; do
      for server in $SERVERS; do
        [ "$server" = peer ] && [ "$backend" != sqlite ] && continue
        step "round $round, $backend, $inflight in flight: $server ($COUNT webhooks; server on CPU $SERVER_CPUS, load generator on CPU $LOADGEN_CPUS)"
        run "$round" "$backend" "$inflight" "$server"
      done
    done
  done
  if [ "$backend" = postgres ]; then
    for server in $SERVERS; do psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS bench_${server//-/_} WITH (FORCE)"; done
  fi
done

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $COUNT webhooks per run, $ROUNDS round(s); context switches from $([ -n "$USE_PERF" ] && echo 'perf stat' || echo /proc)"
python3 - "$RESULTS" <<'PY'
import csv, operator, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def by_run(server):
    return {(r["round"], r["backend"], r["in_flight"]): r for r in rows if r["server"] == server}
limit, floor, peer = by_run("limit"), by_run("floor"), by_run("peer")
def runs_of(backend, in_flight, server):
    return [r for r in rows if (r["backend"], r["in_flight"], r["server"]) == (backend, in_flight, server)]
def ratio_values(group, key, to=limit, to_key=None):
    """Each round's ratio of `key` to the same round's `to` server, or [] where one is missing."""
    runs = [(r, to.get((r["round"], r["backend"], r["in_flight"]))) for r in group]
    if not group or not group[0][key] or any(other is None for _, other in runs):
        return []
    return [float(r[key]) / float(other[to_key or key]) for r, other in runs]
def spread(values):
    return f"{min(values):.2f}-{max(values):.2f}" if len(values) > 1 else f"{values[0]:.2f}"
def ratios(group, key, to=limit, to_key=None):
    values = ratio_values(group, key, to, to_key)
    return spread(values) if values else ""
print("| database, in flight | server | msg/s | p50 ms | p99 ms | CPU µs/msg | writer thread µs/msg | switches/msg | bytes written/msg | wchar/msg | PostgreSQL µs/msg | WAL records/msg | WAL B/msg | replies/s | msg/s vs limit | replies/s vs limit msg/s | CPU vs limit | CPU vs floor | msg/s vs peer |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for key in dict.fromkeys((r["backend"], r["in_flight"], r["server"]) for r in rows):
    group = runs_of(*key)
    median = lambda k: "" if not group[0][k] else f"{statistics.median(float(r[k]) for r in group):g}"
    print(f"| {key[0]}, {key[1]} | {key[2]} | {median('msgs_per_s')} | {median('p50_ms')} | {median('p99_ms')} | "
          f"{median('cpu_us')} | {median('writer_us')} | {median('switches')} | {median('write_bytes')} | {median('wchar')} | "
          f"{median('db_cpu_us')} | {median('wal_records')} | {median('wal_bytes')} | {median('replies_per_s')} | "
          f"{ratios(group, 'msgs_per_s')} | {ratios(group, 'replies_per_s', to_key='msgs_per_s')} | {ratios(group, 'cpu_us')} | {ratios(group, 'cpu_us', floor)} | "
          f"{ratios(group, 'msgs_per_s', peer) if key[0] == 'sqlite' else ''} |")

# Issue 14's bars, read from this run: one is met when every round meets it. The floor's ratio
# to the limit beside a bar is what a server doing nothing but answering durably gets;
# stored-first's, what one gets that also stores each text before deciding anything.
BARS = [  # database, in flight, server, figure, against, bar
    ("sqlite", "4", "pipeline", "cpu_us", "limit", "<=", 3),
    ("sqlite", "4", "webhook", "cpu_us", "limit", "<=", 1.5),
    ("sqlite", "32", "pipeline", "cpu_us", "limit", "<=", 2),
    ("sqlite", "4", "pipeline", "msgs_per_s", "peer", ">", 1),
    ("sqlite", "32", "pipeline", "msgs_per_s", "peer", ">", 1),
    ("postgres", "32", "pipeline", "msgs_per_s", "limit", ">=", 0.5),
]
FIGURES = {"cpu_us": "CPU a text", "msgs_per_s": "msg/s"}
MEETS = {"<=": operator.le, ">": operator.gt, ">=": operator.ge}
lines = []
for backend, inflight, server, key, against, op, bar in BARS:
    values = ratio_values(runs_of(backend, inflight, server), key, {"limit": limit, "peer": peer}[against])
    if not values:
        continue
    references = [(name, ratio_values(runs_of(backend, inflight, name), key))
                  for name in ("floor", "stored-first") if against == "limit"]
    beside = "; ".join(f"{name}: {spread(found)}x" for name, found in references if found)
    lines.append(f"  {backend}, {inflight} in flight: {server} {FIGURES[key]} {spread(values)}x the {against}'s "
                 f"(bar {op} {bar}): {'met' if all(MEETS[op](v, bar) for v in values) else 'NOT met'}"
                 + (f" (the {beside})" if beside else ""))
if lines:
    print("\nIssue 14's bars in this run (the burst's and the model burst's: bench/twilio_load.sh, bench/model_burst.sh):")
    print("\n".join(lines))
PY
exit $status
