//! `/api/v1/workflows/{id}/follow-up`: a workflow's auto follow-up (off by default): one nudge to
//! a texter its run has waited on for N hours (docs/workflows.md). The follow-up is part of the
//! workflow (`follow_up` of `GET /workflows/{id}`): these routes change only that field, as a new
//! version of the workflow, like `PATCH /workflows/{id}`; drafts carry it in their workflows.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use smsflow_core::{AutoFollowUp, Workflow, WorkflowDraft};
use smsflow_store::ApiKey;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::workflows::{Expected, IfMatch, apply_update, parse_id};
use crate::error::{ApiError, ProblemDocument};
use crate::extract::{ApiJson, if_match_version};

const TAG: &str = "workflows";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_follow_up, set_follow_up, delete_follow_up))
}

#[utoipa::path(get, path = "/workflows/{id}/follow-up", tag = TAG, params(("id" = Uuid, Path)),
    description = "The workflow's `follow_up` field.",
    responses((status = 200, body = AutoFollowUp), (status = 401, body = ProblemDocument),
              (status = 404, body = ProblemDocument, description = "No such workflow, or its follow-up is off")))]
async fn get_follow_up(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<AutoFollowUp>, ApiError> {
    let workflow = state.store.get_workflow(parse_id(&id)?).await?;
    workflow.spec.follow_up.map(axum::Json).ok_or_else(|| {
        ApiError::from(smsflow_store::StoreError::NotFound {
            what: "follow-up of workflow",
            key: workflow.id.to_string(),
        })
    })
}

#[utoipa::path(put, path = "/workflows/{id}/follow-up", tag = TAG, params(("id" = Uuid, Path), IfMatch),
    request_body = AutoFollowUp,
    description = "Turns the follow-up on (or changes it): after `after_hours` (1 to 168) without an answer, one nudge with `template`. \
                   Sets the workflow's `follow_up` field as a new version of the workflow; with `If-Match`, only if it is still at that version.",
    responses((status = 200, body = AutoFollowUp), (status = 400, body = ProblemDocument),
              (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument),
              (status = 409, body = ProblemDocument), (status = 412, body = ProblemDocument)))]
async fn set_follow_up(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(setting): ApiJson<AutoFollowUp>,
) -> Result<axum::Json<AutoFollowUp>, ApiError> {
    let updated = change_follow_up(&state, &caller, &id, &headers, Some(setting)).await?;
    Ok(axum::Json(
        updated
            .spec
            .follow_up
            .expect("the workflow was saved with its follow-up"),
    ))
}

#[utoipa::path(delete, path = "/workflows/{id}/follow-up", tag = TAG, params(("id" = Uuid, Path), IfMatch),
    description = "Turns the follow-up off: removes the workflow's `follow_up` field, as a new version of the workflow.",
    responses((status = 204, description = "The follow-up is off"),
              (status = 400, body = ProblemDocument, description = "If-Match is not a workflow ETag"),
              (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument),
              (status = 409, body = ProblemDocument), (status = 412, body = ProblemDocument)))]
async fn delete_follow_up(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    change_follow_up(&state, &caller, &id, &headers, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Saves the workflow with `follow_up` (the rest unchanged) through the same update as PUT and
/// PATCH: validated, versioned, recorded in the history.
async fn change_follow_up(
    state: &AppState,
    caller: &ApiKey,
    id: &str,
    headers: &HeaderMap,
    follow_up: Option<AutoFollowUp>,
) -> Result<Workflow, ApiError> {
    let current = state.store.get_workflow(parse_id(id)?).await?;
    let expected = match if_match_version(headers)? {
        Some(version) => Expected::IfMatch(version),
        None => Expected::Body(current.version),
    };
    let draft = WorkflowDraft {
        follow_up,
        ..WorkflowDraft::from(&current.spec)
    };
    apply_update(state, caller, current.id, draft, expected).await
}
