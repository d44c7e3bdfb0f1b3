//! SQL for versions of the workflow set and the draft, written once for both databases (see
//! `sql.rs`). Every publication runs in one transaction that first bumps the workflow revision:
//! that row lock serialises it with every other workflow change, so the checks it makes (the
//! draft's base is still the latest version) cannot be raced.

use async_trait::async_trait;
use smsflow_core::Workflow;
use sqlx::types::Json;
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{AuditAction, AuditSubject, Change};
use crate::sql::BeginWrite;
use crate::sql::{PostgresStore, SqliteStore, now};
use crate::stored_time::StoredTime;
use crate::versions::{
    Author, Draft, DraftWorkflow, Publication, VersionKind, VersionStore, VersionSummary,
    WorkflowSetVersion,
};
use crate::{StoreError, name_key};

macro_rules! version_columns {
    () => {
        "number, kind, author, note, restored_from, created_at"
    };
}
macro_rules! draft_columns {
    () => {
        "base_version, revision, author, workflows, updated_at"
    };
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    number: i64,
    kind: String,
    author: String,
    note: Option<String>,
    restored_from: Option<i64>,
    created_at: OffsetDateTime,
}

impl TryFrom<VersionRow> for VersionSummary {
    type Error = StoreError;

    fn try_from(row: VersionRow) -> Result<Self, StoreError> {
        Ok(VersionSummary {
            number: row.number,
            kind: VersionKind::parse(&row.kind)?,
            author: Author::from_stored(row.author),
            note: row.note,
            restored_from: row.restored_from,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct VersionWithSetRow {
    #[sqlx(flatten)]
    summary: VersionRow,
    workflows: Json<Vec<Workflow>>,
}

#[derive(sqlx::FromRow)]
struct DraftRow {
    base_version: i64,
    revision: i64,
    author: String,
    workflows: Json<Vec<DraftWorkflow>>,
    updated_at: OffsetDateTime,
}

impl From<DraftRow> for Draft {
    fn from(row: DraftRow) -> Self {
        Draft {
            base_version: row.base_version,
            revision: row.revision,
            author: Author::from_stored(row.author),
            updated_at: row.updated_at,
            workflows: row.workflows.0,
        }
    }
}

/// A name no workflow can have (names have no control characters): parks a renamed workflow's
/// unique key while the set is rewritten, so swapping two names does not collide half-way.
fn parked_name_key(id: Uuid) -> String {
    format!("\u{1}{id}")
}

/// A workflow as the audit log compares sets of them: by id and spec.
trait Keyed: serde::Serialize {
    fn id(&self) -> Uuid;
    fn spec(&self) -> &smsflow_core::WorkflowSpec;
}

impl Keyed for Workflow {
    fn id(&self) -> Uuid {
        self.id
    }
    fn spec(&self) -> &smsflow_core::WorkflowSpec {
        &self.spec
    }
}

impl Keyed for DraftWorkflow {
    fn id(&self) -> Uuid {
        self.id
    }
    fn spec(&self) -> &smsflow_core::WorkflowSpec {
        &self.spec
    }
}

/// What changed from `previous` to `current`: the workflows as they were and as they are (only
/// those created, changed or deleted), and their names for a summary.
struct SetChange<'w, W> {
    before: Vec<&'w W>,
    after: Vec<&'w W>,
    /// e.g. `"Leads", "Support" (deleted)`, or `no workflow changed`.
    what: String,
}

fn set_change<'w, W: Keyed>(previous: &'w [W], current: &'w [W]) -> SetChange<'w, W> {
    let before: Vec<&W> = previous
        .iter()
        .filter(|old| {
            !current
                .iter()
                .any(|new| new.id() == old.id() && new.spec() == old.spec())
        })
        .collect();
    let after: Vec<&W> = current
        .iter()
        .filter(|new| {
            !previous
                .iter()
                .any(|old| old.id() == new.id() && old.spec() == new.spec())
        })
        .collect();
    let mut names: Vec<String> = after
        .iter()
        .map(|w| format!("{:?}", w.spec().name.as_str()))
        .collect();
    names.extend(
        before
            .iter()
            .filter(|old| !after.iter().any(|new| new.id() == old.id()))
            .map(|w| format!("{:?} (deleted)", w.spec().name.as_str())),
    );
    let what = if names.is_empty() {
        "no workflow changed".to_string()
    } else {
        names.join(", ")
    };
    SetChange {
        before,
        after,
        what,
    }
}

/// The audit entry of a new version: the workflows it created, changed or deleted, as they were
/// before and are after (the whole sets stay in the version history).
fn version_change<'a>(
    by: &'a Author,
    number: i64,
    kind: VersionKind,
    restored_from: Option<i64>,
    previous: &[Workflow],
    current: &[Workflow],
) -> Change<'a> {
    let SetChange {
        before,
        after,
        what,
    } = set_change(previous, current);
    let summary = match restored_from {
        Some(earlier) => format!("version {number} restores version {earlier}: {what}"),
        None => format!("version {number}: {what}"),
    };
    let action = match kind {
        VersionKind::Rollback => AuditAction::Rollback,
        VersionKind::Publish => AuditAction::Publish,
        // A direct edit touches one workflow: created, deleted or changed.
        VersionKind::Baseline | VersionKind::Edit => match (before.is_empty(), after.is_empty()) {
            (true, false) => AuditAction::Create,
            (false, true) => AuditAction::Delete,
            _ => AuditAction::Update,
        },
    };
    Change::of(
        by,
        action,
        AuditSubject::Workflows,
        number.to_string(),
        summary,
        Some(&before),
        Some(&after),
    )
}

/// The audit entry of a draft saved (`Create` for a new draft, `Update`): the workflows the save
/// changed from `previous` (the draft it replaced, or the live set), as they were and are; or
/// discarded (`Delete`, `previous` the live set). Nothing goes live either way.
fn draft_change<'a>(
    by: &'a Author,
    action: AuditAction,
    revision: i64,
    previous: &[DraftWorkflow],
    current: &[DraftWorkflow],
) -> Change<'a> {
    let SetChange {
        before,
        after,
        what,
    } = set_change(previous, current);
    let (summary, before, after) = match action {
        // A discard reads the other way: `previous` is the live set, `current` the draft thrown
        // away; before holds what the draft had, after what stays live.
        AuditAction::Delete => (
            format!("draft revision {revision} discarded: it changed {what}"),
            after,
            before,
        ),
        _ => (format!("draft revision {revision}: {what}"), before, after),
    };
    Change::of(
        by,
        action,
        AuditSubject::Draft,
        revision.to_string(),
        summary,
        Some(&before),
        Some(&after),
    )
}

macro_rules! impl_version_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Records the live set, as it now is in `tx`, as version `number`.
            pub(crate) async fn record_version(
                tx: &mut sqlx::Transaction<'_, $db>,
                number: i64,
                kind: VersionKind,
                by: &Author,
                note: Option<&str>,
                restored_from: Option<i64>,
            ) -> Result<VersionSummary, StoreError> {
                let workflows = Self::fetch_all_workflows(&mut **tx).await?;
                if kind != VersionKind::Baseline {
                    let previous: Option<Json<Vec<Workflow>>> = sqlx::query_scalar(
                        "SELECT workflows FROM workflow_versions ORDER BY number DESC LIMIT 1",
                    )
                    .fetch_optional(&mut **tx)
                    .await?;
                    let previous = previous.map(|set| set.0).unwrap_or_default();
                    Self::write_audit(tx, version_change(by, number, kind, restored_from, &previous, &workflows)).await?;
                }
                let sql = concat!("INSERT INTO workflow_versions (number, kind, author, note, restored_from, workflows, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ", version_columns!());
                sqlx::query_as::<_, VersionRow>(sql)
                    .bind(number)
                    .bind(kind.as_str())
                    .bind(by.as_str())
                    .bind(note)
                    .bind(restored_from)
                    .bind(Json(&workflows))
                    .bind(StoredTime(now()))
                    .fetch_one(&mut **tx)
                    .await?
                    .try_into()
            }

            /// A database that had workflows before version history existed starts its history
            /// with them, so the first change can be rolled back too. Idempotent.
            pub(crate) async fn ensure_version_baseline(&self) -> Result<(), StoreError> {
                let mut tx = self.write.begin_write().await?;
                // A no-op update takes the revision row's lock: no change can slip in between.
                let revision: i64 = sqlx::query_scalar(
                    "UPDATE workflow_revision SET revision = revision WHERE id = 1 RETURNING revision",
                )
                .fetch_one(&mut *tx)
                .await?;
                let has_versions: bool =
                    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM workflow_versions)")
                        .fetch_one(&mut *tx)
                        .await?;
                let has_workflows: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM workflows)")
                    .fetch_one(&mut *tx)
                    .await?;
                if has_versions || !has_workflows {
                    return Ok(());
                }
                Self::record_version(
                    &mut tx,
                    revision,
                    VersionKind::Baseline,
                    &Author::system(),
                    Some("the workflows as they were when version history began"),
                    None,
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn latest_in(tx: &mut sqlx::Transaction<'_, $db>) -> Result<i64, StoreError> {
                Ok(sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) FROM workflow_versions")
                    .fetch_one(&mut **tx)
                    .await?)
            }

            /// Starts a publication: takes the next revision (and with it the lock), and checks
            /// that the caller's view of the latest version still holds.
            async fn begin_publication(
                &self,
                publication: &Publication<'_>,
            ) -> Result<(sqlx::Transaction<'_, $db>, i64, i64), StoreError> {
                let mut tx = self.write.begin_write().await?;
                let number = Self::bump_revision(&mut tx).await?;
                let latest = Self::latest_in(&mut tx).await?;
                if let Some(base) = publication.expected_version
                    && base != latest
                {
                    return Err(StoreError::Stale { base, latest });
                }
                Ok((tx, number, latest))
            }

            /// Makes `target` the live set: deletes what it lacks, rewrites what differs and
            /// inserts what is new, keeping the ids (and so the conversations that point at them).
            async fn replace_live_set(
                tx: &mut sqlx::Transaction<'_, $db>,
                target: &[DraftWorkflow],
            ) -> Result<(), StoreError> {
                let live: HashMap<Uuid, Workflow> = Self::fetch_all_workflows(&mut **tx)
                    .await?
                    .into_iter()
                    .map(|workflow| (workflow.id, workflow))
                    .collect();
                let kept: HashSet<Uuid> = target.iter().map(|workflow| workflow.id).collect();
                for id in live.keys().filter(|id| !kept.contains(id)) {
                    sqlx::query("DELETE FROM workflows WHERE id = $1")
                        .bind(id)
                        .execute(&mut **tx)
                        .await?;
                }
                let changed: Vec<&DraftWorkflow> = target
                    .iter()
                    .filter(|workflow| live.get(&workflow.id).is_some_and(|old| old.spec != workflow.spec))
                    .collect();
                for workflow in &changed {
                    let old_name = live[&workflow.id].spec.name.as_str();
                    if name_key(old_name) != name_key(workflow.spec.name.as_str()) {
                        sqlx::query("UPDATE workflows SET name_key = $2 WHERE id = $1")
                            .bind(workflow.id)
                            .bind(parked_name_key(workflow.id))
                            .execute(&mut **tx)
                            .await?;
                    }
                }
                for workflow in changed {
                    Self::update_workflow_row(tx, workflow.id, &workflow.spec, None).await?;
                }
                for workflow in target.iter().filter(|workflow| !live.contains_key(&workflow.id)) {
                    Self::insert_workflow_row(tx, workflow.id, &workflow.spec).await?;
                }
                Ok(())
            }

            async fn live_as_draft(
                tx: &mut sqlx::Transaction<'_, $db>,
            ) -> Result<Vec<DraftWorkflow>, StoreError> {
                Ok(Self::fetch_all_workflows(&mut **tx)
                    .await?
                    .iter()
                    .map(DraftWorkflow::from)
                    .collect())
            }

            async fn fetch_draft(
                executor: impl sqlx::Executor<'_, Database = $db>,
            ) -> Result<Option<Draft>, StoreError> {
                let sql = concat!("SELECT ", draft_columns!(), " FROM workflow_drafts WHERE id = 1");
                Ok(sqlx::query_as::<_, DraftRow>(sql)
                    .fetch_optional(executor)
                    .await?
                    .map(Draft::from))
            }
        }

        #[async_trait]
        impl VersionStore for $store {
            async fn latest_version(&self) -> Result<i64, StoreError> {
                Ok(sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) FROM workflow_versions")
                    .fetch_one(&self.read)
                    .await?)
            }

            async fn list_versions(
                &self,
                before: Option<i64>,
                limit: u32,
            ) -> Result<Vec<VersionSummary>, StoreError> {
                let sql = concat!("SELECT ", version_columns!(), " FROM workflow_versions \
                     WHERE ($1 IS NULL OR number < $1) ORDER BY number DESC LIMIT $2");
                sqlx::query_as::<_, VersionRow>(sql)
                    .bind(before)
                    .bind(i64::from(limit.max(1)))
                    .fetch_all(&self.read)
                    .await?
                    .into_iter()
                    .map(VersionSummary::try_from)
                    .collect()
            }

            async fn get_version(&self, number: i64) -> Result<WorkflowSetVersion, StoreError> {
                let sql = concat!("SELECT ", version_columns!(), ", workflows FROM workflow_versions WHERE number = $1");
                let row = sqlx::query_as::<_, VersionWithSetRow>(sql)
                    .bind(number)
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or_else(|| StoreError::NotFound {
                        what: "workflow version",
                        key: number.to_string(),
                    })?;
                Ok(WorkflowSetVersion {
                    summary: row.summary.try_into()?,
                    workflows: row.workflows.0,
                })
            }

            async fn get_draft(&self) -> Result<Option<Draft>, StoreError> {
                Self::fetch_draft(&self.read).await
            }

            async fn save_draft(
                &self,
                workflows: &[DraftWorkflow],
                expected_revision: Option<i64>,
                by: &Author,
            ) -> Result<Draft, StoreError> {
                let mut tx = self.write.begin_write().await?;
                // What the save changes, for the audit log: the draft it replaces, or the live set.
                let previous = match Self::fetch_draft(&mut *tx).await? {
                    Some(draft) => draft.workflows,
                    None => Self::live_as_draft(&mut tx).await?,
                };
                let saved = match expected_revision {
                    None => {
                        let sql = concat!("INSERT INTO workflow_drafts (id, base_version, revision, author, workflows, updated_at) \
                             SELECT 1, COALESCE(MAX(number), 0), 1, $1, $2, $3 FROM workflow_versions WHERE TRUE \
                             ON CONFLICT (id) DO NOTHING RETURNING ", draft_columns!());
                        sqlx::query_as::<_, DraftRow>(sql)
                            .bind(by.as_str())
                            .bind(Json(workflows))
                            .bind(StoredTime(now()))
                            .fetch_optional(&mut *tx)
                            .await?
                    }
                    Some(revision) => {
                        let sql = concat!("UPDATE workflow_drafts SET revision = revision + 1, author = $2, workflows = $3, \
                             updated_at = $4 WHERE id = 1 AND revision = $1 RETURNING ", draft_columns!());
                        sqlx::query_as::<_, DraftRow>(sql)
                            .bind(revision)
                            .bind(by.as_str())
                            .bind(Json(workflows))
                            .bind(StoredTime(now()))
                            .fetch_optional(&mut *tx)
                            .await?
                    }
                };
                match saved {
                    Some(row) => {
                        let draft = Draft::from(row);
                        let action = if expected_revision.is_some() { AuditAction::Update } else { AuditAction::Create };
                        Self::write_audit(&mut tx, draft_change(by, action, draft.revision, &previous, &draft.workflows)).await?;
                        tx.commit().await?;
                        Ok(draft)
                    }
                    None => Err(StoreError::DraftChanged {
                        current: Self::fetch_draft(&mut *tx).await?.map(|draft| draft.revision),
                    }),
                }
            }

            async fn discard_draft(&self, by: &Author) -> Result<(), StoreError> {
                let mut tx = self.write.begin_write().await?;
                let Some(draft) = Self::fetch_draft(&mut *tx).await? else {
                    return Ok(());
                };
                sqlx::query("DELETE FROM workflow_drafts WHERE id = 1")
                    .execute(&mut *tx)
                    .await?;
                let live = Self::live_as_draft(&mut tx).await?;
                Self::write_audit(&mut tx, draft_change(by, AuditAction::Delete, draft.revision, &live, &draft.workflows)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn publish_draft(
                &self,
                expected_revision: Option<i64>,
                publication: Publication<'_>,
            ) -> Result<VersionSummary, StoreError> {
                let (mut tx, number, latest) = self.begin_publication(&publication).await?;
                let draft = Self::fetch_draft(&mut *tx).await?;
                let draft = match draft {
                    None => return Err(StoreError::DraftChanged { current: None }),
                    Some(draft) if expected_revision.is_some_and(|r| r != draft.revision) => {
                        return Err(StoreError::DraftChanged { current: Some(draft.revision) });
                    }
                    Some(draft) => draft,
                };
                if draft.base_version != latest {
                    return Err(StoreError::Stale { base: draft.base_version, latest });
                }
                Self::replace_live_set(&mut tx, &draft.workflows).await?;
                let version = Self::record_version(
                    &mut tx,
                    number,
                    VersionKind::Publish,
                    publication.by,
                    publication.note,
                    None,
                )
                .await?;
                sqlx::query("DELETE FROM workflow_drafts WHERE id = 1")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(version)
            }

            async fn publish_set(
                &self,
                workflows: &[DraftWorkflow],
                publication: Publication<'_>,
            ) -> Result<VersionSummary, StoreError> {
                let (mut tx, number, _) = self.begin_publication(&publication).await?;
                Self::replace_live_set(&mut tx, workflows).await?;
                let version = Self::record_version(
                    &mut tx,
                    number,
                    VersionKind::Publish,
                    publication.by,
                    publication.note,
                    None,
                )
                .await?;
                tx.commit().await?;
                Ok(version)
            }

            async fn rollback(
                &self,
                number: i64,
                publication: Publication<'_>,
            ) -> Result<VersionSummary, StoreError> {
                let (mut tx, new_number, _) = self.begin_publication(&publication).await?;
                let Some(Json(earlier)) = sqlx::query_scalar::<_, Json<Vec<Workflow>>>(
                    "SELECT workflows FROM workflow_versions WHERE number = $1",
                )
                .bind(number)
                .fetch_optional(&mut *tx)
                .await?
                else {
                    return Err(StoreError::NotFound {
                        what: "workflow version",
                        key: number.to_string(),
                    });
                };
                let target: Vec<DraftWorkflow> = earlier.iter().map(DraftWorkflow::from).collect();
                Self::replace_live_set(&mut tx, &target).await?;
                let version = Self::record_version(
                    &mut tx,
                    new_number,
                    VersionKind::Rollback,
                    publication.by,
                    publication.note,
                    Some(number),
                )
                .await?;
                tx.commit().await?;
                Ok(version)
            }
        }
    };
}

impl_version_store!(SqliteStore, sqlx::Sqlite);
impl_version_store!(PostgresStore, sqlx::Postgres);
