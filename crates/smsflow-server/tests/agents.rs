//! Agents and routing rules through the API, and which agent a conversation gets: the workflow's,
//! else the first matching routing rule's, else the default SMS agent (on both databases).

mod common;

use common::{TestApp, problem, spawn_configured};
use reqwest::StatusCode;
use serde_json::{Value, json};
use smsflow_store::testing;
use std::sync::Arc;

async fn create_agent(app: &TestApp, body: Value) -> Value {
    let response = app.post("/agents", &body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "{}", app.label);
    response.json().await.unwrap()
}

#[tokio::test]
async fn there_is_always_exactly_one_default_agent() {
    for db in testing::all().await {
        let app = spawn_configured(Arc::new(db), &[]).await;
        let agents: Value = app.get_json("/agents").await;
        let seeded = &agents["items"][0];
        assert_eq!(
            (seeded["name"].as_str(), seeded["is_default"].as_bool()),
            (Some("SMS agent"), Some(true)),
            "{}",
            app.label
        );
        let seeded_id = seeded["id"].as_str().unwrap().to_string();

        let sales = create_agent(&app, json!({"name": "Sales bot", "persona": "Upbeat.", "max_segments": 2, "is_default": true})).await;
        let agents: Value = app.get_json("/agents").await;
        let defaults: Vec<&str> = agents["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["is_default"] == true)
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(defaults, ["Sales bot"], "{}: one default", app.label);

        let sales_id = sales["id"].as_str().unwrap();
        let refused = app
            .http
            .delete(app.url(&format!("/agents/{sales_id}")))
            .bearer_auth(&app.key)
            .send()
            .await
            .unwrap();
        let body = problem(refused, StatusCode::CONFLICT).await;
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("make another agent the default")
        );
        let undefault = app
            .put(
                &format!("/agents/{sales_id}"),
                &json!({"name": "Sales bot", "is_default": false}),
            )
            .send()
            .await
            .unwrap();
        problem(undefault, StatusCode::CONFLICT).await;

        let deleted = app
            .http
            .delete(app.url(&format!("/agents/{seeded_id}")))
            .bearer_auth(&app.key)
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        let invalid = problem(
            app.post(
                "/agents",
                &json!({"name": "", "backend": "gpt", "max_segments": 50}),
            )
            .send()
            .await
            .unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
        let fields = common::problem_fields(&invalid);
        assert_eq!(fields, ["name", "backend", "max_segments"]);
        let duplicate = app
            .post("/agents", &json!({"name": "Sales bot"}))
            .send()
            .await
            .unwrap();
        problem(duplicate, StatusCode::CONFLICT).await;
    }
}

#[tokio::test]
async fn the_agent_comes_from_the_workflow_then_routing_rules_then_the_default() {
    for db in testing::all().await {
        let app = spawn_configured(Arc::new(db), &[]).await;
        let uk = create_agent(&app, json!({"name": "UK desk"})).await;
        let assigned = create_agent(&app, json!({"name": "Support desk", "max_segments": 1})).await;
        let rule = app.post("/routing-rules", &json!({"position": 1, "agent_id": uk["id"], "conditions": {"from_prefixes": ["+44"]}})).send().await.unwrap();
        assert_eq!(rule.status(), StatusCode::CREATED);
        let rule: Value = rule.json().await.unwrap();
        app.create(json!({"name": "Support", "goal": "help_desk_support", "priority": 10, "active": true, "agent_id": assigned["id"], "keywords": ["broken"],
            "response_template": "Sorry about that. ".repeat(20)})).await;
        app.create(json!({"name": "Fallback", "goal": "general_inquiry", "active": true, "response_template": "Hi!"})).await;

        let text = |from: &'static str, body: &'static str| {
            let app = &app;
            async move {
                app.post("/simulator/messages", &json!({"from": from, "body": body}))
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap()
            }
        };
        let support = text("+447700900001", "my order is broken").await;
        let how = &support["inbound"]["explanation"]["agent"]["assigned_agent"];
        assert_eq!(
            (how["name"].as_str(), how["how"]["source"].as_str()),
            (Some("Support desk"), Some("workflow")),
            "{}: {how}",
            app.label
        );
        assert_eq!(
            support["replies"][0]["segments"], 1,
            "the agent's segment limit applies"
        );

        let uk_hello = text("+447700900002", "hello").await;
        let how = &uk_hello["inbound"]["explanation"]["agent"]["assigned_agent"];
        assert_eq!(
            (how["name"].as_str(), how["how"]["source"].as_str()),
            (Some("UK desk"), Some("routing_rule"))
        );

        let us_hello = text("+14155550166", "hello").await;
        let how = &us_hello["inbound"]["explanation"]["agent"]["assigned_agent"];
        assert_eq!(
            (how["name"].as_str(), how["how"]["source"].as_str()),
            (Some("SMS agent"), Some("default"))
        );

        let bad_rule = app.post("/routing-rules", &json!({"position": 2, "agent_id": uk["id"], "conditions": {"time_from": "9am", "timezone": "Mars/Base", "days": [8]}})).send().await.unwrap();
        let body = problem(bad_rule, StatusCode::BAD_REQUEST).await;
        let fields = common::problem_fields(&body);
        assert_eq!(
            fields,
            [
                "conditions.time_from",
                "conditions.time_to",
                "conditions.days",
                "conditions.timezone"
            ]
        );
        // Editing a rule: checked like a new one, and it keeps its place.
        let rule_path = format!("/routing-rules/{}", rule["id"].as_str().unwrap());
        let bad_edit = app
            .put(
                &rule_path,
                &json!({"agent_id": uk["id"], "conditions": {"days": [0]}}),
            )
            .send()
            .await
            .unwrap();
        let body = problem(bad_edit, StatusCode::BAD_REQUEST).await;
        assert_eq!(common::problem_fields(&body), ["conditions.days"]);
        let edited: Value = app
            .put(
                &rule_path,
                &json!({"agent_id": uk["id"], "conditions": {"from_prefixes": ["+44", "+353"]}}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (
                edited["position"].as_i64(),
                &edited["conditions"]["from_prefixes"]
            ),
            (Some(1), &json!(["+44", "+353"])),
            "{}",
            app.label
        );
        let gone = app
            .put(
                "/routing-rules/01000000-0000-7000-8000-0000000000ff",
                &json!({"agent_id": uk["id"]}),
            )
            .send()
            .await
            .unwrap();
        problem(gone, StatusCode::NOT_FOUND).await;
        let unknown_agent = app.create_raw(json!({"name": "X", "goal": "lead_capture", "agent_id": "01000000-0000-7000-8000-0000000000ff"})).await;
        let body = problem(unknown_agent, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["problems"][0]["field"], "agent_id");
        let in_use = app
            .http
            .delete(app.url(&format!("/agents/{}", uk["id"].as_str().unwrap())))
            .bearer_auth(&app.key)
            .send()
            .await
            .unwrap();
        problem(in_use, StatusCode::CONFLICT).await;
    }
}
