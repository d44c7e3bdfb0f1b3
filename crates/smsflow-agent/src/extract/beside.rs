//! Two people in one message: the texter and the one a name field asks about (a child, a
//! student, a partner). "Noah Bennett, I'm Carla Bennett" gives the child's name beside the
//! parent's own; "I'm Emily Carter, fiancé is Jordan Brooks" the partner's; and a name said of
//! someone in the third person ("Lily Chang, she's 8", "Camila Ortiz, está en 6th grade") is the
//! other's, not the texter's.

use smsflow_core::FieldSpec;
use std::collections::BTreeMap;

use super::{
    Extraction, Kind, NAME_WORDS, Word, capitalised_run, cue_at, kind, looks_like_a_name,
    skip_leading_fillers,
};

/// Words the texter says their own name after.
const OWN_CUES: &[&[&str]] = &[
    &["i'm"],
    &["im"],
    &["i", "am"],
    &["my", "name", "is"],
    &["my", "name's"],
    &["soy"],
    &["me", "llamo"],
    &["mi", "nombre", "es"],
];

/// Words between "I'm" and the name that say who the texter is to the other: "im his mom
/// Rachel Schwartz".
const THEIR: &[&str] = &["his", "her", "their"];

/// Words that speak of someone in the third person: "she's 8", "he's in 8th grade", "está en
/// 6th grade".
const THIRD_PERSON: &[&[&str]] = &[
    &["she's"],
    &["he's"],
    &["shes"],
    &["hes"],
    &["she", "is"],
    &["he", "is"],
    &["está", "en"],
    &["esta", "en"],
    &["va", "en"],
    &["cursa"],
];

/// Words before a capitalised run that make it a place or a business, not a person: "Dana from
/// Blue Fin Sushi", "de Talleres Urdaneta".
const NOT_A_PERSON_BEFORE: &[&str] = &[
    "from", "at", "in", "of", "with", "de", "del", "en", "con", "to", "para", "a",
];

/// Gives the one other person's name field still missing the name the message gives beside the
/// texter's own, and the texter's field the name after "I'm" when the message gives another.
pub(super) fn share_names(
    words: &[Word],
    wanted: &[FieldSpec],
    asked: &[String],
    known: &BTreeMap<String, String>,
    extraction: &mut Extraction,
) {
    let Some(texter) = wanted.iter().find(|field| kind(field) == Kind::Name) else {
        return;
    };
    let mut missing = wanted.iter().filter(|field| {
        kind(field) == Kind::OtherName
            && !known.contains_key(field.as_str())
            && !extraction.found.contains_key(field.as_str())
    });
    let (Some(other), None) = (missing.next(), missing.next()) else {
        return;
    };
    let name =
        |value: &str, field: &FieldSpec| looks_like_a_name(value, field, wanted, &extraction.found);
    match own_name(words) {
        Some((own, own_at)) => {
            let Some(theirs) = other_name(words, own_at, &own)
                .filter(|theirs| name(theirs, other) && name(&own, texter))
            else {
                return;
            };
            let texter_took = extraction.found.get(texter.as_str());
            if texter_took.is_none_or(|took| *took == theirs) {
                extraction.found.insert(texter.as_str().to_string(), own);
            }
            extraction.found.insert(other.as_str().to_string(), theirs);
        }
        // "Lily Chang, she's 8" to the questions about both: the daughter's name.
        None if asked.iter().any(|a| a == other.as_str()) && third_person(words) => {
            if let Some(theirs) = extraction.found.remove(texter.as_str()) {
                extraction.found.insert(other.as_str().to_string(), theirs);
            }
        }
        None => {}
    }
}

/// The name the texter gives as their own, and the span of words it takes.
fn own_name(words: &[Word]) -> Option<(String, (usize, usize))> {
    (0..words.len()).find_map(|at| {
        let start = OWN_CUES.iter().find_map(|cue| cue_at(words, at, cue))?;
        let start = if words
            .get(start)
            .is_some_and(|word| THEIR.contains(&word.lower.as_str()))
        {
            start + 2
        } else {
            start
        };
        let (own, end) = capitalised_run(words, start, NAME_WORDS, false)?;
        Some((own, (at, end)))
    })
}

/// The one other person's name of two words or more in the message, outside the texter's own
/// (`own_at`, the words of "I'm" and the name), and not a place's or a business's.
fn other_name(words: &[Word], own_at: (usize, usize), own: &str) -> Option<String> {
    let mut names = Vec::new();
    let mut at = skip_leading_fillers(words);
    while at < words.len() {
        if (own_at.0..own_at.1).contains(&at) {
            at = own_at.1;
            continue;
        }
        let after_place_word = at > 0
            && NOT_A_PERSON_BEFORE.contains(&words[at - 1].lower.as_str())
            && !words[at - 1].ends_clause;
        match capitalised_run(words, at, NAME_WORDS, false) {
            Some((run, next)) if next > at => {
                if run.split_whitespace().count() >= 2 && run != own && !after_place_word {
                    names.push(run);
                }
                at = next;
            }
            _ => at += 1,
        }
    }
    match names.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// Whether the message speaks of someone in the third person.
fn third_person(words: &[Word]) -> bool {
    (0..words.len()).any(|at| {
        THIRD_PERSON
            .iter()
            .any(|cue| cue_at(words, at, cue).is_some())
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::answer;

    #[test]
    fn a_name_beside_the_texters_own_is_the_other_persons() {
        let physical = "parent_name:name,child_name:name,reason:text,phone:phone";
        let said = answer(
            "Noah Bennett, I'm Carla Bennett",
            physical,
            &["parent_name", "child_name"],
        );
        assert_eq!(said.found["child_name"], "Noah Bennett", "{said:?}");
        assert_eq!(said.found["parent_name"], "Carla Bennett");
        let wedding = answer(
            "I'm Emily Carter, fiancé is Jordan Brooks",
            "name:name,partner_name:name,guests:number",
            &["name", "partner_name"],
        );
        assert_eq!(
            wedding.found["partner_name"], "Jordan Brooks",
            "{wedding:?}"
        );
        assert_eq!(wedding.found["name"], "Emily Carter");
        let colegio = answer(
            "Sara Valentina Pineda, soy Claudia Pineda",
            "acudiente:name,estudiante:name,grado:text",
            &["acudiente", "estudiante"],
        );
        assert_eq!(colegio.found["estudiante"], "Sara Valentina Pineda");
        assert_eq!(colegio.found["acudiente"], "Claudia Pineda");
        // A business beside the texter's name is no other person.
        let business = answer(
            "soy Núria Vidal, de Estudi Claret",
            "nombre:name,alumno:name,empresa:text",
            &["nombre", "alumno"],
        );
        assert!(!business.found.contains_key("alumno"), "{business:?}");
    }

    #[test]
    fn a_name_said_in_the_third_person_is_the_other_persons() {
        let lesson = "name:name,student_name:name,age:number,phone:phone";
        let said = answer(
            "Lily Chang, she's 8, never skied",
            lesson,
            &["name", "student_name"],
        );
        assert_eq!(said.found["student_name"], "Lily Chang", "{said:?}");
        assert!(!said.found.contains_key("name"));
        let tutor = answer(
            "Camila Ortiz, está en 6th grade",
            "parent_name:name,student_name:name,grade:number",
            &["parent_name", "student_name"],
        );
        assert_eq!(tutor.found["student_name"], "Camila Ortiz", "{tutor:?}");
        // The texter's own name with nobody spoken of stays theirs.
        let own = answer("Wei Chang, 970-555-0133", lesson, &["name", "student_name"]);
        assert_eq!(own.found["name"], "Wei Chang", "{own:?}");
        assert!(!own.found.contains_key("student_name"));
    }
}
