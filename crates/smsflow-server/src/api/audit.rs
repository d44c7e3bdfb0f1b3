//! `/api/v1/audit`: who changed workflows, agents, routing rules, admins and API keys, and when.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use smsflow_store::audit::{AuditEntry, AuditQuery, AuditSubject};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::conversations::{encode_cursor, page_request};
use crate::error::{ApiError, ProblemDocument};
use crate::extract::ApiQuery;

const TAG: &str = "audit";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only changes to this kind of thing.
    subject: Option<AuditSubject>,
    /// Only changes to the thing with this id (for workflows: the version number).
    subject_id: Option<String>,
    /// Only changes by an actor containing this text (any case), e.g. an admin's email.
    actor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// One page of the audit log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    items: Vec<AuditEntry>,
    next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/audit", tag = TAG, params(AuditParams),
    description = "Every change to workflows, agents, routing rules, admins and API keys: who, when, and the thing before and after (never a secret or password hash). Newest first.",
    responses((status = 200, body = AuditList), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument)))]
async fn list_audit(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<axum::Json<AuditList>, ApiError> {
    let (limit, before) = page_request::<i64>(params.limit, params.cursor.as_deref())?;
    let non_empty = |text: Option<String>| text.filter(|text| !text.trim().is_empty());
    let page = state
        .store
        .list_audit(&AuditQuery {
            subject: params.subject,
            subject_id: non_empty(params.subject_id),
            actor_contains: non_empty(params.actor),
            before,
            limit,
        })
        .await?;
    Ok(axum::Json(AuditList {
        items: page.items,
        next_cursor: page.next.as_ref().map(encode_cursor),
    }))
}
