//! The saved conversation-test suite, run against the draft (or the published workflows when there
//! is no draft): by the web app's tests page, by `/api/v1/workflows/tests`, and before publishing
//! when `publish_requires_tests` is set. Each test runs in a throwaway sandbox, as `smsflow test`
//! does; nothing is stored or sent.

use smsflow_core::WorkflowSpec;
use smsflow_store::{Store, StoreError};
use std::path::Path;

use crate::conversation_tests::format::{TestFile, parse};
use crate::conversation_tests::{render, run_in_sandbox};
use crate::matching::Semantic;
use crate::sandbox::SandboxError;
use crate::settings::EngineSettings;

/// The most tests one run takes here: each starts a sandbox of its own.
pub const MAX_TESTS: usize = 50;

#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// The suite cannot run as written; the message says what to change.
    #[error("{0}")]
    Invalid(String),
    #[error(
        "publishing requires the saved conversation-test suite to pass, and none is saved: save one on the draft's Tests page or with PUT /api/v1/workflows/tests"
    )]
    NoneSaved,
    #[error(
        "publishing requires the saved conversation-test suite to pass against the draft, and {} failed: {}; fix the draft or the tests, then publish again",
        failed.len(),
        failed.iter().map(|name| format!("{name:?}")).collect::<Vec<_>>().join(", ")
    )]
    Failed { failed: Vec<String> },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
}

/// One test's outcome.
pub struct SuiteResult {
    pub name: String,
    pub turns: usize,
    pub passed: bool,
    /// Why it failed, as `smsflow test` prints it.
    pub explanation: String,
}

pub struct SuiteRun {
    /// What the suite ran against, e.g. `the draft (revision 3)`.
    pub against: String,
    /// The draft's revision it ran against; `None` for the published workflows.
    pub draft_revision: Option<i64>,
    pub results: Vec<SuiteResult>,
}

impl SuiteRun {
    pub fn failed(&self) -> Vec<String> {
        self.results
            .iter()
            .filter(|result| !result.passed)
            .map(|result| result.name.clone())
            .collect()
    }
}

/// Parses `yaml` and checks it can run here: at most [`MAX_TESTS`] tests, none naming a workflows
/// file (they run against the draft).
pub fn check(yaml: &str) -> Result<TestFile, SuiteError> {
    let file =
        parse(Path::new("suite"), yaml).map_err(|error| SuiteError::Invalid(error.to_string()))?;
    if file.tests.len() > MAX_TESTS {
        return Err(SuiteError::Invalid(format!(
            "the suite has {} tests: run at most {MAX_TESTS} at once here, or all of them with smsflow test",
            file.tests.len()
        )));
    }
    if let Some(test) = file.tests.iter().find(|test| test.workflows.is_some()) {
        return Err(SuiteError::Invalid(format!(
            "test {:?} names a workflows file: tests here run against the draft, so leave `workflows` out",
            test.name
        )));
    }
    Ok(file)
}

/// Runs `yaml` against the draft, or the published workflows when there is no draft.
pub async fn run(
    store: &dyn Store,
    settings: &EngineSettings,
    semantic: Option<Semantic>,
    yaml: &str,
) -> Result<SuiteRun, SuiteError> {
    let file = check(yaml)?;
    let draft = store.get_draft().await?;
    let draft_revision = draft.as_ref().map(|draft| draft.revision);
    let (against, workflows): (String, Vec<WorkflowSpec>) = match draft {
        Some(draft) => (
            format!("the draft (revision {})", draft.revision),
            draft.workflows.into_iter().map(|w| w.spec).collect(),
        ),
        None => (
            format!(
                "the published workflows (version {})",
                store.latest_version().await?
            ),
            store
                .all_workflows()
                .await?
                .into_iter()
                .map(|w| w.spec)
                .collect(),
        ),
    };
    let mut results = Vec::with_capacity(file.tests.len());
    for test in &file.tests {
        let failures = run_in_sandbox(settings, test, &workflows, semantic.clone()).await?;
        results.push(SuiteResult {
            name: test.name.clone(),
            turns: test.turns.len(),
            passed: failures.is_empty(),
            explanation: render(&failures),
        });
    }
    Ok(SuiteRun {
        against,
        draft_revision,
        results,
    })
}

/// When `publish_requires_tests` is set, runs the saved suite against the draft and refuses
/// (naming the failing tests) unless every test passes. The draft revision it passed, to publish
/// exactly that one: a draft saved while the tests ran is not published untested.
pub async fn check_before_publish(
    store: &dyn Store,
    settings: &EngineSettings,
    semantic: Option<Semantic>,
) -> Result<Option<i64>, SuiteError> {
    if !settings.publish_requires_tests {
        return Ok(None);
    }
    let Some(saved) = store.saved_test_suite().await? else {
        return Err(SuiteError::NoneSaved);
    };
    let run = run(store, settings, semantic, &saved.yaml).await?;
    let failed = run.failed();
    if failed.is_empty() {
        Ok(run.draft_revision)
    } else {
        Err(SuiteError::Failed { failed })
    }
}
