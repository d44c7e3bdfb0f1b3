-- A workflow run: one conversation following one workflow, with what it achieved so far.
CREATE TABLE runs (
    id              BLOB PRIMARY KEY NOT NULL,
    conversation_id BLOB NOT NULL REFERENCES conversations (id),
    workflow_id     BLOB NOT NULL,
    state           TEXT NOT NULL,
    completed       BOOLEAN NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX runs_conversation ON runs (conversation_id, id);
ALTER TABLE conversations ADD COLUMN active_run_id BLOB;

-- Support tickets opened by Create Support Ticket steps: one per run.
CREATE TABLE tickets (
    id              BLOB PRIMARY KEY NOT NULL,
    number          TEXT NOT NULL UNIQUE,
    run_id          BLOB NOT NULL UNIQUE REFERENCES runs (id),
    conversation_id BLOB NOT NULL REFERENCES conversations (id),
    workflow_id     BLOB NOT NULL,
    priority        TEXT NOT NULL,
    status          TEXT NOT NULL,
    assignee        TEXT,
    summary         TEXT NOT NULL,
    fields          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX tickets_listing ON tickets (status, created_at);

-- Records saved by Save to Database steps: a typed store keyed by collection (no table is created
-- per collection), one record per run and collection, upserted as the run learns more.
CREATE TABLE records (
    id              BLOB PRIMARY KEY NOT NULL,
    collection      TEXT NOT NULL,
    run_id          BLOB NOT NULL REFERENCES runs (id),
    conversation_id BLOB NOT NULL REFERENCES conversations (id),
    workflow_id     BLOB NOT NULL,
    phone           TEXT NOT NULL,
    fields          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (collection, run_id)
);
CREATE INDEX records_collection ON records (collection, created_at);
