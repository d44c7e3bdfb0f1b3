-- What we know about each number across conversations and workflow runs: the fields the person
-- gave (name, email and company in their own columns for search; the rest in `fields`), their
-- language and when they last wrote. Opt-outs stay in opt_outs (one source of truth).
CREATE TABLE contacts (
    number       TEXT PRIMARY KEY,
    name         TEXT,
    email        TEXT,
    company      TEXT,
    language     TEXT,
    fields       JSONB NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX contacts_listing ON contacts (last_seen_at, number);
