//! `/metrics` in the Prometheus text format, rendered by hand: the counts come from the database
//! (so every process reports the same totals, whichever one is scraped) and the webhook latency
//! histogram from this process (each process times the webhooks it answered).

use axum::extract::{OriginalUri, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use crate::AppState;
use crate::error::ApiError;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Observations at or below each bound of [`BUCKETS`] (not cumulative; summed when rendered).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        if let Some(index) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.buckets[index] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }
}

/// What this process measures itself.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Webhook latency by route.
    webhooks: Mutex<BTreeMap<String, Histogram>>,
}

impl Metrics {
    fn observe_webhook(&self, route: &str, seconds: f64) {
        let mut webhooks = self.webhooks.lock().unwrap_or_else(|e| e.into_inner());
        webhooks
            .entry(route.to_string())
            .or_default()
            .observe(seconds);
    }

    fn webhooks(&self) -> BTreeMap<String, Histogram> {
        self.webhooks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Times every webhook request, by route. Installed with `route_layer`, so it only sees requests
/// to a webhook route, and those have no path parameters: the path names the route.
pub async fn time_webhook(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = match request.extensions().get::<OriginalUri>() {
        Some(uri) => uri.path().to_string(),
        None => request.uri().path().to_string(),
    };
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .observe_webhook(&route, started.elapsed().as_secs_f64());
    response
}

/// A label value with `\`, `"` and newlines escaped as the text format asks.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

pub async fn render(State(state): State<AppState>) -> Result<Response, ApiError> {
    let totals = state.store.totals().await?;
    let names: HashMap<_, _> = state
        .store
        .all_workflows()
        .await?
        .into_iter()
        .map(|workflow| (workflow.id, workflow.spec.name.to_string()))
        .collect();
    let mut out = String::new();
    let count = |direction: &str, statuses: &[&str]| -> i64 {
        totals
            .messages
            .iter()
            .filter(|(d, s, _)| d == direction && statuses.contains(&s.as_str()))
            .map(|(_, _, n)| n)
            .sum()
    };

    family(
        &mut out,
        "smsflow_messages",
        "gauge",
        "Messages stored, by direction and status.",
    );
    for (direction, status, n) in &totals.messages {
        let _ = writeln!(
            out,
            "smsflow_messages{{direction=\"{}\",status=\"{}\"}} {n}",
            label(direction),
            label(status)
        );
    }
    family(
        &mut out,
        "smsflow_inbound_queue_depth",
        "gauge",
        "Inbound messages stored and not processed yet.",
    );
    let _ = writeln!(
        out,
        "smsflow_inbound_queue_depth {}",
        count("inbound", &["received"])
    );
    family(
        &mut out,
        "smsflow_outbound_queue_depth",
        "gauge",
        "Outbound messages waiting to be sent (queued, or being sent).",
    );
    let _ = writeln!(
        out,
        "smsflow_outbound_queue_depth {}",
        count("outbound", &["queued", "sending"])
    );
    family(
        &mut out,
        "smsflow_workflow_matches_total",
        "counter",
        "Inbound messages matched, by workflow.",
    );
    for (id, n) in &totals.matches {
        let name = names.get(id).map_or("(deleted)", String::as_str);
        let _ = writeln!(
            out,
            "smsflow_workflow_matches_total{{workflow_id=\"{id}\",workflow=\"{}\"}} {n}",
            label(name)
        );
    }
    family(
        &mut out,
        "smsflow_runs",
        "gauge",
        "Workflow runs, by whether every step is done.",
    );
    let _ = writeln!(
        out,
        "smsflow_runs{{state=\"completed\"}} {}",
        totals.runs_completed
    );
    let _ = writeln!(out, "smsflow_runs{{state=\"open\"}} {}", totals.runs_open);
    family(
        &mut out,
        "smsflow_conversations",
        "gauge",
        "Conversations stored.",
    );
    let _ = writeln!(out, "smsflow_conversations {}", totals.conversations);
    family(
        &mut out,
        "smsflow_opt_outs",
        "gauge",
        "Numbers opted out (texted STOP and not START since).",
    );
    let _ = writeln!(out, "smsflow_opt_outs {}", totals.opt_outs);

    let name = "smsflow_webhook_request_duration_seconds";
    family(
        &mut out,
        name,
        "histogram",
        "Time to answer a gateway webhook, by route (this process only).",
    );
    for (route, histogram) in state.metrics.webhooks() {
        let route = label(&route);
        let mut cumulative = 0;
        for (bound, n) in BUCKETS.iter().zip(histogram.buckets) {
            cumulative += n;
            let _ = writeln!(
                out,
                "{name}_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
            histogram.count
        );
        let _ = writeln!(out, "{name}_sum{{route=\"{route}\"}} {}", histogram.sum);
        let _ = writeln!(out, "{name}_count{{route=\"{route}\"}} {}", histogram.count);
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_fall_in_the_first_bucket_that_holds_them() {
        let mut histogram = Histogram::default();
        for seconds in [0.001, 0.005, 0.3, 60.0] {
            histogram.observe(seconds);
        }
        assert_eq!(histogram.buckets[0], 2, "the bound is included");
        assert_eq!(histogram.buckets[6], 1, "0.3 s is under 0.5 s");
        assert_eq!(
            histogram.buckets.iter().sum::<u64>(),
            3,
            "60 s only in +Inf"
        );
        assert_eq!(histogram.count, 4);
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a \"b\"\\\nc"), "a \\\"b\\\"\\\\\\nc");
    }
}
