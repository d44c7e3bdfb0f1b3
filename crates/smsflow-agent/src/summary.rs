//! The ticket summary a support team reads first: which workflow and goal, what we know about the
//! person, and what they said about their problem, in at most [`SUMMARY_MAX_CHARS`] characters.

use smsflow_core::WorkflowSpec;
use smsflow_core::run::SUMMARY_MAX_CHARS;
use smsflow_core::text::shorten;
use std::collections::BTreeMap;
/// The person's sentences kept for the summary, in all (the first ones: that is where the problem is told).
const SAID_MAX_CHARS: usize = 240;
/// One sentence is cut to this.
const SENTENCE_MAX_CHARS: usize = 160;
/// A sentence needs this many words of its own to be worth quoting.
const MIN_OWN_WORDS: usize = 2;

/// Words that say nothing about the request by themselves: greetings, thanks, and the phrasing
/// around a name, an email or a number.
const FILLER: &[&str] = &[
    "hi", "hey", "hello", "thanks", "thank", "you", "ok", "okay", "yes", "no", "sure", "please",
    "i'm", "im", "i", "am", "it's", "its", "this", "is", "my", "name", "from", "with", "at", "and",
    "the", "a", "email", "e-mail", "phone", "number", "cell", "mobile", "me", "here", "it", "call",
    "text", "reach", "on", "of", "for", "we", "we're", "our", "company",
];

/// The sentences of `text` worth quoting in a summary: not greetings or thanks, and not bare
/// answers to our questions (a sentence that is little more than known `values`).
pub fn key_sentences(text: &str, values: &BTreeMap<String, String>) -> Vec<String> {
    let known: Vec<String> = values
        .values()
        .flat_map(|value| value.split_whitespace())
        .map(str::to_lowercase)
        .collect();
    text.split(['.', '!', '?', '\n', ';'])
        .map(str::trim)
        .filter(|sentence| {
            let own = sentence
                .split(|c: char| c.is_whitespace() || c == ',')
                .map(|word| {
                    word.trim_matches(|c: char| !c.is_alphanumeric())
                        .to_lowercase()
                })
                .filter(|word| {
                    // A word with a letter that is not an email, a known value or filler.
                    word.chars().any(char::is_alphabetic)
                        && !word.contains('@')
                        && !known.contains(word)
                        && !FILLER.contains(&word.as_str())
                })
                .count();
            own >= MIN_OWN_WORDS
        })
        .map(|sentence| shorten(sentence, SENTENCE_MAX_CHARS))
        .collect()
}

/// Adds the key sentences of `text` to `said`, within [`SAID_MAX_CHARS`] in all, each once.
pub fn remember(said: &mut Vec<String>, text: &str, values: &BTreeMap<String, String>) {
    for sentence in key_sentences(text, values) {
        let used: usize = said.iter().map(|s| s.chars().count()).sum();
        if used + sentence.chars().count() > SAID_MAX_CHARS {
            break;
        }
        if !said.contains(&sentence) {
            said.push(sentence);
        }
    }
}

/// "Urgent support (help desk support). Name: Dana; email: dana@bluefin.example. Said: \"my
/// dishwasher is leaking\"", shortened to [`SUMMARY_MAX_CHARS`].
pub fn ticket_summary(
    spec: &WorkflowSpec,
    fields: &BTreeMap<String, String>,
    said: &[String],
) -> String {
    let mut summary = format!("{} ({}).", spec.name, spec.goal.as_str().replace('_', " "));
    if !fields.is_empty() {
        let known: Vec<String> = fields
            .iter()
            .map(|(field, value)| format!("{}: {value}", field.replace('_', " ")))
            .collect();
        summary.push(' ');
        summary.push_str(&capitalised(&known.join("; ")));
        summary.push('.');
    }
    if !said.is_empty() {
        let quoted: Vec<String> = said.iter().map(|s| format!("\"{s}\"")).collect();
        summary.push_str(" Said: ");
        summary.push_str(&quoted.join(" "));
    }
    shorten(&summary, SUMMARY_MAX_CHARS)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::tests::values;
    use smsflow_core::WorkflowDraft;

    #[test]
    fn greetings_and_bare_answers_are_not_key_sentences() {
        let known = values(&[
            ("name", "Dana"),
            ("company", "Blue Fin Sushi"),
            ("email", "dana@bluefin.example"),
        ]);
        for text in [
            "hi",
            "thanks!",
            "I'm Dana from Blue Fin Sushi",
            "dana@bluefin.example, 415 555 0111",
            "Name: Dana",
        ] {
            assert_eq!(key_sentences(text, &known), Vec::<String>::new(), "{text}");
        }
        assert_eq!(
            key_sentences(
                "Hi, I'm Dana. The walk-in freezer stopped cooling overnight! Call me.",
                &known
            ),
            ["The walk-in freezer stopped cooling overnight"]
        );
    }

    #[test]
    fn what_was_said_is_bounded_and_kept_once() {
        let mut said = Vec::new();
        remember(
            &mut said,
            "my sink is leaking. my sink is leaking",
            &values(&[]),
        );
        assert_eq!(said, ["my sink is leaking"]);
        for _ in 0..20 {
            remember(
                &mut said,
                "water is all over the kitchen floor and rising",
                &values(&[]),
            );
            remember(&mut said, &"x ".repeat(40), &values(&[]));
        }
        assert!(said.iter().map(|s| s.chars().count()).sum::<usize>() <= SAID_MAX_CHARS);
        assert_eq!(said[0], "my sink is leaking", "the first words are kept");
    }

    #[test]
    fn the_summary_has_the_goal_the_fields_and_the_words_within_the_limit() {
        let spec = serde_json::from_value::<WorkflowDraft>(serde_json::json!({
            "name": "Urgent support", "goal": "help_desk_support",
            "steps": [{"type": "create_support_ticket", "priority": "high"}]
        }))
        .unwrap()
        .validate()
        .unwrap();
        let fields = values(&[("email", "dana@bluefin.example"), ("name", "Dana")]);
        assert_eq!(
            ticket_summary(&spec, &fields, &["my dishwasher is leaking".into()]),
            "Urgent support (help desk support). Email: dana@bluefin.example; name: Dana. Said: \"my dishwasher is leaking\""
        );
        assert_eq!(
            ticket_summary(&spec, &values(&[]), &[]),
            "Urgent support (help desk support)."
        );
        let long = vec!["the garage door opener stopped working again ".repeat(3); 3];
        let summary = ticket_summary(&spec, &fields, &long);
        assert!(summary.chars().count() <= SUMMARY_MAX_CHARS, "{summary}");
        assert!(summary.starts_with("Urgent support (help desk support). Email"));
    }
}
