//! `/api/v1/workflows/tests`: the saved conversation-test suite (the YAML of `smsflow test`), and a
//! run of it against the draft. With `publish_requires_tests` set, publishing runs it first.

use axum::Extension;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use smsflow_store::test_suite::SavedTestSuite;
use smsflow_store::{ApiKey, Author};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ProblemDocument};
use crate::extract::ApiJson;
use smsflow_engine::saved_suite::{self, SuiteRun};

const TAG: &str = "versions";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_suite, save_suite))
        .routes(routes!(run_suite))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuiteRequest {
    /// The tests, in the YAML format of `smsflow test` (without `workflows`: they run against the draft).
    yaml: String,
}

/// One test's outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestResultView {
    name: String,
    turns: usize,
    passed: bool,
    /// Why it failed, as `smsflow test` prints it; empty when it passed.
    explanation: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuiteRunView {
    /// What the suite ran against, e.g. `the draft (revision 3)`.
    against: String,
    passed: usize,
    failed: usize,
    results: Vec<TestResultView>,
}

impl From<SuiteRun> for SuiteRunView {
    fn from(run: SuiteRun) -> Self {
        let passed = run.results.iter().filter(|result| result.passed).count();
        SuiteRunView {
            against: run.against,
            passed,
            failed: run.results.len() - passed,
            results: run
                .results
                .into_iter()
                .map(|result| TestResultView {
                    name: result.name,
                    turns: result.turns,
                    passed: result.passed,
                    explanation: result.explanation,
                })
                .collect(),
        }
    }
}

fn none_saved() -> ApiError {
    ApiError::NotFound(
        "no conversation-test suite is saved: PUT /api/v1/workflows/tests saves one".into(),
    )
}

#[utoipa::path(get, path = "/workflows/tests", tag = TAG,
    description = "The saved conversation-test suite.",
    responses((status = 200, body = SavedTestSuite), (status = 401, body = ProblemDocument),
              (status = 404, body = ProblemDocument)))]
async fn get_suite(State(state): State<AppState>) -> Result<axum::Json<SavedTestSuite>, ApiError> {
    let saved = state
        .store
        .saved_test_suite()
        .await?
        .ok_or_else(none_saved)?;
    Ok(axum::Json(saved))
}

#[utoipa::path(put, path = "/workflows/tests", tag = TAG, request_body = SuiteRequest,
    description = "Saves the conversation-test suite (replacing the saved one), after checking it parses. The change is in the audit log.",
    responses((status = 200, body = SavedTestSuite), (status = 400, body = ProblemDocument),
              (status = 401, body = ProblemDocument)))]
async fn save_suite(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiKey>,
    ApiJson(request): ApiJson<SuiteRequest>,
) -> Result<axum::Json<SavedTestSuite>, ApiError> {
    saved_suite::check(&request.yaml)?;
    let saved = state
        .store
        .save_test_suite(&request.yaml, &Author::api_key(&caller.name))
        .await?;
    Ok(axum::Json(saved))
}

#[utoipa::path(post, path = "/workflows/tests/run", tag = TAG,
    description = "Runs the saved suite against the draft (or the published workflows when there is no draft), each test in a throwaway copy: nothing is stored or sent.",
    responses((status = 200, body = SuiteRunView), (status = 401, body = ProblemDocument),
              (status = 404, body = ProblemDocument)))]
async fn run_suite(State(state): State<AppState>) -> Result<axum::Json<SuiteRunView>, ApiError> {
    let saved = state
        .store
        .saved_test_suite()
        .await?
        .ok_or_else(none_saved)?;
    let run = saved_suite::run(
        state.store.as_ref(),
        &state.engine.settings,
        state.matchers.semantic().as_deref().cloned(),
        &saved.yaml,
    )
    .await?;
    Ok(axum::Json(run.into()))
}
