#!/usr/bin/env python3
"""Request-to-queued-reply time of a bench/twilio_load.sh run, from the database.

    queued_latency.py TIMES_FILE sqlite DB_PATH
    queued_latency.py TIMES_FILE postgres DATABASE_URL

TIMES_FILE is the load generator's `--times` output: each sender's number and the wall-clock time
(unix µs) its webhook request started. For each sender, the time from that request to its reply
being stored (committed in the outbound queue: the reply's created_at, on the same machine's clock);
prints percentiles, senders without a queued reply and senders with more than one.
"""
import re
import subprocess
import sqlite3
import sys
from datetime import datetime

times_file, backend, target = sys.argv[1:4]
started = {}
with open(times_file) as f:
    for line in f:
        number, micros = line.strip().split(",")
        started[number] = int(micros) / 1e6

QUERY = ("SELECT c.their_number, {at} FROM messages m JOIN conversations c ON c.id = m.conversation_id "
         "WHERE m.direction = 'outbound'")


def epoch(text):
    """sqlx stores SQLite times as RFC 3339 text (`2026-11-25T16:19:35.566345Z`, up to nanoseconds)."""
    match = re.fullmatch(r"(.{10})[T ](\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text)
    date, clock, fraction, zone = match.groups()
    zone = "+00:00" if zone == "Z" else zone
    return datetime.fromisoformat(f"{date}T{clock}{zone}").timestamp() + float(f"0.{fraction or 0}")


if backend == "sqlite":
    rows = [(n, epoch(at)) for n, at in sqlite3.connect(target).execute(QUERY.format(at="m.created_at"))]
else:
    out = subprocess.run(["psql", "-qAt", "-F", ",", target, "-c",
                          QUERY.format(at="extract(epoch from m.created_at)")],
                         check=True, capture_output=True, text=True).stdout
    rows = [(n, float(at)) for n, at in (line.split(",") for line in out.splitlines() if line)]

replies = {}
for number, at in rows:
    replies.setdefault(number, []).append(at)
latencies = sorted((min(replies[n]) - t0) * 1000 for n, t0 in started.items() if n in replies)
missing = sum(1 for n in started if n not in replies)
twice = sum(1 for n in started if len(replies.get(n, [])) > 1)


def pct(p):
    return latencies[min(len(latencies) - 1, max(0, int(-(-p * len(latencies) // 100)) - 1))] if latencies else 0.0


print(f"request to queued reply ({backend}): p50 {pct(50):.1f} ms, p90 {pct(90):.1f} ms, p99 {pct(99):.1f} ms, "
      f"max {pct(100):.1f} ms over {len(latencies)} senders; no reply queued {missing}, more than one queued {twice}")
sys.exit(1 if missing or twice else 0)
