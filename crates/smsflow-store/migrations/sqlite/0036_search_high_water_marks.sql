-- Messages and conversations wait for the inbox's full-text indexes (0028) above a high-water mark
-- instead of in a list: every row above the mark is waiting, every row at or below it is indexed.
-- Their rows are only ever appended (a new rowid is the highest + 1), so the mark says what the
-- lists said without a list entry written at every insert: each commit storing webhooks' texts
-- wrote a page of each list, two of the 14 b-trees it touches (bench/side_by_side.sh WAL_PAGES=1,
-- docs/benchmarks.md). Contacts keep their list: their names change after they are stored.
--
-- A row at or below the mark is taken out of its index when deleted, and indexed again when its
-- text changes. When the rows at the top are deleted, the mark comes down to the highest left, so
-- that the next row, which takes the highest rowid + 1, is above it.

INSERT INTO messages_search (rowid, body) SELECT m.rowid, m.body
    FROM messages_search_pending p JOIN messages m ON m.rowid = p.rowid;
INSERT INTO conversations_search (rowid, their_number) SELECT c.rowid, c.their_number
    FROM conversations_search_pending p JOIN conversations c ON c.rowid = p.rowid;
DROP TRIGGER messages_search_insert;
DROP TRIGGER messages_search_delete;
DROP TRIGGER messages_search_update;
DROP TABLE messages_search_pending;
DROP TRIGGER conversations_search_insert;
DROP TRIGGER conversations_search_delete;
DROP TRIGGER conversations_search_update;
DROP TABLE conversations_search_pending;

CREATE TABLE search_indexed_up_to (
    only_row      INTEGER PRIMARY KEY CHECK (only_row = 1),
    messages      INTEGER NOT NULL,
    conversations INTEGER NOT NULL
);
INSERT INTO search_indexed_up_to (only_row, messages, conversations) VALUES (
    1,
    (SELECT COALESCE(MAX(rowid), 0) FROM messages),
    (SELECT COALESCE(MAX(rowid), 0) FROM conversations)
);

CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_search (messages_search, rowid, body)
    SELECT 'delete', old.rowid, old.body FROM search_indexed_up_to WHERE old.rowid <= messages;
    UPDATE search_indexed_up_to SET messages = (SELECT COALESCE(MAX(rowid), 0) FROM messages)
    WHERE messages > (SELECT COALESCE(MAX(rowid), 0) FROM messages);
END;
CREATE TRIGGER messages_search_update AFTER UPDATE OF body ON messages
WHEN old.body IS NOT new.body AND old.rowid <= (SELECT messages FROM search_indexed_up_to) BEGIN
    INSERT INTO messages_search (messages_search, rowid, body) VALUES ('delete', old.rowid, old.body);
    INSERT INTO messages_search (rowid, body) VALUES (new.rowid, new.body);
END;

CREATE TRIGGER conversations_search_delete AFTER DELETE ON conversations BEGIN
    INSERT INTO conversations_search (conversations_search, rowid, their_number)
    SELECT 'delete', old.rowid, old.their_number FROM search_indexed_up_to WHERE old.rowid <= conversations;
    UPDATE search_indexed_up_to SET conversations = (SELECT COALESCE(MAX(rowid), 0) FROM conversations)
    WHERE conversations > (SELECT COALESCE(MAX(rowid), 0) FROM conversations);
END;
CREATE TRIGGER conversations_search_update AFTER UPDATE OF their_number ON conversations
WHEN old.their_number IS NOT new.their_number
    AND old.rowid <= (SELECT conversations FROM search_indexed_up_to) BEGIN
    INSERT INTO conversations_search (conversations_search, rowid, their_number)
    VALUES ('delete', old.rowid, old.their_number);
    INSERT INTO conversations_search (rowid, their_number) VALUES (new.rowid, new.their_number);
END;
