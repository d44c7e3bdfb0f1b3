//! SQL for auto follow-ups, written once for both databases.

use async_trait::async_trait;
use smsflow_core::language::Language;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::analytics::Period;
use crate::conversations::{ConversationStore, Message, NewOutbound};
use crate::follow_ups::{DueFollowUp, FollowUpCounts, FollowUpStore};
use crate::sql::{PostgresStore, SqliteStore, now};
use crate::stored_time::StoredTime;

#[derive(sqlx::FromRow)]
struct DueRow {
    conversation_id: Uuid,
    run_id: Uuid,
    language: Option<String>,
    last_message_at: OffsetDateTime,
}

macro_rules! impl_follow_up_store {
    ($store:ty) => {
        #[async_trait]
        impl FollowUpStore for $store {
            async fn due_follow_ups(
                &self,
                workflow_id: Uuid,
                waiting_since: OffsetDateTime,
            ) -> Result<Vec<DueFollowUp>, StoreError> {
                let rows = sqlx::query_as::<_, DueRow>(
                    "SELECT c.id AS conversation_id, r.id AS run_id, c.language, c.last_message_at \
                     FROM conversations c JOIN runs r ON r.id = c.active_run_id \
                     WHERE c.active_workflow_id = $1 AND r.workflow_id = $1 AND c.status = 'agent' \
                     AND NOT c.run_completed AND NOT r.completed \
                     AND NOT EXISTS (SELECT 1 FROM opt_outs o WHERE o.number = c.their_number) \
                     AND NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.run_id = r.id) \
                     AND (SELECT m.direction FROM messages m WHERE m.conversation_id = c.id \
                          ORDER BY m.id DESC LIMIT 1) = 'outbound' \
                     ORDER BY c.last_message_at, c.id",
                )
                .bind(workflow_id)
                // The writer's view: a reply just recorded must be seen, or its texter is nudged.
                .fetch_all(&self.write)
                .await?;
                // Compared as times here, not as SQLite's text.
                Ok(rows
                    .into_iter()
                    .filter(|row| row.last_message_at <= waiting_since)
                    .map(|row| DueFollowUp {
                        conversation_id: row.conversation_id,
                        run_id: row.run_id,
                        workflow_id,
                        language: row.language.as_deref().and_then(Language::parse),
                    })
                    .collect())
            }

            async fn queue_follow_up(
                &self,
                due: &DueFollowUp,
                message: &NewOutbound,
            ) -> Result<Option<Message>, StoreError> {
                // The run's one nudge is claimed first: a crash before it is queued loses that
                // nudge rather than sending two.
                let claimed = sqlx::query(
                    "INSERT INTO follow_ups (run_id, conversation_id, workflow_id, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (run_id) DO NOTHING",
                )
                .bind(due.run_id)
                .bind(due.conversation_id)
                .bind(due.workflow_id)
                .bind(StoredTime(now()))
                .execute(&self.write)
                .await?
                .rows_affected();
                if claimed == 0 {
                    return Ok(None);
                }
                let queued = self.queue_outbound(due.conversation_id, message).await?;
                sqlx::query("UPDATE follow_ups SET message_id = $2 WHERE run_id = $1")
                    .bind(due.run_id)
                    .bind(queued.id)
                    .execute(&self.write)
                    .await?;
                Ok(Some(queued))
            }

            async fn follow_up_messages(
                &self,
                conversation_id: Uuid,
            ) -> Result<Vec<Uuid>, StoreError> {
                Ok(sqlx::query_scalar(
                    "SELECT message_id FROM follow_ups WHERE conversation_id = $1 AND message_id IS NOT NULL",
                )
                .bind(conversation_id)
                .fetch_all(&self.read)
                .await?)
            }

            async fn follow_up_counts(
                &self,
                workflow_id: Uuid,
                period: &Period,
            ) -> Result<FollowUpCounts, StoreError> {
                let (nudged, answered): (i64, i64) = sqlx::query_as(
                    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM messages m \
                     WHERE m.conversation_id = f.conversation_id AND m.direction = 'inbound' \
                     AND m.created_at > f.created_at) THEN 1 ELSE 0 END), 0) \
                     FROM follow_ups f WHERE f.workflow_id = $1 AND f.created_at >= $2 AND f.created_at < $3",
                )
                .bind(workflow_id)
                .bind(StoredTime(period.start()))
                .bind(StoredTime(period.end()))
                .fetch_one(&self.read)
                .await?;
                Ok(FollowUpCounts { nudged, answered })
            }
        }
    };
}

impl_follow_up_store!(SqliteStore);
impl_follow_up_store!(PostgresStore);
