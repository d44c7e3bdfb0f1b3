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

/// A collection's records: created_at, sender (the number that texted), then one column per
/// field by name. An extracted `phone` is its own column, so a sheet never has two `phone`
/// columns; a field that is itself called `sender` wins the name and the number becomes
/// `sender_number`.
pub fn records(records: &[Record]) -> String {
    let mut columns: Vec<&str> = records
        .iter()
        .flat_map(|r| r.fields.keys().map(String::as_str))
        .collect();
    columns.sort_unstable();
    columns.dedup();
    let sender = if columns.contains(&"sender") {
        "sender_number"
    } else {
        "sender"
    };
    let mut csv = format!("created_at,{sender}");
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

    fn record(phone: &str, fields: &[(&str, &str)]) -> Record {
        Record {
            id: uuid::Uuid::nil(),
            collection: "leads".into(),
            run_id: uuid::Uuid::nil(),
            conversation_id: uuid::Uuid::nil(),
            workflow_id: uuid::Uuid::nil(),
            phone: phone.into(),
            fields: fields
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn records_have_one_column_per_name() {
        let extracted_phone = record("+14155550111", &[("phone", "+14155550199")]);
        assert_eq!(
            records(&[extracted_phone]),
            "created_at,sender,phone\n1970-01-01T00:00:00Z,+14155550111,+14155550199\n"
        );
        let sender_field = record("+14155550111", &[("sender", "Ada")]);
        assert!(records(&[sender_field]).starts_with("created_at,sender_number,sender\n"));
    }
}
