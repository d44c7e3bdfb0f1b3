//! Gateway webhooks: inbound SMS and delivery reports from Twilio and Kannel. Each request is
//! authenticated (Twilio's signature, Kannel's shared secret) before anything is stored, and an
//! inbound message is committed before the webhook answers.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use smsflow_core::conversation::Channel;
use smsflow_core::sender::Sender;
use smsflow_sms::{kannel, twilio};
use smsflow_store::conversations::{DeliveryReport, InboundSms};
use std::borrow::Cow;
use std::collections::HashMap;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/twilio/sms", post(twilio_sms))
        .route("/twilio/status", post(twilio_status))
        .route("/kannel/sms", get(kannel_sms).post(kannel_sms_post))
        .route("/kannel/dlr", get(kannel_dlr))
        .route("/booking", post(booking))
}

const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

fn plain(status: StatusCode, text: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.into(),
    )
        .into_response()
}

/// A gateway's sender or recipient field (its name, its value if sent), by the one sender rule:
/// refused with 400 when missing or junk (empty, markup, NUL, 10,000 characters), so nothing is
/// stored or answered for it.
fn address(field: &str, value: Option<&str>) -> Result<String, String> {
    Sender::parse(value.unwrap_or(""))
        .map(Sender::into_string)
        .map_err(|error| format!("{field} {error}\n"))
}

/// Longest Twilio media URL kept (Twilio's are about 150 characters).
const MAX_MEDIA_URL: usize = 2_048;
/// Twilio sends at most 10 media per message.
const MAX_MEDIA: usize = 10;

/// A Twilio `MessageSid`: letters and digits (`SM` or `MM` and 32 hex digits). A retry carries the
/// same one, so an empty or odd one cannot be used to recognise retries.
fn is_message_sid(sid: &str) -> bool {
    (2..=64).contains(&sid.len()) && sid.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A webhook refused before anything was stored.
struct Refused(StatusCode, &'static str);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        plain(self.0, self.1)
    }
}

fn server_error(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "webhook could not store its message");
    plain(
        StatusCode::INTERNAL_SERVER_ERROR,
        "could not store the message; retry later\n",
    )
}

/// A Twilio webhook's form parameters as sent, borrowed from its body where they need no decoding:
/// a score of them, read a few times each, so a list is searched rather than a map built.
struct TwilioForm<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl TwilioForm<'_> {
    /// The parameter's value; the last one sent, if sent twice.
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(given, _)| given == name)
            .map(|(_, value)| value.as_ref())
    }
}

/// The form parameters of a Twilio webhook, after its signature is checked.
fn verified_twilio_form<'a>(
    state: &AppState,
    uri: &OriginalUri,
    headers: &HeaderMap,
    body: &'a Bytes,
) -> Result<TwilioForm<'a>, Refused> {
    let Some(settings) = &state.config.twilio else {
        return Err(Refused(
            StatusCode::NOT_FOUND,
            "Twilio is not configured on this server\n",
        ));
    };
    let params: Vec<_> = form_urlencoded::parse(body).collect();
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let url = format!("{}{path}", state.config.public_url);
    let signature = headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !twilio::verify_signature(&settings.auth_token, &url, &params, signature) {
        tracing::warn!(%url, "refused a Twilio webhook with a missing or wrong signature (is public_url the URL Twilio calls?)");
        return Err(Refused(
            StatusCode::FORBIDDEN,
            "invalid X-Twilio-Signature\n",
        ));
    }
    Ok(TwilioForm(params))
}

async fn twilio_sms(
    State(state): State<AppState>,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match verified_twilio_form(&state, &uri, &headers, &body) {
        Ok(form) => form,
        Err(refused) => return refused.into_response(),
    };
    let (from, to) = match (
        address("From", form.get("From")),
        address("To", form.get("To")),
    ) {
        (Ok(from), Ok(to)) => (from, to),
        (Err(refused), _) | (_, Err(refused)) => return plain(StatusCode::BAD_REQUEST, refused),
    };
    let Some(sid) = form.get("MessageSid").filter(|sid| is_message_sid(sid)) else {
        return plain(
            StatusCode::BAD_REQUEST,
            "MessageSid is required: Twilio's id of the message (SM... or MM..., letters and digits)\n",
        );
    };
    let media_count: usize = form
        .get("NumMedia")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let media_urls = (0..media_count.min(MAX_MEDIA))
        .filter_map(|i| form.get(&format!("MediaUrl{i}")))
        .filter(|url| url.len() <= MAX_MEDIA_URL && url.starts_with("https://"))
        .map(str::to_string)
        .collect();
    let sms = InboundSms {
        channel: Channel::Twilio,
        our_number: to,
        their_number: from,
        body: form.get("Body").unwrap_or_default().to_string(),
        provider_id: Some(sid.to_string()),
        media_urls,
        simulated: false,
    };
    match state.messaging.receive(&sms).await {
        Ok(_) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            EMPTY_TWIML,
        )
            .into_response(),
        Err(error) => server_error(error),
    }
}

async fn twilio_status(
    State(state): State<AppState>,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match verified_twilio_form(&state, &uri, &headers, &body) {
        Ok(form) => form,
        Err(refused) => return refused.into_response(),
    };
    let (Some(sid), Some(status)) = (form.get("MessageSid"), form.get("MessageStatus")) else {
        return plain(
            StatusCode::BAD_REQUEST,
            "MessageSid and MessageStatus are required\n",
        );
    };
    let Some(status) = twilio::delivery_status(status) else {
        return StatusCode::NO_CONTENT.into_response();
    };
    let report = DeliveryReport {
        channel: Channel::Twilio,
        provider_id: sid.to_string(),
        status,
        error_code: form
            .get("ErrorCode")
            .filter(|code| !code.is_empty())
            .map(str::to_string),
    };
    match state.store.record_delivery(&report).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => server_error(error),
    }
}

fn kannel_secret_ok(state: &AppState, query: &HashMap<String, String>) -> Result<(), Refused> {
    let Some(settings) = &state.config.kannel else {
        return Err(Refused(
            StatusCode::NOT_FOUND,
            "Kannel is not configured on this server\n",
        ));
    };
    let given = query
        .get("secret")
        .map(String::as_bytes)
        .unwrap_or_default();
    if !constant_time_eq(given, settings.secret.as_bytes()) {
        return Err(Refused(StatusCode::FORBIDDEN, "wrong or missing secret\n"));
    }
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn query_map(uri: &OriginalUri) -> HashMap<String, String> {
    form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

async fn kannel_sms(State(state): State<AppState>, uri: OriginalUri) -> Response {
    kannel_inbound(state, query_map(&uri)).await
}

/// Kannel's post-url: parameters in the query string, the text as the body.
async fn kannel_sms_post(State(state): State<AppState>, uri: OriginalUri, body: Bytes) -> Response {
    let mut params = query_map(&uri);
    if !params.contains_key("text") {
        params.insert("text".into(), String::from_utf8_lossy(&body).into_owned());
    }
    kannel_inbound(state, params).await
}

async fn kannel_inbound(state: AppState, params: HashMap<String, String>) -> Response {
    if let Err(refused) = kannel_secret_ok(&state, &params) {
        return refused.into_response();
    }
    let (from, to) = match (
        address("from", params.get("from").map(String::as_str)),
        address("to", params.get("to").map(String::as_str)),
    ) {
        (Ok(from), Ok(to)) => (from, to),
        (Err(refused), _) | (_, Err(refused)) => return plain(StatusCode::BAD_REQUEST, refused),
    };
    let sms = InboundSms {
        channel: Channel::Kannel,
        our_number: to,
        their_number: from,
        body: params.get("text").cloned().unwrap_or_default(),
        provider_id: params.get("id").filter(|id| !id.is_empty()).cloned(),
        media_urls: Vec::new(),
        simulated: false,
    };
    match state.messaging.receive(&sms).await {
        // An empty answer: Kannel must not turn our answer into a reply SMS.
        Ok(_) => StatusCode::OK.into_response(),
        Err(error) => server_error(error),
    }
}

async fn kannel_dlr(State(state): State<AppState>, uri: OriginalUri) -> Response {
    let params = query_map(&uri);
    if let Err(refused) = kannel_secret_ok(&state, &params) {
        return refused.into_response();
    }
    let (Some(id), Some(kind)) = (
        params.get("id"),
        params.get("type").and_then(|t| t.parse::<u8>().ok()),
    ) else {
        return plain(StatusCode::BAD_REQUEST, "id and type are required\n");
    };
    let Some(status) = kannel::delivery_status(kind) else {
        return StatusCode::OK.into_response();
    };
    let report = DeliveryReport {
        channel: Channel::Kannel,
        provider_id: id.clone(),
        status,
        error_code: None,
    };
    match state.store.record_delivery(&report).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(error) => server_error(error),
    }
}

/// A Calendly-style booking webhook: `invitee.created` for a link a run offered (the run rides in
/// `tracking.utm_content`, or a top-level `run_id` for other providers) marks the run booked and
/// confirms by SMS, once.
async fn booking(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(key) = &state.config.booking_signing_key else {
        return Refused(
            StatusCode::NOT_FOUND,
            "booking webhooks are not configured (set SMSFLOW_BOOKING_SIGNING_KEY)\n",
        )
        .into_response();
    };
    let header = headers
        .get("calendly-webhook-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !smsflow_engine::signing::verify(
        key,
        header,
        &body,
        time::OffsetDateTime::now_utc().unix_timestamp(),
    ) {
        return Refused(
            StatusCode::FORBIDDEN,
            "invalid or expired Calendly-Webhook-Signature\n",
        )
        .into_response();
    }
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return plain(StatusCode::BAD_REQUEST, "the body is not JSON\n");
    };
    if event["event"] != "invitee.created" {
        return (
            StatusCode::ACCEPTED,
            "ignored: only invitee.created books\n",
        )
            .into_response();
    }
    let reference = event["payload"]["tracking"]["utm_content"]
        .as_str()
        .or_else(|| event["run_id"].as_str())
        .unwrap_or("");
    let Ok(run_id) = uuid::Uuid::parse_str(reference.trim_start_matches("run_")) else {
        return (
            StatusCode::ACCEPTED,
            "ignored: the booking names no run of ours\n",
        )
            .into_response();
    };
    let starts = event["payload"]["scheduled_event"]["start_time"]
        .as_str()
        .and_then(|text| {
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
        })
        .and_then(|at| {
            at.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        });
    match state
        .messaging
        .confirm_booking(run_id, starts.as_deref())
        .await
    {
        Ok(smsflow_store::conversations::BookingOutcome::UnknownRun) => {
            (StatusCode::ACCEPTED, "ignored: unknown run\n").into_response()
        }
        Ok(_) => StatusCode::OK.into_response(),
        Err(error) => server_error(error),
    }
}
