//! SQL for notifications, written once for both databases; only PostgreSQL's row locking clause
//! differs. The events themselves are written by triggers (migration 0024).

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::admins::Admin;
use crate::notifications::{
    ClaimedEmails, ClaimedWebhook, DeliveryOutcome, EventMessage, EventTicket, Fanout,
    NotificationEvent, NotificationKind, NotificationPreferences, NotificationStore,
};
use crate::sql::{AdminRow, BeginWrite, PostgresStore, SqliteStore, now};
use crate::stored_time::StoredTime;

/// An event with its conversation, ticket and message, as [`EventRow`] reads it.
macro_rules! event_select {
    () => {
        "SELECT e.id, e.kind, e.conversation_id, c.their_number, e.created_at, \
     t.id AS ticket_id, t.number AS ticket_number, t.priority AS ticket_priority, \
     t.summary AS ticket_summary, m.id AS message_id, m.status AS message_status, \
     m.error_code, m.error_message \
     FROM notification_events e JOIN conversations c ON c.id = e.conversation_id \
     LEFT JOIN tickets t ON t.id = e.ticket_id LEFT JOIN messages m ON m.id = e.message_id "
    };
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    kind: String,
    conversation_id: Uuid,
    their_number: String,
    created_at: OffsetDateTime,
    ticket_id: Option<Uuid>,
    ticket_number: Option<String>,
    ticket_priority: Option<String>,
    ticket_summary: Option<String>,
    message_id: Option<Uuid>,
    message_status: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
}

impl TryFrom<EventRow> for NotificationEvent {
    type Error = StoreError;

    fn try_from(row: EventRow) -> Result<Self, StoreError> {
        let kind = NotificationKind::parse(&row.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown notification {:?}", row.kind)))?;
        let ticket = match (row.ticket_id, row.ticket_number) {
            (Some(id), Some(number)) => Some(EventTicket {
                id,
                number,
                priority: row.ticket_priority.unwrap_or_default(),
                summary: row.ticket_summary.unwrap_or_default(),
            }),
            _ => None,
        };
        let message = row.message_id.map(|id| EventMessage {
            id,
            status: row.message_status.unwrap_or_default(),
            error_code: row.error_code,
            error_message: row.error_message,
        });
        Ok(NotificationEvent {
            id: row.id,
            kind,
            conversation_id: row.conversation_id,
            their_number: row.their_number,
            ticket,
            message,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct PreferencesRow {
    email: bool,
    needs_human: bool,
    ticket_opened: bool,
    delivery_failed: bool,
    digest_minutes: i64,
}

impl From<PreferencesRow> for NotificationPreferences {
    fn from(row: PreferencesRow) -> Self {
        NotificationPreferences {
            email: row.email,
            needs_human: row.needs_human,
            ticket_opened: row.ticket_opened,
            delivery_failed: row.delivery_failed,
            digest_minutes: u32::try_from(row.digest_minutes).unwrap_or(0),
        }
    }
}

#[derive(sqlx::FromRow)]
struct AdminPreferencesRow {
    #[sqlx(flatten)]
    admin: AdminRow,
    email_on: Option<bool>,
    needs_human: Option<bool>,
    ticket_opened: Option<bool>,
    delivery_failed: Option<bool>,
    digest_minutes: Option<i64>,
}

impl AdminPreferencesRow {
    /// The admin and their choices; the defaults when they have made none.
    fn split(self) -> Result<(Admin, NotificationPreferences), StoreError> {
        let preferences = match (
            self.email_on,
            self.needs_human,
            self.ticket_opened,
            self.delivery_failed,
            self.digest_minutes,
        ) {
            (
                Some(email),
                Some(needs_human),
                Some(ticket_opened),
                Some(delivery_failed),
                Some(digest_minutes),
            ) => PreferencesRow {
                email,
                needs_human,
                ticket_opened,
                delivery_failed,
                digest_minutes,
            }
            .into(),
            _ => NotificationPreferences::default(),
        };
        Ok((Admin::try_from(self.admin)?, preferences))
    }
}

/// Admins with their choices, as [`AdminPreferencesRow`] reads them.
macro_rules! admin_preferences_select {
    () => {
        "SELECT admins.id, admins.email, admins.role, admins.created_at, \
     p.email AS email_on, p.needs_human, p.ticket_opened, p.delivery_failed, p.digest_minutes \
     FROM admins LEFT JOIN notification_preferences p ON p.admin_id = admins.id "
    };
}

macro_rules! impl_notification_store {
    ($store:ty, $db:ty, $skip_locked:literal, $skip_locked_of_d:literal) => {
        impl $store {
            async fn events_by_id(
                &self,
                ids: &[i64],
            ) -> Result<Vec<NotificationEvent>, StoreError> {
                let mut select = sqlx::QueryBuilder::<$db>::new(event_select!());
                select.push("WHERE e.id IN (");
                let mut list = select.separated(", ");
                for id in ids {
                    list.push_bind(*id);
                }
                select.push(") ORDER BY e.id");
                select
                    .build_query_as::<EventRow>()
                    .fetch_all(&self.write)
                    .await?
                    .into_iter()
                    .map(NotificationEvent::try_from)
                    .collect()
            }
        }

        #[async_trait]
        impl NotificationStore for $store {
            async fn unrouted_notification_events(
                &self,
                limit: u32,
            ) -> Result<Vec<NotificationEvent>, StoreError> {
                sqlx::query_as::<_, EventRow>(concat!(
                    event_select!(),
                    "WHERE NOT e.fanned_out ORDER BY e.id LIMIT $1"
                ))
                    .bind(i64::from(limit))
                    .fetch_all(&self.read)
                    .await?
                    .into_iter()
                    .map(NotificationEvent::try_from)
                    .collect()
            }

            async fn fan_out_notification(
                &self,
                event_id: i64,
                fanout: &Fanout,
            ) -> Result<bool, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let marked = sqlx::query(
                    "UPDATE notification_events SET fanned_out = TRUE WHERE id = $1 AND NOT fanned_out",
                )
                .bind(event_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if marked == 0 {
                    return Ok(false);
                }
                let at = now();
                let webhook = fanout.webhook.then_some(None);
                let recipients = fanout.emails.iter().map(Some).chain(webhook);
                for admin_id in recipients {
                    sqlx::query(
                        "INSERT INTO notification_deliveries (event_id, channel, admin_id, status, next_attempt_at) \
                         VALUES ($1, $2, $3, 'pending', $4)",
                    )
                    .bind(event_id)
                    .bind(if admin_id.is_some() { "email" } else { "webhook" })
                    .bind(admin_id.copied())
                    .bind(StoredTime(at))
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn claim_notification_emails(
                &self,
                at: OffsetDateTime,
                lease: time::Duration,
            ) -> Result<Option<ClaimedEmails>, StoreError> {
                let claim = Uuid::now_v7();
                let claimed: Vec<(i64, i64)> = sqlx::query_as(concat!(
                    "UPDATE notification_deliveries SET claim = $1, attempts = attempts + 1, next_attempt_at = $2 \
                     WHERE channel = 'email' AND status = 'pending' AND next_attempt_at <= $3 AND admin_id = (\
                     SELECT d.admin_id FROM notification_deliveries d \
                     LEFT JOIN notification_preferences p ON p.admin_id = d.admin_id \
                     WHERE d.channel = 'email' AND d.status = 'pending' AND d.next_attempt_at <= $3 \
                     AND (p.email_hold_until IS NULL OR p.email_hold_until <= $3) \
                     ORDER BY d.next_attempt_at, d.id LIMIT 1 ",
                    $skip_locked_of_d,
                    ") RETURNING event_id, attempts"
                ))
                .bind(claim)
                .bind(StoredTime(at + lease))
                .bind(StoredTime(at))
                .fetch_all(&self.write)
                .await?;
                if claimed.is_empty() {
                    return Ok(None);
                }
                let ids: Vec<i64> = claimed.iter().map(|(event_id, _)| *event_id).collect();
                let attempt = claimed.iter().map(|(_, attempts)| *attempts).max().unwrap_or(1);
                let admin_id: Uuid = sqlx::query_scalar(
                    "SELECT admin_id FROM notification_deliveries WHERE claim = $1 LIMIT 1",
                )
                .bind(claim)
                .fetch_one(&self.write)
                .await?;
                let (admin, preferences) = sqlx::query_as::<_, AdminPreferencesRow>(concat!(
                    admin_preferences_select!(),
                    "WHERE admins.id = $1"
                ))
                    .bind(admin_id)
                    .fetch_one(&self.write)
                    .await?
                    .split()?;
                Ok(Some(ClaimedEmails {
                    claim,
                    admin,
                    preferences,
                    events: self.events_by_id(&ids).await?,
                    attempt,
                }))
            }

            async fn claim_notification_webhook(
                &self,
                at: OffsetDateTime,
                lease: time::Duration,
            ) -> Result<Option<ClaimedWebhook>, StoreError> {
                let claim = Uuid::now_v7();
                let claimed: Option<(i64, i64)> = sqlx::query_as(concat!(
                    "UPDATE notification_deliveries SET claim = $1, attempts = attempts + 1, next_attempt_at = $2 \
                     WHERE id = (SELECT id FROM notification_deliveries \
                     WHERE channel = 'webhook' AND status = 'pending' AND next_attempt_at <= $3 \
                     ORDER BY next_attempt_at, id LIMIT 1 ",
                    $skip_locked,
                    ") RETURNING event_id, attempts"
                ))
                .bind(claim)
                .bind(StoredTime(at + lease))
                .bind(StoredTime(at))
                .fetch_optional(&self.write)
                .await?;
                let Some((event_id, attempt)) = claimed else {
                    return Ok(None);
                };
                let event = self.events_by_id(&[event_id]).await?.pop().ok_or_else(|| {
                    StoreError::NotFound {
                        what: "notification event",
                        key: event_id.to_string(),
                    }
                })?;
                Ok(Some(ClaimedWebhook {
                    claim,
                    event,
                    attempt,
                }))
            }

            async fn finish_notification(
                &self,
                claim: Uuid,
                outcome: &DeliveryOutcome,
                hold_until: Option<(Uuid, OffsetDateTime)>,
            ) -> Result<(), StoreError> {
                let at = now();
                let (status, error, next, sent_at) = match outcome {
                    DeliveryOutcome::Sent => ("sent", None, None, Some(at)),
                    DeliveryOutcome::Retry { error, at: next } => {
                        ("pending", Some(error.as_str()), Some(*next), None)
                    }
                    DeliveryOutcome::Failed { error } => ("failed", Some(error.as_str()), None, None),
                };
                let mut tx = self.write.begin_write().await?;
                let finished = sqlx::query(
                    "UPDATE notification_deliveries SET status = $2, last_error = $3, \
                     next_attempt_at = COALESCE($4, next_attempt_at), sent_at = $5, claim = NULL \
                     WHERE claim = $1 AND status = 'pending'",
                )
                .bind(claim)
                .bind(status)
                .bind(error)
                .bind(next.map(StoredTime))
                .bind(sent_at.map(StoredTime))
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if let (Some((admin_id, until)), true) = (hold_until, finished > 0) {
                    let defaults = NotificationPreferences::default();
                    sqlx::query(
                        "INSERT INTO notification_preferences (admin_id, email, needs_human, ticket_opened, \
                         delivery_failed, digest_minutes, email_hold_until) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                         ON CONFLICT (admin_id) DO UPDATE SET email_hold_until = excluded.email_hold_until",
                    )
                    .bind(admin_id)
                    .bind(defaults.email)
                    .bind(defaults.needs_human)
                    .bind(defaults.ticket_opened)
                    .bind(defaults.delivery_failed)
                    .bind(i64::from(defaults.digest_minutes))
                    .bind(StoredTime(until))
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn admins_with_preferences(
                &self,
            ) -> Result<Vec<(Admin, NotificationPreferences)>, StoreError> {
                sqlx::query_as::<_, AdminPreferencesRow>(concat!(
                    admin_preferences_select!(),
                    "ORDER BY admins.created_at, admins.id"
                ))
                    .fetch_all(&self.read)
                    .await?
                    .into_iter()
                    .map(AdminPreferencesRow::split)
                    .collect()
            }

            async fn notification_preferences(
                &self,
                admin_id: Uuid,
            ) -> Result<NotificationPreferences, StoreError> {
                let row = sqlx::query_as::<_, AdminPreferencesRow>(concat!(
                    admin_preferences_select!(),
                    "WHERE admins.id = $1"
                ))
                    .bind(admin_id)
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or_else(|| StoreError::NotFound {
                        what: "admin",
                        key: admin_id.to_string(),
                    })?;
                Ok(row.split()?.1)
            }

            async fn set_notification_preferences(
                &self,
                admin_id: Uuid,
                preferences: &NotificationPreferences,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO notification_preferences (admin_id, email, needs_human, ticket_opened, \
                     delivery_failed, digest_minutes) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (admin_id) DO UPDATE SET email = excluded.email, \
                     needs_human = excluded.needs_human, ticket_opened = excluded.ticket_opened, \
                     delivery_failed = excluded.delivery_failed, digest_minutes = excluded.digest_minutes",
                )
                .bind(admin_id)
                .bind(preferences.email)
                .bind(preferences.needs_human)
                .bind(preferences.ticket_opened)
                .bind(preferences.delivery_failed)
                .bind(i64::from(preferences.digest_minutes))
                .execute(&self.write)
                .await?;
                Ok(())
            }
        }
    };
}

impl_notification_store!(SqliteStore, sqlx::Sqlite, "", "");
impl_notification_store!(
    PostgresStore,
    sqlx::Postgres,
    "FOR UPDATE SKIP LOCKED",
    "FOR UPDATE OF d SKIP LOCKED"
);
