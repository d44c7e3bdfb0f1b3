-- The language of each message (inbound: as detected; outbound: the reply's) and the conversation's
-- last confidently detected language, which short texts ("ok", a name) fall back to.
ALTER TABLE messages ADD COLUMN language TEXT;
ALTER TABLE conversations ADD COLUMN language TEXT;
-- When the texter asked for a person (cleared when a person takes the conversation up), and the
-- delivery of the `conversation.needs_human` webhook: 'pending' until delivered (or 'failed'
-- after the last retry); NULL when no webhook was configured.
ALTER TABLE conversations ADD COLUMN needs_human_at TIMESTAMPTZ;
ALTER TABLE conversations ADD COLUMN handoff_webhook_status TEXT;
ALTER TABLE conversations ADD COLUMN handoff_webhook_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN handoff_webhook_next_at TIMESTAMPTZ;
ALTER TABLE conversations ADD COLUMN handoff_webhook_error TEXT;
CREATE INDEX conversations_handoff_webhook ON conversations (handoff_webhook_next_at) WHERE handoff_webhook_status = 'pending';
