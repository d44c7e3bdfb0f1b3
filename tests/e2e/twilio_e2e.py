#!/usr/bin/env python3
"""Twilio end to end: a real `smsflow serve` against Twilio's official Python SDK (webhook signing,
TwiML) and Twilio's published OpenAPI contract (Prism in proxy mode in front of a recorder).

    twilio_e2e.py --smsflow BIN --tools DIR --work DIR [--port-base 18300] [--kill-rounds 1]

Parts (each prints `ok`/`FAIL` lines; exit status 0 when every check passed):
  inbound   webhooks signed by twilio.request_validator.RequestValidator: a signed one is accepted
            (200, TwiML with a <Response> root) and stored; a tampered one, one signed with another
            token, and an unsigned one get 403 and are stored nowhere; 20 concurrent posts of one
            MessageSid store one inbound message and send one reply.
  outbound  every request smsflow makes to Twilio passes Prism's validation against
            tests/fixtures/twilio/twilio_api_v2010.json (invalid ones would get 422 and never reach the
            recorder) with Basic auth and StatusCallback; a 503 is retried until `sent`; a 400 with
            Twilio error 21211 is `failed` with that code, not retried; signed status callbacks
            set `delivered`, unsigned ones are refused.
  flows     the AI agent's three flows with the README's example workflows, each text a webhook signed
            by the SDK and each reply read from what reached the gateway: a lead taken turn by turn to
            a saved record, a help-desk ticket whose number is texted back, a booking link and, on a
            signed Calendly-style booking webhook, the confirmation.
  restart   40 messages queued while the "gateway" answers in 150 ms; smsflow is killed with SIGKILL
            mid-queue and restarted on the same database; every body reaches the gateway exactly once:
            a message in flight when the process died is looked up in Twilio's Messages list (a
            request Prism checks against the spec too, answered from what the recorder really got)
            and the copy found there is adopted, not sent again.
"""
import argparse
import base64
import concurrent.futures
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ROOT, Api, Checks, Failed, Processes, basic_auth, form_value, http,  # noqa: E402
                     port_open, recorded_lookups, recorded_requests, smsflow_cli, wait_until)

from twilio.request_validator import RequestValidator  # noqa: E402
from twilio.twiml.messaging_response import MessagingResponse  # noqa: E402

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "e2e-auth-token-" + uuid.uuid4().hex[:8]
OUR_NUMBER = "+15559870000"
SPEC = os.path.join(ROOT, "tests", "fixtures", "twilio", "twilio_api_v2010.json")
BOOKING_KEY = "e2e-booking-key-" + uuid.uuid4().hex[:8]


def twilio_sid(prefix="SM"):
    return prefix + uuid.uuid4().hex


def inbound_params(frm, body, sid=None, to=OUR_NUMBER):
    sid = sid or twilio_sid()
    return {
        "ToCountry": "US", "ToState": "CA", "FromCountry": "US", "FromState": "NY",
        "SmsMessageSid": sid, "SmsSid": sid, "MessageSid": sid, "AccountSid": ACCOUNT_SID,
        "MessagingServiceSid": twilio_sid("MG"), "From": frm, "To": to, "Body": body,
        "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01",
    }


def post_signed(url, params, token=AUTH_TOKEN, tamper=None, unsigned=False):
    """POSTs a webhook as Twilio does, signed by the official SDK's RequestValidator over `url`."""
    signature = RequestValidator(token).compute_signature(url, params)
    sent = dict(params)
    if tamper:
        sent.update(tamper)  # changed after signing
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
               "User-Agent": "TwilioProxy/1.1", "I-Twilio-Idempotency-Token": uuid.uuid4().hex}
    if not unsigned:
        headers["X-Twilio-Signature"] = signature
    return http("POST", url, sent, headers)


class Env:
    def __init__(self, args):
        self.args = args
        base = args.port_base
        self.smsflow_port, self.prism_port, self.recorder_port = base + 1, base + 2, base + 3
        self.public = f"http://127.0.0.1:{self.smsflow_port}"
        self.work = os.path.abspath(args.work)
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        self.record = os.path.join(self.work, "recorded.jsonl")
        open(self.record, "w").close()
        self.procs = Processes(os.path.join(self.work, "logs"))
        self.env = {
            "SMSFLOW_DATA_DIR": os.path.join(self.work, "data"),
            # Keywords only: no model download in the background changing how texts route mid-test.
            "SMSFLOW_MODEL": "off",
            # Its own fresh database: never the test suite's PostgreSQL that DATABASE_URL may name.
            "SMSFLOW_DATABASE_URL": "sqlite://" + os.path.join(self.work, "data", "smsflow.db"),
            "SMSFLOW_LISTEN": f"127.0.0.1:{self.smsflow_port}",
            "SMSFLOW_PUBLIC_URL": self.public,
            "SMSFLOW_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "SMSFLOW_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "SMSFLOW_TWILIO_API_BASE": f"http://127.0.0.1:{self.prism_port}",
            "SMSFLOW_SMS_DEFAULT_FROM": OUR_NUMBER,
            "SMSFLOW_BOOKING_SIGNING_KEY": BOOKING_KEY,
            "RUST_LOG": "info,tower_http=warn",
        }
        self.api = None
        self.serves = 0

    def start_gateway(self):
        for port in (self.prism_port, self.recorder_port):
            if port_open(port):
                raise Failed(f"port {port} is already in use")
        self.procs.start("recorder", [sys.executable, os.path.join(ROOT, "tests", "e2e", "recorder.py"),
                                      str(self.recorder_port), self.record])
        prism = os.path.join(self.args.tools, "node_modules", ".bin", "prism")
        self.procs.start("prism", [prism, "proxy", "-h", "127.0.0.1", "-p", str(self.prism_port), "--errors",
                                   SPEC, f"http://127.0.0.1:{self.recorder_port}"])

        def prism_ready():
            if not self.procs.alive("prism"):
                raise Failed("prism exited:\n" + self.procs.tail("prism"))
            with open(self.procs.log_path("prism"), "rb") as f:
                return b"Prism is listening" in f.read()
        wait_until("Prism to load Twilio's spec", prism_ready, 90, 0.5)
        wait_until("the recorder", lambda: port_open(self.recorder_port), 10)

    def gateway(self, **settings):
        status, _, text = http("POST", f"http://127.0.0.1:{self.recorder_port}/_control", settings)
        assert status == 200, text

    def requests(self):
        return recorded_requests(self.record)

    def prepare_data(self):
        key = smsflow_cli(self.args.smsflow, self.env, "api-key", "create", "--name", "e2e").strip().splitlines()[-1]
        smsflow_cli(self.args.smsflow, self.env, "workflows", "import", "examples/workflows.yaml")
        self.api = Api(self.public, key)

    def serve(self):
        if port_open(self.smsflow_port):
            raise Failed(f"port {self.smsflow_port} is already in use")
        self.serves += 1
        self.procs.start("smsflow", [self.args.smsflow, "serve"], self.env)

        def healthy():
            if not self.procs.alive("smsflow"):
                raise Failed("smsflow exited:\n" + self.procs.tail("smsflow"))
            status, _, _ = http("GET", self.public + "/healthz", timeout=2) if port_open(self.smsflow_port) else (0, 0, 0)
            return status == 200
        wait_until("smsflow /healthz", healthy, 30)

    def requests_to(self, number):
        return [r for r in self.requests() if form_value(r, "To") == number]


def parse_twiml(text):
    root = ET.fromstring(text)
    # What the SDK itself emits for "no reply" has the same root.
    ref = ET.fromstring(MessagingResponse().to_xml())
    return root.tag, ref.tag, list(root)


def test_credentials(e, c):
    """`smsflow twilio check` asks Twilio's API (through Prism) for the account the credentials open."""
    ok = subprocess.run([e.args.smsflow, "twilio", "check"], env={**os.environ, **e.env}, capture_output=True, text=True, timeout=30)
    c.ok("the configured credentials are checked with Twilio and work",
         ok.returncode == 0 and "account “smsflow e2e”, active" in ok.stdout, ok.stdout + ok.stderr)
    c.ok("the check names the webhook URL to paste", f"{e.public}/webhooks/twilio/sms" in ok.stdout, ok.stdout)
    e.gateway(auth_token=AUTH_TOKEN)
    wrong = subprocess.run([e.args.smsflow, "twilio", "check"], env={**os.environ, **e.env, "SMSFLOW_TWILIO_AUTH_TOKEN": "not-it"},
                           capture_output=True, text=True, timeout=30)
    c.ok("a wrong Auth Token is refused with Twilio's answer and what to fix",
         wrong.returncode == 1 and "Twilio refused them" in wrong.stderr and "20003" in wrong.stderr
         and "check the Account SID and Auth Token" in wrong.stderr, wrong.stderr)
    e.gateway(auth_token=None)


def test_inbound(e, c):
    url = e.public + "/webhooks/twilio/sms"
    frm = "+15551230001"
    params = inbound_params(frm, "Hi, can I get a quote for 3 rooms?")
    status, headers, text = post_signed(url, params)
    c.must("signed inbound webhook answered 200", status == 200, f"{status} {text}")
    c.ok("answer is text/xml", "xml" in (headers.get("Content-Type") or ""), headers.get("Content-Type"))
    tag, ref_tag, children = parse_twiml(text)
    c.ok("answer parses as TwiML with a <Response> root (as the SDK's MessagingResponse)",
         tag == "Response" == ref_tag and children == [], text)
    conversations = e.api.conversations(frm)
    c.must("signed message stored: one conversation for the sender", len(conversations) == 1, conversations)
    thread = e.api.thread(conversations[0]["id"])
    inbound = [m for m in thread["messages"] if m["direction"] == "inbound"]
    c.ok("stored inbound has the body and Twilio's MessageSid",
         len(inbound) == 1 and inbound[0]["body"] == params["Body"] and inbound[0]["provider_id"] == params["MessageSid"]
         and inbound[0]["channel"] == "twilio", inbound)
    reply = wait_until("the reply to reach the gateway", lambda: e.requests_to(frm), 20)
    c.ok("reply went out through Twilio's Messages API", len(reply) == 1 and form_value(reply[0], "From") == OUR_NUMBER,
         reply)

    # Refused: body changed after signing, signed with another token, no signature at all.
    refused = {
        "tampered (Body changed after signing)": ("+15551230002", {"tamper": {"Body": "Hi, quote please (changed)"}}),
        "signed with another auth token": ("+15551230003", {"token": "not-the-token"}),
        "unsigned": ("+15551230004", {"unsigned": True}),
        "signed for another URL": ("+15551230005", {"url": e.public + "/webhooks/twilio/sms?x=1"}),
    }
    for what, (number, how) in refused.items():
        p = inbound_params(number, "Hi, can I get a quote for 2 rooms?")
        target = how.pop("url", url)
        if target != url:  # signed over another URL, posted to the real one
            sig = RequestValidator(AUTH_TOKEN).compute_signature(target, p)
            status, _, text = http("POST", url, p, {"Content-Type": "application/x-www-form-urlencoded",
                                                    "X-Twilio-Signature": sig})
        else:
            status, _, text = post_signed(url, p, **how)
        c.ok(f"{what} webhook refused with 403", status == 403, f"{status} {text}")
    time.sleep(1.0)  # give any wrongly accepted message time to be processed and answered
    for what, (number, _) in refused.items():
        c.ok(f"{what} webhook stored nowhere", e.api.conversations(number) == [])
        c.ok(f"{what} webhook caused no outbound request", e.requests_to(number) == [])

    # A provider retry storm: 20 concurrent posts of the same MessageSid.
    frm = "+15551230010"
    p = inbound_params(frm, "Is there a ballpark price for a deep clean?")
    barrier = threading.Barrier(20, timeout=10)

    def one():
        barrier.wait()
        return post_signed(url, p)[0]
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(lambda _: one(), range(20)))
    c.ok("20 concurrent duplicates all acknowledged with 200", statuses == [200] * 20, statuses)
    wait_until("the duplicate's reply", lambda: e.requests_to(frm), 20)
    time.sleep(1.5)  # a second reply, if there were one, would come within this time
    conversations = e.api.conversations(frm)
    c.must("duplicates: one conversation", len(conversations) == 1, conversations)
    messages = e.api.thread(conversations[0]["id"])["messages"]
    inbound = [m for m in messages if m["direction"] == "inbound"]
    outbound = [m for m in messages if m["direction"] == "outbound"]
    c.ok("duplicates: exactly one inbound message stored", len(inbound) == 1, len(inbound))
    c.ok("duplicates: exactly one reply queued", len(outbound) == 1, len(outbound))
    c.ok("duplicates: exactly one reply sent to Twilio", len(e.requests_to(frm)) == 1, len(e.requests_to(frm)))


def wait_final(e, conversation_id, message_id, timeout, final=("sent", "delivered", "failed", "undelivered")):
    def done():
        m = e.api.message(conversation_id, message_id)
        return m if m and m["status"] in final else None
    return wait_until(f"message {message_id} to leave the queue", done, timeout, 0.2)


def test_outbound(e, c):
    # A message sent by hand through the API.
    to = "+15551240001"
    status, sent = e.api.send(to, "Your booking is confirmed for Tuesday 10:00.")
    c.must("messages/send accepted (202)", status == 202, sent)
    conversation_id, message_id = sent["conversation_id"], sent["message"]["id"]
    m = wait_final(e, conversation_id, message_id, 20)
    c.ok("messages/send ends `sent`", m["status"] == "sent", m)
    reqs = e.requests_to(to)
    c.ok("messages/send reached Twilio once", len(reqs) == 1, reqs)
    if reqs:
        c.ok("provider id is the sid Twilio answered", m["provider_id"] == reqs[0].get("sid"), (m["provider_id"], reqs[0]))
        c.ok("body and From as sent", form_value(reqs[0], "Body") == "Your booking is confirmed for Tuesday 10:00."
             and form_value(reqs[0], "From") == OUR_NUMBER, reqs[0])

    # Every request the recorder got passed Prism's validation against Twilio's spec.
    expected_path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    callback = e.public + "/webhooks/twilio/status"
    reqs = e.requests()
    c.ok(f"every request ({len(reqs)}) went to {expected_path}", reqs and all(r["path"] == expected_path for r in reqs),
         {r["path"] for r in reqs})
    c.ok("every request has Basic auth AccountSid:AuthToken",
         all(basic_auth(r["auth"]) == f"{ACCOUNT_SID}:{AUTH_TOKEN}" for r in reqs))
    c.ok("every request is form-encoded",
         all((r.get("content_type") or "").startswith("application/x-www-form-urlencoded") for r in reqs))
    c.ok(f"every request has StatusCallback={callback}", all(form_value(r, "StatusCallback") == callback for r in reqs),
         {form_value(r, "StatusCallback") for r in reqs})

    # Prism refuses what breaks the spec (proves the contract check is live, not a pass-through).
    status, _, text = http("POST", f"http://127.0.0.1:{e.prism_port}{expected_path}", {"Body": "no To"},
                           {"Content-Type": "application/x-www-form-urlencoded",
                            "Authorization": "Basic " + base64.b64encode(f"{ACCOUNT_SID}:x".encode()).decode()})
    c.ok("Prism refuses a create without To (422), so only spec-valid requests reach the recorder",
         status == 422 and "To" in text, f"{status} {text[:200]}")

    # A 503 is retried and the message ends sent.
    to = "+15551240002"
    e.gateway(fail_next=1)
    status, sent = e.api.send(to, "Retry me after a 503")
    m = wait_final(e, sent["conversation_id"], sent["message"]["id"], 30)
    answers = [r["answer"] for r in e.requests_to(to)]
    c.ok("503 then retried: ends `sent`", m["status"] == "sent", m)
    c.ok("503 then retried: the gateway saw 503 then 201", answers == [503, 201], answers)
    c.ok("503 then retried: two attempts recorded", m["attempts"] == 2, m["attempts"])

    # A permanent 400 (21211, invalid To) is failed and never retried.
    to = "+15551240003"
    e.gateway(reject_to=[to])
    status, sent = e.api.send(to, "This number does not exist")
    m = wait_final(e, sent["conversation_id"], sent["message"]["id"], 20)
    time.sleep(3.0)  # longer than the first retry backoff (1-2 s): a retry would show now
    m = e.api.message(sent["conversation_id"], sent["message"]["id"])
    c.ok("21211 ends `failed`", m["status"] == "failed", m)
    c.ok("21211 error code recorded", m["error_code"] == "21211", m.get("error_code"))
    c.ok("21211 not retried (one request)", len(e.requests_to(to)) == 1, len(e.requests_to(to)))

    # Delivery status callbacks, signed by the SDK.
    to = "+15551240004"
    status, sent = e.api.send(to, "Will be delivered")
    m = wait_final(e, sent["conversation_id"], sent["message"]["id"], 20)
    sid = m["provider_id"]
    url = e.public + "/webhooks/twilio/status"
    unsigned = {"MessageSid": sid, "MessageStatus": "undelivered", "AccountSid": ACCOUNT_SID, "ErrorCode": "30003"}
    status, _, _ = post_signed(url, unsigned, unsigned=True)
    c.ok("unsigned status callback refused with 403", status == 403, status)
    c.ok("unsigned status callback changed nothing",
         e.api.message(sent["conversation_id"], sent["message"]["id"])["status"] == "sent")
    for step in ("sent", "delivered"):
        cb = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": step, "SmsStatus": step, "AccountSid": ACCOUNT_SID,
              "From": OUR_NUMBER, "To": to, "ApiVersion": "2010-04-01"}
        status, _, text = post_signed(url, cb)
        c.ok(f"signed status callback `{step}` accepted (2xx)", 200 <= status < 300, f"{status} {text}")
    m = e.api.message(sent["conversation_id"], sent["message"]["id"])
    c.ok("signed MessageStatus=delivered marks the message delivered", m["status"] == "delivered", m)
    late = {"MessageSid": sid, "MessageStatus": "sent", "AccountSid": ACCOUNT_SID}
    post_signed(url, late)
    c.ok("a late `sent` callback does not undo `delivered`",
         e.api.message(sent["conversation_id"], sent["message"]["id"])["status"] == "delivered")

    # No message smsflow sent so far was refused by Prism (that would end failed with HTTP 422).
    failed = []
    for number in ("+15551230001", "+15551230010", "+15551240001", "+15551240002", "+15551240004"):
        for conv in e.api.conversations(number):
            failed += [m for m in e.api.thread(conv["id"])["messages"]
                       if m["direction"] == "outbound" and m["status"] not in ("sent", "delivered")]
    c.ok("no outbound message was refused by the spec check", failed == [], failed)


class Texter:
    """One phone texting smsflow through SDK-signed webhooks; replies are read from the gateway."""

    def __init__(self, e, number):
        self.e, self.number, self.read = e, number, 0

    def text(self, body):
        status, _, text = post_signed(self.e.public + "/webhooks/twilio/sms", inbound_params(self.number, body))
        if status != 200:
            raise Failed(f"webhook for {body!r} answered {status} {text}")
        return self.next_reply()

    def next_reply(self):
        def arrived():
            bodies = [form_value(r, "Body") for r in self.e.requests_to(self.number) if r["answer"] == 201]
            return bodies if len(bodies) > self.read else None
        bodies = wait_until(f"reply {self.read + 1} to {self.number} at the gateway", arrived, 20)
        self.read += 1
        return bodies[self.read - 1]


def calendly_signature(body, key=BOOKING_KEY):
    t = str(int(time.time()))
    digest = hmac.new(key.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def test_flows(e, c):
    e.gateway(delay_ms=0, fail_next=0, reject_to=[])
    lead = Texter(e, "+15551250001")
    c.ok("lead: the first reply thanks and asks for name and email", lead.text("hi I'm interested in pricing") ==
         "Thanks for your interest! Someone will follow up with detailed pricing. "
         "Could I get your name and your email address?")
    c.ok("lead: the name is not asked again", lead.text("I'm Dana from Blue Fin Sushi") ==
         "Nice to meet you, Dana! Could I get your email address?")
    c.ok("lead: the last reply is the step's template, filled",
         lead.text("dana@bluefin.example, 415 555 0111") == "Thanks Dana! What size is your team?")
    status, records = e.api.call("GET", "/collections/leads/records")
    mine = [r for r in records["items"] if r["phone"] == lead.number] if status == 200 else []
    c.ok("lead: one record saved with name, company, email and phone", len(mine) == 1 and mine[0]["fields"] == {
        "company": "Blue Fin Sushi", "email": "dana@bluefin.example", "name": "Dana", "phone": "+14155550111"},
        (status, records))

    desk = Texter(e, "+15551250002")
    c.ok("help desk: sorry, and name and email asked", desk.text("my kitchen sink is broken, water everywhere") ==
         "Sorry about that! Tell us what happened and we'll get a technician on it. "
         "Could I get your name and your email address?")
    # Their number is the phone: the ticket is opened once name and email are known.
    last = desk.text("Ken Adams, ken@example.com")
    status, tickets = e.api.call("GET", "/tickets")
    numbers = re.findall(r"T-[0-9A-Z]{6}", last)
    ticket = [t for t in tickets["items"] if numbers and t["number"] == numbers[0]] if status == 200 else []
    c.ok("help desk: the ticket's number is texted back and the ticket exists", len(ticket) == 1, (last, tickets))
    if ticket:
        c.ok("help desk: the ticket is high priority, summarised with the fields and the problem",
             ticket[0]["priority"] == "high" and "ken@example.com" in ticket[0]["summary"]
             and "my kitchen sink is broken" in ticket[0]["summary"], ticket[0])

    visit = Texter(e, "+15551250003")
    c.ok("booking: name and email asked", visit.text("Can I book a visit friday?") ==
         "Happy to help you book a time. Could I get your name and your email address?")
    offer = visit.text("Nina Park, nina@example.com")
    link = re.search(r"https://calendly\.com/\S+", offer)
    link = link.group(0) if link else ""
    c.must("booking: the Calendly link is offered with name and email filled in",
           link.startswith("https://calendly.com/acme/visit?name=Nina+Park&email=nina%40example.com&utm_content="),
           offer)
    run_id = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["utm_content"][0]
    booked = json.dumps({"event": "invitee.created", "payload": {
        "email": "nina@example.com", "tracking": {"utm_content": run_id},
        "scheduled_event": {"start_time": "2026-12-04T16:30:00.000000Z"}}})
    status, _, text = http("POST", e.public + "/webhooks/booking", booked,
                           {"Content-Type": "application/json", "Calendly-Webhook-Signature": calendly_signature(booked)})
    c.ok("booking: the signed booking webhook is accepted", status == 200, f"{status} {text}")
    c.ok("booking: the confirmation is texted", visit.next_reply() ==
         "You're booked for 2026-12-04 16:30 UTC. Thanks, see you then!")
    forged = calendly_signature(booked, key="not-the-key")
    status, _, _ = http("POST", e.public + "/webhooks/booking", booked,
                        {"Content-Type": "application/json", "Calendly-Webhook-Signature": forged})
    c.ok("booking: a webhook signed with another key is refused", status == 403, status)


def test_restart(e, c, round_no, count=40, delay_ms=150):
    tag = uuid.uuid4().hex[:6]
    e.gateway(delay_ms=delay_ms, fail_next=0, reject_to=[])
    sent = {}
    for i in range(count):
        to = f"+1555135{round_no:02d}{i:03d}"
        body = f"restart {round_no} {tag} #{i:02d}"
        status, r = e.api.send(to, body)
        if status != 202:
            c.must(f"round {round_no}: messages/send accepted message {i}", False, r)
        sent[body] = (r["conversation_id"], r["message"]["id"], to)
    c.ok(f"round {round_no}: {count} messages queued through messages/send (202)", len(sent) == count)

    def mine():
        return [r for r in e.requests() if (form_value(r, "Body") or "").startswith(f"restart {round_no} {tag} ")]
    # Kill while the queue is being worked on: after about a quarter went out.
    wait_until("a quarter of the queue to reach the gateway", lambda: len(mine()) >= count // 4, 30, 0.02)
    killed_at = time.time()
    e.procs.kill9("smsflow")
    before = len(mine())
    restarted_at = time.time()
    e.serve()
    print(f"     round {round_no}: SIGKILL after {before} of {count} requests had reached the gateway; restarted",
          flush=True)

    # Claims of the dead process expire after their lease (60 s) before another worker may take them.
    def drained():
        statuses = {}
        for body, (conv, msg, _) in sent.items():
            m = e.api.message(conv, msg)
            statuses[body] = m["status"] if m else None
        return statuses if all(s in ("sent", "failed") for s in statuses.values()) else None
    started = time.monotonic()
    statuses = wait_until("the queue to drain after the restart", drained, 150, 1.0)
    drain_s = time.monotonic() - started
    time.sleep(0.5)
    reqs = mine()
    counts = {}
    for r in reqs:
        counts.setdefault(form_value(r, "Body"), []).append(r)
    lost = [b for b in sent if b not in counts]
    twice = {b: [(r["arrived"], r.get("done")) for r in rs] for b, rs in counts.items() if len(rs) > 1}
    # A message in flight when the process died is looked up in Twilio's Messages list before it
    # is sent again (after the dead process's 60 s lease), and the copy found there is adopted.
    numbers = {to for (_, _, to) in sent.values()}
    lookups = [r for r in recorded_lookups(e.record) if r["arrived"] > restarted_at
               and (r["query"].get("To") or [None])[0] in numbers]
    adopted = [r for r in lookups if r["found"]]
    stored_sid = {b: e.api.message(conv, msg).get("provider_id") for b, (conv, msg, _) in sent.items()}
    wrong_sid = {b: (stored_sid[b], counts[b][0].get("sid")) for b in counts
                 if len(counts[b]) == 1 and stored_sid[b] != counts[b][0].get("sid")}
    c.ok(f"round {round_no}: all {count} messages end `sent`", all(s == "sent" for s in statuses.values()),
         {b: s for b, s in statuses.items() if s != "sent"})
    c.ok(f"round {round_no}: nothing lost: every body reached the gateway", lost == [], lost)
    c.ok(f"round {round_no}: nothing sent twice (in-flight messages are found at Twilio, not re-sent)",
         twice == {}, {"killed_at": killed_at, **twice})
    c.ok(f"round {round_no}: each message records the sid Twilio gave its one copy", wrong_sid == {}, wrong_sid)
    print(f"     MEASURED round {round_no}: {count} queued, {len(reqs)} requests reached the gateway, "
          f"{len(twice)} sent twice; {len(lookups)} looked up in Twilio's Messages list after the restart, "
          f"{len(adopted)} found there and adopted; queue drained {drain_s:.1f} s after the restart", flush=True)
    e.gateway(delay_ms=0)
    return len(twice)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smsflow", required=True)
    ap.add_argument("--tools", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--port-base", type=int, default=18300)
    ap.add_argument("--kill-rounds", type=int, default=int(os.environ.get("SMSFLOW_E2E_KILL_ROUNDS", "1")))
    ap.add_argument("--only", choices=["credentials", "inbound", "outbound", "flows", "restart"])
    a = ap.parse_args()
    c = Checks("twilio e2e")
    e = Env(a)
    try:
        e.start_gateway()
        e.prepare_data()
        e.serve()
        if a.only in (None, "credentials"):
            print("-- credentials checked with Twilio's API (through Prism)", flush=True)
            test_credentials(e, c)
        if a.only in (None, "inbound"):
            print("-- inbound webhooks (official SDK signatures)", flush=True)
            test_inbound(e, c)
        if a.only in (None, "outbound"):
            print("-- outbound through Prism (Twilio's OpenAPI contract)", flush=True)
            test_outbound(e, c)
        if a.only in (None, "flows"):
            print("-- the agent's flows through Twilio (lead, help desk, booking)", flush=True)
            test_flows(e, c)
        if a.only in (None, "restart"):
            print("-- SIGKILL and restart mid-queue", flush=True)
            repeated = [test_restart(e, c, n + 1) for n in range(a.kill_rounds)]
            print(f"     MEASURED: {sum(repeated)} duplicate sends over {len(repeated)} kill(s) of 40 queued messages",
                  flush=True)
    except (Failed, AssertionError) as error:
        c.ok("test ran to the end", False, str(error))
        for name in ("smsflow", "prism", "recorder"):
            print(f"---- last lines of {name}.log\n{e.procs.tail(name, 15)}", flush=True)
    finally:
        e.procs.stop_all()
    return 0 if c.summary() else 1


if __name__ == "__main__":
    sys.exit(main())
