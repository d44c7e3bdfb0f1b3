//! SQL for the saved conversation-test suite, written once for both databases (see `sql.rs`).

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::StoreError;
use crate::audit::{AuditAction, AuditSubject, Change};
use crate::sql::BeginWrite;
use crate::sql::{PostgresStore, SqliteStore, now};
use crate::stored_time::StoredTime;
use crate::test_suite::{SavedTestSuite, TestSuiteStore};
use crate::versions::Author;

#[derive(sqlx::FromRow)]
struct SuiteRow {
    yaml: String,
    author: String,
    updated_at: OffsetDateTime,
}

impl From<SuiteRow> for SavedTestSuite {
    fn from(row: SuiteRow) -> Self {
        SavedTestSuite {
            yaml: row.yaml,
            author: Author::from_stored(row.author),
            updated_at: row.updated_at,
        }
    }
}

/// The audit entry holds the YAML only: who saved it and when are the entry's own columns.
fn suite_change<'a>(
    by: &'a Author,
    before: Option<&SavedTestSuite>,
    after: &SavedTestSuite,
) -> Change<'a> {
    let action = if before.is_some() {
        AuditAction::Update
    } else {
        AuditAction::Create
    };
    let lines = after.yaml.lines().count();
    Change::of(
        by,
        action,
        AuditSubject::TestSuite,
        "saved".to_string(),
        format!("conversation-test suite ({lines} lines)"),
        before.map(|suite| &suite.yaml),
        Some(&after.yaml),
    )
}

macro_rules! impl_test_suite_store {
    ($store:ty) => {
        #[async_trait]
        impl TestSuiteStore for $store {
            async fn saved_test_suite(&self) -> Result<Option<SavedTestSuite>, StoreError> {
                let row = sqlx::query_as::<_, SuiteRow>(
                    "SELECT yaml, author, updated_at FROM test_suite WHERE id = 1",
                )
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(SavedTestSuite::from))
            }

            async fn save_test_suite(
                &self,
                yaml: &str,
                by: &Author,
            ) -> Result<SavedTestSuite, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let before = sqlx::query_as::<_, SuiteRow>(
                    "SELECT yaml, author, updated_at FROM test_suite WHERE id = 1",
                )
                .fetch_optional(&mut *tx)
                .await?
                .map(SavedTestSuite::from);
                let saved = SavedTestSuite {
                    yaml: yaml.to_string(),
                    author: by.clone(),
                    updated_at: now(),
                };
                sqlx::query(
                    "INSERT INTO test_suite (id, yaml, author, updated_at) VALUES (1, $1, $2, $3) \
                     ON CONFLICT (id) DO UPDATE SET yaml = excluded.yaml, author = excluded.author, \
                     updated_at = excluded.updated_at",
                )
                .bind(&saved.yaml)
                .bind(by.as_str())
                .bind(StoredTime(saved.updated_at))
                .execute(&mut *tx)
                .await?;
                Self::write_audit(&mut tx, suite_change(by, before.as_ref(), &saved)).await?;
                tx.commit().await?;
                Ok(saved)
            }
        }
    };
}

impl_test_suite_store!(SqliteStore);
impl_test_suite_store!(PostgresStore);
