-- An inbound claim counts its attempt on the conversation's lease, which the claim writes anyway,
-- instead of on the message: one message row version fewer per text (the PostgreSQL migration of
-- the same number says why it matters most there; the statements are shared). The count is of the
-- conversation's pending message (pending_inbound_id): the claim returns it as the message's
-- attempts, recording the message processed writes it into the message, and the conversation's
-- count starts again at 0 for its next pending message.
ALTER TABLE conversations ADD COLUMN inbound_attempts INTEGER NOT NULL DEFAULT 0;

-- A message claimed before the upgrade keeps its count.
UPDATE conversations SET inbound_attempts = (
    SELECT m.attempts FROM messages m WHERE m.id = conversations.pending_inbound_id
) WHERE pending_inbound_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM messages m WHERE m.id = conversations.pending_inbound_id AND m.attempts > 0);
