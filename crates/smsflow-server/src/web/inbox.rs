//! A conversation's thread, beside the inbox list (`inbox_list`) on wide screens: every message,
//! who wrote each reply and why, the run's fields and steps; a person replies, takes over and
//! hands back. The open thread fetches its messages again when the live inbox says they changed
//! (`live`), and polls as a fallback (htmx).

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;
use smsflow_core::Problems;
use smsflow_core::Step;
use smsflow_core::conversation::{Author, ConversationStatus, Direction};
use smsflow_engine::inbox_events::InboxChange;
use smsflow_store::conversations::{Conversation, Message};
use smsflow_store::team::NoteKind;
use std::collections::HashMap;
use uuid::Uuid;

use crate::AppState;
use crate::api::conversations::{check_body, refuse_opted_out};
use crate::web::form::FieldErrors;
use crate::web::inbox_list::{self, InboxList, InboxQuery};
use crate::web::local_time::LocalTime;
use crate::web::session::SignedIn;
use crate::web::{Frame, WebError};

pub(crate) fn when(at: &time::OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// One message as the thread shows it.
pub struct MessageView {
    id: Uuid,
    inbound: bool,
    author: &'static str,
    body: String,
    segments: i64,
    encoding: String,
    status: &'static str,
    error: Option<String>,
    at: LocalTime,
    simulated: bool,
    /// The language it is in (inbound: as detected), by name.
    language: Option<&'static str>,
    workflow: Option<String>,
    /// The agent that wrote an automatic reply, and how it was chosen.
    agent: Option<String>,
    backend: Option<String>,
    /// Inbound: why this workflow (or none) handled it, and what happened to the reply.
    routing: Option<String>,
    /// The workflow's auto follow-up: a nudge after the texter stopped answering.
    follow_up: bool,
}

pub struct StepView {
    label: String,
    done: bool,
}

/// What we know about the person across their runs (the contact record).
pub struct ContactView {
    name: Option<String>,
    language: Option<String>,
    fields: Vec<(String, String)>,
}

/// The contact of `number`, if they have written before.
async fn contact_view(state: &AppState, number: &str) -> Result<Option<ContactView>, WebError> {
    match state.store.get_contact(number).await {
        Ok(contact) => Ok(Some(ContactView {
            fields: contact.known().into_iter().collect(),
            name: contact.name,
            language: contact.language,
        })),
        Err(smsflow_store::StoreError::NotFound { .. }) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// The run the conversation is in: what was extracted and which steps are done.
pub struct RunView {
    workflow: String,
    fields: Vec<(String, String)>,
    steps: Vec<StepView>,
    completed: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "thread.html")]
pub struct ThreadPage {
    frame: Frame,
    /// The conversations beside the thread (wide screens only).
    list: InboxList,
    /// For the included messages list.
    conversation_id: Uuid,
    version: String,
    conversation: Conversation,
    messages: Vec<MessageView>,
    run: Option<RunView>,
    contact: Option<ContactView>,
    /// Only the polled part swaps the run panel out of band.
    oob: bool,
    reply: String,
    /// What the reply box's text costs to send.
    count: SegmentCount,
    errors: FieldErrors,
    notice: Option<&'static str>,
    /// Assignment, notes and activity, canned replies.
    team: crate::web::team::TeamPanel,
}

/// Characters and SMS segments of a reply as it will be sent, under the reply box (updated while
/// typing through `POST /conversations/{id}/segments`).
#[derive(Template, WebTemplate)]
#[template(path = "_segments.html")]
pub struct SegmentCount {
    characters: usize,
    segments: usize,
    /// UCS-2: an emoji or a letter outside GSM-7 makes every segment 70 characters, not 160.
    unicode: bool,
}

impl SegmentCount {
    fn of(state: &AppState, body: &str) -> SegmentCount {
        let sent = state.messaging.settings.as_sent(body);
        let info = smsflow_core::sms::segment_info(&sent);
        SegmentCount {
            characters: sent.chars().count(),
            segments: if sent.is_empty() { 0 } else { info.segments },
            unicode: info.encoding == smsflow_core::sms::Encoding::Ucs2,
        }
    }
}

impl ThreadPage {
    /// For the drafts' forms in the messages list.
    fn csrf(&self) -> &str {
        &self.frame.csrf
    }

    /// The contact's name, for the heading.
    fn contact_name(&self) -> Option<&str> {
        self.contact
            .as_ref()
            .and_then(|contact| contact.name.as_deref())
    }
}

/// What the open thread polls for: the messages, and the run beside them (swapped out of band).
#[derive(Template, WebTemplate)]
#[template(path = "_poll.html")]
pub struct PollPart {
    conversation_id: Uuid,
    version: String,
    messages: Vec<MessageView>,
    run: Option<RunView>,
    contact: Option<ContactView>,
    oob: bool,
    /// For the drafts' forms in the messages list.
    csrf_token: String,
}

impl PollPart {
    fn csrf(&self) -> &str {
        &self.csrf_token
    }
}

pub(crate) fn parse_id(id: &str) -> Result<Uuid, WebError> {
    Uuid::parse_str(id).map_err(|_| WebError::NotFound(format!("conversation {id} does not exist")))
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_string)
}

/// How an inbound message was routed, and what became of its reply unless one was queued.
fn routing_summary(explanation: &Value) -> Option<String> {
    let reason =
        text(&explanation["routing_reason"]).or_else(|| text(&explanation["carrier_keyword"]));
    let reply = text(&explanation["reply"])
        .filter(|r| r != "queued")
        .map(|r| format!("reply: {r}"));
    // A hand-off or a follow-up answered in context, when the conversation answered itself.
    let conversed = text(&explanation["handoff"]).or_else(|| text(&explanation["follow_up"]));
    let parts: Vec<String> = [reason, conversed, reply].into_iter().flatten().collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// The messages with their workflow names and, for automatic replies, the agent recorded on the
/// message they answer.
async fn message_views(
    state: &AppState,
    messages: Vec<Message>,
    names: &mut HashMap<Uuid, String>,
) -> Result<Vec<MessageView>, WebError> {
    let mut views = Vec::with_capacity(messages.len());
    let follow_ups = match messages.first() {
        Some(first) => {
            state
                .store
                .follow_up_messages(first.conversation_id)
                .await?
        }
        None => Vec::new(),
    };
    let mut answered: Option<Value> = None;
    for message in messages {
        let workflow = match message.workflow_id {
            Some(id) => Some(workflow_name(state, id, names).await?),
            None => None,
        };
        let inbound = message.direction == Direction::Inbound;
        if inbound {
            answered = message.explanation.clone();
        }
        let agent_info = (!inbound && message.author == Author::Agent)
            .then(|| answered.as_ref().map(|e| e["agent"].clone()))
            .flatten()
            .filter(|agent| !agent.is_null());
        let routing = match &message.explanation {
            Some(explanation) if inbound => routing_summary(explanation),
            _ => None,
        };
        views.push(MessageView {
            id: message.id,
            inbound,
            author: message.author.as_str(),
            segments: message.segments,
            encoding: message.encoding.clone(),
            status: message.status.as_str(),
            error: message.error_message.clone().or(message.error_code.clone()),
            at: LocalTime::of(&message.created_at, &state.messaging.settings.timezone),
            simulated: message.simulated,
            language: message.language.map(|language| language.name()),
            workflow,
            agent: agent_info.as_ref().and_then(|a| {
                let name = text(&a["assigned_agent"]["name"])?;
                let how = text(&a["assigned_agent"]["how"]["source"]).unwrap_or_default();
                Some(format!("{name} ({})", how.replace('_', " ")))
            }),
            backend: agent_info.as_ref().and_then(|a| {
                let backend = text(&a["backend"])?;
                Some(match text(&a["fallback"]) {
                    Some(why) => format!("{backend} (fallback: {why})"),
                    None => backend,
                })
            }),
            routing,
            follow_up: follow_ups.contains(&message.id),
            body: message.body,
        });
    }
    Ok(views)
}

async fn workflow_name(
    state: &AppState,
    id: Uuid,
    names: &mut HashMap<Uuid, String>,
) -> Result<String, WebError> {
    if let Some(name) = names.get(&id) {
        return Ok(name.clone());
    }
    let name = match state.store.get_workflow(id).await {
        Ok(workflow) => workflow.spec.name.to_string(),
        Err(smsflow_store::StoreError::NotFound { .. }) => "a deleted workflow".to_string(),
        Err(error) => return Err(error.into()),
    };
    names.insert(id, name.clone());
    Ok(name)
}

fn step_label(step: &Step) -> String {
    match step {
        Step::ExtractInformation { fields, .. } => format!(
            "Extract information: {}",
            fields
                .iter()
                .map(|f| f.to_text())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Step::SendResponse { .. } => "Send response".to_string(),
        Step::CreateSupportTicket { priority } => {
            format!("Create support ticket ({})", priority.as_str())
        }
        Step::BookAppointment { .. } => "Book appointment".to_string(),
        Step::SaveToDatabase { table } => format!("Save to database: {table}"),
    }
}

async fn run_view(
    state: &AppState,
    conversation: &Conversation,
    names: &mut HashMap<Uuid, String>,
) -> Result<Option<RunView>, WebError> {
    let Some(run_id) = conversation.active_run_id else {
        return Ok(None);
    };
    let Some(run) = state.store.get_run(run_id).await? else {
        return Ok(None);
    };
    let steps = match state.store.get_workflow(run.workflow_id).await {
        Ok(workflow) => workflow
            .spec
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| StepView {
                label: step_label(step),
                done: run.state.steps_done.contains(&i),
            })
            .collect(),
        Err(smsflow_store::StoreError::NotFound { .. }) => Vec::new(),
        Err(error) => return Err(error.into()),
    };
    Ok(Some(RunView {
        workflow: workflow_name(state, run.workflow_id, names).await?,
        fields: run.state.fields.into_iter().collect(),
        steps,
        completed: run.completed,
    }))
}

async fn thread_page(
    state: &AppState,
    signed_in: &SignedIn,
    id: Uuid,
    list: &InboxQuery,
) -> Result<ThreadPage, WebError> {
    let conversation = state.store.get_conversation(id).await?;
    let mut names = HashMap::new();
    let messages = state.store.conversation_messages(id).await?;
    Ok(ThreadPage {
        frame: signed_in.frame("inbox"),
        list: inbox_list::load(state, signed_in, list, Some(id)).await?,
        version: version(&messages),
        messages: message_views(state, messages, &mut names).await?,
        run: run_view(state, &conversation, &mut names).await?,
        contact: contact_view(state, &conversation.their_number).await?,
        conversation_id: id,
        conversation,
        oob: false,
        reply: String::new(),
        count: SegmentCount::of(state, ""),
        errors: FieldErrors::default(),
        notice: None,
        team: crate::web::team::panel(state, signed_in, id).await?,
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct ThreadQuery {
    notice: Option<String>,
    /// The list's filters, kept from the inbox.
    #[serde(flatten)]
    list: InboxQuery,
    /// A canned reply to put in the reply box, its variables filled in.
    canned: Option<String>,
}

pub async fn thread(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<ThreadQuery>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    // Opening the thread reads it.
    state.store.mark_conversation_read(id).await?;
    state.messaging.inbox.publish(id, InboxChange::Conversation);
    let mut page = thread_page(&state, &signed_in, id, &query.list).await?;
    // Counted before it was read.
    page.frame.unread = state.store.unread_conversations().await?;
    page.list.unread = page.frame.unread;
    page.notice = match query.notice.as_deref() {
        Some("sent") => Some("Message queued: it shows as sent once the gateway accepts it."),
        Some("human") => Some("You have taken over: the agent stays silent until you hand back."),
        Some("agent") => Some("Handed back: the agent answers the next message."),
        Some(other) => crate::web::team::notice(other),
        None => None,
    };
    if let Some(canned) = query.canned.as_deref().filter(|c| !c.is_empty()) {
        page.reply = crate::web::team::canned_text(&state, &page.conversation, canned).await?;
        page.count = SegmentCount::of(&state, &page.reply);
    }
    Ok(page.into_response())
}

/// What the thread shows has changed when a message was added or updated (delivery status).
fn version(messages: &[Message]) -> String {
    let updated = messages
        .iter()
        .map(|m| m.updated_at.unix_timestamp_nanos())
        .max()
        .unwrap_or_default();
    format!("{}-{updated}", messages.len())
}

#[derive(Debug, Deserialize, Default)]
pub struct PollQuery {
    /// The version the page shows.
    v: Option<String>,
}

/// The messages and the run, for the open thread's polling; the person is looking, so they are read.
/// Nothing changed since the version the page shows: 204, and htmx leaves the page alone.
pub async fn messages(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<PollQuery>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    // Polled every few seconds: write only when something new arrived.
    let conversation = state.store.get_conversation(id).await?;
    if conversation.unread_count > 0 {
        state.store.mark_conversation_read(id).await?;
        state.messaging.inbox.publish(id, InboxChange::Conversation);
    }
    let messages = state.store.conversation_messages(id).await?;
    let version = version(&messages);
    if query.v.as_deref() == Some(version.as_str()) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let mut names = HashMap::new();
    Ok(PollPart {
        conversation_id: id,
        version,
        messages: message_views(&state, messages, &mut names).await?,
        run: run_view(&state, &conversation, &mut names).await?,
        contact: contact_view(&state, &conversation.their_number).await?,
        oob: true,
        csrf_token: signed_in.csrf().to_string(),
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
    /// "Send as a note to the agent's conversation": the agent keeps answering (no take-over).
    keep_agent: Option<String>,
}

pub(crate) fn back_to(id: Uuid, notice: &str) -> Response {
    Redirect::to(&format!("/conversations/{id}?notice={notice}")).into_response()
}

pub async fn reply(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form: ReplyForm = crate::web::parse_form(&body, "reply")?;
    let conversation = state.store.get_conversation(id).await?;
    let mut problems = Problems::default();
    check_body(&mut problems, &form.body);
    if let Err(refused) = refuse_opted_out(&conversation) {
        problems.push::<()>("body", refused.to_string());
    }
    if !problems.is_empty() {
        let mut page = thread_page(&state, &signed_in, id, &InboxQuery::default()).await?;
        page.count = SegmentCount::of(&state, &form.body);
        page.reply = form.body;
        page.errors = FieldErrors::new(&problems);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    // Replying by hand takes the conversation over first, so the agent does not answer the
    // texter's next message too; unless the person chose to leave the agent answering.
    let take_over = form.keep_agent.is_none() && conversation.status == ConversationStatus::Agent;
    if take_over {
        state
            .store
            .change_owner(
                id,
                ConversationStatus::Human,
                NoteKind::TookOver,
                &signed_in.admin().email,
                "replied by hand, so took the conversation over: the agent stays silent until someone gives it back",
            )
            .await?;
    }
    state.messaging.queue(id, &form.body, Author::Human).await?;
    Ok(back_to(id, if take_over { "took_over" } else { "sent" }))
}

/// The segment counter for what is typed in the reply box.
pub async fn segments(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    body: Bytes,
) -> Result<SegmentCount, WebError> {
    let form: ReplyForm = crate::web::parse_form(&body, "reply")?;
    Ok(SegmentCount::of(&state, &form.body))
}

pub async fn take_over(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let by = &signed_in.admin().email;
    let note = "took the conversation over: the agent stays silent until someone gives it back";
    let id = parse_id(&id)?;
    state
        .store
        .change_owner(id, ConversationStatus::Human, NoteKind::TookOver, by, note)
        .await?;
    Ok(back_to(id, ConversationStatus::Human.as_str()))
}

pub async fn hand_back(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let by = &signed_in.admin().email;
    let note = "gave the conversation back to the agent";
    let id = parse_id(&id)?;
    state
        .store
        .change_owner(
            id,
            ConversationStatus::Agent,
            NoteKind::HandedBack,
            by,
            note,
        )
        .await?;
    state.messaging.inbox.publish(id, InboxChange::Conversation);
    Ok(back_to(id, ConversationStatus::Agent.as_str()))
}
