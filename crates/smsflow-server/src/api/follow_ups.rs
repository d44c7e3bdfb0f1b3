//! `/api/v1/workflows/{id}/follow-up`: a workflow's auto follow-up (off by default): one nudge to
//! a texter its run has waited on for N hours (docs/workflows.md).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use smsflow_core::Problems;
use smsflow_store::follow_ups::FollowUpSetting;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::workflows::parse_id;
use crate::error::{ApiError, ProblemDocument};
use crate::extract::ApiJson;

const TAG: &str = "workflows";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_follow_up, set_follow_up, delete_follow_up))
}

#[utoipa::path(get, path = "/workflows/{id}/follow-up", tag = TAG, params(("id" = Uuid, Path)),
    responses((status = 200, body = FollowUpSetting), (status = 401, body = ProblemDocument),
              (status = 404, body = ProblemDocument, description = "No such workflow, or its follow-up is off")))]
async fn get_follow_up(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<FollowUpSetting>, ApiError> {
    let id = workflow(&state, &id).await?;
    let setting = state.store.follow_up_setting(id).await?;
    setting.map(axum::Json).ok_or_else(|| {
        ApiError::from(smsflow_store::StoreError::NotFound {
            what: "follow-up of workflow",
            key: id.to_string(),
        })
    })
}

#[utoipa::path(put, path = "/workflows/{id}/follow-up", tag = TAG, params(("id" = Uuid, Path)),
    request_body = FollowUpSetting,
    description = "Turns the follow-up on (or changes it): after `after_hours` (1 to 168) without an answer, one nudge with `template`.",
    responses((status = 200, body = FollowUpSetting), (status = 400, body = ProblemDocument),
              (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn set_follow_up(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(setting): ApiJson<FollowUpSetting>,
) -> Result<axum::Json<FollowUpSetting>, ApiError> {
    let id = workflow(&state, &id).await?;
    if let Some((field, problem)) = setting.problem() {
        return Err(ApiError::Invalid(Problems::single(field, problem)));
    }
    state
        .store
        .set_follow_up_setting(id, Some(&setting))
        .await?;
    Ok(axum::Json(setting))
}

#[utoipa::path(delete, path = "/workflows/{id}/follow-up", tag = TAG, params(("id" = Uuid, Path)),
    responses((status = 204, description = "The follow-up is off"), (status = 401, body = ProblemDocument),
              (status = 404, body = ProblemDocument)))]
async fn delete_follow_up(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = workflow(&state, &id).await?;
    state.store.set_follow_up_setting(id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The id of an existing workflow.
async fn workflow(state: &AppState, id: &str) -> Result<Uuid, ApiError> {
    let id = parse_id(id)?;
    Ok(state.store.get_workflow(id).await?.id)
}
