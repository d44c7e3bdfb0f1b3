-- Every change to the live workflow set is a version, numbered by the workflow revision it made,
-- with who made it and the whole set as it then was (so a rollback restores it exactly).
CREATE TABLE workflow_versions (
    number        BIGINT PRIMARY KEY,
    kind          TEXT NOT NULL,
    author        TEXT NOT NULL,
    note          TEXT,
    restored_from BIGINT,
    workflows     JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

-- The draft: one change set to the whole workflow set, published at once. `base_version` is the
-- version it started from; `revision` guards concurrent saves.
CREATE TABLE workflow_drafts (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    base_version BIGINT NOT NULL,
    revision     BIGINT NOT NULL,
    author       TEXT NOT NULL,
    workflows    JSONB NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
