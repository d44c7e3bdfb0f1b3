//! SQL for hand-off webhooks, written once for both databases; only PostgreSQL's row locking
//! clause differs.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::conversations::{Conversation, ConversationStore};
use crate::handoffs::HandoffStore;
use crate::sql::{PostgresStore, SqliteStore, now};

macro_rules! impl_handoff_store {
    ($store:ty, $skip_locked:literal) => {
        #[async_trait]
        impl HandoffStore for $store {
            async fn claim_handoff_webhook(
                &self,
                lease: time::Duration,
            ) -> Result<Option<(Conversation, i64)>, StoreError> {
                let at = now();
                let claimed: Option<(Uuid, i64)> = sqlx::query_as(concat!(
                    "UPDATE conversations SET handoff_webhook_next_at = $1, \
                     handoff_webhook_attempts = handoff_webhook_attempts + 1 WHERE id = (\
                     SELECT id FROM conversations WHERE handoff_webhook_status = 'pending' \
                     AND (handoff_webhook_next_at IS NULL OR handoff_webhook_next_at <= $2) \
                     ORDER BY needs_human_at, id LIMIT 1 ",
                    $skip_locked,
                    ") RETURNING id, handoff_webhook_attempts"
                ))
                .bind(at + lease)
                .bind(at)
                .fetch_optional(&self.write)
                .await?;
                let Some((id, attempt)) = claimed else {
                    return Ok(None);
                };
                Ok(Some((self.get_conversation(id).await?, attempt)))
            }

            async fn finish_handoff_webhook(
                &self,
                conversation_id: Uuid,
                attempt: i64,
                outcome: Result<(), (String, Option<OffsetDateTime>)>,
            ) -> Result<(), StoreError> {
                let (status, error, next) = crate::sql_conversations::webhook_delivery(outcome);
                sqlx::query(
                    "UPDATE conversations SET handoff_webhook_status = $3, handoff_webhook_error = $4, \
                     handoff_webhook_next_at = $5 WHERE id = $1 AND handoff_webhook_attempts = $2 \
                     AND handoff_webhook_status = 'pending'",
                )
                .bind(conversation_id)
                .bind(attempt)
                .bind(status)
                .bind(error)
                .bind(next)
                .execute(&self.write)
                .await?;
                Ok(())
            }
        }
    };
}

impl_handoff_store!(SqliteStore, "");
impl_handoff_store!(PostgresStore, "FOR UPDATE SKIP LOCKED");
