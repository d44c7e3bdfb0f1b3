#!/usr/bin/env bash
# Checks the deployment files in deploy/ with the tools that will read them (docs/deploy.md):
# `systemd-analyze verify` for the unit, `caddy validate` for the Caddyfile and `nginx -t` for the
# nginx site (with a self-signed certificate in place of the real one). Debian packages: systemd,
# caddy, nginx-light, openssl (.ci/run installs them).
#
#   tests/e2e/deploy_check.sh SMSFLOW_BIN WORK_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(realpath "$1")
WORK=$(realpath -m "$2")
rm -rf "$WORK" && mkdir -p "$WORK"
passed=0 failed=0
check() { # name command...
  local name=$1 log
  shift
  log="$WORK/check-$((passed + failed)).log"
  if "$@" >"$log" 2>&1; then
    echo "ok   $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name:"
    sed 's/^/     /' "$log"
    failed=$((failed + 1))
  fi
}

# The unit as shipped, with ExecStart pointing at the binary just built (verify checks it exists).
sed "s|^ExecStart=/usr/local/bin/smsflow |ExecStart=$BIN |" deploy/smsflow.service >"$WORK/smsflow.service"
grep -q "^ExecStart=$BIN serve$" "$WORK/smsflow.service"
verify_unit() {
  # systemd-analyze prints problems but exits 0 for some of them: any output is a failure.
  local out
  out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$WORK/smsflow.service" 2>&1) || { echo "$out"; return 1; }
  [ -z "$out" ] || { echo "$out"; return 1; }
}
check "systemd-analyze verify deploy/smsflow.service" verify_unit

check "caddy validate deploy/Caddyfile" caddy validate --adapter caddyfile --config deploy/Caddyfile

# nginx -t reads the certificate files: make a throwaway self-signed pair and point the site at it.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=sms.example.com \
  -keyout "$WORK/privkey.pem" -out "$WORK/fullchain.pem" >/dev/null 2>&1
sed "s|/etc/letsencrypt/live/sms.example.com/|$WORK/|" deploy/nginx-smsflow.conf >"$WORK/site.conf"
mkdir -p "$WORK/nginx-temp"
cat >"$WORK/nginx.conf" <<CONF
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events {}
http {
    access_log off;
    client_body_temp_path $WORK/nginx-temp;
    proxy_temp_path $WORK/nginx-temp;
    include $WORK/site.conf;
}
CONF
check "nginx -t deploy/nginx-smsflow.conf" nginx -t -q -c "$WORK/nginx.conf"

echo "deploy: $passed passed, $failed failed"
[ "$failed" = 0 ]
