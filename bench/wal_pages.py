"""Which tables and indexes a server's commits write, read from SQLite's write-ahead log.

Used by bench/side_by_side.sh with WAL_PAGES=1, for each SQLite run:

    python3 bench/wal_pages.py DATABASE STOP_FILE TEXTS > REPORT

It opens DATABASE and holds a read transaction (creating STOP_FILE.held once it does, for the
load to start) until STOP_FILE appears: no checkpoint can then restart the log, so every page the
run commits stays in it as a frame. Each
frame is then counted against the table or index that owns its page (SQLite's dbstat, read on a
connection opened after the run) and each commit is named by what it wrote (smsflow's tables:
"processing" wrote runs or messages_workflow, "intake" stored webhooks' texts, "sent" recorded a
provider's message id). A commit holds every unit the writer grouped into it, so a kind says what
a commit did among other things. Figures are per text of the run (TEXTS).
"""

import collections
import os
import sqlite3
import struct
import sys
import time

HEADER, FRAME_HEADER = 32, 24


def frames(log):
    """(page number, commit?) of each frame of the log's current generation (its salt)."""
    if len(log) < HEADER:
        return []
    page_size = struct.unpack(">I", log[8:12])[0]
    salt = log[16:24]
    found = []
    offset = HEADER
    while offset + FRAME_HEADER + page_size <= len(log) and log[offset + 8 : offset + 16] == salt:
        page, commit_size = struct.unpack(">II", log[offset : offset + 8])
        found.append((page, commit_size != 0))
        offset += FRAME_HEADER + page_size
    return found


def read(path):
    try:
        with open(path, "rb") as log:
            return log.read()
    except FileNotFoundError:
        return b""


def kind_of(written):
    if "runs" in written or "messages_workflow" in written:
        return "processing"
    if "messages_inbound_provider_id" in written:
        return "intake"
    if "messages_outbound_provider_id" in written:
        return "sent"
    return "other"


def main():
    database, stop_file, texts = sys.argv[1], sys.argv[2], int(sys.argv[3])
    wal = database + "-wal"
    held = sqlite3.connect(database, isolation_level=None)
    held.execute("BEGIN")
    held.execute("SELECT COUNT(*) FROM sqlite_schema").fetchone()
    before = read(wal)
    start_salt, start = before[16:24], len(frames(before))
    open(stop_file + ".held", "w").close()
    while not os.path.exists(stop_file):
        time.sleep(0.05)
    log = read(wal)
    held.execute("COMMIT")
    held.close()
    if log[16:24] != start_salt:
        start = 0  # the log restarted before the snapshot held it: all of it is the run's
    run = frames(log)[start:]
    owner = dict(sqlite3.connect(database).execute("SELECT pageno, name FROM dbstat"))

    trees = [owner.get(page, "(new or free page)") for page, _ in run]
    by_tree = collections.Counter(trees)
    commits = collections.defaultdict(lambda: [0, 0, collections.Counter()])
    written = []
    for tree, (_, commit) in zip(trees, run):
        written.append(tree)
        if commit:
            kind = commits[kind_of(set(written))]
            kind[0] += 1
            kind[1] += len(written)
            kind[2].update(written)
            written = []
    total = len(run)
    count = sum(kind[0] for kind in commits.values())
    print(f"{total / texts:.2f} pages/text in {count / texts:.3f} commits/text ({total} pages, {count} commits)")
    print("by kind of commit: commits/text, pages/commit, pages/text, the b-trees a commit wrote most")
    for name, (number, pages, trees) in sorted(commits.items(), key=lambda item: -item[1][1]):
        most = ", ".join(f"{tree} {n / number:.2f}" for tree, n in trees.most_common(8))
        print(f"  {name}: {number / texts:.3f}, {pages / number:.1f}, {pages / texts:.2f} ({most})")
    print("by b-tree: pages/text, share of pages")
    for tree, pages in by_tree.most_common(25):
        print(f"  {tree}: {pages / texts:.3f}, {100 * pages / total:.1f}%")


if __name__ == "__main__":
    main()
