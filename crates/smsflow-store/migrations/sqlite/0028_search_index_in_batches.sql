-- The inbox's full-text indexes (0022) are fed in batches instead of row by row. FTS5 writes what
-- a transaction added as a new segment of its index at every commit and every savepoint (each
-- statement with triggers opens one), and merges the segments again later: with an index entry
-- per insert, every text cost a segment in each of three indexes (measured: about a third of the
-- webhook's CPU per text on SQLite, docs/benchmarks.md). A new or changed row is now only listed
-- as pending; the writer thread indexes the pending rows of all three tables every few hundred
-- units of work, and before every inbox search (`SqliteStore::index_pending_search`), so a
-- search still finds every text at once.
--
-- A pending row is not in its index yet: deleting it or changing its text only updates the list;
-- an indexed row is taken out of its index (with the values it was indexed with) and, when
-- changed, listed again.

DROP TRIGGER messages_search_insert;
DROP TRIGGER messages_search_delete;
DROP TRIGGER messages_search_update;
CREATE TABLE messages_search_pending (rowid INTEGER PRIMARY KEY);
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
    INSERT OR IGNORE INTO messages_search_pending (rowid) VALUES (new.rowid);
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_search (messages_search, rowid, body) SELECT 'delete', old.rowid, old.body
    WHERE NOT EXISTS (SELECT 1 FROM messages_search_pending WHERE rowid = old.rowid);
    DELETE FROM messages_search_pending WHERE rowid = old.rowid;
END;
CREATE TRIGGER messages_search_update AFTER UPDATE OF body ON messages
WHEN NOT EXISTS (SELECT 1 FROM messages_search_pending WHERE rowid = new.rowid) BEGIN
    INSERT INTO messages_search (messages_search, rowid, body) VALUES ('delete', old.rowid, old.body);
    INSERT INTO messages_search_pending (rowid) VALUES (new.rowid);
END;

DROP TRIGGER conversations_search_insert;
DROP TRIGGER conversations_search_delete;
DROP TRIGGER conversations_search_update;
CREATE TABLE conversations_search_pending (rowid INTEGER PRIMARY KEY);
CREATE TRIGGER conversations_search_insert AFTER INSERT ON conversations BEGIN
    INSERT OR IGNORE INTO conversations_search_pending (rowid) VALUES (new.rowid);
END;
CREATE TRIGGER conversations_search_delete AFTER DELETE ON conversations BEGIN
    INSERT INTO conversations_search (conversations_search, rowid, their_number)
    SELECT 'delete', old.rowid, old.their_number
    WHERE NOT EXISTS (SELECT 1 FROM conversations_search_pending WHERE rowid = old.rowid);
    DELETE FROM conversations_search_pending WHERE rowid = old.rowid;
END;
CREATE TRIGGER conversations_search_update AFTER UPDATE OF their_number ON conversations
WHEN NOT EXISTS (SELECT 1 FROM conversations_search_pending WHERE rowid = new.rowid) BEGIN
    INSERT INTO conversations_search (conversations_search, rowid, their_number)
    VALUES ('delete', old.rowid, old.their_number);
    INSERT INTO conversations_search_pending (rowid) VALUES (new.rowid);
END;

DROP TRIGGER contacts_search_insert;
DROP TRIGGER contacts_search_delete;
DROP TRIGGER contacts_search_update;
CREATE TABLE contacts_search_pending (rowid INTEGER PRIMARY KEY);
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT OR IGNORE INTO contacts_search_pending (rowid) VALUES (new.rowid);
END;
CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_search (contacts_search, rowid, name) SELECT 'delete', old.rowid, old.name
    WHERE NOT EXISTS (SELECT 1 FROM contacts_search_pending WHERE rowid = old.rowid);
    DELETE FROM contacts_search_pending WHERE rowid = old.rowid;
END;
-- Only when the name changes: contacts are updated on every text (last_seen_at).
CREATE TRIGGER contacts_search_update AFTER UPDATE OF name ON contacts
WHEN old.name IS NOT new.name
    AND NOT EXISTS (SELECT 1 FROM contacts_search_pending WHERE rowid = new.rowid) BEGIN
    INSERT INTO contacts_search (contacts_search, rowid, name) VALUES ('delete', old.rowid, old.name);
    INSERT INTO contacts_search_pending (rowid) VALUES (new.rowid);
END;
