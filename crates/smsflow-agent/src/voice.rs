//! One reply in one voice: the parts a turn produces (an opening, the steps' responses, what the
//! steps did, the next question) joined into a single SMS without a sentence said twice, without
//! a second "thanks" or "hi", without template left-overs, and within the segment budget (the
//! least needed parts give way first).

use smsflow_core::sms::{fit_segments, segment_info};
use smsflow_core::text::normalize;
use std::collections::HashSet;

/// What a part of a reply is worth when the segment budget forces a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Weight {
    /// An opening or an acknowledgement: dropped first.
    Courtesy,
    /// A Send Response step's words.
    Step,
    /// A ticket number, a link, the next question: kept.
    Essential,
}

pub struct Part {
    pub text: String,
    pub weight: Weight,
}

impl Part {
    pub fn new(weight: Weight, text: impl Into<String>) -> Part {
        Part {
            text: text.into(),
            weight,
        }
    }
}

/// Words a courtesy sentence opens with: thanks and greetings, in the languages we write.
const COURTESY_OPENERS: &[&str] = &["thank", "hi", "hello", "hey", "gracia", "hola", "buena"];
/// A courtesy sentence this short says nothing else ("Thanks Dana!", "¡Gracias por su interés!").
const COURTESY_MAX_WORDS: usize = 4;

/// The parts as one message of at most `max_segments` SMS segments.
pub fn one_message(parts: &[Part], max_segments: usize) -> String {
    let mut seen = HashSet::new();
    let mut courteous = false;
    let mut sentences: Vec<(Weight, String)> = Vec::new();
    for part in parts {
        for sentence in sentences_of(&without_leftovers(&part.text)) {
            let key = normalize(&sentence);
            // "Hi Dana, what size is your team?" says the question too: the step asking it
            // again is not said twice.
            let after_salutation = after_salutation(&sentence).map(normalize);
            let said = after_salutation
                .as_ref()
                .is_some_and(|rest| seen.contains(rest));
            // A label left without its value ("Book here:" when there is no link yet) would
            // run into the next sentence.
            if sentence.trim_end().ends_with(':')
                || key.trim().is_empty()
                || !seen.insert(key.clone())
                || said
            {
                continue;
            }
            if is_courtesy(&key) {
                if courteous {
                    continue;
                }
                courteous = true;
            }
            if let Some(rest) = after_salutation {
                courteous = true;
                seen.insert(rest);
            }
            sentences.push((part.weight, sentence));
        }
    }
    let joined = |sentences: &[(Weight, String)]| {
        sentences
            .iter()
            .map(|(_, sentence)| sentence.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut message = joined(&sentences);
    for weight in [Weight::Courtesy, Weight::Step] {
        while segment_info(&message).segments > max_segments {
            let Some(first) = sentences.iter().position(|(w, _)| *w == weight) else {
                break;
            };
            sentences.remove(first);
            message = joined(&sentences);
        }
    }
    fit_segments(&message, max_segments)
}

/// A short thank-you or greeting with nothing else in it.
fn is_courtesy(normalized: &str) -> bool {
    let mut words = normalized.split_whitespace();
    words
        .next()
        .is_some_and(|first| COURTESY_OPENERS.contains(&first))
        && normalized.split_whitespace().count() <= COURTESY_MAX_WORDS
}

/// What follows a salutation that opens `sentence` ("what size is your team?" in "Hi Dana, what
/// size is your team?"), if it opens with one.
fn after_salutation(sentence: &str) -> Option<&str> {
    sentence
        .split_once(", ")
        .filter(|(before, after)| !after.trim().is_empty() && is_courtesy(&normalize(before)))
        .map(|(_, after)| after)
}

/// `text` without `{{...}}` placeholders or stray braces a broken template left.
fn without_leftovers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        rest = match rest[open..].find("}}") {
            Some(close) => &rest[open + close + 2..],
            None => &rest[open + 2..],
        };
    }
    out.push_str(rest);
    out.replace("}}", "")
}

/// The sentences of `text`, each ending at `.`, `!` or `?` followed by a space (a link's dots
/// stay inside it), or at a line break.
fn sentences_of(text: &str) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' || c == '\r' {
            push_sentence(&mut sentences, &mut current);
            continue;
        }
        current.push(c);
        let ends =
            matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|next| next.is_whitespace());
        if ends {
            push_sentence(&mut sentences, &mut current);
        }
    }
    push_sentence(&mut sentences, &mut current);
    sentences
}

fn push_sentence(sentences: &mut Vec<String>, current: &mut String) {
    let sentence = current.split_whitespace().collect::<Vec<_>>().join(" ");
    current.clear();
    if sentence.chars().any(char::is_alphanumeric) {
        sentences.push(sentence);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sentence_or_a_thanks_is_said_once() {
        let parts = [
            Part::new(Weight::Courtesy, "Thanks for your interest!"),
            Part::new(
                Weight::Step,
                "Thanks for your interest! Someone will follow up with detailed pricing.",
            ),
            Part::new(Weight::Step, "Thanks Dana! What size is your team?"),
            Part::new(Weight::Essential, "Could I get your email address?"),
        ];
        assert_eq!(
            one_message(&parts, 3),
            "Thanks for your interest! Someone will follow up with detailed pricing. What size is your team? Could I get your email address?"
        );
        let spanish = [
            Part::new(Weight::Courtesy, "¡Gracias por su interés!"),
            Part::new(Weight::Step, "¡Gracias por su interés! Le escribiremos."),
        ];
        assert_eq!(
            one_message(&spanish, 3),
            "¡Gracias por su interés! Le escribiremos."
        );
    }

    #[test]
    fn a_salutation_and_a_question_are_each_said_once() {
        let parts = [
            Part::new(Weight::Step, "Hi Dana, What size is your team? Hi Dana,"),
            Part::new(Weight::Essential, "What size is your team?"),
        ];
        assert_eq!(one_message(&parts, 3), "Hi Dana, What size is your team?");
        let thanked = [
            Part::new(Weight::Courtesy, "Thanks for your interest!"),
            Part::new(Weight::Step, "Thanks Lee, the new way!"),
        ];
        assert_eq!(
            one_message(&thanked, 3),
            "Thanks for your interest! Thanks Lee, the new way!"
        );
        let spanish = [
            Part::new(Weight::Step, "Hola Ana, ¿cuántos son en su equipo?"),
            Part::new(Weight::Essential, "¿Cuántos son en su equipo?"),
        ];
        assert_eq!(
            one_message(&spanish, 3),
            "Hola Ana, ¿cuántos son en su equipo?"
        );
    }

    #[test]
    fn leftovers_go_and_links_stay_whole() {
        let parts = [
            Part::new(Weight::Step, "Your code is {{ code }} - see you }}{{soon"),
            Part::new(
                Weight::Essential,
                "Pick a time here: https://calendly.com/acme/intro?name=Dana.",
            ),
        ];
        assert_eq!(
            one_message(&parts, 3),
            "Your code is - see you soon Pick a time here: https://calendly.com/acme/intro?name=Dana."
        );
    }

    #[test]
    fn the_budget_drops_courtesy_first_and_keeps_the_question() {
        let parts = [
            Part::new(Weight::Courtesy, "Thanks for your interest!"),
            Part::new(Weight::Step, "word ".repeat(25).trim().to_string() + "."),
            Part::new(Weight::Essential, "Could I get your name?"),
        ];
        let message = one_message(&parts, 1);
        assert!(!message.contains("Thanks"), "{message}");
        assert!(message.ends_with("Could I get your name?"), "{message}");
        assert!(segment_info(&message).segments <= 1);
    }
}
