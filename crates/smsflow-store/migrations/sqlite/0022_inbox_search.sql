-- The inbox's search: any part of their number, the contact's name or a message's text, found
-- through trigram full-text indexes (FTS5's trigram tokenizer matches substrings of 3 characters
-- or more, case-insensitively) instead of a scan of every conversation and message. Each index
-- reads its text from the table it covers (external content, by rowid); triggers keep it current.
CREATE VIRTUAL TABLE messages_search USING fts5(body, content = 'messages', content_rowid = 'rowid', tokenize = 'trigram');
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_search (rowid, body) VALUES (new.rowid, new.body);
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_search (messages_search, rowid, body) VALUES ('delete', old.rowid, old.body);
END;
CREATE TRIGGER messages_search_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_search (messages_search, rowid, body) VALUES ('delete', old.rowid, old.body);
    INSERT INTO messages_search (rowid, body) VALUES (new.rowid, new.body);
END;
INSERT INTO messages_search (messages_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE conversations_search USING fts5(their_number, content = 'conversations', content_rowid = 'rowid', tokenize = 'trigram');
CREATE TRIGGER conversations_search_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversations_search (rowid, their_number) VALUES (new.rowid, new.their_number);
END;
CREATE TRIGGER conversations_search_delete AFTER DELETE ON conversations BEGIN
    INSERT INTO conversations_search (conversations_search, rowid, their_number) VALUES ('delete', old.rowid, old.their_number);
END;
CREATE TRIGGER conversations_search_update AFTER UPDATE OF their_number ON conversations BEGIN
    INSERT INTO conversations_search (conversations_search, rowid, their_number) VALUES ('delete', old.rowid, old.their_number);
    INSERT INTO conversations_search (rowid, their_number) VALUES (new.rowid, new.their_number);
END;
INSERT INTO conversations_search (conversations_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE contacts_search USING fts5(name, content = 'contacts', content_rowid = 'rowid', tokenize = 'trigram');
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_search (rowid, name) VALUES (new.rowid, new.name);
END;
CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_search (contacts_search, rowid, name) VALUES ('delete', old.rowid, old.name);
END;
-- Only when the name changes: contacts are updated on every text (last_seen_at).
CREATE TRIGGER contacts_search_update AFTER UPDATE OF name ON contacts WHEN old.name IS NOT new.name BEGIN
    INSERT INTO contacts_search (contacts_search, rowid, name) VALUES ('delete', old.rowid, old.name);
    INSERT INTO contacts_search (rowid, name) VALUES (new.rowid, new.name);
END;
INSERT INTO contacts_search (contacts_search) VALUES ('rebuild');
