#!/usr/bin/env bash
# Runs the whole smsflow test suite: fmt, clippy, tests (incl. PostgreSQL ones), then the
# end-to-end tests against real third-party parts (tests/e2e/run.sh).
#
#   scripts/test.sh [extra `cargo test` args, e.g. some_test_name -- --nocapture]
#
# Env:
#   SMSFLOW_TEST_SKIP_PG=1   run without PostgreSQL (Postgres tests skip themselves)
#   SMSFLOW_TEST_KEEP_PG=1   leave the test PostgreSQL running afterwards
#   SMSFLOW_TEST_PGPORT      port of the test PostgreSQL (default 54329)
#   SMSFLOW_TEST_SKIP_E2E=1  skip the end-to-end tests against Twilio's SDK/contract and Kannel
#                            (tests/e2e/run.sh; they need python3-venv, node/npm and Kannel)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo "==> $*" >&2; }

# Fresh toolchains may lack these components; they are needed below.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  step "installing rustfmt and clippy"
  rustup component add rustfmt clippy
fi

if [ "${SMSFLOW_TEST_SKIP_PG:-}" = 1 ]; then
  step "skipping PostgreSQL (SMSFLOW_TEST_SKIP_PG=1)"
  # Unset so Postgres tests reliably skip instead of hitting some other database.
  unset DATABASE_URL SMSFLOW_TEST_DATABASE_URL
else
  step "starting test PostgreSQL"
  # Trap first, so a half-started server is stopped too.
  if [ "${SMSFLOW_TEST_KEEP_PG:-}" != 1 ]; then
    trap 'scripts/pg.sh stop || true' EXIT
  fi
  # Assign before eval: `eval "$(...)"` would hide a failed start from set -e.
  pg_env=$(scripts/pg.sh start)
  eval "$pg_env"
  export DATABASE_URL SMSFLOW_TEST_DATABASE_URL="$DATABASE_URL"
  step "DATABASE_URL=$DATABASE_URL"
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets -j2 -- -D warnings

step "cargo test"
cargo test --workspace -j2 "$@"

if [ "${SMSFLOW_TEST_SKIP_E2E:-}" = 1 ]; then
  step "skipping the end-to-end tests (SMSFLOW_TEST_SKIP_E2E=1)"
else
  step "end-to-end tests (tests/e2e/run.sh)"
  bash tests/e2e/run.sh
fi

step "all checks passed"
