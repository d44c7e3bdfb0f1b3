//! Checking the model's answer before anyone uses it: the JSON object, its types, the fields it may
//! fill, the reply's length, and the links and numbers it may (and must) carry.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use smsflow_core::run::SUMMARY_MAX_CHARS;
use smsflow_core::text::shorten;

use crate::{LlmAnswer, LlmError, LlmRequest};

/// An extracted value longer than this is dropped: no field a workflow asks for is that long.
const FIELD_MAX_CHARS: usize = 500;

/// Parses and checks the content of the model's message.
pub(crate) fn parse(
    content: &str,
    request: &LlmRequest,
    allowed: &[String],
) -> Result<LlmAnswer, LlmError> {
    let json = json_text(content);
    let value: Value = serde_json::from_str(json)
        .map_err(|error| LlmError::Malformed(format!("the content is not JSON ({error})")))?;
    let Value::Object(object) = value else {
        return Err(LlmError::Malformed(
            "the content is not a JSON object".into(),
        ));
    };

    let reply = match object.get("reply") {
        Some(Value::String(reply)) => clean(reply),
        Some(_) => return Err(LlmError::Malformed("`reply` is not a string".into())),
        None => return Err(LlmError::Malformed("`reply` is missing".into())),
    };
    let extracted = match object.get("extracted") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(fields)) => fields
            .iter()
            .filter(|(name, _)| allowed.iter().any(|field| field == *name))
            .filter_map(|(name, value)| {
                let value = match value {
                    Value::String(text) => clean(text),
                    Value::Number(number) => number.to_string(),
                    _ => return None,
                };
                let usable = !value.is_empty() && value.chars().count() <= FIELD_MAX_CHARS;
                usable.then(|| (name.clone(), value))
            })
            .collect(),
        Some(_) => return Err(LlmError::Malformed("`extracted` is not an object".into())),
    };
    let wants_human = match object.get("wants_human") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(Value::String(text)) if text.eq_ignore_ascii_case("true") => true,
        Some(Value::String(text)) if text.eq_ignore_ascii_case("false") => false,
        Some(_) => return Err(LlmError::Malformed("`wants_human` is not a boolean".into())),
    };

    let reply = check_reply(reply, request)?;
    let summary = match object.get("summary") {
        _ if request.summary_draft.is_none() => None,
        None | Some(Value::Null) => None,
        Some(Value::String(summary)) => check_summary(clean(summary), request)?,
        Some(_) => return Err(LlmError::Malformed("`summary` is not a string".into())),
    };
    Ok(LlmAnswer {
        reply,
        extracted,
        wants_human,
        summary,
    })
}

/// The JSON inside a fenced block (```json ... ```) or around stray words; the text itself otherwise.
fn json_text(content: &str) -> &str {
    let mut text = content.trim();
    if let Some(rest) = text.strip_prefix("```") {
        let rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
        text = rest.trim_end().strip_suffix("```").unwrap_or(rest).trim();
    }
    if !text.starts_with('{')
        && let (Some(start), Some(end)) = (text.find('{'), text.rfind('}'))
        && start < end
    {
        text = &text[start..=end];
    }
    text
}

/// Trims, drops control characters but newlines, and collapses runs of blank lines.
fn clean(text: &str) -> String {
    let text: String = text
        .chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\r' => None,
            c if c.is_control() && c.is_whitespace() => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut newlines = 0;
    for c in text.trim().chars() {
        if c == '\n' {
            newlines += 1;
            if newlines > 2 {
                continue;
            }
        } else {
            newlines = 0;
        }
        out.push(c);
    }
    out
}

fn check_reply(reply: String, request: &LlmRequest) -> Result<String, LlmError> {
    if reply.is_empty() {
        return Err(LlmError::Malformed("the reply is empty".into()));
    }
    if reply.contains("{{") || reply.contains("}}") {
        return Err(LlmError::Malformed(
            "the reply contains an unfilled placeholder".into(),
        ));
    }
    if (reply.starts_with('{') || reply.starts_with('['))
        && serde_json::from_str::<Value>(&reply).is_ok()
    {
        return Err(LlmError::Malformed("the reply is JSON, not text".into()));
    }

    no_invented_link("reply", &reply, request)?;

    let reply = shorten(&reply, request.max_chars);
    // The draft's links and ticket numbers must reach the person.
    let kept: BTreeSet<String> = facts(&reply).collect();
    if let Some(fact) = facts(&request.draft_reply).find(|fact| !kept.contains(fact)) {
        let what = if is_link(&fact) { "a link" } else { "a number" };
        return Err(LlmError::Malformed(format!(
            "the reply (within {} characters) lost {what} of the draft reply",
            request.max_chars
        )));
    }
    Ok(reply)
}

/// The model cannot hand out links of its own: every link must come from the workflow or draft.
fn no_invented_link(what: &str, text: &str, request: &LlmRequest) -> Result<(), LlmError> {
    let provided: BTreeSet<String> = [
        request.context.as_str(),
        request.response_template.as_deref().unwrap_or_default(),
        request.steps.as_str(),
        request.draft_reply.as_str(),
    ]
    .into_iter()
    .flat_map(links)
    .collect();
    match links(text).find(|link| !provided.contains(link)) {
        Some(link) => Err(LlmError::Malformed(format!(
            "the {what} contains a link the workflow did not provide ({})",
            host_of(&link)
        ))),
        None => Ok(()),
    }
}

/// A summary is checked like the reply, without its facts rule; an empty one leaves the builtin's.
fn check_summary(summary: String, request: &LlmRequest) -> Result<Option<String>, LlmError> {
    if summary.is_empty() {
        return Ok(None);
    }
    if summary.contains("{{") || summary.contains("}}") {
        return Err(LlmError::Malformed(
            "the summary contains an unfilled placeholder".into(),
        ));
    }
    no_invented_link("summary", &summary, request)?;
    Ok(Some(shorten(&summary, SUMMARY_MAX_CHARS)))
}

fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace()
        .map(|token| {
            token.trim_matches(|c: char| {
                matches!(
                    c,
                    '.' | ','
                        | ';'
                        | ':'
                        | '!'
                        | '?'
                        | '('
                        | ')'
                        | '['
                        | ']'
                        | '"'
                        | '\''
                        | '<'
                        | '>'
                )
            })
        })
        .filter(|token| !token.is_empty())
}

fn is_link(token: &str) -> bool {
    let lower = token.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.")
}

fn links(text: &str) -> impl Iterator<Item = String> + '_ {
    tokens(text).filter(|t| is_link(t)).map(str::to_string)
}

/// Links, tokens with four or more digits (order numbers) and codes of capitals and digits such as
/// our ticket numbers (`T-4KQ7ZP`): what a reply must keep.
fn facts(text: &str) -> impl Iterator<Item = String> + '_ {
    tokens(text)
        .filter(|token| is_link(token) || is_number(token) || is_code(token))
        .map(|token| token.trim_start_matches('#').to_ascii_lowercase())
}

fn is_number(token: &str) -> bool {
    token.chars().filter(char::is_ascii_digit).count() >= 4
}

fn is_code(token: &str) -> bool {
    token.chars().count() >= 5
        && token.chars().any(|c| c.is_ascii_digit())
        && token.chars().any(|c| c.is_ascii_uppercase())
        && !token.chars().any(char::is_lowercase)
}

/// The host of a link, for error messages that should not repeat whole URLs.
fn host_of(link: &str) -> String {
    let without_scheme = link.split_once("://").map(|(_, rest)| rest).unwrap_or(link);
    without_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use smsflow_core::Goal;

    use super::*;

    fn request() -> LlmRequest {
        LlmRequest {
            persona: String::new(),
            goal: Goal::HelpDeskSupport,
            context: "Help centre: https://help.example.com/faq".into(),
            response_template: None,
            steps: String::new(),
            known_fields: BTreeMap::new(),
            wanted_fields: vec!["email".into()],
            draft_reply: "Ticket #10427 is open. Track it at https://help.example.com/t/10427"
                .into(),
            recent: Vec::new(),
            message: "my order is broken".into(),
            max_chars: 160,
            language: None,
            model: None,
            summary_draft: None,
        }
    }

    fn allowed() -> Vec<String> {
        vec!["email".into()]
    }

    #[test]
    fn fenced_json_is_accepted() {
        let content = "```json\n{\"reply\": \"Ticket 10427 is open: https://help.example.com/t/10427.\", \"extracted\": {\"email\": \" a@b.co \"}, \"wants_human\": false}\n```";
        let answer = parse(content, &request(), &allowed()).unwrap();
        assert_eq!(
            answer.reply,
            "Ticket 10427 is open: https://help.example.com/t/10427."
        );
        assert_eq!(answer.extracted["email"], "a@b.co");
    }

    #[test]
    fn control_characters_are_cleaned_and_long_values_dropped() {
        let mut request = request();
        request.draft_reply = "Sorry to hear that.".into();
        let content = serde_json::json!({
            "reply": "Sorry\tabout\r\nthat\u{7}!\n\n\n\nWe'll help.",
            "extracted": {"email": "x".repeat(501)},
        })
        .to_string();
        let answer = parse(&content, &request, &allowed()).unwrap();
        assert_eq!(answer.reply, "Sorry about\nthat!\n\nWe'll help.");
        assert!(answer.extracted.is_empty());
    }

    #[test]
    fn wrong_types_are_malformed() {
        for content in [
            r#"{"reply": 5}"#,
            r#"{"extracted": {}}"#,
            r#"{"reply": "hi", "extracted": "email"}"#,
            r#"{"reply": "hi", "wants_human": 1}"#,
            "[1, 2]",
            "Sure! Here you go.",
        ] {
            assert!(
                matches!(
                    parse(content, &request(), &allowed()),
                    Err(LlmError::Malformed(_))
                ),
                "{content}"
            );
        }
    }

    #[test]
    fn a_summary_is_read_only_when_asked_for_and_checked() {
        let content = |summary: Value| {
            serde_json::json!({"reply": "Ticket 10427 is open: https://help.example.com/t/10427", "summary": summary})
                .to_string()
        };
        let mut request = request();
        let long = "The person's oven door will not close. ".repeat(20);
        assert_eq!(
            parse(&content(long.clone().into()), &request, &allowed())
                .unwrap()
                .summary,
            None,
            "no ticket opens: no summary"
        );
        request.summary_draft = Some("Support (help desk support).".into());
        let summary = parse(&content(long.into()), &request, &allowed())
            .unwrap()
            .summary
            .unwrap();
        assert!(summary.starts_with("The person's oven door will not close."));
        assert!(summary.chars().count() <= SUMMARY_MAX_CHARS);
        for (empty, _) in [(Value::Null, 0), (" ".into(), 1)] {
            assert_eq!(
                parse(&content(empty), &request, &allowed())
                    .unwrap()
                    .summary,
                None
            );
        }
        for broken in [
            Value::from(5),
            "Refund at https://evil.example/r".into(),
            "Oven for {{name}}".into(),
        ] {
            assert!(
                matches!(
                    parse(&content(broken.clone()), &request, &allowed()),
                    Err(LlmError::Malformed(_))
                ),
                "{broken}"
            );
        }
    }

    #[test]
    fn broken_replies_are_malformed() {
        let mut request = request();
        request.draft_reply = "Sorry to hear that.".into();
        for reply in ["   ", "Hi {{name}}!", "{\"reply\": \"x\"}"] {
            let content = serde_json::json!({"reply": reply}).to_string();
            assert!(
                matches!(
                    parse(&content, &request, &allowed()),
                    Err(LlmError::Malformed(_))
                ),
                "{reply}"
            );
        }
    }

    #[test]
    fn links_must_come_from_the_workflow_and_the_drafts_must_stay() {
        let invented = r#"{"reply": "Ticket 10427 https://help.example.com/t/10427 - refund at https://evil.example/refund"}"#;
        let error = parse(invented, &request(), &allowed()).unwrap_err();
        assert_eq!(
            error,
            LlmError::Malformed(
                "the reply contains a link the workflow did not provide (evil.example)".into()
            )
        );
        let mut coded = request();
        coded.draft_reply = "I've opened ticket T-4KQ7ZP for you.".into();
        let dropped = r#"{"reply": "Your ticket is open, we'll be in touch at 10AM."}"#;
        assert!(matches!(
            parse(dropped, &coded, &allowed()),
            Err(LlmError::Malformed(_))
        ));
        let kept = r#"{"reply": "Ticket T-4KQ7ZP is open."}"#;
        assert!(parse(kept, &coded, &allowed()).is_ok());
        let lost = r#"{"reply": "Your ticket is open, see https://help.example.com/faq"}"#;
        assert!(matches!(
            parse(lost, &request(), &allowed()),
            Err(LlmError::Malformed(_))
        ));
    }
}
