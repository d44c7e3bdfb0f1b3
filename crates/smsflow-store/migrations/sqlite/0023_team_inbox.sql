-- Working as a team in the inbox (issue 13 items 3 and 4).

-- Who on the team a conversation is assigned to: one admin, or nobody (no row).
CREATE TABLE conversation_assignments (
    conversation_id BLOB PRIMARY KEY NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    admin_id        BLOB NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    assigned_at     TEXT NOT NULL
);
CREATE INDEX conversation_assignments_admin ON conversation_assignments (admin_id);

-- What the team wrote and did in a conversation, never sent to the texter: internal notes and the
-- events shown in the thread (took over by replying, handed back, assigned, a draft expired).
CREATE TABLE conversation_notes (
    id              BLOB PRIMARY KEY NOT NULL,
    conversation_id BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    author          TEXT,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX conversation_notes_thread ON conversation_notes (conversation_id, id);

-- Replies the team keeps at hand, with {{variables}} filled from the conversation.
CREATE TABLE canned_replies (
    id         BLOB PRIMARY KEY NOT NULL,
    title      TEXT NOT NULL UNIQUE,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Suggest mode: the agent's replies wait as drafts (status 'draft') for a person to approve, until
-- `draft_expires_at`, when the conversation is handed to the team.
ALTER TABLE agents ADD COLUMN suggest_replies BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE messages ADD COLUMN draft_expires_at TEXT;
CREATE INDEX messages_drafts ON messages (draft_expires_at) WHERE status = 'draft';
