-- When a person last opened the conversation in the inbox; inbound messages after it are unread.
ALTER TABLE conversations ADD COLUMN last_read_at TEXT;
CREATE INDEX conversations_unread ON conversations (unread_count) WHERE unread_count > 0;
