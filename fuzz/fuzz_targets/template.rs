//! The SMS template renderer: no placeholder with a value survives rendering, and a template
//! without placeholders is only tidied (never loses its words).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smsflow_agent::template::{placeholders, render};
use std::collections::BTreeMap;

fuzz_target!(|input: (&str, Vec<(String, String)>)| {
    let (template, pairs) = input;
    let values: BTreeMap<String, String> = pairs.into_iter().collect();
    let rendered = render(template, &values);
    assert_eq!(rendered.trim(), rendered);
    // Every placeholder that has a value is replaced: none is left as written.
    for key in placeholders(template) {
        if values
            .get(&key)
            .is_some_and(|v| !v.is_empty() && !v.contains("{{"))
            && !key.contains("{{")
        {
            assert!(
                !rendered.contains(&format!("{{{{{key}}}}}")),
                "{{{{{key}}}}} left in {rendered:?}"
            );
        }
    }
    if !template.contains("{{") {
        let words = |s: &str| {
            s.split(|c: char| c.is_whitespace() || ",.!?;:".contains(c))
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(words(&rendered), words(template), "{rendered:?}");
    }
});
