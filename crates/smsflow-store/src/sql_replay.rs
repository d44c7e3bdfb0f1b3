//! SQL for reading stored inbound texts back for a replay, for both databases (see `sql.rs`).

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::replay::{ReplayStore, StoredText, TextCursor};
use crate::sql::{PostgresStore, SqliteStore};
use crate::stored_time::StoredTime;

#[derive(sqlx::FromRow)]
struct TextRow {
    id: Uuid,
    conversation_id: Uuid,
    their_number: String,
    body: String,
    created_at: OffsetDateTime,
    workflow_id: Option<Uuid>,
}

macro_rules! impl_replay_store {
    ($store:ty) => {
        #[async_trait]
        impl ReplayStore for $store {
            async fn inbound_texts(
                &self,
                since: OffsetDateTime,
                conversation: Option<Uuid>,
                after: Option<TextCursor>,
                limit: u32,
            ) -> Result<Vec<StoredText>, StoreError> {
                let rows = sqlx::query_as::<_, TextRow>(
                    "SELECT m.id, m.conversation_id, c.their_number, m.body, m.created_at, m.workflow_id \
                     FROM messages m JOIN conversations c ON c.id = m.conversation_id \
                     WHERE m.direction = 'inbound' AND m.created_at >= $1 \
                     AND ($2 IS NULL OR m.conversation_id = $2) \
                     AND ($3 IS NULL OR m.created_at > $3 OR (m.created_at = $3 AND m.id > $4)) \
                     ORDER BY m.created_at, m.id LIMIT $5",
                )
                .bind(StoredTime(since))
                .bind(conversation)
                .bind(after.map(|(at, _)| StoredTime(at)))
                .bind(after.map(|(_, id)| id))
                .bind(i64::from(limit.max(1)))
                .fetch_all(&self.read)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|row| StoredText {
                        message_id: row.id,
                        conversation_id: row.conversation_id,
                        their_number: row.their_number,
                        body: row.body,
                        received_at: row.created_at,
                        workflow_id: row.workflow_id,
                    })
                    .collect())
            }
        }
    };
}

impl_replay_store!(SqliteStore);
impl_replay_store!(PostgresStore);
