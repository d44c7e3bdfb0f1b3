#!/usr/bin/env bash
# Throwaway PostgreSQL cluster on loopback for the test suite.
#
#   eval "$(scripts/pg.sh start)"   # prints `export DATABASE_URL=...` on stdout
#   scripts/pg.sh stop
#
# Env: SMSFLOW_TEST_PGPORT (default 54329), SMSFLOW_TEST_PG_FSYNC (default off: tests
# need no durability; on, as a production server, for benchmarks: it applies when
# the cluster starts). Data lives in /tmp/smsflow-test-pg-$PORT and is reused by
# later runs; `start` is idempotent (starts an existing cluster if it is down,
# does nothing if it is up).
# Needs Debian's `postgresql` package; installed automatically when run as root.
set -euo pipefail

# Only the export line may reach stdout (the caller evals it): send everything
# else, including output of the tools we run, to stderr.
exec 3>&1 1>&2

PORT=${SMSFLOW_TEST_PGPORT:-54329}
FSYNC=${SMSFLOW_TEST_PG_FSYNC:-off}
case $FSYNC in on | off) ;; *) echo "pg.sh: SMSFLOW_TEST_PG_FSYNC must be on or off, not '$FSYNC'" >&2; exit 2 ;; esac
DIR=/tmp/smsflow-test-pg-$PORT
DB=smsflow_test
# Processes run as `postgres` must not inherit a cwd they cannot enter (e.g. /root).
cd /

find_bin() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1 || true)
  [ -n "$initdb" ] && dirname "$initdb"
}

# The server refuses to run as root, so as root we run server-side tools as the
# `postgres` OS user (created by the Debian package); otherwise as ourselves.
# fd 3 is closed for them: a server inheriting it would keep the caller's
# `$(pg.sh start)` waiting forever.
as_owner() {
  if [ "$(id -u)" -ne 0 ]; then
    "$@" 3>&-
  elif command -v runuser >/dev/null; then
    runuser -u postgres -- "$@" 3>&-
  else
    su postgres -s /bin/sh -c "$(printf '%q ' "$@")" 3>&-
  fi
}

BIN=$(find_bin || true)

case "${1:-}" in
start)
  if [ -z "$BIN" ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "pg.sh: PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin." >&2
      echo "pg.sh: install them (Debian/Ubuntu: sudo apt-get install postgresql)," >&2
      echo "pg.sh: or set SMSFLOW_TEST_SKIP_PG=1 to skip the PostgreSQL tests." >&2
      exit 1
    fi
    echo "pg.sh: installing postgresql with apt-get" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    BIN=$(find_bin) || { echo "pg.sh: postgresql installed but no initdb found" >&2; exit 1; }
  fi

  # A cluster left by a different user: root takes it over for `postgres`,
  # anyone else cannot use it.
  if [ -e "$DIR" ] && [ ! -O "$DIR" ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "pg.sh: $DIR belongs to another user (left by a root run?)." >&2
      echo "pg.sh: remove it or pick another SMSFLOW_TEST_PGPORT." >&2
      exit 1
    fi
    [ "$(stat -c %U "$DIR")" = postgres ] || chown -R postgres:postgres "$DIR"
  fi

  # A dir without PG_VERSION is a half-done initdb; initdb needs it empty.
  if [ ! -f "$DIR/PG_VERSION" ]; then
    rm -rf "$DIR"
    mkdir -m 700 "$DIR"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$DIR"
    # C locale + UTF8: works without generated locales and sorts deterministically.
    as_owner "$BIN/initdb" -D "$DIR" -A trust -U postgres -E UTF8 --no-locale >/dev/null
  fi

  # pg_ctl status: 0 = running; anything else = start it (stale pid files are handled by pg_ctl).
  if ! as_owner "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
    if ! as_owner "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -s start \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k /tmp -c fsync=$FSYNC -c max_connections=200"; then
      echo "pg.sh: server failed to start (port $PORT busy?); last log lines:" >&2
      tail -n 20 "$DIR/server.log" >&2 || true
      exit 1
    fi
  fi

  # Trust auth over TCP, so no OS-user switch is needed for client tools.
  psql=("$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -XqtA -v ON_ERROR_STOP=1)
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
    "${psql[@]}" -c "CREATE DATABASE $DB"
  fi

  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/$DB" >&3
  ;;
stop)
  # Nothing to do if there is no cluster or it is already down.
  if [ -n "$BIN" ] && [ -f "$DIR/PG_VERSION" ] &&
      as_owner "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
    as_owner "$BIN/pg_ctl" -D "$DIR" -m fast -w -s stop
  fi
  ;;
*)
  echo "usage: $0 start|stop" >&2
  exit 2
  ;;
esac
