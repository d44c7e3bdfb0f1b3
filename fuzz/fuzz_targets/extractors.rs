//! The built-in extractors on any text, for fields of every type: a value they find is one field
//! they were asked for, never empty, never also refused, and passes their own validation.
#![no_main]

use jiff::Timestamp;
use jiff::tz::TimeZone;
use libfuzzer_sys::fuzz_target;
use smsflow_agent::extract::Extractors;
use smsflow_agent::fields::Clock;
use smsflow_core::{FieldName, FieldSpec, FieldType};
use std::collections::BTreeMap;

/// One field of each type (a `company` text field has its own reader; `notes` is label-only;
/// `card_message` holds words to be written, `recipient` someone something is sent to).
const FIELDS: [(&str, FieldType); 13] = [
    ("name", FieldType::Name),
    ("recipient", FieldType::Name),
    ("card_message", FieldType::Text),
    ("email", FieldType::Email),
    ("phone", FieldType::Phone),
    ("company", FieldType::Text),
    ("notes", FieldType::Text),
    ("birth_date", FieldType::Date),
    ("time", FieldType::Time),
    ("appointment", FieldType::Datetime),
    ("budget", FieldType::Number),
    ("size", FieldType::Choice),
    ("address", FieldType::Address),
];

fn fields() -> Vec<FieldSpec> {
    FIELDS
        .iter()
        .map(|&(name, kind)| FieldSpec {
            name: FieldName::parse(name).expect("valid"),
            kind,
            required: true,
            choices: if kind == FieldType::Choice {
                vec!["small".into(), "medium".into(), "large".into()]
            } else {
                Vec::new()
            },
        })
        .collect()
}

/// A fixed day (2026-11-28 12:00 UTC), so a run reads relative days the same way every time.
fn clock() -> Clock {
    Clock::at(
        Timestamp::from_second(1_795_867_200).expect("valid"),
        TimeZone::UTC,
    )
}

fuzz_target!(
    // The phone number metadata loads on first use (seconds): before the clock starts, not in an input.
    init: {
        Extractors::default().extract("call me at (415) 555-0132", &fields(), &clock());
    },
    |input: (u16, u16, &str)| check(input)
);

/// `wanted` and `asked` are bit sets over `FIELDS`.
fn check((wanted, asked, text): (u16, u16, &str)) {
    let extractors = Extractors::default();
    let clock = clock();
    let all = fields();
    let pick = |bits: u16| -> Vec<&FieldSpec> {
        all.iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, field)| field)
            .collect()
    };
    let wanted: Vec<FieldSpec> = pick(wanted).into_iter().cloned().collect();
    let asked: Vec<String> = pick(asked)
        .into_iter()
        .map(|field| field.as_str().to_string())
        .collect();
    let extraction = extractors.read(text, &wanted, &asked, &BTreeMap::new(), &clock);
    for (name, value) in &extraction.found {
        let field = wanted
            .iter()
            .find(|field| field.as_str() == name)
            .unwrap_or_else(|| panic!("{name} was found but not wanted"));
        assert!(!value.is_empty(), "{name} extracted empty");
        assert!(
            !extraction.invalid.contains_key(name),
            "{name} is both found and invalid"
        );
        assert!(
            extractors.validate_field(field, value, &clock).is_some(),
            "{name} = {value:?} was extracted but fails its own validation"
        );
    }
    for name in extraction.invalid.keys() {
        assert!(
            wanted.iter().any(|field| field.as_str() == name),
            "{name} was refused but not wanted"
        );
    }
}
