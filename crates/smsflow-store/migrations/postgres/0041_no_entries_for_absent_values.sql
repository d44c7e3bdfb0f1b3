-- Two indexes no longer hold entries no query can find (docs/benchmarks.md, session 53).
--
-- Every reader of messages_workflow names a workflow (the dashboard, sql_analytics.rs): an inbound
-- text has none when stored, so it no longer adds an entry only to move it when it is processed
-- (SQLite's did the same in 0034).
DROP INDEX messages_workflow;
CREATE INDEX messages_workflow ON messages (workflow_id, direction, created_at)
    WHERE workflow_id IS NOT NULL;
-- The inbox's search by name reads contacts_name_trigrams with ILIKE, which no NULL matches; a
-- contact is stored without a name when a new number first texts, and each such row added an
-- entry for NULL to the trigram index's pending list. ILIKE is strict, so the planner proves the
-- condition from the search's own test and still reads the index.
DROP INDEX contacts_name_trigrams;
CREATE INDEX contacts_name_trigrams ON contacts USING gin (name gin_trgm_ops) WHERE name IS NOT NULL;
