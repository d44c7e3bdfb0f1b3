//! Texts a business writes for its replies, once for everyone or once per language: a workflow's
//! response template and its Send Response steps. A plain string means the same words in every
//! language; `{en: ..., es: ...}` gives each language its own, and the reply's language picks.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use utoipa::ToSchema;

use crate::language::Language;
use crate::validation::Problems;

/// A reply text as written: a plain string, or one per language code (`en`, `es`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum TextDraft {
    Plain(String),
    PerLanguage(BTreeMap<String, String>),
}

/// A valid reply text: the same in every language, or one per language (at least one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum LocalizedText {
    Plain(String),
    #[schema(value_type = BTreeMap<String, String>)]
    PerLanguage(BTreeMap<Language, String>),
}

impl LocalizedText {
    /// The words for a reply in `language`: its own variant, else the English one, else the first.
    pub fn in_language(&self, language: Language) -> &str {
        match self {
            LocalizedText::Plain(text) => text,
            LocalizedText::PerLanguage(texts) => texts
                .get(&language)
                .or_else(|| texts.get(&Language::English))
                .or_else(|| texts.values().next())
                .map_or("", String::as_str),
        }
    }

    /// The variant written for `language` itself (none for a plain text).
    pub fn variant(&self, language: Language) -> Option<&str> {
        match self {
            LocalizedText::Plain(_) => None,
            LocalizedText::PerLanguage(texts) => texts.get(&language).map(String::as_str),
        }
    }
}

impl From<&str> for LocalizedText {
    fn from(text: &str) -> Self {
        LocalizedText::Plain(text.to_string())
    }
}

impl From<&LocalizedText> for TextDraft {
    fn from(text: &LocalizedText) -> Self {
        match text {
            LocalizedText::Plain(text) => TextDraft::Plain(text.clone()),
            LocalizedText::PerLanguage(texts) => TextDraft::PerLanguage(
                texts
                    .iter()
                    .map(|(language, text)| (language.code().to_string(), text.clone()))
                    .collect(),
            ),
        }
    }
}

impl From<&str> for TextDraft {
    fn from(text: &str) -> Self {
        TextDraft::Plain(text.to_string())
    }
}

/// What a written reply text turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// Nothing was written (only blanks).
    Empty,
    Valid(LocalizedText),
    /// Its problems are recorded.
    Invalid,
}

impl Checked {
    /// The text, if one was written and is valid.
    pub fn valid(self) -> Option<LocalizedText> {
        match self {
            Checked::Valid(text) => Some(text),
            Checked::Empty | Checked::Invalid => None,
        }
    }
}

impl TextDraft {
    /// Each variant trimmed and passed through `check` (which records its own problems and says
    /// whether the text is acceptable), empty variants dropped. Languages are codes or names the
    /// agent writes (`en`, `es`, `Spanish`).
    pub fn validate(
        &self,
        path: &str,
        problems: &mut Problems,
        check: impl Fn(&mut Problems, &str, &str) -> bool,
    ) -> Checked {
        match self {
            TextDraft::Plain(text) => {
                let text = text.trim();
                if text.is_empty() {
                    Checked::Empty
                } else if check(problems, path, text) {
                    Checked::Valid(LocalizedText::Plain(text.to_string()))
                } else {
                    Checked::Invalid
                }
            }
            TextDraft::PerLanguage(written) => {
                let mut texts = BTreeMap::new();
                let mut valid = true;
                for (code, text) in written {
                    let at = format!("{path}.{code}");
                    let Some(language) = Language::parse(code) else {
                        valid = false;
                        let codes: Vec<&str> = Language::ALL.iter().map(|l| l.code()).collect();
                        problems.push::<()>(
                            at,
                            format!(
                                "{code:?} is not a language the agent writes: use {}",
                                codes.join(" or ")
                            ),
                        );
                        continue;
                    };
                    let text = text.trim();
                    if text.is_empty() {
                        continue;
                    }
                    match texts.entry(language) {
                        Entry::Occupied(_) => {
                            valid = false;
                            problems.push::<()>(
                                at,
                                format!("{} is written twice; keep one", language.name()),
                            );
                        }
                        Entry::Vacant(slot) if check(problems, &at, text) => {
                            slot.insert(text.to_string());
                        }
                        Entry::Vacant(_) => valid = false,
                    }
                }
                match (valid, texts.is_empty()) {
                    (false, _) => Checked::Invalid,
                    (true, true) => Checked::Empty,
                    (true, false) => Checked::Valid(LocalizedText::PerLanguage(texts)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(draft: TextDraft) -> Result<Option<LocalizedText>, Vec<String>> {
        let mut problems = Problems::default();
        let checked = draft.validate("t", &mut problems, |problems, path, text| {
            text.len() <= 20 || problems.push::<()>(path, "too long").is_some()
        });
        match checked {
            Checked::Empty => Ok(None),
            Checked::Valid(text) => Ok(Some(text)),
            Checked::Invalid => Err(problems.iter().map(|p| p.to_string()).collect()),
        }
    }

    #[test]
    fn a_plain_text_or_one_per_language_reads_from_json_and_yaml() {
        let plain: TextDraft = serde_json::from_str(r#""Thanks!""#).unwrap();
        assert_eq!(plain, TextDraft::Plain("Thanks!".into()));
        let both: TextDraft = serde_norway::from_str("en: Thanks!\nes: ¡Gracias!\n").unwrap();
        let text = valid(both).unwrap().unwrap();
        assert_eq!(text.in_language(Language::Spanish), "¡Gracias!");
        assert_eq!(text.in_language(Language::English), "Thanks!");
        assert_eq!(
            serde_json::to_value(&text).unwrap(),
            serde_json::json!({"en": "Thanks!", "es": "¡Gracias!"})
        );
        let stored: LocalizedText = serde_json::from_value(serde_json::json!("Hi")).unwrap();
        assert_eq!(stored, LocalizedText::from("Hi"));
    }

    #[test]
    fn a_language_without_its_own_words_gets_the_english_ones_or_the_first() {
        let spanish_only = valid(TextDraft::PerLanguage(
            [("Spanish".to_string(), " Hola ".to_string())].into(),
        ))
        .unwrap()
        .unwrap();
        assert_eq!(spanish_only.in_language(Language::English), "Hola");
        assert_eq!(spanish_only.variant(Language::English), None);
        let both = valid(TextDraft::PerLanguage(
            [("es".into(), "Hola".into()), ("en".into(), "Hi".into())].into(),
        ))
        .unwrap()
        .unwrap();
        assert_eq!(both.in_language(Language::Spanish), "Hola");
        assert_eq!(
            LocalizedText::from("Hi").in_language(Language::Spanish),
            "Hi"
        );
    }

    #[test]
    fn unknown_languages_twice_written_ones_and_bad_texts_are_refused_with_their_path() {
        let problems = valid(TextDraft::PerLanguage(
            [
                ("fr".to_string(), "Salut".to_string()),
                ("en".to_string(), "Hi".to_string()),
                ("english".to_string(), "Hello".to_string()),
                ("es".to_string(), "x".repeat(30)),
            ]
            .into(),
        ))
        .unwrap_err();
        assert_eq!(
            problems,
            [
                "t.english: English is written twice; keep one",
                "t.es: too long",
                "t.fr: \"fr\" is not a language the agent writes: use en or es",
            ]
        );
        assert_eq!(valid(TextDraft::Plain("  ".into())), Ok(None));
        assert_eq!(
            valid(TextDraft::PerLanguage([("es".into(), "".into())].into())),
            Ok(None)
        );
    }
}
