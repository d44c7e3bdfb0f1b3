//! Typed field values: reading dates, times, numbers, choices and addresses from a message,
//! telling a wrong answer from no answer (so it can be asked again, saying what was wrong), and
//! corrections ("actually use x@y.com", "perdón, mi correo es ...").

pub mod dates;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use smsflow_core::FieldType;

/// Why a value was refused; told to the person when the field is asked for again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// An email address without a dotted domain ("dana@gmail").
    EmailDomain,
    Email,
    /// Digits that are not a whole phone number.
    Phone,
    Date,
    Time,
    /// A day without a time, where both are needed.
    NeedTime,
    /// A day that has passed.
    Past,
    Number,
    Choice(Vec<String>),
    /// No street number.
    Address,
    /// Empty, or too long for a field.
    Text,
}

impl Invalid {
    /// What was wrong, in the person's language (`es` for Spanish; English otherwise).
    pub fn explain(&self, language: &str) -> String {
        let spanish = language.starts_with("es");
        match (self, spanish) {
            (Invalid::EmailDomain, false) => {
                "That email address seems to be missing its ending (like name@example.com).".into()
            }
            (Invalid::EmailDomain, true) => {
                "A ese correo le falta la terminación (como nombre@ejemplo.com).".into()
            }
            (Invalid::Email, false) => {
                "That doesn't look like an email address (like name@example.com).".into()
            }
            (Invalid::Email, true) => {
                "Eso no parece un correo electrónico (como nombre@ejemplo.com).".into()
            }
            (Invalid::Phone, false) => {
                "That phone number seems incomplete: please include the area code.".into()
            }
            (Invalid::Phone, true) => {
                "Ese número parece incompleto: incluya el código de área, por favor.".into()
            }
            (Invalid::Date, false) => {
                "I couldn't tell which day you mean (for example \"Tuesday\" or \"March 5\")."
                    .into()
            }
            (Invalid::Date, true) => {
                "No entendí qué día (por ejemplo \"el martes\" o \"5 de marzo\").".into()
            }
            (Invalid::Time, false) => {
                "I couldn't tell what time you mean (for example \"3pm\").".into()
            }
            (Invalid::Time, true) => {
                "No entendí a qué hora (por ejemplo \"a las 3 de la tarde\").".into()
            }
            (Invalid::NeedTime, false) => "Got the day; what time suits you?".into(),
            (Invalid::NeedTime, true) => "Anotado el día; ¿a qué hora le viene bien?".into(),
            (Invalid::Past, false) => "That date has already passed.".into(),
            (Invalid::Past, true) => "Esa fecha ya pasó.".into(),
            (Invalid::Number, false) => "Please answer with a number.".into(),
            (Invalid::Number, true) => "Responda con un número, por favor.".into(),
            (Invalid::Choice(choices), false) => {
                format!("Please pick one of: {}.", choices.join(", "))
            }
            (Invalid::Choice(choices), true) => {
                format!("Elija una opción: {}.", choices.join(", "))
            }
            (Invalid::Address, false) => "Please include the street number in the address.".into(),
            (Invalid::Address, true) => {
                "Incluya el número de la calle en la dirección, por favor.".into()
            }
            (Invalid::Text, false) => "Please answer in a few words.".into(),
            (Invalid::Text, true) => "Responda en pocas palabras, por favor.".into(),
        }
    }
}

/// The business's clock: relative days ("tomorrow", "el martes") are read from its date.
#[derive(Debug, Clone)]
pub struct Clock {
    pub now: DateTime,
    pub zone: TimeZone,
}

impl Clock {
    pub fn at(timestamp: jiff::Timestamp, zone: TimeZone) -> Clock {
        Clock {
            now: timestamp.to_zoned(zone.clone()).datetime(),
            zone,
        }
    }

    pub fn today(&self) -> Date {
        self.now.date()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::at(jiff::Timestamp::now(), TimeZone::UTC)
    }
}

/// Lower case without accents ("Mañana" -> "manana"), for matching words in either language.
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'ä' | 'â' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            '\u{2019}' => '\'',
            other => other,
        })
        .collect()
}

/// Words that say the message corrects an earlier answer: the value named last is the new one.
const CORRECTION_CUES: &[&str] = &[
    "actually",
    "sorry",
    "i meant",
    "correction",
    "wait",
    "instead",
    "not ",
    "wrong",
    "typo",
    "change",
    "update",
    "perdon",
    "perdona",
    "disculpa",
    "disculpe",
    "en realidad",
    "mejor",
    "quise decir",
    "corrijo",
    "correccion",
    "no es",
    "cambia",
    "me equivoque",
];

/// Whether `text` corrects an earlier answer ("actually use ...", "perdón, es ...").
pub fn is_correction(text: &str) -> bool {
    let folded = fold(text);
    CORRECTION_CUES.iter().any(|cue| {
        folded.match_indices(cue).any(|(at, _)| {
            folded[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
        })
    })
}

/// How to read a day or time for one field.
#[derive(Debug, Clone, Copy)]
pub struct WhenRules {
    pub order: dates::Order,
    /// The message corrects an earlier answer: the value named last counts.
    pub correcting: bool,
    /// The field was asked for: saying nothing readable is a wrong answer.
    pub asked: bool,
    /// A day in the past is fine (a birthday).
    pub past_allowed: bool,
    /// The day already known for this field: "make it 9" changes only the time.
    pub known_date: Option<Date>,
}

/// A date, time or both for a field of `kind`, normalised (`2026-12-01`, `15:00`,
/// `2026-12-01T15:00:00-05:00`), or why what was written does not do.
pub fn when_value(
    kind: FieldType,
    text: &str,
    clock: &Clock,
    rules: &WhenRules,
) -> Option<Result<String, Invalid>> {
    let WhenRules {
        order,
        correcting,
        asked,
        past_allowed,
        known_date,
    } = *rules;
    let found = dates::read(text, clock.today(), order, correcting);
    let past = |date: Date| !past_allowed && date < clock.today();
    match kind {
        FieldType::Date => match found.date {
            Some(date) if past(date) => Some(Err(Invalid::Past)),
            Some(date) => Some(Ok(date.to_string())),
            None => asked.then_some(Err(Invalid::Date)),
        },
        FieldType::Time => match found.time {
            Some(time) => Some(Ok(time.strftime("%H:%M").to_string())),
            None => asked.then_some(Err(Invalid::Time)),
        },
        _ => {
            let date = match (found.date, found.time) {
                (Some(date), Some(_)) => date,
                (None, Some(_)) if known_date.is_some() => known_date?,
                // A time alone: the next such time (today, or tomorrow if it has passed).
                (None, Some(time)) if clock.today().to_datetime(time) > clock.now => clock.today(),
                (None, Some(_)) => clock.today().tomorrow().ok()?,
                (Some(_), None) => return asked.then_some(Err(Invalid::NeedTime)),
                (None, None) => return asked.then_some(Err(Invalid::Date)),
            };
            let at = date.to_datetime(found.time.expect("a time was found"));
            if at < clock.now {
                return Some(Err(Invalid::Past));
            }
            let zoned = at.to_zoned(clock.zone.clone()).ok()?;
            Some(Ok(zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()))
        }
    }
}

/// Small numbers people write as words.
const NUMBER_WORDS: &[(&str, u32)] = &[
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("twenty", 20),
    ("uno", 1),
    ("una", 1),
    ("dos", 2),
    ("tres", 3),
    ("cuatro", 4),
    ("cinco", 5),
    ("seis", 6),
    ("siete", 7),
    ("ocho", 8),
    ("nueve", 9),
    ("diez", 10),
    ("once", 11),
    ("doce", 12),
    ("veinte", 20),
];

/// Words that multiply the number before them ("2 millones", "3 mil", "1.5 million").
const MULTIPLIERS: &[(&str, f64)] = &[
    ("thousand", 1e3),
    ("mil", 1e3),
    ("million", 1e6),
    ("millions", 1e6),
    ("millon", 1e6),
    ("millones", 1e6),
];

/// The first number in `text` ("$2,500", "1.200 euros", "85,5", "2.5k", "2 millones", "six",
/// "dos"), as a plain decimal string.
pub fn number(text: &str) -> Option<String> {
    let folded = fold(text);
    let tokens: Vec<&str> = folded
        .split_whitespace()
        .map(|raw| {
            raw.trim_matches(|c: char| {
                !c.is_alphanumeric() && !matches!(c, '.' | ',' | '$' | '€' | '£')
            })
        })
        .map(|raw| raw.trim_end_matches(['.', ',']))
        .collect();
    for (i, token) in tokens.iter().enumerate() {
        let value = match NUMBER_WORDS.iter().find(|(word, _)| word == token) {
            Some((_, n)) => f64::from(*n),
            None => match decimal(token.trim_start_matches(['$', '€', '£'])) {
                Some(value) => value,
                None => continue,
            },
        };
        let multiplier = tokens
            .get(i + 1)
            .and_then(|next| MULTIPLIERS.iter().find(|(word, _)| word == next))
            .map_or(1.0, |(_, m)| *m);
        let value = value * multiplier;
        return Some(if value.fract() == 0.0 && value.abs() < 1e15 {
            format!("{}", value as i64)
        } else {
            format!("{value}")
        });
    }
    None
}

/// "1,500" and "1.500" (thousands), "85,5" and "2.5" (decimals), "2.5k", "40" -> the value.
fn decimal(token: &str) -> Option<f64> {
    let (digits, scale) = match token.strip_suffix('k') {
        Some(digits) => (digits, 1e3),
        None => (token, 1.0),
    };
    if digits.is_empty()
        || !digits.starts_with(|c: char| c.is_ascii_digit())
        || !digits
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ','))
    {
        return None;
    }
    let separators: Vec<(usize, char)> = digits
        .char_indices()
        .filter(|(_, c)| !c.is_ascii_digit())
        .collect();
    // The last separator is the decimal point unless it is followed by exactly three digits
    // (a thousands group) and is not the only kind of separator followed by fewer.
    let plain: String = match separators.last() {
        None => digits.to_string(),
        Some(&(at, sep)) => {
            let mixed = separators.iter().any(|(_, c)| *c != sep);
            let group = digits.len() - at - 1 == 3;
            let decimal_at = if mixed || !group { Some(at) } else { None };
            digits
                .char_indices()
                .filter_map(|(i, c)| match c {
                    '.' | ',' if Some(i) == decimal_at => Some('.'),
                    '.' | ',' => None,
                    digit => Some(digit),
                })
                .collect()
        }
    };
    plain.parse::<f64>().ok().map(|value| value * scale)
}

/// The choice `text` names (as written in `choices`): the whole choice in the text, else the one
/// choice whose words the text shares most ("cut and color" -> "Haircut and color"), accents and
/// case aside. In a correction the choice named last wins.
pub fn choice(text: &str, choices: &[String], correcting: bool) -> Option<String> {
    let words = |text: &str| -> Vec<String> {
        fold(text)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let said = words(text);
    let spaced = format!(" {} ", said.join(" "));
    let mut whole: Vec<(usize, &String)> = choices
        .iter()
        .filter_map(|choice| {
            let key = words(choice).join(" ");
            (!key.is_empty())
                .then(|| spaced.find(&format!(" {key} ")))
                .flatten()
                .map(|at| (at, choice))
        })
        .collect();
    whole.sort();
    let pick = if correcting {
        whole.last()
    } else {
        whole.first()
    };
    if let Some((_, choice)) = pick {
        return Some((*choice).clone());
    }
    // Shared words: a word of the choice (3 letters or more) that a word of the text starts or
    // ends with ("brakes" ~ "brake", "haircut" ~ "cut").
    let shared = |choice: &String| {
        words(choice)
            .iter()
            .filter(|w| w.chars().count() >= 3)
            .filter(|w| {
                said.iter().any(|s| {
                    s.chars().count() >= 3
                        && (s.starts_with(w.as_str())
                            || w.starts_with(s.as_str())
                            || w.ends_with(s.as_str()))
                })
            })
            .count()
    };
    let scored: Vec<(usize, &String)> = choices.iter().map(|c| (shared(c), c)).collect();
    let best = scored.iter().map(|(n, _)| *n).max().filter(|n| *n > 0)?;
    let mut best_choices = scored.iter().filter(|(n, _)| *n == best);
    let (_, choice) = best_choices.next()?;
    best_choices.next().is_none().then(|| (*choice).clone())
}

/// Words that end (English) or start (Spanish) a street name.
const STREET_WORDS: &[&str] = &[
    "st",
    "street",
    "ave",
    "avenue",
    "rd",
    "road",
    "blvd",
    "boulevard",
    "dr",
    "drive",
    "ln",
    "lane",
    "way",
    "ct",
    "court",
    "pl",
    "place",
    "pkwy",
    "parkway",
    "hwy",
    "highway",
    "ter",
    "terrace",
];
const CALLE_WORDS: &[&str] = &[
    "calle", "avenida", "av", "avda", "paseo", "carrera", "camino", "plaza",
];

/// A street address in `text`: "12 Oak Street, Apt 4" or "Calle Mayor 12, 3B".
pub fn address(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let bare = |word: &str| fold(word.trim_matches(|c: char| !c.is_alphanumeric()));
    let is_number = |word: &str| {
        let word = bare(word);
        !word.is_empty()
            && word.len() <= 6
            && word.starts_with(|c: char| c.is_ascii_digit())
            && word.chars().filter(char::is_ascii_digit).count() * 2 >= word.len()
    };
    let until_clause_end = |from: usize, to: usize| {
        let mut end = to;
        // Keep an apartment or unit after the street: "Oak St Apt 4", "Calle Mayor 12, 3B".
        while end + 1 < words.len()
            && end < to + 3
            && !words[end].ends_with(['.', '!', '?', ';'])
            && (matches!(
                bare(words[end + 1]).as_str(),
                "apt" | "unit" | "suite" | "piso" | "depto"
            ) || (end > to && is_number(words[end + 1]))
                || (end == to && words[end].ends_with(',') && is_number(words[end + 1])))
        {
            end += 1;
        }
        words[from..=end]
            .join(" ")
            .trim_end_matches([',', '.', '!', '?', ';'])
            .to_string()
    };
    for (i, word) in words.iter().enumerate() {
        let key = bare(word);
        if STREET_WORDS.contains(&key.as_str())
            && i >= 2
            && let Some(start) = (i.saturating_sub(5)..i - 1).find(|&j| is_number(words[j]))
        {
            return Some(until_clause_end(start, i));
        }
        if CALLE_WORDS.contains(&key.as_str())
            && let Some(end) = (i + 2..(i + 6).min(words.len())).find(|&j| is_number(words[j]))
        {
            return Some(until_clause_end(i, end));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn clock() -> Clock {
        // Thursday 26 November 2026, 09:00 in New York.
        let zone = TimeZone::get("America/New_York").unwrap();
        Clock {
            now: date(2026, 11, 26).at(9, 0, 0, 0),
            zone,
        }
    }

    fn when(kind: FieldType, text: &str, asked: bool) -> Option<Result<String, Invalid>> {
        let rules = WhenRules {
            order: dates::Order::MonthFirst,
            correcting: is_correction(text),
            asked,
            past_allowed: false,
            known_date: None,
        };
        when_value(kind, text, &clock(), &rules)
    }

    #[test]
    fn days_and_times_are_resolved_in_the_business_zone() {
        assert_eq!(
            when(FieldType::Datetime, "next Tuesday 3pm", false),
            Some(Ok("2026-12-01T15:00:00-05:00".into()))
        );
        assert_eq!(
            when(FieldType::Datetime, "el martes a las 5", false),
            Some(Ok("2026-12-01T17:00:00-05:00".into()))
        );
        assert_eq!(
            when(FieldType::Date, "mañana", false),
            Some(Ok("2026-11-27".into()))
        );
        assert_eq!(
            when(FieldType::Time, "a las 10 de la mañana", false),
            Some(Ok("10:00".into()))
        );
        assert_eq!(
            when(FieldType::Datetime, "at 8am", false),
            Some(Ok("2026-11-27T08:00:00-05:00".into())),
            "a time that has passed today is tomorrow's"
        );
    }

    #[test]
    fn unclear_or_past_days_are_explained_when_asked() {
        assert_eq!(
            when(FieldType::Datetime, "Friday", true),
            Some(Err(Invalid::NeedTime))
        );
        assert_eq!(
            when(FieldType::Datetime, "whenever", true),
            Some(Err(Invalid::Date))
        );
        assert_eq!(when(FieldType::Datetime, "whenever", false), None);
        assert_eq!(
            when(FieldType::Date, "2026-01-05", true),
            Some(Err(Invalid::Past))
        );
        assert!(Invalid::NeedTime.explain("es").contains("hora"));
        let later = WhenRules {
            order: dates::Order::DayFirst,
            correcting: true,
            asked: false,
            past_allowed: false,
            known_date: Some(date(2026, 12, 1)),
        };
        assert_eq!(
            when_value(FieldType::Datetime, "mejor a las 11", &clock(), &later),
            Some(Ok("2026-12-01T11:00:00-05:00".into())),
            "a later time keeps the day"
        );
    }

    #[test]
    fn numbers_choices_and_addresses() {
        assert_eq!(number("about $2,500 total").as_deref(), Some("2500"));
        assert_eq!(number("1.5k").as_deref(), Some("1500"));
        assert_eq!(number("1.200 euros").as_deref(), Some("1200"));
        assert_eq!(number("unos 85,5 m2").as_deref(), Some("85.5"));
        assert_eq!(number("2 millones").as_deref(), Some("2000000"));
        assert_eq!(number("1,234.5").as_deref(), Some("1234.5"));
        assert_eq!(number("seremos doce").as_deref(), Some("12"));
        assert_eq!(number("no idea"), None);
        let sizes = vec![
            "Small".to_string(),
            "Medium".to_string(),
            "Extra large".to_string(),
        ];
        assert_eq!(
            choice("the extra  LARGE one", &sizes, false).as_deref(),
            Some("Extra large")
        );
        assert_eq!(
            choice("small, no wait, medium", &sizes, true).as_deref(),
            Some("Medium")
        );
        assert_eq!(choice("xl", &sizes, false), None);
        let services = vec![
            "Haircut".to_string(),
            "Haircut and color".to_string(),
            "Brake inspection".to_string(),
        ];
        assert_eq!(
            choice("cut and color", &services, false).as_deref(),
            Some("Haircut and color")
        );
        assert_eq!(
            choice("my brakes are squeaking", &services, false).as_deref(),
            Some("Brake inspection")
        );
        assert_eq!(
            address("It's 1200 Oak Street Apt 4, Springfield").as_deref(),
            Some("1200 Oak Street Apt 4")
        );
        assert_eq!(
            address("vivo en Calle Mayor 12, 3B").as_deref(),
            Some("Calle Mayor 12, 3B")
        );
        assert_eq!(address("on the street"), None);
    }

    #[test]
    fn corrections_are_recognised_in_both_languages() {
        assert!(is_correction("actually use dana@x.io"));
        assert!(is_correction("Perdón, mi correo es ana@x.es"));
        assert!(!is_correction("I'm Dana, notably busy"));
    }

    proptest::proptest! {
        #[test]
        fn readers_never_panic(text in "\\PC{0,120}") {
            let _ = number(&text);
            let _ = address(&text);
            let _ = choice(&text, &["a b".to_string()], true);
            let _ = when(FieldType::Datetime, &text, true);
        }
    }
}
