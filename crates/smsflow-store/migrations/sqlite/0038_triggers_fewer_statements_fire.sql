-- Two triggers no longer belong to statements that run for every text. In a transaction, SQLite
-- keeps a journal of every page a statement changes, before changing it, when the statement fires
-- a trigger that may fail halfway (both triggers insert rows with foreign keys): recording a
-- processed text, claiming its reply and marking it sent each paid for one (measured with
-- bench/instructions.sh: 3% of the pipeline's instructions a text, docs/benchmarks.md, session 48).
--
-- 1. A failed delivery's notification (0024) fires on an update of the message's error code, not of
--    its status. Every statement that fails an outbound text names its error code (a delivery
--    report, a send given up), even when there is none; those that queue, claim, send or process
--    a text do not, and no longer fire it.
DROP TRIGGER notification_delivery_failed;
CREATE TRIGGER notification_delivery_failed AFTER UPDATE OF error_code ON messages
WHEN NEW.direction = 'outbound' AND NEW.status IN ('failed', 'undelivered')
    AND OLD.status NOT IN ('failed', 'undelivered')
BEGIN
    INSERT INTO notification_events (kind, conversation_id, message_id, created_at)
    VALUES ('delivery_failed', NEW.conversation_id, NEW.id, NEW.updated_at);
END;

-- 2. New contacts wait for the search's index above a high-water mark, as messages and
--    conversations do (0036), instead of in the pending list, which a trigger wrote at every
--    contact stored: a new number's first text. The list keeps the contacts at or below the
--    mark whose name changed (taken out of the index with their old name, to be indexed again).
INSERT INTO contacts_search (rowid, name) SELECT c.rowid, c.name
    FROM contacts_search_pending p JOIN contacts c ON c.rowid = p.rowid;
DELETE FROM contacts_search_pending;
ALTER TABLE search_indexed_up_to ADD COLUMN contacts INTEGER NOT NULL DEFAULT 0;
UPDATE search_indexed_up_to SET contacts = (SELECT COALESCE(MAX(rowid), 0) FROM contacts);

DROP TRIGGER contacts_search_insert;
DROP TRIGGER contacts_search_delete;
DROP TRIGGER contacts_search_update;
CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_search (contacts_search, rowid, name)
    SELECT 'delete', old.rowid, old.name FROM search_indexed_up_to WHERE old.rowid <= contacts
        AND NOT EXISTS (SELECT 1 FROM contacts_search_pending WHERE rowid = old.rowid);
    DELETE FROM contacts_search_pending WHERE rowid = old.rowid;
    UPDATE search_indexed_up_to SET contacts = (SELECT COALESCE(MAX(rowid), 0) FROM contacts)
    WHERE contacts > (SELECT COALESCE(MAX(rowid), 0) FROM contacts);
END;
CREATE TRIGGER contacts_search_update AFTER UPDATE OF name ON contacts
WHEN old.name IS NOT new.name
    AND old.rowid <= (SELECT contacts FROM search_indexed_up_to)
    AND NOT EXISTS (SELECT 1 FROM contacts_search_pending WHERE rowid = new.rowid) BEGIN
    INSERT INTO contacts_search (contacts_search, rowid, name) VALUES ('delete', old.rowid, old.name);
    INSERT INTO contacts_search_pending (rowid) VALUES (new.rowid);
END;
