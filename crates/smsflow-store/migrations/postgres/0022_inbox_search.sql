-- The inbox's search: any part of their number, the contact's name or a message's text
-- (ILIKE '%...%'), found through trigram indexes (pg_trgm, shipped with PostgreSQL and trusted:
-- the database's owner may create it) instead of a scan of every conversation and message.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX messages_body_trigrams ON messages USING gin (body gin_trgm_ops);
CREATE INDEX conversations_their_number_trigrams ON conversations USING gin (their_number gin_trgm_ops);
CREATE INDEX contacts_name_trigrams ON contacts USING gin (name gin_trgm_ops);
