#!/usr/bin/env bash
# End-to-end tests against the real thing: Twilio's official Python SDK and Twilio's published
# OpenAPI contract (Prism), the AI agent's three flows through both, a SIGKILL/restart of a real
# server mid-queue, and a real Kannel gateway; our own API against its OpenAPI document
# (Schemathesis); a server on SQLite, and two servers on one PostgreSQL database, killed mid-burst;
# the deployment files checked by systemd, Caddy and nginx.
# scripts/test.sh runs this after `cargo test`.
#
#   tests/e2e/run.sh [twilio] [kannel] [contract] [crash] [deploy]      (default: all)
#
# Env:
#   SMSFLOW_E2E_BIN=path        use this smsflow binary instead of building target/debug/smsflow
#   SMSFLOW_E2E_KILL_ROUNDS=N   SIGKILL/restart rounds in the Twilio test (default 1; each ~70 s)
#   SMSFLOW_TEST_DATABASE_URL   the PostgreSQL server of the crash test (scripts/test.sh starts one;
#                               without it only its SQLite run is made, and it says so)
#   SMSFLOW_CONTRACT_SEED       Schemathesis's seed (default 1; `random` explores further)
# Installs its tools once under target/e2e-tools (tests/e2e/tools.sh); work files and logs go to
# target/e2e-run/. Loopback ports 18301-18316, 18341-18343, 18351.
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
TOOLS=$TARGET/e2e-tools
WORK=$TARGET/e2e-run
SUITES=("$@")
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the source tree
[ ${#SUITES[@]} -gt 0 ] || SUITES=(twilio kannel contract crash deploy)
step() { echo "==> $*" >&2; }

SMSFLOW_E2E_TOOLS=$TOOLS tests/e2e/tools.sh
if [ -n "${SMSFLOW_E2E_BIN:-}" ]; then
  BIN=$(realpath "$SMSFLOW_E2E_BIN")
else
  step "cargo build -p smsflow (debug) for the end-to-end tests"
  cargo build -q -p smsflow -j2
  BIN=$TARGET/debug/smsflow
fi
mkdir -p "$WORK"

CHILD=
trap '[ -n "$CHILD" ] && kill "$CHILD" 2>/dev/null; wait 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
run() { # name command...: runs in the background so the trap can stop it by pid
  local name=$1 rc=0
  shift
  step "e2e: $name"
  "$@" &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=
  return $rc
}

failed=()
for suite in "${SUITES[@]}"; do
  case $suite in
  twilio)
    run twilio "$TOOLS/venv/bin/python" tests/e2e/twilio_e2e.py --smsflow "$BIN" --tools "$TOOLS" \
      --work "$WORK/twilio" --port-base 18300 || failed+=(twilio) ;;
  kannel)
    run kannel bash tests/e2e/kannel_e2e.sh "$BIN" "$WORK/kannel" || failed+=(kannel) ;;
  contract)
    run contract "$TOOLS/venv/bin/python" tests/e2e/contract_e2e.py --smsflow "$BIN" \
      --schemathesis "$TOOLS/venv/bin/schemathesis" --work "$WORK/contract" --port-base 18350 || failed+=(contract) ;;
  crash)
    run crash-sqlite "$TOOLS/venv/bin/python" tests/e2e/crash_e2e.py --smsflow "$BIN" \
      --work "$WORK/crash-sqlite" --port-base 18340 || failed+=(crash-sqlite)
    pg_url=${SMSFLOW_TEST_DATABASE_URL:-${DATABASE_URL:-}}
    if [[ $pg_url != postgres* ]]; then
      step "e2e: crash on PostgreSQL SKIPPED: it needs PostgreSQL (SMSFLOW_TEST_DATABASE_URL; scripts/test.sh starts one)"
    else
      run crash "$TOOLS/venv/bin/python" tests/e2e/crash_e2e.py --smsflow "$BIN" --database-url "$pg_url" \
        --work "$WORK/crash" --port-base 18340 || failed+=(crash)
    fi ;;
  deploy)
    run deploy bash tests/e2e/deploy_check.sh "$BIN" "$WORK/deploy" || failed+=(deploy) ;;
  *) echo "unknown suite $suite (twilio, kannel, contract, crash, deploy)" >&2; exit 2 ;;
  esac
done
if [ ${#failed[@]} -gt 0 ]; then
  step "end-to-end tests FAILED: ${failed[*]} (logs in $WORK)"
  exit 1
fi
step "end-to-end tests passed: ${SUITES[*]}"
