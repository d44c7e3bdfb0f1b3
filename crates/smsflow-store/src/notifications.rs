//! Notifications to the team: events (a texter asks for a person, a ticket opens, a delivery
//! fails) recorded by the database in the transaction that caused them, fanned out into
//! deliveries (an email per admin who wants it, a post to the team webhook), and each admin's
//! preferences. Deliveries are claimed with a lease, like the outbound queue: a crashed worker's
//! claim lapses and another sends it.

use async_trait::async_trait;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::admins::Admin;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// The texter asked for a person (or a step handed the conversation over).
    NeedsHuman,
    /// A workflow's step opened a ticket.
    TicketOpened,
    /// An outbound text failed for good (refused by the gateway, or reported undelivered).
    DeliveryFailed,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 3] = [
        NotificationKind::NeedsHuman,
        NotificationKind::TicketOpened,
        NotificationKind::DeliveryFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::NeedsHuman => "needs_human",
            NotificationKind::TicketOpened => "ticket_opened",
            NotificationKind::DeliveryFailed => "delivery_failed",
        }
    }

    pub fn parse(text: &str) -> Option<NotificationKind> {
        NotificationKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// One event, with what a person needs to act on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotificationEvent {
    pub id: i64,
    pub kind: NotificationKind,
    pub conversation_id: Uuid,
    /// The texter's number.
    pub their_number: String,
    /// The ticket that opened (`ticket_opened`).
    pub ticket: Option<EventTicket>,
    /// The text that failed (`delivery_failed`).
    pub message: Option<EventMessage>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventTicket {
    pub id: Uuid,
    pub number: String,
    pub priority: String,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventMessage {
    pub id: Uuid,
    pub status: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// What an admin wants to hear about, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationPreferences {
    /// Emails at all.
    pub email: bool,
    pub needs_human: bool,
    pub ticket_opened: bool,
    pub delivery_failed: bool,
    /// After an email, further events wait this long and then come in one digest; 0: one email
    /// per event.
    pub digest_minutes: u32,
}

impl Default for NotificationPreferences {
    /// Everything, by email, at most one email per 10 minutes.
    fn default() -> Self {
        NotificationPreferences {
            email: true,
            needs_human: true,
            ticket_opened: true,
            delivery_failed: true,
            digest_minutes: 10,
        }
    }
}

impl NotificationPreferences {
    /// Whether this admin wants an email about `kind`.
    pub fn wants_email(&self, kind: NotificationKind) -> bool {
        self.email
            && match kind {
                NotificationKind::NeedsHuman => self.needs_human,
                NotificationKind::TicketOpened => self.ticket_opened,
                NotificationKind::DeliveryFailed => self.delivery_failed,
            }
    }
}

/// The deliveries an event fans out into.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fanout {
    /// Admins to email.
    pub emails: Vec<Uuid>,
    /// Post it to the team webhook.
    pub webhook: bool,
}

/// Claimed emails to one admin: one email, or a digest when there are several.
#[derive(Debug, Clone)]
pub struct ClaimedEmails {
    pub claim: Uuid,
    pub admin: Admin,
    pub preferences: NotificationPreferences,
    /// Oldest first.
    pub events: Vec<NotificationEvent>,
    /// The highest attempt number among them (for the backoff).
    pub attempt: i64,
}

/// A claimed post to the team webhook.
#[derive(Debug, Clone)]
pub struct ClaimedWebhook {
    pub claim: Uuid,
    pub event: NotificationEvent,
    pub attempt: i64,
}

/// How a claimed delivery went.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryOutcome {
    Sent,
    /// Try again at this time.
    Retry {
        error: String,
        at: OffsetDateTime,
    },
    /// Refused for good (an address the mail server rejects).
    Failed {
        error: String,
    },
}

#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// Events not fanned out yet, oldest first.
    async fn unrouted_notification_events(
        &self,
        limit: u32,
    ) -> Result<Vec<NotificationEvent>, StoreError>;
    /// Records an event's deliveries (due now) and marks it fanned out, in one transaction; false
    /// (and nothing recorded) when another worker did it first.
    async fn fan_out_notification(
        &self,
        event_id: i64,
        fanout: &Fanout,
    ) -> Result<bool, StoreError>;
    /// Claims, for `lease`, every email due at `now` of one admin whose digest hold is over then.
    async fn claim_notification_emails(
        &self,
        now: OffsetDateTime,
        lease: time::Duration,
    ) -> Result<Option<ClaimedEmails>, StoreError>;
    /// Claims, for `lease`, the oldest post to the team webhook due at `now`.
    async fn claim_notification_webhook(
        &self,
        now: OffsetDateTime,
        lease: time::Duration,
    ) -> Result<Option<ClaimedWebhook>, StoreError>;
    /// Records how a claim went; a claim another worker took over since changes nothing. A sent
    /// email holds the admin's next one until `hold_until` (the digest window).
    async fn finish_notification(
        &self,
        claim: Uuid,
        outcome: &DeliveryOutcome,
        hold_until: Option<(Uuid, OffsetDateTime)>,
    ) -> Result<(), StoreError>;
    /// Every admin with their preferences (the defaults where they chose none).
    async fn admins_with_preferences(
        &self,
    ) -> Result<Vec<(Admin, NotificationPreferences)>, StoreError>;
    async fn notification_preferences(
        &self,
        admin_id: Uuid,
    ) -> Result<NotificationPreferences, StoreError>;
    async fn set_notification_preferences(
        &self,
        admin_id: Uuid,
        preferences: &NotificationPreferences,
    ) -> Result<(), StoreError>;
}
