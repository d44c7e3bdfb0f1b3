//! SQL for the inbox's search and unread count. The search differs per database: SQLite matches
//! FTS5 trigram indexes, PostgreSQL uses ILIKE on pg_trgm indexes (migration 0022); both find the
//! conversations whose number, contact name or any message contains the text.

use async_trait::async_trait;

use crate::StoreError;
use crate::inbox::{InboxStore, SearchText};
use crate::sql::{PostgresStore, SqliteStore, like_pattern};

impl SqliteStore {
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
    /// Narrows a conversation listing (`c`) to those matching `text`.
    pub(crate) fn push_search(select: &mut sqlx::QueryBuilder<sqlx::Postgres>, text: &SearchText) {
        let pattern = like_pattern(text.as_str());
        select
            .push(" AND c.id IN (SELECT m.conversation_id FROM messages m WHERE m.body ILIKE ")
            .push_bind(pattern.clone())
            .push(" UNION SELECT k.id FROM conversations k WHERE k.their_number ILIKE ")
            .push_bind(pattern.clone())
            .push(
                " UNION SELECT n.id FROM contacts p JOIN conversations n ON n.their_number = p.number \
                 WHERE p.name ILIKE ",
            )
            .push_bind(pattern)
            .push(")");
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
