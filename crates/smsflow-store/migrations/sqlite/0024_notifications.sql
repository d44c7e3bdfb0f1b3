-- Notifications to the team (issue 13): an outbox of events, each fanned out into deliveries
-- (an email to each admin who wants it, one post to the team webhook), sent by a worker and
-- retried, never inside the transaction that recorded the event.
--
-- Events are recorded by triggers in the same transaction as what caused them, so none is lost
-- and no code path that changes a conversation, a ticket or a message has to remember them.
CREATE TABLE notification_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- needs_human | ticket_opened | delivery_failed
    kind            TEXT NOT NULL,
    conversation_id BLOB NOT NULL REFERENCES conversations (id),
    ticket_id       BLOB REFERENCES tickets (id),
    message_id      BLOB REFERENCES messages (id),
    created_at      TEXT NOT NULL,
    -- Its deliveries exist (or nobody wanted it): the worker is done with the event itself.
    fanned_out      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notification_events_pending ON notification_events (id) WHERE fanned_out = 0;

CREATE TABLE notification_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        INTEGER NOT NULL REFERENCES notification_events (id),
    -- email | webhook
    channel         TEXT NOT NULL,
    -- The recipient of an email; NULL for the webhook.
    admin_id        BLOB REFERENCES admins (id) ON DELETE CASCADE,
    -- pending | sent | failed
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    -- The worker's claim while it sends (the lease ends at next_attempt_at).
    claim           BLOB,
    last_error      TEXT,
    sent_at         TEXT
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (channel, next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX notification_deliveries_claim ON notification_deliveries (claim) WHERE claim IS NOT NULL;

-- Each admin's choices; an admin without a row gets the defaults (see NotificationPreferences).
CREATE TABLE notification_preferences (
    admin_id         BLOB PRIMARY KEY NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    email            INTEGER NOT NULL,
    needs_human      INTEGER NOT NULL,
    ticket_opened    INTEGER NOT NULL,
    delivery_failed  INTEGER NOT NULL,
    digest_minutes   INTEGER NOT NULL,
    -- After an email, the next waits until then and lists everything that came meanwhile.
    email_hold_until TEXT
);

CREATE TRIGGER notification_needs_human AFTER UPDATE OF needs_human_at ON conversations
WHEN NEW.needs_human_at IS NOT NULL AND OLD.needs_human_at IS NULL
BEGIN
    INSERT INTO notification_events (kind, conversation_id, created_at)
    VALUES ('needs_human', NEW.id, NEW.needs_human_at);
END;

CREATE TRIGGER notification_ticket_opened AFTER INSERT ON tickets
BEGIN
    INSERT INTO notification_events (kind, conversation_id, ticket_id, created_at)
    VALUES ('ticket_opened', NEW.conversation_id, NEW.id, NEW.created_at);
END;

CREATE TRIGGER notification_delivery_failed AFTER UPDATE OF status ON messages
WHEN NEW.direction = 'outbound' AND NEW.status IN ('failed', 'undelivered')
    AND OLD.status NOT IN ('failed', 'undelivered')
BEGIN
    INSERT INTO notification_events (kind, conversation_id, message_id, created_at)
    VALUES ('delivery_failed', NEW.conversation_id, NEW.id, NEW.updated_at);
END;

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
    workflow_id BLOB PRIMARY KEY NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    after_hours INTEGER NOT NULL,
    -- LocalizedText: a string, or {"en": ..., "es": ...}
    template    TEXT NOT NULL
);
-- The one nudge each run gets.
CREATE TABLE follow_ups (
    run_id          BLOB PRIMARY KEY NOT NULL REFERENCES runs (id),
    conversation_id BLOB NOT NULL REFERENCES conversations (id),
    workflow_id     BLOB NOT NULL,
    message_id      BLOB REFERENCES messages (id),
    created_at      TEXT NOT NULL
);
CREATE INDEX follow_ups_workflow ON follow_ups (workflow_id, created_at);
