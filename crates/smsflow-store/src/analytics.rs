//! Performance figures: what a workflow achieved over a period, and what every workflow matched
//! lately. The store fetches the rows (one SQL implementation for both databases, in
//! `sql_analytics.rs`); the figures that depend on the workflow's steps are computed here.
//!
//! Definitions (also in docs/api.md):
//! - a *run* counts in the period it started in;
//! - *completed*: every step done; *abandoned*: not completed and idle (no message handled) for
//!   longer than the conversation timeout; *in progress*: neither;
//! - the funnel counts runs that got every field to extract, got the Send Response step, a ticket,
//!   a booking link (and a booking), a saved record; a stage the workflow has no step for is absent;
//! - *fields completion rate*: the share of the fields to extract that runs collected;
//! - *reply time*: from an inbound message being stored to the agent's reply leaving (the gateway
//!   accepting it); the median over the replies queued in the period and sent since;
//! - *opt-outs*: numbers that took part in one of the workflow's runs and opted out in the period.

use async_trait::async_trait;
use serde::Serialize;
use smsflow_core::run::{RunState, wanted_fields};
use smsflow_core::{Step, Workflow};
use std::collections::{BTreeMap, HashMap};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::StoreError;

/// The longest period analytics cover at once, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// A half-open period `[from, to)` of at most [`MAX_PERIOD_DAYS`] days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    from: OffsetDateTime,
    to: OffsetDateTime,
}

impl Period {
    /// Refuses an empty or reversed period and one longer than [`MAX_PERIOD_DAYS`].
    pub fn new(from: OffsetDateTime, to: OffsetDateTime) -> Result<Period, String> {
        if from >= to {
            return Err("`from` must be before `to`".into());
        }
        if to - from > time::Duration::days(MAX_PERIOD_DAYS) {
            return Err(format!(
                "the period is longer than {MAX_PERIOD_DAYS} days: choose a shorter one"
            ));
        }
        Ok(Period { from, to })
    }

    /// The `days` days up to `now`.
    pub fn last_days(now: OffsetDateTime, days: i64) -> Period {
        Period {
            from: now - time::Duration::days(days),
            to: now,
        }
    }

    pub fn start(&self) -> OffsetDateTime {
        self.from
    }

    pub fn end(&self) -> OffsetDateTime {
        self.to
    }

    /// Every UTC day the period touches, in order.
    pub fn days(&self) -> Vec<Date> {
        let last = (self.to - time::Duration::nanoseconds(1))
            .to_offset(time::UtcOffset::UTC)
            .date();
        let mut day = self.from.to_offset(time::UtcOffset::UTC).date();
        let mut days = vec![day];
        while day < last {
            day = day.next_day().expect("a day within the calendar");
            days.push(day);
        }
        days
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct WorkflowAnalytics {
    pub workflow_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub to: OffsetDateTime,
    /// Inbound messages the workflow handled.
    pub messages_matched: i64,
    /// Conversations with at least one of those messages.
    pub conversations: i64,
    pub runs: RunOutcomes,
    pub funnel: Funnel,
    /// Share (0 to 1) of the fields to extract that the period's runs collected; absent when the
    /// workflow extracts nothing or no run started.
    pub fields_completion_rate: Option<f64>,
    /// Agent replies queued in the period that the gateway accepted.
    pub replies_sent: i64,
    /// Median seconds from an inbound message being stored to the agent's reply being sent.
    pub median_reply_seconds: Option<f64>,
    /// Replies that failed or were reported undelivered.
    pub delivery_failures: i64,
    pub opt_outs: i64,
    /// One entry per UTC day of the period, for charts.
    pub days: Vec<DayFigures>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct RunOutcomes {
    pub started: i64,
    pub completed: i64,
    /// Not completed and idle longer than the conversation timeout.
    pub abandoned: i64,
    pub in_progress: i64,
}

/// How far the period's runs got; a stage is absent when the workflow has no step for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Funnel {
    pub started: i64,
    /// Runs that got every field the Extract Information steps ask for.
    pub extracted: Option<i64>,
    /// Runs whose Send Response step happened.
    pub responded: Option<i64>,
    pub ticket: Option<i64>,
    pub booking_offered: Option<i64>,
    pub booked: Option<i64>,
    pub record: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DayFigures {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub messages_matched: i64,
    pub runs_started: i64,
    pub runs_completed: i64,
    pub delivery_failures: i64,
}

/// What every workflow matched lately, for the SMS Workflows list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct MatchSummary {
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_matched: Option<OffsetDateTime>,
    /// Inbound messages matched since the time asked about.
    pub recent_matches: i64,
}

/// Counts over the whole database, for `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Messages by (direction, status).
    pub messages: Vec<(String, String, i64)>,
    /// Inbound messages matched, by workflow id.
    pub matches: Vec<(Uuid, i64)>,
    pub conversations: i64,
    pub opt_outs: i64,
    /// Runs by completed or not.
    pub runs_completed: i64,
    pub runs_open: i64,
}

#[async_trait]
pub trait AnalyticsStore: Send + Sync {
    /// The workflow's figures over `period`; runs idle since before `abandoned_before` and not
    /// completed count as abandoned.
    async fn workflow_analytics(
        &self,
        workflow: &Workflow,
        period: &Period,
        abandoned_before: OffsetDateTime,
    ) -> Result<WorkflowAnalytics, StoreError>;
    /// For every workflow that ever matched: when it last did and how often since `since`.
    async fn match_summaries(
        &self,
        since: OffsetDateTime,
    ) -> Result<HashMap<Uuid, MatchSummary>, StoreError>;
    async fn totals(&self) -> Result<Totals, StoreError>;
}

/// A run as analytics read it.
pub(crate) struct RunFacts {
    pub state: RunState,
    pub completed: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Per-day counts as the database grouped them, keyed by `YYYY-MM-DD`.
pub(crate) type DayCounts = HashMap<String, i64>;

/// The rows the store fetched for one workflow and period.
pub(crate) struct Activity {
    pub messages_matched: DayCounts,
    pub conversations: i64,
    pub runs: Vec<RunFacts>,
    pub replies_sent: i64,
    pub median_reply_seconds: Option<f64>,
    pub delivery_failures: DayCounts,
    pub opt_outs: i64,
}

pub(crate) fn day_key(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn utc_day(at: OffsetDateTime) -> String {
    day_key(at.to_offset(time::UtcOffset::UTC).date())
}

/// Counts the runs that satisfy `reached`, or `None` when the workflow has no such stage.
fn stage(has: bool, runs: &[RunFacts], reached: impl Fn(&RunFacts) -> bool) -> Option<i64> {
    has.then(|| runs.iter().filter(|run| reached(run)).count() as i64)
}

pub(crate) fn compute(
    workflow: &Workflow,
    period: &Period,
    abandoned_before: OffsetDateTime,
    activity: Activity,
) -> WorkflowAnalytics {
    let steps = &workflow.spec.steps;
    let has = |kind: fn(&Step) -> bool| steps.iter().any(kind);
    let respond_steps: Vec<usize> = (0..steps.len())
        .filter(|&index| matches!(steps[index], Step::SendResponse { .. }))
        .collect();
    let wanted = wanted_fields(&workflow.spec);
    let runs = &activity.runs;
    let collected = |run: &RunFacts| {
        wanted
            .iter()
            .filter(|field| run.state.fields.contains_key(field.as_str()))
            .count()
    };

    let completed = runs.iter().filter(|run| run.completed).count() as i64;
    let abandoned = runs
        .iter()
        .filter(|run| !run.completed && run.updated_at < abandoned_before)
        .count() as i64;
    let started = runs.len() as i64;
    let funnel = Funnel {
        started,
        extracted: stage(!wanted.is_empty(), runs, |run| {
            collected(run) == wanted.len()
        }),
        responded: stage(!respond_steps.is_empty(), runs, |run| {
            respond_steps
                .iter()
                .any(|index| run.state.steps_done.contains(index))
        }),
        ticket: stage(
            has(|step| matches!(step, Step::CreateSupportTicket { .. })),
            runs,
            |run| run.state.ticket_id.is_some(),
        ),
        booking_offered: stage(
            has(|step| matches!(step, Step::BookAppointment { .. })),
            runs,
            |run| run.state.booking_link.is_some(),
        ),
        booked: stage(
            has(|step| matches!(step, Step::BookAppointment { .. })),
            runs,
            |run| run.state.booked,
        ),
        record: stage(
            has(|step| matches!(step, Step::SaveToDatabase { .. })),
            runs,
            |run| !run.state.saved_to.is_empty(),
        ),
    };
    let fields_completion_rate = (!wanted.is_empty() && !runs.is_empty()).then(|| {
        runs.iter().map(collected).sum::<usize>() as f64 / (runs.len() * wanted.len()) as f64
    });

    let mut started_by_day: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for run in runs {
        let entry = started_by_day.entry(utc_day(run.created_at)).or_default();
        entry.0 += 1;
        entry.1 += i64::from(run.completed);
    }
    let days = period
        .days()
        .into_iter()
        .map(|date| {
            let day = day_key(date);
            let (runs_started, runs_completed) =
                started_by_day.get(&day).copied().unwrap_or_default();
            DayFigures {
                messages_matched: activity.messages_matched.get(&day).copied().unwrap_or(0),
                delivery_failures: activity.delivery_failures.get(&day).copied().unwrap_or(0),
                runs_started,
                runs_completed,
                day,
            }
        })
        .collect();

    WorkflowAnalytics {
        workflow_id: workflow.id,
        from: period.from,
        to: period.to,
        messages_matched: activity.messages_matched.values().sum(),
        conversations: activity.conversations,
        runs: RunOutcomes {
            started,
            completed,
            abandoned,
            in_progress: started - completed - abandoned,
        },
        funnel,
        fields_completion_rate,
        replies_sent: activity.replies_sent,
        median_reply_seconds: activity.median_reply_seconds,
        delivery_failures: activity.delivery_failures.values().sum(),
        opt_outs: activity.opt_outs,
        days,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn periods_are_checked_and_list_their_utc_days() {
        let from = datetime!(2026-03-01 22:00 UTC);
        assert!(Period::new(from, from).is_err());
        assert!(Period::new(from, from - time::Duration::hours(1)).is_err());
        assert!(Period::new(from, from + time::Duration::days(400)).is_err());
        let period = Period::new(from, datetime!(2026-03-03 00:00 UTC)).unwrap();
        let days: Vec<String> = period.days().into_iter().map(day_key).collect();
        assert_eq!(days, ["2026-03-01", "2026-03-02"], "`to` is excluded");
        let last_week = Period::last_days(datetime!(2026-03-08 12:00 UTC), 7);
        assert_eq!(last_week.days().len(), 8, "a partial first and last day");
    }
}
