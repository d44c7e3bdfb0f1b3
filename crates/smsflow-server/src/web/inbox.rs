//! The conversations inbox: the list (filters, search by number, newest activity first, paged) and
//! a thread with every message, who wrote each reply and why, the run's fields and steps; a person
//! replies, takes over and hands back. The open thread polls for new messages (htmx).

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
use smsflow_store::conversations::{Conversation, ConversationQuery, Message};
use std::collections::HashMap;
use uuid::Uuid;

use crate::AppState;
use crate::api::conversations::{check_body, decode_cursor, encode_cursor, refuse_opted_out};
use crate::web::form::FieldErrors;
use crate::web::session::SignedIn;
use crate::web::{Frame, WebError};

const PAGE_SIZE: u32 = 25;

/// The inbox's filters as the URL carries them.
#[derive(Debug, Deserialize, Default)]
pub struct InboxQuery {
    /// `unread`, `human` (needs a human) or `opted_out`; anything else lists all.
    show: Option<String>,
    /// Their number (or ours), E.164.
    number: Option<String>,
    /// The "older" link's position.
    cursor: Option<String>,
}

pub struct InboxRow {
    id: Uuid,
    their_number: String,
    /// The contact's name, when they gave it.
    name: Option<String>,
    our_number: String,
    status: &'static str,
    /// The texter asked for a person and nobody has answered yet.
    asked_for_person: bool,
    unread: i64,
    opted_out: bool,
    last_message_at: String,
    preview: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    frame: Frame,
    rows: Vec<InboxRow>,
    show: &'static str,
    number: String,
    /// The next page's URL, when there is one.
    older: Option<String>,
}

pub(crate) fn when(at: &time::OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<InboxQuery>,
) -> Result<Response, WebError> {
    let show = match query.show.as_deref() {
        Some("unread") => "unread",
        Some("human") => "human",
        Some("opted_out") => "opted_out",
        _ => "all",
    };
    let number = query.number.unwrap_or_default().trim().to_string();
    let page = state
        .store
        .list_conversations(&ConversationQuery {
            number: Some(number.clone()).filter(|n| !n.is_empty()),
            status: (show == "human").then_some(ConversationStatus::Human),
            unread: show == "unread",
            opted_out: (show == "opted_out").then_some(true),
            after: query.cursor.as_deref().and_then(decode_cursor),
            limit: PAGE_SIZE,
            ..ConversationQuery::default()
        })
        .await?;
    let ids: Vec<Uuid> = page.items.iter().map(|c| c.id).collect();
    let previews: HashMap<Uuid, String> = state
        .store
        .latest_messages(&ids)
        .await?
        .into_iter()
        .map(|m| (m.conversation_id, preview(&m.body)))
        .collect();
    let numbers: Vec<&str> = page.items.iter().map(|c| c.their_number.as_str()).collect();
    let mut contacts = state.store.contacts_of(&numbers).await?;
    let rows = page
        .items
        .iter()
        .map(|conversation| InboxRow {
            id: conversation.id,
            their_number: conversation.their_number.clone(),
            name: contacts
                .get_mut(&conversation.their_number)
                .and_then(|contact| contact.name.take()),
            our_number: conversation.our_number.clone(),
            status: conversation.status.as_str(),
            asked_for_person: conversation.needs_human_at.is_some(),
            unread: conversation.unread_count,
            opted_out: conversation.opted_out,
            last_message_at: when(&conversation.last_message_at),
            preview: previews.get(&conversation.id).cloned().unwrap_or_default(),
        })
        .collect();
    let older = page.next.as_ref().map(|cursor| {
        let mut url = form_urlencoded::Serializer::new(String::new());
        url.append_pair("show", show);
        if !number.is_empty() {
            url.append_pair("number", &number);
        }
        url.append_pair("cursor", &encode_cursor(cursor));
        format!("/conversations?{}", url.finish())
    });
    Ok(InboxPage {
        frame: signed_in.frame("inbox"),
        rows,
        show,
        number,
        older,
    }
    .into_response())
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
    at: String,
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
}

fn parse_id(id: &str) -> Result<Uuid, WebError> {
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
            at: when(&message.created_at),
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
) -> Result<ThreadPage, WebError> {
    let conversation = state.store.get_conversation(id).await?;
    let mut names = HashMap::new();
    let messages = state.store.conversation_messages(id).await?;
    Ok(ThreadPage {
        frame: signed_in.frame("inbox"),
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
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct ThreadQuery {
    notice: Option<String>,
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
    let mut page = thread_page(&state, &signed_in, id).await?;
    page.notice = match query.notice.as_deref() {
        Some("sent") => Some("Message queued: it shows as sent once the gateway accepts it."),
        Some("human") => Some("You have taken over: the agent stays silent until you hand back."),
        Some("agent") => Some("Handed back: the agent answers the next message."),
        _ => None,
    };
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
    _signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<PollQuery>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    // Polled every few seconds: write only when something new arrived.
    let conversation = state.store.get_conversation(id).await?;
    if conversation.unread_count > 0 {
        state.store.mark_conversation_read(id).await?;
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
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
}

fn back_to(id: Uuid, notice: &str) -> Response {
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
        let mut page = thread_page(&state, &signed_in, id).await?;
        page.count = SegmentCount::of(&state, &form.body);
        page.reply = form.body;
        page.errors = FieldErrors::new(&problems);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    state.messaging.queue(id, &form.body, Author::Human).await?;
    Ok(back_to(id, "sent"))
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
    _signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_status(&state, &id, ConversationStatus::Human).await
}

pub async fn hand_back(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_status(&state, &id, ConversationStatus::Agent).await
}

async fn set_status(
    state: &AppState,
    id: &str,
    status: ConversationStatus,
) -> Result<Response, WebError> {
    let id = parse_id(id)?;
    state.store.set_conversation_status(id, status).await?;
    Ok(back_to(id, status.as_str()))
}

/// The start of a message for the inbox list: whole words, and "…" when there is more.
fn preview(body: &str) -> String {
    let start = smsflow_core::text::shorten(body.trim(), 80);
    if start.len() < body.trim().len() {
        format!("{start}…")
    } else {
        start
    }
}

#[cfg(test)]
mod tests {
    use super::preview;

    #[test]
    fn previews_end_at_a_word_with_an_ellipsis() {
        assert_eq!(
            preview("Can I book for Tuesday?"),
            "Can I book for Tuesday?"
        );
        let long = "Hi, my kitchen sink is leaking under the cabinet and the water is reaching the floor boards now";
        let shown = preview(long);
        assert!(
            shown.ends_with("floor…") || shown.ends_with("the…"),
            "{shown}"
        );
        assert!(shown.chars().count() <= 81, "{shown}");
        assert!(long.starts_with(shown.trim_end_matches('…')), "{shown}");
    }
}
