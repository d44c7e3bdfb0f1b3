-- When a person last opened the conversation in the inbox; inbound messages after it are unread.
ALTER TABLE conversations ADD COLUMN last_read_at TEXT;
-- The inbox's Unread filter, newest activity first.
CREATE INDEX conversations_unread ON conversations (last_message_at DESC, id DESC) WHERE unread_count > 0;
