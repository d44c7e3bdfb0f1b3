//! `/api/v1/workflows/replays`: replay stored texts against the draft (or the published set) as a
//! background job, then read its report.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use smsflow_core::Problems;
use std::sync::atomic::Ordering;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::error::{ApiError, ProblemDocument};
use crate::extract::ApiJson;
use smsflow_engine::replay::{ReplayJob, ReplayReport, ReplayRequest, parse_since};

const TAG: &str = "versions";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_replay))
        .routes(routes!(get_replay))
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Running,
    Done,
    Failed,
}

/// A replay job: its progress while it runs, its report once done.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayJobView {
    id: Uuid,
    status: JobStatus,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    started_at: time::OffsetDateTime,
    /// Texts read from the database so far.
    loaded: usize,
    /// Texts replayed so far.
    done: usize,
    /// Texts to replay, once they are all read.
    total: Option<usize>,
    report: Option<ReplayReport>,
    /// Why the job failed.
    error: Option<String>,
}

impl From<&ReplayJob> for ReplayJobView {
    fn from(job: &ReplayJob) -> Self {
        let (status, report, error) = match job.result.get() {
            None => (JobStatus::Running, None, None),
            Some(Ok(report)) => (JobStatus::Done, Some(report.clone()), None),
            Some(Err(error)) => (JobStatus::Failed, None, Some(error.clone())),
        };
        ReplayJobView {
            id: job.id,
            status,
            started_at: job.started_at,
            loaded: job.loaded.load(Ordering::Relaxed),
            done: job.done.load(Ordering::Relaxed),
            total: job.total.get().copied(),
            report,
            error,
        }
    }
}

#[utoipa::path(post, path = "/workflows/replays", tag = TAG, request_body = ReplayRequest,
    description = "Starts replaying stored inbound texts (routing and the builtin agent's reply; nothing is stored or sent). Poll the job named in `Location` for progress and the report.",
    responses((status = 202, body = ReplayJobView), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument)))]
async fn start_replay(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ReplayRequest>,
) -> Result<Response, ApiError> {
    let now = time::OffsetDateTime::now_utc();
    let since = parse_since(request.since.as_deref().unwrap_or("7d"), now)
        .map_err(|message| ApiError::Invalid(Problems::single("since", message)))?;
    if request.draft && state.store.get_draft().await?.is_none() {
        return Err(ApiError::Invalid(Problems::single(
            "draft",
            "there is no draft to replay: save one with PUT /api/v1/workflows/draft, or send \"draft\": false to replay the published workflows",
        )));
    }
    let job = state.start_replay(since, request);
    let location = format!("/api/v1/workflows/replays/{}", job.id);
    let mut response = (
        StatusCode::ACCEPTED,
        axum::Json(ReplayJobView::from(job.as_ref())),
    )
        .into_response();
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&location).expect("a path is ASCII"),
    );
    Ok(response)
}

#[utoipa::path(get, path = "/workflows/replays/{id}", tag = TAG, params(("id" = Uuid, Path)),
    responses((status = 200, body = ReplayJobView), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn get_replay(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<ReplayJobView>, ApiError> {
    let missing = || {
        ApiError::NotFound(format!(
            "replay {id} does not exist (jobs are kept by the process that ran them, until it restarts)"
        ))
    };
    let id = Uuid::parse_str(&id).map_err(|_| missing())?;
    let job = state.replays.get(id).ok_or_else(missing)?;
    Ok(axum::Json(ReplayJobView::from(job.as_ref())))
}
