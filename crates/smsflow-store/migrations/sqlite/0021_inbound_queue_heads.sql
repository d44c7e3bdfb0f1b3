-- Each conversation names the one inbound message that may be claimed next (its earliest one not
-- yet processed) and holds the claim's lease, as on PostgreSQL (see its 0021): claiming walks
-- conversations_inbound_queue in order and stops after the batch, and the lease on the
-- conversation keeps its later messages unclaimable while the earlier one is in flight.
ALTER TABLE conversations ADD COLUMN pending_inbound_id BLOB;
ALTER TABLE conversations ADD COLUMN inbound_claimed_until TEXT;

-- A conversation's pending inbound messages in order: finding the next one when one is processed.
CREATE INDEX messages_pending_inbound ON messages (conversation_id, id)
    WHERE direction = 'inbound' AND status = 'received';
-- Replaced by the two indexes here: nothing else reads inbound messages by status.
DROP INDEX messages_inbound_queue;

UPDATE conversations SET pending_inbound_id = (
    SELECT m.id FROM messages m
    WHERE m.conversation_id = conversations.id AND m.direction = 'inbound' AND m.status = 'received'
    ORDER BY m.id LIMIT 1
);

CREATE INDEX conversations_inbound_queue ON conversations (pending_inbound_id)
    WHERE pending_inbound_id IS NOT NULL;
