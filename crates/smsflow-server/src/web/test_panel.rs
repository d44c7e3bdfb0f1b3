//! The test panel: which saved workflow would handle a sample message, every candidate with why it
//! won or lost (the matcher's `explain`), and a test set of many messages at once. Nothing is sent
//! or stored. With htmx the answer replaces the result area; without JavaScript it is a page.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use smsflow_core::{MatchExplanation, Workflow, WorkflowDraft};

use crate::AppState;
use crate::web::form::WorkflowForm;
use crate::web::session::SignedIn;
use crate::web::workflows::validate;
use crate::web::{Frame, WebError};
use smsflow_engine::agent::Texter;

/// The most messages one test set takes.
pub const TEST_SET_MAX: usize = 500;
/// The sender of a previewed reply when the tester gave no number (a fictional 555 number).
const PREVIEW_NUMBER: &str = "+15555550100";
const MESSAGE_MAX_CHARS: usize = 1_600;
const NO_WORKFLOW: &str = "(no workflow)";

/// One candidate of a tested message, as the table shows it.
pub struct CandidateRow {
    pub workflow: String,
    pub goal: &'static str,
    pub priority: i64,
    pub active: bool,
    pub matches: bool,
    pub winner: bool,
    pub reason: String,
}

/// Candidates the table shows at most: with 10,000 workflows the answer stays small. Matching ones
/// come first among those kept; the rest are counted.
const CANDIDATES_SHOWN: usize = 50;

pub struct TestResult {
    pub winner: Option<String>,
    pub winner_goal: &'static str,
    pub tie_with: Vec<String>,
    pub candidates: Vec<CandidateRow>,
    /// Candidates left out of the table (beyond [`CANDIDATES_SHOWN`]).
    pub hidden: usize,
    /// What the winner's agent would answer to a first message (builtin writer; nothing is sent).
    pub reply: Option<String>,
}

impl TestResult {
    fn of(explanation: MatchExplanation) -> Self {
        let total = explanation.candidates.len();
        // Keep the winner and the other matching candidates first, then the others, in check order.
        let mut kept: Vec<_> = explanation.candidates.into_iter().enumerate().collect();
        kept.sort_by_key(|(i, c)| (!(c.winner || c.matches), *i));
        kept.truncate(CANDIDATES_SHOWN);
        kept.sort_by_key(|(i, _)| *i);
        let candidates: Vec<_> = kept.into_iter().map(|(_, c)| c).collect();
        TestResult {
            hidden: total - candidates.len(),
            winner_goal: explanation
                .matched
                .as_ref()
                .map_or("", |matched| matched.goal.label()),
            winner: explanation.matched.map(|matched| matched.workflow),
            tie_with: explanation.tie_with,
            candidates: candidates
                .into_iter()
                .map(|candidate| CandidateRow {
                    workflow: candidate.workflow,
                    goal: candidate.goal.label(),
                    priority: candidate.priority,
                    active: candidate.active,
                    matches: candidate.matches,
                    winner: candidate.winner,
                    reason: candidate.reason,
                })
                .collect(),
            reply: None,
        }
    }
}

/// One line of a test set.
pub struct SetRow {
    pub number: usize,
    pub message: String,
    pub winner: Option<String>,
    pub goal: &'static str,
    pub reason: String,
}

/// The panel's inputs and, after a test, its answer.
#[derive(Default)]
pub struct TestPanel {
    pub csrf: String,
    pub message: String,
    pub from: String,
    pub include_inactive: bool,
    pub messages: String,
    pub error: Option<String>,
    pub result: Option<TestResult>,
    pub set_error: Option<String>,
    pub set_rows: Vec<SetRow>,
    /// How many lines of the test set each workflow won: (workflow, count), most first.
    pub set_summary: Vec<(String, usize)>,
    /// On the editor's page: the panel can test the form's unsaved changes.
    pub in_editor: bool,
    /// The saved workflow the form edits (`None` for a new one).
    pub draft_of: Option<uuid::Uuid>,
    /// The last test used the form's unsaved changes.
    pub draft: bool,
}

impl TestPanel {
    pub fn empty(csrf: &str) -> Self {
        TestPanel {
            csrf: csrf.to_string(),
            ..TestPanel::default()
        }
    }

    /// The panel of the editor of workflow `id` (`None`: a new workflow).
    pub fn for_editor(csrf: &str, id: Option<uuid::Uuid>) -> Self {
        TestPanel {
            in_editor: true,
            draft_of: id,
            ..TestPanel::empty(csrf)
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "test_page.html")]
struct TestPage {
    frame: Frame,
    panel: TestPanel,
}

#[derive(Template, WebTemplate)]
#[template(path = "test_result.html")]
struct TestFragment {
    panel: TestPanel,
    set: bool,
}

#[derive(Debug, Deserialize)]
struct TestForm {
    #[serde(default)]
    message: String,
    #[serde(default)]
    from: String,
    include_inactive: Option<String>,
    #[serde(default)]
    messages: String,
    /// Test the workflow form sent along (the editor's unsaved changes).
    draft: Option<String>,
    /// The saved workflow the draft replaces.
    draft_of: Option<uuid::Uuid>,
}

/// htmx asks for the result area only; a plain form post gets a whole page.
fn answer(signed_in: &SignedIn, headers: &HeaderMap, panel: TestPanel, set: bool) -> Response {
    let failed = panel.error.is_some() || panel.set_error.is_some();
    if headers.contains_key("hx-request") {
        // htmx swaps only successful answers, so problems come back as 200 with the message shown.
        TestFragment { panel, set }.into_response()
    } else {
        let status = if failed {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        (
            status,
            TestPage {
                frame: signed_in.frame("workflows"),
                panel,
            },
        )
            .into_response()
    }
}

fn read_form(body: &[u8]) -> Result<TestForm, WebError> {
    crate::web::parse_form(body, "test")
}

pub async fn test_message(
    State(state): State<AppState>,
    signed_in: SignedIn,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let form = read_form(&body)?;
    let mut panel = TestPanel {
        csrf: signed_in.csrf().to_string(),
        message: form.message.replace("\r\n", "\n"),
        from: form.from.trim().to_string(),
        include_inactive: form.include_inactive.is_some(),
        in_editor: form.draft.is_some(),
        draft: form.draft.is_some(),
        draft_of: form.draft_of,
        ..TestPanel::default()
    };
    let chars = panel.message.chars().count();
    panel.error = if panel.message.trim().is_empty() {
        Some("Type a sample message to test.".into())
    } else if chars > MESSAGE_MAX_CHARS {
        Some(format!(
            "The message has {chars} characters: at most {MESSAGE_MAX_CHARS} (10 SMS segments)."
        ))
    } else if !panel.from.is_empty() && !is_e164(&panel.from) {
        Some(format!(
            "{:?} is not a phone number in E.164 form: write + and the country code, e.g. +15550001111.",
            panel.from
        ))
    } else {
        None
    };
    let draft = match (&panel.error, panel.draft) {
        (None, true) => match draft_workflow(&state, &body, form.draft_of).await? {
            Ok(workflow) => Some(workflow),
            Err(problem) => {
                panel.error = Some(problem);
                None
            }
        },
        _ => None,
    };
    if panel.error.is_none() {
        let explanation = match &draft {
            Some(draft) => state
                .matchers
                .with_draft(&draft.spec, form.draft_of)
                .await?
                .explain(&panel.message, panel.include_inactive),
            // Reflect every saved change: check the revision (one small query) first.
            None => state
                .matchers
                .refresh()
                .await?
                .matcher
                .explain(&panel.message, panel.include_inactive),
        };
        let winner = explanation.matched.as_ref().map(|matched| matched.id);
        let mut result = TestResult::of(explanation);
        let draft_won = draft.is_some() && winner == Some(form.draft_of);
        let winner = match (draft, winner) {
            (Some(draft), _) if draft_won => Some(draft),
            (_, Some(Some(id))) => Some(state.store.get_workflow(id).await?),
            _ => None,
        };
        if let Some(workflow) = winner {
            // The agent's turn is pure: running it stores and sends nothing.
            let from = Some(panel.from.as_str())
                .filter(|from| !from.is_empty())
                .unwrap_or(PREVIEW_NUMBER);
            let language = smsflow_core::language::detect(&panel.message, None).language;
            let turn = state.messaging.agent.turn(
                &workflow,
                None,
                &panel.message,
                &Texter {
                    number: from,
                    known: &Default::default(),
                    language,
                    max_segments: state.messaging.settings.max_segments,
                },
            );
            result.reply = Some(turn.reply);
        }
        panel.result = Some(result);
    }
    Ok(answer(&signed_in, &headers, panel, false))
}

pub async fn test_set(
    State(state): State<AppState>,
    signed_in: SignedIn,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let form = read_form(&body)?;
    let mut panel = TestPanel {
        csrf: signed_in.csrf().to_string(),
        messages: form.messages.replace("\r\n", "\n"),
        include_inactive: form.include_inactive.is_some(),
        ..TestPanel::default()
    };
    let lines: Vec<&str> = panel
        .messages
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    panel.set_error = if lines.is_empty() {
        Some("Type some messages, one a line.".into())
    } else if lines.len() > TEST_SET_MAX {
        Some(format!(
            "The test set has {} messages: at most {TEST_SET_MAX} at once.",
            lines.len()
        ))
    } else {
        lines
            .iter()
            .position(|line| line.chars().count() > MESSAGE_MAX_CHARS)
            .map(|i| {
                format!(
                    "Line {} is longer than {MESSAGE_MAX_CHARS} characters.",
                    i + 1
                )
            })
    };
    if panel.set_error.is_none() {
        let compiled = state.matchers.refresh().await?;
        let mut summary: Vec<(String, usize)> = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let explanation = compiled.matcher.explain(line, panel.include_inactive);
            let winner = explanation.candidates.iter().find(|c| c.winner);
            let row = SetRow {
                number: i + 1,
                message: line.to_string(),
                winner: explanation.matched.as_ref().map(|m| m.workflow.clone()),
                goal: explanation.matched.as_ref().map_or("", |m| m.goal.label()),
                reason: winner.map_or_else(
                    || "no active workflow matched".to_string(),
                    |w| w.reason.clone(),
                ),
            };
            let key = row
                .winner
                .clone()
                .unwrap_or_else(|| NO_WORKFLOW.to_string());
            match summary.iter_mut().find(|(name, _)| *name == key) {
                Some((_, count)) => *count += 1,
                None => summary.push((key, 1)),
            }
            panel.set_rows.push(row);
        }
        // Most wins first; "no workflow" after the workflows it ties with.
        summary.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| (a.0 == NO_WORKFLOW).cmp(&(b.0 == NO_WORKFLOW)))
                .then_with(|| a.0.cmp(&b.0))
        });
        panel.set_summary = summary;
    }
    Ok(answer(&signed_in, &headers, panel, true))
}

/// The workflow of the editor's form sent along with a test (its unsaved changes, over the saved
/// workflow it edits), or what is wrong with the form, in a sentence.
async fn draft_workflow(
    state: &AppState,
    body: &[u8],
    draft_of: Option<uuid::Uuid>,
) -> Result<Result<Workflow, String>, WebError> {
    let (form, _) = WorkflowForm::parse(body);
    if form.goal.is_empty() {
        return Ok(Err("The form's unsaved changes were not sent (this needs JavaScript): save the workflow, then test it.".into()));
    }
    let saved = match draft_of {
        Some(id) => Some(state.store.get_workflow(id).await?),
        None => None,
    };
    let base = saved
        .as_ref()
        .map(|workflow| WorkflowDraft::from(&workflow.spec))
        .unwrap_or_default();
    match validate(&form, base) {
        Ok(spec) => {
            let now = time::OffsetDateTime::now_utc();
            Ok(Ok(Workflow {
                id: draft_of.unwrap_or_else(uuid::Uuid::nil),
                spec,
                version: saved.as_ref().map_or(0, |w| w.version),
                created_at: saved.as_ref().map_or(now, |w| w.created_at),
                updated_at: now,
            }))
        }
        Err(problems) => {
            let first: Vec<String> = problems
                .iter()
                .take(3)
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect();
            Ok(Err(format!(
                "The form has problems to fix before it can be tested: {}.",
                first.join("; ")
            )))
        }
    }
}

/// The API's rule for a sender number (`POST /api/v1/workflows/test`): + and 8 to 15 digits, not
/// starting with 0.
fn is_e164(number: &str) -> bool {
    let digits = number.strip_prefix('+').unwrap_or("");
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_numbers_follow_the_api_rule() {
        assert!(is_e164("+15550001111"));
        for bad in ["15550001111", "+1555", "+0555000111", "+1555000111a", ""] {
            assert!(!is_e164(bad), "{bad}");
        }
    }
}
