-- Workflows. `name_key` is the lower-cased name: names are unique regardless of case.
CREATE TABLE workflows (
    id                BLOB PRIMARY KEY NOT NULL,
    name              TEXT NOT NULL,
    name_key          TEXT NOT NULL UNIQUE,
    goal              TEXT NOT NULL,
    context           TEXT NOT NULL,
    response_template TEXT,
    priority          INTEGER NOT NULL,
    agent_id          BLOB,
    active            BOOLEAN NOT NULL,
    keywords          TEXT NOT NULL,
    steps             TEXT NOT NULL,
    version           INTEGER NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX workflows_listing ON workflows (priority DESC, name_key, id);

-- Bumped in the same transaction as every workflow change, so each server notices changes made by
-- another process and recompiles its matcher.
CREATE TABLE workflow_revision (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL
);
INSERT INTO workflow_revision (id, revision) VALUES (1, 0);

-- API keys are stored as SHA-256 hashes; the secret is shown once, at creation.
CREATE TABLE api_keys (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE UNIQUE INDEX api_keys_live_name ON api_keys (name) WHERE revoked_at IS NULL;
