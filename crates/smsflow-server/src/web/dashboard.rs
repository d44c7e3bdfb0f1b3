//! The performance dashboard: one workflow's figures over a chosen period, with charts drawn here as
//! SVG (no chart library) and the same numbers in tables for screen readers and copying.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use smsflow_core::Problems;
use smsflow_store::analytics::{DayFigures, WorkflowAnalytics};
use smsflow_store::follow_ups::FollowUpCounts;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::AppState;
use crate::api::analytics::{PeriodParams, abandoned_before, parse_period};
use crate::web::session::SignedIn;
use crate::web::{Frame, WebError};

/// `2026-03-01 14:05 UTC`.
pub fn utc_minute(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{} {:02}:{:02} UTC",
        date(at.date()),
        at.hour(),
        at.minute()
    )
}

fn date(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[derive(Debug, Deserialize, Default)]
pub struct DashboardQuery {
    workflow: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

pub struct WorkflowChoice {
    id: Uuid,
    name: String,
    selected: bool,
}

/// One bar of a chart, in the chart's coordinates.
pub struct Bar {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    value: i64,
    /// What the bar's tooltip says.
    label: String,
    class: &'static str,
}

/// An axis label under a bar group.
pub struct Tick {
    x: f64,
    text: String,
}

/// A bar chart over the days of the period: one bar per series per day.
pub struct DayChart {
    id: &'static str,
    title: &'static str,
    desc: String,
    bars: Vec<Bar>,
    ticks: Vec<Tick>,
    max: i64,
    legend: Vec<(&'static str, &'static str)>,
}

/// One series of a chart: its name, its CSS class (colour) and its value on a day.
type Series = (&'static str, &'static str, fn(&DayFigures) -> i64);

const CHART_WIDTH: f64 = 640.0;
const CHART_HEIGHT: f64 = 180.0;
/// Room under the bars for the day labels.
const AXIS: f64 = 22.0;

impl DayChart {
    fn new(
        id: &'static str,
        title: &'static str,
        days: &[DayFigures],
        series: &[Series],
    ) -> DayChart {
        let max = days
            .iter()
            .flat_map(|day| series.iter().map(move |(_, _, value)| value(day)))
            .max()
            .unwrap_or(0);
        let slot = CHART_WIDTH / days.len().max(1) as f64;
        let width = (slot * 0.8) / series.len() as f64;
        let scale = (CHART_HEIGHT - AXIS) / max.max(1) as f64;
        let mut bars = Vec::new();
        for (index, day) in days.iter().enumerate() {
            for (position, (name, class, value)) in series.iter().enumerate() {
                let value = value(day);
                let height = value as f64 * scale;
                bars.push(Bar {
                    x: index as f64 * slot + slot * 0.1 + position as f64 * width,
                    y: CHART_HEIGHT - AXIS - height,
                    width,
                    height,
                    value,
                    label: format!("{}: {value} {name}", day.day),
                    class,
                });
            }
        }
        // About seven labels whatever the period's length, always the first and last day.
        let every = days.len().div_ceil(7).max(1);
        let ticks = days
            .iter()
            .enumerate()
            .filter(|(index, _)| index % every == 0 || *index + 1 == days.len())
            .map(|(index, day)| Tick {
                x: index as f64 * slot + slot / 2.0,
                text: day.day[5..].to_string(),
            })
            .collect();
        let totals: Vec<String> = series
            .iter()
            .map(|(name, _, value)| format!("{} {name}", days.iter().map(value).sum::<i64>()))
            .collect();
        let desc = match (days.first(), days.last()) {
            (Some(first), Some(last)) => format!(
                "From {} to {}: {}; at most {max} in a day.",
                first.day,
                last.day,
                totals.join(", ")
            ),
            _ => "No days in the period.".into(),
        };
        DayChart {
            id,
            title,
            desc,
            bars,
            ticks,
            max,
            legend: series
                .iter()
                .map(|(name, class, _)| (*name, *class))
                .collect(),
        }
    }
}

/// One stage of the funnel, with its bar's share of the runs started.
pub struct Stage {
    name: &'static str,
    value: i64,
    /// Percent of the runs started.
    percent: f64,
    y: f64,
}

const STAGE_HEIGHT: f64 = 30.0;

fn stages(analytics: &WorkflowAnalytics, follow_ups: FollowUpCounts) -> Vec<Stage> {
    let funnel = &analytics.funnel;
    let nudged = follow_ups.nudged > 0;
    let started = funnel.started;
    [
        ("Started", Some(started)),
        ("Fields extracted", funnel.extracted),
        ("Responded", funnel.responded),
        ("Ticket opened", funnel.ticket),
        ("Booking link sent", funnel.booking_offered),
        ("Booked", funnel.booked),
        ("Record saved", funnel.record),
        // Only for a workflow that nudged anyone in the period (auto follow-up is off by default).
        (
            "Nudged (auto follow-up)",
            nudged.then_some(follow_ups.nudged),
        ),
        ("Answered the nudge", nudged.then_some(follow_ups.answered)),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name, value?)))
    .enumerate()
    .map(|(index, (name, value))| Stage {
        name,
        value,
        percent: if started == 0 {
            0.0
        } else {
            value as f64 * 100.0 / started as f64
        },
        y: index as f64 * STAGE_HEIGHT,
    })
    .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    frame: Frame,
    workflows: Vec<WorkflowChoice>,
    from: String,
    to: String,
    from_error: Option<String>,
    to_error: Option<String>,
    analytics: Option<WorkflowAnalytics>,
    completion: Option<String>,
    reply_time: Option<String>,
    charts: Vec<DayChart>,
    funnel: Vec<Stage>,
    funnel_height: f64,
}

/// `40 ms`, `4.3 s`, `3 min 5 s`, `2 h 10 min`.
fn duration(seconds: f64) -> String {
    if seconds < 1.0 {
        return format!("{:.0} ms", seconds * 1000.0);
    }
    let whole = seconds.round() as i64;
    match whole {
        ..60 => format!("{:.1} s", seconds),
        60..3600 => format!("{} min {} s", whole / 60, whole % 60),
        _ => format!("{} h {} min", whole / 3600, whole % 3600 / 60),
    }
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, WebError> {
    let workflows: Vec<WorkflowChoice> = state
        .store
        .all_workflows()
        .await?
        .into_iter()
        .map(|workflow| WorkflowChoice {
            id: workflow.id,
            name: workflow.spec.name.to_string(),
            selected: false,
        })
        .collect();
    let mut workflows = workflows;
    let selected = query
        .workflow
        .as_deref()
        .and_then(|id| Uuid::parse_str(id).ok())
        .filter(|id| workflows.iter().any(|w| w.id == *id))
        .or_else(|| workflows.first().map(|w| w.id));
    for choice in &mut workflows {
        choice.selected = Some(choice.id) == selected;
    }
    let now = OffsetDateTime::now_utc();
    let params = PeriodParams {
        from: query.from.clone(),
        to: query.to.clone(),
    };
    let mut page = DashboardPage {
        frame: signed_in.frame("dashboard"),
        workflows,
        from: query.from.unwrap_or_default(),
        to: query.to.unwrap_or_default(),
        from_error: None,
        to_error: None,
        analytics: None,
        completion: None,
        reply_time: None,
        charts: Vec::new(),
        funnel: Vec::new(),
        funnel_height: 0.0,
    };
    let period = match parse_period(&params, now) {
        Ok(period) => period,
        Err(problems) => return Ok(invalid(page, &problems)),
    };
    // The form shows the dates it covers (`to` is the last day included).
    if page.from.is_empty() {
        page.from = date(period.start().date());
    }
    if page.to.is_empty() {
        page.to = date((period.end() - time::Duration::nanoseconds(1)).date());
    }
    let Some(id) = selected else {
        return Ok(page.into_response());
    };
    let workflow = state.store.get_workflow(id).await?;
    let analytics = state
        .store
        .workflow_analytics(&workflow, &period, abandoned_before(&state, now))
        .await?;
    page.completion = analytics
        .fields_completion_rate
        .map(|rate| format!("{:.0}%", rate * 100.0));
    page.reply_time = analytics.median_reply_seconds.map(duration);
    page.charts = vec![
        DayChart::new(
            "chart-matched",
            "Messages matched per day",
            &analytics.days,
            &[("messages matched", "s1", |d| d.messages_matched)],
        ),
        DayChart::new(
            "chart-runs",
            "Runs started and completed per day",
            &analytics.days,
            &[
                ("runs started", "s1", |d| d.runs_started),
                ("runs completed", "s2", |d| d.runs_completed),
            ],
        ),
    ];
    let follow_ups = state.store.follow_up_counts(workflow.id, &period).await?;
    page.funnel = stages(&analytics, follow_ups);
    page.funnel_height = page.funnel.len() as f64 * STAGE_HEIGHT;
    page.analytics = Some(analytics);
    Ok(page.into_response())
}

fn invalid(mut page: DashboardPage, problems: &Problems) -> Response {
    let message = |field: &str| {
        problems
            .iter()
            .find(|problem| problem.field == field)
            .map(|problem| problem.message.clone())
    };
    page.from_error = message("from");
    page.to_error = message("to");
    (StatusCode::BAD_REQUEST, page).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(day: &str, matched: i64) -> DayFigures {
        DayFigures {
            day: day.into(),
            messages_matched: matched,
            runs_started: 0,
            runs_completed: 0,
            delivery_failures: 0,
        }
    }

    #[test]
    fn bars_scale_to_the_busiest_day_and_the_description_gives_the_totals() {
        let days = [
            day("2026-03-01", 2),
            day("2026-03-02", 0),
            day("2026-03-03", 4),
        ];
        let chart = DayChart::new(
            "c",
            "Matched",
            &days,
            &[("matched", "s1", |d| d.messages_matched)],
        );
        let heights: Vec<f64> = chart.bars.iter().map(|bar| bar.height).collect();
        assert_eq!(
            heights,
            [(CHART_HEIGHT - AXIS) / 2.0, 0.0, CHART_HEIGHT - AXIS]
        );
        assert!(
            chart
                .bars
                .iter()
                .all(|bar| bar.y + bar.height == CHART_HEIGHT - AXIS)
        );
        assert_eq!(
            chart.desc,
            "From 2026-03-01 to 2026-03-03: 6 matched; at most 4 in a day."
        );
        let ticks: Vec<&str> = chart.ticks.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(ticks, ["03-01", "03-02", "03-03"]);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0.0404), "40 ms");
        assert_eq!(duration(4.26), "4.3 s");
        assert_eq!(duration(185.0), "3 min 5 s");
        assert_eq!(duration(7800.0), "2 h 10 min");
    }
}
