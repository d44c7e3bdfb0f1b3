//! The REST API end to end: a real server on a random loopback port, against a fresh SQLite file and
//! (when configured) a fresh PostgreSQL database, driven over HTTP.

mod common;

use common::{TestApp, apps, problem, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};
use smsflow_store::testing;

fn lead_capture() -> Value {
    json!({
        "name": "Lead capture", "goal": "lead_capture", "priority": 20, "active": true,
        "keywords": ["ballpark"], "context": "You are a helpful sales assistant.",
        "response_template": "Thanks for your interest!",
        "steps": [
            {"type": "extract_information", "fields": "name,email,phone,company"},
            {"type": "send_response", "template": "Thanks {{name}}! What size is your team?"},
            {"type": "book_appointment", "link": "https://calendly.com/acme/intro"},
            {"type": "save_to_database", "table": "leads"}
        ]
    })
}

#[tokio::test]
async fn every_api_route_needs_a_valid_key() {
    for app in apps().await {
        for path in ["/workflows", "/openapi.json", "/no-such-route"] {
            let missing = app.http.get(app.url(path)).send().await.unwrap();
            assert_eq!(missing.headers()["www-authenticate"], "Bearer");
            problem(missing, StatusCode::UNAUTHORIZED).await;
            let wrong = app
                .http
                .get(app.url(path))
                .bearer_auth("sfk_not-a-key")
                .send()
                .await
                .unwrap();
            problem(wrong, StatusCode::UNAUTHORIZED).await;
        }
        let unauthorised_write = app
            .http
            .post(app.url("/workflows"))
            .json(&lead_capture())
            .send()
            .await
            .unwrap();
        problem(unauthorised_write, StatusCode::UNAUTHORIZED).await;
        let listed: Value = app.get_json("/workflows").await;
        assert_eq!(
            listed["total"], 0,
            "{}: the refused write stored nothing",
            app.label
        );
        let unknown = app.get("/no-such-route").send().await.unwrap();
        problem(unknown, StatusCode::NOT_FOUND).await;
    }
}

#[tokio::test]
async fn workflows_are_created_read_and_deleted() {
    for app in apps().await {
        let response = app
            .post("/workflows", &lead_capture())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()["etag"], "\"1\"");
        let location = response.headers()["location"].to_str().unwrap().to_string();
        let created: Value = response.json().await.unwrap();
        assert_eq!(
            location,
            format!("/api/v1/workflows/{}", created["id"].as_str().unwrap())
        );
        assert_eq!(created["version"], 1);
        assert_eq!(
            created["steps"][0],
            json!({"type": "extract_information", "fields": ["name", "email", "phone", "company"]})
        );

        let path = location.trim_start_matches("/api/v1").to_string();
        let fetched = app.get(&path).send().await.unwrap();
        assert_eq!(fetched.headers()["etag"], "\"1\"");
        assert_eq!(fetched.json::<Value>().await.unwrap(), created);

        let duplicate = app
            .post(
                "/workflows",
                &json!({"name": "LEAD CAPTURE", "goal": "sales_inquiry"}),
            )
            .send()
            .await
            .unwrap();
        let body = problem(duplicate, StatusCode::CONFLICT).await;
        assert_eq!(body["code"], "conflict");

        let deleted = app
            .http
            .delete(app.url(&path))
            .bearer_auth(&app.key)
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        problem(app.get(&path).send().await.unwrap(), StatusCode::NOT_FOUND).await;
        problem(
            app.get("/workflows/not-a-uuid").send().await.unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
        let gone = app
            .http
            .delete(app.url(&path))
            .bearer_auth(&app.key)
            .send()
            .await
            .unwrap();
        problem(gone, StatusCode::NOT_FOUND).await;
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_every_problem_named() {
    for app in apps().await {
        let invalid = json!({
            "goal": "sales",
            "steps": [
                {"type": "extract_information", "fields": "name,name"},
                {"type": "book_appointment", "link": "calendly.com/acme"},
                {"type": "save_to_database", "table": "leads; drop table workflows"}
            ]
        });
        let body = problem(
            app.post("/workflows", &invalid).send().await.unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(body["code"], "validation_failed");
        let fields = common::problem_fields(&body);
        assert_eq!(
            fields,
            [
                "name",
                "goal",
                "steps[0].fields",
                "steps[1].link",
                "steps[2].table"
            ]
        );
        assert!(
            body["problems"][3]["message"]
                .as_str()
                .unwrap()
                .starts_with("must be an absolute http(s) URL")
        );

        let unknown_field = app
            .post(
                "/workflows",
                &json!({"name": "x", "goal": "lead_capture", "colour": "red"}),
            )
            .send()
            .await
            .unwrap();
        let body = problem(unknown_field, StatusCode::BAD_REQUEST).await;
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("unknown field `colour`"),
            "{body}"
        );

        let wrong_type = app
            .post(
                "/workflows",
                &json!({"name": "x", "goal": "lead_capture", "priority": "high"}),
            )
            .send()
            .await
            .unwrap();
        let body = problem(wrong_type, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["problems"][0]["field"], "priority");

        let not_json = app
            .http
            .post(app.url("/workflows"))
            .bearer_auth(&app.key)
            .body("name=x")
            .send()
            .await
            .unwrap();
        problem(not_json, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
        let broken_json = app
            .http
            .post(app.url("/workflows"))
            .bearer_auth(&app.key)
            .header("content-type", "application/json")
            .body("{\"name\": ")
            .send()
            .await
            .unwrap();
        problem(broken_json, StatusCode::BAD_REQUEST).await;

        let huge = json!({"name": "x", "goal": "lead_capture", "context": "x".repeat(300 * 1024)});
        let body = problem(
            app.post("/workflows", &huge).send().await.unwrap(),
            StatusCode::PAYLOAD_TOO_LARGE,
        )
        .await;
        assert_eq!(body["code"], "payload_too_large");

        let listed: Value = app.get_json("/workflows").await;
        assert_eq!(
            listed["total"], 0,
            "{}: nothing invalid was stored",
            app.label
        );
    }
}

#[tokio::test]
async fn stale_updates_are_refused_never_silently_applied() {
    for app in apps().await {
        let created = app.create(lead_capture()).await;
        let path = format!("/workflows/{}", created["id"].as_str().unwrap());
        let mut changed = lead_capture();
        changed["priority"] = json!(25);

        let no_precondition = app.put(&path, &changed).send().await.unwrap();
        problem(no_precondition, StatusCode::PRECONDITION_REQUIRED).await;

        let ok = app
            .put(&path, &changed)
            .header("if-match", "\"1\"")
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()["etag"], "\"2\"");
        assert_eq!(ok.json::<Value>().await.unwrap()["priority"], 25);

        let stale_header = app
            .put(&path, &lead_capture())
            .header("if-match", "\"1\"")
            .send()
            .await
            .unwrap();
        let body = problem(stale_header, StatusCode::PRECONDITION_FAILED).await;
        assert_eq!(body["current_version"], 2);

        let mut stale_body = lead_capture();
        stale_body["version"] = json!(1);
        let body = problem(
            app.put(&path, &stale_body).send().await.unwrap(),
            StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(body["code"], "version_conflict");

        // A fetched workflow can be sent back as it is, with its version.
        let mut fetched: Value = app.get_json(&path).await;
        fetched["context"] = json!("New context");
        let round_trip = app.put(&path, &fetched).send().await.unwrap();
        assert_eq!(
            round_trip.status(),
            StatusCode::OK,
            "{:?}",
            round_trip.text().await
        );

        let patched = app.http.patch(app.url(&path)).bearer_auth(&app.key)
            .json(&json!({"version": 3, "active": false, "response_template": null, "keywords": ["estimate", "franchise"]}))
            .send().await.unwrap();
        assert_eq!(patched.status(), StatusCode::OK);
        let patched: Value = patched.json().await.unwrap();
        assert_eq!(
            (patched["version"].as_i64(), patched["active"].as_bool()),
            (Some(4), Some(false))
        );
        assert_eq!(patched["response_template"], Value::Null);
        assert_eq!(
            patched["context"], "New context",
            "fields not in the patch are kept"
        );
        assert_eq!(patched["steps"].as_array().unwrap().len(), 4);

        let invalid_patch = app
            .http
            .patch(app.url(&path))
            .bearer_auth(&app.key)
            .header("if-match", "\"4\"")
            .json(&json!({"goal": "nope"}))
            .send()
            .await
            .unwrap();
        let body = problem(invalid_patch, StatusCode::BAD_REQUEST).await;
        assert_eq!(body["problems"][0]["field"], "goal");

        let stale_delete = app
            .http
            .delete(app.url(&path))
            .bearer_auth(&app.key)
            .header("if-match", "\"1\"")
            .send()
            .await
            .unwrap();
        problem(stale_delete, StatusCode::PRECONDITION_FAILED).await;
        let missing = app
            .put("/workflows/0195f2a4-0000-7000-8000-000000000000", &changed)
            .header("if-match", "\"1\"")
            .send()
            .await
            .unwrap();
        problem(missing, StatusCode::NOT_FOUND).await;
    }
}

#[tokio::test]
async fn activation_and_listing_with_filters_and_pages() {
    for app in apps().await {
        let created = app
            .create(json!({"name": "Support", "goal": "help_desk_support", "priority": 30}))
            .await;
        assert_eq!(created["active"], false, "workflows start inactive");
        let id = created["id"].as_str().unwrap();
        let activated = app
            .post(&format!("/workflows/{id}/activate"), &json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(activated.status(), StatusCode::OK);
        assert_eq!(activated.json::<Value>().await.unwrap()["active"], true);
        for (name, goal, priority) in [
            ("Fallback", "general_inquiry", 0),
            ("Leads", "lead_capture", 20),
            ("Sales", "sales_inquiry", 20),
        ] {
            app.create(json!({"name": name, "goal": goal, "priority": priority, "active": true}))
                .await;
        }
        let deactivated = app
            .http
            .post(app.url(&format!("/workflows/{id}/deactivate")))
            .bearer_auth(&app.key)
            .send()
            .await
            .unwrap();
        assert_eq!(deactivated.json::<Value>().await.unwrap()["active"], false);

        let mut names = Vec::new();
        let mut next = "/workflows?limit=3".to_string();
        loop {
            let page: Value = app.get_json(&next).await;
            assert_eq!(page["total"], 4);
            names.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|w| w["name"].as_str().unwrap().to_string()),
            );
            match page["next_cursor"].as_str() {
                Some(cursor) => next = format!("/workflows?limit=3&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(
            names,
            ["Support", "Leads", "Sales", "Fallback"],
            "{}",
            app.label
        );

        let inactive: Value = app.get_json("/workflows?active=false").await;
        assert_eq!(inactive["items"][0]["name"], "Support");
        let by_goal: Value = app.get_json("/workflows?goal=lead_capture&q=LEA").await;
        assert_eq!(by_goal["total"], 1);
        let bad_goal = problem(
            app.get("/workflows?goal=sales").send().await.unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(bad_goal["problems"][0]["field"], "query.goal");
        problem(
            app.get("/workflows?limit=0").send().await.unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
        problem(
            app.get("/workflows?cursor=garbage").send().await.unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
        problem(
            app.get("/workflows?sort=name").send().await.unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
}

#[tokio::test]
async fn the_test_endpoint_explains_every_candidate() {
    for app in apps().await {
        app.create(lead_capture()).await;
        app.create(json!({"name": "Support", "goal": "help_desk_support", "priority": 30, "active": false})).await;
        app.create(json!({"name": "Fallback", "goal": "general_inquiry", "active": true}))
            .await;

        let answer: Value = app
            .post(
                "/workflows/test",
                &json!({"message": "I need help with a quote", "from": "+15550001111"}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["matched"]["workflow"], "Lead capture", "{answer:#}");
        let candidates = answer["candidates"].as_array().unwrap();
        assert_eq!(candidates.len(), 3);
        assert_eq!(candidates[0]["workflow"], "Support");
        assert!(
            candidates[0]["reason"]
                .as_str()
                .unwrap()
                .starts_with("inactive")
        );
        assert_eq!(
            candidates[1]["signal"],
            json!({"kind": "keyword", "keyword": "quote", "from": "goal"})
        );
        assert!(
            candidates[2]["reason"]
                .as_str()
                .unwrap()
                .contains("lost to \"Lead capture\"")
        );

        let with_inactive: Value = app
            .post(
                "/workflows/test",
                &json!({"message": "I need help with a quote", "include_inactive": true}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(with_inactive["matched"]["workflow"], "Support");

        let body = problem(
            app.post("/workflows/test", &json!({"message": " ", "from": "555"}))
                .send()
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
        let fields = common::problem_fields(&body);
        assert_eq!(fields, ["message", "from"]);
    }
}

#[tokio::test]
async fn an_unsaved_draft_is_tested_in_place_of_the_saved_workflow() {
    for app in apps().await {
        let saved = app.create(lead_capture()).await;
        app.create(json!({"name": "Fallback", "goal": "general_inquiry", "active": true}))
            .await;
        let app = &app;
        let test = |body: Value| async move {
            let response = app.post("/workflows/test", &body).send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        };
        let (_, before) = test(json!({"message": "do you take Delta Dental?"})).await;
        assert_eq!(before["matched"]["workflow"], "Fallback", "{before:#}");

        // The same workflow with a keyword it does not have yet, and a built-in one turned off.
        let mut draft = lead_capture();
        draft["id"] = saved["id"].clone();
        draft["keywords"] = json!(["dental"]);
        draft["disabled_keywords"] = json!(["quote"]);
        draft["sensitivity"] = json!("strict");
        let (status, with_draft) =
            test(json!({"message": "do you take Delta Dental?", "draft": draft})).await;
        assert_eq!(status, StatusCode::OK, "{with_draft:#}");
        assert_eq!(with_draft["matched"]["id"], saved["id"], "{with_draft:#}");
        assert_eq!(
            with_draft["candidates"].as_array().unwrap().len(),
            2,
            "replaced, not added"
        );
        let (_, quote) = test(json!({"message": "a quote please", "draft": draft})).await;
        assert_eq!(quote["matched"]["workflow"], "Fallback", "{quote:#}");
        let stored: Value = app
            .get_json(&format!("/workflows/{}", saved["id"].as_str().unwrap()))
            .await;
        assert_eq!(stored["keywords"], json!(["ballpark"]), "nothing was saved");

        // Without an id the draft is added; its problems are reported under draft.
        let (_, added) = test(json!({"message": "zebra", "draft": {"name": "Zebras", "goal": "sales_inquiry", "active": true, "keywords": ["zebra"]}})).await;
        assert_eq!(added["matched"]["workflow"], "Zebras", "{added:#}");
        assert_eq!(added["candidates"].as_array().unwrap().len(), 3);
        let (status, invalid) = test(json!({"message": "hi", "draft": {"name": "X", "goal": "lead_capture", "sensitivity": "loose", "disabled_keywords": ["late"]}})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{invalid:#}");
        assert_eq!(
            common::problem_fields(&invalid),
            ["draft.sensitivity", "draft.disabled_keywords[0]"]
        );
    }
}

#[tokio::test]
async fn goals_list_their_built_in_keywords_and_examples() {
    let app = spawn_app(std::sync::Arc::new(testing::sqlite())).await;
    let goals: Value = app.get_json("/goals").await;
    let goals = goals.as_array().unwrap();
    assert_eq!(goals.len(), 5);
    let support = goals
        .iter()
        .find(|goal| goal["goal"] == "help_desk_support")
        .unwrap();
    assert_eq!(support["label"], "Help Desk Support");
    for keyword in ["support", "help", "issue", "problem"] {
        assert!(
            support["builtin_keywords"]
                .as_array()
                .unwrap()
                .contains(&json!(keyword))
        );
    }
    assert!(
        support["optional_keywords"]
            .as_array()
            .unwrap()
            .contains(&json!("late"))
    );
    assert!(
        !support["builtin_keywords"]
            .as_array()
            .unwrap()
            .contains(&json!("late"))
    );
    assert!(support["builtin_examples"].as_array().unwrap().len() > 20);
}

/// Two smsflow processes on one database: a change made through one is seen by the other.
#[tokio::test]
async fn two_servers_on_one_database_see_each_others_changes() {
    for db in testing::all().await {
        let db = std::sync::Arc::new(db);
        let (first, second) = (spawn_app(db.clone()).await, spawn_app(db.clone()).await);
        let test = |app: &TestApp| {
            app.post("/workflows/test", &json!({"message": "pricing please"}))
                .send()
        };
        let before: Value = test(&second).await.unwrap().json().await.unwrap();
        assert_eq!(before["matched"], Value::Null);
        let created = first
            .create(json!({"name": "Leads", "goal": "lead_capture", "active": true}))
            .await;
        let after: Value = test(&second).await.unwrap().json().await.unwrap();
        assert_eq!(after["matched"]["id"], created["id"], "{}", db.label);

        let id = created["id"].as_str().unwrap();
        let mut draft =
            json!({"name": "Leads", "goal": "lead_capture", "active": true, "priority": 1});
        let first_write = first
            .put(&format!("/workflows/{id}"), &draft)
            .header("if-match", "\"1\"")
            .send()
            .await
            .unwrap();
        assert_eq!(first_write.status(), StatusCode::OK);
        draft["priority"] = json!(2);
        let second_write = second
            .put(&format!("/workflows/{id}"), &draft)
            .header("if-match", "\"1\"")
            .send()
            .await
            .unwrap();
        problem(second_write, StatusCode::PRECONDITION_FAILED).await;
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let app = spawn_app(std::sync::Arc::new(testing::sqlite())).await;
    let document: Value = app.get_json("/openapi.json").await;
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    let expected = [
        ("/workflows", "get"),
        ("/workflows", "post"),
        ("/workflows/{id}", "get"),
        ("/workflows/{id}", "put"),
        ("/workflows/{id}", "patch"),
        ("/workflows/{id}", "delete"),
        ("/workflows/{id}/activate", "post"),
        ("/workflows/{id}/deactivate", "post"),
        ("/workflows/{id}/follow-up", "get"),
        ("/workflows/{id}/follow-up", "put"),
        ("/workflows/{id}/follow-up", "delete"),
        ("/workflows/test", "post"),
        ("/goals", "get"),
        ("/workflows/draft", "get"),
        ("/workflows/draft", "put"),
        ("/workflows/draft", "delete"),
        ("/workflows/draft/publish", "post"),
        ("/workflows/versions", "get"),
        ("/workflows/versions/{number}", "get"),
        ("/workflows/versions/{number}/rollback", "post"),
        ("/workflows/tests", "get"),
        ("/workflows/tests", "put"),
        ("/workflows/tests/run", "post"),
        ("/workflows/replays", "post"),
        ("/workflows/replays/{id}", "get"),
        ("/conversations", "get"),
        ("/conversations/{id}", "get"),
        ("/conversations/{id}/messages", "post"),
        ("/conversations/{id}/handoff", "post"),
        ("/conversations/{id}/resume", "post"),
        ("/messages/send", "post"),
        ("/simulator/messages", "post"),
        ("/opt-outs", "get"),
        ("/opt-outs.csv", "get"),
        ("/tickets", "get"),
        ("/tickets/{id}", "get"),
        ("/tickets/{id}", "patch"),
        ("/collections/{table}/records", "get"),
        ("/collections/{table}/records.csv", "get"),
        ("/contacts", "get"),
        ("/contacts/{number}", "get"),
        ("/contacts/{number}", "patch"),
        ("/agents", "get"),
        ("/agents", "post"),
        ("/agents/{id}", "get"),
        ("/agents/{id}", "put"),
        ("/agents/{id}", "delete"),
        ("/routing-rules", "get"),
        ("/routing-rules", "post"),
        ("/routing-rules/{id}", "delete"),
        ("/routing-rules/{id}", "put"),
        ("/analytics/workflows", "get"),
        ("/analytics/workflows/{id}", "get"),
        ("/audit", "get"),
    ];
    let paths = document["paths"].as_object().unwrap();
    let mut documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (path.clone(), method.clone()))
        })
        .collect();
    documented.sort();
    let mut wanted: Vec<(String, String)> = expected
        .iter()
        .map(|(p, m)| (p.to_string(), m.to_string()))
        .collect();
    wanted.sort();
    assert_eq!(documented, wanted);
    // Every documented route is really served (anything but 404/405 with a valid key).
    for (path, method) in &documented {
        let url = app.url(&path.replace("{id}", "0195f2a4-0000-7000-8000-000000000000"));
        let response = app
            .http
            .request(method.to_uppercase().parse().unwrap(), url)
            .bearer_auth(&app.key)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        let body = response.text().await.unwrap();
        assert!(
            !body.contains("no such API route"),
            "{method} {path} is documented but not routed"
        );
    }
    assert!(document["components"]["securitySchemes"]["api_key"].is_object());
    assert!(document["components"]["schemas"]["Workflow"].is_object());
}

/// What Schemathesis checks in CI (tests/e2e/contract_e2e.py), pinned here for the known findings:
/// errors are documented as the `application/problem+json` the server sends, every body-taking
/// operation documents 415 (what a missing body gets), `If-Match` is a documented header, and `limit`
/// documents the range the server accepts.
#[tokio::test]
async fn the_openapi_document_declares_errors_as_the_server_sends_them() {
    let app = spawn_app(std::sync::Arc::new(testing::sqlite())).await;
    let document: Value = app.get_json("/openapi.json").await;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            for (status, response) in responses {
                let content = response["content"].as_object();
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        content.is_none_or(|c| !c.contains_key("application/json")),
                        "{method} {path} {status} documents an error as application/json"
                    );
                }
            }
            assert!(responses.contains_key("401"), "{method} {path} lacks 401");
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} takes a body but does not document {status}"
                    );
                }
            }
        }
    }
    for method in ["put", "patch", "delete"] {
        let parameters = document["paths"]["/workflows/{id}"][method]["parameters"]
            .as_array()
            .unwrap();
        assert!(
            parameters
                .iter()
                .any(|p| p["name"] == "If-Match" && p["in"] == "header"),
            "{method} /workflows/{{id}} does not document If-Match"
        );
    }
    let limit = document["paths"]["/workflows"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["maximum"], 200);

    // And the server does what the document says: a missing body is a 415 problem document.
    let response = app
        .http
        .post(app.url("/workflows"))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}

#[tokio::test]
async fn health_needs_no_key() {
    let app = spawn_app(std::sync::Arc::new(testing::sqlite())).await;
    let health: Value = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"], "sqlite");
    // No model in this app: it says it matches on keywords only.
    assert_eq!(health["matching"], "keywords");
    assert_eq!(health["model"], json!({"state": "off"}));
}

#[tokio::test]
async fn with_the_model_the_test_endpoint_matches_by_meaning_and_says_so() {
    let Some(semantic) = common::semantic() else {
        return;
    };
    let app = common::spawn_semantic(std::sync::Arc::new(testing::sqlite()), semantic).await;
    let health: Value = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["matching"], "keywords+semantic");
    assert_eq!(health["model"]["state"], "ready");

    let created = app
        .post(
            "/workflows",
            &json!({
                "name": "Pool care", "goal": "help_desk_support", "priority": 10, "active": true,
                "examples": ["the pool water turned green"]
            }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let stored: Value = created.json().await.unwrap();
    assert_eq!(stored["examples"], json!(["the pool water turned green"]));
    app.post(
        "/workflows",
        &json!({"name": "Everything else", "goal": "general_inquiry", "active": true}),
    )
    .send()
    .await
    .unwrap();

    let answer: Value = app
        .post(
            "/workflows/test",
            &json!({"message": "our swimming pool has gone all green and cloudy"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["matched"]["workflow"], "Pool care", "{answer:#}");
    let signal = &answer["candidates"][0]["signal"];
    assert_eq!(signal["kind"], "semantic", "{answer:#}");
    assert_eq!(signal["from"], "workflow");
    assert_eq!(signal["example"], "the pool water turned green");
    assert!(signal["probability"].as_f64().unwrap() >= signal["cutoff"].as_f64().unwrap());
}

#[tokio::test]
async fn templates_may_have_a_text_per_language_and_a_plain_one_still_reads() {
    for app in apps().await {
        let created = app
            .create(json!({
                "name": "Leads", "goal": "lead_capture", "active": true,
                "response_template": {"en": "Thanks for your interest!", "es": "¡Gracias por su interés!"},
                "steps": [
                    {"type": "send_response", "template": "Someone will follow up."},
                    {"type": "send_response", "template": {"en": "Bye {{name}}!", "es": "¡Adiós, {{name}}!"}}
                ]
            }))
            .await;
        assert_eq!(
            created["response_template"],
            json!({"en": "Thanks for your interest!", "es": "¡Gracias por su interés!"})
        );
        let id = created["id"].as_str().unwrap();
        let fetched: Value = app.get_json(&format!("/workflows/{id}")).await;
        assert_eq!(fetched["steps"][0]["template"], "Someone will follow up.");
        assert_eq!(
            fetched["steps"][1]["template"],
            json!({"en": "Bye {{name}}!", "es": "¡Adiós, {{name}}!"}),
            "{}",
            app.label
        );

        let invalid = json!({
            "name": "Bad", "goal": "lead_capture",
            "response_template": {"fr": "Merci !", "es": "Hola {{name"},
            "steps": [{"type": "send_response", "template": {"es": "  "}}]
        });
        let body = problem(
            app.post("/workflows", &invalid).send().await.unwrap(),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(
            common::problem_fields(&body),
            [
                "response_template.es",
                "response_template.fr",
                "steps[0].template"
            ],
            "{}",
            app.label
        );
    }
}
