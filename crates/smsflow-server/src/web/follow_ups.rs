//! A workflow's auto follow-up in the web app (`/workflows/{id}/follow-up`): on or off, after how
//! many hours, and the nudge in English and, optionally, Spanish. The same setting as the API's.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use smsflow_core::LocalizedText;
use smsflow_core::language::Language;
use smsflow_store::follow_ups::FollowUpSetting;
use uuid::Uuid;

use crate::AppState;
use crate::web::session::SignedIn;
use crate::web::{Frame, WebError};

#[derive(Template, WebTemplate)]
#[template(path = "follow_up.html")]
pub struct FollowUpPage {
    frame: Frame,
    id: Uuid,
    name: String,
    form: FollowUpForm,
    error: Option<String>,
    saved: bool,
}

/// The form as typed (a checkbox is present when ticked).
#[derive(Debug, Default, Deserialize)]
pub struct FollowUpForm {
    on: Option<String>,
    after_hours: String,
    english: String,
    #[serde(default)]
    spanish: String,
}

impl FollowUpForm {
    fn of(setting: Option<FollowUpSetting>) -> FollowUpForm {
        let Some(setting) = setting else {
            return FollowUpForm {
                after_hours: "24".into(),
                ..FollowUpForm::default()
            };
        };
        let spanish = setting
            .template
            .variant(Language::Spanish)
            .unwrap_or_default()
            .to_string();
        FollowUpForm {
            on: Some("on".into()),
            after_hours: setting.after_hours.to_string(),
            english: setting.template.in_language(Language::English).to_string(),
            spanish,
        }
    }

    /// The setting to save (`None`: off), or what is wrong.
    fn setting(&self) -> Result<Option<FollowUpSetting>, String> {
        if self.on.is_none() {
            return Ok(None);
        }
        let after_hours = self.after_hours.trim().parse::<u32>().unwrap_or(0);
        let template = match self.spanish.trim() {
            "" => LocalizedText::Plain(self.english.trim().to_string()),
            spanish => LocalizedText::PerLanguage(
                [
                    (Language::English, self.english.trim().to_string()),
                    (Language::Spanish, spanish.to_string()),
                ]
                .into(),
            ),
        };
        let setting = FollowUpSetting {
            after_hours,
            template,
        };
        match setting.problem() {
            Some((field, problem)) => Err(format!(
                "{}: {}.",
                if field == "after_hours" {
                    "Hours"
                } else {
                    "The nudge"
                },
                problem.trim_end_matches('.')
            )),
            None => Ok(Some(setting)),
        }
    }

    pub fn is_on(&self) -> bool {
        self.on.is_some()
    }
}

fn parse_id(id: &str) -> Result<Uuid, WebError> {
    Uuid::parse_str(id).map_err(|_| WebError::NotFound(format!("workflow {id} does not exist")))
}

#[derive(Debug, Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<SavedQuery>,
) -> Result<Response, WebError> {
    let workflow = state.store.get_workflow(parse_id(&id)?).await?;
    let setting = state.store.follow_up_setting(workflow.id).await?;
    Ok(FollowUpPage {
        frame: signed_in.frame("workflows"),
        id: workflow.id,
        name: workflow.spec.name.to_string(),
        form: FollowUpForm::of(setting),
        error: None,
        saved: query.saved.is_some(),
    }
    .into_response())
}

pub async fn save(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let workflow = state.store.get_workflow(parse_id(&id)?).await?;
    let form: FollowUpForm = crate::web::parse_form(&body, "follow-up")?;
    match form.setting() {
        Ok(setting) => {
            state
                .store
                .set_follow_up_setting(workflow.id, setting.as_ref())
                .await?;
            Ok(
                Redirect::to(&format!("/workflows/{}/follow-up?saved=1", workflow.id))
                    .into_response(),
            )
        }
        Err(error) => Ok(FollowUpPage {
            frame: signed_in.frame("workflows"),
            id: workflow.id,
            name: workflow.spec.name.to_string(),
            form,
            error: Some(error),
            saved: false,
        }
        .into_response()),
    }
}
