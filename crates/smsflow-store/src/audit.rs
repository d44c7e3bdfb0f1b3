//! The audit log: who changed workflows, agents, routing rules, admins and API keys, when, and the
//! thing before and after. Entries are written by the store in the transaction that makes the
//! change, so a change without its entry (or an entry without its change) cannot be committed.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::{Author, StoreError};

/// What kind of thing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditSubject {
    /// The live workflow set; the entry names the version the change made.
    Workflows,
    Agent,
    RoutingRule,
    Admin,
    ApiKey,
    /// The saved conversation-test suite.
    TestSuite,
    /// The draft of the workflow set (nothing live); the entry names the draft's revision.
    Draft,
    /// An invitation to use the web app (never its link).
    Invite,
}

/// What happened to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Create,
    Update,
    Delete,
    /// A draft or a set of files made live.
    Publish,
    /// An earlier version of the workflows made live again.
    Rollback,
    /// Routing rules put in a new order.
    Reorder,
    /// An API key revoked.
    Revoke,
    /// An admin's password replaced (the hash is never logged).
    SetPassword,
    /// A one-time password-reset link made for a user (never the link).
    ResetLink,
}

macro_rules! text_enum {
    ($type:ty, $what:literal, $($variant:ident => $text:literal),+ $(,)?) => {
        impl $type {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// The value named `text` (as `as_str` writes it), if any.
            pub fn named(text: &str) -> Option<Self> {
                match text {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }

            pub(crate) fn parse(text: &str) -> Result<Self, StoreError> {
                Self::named(text)
                    .ok_or_else(|| StoreError::Corrupt(format!(concat!($what, " {:?}"), text)))
            }
        }
    };
}

text_enum!(AuditSubject, "audit subject",
    Workflows => "workflows", Agent => "agent", RoutingRule => "routing_rule", Admin => "admin",
    ApiKey => "api_key", TestSuite => "test_suite", Draft => "draft", Invite => "invite");
text_enum!(AuditAction, "audit action",
    Create => "create", Update => "update", Delete => "delete", Publish => "publish",
    Rollback => "rollback", Reorder => "reorder", Revoke => "revoke", SetPassword => "set_password",
    ResetLink => "reset_link");

/// One change, as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Increases with every entry; pages go back through older ones.
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// Who made the change: `api key "ci"`, `admin ann@example.com`, `cli (ann)`, ...
    pub actor: Author,
    pub action: AuditAction,
    pub subject: AuditSubject,
    /// The changed thing's id (for workflows, the version number the change made).
    pub subject_id: String,
    /// One line for people, e.g. `agent "Front desk"` or `version 7: changed "Lead capture"`.
    pub summary: String,
    /// The thing before the change (absent when it was created): an object, or for a change to the
    /// whole set of workflows (a publish, a rollback) the list of workflows.
    pub before: Option<serde_json::Value>,
    /// The thing after the change (absent when it was deleted), as `before`.
    pub after: Option<serde_json::Value>,
}

/// A change to record.
#[derive(Debug, Clone)]
pub(crate) struct Change<'a> {
    pub by: &'a Author,
    pub action: AuditAction,
    pub subject: AuditSubject,
    pub subject_id: String,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    /// A change to one thing, with the thing as it was and as it is.
    pub(crate) fn of<T: Serialize>(
        by: &'a Author,
        action: AuditAction,
        subject: AuditSubject,
        subject_id: String,
        summary: String,
        before: Option<&T>,
        after: Option<&T>,
    ) -> Self {
        Change {
            by,
            action,
            subject,
            subject_id,
            summary,
            before: before.and_then(snapshot),
            after: after.and_then(snapshot),
        }
    }
}

/// JSON of a stored thing for the log. Our types always serialise.
fn snapshot(value: &impl Serialize) -> Option<serde_json::Value> {
    Some(serde_json::to_value(value).expect("stored types serialise to JSON"))
}

/// Filters and position of one page of the log, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub subject: Option<AuditSubject>,
    pub subject_id: Option<String>,
    /// Case-insensitive substring of the actor, e.g. an admin's email or a key's name.
    pub actor_contains: Option<String>,
    /// Entries older than this id (the last id of the previous page).
    pub before: Option<i64>,
    pub limit: u32,
}

#[derive(Debug, Clone)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// Set when older entries follow: pass it as the next query's `before`.
    pub next: Option<i64>,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn list_audit(&self, query: &AuditQuery) -> Result<AuditPage, StoreError>;
}
