//! SQL for analytics, written once for both databases (see `sql.rs`). The only differences are
//! time arithmetic, as SQLite keeps RFC 3339 text and PostgreSQL a `timestamptz`: how `created_at`
//! becomes its UTC day (`$day`) and the seconds from `inbound_at` to `sent_at` (`$seconds`).

use async_trait::async_trait;
use smsflow_core::Workflow;
use smsflow_core::run::RunState;
use sqlx::types::Json;
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::analytics::{
    Activity, AnalyticsStore, MatchSummary, Period, RunFacts, Totals, WorkflowAnalytics, compute,
};
use crate::sql::{PostgresStore, SqliteStore};
use crate::stored_time::StoredTime;

macro_rules! impl_analytics_store {
    ($store:ty, $day:literal, $seconds:literal) => {
        #[async_trait]
        impl AnalyticsStore for $store {
            async fn workflow_analytics(
                &self,
                workflow: &Workflow,
                period: &Period,
                abandoned_before: OffsetDateTime,
            ) -> Result<WorkflowAnalytics, StoreError> {
                let (id, from, to) = (workflow.id, StoredTime(period.start()), StoredTime(period.end()));
                let per_day = |rows: Vec<(String, i64)>| rows.into_iter().collect::<HashMap<_, _>>();
                let matched: Vec<(String, i64)> = sqlx::query_as(concat!(
                    "SELECT ", $day, " AS day, COUNT(*) FROM messages WHERE workflow_id = $1 \
                     AND direction = 'inbound' AND created_at >= $2 AND created_at < $3 GROUP BY day"
                ))
                .bind(id)
                .bind(from)
                .bind(to)
                .fetch_all(&self.read)
                .await?;
                let conversations: i64 = sqlx::query_scalar(
                    "SELECT COUNT(DISTINCT conversation_id) FROM messages WHERE workflow_id = $1 \
                     AND direction = 'inbound' AND created_at >= $2 AND created_at < $3",
                )
                .bind(id)
                .bind(from)
                .bind(to)
                .fetch_one(&self.read)
                .await?;
                let runs: Vec<(Json<RunState>, bool, OffsetDateTime, OffsetDateTime)> = sqlx::query_as(
                    "SELECT state, completed, created_at, updated_at FROM runs \
                     WHERE workflow_id = $1 AND created_at >= $2 AND created_at < $3",
                )
                .bind(id)
                .bind(from)
                .bind(to)
                .fetch_all(&self.read)
                .await?;
                // A reply answers the latest inbound message of its conversation stored before it.
                // Replies count in the period they were queued in, which the index covers. The
                // database finds the median (the middle one or two of the sorted delays), so a
                // busy month does not send every reply's times over the wire.
                let middle: Vec<(f64, i64)> = sqlx::query_as(concat!(
                    "SELECT seconds, n FROM (SELECT seconds, COUNT(*) OVER () AS n, \
                     ROW_NUMBER() OVER (ORDER BY seconds) AS position FROM (SELECT ", $seconds, " AS seconds FROM \
                     (SELECT (SELECT MAX(i.created_at) FROM messages i WHERE i.conversation_id = o.conversation_id \
                     AND i.direction = 'inbound' AND i.created_at <= o.created_at) AS inbound_at, o.sent_at \
                     FROM messages o WHERE o.workflow_id = $1 AND o.direction = 'outbound' AND o.author = 'agent' \
                     AND o.created_at >= $2 AND o.created_at < $3 AND o.sent_at IS NOT NULL) replies \
                     WHERE inbound_at IS NOT NULL) delays) ranked WHERE position IN ((n + 1) / 2, (n + 2) / 2)"
                ))
                .bind(id)
                .bind(from)
                .bind(to)
                .fetch_all(&self.read)
                .await?;
                let failures: Vec<(String, i64)> = sqlx::query_as(concat!(
                    "SELECT ", $day, " AS day, COUNT(*) FROM messages WHERE workflow_id = $1 \
                     AND direction = 'outbound' AND status IN ('failed', 'undelivered') \
                     AND created_at >= $2 AND created_at < $3 GROUP BY day"
                ))
                .bind(id)
                .bind(from)
                .bind(to)
                .fetch_all(&self.read)
                .await?;
                let opt_outs: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM opt_outs o WHERE o.opted_out_at >= $2 AND o.opted_out_at < $3 \
                     AND EXISTS (SELECT 1 FROM runs r JOIN conversations c ON c.id = r.conversation_id \
                     WHERE r.workflow_id = $1 AND c.their_number = o.number)",
                )
                .bind(id)
                .bind(from)
                .bind(to)
                .fetch_one(&self.read)
                .await?;
                let activity = Activity {
                    messages_matched: per_day(matched),
                    conversations,
                    runs: runs
                        .into_iter()
                        .map(|(state, completed, created_at, updated_at)| RunFacts {
                            state: state.0,
                            completed,
                            created_at,
                            updated_at,
                        })
                        .collect(),
                    replies_sent: middle.first().map_or(0, |(_, n)| *n),
                    median_reply_seconds: (!middle.is_empty()).then(|| {
                        middle.iter().map(|(seconds, _)| seconds).sum::<f64>() / middle.len() as f64
                    }),
                    delivery_failures: per_day(failures),
                    opt_outs,
                };
                Ok(compute(workflow, period, abandoned_before, activity))
            }

            async fn match_summaries(
                &self,
                since: OffsetDateTime,
            ) -> Result<HashMap<Uuid, MatchSummary>, StoreError> {
                let rows: Vec<(Uuid, OffsetDateTime, i64)> = sqlx::query_as(
                    "SELECT workflow_id, MAX(created_at), COUNT(CASE WHEN created_at >= $1 THEN 1 END) \
                     FROM messages WHERE direction = 'inbound' AND workflow_id IS NOT NULL GROUP BY workflow_id",
                )
                .bind(StoredTime(since))
                .fetch_all(&self.read)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, last, recent)| {
                        (id, MatchSummary { last_matched: Some(last), recent_matches: recent })
                    })
                    .collect())
            }

            async fn totals(&self) -> Result<Totals, StoreError> {
                let messages: Vec<(String, String, i64)> = sqlx::query_as(
                    "SELECT direction, status, COUNT(*) FROM messages GROUP BY direction, status ORDER BY direction, status",
                )
                .fetch_all(&self.read)
                .await?;
                let matches: Vec<(Uuid, i64)> = sqlx::query_as(
                    "SELECT workflow_id, COUNT(*) FROM messages WHERE direction = 'inbound' \
                     AND workflow_id IS NOT NULL GROUP BY workflow_id",
                )
                .fetch_all(&self.read)
                .await?;
                let (conversations, opt_outs, runs_completed, runs_open): (i64, i64, i64, i64) = sqlx::query_as(
                    "SELECT (SELECT COUNT(*) FROM conversations), (SELECT COUNT(*) FROM opt_outs), \
                     (SELECT COUNT(*) FROM runs WHERE completed), (SELECT COUNT(*) FROM runs WHERE NOT completed)",
                )
                .fetch_one(&self.read)
                .await?;
                Ok(Totals { messages, matches, conversations, opt_outs, runs_completed, runs_open })
            }
        }
    };
}

impl_analytics_store!(
    SqliteStore,
    "substr(created_at, 1, 10)",
    "(julianday(sent_at) - julianday(inbound_at)) * 86400.0"
);
impl_analytics_store!(
    PostgresStore,
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    "EXTRACT(EPOCH FROM sent_at - inbound_at)::float8"
);
