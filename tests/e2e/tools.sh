#!/usr/bin/env bash
# Installs the third-party parts the end-to-end tests run against, once, under target/e2e-tools/
# (gitignored); later runs reuse them. Prints nothing on stdout.
#
#   tests/e2e/tools.sh            -> target/e2e-tools/venv            (Python venv: twilio==9.13.0,
#                                                                      schemathesis==4.32.5,
#                                                                      aiosmtpd==1.4.6)
#   tests/e2e/tools.sh python     -> the Python venv only (scripts/test.sh: the email tests' SMTP
#                                    server, aiosmtpd, for `cargo test`)
#                                    target/e2e-tools/node_modules    (@stoplight/prism-cli@5.14.2)
# Kannel (bearerbox, smsbox, fakesmsc) comes from Debian's packages `kannel` and `kannel-extras`;
# `.ci/run` installs them (and this script does too when run as root and they are missing).
#
# Needs: python3 with venv (Debian: python3-venv), node >= 18 and npm, network to PyPI and npm.
set -euo pipefail
cd "$(dirname "$0")/../.."
TOOLS=${SMSFLOW_E2E_TOOLS:-$PWD/target/e2e-tools}
TWILIO_SDK_VERSION=9.13.0
PRISM_VERSION=5.14.2
SCHEMATHESIS_VERSION=4.32.5
AIOSMTPD_VERSION=1.4.6
mkdir -p "$TOOLS"
exec 3>&1 1>&2

# The official Twilio helper library for Python, in a venv of its own.
if ! "$TOOLS/venv/bin/python" -c "import twilio, sys; sys.exit(twilio.__version__ != '$TWILIO_SDK_VERSION')" 2>/dev/null; then
  echo "==> installing twilio==$TWILIO_SDK_VERSION (PyPI) into $TOOLS/venv"
  rm -rf "$TOOLS/venv"
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check "twilio==$TWILIO_SDK_VERSION"
fi

# Schemathesis: checks the REST API against its OpenAPI document (tests/e2e/contract_e2e.py).
if ! [ "$("$TOOLS/venv/bin/schemathesis" --version 2>/dev/null)" = "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
  echo "==> installing schemathesis==$SCHEMATHESIS_VERSION (PyPI) into $TOOLS/venv"
  "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# aiosmtpd: the real SMTP server the notification tests email (crates/smsflow-server/tests).
if ! "$TOOLS/venv/bin/python" -c "import aiosmtpd, sys; sys.exit(aiosmtpd.__version__ != '$AIOSMTPD_VERSION')" 2>/dev/null; then
  echo "==> installing aiosmtpd==$AIOSMTPD_VERSION (PyPI) into $TOOLS/venv"
  "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
fi
[ "${1:-}" != python ] || exit 0

# Stoplight Prism: serves/validates Twilio's published OpenAPI description.
if ! [ -x "$TOOLS/node_modules/.bin/prism" ] ||
  ! grep -q "\"version\": \"$PRISM_VERSION\"" "$TOOLS/node_modules/@stoplight/prism-cli/package.json" 2>/dev/null; then
  echo "==> installing @stoplight/prism-cli@$PRISM_VERSION (npm) into $TOOLS"
  [ -f "$TOOLS/package.json" ] || echo '{"name":"smsflow-e2e-tools","private":true}' >"$TOOLS/package.json"
  (cd "$TOOLS" && npm install --silent --no-audit --no-fund --save-exact "@stoplight/prism-cli@$PRISM_VERSION" >/dev/null)
fi

# Kannel from Debian, if we may install it.
if ! [ -x /usr/sbin/bearerbox ] || ! [ -x /usr/lib/kannel/test/fakesmsc ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing kannel and kannel-extras (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kannel kannel-extras >/dev/null
  else
    echo "warning: Kannel is not installed (apt-get install kannel kannel-extras); its test will fail" >&2
  fi
fi
