//! SQL for the inbox's search and unread count. The search differs per database: SQLite matches
//! FTS5 trigram indexes, PostgreSQL uses ILIKE on pg_trgm indexes (migration 0022; the texts'
//! index is on message_bodies, their insert-only copy, since 0033); both find the conversations
//! whose number, contact name or any message contains the text.
//!
//! A search's page costs about the same whatever the number of matches. First the matches are
//! counted, up to [`GATHER_AT_MOST`]: when there are no more, they are all collected from the
//! indexes and sorted by last activity (few). When there are more, the word is common, and the
//! newest conversations are walked in the list's order (at most [`RECENT_WALK`] of them, from
//! the page's position on), each tested, stopping at a page and one more: a word in one
//! conversation in twenty fills the page within the first few hundred. Only when the walk does
//! not fill the page (many matches, all in older conversations) are all of them collected.

use async_trait::async_trait;

use crate::StoreError;
use crate::conversations::ConversationCursor;
use crate::inbox::{InboxStore, SearchText};
use crate::sql::{PostgresStore, SqliteStore, like_pattern};
use crate::sqlite_writer::{Upkeep, execute};
use crate::stored_time::StoredTime;

/// A search with at most this many matching messages, numbers and names sorts all of them.
pub(crate) const GATHER_AT_MOST: i64 = 1_000;
/// How many of the newest conversations a search for a common text tests at most.
pub(crate) const RECENT_WALK: i64 = 2_000;

/// How a conversation listing narrows itself to a search.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SearchPass<'a> {
    /// Tests the conversations in the list's order, down to `horizon` (the last one the walk may
    /// test; `None` when fewer than [`RECENT_WALK`] are listed), one by one.
    Recent {
        text: &'a SearchText,
        horizon: Option<&'a ConversationCursor>,
    },
    /// Collects every match from the indexes, then sorts them.
    Everywhere(&'a SearchText),
}

/// Keeps a listing (`c`) to the conversations at or before `horizon` in its order (newest
/// activity first, then highest id).
pub(crate) fn push_horizon<DB: sqlx::Database>(
    select: &mut sqlx::QueryBuilder<DB>,
    horizon: &ConversationCursor,
) where
    StoredTime: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    uuid::Uuid: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    // The first condition alone is what an index range can use; the second settles the ties.
    select
        .push(" AND c.last_message_at >= ")
        .push_bind(StoredTime(horizon.last_message_at))
        .push(" AND (c.last_message_at > ")
        .push_bind(StoredTime(horizon.last_message_at))
        .push(" OR c.id >= ")
        .push_bind(horizon.id)
        .push(")");
}

/// Units of work between two indexings of the rows waiting for search (migrations 0028, 0036):
/// each indexing writes one segment per full-text index for all of them, where a row at a time
/// wrote one per row. The more rows a segment holds, the fewer times FTS5 merges them (migration
/// 0037): a row cost 9.7 µs at 800 rows a segment, 12.5 µs at 200 (docs/benchmarks.md,
/// session 47); an inbox search first indexes what is waiting, about 10 ms for this many units.
pub(crate) const INDEX_PENDING_EVERY: usize = 1024;

/// Indexes the rows waiting for the inbox's search: the messages, conversations and contacts above
/// their high-water marks (then raised to the highest rowid; left as they are when nothing was
/// waiting, as before every search of a quiet inbox, so that its row is not written again) and the
/// contacts listed as pending (renamed at or below their mark, migration 0038). One statement at a
/// time, each prepared once and kept by the connection (a batch of them would be compiled again at
/// every indexing).
const INDEX_PENDING_SEARCH: [&str; 6] = [
    "INSERT INTO messages_search (rowid, body) SELECT rowid, body FROM messages \
        WHERE rowid > (SELECT messages FROM search_indexed_up_to)",
    "INSERT INTO conversations_search (rowid, their_number) SELECT rowid, their_number FROM conversations \
        WHERE rowid > (SELECT conversations FROM search_indexed_up_to)",
    "INSERT INTO contacts_search (rowid, name) SELECT rowid, name FROM contacts \
        WHERE rowid > (SELECT contacts FROM search_indexed_up_to)",
    "UPDATE search_indexed_up_to SET \
        messages = (SELECT COALESCE(MAX(rowid), 0) FROM messages), \
        conversations = (SELECT COALESCE(MAX(rowid), 0) FROM conversations), \
        contacts = (SELECT COALESCE(MAX(rowid), 0) FROM contacts) \
        WHERE messages < (SELECT COALESCE(MAX(rowid), 0) FROM messages) \
            OR conversations < (SELECT COALESCE(MAX(rowid), 0) FROM conversations) \
            OR contacts < (SELECT COALESCE(MAX(rowid), 0) FROM contacts)",
    "INSERT INTO contacts_search (rowid, name) SELECT c.rowid, c.name \
        FROM contacts_search_pending p JOIN contacts c ON c.rowid = p.rowid",
    "DELETE FROM contacts_search_pending",
];

/// The writer's upkeep: the pending rows indexed every [`INDEX_PENDING_EVERY`] units.
pub(crate) const SEARCH_UPKEEP: Upkeep = Upkeep {
    every: INDEX_PENDING_EVERY,
    work: index_pending_search,
};

fn index_pending_search(db: &rusqlite::Connection) -> Result<(), StoreError> {
    for statement in INDEX_PENDING_SEARCH {
        execute(db, statement, &[])?;
    }
    Ok(())
}

impl SqliteStore {
    /// Indexes the rows still pending (on the writer thread, committed before it answers), so
    /// that a search finds everything stored before it.
    pub(crate) async fn index_pending_search(&self) -> Result<(), StoreError> {
        self.writer.run(index_pending_search).await
    }

    /// Narrows a listing (`c`) to the conversations matching `text`, tested one at a time: their
    /// number, their messages (by conversation) and their contact's name. An ASCII text is looked
    /// for with LIKE, which folds ASCII case as the trigram indexes do (only a character such as
    /// the Kelvin sign, which folds to an ASCII letter, could tell them apart); any other text by
    /// membership in the full-text indexes' matches, which SQLite reads whole once per statement.
    pub(crate) fn push_search_test(
        select: &mut sqlx::QueryBuilder<sqlx::Sqlite>,
        text: &SearchText,
    ) {
        let pattern = like_pattern(text.as_str());
        select
            .push(" AND (c.their_number LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\'");
        if text.as_str().is_ascii() {
            select
                .push(" OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.body LIKE ")
                .push_bind(pattern.clone())
                .push(
                    " ESCAPE '\\') OR EXISTS (SELECT 1 FROM contacts p WHERE p.number = c.their_number \
                     AND p.name LIKE ",
                )
                .push_bind(pattern)
                .push(" ESCAPE '\\'))");
        } else {
            let phrase = text.fts5_phrase();
            select
                .push(
                    " OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.rowid IN \
                     (SELECT rowid FROM messages_search WHERE messages_search MATCH ",
                )
                .push_bind(phrase.clone())
                .push(
                    ")) OR EXISTS (SELECT 1 FROM contacts p WHERE p.number = c.their_number AND p.rowid IN \
                     (SELECT rowid FROM contacts_search WHERE contacts_search MATCH ",
                )
                .push_bind(phrase)
                .push(")))");
        }
    }

    /// Counts the messages, numbers and names matching `text`, each up to [`GATHER_AT_MOST`] + 1
    /// (the full-text indexes stop there).
    pub(crate) fn search_matches_statement(text: &SearchText) -> sqlx::QueryBuilder<sqlx::Sqlite> {
        let phrase = text.fts5_phrase();
        let mut count = sqlx::QueryBuilder::new("SELECT 0");
        for index in ["messages_search", "conversations_search", "contacts_search"] {
            count
                .push(format!(
                    " + (SELECT COUNT(*) FROM (SELECT 1 FROM {index} WHERE {index} MATCH "
                ))
                .push_bind(phrase.clone())
                .push(" LIMIT ")
                .push_bind(GATHER_AT_MOST + 1)
                .push("))");
        }
        count
    }

    /// Narrows a conversation listing (`c`) to those matching `text`.
    pub(crate) fn push_search(select: &mut sqlx::QueryBuilder<sqlx::Sqlite>, text: &SearchText) {
        let phrase = text.fts5_phrase();
        select
            .push(
                " AND c.id IN (SELECT m.conversation_id FROM messages m WHERE m.rowid IN \
                 (SELECT rowid FROM messages_search WHERE messages_search MATCH ",
            )
            .push_bind(phrase.clone())
            .push(
                ") UNION SELECT k.id FROM conversations k WHERE k.rowid IN \
                 (SELECT rowid FROM conversations_search WHERE conversations_search MATCH ",
            )
            .push_bind(phrase.clone())
            .push(
                ") UNION SELECT n.id FROM contacts p JOIN conversations n ON n.their_number = p.number \
                 WHERE p.rowid IN (SELECT rowid FROM contacts_search WHERE contacts_search MATCH ",
            )
            .push_bind(phrase)
            .push("))");
    }
}

impl PostgresStore {
    /// PostgreSQL's indexes are current at every commit: nothing is pending.
    pub(crate) async fn index_pending_search(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Narrows a listing (`c`) to the conversations matching `text`, tested one at a time: each
    /// conversation's texts (message_bodies, by its key) and contact read by their indexes.
    /// (`OFFSET 0` keeps PostgreSQL from turning a test into a hash of every match, which costs
    /// as many rows as there are matches when a page needs a few hundred tests.)
    pub(crate) fn push_search_test(
        select: &mut sqlx::QueryBuilder<sqlx::Postgres>,
        text: &SearchText,
    ) {
        let pattern = like_pattern(text.as_str());
        select
            .push(" AND (c.their_number ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR EXISTS (SELECT 1 FROM message_bodies m WHERE m.conversation_id = c.id AND m.body ILIKE ")
            .push_bind(pattern.clone())
            .push(" OFFSET 0) OR EXISTS (SELECT 1 FROM contacts p WHERE p.number = c.their_number AND p.name ILIKE ")
            .push_bind(pattern)
            .push(" OFFSET 0))");
    }

    /// Counts the messages, numbers and names matching `text`, each up to [`GATHER_AT_MOST`] + 1
    /// (the rows are read from the trigram indexes' matches and stop there).
    pub(crate) fn search_matches_statement(
        text: &SearchText,
    ) -> sqlx::QueryBuilder<sqlx::Postgres> {
        let pattern = like_pattern(text.as_str());
        let mut count = sqlx::QueryBuilder::new("SELECT 0::bigint");
        for (table, column) in [
            ("message_bodies", "body"),
            ("conversations", "their_number"),
            ("contacts", "name"),
        ] {
            count
                .push(format!(
                    " + (SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {column} ILIKE "
                ))
                .push_bind(pattern.clone())
                .push(" LIMIT ")
                .push_bind(GATHER_AT_MOST + 1)
                .push(") AS matches)");
        }
        count
    }

    /// Narrows a conversation listing (`c`) to those matching `text`. The matches' ids are
    /// gathered into an array first, so the listing reads each by its key: as `c.id IN (...)`,
    /// PostgreSQL joined them, and when its statistics guessed a pattern matches hundreds (it
    /// cannot tell), it hashed them and scanned every conversation.
    pub(crate) fn push_search(select: &mut sqlx::QueryBuilder<sqlx::Postgres>, text: &SearchText) {
        let pattern = like_pattern(text.as_str());
        select
            .push(" AND c.id = ANY(ARRAY(SELECT m.conversation_id FROM message_bodies m WHERE m.body ILIKE ")
            .push_bind(pattern.clone())
            .push(" UNION SELECT k.id FROM conversations k WHERE k.their_number ILIKE ")
            .push_bind(pattern.clone())
            .push(
                " UNION SELECT n.id FROM contacts p JOIN conversations n ON n.their_number = p.number \
                 WHERE p.name ILIKE ",
            )
            .push_bind(pattern)
            .push("))");
    }
}

macro_rules! impl_inbox_store {
    ($store:ty) => {
        #[async_trait]
        impl InboxStore for $store {
            async fn unread_conversations(&self) -> Result<i64, StoreError> {
                // Walks the partial index conversations_unread (migration 0009).
                let (count,): (i64,) =
                    sqlx::query_as("SELECT COUNT(*) FROM conversations WHERE unread_count > 0")
                        .fetch_one(&self.read)
                        .await?;
                Ok(count)
            }
        }
    };
}

impl_inbox_store!(SqliteStore);
impl_inbox_store!(PostgresStore);
