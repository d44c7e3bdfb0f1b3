-- How a workflow matches by meaning (a JSON object: sensitivity, and the goal's built-in keywords
-- and examples it turns off). Existing workflows keep the defaults: balanced, nothing turned off.
ALTER TABLE workflows ADD COLUMN matching JSONB NOT NULL DEFAULT '{}'::jsonb;
