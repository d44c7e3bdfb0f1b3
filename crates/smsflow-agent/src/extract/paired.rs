//! Two free-text fields one clause answers together: a thing and what is wrong with it or wanted
//! of it ("mi portátil Lenovo no prende, se le regó tinto encima" is `portátil Lenovo` for
//! `equipo` and `no prende, se le regó tinto encima` for `falla`; "I need my wedding dress taken
//! in at the waist" is the dress for `item` and `taken in at the waist` for `alteration`), or a
//! design and where it goes ("a small fine line moth on my inner forearm" for `tattoo_idea` and
//! `placement`). Without this, the field for what is wrong takes the whole sentence and the
//! thing's field stays empty; the Normalisation rules give each its part ("the thing goes to the
//! field that holds it", a description leaves out "what another field takes").

use smsflow_core::FieldSpec;
use std::collections::BTreeMap;

use super::described::ends_clause;
use super::free_text::{after_greeting, holds_why, is_opening, without_alarm};
use super::{Extraction, Kind, is_identifier, kind};
use crate::fields;

/// Words in a field's name that say it holds a thing the texter owns or brings in.
const THINGS: &[&str] = &[
    "device",
    "dispositivo",
    "equipo",
    "aparato",
    "appliance",
    "electrodomestico",
    "item",
    "items",
    "articulo",
    "product",
    "producto",
    "prenda",
    "garment",
    "vehicle",
    "vehiculo",
    "car",
    "carro",
    "coche",
    "auto",
    "moto",
    "bike",
    "bici",
    "laptop",
    "computer",
    "computadora",
    "ordenador",
    "portatil",
    "instrument",
    "instrumento",
];

/// Words in a field's name that say it holds a change wanted of a thing (what is wrong with it is
/// a field that holds why the texter writes, see [`holds_why`]).
const CHANGES: &[&str] = &[
    "alteration",
    "alterations",
    "alteracion",
    "alteraciones",
    "repair",
    "repairs",
    "reparacion",
];

/// Words in a field's name that say it holds a design.
const DESIGNS: &[&str] = &[
    "design", "diseno", "idea", "tattoo", "tatuaje", "dibujo", "artwork",
];

/// Words in a field's name that say it holds where a design goes.
const PLACES: &[&str] = &[
    "placement",
    "ubicacion",
    "zona",
    "location",
    "body",
    "cuerpo",
    "spot",
    "lugar",
    "parte",
    "area",
];

/// Possessives before the thing: "my laptop", "mi iphone 13".
const OWNERS: &[&str] = &[
    "my", "mi", "mis", "our", "nuestro", "nuestra", "his", "her", "su",
];

/// Words that may come before the possessive: who writes and what they want done with it ("I
/// need my", "can you fix my", "quiero llevar mi").
const OWNER_LEADS: &[&str] = &[
    "i", "we", "need", "needs", "have", "got", "i've", "ive", "just", "want", "would", "like",
    "i'd", "id", "to", "bring", "in", "fix", "can", "you", "u", "so", "necesito", "quiero",
    "queria", "quisiera", "traer", "llevar", "arreglar", "reparar", "tengo", "pues", "a",
];

/// Verbs of having before an article and the thing: "i have an iphone 14", "tengo un celular".
const HAVING: &[&str] = &["have", "got", "own", "tengo", "tenemos"];

/// Indefinite articles.
const ARTICLES: &[&str] = &["a", "an", "un", "una"];

/// Definite articles that may open the message before the thing: "la lavadora LG no centrifuga".
const DEFINITE: &[&str] = &["the", "el", "la"];

/// Words that join a part or a place to a thing ("la pantalla del celular", "the screen on my
/// laptop"): after a definite article the thing holds them only before a number ("el minisplit
/// carrier de 2 toneladas").
const JOINS: &[&str] = &["de", "del", "of", "on", "in", "en", "at"];

/// Words that open what is said of the thing once it is named (folded): a verb, a negation, a
/// Spanish clitic ("se cayó", "no prende", "le entró agua").
const PREDICATE_OPENERS: &[&str] = &[
    "is", "isn't", "isnt", "was", "wasn't", "wasnt", "won't", "wont", "doesn't", "doesnt", "don't",
    "dont", "can't", "cant", "keeps", "kept", "stopped", "started", "has", "had", "needs", "got",
    "will", "just", "suddenly", "no", "se", "ya", "nunca", "le", "me", "esta", "tiene", "hace",
    "quedo", "vino", "llego", "sigue", "dejo", "anda", "suena", "runs", "makes", "leaks", "gotea",
    "patina", "pierde", "tira", "huele",
];

/// English participles that open what is wanted of a thing: "taken in", "broken".
const PARTICIPLES: &[&str] = &[
    "taken", "broken", "fallen", "frozen", "stolen", "torn", "worn",
];

/// Words that make the thing's words a clause of their own: the split is not sure.
const CLAUSE_WORDS: &[&str] = &["that", "which", "who", "que", "and", "y", "with", "con"];

/// How many words a thing or a place may have.
const MOST_WORDS: usize = 5;

/// The values of the two free-text fields one clause answers (see the module's comment): in the
/// first message, or in one answering both questions; only when exactly one such pair of fields
/// is still missing and the clause splits without doubt. A value another reader found stays
/// unless it overlaps the pair's ("the whole sentence" for the fault).
pub(super) fn split(
    text: &str,
    wanted: &[FieldSpec],
    asked: &[String],
    known: &BTreeMap<String, String>,
    extraction: &Extraction,
) -> Option<[(String, String); 2]> {
    let free: Vec<&FieldSpec> = wanted
        .iter()
        .filter(|field| {
            kind(field) == Kind::Labelled
                && !is_identifier(field.as_str())
                && !known.contains_key(field.as_str())
        })
        .collect();
    let says = |field: &FieldSpec, words: &[&str]| fields::field_says(field.as_str(), words);
    let only = |test: &dyn Fn(&FieldSpec) -> bool| {
        let mut matching = free.iter().copied().filter(|field| test(field));
        let one = matching.next()?;
        matching.next().is_none().then_some(one)
    };
    let is_fault = |field: &FieldSpec| holds_why(field) || says(field, CHANGES);
    let is_thing = |field: &FieldSpec| says(field, THINGS) && !is_fault(field);
    let is_design = |field: &FieldSpec| says(field, DESIGNS) && !is_fault(field);
    let is_place = |field: &FieldSpec| says(field, PLACES) && !is_design(field);
    let (first, second, values) =
        if let (Some(thing), Some(fault)) = (only(&is_thing), only(&is_fault)) {
            (thing, fault, thing_and_fault(after_greeting(text))?)
        } else {
            let (design, place) = (only(&is_design)?, only(&is_place)?);
            (design, place, design_and_place(after_greeting(text))?)
        };
    let is_asked = |field: &FieldSpec| asked.iter().any(|a| a == field.as_str());
    if !(is_opening(wanted, asked, known) || (is_asked(first) && is_asked(second))) {
        return None;
    }
    let (thing, said) = values;
    let said = without_alarm(second.as_str(), &said);
    // Another reader's value stays unless it is part of the pair's or holds it.
    let overlaps = |field: &FieldSpec, value: &str| {
        extraction
            .found
            .get(field.as_str())
            .is_none_or(|found| found.contains(value) || value.contains(found.as_str()))
    };
    (overlaps(first, &thing) && overlaps(second, &said) && !said.is_empty()).then(|| {
        [
            (first.as_str().to_string(), thing),
            (second.as_str().to_string(), said),
        ]
    })
}

/// The thing the first message's clause says something of, for the one field that holds a thing
/// when no field holds what is wrong with it: "el gol trend 2017 patina el embrague" is `gol
/// trend 2017` for `auto` beside a choice of service (test20). Split as [`split`] does.
pub(super) fn thing_alone(
    text: &str,
    wanted: &[FieldSpec],
    asked: &[String],
    known: &BTreeMap<String, String>,
    extraction: &Extraction,
) -> Option<(String, String)> {
    let says = |field: &FieldSpec, words: &[&str]| fields::field_says(field.as_str(), words);
    if !is_opening(wanted, asked, known)
        || wanted
            .iter()
            .any(|field| holds_why(field) || says(field, CHANGES))
    {
        return None;
    }
    let mut things = wanted.iter().filter(|field| {
        kind(field) == Kind::Labelled && !is_identifier(field.as_str()) && says(field, THINGS)
    });
    let field = things.next()?;
    if things.next().is_some() || extraction.found.contains_key(field.as_str()) {
        return None;
    }
    // Only the thing that opens the message after its article: after "my" it may be a part
    // ("I need my winter tires put on" beside `vehicle`, test14).
    let text = after_greeting(text);
    let first = text.split_whitespace().next().map(bare)?;
    if !DEFINITE.contains(&first.as_str()) {
        return None;
    }
    let (thing, _) = thing_and_fault(text)?;
    Some((field.as_str().to_string(), thing))
}

/// A word folded, without the punctuation around it.
fn bare(word: &str) -> String {
    fields::fold(word.trim_matches(|c: char| !c.is_alphanumeric() && c != '\''))
}

/// "mi portátil Lenovo no prende, ..." -> (`portátil Lenovo`, `no prende, ...`): the thing after
/// a possessive ("I need my wedding dress"), an article after having ("i have an iphone 14"), or
/// at the start with its model's number ("iphone 14 screen cracked"), up to its comma or to the
/// word that opens what is said of it.
fn thing_and_fault(text: &str) -> Option<(String, String)> {
    let words = super::located(text);
    let folded: Vec<String> = words.iter().map(|(_, word)| bare(word)).collect();
    let is = |at: usize, list: &[&str]| {
        folded
            .get(at)
            .is_some_and(|word| list.contains(&word.as_str()))
    };
    let owned = (0..words.len().min(6))
        .find(|&at| is(at, OWNERS))
        .filter(|&at| {
            (0..at).all(|before| is(before, OWNER_LEADS) && !ends_clause(words[before].1))
        })
        .map(|at| at + 1);
    let had = || {
        (0..words.len().min(4))
            .find(|&at| is(at, HAVING) && is(at + 1, ARTICLES))
            .filter(|&at| (0..at).all(|before| is(before, OWNER_LEADS)))
            .map(|at| at + 2)
    };
    // "la heladera whirlpool no enfría abajo": the thing opens the message after its article.
    let definite = || is(0, DEFINITE).then_some(1);
    let end =
        if let Some(start) = owned.or_else(had).or_else(definite) {
            let mut end = None;
            for at in start..words.len().min(start + MOST_WORDS + 1) {
                let word = words[at].1;
                let joins_a_part = start == 1
                    && is(0, DEFINITE)
                    && is(at, JOINS)
                    && !folded
                        .get(at + 1)
                        .is_some_and(|next| next.starts_with(|c: char| c.is_ascii_digit()));
                if is(at, CLAUSE_WORDS) || joins_a_part {
                    return None;
                }
                let opens = at > start
                    && (is(at, PREDICATE_OPENERS) || is(at, PARTICIPLES) || is_past(&folded[at]));
                if opens {
                    end = Some((start, at, words[at].0));
                    break;
                }
                if ends_clause(word) {
                    end = Some((start, at + 1, words[at].0 + word.len()));
                    break;
                }
            }
            end?
        } else {
            // "iphone 14 screen cracked": a name and its model's number open the message.
            let number = (1..words.len().min(3))
                .find(|&at| folded[at].chars().any(|c| c.is_ascii_digit()))?;
            let next = words.get(number + 1)?.1;
            let plain = |word: &str| word.chars().all(char::is_alphabetic);
            (plain(&folded[0]) && plain(next) && next.chars().all(char::is_lowercase))
                .then_some((0, number + 1, words[number].0 + words[number].1.len()))?
        };
    let (start, past, cut) = end;
    if past <= start || past - start > MOST_WORDS || past >= words.len() {
        return None;
    }
    let thing = text[words[start].0..cut].trim_end_matches([',', '.', ';', '!', ':', ' ']);
    let said = text[cut..]
        .trim_start_matches([',', ';', ':', '-', ' '])
        .trim_end_matches(['.', '!', ',', ';', ' ']);
    // "mi portátil no prende", "mi pantalla está estrellada": a thing said by its sort alone is
    // what the problem is about, and the field for the thing waits for its make and model.
    let named = past - start >= 2
        || thing
            .chars()
            .any(|c| c.is_ascii_digit() || c.is_uppercase());
    (named && said.split_whitespace().count() >= 2).then(|| (thing.to_string(), said.to_string()))
}

/// Whether a folded English word is a past participle that says what happened: "cracked",
/// "dropped", "stained" (five letters or more, so "bed" and "red" are no verbs).
fn is_past(word: &str) -> bool {
    word.len() >= 5 && word.ends_with("ed") && word.chars().all(|c| c.is_ascii_alphabetic())
}

/// "a small fine line moth on my inner forearm" -> (`small fine line moth`, `inner forearm`): the
/// design after its article, the place after "on"/"en" and a possessive or article, to the end of
/// its clause.
fn design_and_place(text: &str) -> Option<(String, String)> {
    let words = super::located(text);
    let folded: Vec<String> = words.iter().map(|(_, word)| bare(word)).collect();
    let on = folded
        .iter()
        .position(|word| matches!(word.as_str(), "on" | "en"))?;
    let article = (0..on)
        .rev()
        .find(|&at| ARTICLES.contains(&folded[at].as_str()))?;
    let design = &words[article + 1..on];
    if design.is_empty()
        || design.len() > MOST_WORDS
        || design.iter().any(|(_, word)| ends_clause(word))
        || folded[article + 1..on]
            .iter()
            .any(|word| CLAUSE_WORDS.contains(&word.as_str()))
    {
        return None;
    }
    let mut start = on + 1;
    if folded.get(start).is_some_and(|word| {
        OWNERS.contains(&word.as_str())
            || matches!(word.as_str(), "the" | "el" | "la" | "los" | "las")
    }) {
        start += 1;
    }
    let mut place = Vec::new();
    for (n, (_, word)) in words.iter().enumerate().skip(start) {
        if matches!(folded[n].as_str(), "and" | "y") {
            break;
        }
        place.push(word.trim_end_matches([',', '.', ';', '!', '?']));
        if ends_clause(word) {
            break;
        }
    }
    let design = text[design[0].0..design[design.len() - 1].0 + design[design.len() - 1].1.len()]
        .to_string();
    (!place.is_empty() && place.len() <= 3).then(|| (design, place.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thing_and_what_is_wrong_with_it() {
        for (said, thing, fault) in [
            (
                "mi portátil Lenovo no prende, se le regó tinto encima",
                "portátil Lenovo",
                "no prende, se le regó tinto encima",
            ),
            (
                "mi iphone 13 se cayó y la pantalla quedó negra",
                "iphone 13",
                "se cayó y la pantalla quedó negra",
            ),
            (
                "i have an iphone 14, the screen is shattered and touch doesnt work",
                "iphone 14",
                "the screen is shattered and touch doesnt work",
            ),
            (
                "I need my wedding dress taken in at the waist",
                "wedding dress",
                "taken in at the waist",
            ),
            (
                "iphone 14 screen cracked and touch stopped working",
                "iphone 14",
                "screen cracked and touch stopped working",
            ),
            (
                "my Bosch dryer stopped heating",
                "Bosch dryer",
                "stopped heating",
            ),
            (
                "my samsung dryer runs but doesn't get hot",
                "samsung dryer",
                "runs but doesn't get hot",
            ),
            (
                "la heladera whirlpool no enfría abajo, el freezer sí",
                "heladera whirlpool",
                "no enfría abajo, el freezer sí",
            ),
            (
                "el minisplit carrier de 2 toneladas gotea agua por dentro",
                "minisplit carrier de 2 toneladas",
                "gotea agua por dentro",
            ),
        ] {
            assert_eq!(
                thing_and_fault(said),
                Some((thing.to_string(), fault.to_string())),
                "{said}"
            );
        }
        // No sure split: a clause inside the thing, the problem before it, nothing after it.
        for said in [
            "compré una lavadora con ustedes y desde hace tres días no centrifuga",
            "the screen on my laptop is cracked",
            "se me cayó mi celular",
            "my laptop",
            // A thing said by its sort alone: the make and model come later.
            "mi portátil no prende",
            "hi, my dryer stopped heating",
            "la lavadora no centrifuga",
            // A part of a thing is no thing.
            "la pantalla del celular no prende",
        ] {
            assert_eq!(thing_and_fault(said), None, "{said}");
        }
    }

    #[test]
    fn a_design_and_where_it_goes() {
        for (said, design, place) in [
            (
                "yo i want a small fine line moth on my inner forearm",
                "small fine line moth",
                "inner forearm",
            ),
            (
                "wanting a fineline swallow on my inner wrist, bout 5cm",
                "fineline swallow",
                "inner wrist",
            ),
            (
                "quiero tatuarme una golondrina pequeña en el tobillo",
                "golondrina pequeña",
                "tobillo",
            ),
        ] {
            assert_eq!(
                design_and_place(said),
                Some((design.to_string(), place.to_string())),
                "{said}"
            );
        }
        assert_eq!(
            design_and_place("quiero taparme un tatuaje viejo que tengo en el hombro"),
            None
        );
    }
}

#[cfg(test)]
pub(super) mod through_the_reader {
    use crate::extract::Extractors;
    use crate::fields::Clock;
    use smsflow_core::FieldSpec;
    use std::collections::BTreeMap;

    /// What the reader finds in `text` for the `wanted` fields (`name:type,...`), after the
    /// questions about `asked`, with `known` values given before.
    pub(in crate::extract) fn read(
        text: &str,
        wanted: &str,
        asked: &[&str],
        known: &[(&str, &str)],
    ) -> BTreeMap<String, String> {
        let mut problems = smsflow_core::Problems::default();
        let wanted: Vec<FieldSpec> = wanted
            .split(',')
            .map(|n| {
                smsflow_core::fields::FieldItem::Name(n.to_string())
                    .validate("fields", &mut problems)
                    .unwrap()
            })
            .collect();
        let asked: Vec<String> = asked.iter().map(|a| a.to_string()).collect();
        let known: BTreeMap<String, String> = known
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Extractors::default()
            .rules_only()
            .read(text, &wanted, &asked, &known, &Clock::default())
            .found
    }

    fn first_message(text: &str, wanted: &str) -> BTreeMap<String, String> {
        read(text, wanted, &[], &[])
    }

    #[test]
    fn the_first_message_gives_the_thing_and_what_is_said_of_it_to_their_fields() {
        let found = first_message(
            "hola, mi portátil Lenovo no prende, se le regó tinto encima",
            "nombre:name,telefono:phone,equipo:text,falla:text,fecha_entrega:date",
        );
        assert_eq!(
            found.get("equipo").map(String::as_str),
            Some("portátil Lenovo")
        );
        assert_eq!(
            found.get("falla").map(String::as_str),
            Some("no prende, se le regó tinto encima")
        );
        let found = first_message(
            "holaa quiero tatuarme una golondrina pequeña en el tobillo",
            "nombre:name,diseno:text,zona:text,tamano:number,fecha:date,email:email",
        );
        assert_eq!(
            found.get("diseno").map(String::as_str),
            Some("golondrina pequeña")
        );
        assert_eq!(found.get("zona").map(String::as_str), Some("tobillo"));
        let found = first_message(
            "hi, I need my wedding dress taken in at the waist",
            "name:name,email:email,phone:phone,item:text,alteration:text,needed_by:date",
        );
        assert_eq!(found.get("item").map(String::as_str), Some("wedding dress"));
        assert_eq!(
            found.get("alteration").map(String::as_str),
            Some("taken in at the waist")
        );
        // A thing said by its sort alone stays in the problem.
        let found = first_message(
            "hola, mi portátil no prende",
            "nombre:name,equipo:text,problema:text,fecha:date",
        );
        assert_eq!(found.get("equipo"), None);
    }
}
