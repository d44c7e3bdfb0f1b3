//! Changing workflows safely from the web app: edits saved to the draft (a badge on the list says
//! what it changes), the draft page with Publish and Discard, the history of versions with
//! readable diffs, and Restore (an earlier version published again as a new one). The same store
//! calls as `/api/v1/workflows/draft` and `/api/v1/workflows/versions`.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use smsflow_core::WorkflowSpec;
use smsflow_core::versions::SetDiff;
use smsflow_store::{Draft, DraftWorkflow, Publication, StoreError};
use std::collections::HashSet;
use uuid::Uuid;

use crate::AppState;
use crate::web::inbox::when;
use crate::web::session::SignedIn;
use crate::web::{Frame, WebError};
use smsflow_engine::saved_suite::SuiteError;
use smsflow_engine::workflow_sets::{diff, live_set, version_with_changes};

const HISTORY_PAGE: u32 = 50;

/// What the workflow list shows while a draft exists.
pub struct DraftBanner {
    pub revision: i64,
    pub author: String,
    pub created: usize,
    pub changed: usize,
    pub deleted: usize,
    /// Live workflows the draft changes or deletes: their rows carry the Draft badge.
    pub touched: HashSet<Uuid>,
}

/// The draft, if any, and how it differs from the live set.
pub(crate) async fn draft_banner(state: &AppState) -> Result<Option<DraftBanner>, StoreError> {
    let Some(draft) = state.store.get_draft().await? else {
        return Ok(None);
    };
    let live = live_set(state.store.as_ref()).await?;
    let (created, changed, deleted) = diff(&live, &draft.workflows).counts();
    let touched = live
        .iter()
        .filter(|workflow| {
            draft
                .workflows
                .iter()
                .find(|drafted| drafted.id == workflow.id)
                .is_none_or(|drafted| drafted.spec != workflow.spec)
        })
        .map(|workflow| workflow.id)
        .collect();
    Ok(Some(DraftBanner {
        revision: draft.revision,
        author: draft.author.to_string(),
        created,
        changed,
        deleted,
        touched,
    }))
}

/// Puts `spec` as workflow `id` (a new id for a new workflow) into the draft, started from the
/// live set when there is none: nothing is live until the draft is published. The form has no examples field, so the draft's
/// copy keeps its examples.
/// The draft's workflows and revision, or the live set (and no revision) when there is no draft:
/// what a change to the draft starts from.
pub(crate) async fn draft_or_live(
    state: &AppState,
) -> Result<(Vec<DraftWorkflow>, Option<i64>), StoreError> {
    Ok(match state.store.get_draft().await? {
        Some(draft) => (draft.workflows, Some(draft.revision)),
        None => (live_set(state.store.as_ref()).await?, None),
    })
}

pub(crate) async fn save_to_draft(
    state: &AppState,
    signed_in: &SignedIn,
    id: Uuid,
    spec: WorkflowSpec,
) -> Result<Draft, StoreError> {
    let (mut set, revision) = draft_or_live(state).await?;
    // Names are unique in the draft as in the live set (ignoring case), or it could not be published.
    let name = spec.name.as_str().to_lowercase();
    if set
        .iter()
        .any(|workflow| workflow.id != id && workflow.spec.name.as_str().to_lowercase() == name)
    {
        return Err(StoreError::NameTaken(spec.name.to_string()));
    }
    match set.iter_mut().find(|workflow| workflow.id == id) {
        Some(workflow) => {
            let examples = std::mem::take(&mut workflow.spec.examples);
            workflow.spec = WorkflowSpec { examples, ..spec };
        }
        None => set.push(DraftWorkflow { id, spec }),
    }
    state
        .store
        .save_draft(&set, revision, &signed_in.author())
        .await
}

#[derive(Template, WebTemplate)]
#[template(path = "draft.html")]
pub struct DraftPage {
    frame: Frame,
    draft: Option<DraftSummary>,
    changes: SetDiff,
    /// Why the last publish was refused, if it was.
    refused: Option<String>,
}

pub struct DraftSummary {
    revision: i64,
    base_version: i64,
    author: String,
    updated: String,
}

async fn draft_page_with(
    state: &AppState,
    signed_in: &SignedIn,
    refused: Option<String>,
) -> Result<DraftPage, WebError> {
    let draft = state.store.get_draft().await?;
    let live = live_set(state.store.as_ref()).await?;
    Ok(DraftPage {
        frame: signed_in.frame("workflows"),
        changes: draft
            .as_ref()
            .map(|draft| diff(&live, &draft.workflows))
            .unwrap_or_default(),
        draft: draft.map(|draft| DraftSummary {
            revision: draft.revision,
            base_version: draft.base_version,
            author: draft.author.to_string(),
            updated: when(&draft.updated_at),
        }),
        refused,
    })
}

pub async fn draft_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    Ok(draft_page_with(&state, &signed_in, None)
        .await?
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct PublishForm {
    /// The revision the person reviewed: a draft saved since is not published unseen.
    revision: i64,
    #[serde(default)]
    note: String,
}

pub async fn publish(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: PublishForm = crate::web::parse_form(&body, "publish")?;
    let by = signed_in.author();
    let note = Some(form.note.trim()).filter(|note| !note.is_empty());
    // The form names the reviewed revision: a draft saved since (tested or not) is refused.
    if let Err(error) = smsflow_engine::saved_suite::check_before_publish(
        state.store.as_ref(),
        &state.engine.settings,
        state.matchers.semantic().as_deref().cloned(),
    )
    .await
    {
        let page = draft_page_with(&state, &signed_in, Some(refusal(error)?)).await?;
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    let published = state
        .store
        .publish_draft(
            Some(form.revision),
            Publication {
                by: &by,
                note,
                expected_version: None,
            },
        )
        .await;
    match published {
        Ok(version) => {
            state.workflows_changed().await;
            Ok(
                Redirect::to(&format!("/workflows/history?published={}", version.number))
                    .into_response(),
            )
        }
        Err(error @ (StoreError::Stale { .. } | StoreError::DraftChanged { .. })) => {
            let page = draft_page_with(&state, &signed_in, Some(error.to_string())).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(error) => Err(error.into()),
    }
}

/// Why the saved suite refused a publish, to show on the page; other failures are errors.
fn refusal(error: SuiteError) -> Result<String, WebError> {
    match error {
        SuiteError::NoneSaved
        | SuiteError::Failed { .. }
        | SuiteError::Invalid(_)
        | SuiteError::DraftRequired => Ok(error.to_string()),
        SuiteError::Store(error) => Err(error.into()),
        SuiteError::Sandbox(error) => Err(WebError::Internal(error.to_string())),
    }
}

pub async fn discard(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    state.store.discard_draft(&signed_in.author()).await?;
    Ok(Redirect::to("/workflows?notice=discarded").into_response())
}

pub struct HistoryRow {
    number: i64,
    kind: &'static str,
    author: String,
    note: Option<String>,
    restored_from: Option<i64>,
    when: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "history.html")]
pub struct HistoryPage {
    frame: Frame,
    rows: Vec<HistoryRow>,
    latest: i64,
    /// The version just published or restored, for the notice.
    published: Option<i64>,
    older: Option<i64>,
}

#[derive(Debug, Deserialize, Default)]
pub struct HistoryQuery {
    published: Option<i64>,
    before: Option<i64>,
}

pub async fn history(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<HistoryQuery>,
) -> Result<Response, WebError> {
    let versions = state
        .store
        .list_versions(query.before, HISTORY_PAGE)
        .await?;
    let older = (versions.len() == HISTORY_PAGE as usize)
        .then(|| versions.last().map(|version| version.number))
        .flatten();
    Ok(HistoryPage {
        frame: signed_in.frame("workflows"),
        latest: state.store.latest_version().await?,
        rows: versions
            .into_iter()
            .map(|version| HistoryRow {
                number: version.number,
                kind: version.kind.as_str(),
                author: version.author.to_string(),
                note: version.note,
                restored_from: version.restored_from,
                when: when(&version.created_at),
            })
            .collect(),
        published: query.published,
        older,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "version.html")]
pub struct VersionPage {
    frame: Frame,
    number: i64,
    kind: &'static str,
    author: String,
    note: Option<String>,
    when: String,
    previous: Option<i64>,
    changes: SetDiff,
    /// The workflows of the version, by name.
    names: Vec<String>,
    is_latest: bool,
    /// Why the last restore was refused, if it was.
    refused: Option<String>,
}

fn parse_number(text: &str) -> Result<i64, WebError> {
    text.parse()
        .map_err(|_| WebError::NotFound(format!("workflow version {text} does not exist")))
}

pub async fn version_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(number): Path<String>,
) -> Result<Response, WebError> {
    Ok(
        version_page_with(&state, &signed_in, parse_number(&number)?, None)
            .await?
            .into_response(),
    )
}

async fn version_page_with(
    state: &AppState,
    signed_in: &SignedIn,
    number: i64,
    refused: Option<String>,
) -> Result<VersionPage, WebError> {
    let (version, previous, changes) = version_with_changes(state.store.as_ref(), number).await?;
    let latest = state.store.latest_version().await?;
    let summary = version.summary;
    Ok(VersionPage {
        frame: signed_in.frame("workflows"),
        number: summary.number,
        kind: summary.kind.as_str(),
        author: summary.author.to_string(),
        note: summary.note,
        when: when(&summary.created_at),
        previous,
        changes,
        names: version
            .workflows
            .iter()
            .map(|workflow| workflow.spec.name.to_string())
            .collect(),
        is_latest: summary.number == latest,
        refused,
    })
}

pub async fn restore(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(number): Path<String>,
) -> Result<Response, WebError> {
    let number = parse_number(&number)?;
    if let Err(error) = smsflow_engine::saved_suite::check_before_rollback(
        state.store.as_ref(),
        &state.engine.settings,
        state.matchers.semantic().as_deref().cloned(),
        number,
    )
    .await
    {
        let page = version_page_with(&state, &signed_in, number, Some(refusal(error)?)).await?;
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    let by = signed_in.author();
    let version = state
        .store
        .rollback(
            number,
            Publication {
                by: &by,
                note: None,
                expected_version: None,
            },
        )
        .await?;
    state.workflows_changed().await;
    Ok(Redirect::to(&format!("/workflows/history?published={}", version.number)).into_response())
}
