-- Every change to the live workflow set is a version, numbered by the workflow revision it made,
-- with who made it and the whole set as it then was (so a rollback restores it exactly).
CREATE TABLE workflow_versions (
    number        INTEGER PRIMARY KEY NOT NULL,
    kind          TEXT NOT NULL,
    author        TEXT NOT NULL,
    note          TEXT,
    restored_from INTEGER,
    workflows     TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

-- The draft: one change set to the whole workflow set, published at once. `base_version` is the
-- version it started from; `revision` guards concurrent saves.
CREATE TABLE workflow_drafts (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    base_version INTEGER NOT NULL,
    revision     INTEGER NOT NULL,
    author       TEXT NOT NULL,
    workflows    TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
