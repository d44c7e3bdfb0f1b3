//! The Replay page: run stored texts against the draft (or the published workflows) in the
//! background, watch the progress bar, then read what would change in a table you can filter.
//! The same jobs as `POST /api/v1/workflows/replays`.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::atomic::Ordering;
use uuid::Uuid;

use crate::AppState;
use crate::web::session::SignedIn;
use crate::web::{Frame, WebError};
use smsflow_engine::replay::{Move, ReplayJob, ReplayReport, ReplayRequest, Rerouted, parse_since};

/// The periods the form offers: value and label.
const PERIODS: [(&str, &str); 4] = [
    ("24h", "The last 24 hours"),
    ("7d", "The last 7 days"),
    ("30d", "The last 30 days"),
    ("90d", "The last 90 days"),
];

#[derive(Template, WebTemplate)]
#[template(path = "replay.html")]
pub struct ReplayFormPage {
    frame: Frame,
    periods: [(&'static str, &'static str); 4],
    has_draft: bool,
}

pub async fn form_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    Ok(ReplayFormPage {
        frame: signed_in.frame("workflows"),
        periods: PERIODS,
        has_draft: state.store.get_draft().await?.is_some(),
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct StartForm {
    since: String,
    /// `draft` or `published`.
    against: String,
}

pub async fn start(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: StartForm = crate::web::parse_form(&body, "replay")?;
    let since = PERIODS
        .iter()
        .find(|(value, _)| *value == form.since)
        .ok_or_else(|| WebError::Refused("choose one of the periods the form offers".into()))
        .and_then(|(value, _)| {
            parse_since(value, time::OffsetDateTime::now_utc()).map_err(WebError::Refused)
        })?;
    let draft = form.against == "draft";
    if draft && state.store.get_draft().await?.is_none() {
        let page = ReplayFormPage {
            frame: signed_in.frame("workflows"),
            periods: PERIODS,
            has_draft: false,
        };
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    let job = state.start_replay(
        since,
        ReplayRequest {
            since: Some(form.since),
            conversations: Vec::new(),
            draft,
        },
    );
    Ok(Redirect::to(&format!("/workflows/replay/{}", job.id)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "replay_job.html")]
pub struct JobPage {
    frame: Frame,
    id: Uuid,
    done: usize,
    /// Known once every text is read.
    total: Option<usize>,
    report: Option<ReplayReport>,
    error: Option<String>,
    /// The rerouted texts the filters keep.
    rerouted: Vec<Rerouted>,
    /// The filters as typed.
    workflow: String,
    q: String,
    /// Every workflow named in the report, for the filter.
    workflows: Vec<String>,
}

impl JobPage {
    fn percent(&self) -> usize {
        match self.total {
            Some(0) => 100,
            Some(total) => self.done * 100 / total,
            None => 0,
        }
    }

    fn moved_label(step: &Move) -> String {
        let name =
            |workflow: &Option<String>| workflow.clone().unwrap_or_else(|| "no workflow".into());
        format!("{} → {}", name(&step.from), name(&step.to))
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct JobFilters {
    /// Only texts that move from or to this workflow.
    workflow: Option<String>,
    /// Only texts containing this (any case).
    q: Option<String>,
}

fn job_page(signed_in: &SignedIn, job: &ReplayJob, filters: JobFilters) -> JobPage {
    let (report, error) = match job.result.get() {
        None => (None, None),
        Some(Ok(report)) => (Some(report.clone()), None),
        Some(Err(error)) => (None, Some(error.clone())),
    };
    let workflow = filters.workflow.unwrap_or_default();
    let q = filters.q.unwrap_or_default().trim().to_string();
    let needle = q.to_lowercase();
    let names =
        |handling: &smsflow_engine::replay::Handling| handling.workflow.clone().unwrap_or_default();
    let rerouted = report
        .iter()
        .flat_map(|report| report.rerouted.iter())
        .filter(|text| {
            workflow.is_empty() || names(&text.before) == workflow || names(&text.after) == workflow
        })
        .filter(|text| needle.is_empty() || text.text.to_lowercase().contains(&needle))
        .cloned()
        .collect();
    let workflows = report
        .iter()
        .flat_map(|report| report.workflows.iter())
        .filter_map(|count| count.workflow.clone())
        .collect();
    JobPage {
        frame: signed_in.frame("workflows"),
        id: job.id,
        done: job.done.load(Ordering::Relaxed),
        total: job.total.get().copied(),
        report,
        error,
        rerouted,
        workflow,
        q,
        workflows,
    }
}

pub async fn job(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(filters): Query<JobFilters>,
) -> Result<Response, WebError> {
    let missing = || {
        WebError::NotFound(format!(
            "replay {id} does not exist (replays are kept until the server restarts): start a new one"
        ))
    };
    let id = Uuid::parse_str(&id).map_err(|_| missing())?;
    let job = state.replays.get(id).ok_or_else(missing)?;
    Ok(job_page(&signed_in, &job, filters).into_response())
}
