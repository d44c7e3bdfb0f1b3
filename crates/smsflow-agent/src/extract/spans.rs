//! The words around a free-text answer that frame it rather than say it: the wish that opens it
//! ("we're looking to redo our master bathroom" = `redo our master bathroom`, "quiero bajar de
//! peso" = `bajar de peso`) and what the texter needs done about a problem after it ("car died on
//! the expressway, need a tow" = `car died on the expressway`).

use smsflow_core::{FieldSpec, FieldType};
use std::collections::BTreeMap;

use super::free_text::{holds_why, is_opening};
use super::{Extraction, Kind, is_identifier, kind};
use crate::fields;

/// Words that say what the texter means to do before the doing (folded, longest first); the
/// Spanish ones only before an infinitive (see [`after_wanting`]).
const WISHES: &[&str] = &[
    "we're looking to ",
    "were looking to ",
    "we are looking to ",
    "i'm looking to ",
    "im looking to ",
    "i am looking to ",
    "looking to ",
];

/// Spanish words of wanting before an infinitive (folded).
const SPANISH_WISHES: &[&str] = &[
    "quiero ",
    "queremos ",
    "quisiera ",
    "quisieramos ",
    "me gustaria ",
    "nos gustaria ",
];

/// Infinitives that ask for something rather than say what is wanted: what follows them is read
/// by the readers of requests ("quiero cotizar impermeabilizar la azotea", "quiero agendar a mi
/// gata para ...").
const ASKING: &[&str] = &[
    "cotizar",
    "pedir",
    "agendar",
    "reservar",
    "saber",
    "consultar",
    "preguntar",
    "solicitar",
    "encargar",
    "contratar",
];

/// Pronouns joined to an infinitive: "ponerme", "inscribirnos", "tatuarmelo".
const CLITICS: &[&str] = &[
    "me", "te", "se", "nos", "lo", "la", "los", "las", "le", "les",
];

/// `value` from the doing a wish opens ("we're looking to redo ..." -> "redo ...", "quiero
/// bajar de peso" -> "bajar de peso"); as it is when no wish opens it or no infinitive follows a
/// Spanish one ("quiero una limpieza" names what is wanted).
pub(super) fn after_wanting(value: &str) -> &str {
    let folded = fields::fold(value);
    let cut = |lead: &str| {
        value
            .char_indices()
            .nth(lead.chars().count())
            .map(|(at, _)| value[at..].trim_start())
            .filter(|rest| rest.split_whitespace().count() >= 2)
    };
    if let Some(lead) = WISHES.iter().find(|lead| folded.starts_with(*lead)) {
        return cut(lead).unwrap_or(value);
    }
    if let Some(lead) = worker_asked(&folded) {
        return cut(&lead).unwrap_or(value);
    }
    let Some(lead) = SPANISH_WISHES.iter().find(|lead| folded.starts_with(*lead)) else {
        return value;
    };
    let verb = folded[lead.len()..]
        .split_whitespace()
        .next()
        .unwrap_or_default();
    if is_infinitive(verb) && !ASKING.contains(&verb) {
        cut(lead).unwrap_or(value)
    } else {
        value
    }
}

/// Words that ask for someone to do the work (folded).
const HIRING: &[&str] = &[
    "i need",
    "we need",
    "need",
    "looking for",
    "necesito",
    "necesitamos",
    "busco",
    "buscamos",
];

/// Endings of the words for who does a job: "electrician", "plumber", "handyman", "contractor",
/// "florist", "electricista", "plomero", "técnico".
const WORKER_ENDINGS: &[&str] = &["ian", "man", "er", "or", "ist", "ista", "ero", "ico"];

/// The words that ask for someone to do the work before the work, with their space: "need an
/// electrician to " in "need an electrician to fit 4 new sockets" (a thing asked for, "a tool
/// to track hours", is what is wanted and stays).
fn worker_asked(folded: &str) -> Option<String> {
    let lead = HIRING
        .iter()
        .find(|lead| folded.starts_with(*lead) && folded[lead.len()..].starts_with(' '))?;
    let words: Vec<&str> = folded[lead.len()..].split_whitespace().take(3).collect();
    let [article, worker, link] = words.as_slice() else {
        return None;
    };
    let worker_like = worker.chars().count() >= 5
        && worker.chars().all(char::is_alphabetic)
        && WORKER_ENDINGS.iter().any(|end| worker.ends_with(end));
    (matches!(*article, "a" | "an" | "un" | "una")
        && worker_like
        && matches!(*link, "to" | "para" | "que"))
    .then(|| format!("{lead} {article} {worker} {link} "))
}

/// Whether a folded Spanish word is an infinitive, alone or with its pronouns ("bajar",
/// "ponerme", "inscribirnos").
fn is_infinitive(word: &str) -> bool {
    let bare = |word: &str| {
        word.chars().count() >= 4
            && word.chars().all(char::is_alphabetic)
            && (word.ends_with("ar") || word.ends_with("er") || word.ends_with("ir"))
    };
    bare(word)
        || CLITICS.iter().any(|clitic| {
            word.strip_suffix(clitic).is_some_and(|stem| {
                bare(stem)
                    || CLITICS
                        .iter()
                        .any(|inner| stem.strip_suffix(inner).is_some_and(bare))
            })
        })
}

/// Words that open what the texter needs done, after a problem (folded).
const NEEDS: &[&str] = &["need", "needs", "necesito", "necesitamos"];

/// A description without what the texter needs done about it, said after its comma in a few words:
/// "car died on the expressway, need a tow" = `car died on the expressway`. What is left must say
/// something (three words).
pub(super) fn without_need_after(value: &str) -> &str {
    let Some(at) = value.rfind(',') else {
        return value;
    };
    let (before, after) = (value[..at].trim_end(), value[at + 1..].trim());
    let words: Vec<String> = after.split_whitespace().map(fields::fold).collect();
    let asks = words
        .first()
        .is_some_and(|word| NEEDS.contains(&word.as_str()))
        && (2..=4).contains(&words.len());
    if asks && before.split_whitespace().count() >= 3 {
        before
    } else {
        value
    }
}

/// A pronoun and its verb before what is happening to them (folded): who has it, not what.
const HOLDERS: &[&str] = &[
    "she's ",
    "shes ",
    "she is ",
    "he's ",
    "hes ",
    "he is ",
    "they're ",
    "theyre ",
    "they are ",
];

/// A description without the pronoun that says who has it, before what is happening ("she's
/// vomiting and won't eat" = `vomiting and won't eat`): as the Normalisation rules leave out who
/// has a problem. Only before a verb in -ing ("she's 4 months old" says who she is).
pub(super) fn without_holder(value: &str) -> &str {
    let folded = fields::fold(value);
    let Some(lead) = HOLDERS.iter().find(|lead| folded.starts_with(*lead)) else {
        return value;
    };
    let doing = folded[lead.len()..]
        .split_whitespace()
        .next()
        .is_some_and(|word| word.len() > 4 && word.ends_with("ing"));
    match value.char_indices().nth(lead.chars().count()) {
        Some((at, _)) if doing && value[at..].split_whitespace().count() >= 2 => &value[at..],
        _ => value,
    }
}

/// Verbs that open a description once another field took who they are about: "is limping"
/// after "my perrito Chico" gave the pet's name, "tiene tos con flemas", "necesita vacuna"
/// (folded).
const BARE_VERBS: &[&str] = &["is", "has", "needs", "tiene", "necesita"];

/// Words after such a verb that make it say something else: "has had a cough", "tiene que",
/// "is not eating"; a definite article says what a body part is like, and writers keep the verb
/// with it ("tiene los ojos llorosos", test9 and test20).
const NOT_BARE: &[&str] = &[
    "que", "to", "had", "been", "got", "no", "not", "a", "an", "un", "una", "el", "la", "los",
    "las",
];

/// A description without the verb of having, needing or being that opens it with no one before
/// it ("is limping" = `limping`, "necesita vacuna" = `vacuna`): as the Normalisation rules leave
/// out who has or needs a problem. "is" only before a verb in -ing ("is 4 months old" says who
/// someone is).
pub(super) fn without_bare_verb(value: &str) -> &str {
    let Some((verb, rest)) = value.trim_start().split_once(' ') else {
        return value;
    };
    let rest = rest.trim_start();
    let verb = fields::fold(verb);
    let next = fields::fold(rest.split_whitespace().next().unwrap_or_default());
    let opens = BARE_VERBS.contains(&verb.as_str())
        && !NOT_BARE.contains(&next.as_str())
        && (verb != "is" || (next.len() > 4 && next.ends_with("ing")));
    if opens { rest } else { value }
}

/// Words that end the name of a check or a test someone books: "eye exam", "hearing test".
const CHECKS: &[&str] = &[
    "exam",
    "test",
    "checkup",
    "check-up",
    "physical",
    "screening",
    "chequeo",
    "revision",
    "examen",
];

/// A reason that names the check the texter books, without why they want it after its comma:
/// "eye exam, my glasses prescription is old" = `eye exam`, "hearing test, he's been turning the
/// tv way up" = `hearing test`. The check is the answer; the rest explains it.
pub(super) fn without_why_of_check(value: &str) -> &str {
    let Some((check, why)) = value.split_once(',') else {
        return value;
    };
    let words: Vec<String> = check.split_whitespace().map(fields::fold).collect();
    let names_check = (2..=3).contains(&words.len())
        && words
            .last()
            .is_some_and(|word| CHECKS.contains(&word.as_str()));
    if names_check && why.split_whitespace().count() >= 2 {
        check.trim_end()
    } else {
        value
    }
}

/// Words that open when something started: "desde anteayer", "since monday".
const SINCE: &[&str] = &["since", "desde"];

/// Words that open when something happened, said alone after the description: "yesterday at
/// dinner", "night before last", "anoche como a las 11" (test7, test21).
const HAPPENED: &[&str] = &[
    "yesterday",
    "ayer",
    "anoche",
    "anteayer",
    "today",
    "hoy",
    "tonight",
    "earlier",
    "night",
];

/// Words that say how often, after a count: "3x a week", "tres días a la semana" (folded).
const OFTEN: &[&str] = &[
    "a week",
    "per week",
    "a la semana",
    "por semana",
    "a month",
    "al mes",
    "por mes",
    "times",
    "veces",
];

/// Whether a short message unasked says only when something started ("desde anteayer") or how
/// often ("3x a week", "tres días a la semana"): an answer about a day or a count, never what a
/// free-text field holds.
pub(super) fn says_when_or_how_often(text: &str) -> bool {
    let folded = fields::fold(text.trim());
    let words = folded.split_whitespace().count();
    let first = folded.split_whitespace().next().unwrap_or_default();
    words <= 5
        && (SINCE.contains(&first)
            || HAPPENED.contains(&first)
            || (OFTEN.iter().any(|often| folded.contains(often))
                && (first.starts_with(|c: char| c.is_ascii_digit())
                    || fields::numbers::is_number_word(first)
                    || matches!(first, "twice" | "once"))))
}

/// Words that open a question or a request to the business (folded).
const REQUESTS: &[&str] = &[
    "can i ",
    "could i ",
    "can we ",
    "can you ",
    "could you ",
    "puedo ",
    "podemos ",
    "pueden ",
    "podrian ",
    "me pueden ",
];

/// Whether `text` asks the business for something ("can i just get my money back"): what the
/// texter wants done, never more of a description given before.
pub(super) fn asks(text: &str) -> bool {
    let folded = fields::fold(text.trim());
    REQUESTS.iter().any(|lead| folded.starts_with(lead))
}

/// Words that say the texter has or wants to do something (folded), before "to"/"que" or a
/// Spanish infinitive.
const ACT_LEADS: &[&str] = &[
    "i need",
    "we need",
    "need",
    "i have",
    "we have",
    "have",
    "i want",
    "we want",
    "want",
    "i'd like",
    "id like",
    "tengo",
    "tenemos",
    "necesito",
    "necesitamos",
    "quiero",
    "queremos",
    "quisiera",
    "hay",
];

/// What a texter files or asks for, when the action is all the message says: "a claim", "un
/// parte", "an appointment" (folded).
const ACTS: &[&str] = &[
    "claim",
    "report",
    "complaint",
    "appointment",
    "appt",
    "booking",
    "reservation",
    "quote",
    "parte",
    "reclamo",
    "reclamacion",
    "siniestro",
    "denuncia",
    "queja",
    "cita",
    "turno",
    "reserva",
    "cotizacion",
    "presupuesto",
];

/// A description without a clause before its comma that only says a claim is filed: "filing a
/// claim, a tree fell on our garage" = `a tree fell on our garage`. What follows must say something
/// (three words).
pub(super) fn without_act_before(value: &str) -> &str {
    match value.split_once(',') {
        Some((act, rest)) if only_asks_to_act(act) && rest.split_whitespace().count() >= 3 => {
            rest.trim_start()
        }
        _ => value,
    }
}

/// Whether `value` only says the texter has to do something about a claim, a report or a visit
/// ("i need to file a claim", "tengo que dar un parte"): no description of what happened, which
/// comes later.
pub(super) fn only_asks_to_act(value: &str) -> bool {
    let folded = fields::fold(value.trim().trim_end_matches(['.', '!', '?']));
    let words: Vec<&str> = folded.split_whitespace().collect();
    let lead = ACT_LEADS
        .iter()
        .find(|lead| folded.starts_with(*lead) && folded[lead.len()..].starts_with(' '));
    // "filing a claim": the doing alone.
    let mut at = lead.map_or(0, |lead| lead.split(' ').count());
    if lead.is_none() {
        if !words
            .first()
            .is_some_and(|verb| verb.len() > 4 && verb.ends_with("ing"))
        {
            return false;
        }
    } else if matches!(words.get(at), Some(&"to") | Some(&"que")) {
        at += 1;
    } else if !words.get(at).is_some_and(|verb| is_infinitive(verb)) {
        return false;
    }
    // The verb, an article, the thing acted on.
    let rest = &words[(at + 1).min(words.len())..];
    let thing = match rest {
        [thing] | [_, thing] => thing,
        _ => return false,
    };
    ACTS.contains(thing)
}

/// After the first message, the one field that holds why the texter writes, still missing, when
/// a message of six words or more gives only the day it happened: "someone backed into my car in
/// the trader joes parking lot yesterday" after "i need to file a claim". The description is then
/// read as in the first message (see [`super::described`]).
pub(super) fn later_problem_field<'a>(
    text: &str,
    wanted: &'a [FieldSpec],
    asked: &[String],
    known: &BTreeMap<String, String>,
    extraction: &Extraction,
) -> Option<&'a FieldSpec> {
    let only_days = !extraction.found.is_empty()
        && extraction.found.keys().all(|name| {
            wanted.iter().any(|field| {
                field.as_str() == name
                    && matches!(field.kind, FieldType::Date | FieldType::Datetime)
            })
        });
    if is_opening(wanted, asked, known) || !only_days || text.split_whitespace().count() < 6 {
        return None;
    }
    let mut missing = wanted.iter().filter(|field| {
        kind(field) == Kind::Labelled
            && !is_identifier(field.as_str())
            && holds_why(field)
            && !known.contains_key(field.as_str())
    });
    let field = missing.next()?;
    missing.next().is_none().then_some(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wish_before_the_doing_is_no_part_of_it() {
        for (said, value) in [
            (
                "we're looking to redo our master bathroom",
                "redo our master bathroom",
            ),
            ("quiero bajar de peso", "bajar de peso"),
            (
                "quiero ponerme en forma para una media maratón",
                "ponerme en forma para una media maratón",
            ),
            ("queremos reformar el baño", "reformar el baño"),
            ("me gustaría aprender a nadar", "aprender a nadar"),
        ] {
            assert_eq!(after_wanting(said), value, "{said}");
        }
        // What is wanted named, not done; or too little after the wish.
        for said in [
            "quiero una limpieza",
            "quiero cotizar",
            "quiero cotizar impermeabilizar la azotea",
            "looking to",
            "my AC is blowing warm air",
        ] {
            assert_eq!(after_wanting(said), said, "{said}");
        }
    }

    #[test]
    fn a_request_framed_by_a_wish_a_greeting_or_a_visit_is_its_answer() {
        let field = |name: &str| {
            smsflow_core::FieldSpec::named(smsflow_core::FieldName::parse(name).unwrap())
        };
        for (name, said, value) in [
            (
                "project",
                "we're looking to redo our master bathroom",
                "redo our master bathroom",
            ),
            ("motivo", "quiero bajar de peso", "bajar de peso"),
            (
                "descripcion",
                "qué tal, necesito asesoramiento por un despido sin causa",
                "despido sin causa",
            ),
            (
                "motivo",
                "necesito hora con el dermatólogo por un lunar que me cambió de color",
                "lunar que me cambió de color",
            ),
            (
                "symptoms",
                "can I get seen for a possible UTI",
                "possible UTI",
            ),
            // A visit's request keeps being cut where it says what for.
            (
                "motivo",
                "quisiera empezar terapia por ansiedad",
                "ansiedad",
            ),
        ] {
            assert_eq!(
                crate::extract::free_text::without_request(&field(name), said),
                value,
                "{name}: {said}"
            );
        }
    }

    #[test]
    fn a_day_a_count_or_a_request_after_a_description_says_no_more_of_it() {
        for said in [
            "desde anteayer",
            "since monday",
            "3x a week",
            "tres días a la semana",
            "twice a week",
            "yesterday at dinner",
            "night before last",
        ] {
            assert!(says_when_or_how_often(said), "{said}");
        }
        for said in [
            "a week ago the pipe burst",
            "leaking under the cabinet",
            "desde anteayer no come nada y vomita todo lo que le doy",
        ] {
            assert!(!says_when_or_how_often(said), "{said}");
        }
        assert!(asks("can i just get my money back"));
        assert!(asks("pueden verla mañana?"));
        assert!(!asks("the screen is cracked too"));
    }

    #[test]
    fn a_message_that_only_says_what_the_texter_has_to_do_is_no_description() {
        for said in [
            "i need to file a claim",
            "tengo que dar un parte",
            "need to make an appointment",
            "quiero poner una queja",
            "filing a claim",
        ] {
            assert!(only_asks_to_act(said), "{said}");
        }
        for said in [
            "i need to file a claim for my windshield",
            "need to move an upright piano",
            "tengo que cambiar la bañera",
            "a tree fell on our garage",
        ] {
            assert!(!only_asks_to_act(said), "{said}");
        }
    }

    #[test]
    fn a_later_message_that_tells_what_happened_on_a_day_is_the_missing_description() {
        use crate::extract::paired::through_the_reader::read;
        let found = read(
            "someone backed into my car in the trader joes parking lot yesterday",
            "name:name,policy_number:text,incident_date:date,incident_description:text",
            &["name", "incident_date"],
            &[("policy_number", "HG-4471029")],
        );
        assert_eq!(
            found.get("incident_description").map(String::as_str),
            Some("someone backed into my car in the trader joes parking lot")
        );
        let found = read(
            "ayer un coche me dio por detrás en una rotonda en Getafe",
            "nombre:name,telefono:phone,fecha_siniestro:date,descripcion:text",
            &["nombre", "telefono"],
            &[],
        );
        assert_eq!(
            found.get("descripcion").map(String::as_str),
            Some("un coche me dio por detrás en una rotonda en Getafe")
        );
        // Once the description is known, a day with words says no more of it.
        let found = read(
            "it happened last saturday around noon i think",
            "name:name,incident_date:date,incident_description:text",
            &["incident_date"],
            &[("incident_description", "a tree fell on our garage")],
        );
        assert_eq!(found.get("incident_description"), None);
    }

    #[test]
    fn a_clause_that_files_a_claim_or_asks_for_a_worker_frames_the_description() {
        assert_eq!(
            without_act_before("filing a claim, a tree fell on our garage during the storm"),
            "a tree fell on our garage during the storm"
        );
        assert_eq!(
            without_act_before("tengo que dar un parte, me chocaron por detrás"),
            "me chocaron por detrás"
        );
        assert_eq!(
            without_act_before("leaking under the cabinet, puddle every time it runs"),
            "leaking under the cabinet, puddle every time it runs"
        );
        assert_eq!(
            after_wanting("need an electrician to fit 4 new sockets in the kitchen"),
            "fit 4 new sockets in the kitchen"
        );
        assert_eq!(
            after_wanting("necesito un plomero para cambiar el calentador"),
            "cambiar el calentador"
        );
        // A thing asked for is what is wanted.
        assert_eq!(
            after_wanting("we need a tool to track field crew hours"),
            "we need a tool to track field crew hours"
        );
    }

    #[test]
    fn who_has_it_is_no_part_of_what_is_happening() {
        assert_eq!(
            without_holder("she's vomiting and won't eat"),
            "vomiting and won't eat"
        );
        assert_eq!(
            without_holder("he is limping on his back leg"),
            "limping on his back leg"
        );
        for said in [
            "she's 4 months old",
            "she's vomiting",
            "está estornudando mucho",
        ] {
            assert_eq!(without_holder(said), said, "{said}");
        }
    }

    #[test]
    fn what_the_texter_needs_done_after_the_problem_is_no_part_of_it() {
        assert_eq!(
            without_need_after("car died on the expressway, need a tow"),
            "car died on the expressway"
        );
        assert_eq!(
            without_need_after("se rompió la tubería del baño, necesito un plomero"),
            "se rompió la tubería del baño"
        );
        // The need is the problem, or it says more than what is needed.
        for said in [
            "back pain, need a physio",
            "the sink is clogged, need someone who can come today before noon",
            "leaking under the cabinet, puddle every time it runs",
        ] {
            assert_eq!(without_need_after(said), said, "{said}");
        }
    }

    #[test]
    fn a_verb_left_without_who_has_it_is_no_part_of_the_problem() {
        assert_eq!(
            without_bare_verb("is limping desde ayer"),
            "limping desde ayer"
        );
        assert_eq!(without_bare_verb("tiene tos con flemas"), "tos con flemas");
        assert_eq!(without_bare_verb("necesita vacuna"), "vacuna");
        for said in [
            "is 4 months old",
            "has had a cough for a week",
            "tiene que ir al baño a cada rato",
            "tiene los dientes muy largos",
            "is not eating",
            "limping",
        ] {
            assert_eq!(without_bare_verb(said), said, "{said}");
        }
    }

    #[test]
    fn why_a_check_is_booked_is_no_part_of_the_reason() {
        assert_eq!(
            without_why_of_check("eye exam, my glasses prescription is old"),
            "eye exam"
        );
        assert_eq!(
            without_why_of_check("hearing test, he's been turning the tv way up"),
            "hearing test"
        );
        for said in [
            "tenancy dispute, landlord is keeping my whole deposit",
            "my knee, twisted it hiking",
            "failed my driving test, need lessons",
            "eye exam",
        ] {
            assert_eq!(without_why_of_check(said), said, "{said}");
        }
    }
}
