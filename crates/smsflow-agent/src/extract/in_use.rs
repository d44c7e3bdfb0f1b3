//! What the texter uses or is covered by now, for the field that holds it (a current tool, an
//! insurer), said beside other answers or before that field is asked: "ahorita usamos Excel para
//! todo", "currently juggling everything in Airtable", "i have Delta Dental", "currently with
//! Intact, renewal next month". The name must be written as a product or a company is: each word
//! capitalised ("Delta Dental", "GNP"); "we use spreadsheets" is left to the other readers.

use smsflow_core::FieldSpec;
use std::collections::BTreeMap;

use super::{Extraction, Kind, kind};
use crate::fields;

/// Words in a free-text field's name that say it holds a tool, a system or a provider.
const HOLDERS: &[&str] = &[
    "tool",
    "tools",
    "herramienta",
    "software",
    "sistema",
    "platform",
    "plataforma",
    "insurer",
    "insurance",
    "aseguradora",
    "provider",
    "proveedor",
];

/// Words in a field's name that say it holds something else about the tool or the insurer: a
/// claim, a number, whether one is needed.
const NOT_HOLDERS: &[&str] = &[
    "claim", "required", "number", "numero", "id", "name", "nombre",
];

/// Folded words right before the name, each with the word that must come before it (or none):
/// "we use X", "currently with X", "everything in X", "i have X", "usamos X", "estamos con X".
const CUES: &[(Option<&str>, &str)] = &[
    (None, "use"),
    (None, "using"),
    (None, "usamos"),
    (None, "uso"),
    (None, "utilizamos"),
    (None, "utilizo"),
    (Some("currently"), "with"),
    (Some("currently"), "on"),
    (Some("currently"), "in"),
    (Some("everything"), "in"),
    (Some("i"), "have"),
    (Some("we"), "have"),
    (Some("i'm"), "with"),
    (Some("im"), "with"),
    (Some("we're"), "with"),
    (Some("were"), "with"),
    (Some("estamos"), "con"),
    (Some("estoy"), "con"),
    (Some("trabajamos"), "con"),
    (Some("todo"), "en"),
];

/// The field that holds what the texter uses, and the name they use, when the field has no value
/// yet or holds the whole message the name was said in. `says_when` tells a day or an hour
/// ("i have Monday off") from a name.
pub(super) fn answer(
    text: &str,
    wanted: &[FieldSpec],
    known: &BTreeMap<String, String>,
    extraction: &Extraction,
    says_when: impl Fn(&str) -> bool,
) -> Option<(String, String)> {
    let mut holders = wanted.iter().filter(|field| holds_what_is_used(field));
    let field = holders.next()?;
    if holders.next().is_some() || known.contains_key(field.as_str()) {
        return None;
    }
    let name = named_after_cue(text).filter(|name| !says_when(name))?;
    match extraction.found.get(field.as_str()) {
        None => Some((field.as_str().to_string(), name)),
        // The whole message taken as the answer: only the name.
        Some(found) if found.len() > name.len() && found.contains(&name) => {
            Some((field.as_str().to_string(), name))
        }
        Some(_) => None,
    }
}

/// Whether a free-text field holds a tool, a system or a provider the texter uses.
pub(super) fn holds_what_is_used(field: &FieldSpec) -> bool {
    kind(field) == Kind::Labelled
        && fields::field_says(field.as_str(), HOLDERS)
        && !fields::field_says(field.as_str(), NOT_HOLDERS)
}

/// The capitalised words right after a cue, up to the first word that is not or ends a clause.
fn named_after_cue(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let folded: Vec<String> = words.iter().map(|word| fields::fold(word)).collect();
    let at = (0..words.len()).find(|&at| {
        CUES.iter().any(|(before, cue)| {
            folded[at] == *cue && before.is_none_or(|before| at > 0 && folded[at - 1] == before)
        })
    })?;
    let mut name: Vec<&str> = Vec::new();
    for word in &words[at + 1..] {
        let bare = word.trim_end_matches(|c: char| !c.is_alphanumeric());
        if !bare.chars().next().is_some_and(char::is_uppercase) || name.len() == 4 {
            break;
        }
        name.push(bare);
        if bare.len() < word.len() {
            break;
        }
    }
    (!name.is_empty()).then(|| name.join(" "))
}

#[cfg(test)]
mod tests {
    use super::named_after_cue;
    use crate::extract::tests::answer;

    #[test]
    fn a_tool_said_beside_another_answer_fills_its_field() {
        let demo = "nombre:name,correo:email,num_empleados:number,herramienta_actual:text";
        let said = answer(
            "somos como 120 empleados, ahorita usamos Excel para todo",
            demo,
            &["correo", "num_empleados"],
        );
        assert_eq!(
            said.found.get("num_empleados").map(String::as_str),
            Some("120")
        );
        assert_eq!(
            said.found.get("herramienta_actual").map(String::as_str),
            Some("Excel")
        );
    }

    #[test]
    fn an_insurer_asked_for_is_only_its_name() {
        let dental = "name:name,email:email,current_insurer:text";
        let said = answer(
            "currently with Intact, renewal next month",
            dental,
            &["email", "current_insurer"],
        );
        assert_eq!(
            said.found.get("current_insurer").map(String::as_str),
            Some("Intact")
        );
        let day_off = answer("i have Monday off", dental, &["email", "current_insurer"]);
        assert_ne!(
            day_off.found.get("current_insurer").map(String::as_str),
            Some("Monday")
        );
    }

    #[test]
    fn the_name_after_a_cue_in_english() {
        assert_eq!(
            named_after_cue("currently juggling everything in Airtable").as_deref(),
            Some("Airtable")
        );
        assert_eq!(
            named_after_cue("currently with Intact, renewal next month").as_deref(),
            Some("Intact")
        );
        assert_eq!(
            named_after_cue("like 1:30 if u have it. i have Delta Dental").as_deref(),
            Some("Delta Dental")
        );
        assert_eq!(
            named_after_cue("we use spreadsheets and a whiteboard"),
            None
        );
        assert_eq!(named_after_cue("I have a question"), None);
    }

    #[test]
    fn the_name_after_a_cue_in_spanish() {
        assert_eq!(
            named_after_cue("somos como 120 empleados, ahorita usamos Excel para todo").as_deref(),
            Some("Excel")
        );
        assert_eq!(
            named_after_cue("estamos con GNP desde hace años").as_deref(),
            Some("GNP")
        );
        assert_eq!(named_after_cue("uso la app del banco"), None);
    }
}
