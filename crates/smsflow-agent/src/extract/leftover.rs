//! A free-text value given beside other fields' values: "Laura Sofía Mejía, Compensar" answering
//! the question about the patient and the insurer, "inner forearm, about 4 inches" the one about
//! the placement and the size, "Geico, Alicia Moreno 408-555-0111". The part of the message that
//! no reader took is the one free-text field's answer.

use smsflow_core::{FieldSpec, FieldType};
use std::collections::BTreeMap;

use super::{Extraction, Kind, free_text, is_identifier, kind};
use crate::fields;

/// The most words a part left over holds: a named thing ("Swiss Medical", "inner forearm"), not
/// a sentence about something else.
const MOST_WORDS: usize = 4;

/// Words before a named thing given as the answer: "con GNP", "it's Aetna", "with Cigna".
const LEADS: &[&str] = &[
    "it's ", "its ", "it is ", "is ", "es ", "con ", "with ", "tengo ", "i have ",
];

/// Words that open an aside, not an answer: "oops, the 30th then", "gracias, ...".
const ASIDES: &[&str] = &[
    "oops", "whoops", "sorry", "thanks", "thank", "ty", "uy", "ups", "ay", "perdon", "perdona",
    "disculpa", "disculpe", "gracias",
];

/// The one free-text field asked for and still missing, and the part of `text` that gives none
/// of the values the other readers found, when exactly one part is left and it is short. Only
/// when every value found is one whose words can be told apart (a name, an email, a phone, a
/// number, a day or an hour, an address): a choice or another text may be read from any part.
/// `says_when` tells whether a part gives a day or an hour.
pub(super) fn answer(
    text: &str,
    wanted: &[FieldSpec],
    asked: &[String],
    known: &BTreeMap<String, String>,
    extraction: &Extraction,
    says_when: impl Fn(&str) -> bool,
) -> Option<(String, String)> {
    if !gave_answers(text, extraction) {
        return None;
    }
    let mut free = wanted.iter().filter(|field| {
        asked.iter().any(|a| a == field.as_str())
            && kind(field) == Kind::Labelled
            && !is_identifier(field.as_str())
            && !free_text::is_worded(field)
            && !known.contains_key(field.as_str())
            && !extraction.found.contains_key(field.as_str())
    });
    let field = free.next()?;
    if free.next().is_some() {
        return None;
    }
    // "inner forearm, about 4 inches" to the question about the design: the message answers
    // other questions than the ones asked, and what is left over is one of those.
    if !extraction
        .found
        .keys()
        .any(|name| asked.iter().any(|a| a == name))
    {
        return None;
    }
    let found_values = told_apart(wanted, extraction)?;
    let claimed = |part: &str| {
        gives_a_value(part, &found_values)
            || part.split_whitespace().any(|word| {
                let word = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '.');
                fields::numbers::is_number_word(word)
                    || word.contains('.')
                    || super::says_when(&fields::fold(word))
            })
            || says_when(part)
    };
    // "Olga Batista, born 7/4/1955" when the name reader took none: a name, not the answer.
    let name_missing = wanted
        .iter()
        .any(|field| kind(field) == Kind::Name && !extraction.found.contains_key(field.as_str()));
    let mut left = free_text::after_greeting(text)
        .split([',', ';', '\n', '!'])
        .flat_map(|piece| piece.split(". "))
        .map(|part| part.trim().trim_end_matches('.').trim())
        .filter(|part| !part.is_empty() && !claimed(part));
    let part = left.next()?;
    if left.next().is_some() || part.contains('?') {
        return None;
    }
    let value = super::without_lead(part, LEADS);
    let words: Vec<&str> = value.split_whitespace().collect();
    let first = fields::fold(words.first()?);
    let first = first.trim_matches(|c: char| !c.is_alphanumeric());
    let a_name =
        name_missing && words.len() >= 2 && words.iter().all(|word| super::is_capitalised(word));
    (words.len() <= MOST_WORDS
        && !a_name
        && !ASIDES.contains(&first)
        && !free_text::says_nothing(first)
        && !super::NOT_NAMES.contains(&first))
    .then(|| (field.as_str().to_string(), value.to_string()))
}

/// Whether the message gave values, nothing refused and nothing corrected: a correction's
/// "oops" or "uy perdón" and the wrong value an invalid reading refused are left over too, and
/// neither is an answer.
fn gave_answers(text: &str, extraction: &Extraction) -> bool {
    !extraction.found.is_empty() && extraction.invalid.is_empty() && !fields::is_correction(text)
}

/// The values found, folded, of the fields whose words can be found again in the message (a
/// name, an email, an address); none when a value found could come from any part (a choice,
/// another text).
fn told_apart(wanted: &[FieldSpec], extraction: &Extraction) -> Option<Vec<String>> {
    let mut values = Vec::new();
    for (name, value) in &extraction.found {
        let found = wanted.iter().find(|field| field.as_str() == name)?;
        match kind(found) {
            Kind::Name | Kind::OtherName | Kind::Email | Kind::Typed(FieldType::Address) => {
                values.push(fields::fold(value));
            }
            Kind::Phone
            | Kind::Typed(
                FieldType::Number | FieldType::Date | FieldType::Time | FieldType::Datetime,
            ) => {}
            _ => return None,
        }
    }
    Some(values)
}

/// Whether `part` holds figures, an email address or one of the `values` found (folded).
fn gives_a_value(part: &str, values: &[String]) -> bool {
    let folded = fields::fold(part);
    part.chars().any(|c| c.is_ascii_digit())
        || part.contains('@')
        || values
            .iter()
            .any(|value| folded.contains(value.as_str()) || value.contains(folded.as_str()))
}

/// The fewest words of a request or a note said after the answers.
const FEWEST_NOTE_WORDS: usize = 3;

/// The sentences after the answers, for the one field that holds the texter's own words still
/// missing: "917-555-0135. we need a high chair and one guest is gluten free", "a nombre de
/// Begoña Aranda, 677 889 900. es un cumple, si podéis poner una vela en el postre genial".
/// Every sentence before them gives a value found; none of them does. Not when a description
/// is still missing (the sentences may be it) or another free-text field was asked.
pub(super) fn note_after(
    text: &str,
    wanted: &[FieldSpec],
    asked: &[String],
    known: &BTreeMap<String, String>,
    extraction: &Extraction,
    says_when: impl Fn(&str) -> bool,
) -> Option<(String, String)> {
    if !gave_answers(text, extraction) {
        return None;
    }
    let missing = |field: &&FieldSpec| {
        kind(field) == Kind::Labelled
            && !known.contains_key(field.as_str())
            && !extraction.found.contains_key(field.as_str())
    };
    let mut notes = wanted
        .iter()
        .filter(missing)
        .filter(|field| free_text::is_worded(field));
    let field = notes.next()?;
    let other_free = wanted.iter().filter(missing).any(|other| {
        other != field && (free_text::holds_why(other) || asked.iter().any(|a| a == other.as_str()))
    });
    if notes.next().is_some() || other_free {
        return None;
    }
    let found_values = told_apart(wanted, extraction)?;
    let said = text.trim();
    let mut starts: Vec<usize> = said.match_indices(". ").map(|(at, _)| at + 2).collect();
    starts.insert(0, 0);
    // The first sentence that gives no value; every one before it gives one.
    let first_note = starts.iter().position(|&start| {
        let end = said[start..].find(". ").map_or(said.len(), |at| start + at);
        !gives_a_value(&said[start..end], &found_values) && !says_when(&said[start..end])
    })?;
    if first_note == 0 {
        return None;
    }
    let note = said[starts[first_note]..]
        .trim()
        .trim_end_matches('.')
        .trim();
    let words = note.split_whitespace().count();
    (words >= FEWEST_NOTE_WORDS && !gives_a_value(note, &found_values) && !note.ends_with('?'))
        .then(|| (field.as_str().to_string(), note.to_string()))
}
