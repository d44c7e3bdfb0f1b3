//! Versions of the workflow set: every change to the live workflows is recorded as a numbered
//! version (the workflow revision it made), with who made it and the whole set as it then was. A
//! draft is one change set to the whole set, edited apart from the live workflows and published at
//! once.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use smsflow_core::{Workflow, WorkflowSpec};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::StoreError;

/// Who made a change, as people will read it in the history: `api key "ci"`, `admin ann@example.com`,
/// `cli (ann)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct Author(String);

impl Author {
    pub fn api_key(name: &str) -> Self {
        Author(format!("api key {name:?}"))
    }

    pub fn admin(email: &str) -> Self {
        Author(format!("admin {email}"))
    }

    /// The command line, with the operating-system user running it.
    pub fn cli() -> Self {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown user".into());
        Author(format!("cli ({user})"))
    }

    /// The one-time setup page of the web app (whoever reached it first made the first admin).
    pub fn setup_page() -> Self {
        Author("setup page".into())
    }

    /// smsflow itself, e.g. the demo workflows `smsflow chat` creates.
    pub fn system() -> Self {
        Author("smsflow".into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn from_stored(text: String) -> Self {
        Author(text)
    }
}

impl std::fmt::Display for Author {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a version came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionKind {
    /// The workflows as they were when version history began (an upgraded database).
    Baseline,
    /// One workflow created, changed or deleted directly (the API's PUT, PATCH, DELETE, ...).
    Edit,
    /// A draft (or a set of files) published as a whole.
    Publish,
    /// An earlier version published again.
    Rollback,
}

impl VersionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::Edit => "edit",
            Self::Publish => "publish",
            Self::Rollback => "rollback",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Self, StoreError> {
        [Self::Baseline, Self::Edit, Self::Publish, Self::Rollback]
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| StoreError::Corrupt(format!("version kind {text:?}")))
    }
}

/// One entry of the history.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct VersionSummary {
    /// Increases with every change; the explanation of each message names the version it was
    /// routed with.
    pub number: i64,
    pub kind: VersionKind,
    pub author: Author,
    /// What the author said about it, if anything.
    pub note: Option<String>,
    /// For a rollback, the version it restored.
    pub restored_from: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// A version and the whole workflow set as it was published.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct WorkflowSetVersion {
    #[serde(flatten)]
    pub summary: VersionSummary,
    pub workflows: Vec<Workflow>,
}

/// A workflow of a draft: the id it has (or will have) once published, and its spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DraftWorkflow {
    pub id: Uuid,
    #[serde(flatten)]
    pub spec: WorkflowSpec,
}

/// The draft: the whole workflow set as it will be once published.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Draft {
    /// The version the draft started from: publishing is refused once another version exists.
    pub base_version: i64,
    /// Increases with every save of the draft; send it back (`If-Match`) to save or publish.
    pub revision: i64,
    pub author: Author,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    pub workflows: Vec<DraftWorkflow>,
}

/// What to publish in one version.
#[derive(Debug, Clone)]
pub struct Publication<'a> {
    pub by: &'a Author,
    pub note: Option<&'a str>,
    /// Refuse with [`StoreError::Stale`] unless this is still the latest version.
    pub expected_version: Option<i64>,
}

#[async_trait]
pub trait VersionStore: Send + Sync {
    /// The latest version number (0 before the first change).
    async fn latest_version(&self) -> Result<i64, StoreError>;
    /// Newest first; `before` pages back through older versions.
    async fn list_versions(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<VersionSummary>, StoreError>;
    async fn get_version(&self, number: i64) -> Result<WorkflowSetVersion, StoreError>;

    async fn get_draft(&self) -> Result<Option<Draft>, StoreError>;
    /// Saves the whole draft, with an audit entry. `expected_revision` is the revision being replaced, or `None` to
    /// start a draft when there is none; otherwise [`StoreError::DraftChanged`].
    async fn save_draft(
        &self,
        workflows: &[DraftWorkflow],
        expected_revision: Option<i64>,
        by: &Author,
    ) -> Result<Draft, StoreError>;
    /// Forgets the draft (logged as done `by` them); discarding when there is none is not an error.
    async fn discard_draft(&self, by: &Author) -> Result<(), StoreError>;
    /// Makes the draft (at `expected_revision`, if given) the live set as one new version and
    /// forgets it. Refused with [`StoreError::Stale`] when another version was made since the
    /// draft started: nothing is merged silently.
    async fn publish_draft(
        &self,
        expected_revision: Option<i64>,
        publication: Publication<'_>,
    ) -> Result<VersionSummary, StoreError>;
    /// Makes `workflows` the live set as one new version (workflows not listed are deleted).
    async fn publish_set(
        &self,
        workflows: &[DraftWorkflow],
        publication: Publication<'_>,
    ) -> Result<VersionSummary, StoreError>;
    /// Publishes the set of an earlier version again, exactly, as a new version.
    async fn rollback(
        &self,
        number: i64,
        publication: Publication<'_>,
    ) -> Result<VersionSummary, StoreError>;
}

impl From<&Workflow> for DraftWorkflow {
    fn from(workflow: &Workflow) -> Self {
        DraftWorkflow {
            id: workflow.id,
            spec: workflow.spec.clone(),
        }
    }
}
