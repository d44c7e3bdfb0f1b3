-- A workflow run: one conversation following one workflow, with what it achieved so far.
CREATE TABLE runs (
    id              UUID PRIMARY KEY,
    conversation_id UUID NOT NULL REFERENCES conversations (id),
    workflow_id     UUID NOT NULL,
    state           JSONB NOT NULL,
    completed       BOOLEAN NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX runs_conversation ON runs (conversation_id, id);
ALTER TABLE conversations ADD COLUMN active_run_id UUID;

-- Support tickets opened by Create Support Ticket steps: one per run.
CREATE TABLE tickets (
    id              UUID PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    run_id          UUID NOT NULL UNIQUE REFERENCES runs (id),
    conversation_id UUID NOT NULL REFERENCES conversations (id),
    workflow_id     UUID NOT NULL,
    priority        TEXT NOT NULL,
    status          TEXT NOT NULL,
    assignee        TEXT,
    summary         TEXT NOT NULL,
    fields          JSONB NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX tickets_listing ON tickets (status, created_at);

-- Records saved by Save to Database steps: a typed store keyed by collection (no table is created
-- per collection), one record per run and collection, upserted as the run learns more.
CREATE TABLE records (
    id              UUID PRIMARY KEY,
    collection      TEXT NOT NULL,
    run_id          UUID NOT NULL REFERENCES runs (id),
    conversation_id UUID NOT NULL REFERENCES conversations (id),
    workflow_id     UUID NOT NULL,
    phone           TEXT NOT NULL,
    fields          JSONB NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (collection, run_id)
);
CREATE INDEX records_collection ON records (collection, created_at);
