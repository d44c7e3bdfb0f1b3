-- What we know about each number across conversations and workflow runs: the fields the person
-- gave (name, email and company in their own columns for search; the rest in `fields`), their
-- language and when they last wrote. Opt-outs stay in opt_outs (one source of truth).
CREATE TABLE contacts (
    number       TEXT PRIMARY KEY NOT NULL,
    name         TEXT,
    email        TEXT,
    company      TEXT,
    language     TEXT,
    fields       TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX contacts_listing ON contacts (last_seen_at, number);
