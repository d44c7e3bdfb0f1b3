//! What a person sends (API bodies and query strings, web forms, paths) must be text that SQLite and
//! PostgreSQL store alike. A NUL byte (PostgreSQL refuses it in text) or invalid UTF-8 is refused
//! with 400, naming the field, before any handler runs, on both databases. Gateway webhooks are not
//! typed by a person and cannot be asked to retype: their texts are repaired instead
//! ([`smsflow_core::sms::inbound_text`]).

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode;
use smsflow_core::Problems;

use crate::error::ApiError;
use crate::extract::BODY_LIMIT;

/// A field that cannot be stored: where it is and what is wrong with it.
struct Unstorable {
    field: String,
    message: &'static str,
}

const NUL: &str = "contains a NUL character (%00 or \\u0000), which cannot be stored: remove it";
const NOT_UTF8: &str = "is not valid UTF-8 text: send text encoded as UTF-8";

/// The middleware: refuses a request with a field that cannot be stored.
pub async fn refuse_unstorable(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/webhooks/") {
        return next.run(request).await;
    }
    let api = path.starts_with("/api/");
    let refuse = |found: Unstorable| -> Response {
        if api {
            ApiError::Invalid(Problems::single(found.field, found.message)).into_response()
        } else {
            (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("Not accepted: {} {}\n", found.field, found.message),
            )
                .into_response()
        }
    };
    if let Some(found) = check_encoded("path", path.as_bytes()) {
        return refuse(found);
    }
    if let Some(found) = request
        .uri()
        .query()
        .and_then(|query| check_pairs("query", query.as_bytes()))
    {
        return refuse(found);
    }
    let kind = body_kind(&request);
    if kind == BodyKind::Other {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => bytes,
        Err(_) if api => return ApiError::PayloadTooLarge { limit: BODY_LIMIT }.into_response(),
        Err(_) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Not accepted: the form is larger than {BODY_LIMIT} bytes\n"),
            )
                .into_response();
        }
    };
    let found = match kind {
        BodyKind::Form => check_pairs("form", &bytes),
        BodyKind::Json => check_json(&bytes),
        BodyKind::Other => None,
    };
    if let Some(found) = found {
        return refuse(found);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Form,
    Json,
    Other,
}

fn body_kind(request: &Request) -> BodyKind {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::DELETE
    ) {
        return BodyKind::Other;
    }
    let mime = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime == "application/x-www-form-urlencoded" {
        BodyKind::Form
    } else if mime == "application/json" || mime.ends_with("+json") {
        BodyKind::Json
    } else {
        BodyKind::Other
    }
}

/// A percent-encoded component (a path), decoded.
fn check_encoded(field: &str, encoded: &[u8]) -> Option<Unstorable> {
    let decoded: Vec<u8> = percent_decode(encoded).collect();
    let message = if decoded.contains(&0) {
        NUL
    } else if std::str::from_utf8(&decoded).is_err() {
        NOT_UTF8
    } else {
        return None;
    };
    Some(Unstorable {
        field: field.to_string(),
        message,
    })
}

/// `name=value&...` (a query string or a form), each name and value decoded.
fn check_pairs(prefix: &str, encoded: &[u8]) -> Option<Unstorable> {
    encoded
        .split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .find_map(|pair| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &pair[..0]),
            };
            let readable: String = form_urlencoded::parse(name)
                .next()
                .map(|(name, _)| name.into_owned())
                .unwrap_or_default();
            // Names are quoted only when harmless: at most 40 characters, the NUL replaced.
            let field = format!(
                "{prefix}.{}",
                readable
                    .replace('\0', "\u{fffd}")
                    .chars()
                    .take(40)
                    .collect::<String>()
            );
            check_encoded(&field, name).or_else(|| check_encoded(&field, value))
        })
}

/// JSON can carry a NUL only as the escape `\u0000` (raw control characters are invalid JSON);
/// only when one is there is the body parsed, to name the field.
fn check_json(bytes: &Bytes) -> Option<Unstorable> {
    if !has_nul_escape(bytes) {
        return None;
    }
    let field = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|value| nul_path(&value, "body".into()))
        .unwrap_or_else(|| "body".into());
    Some(Unstorable {
        field,
        message: NUL,
    })
}

/// Whether `\u0000` appears as an escape (after an even number of backslashes).
fn has_nul_escape(bytes: &[u8]) -> bool {
    let pattern: &[u8] = b"\\u0000";
    bytes
        .windows(pattern.len())
        .enumerate()
        .filter(|(_, window)| *window == pattern)
        .any(|(at, _)| {
            let backslashes = bytes[..at]
                .iter()
                .rev()
                .take_while(|&&b| b == b'\\')
                .count();
            backslashes % 2 == 0
        })
}

/// The path of the first string (or key) holding a NUL, e.g. `body.steps[1].template`.
fn nul_path(value: &serde_json::Value, path: String) -> Option<String> {
    match value {
        serde_json::Value::String(text) => text.contains('\0').then_some(path),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_path(item, format!("{path}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(key, item)| {
            let here = format!("{path}.{}", key.replace('\0', "\u{fffd}"));
            if key.contains('\0') {
                Some(here)
            } else {
                nul_path(item, here)
            }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_escapes_are_found_and_escaped_backslashes_are_not() {
        assert!(has_nul_escape(br#"{"a":"x\u0000y"}"#));
        assert!(has_nul_escape(br#"{"a":"x\\\u0000y"}"#));
        assert!(!has_nul_escape(br#"{"a":"x\\u0000y"}"#));
        assert!(!has_nul_escape(br#"{"a":"x"}"#));
    }

    #[test]
    fn the_field_is_named() {
        let found = check_json(&Bytes::from_static(
            br#"{"name":"ok","steps":[{"type":"x"},{"template":"a\u0000"}]}"#,
        ))
        .unwrap();
        assert_eq!(found.field, "body.steps[1].template");
        let found = check_pairs("query", b"limit=5&q=a%00b").unwrap();
        assert_eq!(found.field, "query.q");
        assert_eq!(found.message, NUL);
        let found = check_pairs("form", b"name=%FF%FE").unwrap();
        assert_eq!(found.message, NOT_UTF8);
        assert!(check_pairs("form", b"name=caf%C3%A9&x=a+b").is_none());
        assert!(check_encoded("path", b"/tickets/a%00b").is_some());
    }
}
