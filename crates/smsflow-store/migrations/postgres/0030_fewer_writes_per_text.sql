-- An inbound claim counts its attempt on the conversation's lease, which the claim writes anyway,
-- instead of on the message: one message row version fewer per text. On PostgreSQL that version
-- was rarely a HOT update (13% in a burst: the page was full), so each added an entry to every
-- index of messages, the body's trigrams among them. The count is of the conversation's pending
-- message (pending_inbound_id): the claim returns it as the message's attempts, recording the
-- message processed writes it into the message, and the conversation's count starts again at 0
-- for its next pending message. No index holds it, so the claim's update can stay HOT.
ALTER TABLE conversations ADD COLUMN inbound_attempts BIGINT NOT NULL DEFAULT 0;

-- A message claimed before the upgrade keeps its count.
UPDATE conversations SET inbound_attempts = m.attempts
FROM messages m
WHERE m.id = conversations.pending_inbound_id AND m.attempts > 0;

-- A gateway's id is looked up only for outbound messages (status callbacks, `direction =
-- 'outbound'`); inbound retries use messages_inbound_provider_id. Indexed only once a message has
-- one (marked sent), the other versions of a text's rows (inbound stored and processed, reply
-- queued and claimed) no longer each add an entry here.
DROP INDEX messages_provider_id;
CREATE INDEX messages_outbound_provider_id ON messages (channel, provider_id)
    WHERE direction = 'outbound' AND provider_id IS NOT NULL;
