//! How the team hears that a conversation needs a person, a ticket opened or a text was not
//! delivered. The database records each event with what caused it (see the store's
//! `notifications`); a worker here decides who hears of it ([`recipients`]), then emails the
//! admins (one email, or a digest of everything since their last one) and posts the team webhook,
//! signed, in smsflow's JSON or Slack's. Nothing is sent inside a transaction or on the
//! pipeline's path, and a mail server or webhook that is down delays notifications, never drops
//! them: failed sends are retried with backoff until they go through.

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde_json::json;
use smsflow_store::Admin;
use smsflow_store::notifications::{
    ClaimedEmails, DeliveryOutcome, Fanout, NotificationEvent, NotificationKind,
    NotificationPreferences,
};
use smsflow_store::{Store, StoreError};
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::messaging::{TicketWebhook, backoff, drain};
use crate::settings::{EmailSettings, NotificationSettings, WebhookFormat};

/// How long a worker owns claimed notifications before another may send them.
const LEASE: time::Duration = time::Duration::seconds(60);
/// Events routed per pass.
const FANOUT_BATCH: u32 = 32;

/// Who is emailed about `event`: every admin who wants this kind of event by email (the team).
/// Conversation assignment plugs in here: the assigned person first, the team when there is none.
pub fn recipients(
    event: &NotificationEvent,
    team: &[(Admin, NotificationPreferences)],
) -> Vec<Uuid> {
    team.iter()
        .filter(|(_, preferences)| preferences.wants_email(event.kind))
        .map(|(admin, _)| admin.id)
        .collect()
}

struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    fn new(settings: &EmailSettings) -> Mailer {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
            .expect("checked by EmailSettings::parse")
            .build();
        let from = settings
            .from
            .parse()
            .expect("checked by EmailSettings::parse");
        Mailer { transport, from }
    }
}

/// Sends the team's notifications.
pub struct Notifier {
    store: Arc<dyn Store>,
    mailer: Option<Mailer>,
    webhook: Option<(TicketWebhook, WebhookFormat)>,
    /// Links in emails and webhooks start with this.
    public_url: String,
}

impl Notifier {
    pub fn new(
        store: Arc<dyn Store>,
        settings: &NotificationSettings,
        public_url: &str,
    ) -> Notifier {
        let mailer = settings.email.as_ref().map(Mailer::new);
        let webhook = settings.webhook.as_ref().map(|webhook| {
            let signed = TicketWebhook {
                url: webhook.url.clone(),
                secret: webhook.secret.clone(),
                public_url: public_url.to_string(),
                http: smsflow_sms::http_client(),
            };
            (signed, settings.webhook_format)
        });
        Notifier {
            store,
            mailer,
            webhook,
            public_url: public_url.trim_end_matches('/').to_string(),
        }
    }

    /// Whether anything is configured to notify through.
    pub fn enabled(&self) -> bool {
        self.mailer.is_some() || self.webhook.is_some()
    }

    /// Routes new events, sends one admin's due emails and posts one webhook; false when there
    /// was nothing to do.
    pub async fn notify_next(&self) -> Result<bool, StoreError> {
        let routed = self.route_new_events().await?;
        let emailed = self.email_next().await?;
        let posted = self.post_next().await?;
        Ok(routed || emailed || posted)
    }

    /// Runs [`Notifier::notify_next`] until the handle is aborted.
    pub fn spawn(self: Arc<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let never = tokio::sync::Notify::new();
            drain(
                &never,
                "cannot send notifications; will retry",
                || true,
                || self.notify_next(),
            )
            .await
        })
    }

    /// Decides who hears of each new event and records their deliveries.
    async fn route_new_events(&self) -> Result<bool, StoreError> {
        let events = self
            .store
            .unrouted_notification_events(FANOUT_BATCH)
            .await?;
        if events.is_empty() {
            return Ok(false);
        }
        let team = match self.mailer {
            Some(_) => self.store.admins_with_preferences().await?,
            None => Vec::new(),
        };
        for event in &events {
            let fanout = Fanout {
                emails: recipients(event, &team),
                webhook: self.webhook.is_some(),
            };
            self.store.fan_out_notification(event.id, &fanout).await?;
        }
        Ok(true)
    }

    /// Emails one admin everything due for them: the event, or a digest of several.
    async fn email_next(&self) -> Result<bool, StoreError> {
        let Some(mailer) = &self.mailer else {
            return Ok(false);
        };
        let now = OffsetDateTime::now_utc();
        let Some(claimed) = self.store.claim_notification_emails(now, LEASE).await? else {
            return Ok(false);
        };
        let outcome = match self.email(mailer, &claimed) {
            Ok(email) => match mailer.transport.send(email).await {
                Ok(_) => DeliveryOutcome::Sent,
                Err(error) if error.is_permanent() => DeliveryOutcome::Failed {
                    error: format!("the mail server refused the email: {error}"),
                },
                Err(error) => DeliveryOutcome::Retry {
                    error: format!("cannot send through the mail server: {error}"),
                    at: OffsetDateTime::now_utc() + backoff(claimed.attempt),
                },
            },
            Err(error) => DeliveryOutcome::Failed { error },
        };
        if let DeliveryOutcome::Retry { error, .. } | DeliveryOutcome::Failed { error } = &outcome {
            tracing::warn!(admin_id = %claimed.admin.id, events = claimed.events.len(), attempt = claimed.attempt, %error, "notification email not sent");
        }
        let minutes = i64::from(claimed.preferences.digest_minutes);
        let hold = (outcome == DeliveryOutcome::Sent)
            .then(|| (claimed.admin.id, now + time::Duration::minutes(minutes)));
        self.store
            .finish_notification(claimed.claim, &outcome, hold)
            .await?;
        Ok(true)
    }

    /// The email for claimed events; the error when the admin's address is unusable.
    fn email(&self, mailer: &Mailer, claimed: &ClaimedEmails) -> Result<lettre::Message, String> {
        let to: Mailbox = claimed.admin.email.parse().map_err(|error| {
            format!("the admin's email address cannot be mailed ({error}): correct it")
        })?;
        let (subject, body) = match claimed.events.as_slice() {
            [event] => (
                format!("[smsflow] {}", self.headline(event)),
                self.details(event),
            ),
            events => {
                let listed: Vec<String> = events
                    .iter()
                    .map(|event| format!("- {}\n{}", self.headline(event), self.details(event)))
                    .collect();
                (
                    format!("[smsflow] {} notifications", events.len()),
                    format!(
                        "Since the last email:\n\n{}\nChange what you are emailed about: {}/settings/notifications\n",
                        listed.join("\n"),
                        self.public_url
                    ),
                )
            }
        };
        lettre::Message::builder()
            .from(mailer.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|error| format!("cannot build the email: {error}"))
    }

    /// One line saying what happened.
    fn headline(&self, event: &NotificationEvent) -> String {
        let number = &event.their_number;
        match (event.kind, &event.ticket) {
            (NotificationKind::NeedsHuman, _) => format!("{number} needs a person"),
            (NotificationKind::TicketOpened, Some(ticket)) => format!(
                "Ticket {} opened ({}): {}",
                ticket.number, ticket.priority, ticket.summary
            ),
            (NotificationKind::TicketOpened, None) => format!("A ticket opened for {number}"),
            (NotificationKind::DeliveryFailed, _) => {
                format!("A text to {number} was not delivered")
            }
        }
    }

    /// The lines under the headline: the error of a failed text, and where to answer.
    fn details(&self, event: &NotificationEvent) -> String {
        let error = event
            .message
            .as_ref()
            .map(|message| {
                let code = message.error_code.as_deref().unwrap_or("none");
                let why = message.error_message.as_deref().unwrap_or(&message.status);
                format!("  Error: {why} (code {code})\n")
            })
            .unwrap_or_default();
        format!(
            "{error}  Open the conversation: {}\n",
            self.inbox_url(event.conversation_id)
        )
    }

    fn inbox_url(&self, conversation_id: Uuid) -> String {
        format!("{}/conversations/{conversation_id}", self.public_url)
    }

    /// Posts one due event to the team webhook.
    async fn post_next(&self) -> Result<bool, StoreError> {
        let Some((webhook, format)) = &self.webhook else {
            return Ok(false);
        };
        let now = OffsetDateTime::now_utc();
        let Some(claimed) = self.store.claim_notification_webhook(now, LEASE).await? else {
            return Ok(false);
        };
        let event = &claimed.event;
        let body = match format {
            WebhookFormat::Smsflow => {
                let conversation = self.store.get_conversation(event.conversation_id).await?;
                json!({
                    "event": webhook_event(event.kind),
                    "conversation": conversation,
                    "ticket": event.ticket,
                    "message": event.message,
                    "conversation_url": format!("{}/api/v1/conversations/{}", self.public_url, event.conversation_id),
                    "inbox_url": self.inbox_url(event.conversation_id),
                })
            }
            WebhookFormat::Slack => json!({
                "text": format!("{}\n{}", self.headline(event), self.details(event).trim_end()),
            }),
        };
        let outcome = match webhook.post(&body).await {
            Ok(()) => DeliveryOutcome::Sent,
            Err(error) => {
                tracing::warn!(conversation_id = %event.conversation_id, %error, attempt = claimed.attempt, "team webhook failed; will retry");
                DeliveryOutcome::Retry {
                    error,
                    at: OffsetDateTime::now_utc() + backoff(claimed.attempt),
                }
            }
        };
        self.store
            .finish_notification(claimed.claim, &outcome, None)
            .await?;
        Ok(true)
    }
}

/// The `event` field of the webhook's JSON.
fn webhook_event(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::NeedsHuman => "conversation.needs_human",
        NotificationKind::TicketOpened => "ticket.opened",
        NotificationKind::DeliveryFailed => "message.delivery_failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(email: &str) -> Admin {
        Admin {
            id: Uuid::now_v7(),
            email: email.into(),
            role: smsflow_store::Role::Admin,
            created_at: OffsetDateTime::now_utc(),
        }
    }

    #[test]
    fn the_team_is_everyone_who_wants_this_kind_by_email() {
        let event = NotificationEvent {
            id: 1,
            kind: NotificationKind::TicketOpened,
            conversation_id: Uuid::now_v7(),
            their_number: "+15550001111".into(),
            ticket: None,
            message: None,
            created_at: OffsetDateTime::now_utc(),
        };
        let everything = NotificationPreferences::default();
        let no_tickets = NotificationPreferences {
            ticket_opened: false,
            ..everything.clone()
        };
        let no_email = NotificationPreferences {
            email: false,
            ..everything.clone()
        };
        let (ada, bob, cy) = (
            admin("ada@example.com"),
            admin("bob@example.com"),
            admin("cy@example.com"),
        );
        let team = [(ada.clone(), everything), (bob, no_tickets), (cy, no_email)];
        assert_eq!(recipients(&event, &team), [ada.id]);
    }
}
