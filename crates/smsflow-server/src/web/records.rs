//! What workflows produce, for people to act on: tickets (list by status, change status and
//! assignee), collections (records saved by Save to Database, with CSV export) and opt-outs.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use smsflow_core::conversation::TicketStatus;
use smsflow_core::{Problems, TableName};
use smsflow_store::conversations::{CollectionSummary, OptOut, Record, Ticket};

use crate::AppState;
use crate::web::form::FieldErrors;
use crate::web::inbox::when;
use crate::web::session::SignedIn;
use crate::web::{Frame, WebError};

const STATUSES: [&str; 3] = ["open", "pending", "solved"];

#[derive(Template, WebTemplate)]
#[template(path = "tickets.html")]
pub struct TicketsPage {
    frame: Frame,
    tickets: Vec<Ticket>,
    status: &'static str,
    statuses: [&'static str; 3],
}

#[derive(Debug, Deserialize, Default)]
pub struct TicketsQuery {
    status: Option<String>,
}

pub async fn tickets(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<TicketsQuery>,
) -> Result<Response, WebError> {
    let status = query.status.as_deref().and_then(TicketStatus::parse);
    Ok(TicketsPage {
        frame: signed_in.frame("tickets"),
        tickets: state.store.list_tickets(status).await?,
        status: status.map_or("", TicketStatus::as_str),
        statuses: STATUSES,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "ticket.html")]
pub struct TicketPage {
    frame: Frame,
    ticket: Ticket,
    created: String,
    updated: String,
    statuses: [&'static str; 3],
    /// The assignee as typed (kept on an error).
    assignee: String,
    errors: FieldErrors,
    saved: bool,
}

fn ticket_page(signed_in: &SignedIn, ticket: Ticket) -> TicketPage {
    TicketPage {
        frame: signed_in.frame("tickets"),
        created: when(&ticket.created_at),
        updated: when(&ticket.updated_at),
        assignee: ticket.assignee.clone().unwrap_or_default(),
        ticket,
        statuses: STATUSES,
        errors: FieldErrors::default(),
        saved: false,
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn ticket(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<SavedQuery>,
) -> Result<Response, WebError> {
    let mut page = ticket_page(&signed_in, state.store.get_ticket(&id).await?);
    page.saved = query.saved.is_some();
    Ok(page.into_response())
}

#[derive(Debug, Deserialize)]
pub struct TicketForm {
    status: String,
    #[serde(default)]
    assignee: String,
}

pub async fn update_ticket(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let ticket = state.store.get_ticket(&id).await?;
    let form: TicketForm = crate::web::parse_form(&body, "ticket")?;
    let assignee = form.assignee.trim().to_string();
    let mut problems = Problems::default();
    let status = TicketStatus::parse(&form.status);
    if status.is_none() {
        problems.push::<()>("status", "choose open, pending or solved");
    }
    if assignee.chars().count() > 100 {
        problems.push::<()>(
            "assignee",
            "must be at most 100 characters (leave it empty to unassign)",
        );
    }
    if !problems.is_empty() {
        let mut page = ticket_page(&signed_in, ticket);
        page.assignee = assignee;
        page.errors = FieldErrors::new(&problems);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let assignee = Some(assignee).filter(|a| !a.is_empty());
    let ticket = state
        .store
        .update_ticket(ticket.id, status, Some(assignee))
        .await?;
    Ok(Redirect::to(&format!("/tickets/{}?saved=1", ticket.number)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "collections.html")]
pub struct CollectionsPage {
    frame: Frame,
    collections: Vec<CollectionSummary>,
}

pub async fn collections(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    Ok(CollectionsPage {
        frame: signed_in.frame("collections"),
        collections: state.store.list_collections().await?,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "collection.html")]
pub struct CollectionPage {
    frame: Frame,
    name: String,
    columns: Vec<String>,
    records: Vec<Record>,
}

impl CollectionPage {
    fn cell<'a>(&self, record: &'a Record, column: &str) -> &'a str {
        record.fields.get(column).map_or("", String::as_str)
    }
}

fn table(name: &str) -> Result<TableName, WebError> {
    TableName::parse(name).map_err(|_| WebError::NotFound(format!("no collection named {name:?}")))
}

pub async fn collection(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(name): Path<String>,
) -> Result<Response, WebError> {
    let name = table(&name)?;
    let records = state.store.list_records(name.as_str()).await?;
    let mut columns: Vec<String> = records
        .iter()
        .flat_map(|r| r.fields.keys().cloned())
        .collect();
    columns.sort_unstable();
    columns.dedup();
    Ok(CollectionPage {
        frame: signed_in.frame("collections"),
        name: name.to_string(),
        columns,
        records,
    }
    .into_response())
}

pub async fn collection_csv(
    State(state): State<AppState>,
    _signed_in: SignedIn,
    Path(name): Path<String>,
) -> Result<Response, WebError> {
    let name = table(&name)?;
    let records = state.store.list_records(name.as_str()).await?;
    Ok(crate::csv::attachment(
        &format!("{name}.csv"),
        crate::csv::records(&records),
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "opt_outs.html")]
pub struct OptOutsPage {
    frame: Frame,
    opt_outs: Vec<OptOut>,
}

pub async fn opt_outs(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    Ok(OptOutsPage {
        frame: signed_in.frame("opt_outs"),
        opt_outs: state.store.list_opt_outs().await?,
    }
    .into_response())
}

pub async fn opt_outs_csv(
    State(state): State<AppState>,
    _signed_in: SignedIn,
) -> Result<Response, WebError> {
    let opt_outs = state.store.list_opt_outs().await?;
    Ok(crate::csv::attachment(
        "opt-outs.csv",
        crate::csv::opt_outs(&opt_outs),
    ))
}
