//! The team's work in the inbox, as the web app does it (docs/api.md, "Working as a team"): the
//! users, who a conversation is assigned to, internal notes, canned replies (kept, and filled in
//! for a conversation), and the agent's drafted replies in suggest mode (send as drafted, send
//! edited, discard). A read-only key may read these; the rest needs a key with full access.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use smsflow_core::Problems;
use smsflow_core::conversation::MessageStatus;
use smsflow_store::conversations::{Conversation, Message};
use smsflow_store::team::{CannedReply, Note, NoteKind};
use smsflow_store::{Admin, ApiKey, Author, Role, Store, StoreError};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::conversations::{check_body, refuse_opted_out};
use crate::error::{ApiError, ProblemDocument};
use crate::extract::ApiJson;

const TAG: &str = "team";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(get_assignee, set_assignee))
        .routes(routes!(list_notes, add_note))
        .routes(routes!(list_canned_replies, create_canned_reply))
        .routes(routes!(
            get_canned_reply,
            update_canned_reply,
            delete_canned_reply
        ))
        .routes(routes!(fill_canned_reply))
        .routes(routes!(send_draft))
        .routes(routes!(discard_draft))
}

/// Who a note, an assignment or a take-over made through the API is recorded as.
pub(crate) fn by_key(caller: &ApiKey) -> String {
    Author::api_key(&caller.name).to_string()
}

fn parse_id(id: &str, what: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::NotFound(format!("{what} {id} does not exist")))
}

/// A user of the web app, as the team sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMember {
    id: Uuid,
    email: String,
    /// `owner`, `admin`, `agent` or `viewer`.
    #[schema(value_type = String, example = "agent")]
    role: Role,
}

impl From<Admin> for TeamMember {
    fn from(admin: Admin) -> Self {
        TeamMember {
            id: admin.id,
            email: admin.email,
            role: admin.role,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamList {
    items: Vec<TeamMember>,
}

#[utoipa::path(get, path = "/users", tag = TAG,
    description = "The web app's users: whom a conversation can be assigned to.",
    responses((status = 200, body = TeamList), (status = 401, body = ProblemDocument)))]
async fn list_users(State(state): State<AppState>) -> Result<axum::Json<TeamList>, ApiError> {
    Ok(axum::Json(TeamList {
        items: state
            .store
            .list_admins()
            .await?
            .into_iter()
            .map(TeamMember::from)
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Assignment {
    /// `null`: assigned to nobody.
    assignee: Option<TeamMember>,
}

async fn assignment(store: &dyn Store, conversation_id: Uuid) -> Result<Assignment, ApiError> {
    store.get_conversation(conversation_id).await?;
    Ok(Assignment {
        assignee: store.assignee(conversation_id).await?.map(TeamMember::from),
    })
}

#[utoipa::path(get, path = "/conversations/{id}/assignee", tag = TAG, params(("id" = Uuid, Path)),
    responses((status = 200, body = Assignment), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn get_assignee(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<Assignment>, ApiError> {
    let id = parse_id(&id, "conversation")?;
    Ok(axum::Json(assignment(state.store.as_ref(), id).await?))
}

/// Whom to assign the conversation to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// A user's id (`GET /users`), or `null` for nobody.
    user_id: Option<Uuid>,
}

#[utoipa::path(put, path = "/conversations/{id}/assignee", tag = TAG, params(("id" = Uuid, Path)), request_body = AssignRequest,
    description = "Assigns the conversation to a user, or to nobody; the thread records who did it.",
    responses((status = 200, body = Assignment), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn set_assignee(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<AssignRequest>,
) -> Result<axum::Json<Assignment>, ApiError> {
    let id = parse_id(&id, "conversation")?;
    state.store.get_conversation(id).await?;
    match state
        .store
        .assign_conversation(id, request.user_id, &by_key(&caller))
        .await
    {
        Err(StoreError::NotFound { what: "user", key }) => {
            return Err(ApiError::Invalid(Problems::single(
                "user_id",
                format!("no user has the id {key}: take one from GET /api/v1/users"),
            )));
        }
        other => other?,
    }
    Ok(axum::Json(assignment(state.store.as_ref(), id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoteList {
    /// Oldest first: notes the team wrote (`kind` `note`) and what people did in the thread
    /// (`took_over`, `handed_back`, `assigned`, `draft_expired`).
    items: Vec<Note>,
}

#[utoipa::path(get, path = "/conversations/{id}/notes", tag = TAG, params(("id" = Uuid, Path)),
    responses((status = 200, body = NoteList), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn list_notes(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<NoteList>, ApiError> {
    let id = parse_id(&id, "conversation")?;
    state.store.get_conversation(id).await?;
    Ok(axum::Json(NoteList {
        items: state.store.conversation_notes(id).await?,
    }))
}

/// The longest internal note, in characters (as in the web app).
const MAX_NOTE_CHARS: usize = 4_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    /// 1 to 4000 characters; only the team sees it.
    body: String,
}

#[utoipa::path(post, path = "/conversations/{id}/notes", tag = TAG, params(("id" = Uuid, Path)), request_body = NewNote,
    description = "An internal note: stored with the conversation and shown to the team, never sent to the texter.",
    responses((status = 201, body = Note), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn add_note(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<NewNote>,
) -> Result<(StatusCode, axum::Json<Note>), ApiError> {
    let id = parse_id(&id, "conversation")?;
    let body = request.body.trim();
    if body.is_empty() || body.chars().count() > MAX_NOTE_CHARS {
        return Err(ApiError::Invalid(Problems::single(
            "body",
            format!("must be 1 to {MAX_NOTE_CHARS} characters: write the note"),
        )));
    }
    let note = state
        .store
        .add_note(id, NoteKind::Note, Some(&by_key(&caller)), body)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(note)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CannedList {
    /// By title.
    items: Vec<CannedReply>,
}

#[utoipa::path(get, path = "/canned-replies", tag = TAG,
    responses((status = 200, body = CannedList), (status = 401, body = ProblemDocument)))]
async fn list_canned_replies(
    State(state): State<AppState>,
) -> Result<axum::Json<CannedList>, ApiError> {
    Ok(axum::Json(CannedList {
        items: state.store.list_canned_replies().await?,
    }))
}

/// A canned reply: its title (unique) and its text, with variables such as `{{first_name}}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CannedDraft {
    /// 1 to 100 characters, unique.
    title: String,
    /// The text; `{{name}}`, `{{first_name}}`, `{{phone}}`, `{{our_number}}` and the contact's
    /// fields are filled in when it is used.
    body: String,
}

impl CannedDraft {
    /// The trimmed title and body, or every problem.
    fn checked(&self) -> Result<(&str, &str), ApiError> {
        let mut problems = Problems::default();
        check_canned_reply(&mut problems, &self.title, &self.body);
        if !problems.is_empty() {
            return Err(ApiError::Invalid(problems));
        }
        Ok((self.title.trim(), self.body.trim()))
    }
}

/// What is wrong with a canned reply's title and text, as the web app's form and the API see it.
pub(crate) fn check_canned_reply(problems: &mut Problems, title: &str, body: &str) {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        problems.push::<()>("title", "is required: 1 to 100 characters");
    }
    check_body(problems, body);
}

#[utoipa::path(post, path = "/canned-replies", tag = TAG, request_body = CannedDraft,
    responses((status = 201, body = CannedReply), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument),
              (status = 409, body = ProblemDocument, description = "Another canned reply has the title")))]
async fn create_canned_reply(
    State(state): State<AppState>,
    ApiJson(draft): ApiJson<CannedDraft>,
) -> Result<(StatusCode, axum::Json<CannedReply>), ApiError> {
    let (title, body) = draft.checked()?;
    let reply = state.store.create_canned_reply(title, body).await?;
    Ok((StatusCode::CREATED, axum::Json(reply)))
}

#[utoipa::path(get, path = "/canned-replies/{id}", tag = TAG, params(("id" = Uuid, Path)),
    responses((status = 200, body = CannedReply), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn get_canned_reply(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<CannedReply>, ApiError> {
    let id = parse_id(&id, "canned reply")?;
    Ok(axum::Json(state.store.get_canned_reply(id).await?))
}

#[utoipa::path(put, path = "/canned-replies/{id}", tag = TAG, params(("id" = Uuid, Path)), request_body = CannedDraft,
    responses((status = 200, body = CannedReply), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument),
              (status = 404, body = ProblemDocument), (status = 409, body = ProblemDocument, description = "Another canned reply has the title")))]
async fn update_canned_reply(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(draft): ApiJson<CannedDraft>,
) -> Result<axum::Json<CannedReply>, ApiError> {
    let id = parse_id(&id, "canned reply")?;
    let (title, body) = draft.checked()?;
    Ok(axum::Json(
        state.store.update_canned_reply(id, title, body).await?,
    ))
}

#[utoipa::path(delete, path = "/canned-replies/{id}", tag = TAG, params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn delete_canned_reply(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id, "canned reply")?;
    state.store.delete_canned_reply(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A canned reply with the conversation's variables filled in: `{{name}}`, `{{first_name}}`,
/// `{{phone}}` (their number), `{{our_number}}`, and every field the contact gave (`{{email}}`,
/// ...). A variable without a value is dropped with the space before it.
pub(crate) async fn canned_text(
    store: &dyn Store,
    conversation: &Conversation,
    canned_id: Uuid,
) -> Result<String, StoreError> {
    let canned = store.get_canned_reply(canned_id).await?;
    let mut values = BTreeMap::new();
    match store.get_contact(&conversation.their_number).await {
        Ok(contact) => {
            values.extend(contact.known());
            if let Some(name) = contact.name {
                if let Some(first) = name.split_whitespace().next() {
                    values.insert("first_name".to_string(), first.to_string());
                }
                values.insert("name".to_string(), name);
            }
        }
        Err(StoreError::NotFound { .. }) => {}
        Err(error) => return Err(error),
    }
    values.insert("phone".to_string(), conversation.their_number.clone());
    values.insert("our_number".to_string(), conversation.our_number.clone());
    Ok(smsflow_agent::template::render(&canned.body, &values))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FilledReply {
    /// The text to send, variables filled in; nothing is sent.
    body: String,
}

#[utoipa::path(get, path = "/conversations/{id}/canned-replies/{reply_id}", tag = TAG,
    params(("id" = Uuid, Path), ("reply_id" = Uuid, Path)),
    description = "The canned reply as it would read in this conversation; send it with POST /conversations/{id}/messages.",
    responses((status = 200, body = FilledReply), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn fill_canned_reply(
    State(state): State<AppState>,
    Path((id, reply_id)): Path<(String, String)>,
) -> Result<axum::Json<FilledReply>, ApiError> {
    let conversation = state
        .store
        .get_conversation(parse_id(&id, "conversation")?)
        .await?;
    let reply_id = parse_id(&reply_id, "canned reply")?;
    Ok(axum::Json(FilledReply {
        body: canned_text(state.store.as_ref(), &conversation, reply_id).await?,
    }))
}

/// The drafted reply `message_id` of conversation `id`, while it waits.
async fn waiting_draft(state: &AppState, id: &str, message_id: &str) -> Result<Message, ApiError> {
    let id = parse_id(id, "conversation")?;
    let message_id = parse_id(message_id, "drafted reply")?;
    state
        .store
        .conversation_messages(id)
        .await?
        .into_iter()
        .find(|m| m.id == message_id && m.status == MessageStatus::Draft)
        .ok_or_else(|| draft_gone(message_id))
}

fn draft_gone(message_id: Uuid) -> ApiError {
    ApiError::NotFound(format!(
        "drafted reply {message_id} is not waiting in this conversation: a newer text replaced it, it expired, or someone sent or discarded it"
    ))
}

/// How to send a draft: as the agent wrote it (no `body`), or edited.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendDraft {
    /// The edited text: it goes out instead, as a person's reply. Absent: the agent's words.
    body: Option<String>,
}

#[utoipa::path(post, path = "/conversations/{id}/drafts/{message_id}/send", tag = TAG,
    params(("id" = Uuid, Path), ("message_id" = Uuid, Path)), request_body = SendDraft,
    description = "Approves the agent's drafted reply (suggest mode): queues it as drafted, or the edited `body` as a person's reply.",
    responses((status = 202, body = Message), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument),
              (status = 404, body = ProblemDocument, description = "No such conversation, or the draft no longer waits"),
              (status = 409, body = ProblemDocument, description = "The number opted out")))]
async fn send_draft(
    State(state): State<AppState>,
    Path((id, message_id)): Path<(String, String)>,
    ApiJson(request): ApiJson<SendDraft>,
) -> Result<(StatusCode, axum::Json<Message>), ApiError> {
    if let Some(edited) = &request.body {
        let mut problems = Problems::default();
        check_body(&mut problems, edited);
        if !problems.is_empty() {
            return Err(ApiError::Invalid(problems));
        }
    }
    let draft = waiting_draft(&state, &id, &message_id).await?;
    refuse_opted_out(&state.store.get_conversation(draft.conversation_id).await?)?;
    match state
        .messaging
        .send_drafted_reply(draft.id, request.body.as_deref())
        .await
    {
        Err(StoreError::NotFound { .. }) => return Err(draft_gone(draft.id)),
        other => other?,
    }
    let sent = state
        .store
        .conversation_messages(draft.conversation_id)
        .await?
        .into_iter()
        .find(|m| m.id == draft.id)
        .ok_or_else(|| draft_gone(draft.id))?;
    Ok((StatusCode::ACCEPTED, axum::Json(sent)))
}

#[utoipa::path(post, path = "/conversations/{id}/drafts/{message_id}/discard", tag = TAG,
    params(("id" = Uuid, Path), ("message_id" = Uuid, Path)),
    description = "Deletes the agent's drafted reply unsent.",
    responses((status = 204, description = "Discarded: nothing was sent"), (status = 401, body = ProblemDocument),
              (status = 404, body = ProblemDocument, description = "No such conversation, or the draft no longer waits")))]
async fn discard_draft(
    State(state): State<AppState>,
    Path((id, message_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let draft = waiting_draft(&state, &id, &message_id).await?;
    match state.store.discard_drafted_reply(draft.id).await {
        Err(StoreError::NotFound { .. }) => Err(draft_gone(draft.id)),
        other => other.map(|()| StatusCode::NO_CONTENT).map_err(Into::into),
    }
}
