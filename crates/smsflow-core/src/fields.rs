//! Typed fields of an Extract Information step: what kind of value each field holds, whether the
//! run waits for it, and what happens when the person keeps giving an invalid one.
//!
//! Written as a list of names (`"name,email"`), as `name:type` (`"when:datetime, size:choice(s|m|l),
//! notes:text?"`, where `?` marks a field the run does not wait for) or as objects
//! (`{name: when, type: datetime, required: false}`). A field without a type gets the one its name
//! suggests (`email` is an email address, `phone` a phone number, `name` a person's name).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::validation::Problems;
use crate::workflow::FieldName;

/// How many times an invalid value is asked for again before the step's `on_invalid` applies.
pub const DEFAULT_REASKS: u8 = 2;
/// The most re-asks a step may set: more reads as a bot stuck in a loop.
pub const MAX_REASKS: u8 = 5;
/// The most choices a choice field may list.
pub const CHOICES_MAX: usize = 20;

/// What a field holds; values are checked and normalised by type (see `smsflow_agent::fields`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Any short text.
    Text,
    /// A person's name.
    Name,
    /// An email address with a dotted domain, stored with the domain lower-cased.
    Email,
    /// A phone number, stored in E.164 (read with the conversation's country).
    Phone,
    /// A day, stored as `YYYY-MM-DD` (relative days resolved in the business time zone).
    Date,
    /// A time of day, stored as `HH:MM`.
    Time,
    /// A day and a time, stored as RFC 3339 with the business time zone's offset.
    Datetime,
    /// A number, stored without grouping (`1500`, `2.5`).
    Number,
    /// One of the field's `choices`, stored as written there.
    Choice,
    /// A postal address: a street number and a street.
    Address,
}

impl FieldType {
    pub const ALL: [FieldType; 10] = [
        Self::Text,
        Self::Name,
        Self::Email,
        Self::Phone,
        Self::Date,
        Self::Time,
        Self::Datetime,
        Self::Number,
        Self::Choice,
        Self::Address,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Name => "name",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Date => "date",
            Self::Time => "time",
            Self::Datetime => "datetime",
            Self::Number => "number",
            Self::Choice => "choice",
            Self::Address => "address",
        }
    }

    pub fn parse(value: &str) -> Option<FieldType> {
        let value = value.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }

    /// The type a field's name suggests when none is given.
    pub fn for_name(field: &str) -> FieldType {
        match field {
            "email" | "e_mail" | "email_address" => Self::Email,
            "phone" | "phone_number" | "mobile" | "cell" | "telephone" | "number" => Self::Phone,
            "name" | "full_name" | "first_name" | "last_name" | "contact_name" => Self::Name,
            "date" | "day" | "birthday" | "date_of_birth" => Self::Date,
            "time" => Self::Time,
            "datetime" | "appointment" | "appointment_time" | "preferred_time" => Self::Datetime,
            "address" | "street_address" | "postal_address" | "home_address" => Self::Address,
            _ if field.ends_with("_date") => Self::Date,
            _ if field.ends_with("_time") => Self::Time,
            _ if field.ends_with("_address") && field != "ip_address" => Self::Address,
            _ => Self::Text,
        }
    }
}

/// A validated field of an Extract Information step (written as a [`FieldItem`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: FieldName,
    pub kind: FieldType,
    /// The run waits for a required field; an optional one is asked once.
    pub required: bool,
    /// The accepted answers of a `choice` field, as written.
    pub choices: Vec<String>,
}

impl FieldSpec {
    /// A required field of the type its name suggests.
    pub fn named(name: FieldName) -> FieldSpec {
        FieldSpec {
            kind: FieldType::for_name(name.as_str()),
            name,
            required: true,
            choices: Vec::new(),
        }
    }

    pub fn as_str(&self) -> &str {
        self.name.as_str()
    }

    /// A field that says no more than its name (so it is written back as just the name).
    fn is_plain(&self) -> bool {
        self.required && self.choices.is_empty() && self.kind == FieldType::for_name(self.as_str())
    }

    /// The field in the comma-separated syntax: `email`, `when:datetime?`, `size:choice(s|m|l)`.
    pub fn to_text(&self) -> String {
        let mut text = self.name.to_string();
        if self.kind != FieldType::for_name(self.as_str()) || !self.choices.is_empty() {
            text.push(':');
            text.push_str(self.kind.as_str());
            if !self.choices.is_empty() {
                text.push('(');
                text.push_str(&self.choices.join("|"));
                text.push(')');
            }
        }
        if !self.required {
            text.push('?');
        }
        text
    }
}

/// A field as people write it in a list: its name alone, or an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum FieldItem {
    /// A name, optionally with `:type` and a trailing `?` (optional), e.g. `"when:datetime?"`.
    Name(String),
    Typed(FieldDraft),
}

/// A field written as an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldDraft {
    pub name: String,
    /// One of text, name, email, phone, date, time, datetime, number, choice, address; by default
    /// the type the name suggests.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether the run waits for it (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// The accepted answers of a `choice` field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<String>>,
}

impl FieldItem {
    /// Checks one field, recording what is wrong under `path`.
    pub fn validate(&self, path: &str, problems: &mut Problems) -> Option<FieldSpec> {
        let draft = match self {
            FieldItem::Typed(draft) => draft.clone(),
            FieldItem::Name(text) => parse_text_item(text),
        };
        draft.validate(path, problems)
    }
}

/// `when:datetime?` -> name `when`, type `datetime`, not required; `size:choice(s|m)` -> choices.
fn parse_text_item(text: &str) -> FieldDraft {
    let text = text.trim();
    let (text, optional) = match text.strip_suffix('?') {
        Some(rest) => (rest.trim_end(), true),
        None => (text, false),
    };
    let (name, kind) = match text.split_once(':') {
        Some((name, kind)) => (name.trim(), Some(kind.trim())),
        None => (text, None),
    };
    let (kind, choices) = match kind.and_then(|kind| kind.split_once('(')) {
        Some((kind, rest)) => (
            Some(kind.trim()),
            Some(
                rest.strip_suffix(')')
                    .unwrap_or(rest)
                    .split('|')
                    .map(|choice| choice.trim().to_string())
                    .collect(),
            ),
        ),
        None => (kind, None),
    };
    FieldDraft {
        name: name.to_string(),
        kind: kind.map(str::to_string),
        required: optional.then_some(false),
        choices,
    }
}

impl FieldDraft {
    fn validate(&self, path: &str, problems: &mut Problems) -> Option<FieldSpec> {
        let name = problems.check(path, FieldName::parse(&self.name))?;
        let kind = match self.kind.as_deref() {
            None => FieldType::for_name(name.as_str()),
            Some(kind) => FieldType::parse(kind).or_else(|| {
                let kinds: Vec<&str> = FieldType::ALL.iter().map(|k| k.as_str()).collect();
                problems.push(
                    path,
                    format!(
                        "{kind:?} is not a field type (field {:?}): use one of {}",
                        name.as_str(),
                        kinds.join(", ")
                    ),
                )
            })?,
        };
        let mut choices: Vec<String> = Vec::new();
        for choice in self.choices.iter().flatten().map(|c| c.trim()) {
            if !choice.is_empty() && !choices.iter().any(|c| c.eq_ignore_ascii_case(choice)) {
                choices.push(choice.to_string());
            }
        }
        match kind {
            FieldType::Choice if choices.is_empty() => {
                return problems.push(
                    path,
                    format!(
                        "field {:?} is a choice: list its choices, e.g. \"{}:choice(small|medium|large)\"",
                        name.as_str(),
                        name.as_str()
                    ),
                );
            }
            FieldType::Choice if choices.len() > CHOICES_MAX => {
                return problems.push(
                    path,
                    format!(
                        "field {:?} lists {} choices: at most {CHOICES_MAX}",
                        name.as_str(),
                        choices.len()
                    ),
                );
            }
            FieldType::Choice => {}
            _ if !choices.is_empty() => {
                return problems.push(
                    path,
                    format!(
                        "field {:?} has choices but is of type {}: make it a choice (type \"choice\") or remove the choices",
                        name.as_str(),
                        kind.as_str()
                    ),
                );
            }
            _ => {}
        }
        Some(FieldSpec {
            name,
            kind,
            required: self.required.unwrap_or(true),
            choices,
        })
    }
}

impl From<&FieldSpec> for FieldItem {
    fn from(spec: &FieldSpec) -> Self {
        if spec.is_plain() {
            return FieldItem::Name(spec.name.to_string());
        }
        FieldItem::Typed(FieldDraft {
            name: spec.name.to_string(),
            kind: Some(spec.kind.as_str().to_string()),
            required: (!spec.required).then_some(false),
            choices: Some(spec.choices.clone()).filter(|choices| !choices.is_empty()),
        })
    }
}

// Stored and sent as a plain name when that says it all, so workflows saved before types existed
// read back unchanged.
impl Serialize for FieldSpec {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        FieldItem::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for FieldSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let item = FieldItem::deserialize(deserializer)?;
        let mut problems = Problems::default();
        item.validate("field", &mut problems)
            .ok_or_else(|| serde::de::Error::custom(problems.to_string()))
    }
}

/// What happens when a required field's value is still invalid after the re-asks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnInvalid {
    /// Leave the field empty and go on with the next steps.
    #[default]
    MoveOn,
    /// Hand the conversation to a person.
    HandOff,
}

impl OnInvalid {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MoveOn => "move_on",
            Self::HandOff => "hand_off",
        }
    }

    pub fn parse(value: &str) -> Option<OnInvalid> {
        match value.trim().to_ascii_lowercase().as_str() {
            "move_on" => Some(Self::MoveOn),
            "hand_off" => Some(Self::HandOff),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn spec(text: &str) -> Result<FieldSpec, Vec<String>> {
        let mut problems = Problems::default();
        FieldItem::Name(text.into())
            .validate("fields", &mut problems)
            .ok_or_else(|| problems.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn types_come_from_the_text_or_the_name() {
        let when = spec(" When : datetime ? ").unwrap();
        assert_eq!(
            (when.as_str(), when.kind, when.required),
            ("when", FieldType::Datetime, false)
        );
        assert_eq!(spec("email").unwrap().kind, FieldType::Email);
        assert_eq!(spec("Move-in date").unwrap().kind, FieldType::Date);
        assert_eq!(spec("budget").unwrap().kind, FieldType::Text);
        let size = spec("size:choice(Small| medium |small|Large)").unwrap();
        assert_eq!(size.choices, ["Small", "medium", "Large"]);
    }

    #[test]
    fn wrong_types_and_choices_are_explained() {
        assert!(spec("when:someday").unwrap_err()[0].contains("use one of text, name, email"));
        assert!(spec("size:choice").unwrap_err()[0].contains("list its choices"));
        assert!(spec("size:text(a|b)").unwrap_err()[0].contains("make it a choice"));
    }

    #[test]
    fn plain_fields_are_written_back_as_names_typed_ones_as_objects() {
        for text in ["email", "when:datetime?", "size:choice(s|m|l)", "notes?"] {
            let field = spec(text).unwrap();
            assert_eq!(field.to_text(), text);
            let json = serde_json::to_value(&field).unwrap();
            assert_eq!(json.is_string(), text == "email", "{json}");
            assert_eq!(serde_json::from_value::<FieldSpec>(json).unwrap(), field);
        }
    }

    proptest! {
        #[test]
        fn a_field_text_parses_or_is_refused_without_panicking(raw in "\\PC{0,60}") {
            if let Ok(field) = spec(&raw) {
                prop_assert_eq!(spec(&field.to_text()).unwrap(), field);
            }
        }
    }
}
