//! Compares what a conversation did with what its test expects, turn by turn, and writes the
//! differences as a readable diff. One evaluator for every way of texting (simulator, webhooks).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::format::{ConversationTest, Language, Turn};
use super::observe::Observed;

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Mismatch {
    /// What was checked: `workflow`, `fields.email`, `reply contains`, ...
    pub what: String,
    pub expected: String,
    pub got: String,
}

/// A turn whose expectations did not all hold, with what it did, for the reader.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TurnFailure {
    /// 1-based.
    pub turn: usize,
    pub sent: String,
    pub mismatches: Vec<Mismatch>,
    pub observed: Observed,
}

/// Every failing turn of the test (empty: it passed). Beyond the turns' own expectations, no field
/// may be asked for again once the person gave it.
pub fn evaluate(test: &ConversationTest, observed: &[Observed]) -> Vec<TurnFailure> {
    let empty = Observed::default();
    // Field -> the turn (1-based) it was first known after.
    let mut known: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (index, (turn, now)) in test.turns.iter().zip(observed).enumerate() {
        let before = index.checked_sub(1).map_or(&empty, |i| &observed[i]);
        let mut mismatches = check_turn(turn, before, now);
        for field in &now.asked_for {
            if let Some(given) = known.get(field.as_str()) {
                mismatches.push(Mismatch {
                    what: "asked twice".into(),
                    expected: format!("{field} is not asked for again (known since turn {given})"),
                    got: format!("the reply asks for {field}"),
                });
            }
        }
        for field in now.fields.keys() {
            known.entry(field.as_str()).or_insert(index + 1);
        }
        if !mismatches.is_empty() {
            failures.push(TurnFailure {
                turn: index + 1,
                sent: turn.send.clone(),
                mismatches,
                observed: now.clone(),
            });
        }
    }
    failures
}

/// The mismatches of one turn, in the order the test names its expectations.
struct Diff(Vec<Mismatch>);

impl Diff {
    fn differ(&mut self, what: &str, expected: String, got: String) {
        self.0.push(Mismatch {
            what: what.to_string(),
            expected,
            got,
        });
    }

    fn expect(&mut self, what: &str, expected: String, got: String) {
        if expected != got {
            self.differ(what, expected, got);
        }
    }
}

fn check_turn(turn: &Turn, before: &Observed, now: &Observed) -> Vec<Mismatch> {
    let mut diff = Diff(Vec::new());
    if let Some(workflow) = &turn.workflow {
        diff.expect(
            "workflow",
            or_none(workflow.as_deref()),
            or_none(now.workflow.as_deref()),
        );
    }
    for (field, value) in &turn.fields {
        let got = now.fields.get(field).map(|v| format!("{v:?}"));
        diff.expect(
            &format!("fields.{field}"),
            value
                .as_ref()
                .map_or("(not known)".into(), |v| format!("{v:?}")),
            got.unwrap_or_else(|| "(not known)".into()),
        );
    }
    let opened = &now.tickets[before.tickets.len().min(now.tickets.len())..];
    if let Some(ticket) = &turn.ticket {
        if let Some(wanted) = ticket.opened {
            diff.expect(
                "ticket.opened",
                wanted.to_string(),
                (!opened.is_empty()).to_string(),
            );
        }
        if let Some(priority) = ticket.priority {
            diff.expect(
                "ticket.priority",
                priority.as_str().to_string(),
                opened
                    .last()
                    .map_or("(no ticket opened on this turn)".into(), |(_, p)| {
                        p.as_str().to_string()
                    }),
            );
        }
    }
    if let Some(record) = &turn.record {
        let saved = now
            .records
            .iter()
            .find(|(collection, _)| *collection == record.collection);
        match saved {
            None => diff.expect(
                "record",
                format!("a record in {}", record.collection),
                if now.records.is_empty() {
                    "no record saved".into()
                } else {
                    let names: Vec<&str> = now.records.iter().map(|(c, _)| c.as_str()).collect();
                    format!("records in {}", names.join(", "))
                },
            ),
            Some((_, fields)) => {
                for (field, value) in &record.fields {
                    diff.expect(
                        &format!("record.{}.{field}", record.collection),
                        format!("{value:?}"),
                        fields
                            .get(field)
                            .map_or("(not saved)".into(), |v| format!("{v:?}")),
                    );
                }
            }
        }
    }
    let reply = now.replies.join("\n");
    if let Some(wanted) = &turn.reply {
        let lowered = reply.to_lowercase();
        let ticket = now.tickets.last().map(|(number, _)| number.as_str());
        for (phrases, should_contain) in [(&wanted.contains, true), (&wanted.not_contains, false)] {
            for phrase in phrases {
                let what = if should_contain {
                    "reply contains"
                } else {
                    "reply does not contain"
                };
                let phrase = match (phrase.contains("{{ticket}}"), ticket) {
                    (false, _) => phrase.clone(),
                    (true, Some(number)) => phrase.replace("{{ticket}}", number),
                    (true, None) => {
                        diff.differ(
                            what,
                            phrase.clone(),
                            "no ticket to stand for {{ticket}}".into(),
                        );
                        continue;
                    }
                };
                if lowered.contains(&phrase.to_lowercase()) != should_contain {
                    diff.differ(what, format!("{phrase:?}"), format!("{reply:?}"));
                }
            }
        }
    }
    if let Some(handoff) = turn.handoff {
        diff.expect("handoff", handoff.to_string(), now.handoff.to_string());
    }
    if let Some(language) = turn.language {
        let got = if reply.is_empty() {
            "(no reply)".to_string()
        } else {
            detect_language(&reply).map_or("(undetermined)".into(), |l| l.as_str().to_string())
        };
        diff.expect("language", language.as_str().to_string(), got);
    }
    if let Some(silent) = turn.no_reply {
        diff.expect(
            "no_reply",
            if silent { "no reply" } else { "a reply" }.to_string(),
            if reply.is_empty() {
                "no reply"
            } else {
                "a reply"
            }
            .to_string(),
        );
    }
    diff.0
}

fn or_none(name: Option<&str>) -> String {
    name.map_or("(none)".into(), str::to_string)
}

/// The language a reply is written in, of the ones tests name. Short replies full of names fool
/// letter statistics, so the common little words of each language decide first; `whatlang` decides
/// a tie. Links, addresses and numbers are left out: they read as no language.
pub fn detect_language(text: &str) -> Option<Language> {
    const ENGLISH: &[&str] = &[
        "the", "you", "your", "to", "and", "a", "for", "i", "we", "is", "can", "will", "here",
        "of", "it", "thanks", "please", "our", "with", "that", "get", "could", "what", "someone",
    ];
    const SPANISH: &[&str] = &[
        "el", "la", "los", "las", "de", "que", "y", "en", "por", "para", "tu", "su", "un", "una",
        "es", "gracias", "te", "se", "nos", "con", "del", "aquí", "puedo", "alguien", "tus",
    ];
    let words: Vec<String> = text
        .split_whitespace()
        .filter(|word| {
            !word.contains("://")
                && !word.contains('@')
                && !word.chars().any(|c| c.is_ascii_digit())
        })
        .map(|word| {
            word.trim_matches(|c: char| !c.is_alphabetic())
                .to_lowercase()
        })
        .filter(|word| !word.is_empty())
        .collect();
    let count = |list: &[&str]| words.iter().filter(|w| list.contains(&w.as_str())).count();
    match count(ENGLISH).cmp(&count(SPANISH)) {
        std::cmp::Ordering::Greater => Some(Language::En),
        std::cmp::Ordering::Less => Some(Language::Es),
        std::cmp::Ordering::Equal => {
            let detector =
                whatlang::Detector::with_allowlist(vec![whatlang::Lang::Eng, whatlang::Lang::Spa]);
            match detector.detect_lang(&words.join(" "))? {
                whatlang::Lang::Spa => Some(Language::Es),
                _ => Some(Language::En),
            }
        }
    }
}

/// The failures as a diff a person reads: per turn, what was sent, each expectation against what
/// happened, and the reply.
pub fn render(failures: &[TurnFailure]) -> String {
    let mut out = String::new();
    for failure in failures {
        let _ = writeln!(out, "  turn {}: {:?}", failure.turn, failure.sent);
        let width = failure
            .mismatches
            .iter()
            .map(|m| m.what.len())
            .max()
            .unwrap_or(0);
        for mismatch in &failure.mismatches {
            let _ = writeln!(
                out,
                "    {:<width$}  expected: {}\n    {:<width$}  got:      {}",
                mismatch.what, mismatch.expected, "", mismatch.got
            );
        }
        let observed = &failure.observed;
        let _ = writeln!(
            out,
            "    handled by {} ({})",
            or_none(observed.workflow.as_deref()),
            observed.why
        );
        match observed.replies.as_slice() {
            [] => {
                let _ = writeln!(out, "    no reply");
            }
            replies => {
                for reply in replies {
                    let _ = writeln!(out, "    reply: {reply:?}");
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation_tests::format::parse;
    use smsflow_core::TicketPriority;
    use std::path::Path;

    fn test(yaml: &str) -> ConversationTest {
        parse(Path::new("t.yaml"), yaml).unwrap().tests.remove(0)
    }

    fn turn(workflow: &str, reply: &str, fields: &[(&str, &str)], asked: &[&str]) -> Observed {
        Observed {
            workflow: Some(workflow.into()),
            why: "matched".into(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            asked_for: asked.iter().map(|f| f.to_string()).collect(),
            replies: vec![reply.into()],
            ..Observed::default()
        }
    }

    #[test]
    fn a_matching_conversation_passes() {
        let test = test(
            r#"
tests:
  - name: lead
    turns:
      - send: pricing?
        workflow: Leads
        reply: {contains: ["YOUR NAME"], not_contains: [ticket]}
        language: en
      - send: Dana, d@x.io
        fields: {name: Dana, phone: null}
        ticket: {opened: true, priority: high}
        reply: {contains: ["{{ticket}}"]}
"#,
        );
        let mut second = turn(
            "Leads",
            "Thanks Dana, ticket T-ABCDEF is open.",
            &[("name", "Dana")],
            &[],
        );
        second.tickets = vec![("T-ABCDEF".into(), TicketPriority::High)];
        let observed = [
            turn(
                "Leads",
                "Thanks for your interest! Could I get your name?",
                &[],
                &["name"],
            ),
            second,
        ];
        assert!(evaluate(&test, &observed).is_empty());
    }

    #[test]
    fn each_difference_is_named_with_what_was_expected_and_what_happened() {
        let test = test(
            r#"
tests:
  - name: lead
    turns:
      - send: pricing?
        workflow: Leads
      - send: Dana
        workflow: Leads
        fields: {name: Dana, email: d@x.io}
        ticket: {opened: true}
        language: es
        no_reply: true
"#,
        );
        let observed = [
            turn(
                "Leads",
                "Could I get your name?",
                &[("name", "Dana")],
                &["name"],
            ),
            turn(
                "Everything else",
                "Thanks for your message! Could I get your name?",
                &[("name", "Dana")],
                &["name"],
            ),
        ];
        let failures = evaluate(&test, &observed);
        assert_eq!(failures.len(), 1);
        let what: Vec<&str> = failures[0]
            .mismatches
            .iter()
            .map(|m| m.what.as_str())
            .collect();
        assert_eq!(
            what,
            [
                "workflow",
                "fields.email",
                "ticket.opened",
                "language",
                "no_reply",
                "asked twice"
            ]
        );
        let diff = render(&failures);
        assert!(diff.contains("  turn 2: \"Dana\"\n"), "{diff}");
        assert!(
            diff.contains(
                "    workflow       expected: Leads\n                   got:      Everything else\n"
            ),
            "{diff}"
        );
        assert!(diff.contains("expected: \"d@x.io\""), "{diff}");
        assert!(diff.contains("got:      (not known)"), "{diff}");
        assert!(
            diff.contains("name is not asked for again (known since turn 1)"),
            "{diff}"
        );
    }

    #[test]
    fn reply_language_is_read_from_the_words() {
        assert_eq!(
            detect_language(
                "Thanks for your interest! Could I get your name and your email address?"
            ),
            Some(Language::En)
        );
        assert_eq!(
            detect_language("¡Gracias por tu interés! ¿Me das tu nombre y tu correo electrónico?"),
            Some(Language::Es)
        );
        assert_eq!(
            detect_language(
                "Gracias, tu ticket es T-4KQ7ZP. https://calendly.com/acme/visit?name=Ana"
            ),
            Some(Language::Es)
        );
    }
}
