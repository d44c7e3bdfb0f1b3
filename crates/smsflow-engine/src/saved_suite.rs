//! The saved conversation-test suite, run against the draft (or the published workflows when there
//! is no draft): by the web app's tests page, by `/api/v1/workflows/tests`, and before publishing
//! when `publish_requires_tests` is set. Each test runs in a throwaway sandbox, as `smsflow test`
//! does; nothing is stored or sent.

use smsflow_core::WorkflowSpec;
use smsflow_store::{Draft, Store, StoreError};
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
        "publishing requires the saved conversation-test suite to pass against {against}, and {} failed: {}; fix the workflows or the tests, then publish again",
        failed.len(),
        failed.iter().map(|name| format!("{name:?}")).collect::<Vec<_>>().join(", ")
    )]
    Failed {
        against: String,
        failed: Vec<String>,
    },
    #[error(
        "this installation publishes workflow changes only once the saved conversation tests pass (publish_requires_tests), and this change would go live untested: save it to the draft and publish the draft (API: PUT /api/v1/workflows/draft, then POST /api/v1/workflows/draft/publish; web: Save to draft, then Publish; CLI: smsflow workflows apply --publish)"
    )]
    DraftRequired,
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

/// The workflows a suite runs against, and how to name them for people.
pub struct Target {
    /// e.g. `the draft (revision 3)`, `the published workflows (version 7)`.
    pub against: String,
    /// The draft's revision; `None` for any other set.
    pub draft_revision: Option<i64>,
    pub workflows: Vec<WorkflowSpec>,
}

/// The published workflows.
pub async fn published(store: &dyn Store) -> Result<Target, StoreError> {
    Ok(Target {
        against: format!(
            "the published workflows (version {})",
            store.latest_version().await?
        ),
        draft_revision: None,
        workflows: store
            .all_workflows()
            .await?
            .into_iter()
            .map(|w| w.spec)
            .collect(),
    })
}

/// The draft, or the published workflows when there is no draft.
pub async fn draft_or_published(store: &dyn Store) -> Result<Target, StoreError> {
    match store.get_draft().await? {
        Some(draft) => Ok(draft_target(draft)),
        None => published(store).await,
    }
}

fn draft_target(draft: Draft) -> Target {
    Target {
        against: format!("the draft (revision {})", draft.revision),
        draft_revision: Some(draft.revision),
        workflows: draft.workflows.into_iter().map(|w| w.spec).collect(),
    }
}

/// Runs `yaml` against the draft, or the published workflows when there is no draft.
pub async fn run(
    store: &dyn Store,
    settings: &EngineSettings,
    semantic: Option<Semantic>,
    yaml: &str,
) -> Result<SuiteRun, SuiteError> {
    let file = check(yaml)?;
    run_against(settings, semantic, &file, draft_or_published(store).await?).await
}

/// Runs every test of `file` against `target`, each in a sandbox of its own.
pub async fn run_against(
    settings: &EngineSettings,
    semantic: Option<Semantic>,
    file: &TestFile,
    target: Target,
) -> Result<SuiteRun, SuiteError> {
    let mut results = Vec::with_capacity(file.tests.len());
    for test in &file.tests {
        let failures = run_in_sandbox(settings, test, &target.workflows, semantic.clone()).await?;
        results.push(SuiteResult {
            name: test.name.clone(),
            turns: test.turns.len(),
            passed: failures.is_empty(),
            explanation: render(&failures),
        });
    }
    Ok(SuiteRun {
        against: target.against,
        draft_revision: target.draft_revision,
        results,
    })
}

/// A change that goes live at once (creating, editing, deleting, activating or deactivating a
/// workflow directly, or `workflows import`) would skip the saved suite: when
/// `publish_requires_tests` is set it is refused, so every change goes live through a tested publish.
pub fn refuse_untested_change(settings: &EngineSettings) -> Result<(), SuiteError> {
    if settings.publish_requires_tests {
        Err(SuiteError::DraftRequired)
    } else {
        Ok(())
    }
}

/// When `publish_requires_tests` is set, runs the saved suite against the draft and refuses
/// (naming the failing tests) unless every test passes. The draft revision it passed, to publish
/// exactly that one: a draft saved while the tests ran is not published untested.
pub async fn check_before_publish(
    store: &dyn Store,
    settings: &EngineSettings,
    semantic: Option<Semantic>,
) -> Result<Option<i64>, SuiteError> {
    match store.get_draft().await? {
        Some(draft) => {
            check_set_before_publish(store, settings, semantic, draft_target(draft)).await
        }
        // Nothing to test: publishing says there is no draft.
        None => Ok(None),
    }
}

/// When `publish_requires_tests` is set, runs the saved suite against version `number`'s
/// workflows, which a rollback would publish again, and refuses unless every test passes.
pub async fn check_before_rollback(
    store: &dyn Store,
    settings: &EngineSettings,
    semantic: Option<Semantic>,
    number: i64,
) -> Result<(), SuiteError> {
    if !settings.publish_requires_tests {
        return Ok(());
    }
    let version = store.get_version(number).await?;
    let target = Target {
        against: format!("version {number}"),
        draft_revision: None,
        workflows: version.workflows.into_iter().map(|w| w.spec).collect(),
    };
    check_set_before_publish(store, settings, semantic, target)
        .await
        .map(drop)
}

/// The same for any set about to be published (files applied with `--publish`, an earlier version
/// restored): when `publish_requires_tests` is set, the saved suite must pass against `target`.
/// Returns the draft revision that passed, if `target` is the draft.
pub async fn check_set_before_publish(
    store: &dyn Store,
    settings: &EngineSettings,
    semantic: Option<Semantic>,
    target: Target,
) -> Result<Option<i64>, SuiteError> {
    if !settings.publish_requires_tests {
        return Ok(None);
    }
    let Some(saved) = store.saved_test_suite().await? else {
        return Err(SuiteError::NoneSaved);
    };
    let against = target.against.clone();
    let run = run_against(settings, semantic, &check(&saved.yaml)?, target).await?;
    let failed = run.failed();
    if failed.is_empty() {
        Ok(run.draft_revision)
    } else {
        Err(SuiteError::Failed { against, failed })
    }
}
