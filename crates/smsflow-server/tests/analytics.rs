//! `/api/v1/analytics` and `/metrics` over conversations driven through the simulator, on SQLite and
//! (when configured) PostgreSQL.

mod common;

use common::{TestApp, problem, problem_fields, spawn_configured, text};
use reqwest::StatusCode;
use serde_json::{Value, json};
use smsflow_store::testing;
use std::sync::Arc;

/// The workflow's figures once `replies` agent replies have been sent (the outbound worker sends
/// them in the background); polls 5 s at most.
async fn figures_after_replies(app: &TestApp, path: &str, replies: i64) -> Value {
    for _ in 0..200 {
        let figures = app.get_json(path).await;
        if figures["replies_sent"] == replies {
            return figures;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("{}: {replies} replies were not sent in time", app.label);
}

#[tokio::test]
async fn a_workflows_figures_follow_its_conversations() {
    for db in testing::all().await {
        let app = spawn_configured(Arc::new(db), &[]).await;
        let workflow = app
            .create(json!({
                "name": "Lead capture", "goal": "lead_capture", "active": true,
                "steps": [
                    {"type": "extract_information", "fields": "name,email"},
                    {"type": "send_response", "template": "Thanks {{name}}!"},
                    {"type": "save_to_database", "table": "leads"}
                ]
            }))
            .await;
        let id = workflow["id"].as_str().unwrap();
        let path = format!("/analytics/workflows/{id}");
        let label = app.label;

        let empty = app.get_json(&path).await;
        assert_eq!(empty["messages_matched"], 0, "{label}: {empty}");
        assert_eq!(
            empty["days"].as_array().unwrap().len(),
            8,
            "{label}: 7 days back, partial first and last"
        );

        // Dana completes the run; Sam starts one, then opts out.
        text(&app, "+14155550101", "hi I'm interested in pricing").await;
        text(&app, "+14155550101", "I'm Dana, dana@bluefin.example").await;
        text(&app, "+14155550102", "what's your pricing for teams?").await;
        text(&app, "+14155550102", "STOP").await;

        let figures = figures_after_replies(&app, &path, 3).await;
        assert_eq!(
            figures["messages_matched"], 3,
            "{label}: STOP is answered before any workflow: {figures}"
        );
        assert_eq!(figures["conversations"], 2, "{label}");
        assert_eq!(
            figures["runs"],
            json!({"started": 2, "completed": 1, "abandoned": 0, "in_progress": 1}),
            "{label}"
        );
        assert_eq!(
            figures["funnel"],
            json!({"started": 2, "extracted": 1, "responded": 1, "ticket": null,
                   "booking_offered": null, "booked": null, "record": 1}),
            "{label}"
        );
        assert_eq!(
            figures["fields_completion_rate"], 0.5,
            "{label}: 2 of 4 fields"
        );
        assert!(
            figures["median_reply_seconds"].as_f64().unwrap() >= 0.0,
            "{label}"
        );
        assert_eq!(figures["delivery_failures"], 0, "{label}");
        assert_eq!(figures["opt_outs"], 1, "{label}");
        let days = figures["days"].as_array().unwrap();
        let matched: i64 = days
            .iter()
            .map(|d| d["messages_matched"].as_i64().unwrap())
            .sum();
        assert_eq!(matched, 3, "{label}: the days add up to the period");

        let summaries = app.get_json("/analytics/workflows").await;
        assert_eq!(summaries["items"][0]["workflow_id"], id);
        assert_eq!(summaries["items"][0]["matches"], 3, "{label}");
        assert!(summaries["items"][0]["last_matched"].is_string());

        let old = app
            .get_json(&format!("{path}?from=2020-01-01&to=2020-01-31"))
            .await;
        assert_eq!(
            (
                old["messages_matched"].as_i64(),
                old["days"].as_array().map(Vec::len)
            ),
            (Some(0), Some(31)),
            "{label}"
        );
    }
}

#[tokio::test]
async fn bad_periods_and_unknown_workflows_are_problems() {
    let app = spawn_configured(Arc::new(testing::sqlite()), &[]).await;
    let workflow = app
        .create(json!({"name": "Fallback", "goal": "general_inquiry", "active": true}))
        .await;
    let path = format!("/analytics/workflows/{}", workflow["id"].as_str().unwrap());
    for (query, field) in [
        ("from=yesterday", "from"),
        ("to=03%2F01%2F2026", "to"),
        ("from=2026-03-05&to=2026-03-01", "from"),
        ("from=2020-01-01&to=2026-01-01", "from"),
        ("since=2026-01-01", "query.since"),
    ] {
        let response = app.get(&format!("{path}?{query}")).send().await.unwrap();
        let body = problem(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(problem_fields(&body), [field], "{query}");
    }
    let missing = app
        .get("/analytics/workflows/0195f2a4-0000-7000-8000-000000000000")
        .send()
        .await
        .unwrap();
    problem(missing, StatusCode::NOT_FOUND).await;
    let unauthenticated = app.http.get(app.url(&path)).send().await.unwrap();
    problem(unauthenticated, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn metrics_are_served_in_the_prometheus_format_with_an_api_key() {
    for db in testing::all().await {
        let app = spawn_configured(Arc::new(db), &[]).await;
        let workflow = app
            .create(json!({"name": "Front \"desk\"", "goal": "general_inquiry", "active": true}))
            .await;
        text(&app, "+14155550103", "hello there").await;
        // A webhook refused for its missing signature is timed like any other.
        let webhook = app
            .http
            .post(format!("{}/webhooks/twilio/sms", app.base))
            .form(&[("From", "+14155550103"), ("Body", "hi")])
            .send()
            .await
            .unwrap();
        assert!(webhook.status().is_client_error());

        let url = format!("{}/metrics", app.base);
        let anonymous = app.http.get(&url).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        let response = app
            .http
            .get(&url)
            .bearer_auth(&app.key)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        let text = response.text().await.unwrap();
        let id = workflow["id"].as_str().unwrap();
        let label = app.label;
        for line in [
            "# TYPE smsflow_workflow_matches_total counter".to_string(),
            format!("smsflow_workflow_matches_total{{workflow_id=\"{id}\",workflow=\"Front \\\"desk\\\"\"}} 1"),
            "smsflow_messages{direction=\"inbound\",status=\"processed\"} 1".to_string(),
            "smsflow_inbound_queue_depth 0".to_string(),
            "smsflow_conversations 1".to_string(),
            "smsflow_webhook_request_duration_seconds_count{route=\"/webhooks/twilio/sms\"} 1".to_string(),
            "smsflow_webhook_request_duration_seconds_bucket{route=\"/webhooks/twilio/sms\",le=\"+Inf\"} 1".to_string(),
        ] {
            assert!(text.lines().any(|l| l == line), "{label}: no line {line:?} in\n{text}");
        }
    }
}
