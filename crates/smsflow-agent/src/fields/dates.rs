//! Days and times as people text them, in English and Spanish: "next Tuesday 3pm", "tomorrow at
//! 10", "March 5th", "3/5", "el martes a las 5", "mañana a las 10 de la mañana", "5 de marzo".
//! Relative days are resolved from `today` (the business's local date).

use jiff::ToSpan;
use jiff::civil::{Date, Time, Weekday};

use crate::fields::fold;

/// A day, a time, or both, as read from one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct When {
    pub date: Option<Date>,
    pub time: Option<Time>,
    /// The day was given with a year, or as "today"/"tomorrow" (never moved to next year).
    pub exact_year: bool,
}

/// Words before the first hour of a range: "from 2 to 4", "de 10 a 1", "between 9 and 11".
const RANGE_OPENERS: &[&str] = &["from", "de", "desde", "between", "entre"];

/// Words between the hours of a range.
const RANGE_JOINS: &[&str] = &[
    "to", "till", "until", "a", "al", "hasta", "and", "y", "-", "–",
];

/// The hours a booking starts and ends at, written as a range: "next Friday 2-4pm", "el viernes
/// de 10 a 1", "from 9:30 to 11am". Without a word before it ("from", "de") a range needs an
/// "am"/"pm" or a colon ("10-12 people" is a count). An end without "am"/"pm" that would come
/// before the start is in the afternoon ("de 10 a 1" ends at 13:00); a start without one takes
/// the end's when that keeps it first ("2-4pm" starts at 14:00).
pub fn hour_range(text: &str) -> Option<(Time, Time)> {
    let folded = fold(text);
    // "2-4pm" and "2 - 4pm" read as "2 - 4pm".
    let spaced = folded.replace(['-', '–'], " - ");
    let tokens: Vec<&str> = spaced
        .split_whitespace()
        .map(|token| token.trim_end_matches([',', '.', '!', '?', ';']))
        .collect();
    (0..tokens.len()).find_map(|at| {
        let opened = at > 0 && RANGE_OPENERS.contains(&tokens[at - 1]);
        let (start, start_len) = clock_hour(&tokens[at..])?;
        let join = *tokens.get(at + start_len)?;
        if !RANGE_JOINS.contains(&join) {
            return None;
        }
        let (end, end_len) = clock_hour(&tokens[at + start_len + 1..])?;
        // "de 10 a 12 de marzo" are days.
        let after = at + start_len + 1 + end_len;
        let dated = tokens[after..].iter().take(2).any(|word| is_month(word));
        if dated {
            return None;
        }
        let marked = start.meridiem.is_some()
            || end.meridiem.is_some()
            || start.minute > 0
            || end.minute > 0;
        if !(opened || marked) {
            return None;
        }
        let end_hour = match end.meridiem {
            Some(pm) => end.hour % 12 + if pm { 12 } else { 0 },
            None if end.hour <= 12 && end.minutes() <= start.minutes() => end.hour + 12,
            None => end.hour,
        };
        let start_hour = match (start.meridiem, end.meridiem) {
            (Some(pm), _) => start.hour % 12 + if pm { 12 } else { 0 },
            (None, Some(true)) if start.hour < 12 && start.hour + 12 < end_hour => start.hour + 12,
            _ => start.hour,
        };
        let start = Time::new(i8::try_from(start_hour).ok()?, start.minute, 0, 0).ok()?;
        let end = Time::new(i8::try_from(end_hour).ok()?, end.minute, 0, 0).ok()?;
        (start < end).then_some((start, end))
    })
}

/// An hour as written in a range: "2", "4pm", "9:30", "11 am".
#[derive(Debug, Clone, Copy)]
struct ClockHour {
    hour: u8,
    minute: i8,
    /// Some(true) for "pm", Some(false) for "am".
    meridiem: Option<bool>,
}

impl ClockHour {
    /// Minutes since midnight as written, before any "am"/"pm" is applied.
    fn minutes(self) -> i32 {
        i32::from(self.hour) * 60 + i32::from(self.minute)
    }
}

/// The hour the tokens open with, and how many tokens it takes ("4", "pm" is two).
fn clock_hour(tokens: &[&str]) -> Option<(ClockHour, usize)> {
    let token = *tokens.first()?;
    let meridiem_of = |word: &str| match word {
        "am" | "a.m" | "a.m." => Some(false),
        "pm" | "p.m" | "p.m." => Some(true),
        _ => None,
    };
    let (number, mut meridiem) = ["am", "pm"]
        .iter()
        .find_map(|mark| {
            token
                .strip_suffix(mark)
                .map(|number| (number, meridiem_of(mark)))
        })
        .unwrap_or((token, None));
    let (hour, minute) = number.split_once(':').unwrap_or((number, "0"));
    if hour.is_empty() || !hour.chars().all(|c| c.is_ascii_digit()) || hour.len() > 2 {
        return None;
    }
    let hour: u8 = hour.parse().ok()?;
    let minute: i8 = minute.parse().ok()?;
    let mut len = 1;
    if meridiem.is_none()
        && let Some(mark) = tokens.get(1).and_then(|word| meridiem_of(word))
    {
        meridiem = Some(mark);
        len = 2;
    }
    // "de 7 a 11 de la noche": the part of the day after the hour.
    if meridiem.is_none()
        && let Some(pm) = match tokens.get(1..4) {
            Some(["de" | "por" | "en", "la", "noche" | "tarde"]) => Some(true),
            Some(["de" | "por" | "en", "la", "manana"]) => Some(false),
            Some(["in", "the", "evening" | "afternoon"]) => Some(true),
            Some(["in", "the", "morning"]) => Some(false),
            _ => None,
        }
    {
        meridiem = Some(pm);
        len = 4;
    }
    let valid = if meridiem.is_some() {
        (1..=12).contains(&hour)
    } else {
        hour <= 23
    };
    (valid && (0..60).contains(&minute)).then_some((
        ClockHour {
            hour,
            minute,
            meridiem,
        },
        len,
    ))
}

/// How to read "3/5": month first (US) or day first (most other countries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    MonthFirst,
    DayFirst,
}

const WEEKDAYS: &[(&str, Weekday)] = &[
    ("monday", Weekday::Monday),
    ("mon", Weekday::Monday),
    ("lunes", Weekday::Monday),
    ("tuesday", Weekday::Tuesday),
    ("tue", Weekday::Tuesday),
    ("tues", Weekday::Tuesday),
    ("martes", Weekday::Tuesday),
    ("wednesday", Weekday::Wednesday),
    ("wed", Weekday::Wednesday),
    ("miercoles", Weekday::Wednesday),
    ("thursday", Weekday::Thursday),
    ("thu", Weekday::Thursday),
    ("thur", Weekday::Thursday),
    ("thurs", Weekday::Thursday),
    ("jueves", Weekday::Thursday),
    ("friday", Weekday::Friday),
    ("fri", Weekday::Friday),
    ("viernes", Weekday::Friday),
    ("saturday", Weekday::Saturday),
    ("sat", Weekday::Saturday),
    ("sabado", Weekday::Saturday),
    ("sunday", Weekday::Sunday),
    ("sun", Weekday::Sunday),
    ("domingo", Weekday::Sunday),
];

const MONTHS: &[(&str, i8)] = &[
    ("january", 1),
    ("jan", 1),
    ("enero", 1),
    ("february", 2),
    ("feb", 2),
    ("febrero", 2),
    ("march", 3),
    ("mar", 3),
    ("marzo", 3),
    ("april", 4),
    ("apr", 4),
    ("abril", 4),
    ("may", 5),
    ("mayo", 5),
    ("june", 6),
    ("jun", 6),
    ("junio", 6),
    ("july", 7),
    ("jul", 7),
    ("julio", 7),
    ("august", 8),
    ("aug", 8),
    ("agosto", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("septiembre", 9),
    ("setiembre", 9),
    ("october", 10),
    ("oct", 10),
    ("octubre", 10),
    ("november", 11),
    ("nov", 11),
    ("noviembre", 11),
    ("december", 12),
    ("dec", 12),
    ("diciembre", 12),
];

/// A weekday's name, also in the plural that says "every" ("saturdays at 11", "thursdays are
/// better"): the next such day.
fn weekday(word: &str) -> Option<Weekday> {
    let named = |word: &str| {
        WEEKDAYS
            .iter()
            .find(|(w, _)| *w == word)
            .map(|(_, day)| *day)
    };
    named(word).or_else(|| {
        word.strip_suffix('s')
            .filter(|one| one.ends_with("day"))
            .and_then(named)
    })
}

/// Whether `word` (folded) names a month: a number beside it is a day.
pub fn is_weekday(word: &str) -> bool {
    weekday(word).is_some()
}

/// Whether `text` names a month or a weekday: a day of the month said with one is not a day
/// alone.
pub fn names_month_or_weekday(text: &str) -> bool {
    tokens(text)
        .iter()
        .any(|word| is_month(word) || is_weekday(word))
}

/// Whether `text` names a day by itself ("Christmas", "Friday", "NYE"), whatever today is.
pub fn names_a_day(text: &str) -> bool {
    let any_day = Date::constant(2026, 1, 1);
    !days(text, any_day, Order::MonthFirst).is_empty()
}

pub fn is_month(word: &str) -> bool {
    month(word).is_some()
}

fn month(word: &str) -> Option<i8> {
    MONTHS.iter().find(|(w, _)| *w == word).map(|(_, m)| *m)
}

/// "5", "5th", "1st", "22nd", "3rd" -> the number.
fn day_number(word: &str) -> Option<i8> {
    let digits = word
        .strip_suffix("st")
        .or_else(|| word.strip_suffix("nd"))
        .or_else(|| word.strip_suffix("rd"))
        .or_else(|| word.strip_suffix("th"))
        .unwrap_or(word);
    digits
        .parse::<i8>()
        .ok()
        .filter(|day| (1..=31).contains(day))
}

/// Words that open the new value in a correction ("actually friday, thursday I work").
const FOCUS_CUES: &[&str] = &[
    "actually",
    "wait",
    "mejor",
    "sorry",
    "perdon",
    "perdona",
    "meant",
    "decir",
    "correction",
    "correccion",
    "corrijo",
    "oops",
    "typo",
    "espera",
    "rather",
    "prefiero",
    "nvm",
    // "make that tuesday, i work monday".
    "make",
    // "hoy no se puede? entonces mañana": the day after "entonces" is the one kept.
    "entonces",
];

/// Words, lower-cased and without accents, with the punctuation that separates them dropped
/// (`:` `/` `-` `.` inside a token are kept: "3:30", "3/5", "2026-03-05", "p.m.").
fn tokens(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '!' | '?' | '(' | ')' | '"'))
        .map(|token| token.trim_matches(|c: char| matches!(c, '.' | ':' | '-' | '/' | '\'')))
        .filter(|token| !token.is_empty())
        .map(str::to_string)
        .collect()
}

/// A day of the month said alone, as a correction says it: "no, el 9", "sorry, the 12th",
/// "sorry, 28th".
pub fn day_alone(text: &str) -> Option<i8> {
    let words = tokens(text);
    let days: Vec<i8> = words
        .iter()
        .enumerate()
        .filter(|(at, word)| {
            // An ordinal ("28th") is a day without its article.
            (*at > 0 && matches!(words[at - 1].as_str(), "el" | "the" | "dia"))
                || word.ends_with(char::is_alphabetic)
        })
        // "the 24th not the 17th": the day said not to be is no answer.
        .filter(|(at, _)| {
            !words[at.saturating_sub(2)..*at]
                .iter()
                .any(|word| word == "not")
        })
        .filter_map(|(_, word)| day_number(word))
        .collect();
    match days.as_slice() {
        [.., last] => Some(*last),
        [] => None,
    }
}

/// The first of the month of a day that month lacks ("Feb 30th", "el 31 de junio", "the 31st of
/// april"), in the year such a day would come next: a later "sorry, 28th" is read in it.
pub fn impossible_day_month(text: &str, today: Date) -> Option<Date> {
    let words = tokens(text);
    words.iter().enumerate().find_map(|(at, word)| {
        let month = month(word)?;
        let before = |back: usize| at.checked_sub(back).map(|at| words[at].as_str());
        let day = words
            .get(at + 1)
            .and_then(|next| day_number(next))
            .or_else(|| before(1).and_then(day_number))
            .or_else(|| {
                matches!(before(1), Some("de" | "of"))
                    .then(|| before(2).and_then(day_number))
                    .flatten()
            })?;
        let year = today.year() + i16::from(month < today.month());
        Date::new(year, month, day)
            .is_err()
            .then(|| Date::new(year, month, 1).ok())
            .flatten()
    })
}

/// The first day after `today` that is `day` (a week ahead when today is that day).
fn upcoming(today: Date, day: Weekday) -> Date {
    let ahead = i64::from(day.to_monday_zero_offset() - today.weekday().to_monday_zero_offset())
        .rem_euclid(7);
    let ahead = if ahead == 0 { 7 } else { ahead };
    today
        .checked_add(ahead.days())
        .expect("a week ahead is a valid date")
}

/// The first day of the month numbered `number` after today that falls on `weekday`, within a year.
fn next_day_of_month(today: Date, number: i8, weekday: Weekday) -> Option<Date> {
    let mut month = today.first_of_month();
    for _ in 0..12 {
        if let Ok(date) = Date::new(month.year(), month.month(), number)
            && date > today
            && date.weekday() == weekday
        {
            return Some(date);
        }
        month = month.checked_add(1.month()).ok()?;
    }
    None
}

/// The first day and the first time written in `text` (the last ones when `last` is set: a
/// correction names the new value after the old one).
pub fn read(text: &str, today: Date, order: Order, last: bool) -> When {
    let words = tokens(text);
    let (dates, times) = scan(&words, today, order);
    // "el lunes pasado no vino nadie, así que el martes?": a weekday said as past gives way to
    // another day in the message (a day that happened is read by [`read_back`]).
    let said_past = |at: usize| {
        (at.saturating_sub(2)..=at).any(|start| {
            let said = &words[start..words.len().min(start + 3)];
            past_day(&words, start, today).is_some()
                && said.iter().any(|word| weekday(word).is_some())
        })
    };
    let to_come: Found<Date> = dates
        .iter()
        .filter(|(_, at)| !said_past(*at))
        .copied()
        .collect();
    let dates = if to_come.is_empty() { dates } else { to_come };
    // "xmas do on Friday 18 Dec", "before xmas so Dec 19": a holiday that names the occasion
    // gives way to a day said by its date or weekday in the same message.
    let dated: Found<Date> = dates
        .iter()
        .filter(|(_, at)| holiday(&words, *at, today).is_none())
        .copied()
        .collect();
    let dates = if dated.is_empty() { dates } else { dated };
    pick_when(&words, &dates, &times, last)
}

/// As [`read`], for a day that has passed (an incident, a loss, a birth): a day said as past
/// ("yesterday", "anoche", "last Friday", "el lunes pasado", "hace 3 días") counts first; else
/// a weekday alone is the last such day and a day and month without a year the last such date.
pub fn read_back(text: &str, today: Date, order: Order, last: bool) -> When {
    let words = tokens(text);
    let (dates, times) = scan(&words, today, order);
    let said_past: Found<Date> = (0..words.len())
        .filter_map(|at| past_day(&words, at, today).map(|date| ((date, true), at)))
        .collect();
    let dates = if said_past.is_empty() {
        dates
            .into_iter()
            .filter_map(|((date, exact), at)| {
                let back = if date <= today || exact {
                    date
                } else if weekday(&words[at]).is_some() {
                    // "fue el sábado" on a Saturday: the last one before today, a week ago.
                    let back = date.checked_sub(7.days()).ok()?;
                    if back < today {
                        back
                    } else {
                        back.checked_sub(7.days()).ok()?
                    }
                } else if matches!(words[at].as_str(), "the" | "el") {
                    // "charged twice on the 15th": this month's 15th, or last month's.
                    date.checked_sub(1.month()).ok()?
                } else {
                    date.checked_sub(1.year()).ok()?
                };
                (back <= today).then_some(((back, exact), at))
            })
            .collect()
    } else {
        said_past
    };
    pick_when(&words, &dates, &times, last)
}

/// As [`read`], for a day of birth: only a day written with its year, not after today ("dob
/// 5/14/1988"; "can I come in Monday?" and "last Saturday" are no births).
pub fn read_birth(text: &str, today: Date, order: Order, last: bool) -> When {
    let words = tokens(text);
    let (dates, times) = scan(&words, today, order);
    let born: Found<Date> = dates
        .into_iter()
        .filter(|((date, exact), at)| {
            *exact && *date <= today && relative_day(&words, *at, today).is_none()
        })
        .collect();
    pick_when(&words, &born, &times, last)
}

/// Whether `text` says a time is in the morning: "9am", "a.m.", "in the morning", "de la mañana",
/// "temprano".
pub fn says_morning(text: &str) -> bool {
    tokens(text).iter().any(|word| {
        matches!(
            word.as_str(),
            "am" | "a.m" | "morning" | "manana" | "madrugada" | "temprano" | "early"
        ) || hour_marked(word, "am")
    })
}

/// Whether `word` is an hour written with `mark` after it: "9am", "4:30pm".
fn hour_marked(word: &str, mark: &str) -> bool {
    word.strip_suffix(mark).is_some_and(|hour| {
        !hour.is_empty() && hour.chars().all(|c| c.is_ascii_digit() || c == ':')
    })
}

/// Whether `text` marks an hour as after noon: "4pm", "4:30 p.m.", "in the afternoon", "de la
/// tarde".
pub fn says_afternoon_hour(text: &str) -> bool {
    tokens(text).iter().any(|word| {
        matches!(word.as_str(), "pm" | "p.m" | "afternoon" | "tarde") || hour_marked(word, "pm")
    })
}

/// Whether `text` says a day as past ("yesterday", "anteayer", "last Friday", "hace 3 días").
pub fn says_past(text: &str, today: Date) -> bool {
    let words = tokens(text);
    (0..words.len()).any(|at| past_day(&words, at, today).is_some())
}

/// A day said as past at `words[i]`: "yesterday", "ayer", "anoche", "last night", "anteayer",
/// "this morning", "esta mañana", "3 days ago", "hace una semana", "last Friday", "this past
/// Sunday", "el lunes pasado", "el pasado lunes".
fn past_day(words: &[String], i: usize, today: Date) -> Option<Date> {
    let at = |k: usize| words.get(i + k).map(String::as_str);
    let back = |days: i64| today.checked_sub(days.days()).ok();
    let last_weekday = |word: Option<&str>| {
        let day = weekday(word?)?;
        let behind =
            i64::from(today.weekday().to_monday_zero_offset() - day.to_monday_zero_offset())
                .rem_euclid(7);
        back(if behind == 0 { 7 } else { behind })
    };
    match (at(0)?, at(1)) {
        ("yesterday" | "yday" | "ayer" | "anoche", _) => back(1),
        ("last", Some("night")) => back(1),
        ("anteayer" | "antier" | "anteanoche", _) => back(2),
        ("antes", Some("de")) if at(2) == Some("ayer") => back(2),
        ("day", Some("before")) if at(2) == Some("yesterday") => back(2),
        ("this" | "esta", Some("morning" | "manana" | "afternoon" | "tarde")) => Some(today),
        ("earlier", Some("today")) => Some(today),
        ("hace", Some(count)) => back(count_of(count)? * days_in(at(2)?)?),
        (count, Some(unit)) if at(2) == Some("ago") => back(count_of(count)? * days_in(unit)?),
        ("last" | "past", next) => last_weekday(next),
        ("this", Some("past")) => last_weekday(at(2)),
        ("el", Some("pasado")) => last_weekday(at(2)),
        (word, Some("pasado" | "pasada")) => last_weekday(Some(word)),
        _ => None,
    }
}

/// A small count as people write it before "days" or "weeks": "3", "a", "one", "dos".
fn count_of(word: &str) -> Option<i64> {
    match word {
        "a" | "an" | "one" | "un" | "una" | "uno" => Some(1),
        "two" | "dos" => Some(2),
        "three" | "tres" => Some(3),
        digits => digits.parse().ok().filter(|n| (1..=60).contains(n)),
    }
}

/// How many days a unit of "in 3 days" or "hace 2 semanas" is.
fn days_in(unit: &str) -> Option<i64> {
    match unit {
        "day" | "days" | "dia" | "dias" => Some(1),
        "week" | "weeks" | "semana" | "semanas" => Some(7),
        _ => None,
    }
}

/// Every day written in `text`, in the order written, with the words before each since the day
/// before it ("from Dec 18 to Dec 21" gives Dec 18 after "from", Dec 21 after "to"): a stay, a
/// trip or a rental names its first and last day in one message.
pub fn days(text: &str, today: Date, order: Order) -> Vec<(Date, String)> {
    days_and_hours(text, today, order)
        .into_iter()
        .map(|(date, _, before)| (date, before))
        .collect()
}

/// As [`days`], with the hour said after each day and before the next ("pick up friday at 9am,
/// drop off monday 6pm"; "del sábado a las 10 al martes a las 10").
pub fn days_and_hours(text: &str, today: Date, order: Order) -> Vec<(Date, Option<Time>, String)> {
    let words = tokens(text);
    let (dates, times) = scan(&words, today, order);
    let hour_after = |k: usize| {
        let (start, end) = (
            dates[k].1,
            dates.get(k + 1).map_or(words.len(), |(_, at)| *at),
        );
        times
            .iter()
            .find(|((_, bounds), at)| !bounds && (start..end).contains(at))
            .map(|((time, _), _)| *time)
    };
    let mut from = 0;
    dates
        .iter()
        .enumerate()
        .map(|(k, ((date, _), at))| {
            // The words after the day before, past the rest of its date ("Dec 22").
            while from < *at
                && (day_number(&words[from]).is_some()
                    || is_month(&words[from])
                    || matches!(words[from].as_str(), "de" | "of"))
            {
                from += 1;
            }
            let before = words[from.min(*at)..*at].join(" ");
            from = at + 1;
            (*date, hour_after(k), before)
        })
        .collect()
}

/// A day of the month that opens a range whose end names the month: "del 20 al 23 de
/// diciembre", "from the 18th to the 21st of December".
fn range_start(words: &[String], i: usize, today: Date) -> Option<(Date, usize)> {
    // A day may come with its article or weekday: "from the 22nd to the 26th of august", "fri
    // 14 to sun 16 aug".
    let leads = |at: usize| {
        usize::from(
            words
                .get(at)
                .is_some_and(|w| w == "el" || w == "the" || weekday(w).is_some()),
        )
    };
    let at = i + leads(i);
    let day = day_number(words.get(at)?)?;
    let joiner = words.get(at + 1)?.as_str();
    if !matches!(
        joiner,
        "al" | "to" | "through" | "thru" | "till" | "until" | "hasta" | "a"
    ) {
        return None;
    }
    let end = at + 2 + leads(at + 2);
    let last = day_number(words.get(end)?)?;
    let month_at =
        end + 1 + usize::from(words.get(end + 1).is_some_and(|w| w == "de" || w == "of"));
    let m = month(words.get(month_at)?)?;
    // "del 28 al 2 de enero": a first day past the last is in the month before.
    if day > last {
        let ends = calendar_date(today, None, m, last)?;
        let before = ends.first_of_month().checked_sub(1.day()).ok()?;
        return Date::new(before.year(), before.month(), day)
            .ok()
            .map(|date| (date, at - i + 2));
    }
    calendar_date(today, None, m, day).map(|date| (date, at - i + 2))
}

/// The first and last days of a stay written as one span, and the words it takes: "june
/// 26-28", "26-28 de junio", and without its month "del 26 al 28" (from the next 26th on).
fn day_span(words: &[String], i: usize, today: Date) -> Option<(Date, Date, usize)> {
    let days = |word: &str| -> Option<(i8, i8)> {
        let (first, last) = word.split_once('-')?;
        let (first, last) = (day_number(first)?, day_number(last)?);
        (first < last).then_some((first, last))
    };
    let month_at = |at: usize| -> Option<(i8, usize)> {
        match words.get(at)?.as_str() {
            "de" | "of" => Some((month(words.get(at + 1)?)?, 2)),
            word => Some((month(word)?, 1)),
        }
    };
    let ((first, last), month, used) = if let Some(m) = month(&words[i]) {
        (days(words.get(i + 1)?)?, m, 2)
    } else if let Some(span) = days(&words[i]) {
        let (m, month_words) = month_at(i + 1)?;
        (span, m, 1 + month_words)
    } else {
        // "del 26 al 28": no month named, the next such days.
        if words[i] != "del" || words.get(i + 2).map(String::as_str) != Some("al") {
            return None;
        }
        let (first, last) = (
            day_number(words.get(i + 1)?)?,
            day_number(words.get(i + 3)?)?,
        );
        if first >= last || month_at(i + 4).is_some() {
            return None;
        }
        let start = next_day_of_the_month(today, first)?;
        let end = Date::new(start.year(), start.month(), last).ok()?;
        return Some((start, end, 4));
    };
    let start = calendar_date(today, None, month, first)?;
    let end = Date::new(start.year(), month, last).ok()?;
    Some((start, end, used))
}

/// The next day numbered `day` from `today` on: this month's, else next month's.
fn next_day_of_the_month(today: Date, day: i8) -> Option<Date> {
    match Date::new(today.year(), today.month(), day).ok() {
        Some(date) if date >= today => Some(date),
        _ => {
            let next = today.first_of_month().checked_add(1.month()).ok()?;
            Date::new(next.year(), next.month(), day).ok()
        }
    }
}

/// How many words of `words` say "of next month" ("del mes que viene", "del proximo mes"), if
/// they start with it.
fn next_month_phrase(words: &[String]) -> Option<usize> {
    const PHRASES: &[&[&str]] = &[
        &["of", "next", "month"],
        &["next", "month"],
        &["del", "mes", "que", "viene"],
        &["del", "proximo", "mes"],
        &["del", "mes", "proximo"],
        &["del", "mes", "siguiente"],
        &["del", "siguiente", "mes"],
    ];
    PHRASES
        .iter()
        .find(|phrase| {
            words.len() >= phrase.len() && phrase.iter().zip(words).all(|(p, w)| *p == w)
        })
        .map(|phrase| phrase.len())
}

/// Words after a number that make it a length of time, not an hour ("4 days", "3 noches").
const DURATIONS: &[&str] = &[
    "day", "days", "night", "nights", "week", "weeks", "month", "months", "hours", "dias",
    "noches", "semanas", "meses", "horas",
];

type Found<T> = Vec<((T, bool), usize)>;

/// Whether the word after "el 14" / "the 19" leaves the number a day of the month: the end of
/// the message or its clause, a time, or a correction ("el 20, not the 19").
fn ends_day_alone(after: Option<&str>) -> bool {
    after.is_none_or(|word| {
        matches!(
            word,
            "a" | "at"
                | "las"
                | "por"
                | "en"
                | "in"
                | "y"
                | "and"
                | "o"
                | "or"
                | "que"
                | "not"
                | "no"
                | "please"
                | "pls"
                | "porfa"
                | "then"
                | "entonces"
                | "mejor"
                | "instead"
                // "para el 24 antes de la cena"
                | "antes"
                | "before"
        )
    })
}

/// The days (with whether their year is exact) and times (with whether they only bound the
/// answer) of a message, with the word each starts at.
fn scan(words: &[String], today: Date, order: Order) -> (Found<Date>, Found<Time>) {
    let mut dates: Vec<((Date, bool), usize)> = Vec::new();
    // Each time, and whether it only bounds the answer ("before noon, like 10:30").
    let mut times: Vec<((Time, bool), usize)> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let word = words[i].as_str();
        let next = words.get(i + 1).map(String::as_str);
        // Days.
        if let Some((date, exact, used)) = relative_day(words, i, today) {
            dates.push(((date, exact), i));
            i += used;
            continue;
        }
        // "Monday Dec 7", "viernes 4 de diciembre", "tuesday 12/29": the weekday names the date
        // that follows.
        if weekday(word).is_some()
            && (next.is_some_and(is_month)
                || next.is_some_and(|w| w.contains('/') && numeric_date(w, today, order).is_some())
                || words.get(i + 2).is_some_and(|w| is_month(w))
                || (words.get(i + 2).is_some_and(|w| w == "de" || w == "of")
                    && words.get(i + 3).is_some_and(|w| is_month(w))))
        {
            i += 1;
            continue;
        }
        if let Some((date, used)) = range_start(words, i, today) {
            dates.push(((date, false), i));
            i += used;
            continue;
        }
        if let Some((first, last, used)) = day_span(words, i, today) {
            dates.push(((first, false), i));
            dates.push(((last, false), i + 1));
            i += used;
            continue;
        }
        if let Some(day) = weekday(word) {
            // "el lunes 7", "Tuesday the 5th": that weekday and day of the month.
            let (number_at, used) = match next {
                Some("the") => (i + 2, 3),
                _ => (i + 1, 2),
            };
            // "Saturday, 11 o'clock", "friday 3 pm": an hour, not a day of the month.
            let hour_after = matches!(
                words.get(number_at + 1).map(String::as_str),
                Some("o'clock" | "oclock" | "am" | "pm" | "a.m" | "p.m")
            );
            // "saturday 7", "next monday 9?": a bare number whose weekday falls months away is
            // the hour.
            let bare = words
                .get(number_at)
                .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()));
            let soon = |date: &Date| {
                !bare
                    || today
                        .checked_add(45.days())
                        .is_ok_and(|limit| *date <= limit)
            };
            let dated = words
                .get(number_at)
                .filter(|_| !hour_after)
                .and_then(|w| day_number(w))
                .and_then(|number| next_day_of_month(today, number, day))
                .filter(soon);
            match dated {
                Some(date) => {
                    dates.push(((date, false), i));
                    i += used;
                }
                None => {
                    // A weekday alone, "this" or "next": the first such day after today.
                    dates.push(((upcoming(today, day), false), i));
                    i += 1;
                }
            }
            continue;
        }
        if let Some(date) = numeric_date(word, today, order) {
            dates.push((date, i));
            i += 1;
            continue;
        }
        // "march 5th", "march 5"; not "31 de septiembre, 6 personas"
        if let (Some(m), Some(day)) = (month(word), next.and_then(day_number))
            && !words
                .get(i + 2)
                .is_some_and(|w| super::numbers::counts_noun(w))
        {
            let (year, used) = year_after(words, i + 2);
            if let Some(date) = calendar_date(today, year, m, day) {
                dates.push(((date, year.is_some()), i));
                i += 2 + used;
                continue;
            }
        }
        // "5 march", "5th of march", "5 de marzo"
        if let Some(day) = day_number(word) {
            let (month_at, skip) = match next {
                Some("of" | "de") => (i + 2, 3),
                _ => (i + 1, 2),
            };
            if let Some(m) = words.get(month_at).and_then(|w| month(w)) {
                let (year, used) = year_after(words, i + skip);
                if let Some(date) = calendar_date(today, year, m, day) {
                    dates.push(((date, year.is_some()), i));
                    i += skip + used;
                    continue;
                }
            }
        }
        // "the 12th", and a bare number that ends its clause: "para el 14", "regresamos el
        // 27", "oops el 20, not the 19" (not "el 2 bedroom condo", "the 6 lesson package").
        // "el día 19"; "el dieciocho, somos 8": a day in Spanish words (not "el dos de copas").
        // A day after another in the message is on or after it: "salimos el 19 de diciembre y
        // regresamos el 26".
        let after = words.get(i + 2).map(String::as_str);
        let spelled_day = |n: &str| {
            super::numbers::number_word(n)
                .filter(|day| (2..=31).contains(day))
                .filter(|_| {
                    matches!(word, "el" | "dia")
                        && !after.is_some_and(|a| {
                            matches!(a, "de" | "of") || super::numbers::counts_noun(a)
                        })
                })
                .and_then(|day| i8::try_from(day).ok())
        };
        // "the 30th of September", "el 3 de mayo": the day and month are read from the number.
        let month_follows = after.is_some_and(is_month)
            || (after.is_some_and(|a| matches!(a, "of" | "de"))
                && words.get(i + 3).is_some_and(|w| is_month(w)));
        // "the 1st of next month", "el 5 del mes que viene".
        if matches!(word, "the" | "el" | "dia")
            && let Some(day) = next.and_then(day_number)
            && let Some(phrase) = next_month_phrase(&words[i + 2..])
            && let Some(date) = today
                .first_of_month()
                .checked_add(1.month())
                .ok()
                .and_then(|next| Date::new(next.year(), next.month(), day).ok())
        {
            dates.push(((date, false), i));
            i += 2 + phrase;
            continue;
        }
        if matches!(word, "the" | "el" | "dia")
            && !month_follows
            && let Some(day) = next.and_then(|n| {
                let bare = n.chars().all(|c| c.is_ascii_digit());
                let ordinal = n.len() > 2 && !bare;
                (ordinal || (bare && ends_day_alone(after)))
                    .then(|| day_number(n))
                    .flatten()
                    .or_else(|| spelled_day(n))
            })
            && let Some(date) = dates
                .last()
                .filter(|((before, _), _)| *before >= today)
                .and_then(|((before, _), at)| {
                    // "el 14 de febrero no, el 13": a day put in place of another is in its month.
                    let instead = words[*at..i].iter().any(|w| w == "no" || w == "not");
                    if instead {
                        Date::new(before.year(), before.month(), day).ok()
                    } else {
                        (day >= before.day())
                            .then(|| next_day_of_the_month(*before, day))
                            .flatten()
                    }
                })
                .or_else(|| next_day_of_the_month(today, day))
        {
            dates.push(((date, false), i));
            i += 2;
            continue;
        }
        // Times.
        if let Some((time, used)) = time_at(words, i) {
            let bound = |at: usize| {
                matches!(
                    words.get(at).map(String::as_str),
                    Some(
                        "before"
                            | "after"
                            | "until"
                            | "till"
                            | "til"
                            | "antes"
                            | "despues"
                            | "hasta"
                    )
                )
            };
            let bounds = (i >= 1 && bound(i - 1))
                || (i >= 3 && bound(i - 3) && words[i - 2] == "de" && words[i - 1] == "las");
            times.push(((time, bounds), i));
            i += used;
            continue;
        }
        i += 1;
    }
    (dates, times)
}

/// The day and the time of a message among those it gives: the first, or in a correction the
/// new one.
fn pick_when(words: &[String], dates: &Found<Date>, times: &Found<Time>, last: bool) -> When {
    // In a correction the value right after "actually", "wait" or "mejor" is the new one, even
    // when the old one follows as the reason ("no wait jan 7 im traveling on the 6th"); else the
    // value named last.
    // "wait 5pm, no 6pm": a "no" right before a value opens it too ("el viernes, no el sábado"
    // is "not Saturday").
    let starts: Vec<usize> = dates
        .iter()
        .map(|(_, at)| *at)
        .chain(times.iter().map(|(_, at)| *at))
        .collect();
    let cue = words
        .iter()
        .enumerate()
        .rposition(|(at, w)| {
            // "la boda es el 25 de abril, no el 18": "no" before an article refuses the day.
            FOCUS_CUES.contains(&w.as_str())
                || (matches!(w.as_str(), "no" | "nope" | "nah")
                    && starts.contains(&(at + 1))
                    && !matches!(
                        words.get(at + 1).map(String::as_str),
                        Some("el" | "la" | "the")
                    ))
        })
        .filter(|_| last);
    // "hoy no se puede? entonces mañana", "tomorrow's out, then monday": the value right after
    // "entonces"/"then" is the one kept.
    let then = words
        .iter()
        .rposition(|w| matches!(w.as_str(), "entonces" | "then"));
    let pick = |at: &[usize]| -> Option<usize> {
        // "friday is bad, monday", "el jueves no puedo": a value refused where it is said is
        // not chosen while another is there.
        let kept: Vec<usize> = (0..at.len())
            .filter(|&k| !refused_at(words, at[k], at.get(k + 1).copied()))
            // "any day next week except monday".
            .filter(|&k| at[k] == 0 || !matches!(words[at[k] - 1].as_str(), "except" | "excepto"))
            .collect();
        let kept = if kept.is_empty() {
            (0..at.len()).collect()
        } else {
            kept
        };
        let after_then = then.and_then(|then| {
            kept.iter()
                .copied()
                .find(|&k| at[k] > then && at[k] <= then + 2)
        });
        // "thursday instead", "tues ideally": the value the words right after it choose.
        let chosen = kept.iter().copied().find(|&k| {
            let end = at.get(k + 1).copied().unwrap_or(words.len()).min(at[k] + 3);
            words[at[k] + 1..end.max(at[k] + 1)]
                .iter()
                .any(|w| matches!(w.as_str(), "instead" | "ideally" | "preferably"))
        });
        match (kept.len(), cue) {
            (0, _) => None,
            _ if chosen.is_some() => chosen,
            _ if after_then.is_some() => after_then,
            _ if !last => kept.first().copied(),
            (_, Some(cue)) => kept
                .iter()
                .copied()
                .find(|&k| at[k] > cue)
                .or(kept.last().copied()),
            (_, None) => kept.last().copied(),
        }
    };
    let date = pick(&dates.iter().map(|(_, at)| *at).collect::<Vec<_>>()).map(|k| dates[k].0);
    let exact: Vec<(Time, usize)> = times
        .iter()
        .filter(|((_, bounds), _)| !bounds)
        .map(|((time, _), at)| (*time, *at))
        .collect();
    let times: Vec<(Time, usize)> = if exact.is_empty() {
        times.iter().map(|((time, _), at)| (*time, *at)).collect()
    } else {
        exact
    };
    let time = pick(&times.iter().map(|(_, at)| *at).collect::<Vec<_>>()).map(|k| times[k].0);
    When {
        date: date.map(|(date, _)| date),
        time,
        exact_year: date.is_some_and(|(_, exact)| exact),
    }
}

/// Whether the words after the value starting at `at` (before the next one, at `next`) refuse
/// it: "friday is bad", "el jueves no puedo", "mañana no pueden", "monday doesn't work".
fn refused_at(words: &[String], at: usize, next: Option<usize>) -> bool {
    let end = next.unwrap_or(words.len()).min(at + 4);
    (at + 1..end).any(|k| {
        let pair = (
            words[k].as_str(),
            words.get(k + 1).map(String::as_str).unwrap_or(""),
        );
        matches!(
            pair,
            ("is" | "s", "bad" | "out" | "no")
                | (
                    "doesn't" | "doesnt" | "won't" | "wont" | "does",
                    "work" | "not"
                )
                | (
                    "no",
                    "puedo" | "pueden" | "puede" | "se" | "estoy" | "me" | "podemos" | "sirve"
                )
                | ("not", "good" | "possible")
                | ("isn't" | "isnt", "good")
        )
    })
}

/// "today", "tomorrow", "day after tomorrow", "hoy", "mañana", "pasado mañana", "in 3 days",
/// "en 3 días", "in a week": the date, whether it is exact, and the words used.
fn relative_day(words: &[String], i: usize, today: Date) -> Option<(Date, bool, usize)> {
    let word = words[i].as_str();
    let next = words.get(i + 1).map(String::as_str);
    let plus = |days: i64| today.checked_add(days.days()).ok();
    match word {
        "today" | "hoy" | "tonight" => Some((today, true, 1)),
        // "para esta noche", "un entierro esta tarde": today.
        "esta" if matches!(next, Some("noche" | "tarde" | "manana")) => Some((today, true, 2)),
        // "mñn", "mñna": mañana in shorthand.
        "tomorrow" | "tmrw" | "tmr" | "2morrow" | "2moro" | "tmw" | "mnn" | "mnna" => {
            Some((plus(1)?, true, 1))
        }
        "pasado" if next == Some("manana") => Some((plus(2)?, true, 2)),
        "day"
            if next == Some("after")
                && words.get(i + 2).map(String::as_str) == Some("tomorrow") =>
        {
            Some((plus(2)?, true, 3))
        }
        // "mañana" is tomorrow, except in "la mañana"/"por la mañana" (the morning).
        "manana" if i == 0 || !matches!(words[i - 1].as_str(), "la" | "esta" | "una") => {
            Some((plus(1)?, true, 1))
        }
        "in" | "en" | "within" => {
            let count = count_of(words.get(i + 1)?)?;
            let days = count * days_in(words.get(i + 2)?)?;
            Some((plus(days)?, true, 3))
        }
        _ => holiday(words, i, today),
    }
}

/// A day named by its holiday: "NYE", "new year's eve", "nochevieja", "new years day", "año
/// nuevo", "christmas eve", "nochebuena", "navidad": the next such day.
fn holiday(words: &[String], i: usize, today: Date) -> Option<(Date, bool, usize)> {
    let at = |k: usize| words.get(i + k).map(String::as_str);
    // "Happy new year!", "feliz navidad": a greeting, not a day.
    if i > 0
        && matches!(
            words[i - 1].as_str(),
            "happy" | "merry" | "feliz" | "prospero"
        )
    {
        return None;
    }
    let year = |w: Option<&str>| matches!(w, Some("year" | "years" | "year's" | "yrs"));
    let ((month, day), used) = match (at(0)?, at(1)) {
        ("nye" | "nochevieja", _) => ((12, 31), 1),
        ("noche", Some("vieja")) => ((12, 31), 2),
        ("noche", Some("buena")) => ((12, 24), 2),
        ("nochebuena", _) => ((12, 24), 1),
        ("new", next) if year(next) => match at(2) {
            Some("eve") => ((12, 31), 3),
            Some("day") => ((1, 1), 3),
            _ => ((1, 1), 2),
        },
        ("ano", Some("nuevo")) => ((1, 1), 2),
        ("christmas" | "xmas", Some("eve")) => ((12, 24), 2),
        ("christmas" | "xmas" | "navidad", Some("day")) => ((12, 25), 2),
        ("christmas" | "xmas" | "navidad", _) => ((12, 25), 1),
        // "valentines day", "valentine's", "san valentín", "día de los enamorados".
        ("valentines" | "valentine's" | "valentine", _) => ((2, 14), 1),
        ("san", Some("valentin")) => ((2, 14), 2),
        ("halloween", _) => ((10, 31), 1),
        ("4th" | "fourth", Some("of")) if at(2) == Some("july") => ((7, 4), 3),
        _ => return None,
    };
    calendar_date(today, None, month, day).map(|date| (date, false, used))
}

/// A four-digit year right after a date ("march 5 2027", "5 de marzo de 2027").
fn year_after(words: &[String], at: usize) -> (Option<i16>, usize) {
    let (at, skip) = match words.get(at).map(String::as_str) {
        Some("de" | "del") => (at + 1, 1),
        _ => (at, 0),
    };
    match words.get(at).and_then(|w| w.parse::<i16>().ok()) {
        // 1900 and later: a date of birth ("March 14 1952").
        Some(year) if (1900..=2100).contains(&year) => (Some(year), skip + 1),
        _ => (None, 0),
    }
}

/// A month and day without a year mean the next such day (this year, or next year if passed).
fn calendar_date(today: Date, year: Option<i16>, month: i8, day: i8) -> Option<Date> {
    match year {
        Some(year) => Date::new(year, month, day).ok(),
        None => {
            let this_year = Date::new(today.year(), month, day).ok()?;
            if this_year >= today {
                Some(this_year)
            } else {
                Date::new(today.year() + 1, month, day).ok()
            }
        }
    }
}

/// "2026-03-05", "3/5", "3/5/2026", "5/3/26".
fn numeric_date(word: &str, today: Date, order: Order) -> Option<(Date, bool)> {
    if let Ok(date) = word.parse::<Date>() {
        return Some((date, true));
    }
    let parts: Vec<&str> = word.split('/').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty() || p.len() > 4) {
        return None;
    }
    let numbers: Vec<i16> = parts
        .iter()
        .map(|p| p.parse::<i16>().ok())
        .collect::<Option<_>>()?;
    let (month, day) = match order {
        Order::MonthFirst => (numbers[0], numbers[1]),
        Order::DayFirst => (numbers[1], numbers[0]),
    };
    let month = i8::try_from(month).ok()?;
    let day = i8::try_from(day).ok()?;
    match numbers.get(2) {
        Some(&year) => {
            let year = if year < 100 { 2000 + year } else { year };
            Date::new(year, month, day).ok().map(|date| (date, true))
        }
        None => calendar_date(today, None, month, day).map(|date| (date, false)),
    }
}

/// A time at `words[i]`: "3pm", "3 pm", "3:30", "15:00", "3:30 p.m.", "at 5", "a las 5", "a las 5
/// de la tarde", "a las 5 y media", "noon", "mediodía"; the time and the words used.
fn time_at(words: &[String], i: usize) -> Option<(Time, usize)> {
    // "see you at half past" ends before the hour: no time, and no reading past the end.
    let word = words.get(i)?.as_str();
    match word {
        "noon" | "midday" | "mediodia" => return Some((Time::constant(12, 0, 0, 0), 1)),
        "midnight" | "medianoche" => return Some((Time::constant(0, 0, 0, 0), 1)),
        // "half past 2", "quarter past 10", "quarter to 7": the hour follows.
        "half" | "quarter"
            if matches!(
                words.get(i + 1).map(String::as_str),
                Some("past" | "to" | "til" | "till")
            ) =>
        {
            let (time, used) = time_at(words, i + 2).or_else(|| {
                let hour: i8 = words.get(i + 2)?.parse().ok()?;
                Some((Time::new(business_hour(hour), 0, 0, 0).ok()?, 1))
            })?;
            let time = match (word, words[i + 1].as_str()) {
                ("half", "past") => time.with().minute(30).build().ok()?,
                ("quarter", "past") => time.with().minute(15).build().ok()?,
                ("quarter", _) => time.checked_sub(15.minutes()).ok()?,
                _ => return None,
            };
            return Some((time, used + 2));
        }
        // "half 5", "half 7 in the evening": half past, as said in Britain and Ireland.
        "half" => {
            let next = words.get(i + 1)?;
            let hour: i8 = next.parse().ok().or_else(|| {
                super::numbers::number_word(next).and_then(|hour| i8::try_from(hour).ok())
            })?;
            if !(1..=12).contains(&hour) {
                return None;
            }
            let (time, used) =
                time_at(words, i + 1).unwrap_or((Time::new(business_hour(hour), 0, 0, 0).ok()?, 1));
            return Some((time.with().minute(30).build().ok()?, used + 1));
        }
        _ => {}
    }
    let word = word.strip_suffix("ish").unwrap_or(word);
    // "a las cuatro y media", "a la una", "at five": an hour in words right after the word
    // that says a time follows ("one" is left out: "at one point").
    let spelled = (i >= 1 && matches!(words[i - 1].as_str(), "las" | "la" | "at"))
        .then(|| super::numbers::number_word(word))
        .flatten()
        .filter(|hour| (1..=12).contains(hour) && !matches!(word, "one" | "un" | "uno"))
        .filter(|_| {
            !words
                .get(i + 1)
                .is_some_and(|w| super::numbers::COUNT_AFTER.contains(&w.as_str()))
        })
        .map(|hour| hour.to_string());
    let word = spelled.as_deref().unwrap_or(word);
    let day_part = day_part_before(words, i);
    let cue = (i >= 1
        && matches!(
            words[i - 1].as_str(),
            "at" | "@" | "las" | "la" | "around" | "by" | "before" | "after" | "from" | "til"
                | "until" | "desde" | "hasta" | "tipo" | "eso" | "sobre"
        ))
        || words[i].ends_with("ish")
        || spoken_hour_after_like(words, i)
        // "tomorrow morning 9?", "tonight 8"
        || (i >= 1 && day_part.is_some() && DAY_PARTS.iter().any(|(w, _)| *w == words[i - 1]))
        // "saturday 7", "tmrw 8", "mejor 11", "can we move it to 4": an hour after a day or a
        // change (not "mañana 2 personas").
        || (i >= 1
            && (is_weekday(&words[i - 1])
                || matches!(
                    words[i - 1].as_str(),
                    "tomorrow" | "tmrw" | "today" | "tonight" | "manana" | "hoy" | "mejor"
                )
                || (i >= 3
                    && words[i - 1] == "to"
                    && words[i - 2] == "it"
                    && matches!(words[i - 3].as_str(), "move" | "push" | "change" | "switch")))
            && words[i].parse::<u8>().is_ok_and(|hour| (1..=12).contains(&hour))
            && !words
                .get(i + 1)
                .is_some_and(|w| super::numbers::counts_noun(w))
            && !super::numbers::someone_joins(&words.join(" ")))
        // "for Saturday, 11 o'clock", "can we do 9 instead", "actually 11 is better".
        || matches!(
            words.get(i + 1).map(String::as_str),
            Some("o'clock" | "oclock" | "instead")
        )
        || (matches!(words.get(i + 1).map(String::as_str), Some("is" | "works"))
            && words.get(i + 2).is_some_and(|w| w == "better"))
        // "make it 9", not "make it 5 people", "make it 4 days" nor "make it 5, her sister is
        // coming"
        || (i >= 2
            && words[i - 1] == "it"
            && words[i - 2] == "make"
            && !words.get(i + 1).is_some_and(|w| {
                super::numbers::COUNT_AFTER.contains(&w.as_str()) || DURATIONS.contains(&w.as_str())
            })
            && !super::numbers::someone_joins(&words.join(" ")));
    // Split "3pm" / "3:30pm" / "3:30" into the clock part and a suffix.
    let split = word
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.' || c == 'h'))
        .unwrap_or(word.len());
    let (clock, suffix) = word.split_at(split);
    let clock = clock.trim_end_matches('.');
    if clock.is_empty() {
        return None;
    }
    let (hour, minute) = match clock.split_once([':', '.', 'h']) {
        Some((hour, minute)) => (
            hour.parse::<i8>().ok()?,
            if minute.is_empty() {
                0
            } else {
                minute.parse::<i8>().ok()?
            },
        ),
        None => (clock.parse::<i8>().ok()?, 0),
    };
    // "2.5" is a number, not a time; "17.30" alone answers "what time?".
    let dotted_time = words.len() == 1 && clock.split_once('.').is_some_and(|(_, m)| m.len() == 2);
    if clock.contains('.') && suffix.is_empty() && !cue && !dotted_time {
        return None;
    }
    let mut has_minutes = (clock.contains([':', 'h']) && clock.len() >= 3) || dotted_time;
    let mut used = 1;
    let mut meridiem = match suffix {
        "am" | "a.m" | "a.m." | "a" => Some(false),
        "pm" | "p.m" | "p.m." | "p" => Some(true),
        "" => None,
        _ => return None,
    };
    if meridiem.is_none() {
        match words.get(i + 1).map(String::as_str) {
            Some("am" | "a.m" | "a.m.") => {
                meridiem = Some(false);
                used = 2;
            }
            Some("pm" | "p.m" | "p.m.") => {
                meridiem = Some(true);
                used = 2;
            }
            _ => {}
        }
    }
    let mut minute = minute;
    // "a las 7 menos cuarto": a quarter before the hour.
    let mut quarter_before = false;
    // "y media", "y cuarto", "menos cuarto", "o'clock": "8 y media" is a time of the clock.
    match (
        words.get(i + used).map(String::as_str),
        words.get(i + used + 1).map(String::as_str),
    ) {
        (Some("y"), Some("media")) => {
            minute = 30;
            used += 2;
            has_minutes = true;
        }
        (Some("y"), Some("cuarto")) => {
            minute = 15;
            used += 2;
            has_minutes = true;
        }
        (Some("menos"), Some("cuarto")) if minute == 0 => {
            quarter_before = true;
            used += 2;
            has_minutes = true;
        }
        (Some("o'clock" | "oclock"), _) => used += 1,
        _ => {}
    }
    // "de la tarde", "in the morning", "por la noche"
    let rest: Vec<&str> = words
        .iter()
        .skip(i + used)
        .take(3)
        .map(String::as_str)
        .collect();
    for (phrase, pm) in [
        (&["de", "la", "manana"][..], false),
        (&["de", "la", "tarde"][..], true),
        (&["de", "la", "noche"][..], true),
        (&["por", "la", "manana"][..], false),
        (&["por", "la", "tarde"][..], true),
        (&["por", "la", "noche"][..], true),
        (&["en", "la", "manana"][..], false),
        (&["en", "la", "tarde"][..], true),
        (&["en", "la", "noche"][..], true),
        (&["in", "the", "morning"][..], false),
        (&["in", "the", "afternoon"][..], true),
        (&["in", "the", "evening"][..], true),
        (&["at", "night"][..], true),
    ] {
        if rest.starts_with(phrase) {
            meridiem = meridiem.or(Some(pm));
            used += phrase.len();
            break;
        }
    }
    if meridiem.is_none() && !has_minutes && !cue {
        return None; // a bare number is not a time
    }
    // "el sábado temprano a las 7", "tonight at 8": the part of the day said before the hour
    // (not "early, like 3": no one books at 3 am).
    let fits = |pm: &bool| {
        if *pm {
            (1..=11).contains(&hour)
        } else {
            (5..=11).contains(&hour)
        }
    };
    meridiem = meridiem.or(day_part.filter(fits));
    if !(0..=59).contains(&minute) || !(0..=23).contains(&hour) {
        return None;
    }
    let hour = match meridiem {
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(true) if hour < 12 => hour + 12,
        Some(false) if hour == 12 => 0,
        Some(_) => hour,
        // "07:30" is written on a 24-hour clock: as written.
        None if clock.starts_with('0') && clock.len() > 1 => hour,
        None => business_hour(hour),
    };
    let time = Time::new(hour, minute, 0, 0).ok()?;
    let time = if quarter_before {
        time.checked_sub(15.minutes()).ok()?
    } else {
        time
    };
    Some((time, used))
}

/// "like 11", "next Saturday afternoon? like 2": an hour of the clock after "like" (not "I'd
/// like 3 of the hoodies", "like 15 kids", "like 14", "like 20 minutes").
fn spoken_hour_after_like(words: &[String], i: usize) -> bool {
    let liked = i >= 1
        && words[i - 1] == "like"
        && !(i >= 2
            && matches!(
                words[i - 2].as_str(),
                "i'd" | "we'd" | "would" | "i" | "we" | "they" | "you" | "id" | "wed"
            ));
    let clock_like = words[i].contains(':')
        || words[i]
            .trim_end_matches("am")
            .trim_end_matches("pm")
            .parse::<u8>()
            .is_ok_and(|hour| (1..=12).contains(&hour));
    let counts = words.get(i + 1).is_some_and(|next| {
        super::numbers::COUNT_AFTER.contains(&next.as_str()) || days_in(next).is_some() || {
            matches!(
                next.as_str(),
                "hours"
                    | "hour"
                    | "hrs"
                    | "hr"
                    | "minutes"
                    | "mins"
                    | "min"
                    | "yrs"
                    | "years"
                    | "horas"
                    | "minutos"
                    | "anos"
            )
        }
    });
    liked && clock_like && !counts
}

/// Words for a part of the day that say whether an hour after them is am (false) or pm (true).
const DAY_PARTS: &[(&str, bool)] = &[
    ("morning", false),
    ("early", false),
    ("temprano", false),
    ("madrugada", false),
    ("evening", true),
    ("tonight", true),
    ("night", true),
    ("noche", true),
];

/// The part of the day said in the three words before an hour ("temprano a las 7", "tomorrow
/// morning 9"), unless it is a greeting ("good morning, at 3?", "buenas noches").
fn day_part_before(words: &[String], i: usize) -> Option<bool> {
    (i.saturating_sub(3)..i).rev().find_map(|at| {
        let (_, pm) = DAY_PARTS.iter().find(|(w, _)| *w == words[at])?;
        let greeting = at >= 1 && matches!(words[at - 1].as_str(), "good" | "buenas" | "buen");
        (!greeting).then_some(*pm)
    })
}

/// Whether `text` says the evening of a day ("tomorrow night?", "para hoy en la noche",
/// "tonight", "esta noche"), not a night when something happens ("los oímos por la noche").
pub fn says_evening(text: &str) -> bool {
    let words = tokens(text);
    (0..words.len()).any(|at| {
        DAY_PARTS.iter().any(|(w, pm)| *pm && *w == words[at])
            && (words[at] == "tonight"
                || words[at.saturating_sub(3)..at].iter().any(|day| {
                    is_weekday(day)
                        || matches!(
                            day.as_str(),
                            "tomorrow" | "tmrw" | "today" | "hoy" | "manana" | "this" | "esta"
                        )
                }))
    })
}

/// An hour without am or pm, read in business hours: 8 to 11 morning, 12 noon, 1 to 7 afternoon.
fn business_hour(hour: i8) -> i8 {
    if (1..=7).contains(&hour) {
        hour + 12
    } else {
        hour
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_range_of_hours_gives_a_start_and_an_end() {
        let range = |text| {
            super::hour_range(text).map(|(start, end)| {
                (
                    start.strftime("%H:%M").to_string(),
                    end.strftime("%H:%M").to_string(),
                )
            })
        };
        let hours = |start: &str, end: &str| Some((start.to_string(), end.to_string()));
        assert_eq!(range("next Friday 2-4pm"), hours("14:00", "16:00"));
        assert_eq!(range("el viernes de 10 a 1"), hours("10:00", "13:00"));
        assert_eq!(range("from 9:30 to 11am"), hours("09:30", "11:00"));
        assert_eq!(range("de 10 a 12 de marzo"), None);
        assert_eq!(range("de 18 a 21 h"), hours("18:00", "21:00"));
        assert_eq!(range("10am - 12pm"), hours("10:00", "12:00"));
        // A count, a day range or a phone number is no range of hours.
        assert_eq!(range("10-12 people"), None);
        assert_eq!(range("del 10 al 12 de marzo"), None);
        assert_eq!(range("call 555-0123"), None);
    }

    use super::*;
    use jiff::civil::date;

    /// Thursday 26 November 2026.
    const TODAY: Date = date(2026, 11, 26);

    #[test]
    fn every_day_of_a_stay_with_the_words_before_it() {
        let days = |text| -> Vec<(String, String)> {
            days(text, TODAY, Order::MonthFirst)
                .into_iter()
                .map(|(day, before)| (day.to_string(), before))
                .collect()
        };
        assert_eq!(
            days("del 20 al 23 de diciembre"),
            [
                ("2026-12-20".into(), "del".into()),
                ("2026-12-23".into(), "al".into())
            ]
        );
        // A first day past the last is in the month before.
        assert_eq!(
            days("quiero reservar del 28 al 2 de enero"),
            [
                ("2026-12-28".into(), "quiero reservar del".into()),
                ("2027-01-02".into(), "al".into())
            ]
        );
        assert_eq!(
            days("staying 30 to 3 January"),
            [
                ("2026-12-30".into(), "staying".into()),
                ("2027-01-03".into(), "to".into())
            ]
        );
        // The first day with its article or weekday, the month named once after the last.
        assert_eq!(
            days("from the 22nd to the 26th of august"),
            [
                ("2027-08-22".into(), "from".into()),
                ("2027-08-26".into(), "to the".into())
            ]
        );
        assert_eq!(
            days("any twin rooms fri 14 to sun 16 aug?"),
            [
                ("2027-08-14".into(), "any twin rooms".into()),
                ("2027-08-16".into(), "to sun".into())
            ]
        );
        assert_eq!(
            days("flying out Dec 22, back Jan 3"),
            [
                ("2026-12-22".into(), "flying out".into()),
                ("2027-01-03".into(), "back".into())
            ]
        );
        assert_eq!(
            when("checking out Monday Dec 7"),
            (Some("2026-12-07".into()), None),
            "a weekday before its date names that date"
        );
        assert_eq!(
            when("el viernes 4 de diciembre"),
            (Some("2026-12-04".into()), None)
        );
        // One span for the stay: its month once, or none ("del 26 al 28": the next 26th).
        let span = |text| -> Vec<String> { days(text).into_iter().map(|(day, _)| day).collect() };
        assert_eq!(
            span("rates for a king room june 26-28?"),
            ["2027-06-26", "2027-06-28"]
        );
        assert_eq!(span("del 26-28 de diciembre"), ["2026-12-26", "2026-12-28"]);
        assert_eq!(
            span("hola, need a room del 27 al 29"),
            ["2026-11-27", "2026-11-29"]
        );
        assert_eq!(span("del 2 al 5"), ["2026-12-02", "2026-12-05"]);
        // Hours and counts are no span of days.
        assert!(span("el viernes de 10 a 12").len() <= 1);
        assert!(span("10-12 people").is_empty());
    }

    fn when(text: &str) -> (Option<String>, Option<String>) {
        let found = read(text, TODAY, Order::MonthFirst, false);
        (
            found.date.map(|d| d.to_string()),
            found.time.map(|t| t.strftime("%H:%M").to_string()),
        )
    }

    fn pair(date: Option<&str>, time: Option<&str>) -> (Option<String>, Option<String>) {
        (date.map(str::to_string), time.map(str::to_string))
    }

    #[test]
    fn hours_said_by_the_quarter_and_the_half() {
        assert_eq!(when("next Tuesday at half 5?").1.as_deref(), Some("17:30"));
        assert_eq!(
            when("on the 5th at half 7 in the evening").1.as_deref(),
            Some("19:30")
        );
        assert_eq!(when("pickup at quarter to 7").1.as_deref(), Some("18:45"));
        assert_eq!(when("a las 7 menos cuarto").1.as_deref(), Some("18:45"));
        assert_eq!(when("for Saturday, 11 o'clock").1.as_deref(), Some("11:00"));
        assert_eq!(when("half a million in coverage").1, None);
    }

    #[test]
    fn a_bare_hour_after_like_or_before_instead_is_a_time() {
        assert_eq!(
            when("next Saturday afternoon? like 2").1.as_deref(),
            Some("14:00")
        );
        assert_eq!(
            when("mañana en la mañana? like 8").1.as_deref(),
            Some("08:00")
        );
        assert_eq!(when("ugh can we do 9 instead").1.as_deref(), Some("09:00"));
        assert_eq!(
            when("hmm actually 11 is better").1.as_deref(),
            Some("11:00")
        );
        assert_eq!(when("a las 8 en la noche").1.as_deref(), Some("20:00"));
        // Counts and durations after "like" are no hours.
        assert_eq!(when("like 15 kids").1, None);
        assert_eq!(when("I'd like 3 of the hoodies").1, None);
        assert_eq!(when("ok prob like 14").1, None);
        assert_eq!(when("like 2 hours").1, None);
    }

    #[test]
    fn a_day_of_the_month_alone_and_named_holidays() {
        assert_eq!(
            when("unas rosas para el 14").0.as_deref(),
            Some("2026-12-14")
        );
        assert_eq!(when("una boda el 19").0.as_deref(), Some("2026-12-19"));
        // In the month after today's, even when today is that day of the month.
        assert_eq!(
            when("ideally the 26th of next month").0.as_deref(),
            Some("2026-12-26")
        );
        assert_eq!(
            when("el 1 del mes que viene").0.as_deref(),
            Some("2026-12-01")
        );
        assert_eq!(when("me interesa el 2 bedroom condo").0, None);
        assert_eq!(when("the 6 lesson package").0, None);
        assert_eq!(
            when("a table on valentines day").0.as_deref(),
            Some("2027-02-14")
        );
        assert_eq!(when("para San Valentín").0.as_deref(), Some("2027-02-14"));
        let corrected = |text| read(text, TODAY, Order::MonthFirst, true).date;
        assert_eq!(
            corrected("hoy no se puede? entonces mañana"),
            Some(date(2026, 11, 27))
        );
        assert_eq!(
            corrected("el 14 de febrero no, el 13 que ella viaja"),
            Some(date(2027, 2, 13))
        );
        assert_eq!(
            corrected("oops el 20, not the 19"),
            Some(date(2026, 12, 20))
        );
    }

    #[test]
    fn this_evening_is_today() {
        let day = |text| read(text, TODAY, Order::DayFirst, false).date;
        assert_eq!(day("para esta noche hay mesa en terraza?"), Some(TODAY));
        assert_eq!(day("una corona para un entierro esta tarde"), Some(TODAY));
        assert_eq!(day("por la tarde"), None);
    }

    #[test]
    fn the_evening_of_a_day_is_said_not_a_night_something_happens() {
        assert!(super::says_evening("table for 5 tomorrow night?"));
        assert!(super::says_evening(
            "quisiera reservar para hoy en la noche"
        ));
        assert!(super::says_evening("tonight?"));
        assert!(!super::says_evening("los oímos por la noche 😖"));
        assert!(!super::says_evening("buenas noches, una consulta"));
    }

    #[test]
    fn a_refused_day_gives_way_to_the_one_kept() {
        let first = |text| read(text, TODAY, Order::MonthFirst, false).date;
        let corrected = |text| read(text, TODAY, Order::MonthFirst, true).date;
        assert_eq!(
            first("mañana no pueden verdad? entonces el lunes"),
            Some(date(2026, 11, 30))
        );
        assert_eq!(
            first("hoy no se puede? entonces mañana"),
            Some(date(2026, 11, 27))
        );
        assert_eq!(
            corrected("nvm friday is bad, monday same time ok?"),
            Some(date(2026, 11, 30))
        );
        assert_eq!(first("friday or monday"), Some(date(2026, 11, 27)));
    }

    #[test]
    fn a_day_a_month_lacks_gives_its_month_to_the_day_said_next() {
        for (text, month) in [
            ("Could you do Feb 30th?", Some(date(2027, 2, 1))),
            ("el 30 de febrero porfa", Some(date(2027, 2, 1))),
            ("the 31st of april?", Some(date(2027, 4, 1))),
            ("para el 31 de noviembre", Some(date(2026, 11, 1))),
            ("march 2 then", None),
            ("el 31 de diciembre", None),
        ] {
            assert_eq!(impossible_day_month(text, TODAY), month, "{text}");
        }
        assert_eq!(day_alone("sorry, 28th"), Some(28));
        assert_eq!(day_alone("ay no, el 28"), Some(28));
        assert_eq!(day_alone("oh shoot sorry the 24th not the 17th"), Some(24));
        assert_eq!(day_alone("sorry, 28 people"), None);
    }

    #[test]
    fn a_past_day_of_the_month_alone_is_this_month_or_the_one_before() {
        let back = |text| read_back(text, TODAY, Order::MonthFirst, false).date;
        assert_eq!(back("charged twice on the 15th"), Some(date(2026, 11, 15)));
        assert_eq!(back("it was the 28th"), Some(date(2026, 10, 28)));
        // A weekday that is today's is last week's.
        assert_eq!(back("fue el jueves"), Some(date(2026, 11, 19)));
        assert_eq!(back("pasó el domingo"), Some(date(2026, 11, 22)));
        assert!(says_past("fue anteayer comiendo", TODAY));
        assert_eq!(
            when("el lunes pasado no vino nadie, así que el martes?"),
            pair(Some("2026-12-01"), None)
        );
        assert!(!says_past("me pueden atender el jueves?", TODAY));
    }

    #[test]
    fn holidays_shorthand_and_years_of_birth() {
        assert_eq!(
            when("NYE dinner at 9pm?"),
            pair(Some("2026-12-31"), Some("21:00"))
        );
        assert_eq!(
            when("open on new years day?"),
            pair(Some("2027-01-01"), None)
        );
        assert_eq!(when("cena de nochebuena"), pair(Some("2026-12-24"), None));
        assert_eq!(when("el día de año nuevo"), pair(Some("2027-01-01"), None));
        assert_eq!(
            when("Happy new year! friday?"),
            pair(Some("2026-11-27"), None)
        );
        assert_eq!(
            when("mñn a mediodía"),
            pair(Some("2026-11-27"), Some("12:00"))
        );
        assert_eq!(when("March 14 1952"), pair(Some("1952-03-14"), None));
        assert_eq!(when("12 de marzo de 1988"), pair(Some("1988-03-12"), None));
        assert_eq!(when("make it 5 people"), pair(None, None));
        assert_eq!(
            when("oh wait make it 4 days, we're staying longer"),
            pair(None, None)
        );
        // A holiday that names the occasion gives way to a date in the same message.
        assert_eq!(
            when("work xmas do on Friday 18 Dec"),
            pair(Some("2026-12-18"), None)
        );
    }

    #[test]
    fn a_day_chosen_by_the_words_after_it_or_refused_by_except() {
        // Thursday 26 November 2026: Monday is the 30th, Tuesday December 1st.
        assert_eq!(
            when("out of town tuesday, thursday instead"),
            pair(Some("2026-12-03"), None)
        );
        assert_eq!(
            when("any day next week except monday, tues ideally"),
            pair(Some("2026-12-01"), None)
        );
        assert_eq!(
            when("wedding's 4 Dec so need it by 1 Dec ideally"),
            pair(Some("2026-12-01"), None)
        );
    }

    #[test]
    fn a_correction_names_the_new_value_after_its_cue() {
        let corrected = |text| {
            read(text, TODAY, Order::MonthFirst, true)
                .date
                .map(|d| d.to_string())
        };
        assert_eq!(
            corrected("no wait jan 7 im traveling on the 6th").as_deref(),
            Some("2027-01-07")
        );
        assert_eq!(
            corrected("no mejor el miércoles xq el martes trabajo").as_deref(),
            Some("2026-12-02")
        );
        assert_eq!(
            corrected("not tuesday, wednesday").as_deref(),
            Some("2026-12-02")
        );
    }

    #[test]
    fn english_days_and_times() {
        assert_eq!(
            when("next Tuesday 3pm"),
            pair(Some("2026-12-01"), Some("15:00"))
        );
        assert_eq!(
            when("tomorrow at 10"),
            pair(Some("2026-11-27"), Some("10:00"))
        );
        assert_eq!(
            when("how about Friday around 4:30 p.m.?"),
            pair(Some("2026-11-27"), Some("16:30"))
        );
        assert_eq!(when("March 5th"), pair(Some("2027-03-05"), None));
        assert_eq!(
            when("12/3 at noon"),
            pair(Some("2026-12-03"), Some("12:00"))
        );
        assert_eq!(
            when("2027-01-15 09:00"),
            pair(Some("2027-01-15"), Some("09:00"))
        );
        assert_eq!(
            when("this thursday at 5"),
            pair(Some("2026-12-03"), Some("17:00")),
            "a weekday is never today"
        );
        assert_eq!(when("Tuesday the 15th"), pair(Some("2026-12-15"), None));
        assert_eq!(when("10ish"), pair(None, Some("10:00")));
        assert_eq!(when("like 1:30"), pair(None, Some("13:30")));
        assert_eq!(
            when("half past 2 in the afternoon"),
            pair(None, Some("14:30"))
        );
        assert_eq!(
            when("ok see you at half past"),
            pair(None, None),
            "no hour after it: no time (it read past the last word)"
        );
        assert_eq!(when("make it 9"), pair(None, Some("09:00")));
        assert_eq!(when("17.30"), pair(None, Some("17:30")));
        assert_eq!(when("before noon, like 10:30"), pair(None, Some("10:30")));
        assert_eq!(when("after 3pm"), pair(None, Some("15:00")));
        assert_eq!(when("in 3 days"), pair(Some("2026-11-29"), None));
        assert_eq!(when("the 2nd"), pair(Some("2026-12-02"), None));
    }

    #[test]
    fn spanish_days_and_times() {
        assert_eq!(
            when("el martes a las 5"),
            pair(Some("2026-12-01"), Some("17:00"))
        );
        assert_eq!(
            when("mañana a las 10 de la mañana"),
            pair(Some("2026-11-27"), Some("10:00"))
        );
        assert_eq!(
            when("el 5 de marzo a las 9 y media"),
            pair(Some("2027-03-05"), Some("09:30"))
        );
        assert_eq!(
            when("pasado mañana por la tarde a las 3"),
            pair(Some("2026-11-28"), Some("15:00"))
        );
        assert_eq!(
            when("el sábado al mediodía"),
            pair(Some("2026-11-28"), Some("12:00"))
        );
        assert_eq!(
            when("el lunes 7 a las 19h"),
            pair(Some("2026-12-07"), Some("19:00"))
        );
        assert_eq!(when("el 30 de febrero"), pair(None, None), "no such day");
        assert_eq!(when("a las 26"), pair(None, None));
        let day_first = read("3/5", TODAY, Order::DayFirst, false);
        assert_eq!(day_first.date, Some(date(2027, 5, 3)));
    }

    #[test]
    fn hours_in_words_and_parts_of_the_day() {
        assert_eq!(
            when("el lunes a las cuatro y media").1.as_deref(),
            Some("16:30")
        );
        assert_eq!(when("a las diez de la noche").1.as_deref(), Some("22:00"));
        assert_eq!(when("a la una").1.as_deref(), Some("13:00"));
        assert_eq!(when("at five").1.as_deref(), Some("17:00"));
        assert_eq!(
            when("el lunes temprano, 8 y media").1.as_deref(),
            Some("08:30")
        );
        assert_eq!(
            when("el sábado temprano a las 7").1.as_deref(),
            Some("07:00")
        );
        assert_eq!(when("tomorrow morning 9?").1.as_deref(), Some("09:00"));
        assert_eq!(when("two tonight at 8?").1.as_deref(), Some("20:00"));
        assert_eq!(when("hoy en la noche a las 9").1.as_deref(), Some("21:00"));
        // Greetings, counts and early hours no one books are not read this way.
        assert_eq!(when("good morning, at 3?").1.as_deref(), Some("15:00"));
        assert_eq!(
            when("as early as you can, at 3").1.as_deref(),
            Some("15:00")
        );
        assert_eq!(when("at one point"), pair(None, None));
        assert_eq!(when("a las dos personas").1, None);
    }

    #[test]
    fn days_and_hours_by_what_is_said_around_them() {
        // TODAY is Thursday 26 November 2026.
        assert_eq!(
            when("table for 4 saturday 7"),
            pair(Some("2026-11-28"), Some("19:00"))
        );
        assert_eq!(
            when("next monday 9?"),
            pair(Some("2026-11-30"), Some("09:00"))
        );
        assert_eq!(when("el lunes 7"), pair(Some("2026-12-07"), None));
        assert_eq!(when("mañana 2 personas").1, None);
        assert_eq!(when("no wait, mejor 11").1.as_deref(), Some("11:00"));
        assert_eq!(
            when("i have an appt friday at 2 but can we move it to 4")
                .1
                .as_deref(),
            Some("14:00"),
            "the first hour, unless read as a correction"
        );
        assert_eq!(when("say half five?").1.as_deref(), Some("17:30"));
        assert_eq!(when("me caso el día 19").0.as_deref(), Some("2026-12-19"));
        assert_eq!(
            when("para el dieciocho somos 8").0.as_deref(),
            Some("2026-12-18")
        );
        assert_eq!(when("the two of us").0, None);
        let back = read(
            "salimos el 19 de diciembre y regresamos el 26",
            TODAY,
            Order::DayFirst,
            true,
        );
        assert_eq!(back.date, Some(date(2026, 12, 26)));
    }

    #[test]
    fn numbers_that_are_not_times_or_dates() {
        assert_eq!(when("we are 12 people, budget 2000"), pair(None, None));
        assert_eq!(
            when("reserva para el 31 de septiembre, 6 personas"),
            pair(None, None)
        );
        assert_eq!(when("my order 2.5 kg"), pair(None, None));
        assert_eq!(when("13/45"), pair(None, None));
    }

    #[test]
    fn weekdays_in_the_plural_and_a_day_before_something() {
        assert_eq!(
            when("saturdays at 11 would be great"),
            pair(Some("2026-11-28"), Some("11:00"))
        );
        assert_eq!(
            when("oh actually thursdays are better for us").0.as_deref(),
            Some("2026-12-03")
        );
        assert_eq!(
            when("un blowout para el 24 antes de la cena").0.as_deref(),
            Some("2026-12-24")
        );
    }

    #[test]
    fn the_day_of_a_month_after_the() {
        assert_eq!(
            when("oops, the 30th of September then").0.as_deref(),
            Some("2027-09-30")
        );
        assert_eq!(when("el 3 de mayo").0.as_deref(), Some("2027-05-03"));
        assert_eq!(when("the 2nd").0.as_deref(), Some("2026-12-02"));
    }

    #[test]
    fn a_day_refused_after_the_new_one_is_not_kept() {
        let found = read(
            "perdón, la boda es el 25 de abril, no el 18",
            TODAY,
            Order::DayFirst,
            true,
        );
        assert_eq!(found.date, Some(date(2027, 4, 25)));
    }

    #[test]
    fn a_correction_names_the_new_value_last() {
        let found = read(
            "not tuesday, wednesday at 4pm",
            TODAY,
            Order::MonthFirst,
            true,
        );
        assert_eq!(found.date, Some(date(2026, 12, 2)));
        assert_eq!(found.time, Some(Time::constant(16, 0, 0, 0)));
    }

    proptest::proptest! {
        #[test]
        fn reading_never_panics(text in "\\PC{0,120}") {
            let _ = read(&text, TODAY, Order::DayFirst, true);
        }

        /// A time as it is stored (`HH:MM`, 24 h) reads back as itself.
        #[test]
        fn stored_times_read_back(hour in 0i8..24, minute in 0i8..60) {
            let stored = format!("{hour:02}:{minute:02}");
            let found = read(&stored, TODAY, Order::DayFirst, false).time.unwrap();
            proptest::prop_assert_eq!(found.strftime("%H:%M").to_string(), stored);
        }

        /// A date as it is stored (`YYYY-MM-DD`) reads back as itself, in either order.
        #[test]
        fn stored_dates_read_back(days in 0i32..3650, day_first: bool) {
            let date = TODAY.checked_add(jiff::Span::new().days(days)).unwrap();
            let order = if day_first { Order::DayFirst } else { Order::MonthFirst };
            proptest::prop_assert_eq!(read(&date.to_string(), TODAY, order, false).date, Some(date));
        }

        #[test]
        fn written_times_read_back(hour in 1i8..=12, minute in 0i8..60, pm: bool) {
            let text = format!("at {hour}:{minute:02}{}", if pm { "pm" } else { "am" });
            let found = read(&text, TODAY, Order::MonthFirst, false).time.unwrap();
            let expected = (hour % 12) + if pm { 12 } else { 0 };
            proptest::prop_assert_eq!((found.hour(), found.minute()), (expected, minute));
        }
    }
}
