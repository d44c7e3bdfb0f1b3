//! What the inbox reads besides the conversation list itself: what a search looks for, and how
//! many conversations have unread messages (the navigation's badge).

use async_trait::async_trait;

use crate::StoreError;

/// What the inbox's search looks for: a part of their number, of the contact's name or of a
/// message's text, 3 characters or more (the trigram indexes cannot find less), any case. Typed
/// like a phone number ("555-0102", "(555) 010 2"), only its digits (and a leading +) are
/// looked for, as numbers are stored in E.164.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchTextError {
    #[error(
        "search for at least {} characters: a part of a number, a name or a message",
        SearchText::MIN_CHARS
    )]
    TooShort,
}

impl SearchText {
    pub const MIN_CHARS: usize = 3;

    /// `None` for a blank search (nothing to filter by).
    pub fn parse(input: &str) -> Result<Option<SearchText>, SearchTextError> {
        let input = input.trim();
        if input.is_empty() {
            return Ok(None);
        }
        let phone_like = input.chars().any(|c| c.is_ascii_digit())
            && input
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | '.' | ' '));
        let text = if phone_like {
            let plus = if input.starts_with('+') { "+" } else { "" };
            let digits: String = input.chars().filter(char::is_ascii_digit).collect();
            format!("{plus}{digits}")
        } else {
            input.to_string()
        };
        if text.chars().count() < Self::MIN_CHARS {
            return Err(SearchTextError::TooShort);
        }
        Ok(Some(SearchText(text)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text as one FTS5 phrase: with the trigram tokenizer, any row containing it.
    pub(crate) fn fts5_phrase(&self) -> String {
        format!("\"{}\"", self.0.replace('"', "\"\""))
    }
}

#[async_trait]
pub trait InboxStore: Send + Sync {
    /// Conversations with inbound messages nobody has read yet.
    async fn unread_conversations(&self) -> Result<i64, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_searched_by_their_digits() {
        let digits = |input| SearchText::parse(input).unwrap().unwrap().0;
        assert_eq!(digits("555-0102"), "5550102");
        assert_eq!(digits(" (555) 010 2 "), "5550102");
        assert_eq!(digits("+1 555 0102"), "+15550102");
        assert_eq!(digits("Room 101"), "Room 101");
        assert_eq!(digits("Lopez"), "Lopez");
    }

    #[test]
    fn searches_need_three_characters() {
        assert_eq!(SearchText::parse("  "), Ok(None));
        assert_eq!(SearchText::parse("ab"), Err(SearchTextError::TooShort));
        assert_eq!(SearchText::parse("5-5"), Err(SearchTextError::TooShort));
        assert!(SearchText::parse("abc").unwrap().is_some());
        assert!(SearchText::parse("Zoë").unwrap().is_some());
    }

    #[test]
    fn quotes_cannot_end_the_phrase() {
        let text = SearchText::parse(r#"say "hi" OR x"#).unwrap().unwrap();
        assert_eq!(text.fts5_phrase(), r#""say ""hi"" OR x""#);
    }
}
