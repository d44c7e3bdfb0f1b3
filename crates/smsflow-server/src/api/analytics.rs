//! `/api/v1/analytics`: what workflows achieved over a period (the performance dashboard's figures).

use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use smsflow_core::Problems;
use smsflow_store::analytics::{Period, WorkflowAnalytics};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::api::workflows::parse_id;
use crate::error::{ApiError, ProblemDocument};
use crate::extract::ApiQuery;

const TAG: &str = "analytics";

/// The period when none is given, in days up to now.
pub const DEFAULT_PERIOD_DAYS: i64 = 7;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(workflow_summaries))
        .routes(routes!(workflow_analytics))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// Start, included: an RFC 3339 time or a date (`2026-03-01`, from its start, UTC). Defaults
    /// to 7 days before `to`.
    pub from: Option<String>,
    /// End, excluded: an RFC 3339 time, or a date (included: up to the end of that day, UTC).
    /// Defaults to now.
    pub to: Option<String>,
}

/// Reads a period from `from` and `to` as [`PeriodParams`] describes them.
pub fn parse_period(params: &PeriodParams, now: OffsetDateTime) -> Result<Period, Problems> {
    let mut problems = Problems::default();
    let mut read = |field: &str, text: Option<&str>, date_end: bool| {
        let text = text.map(str::trim).filter(|text| !text.is_empty())?;
        let parsed = OffsetDateTime::parse(text, &Rfc3339).ok().or_else(|| {
            let date = Date::parse(
                text,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .ok()?;
            let date = if date_end { date.next_day()? } else { date };
            Some(date.midnight().assume_utc())
        });
        if parsed.is_none() {
            problems.push::<()>(
                field,
                "must be an RFC 3339 time (2026-03-01T09:00:00Z) or a date (2026-03-01)",
            );
        }
        parsed
    };
    let to = read("to", params.to.as_deref(), true);
    let from = read("from", params.from.as_deref(), false);
    if !problems.is_empty() {
        return Err(problems);
    }
    let to = to.unwrap_or(now);
    let from = from.unwrap_or(to - time::Duration::days(DEFAULT_PERIOD_DAYS));
    Period::new(from, to).map_err(|message| Problems::single("from", message))
}

/// Runs idle since before this time, and not completed, are abandoned: the conversation timeout
/// has passed, so the next message starts a new match.
pub fn abandoned_before(state: &AppState, now: OffsetDateTime) -> OffsetDateTime {
    now - time::Duration::minutes(state.config.sms.idle_timeout_minutes as i64)
}

#[utoipa::path(get, path = "/analytics/workflows/{id}", tag = TAG, params(("id" = String, Path, description = "The workflow's id"), PeriodParams),
    description = "A workflow's figures over a period (default: the last 7 days; at most 366 days): messages matched, conversations, runs completed, abandoned (idle past the conversation timeout without completing) and in progress, the step funnel, the fields completion rate, the median agent reply time, delivery failures, opt-outs, and the same per UTC day.",
    responses((status = 200, body = WorkflowAnalytics), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument), (status = 404, body = ProblemDocument)))]
async fn workflow_analytics(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<PeriodParams>,
) -> Result<axum::Json<WorkflowAnalytics>, ApiError> {
    let now = OffsetDateTime::now_utc();
    let period = parse_period(&params, now).map_err(ApiError::Invalid)?;
    let workflow = state.store.get_workflow(parse_id(&id)?).await?;
    Ok(axum::Json(
        state
            .store
            .workflow_analytics(&workflow, &period, abandoned_before(&state, now))
            .await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkflowSummary {
    workflow_id: Uuid,
    name: String,
    active: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    last_matched: Option<OffsetDateTime>,
    /// Inbound messages matched in the period.
    matches: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkflowSummaryList {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    from: OffsetDateTime,
    items: Vec<WorkflowSummary>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SinceParams {
    /// Count matches from this RFC 3339 time or date; defaults to 7 days ago.
    from: Option<String>,
}

#[utoipa::path(get, path = "/analytics/workflows", tag = TAG, params(SinceParams),
    description = "Every workflow with when it last matched a message and how many it matched since `from` (default: the last 7 days).",
    responses((status = 200, body = WorkflowSummaryList), (status = 400, body = ProblemDocument), (status = 401, body = ProblemDocument)))]
async fn workflow_summaries(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<SinceParams>,
) -> Result<axum::Json<WorkflowSummaryList>, ApiError> {
    let period = parse_period(
        &PeriodParams {
            from: params.from,
            to: None,
        },
        OffsetDateTime::now_utc(),
    )
    .map_err(ApiError::Invalid)?;
    let summaries = state.store.match_summaries(period.start()).await?;
    let items = state
        .store
        .all_workflows()
        .await?
        .into_iter()
        .map(|workflow| {
            let summary = summaries.get(&workflow.id);
            WorkflowSummary {
                workflow_id: workflow.id,
                name: workflow.spec.name.to_string(),
                active: workflow.spec.active,
                last_matched: summary.and_then(|s| s.last_matched),
                matches: summary.map_or(0, |s| s.recent_matches),
            }
        })
        .collect();
    Ok(axum::Json(WorkflowSummaryList {
        from: period.start(),
        items,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use smsflow_store::analytics::MAX_PERIOD_DAYS;
    use time::macros::datetime;

    fn params(from: Option<&str>, to: Option<&str>) -> PeriodParams {
        PeriodParams {
            from: from.map(Into::into),
            to: to.map(Into::into),
        }
    }

    #[test]
    fn periods_default_to_the_last_week_and_dates_cover_whole_days() {
        let now = datetime!(2026-03-10 12:00 UTC);
        let period = parse_period(&params(None, None), now).unwrap();
        assert_eq!(
            (period.start(), period.end()),
            (datetime!(2026-03-03 12:00 UTC), now)
        );
        let days = parse_period(&params(Some("2026-03-01"), Some("2026-03-02")), now).unwrap();
        assert_eq!(
            (days.start(), days.end()),
            (
                datetime!(2026-03-01 00:00 UTC),
                datetime!(2026-03-03 00:00 UTC)
            )
        );
        let exact = parse_period(&params(Some("2026-03-01T09:30:00+01:00"), None), now).unwrap();
        assert_eq!(exact.start(), datetime!(2026-03-01 08:30 UTC));
    }

    #[test]
    fn bad_periods_name_the_field_to_fix() {
        let now = datetime!(2026-03-10 12:00 UTC);
        let fields = |problems: Problems| -> Vec<String> {
            problems.iter().map(|p| p.field.clone()).collect()
        };
        let unreadable = parse_period(&params(Some("yesterday"), Some("03/01/2026")), now);
        assert_eq!(fields(unreadable.unwrap_err()), ["to", "from"]);
        let reversed = parse_period(&params(Some("2026-03-05"), Some("2026-03-01")), now);
        assert_eq!(fields(reversed.unwrap_err()), ["from"]);
        let long = parse_period(&params(Some("2020-01-01"), None), now);
        assert!(
            long.unwrap_err()
                .iter()
                .any(|p| p.message.contains(&MAX_PERIOD_DAYS.to_string()))
        );
    }
}
