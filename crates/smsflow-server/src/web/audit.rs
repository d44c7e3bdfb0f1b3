//! The audit log page: who changed workflows, agents, routing rules, admins and API keys, and
//! when, with the thing before and after. The same entries as `GET /api/v1/audit`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use smsflow_store::audit::{AuditEntry, AuditQuery, AuditSubject};

use crate::AppState;
use crate::api::conversations::{decode_cursor, encode_cursor};
use crate::web::inbox::when;
use crate::web::session::SignedIn;
use crate::web::{Frame, WebError};

const PAGE_SIZE: u32 = 50;

/// The subject filter's choices: value and label.
const SUBJECTS: [(&str, &str); 8] = [
    ("workflows", "Workflows"),
    ("draft", "Draft of the workflows"),
    ("agent", "Agents"),
    ("routing_rule", "Routing rules"),
    ("admin", "Users"),
    ("invite", "Invitations"),
    ("api_key", "API keys"),
    ("test_suite", "Conversation tests"),
];

struct AuditRow {
    when: String,
    actor: String,
    action: &'static str,
    subject: &'static str,
    summary: String,
    before: Option<String>,
    after: Option<String>,
}

impl From<AuditEntry> for AuditRow {
    fn from(entry: AuditEntry) -> Self {
        let pretty = |value: Option<serde_json::Value>| {
            value.map(|value| serde_json::to_string_pretty(&value).unwrap_or_default())
        };
        AuditRow {
            when: when(&entry.at),
            actor: entry.actor.to_string(),
            action: entry.action.as_str(),
            subject: entry.subject.as_str(),
            summary: entry.summary,
            before: pretty(entry.before),
            after: pretty(entry.after),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
pub struct AuditPage {
    frame: Frame,
    rows: Vec<AuditRow>,
    subjects: [(&'static str, &'static str); 8],
    subject: String,
    actor: String,
    /// The next page's URL, when there is one.
    older: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct AuditFilters {
    subject: Option<String>,
    actor: Option<String>,
    cursor: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(filters): Query<AuditFilters>,
) -> Result<Response, WebError> {
    let subject = filters.subject.as_deref().and_then(AuditSubject::named);
    let actor = filters.actor.unwrap_or_default().trim().to_string();
    let page = state
        .store
        .list_audit(&AuditQuery {
            subject,
            actor_contains: Some(actor.clone()).filter(|actor| !actor.is_empty()),
            before: filters.cursor.as_deref().and_then(decode_cursor),
            limit: PAGE_SIZE,
            ..AuditQuery::default()
        })
        .await?;
    let subject = subject.map_or("", AuditSubject::as_str).to_string();
    let older = page.next.map(|before| {
        let mut url = form_urlencoded::Serializer::new(String::new());
        url.append_pair("subject", &subject);
        url.append_pair("actor", &actor);
        url.append_pair("cursor", &encode_cursor(&before));
        format!("/audit?{}", url.finish())
    });
    Ok(AuditPage {
        frame: signed_in.frame("audit"),
        rows: page.items.into_iter().map(AuditRow::from).collect(),
        subjects: SUBJECTS,
        subject,
        actor,
        older,
    }
    .into_response())
}
