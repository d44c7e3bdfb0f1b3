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

/// Leads that say what the thing is ("it's a", "es un"), whose article is no part of it.
const COPULAS: &[&str] = &["it's ", "its ", "it is ", "es "];

/// The indefinite article after a copula: "es un bautizo", "it's a baby shower".
const ARTICLES: &[&str] = &["a ", "an ", "un ", "una "];

/// Words that open an aside, not an answer: "oops, the 30th then", "gracias, ...".
pub(super) const ASIDES: &[&str] = &[
    "oops", "whoops", "sorry", "thanks", "thank", "ty", "uy", "ups", "ay", "perdon", "perdona",
    "disculpa", "disculpe", "gracias",
];

/// The one free-text field asked for and still missing, and the part of `text` that gives none
/// of the values the other readers found, when exactly one part is left and it is short. Only
/// when every value found is one whose words can be told apart (a name, an email, a phone, a
/// number, a day or an hour, an address) or a choice the part that gives it gives again alone
/// (`gives_choice(field, part)`: "wool coat, too big" to the questions about the item and the
/// reason): another text may be read from any part. `says_when` tells whether a part gives a
/// day or an hour. When the free-text field is the only one still open, what is left answers
/// it even beside answers to other questions ("power of attorney, somos dos firmando"), and,
/// not asked, when it says what the thing is ("a las 8, es una despedida de soltera").
pub(super) fn answer(
    text: &str,
    wanted: &[FieldSpec],
    asked: &[String],
    known: &BTreeMap<String, String>,
    extraction: &Extraction,
    says_when: impl Fn(&str) -> bool,
    gives_choice: impl Fn(&str, &str) -> bool,
) -> Option<(String, String)> {
    if !gave_answers(text, extraction) {
        return None;
    }
    let is_asked = |field: &FieldSpec| asked.iter().any(|a| a == field.as_str());
    // Every free-text field still missing: a notes field may take what is left over too.
    let open: Vec<&FieldSpec> = wanted
        .iter()
        .filter(|field| {
            kind(field) == Kind::Labelled
                && !is_identifier(field.as_str())
                && !known.contains_key(field.as_str())
                && !extraction.found.contains_key(field.as_str())
        })
        .collect();
    let mut free = open
        .iter()
        .filter(|field| is_asked(field) && !free_text::is_worded(field));
    let (field, told) = match (free.next(), free.next()) {
        (Some(field), None) => (*field, false),
        (None, _) => match open.as_slice() {
            [only] if !free_text::is_worded(only) => (*only, true),
            _ => return None,
        },
        _ => return None,
    };
    // "inner forearm, about 4 inches" to the question about the design: the message answers
    // other questions than the ones asked, and what is left over may be another's answer.
    if open.len() > 1
        && !extraction
            .found
            .keys()
            .any(|name| asked.iter().any(|a| a == name))
    {
        return None;
    }
    let (found_values, choices) = told_apart_or_chosen(wanted, extraction)?;
    let counted = extraction.found.keys().any(|name| {
        wanted
            .iter()
            .any(|field| field.as_str() == name && field.kind == FieldType::Number)
    });
    let claimed = |part: &str| {
        // "es un bautizo": an article, not a count.
        let part = what_it_is(part).unwrap_or(part);
        gives_a_value(part, &found_values)
            || choices.iter().any(|choice| gives_choice(choice, part))
            || part.split_whitespace().any(|word| {
                let word = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '.');
                // "una vela" counts nothing when no count was read.
                (fields::numbers::is_number_word(word)
                    && (counted
                        || !ARTICLES.contains(&format!("{} ", word.to_lowercase()).as_str())))
                    || word.contains('.')
                    || super::says_when(&fields::fold(word))
            })
            || says_when(part)
            || says_who_the_texter_is(part)
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
    let sort = what_it_is(part);
    if told && sort.is_none() {
        return None;
    }
    let value = sort.unwrap_or_else(|| super::without_lead(part, LEADS));
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

/// Words for who the texter is to the one they write about (folded).
const RELATIONS: &[&str] = &[
    "mom", "mother", "dad", "father", "son", "daughter", "wife", "husband", "sister", "brother",
    "owner", "guardian", "mama", "madre", "papa", "padre", "hijo", "hija", "esposa", "esposo",
    "hermana", "hermano", "nieto", "nieta", "dueno", "duena", "tutor", "tutora",
];

/// Whether `part` only says who the texter is to someone: "soy la mamá" beside the mother's
/// name, "this is her son" (test17, test18); such a part answers the question about the
/// texter, not a free-text one.
fn says_who_the_texter_is(part: &str) -> bool {
    let folded = fields::fold(part);
    let Some(rest) = ["soy ", "i'm ", "im ", "i am ", "this is "]
        .iter()
        .find_map(|lead| folded.strip_prefix(lead))
    else {
        return false;
    };
    let words: Vec<&str> = rest.split_whitespace().collect();
    let relation = match words.as_slice() {
        [one] => one,
        [article, one] if ["la", "el", "su", "his", "her", "their", "the"].contains(article) => one,
        _ => return false,
    };
    RELATIONS.contains(&relation.trim_matches(|c: char| !c.is_alphanumeric()))
}

/// What `part` says a thing is, without the copula and its article: "es un bautizo" =
/// `bautizo`, "it's a baby shower" = `baby shower`.
pub(super) fn what_it_is(part: &str) -> Option<&str> {
    let after = super::without_lead(part, COPULAS);
    let sort = super::without_lead(after, ARTICLES);
    (after.len() < part.trim().len() && sort.len() < after.len()).then_some(sort)
}

/// The values found whose words can be found again (see [`told_apart`]), and the choice fields
/// found, whose part a reader finds again; none when another text was found.
fn told_apart_or_chosen(
    wanted: &[FieldSpec],
    extraction: &Extraction,
) -> Option<(Vec<String>, Vec<String>)> {
    let is_choice = |name: &str| {
        wanted
            .iter()
            .any(|field| field.as_str() == name && field.kind == FieldType::Choice)
    };
    let mut others = extraction.clone();
    others.found.retain(|name, _| !is_choice(name));
    let chosen = extraction
        .found
        .keys()
        .filter(|name| is_choice(name))
        .cloned()
        .collect();
    Some((told_apart(wanted, &others)?, chosen))
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
