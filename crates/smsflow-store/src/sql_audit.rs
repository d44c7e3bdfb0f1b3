//! SQL for the audit log, written once for both databases (see `sql.rs`).

use async_trait::async_trait;
use sqlx::types::Json;
use time::OffsetDateTime;

use crate::StoreError;
use crate::audit::{
    AuditAction, AuditEntry, AuditPage, AuditQuery, AuditStore, AuditSubject, Change,
};
use crate::sql::{PostgresStore, SqliteStore, like_pattern, now};
use crate::stored_time::StoredTime;
use crate::versions::Author;

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: OffsetDateTime,
    actor: String,
    action: String,
    subject: String,
    subject_id: String,
    summary: String,
    before: Option<Json<serde_json::Value>>,
    after: Option<Json<serde_json::Value>>,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = StoreError;

    fn try_from(row: AuditRow) -> Result<Self, StoreError> {
        Ok(AuditEntry {
            id: row.id,
            at: row.at,
            actor: Author::from_stored(row.actor),
            action: AuditAction::parse(&row.action)?,
            subject: AuditSubject::parse(&row.subject)?,
            subject_id: row.subject_id,
            summary: row.summary,
            before: row.before.map(|json| json.0),
            after: row.after.map(|json| json.0),
        })
    }
}

macro_rules! impl_audit_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Records `change` in the transaction that makes it.
            pub(crate) async fn write_audit(
                tx: &mut sqlx::Transaction<'_, $db>,
                change: Change<'_>,
            ) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO audit_log (at, actor, action, subject, subject_id, summary, before, after) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(StoredTime(now()))
                    .bind(change.by.as_str())
                    .bind(change.action.as_str())
                    .bind(change.subject.as_str())
                    .bind(change.subject_id)
                    .bind(change.summary)
                    .bind(change.before.map(Json))
                    .bind(change.after.map(Json))
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }
        }

        #[async_trait]
        impl AuditStore for $store {
            async fn list_audit(&self, query: &AuditQuery) -> Result<AuditPage, StoreError> {
                let limit = query.limit.max(1);
                let mut items = sqlx::query_as::<_, AuditRow>(
                    "SELECT id, at, actor, action, subject, subject_id, summary, before, after FROM audit_log \
                     WHERE ($1 IS NULL OR subject = $1) AND ($2 IS NULL OR subject_id = $2) \
                     AND ($3 IS NULL OR LOWER(actor) LIKE $3 ESCAPE '\\') AND ($4 IS NULL OR id < $4) \
                     ORDER BY id DESC LIMIT $5",
                )
                .bind(query.subject.map(AuditSubject::as_str))
                .bind(query.subject_id.as_deref())
                .bind(query.actor_contains.as_deref().map(|text| like_pattern(text)))
                .bind(query.before)
                .bind(i64::from(limit) + 1)
                .fetch_all(&self.read)
                .await?
                .into_iter()
                .map(AuditEntry::try_from)
                .collect::<Result<Vec<_>, _>>()?;
                let next = if items.len() > limit as usize {
                    items.truncate(limit as usize);
                    items.last().map(|entry| entry.id)
                } else {
                    None
                };
                Ok(AuditPage { items, next })
            }
        }
    };
}

impl_audit_store!(SqliteStore, sqlx::Sqlite);
impl_audit_store!(PostgresStore, sqlx::Postgres);
