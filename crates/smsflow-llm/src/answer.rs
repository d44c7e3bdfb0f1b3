//! Checking the model's answer before anyone uses it: the JSON object, its types, the fields it may
//! fill, the reply's length, and the links and numbers it may (and must) carry.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

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
    Ok(LlmAnswer {
        reply,
        extracted,
        wants_human,
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

    // The model cannot hand out links of its own: every link must come from the workflow or draft.
    let provided: BTreeSet<String> = [
        request.context.as_str(),
        request.response_template.as_deref().unwrap_or_default(),
        request.steps.as_str(),
        request.draft_reply.as_str(),
    ]
    .into_iter()
    .flat_map(links)
    .collect();
    if let Some(link) = links(&reply).find(|link| !provided.contains(link)) {
        return Err(LlmError::Malformed(format!(
            "the reply contains a link the workflow did not provide ({})",
            host_of(&link)
        )));
    }

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

/// Links and tokens with four or more digits (ticket and order numbers): what a reply must keep.
fn facts(text: &str) -> impl Iterator<Item = String> + '_ {
    tokens(text)
        .filter(|token| is_link(token) || token.chars().filter(char::is_ascii_digit).count() >= 4)
        .map(|token| token.trim_start_matches('#').to_ascii_lowercase())
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

/// Shortens `text` to `max_chars` characters: at the end of a sentence when one ends in the second
/// half, else at a word boundary, else (one very long word) at the limit. 0 means no limit.
pub(crate) fn shorten(text: &str, max_chars: usize) -> String {
    if max_chars == 0 || text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let next = text.chars().nth(max_chars);
    if next.is_some_and(char::is_whitespace) {
        return trim_tail(&cut);
    }
    let chars: Vec<(usize, char)> = cut.char_indices().collect();
    let sentence_end = chars
        .windows(2)
        .rev()
        .find(|pair| matches!(pair[0].1, '.' | '!' | '?') && pair[1].1.is_whitespace())
        .map(|pair| pair[1].0);
    if let Some(end) = sentence_end
        && cut[..end].chars().count() * 2 >= max_chars
    {
        return cut[..end].trim_end().to_string();
    }
    match cut.rfind(char::is_whitespace) {
        Some(space) if space > 0 => trim_tail(&cut[..space]),
        _ => cut,
    }
}

fn trim_tail(text: &str) -> String {
    text.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–'))
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
        let lost = r#"{"reply": "Your ticket is open, see https://help.example.com/faq"}"#;
        assert!(matches!(
            parse(lost, &request(), &allowed()),
            Err(LlmError::Malformed(_))
        ));
    }

    #[test]
    fn shortening_prefers_sentences_then_words() {
        let text = "Thanks for writing. We will call you tomorrow morning about the catering order";
        assert_eq!(shorten(text, 200), text);
        assert_eq!(shorten(text, 30), "Thanks for writing.");
        assert_eq!(shorten(text, 40), "Thanks for writing. We will call you");
        assert_eq!(shorten("abcdefghij", 4), "abcd");
        assert_eq!(shorten("one two, three", 9), "one two");
        assert_eq!(shorten("ñandú ñandú", 8), "ñandú");
        assert_eq!(shorten(text, 0), text);
    }
}
