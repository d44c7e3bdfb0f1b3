-- A processed text's explanation (about 2 kB of JSON: the routing decision and every candidate's
-- reason) makes its row large enough to be compressed as it is written. With lz4 instead of
-- pglz, PostgreSQL spends about a tenth less CPU a text through the whole pipeline
-- (docs/benchmarks.md, session 41), for a slightly larger value. Explanations written before keep
-- pglz and read as before. A server built without lz4 (or older than PostgreSQL 14) keeps pglz:
-- the change is a speed-up, not something the schema depends on.
DO $$
BEGIN
    -- A string, so that a server older than 14 fails here, where the error is caught.
    EXECUTE 'ALTER TABLE messages ALTER COLUMN explanation SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    RAISE NOTICE 'explanations stay compressed with pglz: %', SQLERRM;
END $$;
