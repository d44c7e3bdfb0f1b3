//! A workflow's auto follow-up in the web app (`/workflows/{id}/follow-up`): on or off, after how
//! many hours, and the nudge in English and, optionally, Spanish. It is part of the workflow's
//! spec: saved live as a new version of the workflow, or to the draft, like the editor's changes.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use smsflow_core::language::Language;
use smsflow_core::{AutoFollowUp, LocalizedText, Workflow, WorkflowSpec};
use smsflow_store::StoreError;
use uuid::Uuid;

use crate::AppState;
use crate::web::session::SignedIn;
use crate::web::versions::save_to_draft;
use crate::web::workflows::{as_edited, untested_change_allowed};
use crate::web::{Frame, WebError};

#[derive(Template, WebTemplate)]
#[template(path = "follow_up.html")]
pub struct FollowUpPage {
    frame: Frame,
    id: Uuid,
    name: String,
    form: FollowUpForm,
    error: Option<String>,
    /// `live` or `draft`: where the last save went.
    saved: Option<String>,
    /// The page shows the draft's copy of the workflow, not the live one.
    from_draft: bool,
    /// `publish_requires_tests`: changes go live only through a tested publish of the draft.
    draft_only: bool,
}

impl FollowUpPage {
    fn new(
        state: &AppState,
        signed_in: &SignedIn,
        workflow: &Workflow,
        form: FollowUpForm,
    ) -> Self {
        FollowUpPage {
            frame: signed_in.frame("workflows"),
            id: workflow.id,
            name: workflow.spec.name.to_string(),
            form,
            error: None,
            saved: None,
            from_draft: false,
            draft_only: state.engine.settings.publish_requires_tests,
        }
    }
}

/// The form as typed (a checkbox is present when ticked).
#[derive(Debug, Default, Deserialize)]
pub struct FollowUpForm {
    on: Option<String>,
    after_hours: String,
    english: String,
    #[serde(default)]
    spanish: String,
    /// `save_draft` saves to the draft; anything else saves live.
    #[serde(default)]
    action: Option<String>,
}

impl FollowUpForm {
    fn of(setting: Option<&AutoFollowUp>) -> FollowUpForm {
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
            action: None,
        }
    }

    /// The setting to save (`None`: off), or what is wrong.
    fn setting(&self) -> Result<Option<AutoFollowUp>, String> {
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
        let setting = AutoFollowUp {
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
    let (workflow, from_draft) = as_edited(&state, parse_id(&id)?).await?;
    let form = FollowUpForm::of(workflow.spec.follow_up.as_ref());
    let mut page = FollowUpPage::new(&state, &signed_in, &workflow, form);
    page.from_draft = from_draft;
    page.saved = query.saved;
    Ok(page.into_response())
}

pub async fn save(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let id = parse_id(&id)?;
    let form: FollowUpForm = crate::web::parse_form(&body, "follow-up")?;
    let to_draft = form.action.as_deref() == Some("save_draft");
    let (workflow, from_draft) = as_edited(&state, id).await?;
    let setting = match form.setting() {
        Ok(setting) => setting,
        Err(error) => {
            let mut page = FollowUpPage::new(&state, &signed_in, &workflow, form);
            page.from_draft = from_draft;
            page.error = Some(error);
            return Ok(page.into_response());
        }
    };
    let saved = if to_draft {
        // The draft's copy (or the live workflow, when the draft does not change it yet).
        let spec = WorkflowSpec {
            follow_up: setting,
            ..workflow.spec
        };
        match save_to_draft(&state, &signed_in, id, spec).await {
            Ok(_) => "draft",
            Err(StoreError::DraftChanged { .. }) => {
                return Err(WebError::Refused(
                    "Someone else saved the draft meanwhile: open this page again and save once more."
                        .into(),
                ));
            }
            Err(error) => return Err(error.into()),
        }
    } else {
        untested_change_allowed(&state)?;
        let live = state.store.get_workflow(id).await?;
        let spec = WorkflowSpec {
            follow_up: setting,
            ..live.spec
        };
        state
            .store
            .update_workflow(id, &spec, Some(live.version), &signed_in.author())
            .await?;
        state.workflows_changed().await;
        "live"
    };
    Ok(Redirect::to(&format!("/workflows/{id}/follow-up?saved={saved}")).into_response())
}
