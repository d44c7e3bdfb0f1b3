//! The SQL implementation, written once and instantiated for SQLite and PostgreSQL by
//! `impl_store!`: the queries are identical (numbered `$n` parameters, portable SQL), only pools and
//! migrations differ. Identifiers are never interpolated; every value is a bound parameter.

use async_trait::async_trait;
use smsflow_core::language::Language;
use smsflow_core::workflow::Sensitivity;
use smsflow_core::{AutoFollowUp, Goal, LocalizedText, Step, Workflow, WorkflowName, WorkflowSpec};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::types::Json;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::admins::{email_key, random_token};
use crate::api_keys::{generate_secret, hash_secret, shown_prefix};
use crate::audit::{AuditAction, AuditSubject, Change};
use crate::stored_time::StoredTime;
use crate::{
    Admin, AdminCreation, AdminCredentials, AdminSession, ApiKey, ApiKeyScope, Author,
    NewAdminSession, NewApiKey, Role, Store, StoreError, WorkflowCursor, WorkflowPage,
    WorkflowQuery, name_key,
};

// Column lists as macros so queries stay `&'static str` (sqlx refuses unaudited dynamic SQL).
macro_rules! workflow_columns {
    () => {
        "id, name, goal, context, response_template, priority, agent_id, active, keywords, examples, \
         steps, version, created_at, updated_at, response_templates, matching, follow_up"
    };
}
macro_rules! api_key_columns {
    () => {
        "id, name, prefix, created_at, revoked_at, scope"
    };
}

#[derive(sqlx::FromRow)]
struct WorkflowRow {
    id: Uuid,
    name: String,
    goal: String,
    context: String,
    response_template: Option<String>,
    priority: i64,
    agent_id: Option<Uuid>,
    active: bool,
    keywords: Json<Vec<String>>,
    examples: Json<Vec<String>>,
    steps: Json<Vec<Step>>,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    response_templates: Option<Json<BTreeMap<Language, String>>>,
    matching: Json<MatchingColumn>,
    follow_up: Option<Json<AutoFollowUp>>,
}

/// The `response_templates` column: a response template's text per language.
type TemplateVariants<'a> = Json<&'a BTreeMap<Language, String>>;

/// A response template as its two columns: the one text (or the English, else first, variant), and
/// the per-language texts when there are.
fn template_columns(
    template: Option<&LocalizedText>,
) -> (Option<&str>, Option<TemplateVariants<'_>>) {
    match template {
        None => (None, None),
        Some(LocalizedText::Plain(text)) => (Some(text), None),
        Some(texts @ LocalizedText::PerLanguage(variants)) => (
            Some(texts.in_language(Language::English)),
            Some(Json(variants)),
        ),
    }
}

/// The `matching` column: a workflow's settings for matching by meaning, in one JSON object so that
/// a new setting needs no new column.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct MatchingColumn {
    #[serde(default)]
    sensitivity: Sensitivity,
    #[serde(default)]
    disabled_keywords: Vec<String>,
    #[serde(default)]
    disabled_examples: Vec<String>,
}

impl MatchingColumn {
    fn of(spec: &WorkflowSpec) -> Self {
        MatchingColumn {
            sensitivity: spec.sensitivity,
            disabled_keywords: spec.disabled_keywords.clone(),
            disabled_examples: spec.disabled_examples.clone(),
        }
    }
}

impl TryFrom<WorkflowRow> for Workflow {
    type Error = StoreError;

    fn try_from(row: WorkflowRow) -> Result<Self, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt(format!("workflow {}: {what}", row.id));
        Ok(Workflow {
            id: row.id,
            spec: WorkflowSpec {
                name: WorkflowName::parse(&row.name).map_err(|e| corrupt(format!("name {e}")))?,
                goal: Goal::parse(&row.goal)
                    .ok_or_else(|| corrupt(format!("goal {:?}", row.goal)))?,
                context: row.context,
                response_template: match (row.response_templates, row.response_template) {
                    (Some(variants), _) => Some(LocalizedText::PerLanguage(variants.0)),
                    (None, text) => text.map(LocalizedText::Plain),
                },
                priority: row.priority,
                agent_id: row.agent_id,
                active: row.active,
                keywords: row.keywords.0,
                examples: row.examples.0,
                sensitivity: row.matching.0.sensitivity,
                disabled_keywords: row.matching.0.disabled_keywords,
                disabled_examples: row.matching.0.disabled_examples,
                steps: row.steps.0,
                follow_up: row.follow_up.map(|follow_up| follow_up.0),
            },
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

macro_rules! admin_columns {
    () => {
        "admins.id, admins.email, admins.created_at, admins.role"
    };
}
pub(crate) use admin_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct AdminRow {
    id: Uuid,
    email: String,
    created_at: OffsetDateTime,
    role: String,
}

impl TryFrom<AdminRow> for Admin {
    type Error = StoreError;

    fn try_from(row: AdminRow) -> Result<Self, StoreError> {
        Ok(Admin {
            id: row.id,
            role: Role::parse(&row.role).ok_or_else(|| {
                StoreError::Corrupt(format!("admin {}: role {:?}", row.id, row.role))
            })?,
            email: row.email,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct AdminCredentialsRow {
    #[sqlx(flatten)]
    admin: AdminRow,
    password_hash: String,
}

#[derive(sqlx::FromRow)]
struct AdminSessionRow {
    #[sqlx(flatten)]
    admin: AdminRow,
    csrf_token: String,
    expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct ApiKeyRow {
    id: Uuid,
    name: String,
    prefix: String,
    created_at: OffsetDateTime,
    revoked_at: Option<OffsetDateTime>,
    scope: String,
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = StoreError;

    fn try_from(row: ApiKeyRow) -> Result<Self, StoreError> {
        Ok(ApiKey {
            id: row.id,
            scope: ApiKeyScope::parse(&row.scope).ok_or_else(|| {
                StoreError::Corrupt(format!("API key {}: scope {:?}", row.id, row.scope))
            })?,
            name: row.name,
            prefix: row.prefix,
            created_at: row.created_at,
            revoked_at: row.revoked_at,
        })
    }
}

/// Now, at the microsecond precision both databases keep, so a stored time reads back equal.
pub(crate) fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
        .expect("a truncated nanosecond is in range")
}

/// `%text%` for `LIKE ... ESCAPE '\'`, with the pattern characters of `text` escaped.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in name_key(text).chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The audit entry of a change to an API key (its secret and hash are never part of it).
fn api_key_change<'a>(
    by: &'a Author,
    action: AuditAction,
    before: Option<&ApiKey>,
    after: &ApiKey,
) -> Change<'a> {
    let summary = format!("API key {:?}", after.name);
    Change::of(
        by,
        action,
        AuditSubject::ApiKey,
        after.id.to_string(),
        summary,
        before,
        Some(after),
    )
}

/// The audit entry of a change to an admin account (the password hash is never part of it).
pub(crate) fn admin_change<'a>(
    by: &'a Author,
    action: AuditAction,
    before: Option<&Admin>,
    after: Option<&Admin>,
) -> Change<'a> {
    let admin = after.or(before).expect("a change has a before or an after");
    let summary = match action {
        AuditAction::SetPassword => format!("admin {}: new password, sessions ended", admin.email),
        AuditAction::ResetLink => format!("admin {}: password-reset link made", admin.email),
        _ => format!("admin {}", admin.email),
    };
    Change::of(
        by,
        action,
        AuditSubject::Admin,
        admin.id.to_string(),
        summary,
        before,
        after,
    )
}

fn name_taken_or(error: sqlx::Error, spec: &WorkflowSpec) -> StoreError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::NameTaken(spec.name.to_string())
        }
        _ => StoreError::Database(error),
    }
}

/// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
/// the writer thread writes on a connection of its own, and a transaction that read first and
/// wrote after it would fail with SQLITE_BUSY rather than wait on the busy timeout.
pub(crate) trait BeginWrite {
    type Database: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Database>, sqlx::Error>;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

pub struct SqliteStore {
    pub(crate) read: SqlitePool,
    /// SQLite has one writer at a time: a single write connection queues writers in-process instead
    /// of failing them with SQLITE_BUSY; other processes wait on the busy timeout.
    pub(crate) write: SqlitePool,
    /// The message pipeline's units of work, each one closure on a thread of its own
    /// (`sqlite_writer.rs`); its connection and `write` take turns at SQLite's write lock.
    pub(crate) writer: crate::sqlite_writer::SqliteWriter,
    /// The pipeline's per-batch lookups, read on the calling thread (`sqlite_reader.rs`).
    pub(crate) readers: crate::sqlite_reader::SqliteReaders,
    /// The default agent and the routing rules between batches (`routing_cache.rs`).
    pub(crate) routing: crate::routing_cache::RoutingCache,
}

impl SqliteStore {
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Directory {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Each commit is synced to disk before it is answered: with NORMAL a power cut or a
            // machine crash could take back texts whose webhooks were already acknowledged.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            // Batches are written with multi-row statements, one text per batch size.
            .statement_cache_capacity(1024)
            .foreign_keys(true);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        let store = SqliteStore {
            read,
            write,
            writer: crate::sqlite_writer::SqliteWriter::open(
                path,
                Some(crate::sql_inbox::SEARCH_UPKEEP),
            )?,
            readers: crate::sqlite_reader::SqliteReaders::new(path),
            routing: Default::default(),
        };
        store.ensure_version_baseline().await?;
        Ok(store)
    }
}

pub struct PostgresStore {
    pub(crate) read: PgPool,
    pub(crate) write: PgPool,
    /// The webhooks' inbound texts, stored in batches on connections of their own.
    pub(crate) intake: std::sync::Arc<crate::sql_conversations::postgres_intake::Intake>,
    /// The default agent and the routing rules between batches (`routing_cache.rs`).
    pub(crate) routing: crate::routing_cache::RoutingCache,
}

impl PostgresStore {
    /// How the store's sessions connect to `url`: without JIT compilation. PostgreSQL compiles a
    /// plan whose estimate passes `jit_above_cost` with LLVM, about 150 ms here, and every
    /// statement of ours is a lookup that runs in a millisecond or less; estimates that large come
    /// from tables not analysed yet (a fresh database during its first burst: the loop guard's
    /// count, 0.7 ms to run, was estimated at 2.8 million).
    pub(crate) fn connect_options(url: &str) -> Result<PgConnectOptions, StoreError> {
        Ok(url.parse::<PgConnectOptions>()?.options([("jit", "off")]))
    }

    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(Self::connect_options(url)?)
            .await?;
        // The migrator takes an advisory lock, so processes starting together migrate once.
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let store = PostgresStore {
            read: pool.clone(),
            write: pool,
            intake: crate::sql_conversations::postgres_intake::Intake::connect_lazy(
                Self::connect_options(url)?,
            ),
            routing: Default::default(),
        };
        store.ensure_version_baseline().await?;
        Ok(store)
    }
}

macro_rules! impl_store {
    ($store:ty, $db:ty, $backend:literal) => {
        impl $store {
            async fn fetch_workflow(
                executor: impl sqlx::Executor<'_, Database = $db>,
                id: Uuid,
            ) -> Result<Option<Workflow>, StoreError> {
                let sql = concat!("SELECT ", workflow_columns!(), " FROM workflows WHERE id = $1");
                sqlx::query_as::<_, WorkflowRow>(sql)
                    .bind(id)
                    .fetch_optional(executor)
                    .await?
                    .map(Workflow::try_from)
                    .transpose()
            }

            /// After an update matched no row: tell "gone" from "changed since".
            async fn missing_or_conflict(&self, id: Uuid) -> StoreError {
                match Self::fetch_workflow(&self.write, id).await {
                    Ok(Some(current)) => StoreError::VersionConflict {
                        current: current.version,
                    },
                    Ok(None) => StoreError::workflow_not_found(id),
                    Err(error) => error,
                }
            }

            /// Bumps the revision and returns it. On PostgreSQL the row lock it takes serialises
            /// every workflow change until commit, so the set read after it is the whole truth.
            pub(crate) async fn bump_revision(
                tx: &mut sqlx::Transaction<'_, $db>,
            ) -> Result<i64, StoreError> {
                Ok(sqlx::query_scalar("UPDATE workflow_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision")
                    .fetch_one(&mut **tx)
                    .await?)
            }

            pub(crate) async fn fetch_all_workflows(
                executor: impl sqlx::Executor<'_, Database = $db>,
            ) -> Result<Vec<Workflow>, StoreError> {
                let sql = concat!("SELECT ", workflow_columns!(), " FROM workflows ORDER BY priority DESC, name_key, id");
                sqlx::query_as::<_, WorkflowRow>(sql)
                    .fetch_all(executor)
                    .await?
                    .into_iter()
                    .map(Workflow::try_from)
                    .collect()
            }

            /// Binds $1 (the id) to $16 (the spec and the time of the change), numbered the same by
            /// the INSERT and the UPDATE of a workflow row.
            fn bind_workflow<'q>(
                query: sqlx::query::QueryAs<'q, $db, WorkflowRow, <$db as sqlx::Database>::Arguments>,
                id: Uuid,
                spec: &'q WorkflowSpec,
            ) -> sqlx::query::QueryAs<'q, $db, WorkflowRow, <$db as sqlx::Database>::Arguments> {
                let (template, templates) = template_columns(spec.response_template.as_ref());
                query
                    .bind(id)
                    .bind(spec.name.as_str())
                    .bind(name_key(spec.name.as_str()))
                    .bind(spec.goal.as_str())
                    .bind(&spec.context)
                    .bind(template)
                    .bind(spec.priority)
                    .bind(spec.agent_id)
                    .bind(spec.active)
                    .bind(Json(&spec.keywords))
                    .bind(Json(&spec.steps))
                    .bind(StoredTime(now()))
                    .bind(Json(&spec.examples))
                    .bind(templates)
                    .bind(Json(MatchingColumn::of(spec)))
                    .bind(spec.follow_up.as_ref().map(Json))
            }

            pub(crate) async fn insert_workflow_row(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: Uuid,
                spec: &WorkflowSpec,
            ) -> Result<Workflow, StoreError> {
                let sql = concat!("INSERT INTO workflows (id, name, name_key, goal, context, response_template, \
                     priority, agent_id, active, keywords, steps, version, created_at, updated_at, examples, \
                     response_templates, matching, follow_up) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12, $13, $14, $15, $16) \
                     RETURNING ", workflow_columns!());
                let row = Self::bind_workflow(sqlx::query_as(sql), id, spec)
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(|error| name_taken_or(error, spec))?;
                Workflow::try_from(row)
            }

            /// Replaces the spec, if the stored version is `expected_version` (when given);
            /// `None` when no row matched.
            pub(crate) async fn update_workflow_row(
                tx: &mut sqlx::Transaction<'_, $db>,
                id: Uuid,
                spec: &WorkflowSpec,
                expected_version: Option<i64>,
            ) -> Result<Option<Workflow>, StoreError> {
                let sql = concat!("UPDATE workflows SET name = $2, name_key = $3, goal = $4, context = $5, \
                     response_template = $6, priority = $7, agent_id = $8, active = $9, \
                     keywords = $10, steps = $11, version = version + 1, updated_at = $12, examples = $13, \
                     response_templates = $14, matching = $15, follow_up = $16 \
                     WHERE id = $1 AND ($17 IS NULL OR version = $17) RETURNING ", workflow_columns!());
                Self::bind_workflow(sqlx::query_as(sql), id, spec)
                    .bind(expected_version)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(|error| name_taken_or(error, spec))?
                    .map(Workflow::try_from)
                    .transpose()
            }

            /// Ends a direct change to one workflow: a new revision, recorded as a version.
            async fn commit_edit(
                mut tx: sqlx::Transaction<'_, $db>,
                by: &crate::Author,
            ) -> Result<(), StoreError> {
                let number = Self::bump_revision(&mut tx).await?;
                Self::record_version(&mut tx, number, crate::VersionKind::Edit, by, None, None).await?;
                tx.commit().await?;
                Ok(())
            }
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn create_workflow(&self, spec: &WorkflowSpec, by: &crate::Author) -> Result<Workflow, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let workflow = Self::insert_workflow_row(&mut tx, Uuid::now_v7(), spec).await?;
                Self::commit_edit(tx, by).await?;
                Ok(workflow)
            }

            async fn get_workflow(&self, id: Uuid) -> Result<Workflow, StoreError> {
                Self::fetch_workflow(&self.read, id)
                    .await?
                    .ok_or_else(|| StoreError::workflow_not_found(id))
            }

            async fn find_workflow_by_name(&self, name: &str) -> Result<Option<Workflow>, StoreError> {
                let sql = concat!("SELECT ", workflow_columns!(), " FROM workflows WHERE name_key = $1");
                sqlx::query_as::<_, WorkflowRow>(sql)
                    .bind(name_key(name.trim()))
                    .fetch_optional(&self.read)
                    .await?
                    .map(Workflow::try_from)
                    .transpose()
            }

            async fn list_workflows(&self, query: &WorkflowQuery) -> Result<WorkflowPage, StoreError> {
                let filter = |builder: &mut sqlx::QueryBuilder<$db>| {
                    builder.push(" WHERE 1 = 1");
                    if let Some(goal) = query.goal {
                        builder.push(" AND goal = ").push_bind(goal.as_str());
                    }
                    if let Some(active) = query.active {
                        builder.push(" AND active = ").push_bind(active);
                    }
                    if let Some(agent_id) = query.agent_id {
                        builder.push(" AND agent_id = ").push_bind(agent_id);
                    }
                    if let Some(text) = query.name_contains.as_deref().filter(|t| !t.is_empty()) {
                        builder
                            .push(" AND name_key LIKE ")
                            .push_bind(like_pattern(text))
                            .push(" ESCAPE '\\'");
                    }
                };
                let mut count = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*) FROM workflows");
                filter(&mut count);
                let total: i64 = count.build_query_scalar().fetch_one(&self.read).await?;

                let mut select = sqlx::QueryBuilder::<$db>::new(concat!("SELECT ", workflow_columns!(), " FROM workflows"));
                filter(&mut select);
                if let Some(after) = &query.after {
                    select
                        .push(" AND (priority < ")
                        .push_bind(after.priority)
                        .push(" OR (priority = ")
                        .push_bind(after.priority)
                        .push(" AND (name_key > ")
                        .push_bind(after.name_key.clone())
                        .push(" OR (name_key = ")
                        .push_bind(after.name_key.clone())
                        .push(" AND id > ")
                        .push_bind(after.id)
                        .push("))))");
                }
                let limit = query.limit.max(1);
                select
                    .push(" ORDER BY priority DESC, name_key, id LIMIT ")
                    .push_bind(i64::from(limit) + 1);
                let mut items = select
                    .build_query_as::<WorkflowRow>()
                    .fetch_all(&self.read)
                    .await?
                    .into_iter()
                    .map(Workflow::try_from)
                    .collect::<Result<Vec<_>, _>>()?;
                let next = if items.len() > limit as usize {
                    items.truncate(limit as usize);
                    items.last().map(WorkflowCursor::of)
                } else {
                    None
                };
                Ok(WorkflowPage {
                    items,
                    total: total as u64,
                    next,
                })
            }

            async fn all_workflows(&self) -> Result<Vec<Workflow>, StoreError> {
                Self::fetch_all_workflows(&self.read).await
            }

            async fn update_workflow(
                &self,
                id: Uuid,
                spec: &WorkflowSpec,
                expected_version: Option<i64>,
                by: &crate::Author,
            ) -> Result<Workflow, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let Some(workflow) = Self::update_workflow_row(&mut tx, id, spec, expected_version).await? else {
                    drop(tx);
                    return Err(self.missing_or_conflict(id).await);
                };
                Self::commit_edit(tx, by).await?;
                Ok(workflow)
            }

            async fn set_workflow_active(
                &self,
                id: Uuid,
                active: bool,
                expected_version: Option<i64>,
                by: &crate::Author,
            ) -> Result<Workflow, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let current = Self::fetch_workflow(&mut *tx, id)
                    .await?
                    .ok_or_else(|| StoreError::workflow_not_found(id))?;
                if expected_version.is_some_and(|expected| expected != current.version) {
                    return Err(StoreError::VersionConflict { current: current.version });
                }
                if current.spec.active == active {
                    // Setting the state it already has is not a change: no new version.
                    return Ok(current);
                }
                let sql = concat!("UPDATE workflows SET active = $2, version = version + 1, updated_at = $3 \
                     WHERE id = $1 AND version = $4 RETURNING ", workflow_columns!());
                let row = sqlx::query_as::<_, WorkflowRow>(sql)
                    .bind(id)
                    .bind(active)
                    .bind(StoredTime(now()))
                    .bind(current.version)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(row) = row else {
                    drop(tx);
                    return Err(self.missing_or_conflict(id).await);
                };
                let workflow = Workflow::try_from(row)?;
                Self::commit_edit(tx, by).await?;
                Ok(workflow)
            }

            async fn delete_workflow(
                &self,
                id: Uuid,
                expected_version: Option<i64>,
                by: &crate::Author,
            ) -> Result<(), StoreError> {
                let mut tx = self.write.begin_write().await?;
                let deleted = sqlx::query(
                    "DELETE FROM workflows WHERE id = $1 AND ($2 IS NULL OR version = $2)",
                )
                .bind(id)
                .bind(expected_version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if deleted == 0 {
                    drop(tx);
                    return Err(self.missing_or_conflict(id).await);
                }
                Self::commit_edit(tx, by).await
            }

            async fn workflows_revision(&self) -> Result<i64, StoreError> {
                Ok(sqlx::query_scalar("SELECT revision FROM workflow_revision WHERE id = 1")
                    .fetch_one(&self.read)
                    .await?)
            }

            async fn create_api_key(&self, name: &str, scope: ApiKeyScope, by: &Author) -> Result<NewApiKey, StoreError> {
                let secret = generate_secret();
                let mut tx = self.write.begin_write().await?;
                let sql = concat!("INSERT INTO api_keys (id, name, prefix, secret_hash, created_at, scope) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ", api_key_columns!());
                let row = sqlx::query_as::<_, ApiKeyRow>(sql)
                    .bind(Uuid::now_v7())
                    .bind(name)
                    .bind(shown_prefix(&secret))
                    .bind(hash_secret(&secret))
                    .bind(StoredTime(now()))
                    .bind(scope.as_str())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|error| match &error {
                        sqlx::Error::Database(db) if db.is_unique_violation() => {
                            StoreError::ApiKeyNameTaken(name.to_string())
                        }
                        _ => StoreError::Database(error),
                    })?;
                let key = ApiKey::try_from(row)?;
                Self::write_audit(&mut tx, api_key_change(by, AuditAction::Create, None, &key)).await?;
                tx.commit().await?;
                Ok(NewApiKey { key, secret })
            }

            async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
                let sql = concat!("SELECT ", api_key_columns!(), " FROM api_keys ORDER BY created_at, id");
                sqlx::query_as::<_, ApiKeyRow>(sql)
                    .fetch_all(&self.read)
                    .await?
                    .into_iter()
                    .map(ApiKey::try_from)
                    .collect()
            }

            async fn revoke_api_key(&self, name_or_id: &str, by: &Author) -> Result<ApiKey, StoreError> {
                let id = Uuid::parse_str(name_or_id).ok();
                let mut tx = self.write.begin_write().await?;
                let sql = concat!("UPDATE api_keys SET revoked_at = $3 \
                     WHERE revoked_at IS NULL AND (name = $1 OR id = $2) RETURNING ", api_key_columns!());
                let key = sqlx::query_as::<_, ApiKeyRow>(sql)
                    .bind(name_or_id)
                    .bind(id)
                    .bind(StoredTime(now()))
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(ApiKey::try_from)
                    .transpose()?
                    .ok_or_else(|| StoreError::NotFound {
                        what: "live API key",
                        key: format!("{name_or_id:?}"),
                    })?;
                let before = ApiKey { revoked_at: None, ..key.clone() };
                Self::write_audit(&mut tx, api_key_change(by, AuditAction::Revoke, Some(&before), &key)).await?;
                tx.commit().await?;
                Ok(key)
            }

            async fn authenticate(&self, secret: &str) -> Result<Option<ApiKey>, StoreError> {
                let sql = concat!("SELECT ", api_key_columns!(), " FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL");
                sqlx::query_as::<_, ApiKeyRow>(sql)
                    .bind(hash_secret(secret))
                    .fetch_optional(&self.read)
                    .await?
                    .map(ApiKey::try_from)
                    .transpose()
            }

            async fn count_admins(&self) -> Result<u64, StoreError> {
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admins")
                    .fetch_one(&self.read)
                    .await?;
                Ok(count as u64)
            }

            async fn create_admin(
                &self,
                email: &str,
                password_hash: &str,
                how: AdminCreation,
                by: &Author,
            ) -> Result<Admin, StoreError> {
                let email = email.trim();
                let mut tx = self.write.begin_write().await?;
                let (setup_slot, role): (Option<i32>, Role) = match how {
                    AdminCreation::FirstRun => (Some(1), Role::Owner),
                    AdminCreation::Operator(role) => (None, role),
                };
                // For the first run, insert only while no admin exists; the unique `setup_slot`
                // also stops two setups racing each other. The first account is always an owner.
                let sql = concat!("INSERT INTO admins (id, email, email_key, password_hash, setup_slot, created_at, role) \
                     SELECT $1, $2, $3, $4, $5, $6, CASE WHEN EXISTS (SELECT 1 FROM admins) THEN $7 ELSE 'owner' END \
                     WHERE $5 IS NULL OR NOT EXISTS (SELECT 1 FROM admins) \
                     RETURNING ", admin_columns!());
                let row = sqlx::query_as::<_, AdminRow>(sql)
                    .bind(Uuid::now_v7())
                    .bind(email)
                    .bind(email_key(email))
                    .bind(password_hash)
                    .bind(setup_slot)
                    .bind(StoredTime(now()))
                    .bind(role.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(|error| match &error {
                        sqlx::Error::Database(db) if db.is_unique_violation() => {
                            if db.message().contains("setup_slot") || db.constraint().is_some_and(|c| c.contains("setup_slot")) {
                                StoreError::AdminExists
                            } else {
                                StoreError::AdminEmailTaken(email.to_string())
                            }
                        }
                        _ => StoreError::Database(error),
                    })?;
                let admin = row.map(Admin::try_from).transpose()?.ok_or(StoreError::AdminExists)?;
                Self::write_audit(&mut tx, admin_change(by, AuditAction::Create, None, Some(&admin))).await?;
                tx.commit().await?;
                Ok(admin)
            }

            async fn admin_credentials(&self, email: &str) -> Result<Option<AdminCredentials>, StoreError> {
                let sql = concat!("SELECT ", admin_columns!(), ", password_hash FROM admins WHERE email_key = $1");
                sqlx::query_as::<_, AdminCredentialsRow>(sql)
                    .bind(email_key(email))
                    .fetch_optional(&self.read)
                    .await?
                    .map(|row| {
                        Ok(AdminCredentials {
                            admin: row.admin.try_into()?,
                            password_hash: row.password_hash,
                        })
                    })
                    .transpose()
            }

            async fn set_admin_password(&self, email: &str, password_hash: &str, by: &Author) -> Result<Admin, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let sql = concat!("UPDATE admins SET password_hash = $2 WHERE email_key = $1 RETURNING ", admin_columns!());
                let admin: Admin = sqlx::query_as::<_, AdminRow>(sql)
                    .bind(email_key(email))
                    .bind(password_hash)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound {
                        what: "admin",
                        key: format!("{:?}", email.trim()),
                    })?
                    .try_into()?;
                sqlx::query("DELETE FROM admin_sessions WHERE admin_id = $1")
                    .bind(admin.id)
                    .execute(&mut *tx)
                    .await?;
                // The hash is never logged: the entry says that the password changed, and who changed it.
                Self::write_audit(&mut tx, admin_change(by, AuditAction::SetPassword, None, Some(&admin))).await?;
                tx.commit().await?;
                Ok(admin)
            }

            async fn create_admin_session(
                &self,
                admin_id: Uuid,
                lifetime: time::Duration,
            ) -> Result<NewAdminSession, StoreError> {
                let at = now();
                let expires_at = at + lifetime;
                let token = random_token();
                let csrf_token = random_token();
                let mut tx = self.write.begin_write().await?;
                sqlx::query("DELETE FROM admin_sessions WHERE expires_at <= $1")
                    .bind(at.unix_timestamp())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO admin_sessions (token_hash, admin_id, csrf_token, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)")
                    .bind(hash_secret(&token))
                    .bind(admin_id)
                    .bind(&csrf_token)
                    .bind(StoredTime(at))
                    .bind(expires_at.unix_timestamp())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(NewAdminSession { token, csrf_token, expires_at })
            }

            async fn admin_session(&self, token: &str) -> Result<Option<AdminSession>, StoreError> {
                let sql = concat!("SELECT ", admin_columns!(), ", admin_sessions.csrf_token, admin_sessions.expires_at \
                     FROM admin_sessions JOIN admins ON admins.id = admin_sessions.admin_id \
                     WHERE admin_sessions.token_hash = $1 AND admin_sessions.expires_at > $2");
                let row = sqlx::query_as::<_, AdminSessionRow>(sql)
                    .bind(hash_secret(token))
                    .bind(OffsetDateTime::now_utc().unix_timestamp())
                    .fetch_optional(&self.read)
                    .await?;
                row.map(|row| {
                    Ok(AdminSession {
                        admin: row.admin.try_into()?,
                        csrf_token: row.csrf_token,
                        expires_at: OffsetDateTime::from_unix_timestamp(row.expires_at)
                            .map_err(|e| StoreError::Corrupt(format!("session expiry: {e}")))?,
                    })
                })
                .transpose()
            }

            async fn delete_admin_session(&self, token: &str) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM admin_sessions WHERE token_hash = $1")
                    .bind(hash_secret(token))
                    .execute(&self.write)
                    .await?;
                Ok(())
            }
        }
    };
}

impl_store!(SqliteStore, sqlx::Sqlite, "sqlite");
impl_store!(PostgresStore, sqlx::Postgres, "postgres");

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_sqlite_write_connection_syncs_each_commit_to_disk() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = SqliteStore::open(&dir.path().join("smsflow.db"))
            .await
            .expect("the store opens");
        const FULL: i64 = 2;
        let pool: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&store.write)
            .await
            .expect("the pool's setting");
        assert_eq!(pool, FULL);
        let writer = store
            .writer
            .run(|db| Ok(db.query_row("PRAGMA synchronous", [], |row| row.get::<_, i64>(0))?))
            .await
            .expect("the writer's setting");
        assert_eq!(writer, FULL);
    }
}
