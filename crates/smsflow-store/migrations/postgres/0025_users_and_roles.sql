-- Users and roles: every account has a role (viewer, agent, admin, owner); the first account
-- becomes the owner and the others admins, which is what they could do before.
ALTER TABLE admins ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';
UPDATE admins SET role = 'owner'
    WHERE id = (SELECT id FROM admins ORDER BY created_at, id LIMIT 1);

-- API keys are read-only (GET requests) or full; existing keys keep full access.
ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'full';

-- Invitations: a one-time link that expires. Only the SHA-256 of the link's token is stored; one
-- pending invitation per address (a new one replaces it). Accepting deletes the row.
CREATE TABLE invites (
    token_hash TEXT PRIMARY KEY,
    id         UUID NOT NULL UNIQUE,
    email      TEXT NOT NULL,
    email_key  TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Password-reset links made by an admin for a user: one-time, expiring, one per user (a new one
-- replaces it); only the SHA-256 of the token is stored.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    admin_id   UUID NOT NULL UNIQUE REFERENCES admins (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at BIGINT NOT NULL
);
