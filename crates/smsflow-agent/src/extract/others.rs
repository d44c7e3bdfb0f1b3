//! Name fields about someone other than the texter: a pet, a child, a student, a guest of honour,
//! a recipient. Which ones is read from the field's name: any word beside "name"/"nombre" that
//! does not name the texter themselves (`pet_name`, `nombre_alumno`, `mascota`, `recipient`; not
//! `full_name`, `owner_name`, `nombre_padre`). Their value is the name the message gives that
//! person ("my cat Pickles", "mi hijo Mateo", "for my daughter Ana", "se llama Abril"), or a bare
//! name answering the question about them, never the texter's own.

use super::{Word, capitalised_run, cue_at, plain_name, skip_fillers, skip_leading_fillers};
use crate::fields::{self, dates};

/// Who a name field names, from the words of its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Person {
    /// The texter: `name`, `full_name`, `owner_name`, `nombre_padre`, `tenant`.
    Texter,
    /// Someone the texter speaks for, who may be the texter too (`patient_name`, `guest_name`):
    /// another name when the message gives one, else the texter's when the workflow asks for no
    /// name of the texter's own.
    Either,
    /// Someone else: `pet_name`, `child_name`, `nombre_alumno`, `mascota`, `recipient`.
    Other,
}

/// Words of a field's name that only say it holds a name.
const NAME_WORDS: &[&str] = &[
    "name", "names", "nombre", "nombres", "de", "del", "of", "the", "el", "la", "y", "and", "s",
    "quien",
];

/// Words of a field's name that name the texter: their own name, or their part in the business
/// (the owner of the pet, the parent of the student, the tenant).
const TEXTER_WORDS: &[&str] = &[
    "full",
    "first",
    "last",
    "given",
    "family",
    "surname",
    "surnames",
    "apellido",
    "apellidos",
    "completo",
    "your",
    "tu",
    "su",
    "my",
    "mi",
    "contact",
    "contacto",
    "customer",
    "cliente",
    "clienta",
    "client",
    "owner",
    "dueno",
    "duena",
    "propietario",
    "propietaria",
    "parent",
    "padre",
    "madre",
    "mama",
    "papa",
    "mom",
    "dad",
    "guardian",
    "tutor",
    "acudiente",
    // Chile: the parent or guardian who enrols a pupil.
    "apoderado",
    "apoderada",
    "responsable",
    "caller",
    "sender",
    "remitente",
    // `quien_envia`: who sends it.
    "envia",
    "booker",
    "contratante",
    // Who writes about the building they live in.
    "vecino",
    "vecina",
    "requester",
    "solicitante",
    "titular",
    "holder",
    // Who holds the policy a claim is filed under: the texter filing it.
    "policyholder",
    "insured",
    "asegurado",
    "asegurada",
    "account",
    "tenant",
    "inquilino",
    "inquilina",
    "renter",
    "applicant",
    "buyer",
    "comprador",
    "seller",
    "vendedor",
    "lead",
    "person",
    "persona",
    "user",
    "usuario",
    "self",
    "legal",
    "preferred",
    "main",
    "primary",
    "principal",
    "booking",
    "reserva",
];

/// Words of a field's name for someone who may be the texter or someone they speak for.
const EITHER_WORDS: &[&str] = &[
    "patient",
    "paciente",
    "guest",
    "huesped",
    "attendee",
    "asistente",
    "passenger",
    "pasajero",
    "pasajera",
    "traveler",
    "traveller",
    "viajero",
    "participant",
    "participante",
    "member",
    "socio",
    "student",
    "estudiante",
    "alumno",
    "alumna",
    "driver",
    "conductor",
    "visitor",
    "visitante",
    "resident",
    "residente",
    "homeowner",
    "employee",
    "empleado",
    "candidate",
    "candidato",
    "player",
    "jugador",
];

impl Person {
    pub(super) fn of(field: &str) -> Person {
        let folded = fields::fold(field);
        let qualifiers: Vec<&str> = folded
            .split(['_', ' ', '-'])
            .filter(|word| !word.is_empty() && !word.chars().all(|c| c.is_ascii_digit()))
            .filter(|word| !NAME_WORDS.contains(word))
            .collect();
        if qualifiers.iter().any(|word| !TEXTER_WORDS.contains(word)) {
            if qualifiers
                .iter()
                .all(|word| TEXTER_WORDS.contains(word) || EITHER_WORDS.contains(word))
            {
                Person::Either
            } else {
                Person::Other
            }
        } else {
            Person::Texter
        }
    }
}

/// Words of a field's name for a child or a student the texter writes for (folded).
const DEPENDANT_WORDS: &[&str] = &[
    "child",
    "kid",
    "son",
    "daughter",
    "student",
    "estudiante",
    "alumno",
    "alumna",
    "hijo",
    "hija",
    "nino",
    "nina",
    "baby",
    "bebe",
];

/// Whether a text field holds the name of a child or a student the texter writes for
/// (`child_name`, `student_name`, `alumno`, `nombre_hijo`): workflows type such a field as text
/// as often as a name, and its value is still the name a message gives them ("my son Oliver",
/// "nuestro hijo Pablo", "se llama Camila"), not a sentence. Not a field another reader holds
/// (`school`, `subject`) nor one about the texter (`parent_name`).
pub(super) fn names_a_dependant(field: &str) -> bool {
    let folded = fields::fold(field);
    folded
        .split(['_', ' ', '-'])
        .any(|word| DEPENDANT_WORDS.contains(&word))
        && Person::of(field) != Person::Texter
        && fields::things::Thing::of(field).is_none()
}

/// Words before the words for who someone is: "my", "our", "mi", "nuestra".
const POSSESSIVES: &[&str] = &[
    "my", "our", "his", "her", "their", "mi", "mis", "nuestro", "nuestra", "nuestros", "nuestras",
];

/// Words between who someone is and their name: "my fiancé is Omar", "mi niña se llama Abril".
const BEFORE_THEIR_NAME: &[&[&str]] = &[
    &["is", "named"],
    &["is", "called"],
    &["is"],
    &["named"],
    &["called"],
    &["se", "llama"],
    &["es"],
    &["llamado"],
    &["llamada"],
];

/// Phrases that name someone who is not the texter, then the name: "her name is Kiwi".
const THEIR_NAME_CUES: &[&[&str]] = &[
    &["his", "name", "is"],
    &["her", "name", "is"],
    // Someone who died: "his name was Harold James Whitmore", "se llamaba Rubén Treviño".
    &["his", "name", "was"],
    &["her", "name", "was"],
    &["su", "nombre", "era"],
    &["se", "llamaba"],
    &["its", "name", "is"],
    &["their", "name", "is"],
    &["su", "nombre", "es"],
    &["se", "llama"],
    &["named"],
    &["called"],
    &["llamado"],
    &["llamada"],
];

/// Words that say the texter is giving their own name: such a message names nobody else alone.
const TEXTER_CUES: &[&[&str]] = &[
    &["i'm"],
    &["im"],
    &["i", "am"],
    &["my", "name"],
    &["this", "is"],
    &["me", "llamo"],
    &["soy"],
    &["mi", "nombre"],
    &["habla"],
    &["le", "escribe"],
    &["les", "escribe"],
    &["te", "escribe"],
    &["a", "nombre", "de"],
    &["under"],
];

/// Whether the message says the name it gives is the texter's own ("my name is", "soy").
pub(super) fn says_own_name(words: &[Word]) -> bool {
    (0..words.len()).any(|at| TEXTER_CUES.iter().any(|cue| said_at(words, at, cue)))
}

fn said_at(words: &[Word], at: usize, cue: &[&str]) -> bool {
    cue_at(words, at, cue).is_some()
}

/// A name as people write one for someone: capitalised, not a month, a weekday or a word that
/// opens a sentence.
fn their_name(words: &[Word], at: usize) -> Option<(String, usize)> {
    let (name, end) = capitalised_run(words, at, 3, false)?;
    let first = fields::fold(&name.split(' ').next()?.to_lowercase());
    (!dates::is_month(&first) && !dates::is_weekday(&first) && first != "i").then_some((name, end))
}

/// The name the message gives someone close to the texter: after a possessive and the words for
/// who they are ("my cat Pickles", "our little boy Theo", "mi hija Renata", "my fiancé is Omar
/// Haddad", "mi niña se llama Abril"), after "named", "called", "se llama" or "her name is", or
/// after "for"/"para" ("boarding for Bruno", "baño para Canelo").
pub(super) fn relative_name(words: &[Word]) -> Option<String> {
    let related = (0..words.len()).find_map(|at| {
        // "I'm her dad, Callum Reid": the texter, who says whose they are.
        let own = at > 0 && matches!(words[at - 1].lower.as_str(), "i'm" | "im" | "am" | "soy");
        if !POSSESSIVES.contains(&words[at].lower.as_str()) || words[at].ends_clause || own {
            return None;
        }
        // One to three words for who they are, in lower case: "cat", "little boy", "perrito";
        // the name may follow a comma: "para mi suegra, Amparo".
        let mut next = at + 1;
        while next < words.len()
            && next - at <= 3
            && words[next]
                .text
                .chars()
                .all(|c| c.is_lowercase() || matches!(c, '\'' | '-'))
        {
            next += 1;
            if words[next - 1].ends_clause {
                break;
            }
        }
        let about = &words[at + 1..next];
        // "my name's Mia Chen": the texter's own.
        if about.is_empty()
            || about.iter().any(|word| {
                matches!(
                    fields::fold(&word.lower).as_str(),
                    "name" | "name's" | "names" | "nombre"
                )
            })
        {
            return None;
        }
        let cue = BEFORE_THEIR_NAME
            .iter()
            .find(|cue| said_at(words, next, cue))
            .map_or(0, |cue| cue.len());
        // Here a month is a name ("mi niña se llama Abril") unless a day follows it.
        // "my son's teacher Mrs Lopez": the name after the title, which the reader puts back
        // before a surname alone.
        let (name, end) = capitalised_run(words, skip_fillers(words, next + cue), 3, false)?;
        let dated = words
            .get(end)
            .is_some_and(|word| word.text.starts_with(|c: char| c.is_ascii_digit()));
        let first = fields::fold(&name.split(' ').next()?.to_lowercase());
        (!(dates::is_weekday(&first) || dated && dates::is_month(&first))).then_some(name)
    });
    // "my old Honda Civic": a make is no one's name.
    let related = related.filter(|name| fields::things::make_and_model(name).0.is_none());
    related.or_else(|| named(words)).or_else(|| {
        (0..words.len()).find_map(|at| {
            // Written in lower case: "For Sale" is a sign.
            (matches!(words[at].text.as_str(), "for" | "para") && !words[at].ends_clause)
                .then(|| their_name(words, at + 1))
                .flatten()
                .map(|(name, _)| name)
                // "for Bruno" names one; "for Blue Fin Sushi" is a business, "for
                // Christmas" a day.
                .filter(|name| !name.contains(' ') && !dates::names_a_day(name))
        })
    })
}

/// The name after "named", "called", "se llama" or "her name is": someone the texter writes
/// about, never the texter.
pub(super) fn named(words: &[Word]) -> Option<String> {
    (0..words.len()).find_map(|at| {
        THEIR_NAME_CUES
            .iter()
            .find(|cue| said_at(words, at, cue))
            .and_then(|cue| their_name(words, at + cue.len()))
            .map(|(name, _)| name)
    })
}

/// Words of a field's name for an animal (folded).
const PET_WORDS: &[&str] = &[
    "pet", "dog", "cat", "puppy", "mascota", "perro", "perra", "perrito", "perrita", "gato",
    "gata", "animal",
];

/// Words after a pet's name that say what it does or has: "Mora se comió", "Luna's been
/// limping", "Canela no quiere comer", "Lupe está rascándose".
const PET_DOES: &[&str] = &[
    "se", "no", "esta", "anda", "tiene", "ha", "lleva", "sigue", "is", "has", "was", "won't",
    "keeps", "ate", "got", "hasn't", "isn't", "been",
];

/// For a pet's field, a single capitalised word that opens the message after its greeting and
/// that the pet's doings follow ("Hola, Mora se comió un chocolate", "Hiya, Luna's been
/// limping"): people write of their pet by its name.
pub(super) fn pet_subject(field: &str, words: &[Word]) -> Option<String> {
    if !fields::field_says(field, PET_WORDS) {
        return None;
    }
    if let Some(name) = named_after_animal(words)
        .or_else(|| named_after_cue(words))
        .or_else(|| named_before_animal(words))
    {
        return Some(name);
    }
    let start = words
        .iter()
        .position(|word| !super::GREETINGS.contains(&fields::fold(&word.lower).as_str()))?;
    if start > 0 && !words[start - 1].ends_clause {
        return None;
    }
    let word = &words[start];
    let (name, possessive) = match word.text.strip_suffix("'s") {
        Some(name) => (name, true),
        None => (word.text.as_str(), false),
    };
    let does = possessive
        || words
            .get(start + 1)
            .is_some_and(|next| PET_DOES.contains(&fields::fold(&next.lower).as_str()));
    let folded = fields::fold(&name.to_lowercase());
    (does
        && !word.ends_clause
        && name.chars().next().is_some_and(char::is_uppercase)
        && name.chars().count() >= 3
        && name.chars().all(char::is_alphabetic)
        && !super::COMMON_WORDS.contains(&folded.as_str())
        && !super::OPENING_WORDS.contains(&folded.as_str())
        && !dates::is_month(&folded)
        && !dates::is_weekday(&folded))
    .then(|| name.to_string())
}

/// For a field about who serves the texter, the name after "with", "w/" or "con": "a blowout
/// with Jess on friday", "anything today w/ Dre?", "cita con Marisol".
pub(super) fn staff_with(field: &str, words: &[Word]) -> Option<String> {
    if !fields::field_says(field, fields::things::STAFF_WORDS) {
        return None;
    }
    words.windows(2).find_map(|pair| {
        let [with, name] = pair else {
            return None;
        };
        let folded = fields::fold(&name.lower);
        (matches!(with.lower.as_str(), "with" | "w/" | "w" | "con")
            && !with.ends_clause
            && name.text.chars().next().is_some_and(char::is_uppercase)
            && name.text.chars().count() >= 2
            && name.text.chars().all(char::is_alphabetic)
            && !super::COMMON_WORDS.contains(&folded.as_str())
            && !dates::is_weekday(&folded)
            && !dates::is_month(&folded))
        .then(|| name.text.clone())
    })
}

/// A pet's capitalised name where people write of their pet, not of a person: asking for it
/// ("hi can Pepper get a full groom", "can Pickle stay with you") or after the Spanish "a",
/// "la", "para" ("a Canela le toca su vacuna", "esterilizar a la Kira", "la Frida no quiere
/// comer", "baño y corte para Lola").
fn named_after_cue(words: &[Word]) -> Option<String> {
    words.windows(2).enumerate().find_map(|(at, pair)| {
        let [cue, name] = pair else {
            return None;
        };
        let opens_clause = words[..at]
            .iter()
            .rposition(|word| {
                word.ends_clause || !super::GREETINGS.contains(&fields::fold(&word.lower).as_str())
            })
            .is_none_or(|before| words[before].ends_clause);
        let asks = matches!(cue.lower.as_str(), "can" | "could")
            && opens_clause
            && words
                .get(at + 2)
                .is_some_and(|verb| verb.text.chars().all(char::is_lowercase));
        let spanish = matches!(cue.lower.as_str(), "a" | "la" | "el" | "para");
        ((asks || spanish)
            && !cue.ends_clause
            && name.text.chars().next().is_some_and(char::is_uppercase)
            && may_be_a_pet_name(name))
        .then(|| name.text.clone())
    })
}

/// A pet's name in lower case after its animal, its doings after it: "my dog rufus has been
/// limping", "mi gata luna no quiere comer".
fn named_after_animal(words: &[Word]) -> Option<String> {
    words.windows(4).find_map(|four| {
        let [whose, animal, name, does] = four else {
            return None;
        };
        let folded = fields::fold(&name.lower);
        (super::TEXTERS_OWN.contains(&whose.lower.as_str())
            && PET_WORDS.contains(&fields::fold(&animal.lower).as_str())
            && !animal.ends_clause
            && !name.ends_clause
            && name.text.chars().count() >= 3
            && name.text.chars().all(|c| c.is_lowercase())
            && !super::COMMON_WORDS.contains(&folded.as_str())
            && PET_DOES.contains(&fields::fold(&does.lower).as_str()))
        .then(|| name.text.clone())
    })
}

/// A pet's name that opens a clause, what it is after it: "Mochi (our bunny) has stopped
/// eating", "biscuit is my beagle lol", "Kira es mi perrita".
fn named_before_animal(words: &[Word]) -> Option<String> {
    (0..words.len()).find_map(|at| {
        let name = &words[at];
        let is = words
            .get(at + 1)
            .is_some_and(|word| matches!(word.lower.as_str(), "is" | "es"));
        let whose = words.get(at + 1 + usize::from(is))?;
        let what = words.get(at + 2 + usize::from(is))?;
        let what_folded = fields::fold(&what.lower);
        ((at == 0 || words[at - 1].ends_clause)
            && !name.ends_clause
            && super::TEXTERS_OWN.contains(&whose.lower.as_str())
            && !whose.ends_clause
            // "Biscuit is my beagle": any animal after "is my"; without it, one we know.
            && (super::described::ANIMALS.contains(&what_folded.as_str())
                || (is && what.text.chars().all(char::is_alphabetic)))
            && !matches!(what_folded.as_str(), "name" | "nombre")
            && may_be_a_pet_name(name))
        .then(|| name.text.clone())
    })
}

/// A word that may be a pet's name where a cue says a pet is named: three letters or more, and
/// no common word, opening word, month or weekday ("Can Monday ...", "la Semana ...").
fn may_be_a_pet_name(name: &Word) -> bool {
    let folded = fields::fold(&name.lower);
    name.text.chars().count() >= 3
        && name.text.chars().all(char::is_alphabetic)
        && !super::COMMON_WORDS.contains(&folded.as_str())
        && !super::OPENING_WORDS.contains(&folded.as_str())
        && !dates::is_month(&folded)
        && !dates::is_weekday(&folded)
}

/// Words of a field's name for the person something is sent to.
const RECIPIENT_WORDS: &[&str] = &[
    "recipient",
    "destinatario",
    "destinataria",
    "addressee",
    "honoree",
    "festejado",
    "festejada",
];

/// Words before the person something is sent to: "to Carol Jennings", "para Daniela Ibarra",
/// "attn Rosa Hernandez", "un ramo a Yaiza Hernández".
const RECIPIENT_CUES: &[&str] = &["to", "para", "a", "attn", "attn:", "attention", "atn"];

/// Words between a cue and the recipient's name that the name goes without: "para la Sra. Elena
/// Campos" = `Elena Campos`.
const RECIPIENT_TITLES: &[&str] = &[
    "la", "el", "sra", "sra.", "sr", "sr.", "srta", "srta.", "senora", "senor", "dona", "mrs",
    "mrs.", "ms", "ms.", "mr", "mr.",
];

/// For a field that holds who something is sent to, the whole name after "to", "para" or
/// "attn" ("for the Hernandez family, attn Rosa Hernandez"), without a title before it; or the
/// whole name that opens a message and is followed by the address it goes to ("Carol Bianchi, 812
/// Fitzwater St"). A given name and a surname, so "to Mom" or "para mañana" are not taken.
pub(super) fn recipient_name(field: &str, words: &[Word]) -> Option<String> {
    if !fields::field_says(field, RECIPIENT_WORDS) {
        return None;
    }
    let whole = |name: &String| {
        name.contains(' ')
            && !dates::names_a_day(name)
            && fields::things::make_and_model(name).0.is_none()
    };
    let cued = (0..words.len()).find_map(|at| {
        let cue = words[at].lower.as_str();
        if !(RECIPIENT_CUES.contains(&cue) && (!words[at].ends_clause || cue.ends_with(':'))) {
            return None;
        }
        let mut start = at + 1;
        while words
            .get(start)
            .is_some_and(|word| RECIPIENT_TITLES.contains(&fields::fold(&word.lower).as_str()))
        {
            start += 1;
        }
        their_name(words, start).map(|(name, _)| name).filter(whole)
    });
    cued.or_else(|| {
        let start = super::skip_leading_fillers(words);
        let (name, end) = their_name(words, start)?;
        let rest: Vec<&str> = words
            .get(end..)?
            .iter()
            .map(|word| word.text.as_str())
            .collect();
        (words[end - 1].ends_clause && fields::address(&rest.join(" "), false).is_some())
            .then_some(name)
            .filter(whole)
    })
}

/// Words that say who the person asked about is before their name: "he's Mateo Jiménez".
const THEY_ARE: &[&str] = &[
    "he's", "hes", "she's", "shes", "he", "she", "is", "el", "ella",
];

/// A name answering the question about this person (the field named `field`): "Kiwi", "its
/// Kiwi", "Canela, es una perrita", "kiwi", "he's Mateo Jiménez", "paciente Jhon Fredy Castaño"
/// (the field's own word before it); not a message in which the texter gives their own name.
pub(super) fn answered_name(words: &[Word], field: &str) -> Option<String> {
    if says_own_name(words) {
        return None;
    }
    let own = fields::fold(field);
    let own: Vec<&str> = own.split(['_', ' ', '-']).collect();
    let mut start = skip_leading_fillers(words);
    while let Some(word) = words.get(start).filter(|word| !word.ends_clause) {
        let folded = fields::fold(&word.lower);
        if !(THEY_ARE.contains(&folded.as_str())
            || (own.contains(&folded.as_str()) && !NAME_WORDS.contains(&folded.as_str())))
        {
            break;
        }
        start += 1;
    }
    let (name, end) = their_name(words, start).or_else(|| plain_name(words, start, true))?;
    (end == words.len() || words[end - 1].ends_clause).then_some(name)
}
