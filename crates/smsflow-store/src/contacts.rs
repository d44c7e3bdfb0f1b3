//! Contacts: what we know about a number across its conversations and workflow runs.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::StoreError;

/// The fields kept in their own columns (searchable, shown in the inbox); others go in `fields`.
pub const COLUMN_FIELDS: [&str; 3] = ["name", "email", "company"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Contact {
    /// Their number, as the conversations have it (E.164 for SMS).
    pub number: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    /// The language they write in (e.g. `es`), when known.
    pub language: Option<String>,
    /// The number has opted out (texted STOP).
    pub opted_out: bool,
    /// Every other field they gave in a workflow run, by field name.
    pub fields: BTreeMap<String, String>,
    /// When they last wrote to us.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub last_seen_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl Contact {
    /// Everything known, by field name (`name`, `email`, `company` and the other fields): what a
    /// new run starts with.
    pub fn known(&self) -> BTreeMap<String, String> {
        let mut known = self.fields.clone();
        for (field, value) in COLUMN_FIELDS
            .iter()
            .zip([&self.name, &self.email, &self.company])
        {
            if let Some(value) = value {
                known.insert(field.to_string(), value.clone());
            }
        }
        known
    }
}

/// A change to a contact: `Some(None)` clears a column; a field set to `None` is removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactUpdate {
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub company: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub language: Option<Option<String>>,
    /// Other fields to set (a value) or remove (`null`).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, Option<String>>,
}

/// `absent` -> None, `null` -> Some(None), a value -> Some(Some(value)).
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(deserializer).map(Some)
    }
}

/// Filters and position of one page of contacts (the most recently seen first).
#[derive(Debug, Clone, Default)]
pub struct ContactQuery {
    /// Case-insensitive part of the number, name, email or company.
    pub search: Option<String>,
    pub after: Option<ContactCursor>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactCursor {
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    pub number: String,
}

#[derive(Debug, Clone)]
pub struct ContactPage {
    pub items: Vec<Contact>,
    pub next: Option<ContactCursor>,
}

/// Contacts are written by the message pipeline (each processed inbound message marks its number
/// seen; each run turn stores the fields the person gave, in the same transaction) and by people
/// through the API.
#[async_trait]
pub trait ContactStore: Send + Sync {
    async fn list_contacts(&self, query: &ContactQuery) -> Result<ContactPage, StoreError>;
    async fn get_contact(&self, number: &str) -> Result<Contact, StoreError>;
    /// The contacts of these numbers that exist, by number (for a batch of messages, the inbox).
    async fn contacts_of(&self, numbers: &[&str]) -> Result<HashMap<String, Contact>, StoreError>;
    /// Applies `update` to the contact of `number` (which must exist: it has written to us).
    async fn update_contact(
        &self,
        number: &str,
        update: &ContactUpdate,
    ) -> Result<Contact, StoreError>;
}

/// Splits fields into the column values and the rest, merging `learned` over what is known.
pub(crate) fn merge(
    columns: [Option<String>; 3],
    mut fields: BTreeMap<String, String>,
    learned: &BTreeMap<String, String>,
) -> ([Option<String>; 3], BTreeMap<String, String>) {
    let mut columns = columns;
    for (field, value) in learned {
        match COLUMN_FIELDS.iter().position(|column| column == field) {
            Some(index) => columns[index] = Some(value.clone()),
            None => {
                fields.insert(field.clone(), value.clone());
            }
        }
    }
    (columns, fields)
}
