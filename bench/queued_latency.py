#!/usr/bin/env python3
"""Request-to-queued-reply time of a bench/twilio_load.sh run, from the database.

    queued_latency.py TIMES_FILE sqlite DB_PATH
    queued_latency.py TIMES_FILE postgres DATABASE_URL

TIMES_FILE is the load generator's `--times` output: each sender's number and the wall-clock time
(unix µs) its webhook request started. For each sender, the time from that request to its reply
being stored (committed in the outbound queue: the reply's created_at, on the same machine's clock);
prints percentiles, senders without a queued reply and senders with more than one.
"""
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
    """sqlx stores SQLite times as `YYYY-MM-DD HH:MM:SS.fffffffff+00:00`: keep microseconds."""
    date, _, rest = text.partition(".")
    fraction, sign, zone = rest.partition("+") if "+" in rest else rest.partition("-")
    return datetime.fromisoformat(f"{date}.{fraction[:6].ljust(6, '0')}{sign}{zone}").timestamp()


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
