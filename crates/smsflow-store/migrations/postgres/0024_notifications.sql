-- Notifications to the team (issue 13): an outbox of events, each fanned out into deliveries
-- (an email to each admin who wants it, one post to the team webhook), sent by a worker and
-- retried, never inside the transaction that recorded the event.
--
-- Events are recorded by triggers in the same transaction as what caused them, so none is lost
-- and no code path that changes a conversation, a ticket or a message has to remember them.
CREATE TABLE notification_events (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- needs_human | ticket_opened | delivery_failed
    kind            TEXT NOT NULL,
    conversation_id UUID NOT NULL REFERENCES conversations (id),
    ticket_id       UUID REFERENCES tickets (id),
    message_id      UUID REFERENCES messages (id),
    created_at      TIMESTAMPTZ NOT NULL,
    -- Its deliveries exist (or nobody wanted it): the worker is done with the event itself.
    fanned_out      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX notification_events_pending ON notification_events (id) WHERE NOT fanned_out;

CREATE TABLE notification_deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        BIGINT NOT NULL REFERENCES notification_events (id),
    -- email | webhook
    channel         TEXT NOT NULL,
    -- The recipient of an email; NULL for the webhook.
    admin_id        UUID REFERENCES admins (id) ON DELETE CASCADE,
    -- pending | sent | failed
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    -- The worker's claim while it sends (the lease ends at next_attempt_at).
    claim           UUID,
    last_error      TEXT,
    sent_at         TIMESTAMPTZ
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (channel, next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX notification_deliveries_claim ON notification_deliveries (claim) WHERE claim IS NOT NULL;

-- Each admin's choices; an admin without a row gets the defaults (see NotificationPreferences).
CREATE TABLE notification_preferences (
    admin_id         UUID PRIMARY KEY REFERENCES admins (id) ON DELETE CASCADE,
    email            BOOLEAN NOT NULL,
    needs_human      BOOLEAN NOT NULL,
    ticket_opened    BOOLEAN NOT NULL,
    delivery_failed  BOOLEAN NOT NULL,
    digest_minutes   BIGINT NOT NULL,
    -- After an email, the next waits until then and lists everything that came meanwhile.
    email_hold_until TIMESTAMPTZ
);

CREATE FUNCTION notification_needs_human() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notification_events (kind, conversation_id, created_at)
    VALUES ('needs_human', NEW.id, NEW.needs_human_at);
    RETURN NULL;
END
$$;
CREATE TRIGGER notification_needs_human AFTER UPDATE OF needs_human_at ON conversations
FOR EACH ROW WHEN (NEW.needs_human_at IS NOT NULL AND OLD.needs_human_at IS NULL)
EXECUTE FUNCTION notification_needs_human();

CREATE FUNCTION notification_ticket_opened() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notification_events (kind, conversation_id, ticket_id, created_at)
    VALUES ('ticket_opened', NEW.conversation_id, NEW.id, NEW.created_at);
    RETURN NULL;
END
$$;
CREATE TRIGGER notification_ticket_opened AFTER INSERT ON tickets
FOR EACH ROW EXECUTE FUNCTION notification_ticket_opened();

CREATE FUNCTION notification_delivery_failed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notification_events (kind, conversation_id, message_id, created_at)
    VALUES ('delivery_failed', NEW.conversation_id, NEW.id, NEW.updated_at);
    RETURN NULL;
END
$$;
CREATE TRIGGER notification_delivery_failed AFTER UPDATE OF status ON messages
FOR EACH ROW WHEN (NEW.direction = 'outbound' AND NEW.status IN ('failed', 'undelivered')
    AND OLD.status NOT IN ('failed', 'undelivered'))
EXECUTE FUNCTION notification_delivery_failed();

-- The hand-off webhook is now one of these deliveries: hand-offs still waiting for theirs become
-- events, and the per-conversation delivery columns go.
INSERT INTO notification_events (kind, conversation_id, created_at)
SELECT 'needs_human', id, needs_human_at FROM conversations
WHERE handoff_webhook_status = 'pending' AND needs_human_at IS NOT NULL;
DROP INDEX conversations_handoff_webhook;
ALTER TABLE conversations DROP COLUMN handoff_webhook_status;
ALTER TABLE conversations DROP COLUMN handoff_webhook_attempts;
ALTER TABLE conversations DROP COLUMN handoff_webhook_next_at;
ALTER TABLE conversations DROP COLUMN handoff_webhook_error;

-- Auto follow-up (issue 13): a workflow's nudge to a texter its run has waited on for N hours.
-- Off for a workflow without a row.
CREATE TABLE workflow_follow_ups (
    workflow_id UUID PRIMARY KEY REFERENCES workflows (id) ON DELETE CASCADE,
    after_hours BIGINT NOT NULL,
    -- LocalizedText: a string, or {"en": ..., "es": ...}
    template    JSONB NOT NULL
);
-- The one nudge each run gets.
CREATE TABLE follow_ups (
    run_id          UUID PRIMARY KEY REFERENCES runs (id),
    conversation_id UUID NOT NULL REFERENCES conversations (id),
    workflow_id     UUID NOT NULL,
    message_id      UUID REFERENCES messages (id),
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX follow_ups_workflow ON follow_ups (workflow_id, created_at);
