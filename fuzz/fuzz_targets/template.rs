//! The SMS template renderer: rendering is one pass that leaves no placeholder behind (when neither
//! the text around the placeholders nor the values bring braces of their own), and a template
//! without placeholders is only tidied (never loses its words).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smsflow_agent::template::render;
use std::collections::BTreeMap;

fuzz_target!(|input: (&str, Vec<(String, String)>)| {
    let (template, pairs) = input;
    let values: BTreeMap<String, String> = pairs.into_iter().collect();
    let rendered = render(template, &values);
    assert_eq!(rendered.trim(), rendered);
    let braces = |s: &str| s.contains(['{', '}']);
    if !braces(&outside_placeholders(template)) && !values.values().any(|v| braces(v)) {
        assert!(!braces(&rendered), "a brace is left in {rendered:?}");
    }
    if !template.contains("{{") {
        assert_eq!(words(&rendered), words(template), "{rendered:?}");
    }
});

/// The template with every complete `{{...}}` removed.
fn outside_placeholders(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open..].find("}}") else {
            break;
        };
        out.push_str(&rest[..open]);
        rest = &rest[open + close + 2..];
    }
    out.push_str(rest);
    out
}

fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || ",.!?;:".contains(c))
        .filter(|w| !w.is_empty())
        .collect()
}
