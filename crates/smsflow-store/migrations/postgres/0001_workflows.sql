-- Workflows. `name_key` is the lower-cased name: names are unique regardless of case. It sorts
-- byte-wise ("C") so listings order the same way as on SQLite.
CREATE TABLE workflows (
    id                UUID PRIMARY KEY,
    name              TEXT NOT NULL,
    name_key          TEXT COLLATE "C" NOT NULL UNIQUE,
    goal              TEXT NOT NULL,
    context           TEXT NOT NULL,
    response_template TEXT,
    priority          BIGINT NOT NULL,
    agent_id          UUID,
    active            BOOLEAN NOT NULL,
    keywords          JSONB NOT NULL,
    steps             JSONB NOT NULL,
    version           BIGINT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX workflows_listing ON workflows (priority DESC, name_key, id);

-- Bumped in the same transaction as every workflow change, so each server notices changes made by
-- another process and recompiles its matcher.
CREATE TABLE workflow_revision (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO workflow_revision (id, revision) VALUES (1, 0);

-- API keys are stored as SHA-256 hashes; the secret is shown once, at creation.
CREATE TABLE api_keys (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX api_keys_live_name ON api_keys (name) WHERE revoked_at IS NULL;
