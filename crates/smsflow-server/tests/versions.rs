//! Drafts, publishing, history and rollback through the HTTP API, on SQLite and PostgreSQL; two
//! servers on one database; runs that keep the version they started with.

mod common;

use common::{TestApp, apps, problem, spawn_configured, text};
use reqwest::StatusCode;
use serde_json::{Value, json};
use smsflow_store::testing;
use std::sync::Arc;

fn lead_workflow(template: &str) -> Value {
    json!({
        "name": "Leads", "goal": "lead_capture", "priority": 20, "active": true,
        "keywords": ["pricing"],
        "steps": [
            {"type": "extract_information", "fields": "name,email"},
            {"type": "send_response", "template": template}
        ]
    })
}

async fn save_draft(app: &TestApp, if_match: Option<&str>, workflows: Value) -> reqwest::Response {
    let mut request = app.put("/workflows/draft", &json!({"workflows": workflows}));
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    request.send().await.unwrap()
}

async fn publish(app: &TestApp, if_match: Option<&str>) -> reqwest::Response {
    let mut request = app.post("/workflows/draft/publish", &json!({"note": "reviewed"}));
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    request.send().await.unwrap()
}

async fn live_names(app: &TestApp) -> Vec<(String, i64)> {
    let list = app.get_json("/workflows").await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["name"].as_str().unwrap().to_string(),
                w["priority"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_draft_is_reviewed_published_listed_with_its_diff_and_rolled_back() {
    for app in apps().await {
        let created = app.create(lead_workflow("Thanks {{name}}!")).await;
        let first_version = app.get_json("/workflows/versions").await["items"][0].clone();
        assert_eq!(first_version["kind"], "edit", "{}", app.label);
        assert!(
            first_version["author"]
                .as_str()
                .unwrap()
                .starts_with("api key \"test-")
        );

        // The draft changes the priority, drops a keyword, adds a workflow.
        let mut changed = lead_workflow("Thanks {{name}}!");
        changed["priority"] = json!(30);
        changed["keywords"] = json!(["quote"]);
        let saved = save_draft(
            &app,
            None,
            json!([changed, {"name": "Support", "goal": "help_desk_support", "active": true}]),
        )
        .await;
        assert_eq!(saved.status(), StatusCode::OK, "{}", app.label);
        assert_eq!(saved.headers()["etag"], "\"1\"");
        let draft: Value = saved.json().await.unwrap();
        assert_eq!(
            draft["workflows"][0]["id"], created["id"],
            "the same workflow, found by name"
        );
        let changes = &draft["changes"]["workflows"];
        assert_eq!(changes[0]["kind"], "changed");
        assert_eq!(
            changes[0]["fields"][0],
            json!({"field": "priority", "before": "20", "after": "30"})
        );
        assert_eq!(changes[1]["kind"], "created");
        assert_eq!(
            live_names(&app).await,
            [("Leads".to_string(), 20)],
            "a draft is not live"
        );
        let routed = text(&app, "+14155550100", "what is your pricing?").await;
        let version = routed["inbound"]["explanation"]["workflows_version"].clone();
        assert_eq!(
            version, first_version["number"],
            "the explanation names its version"
        );

        // Saving without naming the draft's revision would overwrite someone's work: refused.
        problem(
            save_draft(&app, None, json!([])).await,
            StatusCode::CONFLICT,
        )
        .await;
        problem(
            publish(&app, Some("\"7\"")).await,
            StatusCode::PRECONDITION_FAILED,
        )
        .await;

        let published = publish(&app, Some("\"1\"")).await;
        assert_eq!(published.status(), StatusCode::CREATED, "{}", app.label);
        let published: Value = published.json().await.unwrap();
        assert_eq!(published["kind"], "publish");
        assert_eq!(published["note"], "reviewed");
        assert_eq!(
            live_names(&app).await,
            [("Leads".to_string(), 30), ("Support".to_string(), 0)]
        );
        problem(
            app.get("/workflows/draft").send().await.unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
        let routed = text(&app, "+14155550101", "can I get a quote").await;
        assert_eq!(
            routed["inbound"]["explanation"]["workflows_version"],
            published["number"]
        );

        let detail = app
            .get_json(&format!("/workflows/versions/{}", published["number"]))
            .await;
        assert_eq!(detail["previous"], first_version["number"]);
        assert_eq!(detail["workflows"].as_array().unwrap().len(), 2);
        let fields: Vec<&str> = detail["changes"]["workflows"][0]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            ["priority", "keywords", "keywords"],
            "{}",
            app.label
        );

        // A draft, then a direct edit: publishing the draft is refused, nothing is merged.
        save_draft(&app, None, json!([lead_workflow("Draft {{name}}")])).await;
        let edited = app
            .http
            .patch(app.url(&format!("/workflows/{}", created["id"].as_str().unwrap())))
            .bearer_auth(&app.key)
            .header("content-type", "application/merge-patch+json")
            .header("if-match", "\"2\"")
            .body(r#"{"priority": 40}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(edited.status(), StatusCode::OK, "{}", app.label);
        let refused = problem(publish(&app, None).await, StatusCode::CONFLICT).await;
        assert!(
            refused["detail"]
                .as_str()
                .unwrap()
                .contains("changed since"),
            "{refused}"
        );
        assert_eq!(live_names(&app).await[0], ("Leads".to_string(), 40));
        app.http
            .delete(app.url("/workflows/draft"))
            .bearer_auth(&app.key)
            .send()
            .await
            .unwrap();

        let rollback = app
            .post(
                &format!("/workflows/versions/{}/rollback", first_version["number"]),
                &json!({}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(rollback.status(), StatusCode::CREATED, "{}", app.label);
        let rollback: Value = rollback.json().await.unwrap();
        assert_eq!(rollback["restored_from"], first_version["number"]);
        let restored = app
            .get_json(&format!("/workflows/{}", created["id"].as_str().unwrap()))
            .await;
        for field in ["name", "goal", "priority", "keywords", "steps", "active"] {
            assert_eq!(restored[field], created[field], "{}: {field}", app.label);
        }
        assert_eq!(
            live_names(&app).await.len(),
            1,
            "the workflow added later is gone again"
        );
    }
}

#[tokio::test]
async fn a_run_in_progress_keeps_the_version_it_started_with() {
    for app in apps().await {
        app.create(lead_workflow("Thanks {{name}}, the old way!"))
            .await;
        let phone = "+14155550111";
        let first = text(&app, phone, "hi, what is your pricing?").await;
        let started = first["inbound"]["explanation"]["workflows_version"].clone();

        save_draft(
            &app,
            None,
            json!([lead_workflow("Thanks {{name}}, the new way!")]),
        )
        .await;
        let published: Value = publish(&app, None).await.json().await.unwrap();

        let second = text(&app, phone, "I'm Dana, dana@bluefin.example").await;
        assert_eq!(
            second["inbound"]["explanation"]["workflows_version"], started,
            "{}",
            app.label
        );
        assert_eq!(
            second["replies"][0]["body"], "Thanks Dana, the old way!",
            "{}",
            app.label
        );

        let other = text(
            &app,
            "+14155550112",
            "pricing please, I'm Lee, lee@example.com",
        )
        .await;
        assert_eq!(
            other["inbound"]["explanation"]["workflows_version"],
            published["number"]
        );
        let reply = other["replies"][0]["body"].as_str().unwrap();
        assert!(
            reply.ends_with("Thanks Lee, the new way!"),
            "{}: {reply}",
            app.label
        );
    }
}

/// Two servers on one database: what one publishes, the other routes with once it polls.
#[tokio::test]
async fn a_publish_on_one_server_reaches_the_other_through_the_revision() {
    for db in testing::all().await {
        let db = Arc::new(db);
        let settings = [("SMSFLOW_RELOAD_INTERVAL_MS", "50")];
        let (first, second) = (
            spawn_configured(db.clone(), &settings).await,
            spawn_configured(db.clone(), &settings).await,
        );
        first.create(lead_workflow("Thanks {{name}}!")).await;
        let support = json!({"name": "Support", "goal": "help_desk_support", "active": true,
            "priority": 50, "keywords": ["refund"]});
        save_draft(
            &first,
            None,
            json!([lead_workflow("Thanks {{name}}!"), support]),
        )
        .await;
        let published: Value = publish(&first, None).await.json().await.unwrap();

        let mut routed = Value::Null;
        for _ in 0..200 {
            routed = text(&second, "+14155550120", "I want a refund").await;
            if routed["inbound"]["explanation"]["workflow"] == "Support" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        assert_eq!(
            routed["inbound"]["explanation"]["workflow"], "Support",
            "{}",
            db.label
        );
        assert_eq!(
            routed["inbound"]["explanation"]["workflows_version"],
            published["number"]
        );
    }
}

async fn finished_replay(app: &TestApp, request: Value) -> Value {
    let started = app
        .post("/workflows/replays", &request)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::ACCEPTED, "{}", app.label);
    let location = started.headers()["location"].to_str().unwrap().to_string();
    let path = location.trim_start_matches("/api/v1").to_string();
    for _ in 0..400 {
        let job = app.get_json(&path).await;
        if job["status"] != "running" {
            assert_eq!(job["status"], "done", "{}: {job}", app.label);
            assert_eq!(job["done"], job["total"]);
            return job["report"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("{}: the replay did not finish", app.label);
}

/// Texts processed live, then replayed with the same set: every text routes the same way. Then a
/// draft moves some of them, and the report says which and why.
#[tokio::test]
async fn replay_agrees_with_live_routing_and_reports_what_a_draft_moves() {
    for app in apps().await {
        app.create(lead_workflow("Thanks {{name}}!")).await;
        app.create(json!({"name": "Support", "goal": "help_desk_support", "priority": 30, "active": true,
            "keywords": ["broken"], "steps": [{"type": "create_support_ticket", "priority": "high"}]}))
            .await;
        app.create(json!({"name": "Everything else", "goal": "general_inquiry", "active": true}))
            .await;
        let conversations = [
            [
                "what is your pricing?",
                "I'm Dana, dana@bluefin.example",
                "my screen is broken",
            ],
            ["hello there", "STOP", "START"],
            [
                "the app is broken again",
                "it crashes on login",
                "what are your hours?",
            ],
            [
                "any discounts on pricing for schools?",
                "thanks",
                "is anyone there?",
            ],
        ];
        let mut live = Vec::new();
        for (i, texts) in conversations.iter().enumerate() {
            let from = format!("+1415555020{i}");
            for body in texts {
                let turn = text(&app, &from, body).await;
                live.push((
                    body.to_string(),
                    turn["inbound"]["explanation"]["workflow"].clone(),
                ));
            }
        }

        let same = finished_replay(&app, json!({"since": "1h", "draft": false})).await;
        assert_eq!(same["messages"], 10, "{}: {same}", app.label);
        assert_eq!(same["carrier_keywords"], 2);
        assert_eq!(
            same["rerouted_total"], 0,
            "{}: replay disagrees with live routing: {same}",
            app.label
        );
        let support = same["workflows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|count| count["workflow"] == "Support")
            .unwrap();
        let live_support = live
            .iter()
            .filter(|(_, workflow)| workflow == "Support")
            .count();
        assert_eq!(support["before"], live_support);
        assert_eq!(support["after"], live_support);

        // The draft turns Support off: its texts move elsewhere.
        save_draft(
            &app,
            None,
            json!([
                lead_workflow("Thanks {{name}}!"),
                {"name": "Support", "goal": "help_desk_support", "priority": 30, "active": false,
                 "keywords": ["broken"], "steps": [{"type": "create_support_ticket", "priority": "high"}]},
                {"name": "Everything else", "goal": "general_inquiry", "active": true}
            ]),
        )
        .await;
        let moved = finished_replay(&app, json!({"since": "1h"})).await;
        assert!(
            moved["before"]
                .as_str()
                .unwrap()
                .starts_with("published version ")
        );
        assert!(
            moved["after"]
                .as_str()
                .unwrap()
                .starts_with("draft revision 1")
        );
        let rerouted = moved["rerouted"].as_array().unwrap();
        assert!(!rerouted.is_empty(), "{}: {moved}", app.label);
        let first = &rerouted[0];
        assert_eq!(
            first["before"]["workflow"], "Support",
            "{}: {moved}",
            app.label
        );
        assert!(
            first["before"]["reason"]
                .as_str()
                .unwrap()
                .contains("broken"),
            "{first}"
        );
        assert_ne!(first["after"]["workflow"], "Support");
        assert_eq!(moved["moved"][0]["from"], "Support");
        assert_eq!(moved["rerouted_total"], moved["moved"][0]["count"]);
        assert_eq!(
            app.get_json("/workflows").await["items"][0]["keywords"],
            json!(["broken"]),
            "a replay changes nothing"
        );
    }
}

fn sales_workflow(template: &str) -> Value {
    json!({
        "name": "Sales", "goal": "sales_inquiry", "priority": 20, "active": true,
        "keywords": ["pricing"],
        "steps": [{"type": "send_response", "template": template}]
    })
}

/// A saved suite for the Sales workflow: the first reply must say `greeting`.
fn sales_suite(greeting: &str) -> String {
    format!(
        "tests:\n  - name: a lead is greeted\n    turns:\n      - send: pricing please\n        workflow: Sales\n        reply:\n          contains: [\"{greeting}\"]\n"
    )
}

/// With `publish_requires_tests`, publishing runs the saved suite against the draft: refused,
/// naming the failing test, while it fails; allowed once it passes; and a rollback to a version
/// that fails it is refused the same way. The suite is saved through the API, read back, and its
/// saving is in the audit log.
#[tokio::test]
async fn publishing_requires_the_saved_suite_to_pass() {
    for db in testing::all().await {
        let app =
            spawn_configured(Arc::new(db), &[("SMSFLOW_PUBLISH_REQUIRES_TESTS", "true")]).await;
        // A change that would go live at once, untested, is refused: it goes through the draft.
        let direct = app
            .post("/workflows", &sales_workflow("Hello there! Which product?"))
            .send()
            .await
            .unwrap();
        let refused = problem(direct, StatusCode::CONFLICT).await;
        assert!(
            refused["detail"]
                .as_str()
                .unwrap()
                .contains("save it to the draft and publish the draft"),
            "{refused}"
        );
        // The workflows there were before the setting was turned on.
        let before: smsflow_core::WorkflowDraft =
            serde_json::from_value(sales_workflow("Hello there! Which product?")).unwrap();
        app.store
            .create_workflow(
                &before.validate().unwrap(),
                &smsflow_store::Author::api_key("setup"),
            )
            .await
            .unwrap();
        let missing = app.get("/workflows/tests").send().await.unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{}", app.label);

        // A draft with another greeting, and no suite yet: not published.
        save_draft(
            &app,
            None,
            json!([sales_workflow("Welcome! Which product?")]),
        )
        .await;
        let refused = problem(publish(&app, None).await, StatusCode::CONFLICT).await;
        assert!(
            refused["detail"]
                .as_str()
                .unwrap()
                .contains("none is saved"),
            "{refused}"
        );

        // A suite that does not parse is not saved.
        let bad = app
            .put("/workflows/tests", &json!({"yaml": "tests: [{name: x}]"}))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST, "{}", app.label);

        // The saved suite expects the old greeting: the draft fails it.
        let saved = app
            .put(
                "/workflows/tests",
                &json!({"yaml": sales_suite("Hello there")}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), StatusCode::OK, "{}", app.label);
        let loaded = app.get_json("/workflows/tests").await;
        assert_eq!(loaded["yaml"], sales_suite("Hello there"));
        assert!(loaded["author"].as_str().unwrap().starts_with("api key"));
        let run: Value = app
            .post("/workflows/tests/run", &json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (run["passed"].clone(), run["failed"].clone()),
            (json!(0), json!(1)),
            "{run}"
        );
        assert!(run["against"].as_str().unwrap().starts_with("the draft"));
        let refused = problem(publish(&app, None).await, StatusCode::CONFLICT).await;
        let detail = refused["detail"].as_str().unwrap();
        assert!(detail.contains("\"a lead is greeted\""), "{detail}");
        assert_eq!(live_names(&app).await.len(), 1);
        let live = app.get_json("/workflows").await;
        assert_eq!(
            live["items"][0]["steps"][0]["template"], "Hello there! Which product?",
            "{}",
            app.label
        );

        // The suite updated to the draft's greeting passes, and the draft is published.
        app.put(
            "/workflows/tests",
            &json!({"yaml": sales_suite("Welcome!")}),
        )
        .send()
        .await
        .unwrap();
        let published = publish(&app, None).await;
        assert_eq!(published.status(), StatusCode::CREATED, "{}", app.label);
        let live = app.get_json("/workflows").await;
        assert_eq!(
            live["items"][0]["steps"][0]["template"],
            "Welcome! Which product?"
        );

        // A rollback publishes too: the earlier version fails the suite, so it is refused.
        let earlier = app.get_json("/workflows/versions").await["items"][1]["number"]
            .as_i64()
            .unwrap();
        let rollback = app
            .post(
                &format!("/workflows/versions/{earlier}/rollback"),
                &json!({}),
            )
            .send()
            .await
            .unwrap();
        let refused = problem(rollback, StatusCode::CONFLICT).await;
        let detail = refused["detail"].as_str().unwrap();
        assert!(
            detail.contains(&format!("against version {earlier}"))
                && detail.contains("\"a lead is greeted\""),
            "{}: {detail}",
            app.label
        );
        let live = app.get_json("/workflows").await;
        assert_eq!(
            live["items"][0]["steps"][0]["template"],
            "Welcome! Which product?"
        );

        let log = app.get_json("/audit?subject=test_suite").await;
        let actions: Vec<&str> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["update", "create"], "{}", app.label);
        assert_eq!(log["items"][0]["after"], sales_suite("Welcome!"));
    }
}
