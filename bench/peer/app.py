"""The "peer" of bench/side_by_side.sh (issue 14): the Twilio webhook a Python developer would
write with FastAPI and Twilio's official SDK. It checks the signature with the SDK's
RequestValidator, stores the inbound text in SQLite (WAL, synchronous NORMAL, as smsflow and the
limit; a provider retry with the same MessageSid is stored once) and answers empty TwiML. It
stores only: no matching, no reply.

    PEER_TOKEN=... PEER_PUBLIC_URL=http://127.0.0.1:18321 PEER_DATABASE=/tmp/peer.db \
      uvicorn app:app --app-dir bench/peer --host 127.0.0.1 --port 18321

Its dependencies, pinned: bench/peer/requirements.txt (the script installs them in a venv).
"""

import os
import sqlite3
import threading

from fastapi import FastAPI, Request, Response
from twilio.request_validator import RequestValidator

URL = os.environ["PEER_PUBLIC_URL"].rstrip("/") + "/webhooks/twilio/sms"
validator = RequestValidator(os.environ["PEER_TOKEN"])

# One connection in autocommit mode: each INSERT is its own transaction, committed before the
# webhook is answered, and synced to disk first (synchronous FULL), as smsflow's commits are. The
# lock keeps its use to one request at a time.
db = sqlite3.connect(os.environ["PEER_DATABASE"], check_same_thread=False, isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = FULL")
db.execute(
    "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, message_sid TEXT UNIQUE, "
    "direction TEXT NOT NULL, from_number TEXT NOT NULL, to_number TEXT NOT NULL, "
    "body TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
)
lock = threading.Lock()

app = FastAPI()


@app.post("/webhooks/twilio/sms")
async def inbound_sms(request: Request) -> Response:
    params = dict(await request.form())
    if not validator.validate(URL, params, request.headers.get("X-Twilio-Signature", "")):
        return Response("bad signature", status_code=403)
    try:
        row = (params["MessageSid"], params["From"], params["To"], params["Body"])
    except KeyError as missing:
        return Response(f"{missing} is required", status_code=400)
    with lock:
        db.execute(
            "INSERT INTO messages (message_sid, direction, from_number, to_number, body, status) "
            "VALUES (?, 'inbound', ?, ?, ?, 'received') ON CONFLICT (message_sid) DO NOTHING",
            row,
        )
    return Response("<Response></Response>", media_type="text/xml")
