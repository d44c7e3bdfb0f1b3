-- Times are now stored as fixed-width UTC text, `2026-11-29T22:03:34.500000Z` (stored_time.rs),
-- so that text order is time order in listings, comparisons and indexes. They were RFC 3339 as
-- sqlx writes it: the fraction without its trailing zeros ('...:34.5Z' sorted after '...:34.51Z'),
-- none at all on a whole second, and the offset the time came with. Every stored time is
-- rewritten in the new form. (PostgreSQL's timestamptz compares as times: nothing to do there.)

-- Each distinct stored time once, with its new form: the whole seconds in UTC (strftime converts
-- an offset), then the fraction's digits (between the '.' and the 'Z' or the offset) padded or cut
-- to six. A text that is not a time is kept as it is.
CREATE TEMP TABLE time_forms (stored TEXT PRIMARY KEY, fixed TEXT NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO time_forms (stored, fixed)
SELECT stored, COALESCE(
    strftime('%Y-%m-%dT%H:%M:%S', stored) || '.' || substr(
        CASE WHEN substr(stored, 20, 1) = '.'
            THEN substr(stored, 21, length(stored) - 20 - CASE WHEN stored LIKE '%Z' THEN 1 ELSE 6 END)
            ELSE '' END || '000000', 1, 6) || 'Z',
    stored)
FROM (
    SELECT created_at AS stored FROM admin_sessions
    UNION ALL SELECT created_at FROM admins
    UNION ALL SELECT created_at FROM agents
    UNION ALL SELECT updated_at FROM agents
    UNION ALL SELECT created_at FROM api_keys
    UNION ALL SELECT revoked_at FROM api_keys
    UNION ALL SELECT at FROM audit_log
    UNION ALL SELECT created_at FROM canned_replies
    UNION ALL SELECT last_seen_at FROM contacts
    UNION ALL SELECT created_at FROM contacts
    UNION ALL SELECT updated_at FROM contacts
    UNION ALL SELECT assigned_at FROM conversation_assignments
    UNION ALL SELECT created_at FROM conversation_notes
    UNION ALL SELECT active_workflow_at FROM conversations
    UNION ALL SELECT last_message_at FROM conversations
    UNION ALL SELECT created_at FROM conversations
    UNION ALL SELECT last_read_at FROM conversations
    UNION ALL SELECT needs_human_at FROM conversations
    UNION ALL SELECT inbound_claimed_until FROM conversations
    UNION ALL SELECT created_at FROM follow_ups
    UNION ALL SELECT created_at FROM invites
    UNION ALL SELECT next_attempt_at FROM messages
    UNION ALL SELECT locked_until FROM messages
    UNION ALL SELECT created_at FROM messages
    UNION ALL SELECT updated_at FROM messages
    UNION ALL SELECT sent_at FROM messages
    UNION ALL SELECT draft_expires_at FROM messages
    UNION ALL SELECT next_attempt_at FROM notification_deliveries
    UNION ALL SELECT sent_at FROM notification_deliveries
    UNION ALL SELECT created_at FROM notification_events
    UNION ALL SELECT email_hold_until FROM notification_preferences
    UNION ALL SELECT opted_out_at FROM opt_outs
    UNION ALL SELECT created_at FROM password_resets
    UNION ALL SELECT created_at FROM records
    UNION ALL SELECT updated_at FROM records
    UNION ALL SELECT created_at FROM routing_rules
    UNION ALL SELECT created_at FROM runs
    UNION ALL SELECT updated_at FROM runs
    UNION ALL SELECT updated_at FROM test_suite
    UNION ALL SELECT created_at FROM tickets
    UNION ALL SELECT updated_at FROM tickets
    UNION ALL SELECT webhook_next_at FROM tickets
    UNION ALL SELECT updated_at FROM workflow_drafts
    UNION ALL SELECT created_at FROM workflow_versions
    UNION ALL SELECT created_at FROM workflows
    UNION ALL SELECT updated_at FROM workflows
) WHERE stored IS NOT NULL;

UPDATE admin_sessions SET created_at = (SELECT fixed FROM time_forms WHERE stored = created_at);
UPDATE admins SET created_at = (SELECT fixed FROM time_forms WHERE stored = created_at);
UPDATE agents SET
    created_at = (SELECT fixed FROM time_forms WHERE stored = created_at),
    updated_at = (SELECT fixed FROM time_forms WHERE stored = updated_at);
UPDATE api_keys SET
    created_at = (SELECT fixed FROM time_forms WHERE stored = created_at),
    revoked_at = (SELECT fixed FROM time_forms WHERE stored = revoked_at);
UPDATE audit_log SET at = (SELECT fixed FROM time_forms WHERE stored = at);
UPDATE canned_replies SET created_at = (SELECT fixed FROM time_forms WHERE stored = created_at);
UPDATE contacts SET
    last_seen_at = (SELECT fixed FROM time_forms WHERE stored = last_seen_at),
    created_at = (SELECT fixed FROM time_forms WHERE stored = created_at),
    updated_at = (SELECT fixed FROM time_forms WHERE stored = updated_at);
UPDATE conversation_assignments SET assigned_at = (SELECT fixed FROM time_forms WHERE stored = assigned_at);
UPDATE conversation_notes SET created_at = (SELECT fixed FROM time_forms WHERE stored = created_at);
UPDATE conversations SET
    active_workflow_at = (SELECT fixed FROM time_forms WHERE stored = active_workflow_at),
    last_message_at = (SELECT fixed FROM time_forms WHERE stored = last_message_at),
    created_at = (SELECT fixed FROM time_forms WHERE stored = created_at),
    last_read_at = (SELECT fixed FROM time_forms WHERE stored = last_read_at),
    needs_human_at = (SELECT fixed FROM time_forms WHERE stored = needs_human_at),
    inbound_claimed_until = (SELECT fixed FROM time_forms WHERE stored = inbound_claimed_until);
UPDATE follow_ups SET created_at = (SELECT fixed FROM time_forms WHERE stored = created_at);
UPDATE invites SET created_at = (SELECT fixed FROM time_forms WHERE stored = created_at);
UPDATE messages SET
    next_attempt_at = (SELECT fixed FROM time_forms WHERE stored = next_attempt_at),
    locked_until = (SELECT fixed FROM time_forms WHERE stored = locked_until),
    created_at = (SELECT fixed FROM time_forms WHERE stored = created_at),
    updated_at = (SELECT fixed FROM time_forms WHERE stored = updated_at),
    sent_at = (SELECT fixed FROM time_forms WHERE stored = sent_at),
    draft_expires_at = (SELECT fixed FROM time_forms WHERE stored = draft_expires_at);
UPDATE notification_deliveries SET
    next_attempt_at = (SELECT fixed FROM time_forms WHERE stored = next_attempt_at),
    sent_at = (SELECT fixed FROM time_forms WHERE stored = sent_at);
UPDATE notification_events SET created_at = (SELECT fixed FROM time_forms WHERE stored = created_at);
UPDATE notification_preferences SET email_hold_until = (SELECT fixed FROM time_forms WHERE stored = email_hold_until);
UPDATE opt_outs SET opted_out_at = (SELECT fixed FROM time_forms WHERE stored = opted_out_at);
UPDATE password_resets SET created_at = (SELECT fixed FROM time_forms WHERE stored = created_at);
UPDATE records SET
    created_at = (SELECT fixed FROM time_forms WHERE stored = created_at),
    updated_at = (SELECT fixed FROM time_forms WHERE stored = updated_at);
UPDATE routing_rules SET created_at = (SELECT fixed FROM time_forms WHERE stored = created_at);
UPDATE runs SET
    created_at = (SELECT fixed FROM time_forms WHERE stored = created_at),
    updated_at = (SELECT fixed FROM time_forms WHERE stored = updated_at);
UPDATE test_suite SET updated_at = (SELECT fixed FROM time_forms WHERE stored = updated_at);
UPDATE tickets SET
    created_at = (SELECT fixed FROM time_forms WHERE stored = created_at),
    updated_at = (SELECT fixed FROM time_forms WHERE stored = updated_at),
    webhook_next_at = (SELECT fixed FROM time_forms WHERE stored = webhook_next_at);
UPDATE workflow_drafts SET updated_at = (SELECT fixed FROM time_forms WHERE stored = updated_at);
UPDATE workflow_versions SET created_at = (SELECT fixed FROM time_forms WHERE stored = created_at);
UPDATE workflows SET
    created_at = (SELECT fixed FROM time_forms WHERE stored = created_at),
    updated_at = (SELECT fixed FROM time_forms WHERE stored = updated_at);

DROP TABLE time_forms;
