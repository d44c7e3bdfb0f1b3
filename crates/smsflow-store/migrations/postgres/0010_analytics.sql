-- When the gateway accepted an outbound message: the end of the agent's reply time in analytics.
ALTER TABLE messages ADD COLUMN sent_at TIMESTAMPTZ;
-- Analytics read one workflow's messages and runs over a period.
CREATE INDEX messages_workflow ON messages (workflow_id, direction, created_at);
CREATE INDEX runs_workflow ON runs (workflow_id, created_at);
