//! What workflow steps produce: `/api/v1/tickets` (Create Support Ticket) and
//! `/api/v1/collections/{table}/records` (Save to Database).

use axum::extract::{Path, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use smsflow_core::conversation::TicketStatus;
use smsflow_core::{Problems, TableName};
use smsflow_store::conversations::{Record, Ticket};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ApiError, ProblemDocument};
use crate::extract::{ApiJson, ApiQuery};

const TAG: &str = "steps";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tickets))
        .routes(routes!(get_ticket, update_ticket))
        .routes(routes!(list_records))
        .routes(routes!(export_records))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TicketParams {
    /// `open`, `pending` or `solved`.
    status: Option<TicketStatus>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketList {
    items: Vec<Ticket>,
}

#[utoipa::path(get, path = "/tickets", tag = TAG, params(TicketParams),
    description = "Tickets opened by Create Support Ticket steps, newest first.",
    responses((status = 200, body = TicketList), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument)))]
async fn list_tickets(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<TicketParams>,
) -> Result<axum::Json<TicketList>, ApiError> {
    Ok(axum::Json(TicketList {
        items: state.store.list_tickets(params.status).await?,
    }))
}

#[utoipa::path(get, path = "/tickets/{id}", tag = TAG, params(("id" = String, Path, description = "The ticket's id or number (T-...)")),
    responses((status = 200, body = Ticket), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn get_ticket(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::Json<Ticket>, ApiError> {
    Ok(axum::Json(state.store.get_ticket(&id).await?))
}

/// The fields to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketUpdate {
    status: Option<TicketStatus>,
    /// Who handles it (1 to 100 characters, not only spaces); `null` unassigns.
    #[serde(default, with = "serde_with_null")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = r"\S")]
    assignee: Option<Option<String>>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
mod serde_with_null {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(deserializer).map(Some)
    }
}

#[utoipa::path(patch, path = "/tickets/{id}", tag = TAG, params(("id" = String, Path, description = "The ticket's id or number")), request_body = TicketUpdate,
    description = "Changes a ticket's status (open, pending, solved) or assignee.",
    responses((status = 200, body = Ticket), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn update_ticket(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(update): ApiJson<TicketUpdate>,
) -> Result<axum::Json<Ticket>, ApiError> {
    if let Some(Some(assignee)) = &update.assignee
        && (assignee.trim().is_empty() || assignee.chars().count() > 100)
    {
        return Err(ApiError::Invalid(Problems::single(
            "assignee",
            "must be 1 to 100 characters, or null to unassign",
        )));
    }
    let ticket = state.store.get_ticket(&id).await?;
    Ok(axum::Json(
        state
            .store
            .update_ticket(ticket.id, update.status, update.assignee)
            .await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordList {
    items: Vec<Record>,
}

pub(crate) fn collection(table: &str) -> Result<TableName, ApiError> {
    TableName::parse(table).map_err(|message| ApiError::Invalid(Problems::single("table", message)))
}

#[utoipa::path(get, path = "/collections/{table}/records", tag = TAG, params(("table" = String, Path)),
    description = "Records saved by Save to Database steps into this collection, oldest first: one per run, with the extracted fields and the phone number.",
    responses((status = 200, body = RecordList), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument)))]
async fn list_records(
    State(state): State<AppState>,
    Path(table): Path<String>,
) -> Result<axum::Json<RecordList>, ApiError> {
    let table = collection(&table)?;
    Ok(axum::Json(RecordList {
        items: state.store.list_records(table.as_str()).await?,
    }))
}

#[utoipa::path(get, path = "/collections/{table}/records.csv", tag = TAG, params(("table" = String, Path)),
    description = "The collection as CSV: created_at, phone, then one column per field.",
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument)))]
async fn export_records(
    State(state): State<AppState>,
    Path(table): Path<String>,
) -> Result<Response, ApiError> {
    let table = collection(table.trim_end_matches(".csv"))?;
    let records = state.store.list_records(table.as_str()).await?;
    Ok(crate::csv::attachment(
        &format!("{table}.csv"),
        crate::csv::records(&records),
    ))
}
