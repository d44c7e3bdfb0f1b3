#!/usr/bin/env bash
# fakellm.sh: runs tests/fakellm.rs against a real OpenAI-compatible server, PyPI `fakellm` 0.3.5
# (a rule-driven mock, no model weights), with the rules in tests/fixtures/fakellm.yaml.
# Installs fakellm in a venv under $CARGO_TARGET_DIR/fakellm (needs python3 and PyPI), starts it on
# 127.0.0.1:$FAKELLM_PORT (default 14199), runs the test, and stops the server it started.
# Without this script, tests/fakellm.rs skips itself.
set -euo pipefail
cd "$(dirname "$0")/../../.."
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
DIR=$TARGET/fakellm
PORT=${FAKELLM_PORT:-14199}
mkdir -p "$DIR"
[ -x "$DIR/venv/bin/fakellm" ] || { python3 -m venv "$DIR/venv" && "$DIR/venv/bin/pip" install -q fakellm==0.3.5; }

"$DIR/venv/bin/fakellm" serve --host 127.0.0.1 --port "$PORT" \
  --config crates/smsflow-llm/tests/fixtures/fakellm.yaml >"$DIR/server.log" 2>&1 &
SRV=$!
trap 'kill "$SRV" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/_fakellm/stats" && break
  kill -0 "$SRV" 2>/dev/null || { cat "$DIR/server.log"; exit 1; }
  sleep 0.1
done

SMSFLOW_TEST_FAKELLM_URL="http://127.0.0.1:$PORT" \
  cargo test -p smsflow-llm --test fakellm -j2 -- --nocapture
