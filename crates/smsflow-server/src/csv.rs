//! CSV exports (opt-outs, records) for spreadsheets, shared by the API and the web app.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use smsflow_store::conversations::{OptOut, Record};
use time::OffsetDateTime;

fn timestamp(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The opt-outs: number, keyword, opted_out_at.
pub fn opt_outs(opt_outs: &[OptOut]) -> String {
    let mut csv = String::from("number,keyword,opted_out_at\n");
    for opt_out in opt_outs {
        csv.push_str(&format!(
            "{},{},{}\n",
            field(&opt_out.number),
            field(&opt_out.keyword),
            timestamp(opt_out.opted_out_at)
        ));
    }
    csv
}

/// A collection's records: created_at, phone, then one column per field (by name).
pub fn records(records: &[Record]) -> String {
    let mut columns: Vec<&str> = records
        .iter()
        .flat_map(|r| r.fields.keys().map(String::as_str))
        .collect();
    columns.sort_unstable();
    columns.dedup();
    let mut csv = String::from("created_at,phone");
    for column in &columns {
        csv.push(',');
        csv.push_str(&field(column));
    }
    csv.push('\n');
    for record in records {
        csv.push_str(&timestamp(record.created_at));
        csv.push(',');
        csv.push_str(&field(&record.phone));
        for column in &columns {
            csv.push(',');
            csv.push_str(&field(
                record.fields.get(*column).map(String::as_str).unwrap_or(""),
            ));
        }
        csv.push('\n');
    }
    csv
}

/// A CSV download named `filename` (made of safe characters by the caller).
pub fn attachment(filename: &str, csv: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        csv,
    )
        .into_response()
}

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
