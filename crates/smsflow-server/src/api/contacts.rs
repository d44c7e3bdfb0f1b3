//! `/api/v1/contacts`: what we know about each number across conversations and runs.

use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use smsflow_agent::extract::Extractors;
use smsflow_agent::fields::Clock;
use smsflow_core::{FieldName, FieldSpec, FieldType, Problems};
use smsflow_store::contacts::{COLUMN_FIELDS, Contact, ContactCursor, ContactQuery, ContactUpdate};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::conversations::{encode_cursor, page_request};
use crate::error::{ApiError, ProblemDocument};
use crate::extract::{ApiJson, ApiQuery};

const TAG: &str = "contacts";
/// The longest value a contact field may hold (as for extracted fields).
const VALUE_MAX_CHARS: usize = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts))
        .routes(routes!(get_contact, update_contact))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactParams {
    /// Part of the number, name, email or company (any case).
    search: Option<String>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// One page of contacts, the most recently seen first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactList {
    items: Vec<Contact>,
    next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/contacts", tag = TAG, params(ContactParams),
    responses((status = 200, body = ContactList), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument)))]
async fn list_contacts(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ContactParams>,
) -> Result<axum::Json<ContactList>, ApiError> {
    let (limit, after) = page_request::<ContactCursor>(params.limit, params.cursor.as_deref())?;
    let page = state
        .store
        .list_contacts(&ContactQuery {
            search: params.search,
            after,
            limit,
        })
        .await?;
    Ok(axum::Json(ContactList {
        items: page.items,
        next_cursor: page.next.as_ref().map(encode_cursor),
    }))
}

#[utoipa::path(get, path = "/contacts/{number}", tag = TAG, params(("number" = String, Path, description = "Their number, e.g. +14155550111")),
    responses((status = 200, body = Contact), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn get_contact(
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> Result<axum::Json<Contact>, ApiError> {
    Ok(axum::Json(state.store.get_contact(&number).await?))
}

#[utoipa::path(patch, path = "/contacts/{number}", tag = TAG, params(("number" = String, Path, description = "Their number, e.g. +14155550111")),
    request_body = ContactUpdate,
    description = "Changes what is known about a contact: a value sets it, `null` clears it; fields not sent stay as they are. New runs start with these values.",
    responses((status = 200, body = Contact), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument),
              (status = 404, body = ProblemDocument)))]
async fn update_contact(
    State(state): State<AppState>,
    Path(number): Path<String>,
    ApiJson(mut update): ApiJson<ContactUpdate>,
) -> Result<axum::Json<Contact>, ApiError> {
    check(&mut update)?;
    Ok(axum::Json(
        state.store.update_contact(&number, &update).await?,
    ))
}

/// Checks and normalises an update as extracted values are: a valid email (domain lower-cased),
/// short values, field names as workflows write them.
fn check(update: &mut ContactUpdate) -> Result<(), ApiError> {
    let mut problems = Problems::default();
    let short = |problems: &mut Problems, path: &str, value: &str| {
        if value.trim().is_empty() || value.chars().count() > VALUE_MAX_CHARS {
            problems.push::<()>(
                path,
                format!("must be 1 to {VALUE_MAX_CHARS} characters; send null to clear it"),
            );
        }
    };
    for (path, value) in [("name", &update.name), ("company", &update.company)] {
        if let Some(Some(value)) = value {
            short(&mut problems, path, value);
        }
    }
    if let Some(Some(email)) = &mut update.email {
        let field = FieldSpec::named(FieldName::parse("email").expect("a valid field name"));
        match Extractors::default().validate_field(&field, email, &Clock::default()) {
            Some(valid) => *email = valid,
            None => {
                problems.push::<()>(
                    "email",
                    format!("{email:?} is not an email address such as name@example.com"),
                );
            }
        }
    }
    if let Some(Some(language)) = &update.language {
        let valid =
            (2..=3).contains(&language.len()) && language.chars().all(|c| c.is_ascii_lowercase());
        if !valid {
            problems.push::<()>(
                "language",
                format!(
                    "{language:?} is not a language code: use two letters such as \"en\" or \"es\""
                ),
            );
        }
    }
    let mut fields = std::collections::BTreeMap::new();
    for (name, value) in std::mem::take(&mut update.fields) {
        let path = format!("fields.{name}");
        match FieldName::parse(&name) {
            Ok(field) if COLUMN_FIELDS.contains(&field.as_str()) => {
                problems.push::<()>(
                    path,
                    format!("set {:?} at the top level, not in fields", field.as_str()),
                );
            }
            Ok(field) => {
                if let Some(value) = &value {
                    short(&mut problems, &path, value);
                    if FieldType::for_name(field.as_str()) == FieldType::Phone
                        && !smsflow_core::sms::is_e164(value)
                    {
                        problems.push::<()>(&path, "must be an E.164 number such as +14155550111");
                    }
                }
                fields.insert(field.to_string(), value);
            }
            Err(message) => {
                problems.push::<()>(path, message);
            }
        }
    }
    update.fields = fields;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(problems))
    }
}
