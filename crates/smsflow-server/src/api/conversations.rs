//! `/api/v1/conversations`, `/messages/send`, `/simulator/messages` and `/opt-outs`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use serde::{Deserialize, Serialize};
use smsflow_core::Problems;
use smsflow_core::conversation::{Author, Channel, ConversationStatus};
use smsflow_core::sender::Sender;
use smsflow_core::sms::{MAX_BODY_CHARS, is_e164};
use smsflow_store::conversations::{
    Conversation, ConversationCursor, ConversationQuery, Message, OptOut,
};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::error::{ApiError, ProblemDocument};
use crate::extract::{ApiJson, ApiQuery};
use smsflow_engine::messaging::SimulatedTurn;

const TAG: &str = "conversations";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_conversations))
        .routes(routes!(get_conversation))
        .routes(routes!(send_in_conversation))
        .routes(routes!(hand_off))
        .routes(routes!(resume))
        .routes(routes!(send_message))
        .routes(routes!(simulate_message))
        .routes(routes!(list_opt_outs))
        .routes(routes!(export_opt_outs))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConversationParams {
    /// Our number or theirs (E.164).
    number: Option<String>,
    /// `agent` (automatic replies) or `human` (handed off).
    status: Option<ConversationStatus>,
    /// Conversations with a message handled by this workflow.
    workflow_id: Option<Uuid>,
    /// `true`: only conversations with unread inbound messages.
    #[serde(default)]
    unread: bool,
    /// `true`: only numbers that opted out; `false`: only those that did not.
    opted_out: Option<bool>,
    /// Last activity at or after this time (RFC 3339).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    since: Option<OffsetDateTime>,
    /// Last activity before this time (RFC 3339).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>, format = DateTime)]
    until: Option<OffsetDateTime>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// One page of conversations, newest activity first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationList {
    items: Vec<Conversation>,
    next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationThread {
    conversation: Conversation,
    /// Every message, oldest first.
    messages: Vec<Message>,
}

/// A page position as text for a URL (the API's `next_cursor`, the inbox's "older" link).
pub(crate) fn encode_cursor<T: Serialize>(cursor: &T) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(cursor).expect("a cursor serialises"))
}

pub(crate) fn decode_cursor<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok())
}

/// A list route's page: `limit` (default 50, 1 to 200) and the position after `cursor`, each
/// refused with its query field named when it is not one this API gives.
pub(crate) fn page_request<T: serde::de::DeserializeOwned>(
    limit: Option<u32>,
    cursor: Option<&str>,
) -> Result<(u32, Option<T>), ApiError> {
    let limit = limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::Invalid(Problems::single(
            "query.limit",
            "must be between 1 and 200",
        )));
    }
    let after = cursor
        .map(|text| {
            decode_cursor::<T>(text).ok_or_else(|| {
                ApiError::Invalid(Problems::single(
                    "query.cursor",
                    "is not a cursor from this API: pass next_cursor unchanged",
                ))
            })
        })
        .transpose()?;
    Ok((limit, after))
}

fn parse_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::NotFound(format!("conversation {id} does not exist")))
}

pub(crate) fn check_body(problems: &mut Problems, body: &str) {
    if body.trim().is_empty() {
        problems.push::<()>("body", "must not be empty: write the message to send");
    } else if body.chars().count() > MAX_BODY_CHARS {
        problems.push::<()>(
            "body",
            format!("must be at most {MAX_BODY_CHARS} characters (about 10 segments)"),
        );
    }
}

fn check_number(problems: &mut Problems, field: &str, number: &str) {
    if !is_e164(number) {
        problems.push::<()>(field, format!("{number:?} is not an E.164 number: write it as + and country code, e.g. +15550001111"));
    }
}

#[utoipa::path(get, path = "/conversations", tag = TAG, params(ConversationParams),
    responses((status = 200, body = ConversationList), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument)))]
async fn list_conversations(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ConversationParams>,
) -> Result<axum::Json<ConversationList>, ApiError> {
    let (limit, after) =
        page_request::<ConversationCursor>(params.limit, params.cursor.as_deref())?;
    let page = state
        .store
        .list_conversations(&ConversationQuery {
            number: params.number,
            text: None,
            status: params.status,
            workflow_id: params.workflow_id,
            unread: params.unread,
            opted_out: params.opted_out,
            assigned: None,
            since: params.since,
            until: params.until,
            after,
            limit,
        })
        .await?;
    Ok(axum::Json(ConversationList {
        items: page.items,
        next_cursor: page.next.as_ref().map(encode_cursor),
    }))
}

#[utoipa::path(get, path = "/conversations/{id}", tag = TAG, params(("id" = Uuid, Path)),
    responses((status = 200, body = ConversationThread), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn get_conversation(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<ConversationThread>, ApiError> {
    let id = parse_id(&id)?;
    let conversation = state.store.get_conversation(id).await?;
    let messages = state.store.conversation_messages(id).await?;
    Ok(axum::Json(ConversationThread {
        conversation,
        messages,
    }))
}

/// A message a person writes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualMessage {
    body: String,
}

#[utoipa::path(post, path = "/conversations/{id}/messages", tag = TAG, params(("id" = Uuid, Path)), request_body = ManualMessage,
    description = "A person sends a message by hand; it goes out through the same queue as the agent's replies.",
    responses((status = 202, body = Message), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument),
              (status = 404, body = ProblemDocument), (status = 409, body = ProblemDocument, description = "The number opted out")))]
async fn send_in_conversation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ManualMessage>,
) -> Result<(StatusCode, axum::Json<Message>), ApiError> {
    let id = parse_id(&id)?;
    let mut problems = Problems::default();
    check_body(&mut problems, &request.body);
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    let conversation = state.store.get_conversation(id).await?;
    refuse_opted_out(&conversation)?;
    let message = state
        .messaging
        .queue(id, &request.body, Author::Human)
        .await?;
    Ok((StatusCode::ACCEPTED, axum::Json(message)))
}

pub(crate) fn refuse_opted_out(conversation: &Conversation) -> Result<(), ApiError> {
    if conversation.opted_out {
        return Err(ApiError::Conflict(format!(
            "{} opted out (texted STOP): nothing can be sent until they text START",
            conversation.their_number
        )));
    }
    Ok(())
}

#[utoipa::path(post, path = "/conversations/{id}/handoff", tag = TAG, params(("id" = Uuid, Path)),
    description = "A person takes over: the agent stays silent in this conversation until it is resumed.",
    responses((status = 200, body = Conversation), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn hand_off(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<Conversation>, ApiError> {
    let conversation = state
        .store
        .set_conversation_status(parse_id(&id)?, ConversationStatus::Human)
        .await?;
    Ok(axum::Json(conversation))
}

#[utoipa::path(post, path = "/conversations/{id}/resume", tag = TAG, params(("id" = Uuid, Path)),
    description = "Hands the conversation back to the agent.",
    responses((status = 200, body = Conversation), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn resume(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<Conversation>, ApiError> {
    let conversation = state
        .store
        .set_conversation_status(parse_id(&id)?, ConversationStatus::Agent)
        .await?;
    Ok(axum::Json(conversation))
}

/// A message that starts (or continues) a conversation from our side.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    /// Their number (E.164).
    to: String,
    body: String,
    /// Our number; defaults to `sms.default_from`.
    from: Option<String>,
    /// `twilio`, `kannel` or `simulator`; defaults to the first configured of Twilio, Kannel, simulator.
    channel: Option<Channel>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SendResponse {
    conversation_id: Uuid,
    message: Message,
}

#[utoipa::path(post, path = "/messages/send", tag = TAG, request_body = SendRequest,
    description = "Queues a message to a number, starting a conversation if there is none. For one-to-one messages, not bulk campaigns.",
    responses((status = 202, body = SendResponse), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument),
              (status = 409, body = ProblemDocument, description = "The number opted out")))]
async fn send_message(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<SendRequest>,
) -> Result<(StatusCode, axum::Json<SendResponse>), ApiError> {
    let from = request
        .from
        .clone()
        .unwrap_or_else(|| state.config.sms.default_from.clone());
    let mut problems = Problems::default();
    check_number(&mut problems, "to", &request.to);
    check_number(&mut problems, "from", &from);
    check_body(&mut problems, &request.body);
    let channel = request.channel.unwrap_or_else(|| state.default_channel());
    if !state.messaging.channels.contains_key(&channel) {
        problems.push::<()>(
            "channel",
            format!(
                "the {} channel is not configured: see docs/configuration.md",
                channel.as_str()
            ),
        );
    }
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    let conversation = state
        .store
        .open_conversation(channel, &from, &request.to)
        .await?;
    refuse_opted_out(&conversation)?;
    let message = state
        .messaging
        .queue(conversation.id, &request.body, Author::Human)
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(SendResponse {
            conversation_id: conversation.id,
            message,
        }),
    ))
}

/// A text "sent" from a phone to smsflow through the built-in simulator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulatedMessage {
    /// The phone's number (E.164), or a `whatsapp:` number, a short code or an alphanumeric sender
    /// ID (stored, and answered only when a reply can reach it).
    from: String,
    /// Our number; defaults to `sms.default_from`.
    to: Option<String>,
    body: String,
}

#[utoipa::path(post, path = "/simulator/messages", tag = TAG, request_body = SimulatedMessage,
    description = "Delivers a message through the simulator as if a phone had sent it; it is stored (marked simulated), matched and answered like a real one. Answers with the replies, after waiting a few seconds at most.",
    responses((status = 200, body = SimulatedTurn), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument)))]
async fn simulate_message(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<SimulatedMessage>,
) -> Result<axum::Json<SimulatedTurn>, ApiError> {
    let to = request
        .to
        .clone()
        .unwrap_or_else(|| state.config.sms.default_from.clone());
    let mut problems = Problems::default();
    // A phone sends from any kind of sender (short codes and alphanumeric senders are stored but
    // not answered), by the gateways' rule.
    let mut parse = |field: &str, address: &str| {
        let parsed = Sender::parse(address).map_err(|error| error.to_string());
        problems.check(field, parsed).map(Sender::into_string)
    };
    let (from, to) = (parse("from", &request.from), parse("to", &to));
    if request.body.chars().count() > MAX_BODY_CHARS {
        problems.push::<()>(
            "body",
            format!("must be at most {MAX_BODY_CHARS} characters"),
        );
    }
    let (Some(from), Some(to)) = (from, to) else {
        return Err(ApiError::Invalid(problems));
    };
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    Ok(axum::Json(
        state.messaging.simulate(&from, &to, &request.body).await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OptOutList {
    items: Vec<OptOut>,
}

#[utoipa::path(get, path = "/opt-outs", tag = TAG,
    description = "Numbers that opted out (texted STOP or another opt-out keyword), newest first.",
    responses((status = 200, body = OptOutList), (status = 401, body = ProblemDocument)))]
async fn list_opt_outs(State(state): State<AppState>) -> Result<axum::Json<OptOutList>, ApiError> {
    Ok(axum::Json(OptOutList {
        items: state.store.list_opt_outs().await?,
    }))
}

#[utoipa::path(get, path = "/opt-outs.csv", tag = TAG,
    description = "The opt-outs as CSV (number, keyword, opted_out_at).",
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ProblemDocument)))]
async fn export_opt_outs(State(state): State<AppState>) -> Result<Response, ApiError> {
    let opt_outs = state.store.list_opt_outs().await?;
    Ok(crate::csv::attachment(
        "opt-outs.csv",
        crate::csv::opt_outs(&opt_outs),
    ))
}
