-- A conversation is one (our number, their number) pair.
CREATE TABLE conversations (
    id                 UUID PRIMARY KEY,
    our_number         TEXT NOT NULL,
    their_number       TEXT NOT NULL,
    channel            TEXT NOT NULL,
    -- 'agent' (automatic replies) or 'human' (handed off: the agent stays silent).
    status             TEXT NOT NULL,
    active_workflow_id UUID,
    active_workflow_at       TIMESTAMPTZ,
    run_completed      BOOLEAN NOT NULL,
    unread_count       BIGINT NOT NULL,
    last_message_at    TIMESTAMPTZ NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (our_number, their_number)
);
CREATE INDEX conversations_recent ON conversations (last_message_at DESC, id);

-- Inbound and outbound messages. Outbound ones are also the delivery queue (status 'queued').
CREATE TABLE messages (
    id              UUID PRIMARY KEY,
    conversation_id UUID NOT NULL REFERENCES conversations (id),
    direction       TEXT NOT NULL,
    author          TEXT NOT NULL,
    channel         TEXT NOT NULL,
    body            TEXT NOT NULL,
    provider_id     TEXT,
    status          TEXT NOT NULL,
    error_code      TEXT,
    error_message   TEXT,
    segments        BIGINT NOT NULL,
    encoding        TEXT NOT NULL,
    media_urls      JSONB NOT NULL,
    simulated       BOOLEAN NOT NULL,
    workflow_id     UUID,
    explanation     JSONB,
    attempts        BIGINT NOT NULL,
    next_attempt_at TIMESTAMPTZ,
    locked_until    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
-- A provider retry of the same inbound message is recognised and not processed again.
CREATE UNIQUE INDEX messages_inbound_provider_id ON messages (channel, provider_id) WHERE direction = 'inbound';
CREATE INDEX messages_provider_id ON messages (channel, provider_id);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE INDEX messages_pending ON messages (status, next_attempt_at);

-- Numbers that texted STOP: no message goes to them until they text START.
CREATE TABLE opt_outs (
    number       TEXT PRIMARY KEY,
    keyword      TEXT NOT NULL,
    opted_out_at TIMESTAMPTZ NOT NULL
);
