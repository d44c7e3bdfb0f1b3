//! SMS templates: `{{name}}`-style placeholders filled with what is known. A placeholder with no
//! value is dropped together with the space before it ("Thanks {{name}}!" becomes "Thanks!"), so a
//! reply never shows a blank or a raw placeholder.

use std::collections::BTreeMap;

pub fn render(template: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open..].find("}}") else {
            break;
        };
        out.push_str(&rest[..open]);
        let key = rest[open + 2..open + close].trim();
        match values.get(key).filter(|value| !value.is_empty()) {
            Some(value) => out.push_str(value),
            None => {
                while out.ends_with(' ') {
                    out.pop();
                }
            }
        }
        rest = &rest[open + close + 2..];
    }
    out.push_str(rest);
    tidy(&out)
}

/// [`render`] with the values given as pairs (for the agent's own phrases).
pub fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    let values = pairs
        .iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect();
    render(template, &values)
}

/// Collapses doubled spaces and spaces before punctuation left by dropped placeholders.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, ',' | '.' | '!' | '?' | ';' | ':') {
            while out.ends_with(' ') {
                out.pop();
            }
        }
        if c == ' ' && (out.ends_with(' ') || out.is_empty()) {
            continue;
        }
        out.push(c);
    }
    out.trim().replace(",!", "!").replace(",.", ".")
}

/// The placeholders a template uses.
pub fn placeholders(template: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open..].find("}}") else {
            break;
        };
        found.push(rest[open + 2..open + close].trim().to_string());
        rest = &rest[open + close + 2..];
    }
    found
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn known_values_fill_and_unknown_ones_vanish() {
        assert_eq!(
            render(
                "Thanks {{name}}! What size is your team?",
                &values(&[("name", "Dana")])
            ),
            "Thanks Dana! What size is your team?"
        );
        assert_eq!(
            render("Thanks {{ name }}! What size is your team?", &values(&[])),
            "Thanks! What size is your team?"
        );
        assert_eq!(
            render(
                "Hi {{name}}, your ticket is {{ticket_id}}.",
                &values(&[("ticket_id", "T-7")])
            ),
            "Hi, your ticket is T-7."
        );
        assert_eq!(render("No placeholders", &values(&[])), "No placeholders");
        assert_eq!(render("Broken {{name", &values(&[])), "Broken {{name");
        assert_eq!(placeholders("{{a}} and {{ b }}"), ["a", "b"]);
    }
}
