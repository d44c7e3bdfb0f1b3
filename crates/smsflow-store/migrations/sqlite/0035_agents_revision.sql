-- Bumped in the same transaction as every change to the agents and the routing rules: the inbound
-- worker keeps the default agent and the rules between batches (`AgentStore::routing`) and reads
-- them again only when this moved, so a change made by another process is still seen.
CREATE TABLE agents_revision (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL
);
INSERT INTO agents_revision (id, revision) VALUES (1, 0);
