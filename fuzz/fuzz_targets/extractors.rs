//! The built-in extractors on any text: every value they return passes their own validation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smsflow_agent::extract::Extractors;
use smsflow_core::FieldName;

const FIELDS: [&str; 6] = [
    "name",
    "email",
    "phone",
    "company",
    "budget",
    "order_number",
];

fuzz_target!(
    // The phone number metadata loads on first use (seconds): before the clock starts, not in an input.
    init: {
        let phone = [FieldName::parse("phone").expect("valid")];
        Extractors::default().extract("call me at (415) 555-0132", &phone);
    },
    |input: (bool, &str)| check(input)
);

fn check((asked_name, text): (bool, &str)) {
    let extractors = Extractors::default();
    let wanted: Vec<FieldName> = FIELDS
        .iter()
        .map(|f| FieldName::parse(f).expect("valid"))
        .collect();
    let asked = if asked_name {
        vec!["name".to_string()]
    } else {
        Vec::new()
    };
    let found = extractors.extract_answer(text, &wanted, &asked);
    for (field, value) in &found {
        assert!(FIELDS.contains(&field.as_str()), "unwanted field {field}");
        assert!(!value.is_empty(), "{field} extracted empty");
        assert!(
            extractors.validate_field(field, value).is_some(),
            "{field} = {value:?} was extracted but fails its own validation"
        );
    }
}
