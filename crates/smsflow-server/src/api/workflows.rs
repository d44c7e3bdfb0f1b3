//! `/api/v1/workflows`: manage workflows and test which one a message would match.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};
use smsflow_core::{Goal, MatchExplanation, Problems, Workflow, WorkflowDraft};
use smsflow_store::{ApiKey, Author, WorkflowCursor, WorkflowQuery};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::error::{ApiError, ProblemDocument};
use crate::extract::{ApiJson, ApiQuery, etag, if_match_version};

const TAG: &str = "workflows";
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 200;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_workflows, create_workflow))
        .routes(routes!(test_message))
        .routes(routes!(list_goals))
        .routes(routes!(
            get_workflow,
            replace_workflow,
            patch_workflow,
            delete_workflow
        ))
        .routes(routes!(activate_workflow))
        .routes(routes!(deactivate_workflow))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only workflows with this goal.
    goal: Option<Goal>,
    /// Only active (`true`) or inactive (`false`) workflows.
    active: Option<bool>,
    /// Only workflows assigned to this agent.
    agent_id: Option<Uuid>,
    /// Case-insensitive text the name contains.
    q: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// One page of workflows, sorted by priority (highest first), then name.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkflowList {
    items: Vec<Workflow>,
    /// Workflows matching the filters, on all pages.
    total: u64,
    /// Pass as `cursor` to get the next page; null on the last page.
    next_cursor: Option<String>,
}

fn encode_cursor(cursor: &WorkflowCursor) -> String {
    let json = serde_json::to_vec(cursor).expect("a cursor serialises");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

fn decode_cursor(text: &str) -> Result<WorkflowCursor, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok())
        .ok_or_else(|| {
            ApiError::Invalid(Problems::single(
                "query.cursor",
                "is not a cursor from this API: pass next_cursor from the previous page unchanged",
            ))
        })
}

pub(crate) fn parse_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::NotFound(format!("workflow {id} does not exist")))
}

/// The assigned agent must exist.
pub(crate) async fn check_agent(
    state: &AppState,
    spec: &smsflow_core::WorkflowSpec,
) -> Result<(), ApiError> {
    if let Some(agent_id) = spec.agent_id
        && state.store.get_agent(agent_id).await.is_err()
    {
        return Err(ApiError::Invalid(Problems::single(
            "agent_id",
            "no agent has this id: GET /api/v1/agents lists them (leave it empty to use routing rules)",
        )));
    }
    Ok(())
}

/// A workflow with its version as `ETag`.
pub(crate) fn with_etag(status: StatusCode, workflow: Workflow) -> Response {
    let tag = HeaderValue::from_str(&etag(workflow.version)).expect("an ETag is ASCII");
    let mut response = (status, axum::Json(workflow)).into_response();
    response.headers_mut().insert(header::ETAG, tag);
    response
}

#[utoipa::path(get, path = "/workflows", tag = TAG, params(ListParams),
    responses((status = 200, body = WorkflowList), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument)))]
async fn list_workflows(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<axum::Json<WorkflowList>, ApiError> {
    let limit = params.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::Invalid(Problems::single(
            "query.limit",
            format!("must be between 1 and {MAX_PAGE}"),
        )));
    }
    let query = WorkflowQuery {
        goal: params.goal,
        active: params.active,
        agent_id: params.agent_id,
        name_contains: params.q,
        after: params.cursor.as_deref().map(decode_cursor).transpose()?,
        limit,
    };
    let page = state.store.list_workflows(&query).await?;
    Ok(axum::Json(WorkflowList {
        next_cursor: page.next.as_ref().map(encode_cursor),
        items: page.items,
        total: page.total,
    }))
}

#[utoipa::path(post, path = "/workflows", tag = TAG, request_body = WorkflowDraft,
    responses((status = 201, body = Workflow, description = "Created; `Location` names it, `ETag` is its version"),
              (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument),
              (status = 409, body = ProblemDocument, description = "The name is taken"),
              (status = 413, body = ProblemDocument)))]
async fn create_workflow(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    ApiJson(draft): ApiJson<WorkflowDraft>,
) -> Result<Response, ApiError> {
    smsflow_engine::saved_suite::refuse_untested_change(&state.engine.settings)?;
    let spec = draft.validate().map_err(ApiError::Invalid)?;
    check_agent(&state, &spec).await?;
    let workflow = state
        .store
        .create_workflow(&spec, &Author::api_key(&caller.name))
        .await?;
    state.workflows_changed().await;
    let location = format!("/api/v1/workflows/{}", workflow.id);
    let mut response = with_etag(StatusCode::CREATED, workflow);
    response.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&location).expect("a path is ASCII"),
    );
    Ok(response)
}

#[utoipa::path(get, path = "/workflows/{id}", tag = TAG, params(("id" = Uuid, Path)),
    responses((status = 200, body = Workflow), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn get_workflow(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let workflow = state.store.get_workflow(parse_id(&id)?).await?;
    Ok(with_etag(StatusCode::OK, workflow))
}

/// The `If-Match` header of the routes that change one workflow, for the OpenAPI document.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // read from the HeaderMap by `if_match_version`; declared here to be documented
pub(crate) struct IfMatch {
    /// The ETag of GET (`"<version>"`): the change applies only if the workflow is still at that version.
    #[param(rename = "If-Match")]
    if_match: Option<String>,
}

/// The version an update applies to: `If-Match` (412 when stale) or the body's `version` (409).
pub(crate) enum Expected {
    IfMatch(i64),
    Body(i64),
}

fn expected_version(headers: &HeaderMap, body_version: Option<i64>) -> Result<Expected, ApiError> {
    match (if_match_version(headers)?, body_version) {
        (Some(version), _) => Ok(Expected::IfMatch(version)),
        (None, Some(version)) => Ok(Expected::Body(version)),
        (None, None) => Err(ApiError::PreconditionRequired),
    }
}

/// Validates `draft` and makes it workflow `id`'s spec, as a new version of the workflow.
pub(crate) async fn apply_update(
    state: &AppState,
    caller: &ApiKey,
    id: Uuid,
    draft: WorkflowDraft,
    expected: Expected,
) -> Result<Workflow, ApiError> {
    smsflow_engine::saved_suite::refuse_untested_change(&state.engine.settings)?;
    if draft.id.is_some_and(|body_id| body_id != id) {
        return Err(ApiError::Invalid(Problems::single(
            "id",
            "does not match the workflow in the URL: remove it or send the same id",
        )));
    }
    let spec = draft.validate().map_err(ApiError::Invalid)?;
    check_agent(state, &spec).await?;
    let version = match expected {
        Expected::IfMatch(version) | Expected::Body(version) => version,
    };
    let updated = state
        .store
        .update_workflow(id, &spec, Some(version), &Author::api_key(&caller.name))
        .await
        .map_err(|error| match (error, &expected) {
            (smsflow_store::StoreError::VersionConflict { current }, Expected::IfMatch(_)) => {
                ApiError::PreconditionFailed { current }
            }
            (other, _) => other.into(),
        })?;
    state.workflows_changed().await;
    Ok(updated)
}

#[utoipa::path(put, path = "/workflows/{id}", tag = TAG, params(("id" = Uuid, Path), IfMatch), request_body = WorkflowDraft,
    description = "Replaces the workflow. Send `If-Match` with the ETag of GET (a stale one gets 412) or a `version` field (a stale one gets 409).",
    responses((status = 200, body = Workflow), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument),
              (status = 404, body = ProblemDocument), (status = 409, body = ProblemDocument),
              (status = 412, body = ProblemDocument), (status = 428, body = ProblemDocument)))]
async fn replace_workflow(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(draft): ApiJson<WorkflowDraft>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let expected = expected_version(&headers, draft.version)?;
    let updated = apply_update(&state, &caller, id, draft, expected).await?;
    Ok(with_etag(StatusCode::OK, updated))
}

#[utoipa::path(patch, path = "/workflows/{id}", tag = TAG, params(("id" = Uuid, Path), IfMatch),
    request_body(content = serde_json::Value, content_type = "application/merge-patch+json",
        description = "A JSON merge patch (RFC 7396) of the workflow: only the fields to change."),
    description = "Changes some fields. Preconditions as for PUT.",
    responses((status = 200, body = Workflow), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument),
              (status = 404, body = ProblemDocument), (status = 409, body = ProblemDocument),
              (status = 412, body = ProblemDocument), (status = 428, body = ProblemDocument)))]
async fn patch_workflow(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let serde_json::Value::Object(mut patch) = patch else {
        return Err(ApiError::Invalid(Problems::single(
            "body",
            "must be a JSON object with the fields to change",
        )));
    };
    let body_version =
        match patch.remove("version") {
            None | Some(serde_json::Value::Null) => None,
            Some(value) => Some(value.as_i64().ok_or_else(|| {
                ApiError::Invalid(Problems::single("version", "must be an integer"))
            })?),
        };
    let expected = expected_version(&headers, body_version)?;
    let current = state.store.get_workflow(id).await?;
    let mut document =
        serde_json::to_value(WorkflowDraft::from(&current.spec)).expect("a draft serialises");
    merge_patch(&mut document, serde_json::Value::Object(patch));
    let draft: WorkflowDraft = crate::extract::parse_json(document.to_string().as_bytes())?;
    let updated = apply_update(&state, &caller, id, draft, expected).await?;
    Ok(with_etag(StatusCode::OK, updated))
}

/// RFC 7396: objects merge recursively, `null` removes, anything else replaces.
fn merge_patch(target: &mut serde_json::Value, patch: serde_json::Value) {
    let serde_json::Value::Object(patch) = patch else {
        *target = patch;
        return;
    };
    if !target.is_object() {
        *target = serde_json::Value::Object(serde_json::Map::new());
    }
    let target = target.as_object_mut().expect("made an object above");
    for (key, value) in patch {
        if value.is_null() {
            target.remove(&key);
        } else {
            merge_patch(target.entry(key).or_insert(serde_json::Value::Null), value);
        }
    }
}

#[utoipa::path(delete, path = "/workflows/{id}", tag = TAG, params(("id" = Uuid, Path), IfMatch),
    description = "Deletes the workflow. With `If-Match`, only if it is still at that version.",
    responses((status = 204), (status = 400, body = ProblemDocument, description = "`If-Match` is not a version"),
              (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument),
              (status = 412, body = ProblemDocument)))]
async fn delete_workflow(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    smsflow_engine::saved_suite::refuse_untested_change(&state.engine.settings)?;
    let id = parse_id(&id)?;
    state
        .store
        .delete_workflow(
            id,
            if_match_version(&headers)?,
            &Author::api_key(&caller.name),
        )
        .await
        .map_err(precondition_failed)?;
    state.workflows_changed().await;
    Ok(StatusCode::NO_CONTENT)
}

/// For requests whose only version check is `If-Match`.
fn precondition_failed(error: smsflow_store::StoreError) -> ApiError {
    match error {
        smsflow_store::StoreError::VersionConflict { current } => {
            ApiError::PreconditionFailed { current }
        }
        other => other.into(),
    }
}

async fn set_active(
    state: AppState,
    caller: &ApiKey,
    id: &str,
    headers: &HeaderMap,
    active: bool,
) -> Result<Response, ApiError> {
    smsflow_engine::saved_suite::refuse_untested_change(&state.engine.settings)?;
    let workflow = state
        .store
        .set_workflow_active(
            parse_id(id)?,
            active,
            if_match_version(headers)?,
            &Author::api_key(&caller.name),
        )
        .await
        .map_err(precondition_failed)?;
    state.workflows_changed().await;
    Ok(with_etag(StatusCode::OK, workflow))
}

#[utoipa::path(post, path = "/workflows/{id}/activate", tag = TAG, params(("id" = Uuid, Path), IfMatch),
    description = "Makes the workflow active: it is considered for incoming messages.",
    responses((status = 200, body = Workflow), (status = 400, body = ProblemDocument, description = "`If-Match` is not a version"),
              (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument),
              (status = 412, body = ProblemDocument)))]
async fn activate_workflow(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    set_active(state, &caller, &id, &headers, true).await
}

#[utoipa::path(post, path = "/workflows/{id}/deactivate", tag = TAG, params(("id" = Uuid, Path), IfMatch),
    description = "Makes the workflow inactive: it is kept but no longer matches messages.",
    responses((status = 200, body = Workflow), (status = 400, body = ProblemDocument, description = "`If-Match` is not a version"),
              (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument),
              (status = 412, body = ProblemDocument)))]
async fn deactivate_workflow(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    set_active(state, &caller, &id, &headers, false).await
}

/// A sample message to test matching with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    /// The text of the SMS.
    message: String,
    /// The sender's number in E.164 form (`+15550001111`).
    from: Option<String>,
    /// Consider inactive workflows as if they were active.
    #[serde(default)]
    include_inactive: bool,
    /// An unsaved workflow to test as if it were saved: with the `id` of a saved workflow it
    /// replaces that one, without it is added. Nothing is saved.
    draft: Option<WorkflowDraft>,
}

#[utoipa::path(post, path = "/workflows/test", tag = TAG, request_body = TestRequest,
    description = "Which workflow would handle this message, and for every workflow whether it matched and why it won or lost. Nothing is sent or stored.",
    responses((status = 200, body = MatchExplanation), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument)))]
async fn test_message(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<TestRequest>,
) -> Result<axum::Json<MatchExplanation>, ApiError> {
    let mut problems = Problems::default();
    if request.message.trim().is_empty() {
        problems.push::<()>("message", "must not be empty: type a sample SMS");
    }
    if request.message.chars().count() > 1_600 {
        problems.push::<()>(
            "message",
            "must be at most 1600 characters (10 SMS segments)",
        );
    }
    if let Some(from) = &request.from
        && !smsflow_core::sms::is_e164(from)
    {
        problems.push::<()>(
            "from",
            format!(
                "{from:?} is not an E.164 number: write it as + and country code, e.g. +15550001111"
            ),
        );
    }
    let draft = request
        .draft
        .as_ref()
        .and_then(|draft| match draft.validate() {
            Ok(spec) => Some((spec, draft.id)),
            Err(invalid) => {
                for problem in invalid.iter() {
                    problems
                        .push::<()>(format!("draft.{}", problem.field), problem.message.clone());
                }
                None
            }
        });
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    let explanation = match draft {
        Some((spec, replaces)) => state
            .matchers
            .with_draft(&spec, replaces)
            .await?
            .explain(&request.message, request.include_inactive),
        // Testing must reflect every saved change, so check the revision (one small query) first.
        None => state
            .matchers
            .refresh()
            .await?
            .matcher
            .explain(&request.message, request.include_inactive),
    };
    Ok(axum::Json(explanation))
}

/// A goal with the built-in keywords and examples a workflow starts from.
#[derive(Debug, Serialize, ToSchema)]
pub struct GoalDescription {
    goal: Goal,
    /// The goal's name as people read it.
    label: &'static str,
    description: &'static str,
    /// Matched by every workflow of the goal unless it lists them in `disabled_keywords`.
    builtin_keywords: Vec<&'static str>,
    /// Broader words, off by default: add any of them to a workflow's `keywords`.
    optional_keywords: Vec<&'static str>,
    /// What the goal classifier learns the goal from, unless a workflow lists them in
    /// `disabled_examples`; a workflow's `examples` add to them. `general_inquiry`'s are the
    /// "none of these" messages.
    builtin_examples: Vec<&'static str>,
}

#[utoipa::path(get, path = "/goals", tag = TAG,
    description = "The five goals with their built-in keywords, optional keywords and built-in examples.",
    responses((status = 200, body = Vec<GoalDescription>), (status = 401, body = ProblemDocument)))]
async fn list_goals() -> axum::Json<Vec<GoalDescription>> {
    axum::Json(
        Goal::ALL
            .into_iter()
            .map(|goal| GoalDescription {
                goal,
                label: goal.label(),
                description: goal.description(),
                builtin_keywords: goal.builtin_keywords().to_vec(),
                optional_keywords: goal.optional_keywords().to_vec(),
                builtin_examples: goal.builtin_examples().to_vec(),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}, "k": [1]});
        merge_patch(
            &mut doc,
            json!({"a": "z", "c": {"f": null}, "k": [2, 3], "n": 1}),
        );
        assert_eq!(doc, json!({"a": "z", "c": {"d": "e"}, "k": [2, 3], "n": 1}));
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = WorkflowCursor {
            priority: -3,
            name_key: "a b".into(),
            id: Uuid::now_v7(),
        };
        assert_eq!(decode_cursor(&encode_cursor(&cursor)).unwrap(), cursor);
        assert!(decode_cursor("nope!").is_err());
    }
}
