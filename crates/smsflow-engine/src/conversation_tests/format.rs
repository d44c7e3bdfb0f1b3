//! The YAML format of conversation tests: a file holds one or more whole conversations, each a list
//! of turns (what the person sends, what must happen). Unknown keys are refused with their path, so
//! a misspelt expectation never passes by checking nothing.

use serde::{Deserialize, Deserializer};
use smsflow_core::TicketPriority;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One file of conversation tests.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    pub tests: Vec<ConversationTest>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConversationTest {
    pub name: String,
    /// The person's number (E.164); [`DEFAULT_FROM`] when absent.
    #[serde(default)]
    pub from: Option<String>,
    /// Our number they text; the installation's default number when absent.
    #[serde(default)]
    pub to: Option<String>,
    /// A workflows file (relative to this test file) to run against instead of the workflows under
    /// test.
    #[serde(default)]
    pub workflows: Option<PathBuf>,
    pub turns: Vec<Turn>,
}

/// The person's number when a test names none.
pub const DEFAULT_FROM: &str = "+15550001111";

/// One text from the person and what must follow it. Absent expectations are not checked.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    pub send: String,
    /// The workflow that handles the text; `null` for none (a carrier keyword, or no match).
    #[serde(default, deserialize_with = "present")]
    pub workflow: Option<Option<String>>,
    /// Fields the run knows after this turn (a subset); `null` means the field must not be known.
    #[serde(default)]
    pub fields: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub ticket: Option<TicketExpectation>,
    #[serde(default)]
    pub record: Option<RecordExpectation>,
    #[serde(default)]
    pub reply: Option<ReplyExpectation>,
    /// The conversation is (true) or is not (false) handed to a person after this turn.
    #[serde(default)]
    pub handoff: Option<bool>,
    /// The language the reply is written in.
    #[serde(default)]
    pub language: Option<Language>,
    /// True: nothing is sent back. False: something is.
    #[serde(default)]
    pub no_reply: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketExpectation {
    /// A ticket was (true) or was not (false) opened on this turn.
    #[serde(default)]
    pub opened: Option<bool>,
    /// The priority of the ticket opened on this turn.
    #[serde(default)]
    pub priority: Option<TicketPriority>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordExpectation {
    /// The Save to Database step's table.
    pub collection: String,
    /// Fields the conversation's record holds (a subset).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// Phrases the reply must and must not contain, compared without regard to case. `{{ticket}}` in a
/// phrase stands for the number of the conversation's latest ticket.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyExpectation {
    #[serde(default)]
    pub contains: Vec<String>,
    #[serde(default)]
    pub not_contains: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Es,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
        }
    }
}

/// A key that is present, even with `null`: `Some(None)`; absent keys stay `None` by `default`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

/// A conversation test with the file it came from, for reports and relative paths.
#[derive(Debug, Clone)]
pub struct LoadedTest {
    pub file: PathBuf,
    pub test: ConversationTest,
}

impl LoadedTest {
    /// The workflows file the test names, resolved against its own file's folder.
    pub fn workflows_file(&self) -> Option<PathBuf> {
        let named = self.test.workflows.as_ref()?;
        let base = self.file.parent().unwrap_or(Path::new("."));
        Some(base.join(named))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {at}: {message}")]
    Invalid {
        path: PathBuf,
        /// Where in the file: `tests[0].turns[2].reply.contain`.
        at: String,
        message: String,
    },
    #[error(
        "{0} has no conversation tests: a directory's .yaml and .yml files are read (not its subdirectories)"
    )]
    Empty(PathBuf),
}

/// Parses one file's text, reporting the path of the first key or value that does not fit.
pub fn parse(path: &Path, text: &str) -> Result<TestFile, FormatError> {
    let invalid = |at: String, message: String| FormatError::Invalid {
        path: path.to_path_buf(),
        at,
        message,
    };
    let deserializer = serde_norway::Deserializer::from_str(text);
    let file: TestFile = serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let at = error.path().to_string();
        let mut message = error.into_inner().to_string();
        // The YAML reader names the enclosing path itself; the full path is said once, first.
        if let Some((prefix, rest)) = message.split_once(": ")
            && at.starts_with(prefix)
        {
            message = rest.to_string();
        }
        invalid(if at == "." { "file".into() } else { at }, message)
    })?;
    for (i, test) in file.tests.iter().enumerate() {
        if test.name.trim().is_empty() {
            return Err(invalid(
                format!("tests[{i}].name"),
                "must not be empty".into(),
            ));
        }
        if test.turns.is_empty() {
            return Err(invalid(
                format!("tests[{i}].turns"),
                "a test needs at least one turn".into(),
            ));
        }
        for (number, from) in [("from", &test.from), ("to", &test.to)] {
            if let Some(value) = from.as_ref().filter(|n| !smsflow_core::sms::is_e164(n)) {
                return Err(invalid(
                    format!("tests[{i}].{number}"),
                    format!(
                        "{value:?} is not an E.164 number: write + and the country code, e.g. +15550001111"
                    ),
                ));
            }
        }
    }
    Ok(file)
}

/// Every test of these files and directories (a directory: its `.yaml` and `.yml` files, sorted,
/// not its subdirectories), in order.
pub fn load(paths: &[PathBuf]) -> Result<Vec<LoadedTest>, FormatError> {
    let mut tests = Vec::new();
    for path in paths {
        let files = if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| FormatError::Read {
                path: path.clone(),
                source,
            })?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|file| {
                    file.is_file()
                        && file
                            .extension()
                            .is_some_and(|ext| ext == "yaml" || ext == "yml")
                })
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(FormatError::Empty(path.clone()));
            }
            files
        } else {
            vec![path.clone()]
        };
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|source| FormatError::Read {
                path: file.clone(),
                source,
            })?;
            tests.extend(
                parse(&file, &text)?
                    .tests
                    .into_iter()
                    .map(|test| LoadedTest {
                        file: file.clone(),
                        test,
                    }),
            );
        }
    }
    Ok(tests)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<TestFile, String> {
        parse(Path::new("t.yaml"), text).map_err(|error| error.to_string())
    }

    #[test]
    fn a_whole_conversation_reads() {
        let file = parsed(
            r#"
tests:
  - name: a lead
    from: "+14155550111"
    turns:
      - send: hi, pricing please
        workflow: Lead capture
        reply: {contains: [your name], not_contains: [ticket]}
        language: en
      - send: STOP
        workflow: null
        ticket: {opened: false}
      - send: Dana, dana@example.com
        fields: {name: Dana, phone: null}
        record: {collection: leads, fields: {name: Dana}}
        handoff: false
        no_reply: false
"#,
        )
        .unwrap();
        let turns = &file.tests[0].turns;
        assert_eq!(turns[0].workflow, Some(Some("Lead capture".into())));
        assert_eq!(turns[1].workflow, Some(None));
        assert_eq!(turns[2].workflow, None);
        assert_eq!(turns[2].fields["phone"], None);
        assert_eq!(turns[0].language, Some(Language::En));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused_with_their_path() {
        let error = parsed(
            "tests:\n  - name: x\n    turns:\n      - send: hi\n        reply: {contain: [a]}\n",
        )
        .unwrap_err();
        assert!(
            error.starts_with("t.yaml: tests[0].turns[0].reply.contain: unknown field `contain`"),
            "{error}"
        );
        let error =
            parsed("tests:\n  - name: x\n    turns:\n      - send: hi\n        language: fr\n")
                .unwrap_err();
        assert!(
            error.starts_with("t.yaml: tests[0].turns[0].language: unknown variant `fr`"),
            "{error}"
        );
        let error = parsed("tests:\n  - name: x\n    turns: []\n").unwrap_err();
        assert_eq!(
            error,
            "t.yaml: tests[0].turns: a test needs at least one turn"
        );
        let error =
            parsed("tests:\n  - name: x\n    from: '555'\n    turns: [{send: hi}]\n").unwrap_err();
        assert!(
            error.starts_with("t.yaml: tests[0].from: \"555\" is not an E.164"),
            "{error}"
        );
    }
}
