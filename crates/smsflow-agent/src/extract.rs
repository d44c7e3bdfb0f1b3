//! Built-in extractors: email, phone (normalised to E.164), name and company from common SMS
//! phrasing ("I'm Dana from Blue Fin Sushi", "this is Ken with Northwind", "Soy Ana de Panadería
//! Sol", "Name: Fatima Khan"), typed values (dates, times, numbers, choices, addresses; see
//! [`crate::fields`]), and any field written as "label: value". Each validates what it accepts, and
//! tells a wrong answer ("dana@gmail") from no answer so the field can be asked for again.

use phonenumber::country::Id as Region;
use smsflow_core::{FieldSpec, FieldType};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::fields::{self, Clock, Invalid, WhenRules, dates::Order, numbers, without_lead};
use crate::tagger;

mod beside;
mod described;
mod free_text;
mod in_use;
mod leftover;
mod level;
mod opening;
mod others;
mod paired;
mod requested;
mod resigned;
mod route;
mod spans;
pub(crate) use free_text::holds_written_words;
use others::Person;

/// Which reader a field uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Email,
    Phone,
    Name,
    /// A name field about someone other than the texter (a pet, a child, a guest of honour).
    OtherName,
    Company,
    /// Dates, times, numbers, choices and addresses.
    Typed(FieldType),
    /// Only "label: value" (or the whole answer when only this field was asked for).
    Labelled,
}

fn kind(field: &FieldSpec) -> Kind {
    match field.kind {
        FieldType::Email => Kind::Email,
        FieldType::Phone => Kind::Phone,
        FieldType::Name if Person::of(field.as_str()) == Person::Texter => Kind::Name,
        FieldType::Name => Kind::OtherName,
        FieldType::Text
            if fields::field_says(field.as_str(), COMPANY_FIELDS)
                || fields::fold(field.as_str()).contains("razon_social") =>
        {
            Kind::Company
        }
        // `child_name` or `alumno` as text: the name a message gives them, as for a name field.
        FieldType::Text if others::names_a_dependant(field.as_str()) => Kind::OtherName,
        FieldType::Text => Kind::Labelled,
        other => Kind::Typed(other),
    }
}

/// Words in a text field's name that make it a company's name ("company", "business_name",
/// "nombre_empresa").
const COMPANY_FIELDS: &[&str] = &[
    "company",
    "business",
    "organization",
    "organisation",
    "org",
    "employer",
    "firm",
    "agency",
    "empresa",
    "negocio",
    "compania",
    "organizacion",
    "institucion",
];

/// Labels people write before a value of this kind, in English and Spanish ("correo: ...").
fn labels(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Email => &["email", "e-mail", "correo", "mail"],
        Kind::Phone => &[
            "phone",
            "cell",
            "teléfono",
            "telefono",
            "celular",
            "número",
            "numero",
        ],
        Kind::Name => &["name", "nombre"],
        Kind::Company => &[
            "company name",
            "business name",
            "nombre de la empresa",
            "company",
            "business",
            "empresa",
            "compañía",
            "negocio",
            "razón social",
            "razon social",
        ],
        Kind::Typed(FieldType::Address) => &["address", "dirección", "direccion"],
        _ => &[],
    }
}

/// The words of a free-text field's compound name that may label its value alone: "the
/// message is Happy Birthday Mia" for `cake_message`; not words that say only what sort of
/// value it is (`date`, `number`, `tipo`).
fn head_words(name: &str, kind: Kind) -> Vec<String> {
    const SORTS: &[&str] = &[
        "date", "fecha", "name", "nombre", "number", "numero", "type", "tipo", "code", "codigo",
        "info", "details", "detalles", "your", "tu", "su",
    ];
    let words: Vec<String> = fields::fold(name)
        .split(['_', ' ', '-'])
        .map(str::to_string)
        .collect();
    if kind != Kind::Labelled || words.len() < 2 {
        return Vec::new();
    }
    words
        .into_iter()
        .filter(|word| word.len() >= 4 && !SORTS.contains(&word.as_str()))
        .collect()
}

/// What one message gave: valid values, the fields it tried to give but got wrong, and part of
/// a value still missing the rest (the day of a date and time, or the first of the month of a
/// date said with a day that month lacks, as `YYYY-MM-DD`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    pub found: BTreeMap<String, String>,
    pub invalid: BTreeMap<String, Invalid>,
    pub partial: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Extractors {
    /// Numbers written without a country code are read as this country's when the texter's
    /// number gives none.
    fallback: Region,
    /// The texter's number (E.164), whose country is looked up only when a reader needs it: a
    /// phone number or a date in digits. Parsing a number is costly (for a number no region
    /// claims, every region of its country code is tried) and most texts need neither.
    texter: Option<String>,
    region: OnceLock<Region>,
    /// Free-text fields are also read by the stored [`tagger::Model`], beside the rules (the
    /// builtin agent's reading; the rules alone only to train and measure the model).
    tagger: bool,
}

impl Default for Extractors {
    fn default() -> Self {
        Extractors::of(Region::US)
    }
}

impl Extractors {
    fn of(region: Region) -> Extractors {
        Extractors {
            fallback: region,
            texter: None,
            region: OnceLock::new(),
            tagger: true,
        }
    }

    /// Free-text fields read by the rules alone, without the learned reader beside them
    /// ([`tagger`]): what the model is trained on and measured against.
    pub fn rules_only(self) -> Extractors {
        Extractors {
            tagger: false,
            ..self
        }
    }

    /// `region`: the ISO country whose numbers may be written without a country code (e.g. "US").
    pub fn new(region: &str) -> Option<Extractors> {
        region.parse::<Region>().ok().map(Extractors::of)
    }

    /// Read with the country of `number` (an E.164 number: the conversation's), else as `self`.
    pub fn for_number(&self, number: &str) -> Extractors {
        Extractors {
            fallback: self.region(),
            texter: Some(number.to_string()),
            region: OnceLock::new(),
            tagger: self.tagger,
        }
    }

    /// The country numbers and dates are read as (see [`Extractors::for_number`]), looked up at
    /// its first use.
    fn region(&self) -> Region {
        *self.region.get_or_init(|| {
            self.texter
                .as_deref()
                .and_then(|number| phonenumber::parse(None, number).ok())
                .and_then(|number| number.country().id())
                .unwrap_or(self.fallback)
        })
    }

    /// "3/5" is March 5 in the US (and a few others), 3 May elsewhere.
    fn date_order(&self) -> Order {
        match self.region() {
            Region::US | Region::CA | Region::PH | Region::FM => Order::MonthFirst,
            _ => Order::DayFirst,
        }
    }

    /// The wanted fields found in `text`, by field name.
    pub fn extract(
        &self,
        text: &str,
        wanted: &[FieldSpec],
        clock: &Clock,
    ) -> BTreeMap<String, String> {
        self.read(text, wanted, &[], &BTreeMap::new(), clock).found
    }

    /// As [`Extractors::extract`], for a message answering a question about `asked` fields: when a
    /// name was asked for, a message that starts with a capitalised name ("Dana from Blue Fin
    /// Sushi") gives it without any "I'm"; an asked field the message gets wrong is `invalid`.
    /// In a correction ("actually ...", "perdón ...") the value named last counts; `known` values
    /// (a day already given, or the [`Extraction::partial`] day of an earlier message) complete a
    /// partial answer ("make it 9", "at 10").
    pub fn read(
        &self,
        text: &str,
        wanted: &[FieldSpec],
        asked: &[String],
        known: &BTreeMap<String, String>,
        clock: &Clock,
    ) -> Extraction {
        // The words as written; `words` below may read a name answered alone as if after "I'm".
        let written = words(text);
        let mut words = Cow::Borrowed(written.as_slice());
        let correcting = fields::is_correction(text);
        let is_asked = |field: &FieldSpec| asked.iter().any(|a| a == field.as_str());
        // One word where someone else's name is wanted too ("Biscuit" for the owner and the
        // dog) is the other's: people sign with their whole name.
        let other_missing = wanted
            .iter()
            .any(|field| kind(field) == Kind::OtherName && !known.contains_key(field.as_str()));
        let name_asked = wanted
            .iter()
            .any(|field| kind(field) == Kind::Name && is_asked(field))
            && !(other_missing && words.len() == 1);
        // "Treat yourself, you earned it" answering the name and a card's message: the message.
        let free_asked = wanted
            .iter()
            .any(|field| kind(field) == Kind::Labelled && is_asked(field));
        // A name given again in a short correction: "sorry typo, John Smith".
        let renaming = correcting
            && words.len() <= 8
            && wanted
                .iter()
                .any(|field| kind(field) == Kind::Name && known.contains_key(field.as_str()));
        let start = skip_leading_fillers(&words);
        let company_wanted = wanted.iter().any(|field| kind(field) == Kind::Company);
        if (name_asked || renaming)
            && person_name(&words).is_none()
            && capitalised_run(&words, start, NAME_WORDS, false).is_some_and(|(run, next)| {
                ((name_asked && !free_asked)
                    || next == words.len()
                    || (!free_asked && words[next - 1].ends_clause))
                    && !(company_wanted && names_a_business(&words, &run, next))
            })
        {
            // Read the answer as if it said "I'm ...": the cues then find the name and company.
            words.to_mut().insert(
                start,
                Word {
                    text: "I'm".into(),
                    lower: "i'm".into(),
                    ends_clause: false,
                },
            );
        }
        let only_asked = match asked {
            [one] => Some(one.as_str()),
            _ => None,
        };
        let mut extraction = Extraction::default();
        let lower = same_length_lowercase(text);
        for field in wanted {
            let name = field.as_str();
            let kind = kind(field);
            let asked = is_asked(field);
            let labelled = std::iter::once(name.replace('_', " "))
                .chain(labels(kind).iter().map(|label| label.to_string()))
                .chain(head_words(name, kind))
                .find_map(|label| labelled(text, &lower, &label))
                .map(|value| {
                    // "order number is 7731-A and it came damaged": an identifier is one word.
                    let value = if is_identifier(name) {
                        value
                            .split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_string()
                    } else {
                        value
                    };
                    self.check(field, kind, &value, clock)
                });
            let context = Context {
                asked,
                only_asked: only_asked == Some(name),
                answers_another: only_asked.is_some_and(|one| one != name),
                answers_contact: wanted.iter().any(|other| {
                    only_asked == Some(other.as_str())
                        && matches!(self::kind(other), Kind::Email | Kind::Phone)
                }),
                correcting,
                known: known.get(name).map(String::as_str),
                clock,
                wanted,
                name_asked,
                asked_with_other: wanted.iter().any(|other| {
                    other != field
                        && is_asked(other)
                        && !matches!(self::kind(other), Kind::Email | Kind::Phone)
                }),
            };
            let found = || self.find(field, kind, text, &words, &context);
            // A name or company is better read from its cues ("mi nombre es Ana y ..." labels
            // more than the name); other values from their label first.
            let value = match (kind, labelled) {
                // "que diga 'Feliz cumple Majo'", "write Happy 40th Tony on it": the words to be
                // written, whatever label or product the message has around them.
                (Kind::Labelled, _)
                    if free_text::holds_written_words(field)
                        && let Some(written) = fields::things::Thing::Inscription.read(text) =>
                {
                    Some(Ok(written))
                }
                // "my car is a 2015 Subaru with 98k miles": the thing, not the whole label.
                (Kind::Labelled, labelled)
                    if fields::things::Thing::of(name).is_some() && !is_identifier(name) =>
                {
                    found().or(labelled)
                }
                (
                    Kind::Name | Kind::OtherName | Kind::Company | Kind::Typed(FieldType::Address),
                    labelled,
                ) => {
                    found().or(labelled).or_else(|| {
                        // A company named alone, answering the one question about it.
                        (kind == Kind::Company && only_asked == Some(name) && !correcting)
                            .then(|| bare_company(text).map(Ok))
                            .flatten()
                    })
                }
                // A label's value ends at a comma: "dob is July 22, 1985" keeps its year.
                (Kind::Typed(FieldType::Date), labelled) if is_past_day(field) => {
                    found().or(labelled)
                }
                (_, Some(Ok(value))) if !correcting => Some(Ok(value)),
                (_, labelled) => found().or(labelled),
            };
            // "this is Mrs. Hollis": a surname alone keeps its title.
            let value = match value {
                Some(Ok(name)) if matches!(kind, Kind::Name | Kind::OtherName) => {
                    Some(Ok(with_title(text, name)))
                }
                value => value,
            };
            match value {
                // A reading that fails the field's own validation (a "name" of 100 characters of
                // junk) is no value: stored, it would be refused when checked again.
                Some(Ok(value)) if self.check(field, kind, &value, clock).is_ok() => {
                    extraction.found.insert(name.to_string(), value);
                }
                Some(Ok(_)) => {}
                Some(Err(invalid)) => {
                    extraction.invalid.insert(name.to_string(), invalid);
                }
                None => {}
            }
        }
        // The texter's name is never one the message gives someone else ("I'm Ana, my son Leo").
        let theirs: Vec<String> = wanted
            .iter()
            .filter(|field| kind(field) == Kind::OtherName)
            .filter_map(|field| {
                extraction
                    .found
                    .get(field.as_str())
                    .or_else(|| known.get(field.as_str()))
                    .cloned()
            })
            .collect();
        // "Av. Corrientes 3245, 5° B" answering the question about the name: a street; and
        // "Pilar" in "Los Aromos 245, Pilar" a place of an address.
        let street = |value: &str| {
            (value
                .split(' ')
                .next()
                .is_some_and(fields::address::is_street_type)
                && fields::address(text, false).is_some())
                || fields::address::shaped(without_lead(
                    without_lead(text, ADDRESS_LEADS),
                    &["de ", "desde ", "a ", "hasta ", "from ", "to "],
                ))
                .is_some_and(|address| {
                    address
                        .split_once(',')
                        .is_some_and(|(_, places)| places.contains(value))
                })
                || (place_beside_street(text, value) && person_name(&written).is_none())
                // "Rio Nazas 310, Col. del Valle": the street that opens an address, its number
                // right after; "Colonia Pitic, calle Reforma 88": a place's word opens it.
                || fields::address(text, false).is_some_and(|address| {
                    let numbered = text.split_once(value).is_some_and(|(_, rest)| {
                        rest.starts_with(' ')
                            && rest.trim_start().starts_with(|c: char| c.is_ascii_digit())
                    });
                    let town = value
                        .split(' ')
                        .next()
                        .is_some_and(|first| TOWN_WORDS.contains(&fields::fold(first).as_str()));
                    (address.starts_with(value) && numbered) || town
                })
        };
        // "June 31 pickup": a month before a day's number names the day, not a person.
        let dated_month = |value: &str| {
            let folded = fields::fold(value);
            fields::dates::is_month(&folded)
                && words.windows(2).any(|pair| {
                    fields::fold(&pair[0].lower) == folded
                        && pair[1].text.starts_with(|c: char| c.is_ascii_digit())
                })
        };
        let others = extraction.found.clone();
        let cued_name = others::relative_name(&words);
        extraction.found.retain(|name, value| {
            let Some(field) = wanted.iter().find(|field| field.as_str() == name) else {
                return true;
            };
            match kind(field) {
                Kind::Name => {
                    !(theirs.contains(value) || street(value) || dated_month(value))
                        && looks_like_a_name(value, field, wanted, &others)
                }
                Kind::OtherName => {
                    // Read from its cue ("mi perro Thor", "a cockapoo called Biscuit"), the
                    // name stays when a text field took it too, ending with it: that text is
                    // the name's.
                    let others = if cued_name.as_deref() == Some(value.as_str()) {
                        without_texts_ending_with(value, wanted, &others)
                    } else {
                        others.clone()
                    };
                    !dated_month(value) && looks_like_a_name(value, field, wanted, &others)
                }
                _ => true,
            }
        });
        // After the names that are no name are dropped: the signature is one.
        signed_after_address(text, wanted, known, &mut extraction);
        with_place_before_street(text, wanted, known, &mut extraction);
        beside::share_names(&written, wanted, asked, known, &mut extraction);
        share_vehicle(wanted, &mut extraction);
        self.share_addresses(text, wanted, asked, known, &mut extraction);
        route::share_route(text, wanted, known, &mut extraction);
        without_places_as_names(wanted, &mut extraction);
        self.share_days(text, wanted, asked, known, clock, &mut extraction);
        share_hours(text, wanted, &mut extraction);
        if let Some((name, answer)) = text_answer(text, wanted, asked, &extraction)
            .or_else(|| free_text::bare_name(&words, wanted, asked, known, &extraction))
            .or_else(|| free_text::answer(text, wanted, asked, known, &extraction))
            .or_else(|| {
                // The description in the first message, or in a later one that gives only a day.
                free_text::problem_field(wanted, asked, known, &extraction)
                    .or_else(|| spans::later_problem_field(text, wanted, asked, known, &extraction))
                    .and_then(|field| {
                        described::described(
                            free_text::after_greeting(text),
                            field,
                            wanted,
                            &extraction,
                            clock.today(),
                        )
                    })
            })
            .or_else(|| {
                // What the first message asks for, for a field that holds a need.
                opening::need_field(wanted, asked, known, &extraction).and_then(|field| {
                    opening::answer(text, field, wanted, &extraction, clock.today())
                })
            })
            .or_else(|| requested::answer(text, wanted, asked, known, &extraction))
            .or_else(|| {
                let says_when = |part: &str| {
                    let when = fields::dates::read(part, clock.today(), self.date_order(), false);
                    when.date.is_some() || when.time.is_some()
                };
                // The part that gives a choice alone gives it again read alone.
                let gives_choice = |name: &str, part: &str| {
                    wanted
                        .iter()
                        .find(|field| field.as_str() == name)
                        .is_some_and(|field| {
                            self.extract(part, std::slice::from_ref(field), clock)
                                .get(name)
                                == extraction.found.get(name)
                        })
                };
                leftover::answer(
                    text,
                    wanted,
                    asked,
                    known,
                    &extraction,
                    says_when,
                    gives_choice,
                )
                .or_else(|| {
                    leftover::note_after(text, wanted, asked, known, &extraction, says_when)
                })
            })
            .map(|(name, answer)| {
                let answer = free_text::without_alarm(&name, &answer);
                (name, answer)
            })
            .filter(|(_, answer)| !spans::only_asks_to_act(answer))
            // A whole message past the length a text field holds is no value, as above.
            && let Some(field) = wanted.iter().find(|field| field.as_str() == name)
            && self.validate_field(field, &answer, clock).is_some()
        {
            extraction.found.insert(name, answer);
        }
        // What they use now ("usamos Excel", "i have Delta Dental"), for the field that holds it.
        if let Some((name, value)) = in_use::answer(text, wanted, known, &extraction, |part| {
            let when = fields::dates::read(part, clock.today(), self.date_order(), false);
            when.date.is_some() || when.time.is_some()
        }) {
            extraction.found.insert(name, value);
        }
        if let Some((name, value)) = level::answer(text, wanted, known, &extraction) {
            extraction.found.insert(name, value);
        }
        if let Some((signed, _)) = listed_name(&written) {
            resigned::resign(&signed, wanted, asked, known, &mut extraction);
        }
        // A thing and what is wrong with it, in one clause: each to its own field.
        let paired = paired::split(text, wanted, asked, known, &extraction)
            .into_iter()
            .flatten()
            .chain(paired::thing_alone(text, wanted, asked, known, &extraction))
            .collect::<Vec<_>>();
        for (name, value) in paired {
            if let Some(field) = wanted.iter().find(|field| field.as_str() == name)
                && self.validate_field(field, &value, clock).is_some()
            {
                extraction.found.insert(name, value);
            }
        }
        for (name, value) in extraction.found.iter_mut() {
            *value = free_text::without_purpose(name, value).to_string();
        }
        if self.tagger {
            self.read_with_model(text, wanted, asked, known, clock, &mut extraction);
        }
        for field in wanted.iter().filter(|field| {
            is_free_text(field)
                && !free_text::holds_written_words(field)
                && !free_text::is_worded(field)
        }) {
            if let Some(value) = extraction.found.get_mut(field.as_str()) {
                let tidy = free_text::without_chatter(value);
                if !tidy.is_empty() && tidy.len() < value.len() {
                    *value = tidy.to_string();
                }
            }
        }
        // "Asked and not found" counts against a field only when the message gave nothing else: an
        // answer to one question is not a wrong answer to the other.
        let weak = |invalid: &Invalid| {
            matches!(
                invalid,
                Invalid::Date
                    | Invalid::Time
                    | Invalid::Number
                    | Invalid::Choice(_)
                    | Invalid::Address
            )
        };
        if !extraction.found.is_empty() || extraction.invalid.values().any(|i| !weak(i)) {
            extraction.invalid.retain(|_, invalid| !weak(invalid));
        }
        // "Friday" for a date and time: the day waits for its time in a later message.
        for field in wanted.iter().filter(|field| {
            field.kind == FieldType::Datetime && !extraction.found.contains_key(field.as_str())
        }) {
            let when = fields::dates::read(text, clock.today(), self.date_order(), correcting);
            if let (Some(day), None) = (when.date, when.time)
                && day >= clock.today()
            {
                extraction
                    .partial
                    .insert(field.as_str().to_string(), day.to_string());
            }
        }
        // "table for 5 tomorrow night?": the evening waits for the hour a later "8:15" gives.
        if fields::dates::says_evening(text) {
            for field in wanted.iter().filter(|field| {
                field.kind == FieldType::Time && !extraction.found.contains_key(field.as_str())
            }) {
                extraction
                    .partial
                    .insert(field.as_str().to_string(), fields::EVENING.to_string());
            }
        }
        // "Could you do Feb 30th?": the month waits for the day a later "sorry, 28th" gives.
        for field in wanted.iter().filter(|field| {
            field.kind == FieldType::Date
                && !is_past_day(field)
                && !extraction.found.contains_key(field.as_str())
        }) {
            if let Some(month) = fields::dates::impossible_day_month(text, clock.today()) {
                extraction
                    .partial
                    .insert(field.as_str().to_string(), month.to_string());
            }
        }
        if extraction.found.is_empty()
            && extraction.invalid.is_empty()
            && let Some(field) = wanted
                .iter()
                .find(|field| only_asked == Some(field.as_str()) && kind(field) == Kind::Email)
            && let Some(answer) = short_answer(text)
        {
            extraction
                .invalid
                .insert(field.as_str().to_string(), Invalid::Email(answer));
        }
        extraction
    }

    /// The learned reader's answers for the fields it reads (free text, numbers, addresses, choices),
    /// beside the rules' (see [`tagger`]): it replaces their answer, or drops it, only when it is
    /// sure.
    fn read_with_model(
        &self,
        text: &str,
        wanted: &[FieldSpec],
        asked: &[String],
        known: &BTreeMap<String, String>,
        clock: &Clock,
        extraction: &mut Extraction,
    ) {
        let rules = extraction.found.clone();
        for (field, reads) in wanted
            .iter()
            .filter_map(|field| Some((field, tagger::reads(field)?)))
        {
            let turn = tagger::Turn {
                text,
                field: field.as_str(),
                reads,
                choices: &field.choices,
                asked,
                known,
                found: &rules,
            };
            match tagger::read(tagger::Model::stored(), &turn, tagger::combination(reads)) {
                tagger::Reading::Rules => {}
                tagger::Reading::Nothing => {
                    extraction.found.remove(field.as_str());
                }
                tagger::Reading::Value(value) => {
                    if let Some(value) = self.validate_field(field, &value, clock) {
                        extraction.invalid.remove(field.as_str());
                        extraction.found.insert(field.as_str().to_string(), value);
                    }
                }
            }
        }
    }

    /// With two address fields (pickup and drop-off), each address goes to the field its words
    /// name ("from ...", "drop off ...", "llega a ..."), else to the one asked for, else to the
    /// first still empty: a second address never replaces the first.
    fn share_addresses(
        &self,
        text: &str,
        wanted: &[FieldSpec],
        asked: &[String],
        known: &BTreeMap<String, String>,
        extraction: &mut Extraction,
    ) {
        let address_fields: Vec<&FieldSpec> = wanted
            .iter()
            .filter(|field| field.kind == FieldType::Address)
            .collect();
        if address_fields.len() < 2 {
            return;
        }
        let said = fields::address::addresses(text, false);
        if said.is_empty() {
            return;
        }
        let said = said
            .into_iter()
            .map(|(address, before)| {
                let named = address_role(&before).and_then(|role| {
                    address_fields
                        .iter()
                        .find(|field| field_role(field.as_str()) == Some(role))
                        .copied()
                });
                (address, named)
            })
            .collect();
        share(&address_fields, said, asked, known, extraction);
    }

    /// With two date fields (check-in and check-out, departure and return), each day goes to the
    /// field its words name ("checking out Dec 7", "vuelvo el 2 de enero"), else the days in
    /// calendar order fill the fields in the workflow's order ("del 20 al 23 de diciembre"),
    /// the one asked for first.
    fn share_days(
        &self,
        text: &str,
        wanted: &[FieldSpec],
        asked: &[String],
        known: &BTreeMap<String, String>,
        clock: &Clock,
        extraction: &mut Extraction,
    ) {
        let day_fields: Vec<&FieldSpec> = wanted
            .iter()
            .filter(|field| field.kind == FieldType::Date && !is_past_day(field))
            .collect();
        // A pick-up and a return, one of them (or both) with its hour: the days are shared
        // as a stay's are when each field names its role.
        let with_hours: Vec<&FieldSpec> = wanted
            .iter()
            .filter(|field| {
                matches!(field.kind, FieldType::Date | FieldType::Datetime) && !is_past_day(field)
            })
            .collect();
        let day_fields =
            if with_hours.len() == 2 && with_hours.iter().all(|field| names_day_role(field)) {
                with_hours
            } else {
                day_fields
            };
        if day_fields.len() < 2 {
            return;
        }
        let mut said = fields::dates::days_and_hours(text, clock.today(), self.date_order());
        said.retain(|(day, _, _)| *day >= clock.today());
        if said.is_empty() {
            return;
        }
        said.sort_by_key(|(day, _, _)| *day);
        // "we come back the 29th, so dec 29" says one day.
        said.dedup_by_key(|(day, _, _)| *day);
        let hours: BTreeMap<String, jiff::civil::Time> = said
            .iter()
            .filter_map(|(day, hour, _)| hour.map(|hour| (day.to_string(), hour)))
            .collect();
        // With one field for a date and time, the only hour said is its hour ("del 10 al 17
        // de julio, recogida sobre las 11"), and one day said with an hour goes to it ("can we
        // come mañana a las 11?" beside the event's date).
        let mut timed = day_fields
            .iter()
            .filter(|field| field.kind == FieldType::Datetime);
        let only_timed = match (timed.next(), timed.next()) {
            (Some(field), None) => Some(*field),
            _ => None,
        };
        let only_hour = match hours.values().collect::<Vec<_>>().as_slice() {
            [hour] => Some(**hour),
            _ => None,
        };
        let single_timed_day = said.len() == 1 && only_hour.is_some();
        let said = said
            .into_iter()
            .map(|(day, _, before)| {
                // The longest cue said names the role: "checking out" is no "checkin".
                let before = format!(" {before}");
                let role = DAY_ROLES
                    .iter()
                    .filter_map(|role| {
                        role.iter()
                            .filter(|cue| before.contains(&format!(" {cue}")))
                            .map(|cue| cue.len())
                            .max()
                            .map(|len| (len, role))
                    })
                    .max_by_key(|(len, _)| *len)
                    .map(|(_, role)| role);
                let named = role.and_then(|role| {
                    let mut fields = day_fields
                        .iter()
                        .filter(|field| field_names_cue(field, role));
                    match (fields.next(), fields.next()) {
                        (Some(field), None) => Some(*field),
                        _ => None,
                    }
                });
                let named = named.or(only_timed.filter(|_| single_timed_day));
                (day.to_string(), named)
            })
            .collect::<Vec<_>>();
        let said = match corrected_day(text, &said, &day_fields, known) {
            Some((field, day)) => vec![(day, Some(field))],
            None => said,
        };
        // A message that gives every end at once ("Dec 23 to Dec 27" after "over christmas",
        // "uy perdón, del 2 al 8") restates them all, in order: the days known before and the
        // field asked for give way.
        if said.len() >= day_fields.len() {
            share(&day_fields, said, &[], &BTreeMap::new(), extraction);
        } else {
            share(&day_fields, said, asked, known, extraction);
        }
        // A pick-up and return with their hours: a day for a date and time takes the hour said
        // after it, else waits for its hour in a later message.
        for field in day_fields
            .iter()
            .filter(|field| field.kind == FieldType::Datetime)
        {
            let Some(day) = extraction.found.remove(field.as_str()) else {
                continue;
            };
            let hour = hours
                .get(&day)
                .copied()
                .or(only_hour.filter(|_| only_timed.is_some()));
            let at = hour.and_then(|hour| {
                let at = day
                    .parse::<jiff::civil::Date>()
                    .ok()?
                    .to_datetime(hour)
                    .to_zoned(clock.zone.clone())
                    .ok()?;
                (at.datetime() >= clock.now)
                    .then(|| at.strftime(fields::DATETIME_FORMAT).to_string())
            });
            match at {
                Some(at) => {
                    extraction.found.insert(field.as_str().to_string(), at);
                }
                None => {
                    extraction.partial.insert(field.as_str().to_string(), day);
                }
            }
        }
    }

    /// The nights between the two days of a stay said in `text` ("del 20 al 24" is 4), when it
    /// says two, joined as a range, at most two months apart.
    fn nights_between(&self, text: &str, clock: &Clock) -> Option<String> {
        let spaced = format!(" {} ", fields::fold(text).replace(['-', '–'], " - "));
        if ![
            " al ",
            " to ",
            " - ",
            " through ",
            " hasta ",
            " until ",
            " till ",
        ]
        .iter()
        .any(|join| spaced.contains(join))
        {
            return None;
        }
        let mut days: Vec<jiff::civil::Date> =
            fields::dates::days(text, clock.today(), self.date_order())
                .into_iter()
                .map(|(day, _)| day)
                .collect();
        days.sort();
        days.dedup();
        let [first, last] = days.as_slice() else {
            return None;
        };
        let nights = (*last - *first).get_days();
        (1..=62).contains(&nights).then(|| nights.to_string())
    }

    /// The field's value as its reader finds it in the message.
    fn find(
        &self,
        field: &FieldSpec,
        kind: Kind,
        text: &str,
        words: &[Word],
        context: &Context<'_>,
    ) -> Option<Result<String, Invalid>> {
        let Context {
            asked,
            only_asked,
            correcting,
            clock,
            ..
        } = *context;
        let renames = context.known.is_none()
            || correcting
            || others::says_own_name(words)
            || !says_whose_vaguely(words);
        match kind {
            Kind::Email => match spaced_email(text) {
                Some(spaced) => Some(Err(Invalid::Email(spaced))),
                None => email(text, correcting)
                    .map(Ok)
                    .or_else(|| bad_email(text).map(Err)),
            },
            Kind::Phone => self.phone(text, correcting).map(Ok).or_else(|| {
                asked
                    .then(|| self.bad_phone(text))
                    .flatten()
                    .map(|digits| Err(Invalid::Phone(digits)))
            }),
            // A name listed without a cue is a guess: it never replaces a name already given;
            // nor does one after a cue that does not say whose it is ("shes a cat, name is
            // Mochi", "its tax season").
            Kind::Name => signed_from(text)
                .or_else(|| person_name(words).filter(|_| renames))
                // Capitalised words the contact details follow are surer than a word in lower
                // case: "ok exactly 12. monday 9am. Lena Fischer lena@...".
                .or_else(|| {
                    (context.known.is_none_or(is_guessed_name)
                        && (!context.answers_another || context.answers_contact))
                        .then(|| listed_name(words).map(|(name, _)| name))
                        .flatten()
                })
                // A question introduces nobody: "¿Su nombre completo?".
                // "booster jab" answering the questions about the name and the reason: the
                // reason; a name in lower case answers alone or beside contact details.
                .or_else(|| {
                    (renames && !(text.trim_end().ends_with('?') && words.len() <= 5))
                        .then(|| lowercase_name(words, asked, !context.asked_with_other))
                        .flatten()
                })
                .or_else(|| {
                    (context.known.is_none_or(is_guessed_name) && !context.answers_another)
                        .then(|| opening_name(words))
                        .flatten()
                })
                // Signed at the end; a correction may sign again with the right spelling.
                .or_else(|| {
                    ((context.known.is_none() && !context.answers_another) || correcting)
                        .then(|| closing_name(words, text))
                        .flatten()
                })
                // "se llama Bautista Rey" answering the only name a workflow asks for: the
                // person it is for, as the texter's own name would be.
                .or_else(|| {
                    let others_wanted = context
                        .wanted
                        .iter()
                        .any(|other| self::kind(other) == Kind::OtherName);
                    (asked && context.known.is_none() && !others_wanted)
                        .then(|| others::named(words))
                        .flatten()
                })
                // "Could I do Wednesday at 6?" answering the question about the name: the verb
                // that opens a question is nobody's name.
                .filter(|name| !QUESTION_VERBS.contains(&fields::fold(name).as_str()))
                .map(|name| with_partner(words, without_possessive(&name).to_string()))
                .map(Ok),
            Kind::OtherName => others::staff_with(field.as_str(), words)
                .or_else(|| others::relative_name(words))
                .or_else(|| others::recipient_name(field.as_str(), words))
                .or_else(|| others::pet_subject(field.as_str(), words))
                .or_else(|| {
                    // A bare name answers the question about them; asked with the texter's own
                    // name, it is the texter's.
                    ((asked && (only_asked || !context.name_asked))
                        || (context.known.is_none() && words.len() == 1 && !context.name_asked))
                        .then(|| others::answered_name(words, field.as_str()))
                        .flatten()
                })
                .or_else(|| {
                    // Someone who may be the texter, in a workflow that asks no name of theirs.
                    let texter_named = context
                        .wanted
                        .iter()
                        .any(|other| self::kind(other) == Kind::Name);
                    (Person::of(field.as_str()) == Person::Either && !texter_named)
                        .then(|| self.find(field, Kind::Name, text, words, context))
                        .flatten()
                        .and_then(Result::ok)
                })
                // "a party for Ava's 7th bday": the name, not whose the party is.
                .map(|name| without_possessive(&name).to_string())
                .map(Ok),
            Kind::Company => company(words).or_else(|| business_run(words)).map(Ok),
            Kind::Typed(kind @ (FieldType::Date | FieldType::Time | FieldType::Datetime)) => {
                let rules = WhenRules {
                    order: self.date_order(),
                    correcting,
                    asked,
                    past_day: is_past_day(field),
                    birth: is_birth_day(field),
                    known_date: context
                        .known
                        .and_then(|known| known.get(..10))
                        .and_then(|day| day.parse().ok()),
                    // A date and time's time, or a time field's own ("20:00").
                    known_time: context
                        .known
                        .and_then(|known| known.get(11..16).or(Some(known)))
                        .and_then(|time| time.parse().ok()),
                    evening: context.known == Some(fields::EVENING),
                };
                let since_left_out = (!rules.past_day || is_birth_day(field))
                    .then(|| free_text::without_since(text, context.wanted))
                    .flatten();
                fields::when_value(
                    kind,
                    since_left_out.as_deref().unwrap_or(text),
                    clock,
                    &rules,
                )
            }
            Kind::Typed(FieldType::Number) => {
                // A house number counts nothing: "12 lámparas ... Calle Amores 1120".
                let text = match fields::address(text, false) {
                    Some(address) => text.replacen(&address, " ", 1),
                    None => text.to_string(),
                };
                // "me, my wife and 2 kids": people listed, added up; a count already known
                // changes only when asked or corrected.
                // A count known that the list adds up to stays ("cabaña para 5", then "3
                // adultos y 2 chicos" is still 5, not 3).
                let listed_counts = |listed: u32| {
                    context.known.is_none()
                        || asked
                        || correcting
                        || context.known == Some(listed.to_string().as_str())
                };
                if numbers::counts_people(field.as_str())
                    && let Some(people) = numbers::people_listed(&text)
                    && listed_counts(people)
                {
                    return Some(Ok(people.to_string()));
                }
                // "5 shirts, 2 suits" for `items`: things listed, added up, likewise.
                if numbers::counts_things_in_parts(field.as_str())
                    && let Some(things) = numbers::things_listed(&text, field.as_str())
                    && listed_counts(things)
                {
                    return Some(Ok(things.to_string()));
                }
                let others: Vec<&str> = context
                    .wanted
                    .iter()
                    .filter(|other| other.kind == FieldType::Number && other != &field)
                    .map(FieldSpec::as_str)
                    .collect();
                // "make that 8", "mejor 6": the only number asked for, corrected without its
                // word, unless a time could be what changes ("make it 9"); a count of people
                // changes when someone joins ("make it 5, her sister is coming") or the message
                // reads as no time ("no, espera, 6").
                let timed = || {
                    fields::dates::read(&text, clock.today(), self.date_order(), true)
                        .time
                        .is_some()
                };
                let corrected_alone =
                    correcting
                        && context.known.is_some()
                        && others.is_empty()
                        && (!context.wanted.iter().any(|other| {
                            matches!(other.kind, FieldType::Time | FieldType::Datetime)
                        }) || (numbers::counts_people(field.as_str())
                            && (numbers::someone_joins(&text) || !timed())));
                let found = numbers::field_number(
                    &text,
                    field.as_str(),
                    &others,
                    numbers::NumberAsk {
                        asked: asked || corrected_alone,
                        correcting,
                        known: context.known.is_some(),
                    },
                );
                // "del 20 al 24 de diciembre" for `noches`: the nights between the ends of the
                // stay said, when no count is known ("wait saturday not friday" is no stay).
                let found = found.or_else(|| {
                    (numbers::counts_nights(field.as_str()) && context.known.is_none())
                        .then(|| self.nights_between(&text, clock))
                        .flatten()
                });
                if asked {
                    Some(found.ok_or(Invalid::Number))
                } else {
                    found.map(Ok)
                }
            }
            Kind::Typed(FieldType::Choice) => {
                // A choice known, in a message that answers something else, is not changed by
                // a place in an address ("Centro" is no `Central`), by the words of another
                // field ("peso 92,5 kg" for `peso_kg` keeps `Control de diabetes`, not `Bajar de
                // peso`), nor by a message that also says the one known ("soy persona física con
                // actividad empresarial" keeps `Anual persona física`).
                let answers_else = !asked && !correcting;
                let text = match (context.known, fields::address(text, false)) {
                    (Some(_), Some(address)) if answers_else => text.replacen(&address, " ", 1),
                    _ => text.to_string(),
                };
                let other_names: Vec<String> = context
                    .wanted
                    .iter()
                    .filter(|other| *other != field)
                    .map(|other| fields::fold(other.as_str()))
                    .collect();
                let names_other = |word: &str| {
                    other_names
                        .iter()
                        .any(|name| fields::names_field(word, &fields::own_words(name, &[])))
                };
                let stays = |choice: &String| {
                    context.known.is_some_and(|known| {
                        answers_else
                            && known != choice
                            && (!fields::choice_words_said(&text, known).is_empty()
                                || fields::choice_words_said(&text, choice)
                                    .iter()
                                    .all(|word| names_other(word)))
                    })
                };
                fields::first_visit(field.as_str(), &text, &field.choices)
                    .or_else(|| fields::choice(&text, &field.choices, correcting))
                    .or_else(|| fields::yes_or_no_by_field(field.as_str(), &text, &field.choices))
                    .filter(|choice| !stays(choice))
                    .map(Ok)
                    .or_else(|| asked.then(|| Err(Invalid::Choice(field.choices.clone()))))
            }
            Kind::Typed(FieldType::Address) => {
                // A message that is all address keeps the places the reader cut at a comma
                // ("Calle 60 #455 x 53 y 55, Centro, Mérida") and, asked for, gives one whose
                // street the reader does not know ("Los Aromos 245, Pilar"); led by words that
                // say where ("en Gorriti 4420, Palermo") or signed before it ("Pedro Almada,
                // Güemes 1120, Rosario"), asked for or not.
                let led = without_lead(text, ADDRESS_LEADS);
                let shaped = fields::address::shaped(led);
                let signed = fields::address::shaped_after_name(text)
                    .or_else(|| {
                        shaped.clone().filter(|address| {
                            led.len() < text.trim().len() && fields::address::undated(address)
                        })
                    })
                    .or_else(|| fields::address::street_after_name(text));
                // "Los Carrera 1234, Quilpué": an article before a street type, in a message that
                // is all address, opens the street's name.
                let named_before = |whole: &String, found: &str| {
                    whole.strip_suffix(found).is_some_and(|before| {
                        matches!(
                            fields::fold(before.trim()).as_str(),
                            "los" | "las" | "el" | "la"
                        ) && shaped.as_ref() == Some(whole)
                    })
                };
                let read = fields::address(text, correcting).map(|found| {
                    shaped
                        .clone()
                        .or_else(|| signed.clone())
                        .filter(|whole| whole.starts_with(&found) || named_before(whole, &found))
                        .unwrap_or(found)
                });
                // Not asked, a message that is all address still gives it when its street's
                // number is no year ("Los Aromos 345, Ñuñoa"; not "Versa 2019, Automático").
                let yearless = |address: &String| {
                    fields::address::undated(address)
                        && !address.split([' ', ',']).any(|word| {
                            word.len() == 4
                                && word
                                    .parse::<u16>()
                                    .is_ok_and(|year| (1900..=2100).contains(&year))
                        })
                };
                read.or_else(|| shaped.filter(|address| asked || yearless(address)))
                    .or(signed)
                    .map(Ok)
                    .or_else(|| {
                        if !asked {
                            None
                        } else if only_asked && text.chars().any(|c| c.is_ascii_digit()) {
                            // An address of a kind the reader does not know ("Mz 4 Lt 12"), without
                            // the words that say it is one.
                            whole_answer(without_lead(text, ADDRESS_LEADS)).map(Ok)
                        } else {
                            Some(Err(Invalid::Address))
                        }
                    })
            }
            Kind::Typed(_) | Kind::Labelled if is_identifier(field.as_str()) => {
                // A correction names the identifier again without its word: "sorry, it's 55210".
                let answering = asked || (correcting && context.known.is_some());
                // "unit 4B" (a home's number is short, and written with the address), "traducir
                // mi diploma" (a `documento` that is no identity number): what the field's name
                // says it holds, when no identifier is given.
                let named_thing = fields::things::Thing::of(field.as_str())
                    .filter(|thing| {
                        matches!(
                            thing,
                            fields::things::Thing::Home
                                | fields::things::Thing::Document
                                | fields::things::Thing::Postcode
                        )
                    })
                    .and_then(|thing| thing.read(text));
                // "a la Calle 72 # 10-34", "Priya Desai 07385 112233": an identifier is never
                // part of the address or the phone number given with it.
                let raw_text = text;
                let text = &self.without_address_and_phone(text);
                // "cédula 1.144.087.622" beside a plate field: the number another field's word
                // names is that field's.
                let own = fields::fold(field.as_str());
                let others: Vec<String> = context
                    .wanted
                    .iter()
                    .filter(|other| *other != field && is_identifier(other.as_str()))
                    .flat_map(|other| {
                        fields::fold(other.as_str())
                            .split(['_', ' '])
                            .filter(|word| {
                                !GENERIC_IDENTIFIER_WORDS.contains(word)
                                    && !own.split(['_', ' ']).any(|mine| mine == *word)
                            })
                            .map(str::to_string)
                            .collect::<Vec<_>>()
                    })
                    .collect();
                identifier(text, field.as_str(), &others, answering, correcting)
                    .or_else(|| after_own_word(raw_text, field.as_str(), &others, false))
                    .or(named_thing)
                    .map(Ok)
                    .or_else(|| {
                        context
                            .whole_answer_is_its()
                            .then(|| whole_answer(text))
                            .flatten()
                            .map(|value| Ok(value.trim_start_matches('#').to_string()))
                    })
            }
            // A vehicle or a place asked for alone is the whole answer, however it is written.
            Kind::Labelled
                if let Some(thing) = fields::things::Thing::of(field.as_str())
                    .filter(|thing| !(only_asked && thing.is_described()))
                    .and_then(|thing| thing.answer(text, asked, context.known.is_some())) =>
            {
                // "Hotel Riu Caribe": a venue's word is part of its name.
                let thing = if fields::things::Thing::of(field.as_str())
                    == Some(fields::things::Thing::Venue)
                {
                    thing
                } else {
                    without_field_name(thing, field)
                };
                Some(Ok(without_colour_asked_apart(thing, field, context.wanted)))
            }
            Kind::Labelled if let Some(value) = own_word_value(text, field.as_str()) => {
                Some(Ok(value))
            }
            Kind::Labelled
                if !is_identifier(field.as_str())
                    && let Some(value) = own_word_name(words, field.as_str()) =>
            {
                Some(Ok(value))
            }
            // "it's my mum's 70th, could you bring a candle out?": the texter's own words, whole.
            Kind::Labelled if only_asked && free_text::is_worded(field) => {
                worded_answer(text).map(Ok)
            }
            Kind::Labelled if context.whole_answer_is_its() => whole_answer(text).map(|value| {
                let value = free_text::without_own_word(field, value.trim_start_matches('#'));
                Ok(free_text::without_naming_article(field, value).to_string())
            }),
            Kind::Typed(_) | Kind::Labelled => {
                if only_asked {
                    whole_answer(text).map(|value| Ok(value.trim_start_matches('#').to_string()))
                } else {
                    None
                }
            }
        }
    }

    /// A value for `field` from elsewhere (a model, a form), checked and normalised as the built-in
    /// extractor would (email syntax, E.164 phone numbers, dates); `None` when it does not pass.
    pub fn validate_field(&self, field: &FieldSpec, value: &str, clock: &Clock) -> Option<String> {
        self.check(field, kind(field), value.trim(), clock).ok()
    }

    fn check(
        &self,
        field: &FieldSpec,
        kind: Kind,
        value: &str,
        clock: &Clock,
    ) -> Result<String, Invalid> {
        match kind {
            Kind::Email => email(value, false)
                .ok_or_else(|| bad_email(value).unwrap_or(Invalid::Email(value.to_string()))),
            Kind::Phone => self
                .phone(value, false)
                .ok_or_else(|| Invalid::Phone(value.to_string())),
            Kind::Typed(FieldType::Number) => fields::number(value).ok_or(Invalid::Number),
            Kind::Typed(FieldType::Choice) => fields::choice(value, &field.choices, false)
                .ok_or_else(|| Invalid::Choice(field.choices.clone())),
            Kind::Typed(kind @ (FieldType::Date | FieldType::Time | FieldType::Datetime)) => {
                if kind == FieldType::Datetime
                    && let Some(stored) = fields::stored_datetime(value, clock)
                {
                    return stored;
                }
                let rules = WhenRules {
                    order: self.date_order(),
                    correcting: false,
                    asked: true,
                    past_day: is_past_day(field),
                    birth: is_birth_day(field),
                    known_date: None,
                    known_time: None,
                    evening: false,
                };
                fields::when_value(kind, value, clock, &rules).unwrap_or(Err(Invalid::Date))
            }
            Kind::Typed(FieldType::Address) if !value.chars().any(|c| c.is_ascii_digit()) => {
                Err(Invalid::Address)
            }
            _ if value.is_empty() || value.chars().count() > 100 => Err(Invalid::Text),
            Kind::Labelled => Ok(value.trim_start_matches('#').to_string()),
            _ => Ok(value.to_string()),
        }
    }

    /// The first valid phone number (the last one in a correction), in E.164.
    /// `text` without the address and the phone numbers it gives: valid ones, and digits in
    /// three groups or more, as people write a phone number, even a short one ("55 4455 66").
    fn without_address_and_phone(&self, text: &str) -> String {
        let mut text = match fields::address(text, false) {
            Some(address) => text.replacen(&address, " ", 1),
            None => text.to_string(),
        };
        for candidate in phone_candidates(&text.clone(), 7) {
            if self.phone(&candidate, false).is_some() || candidate.split(' ').count() >= 3 {
                text = text.replacen(&candidate, " ", 1);
            }
        }
        text
    }

    fn phone(&self, text: &str, last: bool) -> Option<String> {
        let valid = |candidate: String| {
            let number = phonenumber::parse(Some(self.region()), &candidate).ok()?;
            let number = as_argentine_mobile(&number).unwrap_or(number);
            (phonenumber::is_valid(&number) || is_fictional_uk_mobile(&number))
                .then(|| number.format().mode(phonenumber::Mode::E164).to_string())
        };
        let candidates = phone_candidates(text, 7);
        if last {
            candidates.into_iter().rev().find_map(valid)
        } else {
            candidates.into_iter().find_map(valid)
        }
    }

    /// Digits that look like a try at a phone number (five or more) but are none.
    fn bad_phone(&self, text: &str) -> Option<String> {
        phone_candidates(text, 5).into_iter().next()
    }
}

/// An Argentine number for a field read by SMS is a mobile's: `+54 9` and the ten digits of area
/// code and number. People write them as they dial at home, where the 9 is never dialled ("11
/// 4567 8901", "+54 11 4567 8901"); `011 15 4567 8901` (trunk 0, mobile 15) libphonenumber
/// already reads as `+54 9 11 4567 8901`. A landline has no SMS, so reading it as a mobile loses
/// nothing; `None` when the number is not ten digits or the mobile form is not a valid number.
fn as_argentine_mobile(number: &phonenumber::PhoneNumber) -> Option<phonenumber::PhoneNumber> {
    let national = number.national().value();
    (number.code().value() == 54 && (1_000_000_000..10_000_000_000).contains(&national))
        .then(|| phonenumber::parse(None, format!("+549{national}")).ok())
        .flatten()
        .filter(phonenumber::is_valid)
}

/// Ofcom keeps 07700 900000 to 07700 900999 for fiction, as the US keeps 555-0100 to 555-0199:
/// the UK mobile numbers people write in examples and tests. libphonenumber calls them invalid
/// (no subscriber has one) where it takes the US ones, so they are read here like any mobile.
fn is_fictional_uk_mobile(number: &phonenumber::PhoneNumber) -> bool {
    number.code().value() == 44
        && (7_700_900_000..=7_700_900_999).contains(&number.national().value())
}

/// Values of one kind said in one message, shared among the fields of that kind (two
/// addresses, two days): each to the field its words named, else to the one asked for, else to
/// the first still empty; a value never replaces one given before unless its words name it.
/// With a make field and a model field, a vehicle goes in parts: "2019 Mazda CX-5" is make
/// `Mazda` and model `CX-5` (the year is a year field's, read by its shape).
/// Words of a place's name that a person's name never has: "Santa Cruz", "New Haven", "San
/// Isidro", "Los Olivos", "Villa Crespo".
const TOWN_WORDS: &[&str] = &[
    "san", "santa", "santo", "new", "north", "south", "east", "west", "los", "las", "el", "la",
    "villa", "puerto", "port", "fort", "mount", "mt", "saint", "st", "lake", "valle", "ciudad",
    "city", "park", "heights", "beach", "springs", "county", "colonia", "barrio", "norte", "sur",
    "centro", "oriente", "poniente",
];

/// An address read with the signature after it ("77 Carroll St Brooklyn, Ana Lucia Ferreira",
/// "Cl 100 #19-61 Torre 2 apto 804, Rosa Ortiz, 300 999 8877"): the address ends before a part
/// that is two or three capitalised words with no digit and no word of a place's name, and that
/// part is the texter's name when it is still wanted.
fn signed_after_address(
    text: &str,
    wanted: &[FieldSpec],
    known: &BTreeMap<String, String>,
    extraction: &mut Extraction,
) {
    let Some(name_field) = wanted.iter().find(|field| kind(field) == Kind::Name) else {
        return;
    };
    if known.contains_key(name_field.as_str()) {
        return;
    }
    let read = extraction.found.get(name_field.as_str()).cloned();
    let personal = |part: &str| {
        let words: Vec<&str> = part.split_whitespace().collect();
        (2..=3).contains(&words.len())
            && words.iter().all(|word| {
                let mut letters = word.chars();
                letters.next().is_some_and(char::is_uppercase)
                    && letters.clone().count() >= 1
                    && letters.all(|c| c.is_lowercase() || c == '-' || c == '\'')
                    && !TOWN_WORDS.contains(&fields::fold(word).as_str())
                    && !PLACE_WORDS.contains(&fields::fold(word).as_str())
                    && !fields::address::is_street_type(word)
            })
    };
    for field in wanted
        .iter()
        .filter(|field| field.kind == FieldType::Address)
    {
        let Some(address) = extraction.found.get(field.as_str()).cloned() else {
            continue;
        };
        // "8830 W Quincy Ave, Littleton. Hollis Grange": signed after the sentence.
        if let Some((street, name)) = address.rsplit_once(". ")
            && personal(name)
            && read.as_deref().is_none_or(|read| read == name)
        {
            extraction
                .found
                .insert(field.as_str().to_string(), street.to_string());
            extraction
                .found
                .insert(name_field.as_str().to_string(), name.to_string());
            return;
        }
        // "Calle Padre Mier 2210, Col. Mitras Centro. Lupita Garza", "tile roof. Marco
        // Bellini, 9050 W Sahara Ave": a name as its own sentence beside the address.
        if read.is_none()
            && let Some((before, after)) = text.split_once(address.as_str())
        {
            let after: Vec<&str> = after
                .trim_start_matches(['.', ',', ' '])
                .split_whitespace()
                .take_while(|word| !word.contains(|c: char| c.is_ascii_digit() || c == '@'))
                .collect();
            let after = after.join(" ");
            let before = before
                .trim_end_matches([',', ' '])
                .rsplit_once(". ")
                .map(|(_, sentence)| sentence);
            let signed = [Some(after.trim_end_matches([',', '.'])), before]
                .into_iter()
                .flatten()
                .find(|part| personal(part));
            if let Some(name) = signed {
                extraction
                    .found
                    .insert(name_field.as_str().to_string(), name.to_string());
                return;
            }
        }
        let parts: Vec<&str> = address.split(", ").collect();
        // "5530 W 38th Ave, Wheat Ridge", "Insurgentes Sur 1602, Crédito Constructor": after a
        // street that ends at its type or number, the last part is its town unless the message
        // signs with contact details.
        let town_after = |street: &str| {
            street.split_whitespace().next_back().is_some_and(|word| {
                word.starts_with(|c: char| c.is_ascii_digit())
                    || fields::address::is_street_type(word)
            })
        };
        let signs = gives_contact(&words(text));
        // The name read from the message may be that part: the address no longer takes it.
        let Some(at) = (1..parts.len()).find(|&at| {
            personal(parts[at]) && read.as_deref().is_none_or(|name| name == parts[at])
        }) else {
            continue;
        };
        if !signs && at + 1 == parts.len() && town_after(parts[at - 1]) {
            // The town, read as a name too: no name was given.
            if read.as_deref() == Some(parts[at]) {
                extraction.found.remove(name_field.as_str());
            }
            continue;
        }
        let (street, name) = (parts[..at].join(", "), parts[at].to_string());
        extraction.found.insert(field.as_str().to_string(), street);
        extraction
            .found
            .insert(name_field.as_str().to_string(), name);
        return;
    }
}

/// Words before a place named ahead of its street: "venue is Stanley Hotel, 333 E ...", "en
/// Salón Los Candiles, Av. Tláhuac 3520", "at Horan & McConaty, 3101 S ...".
const PLACE_BEFORE_LEADS: &[&str] = &["is", "es", "at", "in", "en", "a", "al"];

/// An address keeps the place named in the part just before its street ("Stanley Hotel, 333 E
/// Wonderview Ave, Estes Park", "Fraccionamiento Las Palmas, Calle Roble 9", "Barranquilla, Cra
/// 53 #82-120"): up to five capitalised words (with "&", "de", "los" between them) that open the
/// message or follow a word that says where, and that no other field took.
fn with_place_before_street(
    text: &str,
    wanted: &[FieldSpec],
    known: &BTreeMap<String, String>,
    extraction: &mut Extraction,
) {
    for field in wanted
        .iter()
        .filter(|field| field.kind == FieldType::Address)
    {
        let Some(address) = extraction.found.get(field.as_str()) else {
            continue;
        };
        // The place's comma is written against it ("Stanley Hotel, 333 E ..."), so the value
        // joined below is the text as written; "Apt , Calle 9" names no place.
        let Some(before) = text
            .find(address.as_str())
            .and_then(|at| text[..at].trim_end().strip_suffix(','))
            .filter(|before| !before.ends_with(char::is_whitespace))
        else {
            continue;
        };
        let tokens: Vec<&str> = before.split_whitespace().collect();
        let joins = |token: &str| {
            matches!(
                fields::fold(token).as_str(),
                "&" | "de" | "del" | "la" | "las" | "los" | "el" | "of" | "the"
            )
        };
        let placed = |token: &str| {
            let folded = fields::fold(token);
            is_capitalised(token)
                && !token.chars().any(|c| c.is_ascii_digit())
                && !token.ends_with([',', '.', ':', '!', '?'])
                && !GREETINGS.contains(&folded.as_str())
                && !NOT_NAMES.contains(&folded.as_str())
                && !says_when(&folded)
        };
        let mut start = tokens.len();
        while start > 0 && tokens.len() - start < 5 {
            let token = tokens[start - 1];
            if !(placed(token) || (joins(token) && start < tokens.len())) {
                break;
            }
            start -= 1;
        }
        // A run opens with a name's word, not with a link.
        while start < tokens.len() && joins(tokens[start]) && !is_capitalised(tokens[start]) {
            start += 1;
        }
        let led =
            start == 0 || PLACE_BEFORE_LEADS.contains(&fields::fold(tokens[start - 1]).as_str());
        let place = tokens[start..].join(" ");
        let taken = extraction
            .found
            .values()
            .chain(known.values())
            .any(|value| value.contains(&place) || place.contains(value.as_str()));
        if place.is_empty() || !led || taken {
            continue;
        }
        let whole = format!("{place}, {address}");
        extraction.found.insert(field.as_str().to_string(), whole);
    }
}

/// Whether `value` is in a part of `text` (between commas) just before a part that reads as a
/// street with its number (one word only: "Dana Ruiz, Calle 8 #12" is the texter), or among
/// the parts without figures after one
/// ("Barranquilla, Cra 53 #82-120", "14 Sur 3502, col. Anzures, Puebla"): a town or a
/// district, not a name. A street's number is written beside a capitalised word of its name;
/// a part with a phone number ("Dana, Cel 555 0142 2231") or a day ("Dana, Dec 12") is no
/// street.
fn place_beside_street(text: &str, value: &str) -> bool {
    // Two words or more before a street may be the texter's whole name: a place only after one.
    let after_only = value.contains(' ');
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let streetlike = |part: &str| {
        let tokens: Vec<&str> = part.split_whitespace().collect();
        let number = |token: &str| {
            let core = token.trim_start_matches('#');
            !core.is_empty() && core.chars().all(|c| c.is_ascii_digit() || c == '-')
        };
        let named = |token: &str| {
            is_capitalised(token)
                && token.chars().all(|c| c.is_alphabetic() || c == '.')
                && !says_when(&fields::fold(token.trim_end_matches('.')))
        };
        let digits = part.chars().filter(char::is_ascii_digit).count();
        tokens
            .windows(2)
            .any(|pair| (number(pair[0]) && named(pair[1])) || (named(pair[0]) && number(pair[1])))
            && (digits < 7 || part.contains('#'))
            && !part.contains('@')
    };
    let plain = |part: &str| !part.chars().any(|c| c.is_ascii_digit());
    // A street that opens with its number ("12 Oak St") is written in the English order, with
    // its town after it: a word before it is the texter's name ("Dana, 12 Oak St").
    let town_first = |street: usize| !parts[street].starts_with(|c: char| c.is_ascii_digit());
    parts.iter().enumerate().any(|(at, part)| {
        has_words(part, value)
            && plain(part)
            && ((!after_only
                && parts
                    .get(at + 1)
                    .is_some_and(|next| streetlike(next) && town_first(at + 1)))
                || (0..at)
                    .rev()
                    .take_while(|&before| before + 3 >= at)
                    .find(|&before| !plain(parts[before]))
                    .is_some_and(|before| {
                        streetlike(parts[before])
                            // Two words after a licence plate ("patente AE 431 KD, Lorena
                            // Quiroga") are a name: after a real street only.
                            && (!after_only || fields::address(parts[before], false).is_some())
                    }))
    })
}

/// Names that are a place of an address the same message gives ("from 12 Elm St to 880 Beacon
/// St, Boston", "a Av. Vallarta 2440, Guadalajara"): the town or the district, not the texter.
fn without_places_as_names(wanted: &[FieldSpec], extraction: &mut Extraction) {
    let addresses: Vec<String> = wanted
        .iter()
        .filter(|field| !matches!(kind(field), Kind::Name | Kind::OtherName))
        .filter_map(|field| extraction.found.get(field.as_str()))
        .filter(|value| fields::address(value, false).is_some())
        .cloned()
        .collect();
    if addresses.is_empty() {
        return;
    }
    extraction.found.retain(|name, value| {
        let is_name = wanted
            .iter()
            .find(|field| field.as_str() == name)
            .is_some_and(|field| matches!(kind(field), Kind::Name | Kind::OtherName));
        !(is_name && addresses.iter().any(|address| has_words(address, value)))
    });
}

/// Whether `words` appear in `text` as whole words: "Boston" in "880 Beacon St, Boston", not
/// "Bea" in it.
fn has_words(text: &str, words: &str) -> bool {
    text.match_indices(words).any(|(at, found)| {
        let before = text[..at].chars().next_back();
        let after = text[at + found.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Words of a field's name that say it holds a year (folded).
const YEAR: &[&str] = &["year", "ano", "anio"];

fn share_vehicle(wanted: &[FieldSpec], extraction: &mut Extraction) {
    let part = |field: &FieldSpec, own: &[&str], other: &[&str]| {
        field.kind == FieldType::Text
            && fields::field_says(field.as_str(), own)
            && !fields::field_says(field.as_str(), other)
    };
    // "my 2019 f-150" beside a field for the year: the year is that field's.
    if wanted
        .iter()
        .any(|field| field.kind == FieldType::Number && fields::field_says(field.as_str(), YEAR))
    {
        for field in wanted.iter().filter(|field| {
            fields::things::Thing::of(field.as_str()) == Some(fields::things::Thing::Vehicle)
        }) {
            if let Some(vehicle) = extraction.found.get_mut(field.as_str())
                && let Some(model) = fields::things::without_year(vehicle)
            {
                *vehicle = model;
            }
        }
    }
    const MAKE: &[&str] = &["make", "marca", "brand"];
    const MODEL: &[&str] = &["model", "modelo"];
    let make = wanted.iter().find(|field| part(field, MAKE, MODEL));
    let model = wanted.iter().find(|field| part(field, MODEL, MAKE));
    let (Some(make), Some(model)) = (make, model) else {
        return;
    };
    for (field, is_make) in [(make, true), (model, false)] {
        let Some(vehicle) = extraction.found.get(field.as_str()) else {
            continue;
        };
        let (make_said, model_said) = fields::things::make_and_model(vehicle);
        match if is_make { make_said } else { model_said } {
            Some(value) => extraction.found.insert(field.as_str().to_string(), value),
            None => extraction.found.remove(field.as_str()),
        };
    }
}

fn share(
    fields: &[&FieldSpec],
    said: Vec<(String, Option<&FieldSpec>)>,
    asked: &[String],
    known: &BTreeMap<String, String>,
    extraction: &mut Extraction,
) {
    for field in fields {
        extraction.found.remove(field.as_str());
        extraction.invalid.remove(field.as_str());
    }
    let mut free: Vec<&FieldSpec> = fields
        .iter()
        .filter(|field| !known.contains_key(field.as_str()))
        .copied()
        .collect();
    for (value, named) in said {
        let target = named
            .or_else(|| {
                free.iter()
                    .find(|field| asked.iter().any(|a| a == field.as_str()))
                    .copied()
            })
            .or_else(|| free.first().copied());
        if let Some(target) = target {
            free.retain(|field| field != &target);
            extraction.found.insert(target.as_str().to_string(), value);
        }
    }
}

/// Where an address is in a move or a delivery: where it starts or where it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Start,
    End,
}

/// The role a field's name gives its address: `pickup`, `origen` start; `dropoff`, `destino` end.
fn field_role(name: &str) -> Option<Role> {
    const START: &[&str] = &[
        "pickup",
        "pick",
        "origin",
        "origen",
        "from",
        "salida",
        "recogida",
        "collection",
        "current",
        "actual",
        "start",
    ];
    const END: &[&str] = &[
        "dropoff",
        "drop",
        "destination",
        "destino",
        "to",
        "delivery",
        "entrega",
        "llegada",
        "new",
        "nueva",
        "end",
    ];
    if fields::field_says(name, START) {
        Some(Role::Start)
    } else if fields::field_says(name, END) {
        Some(Role::End)
    } else {
        None
    }
}

/// The role the words before an address give it ("from", "pickup at"; "to", "llega a"): the
/// cue nearest the address counts.
fn address_role(before: &str) -> Option<Role> {
    const START: &[&str] = &[
        "from",
        "pickup",
        "pick up",
        "picking up",
        "pick-up",
        "sale de",
        "salimos de",
        "desde",
        "origen",
        "recoger en",
        "recogida",
        "recogen en",
        "collect from",
    ];
    const END: &[&str] = &[
        "to",
        "dropoff",
        "drop off",
        "drop-off",
        "drop",
        "llega a",
        "llegamos a",
        "destino",
        "hasta",
        "entrega en",
        "entregar en",
        "deliver to",
        "going to",
        "moving to",
    ];
    let padded = format!(" {before} ");
    let last_at = |cues: &[&str]| {
        cues.iter()
            .filter_map(|cue| padded.rfind(&format!(" {cue} ")))
            .max()
    };
    match (last_at(START), last_at(END)) {
        (Some(start), Some(end)) if start > end => Some(Role::Start),
        (_, Some(_)) => Some(Role::End),
        (Some(_), None) => Some(Role::Start),
        (None, None) => None,
    }
}

/// The ends of a stay, a trip or a rental, as named in a date field's name and in the words
/// before a day (folded, matched from the start of a word).
const DAY_ROLES: &[&[&str]] = &[
    &[
        "check in",
        "checkin",
        "checking in",
        "arriv",
        "llega",
        "llego",
        "entrada",
        "entramos",
        "ingreso",
    ],
    &[
        "check out",
        "checkout",
        "checking out",
        "salida",
        "salimos",
        "salgo",
        "depart",
        "leav",
    ],
    &[
        "return", "back", "vuelta", "vuelvo", "volvemos", "regres", "devol", "devuelvo",
    ],
    &["pick up", "pickup", "picking up", "recog", "recoj"],
    &["drop off", "dropoff", "dropping off", "dejar", "dejo"],
];

/// One day said after every end of a stay is known corrects the one its words name, else the
/// known day nearest to it ("ah me equivoqué, la vuelta es el 25" after "del 17 al 24 de
/// julio", "we'll pick her up the 8th instead" after "sept 3 to sept 7"); a day of the month
/// said alone is read in that day's month.
fn corrected_day<'a>(
    text: &str,
    said: &[(String, Option<&'a FieldSpec>)],
    day_fields: &[&'a FieldSpec],
    known: &BTreeMap<String, String>,
) -> Option<(&'a FieldSpec, String)> {
    let [(day, named)] = said else {
        return None;
    };
    let day_fields = match named {
        Some(field) => std::slice::from_ref(field),
        None => day_fields,
    };
    let day = day.parse::<jiff::civil::Date>().ok()?;
    let alone = (!fields::dates::names_month_or_weekday(text))
        .then(|| fields::dates::day_alone(text))
        .flatten()
        .filter(|number| *number == day.day());
    day_fields
        .iter()
        .map(|field| {
            let known_day = known
                .get(field.as_str())?
                .get(..10)?
                .parse::<jiff::civil::Date>()
                .ok()?;
            let new_day = match alone {
                Some(number) => known_day.with().day(number).build().ok()?,
                None => day,
            };
            let apart = (new_day - known_day).get_days().abs();
            Some((apart, *field, new_day))
        })
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .min_by_key(|(apart, _, _)| *apart)
        .map(|(_, field, new_day)| (field, new_day.to_string()))
}

/// Whether the field's name says one of the cues of a day's role ("return_date", "recogida").
fn field_names_cue(field: &FieldSpec, cues: &[&str]) -> bool {
    let name = fields::fold(field.as_str()).replace(['_', '-'], " ");
    cues.iter().any(|cue| name.contains(cue))
}

/// Whether the field's name gives its day a role in a stay or a rental ("pickup", "check_out").
fn names_day_role(field: &FieldSpec) -> bool {
    DAY_ROLES.iter().any(|cues| field_names_cue(field, cues))
}

/// A field for the day someone was born ("dob", "date_of_birth", "fecha_nacimiento"): never a
/// day something started ("sore throat since saturday").
fn is_birth_day(field: &FieldSpec) -> bool {
    fields::field_says(
        field.as_str(),
        &["dob", "birth", "birthdate", "born", "nacimiento"],
    )
}

/// Words of a time field's name for when a booking starts, and for when it ends.
const START_WORDS: &[&str] = &["start", "from", "begin", "inicio", "desde", "entrada"];
const END_WORDS: &[&str] = &[
    "end", "until", "to", "fin", "final", "hasta", "salida", "termino",
];

/// With a time field for the start and one for the end, a range of hours ("next Friday 2-4pm",
/// "el viernes de 10 a 1") gives both, in place of the one hour the time reader took.
fn share_hours(text: &str, wanted: &[FieldSpec], extraction: &mut Extraction) {
    let named = |words: &[&str]| {
        let mut fields = wanted.iter().filter(|field| {
            field.kind == FieldType::Time && fields::field_says(field.as_str(), words)
        });
        match (fields.next(), fields.next()) {
            (Some(field), None) => Some(field.as_str().to_string()),
            _ => None,
        }
    };
    let (Some(start_field), Some(end_field)) = (named(START_WORDS), named(END_WORDS)) else {
        return;
    };
    if let Some((start, end)) = fields::dates::hour_range(text) {
        extraction.invalid.remove(&start_field);
        extraction.invalid.remove(&end_field);
        extraction
            .found
            .insert(start_field, start.strftime("%H:%M").to_string());
        extraction
            .found
            .insert(end_field, end.strftime("%H:%M").to_string());
    }
}

/// A field for a day that has passed: a birth ("dob", "date_of_birth", "fecha_nacimiento") or
/// something that happened ("incident_date", "date_of_loss", "fecha_siniestro",
/// "fecha_del_problema", "purchase_date").
fn is_past_day(field: &FieldSpec) -> bool {
    is_birth_day(field)
        || fields::field_says(
            field.as_str(),
            &[
                "birthday",
                "cumpleanos",
                "incident",
                "incidente",
                "accident",
                "accidente",
                "loss",
                "perdida",
                "damage",
                "dano",
                "siniestro",
                "injury",
                "lesion",
                "problem",
                "problema",
                "happened",
                "occurred",
                "ocurrio",
                "theft",
                "robo",
                "breakdown",
                "averia",
                "purchase",
                "purchased",
                "compra",
                "bought",
                "noticed",
                // A dismissal or a traffic fine: "fecha_despido", "fecha_comparendo".
                "despido",
                "termination",
                "fired",
                "comparendo",
                "multa",
                "citation",
                // A death: "fecha_fallecimiento", "date_of_death".
                "fallecimiento",
                "defuncion",
                "death",
                "deceased",
            ],
        )
}

/// What a reader knows beyond the message.
#[derive(Clone, Copy)]
struct Context<'a> {
    asked: bool,
    /// The field was the only one asked for: the whole message may be its value.
    only_asked: bool,
    /// Another field was the only one asked for: the message answers that one.
    answers_another: bool,
    /// That field is an email or a phone: a name may sign the answer ("Marcela Tapia
    /// marcela@gmail.com").
    answers_contact: bool,
    correcting: bool,
    /// The field's value so far.
    known: Option<&'a str>,
    clock: &'a Clock,
    /// Every field the workflow wants: which other fields a number may belong to.
    wanted: &'a [FieldSpec],
    /// The texter's own name was asked for.
    name_asked: bool,
    /// Another field asked with this one takes words that are no contact details (a reason, a
    /// count, a day): a plain answer in lower case may be that field's.
    asked_with_other: bool,
}

impl Context<'_> {
    /// Whether the whole message may be the field's value: it was the only one asked for, and
    /// the message corrects nothing else ("wait make it jan 6, same time", "nvm make it 3, game
    /// starts 3:30" change a day or a count, asked for the goal or the order). A correction
    /// may replace the field's own value.
    fn whole_answer_is_its(&self) -> bool {
        self.only_asked && !(self.correcting && self.known.is_none())
    }
}

/// A short message that gives none of the fields asked for answers the one free-text field among
/// them ("Sura" to "your insurer and a day that suits you?"): the other questions ask for values
/// their readers would have found. Not a refusal ("no idea", "not sure") or a question back.
fn text_answer(
    text: &str,
    wanted: &[FieldSpec],
    asked: &[String],
    extraction: &Extraction,
) -> Option<(String, String)> {
    if asked.len() < 2 || !extraction.found.is_empty() {
        return None;
    }
    let mut free_text = wanted.iter().filter(|field| {
        asked.iter().any(|a| a == field.as_str())
            && matches!(kind(field), Kind::Labelled | Kind::Company)
            && !is_identifier(field.as_str())
    });
    let field = free_text.next()?;
    if free_text.next().is_some() {
        return None;
    }
    // "voy por Adeslas": without the words that frame the answer.
    let answer = free_text::without_own_word(
        field,
        free_text::without_request(field, &whole_answer(text)?),
    )
    .to_string();
    let folded = fields::fold(&answer);
    let first = folded.split_whitespace().next()?;
    let refusal = free_text::says_nothing(first) || NOT_NAMES.contains(&first);
    (answer.split_whitespace().count() <= 5
        && !answer.contains(['@', '?'])
        && !answer.chars().any(|c| c.is_ascii_digit())
        && !refusal)
        .then(|| (field.as_str().to_string(), answer))
}

/// Words that say "this is what it is" before a value given as an answer, longest first: "it's
/// a 2019 MacBook Pro", "es una Venzo Raptor rodado 29", "es por el cumple de mi esposa". An
/// indefinite article goes with them (it says what sort of thing, not which); "the" stays ("it's
/// the blue one").
const COPULA_LEADS: &[&str] = &[
    "it's for an ",
    "it's for a ",
    "it's for ",
    "it's an ",
    "it's a ",
    "its an ",
    "its a ",
    "it is an ",
    "it is a ",
    "it's ",
    "its ",
    "it is ",
    "es por el ",
    "es por la ",
    "es por unos ",
    "es por unas ",
    "es por un ",
    "es por una ",
    "es por ",
    "es para el ",
    "es para la ",
    "es para ",
    "es una ",
    "es un ",
    "es ",
    "sure, ",
    "ok, ",
    // Where or what the texter is, said as the answer: "soy diseñadora gráfica freelance",
    // "estoy en la comuna de Peñalolén", "staying at the Hilton Hawaiian Village", "me sirve
    // martes en la noche"; the Normalisation rules leave "soy" out.
    "soy un ",
    "soy una ",
    "soy ",
    "estoy en el ",
    "estoy en la ",
    "estoy en ",
    // "estamos en el Hotel Riu Caribe", "vivo en Maipú": where the texter is or lives.
    "estamos en el ",
    "estamos en la ",
    "estamos en ",
    "vivo en ",
    "vivimos en ",
    "we're staying at the ",
    "we're staying at ",
    "staying at the ",
    "staying at ",
    "me sirve el ",
    "me sirve ",
];

/// `text` without the words that say it is the answer (see [`COPULA_LEADS`]).
fn without_copula(text: &str) -> &str {
    without_lead(text, COPULA_LEADS).trim()
}

/// The whole message as the texter's own words for the one question asked (a note, a request):
/// only the words that ask for it to be written go ("que diga: ..."); "it's" and a question
/// stay, as the Normalisation rules keep such a message whole.
fn worded_answer(text: &str) -> Option<String> {
    let value = without_saying(text.trim().trim_end_matches(['.', '!']).trim());
    (!value.is_empty() && value.chars().count() <= 240).then(|| value.to_string())
}

/// `text` without the words that ask for it to be written ("que diga: ...", "have it say ...")
/// or its quotes.
fn without_saying(text: &str) -> &str {
    without_lead(text, fields::things::WRITING_CUES).trim_matches(['"', '“', '”', ' '])
}

/// The whole message as the answer to the one question asked: "A-1234", "it's the blue one".
fn whole_answer(text: &str) -> Option<String> {
    let trimmed = text.trim().trim_end_matches(['.', '!']).trim();
    let value = without_saying(without_copula(trimmed));
    (!value.is_empty() && value.chars().count() <= 100 && !value.ends_with('?'))
        .then(|| value.to_string())
}

/// Words of `text` with the byte where each starts, so a reader can cut `text` at a word.
fn located(text: &str) -> Vec<(usize, &str)> {
    text.split_whitespace()
        .map(|word| (word.as_ptr() as usize - text.as_ptr() as usize, word))
        .collect()
}

/// Words before an address ("my address is ...", "vivo en ...").
const ADDRESS_LEADS: &[&str] = &[
    "my address is ",
    "the address is ",
    "address is ",
    "address: ",
    "pick me up at ",
    "pick me up from ",
    "pick up at ",
    "pick up from ",
    "recogeme en ",
    "i'm at ",
    "im at ",
    "we're at ",
    "it's at ",
    "it's ",
    "its ",
    "mi direccion es ",
    "la direccion es ",
    "direccion: ",
    "vivo en ",
    "estoy en ",
    "es en ",
    "en ",
];

/// A few words that answer the one question asked with something else: "just ken" to "your
/// email?". Questions, numbers and long messages are no such answer (they may be about
/// something else).
fn short_answer(text: &str) -> Option<String> {
    let answer = text.trim().trim_end_matches(['.', '!']).trim();
    let words = answer.split_whitespace().count();
    ((1..=4).contains(&words)
        && !answer.contains(['?', '@'])
        && !answer.chars().any(|c| c.is_ascii_digit()))
    .then(|| answer.to_string())
}

/// A company named alone, answering the question about it: "Vega Arquitectos", "Park Dental,
/// 415-555-0603", "it's Stein & Mercer". The first part of the message that is not an email
/// address or a phone number, without the words around it.
fn bare_company(text: &str) -> Option<String> {
    let part = text.split([',', ';', '\n']).map(str::trim).find(|part| {
        !part.is_empty()
            && !part.contains('@')
            && part.chars().filter(char::is_ascii_digit).count() < 5
    })?;
    let folded = fields::fold(part);
    let value = COMPANY_LEADS
        .iter()
        .find_map(|lead| {
            folded
                .starts_with(lead)
                .then(|| part.get(lead.len()..))
                .flatten()
        })
        .unwrap_or(part);
    let value = trim_sentence_end(value.trim());
    let words = value.split_whitespace().count();
    let first = fields::fold(value.split_whitespace().next()?);
    // A name is written with a capital ("Vega Arquitectos"); "sorry, ..." or "yes" is no name.
    ((1..=6).contains(&words)
        && !value.ends_with('?')
        && (value.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
            || lower_case_company(value))
        && !NOT_NAMES.contains(&first.trim_matches(|c: char| !c.is_alphanumeric())))
    .then(|| value.to_string())
}

/// A company written in lower case ("joe's pizza", "northwind traders"): a few words, none of
/// them an everyday word ("no idea", "self employed", "just me").
fn lower_case_company(value: &str) -> bool {
    let words: Vec<&str> = value.split_whitespace().collect();
    words.len() <= 4
        && words.iter().all(|word| {
            let folded = fields::fold(word.trim_matches(|c: char| !c.is_alphanumeric()));
            !folded.is_empty()
                && !NOT_NAMES.contains(&folded.as_str())
                && !COMMON_WORDS.contains(&folded.as_str())
                && !(folded.len() > 4 && (folded.ends_with("ing") || folded.ends_with("ed")))
        })
}

/// Words before a company named alone ("it's Vega Arquitectos", "la empresa es ...").
const COMPANY_LEADS: &[&str] = &[
    "it's called ",
    "its called ",
    "it is called ",
    "we're called ",
    "se llama ",
    "it's ",
    "its ",
    "it is ",
    "the company is ",
    "company is ",
    "we're ",
    "we are ",
    "i work at ",
    "i work for ",
    "la empresa es ",
    "mi empresa es ",
    "trabajo en ",
    "trabajo para ",
    "somos ",
    "es ",
    "para ",
    "for ",
    "at ",
    "from ",
    "de ",
];

/// Trailing sentence punctuation dropped, an abbreviation's dot kept ("S.L.", "Inc.").
fn trim_sentence_end(value: &str) -> &str {
    let trimmed = value.trim_end_matches(['.', '!', '?']).trim_end();
    let last = trimmed.rsplit(' ').next().unwrap_or_default();
    if value[trimmed.len()..].starts_with('.') && is_abbreviation(last) {
        &value[..trimmed.len() + 1]
    } else {
        trimmed
    }
}

/// "Inc", "Ltd", "S.L", "S.A": a word written with a dot that is part of it.
fn is_abbreviation(word: &str) -> bool {
    const ABBREVIATIONS: &[&str] = &["inc", "ltd", "co", "corp", "bros", "cia", "jr", "sr"];
    word.contains('.') || ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

/// A field of free text (a problem, a reason, a request): not a company, a name or an
/// identifier, which the rules read by what they are.
pub(crate) fn is_free_text(field: &FieldSpec) -> bool {
    kind(field) == Kind::Labelled && !is_identifier(field.as_str())
}

/// Fields that hold an identifier (order numbers, references), read from "#A-1234".
fn is_identifier(field: &str) -> bool {
    // `order_items`: what was ordered, not the order's number; `claim_description`,
    // `ticket_subject`, `use_case`: what is said about it (test9, test10, test19, test21).
    fields::field_says(field, IDENTIFIER_WORDS)
        && !fields::field_says(
            field,
            &[
                "items",
                "contents",
                "productos",
                "articulos",
                "description",
                "descripcion",
                "subject",
                "asunto",
                "use",
            ],
        )
}

/// Words in the name of a field that holds an identifier, and in a message before one ("my
/// order 77120", "pedido 4567", "folio 556677").
const IDENTIFIER_WORDS: &[&str] = &[
    "order",
    "pedido",
    "orden",
    "ticket",
    "ref",
    "invoice",
    "factura",
    "tracking",
    "code",
    "codigo",
    "confirmation",
    "number",
    "numero",
    "folio",
    "id",
    "reference",
    "referencia",
    "reservation",
    "reservacion",
    "reserva",
    "booking",
    "case",
    "caso",
    "claim",
    "account",
    // "acct 77-31904": as account is written short.
    "acct",
    "cuenta",
    "policy",
    "poliza",
    "guia",
    "rastreo",
    "serial",
    "serie",
    "member",
    "membership",
    "matricula",
    // "la matri es 4821 KLM": as a plate is said short in Spain.
    "matri",
    "placa",
    "placas",
    "plate",
    "plates",
    "patente",
    // National and tax identity numbers.
    "cedula",
    // "cc 1.020.445.887": a Colombian cédula de ciudadanía as it is written short.
    "cc",
    "dni",
    "nie",
    "nif",
    "cif",
    "rfc",
    "curp",
    "rut",
    "ine",
    "dpi",
    "documento",
    "identificacion",
    "passport",
    "pasaporte",
    "ssn",
];

/// Identifier words that say too little alone in a message ("my number is ...", "zip code").
const GENERIC_IDENTIFIER_WORDS: &[&str] = &["number", "numero", "id", "code", "codigo", "case"];

/// An identifier: a word after `#` ("#A-20931"), a word with three digits or more soon after the
/// field's own word ("my order 77120", "mi pedido? es el 45-889", see [`after_own_word`]), or,
/// answering the question, the first such word ("es el 88213").
fn identifier(
    text: &str,
    field: &str,
    others: &[String],
    asked: bool,
    last: bool,
) -> Option<String> {
    let hashed = identifier_tokens(text)
        .filter_map(|token| token.strip_prefix('#'))
        .find(|token| !token.is_empty() && token.chars().all(|c| c.is_alphanumeric() || c == '-'));
    hashed
        .map(str::to_string)
        .or_else(|| after_own_word(text, field, others, true))
        .or_else(|| {
            let all: Vec<&str> = identifier_tokens(text).collect();
            let raw: Vec<&str> = text.split_whitespace().collect();
            let mut shaped = (0..all.len()).filter(|&at| identifier_shaped(all[at]));
            let at = asked.then(|| {
                if last {
                    shaped.next_back()
                } else {
                    shaped.next()
                }
            })??;
            // A plate's letters after its figures: "Marcos Delgado, 2241 HBC".
            Some(match all.get(at + 1) {
                Some(letters)
                    if is_plate(field)
                        && identifier_capitals(letters)
                        && !raw[at].ends_with([',', ';', '.']) =>
                {
                    format!("{} {letters}", all[at])
                }
                _ => all[at].to_string(),
            })
        })
}

/// The words of `text` as an identifier reader sees them: without the punctuation after them.
fn identifier_tokens(text: &str) -> impl Iterator<Item = &str> + Clone {
    text.split_whitespace()
        .map(|token| token.trim_end_matches(['.', ',', '!', '?', ';', ':', ')']))
}

/// A word shaped as an identifier: three digits or more, only letters, digits and `-_/.`.
fn identifier_shaped(token: &str) -> bool {
    token.len() >= 3
        && token.chars().filter(char::is_ascii_digit).count() >= 3
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'))
}

/// Two to four capitals: a part of a plate or a member id ("HKT 482", "KP 4471 0932").
fn identifier_capitals(token: &str) -> bool {
    (2..=4).contains(&token.len()) && token.chars().all(|c| c.is_ascii_uppercase())
}

/// Whether `field` holds a vehicle's plate.
fn is_plate(field: &str) -> bool {
    ["plate", "matricula", "placa", "patente"]
        .iter()
        .any(|word| fields::fold(field).contains(word))
}

/// The identifier soon after the field's own word or a word that says one follows ("orden" for
/// a "pedido" field, "cc" for a cédula), never after the words of `others`, other identifier
/// fields' own ("cédula 1.144.087.622" is no plate). What follows such a word is the identifier
/// even when its digits could be dialled ("guía MX7783410022", "nhs no 485 777 3456"); read in
/// a text whose phone numbers are still in it, the field's `generic` words ("number", "id") are
/// left out: "my number 713.555.0105" is a phone, not a `policy_number`.
fn after_own_word(text: &str, field: &str, others: &[String], generic: bool) -> Option<String> {
    let named: Vec<String> = fields::fold(field)
        .split(['_', ' '])
        .filter(|word| generic || !GENERIC_IDENTIFIER_WORDS.contains(word))
        .map(str::to_string)
        .chain(
            IDENTIFIER_WORDS
                .iter()
                .filter(|word| !GENERIC_IDENTIFIER_WORDS.contains(word))
                .filter(|word| !others.iter().any(|other| other == *word))
                .map(|word| word.to_string()),
        )
        .collect();
    let all: Vec<&str> = identifier_tokens(text).collect();
    let raw: Vec<&str> = text.split_whitespace().collect();
    // A plate written in two parts: "matrícula 4821 KLM".
    let plate = is_plate(field);
    // After its word a plate may have two figures: "patente KJTR-45", "placa XKM 43F".
    let plate_shaped = |token: &str| {
        plate
            && token.chars().filter(char::is_ascii_digit).count() >= 2
            && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    // Up to four words on: "placa del carro: HKP 391".
    let at = all.iter().enumerate().find_map(|(at, token)| {
        let word = fields::fold(token.trim_matches(|c: char| !c.is_alphanumeric()));
        named
            .contains(&word)
            .then(|| {
                (at + 1..all.len().min(at + 5))
                    .find(|&at| identifier_shaped(all[at]) || plate_shaped(all[at]))
            })
            .flatten()
    })?;
    // Written in parts: "member id KP 4471 0932", "placa HKT 482".
    let mut parts: Vec<&str> = Vec::new();
    if at > 0 && identifier_capitals(all[at - 1]) && !named.contains(&fields::fold(all[at - 1])) {
        parts.push(all[at - 1]);
    }
    parts.push(all[at]);
    let mut next = at + 1;
    while let Some(token) = all.get(next)
        && (token.len() >= 3 && token.chars().all(|c| c.is_ascii_digit())
            || (plate && identifier_capitals(token)))
        && !raw[next - 1].ends_with([',', ';', '.'])
    {
        parts.push(token);
        next += 1;
    }
    Some(parts.join(" "))
}

/// A value with figures right after the field's own word, for a field no reader knows: "unit
/// 4B", "asset tag IT-20931", "depto 302", "reg KX19 LMN" (the word may be shortened).
fn own_word_value(text: &str, field: &str) -> Option<String> {
    const SORTS: &[&str] = &[
        "number", "numero", "num", "the", "del", "your", "info", "details", "detalles",
    ];
    let folded = fields::fold(field);
    let own = fields::own_words(&folded, SORTS);
    let raw: Vec<&str> = text.split_whitespace().collect();
    let bare = |token: &'_ str| -> String {
        token
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '-')
            .to_string()
    };
    let names = |token: &str| fields::names_field(&bare(token), &own);
    let figures = |token: &str| {
        let token = bare(token);
        token.chars().any(|c| c.is_ascii_digit())
            && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let capitals = |token: &str| {
        let token = bare(token);
        (2..=3).contains(&token.len()) && token.chars().all(|c| c.is_ascii_uppercase())
    };
    let ends = |token: &str| token.ends_with([',', ';', '.', '!', '?']);
    (0..raw.len()).find_map(|at| {
        if !names(raw[at]) || ends(raw[at]) {
            return None;
        }
        let mut next = at + 1;
        while raw.get(next).is_some_and(|token| {
            matches!(
                fields::fold(&bare(token)).as_str(),
                "" | "is" | "es" | "no" | "number" | "numero" | "de" | "del"
            ) && !ends(token)
        }) {
            next += 1;
        }
        let first = raw.get(next).filter(|token| figures(token))?;
        let mut parts = vec![bare(first)];
        let mut end = next;
        while !ends(raw[end])
            && let Some(token) = raw.get(end + 1)
            && (figures(token) || capitals(token))
        {
            parts.push(bare(token));
            end += 1;
        }
        Some(parts.join(" "))
    })
}

/// The most words of a name that opens with its field's own word ("Hotel Xcaret Arte").
const OWN_WORD_NAME_WORDS: usize = 5;

/// A name that opens with the field's own word, capitalised, and goes on in capitals: "nos
/// hospedamos en el Hotel Riu Caribe" = `Hotel Riu Caribe` for `hotel`, "Colegio San Marcos"
/// for `colegio`; "de", "del", "la" between its capitalised words ("Club Campestre de Cali").
fn own_word_name(words: &[Word], field: &str) -> Option<String> {
    let folded = fields::fold(field);
    let own = fields::own_words(&folded, &[]);
    let at = words.iter().position(|word| {
        is_capitalised(&word.text)
            && !word.ends_clause
            && own.contains(&fields::fold(&word.lower).as_str())
    })?;
    let mut taken = vec![words[at].text.as_str()];
    let mut next = at + 1;
    while taken.len() < OWN_WORD_NAME_WORDS
        && let Some(word) = words.get(next)
    {
        let links = matches!(word.lower.as_str(), "de" | "del" | "la" | "los" | "las")
            && !word.ends_clause
            && words
                .get(next + 1)
                .is_some_and(|after| is_capitalised(&after.text));
        if !(links || is_capitalised(&word.text)) || word.text.contains('@') {
            break;
        }
        taken.push(&word.text);
        next += 1;
        if word.ends_clause {
            break;
        }
    }
    (taken.len() >= 2 && is_capitalised(taken.last()?)).then(|| taken.join(" "))
}

/// `text` lower-cased letter by letter where that keeps the byte length, so positions in it are
/// positions in `text`: what [`labelled`] searches for labels.
fn same_length_lowercase(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.chars()
        .map(|c| {
            let mut lowered = c.to_lowercase();
            match (lowered.next(), lowered.next()) {
                (Some(l), None) if l.len_utf8() == c.len_utf8() => l,
                _ => c,
            }
        })
        .collect()
}

/// "Email: x", "order number - 123": the value after the field's label. `lower` is
/// [`same_length_lowercase`] of `text`, made once per message (every field tries several labels).
fn labelled(text: &str, lower: &str, field: &str) -> Option<String> {
    let label = field.replace('_', " ");
    let mut from = 0;
    while let Some(at) = lower[from..].find(&label) {
        let start = from + at;
        let end = start + label.len();
        from = end;
        let starts_word = lower[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let rest = text[end..].trim_start();
        let Some(value) = rest
            .strip_prefix(':')
            .or_else(|| rest.strip_prefix("is "))
            .or_else(|| rest.strip_prefix("es "))
        else {
            continue;
        };
        if !starts_word {
            continue;
        }
        let value = value.trim_start();
        let end = value
            .char_indices()
            .find(|&(at, c)| {
                matches!(c, ';' | '\n')
                    || (c == ','
                        && !(value[..at].ends_with(|c: char| c.is_ascii_digit())
                            && value[at + 1..].starts_with(|c: char| c.is_ascii_digit())))
            })
            .map_or(value.len(), |(at, _)| at);
        let value = &value[..end];
        let value = value
            .trim()
            .trim_end_matches(['.', '!', '?'])
            .trim()
            .to_string();
        if !value.is_empty() {
            return Some(value);
        }
    }
    None
}

fn email_tokens(text: &str) -> impl DoubleEndedIterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '<' | '>' | '(' | ')'))
        .map(|token| token.trim_matches(|c: char| matches!(c, '.' | ':' | '!' | '?' | '"' | '\'')))
}

/// Words that may come right before an email address ("email me at x@y.com", "sorry x@y.com").
const BEFORE_EMAIL: &[&str] = &[
    "at",
    "is",
    "es",
    "me",
    "email",
    "mail",
    "correo",
    "to",
    "a",
    "al",
    "use",
    "usa",
    "usar",
    "try",
    "its",
    "my",
    "mi",
    "y",
    "and",
    "or",
    "o",
    "send",
    "manda",
    "mandame",
    "escribeme",
    "escribe",
    "please",
    "pls",
    "plz",
    "porfa",
    "con",
    "with",
    "sorry",
    "oops",
    "perdon",
    "ok",
    "okay",
    "sure",
    "yes",
    "si",
    "claro",
    "here",
    "aqui",
    "it",
    "hi",
    "hello",
    "hey",
    "hola",
    "thanks",
    "thx",
    "gracias",
    "new",
    "nuevo",
    "the",
    "el",
    "actually",
    "wait",
    "espera",
    "mejor",
    "no",
    "not",
    "nope",
    "instead",
    "contact",
    "reach",
    "address",
    "direccion",
    "be",
    "now",
    "then",
    "entonces",
    "ya",
    "via",
    "por",
    "just",
    "solo",
    "on",
    "en",
    "de",
    "del",
    "para",
    "for",
    "also",
    "tambien",
    "too",
    "from",
    "write",
    "text",
    "call",
    "either",
    "bueno",
    "pues",
    "vale",
    "listo",
    "work",
    "personal",
    "trabajo",
    "business",
    "office",
    "home",
    "casa",
    "mine",
    "is:",
    "use:",
    "oh",
    "ah",
    "sry",
    "perdona",
    "disculpa",
    "cc",
    "ugh",
    "uf",
    "uff",
    "lol",
    "argh",
    // "it's under ana@...": the name a booking or an account is under.
    "under",
    // "invite alex@...", "add maria@... too", "invita a ...", "agrega ..."
    "invite",
    "add",
    "include",
    "forward",
    "invita",
    "agrega",
    "anade",
    "incluye",
];

/// "maya ross@example.com": an address whose name part was split by a space, as written.
fn spaced_email(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.windows(2).find_map(|pair| {
        let (before, token) = (pair[0], pair[1]);
        let address = token.trim_matches(|c: char| {
            matches!(
                c,
                '.' | ',' | ';' | ':' | '!' | '?' | '"' | '\'' | '(' | ')'
            )
        });
        let word = fields::fold(before);
        // Written on as one address: no bracket or quote before it, the word before in lower case.
        // "it's under h.brooks@x.com": a name part with its own separator was written whole.
        let separated = address
            .split('@')
            .next()
            .is_some_and(|local| local.contains(['.', '_', '-']));
        (is_email(address)
            && !separated
            && token.starts_with(char::is_alphanumeric)
            && before.chars().all(char::is_lowercase)
            && word.chars().count() >= 2
            && !BEFORE_EMAIL.contains(&word.as_str()))
        .then(|| format!("{before} {address}"))
    })
}

/// The first valid email address (the last one in a correction), domain lower-cased.
fn email(text: &str, last: bool) -> Option<String> {
    let found = if last {
        email_tokens(text).rev().find(|token| is_email(token))
    } else {
        email_tokens(text).find(|token| is_email(token))
    };
    found.map(str::to_lowercase)
}

/// A word with an @ that is no email address: why not.
fn bad_email(text: &str) -> Option<Invalid> {
    let token = email_tokens(text).find(|token| token.contains('@') && !is_email(token))?;
    let (local, domain) = token.split_once('@')?;
    let plausible = !local.is_empty() && !domain.is_empty() && !domain.contains('@');
    Some(if plausible && !domain.contains('.') {
        Invalid::EmailDomain(token.to_string())
    } else {
        Invalid::Email(token.to_string())
    })
}

fn is_email(token: &str) -> bool {
    let Some((local, domain)) = token.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-'".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.');
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && domain_ok
}

/// Runs of digits and phone punctuation with `min_digits` to 15 digits.
fn phone_candidates(text: &str, min_digits: usize) -> Vec<String> {
    let mut candidates = Vec::new();
    let mut current = String::new();
    let mut flush = |current: &mut String| {
        let digits = current.chars().filter(char::is_ascii_digit).count();
        if (min_digits..=15).contains(&digits) {
            candidates.push(current.trim().to_string());
        }
        current.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit()
            || (matches!(c, '+' | '(') && current.trim().is_empty())
            || (!current.is_empty() && matches!(c, '-' | '.' | ' ' | ')' | '('))
        {
            current.push(c);
        } else {
            flush(&mut current);
        }
    }
    flush(&mut current);
    candidates
}

/// A word of the message with the punctuation that followed it.
#[derive(Debug, Clone)]
struct Word {
    text: String,
    lower: String,
    /// The word ends a clause (followed by , . ! ? ; :).
    ends_clause: bool,
}

fn words(text: &str) -> Vec<Word> {
    // "Alexis Turner / Turner Realty Group", "Ana Gil | 555 0142", "Raj Patel @ Kestrel
    // Analytics": a slash, a bar or an at sign between parts ends the one before, as a comma
    // does.
    let text = if text.contains(['/', '|', '@']) {
        Cow::Owned(
            text.replace(" / ", ", ")
                .replace(" | ", ", ")
                .replace(" @ ", ", "),
        )
    } else {
        Cow::Borrowed(text)
    };
    let mut words: Vec<Word> = text
        .split_whitespace()
        // "thanks! -Kate": the dash of a signature written on to the name.
        .flat_map(|raw| {
            match raw.strip_prefix(['-', '~']) {
                Some(name) if name.starts_with(char::is_alphabetic) => [Some("-"), Some(name)],
                _ => [Some(raw), None],
            }
            .into_iter()
            .flatten()
        })
        .filter_map(|raw| {
            let ends_clause = raw.ends_with([',', '.', '!', '?', ';', ':']);
            let trimmed = raw
                .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '&' && c != '-')
                .trim_end_matches('\'');
            // "S.L.", "Inc.": the dot is part of the word. (`trimmed` is a part of `raw`: it
            // ends where its bytes do.)
            let end = trimmed.as_ptr() as usize - raw.as_ptr() as usize + trimmed.len();
            let text = if raw[end..].starts_with('.') && is_abbreviation(trimmed) {
                format!("{trimmed}.")
            } else {
                trimmed.to_string()
            };
            let lower = text.to_lowercase();
            (!text.is_empty()).then(|| Word {
                lower: if lower.contains('\u{2019}') {
                    lower.replace('\u{2019}', "'")
                } else {
                    lower
                },
                text,
                ends_clause,
            })
        })
        .collect();
    // "Brian Walsh - Walsh Electric - 630-555-0119": a dash between parts ends the one before.
    for at in 0..words.len() {
        if matches!(words[at].text.as_str(), "-" | "--" | "–" | "—") {
            words[at].ends_clause = true;
            if at > 0 {
                words[at - 1].ends_clause = true;
            }
        }
    }
    words
}

/// A message that only says whom it is from, as a gift or a card is signed: "from Kayla
/// Pearson", "from Emma", "de parte de Lucía Gómez". It names the texter whatever was read
/// before (a signature in the card's message, the recipient).
fn signed_from(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches(['.', '!']);
    let lower = text.to_lowercase();
    let lead = ["from ", "de parte de "]
        .into_iter()
        .find(|lead| lower.starts_with(lead))?;
    // "from Derek Simms 615-555-0140": the contact details after the name are not part of it.
    let name = &text[lead.len()..];
    let words: Vec<&str> = name
        .split_whitespace()
        .take_while(|word| !word.contains(|c: char| c.is_ascii_digit() || c == '@'))
        .collect();
    ((1..=3).contains(&words.len())
        && words.iter().all(|word| {
            is_capitalised(word)
                && word
                    .chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '-' | '\''))
                && !TOWN_WORDS.contains(&fields::fold(word).as_str())
                && !BUSINESS_WORDS.contains(&fields::fold(word).as_str())
        }))
    .then(|| words.join(" "))
}

fn is_capitalised(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// Whether `value`, read for the name field `field`, may be a person's name rather than a
/// reply to another question asked with it: no number ("somos tres", "twelve images"), no word
/// of a value another field took from the same message ("yoga instead", "media pensión"), no
/// word of another field's own name ("unit"), no word that names a business ("Agencia Mango",
/// "Summit Roofing LLC") and no state written after a city ("Plano TX").
fn looks_like_a_name(
    value: &str,
    field: &FieldSpec,
    wanted: &[FieldSpec],
    found: &BTreeMap<String, String>,
) -> bool {
    let words: Vec<&str> = value.split_whitespace().collect();
    let capitalised = words.iter().any(|word| is_capitalised(word));
    // Lower-case words inside a capitalised name are particles ("João dos Santos").
    let particle =
        |at: usize| capitalised && at > 0 && at + 1 < words.len() && !is_capitalised(words[at]);
    // Not a company's value: "Noah Fischer, Fischer Logistics" names both.
    let taken: Vec<String> = wanted
        .iter()
        .filter(|other| matches!(kind(other), Kind::Typed(_) | Kind::Labelled))
        .filter_map(|other| found.get(other.as_str()))
        .flat_map(|value| {
            fields::fold(value)
                .split(|c: char| !c.is_alphanumeric())
                .filter(|word| word.len() >= 3)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    let own: Vec<String> = wanted
        .iter()
        .filter(|other| *other != field && !matches!(other.kind, FieldType::Name))
        .flat_map(|other| {
            let folded = fields::fold(other.as_str());
            fields::own_words(&folded, &["name", "nombre", "number", "numero"])
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    let state = |at: usize| {
        at > 0
            && at + 1 == words.len()
            && words[at].len() == 2
            && words[at].chars().all(|c| c.is_ascii_uppercase())
    };
    // "kids medium", "verdes", "Teal": a choice the workflow offers, said alone.
    let all_lower = !capitalised;
    let chosen = (all_lower || words.len() == 1)
        && wanted
            .iter()
            .filter(|other| other.kind == FieldType::Choice)
            .any(|other| fields::choice(value, &other.choices, false).is_some());
    let choice_words: Vec<String> = wanted
        .iter()
        .filter(|other| other.kind == FieldType::Choice)
        .flat_map(|other| other.choices.iter())
        .flat_map(|choice| {
            fields::fold(choice)
                .split(|c: char| !c.is_alphanumeric())
                .filter(|word| word.len() >= 3)
                .map(|word| fields::stem(word).to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    // "Teal", "green": a colour said alone answers a question about the colour.
    let colour =
        words.len() == 1 && fields::things::COLOURS.contains(&fields::fold(value).as_str());
    // A word of a choice offered: "kids medium" for `Kids M`.
    let offered =
        |folded: &str| folded.len() >= 3 && choice_words.iter().any(|w| w == fields::stem(folded));
    // "Salt & Sage Yoga" where a company is wanted: names joined by "&" are the firm's (where
    // none is, a couple's: "Priya & Dev Raman").
    let firm = words.contains(&"&") && wanted.iter().any(|other| kind(other) == Kind::Company);
    !chosen
        && !colour
        && !firm
        && words.iter().enumerate().all(|(at, word)| {
            let folded = fields::fold(word.trim_matches(|c: char| !c.is_alphanumeric()));
            !word.chars().any(|c| c.is_ascii_digit())
                && !says_when(&folded)
                && !offered(&folded)
                && (particle(at) || !numbers::is_number_word(&folded))
                && !taken.contains(&folded)
                && !own.contains(&folded)
                && !BUSINESS_WORDS.contains(&folded.as_str())
                // "cc 1.020.445.887": in lower case, the word before an identifier.
                && !(all_lower && IDENTIFIER_WORDS.contains(&folded.as_str()))
                && !state(at)
        })
}

/// The values found, but those of text fields that end with `name` ("Thor", "cockapoo called
/// Biscuit").
fn without_texts_ending_with(
    name: &str,
    wanted: &[FieldSpec],
    found: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let name = fields::fold(name);
    found
        .iter()
        .filter(|(field, value)| {
            let text = wanted
                .iter()
                .any(|other| other.as_str() == field.as_str() && kind(other) == Kind::Labelled);
            !(text
                && fields::fold(value)
                    .strip_suffix(&name)
                    .is_some_and(|before| before.is_empty() || before.ends_with(' ')))
        })
        .map(|(field, value)| (field.clone(), value.clone()))
        .collect()
}

/// Whether a word (folded) says a day or a time: "Dec", "yesterday around noon", "desde ayer".
fn says_when(folded: &str) -> bool {
    (fields::dates::is_month(folded) && !MONTH_NAMES_OF_PEOPLE.contains(&folded))
        || fields::dates::is_weekday(folded)
        || WHEN_WORDS.contains(&folded)
}

/// Months that are people's names too ("Julio Cervantes", "mi niña Abril").
const MONTH_NAMES_OF_PEOPLE: &[&str] = &["april", "may", "june", "abril", "julio"];

/// Words of a day or a time that are never part of a name ("yesterday around noon", "fue
/// anoche"); months and weekdays are known to the date reader.
const WHEN_WORDS: &[&str] = &[
    "yesterday",
    "today",
    "tonight",
    "tomorrow",
    "tmrw",
    "noon",
    "midnight",
    "morning",
    "afternoon",
    "evening",
    "night",
    "last",
    "next",
    "weekend",
    "asap",
    "earliest",
    "ayer",
    "anoche",
    "anteayer",
    "hoy",
    "manana",
    "tarde",
    "noche",
    "desde",
    "fue",
    "pasado",
    "proximo",
    "mediodia",
    "finde",
];

/// Words that name a business, not a person: "Agencia Mango", "Harbor Dental Group".
const BUSINESS_WORDS: &[&str] = &[
    "agency",
    "agencia",
    "group",
    "grupo",
    "llc",
    "inc",
    "ltd",
    "corp",
    "sas",
    "gmbh",
    "dental",
    "roofing",
    "plumbing",
    "accounting",
    "consulting",
    "services",
    "servicios",
    "solutions",
    "soluciones",
    "distribuciones",
    "distribuidora",
    "gestoria",
    "asesoria",
    "consultores",
    "abogados",
    "associates",
    "asociados",
    "partners",
    "logistics",
    "transportes",
    "construction",
    "constructora",
    "inmobiliaria",
    "realty",
    "properties",
    "studio",
    "estudio",
    "bakery",
    "panaderia",
    "restaurant",
    "restaurante",
    "clinic",
    "clinica",
    "salon",
    "academy",
    "academia",
    "labs",
    "industries",
    "holdings",
    "marketing",
    "software",
    "systems",
    "ferreteria",
    "farmacia",
    "pharmacy",
    "taller",
    "motors",
    "inn",
    "hotel",
    "motel",
    "plaza",
    "cafe",
    "pediatrics",
    "credit",
    "union",
    "bank",
    "banco",
    "capital",
    "insurance",
    "seguros",
    "security",
    "seguridad",
    "coffee",
    "roasters",
    "foods",
    "supply",
    "supplies",
    "technologies",
    "ventures",
    "enterprises",
    "cooperativa",
    "foundation",
    "fundacion",
    "engineering",
    "works",
    "bodega",
    "bodegas",
    "importadora",
    "exportadora",
    "hermanos",
    "hnos",
    "brothers",
    "bros",
    "farm",
    // Read from writers' companies left unread (test5..test77).
    "analytics",
    "commerce",
    "brewing",
    "brewery",
    "distributors",
    "freight",
    "architects",
    "arquitectos",
    "joinery",
    "grooming",
    "detailing",
    "bbq",
    "comercializadora",
    "consultoria",
    "farmaceutica",
    "frigorifico",
    "supermercado",
    "supermercados",
    "abarrotes",
    "papeleria",
    "dulceria",
    "tostadora",
    "logistica",
    "taqueria",
    "boutique",
    "hoteles",
    // Legal forms: "Driftwood Surf Co", "Finch Marlowe LLP", "Hermanos Ruiz SRL".
    "co",
    "cia",
    "llp",
    "pllc",
    "plc",
    "lp",
    "srl",
    "ltda",
    "pty",
    "asoc",
];

/// Words that open a job title before a department's name: "VP Engineering", "Head of Sales".
const JOB_LEADS: &[&str] = &[
    "vp",
    "svp",
    "evp",
    "ceo",
    "cto",
    "cfo",
    "coo",
    "director",
    "head",
    "manager",
    "gerente",
    "jefe",
    "jefa",
    "directora",
    "lead",
];

/// Capitalised words that follow "I'm" or "this is" without being a name.
const NOT_NAMES: &[&str] = &[
    "i'm",
    "im",
    // Read as names from development misses: "im stuck at work", "im flexible", "mom here",
    // "cell 469 ...", "no espera, ...", "tarjeta: ...", "call me después de las 6".
    "stuck",
    "flexible",
    "mom",
    "cell",
    "cel",
    "celular",
    "tel",
    "espera",
    "tarjeta",
    "después",
    "despues",
    // "it's under h.brooks@...", "Somos Carla y Beto": a cue's word, no name.
    "under",
    "somos",
    "interested",
    "looking",
    "having",
    "trying",
    "not",
    "just",
    "so",
    "very",
    "here",
    "sorry",
    "good",
    "fine",
    "available",
    "calling",
    "texting",
    "writing",
    "wondering",
    "still",
    "also",
    "the",
    "a",
    "an",
    "in",
    "on",
    "at",
    "from",
    "with",
    "your",
    "my",
    "our",
    "sales",
    "support",
    "hi",
    "hello",
    "hey",
    "thanks",
    "thank",
    "great",
    "ok",
    "okay",
    "yes",
    "no",
    "i",
    "we",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "today",
    "tomorrow",
    "urgent",
    "back",
    "hola",
    "buenas",
    "buenos",
    "gracias",
    "interesado",
    "interesada",
    "buscando",
    "aqui",
    "aquí",
    "el",
    "la",
    "los",
    "las",
    "un",
    "una",
    "de",
    "del",
    "en",
    "con",
    "mi",
    "su",
    "nuestra",
    "nuestro",
    "sí",
    "si",
    "lunes",
    "martes",
    "miércoles",
    "miercoles",
    "jueves",
    "viernes",
    "sábado",
    "sabado",
    "domingo",
    "hoy",
    "mañana",
    "perdón",
    "perdon",
    "actually",
    "sorry",
    "por",
    "para",
    "favor",
];

/// Up to `max` capitalised words from `start` (the name or company itself). With `connectors`
/// (a company) "of", "&" and "and" may join them; without (a person) a surname's particles may
/// ("Ana del Río", "Juan de la Fuente").
fn capitalised_run(
    words: &[Word],
    start: usize,
    max: usize,
    connectors: bool,
) -> Option<(String, usize)> {
    let mut taken: Vec<&str> = Vec::new();
    let mut named = 0;
    let mut index = start;
    while index < words.len() && named < max {
        let word = &words[index];
        // A surname's "del" or "de la" ("María del Carmen"), and a company's ("Aceros del Norte",
        // "Grupo Textil del Bajío", the name of ten writers' companies).
        let particle = if taken.is_empty() {
            0
        } else {
            particle_len(words, index)
        };
        if particle > 0
            && words
                .get(index + particle)
                .is_some_and(|next| is_capitalised(&next.text))
        {
            taken.extend(
                words[index..index + particle]
                    .iter()
                    .map(|w| w.text.as_str()),
            );
            index += particle;
            continue;
        }
        let connector = connectors
            && !taken.is_empty()
            && ((
                // "Fintech Sol y Luna", "Gestoría Marín y Asociados".
                matches!(word.lower.as_str(), "of" | "&" | "and" | "y")
                    && words
                        .get(index + 1)
                        .is_some_and(|next| is_capitalised(&next.text))
            ) || (
                // "Distribuidora La 80", "Ferretería La 33" (test15, test21): a number after
                // the article that ends the name is its last word.
                !word.text.is_empty()
                    && word
                        .text
                        .trim_end_matches(['.', ',', '!'])
                        .chars()
                        .all(|c| c.is_ascii_digit())
                    && taken
                        .last()
                        .is_some_and(|last| matches!(*last, "La" | "El" | "Los" | "Las"))
            ) || (
                // "Logística Azteca SA de CV": the "de" of a company's legal form.
                word.lower == "de"
                    && taken.last().is_some_and(|last| {
                        matches!(last.to_lowercase().trim_end_matches('.'), "sa" | "s.a")
                    })
                    && words.get(index + 1).is_some_and(|next| {
                        matches!(
                            next.lower.trim_end_matches(['.', ',']),
                            "cv" | "c.v" | "rl" | "r.l"
                        )
                    })
            ));
        if !(is_capitalised(&word.text) && !word.text.contains('@') || connector)
            || (taken.is_empty() && NOT_NAMES.contains(&word.lower.as_str()))
        {
            break;
        }
        if !connector && NOT_NAMES.contains(&word.lower.as_str()) && !connectors {
            break;
        }
        taken.push(&word.text);
        if !connector {
            named += 1;
        }
        index += 1;
        if word.ends_clause {
            break;
        }
    }
    (!taken.is_empty()).then(|| (taken.join(" "), index))
}

/// How many words at `at` are a surname's particle followed by the rest of the surname: "del"
/// in "Ana del Río", "de la" in "Juan de la Fuente" (not "Marta del Hotel Miramar", a place).
fn particle_len(words: &[Word], at: usize) -> usize {
    let lower = |k: usize| words.get(k).map(|word| word.lower.as_str());
    let len = match lower(at) {
        Some("del" | "van" | "von" | "da" | "di" | "dos" | "das" | "du") => 1,
        Some("de") if matches!(lower(at + 1), Some("la" | "las" | "los")) => 2,
        _ => return 0,
    };
    let surname = words.get(at + len).is_some_and(|word| {
        (is_capitalised(&word.text) || word.text.chars().all(char::is_lowercase))
            && !NOT_NAMES.contains(&word.lower.as_str())
            && !PLACE_WORDS.contains(&fields::fold(&word.lower).as_str())
    });
    let joined = words[at..at + len].iter().all(|word| !word.ends_clause);
    if surname && joined { len } else { 0 }
}

/// Words that start the name of a business or a place, not a surname: "del Hotel Miramar".
const PLACE_WORDS: &[&str] = &[
    "hotel",
    "restaurante",
    "restaurant",
    "grupo",
    "banco",
    "hospital",
    "colegio",
    "taller",
    "despacho",
    "consultorio",
    "clinica",
    "hostal",
    "bar",
    "cafe",
    "tienda",
    "salon",
    "gimnasio",
    "club",
    "instituto",
    "centro",
    "estudio",
    "equipo",
    "departamento",
    "ayuntamiento",
    "municipio",
    "edificio",
    "condominio",
];

/// Phrases after which a name follows.
const NAME_CUES: &[&[&str]] = &[
    &["my", "name", "is"],
    &["name", "is"],
    &["name's"],
    &["names"],
    &["name"],
    &["i'm"],
    &["im"],
    &["i", "am"],
    &["this", "is"],
    &["it's"],
    &["its"],
    &["call", "me"],
    &["regards"],
    &["thanks"],
    &["me", "llamo"],
    &["me", "dicen"],
    &["les", "saluda"],
    &["le", "saluda"],
    &["te", "saluda"],
    &["gracias"],
    &["reservation", "for"],
    &["booking", "for"],
    &["reserva", "para"],
    &["spelled"],
    &["se", "escribe"],
    &["mi", "nombre", "es"],
    &["mi", "nombre", "completo", "es"],
    &["my", "full", "name", "is"],
    &["nombre"],
    &["soy"],
    &["de", "parte", "de"],
    &["habla"],
    &["hablas", "con"],
    &["contact", "is"],
    // The person a business or a family writes for: "owner is Lena Vasquez", "manager is Tom
    // Brekke", "contacto Rubén Garza", "Mom is Kristen Hale".
    &["owner", "is"],
    &["manager", "is"],
    &["mom", "is"],
    &["dad", "is"],
    &["contacto"],
    &["les", "escribe"],
    &["le", "escribe"],
    &["te", "escribe"],
    &["thx"],
    &["cheers"],
    &["sincerely"],
    &["saludos"],
    &["saludo"],
    &["atte"],
    &["atentamente"],
    &["cordialmente"],
    &["i", "meant"],
    &["quise", "decir"],
    &["a", "nombre", "de"],
    &["under", "the", "name"],
    // "table for 4, under Okafor", "rsvp under Lina Park"
    &["under"],
];

/// The positions in [`NAME_CUES`] of the cues each word opens: the readers try every cue at
/// every word, and a word opens few of them.
static NAME_CUES_BY_FIRST_WORD: std::sync::LazyLock<rustc_hash::FxHashMap<&str, Vec<usize>>> =
    std::sync::LazyLock::new(|| {
        let mut by_first = rustc_hash::FxHashMap::<&str, Vec<usize>>::default();
        for (position, cue) in NAME_CUES.iter().enumerate() {
            by_first.entry(cue[0]).or_default().push(position);
        }
        by_first
    });

/// The positions in [`NAME_CUES`] of the cues `word` (in lower case) opens, in order.
fn name_cues_opened_by(word: &str) -> &'static [usize] {
    NAME_CUES_BY_FIRST_WORD.get(word).map_or(&[], Vec::as_slice)
}

/// Words between a cue and the name that are not the name: "my name is actually Dana".
fn skip_fillers(words: &[Word], mut at: usize) -> usize {
    let title = |at: usize| {
        words
            .get(at)
            .is_some_and(|word| TITLES.contains(&fields::fold(&word.lower).trim_end_matches('.')))
    };
    loop {
        match words.get(at).map(|word| word.lower.as_str()) {
            Some("actually" | "really" | "realmente" | "just") => at += 1,
            // "it's for Alejandra Cruz"
            Some("for") if at > 0 && matches!(words[at - 1].lower.as_str(), "it's" | "its") => {
                at += 1
            }
            _ if title(at) => at += 1,
            // "soy el ing. Raúl Pérez"
            Some("el" | "la") if title(at + 1) => at += 2,
            Some("en") if words.get(at + 1).is_some_and(|w| w.lower == "realidad") => at += 2,
            // "soy su mamá Karla Mendoza", "I'm her dad, Callum Reid": whose they are.
            Some("his" | "her" | "their" | "su")
                if words
                    .get(at + 1)
                    .is_some_and(|word| !is_capitalised(&word.text))
                    && words
                        .get(at + 2)
                        .is_some_and(|word| is_capitalised(&word.text)) =>
            {
                at += 2
            }
            // "I'm the office manager Tricia Boyd", "soy la dueña, Marta Gil": a part played.
            Some("the" | "el" | "la")
                if let Some(role) = (at + 1..words.len().min(at + 4)).find(|&k| {
                    fields::things::ROLES.contains(&fields::fold(&words[k].lower).as_str())
                }) && words[at + 1..role]
                    .iter()
                    .all(|word| !word.ends_clause && !is_capitalised(&word.text)) =>
            {
                at = role + 1
            }
            _ => return at,
        }
    }
}

/// `name` with the title said before it when it is a surname alone ("ask for Mrs. Okoye" =
/// `Mrs. Okoye`); a whole name drops it ("Dr. Ana Ruiz" = `Ana Ruiz`).
fn with_title(text: &str, name: String) -> String {
    if name.contains(' ') {
        return name;
    }
    let said: Vec<&str> = text.split_whitespace().collect();
    let bare = |word: &'_ str| -> String {
        word.trim_matches(|c: char| !c.is_alphanumeric() && c != '.')
            .to_string()
    };
    // Not a street's "Dr" ending its part: "15 Elm Dr, Mississauga".
    let titled = said.windows(2).find_map(|pair| {
        let [title, said] = pair else { return None };
        (bare(said).trim_end_matches('.') == name
            && !title.ends_with(',')
            && TITLES.contains(&fields::fold(&bare(title)).trim_end_matches('.')))
        .then(|| format!("{} {name}", bare(title)))
    });
    titled.unwrap_or(name)
}

/// Titles before a name that are not the name: "Dr. Lisa Monroe", "el ing. Raúl Pérez".
const TITLES: &[&str] = &[
    "dr", "mr", "mrs", "ms", "miss", "prof", "sr", "sra", "srta", "dra", "ing", "lic", "arq",
    "don", "dona",
];

/// A name written in lower case: after a cue ("im jake", "hi this is jo from the lakeside hoa",
/// "soy juan carlos de la fuente") or, answering the question about it `alone` (with nothing
/// but contact details asked beside it), alone or before contact details ("rocío", "sure -
/// brian kim, brian.kim@yahoo.com").
fn lowercase_name(words: &[Word], asked: bool, alone: bool) -> Option<String> {
    // Only the cues a word of the message opens, in their order.
    let mut opened: Vec<usize> = words
        .iter()
        .flat_map(|word| name_cues_opened_by(&word.lower))
        .copied()
        .collect();
    opened.sort_unstable();
    opened.dedup();
    let cued = opened
        .iter()
        .map(|&position| NAME_CUES[position])
        .find_map(|cue| {
            let at = (0..words.len()).find(|&at| own_cue_at(words, at, cue).is_some())?;
            // Without the question, only a cue that says a name follows, near the start, or any cue
            // when a company follows the name ("im dana from blue fin sushi").
            let strong = asked
                || words.len() <= 4
                || (at <= 2
                    && matches!(
                        cue,
                        [_, "name", "is"]
                            | ["name", "is"]
                            | ["name's"]
                            | ["this", "is"]
                            | ["me", "llamo"]
                            | ["it's"]
                            | ["its"]
                            | [_, "nombre", "es"]
                    ));
            let (name, end) = plain_name(words, skip_fillers(words, at + cue.len()), asked)?;
            let linked = words.get(end).is_some_and(|next| {
                matches!(
                    next.lower.as_str(),
                    "from" | "with" | "at" | "here" | "de" | "desde"
                )
            });
            // A clause that ends the message with "im ..." signs it: "price for a day pass? im sam
            // torres".
            let signed = end == words.len()
                && at > 0
                && words[at - 1].ends_clause
                && matches!(cue, ["i'm"] | ["im"] | ["soy"]);
            (strong || linked || signed).then_some(name)
        });
    cued.or_else(|| {
        let start = skip_leading_fillers(words);
        let capitalised = words
            .get(start)
            .is_some_and(|word| is_capitalised(&word.text));
        let (name, end) = (asked && (alone || capitalised))
            .then(|| plain_name(words, start, true))
            .flatten()?;
        // Alone, or before contact details: "chris, chris@hale.io".
        (end == words.len() || gives_contact(&words[end..])).then_some(name)
    })
}

/// Plain words from `start` that make a name, up to the end of their part, a word that goes on
/// ("from", "here", "again") or contact details: one or two words, up to five answering the
/// question (given names, particles and surnames); with where it ends.
fn plain_name(words: &[Word], start: usize, asked: bool) -> Option<(String, usize)> {
    let mut taken: Vec<&str> = Vec::new();
    let mut at = start;
    let max = if asked { NAME_WORDS + 1 } else { 2 };
    while let Some(word) = words.get(at) {
        if !taken.is_empty() {
            if gives_contact(std::slice::from_ref(word))
                || word.text.starts_with(|c: char| c.is_ascii_digit())
            {
                break;
            }
            let particle = particle_len(words, at);
            if particle > 0 {
                taken.extend(words[at..at + particle].iter().map(|w| w.text.as_str()));
                at += particle;
                continue;
            }
            // "Luz Marina Ospina cc 52.874.119": a capitalised name ends at a word in lower case.
            if is_capitalised(taken[0]) && !is_capitalised(&word.text) {
                break;
            }
        }
        if !is_plain_name_word(word) || taken.len() >= max {
            return None;
        }
        taken.push(&word.text);
        at += 1;
        if word.ends_clause {
            break;
        }
        if words.get(at).is_some_and(|next| {
            matches!(
                next.lower.as_str(),
                "from" | "with" | "at" | "here" | "again" | "de" | "desde" | "and" | "y"
            ) && particle_len(words, at) == 0
        }) {
            break;
        }
    }
    (!taken.is_empty()).then(|| (taken.join(" "), at))
}

/// A word that may be part of a name written in lower case: letters only, not a common word.
fn is_plain_name_word(word: &Word) -> bool {
    let folded = fields::fold(&word.lower);
    word.text
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, '\'' | '-'))
        && word.text.chars().next().is_some_and(char::is_alphabetic)
        && !NOT_NAMES.contains(&word.lower.as_str())
        && !COMMON_WORDS.contains(&folded.as_str())
        && !GREETINGS.contains(&folded.as_str())
        // "i meant feb 28": a day, not a name.
        && !fields::dates::is_month(&folded)
        && !fields::dates::is_weekday(&folded)
        // "moving", "booked": a verb, not a name.
        && !(folded.len() > 4 && (folded.ends_with("ing") || folded.ends_with("ed")))
}

/// The texter's own possessives, before what is theirs: "my dog", "nuestra gata", "mi niña".
const TEXTERS_OWN: &[&str] = &["my", "mi", "our", "nuestro", "nuestra"];

/// Everyday words that are no name when written in lower case ("later", "nope", "bueno").
const COMMON_WORDS: &[&str] = &[
    "later",
    "why",
    "what",
    "who",
    "how",
    "when",
    "where",
    "nope",
    "nah",
    "prefer",
    "rather",
    "skip",
    "none",
    "nothing",
    "nada",
    "ninguno",
    "idk",
    "dunno",
    "test",
    "help",
    "stop",
    "info",
    "quote",
    "price",
    "pricing",
    "please",
    "pls",
    "plz",
    "thx",
    "cool",
    "sounds",
    "perfect",
    "done",
    "yeah",
    "yep",
    "yup",
    "hmm",
    "lol",
    "bueno",
    "vale",
    "dale",
    "listo",
    "perfecto",
    "claro",
    "porque",
    "que",
    "cuando",
    "donde",
    "como",
    "quiero",
    "necesito",
    "tengo",
    "hay",
    "me",
    "te",
    "se",
    "lo",
    "le",
    "tu",
    "nuevo",
    "nueva",
    "cliente",
    // A part someone plays, not their name: "no soy dueña", "I'm the owner".
    "dueno",
    "duena",
    "owner",
    "tenant",
    "inquilino",
    "inquilina",
    "late",
    "ready",
    "again",
    "only",
    "solo",
    "and",
    "or",
    "y",
    "o",
    "por",
    "para",
    "favor",
    "pues",
    "entonces",
    "ahorita",
    "ahora",
    "now",
    "tonight",
    "broken",
    "open",
    "closed",
    "busy",
    "free",
    "home",
    "casa",
    "work",
    "trabajo",
    "out",
    "away",
    "same",
    "too",
    "tambien",
    "it",
    "is",
    "was",
    "be",
    "do",
    "does",
    "can",
    "will",
    "would",
    "could",
    "should",
    "have",
    "has",
    "had",
    "get",
    "got",
    "need",
    "want",
    "like",
    "love",
    "know",
    "think",
    "mine",
    "his",
    "her",
    "him",
    "them",
    "they",
    "you",
    "u",
    "ur",
    "r",
    "k",
    "kk",
    "fyi",
    "asap",
    "soon",
    "yet",
    "already",
    "maybe",
    "probably",
    "whatever",
    "anything",
    "something",
    "someone",
    "anyone",
    "nobody",
    "nadie",
    "alguien",
    "todo",
    "algo",
    "mas",
    "menos",
    "muy",
    "mucho",
    "poco",
    "bien",
    "mal",
    "bye",
    "adios",
    "chao",
    "self",
    "freelance",
    "independent",
    "n/a",
    "na",
    "typo",
    "oops",
    "meant",
    "wrong",
    "correct",
    "right",
    "better",
    "mejor",
    "otro",
    "otra",
    "other",
    "another",
    "pero",
    "but",
    "this",
    "that",
    "esto",
    "eso",
    "ese",
    "esa",
    "for",
    "to",
    "about",
    "en",
    "es",
    "soy",
];

/// Words before the answer itself: "sure - brian kim", "perdón, es Andrea Gómez", "con Patricia
/// Hernández", "sorry typo, John Smith".
fn skip_leading_fillers(words: &[Word]) -> usize {
    const FILLERS: &[&str] = &[
        "sure", "ok", "okay", "yes", "yeah", "yep", "si", "claro", "hi", "hello", "hey", "hola",
        "sorry", "typo", "oops", "perdon", "perdona", "disculpa", "es", "con", "it's", "its", "-",
        "--", "wait", "actually", "i", "meant", "quise", "decir", "no", "buenas", "name", "nombre",
        "name's", "names",
    ];
    words
        .iter()
        .position(|word| !FILLERS.contains(&fields::fold(&word.lower).as_str()))
        .unwrap_or(words.len())
}

/// Where the words after `cue` start, when the cue is at `at`.
fn cue_at(words: &[Word], at: usize, cue: &[&str]) -> Option<usize> {
    cue.iter()
        .enumerate()
        .all(|(k, part)| words.get(at + k).is_some_and(|w| w.lower == *part))
        .then_some(at + cue.len())
}

/// [`cue_at`] for a cue that introduces the texter: not someone else's name ("her name is Aria,
/// im Jordan Wells", "su nombre es Tomás").
fn own_cue_at(words: &[Word], at: usize, cue: &[&str]) -> Option<usize> {
    let someone_elses = matches!(cue.first(), Some(&("name" | "names" | "name's" | "nombre")))
        && at.checked_sub(1).is_some_and(|before| {
            matches!(
                words[before].lower.as_str(),
                "her" | "his" | "their" | "su" | "sus"
            )
        });
    cue_at(words, at, cue).filter(|_| !someone_elses)
}

/// Whether the two or three words before `at` are a capitalised name that opens a clause
/// ("..., Derek Fong at ...", "Brian Kowalski with ...").
fn whole_name_opens_clause_before(words: &[Word], at: usize) -> bool {
    (2..=3).any(|len| {
        at >= len
            && (at == len || words[at - len - 1].ends_clause)
            && capitalised_run(words, at - len, len, false).is_some_and(|(_, end)| end == at)
            && !words[at - 1].ends_clause
    })
}

/// "Jordan at Sunset Cycles here", "Emma Clarke here": a name, and a company when one is named
/// before "here".
fn here_intro(words: &[Word]) -> Option<(String, Option<String>)> {
    // "here", "por aquí"
    let here = words
        .iter()
        .position(|word| word.lower == "here" || fields::fold(&word.lower) == "aqui")?;
    let here = if here > 0 && words[here - 1].lower == "por" {
        here - 1
    } else {
        here
    };
    let start = (0..here)
        .rev()
        .find(|&at| at == 0 || words[at - 1].ends_clause || words[at - 1].text.starts_with('-'))?;
    // "hey, ray here": one word in lower case is a name too.
    if here == start + 1 && is_plain_name_word(&words[start]) && !words[start].ends_clause {
        return Some((words[start].text.clone(), None));
    }
    let (name, next) = capitalised_run(words, start, 3, false)?;
    if next == here {
        return Some((name, None));
    }
    let linked = matches!(words[next].lower.as_str(), "from" | "at" | "with" | "de");
    let company = capitalised_run(words, next + 1, 5, true)
        .filter(|(_, end)| linked && *end == here)
        .map(|(company, _)| company)?;
    Some((name, Some(company)))
}

/// The parts of a message that list contact details ("Sam Patel, Patel Pharmacy, sam@x.com"):
/// each part (between commas) that is only capitalised words, with where it ends.
fn listed_parts(words: &[Word]) -> Vec<(String, usize)> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (at, word) in words.iter().enumerate() {
        if !(word.ends_clause || at + 1 == words.len()) {
            continue;
        }
        if let Some((run, end)) = capitalised_run(words, start, 5, true)
            && end == at + 1
        {
            parts.push((run, start));
        }
        start = at + 1;
        while words
            .get(start)
            .is_some_and(|word| word.text.starts_with(['-', '–', '—', '|']))
        {
            start += 1;
        }
    }
    parts
}

/// Whether the message gives an email address or a phone number.
fn gives_contact(words: &[Word]) -> bool {
    let digits = |word: &Word| word.text.chars().filter(char::is_ascii_digit).count();
    // A phone number may be written in groups: "347 555 0102".
    words.iter().any(|word| word.text.contains('@'))
        || words
            .chunk_by(|a, b| digits(a) > 0 && digits(b) > 0)
            .any(|group| group.iter().map(digits).sum::<usize>() >= 7)
}

/// Cues before a name that do not say whose it is: "shes a cat, name is Mochi", "its tax
/// season".
const VAGUE_NAME_CUES: &[&[&str]] = &[
    &["name", "is"],
    &["names"],
    &["name"],
    &["it's"],
    &["its"],
    &["nombre"],
];

fn says_whose_vaguely(words: &[Word]) -> bool {
    (0..words.len()).any(|at| {
        VAGUE_NAME_CUES
            .iter()
            .any(|cue| cue_at(words, at, cue).is_some())
    })
}

fn person_name(words: &[Word]) -> Option<String> {
    for (i, word) in words.iter().enumerate() {
        for cue in name_cues_opened_by(&word.lower)
            .iter()
            .map(|&k| NAME_CUES[k])
        {
            if own_cue_at(words, i, cue).is_some()
                && let Some((name, _)) =
                    capitalised_run(words, skip_fillers(words, i + cue.len()), NAME_WORDS, false)
            {
                return Some(name);
            }
        }
    }
    // "Sam here", "Jordan at Sunset Cycles here", a signature "- Sarah, Pinecrest Realty", or
    // "Hi! Marcus Webb. ...".
    here_intro(words)
        .map(|(name, _)| name)
        .or_else(|| signature(words).map(|(name, _)| name))
        .or_else(|| greeting_intro(words).map(|(name, _)| name))
}

/// A couple writing as one: a given name followed by "&", "and", "y" or "e" and another name that
/// ends the part ("Sam & Jo Whitaker", "Juli y Nico Ferraro", "Emily & Pablo") is the two
/// together, as they signed. Not a name that goes on into a sentence ("Ana y Luis viene
/// también").
fn with_partner(words: &[Word], name: String) -> String {
    if name.contains(' ') {
        return name;
    }
    let Some(at) = words
        .iter()
        .position(|word| word.text == name && !word.ends_clause)
    else {
        return name;
    };
    let joins = words.get(at + 1).is_some_and(|word| {
        matches!(word.lower.as_str(), "&" | "and" | "y" | "e") && !word.ends_clause
    });
    let partner = joins
        .then(|| capitalised_run(words, at + 2, 2, false))
        .flatten()
        .filter(|(partner, next)| {
            partner
                .split(' ')
                .all(|word| !NOT_NAMES.contains(&word.to_lowercase().as_str()))
                && (*next == words.len()
                    || words[next - 1].ends_clause
                    || words[*next].text.contains('@')
                    || words[*next]
                        .text
                        .starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '('))
        });
    match partner {
        Some((partner, _)) => format!("{name} {} {partner}", words[at + 1].text),
        None => name,
    }
}

/// The most words of a name: two given names and two surnames ("María José García López").
const NAME_WORDS: usize = 4;

/// Words that greet: "Hi!", "Hola buen día,", "Good morning!", "Buenas noches,".
const GREETINGS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "hiya",
    "heya",
    "hola",
    "holi",
    "buenas",
    "buenos",
    "buen",
    "dia",
    "dias",
    "tardes",
    "noches",
    "good",
    "morning",
    "afternoon",
    "evening",
    "there",
    "que",
    "tal",
    "saludos",
    "greetings",
    "ola",
    "yo",
];

/// A name (and a company) right after a greeting, said as a part of its own: "Hi! Marcus Webb.
/// Do you ...", "Hola buen día, Guadalupe Ortiz, me interesa ...", "Hi, Nadia with Brightside
/// Pediatrics.", "Buenas noches, con Mauricio Lara de Transportes Lara".
fn greeting_intro(words: &[Word]) -> Option<(String, Option<String>)> {
    let greeting_end = words.iter().position(|word| word.ends_clause)?;
    if !words[..=greeting_end]
        .iter()
        .all(|word| GREETINGS.contains(&fields::fold(&word.lower).as_str()))
    {
        return None;
    }
    let mut start = greeting_end + 1;
    if words.get(start).is_some_and(|word| word.lower == "con") {
        start += 1;
    }
    let (name, next) = capitalised_run(words, start, NAME_WORDS, false)?;
    if next == words.len() || words[next - 1].ends_clause {
        // One capitalised word alone may be anything ("Hi! Pricing?"); two are a name.
        return (next - start >= 2).then_some((name, None));
    }
    if !matches!(
        words[next].lower.as_str(),
        "from" | "with" | "w" | "at" | "de" | "desde"
    ) {
        return None;
    }
    let (company, after) = capitalised_run(words, next + 1, 5, true)?;
    (after == words.len() || words[after - 1].ends_clause).then_some((name, Some(company)))
}

/// A name listed with contact details, two or three capitalised words on their own: "Sam Patel,
/// sam@patelrx.com"; with where its part starts.
fn listed_name(words: &[Word]) -> Option<(String, usize)> {
    if !gives_contact(words) {
        return None;
    }
    let listed = listed_parts(words).into_iter().find(|(name, start)| {
        let count = name.split(' ').count();
        (2..=3).contains(&count)
            && words[*start..*start + count]
                .iter()
                .all(|word| !NOT_NAMES.contains(&word.lower.as_str()))
    });
    // "Michelle O'Neill 347 555 0102 call me back": a name the contact details follow at once.
    // Also after a sentence: "free trial pass for saturday? Keisha Moore 404 555 0139".
    let mut clause_starts =
        std::iter::once(0).chain((1..words.len()).filter(|&at| words[at - 1].ends_clause));
    listed.or_else(|| {
        clause_starts.find_map(|start| {
            let (name, next) = capitalised_run(words, start, NAME_WORDS, false)?;
            ((2..=NAME_WORDS).contains(&(next - start - particles(&name)))
                && words.get(next).is_some_and(|word| {
                    word.text.contains('@')
                        || word
                            .text
                            .starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '(')
                })
                && gives_contact(&words[next..]))
            .then_some((name, start))
        })
    })
}

/// A message that opens with a full name as a part of its own: "Carlos Mendoza", "Maria
/// Gonzalez. Need a quote for ...". Two to four capitalised words, none an everyday word
/// ("Happy Holidays!", "Quick Question:").
/// A name that closes the message on its own after a sentence, as texts are signed: "could I
/// view it Saturday at 11? Priya", "tomorrow 7:45pm please, Harriet", "sorry autocorrect!! Niamh
/// Byrne".
fn closing_name(words: &[Word], text: &str) -> Option<String> {
    let before_last = &words[..words.len().saturating_sub(1)];
    let start = before_last
        .iter()
        .rposition(|word| word.ends_clause && word.text != "-")?
        + 1;
    if start >= words.len() || words.len() - start > 3 {
        return None;
    }
    let tail = &words[start..];
    // "Company: Blue Fin Sushi": a label's value.
    if text.contains(&format!("{}:", words[start - 1].text)) {
        return None;
    }
    // "C/ Alcalá 1420, 4º izq, Madrid": the city that ends an address.
    let ending = fields::address(text, false);
    if ending.is_some_and(|address| address.ends_with(&tail[tail.len() - 1].text)) {
        return None;
    }
    let plain = tail.iter().all(|word| {
        is_capitalised(&word.text)
            && is_plain_name_word(word)
            && !PLACE_WORDS.contains(&fields::fold(&word.lower).as_str())
            && !fields::dates::is_month(&fields::fold(&word.lower))
            && !fields::dates::is_weekday(&fields::fold(&word.lower))
    });
    plain.then(|| {
        tail.iter()
            .map(|word| word.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// A name kept from an earlier message that a whole name signed later replaces: one word or
/// words in lower case, read from an answer that may have been to another question ("es LG",
/// "acct 77-31904", "soy principiante total") where people sign with their first and last name
/// ("Marcela Tapia +56 9 6543 2109"); a couple by their given names alone ("Claudia y Marcos",
/// then "Claudia Ferrer, por cierto").
fn is_guessed_name(known: &str) -> bool {
    let couple = known
        .split([' ', '&'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>();
    let given_names = matches!(couple.as_slice(), [_, "y" | "and" | "e", _])
        || matches!(couple.as_slice(), [_, _] if known.contains('&'));
    !known.contains(' ') || !is_capitalised(known) || given_names
}

fn opening_name(words: &[Word]) -> Option<String> {
    let (name, next) = capitalised_run(words, 0, NAME_WORDS, false)?;
    let whole_part = next == words.len() || words[next - 1].ends_clause;
    let named = name
        .split(' ')
        .filter(|word| !word.chars().all(char::is_lowercase))
        .count();
    let plain = name.split(' ').all(|word| {
        let folded = fields::fold(word);
        !COMMON_WORDS.contains(&folded.as_str())
            && !GREETINGS.contains(&folded.as_str())
            && !OPENING_WORDS.contains(&folded.as_str())
            && word
                .chars()
                .all(|c| c.is_alphabetic() || matches!(c, '\'' | '-'))
    });
    // "Emma Wilson from finance, ...": the name and where they are from.
    let linked = words
        .get(next)
        .is_some_and(|word| matches!(word.lower.as_str(), "from" | "with" | "w" | "at"));
    ((whole_part || linked) && (2..=NAME_WORDS).contains(&named) && plain).then_some(name)
}

/// A thing without the field's name written before it: "tengo EPS Sura" for `eps` is `Sura`.
/// `name` without a possessive "'s" at its end.
fn without_possessive(name: &str) -> &str {
    name.strip_suffix("'s")
        .or_else(|| name.strip_suffix("’s"))
        .filter(|bare| !bare.is_empty())
        .unwrap_or(name)
}

fn without_field_name(value: String, field: &FieldSpec) -> String {
    match value.split_once(' ') {
        Some((first, rest))
            if fields::fold(first) == fields::fold(field.as_str())
                && !rest.trim().is_empty()
                // "pastel de tres leches": the field's word heads what it holds.
                && !matches!(fields::fold(rest).split(' ').next(), Some("de" | "of")) =>
        {
            rest.trim().to_string()
        }
        _ => value,
    }
}

/// A thing without the colour that ends it when the workflow asks the colour in a field of its
/// own: "tienen la sudadera con capucha negra?" is the product `sudadera con capucha` and the
/// colour `Negro` (what another field takes is left out); without a colour field the colour
/// says which one and stays ("las botas chelsea negras").
fn without_colour_asked_apart(value: String, field: &FieldSpec, wanted: &[FieldSpec]) -> String {
    let colour_wanted = wanted.iter().any(|other| {
        other != field && fields::field_says(other.as_str(), &["color", "colour", "colores"])
    });
    let words: Vec<&str> = value.split_whitespace().collect();
    match words.split_last() {
        Some((last, rest))
            if colour_wanted
                && rest.len() >= 2
                && fields::things::COLOURS.contains(&fields::fold(last).as_str()) =>
        {
            rest.join(" ")
        }
        _ => value,
    }
}

/// Verbs that open a question ("Can I come in Tuesday?", "Would 6 work?"): never a name alone.
const QUESTION_VERBS: &[&str] = &[
    "can", "could", "would", "should", "shall", "does", "did", "is", "are", "puedo", "puede",
    "pueden", "podria", "podrian", "hay",
];

/// Capitalised words that open a message without being a name.
const OPENING_WORDS: &[&str] = &[
    "happy",
    "merry",
    "quick",
    "question",
    "urgent",
    "important",
    "new",
    "order",
    "appointment",
    "booking",
    "quote",
    "request",
    "pricing",
    "price",
    "info",
    "information",
    "re",
    "fw",
    "fwd",
    "dear",
    "sir",
    "madam",
    "team",
    "customer",
    "service",
    "support",
    "feliz",
    "navidad",
    "pregunta",
    "consulta",
    "cita",
    "pedido",
    "cotizacion",
    "informacion",
    "urgente",
    "estimado",
    "estimada",
    "equipo",
    "servicio",
    "cliente",
    "year",
    "holidays",
    "christmas",
    "day",
];

/// How many words of `name` are particles ("del", "de la").
fn particles(name: &str) -> usize {
    name.split(' ')
        .filter(|word| word.chars().all(char::is_lowercase))
        .count()
}

/// "- Sarah, Pinecrest Realty" at the end of a message: a name and a company.
fn signature(words: &[Word]) -> Option<(String, Option<String>)> {
    let dash = words
        .iter()
        .rposition(|w| w.text == "-" || w.text == "--")?;
    let (name, next) = capitalised_run(words, dash + 1, 3, false)?;
    let company = capitalised_run(words, next, 5, true).map(|(company, _)| company);
    Some((name, company))
}

/// Phrases after which a company follows.
const COMPANY_CUES: &[&[&str]] = &[
    &["company", "called"],
    &["business", "called"],
    &["company", "named"],
    &["empresa", "llamada"],
    &["negocio", "llamado"],
    &["tienda", "llamada"],
    &["we're"],
    &["somos"],
    &["company", "name", "is"],
    &["business", "name", "is"],
    &["business", "is"],
    &["empresa", "se", "llama"],
    &["razón", "social"],
    &["razon", "social"],
    &["negocio", "se", "llama"],
    &["from"],
    &["with"],
    &["at"],
    &["for"],
    &["company", "is"],
    &["company"],
    &["on", "behalf", "of"],
    &["we're", "at"],
    &["we", "are", "at"],
    &["de"],
    &["trabajo", "en"],
    &["trabajo", "para"],
    // Where someone worked, for a dismissal: "trabajaba en Logística Azteca SA de CV".
    &["trabajaba", "en"],
    &["trabajaba", "para"],
    &["i", "worked", "at"],
    &["i", "worked", "for"],
    &["mi", "empresa", "es"],
    &["la", "empresa", "es"],
    &["empresa"],
    &["negocio"],
    &["i", "run"],
    &["i", "own"],
    &["we", "run"],
    &["owner", "of"],
    &["dueño", "de"],
    &["dueña", "de"],
    &["de", "parte", "de"],
    &["desde"],
    // "Tanya w/ Lone Star Dental Group"
    &["w"],
];

fn company(words: &[Word]) -> Option<String> {
    let name = person_name(words)
        .or_else(|| listed_name(words).map(|(name, _)| name))
        .or_else(|| lowercase_name(words, false, false));
    // A message written all in lower case names its company in lower case too.
    let lower_case = words
        .iter()
        .all(|word| !word.text.chars().any(char::is_uppercase));
    // "I'm a nurse at Mercy General", "soy la gerente de compras de Textiles Andinos": the
    // workplace follows the job title.
    // Read with the clauses' ends, as the job title field reads the message: "Priscilla
    // Owens, controller at Bayline Freight" names the title after the comma.
    let title = fields::things::Thing::JobTitle.read(
        &words
            .iter()
            .map(|word| {
                if word.ends_clause {
                    format!("{},", word.text)
                } else {
                    word.text.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    );
    let title_end = title
        .as_deref()
        .and_then(|title| title.split_whitespace().next_back())
        .map(fields::fold);
    for (i, _) in words.iter().enumerate() {
        for cue in COMPANY_CUES {
            let matches = cue
                .iter()
                .enumerate()
                .all(|(k, part)| words.get(i + k).is_some_and(|w| w.lower == *part));
            if !matches {
                continue;
            }
            // "from"/"with"/"at"/"for" name a company after a name ("I'm Dana from ...") or "we're".
            let after_person = i >= 1
                && (name
                    .as_deref()
                    .is_some_and(|name| name.ends_with(&words[i - 1].text))
                    || matches!(
                        words[i - 1].lower.as_str(),
                        "we're"
                            | "work"
                            | "works"
                            | "i'm"
                            | "im"
                            | "calling"
                            | "texting"
                            | "writing"
                            | "here"
                            | "escribo"
                            | "somos"
                            | "estamos"
                    )
                    // "Tanya Brooks, office manager at Riverbend Dental"
                    || fields::things::ROLES.contains(&fields::fold(&words[i - 1].lower).as_str())
                    || title_end.as_deref() == Some(fields::fold(&words[i - 1].lower).as_str())
                    // "Brian Kowalski with Great Lakes Tool & Die": a whole name opening a
                    // clause, right before the cue.
                    || (cue.len() == 1 && whole_name_opens_clause_before(words, i)));
            // "Comercializadora Lupita SA de CV": a company's own "de", not a cue.
            if *cue == ["de"]
                && words.get(i + 1).is_some_and(|next| {
                    matches!(
                        next.lower.trim_end_matches(['.', ',']),
                        "cv" | "c.v" | "r.l" | "rl"
                    )
                })
            {
                continue;
            }
            // "we're Greenway Landscaping", "somos Inversiones Duarte": the company itself.
            let ourselves = matches!(*cue, ["we're"] | ["somos"]);
            if cue.len() == 1 && !after_person && !ourselves {
                continue;
            }
            // "de la Panadería Sol", "at the Blue Fin": the article is not part of the name.
            let mut start = i + cue.len();
            while words.get(start).is_some_and(|word| {
                matches!(word.lower.as_str(), "the" | "la" | "el" | "los" | "las")
                    && !word.ends_clause
            }) {
                start += 1;
            }
            if let Some((company, _)) = capitalised_run(words, start, 5, true) {
                return Some(company);
            }
            if lower_case && let Some(company) = lower_case_company_run(words, start) {
                return Some(company);
            }
        }
    }
    here_intro(words)
        .and_then(|(_, company)| company)
        .or_else(|| signature(words).and_then(|(_, company)| company))
        .or_else(|| after_name(words, name.as_deref()?))
}

/// Whether the capitalised `run` that opens a message (ending before `next`) names a business,
/// not a person: a business's word in it ("Clínica Dental Sonrisa Feliz") or "&" after it
/// ("Salt & Sage Yoga"); "Roberto Salinas de Grupo Altamira" names a person first.
fn names_a_business(words: &[Word], run: &str, next: usize) -> bool {
    run.split(' ')
        .any(|word| BUSINESS_WORDS.contains(&fields::fold(word).as_str()))
        || words.get(next).is_some_and(|word| word.text == "&")
}

/// Capitalised words with a business's word among them, anywhere: "nobody at Brightline Dental
/// can log in", "Harbor Dental Group, I'm the office manager".
fn business_run(words: &[Word]) -> Option<String> {
    (0..words.len()).find_map(|start| {
        if start > 0 && is_capitalised(&words[start - 1].text) && !words[start - 1].ends_clause {
            return None;
        }
        let (mut run, mut end) = capitalised_run(words, start, 5, true)?;
        // "Grupo Ferretero del Bajío", "Salinas y Asociados": a name goes on after "y", "&",
        // and after "de", "del" once a business's word has begun it ("Héctor Lara de Lara
        // Logistics" is a person from a business).
        let business = |run: &str| {
            run.split(' ')
                .any(|word| BUSINESS_WORDS.contains(&fields::fold(word).as_str()))
        };
        while !words[end - 1].ends_clause
            && words
                .get(end)
                .is_some_and(|word| match word.lower.as_str() {
                    "y" | "&" => true,
                    "de" | "del" => business(&run),
                    _ => false,
                })
            && let Some((more, next)) = capitalised_run(words, end + 1, 3, true)
        {
            run = format!("{run} {} {more}", words[end].text);
            end = next;
        }
        // "Hollis & Park Architects", "Finch & Marlowe": names joined by "&" are a firm's; "VP
        // Engineering" is a job.
        let job = run
            .split(' ')
            .next()
            .is_some_and(|first| JOB_LEADS.contains(&fields::fold(first).as_str()));
        (!job
            && run
                .split(' ')
                .any(|word| word == "&" || BUSINESS_WORDS.contains(&fields::fold(word).as_str())))
        .then_some(run)
    })
}

/// Up to five plain words from `start` to the end of their part, in a message written in lower
/// case: "im dana from blue fin sushi" -> "blue fin sushi".
fn lower_case_company_run(words: &[Word], start: usize) -> Option<String> {
    let mut taken: Vec<&str> = Vec::new();
    for word in words.iter().skip(start) {
        let folded = fields::fold(&word.lower);
        let connector = matches!(
            folded.as_str(),
            "&" | "and" | "of" | "de" | "del" | "la" | "las" | "los" | "el" | "y"
        );
        let plain = !NOT_NAMES.contains(&word.lower.as_str())
            && !COMMON_WORDS.contains(&folded.as_str())
            && word.text.chars().any(char::is_alphabetic)
            && !word.text.contains('@');
        if taken.len() >= 5 || !(plain || connector && !taken.is_empty()) {
            break;
        }
        taken.push(&word.text);
        if word.ends_clause {
            break;
        }
    }
    // "somos unos 220 empleados", "we're about 40 people": words before a count say how many,
    // not who.
    let counted = words.get(start + taken.len()).is_some_and(|next| {
        next.text.starts_with(|c: char| c.is_ascii_digit()) || numbers::is_number_word(&next.lower)
    });
    while taken.last().is_some_and(|last| {
        matches!(
            *last,
            "&" | "and" | "of" | "de" | "del" | "la" | "las" | "los" | "el" | "y"
        )
    }) {
        taken.pop();
    }
    (!taken.is_empty() && !counted).then(|| taken.join(" "))
}

/// The part after the one that holds the name, when it is only capitalised words: "Noah
/// Fischer, Fischer Logistics", "Nerea Goikoetxea, de Talleres Goiko".
fn after_name(words: &[Word], name: &str) -> Option<String> {
    let last = name.rsplit(' ').next()?;
    let end = words
        .iter()
        .position(|word| word.text == last && word.ends_clause)?;
    let start = match words.get(end + 1)?.lower.as_str() {
        "from" | "with" | "at" | "de" | "-" | "–" | "—" | "|" => end + 2,
        _ => end + 1,
    };
    let (company, next) = capitalised_run(words, start, 5, true)?;
    // "Janelle Whitaker, HR Manager": what she does there, not where.
    let role = company
        .split(' ')
        .any(|word| fields::things::ROLES.contains(&fields::fold(word).as_str()));
    ((next == words.len() || words[next - 1].ends_clause) && !role).then_some(company)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules alone: these tests are theirs (the learned reader beside them has its own).
    fn rules() -> Extractors {
        Extractors::default().rules_only()
    }

    pub(super) fn fields(names: &str) -> Vec<FieldSpec> {
        let mut problems = smsflow_core::Problems::default();
        names
            .split(',')
            .map(|n| {
                smsflow_core::fields::FieldItem::Name(n.to_string())
                    .validate("fields", &mut problems)
                    .unwrap()
            })
            .collect()
    }

    fn extract(text: &str) -> BTreeMap<String, String> {
        rules().extract(text, &fields("name,email,phone,company"), &Clock::default())
    }

    /// The builtin agent's default reading uses the learned reader: on a blind set's first
    /// messages it answers some field otherwise than the rules alone, and only fields the model
    /// reads (whatever the model, as long as it is trained beside these rules).
    #[test]
    fn the_default_reading_adds_the_learned_reader_for_the_fields_it_reads_only() {
        let set = include_str!("../tests/data/extraction/test31.jsonl");
        let mut changed = 0;
        for line in set.lines() {
            let case: serde_json::Value = serde_json::from_str(line).unwrap();
            let wanted: Vec<FieldSpec> = case["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|field| serde_json::from_value(field.clone()).unwrap())
                .collect();
            let first = case["turns"][0].as_str().unwrap();
            let read = |extractors: Extractors| {
                extractors
                    .read(first, &wanted, &[], &BTreeMap::new(), &Clock::default())
                    .found
            };
            let (with_model, alone) = (read(Extractors::default()), read(rules()));
            for field in &wanted {
                let name = field.as_str();
                if with_model.get(name) != alone.get(name) {
                    assert!(tagger::reads(field).is_some(), "{name} in {first:?}");
                    changed += 1;
                }
            }
        }
        assert!(changed > 0, "the learned reader changed no answer");
    }

    pub(super) fn answer(text: &str, wanted: &str, asked: &[&str]) -> Extraction {
        let asked: Vec<String> = asked.iter().map(|a| a.to_string()).collect();
        rules().read(
            text,
            &fields(wanted),
            &asked,
            &BTreeMap::new(),
            &Clock::default(),
        )
    }

    #[test]
    fn a_plain_answer_to_the_name_and_another_question_is_the_others() {
        let vet = "owner_name:name,pet_name:text,reason:text,date:date,phone:phone";
        let booster = answer("booster jab", vet, &["owner_name", "reason"]);
        assert_eq!(booster.found.get("owner_name"), None);
        assert_eq!(
            booster.found.get("reason").map(String::as_str),
            Some("booster jab")
        );
        let pisos = "nombre:name,habitaciones:number,presupuesto:number,celular:phone";
        let budget = answer("hasta 2.500.000 al mes", pisos, &["nombre", "presupuesto"]);
        assert_eq!(budget.found.get("nombre"), None);
        assert_eq!(
            budget.found.get("presupuesto").map(String::as_str),
            Some("2500000")
        );
        // Alone, or asked with contact details only, a name in lower case is still the name;
        // a capitalised name ends before a word in lower case.
        let name = |text: &str, asked: &[&str]| {
            answer(text, "nombre:name,cedula:text,telefono:phone", asked)
                .found
                .get("nombre")
                .cloned()
        };
        assert_eq!(
            name("rocío", &["nombre", "telefono"]).as_deref(),
            Some("rocío")
        );
        assert_eq!(
            name("Luz Marina Ospina cc 52.874.119", &["nombre", "cedula"]).as_deref(),
            Some("Luz Marina Ospina")
        );
    }

    #[test]
    fn a_town_beside_a_street_and_its_number_is_no_name() {
        let name = |text: &str, wanted: &str, asked: &[&str]| {
            answer(text, wanted, asked).found.get(asked[0]).cloned()
        };
        let movers = "name:name,from_address:address,to_address:address,phone:phone";
        assert_eq!(
            name(
                "from 311 W 94th St Apt 5B, New York to 22 Prospect Park W, Brooklyn",
                movers,
                &["name", "from_address"]
            ),
            None
        );
        let plomero = "nombre:name,direccion:address,telefono:phone";
        assert_eq!(
            name(
                "Barranquilla, Cra 53 #82-120",
                plomero,
                &["nombre", "direccion"]
            ),
            None
        );
        assert_eq!(
            name(
                "salgo de 14 Sur 3502, col. Anzures, Puebla",
                plomero,
                &["nombre", "telefono"]
            ),
            None
        );
        // A name its cue gives, or one beside a day, is still the name.
        assert_eq!(
            name(
                "Hey it's Lena, 48 Cedar Lane, Bozeman MT 59715",
                "name:name,address:address",
                &["name"]
            )
            .as_deref(),
            Some("Lena")
        );
        assert_eq!(
            name(
                "Dana, Dec 12 at 3",
                "name:name,date:date",
                &["name", "date"]
            )
            .as_deref(),
            Some("Dana")
        );
        // Before a street that opens with its number, a word is the texter's name: the town
        // comes after such a street.
        for text in ["Dana, 12 Oak St", "Dana, 12 Oak St, Springfield"] {
            let found = answer(text, "name:name,address:address", &["name", "address"]).found;
            assert_eq!(
                found.get("name").map(String::as_str),
                Some("Dana"),
                "{text}"
            );
            assert!(
                found
                    .get("address")
                    .is_some_and(|address| !address.contains("Dana")),
                "{text}: {found:?}"
            );
        }
    }

    #[test]
    fn an_address_keeps_the_place_named_before_its_street() {
        let found = |text: &str, wanted: &str, asked: &[&str]| answer(text, wanted, asked).found;
        let party = "name:name,event_date:date,location:address";
        assert_eq!(
            found(
                "June 12 2027, venue is Stanley Hotel, 333 E Wonderview Ave, Estes Park",
                party,
                &["name", "event_date"]
            )
            .get("location")
            .map(String::as_str),
            Some("Stanley Hotel, 333 E Wonderview Ave, Estes Park")
        );
        let fumigacion = "nombre:name,direccion:address,telefono:phone";
        assert_eq!(
            found(
                "Fraccionamiento Las Palmas, Calle Roble 9, Cuernavaca",
                fumigacion,
                &["nombre", "direccion"]
            )
            .get("direccion")
            .map(String::as_str),
            Some("Fraccionamiento Las Palmas, Calle Roble 9, Cuernavaca")
        );
        // The texter's name before their address is theirs.
        let signed = found(
            "Dana Smith, 12 Oak St, Boston",
            "name:name,address:address",
            &["name", "address"],
        );
        assert_eq!(signed.get("name").map(String::as_str), Some("Dana Smith"));
        assert_eq!(
            signed.get("address").map(String::as_str),
            Some("12 Oak St, Boston")
        );
        // A street of no known kind after the texter's name keeps its places.
        let signed = found(
            "Pedro Almada, Güemes 1120, Rosario",
            fumigacion,
            &["nombre", "direccion"],
        );
        assert_eq!(
            pairs(&signed),
            [
                ("direccion", "Güemes 1120, Rosario"),
                ("nombre", "Pedro Almada")
            ]
        );
        // Led by a word that says where, asked for or not; a day is no street.
        let led = |text: &str| {
            found(text, fumigacion, &["nombre"])
                .get("direccion")
                .cloned()
        };
        assert_eq!(
            led("en Gorriti 4420, Palermo").as_deref(),
            Some("Gorriti 4420, Palermo")
        );
        assert_eq!(led("en Marzo 14, Lunes"), None);
    }

    #[test]
    fn a_free_text_answer_goes_without_the_words_that_frame_it() {
        let physio = "nombre:name,lesion:text,mutua:text,fecha:date,hora:time";
        assert_eq!(
            answer("voy por Adeslas", physio, &["mutua", "fecha"])
                .found
                .get("mutua")
                .map(String::as_str),
            Some("Adeslas")
        );
        let vet = "dueno:name,mascota:text,sintomas:text,fecha_del_problema:date";
        assert_eq!(
            answer("mi perra Kiara está con diarrea desde el jueves", vet, &[])
                .found
                .get("sintomas")
                .map(String::as_str),
            Some("diarrea")
        );
        let tutor = "parent_name:name,student_name:name,grade:text,phone:phone";
        assert_eq!(
            answer("she's in 6th grade", tutor, &["student_name", "grade"])
                .found
                .get("grade")
                .map(String::as_str),
            Some("6th grade")
        );
    }

    #[test]
    fn a_name_already_given_changes_only_for_one_the_texter_says_is_theirs() {
        let later = |text: &str, wanted: &str, known: &[(&str, &str)]| {
            let known: BTreeMap<String, String> = known
                .iter()
                .map(|(field, value)| (field.to_string(), value.to_string()))
                .collect();
            rules()
                .read(text, &fields(wanted), &[], &known, &Clock::default())
                .found
        };
        let support = "name:name,company:text,priority:choice(Low|Normal|High)";
        let found = later(
            "high priority, its tax season",
            support,
            &[("name", "Tanya Brooks")],
        );
        assert_eq!(found.get("name"), None);
        let flowers = "sender_name:name,recipient:name,phone:phone";
        let found = later(
            "my name's Mia Chen 626-555-0120",
            flowers,
            &[("recipient", "Rosa Delgado")],
        );
        assert_eq!(found.get("recipient"), None);
        assert_eq!(
            found.get("sender_name").map(String::as_str),
            Some("Mia Chen")
        );
        let gift = "nombre:name,destinatario:name,mensaje:text";
        let found = later(
            "de parte de Sebastián Lozano",
            gift,
            &[("nombre", "Amparo")],
        );
        assert_eq!(
            found.get("nombre").map(String::as_str),
            Some("Sebastián Lozano")
        );
        let found = later(
            "es una gata, su nombre es Mishi",
            "nombre:name,mascota:text",
            &[("nombre", "Ana Ruiz")],
        );
        assert_ne!(found.get("nombre").map(String::as_str), Some("Mishi"));
    }

    #[test]
    fn the_first_message_asks_for_the_thing_a_field_holds() {
        let asked_for = |text: &str, wanted: &str, field: &str| {
            answer(text, wanted, &[]).found.get(field).cloned()
        };
        let dentist = "nombre:name,tratamiento:text,fecha:date,hora:time,telefono:phone";
        assert_eq!(
            asked_for("hola, quería cita para un empaste", dentist, "tratamiento").as_deref(),
            Some("empaste")
        );
        assert_eq!(
            asked_for(
                "hi need a scale and polish",
                "name:name,treatment:text,date:date,phone:phone",
                "treatment"
            )
            .as_deref(),
            Some("scale and polish")
        );
        assert_eq!(
            asked_for(
                "buenas tardes quiero un arreglo de rosas rojas y girasoles pa mi mamá",
                "nombre:name,telefono:phone,arreglo:text,fecha_entrega:date",
                "arreglo"
            )
            .as_deref(),
            Some("rosas rojas y girasoles")
        );
        assert_eq!(
            asked_for(
                "hello, interested in the advanced welding course",
                "name:name,course:text,start_date:date",
                "course"
            )
            .as_deref(),
            Some("advanced welding course")
        );
        // A service field takes the service asked for, without the light verb (the opening's
        // need, as for a goal or a job); a field that is not what is asked for takes nothing.
        assert_eq!(
            asked_for(
                "quiero hacer test drive del RAV4",
                "nombre:name,servicio:text,fecha:date",
                "servicio"
            )
            .as_deref(),
            Some("test drive del RAV4")
        );
        assert_eq!(
            asked_for(
                "need a cleaning",
                "name:name,insurance:text,date:date",
                "insurance"
            ),
            None
        );
    }

    #[test]
    fn a_request_after_the_answers_is_the_note_field() {
        let wanted = "name:name,party_size:number,time:time,phone:phone,special_request:text";
        let note = answer(
            "917-555-0135. we need a high chair and one guest is gluten free",
            wanted,
            &["phone", "special_request"],
        );
        assert_eq!(
            note.found["special_request"],
            "we need a high chair and one guest is gluten free"
        );
        // A sentence that gives a value is no note, nor is a question.
        for text in [
            "917-555-0135. table by the window at 8",
            "917-555-0135. can we bring a cake?",
        ] {
            let said = answer(text, wanted, &["phone", "special_request"]);
            assert!(
                !said.found.contains_key("special_request"),
                "{text}: {said:?}"
            );
        }
    }

    #[test]
    fn a_name_that_opens_with_the_field_s_word_is_its_value() {
        let hotel = answer(
            "Paulina Ríos, estamos en el Hotel Xcaret Arte, +52 998 765 4321",
            "nombre:name,fecha:date,hotel:text,whatsapp:phone",
            &["nombre", "hotel"],
        );
        assert_eq!(hotel.found["hotel"], "Hotel Xcaret Arte");
        assert_eq!(hotel.found["nombre"], "Paulina Ríos");
        // The word in lower case names no place.
        let plain = answer(
            "any hotel near the beach is fine",
            "nombre:name,hotel:text",
            &["nombre"],
        );
        assert!(!plain.found.contains_key("hotel"), "{plain:?}");
    }

    #[test]
    fn a_named_thing_beside_other_answers_is_the_free_text_field_asked() {
        let insurer = answer(
            "Laura Sofía Mejía, Compensar",
            "nombre:name,eps:text,fecha:date",
            &["nombre", "eps"],
        );
        assert_eq!(insurer.found["eps"], "Compensar");
        assert_eq!(insurer.found["nombre"], "Laura Sofía Mejía");
        let signed = answer(
            "Geico, Alicia Moreno 408-555-0111",
            "name:name,insurer:text,phone:phone",
            &["insurer", "phone"],
        );
        assert_eq!(signed.found["insurer"], "Geico");
        assert_eq!(
            answer(
                "con GNP, cel 415 555 0172",
                "aseguradora:text,telefono:phone",
                &["aseguradora", "telefono"]
            )
            .found["aseguradora"],
            "GNP"
        );
        // Answers to questions not asked leave something that answers one not asked either.
        let placement = answer(
            "inner forearm, about 4 inches",
            "name:name,design:text,placement:text,size_inches:number",
            &["name", "design"],
        );
        assert!(!placement.found.contains_key("design"), "{placement:?}");
        // Who the texter is to the patient answers the question about them, not the symptoms.
        let mother = answer(
            "soy la mamá, Laura Cárdenas",
            "acudiente:name,nombre_paciente:name,sintomas:text",
            &["acudiente", "sintomas"],
        );
        assert_eq!(mother.found["acudiente"], "Laura Cárdenas");
        assert!(!mother.found.contains_key("sintomas"), "{mother:?}");
        // A correction of another field is no answer to the one asked.
        let corrected = answer(
            "nvm make it 3, game starts 3:30",
            "name:name,order:text,pickup_time:time",
            &["order"],
        );
        assert!(!corrected.found.contains_key("order"), "{corrected:?}");
        // The part that gives a choice read alone is that choice's, and the rest the item's.
        let returned = answer(
            "wool coat, too big",
            "name:name,item:text,reason:choice(Wrong size|Damaged|Changed mind)",
            &["name", "item"],
        );
        assert_eq!(returned.found["item"], "wool coat", "{returned:?}");
        assert_eq!(returned.found["reason"], "Wrong size");
        // The only free-text field still open takes what is left beside other answers.
        let notary = "name:name,document:text,signers:number,date:date";
        let document = answer(
            "power of attorney, somos dos firmando",
            notary,
            &["name", "document"],
        );
        assert_eq!(
            document.found["document"], "power of attorney",
            "{document:?}"
        );
        let evento = answer(
            "es un bautizo, como 60 personas",
            "nombre:name,evento:text,personas:number,fecha:date",
            &["nombre", "evento"],
        );
        assert_eq!(evento.found["evento"], "bautizo", "{evento:?}");
        // Not asked, it is the answer only when it says what the thing is.
        let dinner = "nombre:name,personas:number,hora:time,ocasion:text";
        let said = answer(
            "a las 8 de la noche, es una despedida de soltera",
            dinner,
            &["nombre", "hora"],
        );
        assert_eq!(said.found["ocasion"], "despedida de soltera", "{said:?}");
        let party = answer(
            "8pm, it's a baby shower",
            "name:name,time:time,occasion:text",
            &["name", "time"],
        );
        assert_eq!(party.found["occasion"], "baby shower", "{party:?}");
        let late = answer(
            "a las 8 de la noche, somos muchos",
            dinner,
            &["nombre", "hora"],
        );
        assert!(!late.found.contains_key("ocasion"), "{late:?}");
        // "una vela" counts nothing; the celebration named is the occasion.
        let request = answer(
            "a las 9. es un cumple, si podéis poner una vela en el postre",
            dinner,
            &["nombre", "hora"],
        );
        assert_eq!(request.found["ocasion"], "cumple", "{request:?}");
        // An aside, a time said in words and a name nobody took are no answer.
        let wanted = "name:name,treatment:text,date:date,phone:phone";
        for (text, asked) in [
            ("oops, the 30th of September then", ["treatment", "date"]),
            ("sometime next week, 555-0100", ["treatment", "phone"]),
            ("Olga Batista, born 7/4/1955", ["treatment", "date"]),
        ] {
            let said = answer(text, wanted, &asked);
            assert!(!said.found.contains_key("treatment"), "{text}: {said:?}");
        }
    }

    #[test]
    fn the_first_message_describes_the_problem_without_what_other_fields_took() {
        let issue =
            |text: &str, wanted: &str| answer(text, wanted, &[]).found.get("issue").cloned();
        let order = "name,incident_date,order_number,issue,email";
        assert_eq!(
            issue(
                "order #A-77314 came yesterday and the glass top is shattered",
                order
            )
            .as_deref(),
            Some("the glass top is shattered")
        );
        // What the order did wrong stays with what follows it.
        assert_eq!(
            issue(
                "order #B-20417 never came and the tracking says delivered",
                order
            )
            .as_deref(),
            Some("never came and the tracking says delivered")
        );
        assert_eq!(
            issue(
                "hola, mi pedido #MX-20931 llegó incompleto, faltan los audífonos",
                "name,order_number,issue"
            )
            .as_deref(),
            Some("llegó incompleto, faltan los audífonos")
        );
        assert_eq!(
            issue(
                "invoices stopped sending on monday",
                "name,incident_date,issue"
            )
            .as_deref(),
            Some("invoices stopped sending")
        );
        // Two words before where the invoice is are the problem.
        assert_eq!(
            answer(
                "double charge on invoice INV-20931",
                "name,invoice_number,issue",
                &[]
            )
            .found
            .get("issue")
            .map(String::as_str),
            Some("double charge")
        );
        // A clause that lost only what it is about keeps its two words.
        assert_eq!(
            answer(
                "transmission slipping on my 2011 Accord, about 160k miles on it",
                "name,vehicle,mileage:number,issue",
                &[]
            )
            .found
            .get("issue")
            .map(String::as_str),
            Some("transmission slipping")
        );
        // A clause that lost the pet it is about, beside another, still says what is wrong.
        assert_eq!(
            answer(
                "mi perrita Canela no deja de rascarse y tiene la panza roja",
                "mascota,sintomas,dueno:name",
                &[]
            )
            .found
            .get("sintomas")
            .map(String::as_str),
            Some("no deja de rascarse y tiene la panza roja")
        );
        // A pet's name field: the name goes with its animal word, not its clause.
        assert_eq!(
            answer(
                "my cat Biscuit keeps scratching her ears and shaking her head",
                "owner_name:name,pet_name:name,symptoms",
                &[]
            )
            .found
            .get("symptoms")
            .map(String::as_str),
            Some("keeps scratching her ears and shaking her head")
        );
        // A pet named as the subject of its clause goes, what happens to it stays; a sentence
        // that names a choice and tells more is no answer to the choice alone.
        for (said, wanted, value) in [
            (
                "buenas tardes, Canela no quiere comer desde ayer y vomitó dos veces",
                "nombre_mascota:name,sintomas,nombre:name",
                "no quiere comer desde ayer y vomitó dos veces",
            ),
            (
                "hola, atienden de guardia? mi gato Milo no para de vomitar y está decaído",
                "mascota:name,especie:choice(Perro|Gato|Otro),sintomas,nombre:name",
                "no para de vomitar y está decaído",
            ),
            // The pet the clause ends with goes with the words that introduce it.
            (
                "vacuna de la rabia para Toby",
                "nombre:name,mascota:name,fecha:date,sintomas",
                "vacuna de la rabia",
            ),
            // A child named after whose they are, an age in brackets: what they have.
            (
                "buenos días, mi bebé Samuel tiene fiebre de 39 desde anoche",
                "nombre_paciente:name,edad:number,acudiente:name,sintomas",
                "fiebre de 39 desde anoche",
            ),
            (
                "Hi, my daughter Zoe (4) has had a fever of 102 since sunday night",
                "parent_name:name,child_name:name,child_age:number,sintomas",
                "fever of 102 since sunday night",
            ),
            (
                "hola, mi perro Ramón tiene una herida en la pata que no cierra",
                "nombre:name,mascota,sintomas",
                "herida en la pata que no cierra",
            ),
        ] {
            let found = answer(said, wanted, &[]).found;
            assert_eq!(
                found.get("sintomas").map(String::as_str),
                Some(value),
                "{said}"
            );
        }
        // A choice read from the words leaves the whole message, without the subject it named
        // when the description goes on without it.
        let equipo = "equipo:choice(Minisplit|Central),problema,nombre:name";
        assert_eq!(
            answer("mi minisplit no enfría, solo echa aire", equipo, &[])
                .found
                .get("problema")
                .map(String::as_str),
            Some("no enfría, solo echa aire")
        );
        assert_eq!(
            issue(
                "furnace blowing cold air since 5am",
                "issue,system:choice(Furnace|AC|Boiler),name"
            )
            .as_deref(),
            Some("furnace blowing cold air since 5am")
        );
        // Which of two clauses is the problem is a guess when one said when.
        assert_eq!(
            issue(
                "the electrician was here saturday and now the lights flicker",
                "name,incident_date,issue"
            ),
            None
        );
        // One event told in two clauses, or beside the words that ask for help, is the problem.
        let siniestro = |text: &str| {
            answer(text, "nombre,fecha_siniestro:date,descripcion", &[])
                .found
                .get("descripcion")
                .cloned()
        };
        // Signed with a name and a number written any way.
        assert_eq!(
            answer(
                "hello, wrongful termination after reporting a safety issue, need advice. Dwayne Harris. best to text me at 404 555 0119",
                "name,phone,matter",
                &[],
            )
            .found
            .get("matter")
            .map(String::as_str),
            Some("wrongful termination after reporting a safety issue")
        );
        assert_eq!(
            answer(
                "hi buenos días, necesito asesoramiento por una deportación de mi esposo. prefiero en español. Marisol Ortega 213 555 0172",
                "nombre,telefono:phone,idioma:choice(Español|Inglés),consulta",
                &[],
            )
            .found
            .get("consulta")
            .map(String::as_str),
            Some("deportación de mi esposo")
        );
        assert_eq!(
            siniestro("ayer se rompió un caño y se inundó la cocina").as_deref(),
            Some("se rompió un caño y se inundó la cocina")
        );
        assert_eq!(
            siniestro("anteayer entraron a robar y se llevaron el portátil y joyas").as_deref(),
            Some("entraron a robar y se llevaron el portátil y joyas")
        );
        // A day that opens the message dates both clauses.
        assert_eq!(
            siniestro("anoche me chocaron estacionado y el otro se fue").as_deref(),
            Some("me chocaron estacionado y el otro se fue")
        );
        assert_eq!(
            siniestro("el lunes pasado se reventó la lavadora y ha calado al vecino de abajo")
                .as_deref(),
            Some("se reventó la lavadora y ha calado al vecino de abajo")
        );
        assert_eq!(
            issue(
                "need to file a claim, someone rear ended me at a light yesterday",
                "name,date_of_loss:date,issue"
            )
            .as_deref(),
            Some("someone rear ended me at a light")
        );
        let problema = |text: &str| {
            answer(
                text,
                "nombre,fecha_del_problema:date,numero_pedido,problema",
                &[],
            )
            .found
            .get("problema")
            .cloned()
        };
        assert_eq!(
            problema("el pedido 33019 del viernes pasado vino con las milanesas crudas").as_deref(),
            Some("vino con las milanesas crudas")
        );
        assert_eq!(
            problema("el minisplit que instalaron el jueves pasado gotea agua").as_deref(),
            Some("el minisplit gotea agua")
        );
        // What is left asks for a visit: the reason comes later.
        assert_eq!(
            issue("need an appointment tuesday", "name,issue,date"),
            None
        );
        // A clause that only says what the order did is no description.
        assert_eq!(issue("order 5521 came yesterday", order), None);
        // An amount another field takes goes with its clause.
        assert_eq!(
            answer(
                "we need a new website for our law firm, budget around 8k",
                "name,budget:number,project",
                &[]
            )
            .found
            .get("project")
            .map(String::as_str),
            Some("a new website for our law firm")
        );
    }

    fn pairs(found: &BTreeMap<String, String>) -> Vec<(&str, &str)> {
        found
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn names_and_companies_from_common_phrasing() {
        assert_eq!(
            pairs(&extract("I'm Dana from Blue Fin Sushi")),
            [("company", "Blue Fin Sushi"), ("name", "Dana")]
        );
        assert_eq!(
            pairs(&extract("this is Ken with Northwind")),
            [("company", "Northwind"), ("name", "Ken")]
        );
        assert_eq!(
            pairs(&extract("Name: Fatima Khan")),
            [("name", "Fatima Khan")]
        );
        assert_eq!(
            pairs(&extract("Hey it's Sam. Is the 3pm slot still open?")),
            [("name", "Sam")]
        );
        assert_eq!(
            pairs(&extract(
                "We're at Umbrella Corp and our dashboards are broken"
            )),
            [("company", "Umbrella Corp")]
        );
        assert_eq!(
            pairs(&extract(
                "Interested in learning more - Sarah, Pinecrest Realty"
            )),
            [("company", "Pinecrest Realty"), ("name", "Sarah")]
        );
        assert_eq!(pairs(&extract("I'm interested in pricing")), []);
        assert_eq!(pairs(&extract("need to move my booking from 3 to 5pm")), []);
        // A slash between parts ends the one before.
        assert_eq!(
            pairs(&extract("Alexis Turner / Turner Realty Group")),
            [
                ("company", "Turner Realty Group"),
                ("name", "Alexis Turner")
            ]
        );
        // "de" joins a business's name once a business's word began it, not a person's.
        assert_eq!(
            extract("Héctor Lara de Lara Logistics")
                .get("company")
                .map(String::as_str),
            Some("Lara Logistics")
        );
        // "y" joins the words of a company's name as "and" does.
        assert_eq!(
            pairs(&extract("soy Elena Marín de Gestoría Marín y Asociados")),
            [
                ("company", "Gestoría Marín y Asociados"),
                ("name", "Elena Marín")
            ]
        );
        // A number after the article that ends it is its last word.
        assert_eq!(
            extract("Andrés Mejía de Distribuidora La 80")
                .get("company")
                .map(String::as_str),
            Some("Distribuidora La 80")
        );
    }

    #[test]
    fn emails_and_phones_are_validated_and_normalised() {
        let found =
            extract("My name is Leo Martin, Leo.Martin@Example.ORG, call 415-555-0111 after 10am");
        assert_eq!(
            pairs(&found),
            [
                ("email", "leo.martin@example.org"),
                ("name", "Leo Martin"),
                ("phone", "+14155550111")
            ]
        );
        assert_eq!(
            pairs(&extract("email me at j.doe@company.com.")),
            [("email", "j.doe@company.com")]
        );
        assert!(extract("not an email: a@b").is_empty());
        assert!(extract("we have a budget of 2000 for 12 people").is_empty());
        assert_eq!(extract("+44 20 7946 0958")["phone"], "+442079460958");
    }

    /// Argentina: every number is read as the mobile it must be to get a text, however it is
    /// dialled at home; Chile: nine digits, fewer are re-asked.
    #[test]
    fn argentine_numbers_are_read_as_mobiles_and_chilean_ones_have_nine_digits() {
        let argentina = Extractors::new("AR").expect("a region");
        let phone = |extractors: &Extractors, text: &str| {
            extractors
                .extract(text, &fields("phone"), &Clock::default())
                .get("phone")
                .cloned()
        };
        for written in [
            "11 4567 8901",
            "011 15 4567 8901",
            "011 4567-8901",
            "+54 11 4567 8901",
            "+54 9 11 4567-8901",
            "mi cel es 11 15 4567 8901",
        ] {
            assert_eq!(
                phone(&argentina, written).as_deref(),
                Some("+5491145678901"),
                "{written}"
            );
        }
        assert_eq!(
            phone(&argentina, "0351 15 555 6677").as_deref(),
            Some("+5493515556677")
        );
        assert_eq!(
            phone(&argentina, "351 555 6677").as_deref(),
            Some("+5493515556677")
        );
        // The texter's country reads the number, whatever the fallback.
        let texter = rules().for_number("+5491122334455");
        assert_eq!(
            phone(&texter, "11 4567 8901").as_deref(),
            Some("+5491145678901")
        );
        let chile = Extractors::new("CL").expect("a region");
        assert_eq!(
            phone(&chile, "+56 9 8765 4321").as_deref(),
            Some("+56987654321")
        );
        assert_eq!(
            phone(&chile, "9 8765 4321").as_deref(),
            Some("+56987654321")
        );
        assert_eq!(phone(&chile, "9 4433 221"), None);
        // What a model gives is checked the same way.
        let spec = &fields("phone")[0];
        assert_eq!(
            argentina
                .validate_field(spec, "11 4567 8901", &Clock::default())
                .as_deref(),
            Some("+5491145678901")
        );
        assert_eq!(
            chile.validate_field(spec, "+56 9 4433 221", &Clock::default()),
            None
        );
    }

    /// Too few digits for the country: the agent re-asks with what was typed.
    #[test]
    fn a_short_argentine_or_chilean_number_is_re_asked() {
        for (region, typed) in [("AR", "11 4567"), ("CL", "+56 9 4433 221")] {
            let extractors = Extractors::new(region).expect("a region");
            let found = extractors.read(
                typed,
                &fields("phone"),
                &["phone".to_string()],
                &BTreeMap::new(),
                &Clock::default(),
            );
            assert_eq!(
                found.invalid.get("phone"),
                Some(&Invalid::Phone(typed.to_string())),
                "{region}"
            );
        }
    }

    #[test]
    fn an_answer_to_a_question_about_the_name_needs_no_cue() {
        let found = answer(
            "Dana from Blue Fin Sushi",
            "name,company",
            &["name", "company"],
        )
        .found;
        assert_eq!(
            pairs(&found),
            [("company", "Blue Fin Sushi"), ("name", "Dana")]
        );
        assert!(
            extract("Dana from Blue Fin Sushi").is_empty(),
            "not without the question"
        );
        let lower = answer("sure, it's for my team", "name", &["name", "company"]).found;
        assert!(lower.is_empty());
    }

    #[test]
    fn any_field_can_be_given_with_its_label() {
        let found = rules().extract(
            "Order number: A-1234, budget is 2000",
            &fields("order_number,budget,email"),
            &Clock::default(),
        );
        assert_eq!(
            pairs(&found),
            [("budget", "2000"), ("order_number", "A-1234")]
        );
        let labelled_email = answer("Email: not-an-email", "email", &[]);
        assert!(
            labelled_email.found.is_empty(),
            "a labelled value still passes the validator"
        );
    }

    #[test]
    fn spanish_phrasing_gives_names_companies_and_labelled_values() {
        assert_eq!(
            pairs(&extract("Hola, soy Ana Ruiz de Panadería Sol")),
            [("company", "Panadería Sol"), ("name", "Ana Ruiz")]
        );
        assert_eq!(
            pairs(&extract("me llamo Jorge, mi correo es Jorge@Correo.MX")),
            [("email", "jorge@correo.mx"), ("name", "Jorge")]
        );
        assert_eq!(pairs(&extract("soy de Madrid")), []);
    }

    #[test]
    fn wrong_answers_are_told_apart_from_no_answer() {
        let email = answer("it's dana@gmail", "email,phone", &["email", "phone"]);
        assert_eq!(
            email.invalid.get("email"),
            Some(&Invalid::EmailDomain("dana@gmail".into()))
        );
        assert_eq!(
            email.invalid.get("phone"),
            None,
            "no digits: no try at a phone"
        );
        let phone = answer("555-01", "phone", &["phone"]);
        assert_eq!(
            phone.invalid.get("phone"),
            Some(&Invalid::Phone("555-01".into()))
        );
        let none = answer("why do you need it?", "email", &["email"]);
        assert_eq!(none, Extraction::default());
    }

    #[test]
    fn a_correction_takes_the_value_named_last() {
        let found = answer(
            "sorry, not dana@old.example, use dana@new.example",
            "email",
            &[],
        );
        assert_eq!(found.found["email"], "dana@new.example");
        let phones = answer("415 555 0111, perdón, 415 555 0199", "phone", &[]);
        assert_eq!(phones.found["phone"], "+14155550199");
    }

    #[test]
    fn the_conversation_country_reads_local_numbers() {
        let spain = rules().for_number("+34612345678");
        let found = spain.extract(
            "mi móvil es 612 34 56 79",
            &fields("phone"),
            &Clock::default(),
        );
        assert_eq!(found["phone"], "+34612345679");
    }

    /// The texter's country is looked up only for what needs it (a phone number, a date in
    /// digits), and a number no region claims reads as the fallback country.
    #[test]
    fn the_conversation_country_is_looked_up_only_when_needed() {
        let wanted = fields("name,email,phone,company");
        let texter = rules().for_number("+34612345678");
        let found = texter.extract("Hi, I'm Dana from Blue Fin", &wanted, &Clock::default());
        assert_eq!(found["name"], "Dana");
        assert!(
            texter.region.get().is_none(),
            "no number, no date: not looked up"
        );
        let found = texter.extract("612 34 56 79", &wanted, &Clock::default());
        assert_eq!(found["phone"], "+34612345679");
        assert_eq!(texter.region.get(), Some(&Region::ES));
        // +1 999: no North American region has that area code.
        let unclaimed = Extractors::new("GB")
            .expect("a region")
            .for_number("+19995550100");
        let found = unclaimed.extract("07700 900123", &wanted, &Clock::default());
        assert_eq!(found["phone"], "+447700900123");
    }

    #[test]
    fn two_addresses_go_to_the_fields_their_words_name() {
        let wanted = fields("pickup:address,dropoff:address");
        let both = answer(
            "from 410 Oak St, Denver to 77 Birch Rd, Boulder",
            "pickup:address,dropoff:address",
            &[],
        );
        assert_eq!(
            pairs(&both.found),
            [
                ("dropoff", "77 Birch Rd, Boulder"),
                ("pickup", "410 Oak St, Denver")
            ]
        );
        // A second address without a cue goes to the field still empty, not over the first.
        let known = BTreeMap::from([("pickup".to_string(), "410 Oak St".to_string())]);
        let second = rules().read(
            "1502 Pine St Unit 2B",
            &wanted,
            &[],
            &known,
            &Clock::default(),
        );
        assert_eq!(pairs(&second.found), [("dropoff", "1502 Pine St Unit 2B")]);
    }

    #[test]
    fn a_name_said_with_a_possessive_is_the_name_alone() {
        let party = answer(
            "want to book a party for Ava's 7th bday",
            "parent_name,child_name",
            &[],
        );
        assert_eq!(
            party.found.get("child_name").map(String::as_str),
            Some("Ava")
        );
    }

    #[test]
    fn a_name_that_closes_the_message() {
        let signed = answer(
            "Could I view it Saturday at 11? Priya",
            "name,when:datetime",
            &[],
        );
        assert_eq!(signed.found.get("name").map(String::as_str), Some("Priya"));
        let under = answer(
            "table for 4 tonight, under Okafor",
            "name,party:number",
            &[],
        );
        assert_eq!(under.found.get("name").map(String::as_str), Some("Okafor"));
        let city = answer("C/ Alcalá 1420, 4º izq, Madrid", "name,address", &[]);
        assert_eq!(
            city.found.get("name"),
            None,
            "the city that ends an address"
        );
        let day = answer("Is Thursday ok? Thanks, Friday", "name", &[]);
        assert_eq!(day.found.get("name"), None);
        let invite = answer("invite alex.morgan@fernleigh.co.uk", "email", &[]);
        assert_eq!(
            pairs(&invite.found),
            [("email", "alex.morgan@fernleigh.co.uk")]
        );
    }

    #[test]
    fn things_and_dates_of_birth_from_the_field_name() {
        let car = answer("my 2019 Toyota Camry needs an oil change", "vehicle", &[]);
        assert_eq!(pairs(&car.found), [("vehicle", "2019 Toyota Camry")]);
        let plate = answer("la matrícula es 4821 KLM", "matricula", &[]);
        assert_eq!(pairs(&plate.found), [("matricula", "4821 KLM")]);
        for (text, field, asked, expected) in [
            (
                "Suzuki Swift, patente KJTR-45",
                "patente:text",
                &[][..],
                "KJTR-45",
            ),
            (
                "es una Pulsar NS 200, placa XKM 43F",
                "placa:text",
                &[],
                "XKM 43F",
            ),
            (
                "Marcos Delgado, 2241 HBC",
                "matricula:text",
                &["matricula"],
                "2241 HBC",
            ),
        ] {
            let plate = answer(text, field, asked);
            let name = field.split(':').next().unwrap();
            assert_eq!(plate.found[name], expected, "{text}");
        }
        let born = answer("dob is July 22, 1985", "dob:date", &["dob"]);
        assert_eq!(pairs(&born.found), [("dob", "1985-07-22")]);
    }

    #[test]
    fn a_reply_to_another_question_is_no_name() {
        let no_name = |text: &str, wanted: &str, asked: &[&str]| {
            let read = answer(text, wanted, asked);
            assert!(!read.found.contains_key("name"), "{text}: {read:?}");
            read
        };
        let party = no_name("somos tres", "name,guests:number", &["name", "guests"]);
        assert_eq!(pairs(&party.found), [("guests", "3")]);
        no_name("twelve images", "name,images:number", &["name", "images"]);
        let class = no_name(
            "actually pilates instead",
            "name,class:choice(Yoga|Pilates)",
            &["name"],
        );
        assert_eq!(pairs(&class.found), [("class", "Pilates")]);
        // Answering the question about the city and the name, the city goes to the city.
        let city = no_name("Round Rock TX", "name,city", &["name", "city"]);
        assert_eq!(pairs(&city.found), [("city", "Round Rock TX")]);
        let company = no_name("Agencia Mango", "name,empresa", &["name", "empresa"]);
        assert_eq!(pairs(&company.found), [("empresa", "Agencia Mango")]);
        no_name(
            "I'm free thursday afternoon",
            "name,day:date",
            &["name", "day"],
        );
        no_name("hey its unit 4B", "name,unit_number", &["name"]);
        // A question about the visit, its verb capitalised.
        no_name(
            "Could I do Wednesday at 6?",
            "name,when:datetime",
            &["name"],
        );
        no_name(
            "Can I come in Tuesday? Mornings are best",
            "name",
            &["name"],
        );
        // A name still answers its question, with contact details or alone.
        let named = answer("I'm her dad, Callum Reid", "name,pupil_name", &["name"]);
        assert_eq!(
            named.found.get("name").map(String::as_str),
            Some("Callum Reid")
        );
        let alone = answer("Jimena", "name,guests:number", &["name", "guests"]);
        assert_eq!(pairs(&alone.found), [("name", "Jimena")]);
    }

    #[test]
    fn a_business_by_its_word_and_a_name_after_the_part_played() {
        let read = |text: &str| answer(text, "contact_name,company", &[]).found;
        assert_eq!(
            pairs(&read(
                "Harbor Dental Group, I'm the office manager Tricia Boyd"
            )),
            [
                ("company", "Harbor Dental Group"),
                ("contact_name", "Tricia Boyd")
            ]
        );
        assert_eq!(
            pairs(&read("nobody at Brightline Dental can log in")),
            [("company", "Brightline Dental")]
        );
        assert_eq!(
            pairs(&read("los de Grupo Ferretero del Bajío queremos cotizar")),
            [("company", "Grupo Ferretero del Bajío")]
        );
        // A department after a job's title is no business.
        assert!(!read("Lorenzo Bianchi, VP Engineering").contains_key("company"));
    }

    #[test]
    fn a_day_that_happened_is_read_backwards() {
        // Wednesday 2 December 2026, 11:00 in New York.
        let zone = jiff::tz::TimeZone::get("America/New_York").unwrap();
        let now = jiff::civil::date(2026, 12, 2).at(11, 0, 0, 0);
        let clock = Clock::at(now.to_zoned(zone.clone()).unwrap().timestamp(), zone);
        let day = |text: &str, field: &str| {
            rules()
                .read(
                    text,
                    &fields(&format!("{field}:date")),
                    &[],
                    &BTreeMap::new(),
                    &clock,
                )
                .found
                .get(field)
                .cloned()
        };
        let cases = [
            ("someone backed into my car yesterday", "2026-12-01"),
            ("me robaron la moto anteayer", "2026-11-30"),
            ("anoche se metieron a robar", "2026-12-01"),
            ("a branch fell on the roof last friday", "2026-11-27"),
            ("desde el lunes pasado no hay luz", "2026-11-30"),
            ("me caí en la obra hace tres días", "2026-11-29"),
            ("hail cracked the windshield on sunday", "2026-11-29"),
            ("I slipped on Nov 20", "2026-11-20"),
            ("the basement flooded this morning", "2026-12-02"),
        ];
        for (text, expected) in cases {
            assert_eq!(
                day(text, "incident_date").as_deref(),
                Some(expected),
                "{text}"
            );
        }
        assert_eq!(
            day("fecha: el lunes pasado", "fecha_siniestro").as_deref(),
            Some("2026-11-30")
        );
        assert_eq!(
            day("me despidieron el viernes pasado", "fecha_despido").as_deref(),
            Some("2026-11-27")
        );
        // A day to come is still read forwards, and "yesterday" gives it nothing.
        assert_eq!(
            day("can you come sunday?", "visit_date").as_deref(),
            Some("2026-12-06")
        );
        assert_eq!(day("it broke yesterday", "visit_date"), None);
    }

    #[test]
    fn free_text_fields_by_what_their_name_holds() {
        let read = |text: &str, field: &str| answer(text, field, &[]).found.get(field).cloned();
        let cases = [
            (
                "we're thinking about a trip to Lisbon",
                "destination",
                "Lisbon",
            ),
            ("queremos ir a Oaxaca en diciembre", "destino", "Oaxaca"),
            (
                "quiero un paquete to Cartagena, Colombia",
                "destination",
                "Cartagena, Colombia",
            ),
            (
                "Quisiera reservar un hotel en San Sebastián",
                "destino",
                "San Sebastián",
            ),
            (
                "write Happy 40th Tony on it",
                "message_on_cake",
                "Happy 40th Tony",
            ),
            (
                "can it say Congrats Dr. Patel",
                "writing_on_cake",
                "Congrats Dr. Patel",
            ),
            (
                "que ponga Feliz jubilación Paco",
                "texto_tarta",
                "Feliz jubilación Paco",
            ),
            (
                "Hello! This is Priya and Dev, we're getting married",
                "couple_names",
                "Priya and Dev",
            ),
            (
                "Somos Laura y Andrés y nos casamos",
                "novios",
                "Laura y Andrés",
            ),
            (
                "Looking for a tutor in chemistry for my daughter",
                "subject",
                "chemistry",
            ),
            (
                "necesito clases de química para mi hijo",
                "materia",
                "química",
            ),
            (
                "can I book a groom for my golden retriever Maple?",
                "breed",
                "golden retriever",
            ),
            ("tengo un caniche que se llama Lola", "raza", "caniche"),
        ];
        for (text, field, expected) in cases {
            assert_eq!(read(text, field).as_deref(), Some(expected), "{text}");
        }
        // Any pet is no breed.
        assert_eq!(read("my dog Rocky needs a bath", "breed"), None);
    }

    #[test]
    fn the_days_of_a_stay_go_to_the_field_their_words_name() {
        let wanted = fields("check_in:date,check_out:date");
        let read = |text: &str, known: &[(&str, &str)]| {
            let known = known
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let clock = Clock::at(
                "2026-11-28T15:00:00Z".parse().unwrap(),
                jiff::tz::TimeZone::UTC,
            );
            rules().read(text, &wanted, &[], &known, &clock).found
        };
        assert_eq!(
            pairs(&read("from Dec 18 to Dec 21", &[])),
            [("check_in", "2026-12-18"), ("check_out", "2026-12-21")]
        );
        assert_eq!(
            pairs(&read("checking out Dec 7", &[])),
            [("check_out", "2026-12-07")]
        );
        assert_eq!(
            pairs(&read("Dec 9", &[("check_in", "2026-12-07")])),
            [("check_out", "2026-12-09")],
            "a day given later fills the field still empty"
        );
        assert_eq!(
            pairs(&read(
                "Dec 23 to Dec 27",
                &[("check_in", "2026-12-25"), ("check_out", "2026-12-26")]
            )),
            [("check_in", "2026-12-23"), ("check_out", "2026-12-27")],
            "both ends said again replace the days known"
        );
        assert_eq!(
            pairs(&read(
                "oops we come back the 9th, so dec 9",
                &[("check_in", "2026-12-03"), ("check_out", "2026-12-08")]
            )),
            [("check_out", "2026-12-09")],
            "one day said twice corrects the known day nearest to it"
        );
        assert_eq!(
            pairs(&read(
                "ah me equivoqué, la vuelta es el 25",
                &[("check_in", "2027-07-17"), ("check_out", "2027-07-24")]
            )),
            [("check_out", "2027-07-25")],
            "a day of the month alone is read in the month of the day it corrects"
        );
        assert_eq!(
            pairs(&read(
                "uy perdón, del 2 al 8 de diciembre",
                &[("check_in", "2026-12-01"), ("check_out", "2026-12-08")]
            )),
            [("check_in", "2026-12-02"), ("check_out", "2026-12-08")]
        );
    }

    #[test]
    fn a_pick_up_and_return_with_hours_share_their_days() {
        let clock = Clock::at(
            "2026-11-28T15:00:00Z".parse().unwrap(),
            jiff::tz::TimeZone::UTC,
        );
        let read = |text: &str, wanted: &str| {
            rules().read(text, &fields(wanted), &[], &BTreeMap::new(), &clock)
        };
        let both = read(
            "pick up tuesday at 9am, drop off friday 6pm",
            "pickup:datetime,dropoff:datetime",
        );
        assert_eq!(
            pairs(&both.found),
            [
                ("dropoff", "2026-12-04T18:00:00+00:00"),
                ("pickup", "2026-12-01T09:00:00+00:00")
            ]
        );
        let no_hour = read(
            "necesito una suv del domingo al miércoles",
            "recogida:datetime,devolucion:date",
        );
        assert_eq!(pairs(&no_hour.found), [("devolucion", "2026-12-02")]);
        assert_eq!(
            no_hour.partial["recogida"], "2026-11-29",
            "the day waits for its hour"
        );
        let one_hour = read(
            "del 10 al 17 de diciembre, recogida en el aeropuerto sobre las 11",
            "recogida:datetime,devolucion:date",
        );
        assert_eq!(
            pairs(&one_hour.found),
            [
                ("devolucion", "2026-12-17"),
                ("recogida", "2026-12-10T11:00:00+00:00")
            ]
        );
    }

    #[test]
    fn a_range_of_hours_goes_to_the_start_and_end_fields() {
        let found = answer(
            "el viernes de 10 a 1",
            "sala,fecha:date,hora_inicio:time,hora_fin:time",
            &["fecha", "hora_inicio"],
        )
        .found;
        assert_eq!(found.get("hora_inicio").map(String::as_str), Some("10:00"));
        assert_eq!(found.get("hora_fin").map(String::as_str), Some("13:00"));
        let found = answer(
            "next Friday 2-4pm",
            "date:date,start_time:time,end_time:time",
            &["date"],
        )
        .found;
        assert_eq!(found.get("start_time").map(String::as_str), Some("14:00"));
        assert_eq!(found.get("end_time").map(String::as_str), Some("16:00"));
        // One time field takes one time, as before.
        let found = answer("next Friday 2-4pm", "date:date,time:time", &["date"]).found;
        assert_ne!(found.get("time").map(String::as_str), Some("16:00"));
    }

    #[test]
    fn a_signatures_title_and_workplace() {
        let found = answer(
            "Priscilla Owens, controller at Bayline Freight",
            "name,role,company",
            &["name", "role"],
        )
        .found;
        assert_eq!(
            pairs(&found),
            [
                ("company", "Bayline Freight"),
                ("name", "Priscilla Owens"),
                ("role", "controller")
            ]
        );
    }

    #[test]
    fn a_place_after_a_streets_comma_is_no_name() {
        let wanted = "direccion:address,nombre:name";
        for (text, address) in [
            ("Los Aromos 245, Pilar", "Los Aromos 245, Pilar"),
            (
                "Calle 60 #455 x 53 y 55, Centro, Mérida",
                "Calle 60 #455 x 53 y 55, Centro, Mérida",
            ),
        ] {
            let found = answer(text, wanted, &["direccion", "nombre"]).found;
            assert_eq!(pairs(&found), [("direccion", address)], "{text}");
        }
        // Not asked for, a message that is all address still gives it (test14, test21), and no
        // name; a street numbered like a year is no address.
        let found = answer("Los Aromos 245, Pilar", wanted, &[]).found;
        assert_eq!(pairs(&found), [("direccion", "Los Aromos 245, Pilar")]);
        let found = answer("Nissan Versa 2019, Automático", wanted, &[]).found;
        assert!(found.is_empty(), "{found:?}");
        // A name before the street is kept.
        let found = answer(
            "Pete Olsen 2215 Cedar Ave, Fresno",
            "name,address:address",
            &["name", "address"],
        )
        .found;
        assert_eq!(found.get("name").map(String::as_str), Some("Pete Olsen"));
    }

    #[test]
    fn a_persons_name_without_the_words_that_say_who_they_are() {
        for (text, field, name) in [
            (
                "he's Mateo Jiménez, 7 years old",
                "paciente",
                "Mateo Jiménez",
            ),
            (
                "paciente Jhon Fredy Castaño, CC 71.456.890",
                "paciente",
                "Jhon Fredy Castaño",
            ),
        ] {
            let found = answer(text, &format!("{field}:name,cedula"), &[field]).found;
            assert_eq!(found.get(field).map(String::as_str), Some(name), "{text}");
        }
        // An insurer after "con" is the insurer's, not the patient's name.
        let found = answer(
            "con Asisa",
            "seguro,paciente:name,telefono:phone",
            &["seguro", "paciente"],
        )
        .found;
        assert_eq!(pairs(&found), [("seguro", "Asisa")]);
        // A month before a day's number is the day, not a name.
        let found = answer(
            "June 31 pickup",
            "cake_flavor,pickup:date,name",
            &["pickup"],
        )
        .found;
        assert!(!found.contains_key("name"), "{found:?}");
        let found = answer(
            "June Carter here",
            "cake_flavor,pickup:date,name",
            &["name"],
        )
        .found;
        assert_eq!(found.get("name").map(String::as_str), Some("June Carter"));
    }

    #[test]
    fn a_recipients_name_opening_a_message_before_their_address_is_not_the_texters() {
        let found = answer(
            "Carol Bianchi, 812 Fitzwater St Philadelphia",
            "sender_name:name,recipient_name:name,address:address",
            &[],
        )
        .found;
        assert_eq!(
            found.get("recipient_name").map(String::as_str),
            Some("Carol Bianchi")
        );
        assert!(!found.contains_key("sender_name"), "{found:?}");
    }

    #[test]
    fn someone_who_died_is_named_by_his_name_was() {
        for (text, name) in [
            (
                "his name was Harold James Whitmore",
                "Harold James Whitmore",
            ),
            ("se llamaba Rubén Treviño Salinas", "Rubén Treviño Salinas"),
        ] {
            let found = answer(text, "name:name,deceased_name:name", &[]).found;
            assert_eq!(
                found.get("deceased_name").map(String::as_str),
                Some(name),
                "{text}"
            );
            assert!(!found.contains_key("name"), "{text}: {found:?}");
        }
        for field in [
            "clienta",
            "contratante",
            "vecino",
            "booker_name",
            "quien_envia",
        ] {
            assert_eq!(Person::of(field), Person::Texter, "{field}");
        }
        assert_eq!(Person::of("quien_recibe"), Person::Other);
    }

    #[test]
    fn a_recipients_whole_name_follows_to_para_or_attn() {
        let wanted = "recipient:name,sender_name:name,card_message";
        for (text, recipient) in [
            (
                "to Carol Jennings, 22 Maple Ct, Stamford CT 06902",
                "Carol Jennings",
            ),
            (
                "it's for the Hernandez family, attn Rosa Hernandez",
                "Rosa Hernandez",
            ),
            ("para Daniela Ibarra", "Daniela Ibarra"),
            // A title goes; "a" says to whom in Spanish.
            (
                "para la Sra. Elena Treviño, Río Orinoco 220, Col. Del Valle",
                "Elena Treviño",
            ),
            (
                "quiero mandar un ramo a Yaiza Hernández para mañana",
                "Yaiza Hernández",
            ),
        ] {
            let found = answer(text, wanted, &["recipient"]).found;
            assert_eq!(
                found.get("recipient").map(String::as_str),
                Some(recipient),
                "{text}"
            );
        }
        // A day, or one word, is no recipient's whole name.
        for text in ["deliver to Mom", "para el Lunes"] {
            let found = answer(text, "destinatario:name,fecha:date", &[]).found;
            assert!(!found.contains_key("destinatario"), "{text}: {found:?}");
        }
        // The one who sends is the texter: "de parte de" names them.
        assert_eq!(Person::of("remitente"), Person::Texter);
        let found = answer(
            "de parte de Emilio Castañeda",
            "destinatario:name,remitente:name",
            &["remitente"],
        )
        .found;
        assert_eq!(pairs(&found), [("remitente", "Emilio Castañeda")]);
    }

    #[test]
    fn a_name_field_about_someone_else_never_takes_the_texters_name() {
        assert_eq!(Person::of("pet_name"), Person::Other);
        assert_eq!(Person::of("nombre_del_bebe"), Person::Other);
        assert_eq!(Person::of("mascota"), Person::Other);
        assert_eq!(Person::of("recipient"), Person::Other);
        assert_eq!(Person::of("owner_name"), Person::Texter);
        assert_eq!(Person::of("nombre_apoderado"), Person::Texter);
        assert_eq!(Person::of("nombre_padre"), Person::Texter);
        assert_eq!(Person::of("full_name"), Person::Texter);
        assert_eq!(Person::of("patient_name"), Person::Either);
        assert_eq!(Person::of("student_name"), Person::Either);
        assert_eq!(Person::of("emergency_contact"), Person::Other);
        let wanted = "parent_name:name,student_name:name";
        let found = answer("Hi I'm Lorraine Banks, my son Malik is 12", wanted, &[]).found;
        assert_eq!(
            pairs(&found),
            [("parent_name", "Lorraine Banks"), ("student_name", "Malik")]
        );
        let found = answer(
            "Hola, soy Marta Vidal, mi hija Carla",
            "nombre:name,alumna:name",
            &[],
        )
        .found;
        assert_eq!(
            pairs(&found),
            [("alumna", "Carla"), ("nombre", "Marta Vidal")]
        );
        for (text, pet) in [
            ("can I bring my cat Pickles in friday?", "Pickles"),
            ("mi niña se llama Abril y tiene 3 años", "Abril"),
            ("my fiancé is Omar Haddad", "Omar Haddad"),
            ("boarding for Bruno from jan 2", "Bruno"),
            // A surname alone keeps its title (the README's "ask for Mrs. Okoye").
            ("my son's teacher Mrs Lopez said to call", "Mrs Lopez"),
            // After a comma too.
            ("quiero mandar una ancheta para mi suegra, Amparo", "Amparo"),
            // A pet's name opens the message, its doings after it.
            ("Hola, Mora se comió un chocolate entero", "Mora"),
            ("Hiya, Luna's been limping on her back leg", "Luna"),
            ("buenas tardes, Canela no quiere comer desde ayer", "Canela"),
            // Asked for, or after the Spanish "a", "la", "para".
            ("hi can Pepper get a full groom?", "Pepper"),
            ("holaa, a Canela le toca su vacuna", "Canela"),
            ("necesito hora para esterilizar a la Kira", "Kira"),
            ("hola, el Rocky necesita las vacunas", "Rocky"),
            // What the pet is, after its name.
            ("Mochi (our bunny) has stopped eating hay", "Mochi"),
            ("biscuit is my beagle lol", "biscuit"),
        ] {
            let found = answer(text, "owner_name:name,pet_name:name", &[]).found;
            assert_eq!(pairs(&found), [("pet_name", pet)], "{text}");
        }
        // A text field that took the name read from its cue leaves it to the pet's field.
        let found = answer(
            "hola, mi perro Thor jala mucho la correa",
            "nombre:name,perro:name,edad_perro",
            &[],
        )
        .found;
        assert_eq!(found.get("perro").map(String::as_str), Some("Thor"));
        // The texter saying whose they are is no one else.
        let found = answer(
            "I'm her dad, Callum Reid",
            "parent_name:name,pupil_name:name",
            &[],
        )
        .found;
        assert_eq!(pairs(&found), [("parent_name", "Callum Reid")]);
        let found = answer(
            "soy su mamá Karla Mendoza",
            "nombre_padre:name,sintomas",
            &[],
        )
        .found;
        assert_eq!(pairs(&found), [("nombre_padre", "Karla Mendoza")]);
        // A surname alone keeps its title; a whole name drops it.
        for (text, name) in [
            (
                "hi this is Mrs. Hollis, need to move my massage",
                "Mrs. Hollis",
            ),
            ("this is Dr. Ana Ruiz", "Ana Ruiz"),
        ] {
            let found = answer(text, "name", &[]).found;
            assert_eq!(pairs(&found), [("name", name)], "{text}");
        }
        // Someone else's name said first is not the texter's ("her name is").
        for text in [
            "her name is Aria, im Jordan Wells",
            "She's two, her name is Amara. I'm Jordan Wells",
        ] {
            let found = answer(text, "parent_name:name,child_name:name", &[]).found;
            assert_eq!(
                found.get("parent_name").map(String::as_str),
                Some("Jordan Wells"),
                "{text}"
            );
        }
        // Typed as text, a child's or a student's name is still read as their name.
        for (text, wanted, child) in [
            (
                "looking for a maths tutor for my son Oliver, hes in year 10",
                "parent_name:name,child_name,subject",
                ("child_name", "Oliver"),
            ),
            (
                "queremos matricular a nuestro hijo Pablo en 1º de primaria",
                "padre:name,alumno,curso",
                ("alumno", "Pablo"),
            ),
            (
                "se llama Camila, I'm Veronica Flores",
                "parent_name:name,child_name,symptoms",
                ("child_name", "Camila"),
            ),
        ] {
            let found = answer(text, wanted, &[]).found;
            assert_eq!(
                found.get(child.0).map(String::as_str),
                Some(child.1),
                "{text}: {found:?}"
            );
        }
        // The only name a workflow asks for, answered with the person it is for.
        let found = answer(
            "se llama Bautista Rey",
            "nombre:name,edad:number",
            &["nombre"],
        )
        .found;
        assert_eq!(pairs(&found), [("nombre", "Bautista Rey")]);
        let found = answer(
            "se llama Bautista Rey",
            "nombre:name,alumno:name",
            &["nombre", "alumno"],
        )
        .found;
        assert_eq!(found.get("nombre"), None, "{found:?}");
        assert!(others::names_a_dependant("student_name"));
        assert!(!others::names_a_dependant("parent_name"));
        assert!(!others::names_a_dependant("school"));
        for text in [
            "booking for Christmas eve for my daughter",
            "For Sale sign on Elm?",
            "my old Honda Civic needs brakes",
            "Hola, Tengo un perro que no come",
            "Hi, Can you see my dog today?",
        ] {
            let found = answer(text, "pet_name:name,child_name:name", &[]).found;
            assert!(found.is_empty(), "{text}: {found:?}");
        }
        // The texter's own name goes only to the texter's field, asked or not.
        let both = ["owner_name", "pet_name"];
        let found = answer("its Hannah Lowe", "owner_name:name,pet_name:name", &both).found;
        assert_eq!(pairs(&found), [("owner_name", "Hannah Lowe")]);
        let found = answer("a nombre de Fernanda Ríos", "dueno:name,mascota:name", &[]).found;
        assert_eq!(pairs(&found), [("dueno", "Fernanda Ríos")]);
        assert!(
            answer("I'm Hannah Lowe", "pet_name:name", &["pet_name"])
                .found
                .is_empty()
        );
        // A bare name answering the question about the pet is the pet's.
        let found = answer("Kiwi", "owner_name:name,pet_name:name", &["pet_name"]).found;
        assert_eq!(pairs(&found), [("pet_name", "Kiwi")]);
        // Someone who may be the texter, with no other name given and no texter's field.
        let found = answer(
            "Hi, this is Dana Ruiz, I need a cleaning",
            "patient_name:name",
            &[],
        );
        assert_eq!(pairs(&found.found), [("patient_name", "Dana Ruiz")]);
    }

    #[test]
    fn the_texters_name_after_a_sentence_a_link_or_a_street() {
        for (text, name) in [
            (
                "free trial pass for saturday? Keisha Moore 404 555 0139",
                "Keisha Moore",
            ),
            (
                "Hey, Chris Yoon w/ Larkspur Media, interested in the API plan",
                "Chris Yoon",
            ),
            ("contact is Benny Ortega", "Benny Ortega"),
            ("owner is Lena Vasquez", "Lena Vasquez"),
            ("mi nombre completo es Agustina Molina", "Agustina Molina"),
            ("manager is Tom Brekke", "Tom Brekke"),
            (
                "Importadora Garza Hnos, contacto Rubén Garza",
                "Rubén Garza",
            ),
            ("hablas con Julián Osorio", "Julián Osorio"),
            (
                "hey whats the price for a day pass? im sam torres",
                "sam torres",
            ),
            (
                "Emma Wilson from finance, outlook keeps crashing",
                "Emma Wilson",
            ),
            ("it's for Alejandra Cruz", "Alejandra Cruz"),
        ] {
            let found = answer(text, "name,phone,company", &[]).found;
            assert_eq!(found.get("name").map(String::as_str), Some(name), "{text}");
        }
        // A day after "i meant" is no name.
        assert!(
            answer("oops i meant feb 28", "name", &["name"])
                .found
                .is_empty()
        );
        // An address answering the questions about the address and the name is no name.
        let found = answer(
            "Av. Corrientes 3245, 5° B, CABA",
            "nombre:name,direccion:address",
            &["nombre", "direccion"],
        )
        .found;
        assert_eq!(
            pairs(&found),
            [("direccion", "Av. Corrientes 3245, 5° B, CABA")]
        );
    }

    #[test]
    fn numbers_and_ids_named_by_the_fields_own_words() {
        for (text, field, value) in [
            (
                "headcount 45 for a corporate lunch",
                "headcount:number",
                "45",
            ),
            ("vivo en el piso 3", "piso:number", "3"),
            ("my son is in 7th grade", "grade:number", "7"),
            ("we're on the 4th floor", "floor:number", "4"),
            ("mi hijo is in year 9", "school_year:number", "9"),
            ("a 2019 Mazda, the AC blows hot", "year:number", "2019"),
            (
                "open since 2010, so 16 years",
                "years_in_business:number",
                "16",
            ),
            ("tengo 27 años", "edad:number", "27"),
            (
                "catering for about seventy five people",
                "guests:number",
                "75",
            ),
            (
                "un evento de ciento veinte personas",
                "invitados:number",
                "120",
            ),
            ("hi this is Marcus in unit 4B, the sink leaks", "unit", "4B"),
            (
                "asset tag IT-20931, it's a windows machine",
                "asset_tag",
                "IT-20931",
            ),
            ("del depto 302, ya pagué", "departamento", "302"),
            ("MOT for my Corsa, reg KX19 LMN", "registration", "KX19 LMN"),
            (
                "we have Kaiser, member id KP 4471 0932",
                "member_id",
                "KP 4471 0932",
            ),
        ] {
            let found = answer(text, field, &[]).found;
            let name = field.split(':').next().unwrap();
            assert_eq!(pairs(&found), [(name, value)], "{text}");
        }
        // A number before the field's word is its value only as an ordinal.
        let found = answer(
            "flowers for feb 30, budget around $2,500",
            "budget:number",
            &[],
        );
        assert_eq!(pairs(&found.found), [("budget", "2500")]);
        let found = answer(
            "comida para 60 comensales el 12 de diciembre",
            "comensales:number",
            &[],
        );
        assert_eq!(pairs(&found.found), [("comensales", "60")]);
    }

    #[test]
    fn a_place_of_an_address_is_no_name() {
        let found = answer(
            "from 12 Elm St Apt 3, Somerville MA to 880 Beacon St, Boston",
            "name,from_address:address,to_address:address",
            &["name", "from_address"],
        )
        .found;
        assert_eq!(found.get("name"), None, "{found:?}");
        assert_eq!(
            found.get("to_address").map(String::as_str),
            Some("880 Beacon St, Boston")
        );
        assert!(has_words("880 Beacon St, Boston", "Boston"));
        let found = answer(
            "Cl 100 #19-61 Torre 2 apto 804, Rosa Ortiz, 300 999 8877",
            "nombre:name,direccion:address,telefono:phone",
            &["nombre", "direccion"],
        )
        .found;
        assert_eq!(
            pairs(&found),
            [
                ("direccion", "Cl 100 #19-61 Torre 2 apto 804"),
                ("nombre", "Rosa Ortiz")
            ]
        );
        assert!(!has_words("880 Beacon St, Boston", "Bea"));
        // After a street that ends at its type or number, and with no contact details, the
        // last part is the town.
        let found = answer(
            "5530 W 38th Ave, Wheat Ridge",
            "name,address:address,phone:phone",
            &["address"],
        )
        .found;
        assert_eq!(pairs(&found), [("address", "5530 W 38th Ave, Wheat Ridge")]);
        let found = answer(
            "Los Carrera 1234, Quilpué",
            "direccion:address",
            &["direccion"],
        )
        .found;
        assert_eq!(pairs(&found), [("direccion", "Los Carrera 1234, Quilpué")]);
        let found = answer(
            "name's Fiona McAllister",
            "guest_name:name",
            &["guest_name"],
        )
        .found;
        assert_eq!(pairs(&found), [("guest_name", "Fiona McAllister")]);
    }

    #[test]
    fn a_vehicle_goes_in_parts_to_make_and_model_fields() {
        let wanted = "make,model,year:number";
        let found = answer("2019 Mazda CX-5, the AC blows hot", wanted, &[]).found;
        assert_eq!(
            pairs(&found),
            [("make", "Mazda"), ("model", "CX-5"), ("year", "2019")]
        );
        let found = answer(
            "hey my 2019 f-150 needs an oil change",
            "vehicle_make_model,vehicle_year:number",
            &[],
        )
        .found;
        assert_eq!(
            pairs(&found),
            [("vehicle_make_model", "f-150"), ("vehicle_year", "2019")]
        );
        let found = answer("es un Chevrolet Aveo 2016", "marca,modelo,anio:number", &[]).found;
        assert_eq!(
            pairs(&found),
            [("anio", "2016"), ("marca", "Chevrolet"), ("modelo", "Aveo")]
        );
        // A model field alone keeps the whole vehicle.
        let found = answer("un Mazda 3 2020", "modelo", &[]).found;
        assert_eq!(pairs(&found), [("modelo", "Mazda 3 2020")]);
    }

    #[test]
    fn a_species_choice_by_the_animal_named() {
        let wanted = "species:choice(Dog|Cat|Bird|Other)";
        for (text, species) in [
            ("can I bring my cat in for her shots?", "Cat"),
            ("our parrot Kiwi keeps pulling out his feathers", "Bird"),
            ("my perrito Chispa needs his shots", "Dog"),
        ] {
            let found = answer(text, wanted, &[]).found;
            assert_eq!(pairs(&found), [("species", species)], "{text}");
        }
    }

    #[test]
    fn business_named_fields_from_their_cues() {
        let found = answer(
            "mi EPS es Sura y mi cédula 1032456789",
            "eps,cedula",
            &["eps", "cedula"],
        )
        .found;
        assert_eq!(pairs(&found), [("cedula", "1032456789"), ("eps", "Sura")]);
        let found = answer(
            "the message is Happy Birthday Mia",
            "cake_message",
            &["cake_message"],
        )
        .found;
        assert_eq!(pairs(&found), [("cake_message", "Happy Birthday Mia")]);
        let both = ["aseguradora", "fecha"];
        let found = answer("Sura", "aseguradora,fecha:date", &both).found;
        assert_eq!(pairs(&found), [("aseguradora", "Sura")]);
        assert!(
            answer("no sé", "aseguradora,fecha:date", &both)
                .found
                .is_empty()
        );
        let found = answer("Martín Sosa, DNI 30.456.789", "documento", &["documento"]).found;
        assert_eq!(pairs(&found), [("documento", "30.456.789")]);
        let found = answer("I'm a nurse at Mercy General", "employer", &[]).found;
        assert_eq!(pairs(&found), [("employer", "Mercy General")]);
        let found = answer(
            "a nombre de Comercializadora Lupita SA de CV",
            "empresa",
            &[],
        )
        .found;
        // "de CV" is no cue: the company is named whole.
        assert_eq!(
            pairs(&found),
            [("empresa", "Comercializadora Lupita SA de CV")]
        );
        // Where someone worked names the company, with its legal form.
        let found = answer(
            "trabajaba en Logística Azteca SA de CV",
            "nombre:name,motivo,empresa",
            &["nombre"],
        )
        .found;
        assert_eq!(pairs(&found), [("empresa", "Logística Azteca SA de CV")]);
    }

    #[test]
    fn typed_fields_from_their_own_readers() {
        let wanted = fields("guests:number,size:choice(small|large),address,notes");
        let asked = ["guests".to_string()];
        let found = rules().read(
            "we'll be 8, the large one please, to 12 Oak St",
            &wanted,
            &asked,
            &BTreeMap::new(),
            &Clock::default(),
        );
        assert_eq!(
            pairs(&found.found),
            [("address", "12 Oak St"), ("guests", "8"), ("size", "large")]
        );
        let notes = rules().read(
            "leave it at the door",
            &wanted,
            &["notes".into()],
            &BTreeMap::new(),
            &Clock::default(),
        );
        assert_eq!(
            notes.found["notes"], "leave it at the door",
            "the whole answer to the one question"
        );
    }

    #[test]
    fn names_without_the_usual_cue() {
        assert_eq!(
            pairs(&extract(
                "Hey! Jordan at Sunset Cycles here, we need shirts"
            )),
            [("company", "Sunset Cycles"), ("name", "Jordan")]
        );
        assert_eq!(
            pairs(&extract(
                "Interested in a demo. Sam Patel, Patel Pharmacy, sam@patelrx.com"
            )),
            [
                ("company", "Patel Pharmacy"),
                ("email", "sam@patelrx.com"),
                ("name", "Sam Patel")
            ]
        );
        assert_eq!(
            pairs(&extract("sorry, my name is actually Dana Whitfield")),
            [("name", "Dana Whitfield")]
        );
        assert_eq!(
            pairs(&extract(
                "soy el ing. Raúl Pérez de Constructora Pérez S.A."
            )),
            [
                ("company", "Constructora Pérez S.A."),
                ("name", "Raúl Pérez")
            ]
        );
        assert_eq!(
            pairs(&answer("im jake", "name", &["name"]).found),
            [("name", "jake")]
        );
        assert!(answer("im good", "name", &["name"]).found.is_empty());
    }

    #[test]
    fn names_in_lower_case_with_particles_or_after_a_greeting() {
        let asked = |text, wanted, asked: &[&str]| answer(text, wanted, asked).found;
        assert_eq!(
            pairs(&asked("soy juan carlos de la fuente", "name", &["name"])),
            [("name", "juan carlos de la fuente")]
        );
        assert_eq!(
            pairs(&asked(
                "sure - brian kim, brian.kim@yahoo.com",
                "name,email",
                &["name", "email"]
            )),
            [("email", "brian.kim@yahoo.com"), ("name", "brian kim")]
        );
        assert_eq!(
            pairs(&asked("María José García López", "name", &["name"])),
            [("name", "María José García López")]
        );
        assert!(asked("later", "name,email", &["name", "email"]).is_empty());
        assert_eq!(
            pairs(&extract(
                "Buenas tardes, mi nombre es Ana del Río y necesito una cita"
            )),
            [("name", "Ana del Río")]
        );
        assert_eq!(
            pairs(&extract(
                "Hi! Marcus Webb. Do you guys service Honda generators?"
            )),
            [("name", "Marcus Webb")]
        );
        assert_eq!(
            pairs(&extract(
                "Hi, Nadia with Brightside Pediatrics. Do you install blinds?"
            )),
            [("company", "Brightside Pediatrics"), ("name", "Nadia")]
        );
        assert_eq!(
            pairs(&extract("hey, ray here. need a tow")),
            [("name", "ray")]
        );
        assert_eq!(
            pairs(&extract(
                "¿Tienen disponibilidad el sábado? Saludos, Ernesto Villalobos"
            )),
            [("name", "Ernesto Villalobos")]
        );
        assert_eq!(
            pairs(&extract("Michelle O'Neill 347 555 0102 call me back")),
            [("name", "Michelle O'Neill"), ("phone", "+13475550102")]
        );
        assert!(extract("Hi! Pricing?").is_empty());
        assert_eq!(
            pairs(&extract("Carlos Mendoza. Need a quote for a fence")),
            [("name", "Carlos Mendoza")]
        );
        assert!(extract("Happy Holidays! Are you open?").is_empty());
        assert_eq!(
            pairs(&extract("im dana from blue fin sushi")),
            [("company", "blue fin sushi"), ("name", "dana")]
        );
        assert_eq!(
            pairs(&extract("Soy Ana, de la Panadería Sol")),
            [("company", "Panadería Sol"), ("name", "Ana")]
        );
        assert_eq!(
            pairs(&extract("see you then, thanks! -Kate")),
            [("name", "Kate")]
        );
    }

    #[test]
    fn an_identifier_is_one_word_and_a_correction_replaces_it() {
        let wanted = fields("order_number");
        let labelled = rules().extract(
            "my order number is 7731-A and it came damaged",
            &wanted,
            &Clock::default(),
        );
        assert_eq!(labelled["order_number"], "7731-A");
        let known = BTreeMap::from([("order_number".to_string(), "55120".to_string())]);
        let corrected = rules().read(
            "sorry wrong one, it's 55210",
            &wanted,
            &[],
            &known,
            &Clock::default(),
        );
        assert_eq!(corrected.found["order_number"], "55210");
    }

    #[test]
    fn a_company_named_alone_answers_its_question() {
        let alone = |text| answer(text, "name,phone,company", &["company"]);
        assert_eq!(
            pairs(&alone("Park Dental, 415-555-0603").found),
            [("company", "Park Dental"), ("phone", "+14155550603")]
        );
        assert_eq!(
            pairs(&alone("Reformas Ortega S.L.").found),
            [("company", "Reformas Ortega S.L.")]
        );
        assert_eq!(
            pairs(&alone("Company: Blue Fin Sushi").found),
            [("company", "Blue Fin Sushi")]
        );
        assert!(alone("sorry, actually the other one").found.is_empty());
        assert_eq!(
            pairs(&alone("joe's pizza").found),
            [("company", "joe's pizza")]
        );
        assert!(alone("self employed").found.is_empty());
        // Asked with the name, a business's word says which one it answers.
        assert_eq!(
            pairs(&answer("Park Dental", "name,company", &["name", "company"]).found),
            [("company", "Park Dental")]
        );
        assert!(
            !answer("Blue Fin", "name,company", &["name", "company"])
                .found
                .contains_key("company"),
            "without one, not when the name was asked too"
        );
    }

    #[test]
    fn a_colour_asked_in_its_own_field_is_no_part_of_the_product() {
        let product = |wanted: &str| {
            answer("tienen la sudadera con capucha negra?", wanted, &[])
                .found
                .get("producto")
                .cloned()
        };
        assert_eq!(
            product("nombre:name,producto,color:choice(Negro|Blanco)").as_deref(),
            Some("sudadera con capucha")
        );
        assert_eq!(
            product("nombre:name,producto").as_deref(),
            Some("sudadera con capucha negra")
        );
        // Nor the field's name before the value.
        assert_eq!(
            answer("tengo EPS Sura", "nombre:name,eps", &[])
                .found
                .get("eps")
                .map(String::as_str),
            Some("Sura")
        );
    }

    #[test]
    fn a_business_sent_where_a_name_was_asked_is_the_company() {
        let to_name = |text| answer(text, "name,email,company", &["name", "email"]).found;
        assert_eq!(
            pairs(&to_name("Salt & Sage Yoga")),
            [("company", "Salt & Sage Yoga")]
        );
        assert_eq!(
            pairs(&to_name("Finch & Marlowe LLP")),
            [("company", "Finch & Marlowe LLP")]
        );
        assert_eq!(
            pairs(&to_name("Clínica Dental Sonrisa Feliz")),
            [("company", "Clínica Dental Sonrisa Feliz")]
        );
        assert_eq!(
            pairs(&to_name("Golden Hour Coffee Roasters")),
            [("company", "Golden Hour Coffee Roasters")]
        );
        assert_eq!(
            pairs(&to_name("Summit Ridge Credit")),
            [("company", "Summit Ridge Credit")]
        );
        // A person named first, then where they work.
        assert_eq!(
            pairs(&to_name("Roberto Salinas de Grupo Altamira")),
            [("company", "Grupo Altamira"), ("name", "Roberto Salinas")]
        );
        // Where no company is wanted, names joined by "&" are a couple's.
        assert_eq!(
            pairs(&answer("Priya & Dev Raman", "name,email", &["name", "email"]).found),
            [("name", "Priya & Dev Raman")]
        );
    }

    #[test]
    fn a_role_after_the_name_is_no_company() {
        let signed = answer(
            "Janelle Whitaker, HR Manager",
            "name,company,job_title",
            &["name"],
        );
        assert_eq!(
            pairs(&signed.found),
            [("job_title", "HR Manager"), ("name", "Janelle Whitaker")]
        );
    }

    #[test]
    fn an_email_split_by_a_space_or_missing_is_a_wrong_answer() {
        let spaced = answer(
            "Maya Ross, maya ross@example.com",
            "name,email",
            &["name", "email"],
        );
        assert_eq!(spaced.found.get("email"), None);
        assert_eq!(
            spaced.invalid.get("email"),
            Some(&Invalid::Email("maya ross@example.com".into()))
        );
        assert_eq!(
            pairs(&extract("Hi, this is Raj Patel (raj@patel.example)"))[0],
            ("email", "raj@patel.example")
        );
        assert_eq!(
            answer("just ken", "email", &["email"]).invalid.get("email"),
            Some(&Invalid::Email("just ken".into()))
        );
        assert!(
            answer("why do you ask?", "email", &["email"])
                .invalid
                .is_empty()
        );
        assert!(
            !answer("just ken", "email,when:date", &["email", "when"])
                .invalid
                .contains_key("email"),
            "with two questions it may answer the other"
        );
    }

    #[test]
    fn identifiers_after_a_hash_or_the_fields_own_word() {
        let order = |text, asked: &[&str]| answer(text, "order_number", asked).found;
        assert_eq!(
            order("where is my order? #A-20931", &[])["order_number"],
            "A-20931"
        );
        assert_eq!(
            order("hi my order 77120 never arrived", &[])["order_number"],
            "77120"
        );
        assert_eq!(
            order("it's 558201", &["order_number"])["order_number"],
            "558201"
        );
        assert!(order("my order never arrived", &[]).is_empty());
    }

    #[test]
    fn a_day_waits_for_its_time_in_a_later_message() {
        let clock = Clock::at(
            "2026-07-15T18:00:00Z".parse().unwrap(),
            jiff::tz::TimeZone::get("America/Chicago").unwrap(),
        );
        let wanted = fields("appointment:datetime");
        let day = rules().read("Friday", &wanted, &[], &BTreeMap::new(), &clock);
        assert!(day.found.is_empty());
        assert_eq!(day.partial["appointment"], "2026-07-17");
        let time = rules().read(
            "at 10",
            &wanted,
            &["appointment".into()],
            &day.partial,
            &clock,
        );
        assert_eq!(time.found["appointment"], "2026-07-17T10:00:00-05:00");
    }

    /// Found by the `extractors` fuzz target: a model that sends back a date and time in the form
    /// we store it ("2026-11-28T14:00:00+00:00") had it dropped as unreadable.
    #[test]
    fn values_in_their_stored_form_validate_as_themselves() {
        let clock = Clock::at(
            "2026-11-28T12:00:00Z".parse().unwrap(),
            jiff::tz::TimeZone::get("America/New_York").unwrap(),
        );
        let wanted = fields("when:date,at:time,appointment:datetime");
        let read = rules().read("Tuesday at 3pm", &wanted, &[], &BTreeMap::new(), &clock);
        assert_eq!(read.found.len(), 3, "{read:?}");
        for field in &wanted {
            let value = &read.found[field.as_str()];
            assert_eq!(
                rules().validate_field(field, value, &clock).as_ref(),
                Some(value),
                "{}",
                field.as_str()
            );
        }
        let appointment = &wanted[2];
        // Another offset is the same instant, written in the business's zone; the past is refused.
        assert_eq!(
            rules()
                .validate_field(appointment, "2026-12-01T20:00:00Z", &clock)
                .as_deref(),
            Some("2026-12-01T15:00:00-05:00")
        );
        assert_eq!(
            rules().validate_field(appointment, "2026-11-27T20:00:00Z", &clock),
            None
        );
    }

    /// Words the name, company and address readers look for, to make texts that reach them.
    const READER_WORDS: &[&str] = &[
        "Calle",
        "calle",
        "Av.",
        "12",
        "#5",
        "3ºB,",
        "entre",
        "y",
        "col.",
        "Apt",
        "St",
        "Oak",
        "Ana",
        "del",
        "de",
        "la",
        "Río",
        "soy",
        "I'm",
        "hi,",
        "Hola!",
        "here",
        "por",
        "aquí",
        "-Kate",
        "Saludos,",
        "with",
        "Acme",
        "from",
        "no,",
        "el",
        "9",
        "sorry",
        "55210",
        "at",
        "2",
        "works",
        "?",
        "ñ",
        "Ñandú",
        "é",
        "-",
        ",",
        ".",
        "joe's",
        "order",
        "#A-12",
        "dirección:",
        "Insurgentes",
        "Sur",
        "1234,",
        "CDMX",
        "NY",
        "10001",
        "manager",
    ];

    proptest::proptest! {
        #[test]
        fn readers_keep_their_promises_on_texts_made_of_their_words(
            picked in proptest::collection::vec(0..READER_WORDS.len(), 0..16),
            asked in 0usize..4,
        ) {
            let text: Vec<&str> = picked.iter().map(|&at| READER_WORDS[at]).collect();
            let text = text.join(" ");
            let wanted = fields("name,company,address,order_number,when:date,at:time");
            let asked: Vec<String> = ["name", "address", "order_number", "at"][..asked]
                .iter()
                .map(|field| field.to_string())
                .collect();
            let known = BTreeMap::from([("when".to_string(), "2026-12-08".to_string())]);
            let read = rules().read(&text, &wanted, &asked, &known, &Clock::default());
            for (field, value) in &read.found {
                proptest::prop_assert!(!read.invalid.contains_key(field));
                let spec = wanted.iter().find(|spec| spec.as_str() == field).unwrap();
                proptest::prop_assert!(
                    rules().validate_field(spec, value, &Clock::default()).is_some(),
                    "{field} = {value:?} from {text:?}"
                );
                // A name, company or address is read as written (dates and times are normalised).
                if !matches!(field.as_str(), "when" | "at") {
                    proptest::prop_assert!(value.split_whitespace().all(|word| text.contains(word)));
                }
            }
        }

        #[test]
        fn extraction_never_panics_and_phones_are_e164(text in "\\PC{0,200}") {
            let found = extract(&text);
            if let Some(phone) = found.get("phone") {
                proptest::prop_assert!(smsflow_core::sms::is_e164(phone));
            }
            if let Some(email) = found.get("email") {
                proptest::prop_assert!(is_email(email));
            }
            let all = answer(&text, "name,email,phone,company,when:datetime,n:number,address", &["n", "when"]);
            for (field, _) in all.invalid {
                proptest::prop_assert!(!all.found.contains_key(&field));
            }
        }
    }

    /// The fields after each turn of a conversation, as the agent reads them: each turn asks
    /// for the first two fields still missing.
    fn conversation(turns: &[&str], wanted: &str) -> BTreeMap<String, String> {
        let wanted = fields(wanted);
        let mut known: BTreeMap<String, String> = BTreeMap::new();
        let mut asked: Vec<String> = Vec::new();
        for turn in turns {
            let read = rules().read(turn, &wanted, &asked, &known, &Clock::default());
            known.extend(read.found);
            asked = wanted
                .iter()
                .filter(|field| !known.contains_key(field.as_str()))
                .take(2)
                .map(|field| field.as_str().to_string())
                .collect();
        }
        known
    }

    #[test]
    fn a_count_known_stays_when_its_people_are_listed() {
        let wanted = "nombre:name,email:email,personas:number";
        let found = conversation(
            &[
                "tienen cabaña para 5 del 12 de junio al 16 de junio?",
                "3 adultos y 2 chicos",
            ],
            wanted,
        );
        assert_eq!(found.get("personas").map(String::as_str), Some("5"));
    }

    #[test]
    fn a_request_in_the_texters_own_words_is_kept_whole() {
        for (wanted, said) in [
            (
                "special_requests:text",
                "it's my mum's 70th, could you bring a candle out with pudding?",
            ),
            (
                "peticiones:text",
                "es nuestro aniversario, si pueden decorar la habitación se los agradecería",
            ),
        ] {
            let found = conversation(&["hi", said], wanted);
            let name = wanted.split(':').next().unwrap();
            assert_eq!(found.get(name).map(String::as_str), Some(said), "{said}");
        }
    }

    #[test]
    fn a_cake_keeps_the_word_that_heads_it() {
        let found = conversation(
            &["hola quiero encargar un pastel de chocolate con fresas"],
            "pastel:text",
        );
        assert_eq!(
            found.get("pastel").map(String::as_str),
            Some("pastel de chocolate con fresas")
        );
    }

    #[test]
    fn a_vague_day_answers_the_day_never_the_problem() {
        let wanted = "problem:text,name:name,phone:phone,preferred_date:date";
        for vague in [
            "any day this week is fine honestly",
            "whenever someone can get out to us tbh",
            "cuando puedan, es urgente",
            "honestly any day next week is fine",
        ] {
            let found = conversation(
                &[
                    "hey my furnace is making a loud banging noise when it kicks on",
                    "Tom Reyes 312 555 0188",
                    vague,
                ],
                wanted,
            );
            assert_eq!(
                found.get("problem").map(String::as_str),
                Some("my furnace is making a loud banging noise when it kicks on"),
                "{vague}"
            );
        }
    }

    #[test]
    fn nights_and_dependents_said_by_days_and_people() {
        let found = conversation(
            &["hola! tienen disponibilidad del 20 al 24 de diciembre?"],
            "noches:number,nombre:name",
        );
        assert_eq!(found.get("noches").map(String::as_str), Some("4"));
        let said = conversation(&["check in el 2 de enero, 3 nights"], "noches:number");
        assert_eq!(said.get("noches").map(String::as_str), Some("3"));
        let family = conversation(
            &["tengo 34, y quiero incluir a mi esposa y mis dos hijos"],
            "dependientes:number",
        );
        assert_eq!(family.get("dependientes").map(String::as_str), Some("3"));
        let moved = conversation(
            &["friday", "two nights", "wait saturday not friday"],
            "checkin_date:date,nights:number",
        );
        assert_eq!(moved.get("nights").map(String::as_str), Some("2"));
    }

    #[test]
    fn a_count_corrected_as_someone_joins_is_not_the_hour() {
        let wanted = "party_size:number,date:date,time:time,name:name";
        for (turns, size) in [
            (
                &[
                    "hi can i get a table for 4 saturday 7",
                    "wait make it 5, her sister is coming",
                ],
                "5",
            ),
            (
                &[
                    "table for six tomorrow at 7.30pm",
                    "make that 8, her sister's joining",
                ],
                "8",
            ),
        ] {
            let found = conversation(turns, wanted);
            assert_eq!(
                found.get("party_size").map(String::as_str),
                Some(size),
                "{turns:?}"
            );
            assert_ne!(
                found.get("time").map(String::as_str),
                Some("17:00"),
                "{turns:?}"
            );
        }
        // Without anyone joining, "make it 9" still changes the hour, in the evening it
        // corrects (as test6, test15 and test19's writers read "8pm ... actually 8:30").
        let later = conversation(&["table for 4 saturday at 7", "make it 9"], wanted);
        assert_eq!(later.get("time").map(String::as_str), Some("21:00"));
        assert_eq!(later.get("party_size").map(String::as_str), Some("4"));
    }

    #[test]
    fn free_text_is_the_answer_the_texter_gave() {
        // The first message says why they text; a later description replaces it.
        let issue = conversation(
            &[
                "the dishwasher is leaking",
                "Ray Kowalczyk",
                "leaking under the cabinet, puddle every time it runs",
            ],
            "name,phone:phone,issue",
        );
        assert_eq!(
            pairs(&issue),
            [
                (
                    "issue",
                    "leaking under the cabinet, puddle every time it runs"
                ),
                ("name", "Ray Kowalczyk")
            ]
        );
        // A later message that answers another question keeps it: what a thing is, when or
        // how soon, the visit, a name in capitals, a word beside a number.
        for later in [
            "es una Silverado 2019 gris",
            "tiene año y medio, es pastor alemán",
            "sometime next week works",
            "oops, any day the week after that then",
            "urge la verdad",
            "i'll be waiting outside the building",
            "you can go in if i'm not home",
            "Halden & Co Solicitors",
            "for 7",
        ] {
            let kept = conversation(
                &["the dishwasher is leaking", "Ray Kowalczyk", later],
                "name,phone:phone,issue",
            );
            assert_eq!(
                kept.get("issue").map(String::as_str),
                Some("the dishwasher is leaking"),
                "{later}"
            );
        }
        // Nor does a day that does not exist, where a day is wanted.
        let kept = conversation(
            &[
                "the dishwasher is leaking",
                "Ray Kowalczyk",
                "april 31 if that works",
            ],
            "name,visit:date,issue",
        );
        assert_eq!(
            kept.get("issue").map(String::as_str),
            Some("the dishwasher is leaking")
        );
        // The one free-text field still missing takes a message that gave nothing else.
        let insurance = conversation(
            &["Felicia Grant", "Aetna", "ok thanks"],
            "name,dob:date,insurance",
        );
        assert_eq!(
            insurance.get("insurance").map(String::as_str),
            Some("Aetna")
        );
        // A refusal or a name is no answer.
        let none = conversation(&["no sé", "Dolores Fitch"], "name,motivo:text");
        assert!(!none.contains_key("motivo"), "{none:?}");
        // Nor a message longer than a text field holds (found by fuzzing: it failed its own
        // validation, so it could not have been stored).
        // The words that say "this is it" are no part of the value.
        for (said, field, value) in [
            ("es un Lenovo IdeaPad 5", "dispositivo", "Lenovo IdeaPad 5"),
            (
                "it's a 2019 MacBook Pro 13 inch",
                "device",
                "2019 MacBook Pro 13 inch",
            ),
            (
                "es por el cumple de mi esposa",
                "ocasion",
                "cumple de mi esposa",
            ),
            (
                "es una Venzo Raptor rodado 29",
                "bici",
                "Venzo Raptor rodado 29",
            ),
            (
                "soy diseñadora gráfica freelance",
                "actividad",
                "diseñadora gráfica freelance",
            ),
            (
                "staying at the Hilton Hawaiian Village",
                "hotel",
                "Hilton Hawaiian Village",
            ),
            ("vivo en La Florida", "comuna", "La Florida"),
            (
                "estamos en el Hotel Riu Caribe",
                "hotel",
                "Hotel Riu Caribe",
            ),
        ] {
            let found = conversation(&["Ana Ruiz", said], &format!("name,{field}"));
            assert_eq!(found.get(field).map(String::as_str), Some(value), "{said}");
        }
        // What to write on a card, without the words that ask for it.
        for said in [
            "que diga: Con cariño, familia Torres",
            "have it say \"Con cariño, familia Torres\"",
        ] {
            let found = conversation(&["Ana Ruiz", said], "name,mensaje");
            assert_eq!(
                found.get("mensaje").map(String::as_str),
                Some("Con cariño, familia Torres"),
                "{said}"
            );
        }
        // Asked with another field, the same.
        let device = answer(
            "it's an HP Pavilion 15",
            "device,date:date",
            &["device", "date"],
        );
        assert_eq!(
            device.found.get("device").map(String::as_str),
            Some("HP Pavilion 15")
        );
        let long = format!("Due {}", "x".repeat(120));
        let too_long = conversation(&["Ray Kowalczyk", &long], "name,notes");
        assert!(!too_long.contains_key("notes"), "{too_long:?}");
    }

    /// A laboratory's test asked about in the first message, named before the question about it.
    #[test]
    fn a_test_asked_about_is_named_before_the_question() {
        for (said, value) in [
            (
                "buenos días, hacen química sanguínea de 24 elementos? y cuánto cuesta",
                "química sanguínea de 24 elementos",
            ),
            (
                "buenos días, para química sanguínea de 6 elementos, ¿necesito cita?",
                "química sanguínea de 6 elementos",
            ),
        ] {
            let found = answer(said, "nombre:name,estudio,fecha:date", &[]).found;
            assert_eq!(
                found.get("estudio").map(String::as_str),
                Some(value),
                "{said}"
            );
        }
    }

    /// A home's number, a translation's document and languages, read by what the field's name
    /// says it holds, also where the field is named like an identifier.
    #[test]
    fn a_home_number_and_a_translation_are_read_by_the_fields_name() {
        let unit = answer(
            "hey its unit 4B, the kitchen sink is backing up",
            "name,unit_number,issue",
            &[],
        )
        .found;
        assert_eq!(unit.get("unit_number").map(String::as_str), Some("4B"));
        let translation = answer(
            "hola necesito traducir mi diploma al inglés",
            "nombre:name,documento,idioma_destino,paginas:number",
            &[],
        )
        .found;
        assert_eq!(
            pairs(&translation),
            [("documento", "diploma"), ("idioma_destino", "inglés")]
        );
        // A postcode as written, beside an address or a name, or after "CP".
        for (said, wanted, value) in [
            (
                "Flat 3, 19 Coldharbour Lane SE5 9NR",
                "name,postcode,address:address",
                "SE5 9NR",
            ),
            (
                "Ian Whitfield, SE15 4QN",
                "name,postcode,problem",
                "SE15 4QN",
            ),
            ("Daniel Fuertes, CP 28039", "nombre:name,cp", "28039"),
            (
                "Daniel Fuertes, CP 28039",
                "nombre:name,codigo_postal",
                "28039",
            ),
        ] {
            let field = wanted.split(',').nth(1).unwrap();
            let found = answer(said, wanted, &[]).found;
            assert_eq!(found.get(field).map(String::as_str), Some(value), "{said}");
        }
        let fault = answer(
            "boiler's showing an F28 fault",
            "name,postcode,problem",
            &[],
        )
        .found;
        assert!(!fault.contains_key("postcode"), "{fault:?}");
    }

    /// A name kept from an answer that may have been to another question (one word, or words in
    /// lower case) gives way to the whole name the texter signs with later; a whole name stays.
    #[test]
    fn a_whole_name_signed_later_replaces_a_guessed_one() {
        let signed = |turns: &[&str], wanted: &str| conversation(turns, wanted);
        let lavadora = signed(
            &[
                "la lavadora no centrifuga",
                "es LG",
                "Marcela Tapia marcela@gmail.com",
            ],
            "nombre:name,correo:email,problema",
        );
        assert_eq!(lavadora["nombre"], "Marcela Tapia");
        let quickbooks = signed(
            &[
                "our invoices stopped syncing",
                "Lantus",
                "Olga Batista 305-555-0186",
            ],
            "name,phone:phone,issue",
        );
        assert_eq!(quickbooks["name"], "Olga Batista");
        // A couple signed by their given names is a guess too.
        let couple = signed(
            &[
                "Claudia y Marcos, claudia.marcos.boda@gmail.com",
                "Claudia Ferrer, por cierto, 620 55 43 21",
            ],
            "nombre:name,correo:email,telefono:phone",
        );
        assert_eq!(couple["nombre"], "Claudia Ferrer");
        let kept = signed(
            &["Dana Smith", "Carla Ruiz carla@gmail.com"],
            "name,email:email",
        );
        assert_eq!(kept["name"], "Dana Smith");
    }

    #[test]
    fn a_given_name_alone_is_the_texters_unless_someone_elses_is_wanted() {
        let alone = conversation(&["Alejandra", "el lunes 16"], "nombre:name,fecha:date");
        assert_eq!(alone.get("nombre").map(String::as_str), Some("Alejandra"));
        let pet = conversation(
            &["full groom for my doodle", "Biscuit", "Marcy Lane"],
            "name,pet_name:name",
        );
        assert_eq!(pet.get("pet_name").map(String::as_str), Some("Biscuit"));
        assert_eq!(pet.get("name").map(String::as_str), Some("Marcy Lane"));
        // A month, a time of day or a choice offered is no name.
        let dated = conversation(&["Dec 12", "yesterday around noon"], "name,when:date");
        assert!(!dated.contains_key("name"), "{dated:?}");
    }

    #[test]
    fn a_name_the_contact_details_follow_is_surer_than_a_lower_case_word() {
        let booked = conversation(
            &[
                "booking the small room for a workshop",
                "ok exactly 12. monday 9am. Lena Fischer lena@fischerdesign.studio",
            ],
            "name,email,date:date,attendees:number",
        );
        assert_eq!(booked.get("name").map(String::as_str), Some("Lena Fischer"));
        let mesa = conversation(
            &[
                "mesa para 4 mañana",
                "ya, somos siete. Norma Juárez 55 6677 8899",
            ],
            "nombre:name,telefono:phone,personas:number",
        );
        assert_eq!(mesa.get("nombre").map(String::as_str), Some("Norma Juárez"));
    }

    #[test]
    fn uk_mobiles_kept_for_fiction_are_read() {
        let gb = Extractors::new("GB").unwrap();
        let clock = Clock::default();
        let phone = |text: &str| gb.extract(text, &fields("phone"), &clock).remove("phone");
        assert_eq!(phone("07700 900461").as_deref(), Some("+447700900461"));
        assert_eq!(phone("+44 7700 900123").as_deref(), Some("+447700900123"));
        assert_eq!(phone("07911 123456").as_deref(), Some("+447911123456"));
        // Still too few digits.
        assert_eq!(phone("07700 9004"), None);
    }

    #[test]
    fn a_couple_signs_as_one_and_an_email_follows_a_filler_word() {
        let name = |text: &str| {
            conversation(
                &["we'd like a tasting next tuesday", text],
                "name,email,date:date",
            )
            .remove("name")
        };
        assert_eq!(
            name("Priya & Dev Raman, priyadev@gmail.com").as_deref(),
            Some("Priya & Dev Raman")
        );
        assert_eq!(
            name("Juli y Nico Ferraro").as_deref(),
            Some("Juli y Nico Ferraro")
        );
        // A name that goes on into a sentence is one person.
        assert_eq!(
            name("I'm Ana and Luis is my husband").as_deref(),
            Some("Ana")
        );
        let email = |text: &str| extract(text).remove("email");
        assert_eq!(
            email("lol sorry it's under h.brooks@fastmail.com").as_deref(),
            Some("h.brooks@fastmail.com")
        );
        assert_eq!(
            email("ugh tnguyen@gmail.com").as_deref(),
            Some("tnguyen@gmail.com")
        );
        // A name part split by a space is still a broken address.
        assert_eq!(email("diego herrera@gmail.com"), None);
        assert_eq!(
            extract("lol sorry it's under h.brooks@fastmail.com").get("name"),
            None
        );
    }

    #[test]
    fn a_day_a_problem_started_is_no_visit_and_alarms_are_no_description() {
        let visit = conversation(
            &[
                "can I come in to see the doctor",
                "rash on my arm since monday",
            ],
            "reason,appointment_date:date",
        );
        assert_eq!(visit.get("appointment_date"), None, "{visit:?}");
        assert_eq!(
            visit.get("reason").map(String::as_str),
            Some("rash on my arm since monday")
        );
        let cita = conversation(
            &["dolor de muelas desde el martes, ¿tienen hueco el viernes?"],
            "motivo,fecha:date",
        );
        let friday = cita
            .get("fecha")
            .and_then(|day| day.parse::<jiff::civil::Date>().ok())
            .map(|day| day.weekday());
        assert_eq!(friday, Some(jiff::civil::Weekday::Friday), "{cita:?}");
        // A past day's field takes it.
        let incident = conversation(
            &["cant log in since last thursday"],
            "issue,incident_date:date",
        );
        assert!(incident.contains_key("incident_date"), "{incident:?}");
        let issue = |text: &str| conversation(&[text], "name,phone:phone,issue").remove("issue");
        assert_eq!(
            issue("URGENT the garage door wont close").as_deref(),
            Some("the garage door wont close")
        );
        assert_eq!(
            issue("pipe burst in the basement!! water everywhere").as_deref(),
            Some("pipe burst in the basement")
        );
        assert_eq!(
            issue("urgente!! se me ha partido la llave dentro de la cerradura").as_deref(),
            Some("se me ha partido la llave dentro de la cerradura")
        );
        assert_eq!(
            issue("water heater is leaking all over the basement floor, HELP").as_deref(),
            Some("water heater is leaking all over the basement floor")
        );
        assert_eq!(
            issue("perdon la hora!! se rompió un caño debajo de la pileta").as_deref(),
            Some("se rompió un caño debajo de la pileta")
        );
        // An "!" inside a longer description is part of it.
        assert_eq!(
            issue("the AC died! it's 95 degrees in here and the baby can't sleep").as_deref(),
            Some("the AC died! it's 95 degrees in here and the baby can't sleep")
        );
        // "earliest is fine" answers when, not a free-text question.
        let later = conversation(
            &[
                "Felicia Grant",
                "sore throat and fever since saturday",
                "earliest is fine",
            ],
            "name,symptoms,appointment_date:date,insurance,dob:date",
        );
        assert_eq!(later.get("insurance"), None, "{later:?}");
        assert_eq!(later.get("dob"), None, "{later:?}");
    }

    #[test]
    fn a_count_after_we_are_is_no_company() {
        for (said, wanted, asked) in [
            (
                "somos unos 220 empleados",
                "nombre:name,empresa,empleados:number",
                ["empleados", "empresa"],
            ),
            (
                "we're about 40 people",
                "name,company,employees:number",
                ["employees", "company"],
            ),
        ] {
            let read = answer(said, wanted, &asked);
            assert!(
                !read.found.contains_key("empresa") && !read.found.contains_key("company"),
                "{said}: {read:?}"
            );
        }
        let named = answer("somos Inversiones Duarte", "empresa", &["empresa"]);
        assert_eq!(
            named.found.get("empresa").map(String::as_str),
            Some("Inversiones Duarte")
        );
    }

    #[test]
    fn who_serves_the_texter_after_with() {
        for (said, field, name) in [
            (
                "hiii can i get a blowout with Jess on friday",
                "stylist",
                "Jess",
            ),
            (
                "yo u got anything today w/ Dre? cut n beard",
                "barber",
                "Dre",
            ),
        ] {
            let read = answer(said, &format!("{field}:name"), &[]);
            assert_eq!(
                read.found.get(field).map(String::as_str),
                Some(name),
                "{said}"
            );
        }
        let read = answer("with Friday off I can come", "stylist:name", &[]);
        assert!(!read.found.contains_key("stylist"), "{read:?}");
    }

    #[test]
    fn a_pets_name_in_lower_case_after_its_animal() {
        for (said, field, name) in [
            (
                "hi my dog rufus has been limping since friday",
                "pet_name",
                "rufus",
            ),
            (
                "hola mi gata luna no quiere comer hace 2 días",
                "nombre_mascota",
                "luna",
            ),
        ] {
            let read = answer(said, &format!("{field}:name"), &[]);
            assert_eq!(
                read.found.get(field).map(String::as_str),
                Some(name),
                "{said}"
            );
        }
        let read = answer("my dog keeps limping", "pet_name:name", &[]);
        assert!(!read.found.contains_key("pet_name"), "{read:?}");
    }

    #[test]
    fn a_message_signed_from_someone_names_the_texter() {
        for (said, name) in [
            ("from Kayla Pearson", Some("Kayla Pearson")),
            ("from Emma", Some("Emma")),
            ("de parte de Lucía Gómez", Some("Lucía Gómez")),
            // The contact details after the name are not part of it.
            ("from Derek Simms 615-555-0140", Some("Derek Simms")),
            ("from San Diego", None),
            ("from the office", None),
        ] {
            assert_eq!(signed_from(said).as_deref(), name, "{said}");
        }
    }

    #[test]
    fn a_name_as_its_own_sentence_beside_an_address() {
        for (said, name, address) in [
            (
                "it's 8830 W Quincy Ave, Littleton. Hollis Grange",
                "Hollis Grange",
                "8830 W Quincy Ave, Littleton",
            ),
            (
                "Calle Padre Mier 2210, Col. Mitras Centro. Lupita Garza",
                "Lupita Garza",
                "Calle Padre Mier 2210, Col. Mitras Centro",
            ),
            (
                "tile roof. Marco Bellini, 9050 W Sahara Ave",
                "Marco Bellini",
                "9050 W Sahara Ave",
            ),
        ] {
            let read = answer(said, "name,address", &[]);
            assert_eq!(
                read.found.get("name").map(String::as_str),
                Some(name),
                "{said}"
            );
            assert_eq!(
                read.found.get("address").map(String::as_str),
                Some(address),
                "{said}"
            );
        }
    }

    #[test]
    fn a_place_that_opens_an_address_is_no_persons_name() {
        for said in [
            "Colonia Pitic, calle Reforma 88",
            "Rio Nazas 310, Col. del Valle, San Pedro",
        ] {
            let read = answer(said, "nombre:name,direccion:address", &[]);
            assert!(!read.found.contains_key("nombre"), "{said}: {read:?}");
        }
    }

    #[test]
    fn a_colour_or_a_business_is_no_persons_name() {
        for said in ["Teal", "green", "Verde", "negro"] {
            let read = answer(said, "name,size", &["name", "size"]);
            assert!(!read.found.contains_key("name"), "{said}: {read:?}");
        }
        let rosa = answer("Rosa", "nombre:name,talla", &["nombre", "talla"]);
        assert_eq!(rosa.found.get("nombre").map(String::as_str), Some("Rosa"));
        for (said, business) in [
            ("Lakeview Inn", "Lakeview Inn"),
            ("Hotel Las Palmas", "Hotel Las Palmas"),
            ("Greenpoint Bicycle Works", "Greenpoint Bicycle Works"),
            ("Bodegas Hermanos Sáenz", "Bodegas Hermanos Sáenz"),
        ] {
            let read = answer(
                said,
                "company,contact_name:name",
                &["company", "contact_name"],
            );
            assert!(!read.found.contains_key("contact_name"), "{said}: {read:?}");
            assert_eq!(
                read.found.get("company").map(String::as_str),
                Some(business)
            );
        }
    }

    #[test]
    fn an_address_after_pick_me_up_at() {
        for (said, address) in [
            (
                "pick me up at 2150 W Broadway, Vancouver",
                "2150 W Broadway, Vancouver",
            ),
            ("recógeme en Los Aromos 245, Pilar", "Los Aromos 245, Pilar"),
        ] {
            let read = answer(
                said,
                "pickup_address:address,name",
                &["pickup_address", "name"],
            );
            assert_eq!(
                read.found.get("pickup_address").map(String::as_str),
                Some(address),
                "{said}"
            );
            assert!(!read.found.contains_key("name"), "{said}: {read:?}");
        }
    }

    #[test]
    fn free_text_is_no_answer_that_names_another_field_asked() {
        for (said, wanted, asked) in [
            (
                "budget hasta 650k",
                "property,budget:number",
                ["property", "budget"],
            ),
            (
                "June 31 pickup",
                "cake_flavor,pickup:date",
                ["cake_flavor", "pickup"],
            ),
            (
                "la recogida el 31 de junio",
                "sabor,recogida:date",
                ["sabor", "recogida"],
            ),
        ] {
            let read = answer(said, wanted, &asked);
            assert!(!read.found.contains_key(asked[0]), "{said}: {read:?}");
        }
        let flavor = answer(
            "lemon raspberry",
            "cake_flavor,pickup:date",
            &["cake_flavor", "pickup"],
        );
        assert_eq!(
            flavor.found.get("cake_flavor").map(String::as_str),
            Some("lemon raspberry")
        );
    }

    #[test]
    fn an_answer_loses_the_fields_own_word_before_it() {
        for (said, field, value) in [
            ("relleno de nata", "relleno", "nata"),
            ("la sede de Belgrano", "sede", "Belgrano"),
            ("the flavor is lemon raspberry", "flavor", "lemon raspberry"),
            ("nata", "relleno", "nata"),
        ] {
            let found = conversation(&["Ana Ruiz", said], &format!("name,{field}"));
            assert_eq!(found.get(field).map(String::as_str), Some(value), "{said}");
        }
        // Asked with another field, after the words that place it.
        let relleno = answer(
            "relleno de nata",
            "relleno,recogida:date",
            &["relleno", "recogida"],
        );
        assert_eq!(
            relleno.found.get("relleno").map(String::as_str),
            Some("nata")
        );
        let sede = answer(
            "en la sede de Belgrano",
            "sede,fecha:date",
            &["sede", "fecha"],
        );
        assert_eq!(sede.found.get("sede").map(String::as_str), Some("Belgrano"));
    }

    #[test]
    fn an_identifier_is_no_part_of_an_address_or_a_phone_number() {
        for (said, wanted, asked) in [
            (
                "a la Calle 72 # 10-34, apto 301",
                "referencia,direccion:address",
                ["referencia", "direccion"],
            ),
            (
                "Priya Desai 415-555-0142",
                "order_number,name",
                ["order_number", "name"],
            ),
            (
                "55 4455 66",
                "pedido,telefono:phone",
                ["pedido", "telefono"],
            ),
        ] {
            let read = answer(said, wanted, &asked);
            assert!(!read.found.contains_key(asked[0]), "{said}: {read:?}");
        }
        let order = answer(
            "es el 88213",
            "pedido,telefono:phone",
            &["pedido", "telefono"],
        );
        assert_eq!(order.found.get("pedido").map(String::as_str), Some("88213"));
    }

    #[test]
    fn an_order_field_holds_what_was_ordered_when_no_number_names_it() {
        for (turns, value) in [
            (
                vec!["buenas, para un domicilio: 2 bandejas paisas y una limonada de coco"],
                "2 bandejas paisas y una limonada de coco",
            ),
            (
                vec!["me mandan 2 órdenes de tacos de suadero y una de pastor"],
                "2 órdenes de tacos de suadero y una de pastor",
            ),
            (
                vec![
                    "can I order for collection",
                    "2 chicken tikka masala, 1 lamb rogan josh, 3 garlic naan",
                ],
                "2 chicken tikka masala, 1 lamb rogan josh, 3 garlic naan",
            ),
        ] {
            let found = conversation(&turns, "pedido,hora:time,name");
            assert_eq!(
                found.get("pedido").map(String::as_str),
                Some(value),
                "{turns:?}"
            );
        }
        let numbered = conversation(&["mi pedido 45-889 no llegó"], "pedido,name");
        assert_eq!(numbered.get("pedido").map(String::as_str), Some("45-889"));
    }

    #[test]
    fn an_identifier_another_fields_word_names_is_that_fields() {
        let plate = conversation(
            &[
                "es un Chevrolet Onix 2022, placa KZL 482",
                "Juan Camilo Restrepo, cédula 1.144.087.622",
            ],
            "vehiculo,placa,nombre:name,cedula",
        );
        assert_eq!(plate.get("placa").map(String::as_str), Some("KZL 482"));
        assert_eq!(
            plate.get("cedula").map(String::as_str),
            Some("1.144.087.622")
        );
        let order = conversation(&["order 55120", "ticket 99812"], "order_number,ticket");
        assert_eq!(order.get("order_number").map(String::as_str), Some("55120"));
        assert_eq!(order.get("ticket").map(String::as_str), Some("99812"));
        // A field for what is said about a claim or a ticket holds no identifier.
        let claim = conversation(
            &["i need to file a claim, someone backed into my car in the walmart parking lot"],
            "name,date_of_loss:date,claim_description",
        );
        assert_eq!(
            claim.get("claim_description").map(String::as_str),
            Some("someone backed into my car in the walmart parking lot")
        );
        assert!(is_identifier("claim_number") && !is_identifier("ticket_subject"));
    }

    #[test]
    fn the_thing_that_opens_a_fault_with_its_article_fills_its_field_alone() {
        let wanted = "nombre,moto,servicio:choice(Eléctrico|Frenos|Embrague)";
        let found = conversation(&["la pulsar 200 no prende en las mañanas"], wanted);
        assert_eq!(found.get("moto").map(String::as_str), Some("pulsar 200"));
        // After "my" it may be a part of the thing.
        let found = conversation(
            &["need my winter tires put on, 2020 RAV4"],
            "name,vehicle,service:choice(Tires|Oil)",
        );
        assert_ne!(
            found.get("vehicle").map(String::as_str),
            Some("winter tires")
        );
    }

    #[test]
    fn a_problem_without_the_words_that_say_who_has_it() {
        for (said, field, value) in [
            (
                "tengo un esguince de tobillo",
                "lesion",
                "esguince de tobillo",
            ),
            (
                "my son has fiebre y dolor de oído",
                "sintomas",
                "fiebre y dolor de oído",
            ),
            ("post-op ACL rehab", "injury", "post-op ACL rehab"),
            // Words that say something else stay.
            (
                "tengo que dar parte de un siniestro",
                "descripcion",
                "tengo que dar parte de un siniestro",
            ),
            (
                "my son has had a cough for a week",
                "symptoms",
                "my son has had a cough for a week",
            ),
        ] {
            let found = conversation(&[said], &format!("{field},name"));
            assert_eq!(found.get(field).map(String::as_str), Some(value), "{said}");
        }
    }

    #[test]
    fn a_business_goes_on_after_y_or_ampersand() {
        for (said, company) in [
            (
                "Rodrigo Salinas, Salinas y Asociados, rodrigo@salinasyasociados.mx",
                "Salinas y Asociados",
            ),
            (
                "Ana Smith, Smith & Partners, ana@smithpartners.com",
                "Smith & Partners",
            ),
        ] {
            let read = answer(said, "name,email,company", &["name", "email"]);
            assert_eq!(
                read.found.get("company").map(String::as_str),
                Some(company),
                "{said}"
            );
        }
    }

    #[test]
    fn an_account_written_short_is_its_identifier() {
        let support = "name:name,email:email,account_id:text,issue:text";
        let acct = answer("acct 77-31904", support, &["name", "email"]);
        assert_eq!(
            acct.found.get("account_id").map(String::as_str),
            Some("77-31904")
        );
        let cuenta = answer("la cuenta es 55-10293", support, &["name", "email"]);
        assert_eq!(
            cuenta.found.get("account_id").map(String::as_str),
            Some("55-10293")
        );
    }

    #[test]
    fn an_identifier_after_its_word_is_no_phone_number() {
        // Digits that could be dialled, after the word that names them: the identifier's.
        for (said, wanted, field, value) in [
            (
                "guía MX7783410022",
                "nombre:name,numero_guia:text,problema:text",
                "numero_guia",
                "MX7783410022",
            ),
            (
                "nhs no 485 777 3456",
                "name:name,nhs_number:text,reason:text",
                "nhs_number",
                "485 777 3456",
            ),
            (
                "cc 1.020.445.887",
                "nombre:name,cedula:text,motivo:text",
                "cedula",
                "1.020.445.887",
            ),
            (
                "placa del carro: HKP 391",
                "nombre:name,placa:text,descripcion:text",
                "placa",
                "HKP 391",
            ),
        ] {
            let read = answer(said, wanted, &["nombre", "name"]);
            assert_eq!(
                read.found.get(field).map(String::as_str),
                Some(value),
                "{said}"
            );
            assert_eq!(
                read.found.get("nombre"),
                None,
                "{said}: the word before is no name"
            );
        }
        let claim = "policy_number:text,name:name,phone:phone";
        let phone = answer("my number 713.555.0105", claim, &["phone"]);
        assert_eq!(phone.found.get("policy_number"), None);
    }

    #[test]
    fn a_companys_del_and_business_words_keep_it_whole() {
        let company = |text: &str| {
            rules()
                .extract(text, &fields("empresa:text,company"), &Clock::default())
                .remove("empresa")
        };
        assert_eq!(
            company("trabajaba en Grupo Lácteo del Valle").as_deref(),
            Some("Grupo Lácteo del Valle")
        );
        assert_eq!(
            company("Kenji Watanabe, Sorrel Commerce").as_deref(),
            Some("Sorrel Commerce")
        );
        let found = extract("Raj Patel @ Kestrel Analytics");
        assert_eq!(found.get("name").map(String::as_str), Some("Raj Patel"));
        assert_eq!(
            found.get("company").map(String::as_str),
            Some("Kestrel Analytics")
        );
        assert_eq!(
            extract("Brian Kowalski with Acme Tools")
                .get("company")
                .map(String::as_str),
            Some("Acme Tools")
        );
    }

    #[test]
    fn what_the_texter_adds_after_a_value_is_no_part_of_it() {
        let read = |text: &str, field: &str| {
            rules()
                .extract(text, &fields(&format!("{field}:text")), &Clock::default())
                .remove(field)
        };
        assert_eq!(
            read("pool turned green over the weekend smh", "pool_problem").as_deref(),
            Some("pool turned green over the weekend")
        );
        // A note is kept in the texter's words.
        let found = answer(
            "uno es celíaco, tenedlo en cuenta porfa",
            "observaciones",
            &["observaciones"],
        )
        .found;
        assert_eq!(
            pairs(&found),
            [("observaciones", "uno es celíaco, tenedlo en cuenta porfa")]
        );
    }

    #[test]
    fn everyday_words_after_im_are_no_name() {
        for text in [
            "actually tuesday, im stuck at work monday",
            "honestly whatever day next week, im flexible",
            "cell 469 555 0104",
        ] {
            assert_eq!(extract(text).get("name"), None, "{text}");
        }
    }
}
