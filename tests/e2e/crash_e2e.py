#!/usr/bin/env python3
"""`smsflow serve` killed with SIGKILL mid-burst: two processes on one PostgreSQL database, or one
on a SQLite file.

    crash_e2e.py --smsflow BIN [--database-url postgres://.../any] --work DIR [--port-base 18340]
                 [--count 240]

With DATABASE_URL, a fresh database is created on the server it names, and COUNT texters each send
one message (a webhook signed by Twilio's official SDK), spread over processes A and B, 8 in flight;
without it, one process A runs on a fresh SQLite file in DIR and takes them all. The Twilio
stand-in (recorder.py) answers each send after 300 ms so replies are in flight too. A third of the
way in, A is killed with SIGKILL; the webhooks it did not answer are retried with the same
MessageSid, as Twilio retries: on B, or on SQLite on A once restarted (its store keeps the log's
writes in memory until each commit: what it acknowledged must have reached the file). A is
restarted and the burst goes on. Then:
  - every texter's message is stored exactly once (by MessageSid),
  - every texter got exactly one reply at the Twilio stand-in (a send in flight when A died is
    looked up in the Messages list and adopted, not sent again),
  - once the claims' lease (60 s) has passed, nothing is left claimed, received or sending.
"""
import argparse
import concurrent.futures
import os
import sqlite3
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ROOT, Checks, Failed, Processes, form_value, http, port_open,  # noqa: E402
                     recorded_lookups, recorded_requests, smsflow_cli, wait_until)
from twilio_e2e import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER, inbound_params, post_signed  # noqa: E402

TEXT = "Hi, can I get a quote for 3 rooms?"


def sqlite_rows(path, sql):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return [[str(value) for value in row] for row in db.execute(sql)]
    finally:
        db.close()


def psql(url, sql):
    out = subprocess.run(["psql", "-qtA", "-F", "\t", url, "-c", sql], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise Failed(f"psql failed: {out.stderr.strip()}")
    return [line.split("\t") for line in out.stdout.splitlines() if line]


class Cluster:
    def __init__(self, args):
        self.args = args
        self.work = os.path.abspath(args.work)
        subprocess.run(["rm", "-rf", self.work], check=True)
        os.makedirs(self.work)
        self.procs = Processes(os.path.join(self.work, "logs"))
        base = args.port_base
        self.ports = {"a": base + 1, "b": base + 2}
        self.recorder_port = base + 3
        self.record = os.path.join(self.work, "recorded.jsonl")
        open(self.record, "w").close()
        if args.database_url:
            server, _, _ = args.database_url.rpartition("/")
            name = "smsflow_crash_" + uuid.uuid4().hex[:12]
            psql(args.database_url, f"CREATE DATABASE {name}")
            self.database_url = f"{server}/{name}"
            self.sqlite_path = None
            self.servers = ["a", "b"]
        else:
            self.sqlite_path = os.path.join(self.work, "data", "smsflow.db")
            self.database_url = f"sqlite://{self.sqlite_path}"
            self.servers = ["a"]
        self.env = {
            "SMSFLOW_DATABASE_URL": self.database_url,
            "SMSFLOW_DATA_DIR": os.path.join(self.work, "data"),
            # Keywords only: no model download in the background during the burst.
            "SMSFLOW_MODEL": "off",
            "SMSFLOW_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "SMSFLOW_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "SMSFLOW_TWILIO_API_BASE": f"http://127.0.0.1:{self.recorder_port}",
            "SMSFLOW_SMS_DEFAULT_FROM": OUR_NUMBER,
            "RUST_LOG": "info,tower_http=warn",
        }

    def url(self, name):
        return f"http://127.0.0.1:{self.ports[name]}"

    def env_of(self, name):
        return {**self.env, "SMSFLOW_LISTEN": f"127.0.0.1:{self.ports[name]}", "SMSFLOW_PUBLIC_URL": self.url(name)}

    def start(self, name):
        if port_open(self.ports[name]):
            raise Failed(f"port {self.ports[name]} is already in use")
        self.procs.start(name, [self.args.smsflow, "serve"], self.env_of(name))

        def healthy():
            if not self.procs.alive(name):
                raise Failed(f"smsflow {name} exited:\n" + self.procs.tail(name))
            return port_open(self.ports[name]) and http("GET", self.url(name) + "/healthz", timeout=2)[0] == 200
        wait_until(f"smsflow {name} /healthz", healthy, 60)

    def send(self, name, params):
        """Posts one signed webhook; the HTTP status, or 0 when the process did not answer."""
        try:
            return post_signed(self.url(name) + "/webhooks/twilio/sms", params)[0]
        except OSError:
            return 0

    def query(self, sql):
        if self.sqlite_path:
            return sqlite_rows(self.sqlite_path, sql)
        return psql(self.database_url, sql)

    def gateway_delay(self, ms):
        http("POST", f"http://127.0.0.1:{self.recorder_port}/_control", {"delay_ms": ms})

    def sending(self):
        return int(self.query("SELECT COUNT(*) FROM messages WHERE status = 'sending'")[0][0])

    def replies(self):
        return [r for r in recorded_requests(self.record) if r.get("answer") == 201]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smsflow", required=True)
    parser.add_argument("--database-url", help="a PostgreSQL server's; without it, a SQLite file")
    parser.add_argument("--work", required=True)
    parser.add_argument("--port-base", type=int, default=18340)
    parser.add_argument("--count", type=int, default=240)
    args = parser.parse_args()
    c = Checks("crash" if args.database_url else "crash-sqlite")
    cluster = Cluster(args)
    try:
        run(cluster, c, args.count)
    except Failed as failure:
        c.ok("the crash test ran to the end", False, str(failure))
    finally:
        cluster.procs.stop_all()
    return 0 if c.summary() else 1


def run(cluster, c, count):
    cluster.procs.start("recorder", [sys.executable, os.path.join(ROOT, "tests", "e2e", "recorder.py"),
                                     str(cluster.recorder_port), cluster.record])
    wait_until("the Twilio stand-in", lambda: port_open(cluster.recorder_port), 10)
    cluster.gateway_delay(300)
    smsflow_cli(cluster.args.smsflow, cluster.env_of("a"), "workflows", "import", "examples/workflows.yaml")
    for name in cluster.servers:
        cluster.start(name)
    retry_on = cluster.servers[-1]

    texters = [(f"+1555{7000000 + i}", inbound_params(f"+1555{7000000 + i}", TEXT)) for i in range(count)]
    kill_at, restart_at = count // 3, count // 2
    accepted, retried, killed = {}, 0, False
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for start in range(0, count, 8):
            if killed and start >= restart_at and not cluster.procs.alive("a"):
                cluster.start("a")
            batch = texters[start:start + 8]
            targets = [cluster.servers[(start + i) % len(cluster.servers)] for i in range(len(batch))]
            kill_now = not killed and start >= kill_at
            if kill_now:
                # The kill lands while replies are being sent: the stand-in holds each send for 3 s
                # until some are claimed (`sending`)...
                cluster.gateway_delay(3000)
                wait_until("replies in flight", lambda: cluster.sending() > 0, 30, 0.05)
            futures = [pool.submit(cluster.send, t, params) for t, (_, params) in zip(targets, batch)]
            if kill_now:
                time.sleep(0.02)  # ...and while this batch is in flight on A.
                cluster.procs.kill9("a")
                cluster.gateway_delay(300)
                killed = True
            for (number, params), future in zip(batch, futures):
                status = future.result()
                if status != 200:
                    # What Twilio does with a webhook that got no answer: the same one again, later.
                    retried += 1
                    if not cluster.procs.alive(retry_on):
                        cluster.start(retry_on)
                    status = cluster.send(retry_on, params)
                if status == 200:
                    accepted[number] = params["MessageSid"]
    c.ok(f"A was killed with SIGKILL mid-burst and restarted ({retried} unanswered webhooks retried on "
         f"{retry_on.upper()})",
         cluster.procs.alive("a") and retried > 0, retried)
    c.must(f"every webhook was finally acknowledged ({len(accepted)}/{count})", len(accepted) == count)

    def all_replied():
        got = {form_value(r, "To") for r in cluster.replies()}
        return all(number in got for number in accepted)
    # Work claimed by the killed process waits for its lease (60 s) before another takes it over.
    wait_until("a reply to every texter at the Twilio stand-in", all_replied, 180, 0.5)
    time.sleep(2)  # a duplicate reply, if there were one, would follow within this time

    stored = cluster.query("SELECT provider_id, COUNT(*) FROM messages WHERE direction = 'inbound' "
                           "GROUP BY provider_id")
    by_sid = {sid: int(n) for sid, n in stored}
    missing = [sid for sid in accepted.values() if sid not in by_sid]
    doubled = {sid: n for sid, n in by_sid.items() if n != 1}
    c.ok(f"every accepted inbound stored ({len(accepted) - len(missing)}/{len(accepted)})", not missing, missing[:5])
    c.ok("every inbound stored once", not doubled, doubled)
    c.ok("nothing stored that was not sent", set(by_sid) <= set(accepted.values()), set(by_sid) - set(accepted.values()))

    per_number = {}
    for r in cluster.replies():
        per_number[form_value(r, "To")] = per_number.get(form_value(r, "To"), 0) + 1
    twice = {n: k for n, k in per_number.items() if k != 1}
    lookups = len(recorded_lookups(cluster.record))
    c.ok(f"every texter got exactly one reply at the Twilio stand-in ({len(per_number)}/{len(accepted)}; "
         f"{lookups} Messages list lookups for sends in flight when A died)",
         not twice and set(per_number) == set(accepted), twice)

    def settled():
        rows = cluster.query("SELECT COUNT(*) FROM messages WHERE locked_until IS NOT NULL "
                             "OR status IN ('received', 'sending', 'queued')")
        return rows[0][0] == "0"
    wait_until("every claim to be released", settled, 90, 0.5)
    c.ok("nothing left claimed, received, queued or sending", settled())
    outbound = cluster.query("SELECT status, COUNT(*) FROM messages WHERE direction = 'outbound' "
                             "GROUP BY status")
    c.ok("every reply recorded `sent`", outbound == [["sent", str(len(accepted))]], outbound)


if __name__ == "__main__":
    sys.exit(main())
