//! A level said in passing, for the field that holds a learner's level: "tengo un A2", "soy
//! principiante total", "tengo nivel básico", "i'm a complete beginner". Said beside other
//! answers or in the first message, before the field is asked. A level is a word of its own
//! (a CEFR grade, "beginner", "intermedio"), so it is found anywhere in the message.

use smsflow_core::FieldSpec;
use std::collections::BTreeMap;

use super::{Extraction, Kind, kind};
use crate::fields;

/// Words in a free-text field's name that say it holds a level.
const LEVEL_FIELDS: &[&str] = &["level", "nivel"];

/// Levels written as a word, folded.
const LEVELS: &[&str] = &[
    "beginner",
    "intermediate",
    "advanced",
    "principiante",
    "basico",
    "basica",
    "intermedio",
    "intermedia",
    "avanzado",
    "avanzada",
];

/// Words that say how much of a beginner, after a level ("principiante total") or before it
/// ("complete beginner"), folded.
const DEGREES: &[&str] = &["total", "absoluto", "absoluta", "complete", "absolute"];

/// The level field and the level the message says, when the field has no value yet.
pub(super) fn answer(
    text: &str,
    wanted: &[FieldSpec],
    known: &BTreeMap<String, String>,
    extraction: &Extraction,
) -> Option<(String, String)> {
    let mut levels = wanted.iter().filter(|field| {
        kind(field) == Kind::Labelled && fields::field_says(field.as_str(), LEVEL_FIELDS)
    });
    let field = levels.next()?;
    if levels.next().is_some()
        || known.contains_key(field.as_str())
        || extraction.found.contains_key(field.as_str())
    {
        return None;
    }
    Some((field.as_str().to_string(), said_level(text)?))
}

/// The level in a message, with the word that says how much: "A2", "principiante total".
fn said_level(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split_whitespace()
        .map(|word| word.trim_matches(|c: char| !c.is_alphanumeric()))
        .collect();
    let folded: Vec<String> = words.iter().map(|word| fields::fold(word)).collect();
    let at = (0..words.len())
        .find(|&at| LEVELS.contains(&folded[at].as_str()) || is_cefr_grade(words[at]))?;
    let degree = |at: usize| {
        folded
            .get(at)
            .is_some_and(|word| DEGREES.contains(&word.as_str()))
    };
    let start = if at > 0 && degree(at - 1) { at - 1 } else { at };
    let end = if degree(at + 1) { at + 2 } else { at + 1 };
    Some(words[start..end].join(" "))
}

/// "A1" to "C2", as written in capitals.
fn is_cefr_grade(word: &str) -> bool {
    matches!(word.as_bytes(), [b'A' | b'B' | b'C', b'1' | b'2'])
}

#[cfg(test)]
mod tests {
    use super::said_level;
    use crate::extract::tests::answer;

    #[test]
    fn a_level_said_in_spanish() {
        assert_eq!(
            said_level("hola, me interesa alemán, tengo un A2").as_deref(),
            Some("A2")
        );
        assert_eq!(
            said_level("quiero arrancar portugués, soy principiante total").as_deref(),
            Some("principiante total")
        );
        assert_eq!(
            said_level("tengo nivel básico, hice un año hace mucho").as_deref(),
            Some("básico")
        );
        assert_eq!(said_level("vivo en el 4B"), None);
    }

    #[test]
    fn a_level_said_in_english_fills_the_field_before_it_is_asked() {
        let course = "name:name,course:text,level:text,email:email";
        let said = answer("hi, german classes? im a complete beginner", course, &[]);
        assert_eq!(
            said.found.get("level").map(String::as_str),
            Some("complete beginner")
        );
        let none = answer("hi, german classes for my son", course, &[]);
        assert_eq!(none.found.get("level"), None);
    }
}
