#!/usr/bin/env python3
"""A stand-in for Twilio's servers behind Prism: Prism (proxy mode) checks each request smsflow makes
against Twilio's published OpenAPI description and forwards only valid ones here.

    recorder.py PORT RECORD_FILE

Every forwarded Messages.json create is appended to RECORD_FILE as one JSON line, when it arrives:
    {"seq", "arrived" (unix time), "path", "auth", "form", "answer" (HTTP status we answer)}
and, once the answer is written (or the client has gone), a line {"seq", "done", "delivered": bool}.
It answers 201 with a Message resource shaped like Twilio's (a fresh SM sid per message, created when
the request arrives, as Twilio does: a client that dies before the answer still sent it), unless told
otherwise through its control endpoint (not proxied, tests call it directly):
    POST /_control  JSON {"fail_next": N}         the next N creates get 503 (Twilio's error JSON)
                         {"reject_to": ["+1..."]}  creates to these numbers get 400, code 21211
                         {"delay_ms": 150}         wait this long before answering each create
                         {"auth_token": "..."}     fetching the account with another token gets 401
    GET  /_control  the current settings.
`GET .../Accounts/{sid}.json` (how pasted credentials are checked) answers the account, shaped like Twilio's.
`GET .../Messages.json` (Twilio's Messages list, filtered by To and From, PageSize, newest first) answers
from the messages it really created; each list request is appended as a line
{"lookup" (its number), "arrived", "query", "found": [sids]}.
Loopback only; it runs until killed.
"""
import base64
import http.server
import json
import re
import sys
import threading
import time
import urllib.parse
import uuid

PORT = int(sys.argv[1])
OUT = sys.argv[2]
LOCK = threading.Lock()
STATE = {"fail_next": 0, "reject_to": [], "delay_ms": 0, "seq": 0, "lookups": 0, "auth_token": None}
CREATED = []  # the Message resources created so far, oldest first


def resource(account, sid, to, frm, body, created):
    """A Message resource shaped like Twilio's."""
    return {
        "account_sid": account, "api_version": "2010-04-01", "body": body, "sid": sid,
        "status": "queued", "direction": "outbound-api", "from": frm, "to": to,
        "num_media": "0", "num_segments": "1",
        "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(created)),
        "date_sent": None, "date_updated": None, "error_code": None, "error_message": None,
        "price": None, "price_unit": "USD", "messaging_service_sid": None,
        "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"}}


def write(record):
    with LOCK:
        with open(OUT, "a") as f:
            f.write(json.dumps(record) + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status, payload):
        out = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
        self.wfile.flush()

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path == "/_control":
            with LOCK:
                self.reply(200, dict(STATE))
        elif path.endswith("/Messages.json"):
            self.list_messages(path, urllib.parse.parse_qs(query, keep_blank_values=True))
        elif re.fullmatch(r"/2010-04-01/Accounts/AC[0-9a-fA-F]{32}\.json", path):
            self.fetch_account(path.split("/")[3].removesuffix(".json"))
        else:
            self.reply(404, {"message": "not found"})

    def fetch_account(self, sid):
        user, _, password = base64.b64decode(self.headers.get("Authorization", "Basic ")[6:]).decode().partition(":")
        with LOCK:
            token = STATE["auth_token"]
        if user != sid or (token is not None and password != token):
            self.reply(401, {"code": 20003, "message": "Authenticate", "more_info":
                             "https://www.twilio.com/docs/errors/20003", "status": 401})
            return
        day = "Thu, 30 Jul 2015 20:00:00 +0000"
        self.reply(200, {"auth_token": "hidden", "date_created": day, "date_updated": day,
                         "friendly_name": "smsflow e2e", "owner_account_sid": sid, "sid": sid, "status": "active",
                         "subresource_uris": {}, "type": "Full", "uri": f"/2010-04-01/Accounts/{sid}.json"})

    def list_messages(self, path, query):
        first = lambda k: query.get(k, [None])[0]
        size = int(first("PageSize") or 50)
        with LOCK:
            STATE["lookups"] += 1
            number = STATE["lookups"]
            found = [m for m in reversed(CREATED)
                     if first("To") in (None, m["to"]) and first("From") in (None, m["from"])][:size]
        write({"lookup": number, "arrived": time.time(), "query": query, "found": [m["sid"] for m in found]})
        # The spec declares the page's links `format: uri`: absolute, unlike Twilio's relative ones.
        here = f"http://{self.headers.get('Host')}{self.path}"
        self.reply(200, {"messages": found, "page": 0, "page_size": size, "start": 0, "end": max(len(found) - 1, 0),
                         "uri": here, "first_page_uri": here, "next_page_uri": None, "previous_page_uri": None})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0)).decode()
        if self.path == "/_control":
            with LOCK:
                STATE.update(json.loads(raw or "{}"))
                self.reply(200, dict(STATE))
            return
        form = urllib.parse.parse_qs(raw, keep_blank_values=True)
        first = lambda k: form.get(k, [None])[0]
        parts = self.path.split("?")[0].split("/")
        account = parts[3] if len(parts) > 3 else ""
        with LOCK:
            STATE["seq"] += 1
            seq = STATE["seq"]
            if STATE["fail_next"] > 0:
                STATE["fail_next"] -= 1
                answer = 503
            elif first("To") in STATE["reject_to"]:
                answer = 400
            else:
                answer = 201
            delay = STATE["delay_ms"] / 1000.0
            if answer == 201:
                created = resource(account, "SM" + uuid.uuid4().hex, first("To"), first("From"), first("Body"),
                                   time.time())
                CREATED.append(created)
        write({"seq": seq, "arrived": time.time(), "path": self.path,
               "auth": self.headers.get("Authorization"), "content_type": self.headers.get("Content-Type"),
               "form": form, "answer": answer})
        if delay:
            time.sleep(delay)
        delivered = True
        try:
            if answer == 503:
                self.reply(503, {"code": 20503, "message": "Service unavailable", "more_info":
                                 "https://www.twilio.com/docs/errors/20503", "status": 503})
            elif answer == 400:
                self.reply(400, {"code": 21211, "message": f"The 'To' number {first('To')} is not a valid phone number.",
                                 "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400})
            else:
                self.reply(201, created)
                write({"seq": seq, "sid": created["sid"]})
        except OSError:
            delivered = False
        write({"seq": seq, "done": time.time(), "delivered": delivered})

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


Server(("127.0.0.1", PORT), Handler).serve_forever()
