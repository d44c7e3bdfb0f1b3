//! The first-run guide (`/start`): a checklist whose steps do the work. Workflows from a starter
//! for the kind of business; a text on the in-browser phone, through the real pipeline on the
//! simulator channel; the SMS provider's credentials checked against its API, with the webhook URL
//! to paste; a teammate. Each step shows as done from what the data says, not from a flag.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use smsflow_core::WorkflowDraft;
use smsflow_core::conversation::{Channel, Direction};
use smsflow_core::sender::Sender;
use smsflow_engine::workflow_sets::{draft_set, live_set};
use smsflow_store::conversations::ConversationQuery;
use smsflow_store::versions::Publication;
use std::sync::LazyLock;

use crate::AppState;
use crate::web::session::SignedIn;
use crate::web::versions::draft_or_live;
use crate::web::{Frame, WebError, parse_form};

/// Workflows to start from, one set per kind of business.
pub struct Starter {
    pub key: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    yaml: &'static str,
}

pub const STARTERS: [Starter; 4] = [
    Starter {
        key: "clinic",
        label: "Clinic",
        description: "Appointments, urgent problems as urgent tickets, prices and insurance.",
        yaml: include_str!("../../starters/clinic.yaml"),
    },
    Starter {
        key: "trades",
        label: "Trades",
        description: "Emergency call-outs, quote requests saved to a table, visits to book.",
        yaml: include_str!("../../starters/trades.yaml"),
    },
    Starter {
        key: "saas",
        label: "Software (SaaS)",
        description: "Support tickets and demo requests saved as leads.",
        yaml: include_str!("../../starters/saas.yaml"),
    },
    Starter {
        key: "restaurant",
        label: "Restaurant",
        description: "Table reservations, catering and events.",
        yaml: include_str!("../../starters/restaurant.yaml"),
    },
];

impl Starter {
    fn named(key: &str) -> Option<&'static Starter> {
        STARTERS.iter().find(|starter| starter.key == key)
    }

    fn drafts(&self) -> Result<Vec<WorkflowDraft>, WebError> {
        serde_norway::from_str(self.yaml)
            .map_err(|error| WebError::Internal(format!("starter {}: {error}", self.key)))
    }

    /// The names of its workflows, as the guide lists them: read from the YAML once, not on every view.
    pub fn workflow_names(&self) -> &'static [String] {
        static NAMES: LazyLock<Vec<Vec<String>>> = LazyLock::new(|| {
            STARTERS
                .iter()
                .map(|starter| {
                    let drafts = starter.drafts().unwrap_or_default();
                    drafts.into_iter().filter_map(|draft| draft.name).collect()
                })
                .collect()
        });
        let index = STARTERS
            .iter()
            .position(|starter| starter.key == self.key)
            .expect("every starter is in STARTERS");
        &NAMES[index]
    }
}

/// The phone on the page: who it is, and the conversation it had with us.
pub struct Phone {
    pub number: String,
    pub bubbles: Vec<Bubble>,
    pub error: Option<String>,
}

pub struct Bubble {
    /// Sent by the phone (`true`) or by us.
    pub mine: bool,
    pub body: String,
}

/// What the guide knows of the SMS provider, and what a credentials check found.
pub struct Provider {
    /// `Twilio` or `Kannel` when one is configured.
    pub connected: Option<&'static str>,
    pub public_url: String,
    pub check: Option<TwilioCheck>,
}

pub struct TwilioCheck {
    pub account_sid: String,
    /// What Twilio says of the account, or why the credentials could not be used.
    pub outcome: Result<String, String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "start.html")]
pub struct StartPage {
    frame: Frame,
    notice: Option<String>,
    starters: &'static [Starter],
    workflows: usize,
    tried: bool,
    phone: Phone,
    provider: Provider,
    teammates: u64,
}

impl StartPage {
    async fn new(state: &AppState, signed_in: &SignedIn, phone: Phone) -> Result<Self, WebError> {
        let workflows = state.store.all_workflows().await?.len();
        let recent = state
            .store
            .list_conversations(&ConversationQuery {
                limit: 50,
                ..ConversationQuery::default()
            })
            .await?;
        let tried = recent
            .items
            .iter()
            .any(|conversation| conversation.channel == Channel::Simulator);
        let connected = if state.config.twilio.is_some() {
            Some("Twilio")
        } else if state.config.kannel.is_some() {
            Some("Kannel")
        } else {
            None
        };
        Ok(StartPage {
            frame: signed_in.frame("start"),
            notice: None,
            starters: &STARTERS,
            workflows,
            tried,
            phone,
            provider: Provider {
                connected,
                public_url: state.config.public_url.clone(),
                check: None,
            },
            teammates: state.store.count_admins().await?.saturating_sub(1),
        })
    }

    fn done(&self) -> usize {
        [
            self.workflows > 0,
            self.tried,
            self.provider.connected.is_some(),
            self.teammates > 0,
        ]
        .into_iter()
        .filter(|done| *done)
        .count()
    }
}

/// A number in the fictional 555-01xx range: the phone's number until the person types another.
const PHONE_NUMBER: &str = "+12025550142";

fn fresh_phone() -> Phone {
    Phone {
        number: PHONE_NUMBER.into(),
        bubbles: Vec::new(),
        error: None,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct StartQuery {
    notice: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<StartQuery>,
) -> Result<Response, WebError> {
    let mut page = StartPage::new(&state, &signed_in, fresh_phone()).await?;
    page.notice = query.notice;
    Ok(page.into_response())
}

#[derive(Debug, Deserialize)]
struct StarterForm {
    starter: String,
}

/// Creates a starter's workflows (those whose names are not taken), live at once, or in the draft
/// when changes must pass the saved tests first.
pub async fn use_starter(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: StarterForm = parse_form(&body, "starter")?;
    let starter = Starter::named(&form.starter)
        .ok_or_else(|| WebError::NotFound(format!("There is no starter “{}”.", form.starter)))?;
    // With `publish_requires_tests` the workflows go to the draft, to be published once the saved
    // conversation tests pass; otherwise they are live at once, as one new version.
    let drafting = state.engine.settings.publish_requires_tests;
    let (mut set, revision, expected_version) = if drafting {
        let (set, revision) = draft_or_live(&state).await?;
        (set, revision, None)
    } else {
        // The version first: a publish landing after it makes ours refused, not lost.
        let version = state.store.latest_version().await?;
        (live_set(state.store.as_ref()).await?, None, Some(version))
    };
    let taken = |name: &str| {
        set.iter()
            .any(|workflow| workflow.spec.name.as_str().eq_ignore_ascii_case(name))
    };
    let drafts: Vec<WorkflowDraft> = starter
        .drafts()?
        .into_iter()
        .filter(|draft| !draft.name.as_deref().is_some_and(taken))
        .collect();
    if drafts.is_empty() {
        return Ok(notice(&format!(
            "The {} workflows are there already.",
            starter.label
        )));
    }
    let created = draft_set(&drafts, &[])
        .map_err(|problems| WebError::Internal(format!("starter {}: {problems}", starter.key)))?;
    let names = created
        .iter()
        .map(|workflow| workflow.spec.name.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    set.extend(created);
    if drafting {
        state
            .store
            .save_draft(&set, revision, &signed_in.author())
            .await?;
        return Ok(notice(&format!(
            "Saved to the draft: {names}. They go live when the draft is published, once the saved conversation tests pass."
        )));
    }
    let note = format!("starter: {}", starter.label);
    state
        .store
        .publish_set(
            &set,
            Publication {
                by: &signed_in.author(),
                note: Some(&note),
                expected_version,
            },
        )
        .await?;
    state.workflows_changed().await;
    Ok(notice(&format!(
        "Created {names}. Try them on the phone below."
    )))
}

fn notice(text: &str) -> Response {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("notice", text)
        .finish();
    Redirect::to(&format!("/start?{query}#steps")).into_response()
}

#[derive(Debug, Deserialize)]
struct PhoneForm {
    number: String,
    body: String,
}

/// A text from the in-browser phone: received, matched and answered like any text, on the
/// simulator channel; the page shows the phone's conversation after it.
pub async fn send_from_phone(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: PhoneForm = parse_form(&body, "phone")?;
    let mut phone = Phone {
        number: form.number.trim().to_string(),
        bubbles: Vec::new(),
        error: None,
    };
    let text = form.body.trim();
    match Sender::parse(&phone.number) {
        Err(error) => phone.error = Some(format!("The phone's number {error}.")),
        Ok(_) if text.is_empty() => phone.error = Some("Type a text to send.".into()),
        Ok(sender) => {
            let turn = state
                .messaging
                .simulate(&sender.into_string(), &state.config.sms.default_from, text)
                .await?;
            phone.bubbles = state
                .store
                .conversation_messages(turn.conversation_id)
                .await?
                .into_iter()
                .map(|message| Bubble {
                    mine: message.direction == Direction::Inbound,
                    body: message.body,
                })
                .collect();
        }
    }
    Ok(StartPage::new(&state, &signed_in, phone)
        .await?
        .into_response())
}

#[derive(Debug, Deserialize)]
struct TwilioForm {
    account_sid: String,
    auth_token: String,
}

/// Checks pasted Twilio credentials against Twilio's API (the configured `twilio.api_base`), so a
/// typo shows here rather than as failed sends later.
pub async fn check_twilio(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: TwilioForm = parse_form(&body, "twilio")?;
    let account_sid = form.account_sid.trim().to_string();
    let outcome = smsflow_sms::twilio::check_credentials(
        &smsflow_sms::http_client(),
        &state.config.twilio_api_base,
        &account_sid,
        form.auth_token.trim(),
    )
    .await
    .map(|account| {
        format!(
            "Twilio knows these credentials: {}.",
            account.summary(&account_sid)
        )
    })
    .map_err(|error| format!("Not connected: {error}."));
    let mut page = StartPage::new(&state, &signed_in, fresh_phone()).await?;
    page.provider.check = Some(TwilioCheck {
        account_sid,
        outcome,
    });
    Ok(page.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_starter_is_a_valid_set_of_workflows() {
        for starter in &STARTERS {
            let drafts = starter
                .drafts()
                .unwrap_or_else(|_| panic!("{}", starter.key));
            assert!(drafts.len() >= 3, "{}", starter.key);
            let set = draft_set(&drafts, &[])
                .unwrap_or_else(|problems| panic!("{}: {problems}", starter.key));
            assert!(
                set.iter().any(|workflow| workflow.spec.priority == 0),
                "{} has a catch-all",
                starter.key
            );
        }
    }
}
