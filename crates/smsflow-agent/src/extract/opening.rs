//! What the first message asks for, before anything was asked, for a free-text field that holds
//! what the texter wants done or reached: a goal, a service, a job, a procedure ("hi im looking
//! to replace 8 windows in our 1960s bungalow" for `project`, "hola! quiero ponerme en forma
//! para una media maratón" for `objetivo`, "necesito un handyman para montar una TV" for `job`).
//! A field that holds what is wrong (see [`super::free_text::holds_why`]) is read by
//! [`super::described`]; this reader takes the fields whose names say a need by meaning and
//! reads the request the same way: without the greeting, the words that frame it and what the
//! other fields took.

use jiff::civil::Date;
use smsflow_core::FieldSpec;
use std::collections::BTreeMap;

use super::{Extraction, free_text, is_free_text};
use crate::fields;

/// Words in a free-text field's name that say it holds what the texter wants: the first
/// message, when it states a request, answers it.
const NEEDS: &[&str] = &[
    "goal",
    "goals",
    "objetivo",
    "objetivos",
    "meta",
    "metas",
    "job",
    "trabajo",
    "work",
    "task",
    "tarea",
    "tramite",
    "gestion",
    "incidencia",
    "incidente",
    "incident",
    "summary",
    "resumen",
    "molestia",
    "molestias",
    // The service or need a first message asks for: "need gutter cleaning", "necesitamos
    // soporte para la facturación electrónica", "queremos reformar la cocina entera".
    "service",
    "servicio",
    "need",
    "necesidad",
    "reforma",
    // A laboratory's test: "hacen química sanguínea de 24 elementos?".
    "estudio",
    "estudios",
    "analisis",
    "examen",
    "examenes",
];

/// Words that say the texter wants something before what they want, longest first (folded):
/// "im looking to", "we need", "quiero", "necesito".
const WANT_LEADS: &[&str] = &[
    "i'm looking to ",
    "im looking to ",
    "we're looking to ",
    "were looking to ",
    "looking to ",
    "i would like to ",
    "i'd like to ",
    "id like to ",
    "we'd like to ",
    "i want to ",
    "we want to ",
    "want to ",
    "i need to ",
    "we need to ",
    "need to ",
    "i need ",
    "we need ",
    "need ",
    "i want ",
    "we want ",
    "quisiera ",
    "quiero ",
    "queremos ",
    "necesito ",
    "necesitamos ",
    "me gustaria ",
    "nos gustaria ",
    // Who has it, as a problem field drops it: "tengo dolor de cuello desde hace días".
    "i have ",
    "i've got ",
    "ive got ",
    "tengo ",
];

/// Verbs that do nothing but carry what is wanted: "quiero hacer mi testamento" = `testamento`,
/// "necesito que me hagan la renta de este año" = `la renta de este año`.
const LIGHT_VERBS: &[&str] = &[
    "que me hagan ",
    "que me hagas ",
    "hacerme ",
    "hacer ",
    // "para hacerme química sanguínea": what it is for.
    "para ",
    "pa ",
    // "quería saber si hacen mantención de jardín": what the business does is what is wanted.
    "hacen ",
    "haceis ",
    "do you do ",
    "do you guys do ",
];

/// What a first message asks for when it seeks the business rather than states a need: a
/// provider, a visit, a sign-up, a price ("busco entrenador personal", "want to try a personal
/// training session", "quiero inscribirme al gimnasio", "whats the price on the family plan").
const SEEKING: &[&str] = &[
    "busco ",
    "buscamos ",
    "looking for ",
    "try ",
    "book ",
    "join ",
    "sign up",
    "signup",
    "schedule ",
    "inscribirme",
    "apuntarme",
    "reservar",
    "agendar",
];

/// Words that ask about the business, anywhere in a first message: "yo whats the price on the
/// family plan" asks, it states no need.
const QUESTIONS: &[&str] = &[
    "what", "whats", "what's", "how", "price", "prices", "cost", "cuanto", "cuanta", "precio",
    "precios", "costo",
];

/// Words for help or advice asked for before what it is about: "need help catching up on ...",
/// "quiero asesoría para una visa de trabajo".
const HELP_LEADS: &[&str] = &[
    "help with ",
    "help ",
    "ayuda con ",
    "ayuda para ",
    "asesoria para ",
    "asesoria con ",
    "asesoria sobre ",
    "asesoramiento para ",
    "asesoria porque ",
    "asesoramiento porque ",
    // A visit asked for before what it is for: "quiero hora para firmar una escritura".
    "hora para ",
    "cita para ",
    "turno para ",
];

/// The free-text field still missing whose name says it holds what the texter wants, when the
/// first message states it and no field that holds what is wrong is wanted (that one takes the
/// description): the one such field, or none.
pub(super) fn need_field<'a>(
    wanted: &'a [FieldSpec],
    asked: &[String],
    known: &BTreeMap<String, String>,
    extraction: &Extraction,
) -> Option<&'a FieldSpec> {
    if !free_text::is_opening(wanted, asked, known) {
        return None;
    }
    if wanted
        .iter()
        .filter(|field| is_free_text(field))
        .any(|field| free_text::holds_why(field) || free_text::is_project(field))
    {
        return None;
    }
    let mut needs = wanted
        .iter()
        .filter(|field| is_free_text(field))
        .filter(|field| {
            fields::field_says(field.as_str(), NEEDS)
                && !extraction.found.contains_key(field.as_str())
                && !known.contains_key(field.as_str())
        });
    let field = needs.next()?;
    needs.next().is_none().then_some(field)
}

/// The request in the first message for the field [`need_field`] chose: the message without
/// what other fields took ([`super::described::described`]), then without the words that say
/// the texter wants it and an article or the one who would do it ("necesito un handyman para
/// montar una TV" = `montar una TV`).
pub(super) fn answer(
    text: &str,
    field: &FieldSpec,
    wanted: &[FieldSpec],
    extraction: &Extraction,
    today: Date,
) -> Option<(String, String)> {
    // "quiero agendar con la nutri, necesito bajar unos kilos": the clause that wants it, as
    // the one before asks for a visit.
    let clause = wanting_clause(free_text::after_greeting(text));
    // "hacen química sanguínea de 24 elementos? y cuánto cuesta", "para hacerme química
    // sanguínea, es con cita?": what the business is asked to do is named before the question
    // about it.
    let folded = fields::fold(clause);
    let carried = LIGHT_VERBS.iter().any(|lead| folded.starts_with(lead));
    let clause = match clause.split_once(['?', '¿']) {
        Some((named, _)) if carried && named.split_whitespace().count() >= 3 => {
            named.trim_end_matches([',', ' '])
        }
        _ => clause,
    };
    let (name, said) = super::described::described(clause, field, wanted, extraction, today)?;
    let request = without_wanting(&said);
    let folded = fields::fold(request);
    let seeks = SEEKING.iter().any(|lead| folded.starts_with(lead))
        || folded
            .split_whitespace()
            .any(|word| QUESTIONS.contains(&word))
        || request.ends_with('?');
    // "les escribo por un tema laboral" beside `asunto` = `Laboral`: the choice named, no need.
    let names_a_choice = request.split_whitespace().count() <= 3
        && wanted.iter().any(|other| {
            other.kind == smsflow_core::FieldType::Choice
                && extraction
                    .found
                    .get(other.as_str())
                    .is_some_and(|choice| folded.contains(&fields::fold(choice)))
        });
    (!request.is_empty() && !seeks && !names_a_choice).then(|| (name, request.to_string()))
}

/// `said` without the words that say it is wanted (see [`WANT_LEADS`], [`HELP_LEADS`]) and,
/// after them, who would do it: "need a plumber to fix the sink" = `fix the sink`.
fn without_wanting(said: &str) -> &str {
    let said = wanting_clause(said.trim());
    let rest = super::without_lead(said, WANT_LEADS);
    let light = super::without_lead(rest, LIGHT_VERBS);
    if rest.len() == said.len() && light.len() == rest.len() {
        return said;
    }
    let rest = super::without_lead(super::without_lead(light, HELP_LEADS), LIGHT_VERBS);
    let rest = without_first(rest, &["my", "our", "mi", "mis", "nuestro", "nuestra"]);
    // "an electrician, half the sockets ... stopped working": the one asked for, then what
    // is wrong.
    if let Some((asked, what)) = rest.split_once(", ")
        && asked.split_whitespace().count() <= 3
        && asked
            .split_whitespace()
            .next()
            .is_some_and(|first| INDEFINITES.contains(&fields::fold(first).as_str()))
        && what.split_whitespace().count() >= 3
    {
        return what;
    }
    // "un handyman para montar ...": the one asked for, then what for.
    let words: Vec<&str> = rest.splitn(4, ' ').collect();
    if let [article, _, link, what] = words.as_slice()
        && matches!(
            fields::fold(article).as_str(),
            "a" | "an" | "un" | "una" | "someone" | "alguien"
        )
        && matches!(fields::fold(link).as_str(), "to" | "para" | "que")
    {
        return what;
    }
    without_first(rest, INDEFINITES)
}

/// Indefinite articles: what follows one is asked for, not named.
const INDEFINITES: &[&str] = &["a", "an", "un", "una", "unos", "unas"];

/// Whether `clause` opens with the words that say something is wanted: "need to file a
/// claim,", "I need to report un accidente,".
pub(super) fn asks(clause: &str) -> bool {
    let clause = clause.trim();
    super::without_lead(clause, WANT_LEADS).len() < clause.len()
}

/// The clause of `said` that says what is wanted, when one after a comma opens with it: "im
/// interested in personal training, want to lose 20 lbs" = `want to lose 20 lbs`.
fn wanting_clause(said: &str) -> &str {
    said.match_indices(", ")
        .map(|(at, comma)| &said[at + comma.len()..])
        .find(|clause| asks(clause))
        .unwrap_or(said)
}

/// `value` without its first word when it is one of `words` (folded) and words follow it.
fn without_first<'a>(value: &'a str, words: &[&str]) -> &'a str {
    match value.split_once(' ') {
        Some((first, rest))
            if words.contains(&fields::fold(first).as_str()) && !rest.is_empty() =>
        {
            rest.trim_start()
        }
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str) -> FieldSpec {
        FieldSpec::named(smsflow_core::FieldName::parse(name).unwrap())
    }

    #[test]
    fn a_goal_is_what_the_first_message_wants_to_do() {
        assert_eq!(
            without_wanting("quiero ponerme en forma para una media maratón"),
            "ponerme en forma para una media maratón"
        );
        assert_eq!(
            without_wanting("looking to replace 8 windows"),
            "replace 8 windows"
        );
        assert_eq!(
            without_wanting("im interested in personal training, want to lose 20 lbs"),
            "lose 20 lbs"
        );
    }

    #[test]
    fn the_one_who_would_do_the_job_is_no_part_of_it() {
        assert_eq!(
            without_wanting("necesito un handyman para montar una TV de 65 en la pared"),
            "montar una TV de 65 en la pared"
        );
        assert_eq!(
            without_wanting("need help catching up on 2 years of bookkeeping"),
            "catching up on 2 years of bookkeeping"
        );
    }

    #[test]
    fn a_light_verb_and_an_article_after_the_wanting_go() {
        assert_eq!(without_wanting("quiero hacer mi testamento"), "testamento");
        assert_eq!(without_wanting("hacer mi testamento"), "testamento");
        assert_eq!(
            without_wanting("hacen mantención de jardín mensual"),
            "mantención de jardín mensual"
        );
        assert_eq!(
            without_wanting("necesito que me hagan la renta de este año"),
            "la renta de este año"
        );
        assert_eq!(
            without_wanting("quiero un closet empotrado para la habitación principal"),
            "closet empotrado para la habitación principal"
        );
    }

    #[test]
    fn the_clause_that_wants_it_answers_after_one_that_asks_for_a_visit() {
        let wanted = vec![text("nombre"), text("objetivo")];
        let found = answer(
            "hola quiero agendar con la nutri, necesito bajar unos kilos",
            &wanted[1],
            &wanted,
            &Extraction::default(),
            jiff::civil::date(2026, 7, 1),
        );
        assert_eq!(
            found,
            Some(("objetivo".to_string(), "bajar unos kilos".to_string()))
        );
    }

    #[test]
    fn what_is_wrong_follows_the_one_asked_for() {
        assert_eq!(
            without_wanting("need an electrician, half the sockets have stopped working"),
            "half the sockets have stopped working"
        );
        assert_eq!(
            without_wanting("necesito asesoría porque me despidieron sin justa causa"),
            "me despidieron sin justa causa"
        );
        assert_eq!(
            without_wanting("quiero hora para firmar una escritura"),
            "firmar una escritura"
        );
    }

    #[test]
    fn a_statement_without_wanting_is_kept_whole() {
        assert_eq!(
            without_wanting("el servidor de archivos no responde"),
            "el servidor de archivos no responde"
        );
    }

    #[test]
    fn only_the_first_message_answers_a_need_and_not_beside_a_problem_field() {
        let wanted = vec![text("name"), text("goal")];
        let none = BTreeMap::new();
        let empty = Extraction::default();
        assert_eq!(
            need_field(&wanted, &[], &none, &empty).map(FieldSpec::as_str),
            Some("goal")
        );
        assert!(need_field(&wanted, &["name".to_string()], &none, &empty).is_none());
        let with_problem = vec![text("goal"), text("problem")];
        assert!(need_field(&with_problem, &[], &none, &empty).is_none());
        // The service or need asked for: "queremos reformar la cocina entera".
        for need in ["service", "servicio", "necesidad", "reforma"] {
            let wanted = vec![text("nombre"), text(need)];
            assert_eq!(
                need_field(&wanted, &[], &none, &empty).map(FieldSpec::as_str),
                Some(need)
            );
        }
    }
}
