//! Agents and routing rules: list, create, edit and delete agents (exactly one is the default; the
//! default and agents in use cannot be deleted), and the ordered routing rules (add, edit, move,
//! delete).
//! The store enforces the rules; these pages show its refusals next to what they concern.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use smsflow_core::agents::{AgentDraft, RoutingRule, RuleConditions};
use smsflow_core::{Goal, Problems};
use smsflow_store::StoreError;
use smsflow_store::agents::Agent;
use uuid::Uuid;

use crate::AppState;
use crate::api::agents::check_rule;
use crate::web::form::FieldErrors;
use crate::web::session::SignedIn;
use crate::web::{Frame, WebError};

const DAYS: [(u8, &str); 7] = [
    (1, "Mon"),
    (2, "Tue"),
    (3, "Wed"),
    (4, "Thu"),
    (5, "Fri"),
    (6, "Sat"),
    (7, "Sun"),
];

/// The form fields as typed, repeated keys (checkboxes) included.
fn pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn value(pairs: &[(String, String)], key: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

fn values(pairs: &[(String, String)], key: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .collect()
}

/// A comma-separated box as a list.
fn comma_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

fn optional(text: String) -> Option<String> {
    Some(text).filter(|t| !t.is_empty())
}

pub struct RuleRow {
    id: Uuid,
    agent: String,
    conditions: String,
    first: bool,
    last: bool,
}

/// The new-rule form as typed.
#[derive(Default)]
pub struct RuleForm {
    agent_id: String,
    to_numbers: String,
    from_prefixes: String,
    goals: Vec<String>,
    days: Vec<String>,
    time_from: String,
    time_to: String,
    timezone: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "agents.html")]
pub struct AgentsPage {
    frame: Frame,
    agents: Vec<Agent>,
    rules: Vec<RuleRow>,
    /// Why deleting this agent was refused.
    refused: Option<(Uuid, String)>,
    rule_form: RuleForm,
    rule_errors: FieldErrors,
    goals: Vec<(&'static str, &'static str)>,
    days: [(u8, &'static str); 7],
    notice: Option<String>,
}

/// The goals a rule can name: value and label.
fn goal_choices() -> Vec<(&'static str, &'static str)> {
    Goal::ALL
        .into_iter()
        .map(|g| (g.as_str(), g.label()))
        .collect()
}

fn describe(conditions: &RuleConditions) -> String {
    let mut parts = Vec::new();
    if !conditions.to_numbers.is_empty() {
        parts.push(format!("to {}", conditions.to_numbers.join(" or ")));
    }
    if !conditions.from_prefixes.is_empty() {
        parts.push(format!(
            "from numbers starting {}",
            conditions.from_prefixes.join(" or ")
        ));
    }
    if !conditions.goals.is_empty() {
        let goals: Vec<&str> = conditions.goals.iter().map(|g| g.label()).collect();
        parts.push(format!("goal {}", goals.join(" or ")));
    }
    if !conditions.days.is_empty() {
        let days: Vec<&str> = conditions
            .days
            .iter()
            .filter_map(|d| DAYS.iter().find(|(n, _)| n == d).map(|(_, name)| *name))
            .collect();
        parts.push(format!("on {}", days.join(", ")));
    }
    if let (Some(from), Some(to)) = (&conditions.time_from, &conditions.time_to) {
        parts.push(format!("from {from} to {to}"));
    }
    if parts.is_empty() {
        return "always".to_string();
    }
    let zone = conditions.timezone.as_deref().unwrap_or("UTC");
    let timed = !conditions.days.is_empty() || conditions.time_from.is_some();
    let mut text = parts.join(", ");
    if timed {
        text.push_str(&format!(" ({zone})"));
    }
    text
}

async fn agents_page(
    state: &AppState,
    signed_in: &SignedIn,
    notice: Option<String>,
) -> Result<AgentsPage, WebError> {
    let agents = state.store.list_agents().await?;
    let rules = state.store.list_routing_rules().await?;
    let count = rules.len();
    let rules = rules
        .iter()
        .enumerate()
        .map(|(i, rule)| RuleRow {
            id: rule.id,
            agent: agents
                .iter()
                .find(|a| a.id == rule.agent_id)
                .map(|a| a.spec.name.clone())
                .unwrap_or_else(|| rule.agent_id.to_string()),
            conditions: describe(&rule.conditions),
            first: i == 0,
            last: i + 1 == count,
        })
        .collect();
    Ok(AgentsPage {
        frame: signed_in.frame("agents"),
        agents,
        rules,
        refused: None,
        rule_form: RuleForm::default(),
        rule_errors: FieldErrors::default(),
        goals: goal_choices(),
        days: DAYS,
        notice,
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let notice = query.notice.and_then(|code| {
        Some(
            match code.as_str() {
                "created" => "Agent created.",
                "saved" => "Agent saved.",
                "deleted" => "Agent deleted.",
                "rule_added" => "Routing rule added at the end of the list.",
                "rule_moved" => "Routing rules reordered.",
                "rule_saved" => "Routing rule saved.",
                "rule_deleted" => "Routing rule deleted.",
                _ => return None,
            }
            .to_string(),
        )
    });
    Ok(agents_page(&state, &signed_in, notice)
        .await?
        .into_response())
}

/// The agent form as typed.
#[derive(Default)]
pub struct AgentForm {
    name: String,
    persona: String,
    backend: String,
    model: String,
    max_segments: String,
    language: String,
    is_default: bool,
    suggest_replies: bool,
}

impl AgentForm {
    fn of(agent: &Agent) -> Self {
        AgentForm {
            name: agent.spec.name.clone(),
            persona: agent.spec.persona.clone(),
            backend: agent.spec.backend.clone(),
            model: agent.spec.model.clone().unwrap_or_default(),
            max_segments: agent.spec.max_segments.to_string(),
            language: agent.spec.language.clone().unwrap_or_default(),
            is_default: agent.spec.is_default,
            suggest_replies: agent.spec.suggest_replies,
        }
    }

    fn parse(body: &[u8]) -> Self {
        let pairs = pairs(body);
        AgentForm {
            name: value(&pairs, "name"),
            persona: value(&pairs, "persona"),
            backend: value(&pairs, "backend"),
            model: value(&pairs, "model"),
            max_segments: value(&pairs, "max_segments"),
            language: value(&pairs, "language"),
            is_default: value(&pairs, "is_default") == "true",
            suggest_replies: value(&pairs, "suggest_replies") == "true",
        }
    }

    fn validate(&self) -> Result<smsflow_core::agents::AgentSpec, Problems> {
        let max_segments = match self.max_segments.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) if self.max_segments.is_empty() => None,
            Err(_) => {
                return Err(Problems::single(
                    "max_segments",
                    "must be a whole number between 1 and 10",
                ));
            }
        };
        AgentDraft {
            name: Some(self.name.clone()),
            persona: Some(self.persona.clone()),
            backend: optional(self.backend.clone()),
            model: optional(self.model.clone()),
            max_segments,
            language: optional(self.language.clone()),
            is_default: Some(self.is_default),
            suggest_replies: Some(self.suggest_replies),
        }
        .validate()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agent_form.html")]
pub struct AgentFormPage {
    frame: Frame,
    id: Option<Uuid>,
    /// The stored agent is the default: the form cannot take that away.
    was_default: bool,
    form: AgentForm,
    errors: FieldErrors,
}

impl AgentFormPage {
    fn action(&self) -> String {
        match self.id {
            None => "/agents/new".into(),
            Some(id) => format!("/agents/{id}"),
        }
    }
}

fn parse_id(id: &str, what: &str) -> Result<Uuid, WebError> {
    Uuid::parse_str(id).map_err(|_| WebError::NotFound(format!("{what} {id} does not exist")))
}

pub async fn new_page(signed_in: SignedIn) -> Response {
    AgentFormPage {
        frame: signed_in.frame("agents"),
        id: None,
        was_default: false,
        form: AgentForm {
            backend: "builtin".into(),
            max_segments: "3".into(),
            ..AgentForm::default()
        },
        errors: FieldErrors::default(),
    }
    .into_response()
}

pub async fn edit_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let agent = state.store.get_agent(parse_id(&id, "agent")?).await?;
    Ok(AgentFormPage {
        frame: signed_in.frame("agents"),
        id: Some(agent.id),
        was_default: agent.spec.is_default,
        form: AgentForm::of(&agent),
        errors: FieldErrors::default(),
    }
    .into_response())
}

pub async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Response, WebError> {
    save(&state, &signed_in, None, &body).await
}

pub async fn update(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let id = parse_id(&id, "agent")?;
    save(&state, &signed_in, Some(id), &body).await
}

async fn save(
    state: &AppState,
    signed_in: &SignedIn,
    id: Option<Uuid>,
    body: &[u8],
) -> Result<Response, WebError> {
    let was_default = match id {
        Some(id) => state.store.get_agent(id).await?.spec.is_default,
        None => false,
    };
    let mut page = AgentFormPage {
        frame: signed_in.frame("agents"),
        id,
        was_default,
        form: AgentForm::parse(body),
        errors: FieldErrors::default(),
    };
    let saved = match page.form.validate() {
        Ok(spec) => match id {
            None => state.store.create_agent(&spec, &signed_in.author()).await,
            Some(id) => {
                state
                    .store
                    .update_agent(id, &spec, &signed_in.author())
                    .await
            }
        },
        Err(problems) => {
            page.errors = FieldErrors::new(&problems);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    match saved {
        Ok(_) => {
            let notice = if id.is_some() { "saved" } else { "created" };
            Ok(Redirect::to(&format!("/agents?notice={notice}")).into_response())
        }
        Err(StoreError::Refused(message)) => {
            // The default cannot be un-set here (the form keeps it), so a refusal is the name.
            let field = if was_default && !page.form.is_default {
                "is_default"
            } else {
                "name"
            };
            page.errors = FieldErrors::new(&Problems::single(field, message));
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "agent_delete.html")]
pub struct DeletePage {
    frame: Frame,
    agent: Agent,
}

/// Asks before deleting: a click on "Delete" in the list alone must not remove an agent.
pub async fn delete_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let agent = state.store.get_agent(parse_id(&id, "agent")?).await?;
    Ok(DeletePage {
        frame: signed_in.frame("agents"),
        agent,
    }
    .into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = parse_id(&id, "agent")?;
    match state.store.delete_agent(id, &signed_in.author()).await {
        Ok(()) => Ok(Redirect::to("/agents?notice=deleted").into_response()),
        Err(StoreError::Refused(message)) => {
            let mut page = agents_page(&state, &signed_in, None).await?;
            page.refused = Some((id, message));
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(error) => Err(error.into()),
    }
}

impl RuleForm {
    fn of(rule: &RoutingRule) -> Self {
        let c = &rule.conditions;
        RuleForm {
            agent_id: rule.agent_id.to_string(),
            to_numbers: c.to_numbers.join(", "),
            from_prefixes: c.from_prefixes.join(", "),
            goals: c.goals.iter().map(|g| g.as_str().to_string()).collect(),
            days: c.days.iter().map(u8::to_string).collect(),
            time_from: c.time_from.clone().unwrap_or_default(),
            time_to: c.time_to.clone().unwrap_or_default(),
            timezone: c.timezone.clone().unwrap_or_default(),
        }
    }

    fn day_checked(&self, day: &u8) -> bool {
        self.days.contains(&day.to_string())
    }

    fn goal_checked(&self, goal: &str) -> bool {
        self.goals.iter().any(|g| g == goal)
    }

    fn parse(body: &[u8]) -> Self {
        let pairs = pairs(body);
        RuleForm {
            agent_id: value(&pairs, "agent_id"),
            to_numbers: value(&pairs, "to_numbers"),
            from_prefixes: value(&pairs, "from_prefixes"),
            goals: values(&pairs, "goals"),
            days: values(&pairs, "days"),
            time_from: value(&pairs, "time_from"),
            time_to: value(&pairs, "time_to"),
            timezone: value(&pairs, "timezone"),
        }
    }

    fn conditions(&self) -> RuleConditions {
        RuleConditions {
            to_numbers: comma_list(&self.to_numbers),
            from_prefixes: comma_list(&self.from_prefixes),
            goals: self.goals.iter().filter_map(|g| Goal::parse(g)).collect(),
            days: self.days.iter().filter_map(|d| d.parse().ok()).collect(),
            time_from: optional(self.time_from.clone()),
            time_to: optional(self.time_to.clone()),
            timezone: optional(self.timezone.clone()),
        }
    }
}

/// The posted rule form checked like the API checks a rule: its agent and conditions, or the form
/// as typed with what is wrong.
async fn checked_rule(
    state: &AppState,
    body: &[u8],
) -> Result<(Uuid, RuleConditions), (RuleForm, FieldErrors)> {
    let form = RuleForm::parse(body);
    let conditions = form.conditions();
    let agent_id = Uuid::parse_str(&form.agent_id).unwrap_or_default();
    let problems = check_rule(state.store.as_ref(), agent_id, &conditions).await;
    if problems.is_empty() {
        Ok((agent_id, conditions))
    } else {
        Err((form, FieldErrors::new(&problems)))
    }
}

pub async fn create_rule(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Response, WebError> {
    let (agent_id, conditions) = match checked_rule(&state, &body).await {
        Ok(rule) => rule,
        Err((form, errors)) => {
            let mut page = agents_page(&state, &signed_in, None).await?;
            page.rule_form = form;
            page.rule_errors = errors;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    // New rules go last: people order them afterwards with the move buttons.
    let rules = state.store.list_routing_rules().await?;
    let position = rules.last().map_or(10, |rule| rule.position + 10);
    state
        .store
        .create_routing_rule(position, agent_id, &conditions, &signed_in.author())
        .await?;
    Ok(Redirect::to("/agents?notice=rule_added#rules").into_response())
}

/// One routing rule's own page, to change its agent and conditions.
#[derive(Template, WebTemplate)]
#[template(path = "rule_form.html")]
pub struct RulePage {
    frame: Frame,
    id: Uuid,
    /// Its place in the order, from 1.
    position: usize,
    agents: Vec<Agent>,
    rule_form: RuleForm,
    rule_errors: FieldErrors,
    goals: Vec<(&'static str, &'static str)>,
    days: [(u8, &'static str); 7],
}

impl RulePage {
    fn action(&self) -> String {
        format!("/routing-rules/{}", self.id)
    }
}

async fn rule_page(state: &AppState, signed_in: &SignedIn, id: Uuid) -> Result<RulePage, WebError> {
    let rules = state.store.list_routing_rules().await?;
    let Some(at) = rules.iter().position(|rule| rule.id == id) else {
        return Err(WebError::NotFound(format!(
            "routing rule {id} does not exist"
        )));
    };
    Ok(RulePage {
        frame: signed_in.frame("agents"),
        id,
        position: at + 1,
        agents: state.store.list_agents().await?,
        rule_form: RuleForm::of(&rules[at]),
        rule_errors: FieldErrors::default(),
        goals: goal_choices(),
        days: DAYS,
    })
}

pub async fn rule_edit_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = parse_id(&id, "routing rule")?;
    Ok(rule_page(&state, &signed_in, id).await?.into_response())
}

pub async fn update_rule(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let id = parse_id(&id, "routing rule")?;
    let (agent_id, conditions) = match checked_rule(&state, &body).await {
        Ok(rule) => rule,
        Err((form, errors)) => {
            let mut page = rule_page(&state, &signed_in, id).await?;
            page.rule_form = form;
            page.rule_errors = errors;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    state
        .store
        .update_routing_rule(id, agent_id, &conditions, &signed_in.author())
        .await?;
    Ok(Redirect::to("/agents?notice=rule_saved#rules").into_response())
}

#[derive(Debug, Deserialize)]
pub struct MoveForm {
    direction: String,
}

pub async fn move_rule(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let id = parse_id(&id, "routing rule")?;
    let form: MoveForm = crate::web::parse_form(&body, "move")?;
    let mut ids: Vec<Uuid> = state
        .store
        .list_routing_rules()
        .await?
        .iter()
        .map(|rule: &RoutingRule| rule.id)
        .collect();
    let Some(at) = ids.iter().position(|rule| *rule == id) else {
        return Err(WebError::NotFound(format!(
            "routing rule {id} does not exist"
        )));
    };
    let to = match form.direction.as_str() {
        "up" => at.checked_sub(1),
        _ => Some(at + 1).filter(|to| *to < ids.len()),
    };
    if let Some(to) = to {
        ids.swap(at, to);
        state
            .store
            .reorder_routing_rules(&ids, &signed_in.author())
            .await?;
    }
    Ok(Redirect::to("/agents?notice=rule_moved#rules").into_response())
}

pub async fn delete_rule(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = parse_id(&id, "routing rule")?;
    state
        .store
        .delete_routing_rule(id, &signed_in.author())
        .await?;
    Ok(Redirect::to("/agents?notice=rule_deleted#rules").into_response())
}
