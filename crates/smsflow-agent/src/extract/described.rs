//! What the first message says is wrong, when it gives other fields as well: "order #A-77314 came
//! yesterday and the glass top of the table is shattered" is an order number, a day and, for the
//! field that holds the problem, "the glass top of the table is shattered". The description is
//! the message without what the other fields took: a day with its words ("since last thursday",
//! "el viernes pasado", "que instalaron el lunes pasado"), an order number, a pet or a vehicle with
//! the words that introduce it ("el pedido 55092", "mi perrita Lola", "in my 2020 Kia Soul"), and
//! whole clauses that give an amount, a name or a way to reach the texter ("budget around 8k").

use jiff::civil::Date;
use smsflow_core::{FieldSpec, FieldType};
use std::collections::BTreeMap;

use super::{Extraction, Kind, is_identifier, kind};
use crate::fields::{self, dates, numbers};

/// Words that introduce a value another field took: articles, possessives, prepositions, and the
/// words for an order or an animal ("for order", "a mi perrita", "in my").
const LEADS: &[&str] = &[
    "my", "mi", "our", "nuestro", "nuestra", "the", "el", "la", "a", "al", "for", "para", "de",
    "del", "on", "in", "en", "with", "con", "order", "pedido", "orden", "parcel", "paquete",
    "package", "ticket", "invoice", "factura", "number", "numero", "no", "nro", "account",
    "cuenta", "id",
];

/// Words for an animal, which introduce a pet's name as [`LEADS`] do: "mi perrita Lola".
pub(super) const ANIMALS: &[&str] = &[
    "dog", "cat", "puppy", "kitten", "perro", "perra", "perrito", "perrita", "gato", "gata",
    "gatito", "gatita", "conejo", "coneja", "rabbit", "bunny", "huron", "ferret", "hamster",
    "parrot", "loro", "perico", "bird", "pajaro", "tortuga", "turtle",
];

/// Words before a day that belong to it: "since last thursday", "desde el viernes", "on monday".
const DAY_LEADS: &[&str] = &[
    "since", "desde", "on", "el", "del", "from", "last", "this", "past", "hace", "este", "esta",
    "the",
];

/// Words after a day that belong to it: "el jueves pasado", "two days ago".
const DAY_TAILS: &[&str] = &["pasado", "pasada", "ago", "morning", "night", "noche"];

/// Words that join a clause to the one before: dropped when it opens the description.
const JOINS: &[&str] = &["and", "y", "e", "&"];

/// Words that ask for a visit or a booking rather than say what is wrong.
const VISITS: &[&str] = &[
    "appointment",
    "appt",
    "booking",
    "book",
    "schedule",
    "cita",
    "turno",
    "reservar",
    "agendar",
];

/// How many words a clause that lost a day or an order may keep and still say only when or
/// which: "came", "me llegó", "quiero devolver" are what the order did, not the problem. One
/// that lost only the thing it is about keeps two ("transmission slipping on my 2011 Accord").
const MOST_LEFT_OVER: usize = 2;

/// How many words a later sentence that names a choice may have and only give it: "prefiero en
/// español".
const MOST_CHOICE_WORDS: usize = 4;

/// Words that make a short left-over say what went wrong rather than what the order did:
/// "order #A-77314 never arrived and tracking says delivered" keeps "never arrived", "mi pedido
/// #MX-20931 llegó incompleto, faltan ..." keeps "llegó incompleto" (folded).
const WENT_WRONG: &[&str] = &[
    "never",
    "not",
    "didn't",
    "didnt",
    "hasn't",
    "hasnt",
    "still",
    "nunca",
    "todavia",
    "aun",
    "incomplete",
    "incompleto",
    "incompleta",
    "damaged",
    "broken",
    "roto",
    "rota",
];

/// The description of the problem in the first message, for the one field that holds why the
/// texter writes, when other fields took part of the message.
pub(super) fn described(
    text: &str,
    field: &FieldSpec,
    wanted: &[FieldSpec],
    extraction: &Extraction,
    today: Date,
) -> Option<(String, String)> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut removed = vec![false; tokens.len()];
    // Words removed for saying when or which order, not what the problem is about.
    let mut circumstance = vec![false; tokens.len()];
    let mut dropped_clause_at: Vec<usize> = Vec::new();
    let day_given = wanted.iter().any(|other| {
        matches!(other.kind, FieldType::Date | FieldType::Datetime)
            && extraction.found.contains_key(other.as_str())
    });
    if day_given {
        remove_days(&tokens, today, &mut removed);
        circumstance.clone_from(&removed);
    }
    for other in wanted {
        let Some(value) = extraction.found.get(other.as_str()) else {
            continue;
        };
        // "my dishwasher isn't draining" beside `appliance` = `dishwasher`: the thing the
        // problem is about stays in it.
        if other.kind == FieldType::Text && fields::models::names_its_appliance(&tokens, value) {
            continue;
        }
        let located = match (kind(other), other.kind) {
            // A choice is read from the same words the texter describes with; the thing it
            // names as the subject is no part of what is wrong: "mi minisplit no enfría".
            (_, FieldType::Choice) => {
                remove_subject(&tokens, &mut removed);
                // "... de mi esposo. prefiero en español": a later sentence that names the
                // choice only gives it.
                let choice = fields::fold(value);
                let sentences = clauses(&tokens)
                    .into_iter()
                    .skip(1)
                    .filter(|clause| tokens[clause.start - 1].ends_with(['.', '!', '?']));
                // "mi gato Milo no para de vomitar y está decaído" tells more than the choice.
                for sentence in sentences {
                    if sentence.len() <= MOST_CHOICE_WORDS
                        && sentence.clone().any(|i| folded(tokens[i]) == choice)
                    {
                        dropped_clause_at.push(sentence.start);
                    }
                }
                true
            }
            (_, FieldType::Date | FieldType::Datetime | FieldType::Time) => day_given,
            // "my daughter Zoe (4) has had a fever": an age in brackets goes alone.
            (_, FieldType::Number)
                if let Some(at) = tokens
                    .iter()
                    .position(|token| *token == format!("({value})")) =>
            {
                removed[at] = true;
                true
            }
            (_, FieldType::Number) => {
                let at = clauses(&tokens).into_iter().find(|clause| {
                    numbers::number(&clause_text(&tokens, clause)).as_deref()
                        == Some(value.as_str())
                });
                at.map(|clause| dropped_clause_at.push(clause.start))
                    .is_some()
            }
            (Kind::Labelled, _) if is_identifier(other.as_str()) => {
                remove_value(&tokens, value, other, &mut removed, Some(&mut circumstance))
            }
            (Kind::Labelled, _) => remove_value(&tokens, value, other, &mut removed, None),
            // "my cat Biscuit keeps scratching her ears and shaking her head": the pet goes with
            // the words that introduce it; what it does is the problem.
            (Kind::OtherName, _) if names_a_pet(&tokens, value) => {
                remove_value(&tokens, value, other, &mut removed, None)
            }
            // "Canela no quiere comer desde ayer y vomitó dos veces": the one the clause is
            // about goes, what happens to them stays.
            (Kind::OtherName, _) if opens_its_clause(&tokens, value) => {
                remove_value(&tokens, value, other, &mut removed, None)
            }
            // "vacuna de la rabia para Toby", "esterilizar a la Kira": the pet the clause ends
            // with goes with the words that introduce it; what it is for stays.
            (Kind::OtherName, _) if ends_its_clause(&tokens, value) => {
                remove_value(&tokens, value, other, &mut removed, None)
            }
            // "mi bebé Samuel tiene fiebre de 39": the one it happens to opens the message
            // after whose they are; the reading of what is wrong drops them with their verb.
            (Kind::OtherName, _) if follows_its_kin(&tokens, value) => true,
            // Read as E.164, the number is found where its figures are: "(503) 555-0142".
            (Kind::Phone, _) => find_phone(&tokens)
                .map(|at| dropped_clause_at.push(at))
                .is_some(),
            _ => find_run(&tokens, value)
                .map(|at| dropped_clause_at.push(at))
                .is_some(),
        };
        if !located {
            return None;
        }
    }
    let mut kept: Vec<&str> = Vec::new();
    let (mut clauses_kept, mut cut_kept) = (0, false);
    for clause in clauses(&tokens) {
        if dropped_clause_at.iter().any(|at| clause.contains(at)) {
            continue;
        }
        let left: Vec<usize> = clause.clone().filter(|&i| !removed[i]).collect();
        let cut = left.len() < clause.len();
        // "double charge on invoice INV-20931", "cobro duplicado en la factura F-2026-1187":
        // in a message of one clause, the words before where the identifier is name the
        // problem, not what the order did ("any update on ticket 88213? ..." asks about it).
        let named_before = !day_given
            && clause.len() == tokens.len()
            && left
                .last()
                .zip(clause.clone().find(|&i| removed[i]))
                .is_some_and(|(&last, first_removed)| {
                    last < first_removed
                        && matches!(folded(tokens[first_removed]).as_str(), "on" | "en" | "in")
                });
        let most = if named_before {
            1
        } else if clause.clone().any(|i| circumstance[i]) {
            MOST_LEFT_OVER
        } else {
            1
        };
        // A short left-over that says what went wrong ("never arrived") is the problem itself.
        let went_wrong = left.len() <= most
            && left
                .iter()
                .any(|&i| WENT_WRONG.contains(&folded(tokens[i]).as_str()));
        if cut && left.len() <= most && !went_wrong {
            continue;
        }
        // "need to file a claim, someone rear ended me ...", "se rompió un caño y se inundó la
        // cocina": a clause that asks, or goes on with the same event, tells nothing apart.
        let opening: Vec<String> = left.iter().take(2).map(|&i| folded(tokens[i])).collect();
        let apart = match opening.as_slice() {
            // "... y se llevaron el portátil y joyas": the last of a list.
            [join, ..] if JOINS.contains(&join.as_str()) && left.len() <= 2 => false,
            [join, se] if JOINS.contains(&join.as_str()) => se != "se",
            _ => !super::opening::asks(&clause_text(&tokens, &clause)),
        };
        clauses_kept += usize::from(apart || cut);
        // Only a lost day or order makes a clause about what happened before: one that lost the
        // pet or the car it is about ("mi perrita Canela no deja de rascarse") still says what
        // is wrong.
        // A day that opens the message dates all it tells: "anoche me chocaron estacionado y el
        // otro se fue" is one event in two clauses.
        let dated_first = clause.start == 0
            && left
                .first()
                .is_some_and(|&first| first > 0 && (0..first).all(|i| circumstance[i]));
        cut_kept |= cut && !went_wrong && !dated_first && clause.clone().any(|i| circumstance[i]);
        for (n, &i) in left.iter().enumerate() {
            // A removed word that ended the clause leaves its comma to the word before it.
            let last = n + 1 == left.len();
            let ends = clause.end - 1;
            if last && i != ends && ends_clause(tokens[ends]) {
                kept.push(tokens[i]);
                kept.push(",");
            } else {
                kept.push(tokens[i]);
            }
        }
    }
    // "the electrician was here saturday and now the kitchen lights flicker": a clause that
    // lost a day or an order but still says something, beside another, may be what happened
    // before the problem or the problem itself; a wrong description is worse than none. One
    // event told in two clauses, or beside the words that ask for help, is no such pair.
    if cut_kept && clauses_kept > 1 {
        return None;
    }
    while kept
        .first()
        .is_some_and(|word| JOINS.contains(&fields::fold(word).as_str()))
    {
        kept.remove(0);
    }
    let said = kept.join(" ").replace(" ,", ",");
    // "mi perro Ramón tiene una herida": the pet's field took who opens the message, and what
    // they have goes without the verb.
    let named_subject_gone = tokens
        .iter()
        .zip(&removed)
        .take_while(|(_, removed)| **removed)
        .any(|(token, _)| {
            let word = folded(token);
            ANIMALS.contains(&word.as_str()) || super::free_text::LIVING.contains(&word.as_str())
        });
    let said = if named_subject_gone {
        super::free_text::without_named_having(&said).to_string()
    } else {
        said
    };
    let value = super::free_text::without_request(field, &said)
        .trim_end_matches(['.', '!', ',', ';', ' '])
        .trim();
    let words = value.split_whitespace().count();
    // Two words said, one may be left once the words that frame it go: "está con diarrea".
    let said_words = said.split_whitespace().count();
    // "need an appointment tuesday": what is left asks for a visit, the reason comes later.
    let asks_for_a_visit = value
        .split_whitespace()
        .any(|word| VISITS.contains(&folded(word).as_str()));
    ((1..=40).contains(&words)
        && said_words >= 2
        && !value.ends_with('?')
        && !value.contains('@')
        && !asks_for_a_visit)
        .then(|| (field.as_str().to_string(), value.to_string()))
}

/// Possessives before the thing a description is about: "mi minisplit", "my furnace".
const SUBJECT_OWNERS: &[&str] = &["mi", "my", "our", "nuestro", "nuestra"];

/// Words that open what is wrong once its subject is dropped, in Spanish, which leaves the
/// subject out: "no enfría", "ya no prende", "se apagó".
const PREDICATE_OPENERS: &[&str] = &["no", "ya", "se", "nunca"];

/// Marks the thing the message opens with as its subject ("mi perico no canta ..."): a
/// possessive, one word, then what is wrong with it.
fn remove_subject(tokens: &[&str], removed: &mut [bool]) {
    let opens = |at: usize, words: &[&str]| {
        tokens
            .get(at)
            .is_some_and(|token| words.contains(&folded(token).as_str()))
    };
    if tokens.len() >= 5
        && opens(0, SUBJECT_OWNERS)
        && !ends_clause(tokens[1])
        && opens(2, PREDICATE_OPENERS)
    {
        removed[0] = true;
        removed[1] = true;
    }
}

/// The one field that holds why the texter writes, still missing, when the first message gave
/// other fields something.
pub(super) fn problem_field<'a>(
    wanted: &'a [FieldSpec],
    known: &BTreeMap<String, String>,
    extraction: &Extraction,
    why: &[&str],
) -> Option<&'a FieldSpec> {
    let mut fields = wanted.iter().filter(|field| {
        kind(field) == Kind::Labelled
            && !is_identifier(field.as_str())
            && fields::field_says(field.as_str(), why)
            && !extraction.found.contains_key(field.as_str())
            && !known.contains_key(field.as_str())
    });
    let field = fields.next()?;
    (fields.next().is_none() && !extraction.found.is_empty()).then_some(field)
}

/// Marks each run of words that reads as a day, with the words that belong to it.
fn remove_days(tokens: &[&str], today: Date, removed: &mut [bool]) {
    let reads_a_day = |words: &[&str]| {
        let text = words.join(" ");
        let text = text.trim_end_matches([',', '.', '!', ';']);
        text.chars().any(char::is_alphabetic)
            && (dates::read(text, today, dates::Order::MonthFirst, false)
                .date
                .is_some()
                || dates::read_back(text, today, dates::Order::MonthFirst, false)
                    .date
                    .is_some())
    };
    let mut i = 0;
    while i < tokens.len() {
        let Some(len) = (1..=4)
            .take_while(|len| i + len <= tokens.len())
            // The day starts here: "in since last thursday" reads one too, from its last words.
            .find(|&len| {
                reads_a_day(&tokens[i..i + len])
                    && (len == 1 || !reads_a_day(&tokens[i + 1..i + len]))
            })
        else {
            i += 1;
            continue;
        };
        let mut start = i;
        while start > 0
            && !ends_clause(tokens[start - 1])
            && DAY_LEADS.contains(&folded(tokens[start - 1]).as_str())
        {
            start -= 1;
        }
        let mut end = i + len;
        while end < tokens.len()
            && !ends_clause(tokens[end - 1])
            && DAY_TAILS.contains(&folded(tokens[end]).as_str())
        {
            end += 1;
        }
        // "el minisplit que instalaron el jueves pasado gotea agua": the clause about when.
        if start >= 2
            && end < tokens.len()
            && !ends_clause(tokens[end - 1])
            && matches!(folded(tokens[start - 2]).as_str(), "que" | "that")
        {
            start -= 2;
        }
        removed[start..end].iter_mut().for_each(|word| *word = true);
        i = end;
    }
}

/// Marks `value` in `tokens` with the words that introduce it ("el pedido", "a mi perrita").
fn remove_value(
    tokens: &[&str],
    value: &str,
    field: &FieldSpec,
    removed: &mut [bool],
    circumstance: Option<&mut [bool]>,
) -> bool {
    let Some(at) = find_run(tokens, value) else {
        return false;
    };
    let own: Vec<String> = fields::fold(field.as_str())
        .split('_')
        .map(str::to_string)
        .collect();
    let mut start = at;
    while start > 0 && !ends_clause(tokens[start - 1]) {
        let word = folded(tokens[start - 1]);
        if !(word.is_empty()
            || LEADS.contains(&word.as_str())
            || ANIMALS.contains(&word.as_str())
            || own.contains(&word))
        {
            break;
        }
        start -= 1;
    }
    let end = at + value.split_whitespace().count();
    removed[start..end].iter_mut().for_each(|word| *word = true);
    if let Some(marks) = circumstance.and_then(|marks| marks.get_mut(start..end)) {
        marks.iter_mut().for_each(|word| *word = true);
    }
    true
}

/// Whether `value` stands in `tokens` just after a word for an animal ("mi gato Milo").
fn names_a_pet(tokens: &[&str], value: &str) -> bool {
    find_run(tokens, value).is_some_and(|at| {
        at > 0 && !ends_clause(tokens[at - 1]) && ANIMALS.contains(&folded(tokens[at - 1]).as_str())
    })
}

/// Whether `value` comes right after a possessive and the word for who they are, at the start
/// of `tokens`: "my daughter Zoe", "mi niña Sofi".
fn follows_its_kin(tokens: &[&str], value: &str) -> bool {
    find_run(tokens, value).is_some_and(|at| {
        at == 2
            && !ends_clause(tokens[0])
            && !ends_clause(tokens[1])
            && super::TEXTERS_OWN.contains(&folded(tokens[0]).as_str())
            && super::free_text::LIVING.contains(&folded(tokens[1]).as_str())
    })
}

/// Whether `value` opens a clause of `tokens` that goes on for two words or more after it:
/// the subject of what the clause tells.
fn opens_its_clause(tokens: &[&str], value: &str) -> bool {
    find_run(tokens, value).is_some_and(|at| {
        let end = at + value.split_whitespace().count();
        (at == 0 || ends_clause(tokens[at - 1]))
            && !ends_clause(tokens[end - 1])
            && tokens[end..]
                .iter()
                .position(|token| ends_clause(token))
                .map_or(tokens.len() - end, |last| last + 1)
                >= 2
    })
}

/// Whether `value` ends the first clause of `tokens` it stands in, after two words or more of
/// its own clause: "vacuna de la rabia para Toby".
fn ends_its_clause(tokens: &[&str], value: &str) -> bool {
    find_run(tokens, value).is_some_and(|at| {
        let end = at + value.split_whitespace().count();
        let before = tokens[..at]
            .iter()
            .rev()
            .take_while(|token| !ends_clause(token))
            .count();
        (end == tokens.len() || ends_clause(tokens[end - 1])) && before >= 2
    })
}

/// Where the words of `value` stand in `tokens`, compared without case, accents or punctuation.
fn find_run(tokens: &[&str], value: &str) -> Option<usize> {
    let wanted: Vec<String> = value.split_whitespace().map(folded).collect();
    (!wanted.is_empty() && wanted.len() <= tokens.len())
        .then(|| {
            (0..=tokens.len() - wanted.len()).find(|&at| {
                wanted
                    .iter()
                    .zip(&tokens[at..])
                    .all(|(word, token)| *word == folded(token))
            })
        })
        .flatten()
}

/// The clauses of `tokens` as ranges: a clause ends at a comma or a stop, or before "and"/"y".
/// Where the first phone number of `tokens` starts: a run of tokens of figures and the marks
/// that group them, with seven figures or more ("11 4455 6677", "(503) 555-0142").
fn find_phone(tokens: &[&str]) -> Option<usize> {
    let figures = |token: &str| {
        let token = token.trim_end_matches([',', '.', ';']);
        (!token.is_empty()
            && token
                .chars()
                .all(|c| c.is_ascii_digit() || "+()-.".contains(c))
            && token.chars().any(|c| c.is_ascii_digit()))
        .then(|| token.chars().filter(char::is_ascii_digit).count())
    };
    (0..tokens.len()).find(|&start| {
        let mut digits = 0;
        for token in &tokens[start..] {
            match figures(token) {
                Some(count) => digits += count,
                None => break,
            }
            if digits >= 7 {
                return true;
            }
        }
        false
    })
}

fn clauses(tokens: &[&str]) -> Vec<std::ops::Range<usize>> {
    let mut clauses = Vec::new();
    let mut start = 0;
    for i in 0..tokens.len() {
        let next_joins = tokens
            .get(i + 1)
            .is_some_and(|next| JOINS.contains(&folded(next).as_str()));
        if ends_clause(tokens[i]) || next_joins || i + 1 == tokens.len() {
            clauses.push(start..i + 1);
            start = i + 1;
        }
    }
    clauses
}

fn clause_text(tokens: &[&str], clause: &std::ops::Range<usize>) -> String {
    tokens[clause.clone()].join(" ")
}

pub(super) fn ends_clause(token: &str) -> bool {
    token.ends_with([',', '.', '!', '?', ';'])
}

/// A word folded and without the punctuation around it ("#A-77314," -> "a-77314").
fn folded(token: &str) -> String {
    fields::fold(token.trim_matches(|c: char| !c.is_alphanumeric()))
}
