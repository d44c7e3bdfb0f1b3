#!/usr/bin/env bash
# End-to-end tests against the real thing: Twilio's official Python SDK and Twilio's published
# OpenAPI contract (Prism), the AI agent's three flows through both, a SIGKILL/restart of a real
# server mid-queue, and a real Kannel gateway.
# scripts/test.sh runs this after `cargo test`.
#
#   tests/e2e/run.sh [twilio] [kannel]      (default: both)
#
# Env:
#   SMSFLOW_E2E_BIN=path        use this smsflow binary instead of building target/debug/smsflow
#   SMSFLOW_E2E_KILL_ROUNDS=N   SIGKILL/restart rounds in the Twilio test (default 1; each ~70 s)
# Installs its tools once under target/e2e-tools (tests/e2e/tools.sh); work files and logs go to
# target/e2e-run/. Loopback ports 18301-18316.
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
TOOLS=$TARGET/e2e-tools
WORK=$TARGET/e2e-run
SUITES=("$@")
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the source tree
[ ${#SUITES[@]} -gt 0 ] || SUITES=(twilio kannel)
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
  *) echo "unknown suite $suite (twilio, kannel)" >&2; exit 2 ;;
  esac
done
if [ ${#failed[@]} -gt 0 ]; then
  step "end-to-end tests FAILED: ${failed[*]} (logs in $WORK)"
  exit 1
fi
step "end-to-end tests passed: ${SUITES[*]}"
