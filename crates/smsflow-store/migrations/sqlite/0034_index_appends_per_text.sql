-- Fewer index pages written per text (SQLite only; PostgreSQL's B-trees are its own matter).
--
-- A new entry at the left edge of an index splits its leftmost page in two half-full pages, where
-- an entry at the right edge fills the last page and starts a new one: conversations_recent and
-- conversations_unread were ordered newest first (0009, 0026), so every text's conversation, its
-- last_message_at the newest, went to their left edge, about 1.85 pages written per index per
-- text instead of 1.2 (a model of the pipeline's units on the real schema, 3,000 texts). Ordered
-- oldest first, the same walks read them backwards: the inbox's pages, its Unread page and a
-- search's horizon still stop after a page, with no sort (tests/query_plans.rs).
DROP INDEX conversations_recent;
CREATE INDEX conversations_recent ON conversations (last_message_at, id);
DROP INDEX conversations_unread;
CREATE INDEX conversations_unread ON conversations (last_message_at, id) WHERE unread_count > 0;
-- Every reader of messages_workflow names a workflow (the dashboard, sql_analytics.rs): an inbound
-- text has none when stored, so it no longer adds an entry only to move it when it is processed.
DROP INDEX messages_workflow;
CREATE INDEX messages_workflow ON messages (workflow_id, direction, created_at)
    WHERE workflow_id IS NOT NULL;
