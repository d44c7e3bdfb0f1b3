#!/usr/bin/env python3
"""Fills a smsflow database (already migrated, e.g. by a running `smsflow serve`) with COUNT more
conversations for bench/inbox_pages.sh: each with an inbound text and the agent's reply, a contact
(two in three with a name), one in ten unread, the last message spread over 30 days. Rows go in
through SQL, so the search indexes (migration 0022: SQLite's triggers, PostgreSQL's trigram
indexes) index them as the store's writes would. PostgreSQL's rows are copied in with `psql`.

    bench/seed_inbox.py path/to/smsflow.db COUNT
    bench/seed_inbox.py postgres://user@host:port/database COUNT
"""
import os
import random
import sqlite3
import subprocess
import sys
import time
import uuid

FIRST = ["Maria", "James", "Aisha", "Wei", "Olga", "Pedro", "Grace", "Omar", "Yuki", "Liam",
         "Sofia", "Noah", "Fatima", "Ivan", "Chloe", "Diego", "Hana", "Lucas", "Amara", "Ethan"]
LAST = ["Lopez", "Smith", "Khan", "Chen", "Petrova", "Silva", "Hopper", "Haddad", "Tanaka",
        "Murphy", "Rossi", "Brown", "Ali", "Ivanov", "Martin", "Garcia", "Sato", "Moreau",
        "Okafor", "Walker", "Novak", "Berg", "Costa", "Nagy", "Kowalski"]
TEXTS = ["Can I book a cleaning for next {day}?", "My order {n} arrived broken, please help",
         "Is the clinic open on {day}?", "I need to move my appointment on {day}",
         "Do you have a table for {k} tonight?", "The sink in unit {n} is leaking again",
         "How much is a checkup? Reference {n}", "Please call me back about invoice {n}"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


def uuid7(ms):
    """A version 7 UUID for `ms` (Unix milliseconds): ids sort by time, as the store's do."""
    raw = bytearray(ms.to_bytes(6, "big") + os.urandom(10))
    raw[6] = 0x70 | (raw[6] & 0x0F)
    raw[8] = 0x80 | (raw[8] & 0x3F)
    return bytes(raw)


def stamp(ms):
    seconds, millis = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}000Z"


def rows(count):
    """The conversations, messages and contacts to add, as tuples in the SQLite tables' order."""
    rng = random.Random(14)
    now = int(time.time() * 1000) - 3_600_000
    numbers = rng.sample(range(2_000_000_000, 9_999_999_999), count)
    conversations, messages, contacts = [], [], []
    for i, number in enumerate(numbers):
        at = now - rng.randrange(30 * 86_400_000)
        cid = uuid7(at)
        their = f"+1{number}"
        created = stamp(at)
        conversations.append((cid, their, 1 if i % 10 == 0 else 0, created))
        body = rng.choice(TEXTS).format(day=rng.choice(DAYS), n=rng.randrange(10_000, 99_999), k=rng.randrange(2, 9))
        messages.append((uuid7(at), cid, "inbound", "contact", body, "processed", created))
        messages.append((uuid7(at + 1), cid, "outbound", "agent",
                         "Thanks! What email should we use to confirm?", "sent", stamp(at + 1)))
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}" if i % 3 else None
        contacts.append((their, name, created))
    return conversations, messages, contacts


def seed_sqlite(path, conversations, messages, contacts):
    db = sqlite3.connect(path, timeout=60)
    with db:
        db.executemany(
            "INSERT INTO conversations (id, our_number, their_number, channel, status, run_completed, "
            "unread_count, last_message_at, created_at) VALUES (?, '+15550000000', ?, 'simulator', "
            "'agent', 0, ?, ?, ?4)", conversations)
        db.executemany(
            "INSERT INTO messages (id, conversation_id, direction, author, channel, body, status, "
            "segments, encoding, media_urls, simulated, attempts, created_at, updated_at) VALUES "
            "(?, ?, ?, ?, 'simulator', ?, ?, 1, 'gsm7', '[]', 1, 1, ?, ?7)", messages)
        db.executemany(
            "INSERT INTO contacts (number, name, fields, last_seen_at, created_at, updated_at) "
            "VALUES (?, ?, '{}', ?, ?3, ?3)", contacts)
    db.execute("ANALYZE")
    db.close()


def copy_text(values):
    """One line of COPY's text format (None is NULL; no value here holds a tab or a backslash)."""
    return "\t".join("\\N" if v is None else str(uuid.UUID(bytes=v)) if isinstance(v, bytes) else str(v)
                     for v in values) + "\n"


def seed_postgres(url, conversations, messages, contacts):
    tables = [
        ("conversations (id, our_number, their_number, channel, status, run_completed, unread_count, "
         "last_message_at, created_at)",
         [(c, "+15550000000", their, "simulator", "agent", "f", unread, at, at) for c, their, unread, at in conversations]),
        ("messages (id, conversation_id, direction, author, channel, body, status, segments, encoding, "
         "media_urls, simulated, attempts, created_at, updated_at)",
         [(m, c, d, a, "simulator", body, st, 1, "gsm7", "[]", "t", 1, at, at) for m, c, d, a, body, st, at in messages]),
        ("contacts (number, name, fields, last_seen_at, created_at, updated_at)",
         [(number, name, "{}", at, at, at) for number, name, at in contacts]),
    ]
    for table, values in tables:
        data = "".join(copy_text(v) for v in values)
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", f"COPY {table} FROM STDIN"],
                       input=data, text=True, check=True)
    subprocess.run(["psql", "-q", url, "-c", "VACUUM ANALYZE"], check=True)


def main():
    target, count = sys.argv[1], int(sys.argv[2])
    seeded = rows(count)
    if target.startswith("postgres"):
        seed_postgres(target, *seeded)
    else:
        seed_sqlite(target, *seeded)


if __name__ == "__main__":
    main()
