//! Conversation tests from the web app: edit the saved suite (the YAML of `smsflow test`, kept in
//! the database) or paste one, and run it against the draft, or the published workflows when there
//! is no draft, before publishing. Each test runs in a throwaway sandbox, as `smsflow test` does;
//! nothing is stored or sent.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use smsflow_store::test_suite::SavedTestSuite;

use crate::AppState;
use crate::web::inbox::when;
use crate::web::session::SignedIn;
use crate::web::{Frame, WebError};
use smsflow_engine::saved_suite::{self, SuiteError, SuiteResult};

#[derive(Template, WebTemplate)]
#[template(path = "draft_tests.html")]
pub struct DraftTestsPage {
    frame: Frame,
    suite: String,
    /// Who saved the saved suite, and when.
    saved: Option<String>,
    /// Whether publishing runs the saved suite first (`publish_requires_tests`).
    required: bool,
    /// What the suite ran against.
    against: Option<String>,
    results: Vec<SuiteResult>,
    /// Why the suite could not run or be saved.
    error: Option<String>,
}

impl DraftTestsPage {
    fn new(
        state: &AppState,
        signed_in: &SignedIn,
        suite: String,
        saved: Option<&SavedTestSuite>,
    ) -> Self {
        DraftTestsPage {
            frame: signed_in.frame("workflows"),
            suite,
            saved: saved
                .map(|saved| format!("Saved by {}, {}.", saved.author, when(&saved.updated_at))),
            required: state.config.publish_requires_tests,
            against: None,
            results: Vec::new(),
            error: None,
        }
    }

    fn passed(&self) -> usize {
        self.results.iter().filter(|result| result.passed).count()
    }
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    let saved = state.store.saved_test_suite().await?;
    let suite = saved
        .as_ref()
        .map(|saved| saved.yaml.clone())
        .unwrap_or_default();
    Ok(DraftTestsPage::new(&state, &signed_in, suite, saved.as_ref()).into_response())
}

#[derive(Debug, Deserialize)]
pub struct SuiteForm {
    suite: String,
    /// `save` saves the suite before running it; anything else only runs it.
    #[serde(default)]
    action: String,
}

pub async fn run(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: SuiteForm = crate::web::parse_form(&body, "conversation tests")?;
    let suite = form.suite.replace("\r\n", "\n");
    let mut saved = state.store.saved_test_suite().await?;
    if form.action == "save" {
        if let Err(error) = saved_suite::check(&suite) {
            let mut page = DraftTestsPage::new(&state, &signed_in, suite, saved.as_ref());
            page.error = Some(format!("Not saved: {error}"));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        saved = Some(
            state
                .store
                .save_test_suite(&suite, &signed_in.author())
                .await?,
        );
    }
    let ran = saved_suite::run(
        state.store.as_ref(),
        &state.engine.settings,
        state.matchers.semantic().as_deref().cloned(),
        &suite,
    )
    .await;
    let mut page = DraftTestsPage::new(&state, &signed_in, suite, saved.as_ref());
    match ran {
        Ok(run) => {
            page.against = Some(run.against);
            page.results = run.results;
            Ok(page.into_response())
        }
        Err(SuiteError::Invalid(message)) => {
            page.error = Some(format!("Not run: {message}"));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(error) => Err(WebError::Internal(error.to_string())),
    }
}
