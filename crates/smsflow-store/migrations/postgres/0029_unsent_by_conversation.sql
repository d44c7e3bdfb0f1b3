-- The outbound claim skips a reply while an earlier one of its conversation is still unsent
-- (queued or sending): for each candidate, a lookup of its conversation's unsent replies here
-- (the claim keeps the check a lookup per candidate, `outbound_claim_sql`). Through
-- messages_outbound_queue or messages_conversation the planner could walk every unsent reply
-- per candidate when its statistics said the queue was small: 170-850 ms per claim with 100,000
-- replies queued (crates/smsflow-store/tests/query_plans.rs).
-- (`attempts >= 0` holds for every message: the claim's lookup states it and its walk does not,
-- so the walk cannot read this index whole and sort it instead of walking the queue's index.)
CREATE INDEX messages_unsent ON messages (conversation_id, id)
    WHERE direction = 'outbound' AND status IN ('queued', 'sending') AND attempts >= 0;
-- Nothing reads messages by status and next attempt alone: the queues walk their own partial
-- indexes (messages_outbound_queue, messages_pending_inbound, messages_drafts), and the totals
-- count every row. Each status change (five per text) added an entry here for nothing.
DROP INDEX messages_pending;
