//! Typed field values: reading dates, times, numbers, choices and addresses from a message,
//! telling a wrong answer from no answer (so it can be asked again, saying what was wrong), and
//! corrections ("actually use x@y.com", "perdón, mi correo es ...").

pub mod address;
pub mod dates;
pub mod models;
pub mod numbers;
pub mod things;
mod topics;
pub mod translation;

pub use topics::{first_visit, yes_or_no_by_field};

pub use address::address;
pub use numbers::number;

use aho_corasick::AhoCorasick;
use jiff::ToSpan;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use smsflow_core::FieldType;
use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

/// Why a value was refused; told to the person, in their language, when the field is asked for
/// again ([`crate::phrases::Phrases::why`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// An email address without a dotted domain ("dana@gmail"), as written.
    EmailDomain(String),
    /// No email address ("ken at home", "maya ross@example.com"), as written.
    Email(String),
    /// Digits that are not a whole phone number, as written.
    Phone(String),
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
    // Most words and messages are ASCII, folded byte by byte: the readers fold hundreds of words
    // a message, and a char at a time cost 5% of the pipeline's instructions a text
    // (docs/benchmarks.md, session 48).
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
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

/// A list of cues (folded words) looked for in one pass over a text, by an automaton built at its
/// first use: a `str::find` per cue built a searcher for every cue at every call (profiled: 4% of
/// a text's instructions in the pipeline, docs/benchmarks.md, session 47).
pub(crate) struct Cues {
    list: &'static [&'static str],
    automaton: OnceLock<AhoCorasick>,
}

impl Cues {
    pub(crate) const fn new(list: &'static [&'static str]) -> Self {
        Cues {
            list,
            automaton: OnceLock::new(),
        }
    }

    fn automaton(&self) -> &AhoCorasick {
        self.automaton.get_or_init(|| {
            AhoCorasick::new(self.list).expect("a list of words makes an automaton")
        })
    }

    /// Where in `text` the cue that ends first ends.
    pub(crate) fn first_end(&self, text: &str) -> Option<usize> {
        self.automaton().find(text).map(|found| found.end())
    }

    /// Where each cue found in `text` starts, overlapping ones included.
    pub(crate) fn starts<'t>(&'t self, text: &'t str) -> impl Iterator<Item = usize> + 't {
        self.automaton()
            .find_overlapping_iter(text)
            .map(|found| found.start())
    }
}

/// The byte of `text` where the letter at byte `at` of `folded` (its [`fold`]) is, so a match
/// found in the folded text cuts the text as written: folding keeps one letter for one ("ó" ->
/// "o"), so letters are counted, not bytes. `None` at the end of `text`.
pub fn unfolded_at(text: &str, folded: &str, at: usize) -> Option<usize> {
    text.char_indices()
        .nth(folded[..at].chars().count())
        .map(|(byte, _)| byte)
}

/// Whether a word of the field's name (folded, split at `_`, `-` and spaces) is one of `words`.
pub fn field_says(field: &str, words: &[&str]) -> bool {
    // Field names are mostly folded already (lower-case ASCII): no copy then, as this runs for
    // every wanted field in several readers of every message.
    let folded = if field
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        std::borrow::Cow::Borrowed(field)
    } else {
        std::borrow::Cow::Owned(fold(field))
    };
    folded
        .split(['_', ' ', '-'])
        .any(|word| words.contains(&word))
}

/// `text` without the first of `leads` it starts with (folded: "Mi dirección es ...").
pub fn without_lead<'a>(text: &'a str, leads: &[&str]) -> &'a str {
    let text = text.trim();
    let folded = fold(text);
    leads
        .iter()
        .find(|lead| folded.starts_with(*lead))
        .and_then(|lead| unfolded_at(text, &folded, lead.len()))
        .map_or(text, |at| &text[at..])
}

/// The words of a field's folded name that may stand for the field in a text: three letters or
/// more, and not one of `sorts` (words that only say what sort of value it is).
pub fn own_words<'a>(folded: &'a str, sorts: &[&str]) -> Vec<&'a str> {
    folded
        .split(['_', ' ', '-'])
        .filter(|word| word.len() >= 3 && !sorts.contains(word))
        .collect()
}

/// Whether a word of a message (folded or not) is one of `own`, a field's own words: the word
/// itself, with its ending ("grades" for `grade`), or shortened as people write it ("depto" for
/// `departamento`, "reg" for `registration`, "apt" for `apartment`).
pub fn names_field(token: &str, own: &[&str]) -> bool {
    let word = fold(token);
    own.iter().any(|name| {
        let (a, b) = (stem(name), stem(&word));
        a == b
            || (a.len() >= 4 && b.starts_with(a))
            || (word.len() >= 3
                && word.chars().all(char::is_alphabetic)
                && (name.starts_with(word.as_str()) || shortened(&word, name)))
    })
}

/// `word` is `name` shortened: its first letter, then some of its letters in order.
fn shortened(word: &str, name: &str) -> bool {
    let mut letters = name.chars();
    word.len() < name.len()
        && word.chars().next() == name.chars().next()
        && word.chars().all(|c| letters.any(|l| l == c))
}

/// Words that say the message corrects an earlier answer: the value named last is the new one.
static CORRECTION_CUES: Cues = Cues::new(&[
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
    "make that",
    "make it",
    "mas bien",
    "ah no",
    "uy no",
    "move it",
    "push it",
    "reschedule",
    // "4 tickets" then "nvm 3"; "somos 8... no, al final somos 10".
    "nvm",
    "never mind",
    "no,",
    // "moving in the 1st of next month... scratch that, this saturday", "move in on the 1st of
    // next month... lets say march 1".
    "scratch that",
    "lets say",
    "let's say",
]);

/// Whether `text` corrects an earlier answer ("actually use ...", "perdón, es ...").
pub fn is_correction(text: &str) -> bool {
    let folded = fold(text);
    // "no, el 9", "nope 7pm": a message that starts by saying no.
    let starts_with_no = ["no,", "no ", "nope", "nah"]
        .iter()
        .any(|no| folded.trim_start().starts_with(no));
    starts_with_no
        || CORRECTION_CUES.starts(&folded).any(|at| {
            folded[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
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
    /// The field is a day that has passed (a birth, an incident): days are read backwards
    /// ("Friday" is the last Friday, "yesterday" is read) and a past day is fine.
    pub past_day: bool,
    /// The field is a day of birth: only a day written with its year is one ("dob 03/03/1961";
    /// "can I pick up friday" is not).
    pub birth: bool,
    /// The day already known for this field: "make it 9" changes only the time.
    pub known_date: Option<Date>,
    /// The time already known for this field: "Dec 4th, same time" changes only the day.
    pub known_time: Option<jiff::civil::Time>,
    /// An earlier message said the evening ("tomorrow night?"): a bare 8 to 11 is pm.
    pub evening: bool,
}

/// The [`Extraction`](crate::Extraction) partial value of a time field whose message said the
/// evening without an hour ("table for 5 tomorrow night?"), for the hour said next ("8:15").
pub const EVENING: &str = "evening";

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
        past_day,
        birth,
        known_date,
        known_time,
        evening,
    } = *rules;
    // A day that has passed, once known, is replaced only by another day said as past
    // ("anteayer", "last Saturday") or by a correction: "me pueden atender el jueves?" and "can
    // I come in Monday?" are about the visit.
    if past_day
        && known_date.is_some()
        && !correcting
        && !asked
        && !dates::says_past(text, clock.today())
    {
        return None;
    }
    let read = if birth {
        dates::read_birth
    } else if past_day {
        dates::read_back
    } else {
        dates::read
    };
    let mut found = read(text, clock.today(), order, correcting);
    // "2 works", "10?": a bare hour answering the question about the time is that hour, as if
    // it said "at 2".
    if asked
        && found.time.is_none()
        && found.date.is_none()
        && kind != FieldType::Date
        && text.trim_start().starts_with(|c: char| c.is_ascii_digit())
        && text.split_whitespace().count() <= 3
    {
        let at = read(
            &format!("at {}", text.trim()),
            clock.today(),
            order,
            correcting,
        );
        found.time = at.time;
    }
    // "no, el 9", "actually can we do the 15th instead": a correction that names only the day
    // keeps the month given before (unless that day of it has passed).
    if correcting
        && let Some(known) = known_date
        && let Some(day) = dates::day_alone(text)
    {
        let in_known_month = Date::new(known.year(), known.month(), day).ok();
        if found.date.is_none() {
            found.date = in_known_month;
        } else if !dates::names_month_or_weekday(text)
            && found.date.is_some_and(|found| found.day() == day)
            && let Some(date) = in_known_month.filter(|date| past_day || *date >= clock.today())
        {
            found.date = Some(date);
        }
    }
    // "8pm", then "actually 8:30 is better"; "a las 8 de la noche", then "mejor a las 9": a
    // bare hour correcting an evening stays in the evening.
    if correcting
        && let (Some(known), Some(time)) = (known_time, found.time)
        && known.hour() >= 12
        && time.hour() < 12
        && !dates::says_morning(text)
        && let Ok(evening) = time.checked_add(12.hours())
        && (evening.hour() - known.hour()).abs() <= 3
    {
        found.time = Some(evening);
    }
    // "at 5am", then "actually make it 4:30": a bare hour correcting a morning stays in the
    // morning.
    if correcting
        && let (Some(known), Some(time)) = (known_time, found.time)
        && known.hour() < 12
        && time.hour() >= 12
        && !dates::says_evening(text)
        && !dates::says_afternoon_hour(text)
        && let Ok(morning) = time.checked_sub(12.hours())
        && (known.hour() - morning.hour()).abs() <= 3
    {
        found.time = Some(morning);
    }
    // "tomorrow night?", then "8:15 if u have it": the evening said before holds for a bare
    // hour that business hours read as morning.
    if evening
        && let Some(time) = found.time
        && (8..12).contains(&time.hour())
        && !dates::says_morning(text)
        && let Ok(later) = time.checked_add(12.hours())
    {
        found.time = Some(later);
    }
    // "de 7 a 11 de la noche", "from 2 to 4pm": a time asked alone is when it starts.
    if kind == FieldType::Time
        && let Some((start, end)) = dates::hour_range(text)
        && found.time == Some(end)
    {
        found.time = Some(start);
    }
    let past = |date: Date| !past_day && date < clock.today();
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
                (Some(date), None) if known_time.is_some() => date,
                (Some(_), None) => return asked.then_some(Err(Invalid::NeedTime)),
                (None, None) => return asked.then_some(Err(Invalid::Date)),
            };
            let time = found
                .time
                .or(known_time)
                .expect("a time was found or known");
            let at = date.to_datetime(time);
            if at < clock.now {
                return Some(Err(Invalid::Past));
            }
            let zoned = at.to_zoned(clock.zone.clone()).ok()?;
            Some(Ok(zoned.strftime(DATETIME_FORMAT).to_string()))
        }
    }
}

/// How a date and time is stored: RFC 3339 with the business time zone's offset.
pub(crate) const DATETIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%:z";

/// A date and time already in the stored RFC 3339 form (a model or a client may send back what we
/// wrote), in the business time zone; `None` when `value` is not RFC 3339, to be read as words.
pub fn stored_datetime(value: &str, clock: &Clock) -> Option<Result<String, Invalid>> {
    let at = value
        .parse::<jiff::Timestamp>()
        .ok()?
        .to_zoned(clock.zone.clone());
    if at.datetime() < clock.now {
        return Some(Err(Invalid::Past));
    }
    Some(Ok(at.strftime(DATETIME_FORMAT).to_string()))
}

/// The choice `text` names (as written in `choices`), accents and case aside: the choice all of
/// whose words the text says ("cut and color" -> "Haircut and color", "moving out" ->
/// "Move-out clean" when no other choice is said as fully), the most specific one when several
/// are; else the one choice whose words the text shares most. In a correction the choice named
/// last wins.
pub fn choice(text: &str, choices: &[String], correcting: bool) -> Option<String> {
    if let Some(choice) = topics::choice_by_frequency(text, choices, correcting)
        .or_else(|| at_time(text, choices, correcting))
        .or_else(|| range_said(text, choices))
        .or_else(|| in_minutes(text, choices))
    {
        return Some(choice);
    }
    let said = sized(
        without_left(text, without_negated(choice_words(text), choices), choices),
        choices,
    );
    // Said by meaning, with no word of any choice: "I was rear-ended" is `Personal injury`.
    if !choices.iter().any(|choice| {
        choice_words(choice)
            .iter()
            .any(|w| said.iter().any(|s| same_word(s, w)))
    }) {
        return topics::choice_by_topic(text, choices)
            .or_else(|| in_range(text, choices))
            .or_else(|| topics::first_rung(text, choices));
    }
    let which = numbers_said_as_which(text, choices);
    let said_as_which =
        |word: &String| amount_word(word).is_some_and(|amount| which.contains(&amount));
    // For each choice: how many of its words were said, how many it has, where it was said.
    let scored: Vec<(usize, usize, usize, &String)> = choices
        .iter()
        .filter_map(|choice| {
            let words = choice_words(choice);
            let positions: Vec<usize> = words
                .iter()
                .filter_map(|word| said.iter().position(|s| same_word(s, word)))
                .collect();
            // "el 2 de noviembre" says no "2 bedroom": a number alone names no choice, unless
            // said as which one ("la de 6" for `Cabaña 6 personas`).
            let matched: Vec<&String> = words
                .iter()
                .filter(|word| said.iter().any(|s| same_word(s, word)))
                .collect();
            let only_numbers = matched
                .iter()
                .all(|word| word.chars().all(|c| c.is_ascii_digit()));
            let which_one = matched.iter().any(|word| said_as_which(word));
            if only_numbers && !which_one && positions.len() < words.len() {
                return None;
            }
            let at = if correcting {
                positions.iter().max()
            } else {
                positions.iter().min()
            };
            Some((positions.len(), words.len(), *at?, choice))
        })
        .collect();
    let whole: Vec<&(usize, usize, usize, &String)> = scored
        .iter()
        .filter(|(matched, total, _, _)| matched == total)
        .collect();
    // "delivery or pickup?": a question that names several choices asks which, it chooses none.
    let separate = whole
        .iter()
        .filter(|(_, total, _, choice)| {
            !whole.iter().any(|(_, longer, _, other)| {
                longer > total
                    && choice_words(choice)
                        .iter()
                        .all(|w| choice_words(other).contains(w))
            })
        })
        .count();
    // "tienes lugar para mani y pedi mañana?": a question that writes one choice as such, the
    // others only inside it or by a word, asks for that one.
    let spaced_text = format!(" {} ", said.join(" "));
    let written: Vec<&String> = whole
        .iter()
        .map(|(_, _, _, choice)| *choice)
        .filter(|choice| spaced_text.contains(&format!(" {} ", choice_words(choice).join(" "))))
        .collect();
    if let [choice] = written.as_slice()
        && separate >= 2
        && text.contains('?')
    {
        return Some((*choice).clone());
    }
    // "whats in deluxe vs ultimate? we'll prob go deluxe": what follows the question may choose.
    if separate >= 2 && text.contains('?') {
        return text
            .rsplit_once('?')
            .map(|(_, after)| after)
            .filter(|after| !after.trim().is_empty())
            .and_then(|after| choice(after, choices, correcting));
    }
    // "tamales y enchiladas mixed", "both, cut and color": several choices said with the one
    // that mixes them is that one.
    let mix = whole
        .iter()
        .find(|(_, _, _, choice)| MIXES.contains(&fold(choice.trim()).as_str()));
    if let Some((_, _, _, mix)) = mix.filter(|_| separate >= 2) {
        return Some((*mix).clone());
    }
    // "just a cut", "mejor solo corte": a choice said as the only one wanted is that one; in a
    // correction, so is the one right after "mejor" ("mejor general, VIP está muy caro").
    let only = whole.iter().find(|(_, _, _, choice)| {
        let first = choice_words(choice).into_iter().next();
        said.iter()
            .position(|s| first.as_ref().is_some_and(|w| same_word(s, w)))
            .and_then(|at| at.checked_sub(1))
            .is_some_and(|before| {
                ONLY.contains(&said[before].as_str())
                    || (correcting && FOCUS.contains(&said[before].as_str()))
            })
    });
    if let Some((_, _, _, choice)) = only {
        return Some((*choice).clone());
    }
    if !whole.is_empty() {
        // Named last in a correction, first otherwise; then the most specific; then the one
        // said in its own order ("from spanish to english" is `Spanish>English`).
        let best = whole.iter().max_by_key(|(_, total, at, choice)| {
            let order = if correcting {
                *at as isize
            } else {
                -(*at as isize)
            };
            (order, *total, said_in_order(&said, choice))
        })?;
        // A choice inside a longer one said as wholly ("Corte" in "Corte y tinte") gives way.
        let longest = whole
            .iter()
            .filter(|(_, total, _, choice)| {
                *total > best.1
                    && choice_words(choice)
                        .iter()
                        .all(|w| choice_words(best.3).contains(w))
            })
            .max_by_key(|(_, total, _, _)| *total);
        return Some(longest.unwrap_or(best).3.clone());
    }
    let most = scored
        .iter()
        .map(|(matched, ..)| *matched)
        .max()
        .filter(|most| *most > 0)?;
    let tied: Vec<String> = scored
        .iter()
        .filter(|(matched, ..)| *matched == most)
        .map(|(_, _, _, choice)| (*choice).clone())
        .collect();
    match tied.as_slice() {
        [choice] => Some(choice.clone()),
        // "the AC isn't cooling" says `AC repair` and `AC install` alike: what it is about decides.
        _ => {
            // "embarazada de 5 meses, el bono de diez": the one whose number is said as which.
            let mut named = tied
                .iter()
                .filter(|choice| choice_words(choice).iter().any(said_as_which));
            match (named.next(), named.next()) {
                (Some(choice), None) => Some(choice.clone()),
                _ => {
                    topics::choice_by_topic(text, &tied).or_else(|| topics::first_rung(text, &tied))
                }
            }
        }
    }
}

/// Words that close what is said of a number said as which one: "la de 6 así estamos cómodos",
/// "el de 600 entonces", "cancha de 5 pa mañana".
const WHICH_CLOSERS: &[&str] = &[
    "entonces", "then", "please", "pls", "plz", "porfa", "asi", "pa", "pal", "mejor", "nomas",
    "pues", "thanks", "gracias",
];

/// Lengths of time said in words, in minutes, the longer phrases first ("an hour and a half"
/// holds "an hour").
const LENGTHS: &[(&str, u32)] = &[
    ("hour and a half", 90),
    ("one and a half hours", 90),
    ("1 and a half hours", 90),
    ("1 5 hours", 90),
    ("1 5 hrs", 90),
    ("hora y media", 90),
    ("half hour", 30),
    ("half an hour", 30),
    ("media hora", 30),
    ("two hours", 120),
    ("2 hours", 120),
    ("2 hrs", 120),
    ("dos horas", 120),
    ("2 horas", 120),
    ("an hour", 60),
    ("one hour", 60),
    ("1 hour", 60),
    ("1 hr", 60),
    ("una hora", 60),
    ("1 hora", 60),
];

/// The choice of a length in minutes said in other words: "an hour please" is `60 min`, "hora y
/// media" `90 min`, "half hour lessons" `30 min`.
fn in_minutes(text: &str, choices: &[String]) -> Option<String> {
    // `60 min`, `Massage 90 min`: the minutes a choice names.
    let minutes_of = |choice: &String| -> Option<u32> {
        let folded = fold(choice);
        let words: Vec<&str> = folded.split_whitespace().collect();
        words
            .windows(2)
            .find(|pair| pair[1].starts_with("min"))
            .and_then(|pair| pair[0].parse().ok())
    };
    // "an hour's massage": the apostrophe parts words here.
    let spaced = topics::spaced(&fold(text).replace('\'', " "));
    let said = LENGTHS
        .iter()
        .find(|(phrase, _)| spaced.contains(&format!(" {phrase} ")))
        .map(|(_, minutes)| *minutes)?;
    choices
        .iter()
        .find(|choice| minutes_of(choice) == Some(said))
        .cloned()
}

/// Numbers said as which one, after "de" or "of" and closing what is said of it: "la de 6 así
/// estamos cómodos", "cancha de 5 para hoy", "dos garrafas de diez?" (not "de 8 a 10", "embarazada de 5
/// meses"); a word of a choice may follow ("el plan de 600 megas").
fn numbers_said_as_which(text: &str, choices: &[String]) -> Vec<u32> {
    let folded = fold(text);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    let closes = |next: Option<&&str>| match next {
        None => true,
        Some(next) => {
            WHICH_CLOSERS.contains(next)
                || (FILLER.contains(next)
                    && !matches!(*next, "a" | "y" | "o" | "and" | "or" | "to" | "de"))
                || choices.iter().any(|choice| {
                    choice_words(choice)
                        .iter()
                        .any(|word| same_word(next, word))
                })
        }
    };
    // The number first: what may close it is read only after one.
    (1..words.len())
        .filter(|&at| matches!(words[at - 1], "de" | "of"))
        .filter_map(|at| Some((at, amount_word(words[at])?)))
        .filter(|(at, _)| closes(words.get(at + 1)))
        .map(|(_, amount)| amount)
        .collect()
}

/// The choice at the time said, when every choice is a time of day: "the 10:30 one" is `10:30
/// AM`, "1pm then" is `1:00 PM` (the time named last in a correction, first otherwise).
fn at_time(text: &str, choices: &[String], correcting: bool) -> Option<String> {
    // Only the time is read: any day will do.
    let time_in = |text: &str, last: bool| {
        dates::read(
            text,
            Date::constant(2026, 1, 1),
            dates::Order::MonthFirst,
            last,
        )
        .time
    };
    let times: Vec<jiff::civil::Time> = choices
        .iter()
        .map(|choice| time_in(choice, false))
        .collect::<Option<_>>()?;
    let said = time_in(text, correcting)?;
    let mut at = choices
        .iter()
        .zip(&times)
        .filter(|(_, time)| **time == said);
    let (choice, _) = at.next()?;
    at.next().is_none().then(|| choice.clone())
}

/// The words of `text` that say a word of `choice`: "persona" and "fisica" for `Anual persona
/// física`.
pub fn choice_words_said(text: &str, choice: &str) -> Vec<String> {
    let words = choice_words(choice);
    choice_words(text)
        .into_iter()
        .filter(|said| words.iter().any(|word| same_word(said, word)))
        .collect()
}

/// Whether the words of `choice` are said in the order it lists them.
fn said_in_order(said: &[String], choice: &str) -> bool {
    let at: Vec<Option<usize>> = choice_words(choice)
        .iter()
        .map(|word| said.iter().position(|s| same_word(s, word)))
        .collect();
    at.windows(2).all(|pair| pair[0] < pair[1])
}

/// The one choice a range said opens ("fine, 2-4 works" is `2-4pm` among `10-12pm`, `12-2pm`,
/// `2-4pm`): the last range said that opens exactly one.
fn range_said(text: &str, choices: &[String]) -> Option<String> {
    let folded: Vec<String> = choices.iter().map(|choice| fold(choice)).collect();
    fold(text)
        .split_whitespace()
        .map(|word| word.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter_map(|word| {
            let (low, rest) = word.split_once('-')?;
            let high_end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            let digits = |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit());
            (digits(low) && digits(&rest[..high_end]))
                .then(|| format!("{low}-{}", &rest[..high_end]))
        })
        .filter_map(|range| {
            let mut opened = folded.iter().enumerate().filter(|(_, choice)| {
                choice
                    .strip_prefix(range.as_str())
                    .is_some_and(|after| !after.starts_with(|c: char| c.is_ascii_digit()))
            });
            match (opened.next(), opened.next()) {
                (Some((at, _)), None) => Some(choices[at].clone()),
                _ => None,
            }
        })
        .next_back()
}

/// The choice whose range holds the amount said, when every choice is a range ("about $10k"
/// is `$5k-$15k` among `Under $5k`, `$5k-$15k`, `Over $15k`; "unos 3 mil" is `Menos de 5 mil`).
fn in_range(text: &str, choices: &[String]) -> Option<String> {
    let amount: f64 = number(text)?.parse().ok()?;
    let ranges: Vec<(f64, f64)> = choices
        .iter()
        .map(|choice| {
            let folded = fold(choice);
            let (low, high) = match folded.split_once(['-', '–']) {
                Some((low, high)) => (number(low)?, number(high)?),
                None => {
                    let bound = number(&folded)?;
                    let below = ["under", "less", "below", "menos", "hasta", "up to", "<"]
                        .iter()
                        .any(|word| folded.contains(word));
                    let above = ["over", "more", "above", "mas", "desde", "+", ">"]
                        .iter()
                        .any(|word| folded.contains(word));
                    match (below, above) {
                        (true, false) => ("0".to_string(), bound),
                        (false, true) => (bound, f64::INFINITY.to_string()),
                        _ => return None,
                    }
                }
            };
            Some((low.parse().ok()?, high.parse().ok()?))
        })
        .collect::<Option<_>>()?;
    let mut holding = choices
        .iter()
        .zip(&ranges)
        .filter(|(_, (low, high))| (*low..=*high).contains(&amount));
    let (choice, _) = holding.next()?;
    holding.next().is_none().then(|| choice.clone())
}

/// Clothing sizes by letter and by word, in either language: "mediana" is `M` when the choices
/// are letters; Mexico letters them `CH`, `M`, `G`, `XG` (chica, grande).
const SIZES: &[(&str, &[&str])] = &[
    ("xs", &["extra small", "extra chica", "extra pequena"]),
    ("s", &["small", "chica", "chico", "pequena", "pequeno"]),
    ("ch", &["small", "chica", "chico", "pequena", "pequeno"]),
    ("m", &["medium", "mediana", "mediano"]),
    ("l", &["large", "grande"]),
    ("g", &["large", "grande"]),
    ("xl", &["extra large", "extra grande"]),
    ("xg", &["extra large", "extra grande"]),
];

/// The said words with a size said in words written as its letter, when a choice is that
/// letter or has it as a word ("en mediana" for `S`/`M`/`L`, "kids medium" for `Kids M`).
fn sized(said: Vec<String>, choices: &[String]) -> Vec<String> {
    let letters: Vec<String> = choices
        .iter()
        .flat_map(|choice| {
            fold(choice)
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    let joined = format!(" {} ", said.join(" "));
    let Some(letter) = SIZES
        .iter()
        .rev()
        .filter(|(letter, _)| letters.iter().any(|l| l == letter))
        .find(|(_, words)| words.iter().any(|w| joined.contains(&format!(" {w} "))))
        .map(|(letter, _)| *letter)
    else {
        return said;
    };
    said.into_iter()
        .chain(std::iter::once(letter.to_string()))
        .collect()
}

/// Choices that mix the others: "Mixed", "Both", "Mixto", "Ambos", "Surtido".
const MIXES: &[&str] = &[
    "mixed",
    "mix",
    "both",
    "combo",
    "assorted",
    "variety",
    "mixto",
    "mixta",
    "ambos",
    "ambas",
    "surtido",
    "surtida",
    "combinado",
];

/// Words that open the new answer in a correction: "mejor general", "actually the pro plan".
const FOCUS: &[&str] = &[
    "mejor", "actually", "rather", "prefiero", "entonces", "then",
];

/// Words that say a choice is the only one wanted: "just a cut", "solo el corte".
const ONLY: &[&str] = &["only", "just", "solo", "nomas", "solamente", "unicamente"];

/// Words that say what follows is not wanted: "skip the colour", "no blow dry", "sin lavado";
/// "t" is what is left of "isn't", "don't" once the apostrophe splits them; what follows "en vez
/// de" is left ("en vez de spin, pilates").
const NEGATORS: &[&str] = &[
    "skip", "without", "not", "no", "sin", "minus", "t", "cant", "dont", "wont", "isnt", "doesnt",
    "vez",
];

/// Words between a negator and what it refuses: "no es urgente", "not that urgent", "can't make
/// spin tonight", "don't want the colour".
const NEGATED_LINKS: &[&str] = &[
    "es", "is", "esta", "son", "are", "so", "that", "tan", "muy", "make", "do", "want", "need",
];

/// The said words without those a negator refuses ("actually just a cut, skip the colour": no
/// "colour"; "cuando puedan, no es urgente": no "urgente"); a message that opens with "no"
/// (or with an interjection before it) refuses the earlier answer, not its next word.
fn without_negated(said: Vec<String>, choices: &[String]) -> Vec<String> {
    let in_a_choice = |word: &str| {
        choices
            .iter()
            .any(|choice| choice_words(choice).iter().any(|w| w == word))
    };
    // "no" opening the message, or after "ah", "uy", "oh": "ah no, deluxe mejor".
    let refuses_before = |at: usize| {
        said[at] == "no"
            && (at == 0
                || (at == 1 && matches!(said[0].as_str(), "ah" | "uy" | "oh" | "ay" | "ups")))
    };
    let negator = |at: usize| {
        NEGATORS.contains(&said[at].as_str()) && !in_a_choice(&said[at]) && !refuses_before(at)
    };
    // "por la tarde mejor que por la mañana", "rather than weekly": what is compared against.
    let compared = |i: usize| {
        i >= 2
            && matches!(
                (said[i - 2].as_str(), said[i - 1].as_str()),
                ("mejor", "que") | ("better" | "rather", "than")
            )
    };
    let refused: Vec<bool> = (0..said.len())
        .map(|i| {
            (i >= 1 && negator(i - 1))
                || (i >= 2 && NEGATED_LINKS.contains(&said[i - 1].as_str()) && negator(i - 2))
                || compared(i)
        })
        .collect();
    said.into_iter()
        .zip(refused)
        .filter(|(_, refused)| !refused)
        .map(|(word, _)| word)
        .collect()
}

/// The said words without the one left for another: "upgrade from free to team", "switch from
/// the starter to pro" (not "I'm from finance", nor "from spanish to english" when a choice
/// names both ends).
fn without_left(text: &str, said: Vec<String>, choices: &[String]) -> Vec<String> {
    let folded = fold(text);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    let left: Vec<&str> = (0..words.len())
        .filter(|&i| words[i] == "from")
        .filter_map(|i| match words.get(i + 1..i + 5) {
            Some(["the", left, "to", to]) => Some((*left, *to)),
            _ => match words.get(i + 1..i + 4) {
                Some([left, "to", to]) => Some((*left, *to)),
                _ => None,
            },
        })
        .filter(|(left, to)| {
            !choices.iter().any(|choice| {
                let words = choice_words(choice);
                words.iter().any(|w| same_word(left, w)) && words.iter().any(|w| same_word(to, w))
            })
        })
        .map(|(left, _)| left)
        .collect();
    said.into_iter()
        .filter(|word| !left.contains(&word.as_str()))
        .collect()
}

/// Articles, conjunctions and prepositions: "estoy en el régimen" says nothing of `Alta en el
/// SAT`.
const FILLER: &[&str] = &[
    "and", "or", "the", "a", "an", "of", "y", "o", "de", "del", "el", "la", "los", "las", "un",
    "una", "en", "al", "para", "por", "in", "on", "at", "to", "for",
];

/// The words of a choice or a message that carry meaning: folded, without "and", "the", "y"...
/// A size said as "10 by 20" or "10 x 20" is one word, as the choice `10x20` writes it.
fn choice_words(text: &str) -> Vec<String> {
    const BY: &[&str] = &["by", "x", "por"];
    // "está saliendo agua": the verb, written with its accent, says nothing of `Esta semana`.
    let unaccented: String = text
        .split(' ')
        .filter(|word| {
            !matches!(
                word.to_lowercase()
                    .trim_matches(|c: char| !c.is_alphabetic()),
                "está" | "están" | "estás"
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    // "name's", "I'm", "we're": what follows the apostrophe is no word of a choice (no `S`, no
    // `M`); "can't", "don't" keep their "t", a negator.
    let folded: String = fold(&unaccented)
        .split(' ')
        .map(|token| {
            let Some((head, tail)) = token.split_once('\'') else {
                return token.to_string();
            };
            match tail.trim_end_matches(|c: char| !c.is_alphanumeric()) {
                "t" => format!("{head} t"),
                "s" | "m" | "re" | "ll" | "d" | "ve" => head.to_string(),
                _ => token.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    // "a 2br", "30kg": a number written against its unit is two words, as the choice writes
    // them (`2 bedroom`, `30 kg`); "10x20" is rejoined below.
    let mut apart = String::new();
    for c in folded.chars() {
        if apart.chars().last().is_some_and(|last| {
            last.is_ascii_digit() != c.is_ascii_digit()
                && last.is_alphanumeric()
                && c.is_alphanumeric()
        }) {
            apart.push(' ');
        }
        apart.push(c);
    }
    let words: Vec<&str> = apart
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    let number = |word: &str| word.chars().all(|c| c.is_ascii_digit());
    let mut said = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if let [width, by, length, ..] = words[i..]
            && number(width)
            && BY.contains(&by)
            && number(length)
        {
            said.push(format!("{width}x{length}"));
            i += 3;
            continue;
        }
        // "buenas tardes, ...": a greeting, not the afternoon.
        if let Some(greeting) = topics::GREETINGS.iter().find(|greeting| {
            let greeting: Vec<&str> = greeting.split(' ').collect();
            words[i..].starts_with(&greeting)
        }) {
            i += greeting.split(' ').count();
            continue;
        }
        // "mañana a la tarde", "pasado mañana": a day, not the morning.
        let tomorrow = words[i] == "manana"
            && (matches!(words.get(i + 1..i + 3), Some(["a" | "por" | "en", "la"]))
                || matches!(words.get(i + 1), Some(&("tarde" | "noche")))
                || (i > 0 && words[i - 1] == "pasado"));
        if !FILLER.contains(&words[i]) && !tomorrow {
            said.push(words[i].to_string());
        }
        i += 1;
    }
    said
}

/// "brakes" ~ "brake", "moving" ~ "move", "rotating" ~ "rotation", "haircut" ~ "cut": the same
/// stem, or one word ending the other (3 letters or more).
fn same_word(said: &str, word: &str) -> bool {
    let (a, b) = (stem(said), stem(word));
    let groups_of_b = synonym_groups(b);
    let synonyms = synonym_groups(a)
        .iter()
        .any(|group| groups_of_b.contains(group));
    // "monday" and "today" end with "day" and say nothing of a "Day pass".
    let compound = |long: &str, short: &str| {
        // "her" is no "Other": a word of three letters ends a compound only after a word of
        // its own ("haircut").
        let head = long.len().saturating_sub(short.len());
        short.len() >= 3
            && long.ends_with(short)
            && (short.len() >= 4 || head >= 4)
            && !matches!(short, "day" | "dia" | "ano" | "anos")
    };
    if agent_noun_of(word, said) {
        return false;
    }
    a == b
        || synonyms
        || amount_word(said).is_some_and(|amount| amount_word(word) == Some(amount))
        || compound(said, word)
        || compound(word, said)
        || (a.len() >= 5 && b.len() >= 5 && (a.starts_with(b) || b.starts_with(a)))
        || one_typo(said, word)
        || cut_short(said, word)
        || diminished(said).is_some_and(|base| base == b)
        || diminished(word).is_some_and(|base| base == a)
}

/// The number a word of a choice or a message says, as the other may write it in figures:
/// "diez" is 10, "tercero" and "3" are 3; "one", "un" say no number (they mean "a").
fn amount_word(word: &str) -> Option<u32> {
    // "02" in a phone number is no 2.
    (!word.starts_with('0'))
        .then(|| word.parse().ok())
        .flatten()
        .or_else(|| numbers::number_word(word).filter(|amount| *amount >= 2))
        .or_else(|| numbers::ordinal_word(word))
}

/// Whether the choice word is an English agent noun in "-er" and the said word its verb or a
/// compound of it: "start" and "startup" name no `Starter` plan, "heat" no `Heater`. Spanish
/// forms ("recogerlo", "recogida") are not among these endings and still name "Recoger".
fn agent_noun_of(word: &str, said: &str) -> bool {
    word.strip_suffix("er")
        .filter(|verb| verb.chars().count() >= 3)
        .and_then(|verb| said.strip_prefix(verb))
        .is_some_and(|rest| ["", "s", "ed", "ing", "up", "ups"].contains(&rest))
}

/// A word cut short, as texters write a long one: "calc" for "calculus", "mate" for
/// "matemáticas", "united" for "unitedhealthcare"; not a shorter word the long one is built on
/// ("hair" in "haircut", "week" in "weekend", "weekdays").
fn cut_short(said: &str, word: &str) -> bool {
    let rest = word.strip_prefix(said).unwrap_or("");
    said.chars().count() >= 4
        && rest.chars().count() >= 4
        && !matches!(
            rest,
            "end" | "ends" | "day" | "days" | "ly" | "time" | "ing" | "ment"
        )
}

/// A Spanish diminutive or adjective without its ending, to compare with a stem: "perrita" ->
/// "perr" (as "perro"), "gatica" -> "gat", "grasosa" -> "gras" (as "grasa").
fn diminished(word: &str) -> Option<&str> {
    [
        "itas", "itos", "icas", "icos", "osas", "osos", "ita", "ito", "ica", "ico", "osa", "oso",
    ]
    .iter()
    .find_map(|ending| word.strip_suffix(ending))
    .filter(|rest| rest.chars().count() >= 3)
}

/// "tranferencia" for "transferencia", "recieve" for "receive": one letter missing, added,
/// changed or two swapped, in a word long enough (six letters) that this is a typo, not
/// another word. Texters get the first letter right: "killing" is no "filling".
pub(super) fn one_typo(said: &str, word: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (said.chars().collect(), word.chars().collect());
    if a.len().min(b.len()) < 6 || a.len().abs_diff(b.len()) > 1 || a == b || a[0] != b[0] {
        return false;
    }
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (rest_a, rest_b) = (&a[common..], &b[common..]);
    match rest_a.len().cmp(&rest_b.len()) {
        std::cmp::Ordering::Equal => {
            rest_a[1..] == rest_b[1..]
                || (rest_a.len() >= 2
                    && rest_a[0] == rest_b[1]
                    && rest_a[1] == rest_b[0]
                    && rest_a[2..] == rest_b[2..])
        }
        std::cmp::Ordering::Less => rest_a == &rest_b[1..],
        std::cmp::Ordering::Greater => &rest_a[1..] == rest_b,
    }
}

/// Words that mean the same in a choice, in either language ("the big one" is "Large").
const SYNONYMS: &[&[&str]] = &[
    &["large", "big", "bigger", "biggest", "grande"],
    &["small", "little", "smaller", "smallest", "pequeno", "chico"],
    &["medium", "mid", "mediano"],
    &["annual", "yearly", "year", "anual"],
    &["monthly", "month", "mensual"],
    &["weekly", "week", "semanal"],
    &["standard", "regular", "normal", "estandar"],
    &["deep", "thorough", "profunda", "fondo"],
    &["manicure", "mani"],
    &["pedicure", "pedi"],
    &[
        "damaged",
        "broken",
        "broke",
        "cracked",
        "shattered",
        "roto",
        "rota",
        "danado",
        "danada",
        "hole",
        "hueco",
        "agujero",
        "torn",
        "ripped",
        "rasgado",
        "dented",
        "abollado",
    ],
    &["apartment", "apt", "condo", "flat", "departamento", "depto"],
    &["house", "home", "casa"],
    &["business", "office", "oficina", "negocio", "store", "local"],
    &["couple", "pareja"],
    // Animals, as a species choice is written and as people name their pet.
    &[
        "dog",
        "perro",
        "perra",
        "perrito",
        "perrita",
        "puppy",
        "cachorro",
        "canine",
        "canino",
        // Breeds people name their dog by.
        "lab",
        "labrador",
        "poodle",
        "caniche",
        "beagle",
        "chihuahua",
        "pug",
        "bulldog",
        "husky",
        "schnauzer",
        "terrier",
        "retriever",
        "spaniel",
        "doodle",
        "goldendoodle",
        "labradoodle",
        "corgi",
        "yorkie",
    ],
    &[
        "cat", "gato", "gata", "gatito", "gatita", "kitten", "kitty", "feline", "felino",
    ],
    &[
        "bird",
        "ave",
        "pajaro",
        "parrot",
        "loro",
        "perico",
        "periquito",
        "canary",
        "canario",
        "parakeet",
        "cockatiel",
    ],
    &["rabbit", "conejo", "coneja", "conejito", "bunny"],
    // The same service in the other language, as mixed texts name it.
    &[
        "vaccines",
        "vaccine",
        "vaccination",
        "vacunas",
        "vacuna",
        "shots",
    ],
    &["whitening", "blanqueamiento", "blanqueo"],
    &["cleaning", "limpieza"],
    &[
        "tires",
        "tire",
        "tyres",
        "tyre",
        "neumaticos",
        "neumatico",
        "llantas",
        "llanta",
        "ruedas",
        "rueda",
    ],
    &[
        "photo",
        "photos",
        "photography",
        "foto",
        "fotos",
        "fotografia",
    ],
    &["spanish", "espanol", "castellano"],
    &["english", "ingles"],
    &["tree", "trees", "arbol", "arboles"],
    &["lawn", "grass", "cesped", "pasto", "zacate"],
    &[
        "citizenship",
        "ciudadania",
        "naturalization",
        "naturalizacion",
    ],
    &["married", "casado", "casada", "casados"],
    &["sweep", "swept", "sweeping", "deshollinar"],
    &["hours", "hour", "hrs", "hr", "horas", "hora"],
    &["minutes", "minute", "mins", "min", "minutos"],
    &[
        "bed",
        "beds",
        "bedroom",
        "bedrooms",
        "br",
        "recamara",
        "recamaras",
        "dormitorio",
        "dormitorios",
    ],
    &["chiropractic", "chiropractor", "chiro", "quiropractico"],
    // Trades and services as either language or a texter names them.
    &["roof", "roofing", "techo", "tejado"],
    &["tile", "tiles", "teja", "tejas"],
    &["brake", "brakes", "freno", "frenos", "frenar"],
    &[
        "refrigerator",
        "fridge",
        "refri",
        "refrigerador",
        "nevera",
        "heladera",
    ],
    &["carpet", "carpets", "alfombra", "alfombras", "moqueta"],
    &["snow", "plow", "plowing", "plowed", "nieve"],
    &["extraction", "pulled", "extraccion"],
    &[
        "tinte", "dye", "dyed", "pintar", "pintarme", "tenir", "tenirme",
    ],
    &["hemming", "hem", "hemmed", "dobladillo"],
    &["conversational", "conversation", "conversacion"],
    &["pickup", "recoger", "recogida"],
    // Rentals and dental work, as mixed texts name them in the other language.
    &["chair", "chairs", "silla", "sillas"],
    &["table", "tables", "mesa", "mesas"],
    &["tent", "tents", "carpa", "carpas", "toldo", "toldos"],
    &["crown", "crowns", "corona", "coronas"],
    &["implant", "implants", "implante", "implantes"],
    &["veneer", "veneers", "carilla", "carillas"],
    &["jointly", "together", "juntos", "conjunta"],
    &["k", "kinder", "kindergarten"],
    // Units as texters say them: "600 megas" is `600 Mbps`, "30 kilos" `30 kg`.
    &["mbps", "megas", "megs", "mb", "megabits"],
    &["kg", "kgs", "kilo", "kilos", "kilogramos"],
    &["gb", "giga", "gigas", "gigabit"],
    &["ft", "foot", "feet", "footer", "pies"],
    &["min", "mins", "minute", "minutes", "minuto", "minutos"],
    &["xv", "quince", "quinceanera"],
];

/// The groups of [`SYNONYMS`] a stem is in, indexed once: [`same_word`] is asked of every word
/// said against every word of every choice, and scanning the groups each time cost a turn with a
/// choice field 5 ms (session 29).
fn synonym_groups(stem_of_word: &str) -> &'static [usize] {
    static GROUPS: LazyLock<HashMap<&'static str, Vec<usize>>> = LazyLock::new(|| {
        let mut groups: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (index, group) in SYNONYMS.iter().enumerate() {
            for word in *group {
                let of_stem = groups.entry(stem(word)).or_default();
                if of_stem.last() != Some(&index) {
                    of_stem.push(index);
                }
            }
        }
        groups
    });
    GROUPS.get(stem_of_word).map_or(&[], Vec::as_slice)
}

/// A word without its English or Spanish ending: "rotating" -> "rotat", "cleaned" -> "clean".
pub(super) fn stem(word: &str) -> &str {
    // "repararlo", "cambiarla": a verb with its pronoun.
    let word = ["lo", "la", "le", "los", "las"]
        .iter()
        .find_map(|clitic| {
            word.strip_suffix(clitic)
                .filter(|verb| verb.ends_with(['r']) && verb.chars().count() >= 5)
        })
        .unwrap_or(word);
    // "frenando", "sirviendo": a Spanish verb in progress.
    const ENDINGS: &[&str] = &[
        "iendo", "ando", "ing", "ion", "ura", "ed", "es", "os", "as", "ar", "er", "ir", "s", "e",
        "o", "a",
    ];
    ENDINGS
        .iter()
        .find_map(|ending| {
            word.strip_suffix(ending)
                .filter(|rest| rest.chars().count() >= 3)
        })
        .unwrap_or(word)
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
            past_day: false,
            birth: false,
            known_date: None,
            known_time: None,
            evening: false,
        };
        when_value(kind, text, &clock(), &rules)
    }

    #[test]
    fn a_field_says_its_words_folded_or_not() {
        assert!(field_says("pet_name", &["pet"]));
        assert!(field_says("Mascota-Año", &["ano"]));
        assert!(field_says("Pet Name", &["pet"]));
        assert!(!field_says("pet_name", &["dog"]));
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
        let later = WhenRules {
            order: dates::Order::DayFirst,
            correcting: true,
            asked: false,
            past_day: false,
            birth: false,
            known_date: Some(date(2026, 12, 1)),
            known_time: None,
            evening: false,
        };
        assert_eq!(
            when_value(FieldType::Datetime, "mejor a las 11", &clock(), &later),
            Some(Ok("2026-12-01T11:00:00-05:00".into())),
            "a later time keeps the day"
        );
        let evening = WhenRules {
            known_date: None,
            known_time: Some(jiff::civil::time(20, 0, 0, 0)),
            ..later
        };
        for (said, time) in [
            ("actually 8:30 is better", "20:30"),
            ("mejor a las 9", "21:00"),
            ("mejor a las 9 de la mañana", "09:00"),
            ("no, 10am", "10:00"),
        ] {
            assert_eq!(
                when_value(FieldType::Time, said, &clock(), &evening),
                Some(Ok(time.into())),
                "a bare hour correcting an evening: {said}"
            );
        }
        let morning = WhenRules {
            known_time: Some(jiff::civil::time(5, 0, 0, 0)),
            ..evening
        };
        for (said, time) in [
            ("actually make it 4:30, security lines are nuts", "04:30"),
            ("make it 4:30pm", "16:30"),
        ] {
            assert_eq!(
                when_value(FieldType::Time, said, &clock(), &morning),
                Some(Ok(time.into())),
                "a bare hour correcting a morning: {said}"
            );
        }
        // "tomorrow night?" in an earlier message, then an hour alone.
        let said_evening = WhenRules {
            correcting: false,
            asked: true,
            known_date: None,
            evening: true,
            ..later
        };
        for (said, time) in [
            ("8:15 if u have it", "20:15"),
            ("8 y media", "20:30"),
            ("7", "19:00"),
            ("9am", "09:00"),
        ] {
            assert_eq!(
                when_value(FieldType::Time, said, &clock(), &said_evening),
                Some(Ok(time.into())),
                "a bare hour after an evening said before: {said}"
            );
        }
    }

    #[test]
    fn a_known_past_day_keeps_and_a_birth_needs_its_year() {
        let past = |known: Option<jiff::civil::Date>, birth: bool, text: &str| {
            let rules = WhenRules {
                order: dates::Order::MonthFirst,
                correcting: false,
                asked: false,
                past_day: true,
                birth,
                known_date: known,
                known_time: None,
                evening: false,
            };
            when_value(FieldType::Date, text, &clock(), &rules)
        };
        let known = Some(date(2026, 11, 24));
        assert_eq!(past(known, false, "can I come in Monday?"), None);
        assert_eq!(past(known, false, "me pueden atender el jueves?"), None);
        assert_eq!(
            past(known, false, "no fue ayer"),
            Some(Ok("2026-11-25".into())),
            "a day said as past still replaces it"
        );
        assert_eq!(
            past(None, true, "Helen Park, dob 03/03/1961"),
            Some(Ok("1961-03-03".into()))
        );
        assert_eq!(past(None, true, "can I pick up friday"), None);
        assert_eq!(past(None, true, "puedo el viernes"), None);
        assert_eq!(
            past(
                None,
                true,
                "I twisted my ankle last Saturday, dob 5/14/1988"
            ),
            Some(Ok("1988-05-14".into()))
        );
    }

    #[test]
    fn several_choices_said_with_the_mix_are_the_mix() {
        let menu: Vec<String> = ["Tacos", "Enchiladas", "Tamales", "Mixed"]
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            choice("tamales y enchiladas mixed", &menu, false).as_deref(),
            Some("Mixed")
        );
        assert_eq!(
            choice("tamales please", &menu, false).as_deref(),
            Some("Tamales")
        );
    }

    /// The choice `text` names among `choices`, outside a correction.
    fn pick(text: &str, choices: &[&str]) -> Option<String> {
        let choices: Vec<String> = choices.iter().map(|c| c.to_string()).collect();
        choice(text, &choices, false)
    }

    #[test]
    fn choices_by_their_meaning_table() {
        let cases: &[(&str, &[&str], &str)] = &[
            (
                "turno de la mañana de preferencia",
                &["Matutino", "Vespertino"],
                "Matutino",
            ),
            (
                "buenas tardes, turno de la mañana",
                &["Matutino", "Vespertino"],
                "Matutino",
            ),
            (
                "los sábados nada más se puede",
                &["Matutino", "Vespertino", "Sabatino"],
                "Sabatino",
            ),
            (
                "en la noche porque trabajo",
                &["Diurna", "Nocturna", "Fin de semana"],
                "Nocturna",
            ),
            ("y por zoom mejor", &["Presencial", "Virtual"], "Virtual"),
            (
                "I'm 5 months pregnant",
                &["Vinyasa", "Yin", "Prenatal"],
                "Prenatal",
            ),
            (
                "no he bailado nunca",
                &["Principiante", "Intermedio", "Avanzado"],
                "Principiante",
            ),
            (
                "quiero arrancar guitarra de cero",
                &["Principiante", "Avanzado"],
                "Principiante",
            ),
            (
                "urge la verdad",
                &["Urgente", "Esta semana", "Sin prisa"],
                "Urgente",
            ),
            (
                "just this once",
                &["One-time", "Weekly", "Seasonal"],
                "One-time",
            ),
            (
                "solo una vez, nos mudamos",
                &["Weekly", "Monthly", "One-time"],
                "One-time",
            ),
            (
                "mañana a la tarde puede ser?",
                &["Mañana", "Tarde"],
                "Tarde",
            ),
            (
                "por la tarde mejor que por la mañana",
                &["Mañana", "Tarde"],
                "Tarde",
            ),
            (
                "the 10:30 one",
                &["8:00 AM", "10:30 AM", "1:00 PM"],
                "10:30 AM",
            ),
            (
                "it's a 2br",
                &["Studio", "1 bedroom", "2 bedroom"],
                "2 bedroom",
            ),
            ("rentan sillas?", &["Tables", "Chairs", "Canopy"], "Chairs"),
            (
                "need a crown",
                &["Limpieza", "Corona", "Implante"],
                "Corona",
            ),
            (
                "lugar para mani y pedi mañana?",
                &["Manicure", "Pedicure", "Mani y pedi"],
                "Mani y pedi",
            ),
            (
                "slipped on a wet floor and fractured my wrist",
                &["Car accident", "Slip and fall", "Workplace injury"],
                "Slip and fall",
            ),
            (
                "I was rear-ended at a red light",
                &["Car accident", "Slip and fall", "Workplace injury"],
                "Car accident",
            ),
            (
                "cotización para unos quince años",
                &["Boda", "XV años", "Cumpleaños"],
                "XV años",
            ),
            (
                "la moto no arranca",
                &["Revisión", "Frenos", "Avería"],
                "Avería",
            ),
            (
                "just a one-time visit for now, not ready to commit to weekly",
                &["Weekly", "Biweekly", "One-time"],
                "One-time",
            ),
            (
                "para ver delfines mañana",
                &["Avistamiento de cetáceos", "Snorkel"],
                "Avistamiento de cetáceos",
            ),
            (
                "me duele mucho una muela",
                &["Teeth cleaning", "Whitening", "Emergency"],
                "Emergency",
            ),
            (
                "pipe under the bathroom sink burst and water is everywhere HELP",
                &["Emergency", "This week", "Flexible"],
                "Emergency",
            ),
            (
                "se ha roto el latiguillo del lavabo y sale agua a chorro",
                &["Urgente", "Esta semana", "Sin prisa"],
                "Urgente",
            ),
            (
                "fine, 2-4 works. Renee Whitcomb 630 555 0113",
                &["8-10am", "10-12pm", "12-2pm", "2-4pm"],
                "2-4pm",
            ),
            (
                "busco profe de análisis matemático para la facu",
                &["Primario", "Secundario", "Universitario"],
                "Universitario",
            ),
            (
                "el aire no enfría y hace un ruido",
                &["AC repair", "Furnace repair", "Maintenance", "New install"],
                "AC repair",
            ),
            (
                "hola, el aire del carro ya no enfría",
                &["Afinación", "Frenos", "Suspensión", "Clima"],
                "Clima",
            ),
            (
                "buscamos gestoría para los impuestos",
                &["Contabilidad", "Asesoría fiscal", "Laboral"],
                "Asesoría fiscal",
            ),
            (
                "necesito hacer mis taxes, tengo 3 kids",
                &["Individual return", "ITIN application", "Business return"],
                "Individual return",
            ),
            (
                "tenemos muchas cucarachas en la cocina",
                &["Fumigación", "Control de roedores", "Termitas"],
                "Fumigación",
            ),
            (
                "quisiera información sobre los brackets",
                &["Limpieza", "Blanqueamiento", "Ortodoncia", "Extracción"],
                "Ortodoncia",
            ),
            (
                "i've been made redundant and don't think it was fair",
                &["Conveyancing", "Divorce", "Employment"],
                "Employment",
            ),
            (
                "me quieren quitar la pensión de alimentos de mis hijos",
                &["Laboral", "Familia", "Civil", "Penal"],
                "Familia",
            ),
            (
                "nunca lo he estudiado",
                &["Básico", "Intermedio", "Avanzado"],
                "Básico",
            ),
        ];
        for (said, choices, chosen) in cases {
            assert_eq!(pick(said, choices).as_deref(), Some(*chosen), "{said}");
        }
        assert_eq!(pick("no urge", &["Urgente", "Normal"]), None);
    }

    #[test]
    fn choices_said_in_other_words_or_languages() {
        let package = ["4 hours", "6 hours", "8 hours", "Full day"];
        assert_eq!(
            pick("we're thinking 6 hrs of coverage", &package).as_deref(),
            Some("6 hours")
        );
        let units = ["Studio", "1 bed", "2 bed", "3 bed"];
        assert_eq!(
            pick("hi, any 2 bedrooms available", &units).as_deref(),
            Some("2 bed")
        );
        let units = ["5x5", "10x10", "10x20"];
        assert_eq!(
            pick("the big one, 10 by 20", &units).as_deref(),
            Some("10x20")
        );
        assert_eq!(pick("unos 10 x 10", &units).as_deref(), Some("10x10"));
        let taller = ["ITV", "Cambio de aceite", "Neumáticos"];
        assert_eq!(
            pick("quiero cambiar las 4 ruedas", &taller).as_deref(),
            Some("Neumáticos")
        );
        let coverage = ["Photo", "Video", "Photo and video"];
        assert_eq!(
            pick("need foto y video", &coverage).as_deref(),
            Some("Photo and video")
        );
        let language = ["English", "Spanish"];
        assert_eq!(
            pick("prefiero en español please", &language).as_deref(),
            Some("Spanish")
        );
        let resolution = ["Refund", "Exchange", "Store credit"];
        assert_eq!(
            pick("can i just get my money back", &resolution).as_deref(),
            Some("Refund")
        );
        let problema = ["Producto dañado", "No llegó", "Cobro doble"];
        assert_eq!(
            pick("me cobraron dos veces el pedido", &problema).as_deref(),
            Some("Cobro doble")
        );
        // Common business words in the other language or as texters say them.
        for (said, choices, chosen) in [
            (
                "how much to plow my driveway",
                &["Snow removal", "Lawn care", "Gutter cleaning"][..],
                "Snow removal",
            ),
            (
                "se está goteando el techo de teja",
                &["Shingle", "Tile", "Metal", "Flat"],
                "Tile",
            ),
            (
                "my fridge no enfría",
                &["Washer", "Dryer", "Refrigerator", "Dishwasher"],
                "Refrigerator",
            ),
            (
                "necesito limpiar las alfombras",
                &["Regular", "Deep", "Carpet"],
                "Carpet",
            ),
            (
                "hi can you hem a pair of suit pants",
                &["Hemming", "Taking in", "Letting out"],
                "Hemming",
            ),
            (
                "quiero sacar cita pa pintarme el cabello",
                &["Corte", "Tinte", "Manicure", "Peinado"],
                "Tinte",
            ),
            (
                "need a groom for my goldendoodle",
                &["Dog grooming", "Cat grooming", "Nail trim"],
                "Dog grooming",
            ),
            (
                "queremos inscribir a mi hija en kinder",
                &["Pre-K", "K", "1st", "2nd"],
                "K",
            ),
            (
                "translation of my birth certificate from spanish to english",
                &["Spanish>English", "English>Spanish", "French>English"],
                "Spanish>English",
            ),
            (
                "hi my wife and I want to set up a living trust",
                &["Single", "Married", "Divorced", "Widowed"],
                "Married",
            ),
            (
                "hi car won't start, think the battery's dead",
                &["Towing", "Jump start", "Lockout", "Flat tire"],
                "Jump start",
            ),
            (
                "whats in deluxe vs ultimate? we'll prob go deluxe",
                &["Basic", "Deluxe", "Ultimate"],
                "Deluxe",
            ),
        ] {
            assert_eq!(pick(said, choices).as_deref(), Some(chosen), "{said}");
        }
    }

    #[test]
    fn a_choice_left_or_said_in_passing_is_not_the_one_chosen() {
        assert_eq!(
            pick(
                "Dana from Business, we need help",
                &["Free", "Team", "Business"]
            )
            .as_deref(),
            Some("Business")
        );
        assert_eq!(
            pick(
                "how do i upgrade from free to team",
                &["Free", "Team", "Business"]
            )
            .as_deref(),
            Some("Team")
        );
        let classes = ["Spin", "HIIT", "Pilates", "Boxing"];
        assert_eq!(
            pick("cant make spin tonight, can i switch to pilates", &classes).as_deref(),
            Some("Pilates")
        );
        assert_eq!(
            pick("en vez de spin, pilates", &classes).as_deref(),
            Some("Pilates")
        );
        // Prepositions, "esta" and what follows an apostrophe name no choice.
        let servicio = [
            "Declaración anual",
            "Contabilidad mensual",
            "Alta en el SAT",
        ];
        assert_eq!(pick("estoy en el régimen RESICO", &servicio), None);
        let urgencia = ["Urgente", "Esta semana", "Sin prisa"];
        assert_eq!(pick("ya está, gracias", &urgencia), None);
        assert_eq!(
            pick("esta semana si se puede", &urgencia).as_deref(),
            Some("Esta semana")
        );
        let weeks = ["This week", "Next week", "Next month"];
        assert_eq!(pick("the week after", &weeks), None);
        let zona = ["General".to_string(), "VIP".to_string()];
        assert_eq!(
            choice("mejor general, VIP está muy caro", &zona, true).as_deref(),
            Some("General")
        );
        let habitacion = [
            "Standard".to_string(),
            "Deluxe".to_string(),
            "Suite".to_string(),
        ];
        assert_eq!(
            choice("ah no, deluxe mejor", &habitacion, true).as_deref(),
            Some("Deluxe")
        );
        let sizes = ["S", "M", "L", "XL"];
        assert_eq!(pick("name's Tyler Brooks", &sizes), None);
        assert_eq!(pick("I'm not sure", &sizes), None);
        assert_eq!(
            pick("the small, it's for my son", &sizes).as_deref(),
            Some("S")
        );
    }

    #[test]
    fn levels_and_taxes_by_what_people_say() {
        let nivel = ["Iniciación", "Perfeccionamiento"];
        assert_eq!(
            pick("mi hija tiene 6 años y no sabe nadar", &nivel).as_deref(),
            Some("Iniciación")
        );
        let ingles = ["Principiante", "Intermedio", "Avanzado"];
        assert_eq!(
            pick("básico, nunca ha tomado clases", &ingles).as_deref(),
            Some("Principiante")
        );
        let taxes = ["Personal tax return", "Business tax return", "Bookkeeping"];
        assert_eq!(
            pick("need help filing taxes for my llc this year", &taxes).as_deref(),
            Some("Business tax return")
        );
    }

    #[test]
    fn pets_repairs_and_licences_by_what_people_call_them() {
        let species = ["Dog", "Cat", "Horse", "Other"];
        assert_eq!(
            pick("my lab ate a whole chocolate bar", &species).as_deref(),
            Some("Dog")
        );
        let especie = ["Perro", "Gato", "Exótico"];
        assert_eq!(
            pick("mi gatica Luna no quiere comer", &especie).as_deref(),
            Some("Gato")
        );
        assert_eq!(
            pick("mi conejo Tambor necesita vacuna", &especie).as_deref(),
            Some("Exótico")
        );
        let carnet = ["B", "A2", "C", "Moto AM"];
        assert_eq!(
            pick("me quiero sacar el carnet de coche", &carnet).as_deref(),
            Some("B")
        );
        let servicio = ["Cambio de aceite", "Revisión de frenos", "Diagnóstico"];
        assert_eq!(
            pick("el carro está frenando raro", &servicio).as_deref(),
            Some("Revisión de frenos")
        );
        let boiler = ["Boiler service", "Boiler repair", "Radiator fitting"];
        assert_eq!(
            pick("boiler's making a banging noise and no hot water", &boiler).as_deref(),
            Some("Boiler repair")
        );
        let entrega = ["Recoger en tienda", "Envío a domicilio"];
        assert_eq!(
            pick("me lo mandan a Priv. Los Pinos 45", &entrega).as_deref(),
            Some("Envío a domicilio")
        );
        let chimney = ["Sweep", "Inspection", "Sweep and inspection"];
        assert_eq!(
            pick("can we get the chimney swept and inspected", &chimney).as_deref(),
            Some("Sweep and inspection")
        );
    }

    #[test]
    fn choices_named_by_an_amount() {
        let cases: &[(&str, &[&str], Option<&str>)] = &[
            // In words, as the choice writes it in figures.
            (
                "el de diez clases",
                &["5 clases", "10 clases"],
                Some("10 clases"),
            ),
            (
                "estoy embarazada de 5 meses, quiero el bono de diez",
                &["Clase suelta", "Bono 5 clases", "Bono 10 clases"],
                Some("Bono 10 clases"),
            ),
            (
                "primero básico",
                &["Kínder", "1° básico", "2° básico"],
                Some("1° básico"),
            ),
            // Alone, only when said as which one.
            (
                "dos tanques de 30",
                &["20 kg", "30 kg", "45 kg"],
                Some("30 kg"),
            ),
            (
                "la de 6 así estamos cómodos",
                &["Cabaña 4 personas", "Cabaña 6 personas"],
                Some("Cabaña 6 personas"),
            ),
            (
                "el de 600 entonces",
                &["300 megas", "600 megas"],
                Some("600 megas"),
            ),
            ("de 8 a 10 estoy en casa", &["8 kg", "10 kg"], None),
            ("el 2 de noviembre", &["1 bedroom", "2 bedroom"], None),
            // "02" in a phone number is no 2.
            ("Adrián Molina 634 77 81 02", &["B", "A2", "C"], None),
            // Units as texters say them.
            (
                "quiero el plan de 600 megas",
                &["300 Mbps", "600 Mbps"],
                Some("600 Mbps"),
            ),
            (
                "ok the 7 foot then",
                &["6 ft", "7 ft", "8 ft"],
                Some("7 ft"),
            ),
            // Lengths of time in minutes.
            (
                "hour and a half please",
                &["60 min", "90 min"],
                Some("90 min"),
            ),
            (
                "hora y media",
                &["60 min", "90 min", "120 min"],
                Some("90 min"),
            ),
            (
                "half hour lessons",
                &["30 min", "45 min", "60 min"],
                Some("30 min"),
            ),
            (
                "an hour massage for monday",
                &["Massage 60 min", "Massage 90 min", "Physio assessment"],
                Some("Massage 60 min"),
            ),
            // How long a plan runs, how often.
            (
                "me interesa el de 3 meses",
                &["Mensual", "Trimestral", "Anual"],
                Some("Trimestral"),
            ),
            (
                "every couple of months would do us",
                &["One-off", "Every 4 weeks", "Every 8 weeks"],
                Some("Every 8 weeks"),
            ),
            (
                "monthly ideally",
                &["One-off", "Every 4 weeks", "Every 8 weeks"],
                Some("Every 4 weeks"),
            ),
            (
                "unos 120 m2, de lunes a viernes",
                &["Diaria", "Semanal", "Quincenal"],
                Some("Diaria"),
            ),
            // The first rung of a ladder of experience.
            ("empiezo desde cero", &["A1", "A2", "B1"], Some("A1")),
            (
                "never climbed before",
                &["First time", "Some experience", "Experienced"],
                Some("First time"),
            ),
            (
                "clases de surf para principiantes?",
                &["Iniciación", "Intermedio", "Avanzado"],
                Some("Iniciación"),
            ),
            (
                "first time patient",
                &["New patient", "Returning patient"],
                Some("New patient"),
            ),
            ("it never worked", &["None", "Minor", "Major"], None),
        ];
        for (text, choices, expected) in cases {
            assert_eq!(pick(text, choices).as_deref(), *expected, "{text}");
        }
    }

    #[test]
    fn a_size_in_words_is_its_letter_in_any_choice() {
        let costumes = ["Kids S", "Kids M", "Kids L", "Adult S", "Adult M"];
        assert_eq!(pick("kids medium", &costumes).as_deref(), Some("Kids M"));
        let tallas = ["CH", "M", "G", "XG"];
        assert_eq!(pick("talla grande", &tallas).as_deref(), Some("G"));
        assert_eq!(pick("extra grande", &tallas).as_deref(), Some("XG"));
        assert_eq!(pick("la chica", &tallas).as_deref(), Some("CH"));
    }

    #[test]
    fn a_choice_is_not_named_by_a_look_alike_word() {
        // An English verb is not its agent noun.
        let plans = ["Starter", "Pro", "Enterprise"];
        assert_eq!(
            pick("somos una startup, queremos el plan enterprise", &plans).as_deref(),
            Some("Enterprise")
        );
        assert_eq!(pick("about 35 seats to start", &plans), None);
        assert_eq!(pick("the starter plan", &plans).as_deref(), Some("Starter"));
        // A typo keeps the first letter: "killing" is no "Filling".
        let dental = ["Cleaning", "Filling", "Extraction"];
        assert_eq!(pick("my back tooth is killing me", &dental), None);
        assert_eq!(pick("need a filing", &dental).as_deref(), Some("Filling"));
        // A choice said as not the case is refused: "no es urgente".
        let urgencia = ["Urgente", "Esta semana", "Cuando puedan"];
        assert_eq!(
            pick("cuando puedan, no es urgente", &urgencia).as_deref(),
            Some("Cuando puedan")
        );
        assert_eq!(
            pick("it isn't urgent, whenever", &["Urgent", "Whenever"]).as_deref(),
            Some("Whenever")
        );
    }

    #[test]
    fn a_word_cut_short_names_its_choice() {
        let subjects = ["Algebra", "Geometry", "Calculus", "Statistics"];
        assert_eq!(
            pick("calc tutoring before the final", &subjects).as_deref(),
            Some("Calculus")
        );
        let materias = ["Matemáticas", "Español", "Inglés", "Ciencias"];
        assert_eq!(
            pick("va mal en mate", &materias).as_deref(),
            Some("Matemáticas")
        );
        let insurers = ["Aetna", "Cigna", "UnitedHealthcare", "Self-pay"];
        assert_eq!(
            pick("i have united", &insurers).as_deref(),
            Some("UnitedHealthcare")
        );
        assert_eq!(pick("this week", &["Weekend", "Weekdays"]), None);
        assert_eq!(
            pick(
                "bridal party hair",
                &["Haircut", "Blowout", "Bridal party styling"]
            )
            .as_deref(),
            Some("Bridal party styling")
        );
    }

    #[test]
    fn claims_urgency_and_visits_by_meaning() {
        let claims = ["Auto", "Home", "Renters", "Life"];
        let cases = [
            ("someone backed into my car in a parking lot", "Auto"),
            ("a pipe burst in my kitchen", "Home"),
            ("my basement flooded this morning", "Home"),
            ("I rent, no soy dueña", "Renters"),
        ];
        for (text, expected) in cases {
            assert_eq!(pick(text, &claims).as_deref(), Some(expected), "{text}");
        }
        let kinds = ["Robo", "Incendio", "Inundación", "Choque"];
        assert_eq!(pick("me robaron la moto", &kinds).as_deref(), Some("Robo"));
        let urgency = ["Emergency", "Soon", "Whenever"];
        assert_eq!(
            pick("water coming up from the drain, need someone NOW", &urgency).as_deref(),
            Some("Emergency")
        );
        assert_eq!(
            pick("a small leak but no rush", &urgency).as_deref(),
            Some("Whenever")
        );
        let urgencia = ["Alta", "Media", "Baja"];
        assert_eq!(
            pick("no es urgente, cuando puedan", &urgencia).as_deref(),
            Some("Baja")
        );
        let visits = ["Check-up", "Sick visit", "Vaccination", "Injury"];
        assert_eq!(
            pick("my son twisted his ankle at soccer", &visits).as_deref(),
            Some("Injury")
        );
        let vet = ["Revisión", "Vacunas", "Enfermedad", "Cirugía"];
        assert_eq!(
            pick("mi gata no come y vomita", &vet).as_deref(),
            Some("Enfermedad")
        );
        assert_eq!(
            pick("my dog needs his vaccines", &vet).as_deref(),
            Some("Vacunas")
        );
        let returns = ["Wrong size", "Damaged", "Not as described"];
        assert_eq!(
            pick("they're too small", &returns).as_deref(),
            Some("Wrong size")
        );
        // Words of two topics at once point to no one choice.
        assert_eq!(pick("no rush, but water everywhere", &urgency), None);
    }

    #[test]
    fn how_often_and_trades_by_meaning() {
        let pick = |text: &str, choices: &[&str], correcting: bool| {
            let choices: Vec<String> = choices.iter().map(|c| c.to_string()).collect();
            choice(text, &choices, correcting)
        };
        let often = ["Weekly", "Biweekly", "Monthly", "One time"];
        for (text, expected) in [
            ("every other week please", "Biweekly"),
            ("weekly mowing", "Weekly"),
            ("once a month is plenty", "Monthly"),
            ("fortnightly", "Biweekly"),
        ] {
            assert_eq!(
                pick(text, &often, false).as_deref(),
                Some(expected),
                "{text}"
            );
        }
        assert_eq!(
            pick("every week, no wait, every other week", &often, true).as_deref(),
            Some("Biweekly")
        );
        let frecuencia = ["Semanal", "Quincenal", "Mensual"];
        assert_eq!(
            pick("cada quince días", &frecuencia, false).as_deref(),
            Some("Quincenal")
        );
        assert_eq!(
            pick("una vez al mes", &frecuencia, false).as_deref(),
            Some("Mensual")
        );
        let plumbing = ["Drain cleaning", "Water heater repair", "Leak repair"];
        assert_eq!(
            pick("kitchen sink is backed up bad", &plumbing, false).as_deref(),
            Some("Drain cleaning")
        );
        // Two choices share the word said: what it is about decides.
        let cooling = ["AC repair", "AC install", "Maintenance"];
        assert_eq!(
            pick("el AC no enfría nada", &cooling, false).as_deref(),
            Some("AC repair")
        );
        assert_eq!(pick("how much is a new AC", &cooling, false), None);
        let oficios = ["Fontanería", "Electricidad", "Cerrajería"];
        assert_eq!(
            pick(
                "me he quedado fuera de casa, las llaves dentro",
                &oficios,
                false
            )
            .as_deref(),
            Some("Cerrajería")
        );
        let grooming = ["Bath", "Nail trim", "Full groom"];
        assert_eq!(
            pick("un baño para mi perro", &grooming, false).as_deref(),
            Some("Bath")
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
            address("It's 1200 Oak Street Apt 4, Springfield", false).as_deref(),
            Some("1200 Oak Street Apt 4, Springfield")
        );
        assert_eq!(
            address("vivo en Calle Mayor 12, 3B", false).as_deref(),
            Some("Calle Mayor 12, 3B")
        );
        assert_eq!(address("on the street", false), None);
    }

    #[test]
    fn answers_that_lean_on_the_question_or_the_value_before() {
        assert_eq!(
            when(FieldType::Time, "2 works", true),
            Some(Ok("14:00".into())),
            "a bare hour answers the question about the time"
        );
        assert_eq!(when(FieldType::Time, "2 works", false), None);
        let corrected = WhenRules {
            order: dates::Order::DayFirst,
            correcting: true,
            asked: false,
            past_day: false,
            birth: false,
            known_date: Some(date(2026, 12, 8)),
            known_time: None,
            evening: false,
        };
        assert_eq!(
            when_value(FieldType::Date, "no, el 9", &clock(), &corrected),
            Some(Ok("2026-12-09".into())),
            "a day alone keeps the month"
        );
        assert_eq!(
            when_value(
                FieldType::Date,
                "actually can we do the 15th instead",
                &clock(),
                &corrected
            ),
            Some(Ok("2026-12-15".into())),
            "a day of the month alone keeps the month, though its next one is sooner"
        );
        assert_eq!(
            when(
                FieldType::Time,
                "de 7 a 11 de la noche, como 80 personas",
                false
            ),
            Some(Ok("19:00".into())),
            "a range of hours for one time is when it starts"
        );
        assert_eq!(
            when_value(
                FieldType::Date,
                "oops el 20, not the 19",
                &clock(),
                &corrected
            ),
            Some(Ok("2026-12-20".into())),
            "the day refused is not the one kept"
        );
        let matters: Vec<String> = ["Family law", "Immigration", "Personal injury", "Criminal"]
            .map(String::from)
            .to_vec();
        let about = |text| choice(text, &matters, false);
        assert_eq!(
            about("I was rear-ended last week").as_deref(),
            Some("Personal injury")
        );
        assert_eq!(
            about("my green card renewal got denied").as_deref(),
            Some("Immigration")
        );
        assert_eq!(
            about("necesito asesoría para un divorcio").as_deref(),
            Some("Family law")
        );
        assert_eq!(about("eyelash extensions?"), None);
        let cuts: Vec<String> = ["Corte", "Corte y color"].map(String::from).to_vec();
        assert_eq!(
            choice("mejor solo corte, el color lo dejo", &cuts, true).as_deref(),
            Some("Corte")
        );
        let salon: Vec<String> = ["Cut", "Cut and colour"].map(String::from).to_vec();
        assert_eq!(
            choice("actually a cut, skip the colour", &salon, true).as_deref(),
            Some("Cut")
        );
        let sizes: Vec<String> = ["S", "M", "L", "XL"].map(String::from).to_vec();
        assert_eq!(
            choice("¿la tenéis en mediana?", &sizes, false).as_deref(),
            Some("M")
        );
        let payment: Vec<String> = ["Efectivo", "Tarjeta", "Transferencia"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            choice("le hago una tranferencia", &payment, false).as_deref(),
            Some("Transferencia"),
            "one letter missing is a typo"
        );
        let skin: Vec<String> = ["Seca", "Grasa", "Mixta"].map(String::from).to_vec();
        assert_eq!(
            choice("tengo la piel bastante grasosa", &skin, false).as_deref(),
            Some("Grasa")
        );
        let passes: Vec<String> = ["Monthly", "Annual", "Day pass"].map(String::from).to_vec();
        assert_eq!(
            choice("i'd start monday", &passes, false),
            None,
            "a weekday is no day pass"
        );
        let budgets: Vec<String> = ["Under $5k", "$5k-$15k", "Over $15k"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            choice("thinking about $10k for the whole thing", &budgets, false).as_deref(),
            Some("$5k-$15k")
        );
        assert_eq!(
            choice("around 3,000", &budgets, false).as_deref(),
            Some("Under $5k")
        );
        let methods = vec!["Delivery".to_string(), "Pickup".to_string()];
        assert_eq!(choice("delivery or pickup?", &methods, false), None);
        assert_eq!(
            number("6 people, sorry 7").as_deref(),
            Some("6"),
            "number() reads the first; a correction reads the last"
        );
        assert_eq!(
            numbers::field_number(
                "tres con el bebé",
                "people",
                &[],
                numbers::NumberAsk::default()
            )
            .as_deref(),
            Some("3")
        );
        assert_eq!(
            numbers::field_number(
                "6 people, sorry 7",
                "people",
                &[],
                numbers::NumberAsk {
                    correcting: true,
                    ..numbers::NumberAsk::default()
                }
            )
            .as_deref(),
            Some("7")
        );
    }

    #[test]
    fn corrections_are_recognised_in_both_languages() {
        assert!(is_correction("actually use dana@x.io"));
        assert!(is_correction("Perdón, mi correo es ana@x.es"));
        assert!(!is_correction("I'm Dana, notably busy"));
        assert!(is_correction("no, el 9"));
        assert!(is_correction(
            "i have an appt friday at 2 but can we move it to 4"
        ));
        assert!(is_correction("ah no, somos más bien 100"));
        assert!(!is_correction("nobody told me"));
        assert!(is_correction(
            "moving in the 1st of next month... scratch that, this saturday"
        ));
        assert!(is_correction("the 1st of next month... lets say march 1"));
    }

    /// Cues whose words share beginnings and endings, so that matches overlap and nest.
    static NESTED_CUES: Cues = Cues::new(&["no", "no es", "es", "not ", "note", "o n", "é"]);

    proptest::proptest! {
        /// The automaton finds what a search for each cue in turn finds.
        #[test]
        fn cues_are_found_as_one_search_per_cue_finds_them(text in "[noté s]{0,24}") {
            let first_end = NESTED_CUES
                .list
                .iter()
                .filter_map(|cue| text.find(cue).map(|at| at + cue.len()))
                .min();
            proptest::prop_assert_eq!(NESTED_CUES.first_end(&text), first_end);
            let mut starts = Vec::new();
            for at in (0..text.len()).filter(|&at| text.is_char_boundary(at)) {
                for cue in NESTED_CUES.list {
                    if text[at..].starts_with(cue) {
                        starts.push(at);
                    }
                }
            }
            let mut found: Vec<usize> = NESTED_CUES.starts(&text).collect();
            found.sort_unstable();
            proptest::prop_assert_eq!(found, starts);
        }

        /// ASCII is folded byte by byte as any text is char by char.
        #[test]
        fn ascii_is_folded_as_any_text_is(text in "[ -~]{0,40}") {
            let char_by_char: String = text.chars().flat_map(char::to_lowercase).collect();
            proptest::prop_assert_eq!(fold(&text), char_by_char);
        }

        #[test]
        fn readers_never_panic(text in "\\PC{0,120}") {
            let _ = number(&text);
            let _ = address(&text, true);
            let _ = choice(&text, &["a b".to_string()], true);
            let _ = when(FieldType::Datetime, &text, true);
        }
    }
}
