//! What the first message asks for, for the one field that holds it: "quería cita para un
//! empaste" = `empaste` for `tratamiento`, "cotización de tarjetas de presentación" for
//! `producto`, "hi need a scale and polish" for `treatment`. Only where the workflow has no
//! field for a description (that one takes the first message) and one free-text field the
//! request can fill.

use smsflow_core::FieldSpec;
use std::collections::BTreeMap;

use super::{Extraction, Kind, free_text, is_identifier, kind};
use crate::fields;

/// Words that ask for the thing named right after them, longest first (folded, after a
/// greeting): a visit for it, a quote for it, an order of it.
const LEADS: &[&str] = &[
    "queria cita para ",
    "quiero cita para ",
    "quisiera cita para ",
    "necesito cita para ",
    "queria turno para ",
    "quiero turno para ",
    "necesito turno para ",
    "queria hora para ",
    "necesito hora para ",
    "quiero hora para ",
    "cotizacion de ",
    "cotizacion para ",
    "presupuesto de ",
    "presupuesto para ",
    "info sobre ",
    "informacion sobre ",
    "quiero encargar ",
    "quisiera encargar ",
    "quiero pedir ",
    "quisiera pedir ",
    "me interesa ",
    "me interesan ",
    "queremos ",
    "quiero ",
    "quisiera ",
    "necesito ",
    "ocupo ",
    "interested in ",
    "can i order ",
    "i'd like to order ",
    "id like to order ",
    "i'd like ",
    "id like ",
    "i need ",
    "we need ",
    "need ",
    "i want ",
    "we want ",
    "want ",
];

/// Articles and possessives between the lead and the thing: "para un empaste", "your payroll
/// software".
const ARTICLES: &[&str] = &[
    "a", "an", "un", "una", "unos", "unas", "some", "your", "tu", "su", "sus",
];

/// Words that end the thing and start what it is for or when: "empanadas de carne para
/// mañana", "a chocolate sheet cake for my dads 70th", "refill pls".
const ENDS: &[&str] = &[
    " para ",
    " pa ",
    " for ",
    " pls",
    " please",
    " por favor",
    " porfa",
];

/// Words in a free-text field's name that say it holds what the texter asks for: a treatment, a
/// product, a service, a course. Other fields (an insurer, a branch, a pet's name) are not
/// what "need a cleaning" or "info del curso" fill.
const REQUESTED: &[&str] = &[
    "treatment",
    "tratamiento",
    "procedure",
    "procedimiento",
    "product",
    "products",
    "producto",
    "productos",
    "service",
    "servicio",
    "course",
    "curso",
    "interest",
    "interes",
    "arrangement",
    "arreglo",
    "obra",
];

/// The most words a thing asked for holds.
const MOST_WORDS: usize = 6;

/// The field the opening message's request fills, and the thing it asks for.
pub(super) fn answer(
    text: &str,
    wanted: &[FieldSpec],
    asked: &[String],
    known: &BTreeMap<String, String>,
    extraction: &Extraction,
) -> Option<(String, String)> {
    if !free_text::is_opening(wanted, asked, known) {
        return None;
    }
    let free: Vec<&FieldSpec> = wanted
        .iter()
        .filter(|field| {
            kind(field) == Kind::Labelled
                && !is_identifier(field.as_str())
                && !free_text::is_worded(field)
        })
        .collect();
    if free.iter().any(|field| free_text::holds_why(field)) {
        return None;
    }
    let [field] = free.as_slice() else {
        return None;
    };
    if !fields::field_says(field.as_str(), REQUESTED)
        || extraction.found.contains_key(field.as_str())
    {
        return None;
    }
    let said = free_text::after_greeting(text);
    let rest = super::without_lead(said, LEADS);
    if rest.len() == said.len() {
        return None;
    }
    let project = free_text::is_project(field);
    let mut thing = rest.split([',', '.', '?', '!', ';', '\n']).next()?.trim();
    if !project {
        for article in ARTICLES {
            if let Some(after) = thing
                .strip_prefix(article)
                .and_then(|after| after.strip_prefix(' '))
            {
                thing = after.trim_start();
                break;
            }
        }
    }
    let folded = fields::fold(thing);
    let end = ENDS
        .iter()
        .filter_map(|end| folded.find(end))
        .min()
        .map(|at| {
            thing
                .char_indices()
                .nth(folded[..at].chars().count())
                .map_or(thing.len(), |(i, _)| i)
        });
    // "un arreglo de rosas rojas y girasoles" for `arreglo`: the roses.
    let thing = free_text::without_own_word(field, end.map_or(thing, |at| &thing[..at]).trim());
    // "interested in the level 2 plumbing course": "the" and "my" go as "a" does, unless the
    // words after say which one.
    let thing = free_text::without_naming_article(field, thing);
    let words: Vec<&str> = thing.split_whitespace().collect();
    let first = fields::fold(words.first()?);
    // "need to move an upright piano", "quiero hacer test drive", "need help with": a verb
    // says what to do, not what; a project holds it ("queremos reformar el baño").
    let a_verb = matches!(first.as_str(), "to" | "help" | "ayuda")
        || (first.len() > 3 && ["ar", "er", "ir"].iter().any(|end| first.ends_with(end)));
    // "need a cleaning, Ana Ruiz": another field's value is no part of the thing.
    let gives_another = extraction
        .found
        .values()
        .any(|value| thing.contains(value.as_str()));
    (words.len() <= MOST_WORDS
        && (project || !a_verb)
        && !gives_another
        && !free_text::says_nothing(&first)
        && !thing.contains(['@', '?']))
    .then(|| (field.as_str().to_string(), thing.to_string()))
}
