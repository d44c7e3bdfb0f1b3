//! The SMS Workflows pages: the list (search, goal filter, sort by priority, active toggle), the new
//! and edit forms with their steps editor, and delete with confirmation.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use smsflow_core::{Goal, Problems, Workflow, WorkflowDraft};
use smsflow_store::analytics::MatchSummary;
use smsflow_store::{StoreError, WorkflowQuery};
use std::collections::HashMap;
use uuid::Uuid;

use crate::AppState;
use crate::web::form::{
    Action, FieldErrors, SENSITIVITIES, STEP_TYPES, TICKET_PRIORITIES, WorkflowForm,
};
use crate::web::session::SignedIn;
use crate::web::test_panel::TestPanel;
use crate::web::versions::{DraftBanner, draft_banner, save_to_draft};
use crate::web::{Frame, WebError};

/// A goal as the page shows it: its value, its label, what it matches, its built-in keywords and
/// written examples (each can be turned off), how many labelled texts it also learns from, and the
/// optional keywords.
pub struct GoalInfo {
    pub value: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub builtin_keywords: &'static [&'static str],
    pub optional_keywords: String,
    pub written_examples: &'static [&'static str],
    /// The routing corpus's texts the goal learns from: hundreds, so the page counts them and the
    /// API lists them (`GET /goals`); the form shows only those a workflow turned off.
    pub labelled_examples: usize,
}

fn goals() -> Vec<GoalInfo> {
    Goal::ALL
        .into_iter()
        .map(|goal| GoalInfo {
            value: goal.as_str(),
            label: goal.label(),
            description: goal.description(),
            builtin_keywords: goal.builtin_keywords(),
            optional_keywords: goal.optional_keywords().join(", "),
            written_examples: goal.written_examples(),
            labelled_examples: smsflow_core::labelled::labelled_examples(goal).len(),
        })
        .collect()
}

/// The most workflows the list page reads; far above what one business defines.
const LIST_MAX: usize = 50_000;
/// Rows one page of the list shows: with 10,000 workflows the page stays small.
const PAGE_ROWS: usize = 100;

/// One row of the list.
pub struct Row {
    id: Uuid,
    name: String,
    goal: &'static str,
    priority: i64,
    agent: Option<String>,
    active: bool,
    /// The draft changes or deletes it.
    drafted: bool,
    steps: usize,
    /// When it last matched a message (UTC), if ever.
    last_matched: Option<String>,
    matches_7_days: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "workflows.html")]
pub struct ListPage {
    frame: Frame,
    rows: Vec<Row>,
    total: u64,
    q: String,
    goal: String,
    sort: &'static str,
    goals: Vec<GoalInfo>,
    notice: Option<String>,
    /// The list's own URL with its filters, for returning after a toggle.
    here: String,
    panel: TestPanel,
    /// This page (1-based) and how many there are.
    page: usize,
    pages: usize,
    /// `here` with a `page=` parameter to add, for the pager links.
    page_base: String,
    draft: Option<DraftBanner>,
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    goal: Option<String>,
    sort: Option<String>,
    notice: Option<String>,
    name: Option<String>,
    page: Option<usize>,
}

fn notice_text(code: &str, name: Option<&str>) -> Option<String> {
    let name = name.unwrap_or("The workflow");
    let text = match code {
        "created" => format!("Created “{name}”."),
        "saved" => format!("Saved “{name}”."),
        "deleted" => format!("Deleted “{name}”."),
        "activated" => format!("“{name}” is active: it now matches incoming messages."),
        "deactivated" => format!("“{name}” is inactive: it no longer matches messages."),
        "drafted" => {
            format!("Saved “{name}” to the draft: it is not live until you publish the draft.")
        }
        "discarded" => "Discarded the draft: the live workflows are unchanged.".to_string(),
        _ => return None,
    };
    Some(text)
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    let goal = query
        .goal
        .as_deref()
        .and_then(Goal::parse)
        .map(Goal::as_str)
        .unwrap_or("")
        .to_string();
    let q = query.q.clone().unwrap_or_default().trim().to_string();
    let sort = match query.sort.as_deref() {
        Some("priority_asc") => "priority_asc",
        Some("name") => "name",
        _ => "priority",
    };
    let draft = draft_banner(&state).await?;
    let mut rows = Vec::new();
    let mut page_query = WorkflowQuery {
        goal: Goal::parse(&goal),
        name_contains: Some(q.clone()).filter(|q| !q.is_empty()),
        limit: 200,
        ..WorkflowQuery::default()
    };
    let mut total;
    let now = time::OffsetDateTime::now_utc();
    let matches = state
        .store
        .match_summaries(now - time::Duration::days(7))
        .await?;
    // The list names each workflow's agent, not its id.
    let agent_names: HashMap<Uuid, String> = state
        .store
        .list_agents()
        .await?
        .into_iter()
        .map(|agent| (agent.id, agent.spec.name))
        .collect();
    loop {
        let page = state.store.list_workflows(&page_query).await?;
        total = page.total;
        rows.extend(page.items.iter().map(|workflow| {
            row(
                workflow,
                matches.get(&workflow.id),
                &agent_names,
                draft.as_ref(),
            )
        }));
        match page.next {
            Some(next) if rows.len() < LIST_MAX => page_query.after = Some(next),
            _ => break,
        }
    }
    // The store lists by priority (highest first), then name.
    match sort {
        "priority_asc" => rows.sort_by(|a, b| {
            a.priority
                .cmp(&b.priority)
                .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
        }),
        "name" => rows.sort_by_key(|row| row.name.to_lowercase()),
        _ => {}
    }
    let pages = rows.len().div_ceil(PAGE_ROWS).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let rows: Vec<Row> = rows
        .into_iter()
        .skip((page - 1) * PAGE_ROWS)
        .take(PAGE_ROWS)
        .collect();
    let here = {
        let mut url = form_urlencoded::Serializer::new(String::new());
        if !q.is_empty() {
            url.append_pair("q", &q);
        }
        if !goal.is_empty() {
            url.append_pair("goal", &goal);
        }
        if sort != "priority" {
            url.append_pair("sort", sort);
        }
        url.finish()
    };
    let page_base = if here.is_empty() {
        "/workflows?".to_string()
    } else {
        format!("/workflows?{here}&")
    };
    let here = match (here.is_empty(), page) {
        (true, 1) => "/workflows".to_string(),
        (true, _) => format!("/workflows?page={page}"),
        (false, 1) => format!("/workflows?{here}"),
        (false, _) => format!("/workflows?{here}&page={page}"),
    };
    let page = ListPage {
        frame: signed_in.frame("workflows"),
        rows,
        total,
        q,
        goal,
        sort,
        goals: goals(),
        notice: query
            .notice
            .as_deref()
            .and_then(|code| notice_text(code, query.name.as_deref())),
        here,
        panel: TestPanel::empty(signed_in.csrf()),
        page,
        pages,
        page_base,
        draft,
    };
    Ok(page.into_response())
}

fn row(
    workflow: &Workflow,
    matches: Option<&MatchSummary>,
    agent_names: &HashMap<Uuid, String>,
    draft: Option<&DraftBanner>,
) -> Row {
    Row {
        last_matched: matches
            .and_then(|m| m.last_matched)
            .map(crate::web::dashboard::utc_minute),
        matches_7_days: matches.map_or(0, |m| m.recent_matches),
        id: workflow.id,
        name: workflow.spec.name.to_string(),
        goal: workflow.spec.goal.label(),
        priority: workflow.spec.priority,
        agent: workflow.spec.agent_id.map(|id| {
            agent_names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| id.to_string())
        }),
        active: workflow.spec.active,
        drafted: draft.is_some_and(|draft| draft.touched.contains(&workflow.id)),
        steps: workflow.spec.steps.len(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "workflow_form.html")]
pub struct FormPage {
    frame: Frame,
    /// `None` for a new workflow.
    id: Option<Uuid>,
    title: String,
    form: WorkflowForm,
    errors: FieldErrors,
    /// Someone else saved the workflow since this form was opened.
    stale: Option<i64>,
    /// The form shows the draft of this workflow, not the live one.
    from_draft: bool,
    /// Someone saved the draft while this form was being saved to it.
    draft_changed: bool,
    goals: Vec<GoalInfo>,
    step_types: [(&'static str, &'static str); 5],
    sensitivities: [(&'static str, &'static str); 3],
    ticket_priorities: [&'static str; 4],
    /// The agents to assign, as (id, name), for the dropdown.
    agents: Vec<(String, String)>,
    panel: TestPanel,
    /// `publish_requires_tests`: changes go live only through a tested publish of the draft.
    draft_only: bool,
}

impl FormPage {
    async fn new(
        state: &AppState,
        signed_in: &SignedIn,
        id: Option<Uuid>,
        form: WorkflowForm,
    ) -> Result<Self, WebError> {
        let agents = state
            .store
            .list_agents()
            .await?
            .into_iter()
            .map(|agent| (agent.id.to_string(), agent.spec.name))
            .collect();
        let title = match id {
            None => "New workflow".to_string(),
            Some(_) => format!("Edit “{}”", form.name),
        };
        Ok(FormPage {
            frame: signed_in.frame("workflows"),
            id,
            title,
            form,
            errors: FieldErrors::default(),
            stale: None,
            from_draft: false,
            draft_changed: false,
            goals: goals(),
            step_types: STEP_TYPES,
            sensitivities: SENSITIVITIES,
            ticket_priorities: TICKET_PRIORITIES,
            agents,
            panel: TestPanel::for_editor(signed_in.csrf(), id),
            draft_only: state.engine.settings.publish_requires_tests,
        })
    }

    /// The action of the form: where it posts.
    fn action(&self) -> String {
        match self.id {
            None => "/workflows/new".into(),
            Some(id) => format!("/workflows/{id}"),
        }
    }
}

pub async fn new_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    Ok(
        FormPage::new(&state, &signed_in, None, WorkflowForm::default())
            .await?
            .into_response(),
    )
}

pub async fn edit_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (workflow, from_draft) = as_edited(&state, parse_id(&id)?).await?;
    let mut page = FormPage::new(
        &state,
        &signed_in,
        Some(workflow.id),
        WorkflowForm::of(&workflow),
    )
    .await?;
    page.from_draft = from_draft;
    Ok(page.into_response())
}

/// The workflow to edit, and whether it is the draft's copy: while the draft changes a workflow,
/// its pages edit the draft's copy (the live version stays the base).
pub(crate) async fn as_edited(
    state: &AppState,
    id: Uuid,
) -> Result<(smsflow_core::Workflow, bool), WebError> {
    let mut workflow = state.store.get_workflow(id).await?;
    let drafted = state.store.get_draft().await?.and_then(|draft| {
        draft
            .workflows
            .into_iter()
            .find(|drafted| drafted.id == workflow.id && drafted.spec != workflow.spec)
    });
    let from_draft = drafted.is_some();
    if let Some(drafted) = drafted {
        workflow.spec = drafted.spec;
    }
    Ok((workflow, from_draft))
}

fn parse_id(id: &str) -> Result<Uuid, WebError> {
    Uuid::parse_str(id).map_err(|_| WebError::NotFound(format!("workflow {id} does not exist")))
}

/// Validates the form over `base` (the stored workflow, for an edit): the core's problems plus the
/// form's own, or the spec to save.
pub(crate) fn validate(
    form: &WorkflowForm,
    base: WorkflowDraft,
) -> Result<smsflow_core::WorkflowSpec, Problems> {
    let (draft, mut problems) = form.to_draft_over(base);
    match draft.validate() {
        Ok(spec) if problems.is_empty() => Ok(spec),
        Ok(_) => Err(problems),
        Err(more) => {
            for problem in more.iter() {
                problems.push::<()>(problem.field.clone(), problem.message.clone());
            }
            Err(problems)
        }
    }
}

/// The form again, with what was typed and what is wrong.
fn invalid(mut page: FormPage, problems: &Problems) -> Response {
    page.errors = FieldErrors::new(problems);
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

fn saved_redirect(notice: &str, name: &str) -> Response {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("notice", notice)
        .append_pair("name", name)
        .finish();
    Redirect::to(&format!("/workflows?{query}")).into_response()
}

pub async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Response, WebError> {
    let (form, action) = WorkflowForm::parse(&body);
    let page = FormPage::new(&state, &signed_in, None, form).await?;
    if !matches!(action, Action::Save | Action::SaveDraft) {
        return Ok(page.into_response());
    }
    let spec = match validate(&page.form, WorkflowDraft::default()) {
        Ok(spec) => spec,
        Err(problems) => return Ok(invalid(page, &problems)),
    };
    if action == Action::SaveDraft {
        return drafted(&state, &signed_in, Uuid::now_v7(), spec, page).await;
    }
    untested_change_allowed(&state)?;
    match state
        .store
        .create_workflow(&spec, &signed_in.author())
        .await
    {
        Ok(workflow) => {
            state.workflows_changed().await;
            Ok(saved_redirect("created", workflow.spec.name.as_str()))
        }
        Err(StoreError::NameTaken(_)) => Ok(invalid(page, &name_taken())),
        Err(error) => Err(error.into()),
    }
}

/// With `publish_requires_tests`, a change made live at once is refused (the page says to use the
/// draft); the form then offers only Save to draft.
pub(crate) fn untested_change_allowed(state: &AppState) -> Result<(), WebError> {
    smsflow_engine::saved_suite::refuse_untested_change(&state.engine.settings)
        .map_err(|refused| WebError::Refused(refused.to_string()))
}

fn name_taken() -> Problems {
    Problems::single(
        "name",
        "another workflow already has this name (names ignore case): choose another",
    )
}

/// Saves the form's workflow to the draft as workflow `id`, or shows the form again with why not.
async fn drafted(
    state: &AppState,
    signed_in: &SignedIn,
    id: Uuid,
    spec: smsflow_core::WorkflowSpec,
    mut page: FormPage,
) -> Result<Response, WebError> {
    let name = spec.name.to_string();
    match save_to_draft(state, signed_in, id, spec).await {
        Ok(_) => Ok(saved_redirect("drafted", &name)),
        Err(StoreError::DraftChanged { .. }) => {
            page.draft_changed = true;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(StoreError::NameTaken(_)) => Ok(invalid(page, &name_taken())),
        Err(error) => Err(error.into()),
    }
}

pub async fn update(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let (form, action) = WorkflowForm::parse(&body);
    let mut page = FormPage::new(&state, &signed_in, Some(id), form).await?;
    if !matches!(action, Action::Save | Action::SaveDraft) {
        return Ok(page.into_response());
    }
    // Fields the form does not show (the follow-up, ...) keep their stored values: the draft's
    // copy's when saving to the draft, or a change made there (on the follow-up page) is lost.
    let stored = match action {
        Action::SaveDraft => as_edited(&state, id).await?.0,
        _ => state.store.get_workflow(id).await?,
    };
    let spec = match validate(&page.form, WorkflowDraft::from(&stored.spec)) {
        Ok(spec) => spec,
        Err(problems) => return Ok(invalid(page, &problems)),
    };
    if action == Action::SaveDraft {
        return drafted(&state, &signed_in, id, spec, page).await;
    }
    untested_change_allowed(&state)?;
    match state
        .store
        .update_workflow(id, &spec, page.form.version, &signed_in.author())
        .await
    {
        Ok(workflow) => {
            state.workflows_changed().await;
            Ok(saved_redirect("saved", workflow.spec.name.as_str()))
        }
        Err(StoreError::VersionConflict { current }) => {
            // Keep what was typed; saving again (now against the current version) overwrites.
            page.stale = Some(current);
            page.form.version = Some(current);
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(StoreError::NameTaken(_)) => Ok(invalid(page, &name_taken())),
        Err(error) => Err(error.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    active: bool,
    back: Option<String>,
}

pub async fn set_active(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form: ActiveForm = crate::web::parse_form(&body, "active")?;
    untested_change_allowed(&state)?;
    // Setting a state is idempotent, so no version check: the button says which state it sets.
    let workflow = state
        .store
        .set_workflow_active(id, form.active, None, &signed_in.author())
        .await?;
    state.workflows_changed().await;
    let back = crate::web::session::safe_next(form.back.as_deref());
    let notice = if form.active {
        "activated"
    } else {
        "deactivated"
    };
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("notice", notice)
        .append_pair("name", workflow.spec.name.as_str())
        .finish();
    let separator = if back.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{back}{separator}{query}")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "workflow_delete.html")]
pub struct DeletePage {
    frame: Frame,
    id: Uuid,
    name: String,
    version: i64,
    stale: bool,
}

pub async fn delete_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let workflow = state.store.get_workflow(parse_id(&id)?).await?;
    Ok(DeletePage {
        frame: signed_in.frame("workflows"),
        id: workflow.id,
        name: workflow.spec.name.to_string(),
        version: workflow.version,
        stale: false,
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    version: Option<i64>,
}

pub async fn delete(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form: DeleteForm = crate::web::parse_form(&body, "delete")?;
    untested_change_allowed(&state)?;
    let workflow = state.store.get_workflow(id).await?;
    match state
        .store
        .delete_workflow(id, form.version, &signed_in.author())
        .await
    {
        Ok(()) => {
            state.workflows_changed().await;
            Ok(saved_redirect("deleted", workflow.spec.name.as_str()))
        }
        Err(StoreError::VersionConflict { current }) => Ok((
            StatusCode::CONFLICT,
            DeletePage {
                frame: signed_in.frame("workflows"),
                id,
                name: workflow.spec.name.to_string(),
                version: current,
                stale: true,
            },
        )
            .into_response()),
        Err(error) => Err(error.into()),
    }
}
