//! Conversation tests from the web app: paste a suite (the YAML of `smsflow test`) and run it
//! against the draft, or the published workflows when there is no draft, before publishing. Each
//! test runs in a throwaway sandbox, as `smsflow test` does; nothing is stored or sent.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use smsflow_core::WorkflowSpec;
use std::path::Path;

use crate::AppState;
use crate::conversation_tests::format::parse;
use crate::conversation_tests::{render, run_in_sandbox};
use crate::web::session::SignedIn;
use crate::web::{Frame, WebError};

/// The most tests one run takes: each starts a sandbox of its own.
const MAX_TESTS: usize = 50;

pub struct TestResult {
    name: String,
    turns: usize,
    passed: bool,
    /// Why it failed, as `smsflow test` prints it.
    explanation: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "draft_tests.html")]
pub struct DraftTestsPage {
    frame: Frame,
    suite: String,
    /// What the suite ran against.
    against: Option<String>,
    results: Vec<TestResult>,
    /// Why the suite could not run.
    error: Option<String>,
}

impl DraftTestsPage {
    fn passed(&self) -> usize {
        self.results.iter().filter(|result| result.passed).count()
    }
}

pub async fn page(signed_in: SignedIn) -> Response {
    DraftTestsPage {
        frame: signed_in.frame("workflows"),
        suite: String::new(),
        against: None,
        results: Vec::new(),
        error: None,
    }
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct SuiteForm {
    suite: String,
}

pub async fn run(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: SuiteForm = crate::web::parse_form(&body, "conversation tests")?;
    let suite = form.suite.replace("\r\n", "\n");
    let mut page = DraftTestsPage {
        frame: signed_in.frame("workflows"),
        suite,
        against: None,
        results: Vec::new(),
        error: None,
    };
    let refuse = |mut page: DraftTestsPage, message: String| {
        page.error = Some(message);
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let file = match parse(Path::new("suite"), &page.suite) {
        Ok(file) => file,
        Err(error) => return refuse(page, error.to_string()),
    };
    if file.tests.len() > MAX_TESTS {
        let message = format!(
            "the suite has {} tests: run at most {MAX_TESTS} at once here, or all of them with smsflow test",
            file.tests.len()
        );
        return refuse(page, message);
    }
    if let Some(test) = file.tests.iter().find(|test| test.workflows.is_some()) {
        let message = format!(
            "test {:?} names a workflows file: tests here run against the draft, so leave `workflows` out",
            test.name
        );
        return refuse(page, message);
    }
    let (against, workflows): (String, Vec<WorkflowSpec>) = match state.store.get_draft().await? {
        Some(draft) => (
            format!("the draft (revision {})", draft.revision),
            draft.workflows.into_iter().map(|w| w.spec).collect(),
        ),
        None => (
            format!(
                "the published workflows (version {})",
                state.store.latest_version().await?
            ),
            state
                .store
                .all_workflows()
                .await?
                .into_iter()
                .map(|w| w.spec)
                .collect(),
        ),
    };
    for test in &file.tests {
        let failures = run_in_sandbox(
            &state.config,
            test,
            &workflows,
            state.matchers.semantic().cloned(),
        )
        .await
        .map_err(|error| WebError::Internal(error.to_string()))?;
        page.results.push(TestResult {
            name: test.name.clone(),
            turns: test.turns.len(),
            passed: failures.is_empty(),
            explanation: render(&failures),
        });
    }
    page.against = Some(against);
    Ok(page.into_response())
}
