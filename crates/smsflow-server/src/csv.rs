//! CSV exports (opt-outs, records) for spreadsheets.

/// Quotes a field when needed, and defuses spreadsheet formulas (`=`, `@`, `-`, `+` at the start).
pub fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '@', '-', '+']) && !crate::csv::is_number(value) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// Phone numbers such as +14155550111 are data, not formulas.
fn is_number(value: &str) -> bool {
    value.len() > 1 && value[1..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("+14155550111"), "+14155550111");
    }
}
