//! Storage for smsflow: one [`Store`] interface with a SQLite implementation (the embedded default)
//! and a PostgreSQL one (several smsflow processes on one database). Both run the same SQL, written
//! once with numbered parameters (`$1`) that both databases accept; each has its own migrations.
//! Concurrency control lives in the database: every update checks `version` in its `WHERE` clause.
//! Times are `timestamptz` on PostgreSQL and fixed-width UTC text on SQLite, bound as a
//! `StoredTime` (`stored_time.rs`) so that SQLite's text order is time order.

mod admins;
pub mod agents;
pub mod analytics;
mod api_keys;
pub mod audit;
pub mod backup;
pub mod contacts;
pub mod conversations;
mod error;
pub mod follow_ups;
pub mod inbound_leases;
pub mod inbox;
pub mod notifications;
pub mod replay;
mod routing_cache;
mod sql;
mod sql_agents;
mod sql_analytics;
mod sql_audit;
mod sql_contacts;
mod sql_conversations;
mod sql_follow_ups;
mod sql_inbound_leases;
mod sql_inbox;
mod sql_notifications;
mod sql_replay;
mod sql_team;
mod sql_test_suite;
mod sql_users;
mod sql_versions;
mod sqlite_process;
mod sqlite_reader;
mod sqlite_wal_writes;
mod sqlite_writer;
mod stored_time;
pub mod team;
pub mod test_suite;
pub mod users;
pub mod versions;

use async_trait::async_trait;
use smsflow_core::{Goal, Workflow, WorkflowSpec};
use std::sync::Arc;
use uuid::Uuid;

pub use admins::{
    Admin, AdminCreation, AdminCredentials, AdminSession, NewAdminSession, Role, random_token,
};
pub use api_keys::{ApiKey, ApiKeyScope, NewApiKey};
pub use contacts::ContactStore;
pub use conversations::ConversationStore;
pub use error::StoreError;
pub use sqlite_process::configure_sqlite;
pub use versions::{
    Author, Draft, DraftWorkflow, Publication, VersionKind, VersionStore, VersionSummary,
    WorkflowSetVersion,
};

/// Filters and position of one page of `list_workflows`.
#[derive(Debug, Clone, Default)]
pub struct WorkflowQuery {
    pub goal: Option<Goal>,
    pub active: Option<bool>,
    pub agent_id: Option<Uuid>,
    /// Case-insensitive substring of the name.
    pub name_contains: Option<String>,
    /// Return workflows after this one in the listing order.
    pub after: Option<WorkflowCursor>,
    pub limit: u32,
}

/// A position in the listing order (priority desc, then name, then id).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WorkflowCursor {
    pub priority: i64,
    pub name_key: String,
    pub id: Uuid,
}

impl WorkflowCursor {
    pub fn of(workflow: &Workflow) -> Self {
        WorkflowCursor {
            priority: workflow.spec.priority,
            name_key: name_key(workflow.spec.name.as_str()),
            id: workflow.id,
        }
    }
}

/// The key that makes names unique regardless of case, and orders listings.
pub(crate) fn name_key(name: &str) -> String {
    name.to_lowercase()
}

#[derive(Debug, Clone)]
pub struct WorkflowPage {
    pub items: Vec<Workflow>,
    /// Workflows matching the filters, on all pages.
    pub total: u64,
    /// Set when more workflows follow this page.
    pub next: Option<WorkflowCursor>,
}

/// Everything smsflow keeps. Handlers hold it as `Arc<dyn Store>` so they stay non-generic.
#[async_trait]
pub trait Store:
    ConversationStore
    + ContactStore
    + agents::AgentStore
    + audit::AuditStore
    + analytics::AnalyticsStore
    + follow_ups::FollowUpStore
    + inbound_leases::InboundLeaseStore
    + inbox::InboxStore
    + notifications::NotificationStore
    + VersionStore
    + replay::ReplayStore
    + test_suite::TestSuiteStore
    + users::UserStore
    + team::TeamStore
    + Send
    + Sync
    + 'static
{
    /// Which database this is, for logs and `/healthz`: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Every change to a workflow is recorded as a version of the set, made `by` someone.
    async fn create_workflow(
        &self,
        spec: &WorkflowSpec,
        by: &Author,
    ) -> Result<Workflow, StoreError>;
    async fn get_workflow(&self, id: Uuid) -> Result<Workflow, StoreError>;
    async fn find_workflow_by_name(&self, name: &str) -> Result<Option<Workflow>, StoreError>;
    async fn list_workflows(&self, query: &WorkflowQuery) -> Result<WorkflowPage, StoreError>;
    /// Every workflow, for compiling the matcher and exporting.
    async fn all_workflows(&self) -> Result<Vec<Workflow>, StoreError>;
    /// Replaces the spec. With `expected_version`, fails with [`StoreError::VersionConflict`] if the
    /// stored workflow has changed since.
    async fn update_workflow(
        &self,
        id: Uuid,
        spec: &WorkflowSpec,
        expected_version: Option<i64>,
        by: &Author,
    ) -> Result<Workflow, StoreError>;
    async fn set_workflow_active(
        &self,
        id: Uuid,
        active: bool,
        expected_version: Option<i64>,
        by: &Author,
    ) -> Result<Workflow, StoreError>;
    async fn delete_workflow(
        &self,
        id: Uuid,
        expected_version: Option<i64>,
        by: &Author,
    ) -> Result<(), StoreError>;
    /// A number that changes whenever any workflow changes, in any process.
    async fn workflows_revision(&self) -> Result<i64, StoreError>;

    /// Creates a key; the secret in the answer is never stored and cannot be shown again.
    async fn create_api_key(
        &self,
        name: &str,
        scope: ApiKeyScope,
        by: &Author,
    ) -> Result<NewApiKey, StoreError>;
    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError>;
    /// Revokes the live key with this name or id.
    async fn revoke_api_key(&self, name_or_id: &str, by: &Author) -> Result<ApiKey, StoreError>;
    /// The live key whose secret this is, if any.
    async fn authenticate(&self, secret: &str) -> Result<Option<ApiKey>, StoreError>;

    /// How many admin accounts exist (the web app offers its setup page while there are none).
    async fn count_admins(&self) -> Result<u64, StoreError>;
    /// Creates an admin with an already-hashed password. Fails with [`StoreError::AdminEmailTaken`],
    /// or, for [`AdminCreation::FirstRun`], with [`StoreError::AdminExists`] once any admin exists.
    async fn create_admin(
        &self,
        email: &str,
        password_hash: &str,
        how: AdminCreation,
        by: &Author,
    ) -> Result<Admin, StoreError>;
    /// The admin with this email (any case) and their password hash.
    async fn admin_credentials(&self, email: &str) -> Result<Option<AdminCredentials>, StoreError>;
    /// Replaces an admin's password hash and ends all their sessions.
    async fn set_admin_password(
        &self,
        email: &str,
        password_hash: &str,
        by: &Author,
    ) -> Result<Admin, StoreError>;
    /// Starts a session lasting `lifetime`; also forgets sessions that have expired.
    async fn create_admin_session(
        &self,
        admin_id: Uuid,
        lifetime: time::Duration,
    ) -> Result<NewAdminSession, StoreError>;
    /// The live (unexpired) session whose cookie token this is.
    async fn admin_session(&self, token: &str) -> Result<Option<AdminSession>, StoreError>;
    /// Ends the session (logout); ending an unknown session is not an error.
    async fn delete_admin_session(&self, token: &str) -> Result<(), StoreError>;
}

/// Opens (creating and migrating as needed) the database at `url`: `sqlite://path` or
/// `postgres://...`.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(sql::PostgresStore::connect(url).await?))
    } else if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Ok(Arc::new(
            sql::SqliteStore::open(std::path::Path::new(path)).await?,
        ))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_string()))
    }
}

#[cfg(feature = "testing")]
pub mod testing;
