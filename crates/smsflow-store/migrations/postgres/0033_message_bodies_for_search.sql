-- The inbox's search reads message texts from an insert-only copy of them, message_bodies, where
-- their trigrams are indexed once per message. In messages, the trigram index (0022) took an
-- entry for every trigram of the text at every version of its row, and a text's rows change
-- status five times (stored, processed; reply queued, claimed, sent), none of them a HOT update
-- (the status is in the queues' partial indexes): in a burst two thirds of the WAL a text wrote
-- were its bodies' trigrams (8.2 kB per text, 2.9 kB without that index; docs/benchmarks.md,
-- session 13, pg9). Triggers keep the copy exact whatever statement writes messages: one insert
-- per inserting statement, and a row's copy changed only when its text or conversation changes
-- (an edited draft) or the message is deleted. Keyed by conversation first: a search tests a
-- conversation's texts by this key.
CREATE TABLE message_bodies (
    conversation_id UUID NOT NULL,
    message_id      UUID NOT NULL,
    body            TEXT NOT NULL,
    PRIMARY KEY (conversation_id, message_id)
);
INSERT INTO message_bodies (conversation_id, message_id, body)
    SELECT conversation_id, id, body FROM messages;
CREATE INDEX message_bodies_trigrams ON message_bodies USING gin (body gin_trgm_ops);
DROP INDEX messages_body_trigrams;

CREATE FUNCTION message_bodies_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_bodies (conversation_id, message_id, body)
        SELECT conversation_id, id, body FROM inserted;
    RETURN NULL;
END $$;
CREATE TRIGGER message_bodies_insert AFTER INSERT ON messages
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION message_bodies_insert();

CREATE FUNCTION message_bodies_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE message_bodies SET conversation_id = NEW.conversation_id, body = NEW.body
        WHERE conversation_id = OLD.conversation_id AND message_id = OLD.id;
    RETURN NULL;
END $$;
CREATE TRIGGER message_bodies_update AFTER UPDATE OF body, conversation_id ON messages
    FOR EACH ROW
    WHEN (OLD.body IS DISTINCT FROM NEW.body OR OLD.conversation_id IS DISTINCT FROM NEW.conversation_id)
    EXECUTE FUNCTION message_bodies_update();

CREATE FUNCTION message_bodies_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM message_bodies WHERE conversation_id = OLD.conversation_id AND message_id = OLD.id;
    RETURN NULL;
END $$;
CREATE TRIGGER message_bodies_delete AFTER DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION message_bodies_delete();
