//! The signed-in admin's notification settings: which events they are emailed about, and the
//! digest window that turns a burst of events into one email. The webhook is the team's, set in
//! the configuration (docs/notifications.md).

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use smsflow_store::notifications::NotificationPreferences;

use crate::AppState;
use crate::web::session::SignedIn;
use crate::web::{Frame, WebError};

/// The longest digest window offered: a day.
const MAX_DIGEST_MINUTES: u32 = 24 * 60;

#[derive(Template, WebTemplate)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    frame: Frame,
    preferences: NotificationPreferences,
    /// Whether a mail server is configured: without one, nobody is emailed.
    email_configured: bool,
    webhook_configured: bool,
    saved: bool,
    error: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let preferences = state
        .store
        .notification_preferences(signed_in.0.session.admin.id)
        .await?;
    Ok(render(&state, &signed_in, preferences, query.saved.is_some(), None).into_response())
}

fn render(
    state: &AppState,
    signed_in: &SignedIn,
    preferences: NotificationPreferences,
    saved: bool,
    error: Option<String>,
) -> NotificationsPage {
    let settings = &state.config.notifications;
    NotificationsPage {
        frame: signed_in.frame("notifications"),
        preferences,
        email_configured: settings.email.is_some(),
        webhook_configured: settings.webhook.is_some(),
        saved,
        error,
    }
}

/// The form as posted: a checkbox is present when ticked.
#[derive(Debug, Deserialize)]
pub struct PreferencesForm {
    email: Option<String>,
    needs_human: Option<String>,
    ticket_opened: Option<String>,
    delivery_failed: Option<String>,
    digest_minutes: String,
}

pub async fn save(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: PreferencesForm = crate::web::parse_form(&body, "notification settings")?;
    let digest = form
        .digest_minutes
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|minutes| *minutes <= MAX_DIGEST_MINUTES);
    let preferences = NotificationPreferences {
        email: form.email.is_some(),
        needs_human: form.needs_human.is_some(),
        ticket_opened: form.ticket_opened.is_some(),
        delivery_failed: form.delivery_failed.is_some(),
        digest_minutes: digest.unwrap_or_default(),
    };
    if digest.is_none() {
        let error = format!(
            "The digest window must be a whole number of minutes from 0 to {MAX_DIGEST_MINUTES} (0: one email per event)."
        );
        return Ok(render(&state, &signed_in, preferences, false, Some(error)).into_response());
    }
    state
        .store
        .set_notification_preferences(signed_in.0.session.admin.id, &preferences)
        .await?;
    Ok(Redirect::to("/settings/notifications?saved=1").into_response())
}
