//! `/api/v1/workflows/draft` and `/api/v1/workflows/versions`: change the workflow set safely. Edits
//! collect in one draft (the whole set), publishing makes it live as one version, every version is
//! kept with who made it, and any earlier version can be published again.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use smsflow_core::versions::SetDiff;
use smsflow_core::{Problems, WorkflowDraft};
use smsflow_store::{
    ApiKey, Author, Draft, Publication, StoreError, VersionSummary, WorkflowSetVersion,
};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ProblemDocument};
use crate::extract::{ApiJson, ApiQuery, etag, if_match_version};
use smsflow_engine::workflow_sets::{diff, draft_set, live_set, version_with_changes};

const TAG: &str = "versions";
const DEFAULT_PAGE: u32 = 20;
const MAX_PAGE: u32 = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_draft, save_draft, discard_draft))
        .routes(routes!(publish_draft))
        .routes(routes!(list_versions))
        .routes(routes!(get_version))
        .routes(routes!(rollback))
}

/// The draft, and what publishing it would change.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftView {
    #[serde(flatten)]
    draft: Draft,
    /// The draft against the live workflows.
    changes: SetDiff,
}

/// The whole workflow set as it should be once published.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftRequest {
    /// Every workflow of the set. A workflow keeps its `id`; without one it takes the id of the live
    /// workflow with its name, or is new. Live workflows not listed are deleted on publish.
    workflows: Vec<WorkflowDraft>,
}

/// Optional words for the history.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// Why, for the history.
    note: Option<String>,
    /// Refuse unless this is still the latest version (what you reviewed).
    expected_version: Option<i64>,
}

fn with_revision(status: StatusCode, view: DraftView) -> Response {
    let tag = HeaderValue::from_str(&etag(view.draft.revision)).expect("an ETag is ASCII");
    let mut response = (status, axum::Json(view)).into_response();
    response.headers_mut().insert(header::ETAG, tag);
    response
}

async fn view(state: &AppState, draft: Draft) -> Result<DraftView, ApiError> {
    let live = live_set(state.store.as_ref()).await?;
    Ok(DraftView {
        changes: diff(&live, &draft.workflows),
        draft,
    })
}

/// A draft conflict is 412 when the caller named a revision with `If-Match`, else 409.
fn draft_error(error: StoreError, if_match: bool) -> ApiError {
    match error {
        StoreError::DraftChanged {
            current: Some(current),
        } if if_match => ApiError::PreconditionFailed { current },
        other => other.into(),
    }
}

#[utoipa::path(get, path = "/workflows/draft", tag = TAG,
    description = "The draft of the workflow set (its revision is the `ETag`) and what publishing it would change.",
    responses((status = 200, body = DraftView), (status = 401, body = ProblemDocument),
              (status = 404, body = ProblemDocument, description = "There is no draft")))]
async fn get_draft(State(state): State<AppState>) -> Result<Response, ApiError> {
    let draft = state.store.get_draft().await?.ok_or_else(|| {
        ApiError::NotFound("there is no draft: PUT /api/v1/workflows/draft starts one".into())
    })?;
    Ok(with_revision(StatusCode::OK, view(&state, draft).await?))
}

#[utoipa::path(put, path = "/workflows/draft", tag = TAG, request_body = DraftRequest,
    description = "Saves the whole draft (recorded in the audit log); nothing is live until it is published. Without `If-Match` a new draft is started (409 if one exists); with the `ETag` of GET it replaces that revision (412 if it changed since).",
    responses((status = 200, body = DraftView), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument),
              (status = 409, body = ProblemDocument), (status = 412, body = ProblemDocument)))]
async fn save_draft(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<DraftRequest>,
) -> Result<Response, ApiError> {
    let expected = if_match_version(&headers)?;
    let live = live_set(state.store.as_ref()).await?;
    let set = draft_set(&request.workflows, &live)
        .map_err(|problems| ApiError::Invalid(problems.within("workflows")))?;
    for (i, workflow) in set.iter().enumerate() {
        crate::api::workflows::check_agent(&state, &workflow.spec)
            .await
            .map_err(|error| match error {
                ApiError::Invalid(problems) => {
                    ApiError::Invalid(problems.within(&format!("workflows[{i}]")))
                }
                other => other,
            })?;
    }
    let draft = state
        .store
        .save_draft(&set, expected, &Author::api_key(&caller.name))
        .await
        .map_err(|error| draft_error(error, expected.is_some()))?;
    Ok(with_revision(StatusCode::OK, view(&state, draft).await?))
}

#[utoipa::path(delete, path = "/workflows/draft", tag = TAG,
    description = "Discards the draft (not an error when there is none); the audit log records it.",
    responses((status = 204), (status = 401, body = ProblemDocument)))]
async fn discard_draft(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .discard_draft(&Author::api_key(&caller.name))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/workflows/draft/publish", tag = TAG, request_body = PublishRequest,
    description = "Makes the draft live, all at once, as a new version. Send `If-Match` with the draft's ETag to publish exactly what you reviewed (412 if it was saved since). Refused with 409 when another version was published (or a workflow edited directly) since the draft started: nothing is merged silently; and, with `publish_requires_tests`, when the saved conversation-test suite fails against the draft (the message names the failing tests).",
    responses((status = 201, body = VersionSummary), (status = 401, body = ProblemDocument),
              (status = 404, body = ProblemDocument), (status = 409, body = ProblemDocument),
              (status = 412, body = ProblemDocument)))]
async fn publish_draft(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PublishRequest>,
) -> Result<Response, ApiError> {
    let if_match = if_match_version(&headers)?;
    let tested = smsflow_engine::saved_suite::check_before_publish(
        state.store.as_ref(),
        &state.engine.settings,
        state.matchers.semantic().as_deref().cloned(),
    )
    .await?;
    let expected = if_match.or(tested);
    let by = Author::api_key(&caller.name);
    let version = state
        .store
        .publish_draft(
            expected,
            Publication {
                by: &by,
                note: request.note.as_deref(),
                expected_version: request.expected_version,
            },
        )
        .await
        .map_err(|error| draft_error(error, if_match.is_some()))?;
    state.workflows_changed().await;
    Ok((StatusCode::CREATED, axum::Json(version)).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Only versions older than this number (the last `number` of the previous page).
    before: Option<i64>,
    /// Page size, 1 to 100 (default 20).
    limit: Option<u32>,
}

/// Versions, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionList {
    items: Vec<VersionSummary>,
}

#[utoipa::path(get, path = "/workflows/versions", tag = TAG, params(HistoryParams),
    description = "The history of the workflow set, newest first: every change is a version, with who made it.",
    responses((status = 200, body = VersionList), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument)))]
async fn list_versions(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<HistoryParams>,
) -> Result<axum::Json<VersionList>, ApiError> {
    let limit = params.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::Invalid(Problems::single(
            "query.limit",
            format!("must be between 1 and {MAX_PAGE}"),
        )));
    }
    Ok(axum::Json(VersionList {
        items: state.store.list_versions(params.before, limit).await?,
    }))
}

/// A version: the whole set, and what it changed from the version before it.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    #[serde(flatten)]
    version: WorkflowSetVersion,
    /// The version before this one, if any is kept.
    previous: Option<i64>,
    /// What this version changed.
    changes: SetDiff,
}

fn parse_number(text: &str) -> Result<i64, ApiError> {
    text.parse()
        .map_err(|_| ApiError::NotFound(format!("workflow version {text} does not exist")))
}

#[utoipa::path(get, path = "/workflows/versions/{number}", tag = TAG, params(("number" = i64, Path)),
    responses((status = 200, body = VersionView), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn get_version(
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> Result<axum::Json<VersionView>, ApiError> {
    let (version, previous, changes) =
        version_with_changes(state.store.as_ref(), parse_number(&number)?).await?;
    Ok(axum::Json(VersionView {
        version,
        previous,
        changes,
    }))
}

#[utoipa::path(post, path = "/workflows/versions/{number}/rollback", tag = TAG, params(("number" = i64, Path)),
    request_body = PublishRequest,
    description = "Publishes this earlier version's workflows again, exactly, as a new version (the draft, if any, is kept but can no longer be published). With `publish_requires_tests`, refused with 409 when the saved conversation-test suite fails against that version (the message names the failing tests).",
    responses((status = 201, body = VersionSummary), (status = 401, body = ProblemDocument),
              (status = 404, body = ProblemDocument), (status = 409, body = ProblemDocument)))]
async fn rollback(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    Path(number): Path<String>,
    ApiJson(request): ApiJson<PublishRequest>,
) -> Result<Response, ApiError> {
    let number = parse_number(&number)?;
    smsflow_engine::saved_suite::check_before_rollback(
        state.store.as_ref(),
        &state.engine.settings,
        state.matchers.semantic().as_deref().cloned(),
        number,
    )
    .await?;
    let by = Author::api_key(&caller.name);
    let version = state
        .store
        .rollback(
            number,
            Publication {
                by: &by,
                note: request.note.as_deref(),
                expected_version: request.expected_version,
            },
        )
        .await?;
    state.workflows_changed().await;
    Ok((StatusCode::CREATED, axum::Json(version)).into_response())
}
