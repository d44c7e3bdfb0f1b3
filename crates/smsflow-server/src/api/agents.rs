//! `/api/v1/agents` and `/api/v1/routing-rules`: who answers, and how conversations are routed to
//! agents when their workflow names none.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use smsflow_core::Problems;
use smsflow_core::agents::{AgentDraft, RoutingRule, RuleConditions, parse_minutes};
use smsflow_store::agents::Agent;
use smsflow_store::{ApiKey, Author};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::error::{ApiError, ProblemDocument};
use crate::extract::ApiJson;

const TAG: &str = "agents";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_agents, create_agent))
        .routes(routes!(get_agent, replace_agent, delete_agent))
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(update_rule, delete_rule))
}

fn parse_id(id: &str, what: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::NotFound(format!("{what} {id} does not exist")))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentList {
    items: Vec<Agent>,
}

#[utoipa::path(get, path = "/agents", tag = TAG, responses((status = 200, body = AgentList), (status = 401, body = ProblemDocument)))]
async fn list_agents(State(state): State<AppState>) -> Result<axum::Json<AgentList>, ApiError> {
    Ok(axum::Json(AgentList {
        items: state.store.list_agents().await?,
    }))
}

#[utoipa::path(post, path = "/agents", tag = TAG, request_body = AgentDraft,
    responses((status = 201, body = Agent), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument), (status = 409, body = ProblemDocument)))]
async fn create_agent(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    ApiJson(draft): ApiJson<AgentDraft>,
) -> Result<(StatusCode, axum::Json<Agent>), ApiError> {
    let spec = draft.validate().map_err(ApiError::Invalid)?;
    Ok((
        StatusCode::CREATED,
        axum::Json(
            state
                .store
                .create_agent(&spec, &Author::api_key(&caller.name))
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/agents/{id}", tag = TAG, params(("id" = Uuid, Path)),
    responses((status = 200, body = Agent), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn get_agent(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<Agent>, ApiError> {
    Ok(axum::Json(
        state.store.get_agent(parse_id(&id, "agent")?).await?,
    ))
}

#[utoipa::path(put, path = "/agents/{id}", tag = TAG, params(("id" = Uuid, Path)), request_body = AgentDraft,
    description = "Replaces the agent. `is_default: true` makes it the default SMS agent; the default cannot be un-defaulted except by making another the default.",
    responses((status = 200, body = Agent), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument), (status = 409, body = ProblemDocument)))]
async fn replace_agent(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    Path(id): Path<String>,
    ApiJson(draft): ApiJson<AgentDraft>,
) -> Result<axum::Json<Agent>, ApiError> {
    let id = parse_id(&id, "agent")?;
    let spec = draft.validate().map_err(ApiError::Invalid)?;
    Ok(axum::Json(
        state
            .store
            .update_agent(id, &spec, &Author::api_key(&caller.name))
            .await?,
    ))
}

#[utoipa::path(delete, path = "/agents/{id}", tag = TAG, params(("id" = Uuid, Path)),
    description = "Deletes an agent. The default SMS agent, and agents that workflows or routing rules name, cannot be deleted (409).",
    responses((status = 204), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument), (status = 409, body = ProblemDocument)))]
async fn delete_agent(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .delete_agent(parse_id(&id, "agent")?, &Author::api_key(&caller.name))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleList {
    /// In the order they are tried.
    items: Vec<RoutingRule>,
}

#[utoipa::path(get, path = "/routing-rules", tag = TAG, responses((status = 200, body = RuleList), (status = 401, body = ProblemDocument)))]
async fn list_rules(State(state): State<AppState>) -> Result<axum::Json<RuleList>, ApiError> {
    Ok(axum::Json(RuleList {
        items: state.store.list_routing_rules().await?,
    }))
}

/// A routing rule: when its conditions hold, its agent answers conversations whose workflow names
/// no agent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    /// Rules are tried in ascending position.
    position: i64,
    agent_id: Uuid,
    #[serde(default)]
    conditions: RuleConditions,
}

#[utoipa::path(post, path = "/routing-rules", tag = TAG, request_body = NewRule,
    responses((status = 201, body = RoutingRule), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument)))]
async fn create_rule(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    ApiJson(rule): ApiJson<NewRule>,
) -> Result<(StatusCode, axum::Json<RoutingRule>), ApiError> {
    let conditions = &rule.conditions;
    let problems = check_rule(state.store.as_ref(), rule.agent_id, conditions).await;
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    Ok((
        StatusCode::CREATED,
        axum::Json(
            state
                .store
                .create_routing_rule(
                    rule.position,
                    rule.agent_id,
                    conditions,
                    &Author::api_key(&caller.name),
                )
                .await?,
        ),
    ))
}

/// A routing rule's new agent and conditions; its position stays.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleUpdate {
    agent_id: Uuid,
    #[serde(default)]
    conditions: RuleConditions,
}

#[utoipa::path(put, path = "/routing-rules/{id}", tag = TAG, params(("id" = Uuid, Path)), request_body = RuleUpdate,
    description = "Replaces a rule's agent and conditions; its place in the order stays.",
    responses((status = 200, body = RoutingRule), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn update_rule(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    Path(id): Path<String>,
    ApiJson(rule): ApiJson<RuleUpdate>,
) -> Result<axum::Json<RoutingRule>, ApiError> {
    let id = parse_id(&id, "routing rule")?;
    let problems = check_rule(state.store.as_ref(), rule.agent_id, &rule.conditions).await;
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    Ok(axum::Json(
        state
            .store
            .update_routing_rule(
                id,
                rule.agent_id,
                &rule.conditions,
                &Author::api_key(&caller.name),
            )
            .await?,
    ))
}

/// What is wrong with a routing rule (the API's and the web form's checks), field by field.
pub(crate) async fn check_rule(
    store: &dyn smsflow_store::Store,
    agent_id: Uuid,
    conditions: &RuleConditions,
) -> Problems {
    let mut problems = Problems::default();
    for (field, value) in [
        ("conditions.time_from", &conditions.time_from),
        ("conditions.time_to", &conditions.time_to),
    ] {
        if value
            .as_deref()
            .is_some_and(|text| parse_minutes(text).is_none())
        {
            problems.push::<()>(field, "use HH:MM in 24-hour time, e.g. 18:00");
        }
    }
    if conditions.time_from.is_some() != conditions.time_to.is_some() {
        problems.push::<()>(
            "conditions.time_to",
            "give both time_from and time_to, or neither",
        );
    }
    if conditions.days.iter().any(|day| !(1..=7).contains(day)) {
        problems.push::<()>("conditions.days", "use 1 (Monday) to 7 (Sunday)");
    }
    if let Some(zone) = &conditions.timezone
        && jiff::tz::TimeZone::get(zone).is_err()
    {
        problems.push::<()>(
            "conditions.timezone",
            format!("{zone:?} is not an IANA time zone such as America/New_York"),
        );
    }
    if store.get_agent(agent_id).await.is_err() {
        problems.push::<()>(
            "agent_id",
            "no agent has this id: choose an existing agent (GET /api/v1/agents lists them)",
        );
    }
    problems
}

#[utoipa::path(delete, path = "/routing-rules/{id}", tag = TAG, params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn delete_rule(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .delete_routing_rule(
            parse_id(&id, "routing rule")?,
            &Author::api_key(&caller.name),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
