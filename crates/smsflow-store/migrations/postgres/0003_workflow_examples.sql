-- Example messages of a workflow (a JSON list of strings), matched by meaning when the embedding
-- model is installed. Existing workflows have none.
ALTER TABLE workflows ADD COLUMN examples JSONB NOT NULL DEFAULT '[]'::jsonb;
