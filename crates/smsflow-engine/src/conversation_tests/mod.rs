//! Conversation tests: whole scripted conversations in YAML ([`format`]), played through a phone
//! ([`observe::Phone`]: the simulator here, a gateway's webhook in integration tests), read back
//! from the database ([`observe`]) and checked turn by turn ([`evaluate`]). `smsflow test` runs
//! each test in its own [`Sandbox`].

pub mod evaluate;
pub mod format;
pub mod observe;

use smsflow_core::WorkflowSpec;
use smsflow_core::conversation::MessageStatus;
use smsflow_store::StoreError;
use std::fmt::Write;

pub use evaluate::{Mismatch, TurnFailure, evaluate, render};
pub use format::{ConversationTest, FormatError, LoadedTest, load};
pub use observe::{Observed, Phone, SentText, play};

use crate::matching::Semantic;
use crate::messaging::Messaging;
use crate::sandbox::{Sandbox, SandboxError};
use crate::settings::EngineSettings;

/// The installation `settings` describe, as conversation tests run it: the builtin agent writes
/// every reply, replies go out at once (no quiet hours), and the loop guard, made for bots texting
/// each other, does not silence a script that texts faster than a person.
pub fn test_settings(settings: &EngineSettings) -> EngineSettings {
    let mut settings = settings.clone();
    settings.openai = None;
    settings.sms.quiet_hours = None;
    settings.sms.auto_replies_per_minute = u32::MAX;
    settings
}

/// Texts through the simulator, as `smsflow chat` does.
pub struct Simulator<'a>(pub &'a Messaging);

impl Phone for Simulator<'_> {
    async fn text(&mut self, from: &str, to: &str, body: &str) -> Result<SentText, StoreError> {
        let turn = self.0.simulate(from, to, body).await?;
        Ok(SentText {
            conversation_id: turn.conversation_id,
            message_id: turn.inbound.id,
            // What reached the phone: not replies held back, e.g. after STOP.
            replies: turn
                .replies
                .into_iter()
                .filter(|reply| {
                    matches!(reply.status, MessageStatus::Sent | MessageStatus::Delivered)
                })
                .map(|reply| reply.body)
                .collect(),
        })
    }
}

/// Runs one test in a sandbox of its own holding `workflows`; its failing turns.
pub async fn run_in_sandbox(
    settings: &EngineSettings,
    test: &ConversationTest,
    workflows: &[WorkflowSpec],
    semantic: Option<Semantic>,
) -> Result<Vec<TurnFailure>, SandboxError> {
    let sandbox = Sandbox::start(test_settings(settings), workflows, semantic).await?;
    let engine = &sandbox.engine;
    let observed = play(
        test,
        &mut Simulator(&engine.messaging),
        engine.store.as_ref(),
        &engine.settings.sms.default_from,
    )
    .await?;
    Ok(evaluate(test, &observed))
}

/// The outcome of one test, for reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TestOutcome {
    pub file: String,
    pub name: String,
    pub turns: usize,
    /// Empty when it passed.
    pub failures: Vec<TurnFailure>,
    /// The test could not run (a workflows file it names is invalid, the database failed).
    pub error: Option<String>,
    pub seconds: f64,
}

impl TestOutcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.error.is_none()
    }

    /// Why it failed, as a person reads it.
    pub fn explain(&self) -> String {
        match &self.error {
            Some(error) => format!("  could not run: {error}\n"),
            None => render(&self.failures),
        }
    }
}

/// A JUnit XML report: one test suite per file, one test case per conversation test.
pub fn junit(outcomes: &[TestOutcome]) -> String {
    let mut files: Vec<&str> = Vec::new();
    for outcome in outcomes {
        if !files.contains(&outcome.file.as_str()) {
            files.push(&outcome.file);
        }
    }
    let failed = outcomes.iter().filter(|o| !o.passed()).count();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"smsflow conversation tests\" tests=\"{}\" failures=\"{failed}\">",
        outcomes.len()
    );
    for file in files {
        let cases: Vec<&TestOutcome> = outcomes.iter().filter(|o| o.file == file).collect();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" time=\"{:.3}\">",
            escape(file),
            cases.len(),
            cases.iter().filter(|o| !o.passed()).count(),
            cases.iter().map(|o| o.seconds).sum::<f64>()
        );
        for case in cases {
            let _ = write!(
                xml,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                escape(file),
                escape(&case.name),
                case.seconds
            );
            if case.passed() {
                xml.push_str("/>\n");
            } else {
                let summary = match &case.error {
                    Some(_) => "could not run".to_string(),
                    None => format!("{} turn(s) did not go as expected", case.failures.len()),
                };
                let _ = writeln!(
                    xml,
                    ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                    escape(&summary),
                    escape(&case.explain())
                );
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// Text for XML attributes and content.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // Not allowed in XML 1.0 at all.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(name: &str, failures: Vec<TurnFailure>) -> TestOutcome {
        TestOutcome {
            file: "tests/conversations/leads.yaml".into(),
            name: name.into(),
            turns: 2,
            failures,
            error: None,
            seconds: 0.25,
        }
    }

    #[test]
    fn junit_reports_each_test_and_escapes_what_it_quotes() {
        let failure = TurnFailure {
            turn: 2,
            sent: "a <b> & \"c\"".into(),
            mismatches: vec![Mismatch {
                what: "workflow".into(),
                expected: "Leads".into(),
                got: "(none)".into(),
            }],
            observed: Observed::default(),
        };
        let xml = junit(&[
            outcome("passes", Vec::new()),
            outcome("fails", vec![failure]),
        ]);
        assert!(
            xml.contains(
                "<testsuites name=\"smsflow conversation tests\" tests=\"2\" failures=\"1\">"
            ),
            "{xml}"
        );
        assert!(xml.contains("<testcase classname=\"tests/conversations/leads.yaml\" name=\"passes\" time=\"0.250\"/>"), "{xml}");
        assert!(xml.contains("<failure message=\"1 turn(s) did not go as expected\">  turn 2: &quot;a &lt;b&gt; &amp; \\&quot;c\\&quot;&quot;\n"), "{xml}");
    }
}
