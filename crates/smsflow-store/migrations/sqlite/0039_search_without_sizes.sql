-- The inbox's full-text indexes no longer keep each row's size in tokens (FTS5's `columnsize=0`):
-- only ranking by relevance (bm25) reads it, and the search sorts by last activity. Each row
-- indexed wrote one more b-tree entry for it: about 1% of the pipeline's instructions a text, 2%
-- of the webhook's (docs/benchmarks.md, session 48). FTS5 takes the option only when a table is
-- created, so the three indexes are made again, holding what they held: the rows at or below
-- their high-water marks (0036, 0038) less the contacts listed as pending (already taken out,
-- to be indexed again); the rows above wait as before. Their settings (0037) are set again.

DROP TABLE messages_search;
CREATE VIRTUAL TABLE messages_search USING fts5(body, content = 'messages', content_rowid = 'rowid',
    tokenize = 'trigram', columnsize = 0);
INSERT INTO messages_search (messages_search, rank) VALUES ('automerge', 16);
INSERT INTO messages_search (rowid, body) SELECT rowid, body FROM messages
    WHERE rowid <= (SELECT messages FROM search_indexed_up_to);

DROP TABLE conversations_search;
CREATE VIRTUAL TABLE conversations_search USING fts5(their_number, content = 'conversations',
    content_rowid = 'rowid', tokenize = 'trigram', columnsize = 0);
INSERT INTO conversations_search (conversations_search, rank) VALUES ('automerge', 16);
INSERT INTO conversations_search (rowid, their_number) SELECT rowid, their_number FROM conversations
    WHERE rowid <= (SELECT conversations FROM search_indexed_up_to);

DROP TABLE contacts_search;
CREATE VIRTUAL TABLE contacts_search USING fts5(name, content = 'contacts', content_rowid = 'rowid',
    tokenize = 'trigram', columnsize = 0);
INSERT INTO contacts_search (contacts_search, rank) VALUES ('automerge', 16);
INSERT INTO contacts_search (rowid, name) SELECT rowid, name FROM contacts
    WHERE rowid <= (SELECT contacts FROM search_indexed_up_to)
        AND rowid NOT IN (SELECT rowid FROM contacts_search_pending);
