-- The web app's sign-in: admin accounts and their browser sessions.
-- `email_key` is the lower-cased email: one account per address regardless of case.
-- `setup_slot` is 1 for the account made by the one-time setup page, so two setups racing each other
-- cannot both succeed (the second breaks the unique constraint).
CREATE TABLE admins (
    id            UUID PRIMARY KEY,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    setup_slot    INTEGER UNIQUE,
    created_at    TIMESTAMPTZ NOT NULL
);

-- A session is found by the SHA-256 of its cookie's token; the token itself is never stored.
-- `expires_at` is in Unix seconds so both databases compare it the same way.
CREATE TABLE admin_sessions (
    token_hash TEXT PRIMARY KEY,
    admin_id   UUID NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX admin_sessions_expiry ON admin_sessions (expires_at);
