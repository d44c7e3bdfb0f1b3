-- The inbox lists conversations newest activity first, then highest id (the order its pages and
-- its search's walk follow): the index holds them in exactly that order, so a page reads its rows
-- and stops, with no sort of the ties (PostgreSQL planned an incremental sort over every row).
DROP INDEX conversations_recent;
CREATE INDEX conversations_recent ON conversations (last_message_at DESC, id DESC);
