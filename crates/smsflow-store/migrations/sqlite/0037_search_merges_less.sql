-- The inbox's full-text indexes merge their segments less often. Each indexing of the rows waiting
-- for search (0028, 0036) writes one segment per index, and FTS5 merged the segments of a level as
-- soon as there were 4 (its default `automerge`): every trigram of a text was written again at
-- each level it climbed. With up to 16 segments a level, a text's trigrams are rewritten about
-- half as often, and a search reads a few more segments: measured on 60,000 texts and their
-- replies indexed 800 at a time, indexing cost 6.2 µs a row against 9.7, a search 0.35 ms against
-- 0.30 (docs/benchmarks.md, session 47). The setting is kept in each index's configuration.

INSERT INTO messages_search (messages_search, rank) VALUES ('automerge', 16);
INSERT INTO conversations_search (conversations_search, rank) VALUES ('automerge', 16);
INSERT INTO contacts_search (contacts_search, rank) VALUES ('automerge', 16);
