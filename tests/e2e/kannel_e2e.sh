#!/usr/bin/env bash
# Kannel end to end: a real Kannel gateway (Debian's bearerbox + smsbox, and fakesmsc from
# kannel-extras as the phone network) in front of a real `smsflow serve`.
#
#   tests/e2e/kannel_e2e.sh SMSFLOW_BINARY WORK_DIR
#
# A phone's SMS injected through fakesmsc reaches smsflow through smsbox's get-url
# (/webhooks/kannel/sms?secret=..), is stored and matched to an example workflow; the reply leaves
# through Kannel's sendsms interface and reaches the phone (fakesmsc prints it); Kannel's delivery
# report reaches /webhooks/kannel/dlr and updates the message. A wrong secret is refused (403).
# Ports (loopback): smsflow 18311, Kannel admin 18312, smsbox 18314, fake SMSC 18315, sendsms 18316.
set -euo pipefail
BIN=$(realpath "${1:?smsflow binary}")
WORK=${2:?work dir}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PORT=18311 ADMIN_PORT=18312 SMSBOX_PORT=18314 FAKESMSC_PORT=18315 SENDSMS_PORT=18316
FAKESMSC=/usr/lib/kannel/test/fakesmsc
SECRET=kannel-e2e-$RANDOM$RANDOM
SENDPASS=sendpass-$RANDOM
PHONE=+15551230001
OURS=+15559870002
export PATH=$PATH:/usr/sbin

rm -rf "$WORK"; mkdir -p "$WORK/spool" "$WORK/data"
WORK=$(realpath "$WORK")
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass=0 fail=0
ok() { if eval "$2"; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi; }
die() { echo "FAIL $*"; for f in smsflow bearerbox smsbox fakesmsc; do echo "---- $f"; tail -n 15 "$WORK/$f.out" 2>/dev/null || true; done; exit 1; }
port_open() { (: </dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
wait_port() { for _ in $(seq 1 100); do port_open "$1" && return 0; sleep 0.1; done; die "port $1 never opened"; }
wait_grep() { # pattern file seconds
  for _ in $(seq 1 $(($3 * 10))); do grep -q -- "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done; return 1
}
[ -x "$FAKESMSC" ] && command -v bearerbox >/dev/null || die "Kannel is missing: apt-get install kannel kannel-extras"
for p in $PORT $ADMIN_PORT $SMSBOX_PORT $FAKESMSC_PORT $SENDSMS_PORT; do ! port_open $p || die "port $p is in use"; done

# SMSFLOW_MODEL=off: keywords only, no model download in the background during the test.
export SMSFLOW_MODEL=off SMSFLOW_DATA_DIR=$WORK/data SMSFLOW_LISTEN=127.0.0.1:$PORT SMSFLOW_PUBLIC_URL=http://127.0.0.1:$PORT
export SMSFLOW_KANNEL_SENDSMS_URL=http://127.0.0.1:$SENDSMS_PORT/cgi-bin/sendsms
export SMSFLOW_KANNEL_USERNAME=smsflow SMSFLOW_KANNEL_PASSWORD=$SENDPASS SMSFLOW_KANNEL_SECRET=$SECRET
export SMSFLOW_SMS_DEFAULT_FROM=$OURS
unset SMSFLOW_TWILIO_ACCOUNT_SID SMSFLOW_TWILIO_AUTH_TOKEN SMSFLOW_DATABASE_URL DATABASE_URL SMSFLOW_CONFIG
KEY=$("$BIN" api-key create --name e2e | tail -n1)
(cd "$ROOT" && "$BIN" workflows import examples/workflows.yaml >/dev/null)
# tower_http at debug logs every request with its status: the delivery-report fetches show there.
RUST_LOG=info,tower_http=debug "$BIN" serve >"$WORK/smsflow.out" 2>&1 </dev/null &
PIDS+=($!)
wait_port $PORT

cat >"$WORK/kannel.conf" <<EOF
group = core
admin-port = $ADMIN_PORT
admin-password = adminpw
status-password = statuspw
admin-interface = 127.0.0.1
admin-allow-ip = 127.0.0.1
smsbox-port = $SMSBOX_PORT
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = "$WORK/bearerbox.log"
log-level = 0
store-type = spool
store-location = "$WORK/spool"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = FAKE
host = 127.0.0.1
port = $FAKESMSC_PORT
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = $SMSBOX_PORT
sendsms-port = $SENDSMS_PORT
sendsms-interface = 127.0.0.1
log-file = "$WORK/smsbox.log"
log-level = 0

group = sendsms-user
username = smsflow
password = $SENDPASS
max-messages = 3
concatenation = true

# Every inbound SMS goes to smsflow; its (empty) answer must not become an SMS: max-messages = 0.
group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "http://127.0.0.1:$PORT/webhooks/kannel/sms?secret=$SECRET&from=%p&to=%P&text=%a&id=%I"
EOF
bearerbox -v 1 "$WORK/kannel.conf" >"$WORK/bearerbox.out" 2>&1 </dev/null &
PIDS+=($!)
wait_port $FAKESMSC_PORT
wait_port $ADMIN_PORT
smsbox -v 1 "$WORK/kannel.conf" >"$WORK/smsbox.out" 2>&1 </dev/null &
PIDS+=($!)
wait_port $SENDSMS_PORT

# The phone: fakesmsc sends one SMS, then stays connected and prints what the network delivers.
TEXT="Hi, can I get a quote for 3 rooms?"
"$FAKESMSC" -H 127.0.0.1 -r $FAKESMSC_PORT -i 0.1 -m 1 "$PHONE $OURS text $TEXT" >"$WORK/fakesmsc.out" 2>&1 </dev/null &
PIDS+=($!)
wait_grep "Got message 1" "$WORK/fakesmsc.out" 30 || die "no reply reached the phone within 30 s"
sleep 2 # anything else Kannel would deliver (a second SMS made of our HTTP answer) shows by now
api() { curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/api/v1$1"; }
CONV=$(api "/conversations?number=%2B${PHONE#+}" | python3 -c 'import json,sys; i=json.load(sys.stdin)["items"]; print(i[0]["id"] if len(i)==1 else "")')
[ -n "$CONV" ] || die "no conversation stored for $PHONE"
api "/conversations/$CONV" >"$WORK/thread.json"
# Delivery reports come from bearerbox after the fake SMSC took the message: wait for one.
for _ in $(seq 1 100); do grep -q '/webhooks/kannel/dlr' "$WORK/smsflow.out" && break; sleep 0.1; done
sleep 0.5
api "/conversations/$CONV" >"$WORK/thread.json"
sed 's/\x1b\[[0-9;]*m//g' "$WORK/smsflow.out" >"$WORK/smsflow.log" # without colours
echo "---- what the phone received (fakesmsc)"; grep "Got message" "$WORK/fakesmsc.out" || true
echo "---- delivery reports smsflow received"
grep '/webhooks/kannel/dlr.*finished processing' "$WORK/smsflow.log" | grep -o 'uri=[^ ]*\|status=[0-9]*' |
  sed "s/secret=[^&]*/secret=***/" | paste -d' ' - - || true
py() { python3 -c "import json,sys; t=json.load(open('$WORK/thread.json')); ins=[m for m in t['messages'] if m['direction']=='inbound']; outs=[m for m in t['messages'] if m['direction']=='outbound']; $1"; }
echo "---- stored: $(py "print([(m['direction'], m['status'], m['body']) for m in t['messages']])")"
REPLY=$(py "print(outs[0]['body'] if outs else '')")
ok "inbound SMS stored once, from the phone, with Kannel's id" \
  "py \"sys.exit(not (len(ins)==1 and ins[0]['body']=='''$TEXT''' and ins[0]['channel']=='kannel' and ins[0]['provider_id']))\""
ok "matched to the example workflow 'Lead capture'" \
  "py \"sys.exit(not (ins[0]['explanation'] or {}).get('workflow')=='Lead capture')\""
ok "one reply queued: '$REPLY'" "py \"sys.exit(not (len(outs)==1 and outs[0]['author']=='agent'))\""
# fakesmsc prints "Got message N: <from to text BODY>" (text coding: body as sent)
ok "the reply reached the phone through sendsms" \
  "grep -F \"Got message 1: <$OURS $PHONE text $REPLY>\" '$WORK/fakesmsc.out' >/dev/null"
ok "our HTTP answer was not turned into an SMS (exactly one message reached the phone)" \
  "[ \"\$(grep -c 'Got message' '$WORK/fakesmsc.out')\" = 1 ]"
ok "a delivery report reached /webhooks/kannel/dlr and was accepted (200)" \
  "grep '/webhooks/kannel/dlr?secret=' '$WORK/smsflow.log' | grep -q 'finished processing.*status=200'"
STATUS=$(py "print(outs[0]['status'] if outs else '')")
# Kannel's fake SMSC reports 8 (SMSC accepted) and then 1 (delivered to the phone).
if grep -q '/webhooks/kannel/dlr?secret=.*type=1 .*finished processing.*status=200' "$WORK/smsflow.log"; then WANT=delivered; else WANT=sent; fi
ok "the reply's status follows the delivery reports: $WANT (got: $STATUS)" "[ '$STATUS' = '$WANT' ]"
CODE=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/webhooks/kannel/sms?secret=wrong&from=%2B15551239999&to=$OURS&text=hi&id=x1")
ok "wrong secret refused with 403" "[ $CODE = 403 ]"
CODE=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/webhooks/kannel/dlr?id=x&type=1")
ok "delivery report without the secret refused with 403" "[ $CODE = 403 ]"
ok "refused message stored nowhere" \
  "[ \"\$(api '/conversations?number=%2B15551239999' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"items\"]))')\" = 0 ]"
echo "MEASURED kannel: reply status after Kannel's fake SMSC delivery report = $STATUS"
echo "kannel e2e: $pass passed, $fail failed"
[ "$fail" = 0 ]
