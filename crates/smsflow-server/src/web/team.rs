//! Working as a team in a thread: who it is assigned to, internal notes beside the thread's
//! activity (take-overs, hand-backs, assignments, expired drafts), canned replies (kept on their
//! own page and filled into the reply box with the conversation's variables), and the agent's
//! drafted replies in suggest mode (send, edit, discard). Nothing here is ever sent to the
//! texter except a draft a person sends.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use smsflow_core::Problems;
use smsflow_store::conversations::Conversation;
use smsflow_store::team::NoteKind;
use smsflow_store::{Admin, StoreError};
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::AppState;
use crate::api::conversations::check_body;
use crate::web::form::FieldErrors;
use crate::web::inbox::{back_to, parse_id, when};
use crate::web::session::SignedIn;
use crate::web::{Frame, WebError};

/// A note or an event as the thread shows it.
pub struct NoteView {
    /// `note` for a note someone wrote; an event's kind otherwise.
    pub(crate) kind: &'static str,
    pub(crate) author: String,
    pub(crate) body: String,
    pub(crate) at: String,
}

/// The team's side of a thread: assignment, notes and activity, canned replies.
pub struct TeamPanel {
    pub(crate) assignee: Option<Admin>,
    pub(crate) team: Vec<Admin>,
    /// The signed-in admin ("Assign to me").
    pub(crate) me: Uuid,
    pub(crate) notes: Vec<NoteView>,
    pub(crate) canned: Vec<(Uuid, String)>,
}

impl TeamPanel {
    pub(crate) fn is_assignee(&self, admin: &Admin) -> bool {
        self.assignee.as_ref().is_some_and(|a| a.id == admin.id)
    }
}

pub(crate) async fn panel(
    state: &AppState,
    signed_in: &SignedIn,
    conversation_id: Uuid,
) -> Result<TeamPanel, WebError> {
    let notes = state
        .store
        .conversation_notes(conversation_id)
        .await?
        .into_iter()
        .map(|note| NoteView {
            kind: note.kind.as_str(),
            author: note.author.unwrap_or_else(|| "smsflow".to_string()),
            body: note.body,
            at: when(&note.created_at),
        })
        .collect();
    Ok(TeamPanel {
        assignee: state.store.assignee(conversation_id).await?,
        team: state.store.list_admins().await?,
        me: signed_in.admin().id,
        notes,
        canned: state
            .store
            .list_canned_replies()
            .await?
            .into_iter()
            .map(|reply| (reply.id, reply.title))
            .collect(),
    })
}

/// The thread's notice for `key`, when it is one of ours.
pub(crate) fn notice(key: &str) -> Option<&'static str> {
    Some(match key {
        "note" => "Note added: only the team sees it.",
        "assigned" => "Assignment saved.",
        "draft_sent" => "Draft approved: it shows as sent once the gateway accepts it.",
        "draft_discarded" => "Draft discarded: nothing was sent.",
        "draft_gone" => {
            "That draft is no longer waiting: a newer text replaced it, it expired, or someone else sent or discarded it."
        }
        "took_over" => "Sent. You have taken over: the agent stays silent until you hand back.",
        _ => return None,
    })
}

/// A canned reply with the conversation's variables filled in: `{{name}}`, `{{first_name}}`,
/// `{{phone}}` (their number), `{{our_number}}`, and every field the contact gave (`{{email}}`,
/// ...). A variable without a value is dropped with the space before it.
pub(crate) async fn canned_text(
    state: &AppState,
    conversation: &Conversation,
    canned_id: &str,
) -> Result<String, WebError> {
    let id = Uuid::parse_str(canned_id)
        .map_err(|_| WebError::NotFound(format!("canned reply {canned_id} does not exist")))?;
    let canned = state.store.get_canned_reply(id).await?;
    let mut values = BTreeMap::new();
    match state.store.get_contact(&conversation.their_number).await {
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
        Err(error) => return Err(error.into()),
    }
    values.insert("phone".to_string(), conversation.their_number.clone());
    values.insert("our_number".to_string(), conversation.our_number.clone());
    Ok(smsflow_agent::template::render(&canned.body, &values))
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    /// An admin's id, or empty for nobody.
    #[serde(default)]
    assignee: String,
}

pub async fn assign(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form: AssignForm = crate::web::parse_form(&body, "assign")?;
    let assignee = match form.assignee.trim() {
        "" => None,
        other => Some(
            Uuid::parse_str(other)
                .map_err(|_| WebError::NotFound(format!("user {other} does not exist")))?,
        ),
    };
    state
        .store
        .assign_conversation(id, assignee, &signed_in.admin().email)
        .await?;
    Ok(back_to(id, "assigned"))
}

#[derive(Debug, Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

/// An internal note: stored with the conversation, shown to the team, never sent.
pub async fn add_note(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form: NoteForm = crate::web::parse_form(&body, "note")?;
    let note = form.note.trim();
    if note.is_empty() || note.chars().count() > 4_000 {
        return Err(WebError::Refused(
            "A note needs 1 to 4000 characters: go back and write one.".to_string(),
        ));
    }
    state
        .store
        .add_note(id, NoteKind::Note, Some(&signed_in.admin().email), note)
        .await?;
    Ok(back_to(id, "note"))
}

#[derive(Debug, Deserialize)]
pub struct DraftForm {
    /// The edited text; absent when the draft is sent as the agent wrote it.
    body: Option<String>,
}

/// Sends the agent's drafted reply, as written or as edited.
pub async fn send_draft(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    Path((id, message_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let message_id = parse_id(&message_id)?;
    let form: DraftForm = crate::web::parse_form(&body, "draft")?;
    if let Some(edited) = &form.body {
        let mut problems = Problems::default();
        check_body(&mut problems, edited);
        if let Some(problem) = problems.iter().next() {
            return Err(WebError::Refused(format!(
                "The edited reply {}: go back and fix it.",
                problem.message
            )));
        }
    }
    let conversation = state.store.get_conversation(id).await?;
    if conversation.opted_out {
        return Err(WebError::Refused(
            "They opted out (STOP): nothing can be sent to this number until they text START; discard the draft."
                .to_string(),
        ));
    }
    match state
        .messaging
        .send_drafted_reply(message_id, form.body.as_deref())
        .await
    {
        Ok(()) => Ok(back_to(id, "draft_sent")),
        Err(StoreError::NotFound { .. }) => Ok(back_to(id, "draft_gone")),
        Err(error) => Err(error.into()),
    }
}

pub async fn discard_draft(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    Path((id, message_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let message_id = parse_id(&message_id)?;
    match state.store.discard_drafted_reply(message_id).await {
        Ok(()) => Ok(back_to(id, "draft_discarded")),
        Err(StoreError::NotFound { .. }) => Ok(back_to(id, "draft_gone")),
        Err(error) => Err(error.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "canned_replies.html")]
pub struct CannedRepliesPage {
    frame: Frame,
    replies: Vec<smsflow_store::team::CannedReply>,
    title: String,
    body: String,
    errors: FieldErrors,
}

async fn canned_page(
    state: &AppState,
    signed_in: &SignedIn,
) -> Result<CannedRepliesPage, WebError> {
    Ok(CannedRepliesPage {
        frame: signed_in.frame("inbox"),
        replies: state.store.list_canned_replies().await?,
        title: String::new(),
        body: String::new(),
        errors: FieldErrors::default(),
    })
}

pub async fn canned_replies(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<CannedRepliesPage, WebError> {
    canned_page(&state, &signed_in).await
}

#[derive(Debug, Deserialize)]
pub struct CannedForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

pub async fn create_canned_reply(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: CannedForm = crate::web::parse_form(&body, "canned reply")?;
    let title = form.title.trim();
    let mut problems = Problems::default();
    if title.is_empty() || title.chars().count() > 100 {
        problems.push::<()>("title", "is required: 1 to 100 characters");
    }
    check_body(&mut problems, &form.body);
    let created = if problems.is_empty() {
        match state
            .store
            .create_canned_reply(title, form.body.trim())
            .await
        {
            Ok(_) => None,
            Err(StoreError::Refused(message)) => Some(message),
            Err(error) => return Err(error.into()),
        }
    } else {
        None
    };
    if let Some(taken) = created {
        problems.push::<()>("title", taken);
    }
    if problems.is_empty() {
        return Ok(Redirect::to("/canned-replies").into_response());
    }
    let mut page = canned_page(&state, &signed_in).await?;
    page.title = form.title;
    page.body = form.body;
    page.errors = FieldErrors::new(&problems);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn delete_canned_reply(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = Uuid::parse_str(&id)
        .map_err(|_| WebError::NotFound(format!("canned reply {id} does not exist")))?;
    state.store.delete_canned_reply(id).await?;
    Ok(Redirect::to("/canned-replies").into_response())
}
