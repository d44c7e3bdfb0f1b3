//! Built-in extractors: email, phone (normalised to E.164), name and company from common SMS
//! phrasing ("I'm Dana from Blue Fin Sushi", "this is Ken with Northwind", "Name: Fatima Khan"),
//! and any field written as "label: value". Each validates what it accepts.

use phonenumber::country::Id as Region;
use smsflow_core::FieldName;
use std::collections::BTreeMap;

/// Which built-in extractor a field name uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Email,
    Phone,
    Name,
    Company,
    /// Only "label: value".
    Labelled,
}

fn kind(field: &str) -> Kind {
    match field {
        "email" | "e_mail" | "email_address" => Kind::Email,
        "phone" | "phone_number" | "mobile" | "cell" | "telephone" | "number" => Kind::Phone,
        "name" | "full_name" | "first_name" | "contact_name" => Kind::Name,
        "company" | "company_name" | "business" | "organization" | "organisation" | "employer" => {
            Kind::Company
        }
        _ => Kind::Labelled,
    }
}

/// Whether the built-in extractors know this field by its name (others need a model or a label).
pub fn is_builtin(field: &str) -> bool {
    kind(field) != Kind::Labelled
}

#[derive(Debug, Clone)]
pub struct Extractors {
    region: Region,
}

impl Default for Extractors {
    fn default() -> Self {
        Extractors { region: Region::US }
    }
}

impl Extractors {
    /// `region`: the ISO country whose numbers may be written without a country code (e.g. "US").
    pub fn new(region: &str) -> Option<Extractors> {
        region
            .parse::<Region>()
            .ok()
            .map(|region| Extractors { region })
    }

    /// The wanted fields found in `text`, by field name.
    pub fn extract(&self, text: &str, wanted: &[FieldName]) -> BTreeMap<String, String> {
        self.extract_answer(text, wanted, &[])
    }

    /// As [`Extractors::extract`], for a message answering a question about `asked` fields: when a
    /// name was asked for, a message that starts with a capitalised name ("Dana from Blue Fin
    /// Sushi") gives it without any "I'm".
    pub fn extract_answer(
        &self,
        text: &str,
        wanted: &[FieldName],
        asked: &[String],
    ) -> BTreeMap<String, String> {
        let mut words = words(text);
        let name_asked = asked.iter().any(|field| kind(field) == Kind::Name);
        if name_asked
            && person_name(&words).is_none()
            && capitalised_run(&words, 0, 3, false).is_some()
        {
            // Read the answer as if it said "I'm ...": the cues then find the name and company.
            words.insert(
                0,
                Word {
                    text: "I'm".into(),
                    lower: "i'm".into(),
                    ends_clause: false,
                },
            );
        }
        let mut found = BTreeMap::new();
        for field in wanted {
            let name = field.as_str();
            let value = labelled(text, name)
                .and_then(|value| self.validate(kind(name), &value))
                .or_else(|| match kind(name) {
                    Kind::Email => email(text),
                    Kind::Phone => self.phone(text),
                    Kind::Name => person_name(&words),
                    Kind::Company => company(&words),
                    Kind::Labelled => None,
                });
            if let Some(value) = value {
                found.insert(name.to_string(), value);
            }
        }
        found
    }

    /// A value for `field` from elsewhere (a model, a form), checked and normalised as the built-in
    /// extractor would (email syntax, E.164 phone numbers); `None` when it does not pass.
    pub fn validate_field(&self, field: &str, value: &str) -> Option<String> {
        self.validate(kind(field), value.trim())
    }

    fn validate(&self, kind: Kind, value: &str) -> Option<String> {
        match kind {
            Kind::Email => email(value),
            Kind::Phone => self.phone(value),
            _ => Some(value.to_string()).filter(|v| !v.is_empty() && v.chars().count() <= 100),
        }
    }

    /// The first valid phone number, in E.164.
    fn phone(&self, text: &str) -> Option<String> {
        phone_candidates(text).into_iter().find_map(|candidate| {
            let number = phonenumber::parse(Some(self.region), &candidate).ok()?;
            phonenumber::is_valid(&number)
                .then(|| number.format().mode(phonenumber::Mode::E164).to_string())
        })
    }
}

/// "Email: x", "order number - 123": the value after the field's label.
fn labelled(text: &str, field: &str) -> Option<String> {
    let label = field.replace('_', " ");
    let lower = text.to_lowercase();
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
            .or_else(|| rest.strip_prefix(" is "))
            .or_else(|| rest.strip_prefix("is "))
        else {
            continue;
        };
        if !starts_word {
            continue;
        }
        let value: String = value
            .trim_start()
            .chars()
            .take_while(|c| !matches!(c, ',' | ';' | '\n'))
            .collect();
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

fn email(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '<' | '>' | '(' | ')'))
        .map(|token| token.trim_matches(|c: char| matches!(c, '.' | ':' | '!' | '?' | '"' | '\'')))
        .find(|token| is_email(token))
        .map(|token| {
            let (local, domain) = token.split_once('@').expect("is_email checked the @");
            format!("{local}@{}", domain.to_lowercase())
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

/// Runs of digits and phone punctuation with 7 to 15 digits.
fn phone_candidates(text: &str) -> Vec<String> {
    let mut candidates = Vec::new();
    let mut current = String::new();
    let mut flush = |current: &mut String| {
        let digits = current.chars().filter(char::is_ascii_digit).count();
        if (7..=15).contains(&digits) {
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
    text.split_whitespace()
        .filter_map(|raw| {
            let ends_clause = raw.ends_with([',', '.', '!', '?', ';', ':']);
            let text = raw
                .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '&' && c != '-')
                .trim_end_matches('\'');
            (!text.is_empty()).then(|| Word {
                lower: text.to_lowercase().replace('\u{2019}', "'"),
                text: text.to_string(),
                ends_clause,
            })
        })
        .collect()
}

fn is_capitalised(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

/// Capitalised words that follow "I'm" or "this is" without being a name.
const NOT_NAMES: &[&str] = &[
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
];

/// Up to `max` capitalised words from `start` (the name or company itself).
fn capitalised_run(
    words: &[Word],
    start: usize,
    max: usize,
    connectors: bool,
) -> Option<(String, usize)> {
    let mut taken: Vec<&str> = Vec::new();
    let mut index = start;
    while index < words.len() && taken.len() < max {
        let word = &words[index];
        let connector = connectors
            && !taken.is_empty()
            && matches!(word.lower.as_str(), "of" | "&" | "and")
            && words
                .get(index + 1)
                .is_some_and(|next| is_capitalised(&next.text));
        if !(is_capitalised(&word.text) || connector)
            || (taken.is_empty() && NOT_NAMES.contains(&word.lower.as_str()))
        {
            break;
        }
        if !connector && NOT_NAMES.contains(&word.lower.as_str()) && !connectors {
            break;
        }
        taken.push(&word.text);
        index += 1;
        if word.ends_clause {
            break;
        }
    }
    (!taken.is_empty()).then(|| (taken.join(" "), index))
}

/// Phrases after which a name follows.
const NAME_CUES: &[&[&str]] = &[
    &["my", "name", "is"],
    &["name", "is"],
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
];

fn person_name(words: &[Word]) -> Option<String> {
    for (i, _) in words.iter().enumerate() {
        for cue in NAME_CUES {
            let matches = cue
                .iter()
                .enumerate()
                .all(|(k, part)| words.get(i + k).is_some_and(|w| w.lower == *part));
            if matches && let Some((name, _)) = capitalised_run(words, i + cue.len(), 3, false) {
                return Some(name);
            }
        }
    }
    // "Sam here", or a signature "- Sarah, Pinecrest Realty".
    for (i, word) in words.iter().enumerate() {
        if word.lower == "here"
            && i >= 1
            && is_capitalised(&words[i - 1].text)
            && !NOT_NAMES.contains(&words[i - 1].lower.as_str())
            && (i == 1 || words[i - 2].ends_clause)
        {
            return Some(words[i - 1].text.clone());
        }
    }
    signature(words).map(|(name, _)| name)
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
    &["from"],
    &["with"],
    &["at"],
    &["for"],
    &["company", "is"],
    &["company"],
    &["on", "behalf", "of"],
    &["we're", "at"],
    &["we", "are", "at"],
];

fn company(words: &[Word]) -> Option<String> {
    let name = person_name(words);
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
                    ));
            if cue.len() == 1 && !after_person {
                continue;
            }
            if let Some((company, _)) = capitalised_run(words, i + cue.len(), 5, true) {
                return Some(company);
            }
        }
    }
    signature(words).and_then(|(_, company)| company)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(names: &str) -> Vec<FieldName> {
        names
            .split(',')
            .map(|n| FieldName::parse(n).unwrap())
            .collect()
    }

    fn extract(text: &str) -> BTreeMap<String, String> {
        Extractors::default().extract(text, &fields("name,email,phone,company"))
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
    }

    #[test]
    fn emails_and_phones_are_validated_and_normalised() {
        let found =
            extract("My name is Leo Martin, Leo.Martin@Example.ORG, call 415-555-0111 after 10am");
        assert_eq!(
            pairs(&found),
            [
                ("email", "Leo.Martin@example.org"),
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

    #[test]
    fn an_answer_to_a_question_about_the_name_needs_no_cue() {
        let asked = ["name".to_string(), "company".to_string()];
        let found = Extractors::default().extract_answer(
            "Dana from Blue Fin Sushi",
            &fields("name,company"),
            &asked,
        );
        assert_eq!(
            pairs(&found),
            [("company", "Blue Fin Sushi"), ("name", "Dana")]
        );
        assert!(
            extract("Dana from Blue Fin Sushi").is_empty(),
            "not without the question"
        );
        let lower =
            Extractors::default().extract_answer("sure, it's for my team", &fields("name"), &asked);
        assert!(lower.is_empty());
    }

    #[test]
    fn any_field_can_be_given_with_its_label() {
        let found = Extractors::default().extract(
            "Order number: A-1234, budget is 2000",
            &fields("order_number,budget,email"),
        );
        assert_eq!(
            pairs(&found),
            [("budget", "2000"), ("order_number", "A-1234")]
        );
        let labelled_email = Extractors::default().extract("Email: not-an-email", &fields("email"));
        assert!(
            labelled_email.is_empty(),
            "a labelled value still passes the validator"
        );
    }

    proptest::proptest! {
        #[test]
        fn extraction_never_panics_and_phones_are_e164(text in "\\PC{0,200}") {
            let found = extract(&text);
            if let Some(phone) = found.get("phone") {
                proptest::prop_assert!(smsflow_core::sms::is_e164(phone));
            }
            if let Some(email) = found.get("email") {
                proptest::prop_assert!(is_email(email));
            }
        }
    }
}
