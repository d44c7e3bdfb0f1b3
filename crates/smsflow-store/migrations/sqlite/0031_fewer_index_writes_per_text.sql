-- Fewer index entries written per text, as PostgreSQL's 0029 and 0030: every index of messages
-- gets an entry at each insert and a changed one whenever its columns change, and each such page
-- is one more WAL frame at the commit (the writer thread's commits were 12% of the pipeline's
-- CPU, docs/benchmarks.md).
--
-- A gateway's id is looked up only for outbound messages (status callbacks, `direction =
-- 'outbound'`); inbound retries use messages_inbound_provider_id. Indexed only once a message has
-- one (marked sent), the inbound text and its reply no longer each add an entry when stored.
DROP INDEX messages_provider_id;
CREATE INDEX messages_outbound_provider_id ON messages (channel, provider_id)
    WHERE direction = 'outbound' AND provider_id IS NOT NULL;
-- Nothing reads messages by status and next attempt alone: the queues walk their own partial
-- indexes (messages_outbound_queue, messages_pending_inbound, messages_drafts), and the totals
-- count every row. Each status change (five per text) moved an entry here for nothing.
DROP INDEX messages_pending;
