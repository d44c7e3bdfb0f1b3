-- The saved conversation-test suite (the YAML of `smsflow test`), run against the draft before
-- publishing. One suite per database: the single row has id 1.
CREATE TABLE test_suite (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    yaml       TEXT NOT NULL,
    author     TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
