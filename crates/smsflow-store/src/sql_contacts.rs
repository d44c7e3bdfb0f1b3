//! SQL for contacts, written once for both databases (see `sql.rs`).

use async_trait::async_trait;
use sqlx::types::Json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use time::OffsetDateTime;

use crate::StoreError;
use crate::contacts::{
    COLUMN_FIELDS, Contact, ContactCursor, ContactPage, ContactQuery, ContactStore, ContactUpdate,
    merge,
};
use crate::sql::BeginWrite;
use crate::sql::{PostgresStore, SqliteStore, like_pattern, now};
use crate::sqlite_writer::{Columns, SqlValue, query};
use crate::stored_time::StoredTime;

macro_rules! contact_columns {
    () => {
        "c.number, c.name, c.email, c.company, c.language, c.fields, c.last_seen_at, c.created_at, \
         c.updated_at, EXISTS (SELECT 1 FROM opt_outs o WHERE o.number = c.number) AS opted_out"
    };
}

#[derive(sqlx::FromRow)]
struct ContactRow {
    number: String,
    name: Option<String>,
    email: Option<String>,
    company: Option<String>,
    language: Option<String>,
    fields: Json<BTreeMap<String, String>>,
    last_seen_at: OffsetDateTime,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    opted_out: bool,
}

impl From<ContactRow> for Contact {
    fn from(row: ContactRow) -> Self {
        Contact {
            number: row.number,
            name: row.name,
            email: row.email,
            company: row.company,
            language: row.language,
            opted_out: row.opted_out,
            fields: row.fields.0,
            last_seen_at: row.last_seen_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn contact_not_found(number: &str) -> StoreError {
    StoreError::NotFound {
        what: "contact",
        key: number.to_string(),
    }
}

/// What is known of a contact, to merge what a person told into.
pub(crate) const CONTACT_COLUMNS_KNOWN: &str =
    "SELECT name, email, company, fields FROM contacts WHERE number = $1";
/// A contact with what is known of it (see `merge`).
pub(crate) const REMEMBER_CONTACT: &str = "INSERT INTO contacts (number, name, email, company, fields, last_seen_at, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $6, $6) \
     ON CONFLICT (number) DO UPDATE SET name = excluded.name, email = excluded.email, \
     company = excluded.company, fields = excluded.fields, updated_at = excluded.updated_at";
/// A number seen at `$3`, its contact created (with no fields, `$2`) if new.
pub(crate) const TOUCH_CONTACT: &str = "INSERT INTO contacts (number, fields, last_seen_at, created_at, updated_at) \
     VALUES ($1, $2, $3, $3, $3) ON CONFLICT (number) DO UPDATE SET last_seen_at = excluded.last_seen_at";

/// The row of [`CONTACT_COLUMNS_KNOWN`].
type KnownContact = (
    Option<String>,
    Option<String>,
    Option<String>,
    Json<BTreeMap<String, String>>,
);

/// The contacts of `count` distinct numbers (`$1`...).
fn contacts_of_sql(count: usize) -> String {
    format!(
        concat!(
            "SELECT ",
            contact_columns!(),
            " FROM contacts c WHERE c.number IN ({})"
        ),
        crate::sql_conversations::numbered_from(1, count)
    )
}

impl SqliteStore {
    /// On the calling thread (see `sqlite_reader.rs`): the inbound worker's per-batch lookup.
    async fn contacts_of_routed(&self, numbers: &[&str]) -> Result<Vec<Contact>, StoreError> {
        let bound: Vec<_> = numbers.iter().map(SqlValue::value).collect();
        self.readers.read(|db| {
            query(db, &contacts_of_sql(numbers.len()), &bound, |row| {
                let c = Columns::of(row);
                Ok(Contact::from(ContactRow {
                    number: c.get(0)?,
                    name: c.get(1)?,
                    email: c.get(2)?,
                    company: c.get(3)?,
                    language: c.get(4)?,
                    fields: Json(c.json(5)?),
                    last_seen_at: c.time(6)?,
                    created_at: c.time(7)?,
                    updated_at: c.time(8)?,
                    opted_out: c.get(9)?,
                }))
            })
        })
    }
}

/// Contacts written while recording processed messages (SQLite: `sql_conversations/sqlite.rs`).
impl PostgresStore {
    /// Marks these numbers as seen at `at`, creating their contacts: one statement.
    async fn contacts_of_routed(&self, numbers: &[&str]) -> Result<Vec<Contact>, StoreError> {
        let mut select =
            sqlx::query_as::<_, ContactRow>(sqlx::AssertSqlSafe(contacts_of_sql(numbers.len())));
        for number in numbers {
            select = select.bind(*number);
        }
        Ok(select
            .fetch_all(&self.read)
            .await?
            .into_iter()
            .map(Contact::from)
            .collect())
    }

    pub(crate) async fn touch_contacts(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        numbers: &BTreeSet<&str>,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if numbers.is_empty() {
            return Ok(());
        }
        let mut upsert = sqlx::QueryBuilder::<sqlx::Postgres>::new(
            "INSERT INTO contacts (number, fields, last_seen_at, created_at, updated_at) ",
        );
        upsert.push_values(numbers, |mut row, number| {
            row.push_bind(*number)
                .push_bind(Json(BTreeMap::<String, String>::new()))
                .push_bind(StoredTime(at))
                .push_bind(StoredTime(at))
                .push_bind(StoredTime(at));
        });
        upsert.push(" ON CONFLICT (number) DO UPDATE SET last_seen_at = excluded.last_seen_at");
        upsert.build().execute(&mut **tx).await?;
        Ok(())
    }

    /// Stores the fields a person gave in a run turn with their contact; a new value
    /// replaces the old one (a correction).
    pub(crate) async fn remember_contact(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        number: &str,
        learned: &BTreeMap<String, String>,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if learned.is_empty() {
            return Ok(());
        }
        let known: Option<KnownContact> = sqlx::query_as(CONTACT_COLUMNS_KNOWN)
            .bind(number)
            .fetch_optional(&mut **tx)
            .await?;
        let (columns, fields) = match known {
            Some((name, email, company, fields)) => ([name, email, company], fields.0),
            None => Default::default(),
        };
        let ([name, email, company], fields) = merge(columns, fields, learned);
        sqlx::query(REMEMBER_CONTACT)
            .bind(number)
            .bind(name)
            .bind(email)
            .bind(company)
            .bind(Json(fields))
            .bind(StoredTime(at))
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

macro_rules! impl_contact_store {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn fetch_contact(
                executor: impl sqlx::Executor<'_, Database = $db>,
                number: &str,
            ) -> Result<Contact, StoreError> {
                sqlx::query_as::<_, ContactRow>(concat!(
                    "SELECT ", contact_columns!(), " FROM contacts c WHERE c.number = $1"
                ))
                .bind(number)
                .fetch_optional(executor)
                .await?
                .map(Contact::from)
                .ok_or_else(|| contact_not_found(number))
            }
        }

        #[async_trait]
        impl ContactStore for $store {
            async fn list_contacts(&self, query: &ContactQuery) -> Result<ContactPage, StoreError> {
                let mut select = sqlx::QueryBuilder::<$db>::new(concat!(
                    "SELECT ", contact_columns!(), " FROM contacts c WHERE 1 = 1"
                ));
                if let Some(search) = query.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    let pattern = like_pattern(search);
                    select.push(" AND (");
                    for (i, column) in [
                        "LOWER(c.number) LIKE ",
                        "LOWER(COALESCE(c.name, '')) LIKE ",
                        "LOWER(COALESCE(c.email, '')) LIKE ",
                        "LOWER(COALESCE(c.company, '')) LIKE ",
                    ]
                    .into_iter()
                    .enumerate()
                    {
                        if i > 0 {
                            select.push(" OR ");
                        }
                        select.push(column).push_bind(pattern.clone()).push(" ESCAPE '\\'");
                    }
                    select.push(")");
                }
                if let Some(after) = &query.after {
                    select
                        .push(" AND (c.last_seen_at < ")
                        .push_bind(StoredTime(after.last_seen_at))
                        .push(" OR (c.last_seen_at = ")
                        .push_bind(StoredTime(after.last_seen_at))
                        .push(" AND c.number < ")
                        .push_bind(after.number.clone())
                        .push("))");
                }
                let limit = query.limit.max(1);
                select
                    .push(" ORDER BY c.last_seen_at DESC, c.number DESC LIMIT ")
                    .push_bind(i64::from(limit) + 1);
                let mut items: Vec<Contact> = select
                    .build_query_as::<ContactRow>()
                    .fetch_all(&self.read)
                    .await?
                    .into_iter()
                    .map(Contact::from)
                    .collect();
                let next = if items.len() > limit as usize {
                    items.truncate(limit as usize);
                    items.last().map(|c| ContactCursor {
                        last_seen_at: c.last_seen_at,
                        number: c.number.clone(),
                    })
                } else {
                    None
                };
                Ok(ContactPage { items, next })
            }

            async fn get_contact(&self, number: &str) -> Result<Contact, StoreError> {
                Self::fetch_contact(&self.read, number).await
            }

            async fn contacts_of(&self, numbers: &[&str]) -> Result<HashMap<String, Contact>, StoreError> {
                if numbers.is_empty() {
                    return Ok(HashMap::new());
                }
                let numbers: Vec<&str> = numbers.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
                Ok(self
                    .contacts_of_routed(&numbers)
                    .await?
                    .into_iter()
                    .map(|contact| (contact.number.clone(), contact))
                    .collect())
            }

            async fn update_contact(
                &self,
                number: &str,
                update: &ContactUpdate,
            ) -> Result<Contact, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let mut contact = Self::fetch_contact(&mut *tx, number).await?;
                for (column, value) in [
                    (&mut contact.name, &update.name),
                    (&mut contact.email, &update.email),
                    (&mut contact.company, &update.company),
                    (&mut contact.language, &update.language),
                ] {
                    if let Some(value) = value {
                        *column = value.clone();
                    }
                }
                for (field, value) in &update.fields {
                    if COLUMN_FIELDS.contains(&field.as_str()) {
                        return Err(StoreError::Refused(format!(
                            "{field:?} is a contact column: set it as \"{field}\", not in \"fields\""
                        )));
                    }
                    match value {
                        Some(value) => contact.fields.insert(field.clone(), value.clone()),
                        None => contact.fields.remove(field),
                    };
                }
                sqlx::query(
                    "UPDATE contacts SET name = $2, email = $3, company = $4, language = $5, fields = $6, \
                     updated_at = $7 WHERE number = $1",
                )
                .bind(number)
                .bind(&contact.name)
                .bind(&contact.email)
                .bind(&contact.company)
                .bind(&contact.language)
                .bind(Json(&contact.fields))
                .bind(StoredTime(now()))
                .execute(&mut *tx)
                .await?;
                let contact = Self::fetch_contact(&mut *tx, number).await?;
                tx.commit().await?;
                Ok(contact)
            }
        }
    };
}

impl_contact_store!(SqliteStore, sqlx::Sqlite);
impl_contact_store!(PostgresStore, sqlx::Postgres);
