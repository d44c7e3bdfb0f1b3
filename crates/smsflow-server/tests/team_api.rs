//! The team's inbox work through the API, on SQLite and (when configured) PostgreSQL: users and
//! assignment, internal notes, take-over and hand-back recorded in the thread, canned replies
//! (create, read, change, fill in for a conversation, delete), and suggest mode's drafts (send as
//! drafted, send edited, discard; a draft that no longer waits is 404). Which key may call them is
//! checked with every other API route in tests/roles.rs.

mod common;

use common::{TestApp, apps, problem, problem_fields, text, turn_on_suggest_mode};
use reqwest::StatusCode;
use serde_json::{Value, json};
use smsflow_server::web::accounts;
use smsflow_store::{AdminCreation, Role};

const PHONE: &str = "+15551240001";

/// A workflow that answers every text, and the conversation of a first text from [`PHONE`].
async fn front_desk(app: &TestApp) -> String {
    app.create(json!({
        "name": "Front desk", "goal": "general_inquiry", "active": true,
        "response_template": "Thanks for your message, we will get back to you."
    }))
    .await;
    text(app, PHONE, "hello, is anyone there?").await["conversation_id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let body = response.bytes().await.unwrap();
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap()
    };
    (status, body)
}

fn delete(app: &TestApp, path: &str) -> reqwest::RequestBuilder {
    app.http.delete(app.url(path)).bearer_auth(&app.key)
}

/// The kinds and bodies of the conversation's notes, oldest first.
async fn notes(app: &TestApp, conversation: &str) -> Vec<(String, String)> {
    app.get_json(&format!("/conversations/{conversation}/notes"))
        .await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            assert!(
                n["author"].as_str().unwrap().starts_with("api key \"test-"),
                "{n}"
            );
            (
                n["kind"].as_str().unwrap().to_string(),
                n["body"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn assignment_notes_take_over_and_hand_back_through_the_api() {
    for app in apps().await {
        let conversation = front_desk(&app).await;
        let grace = accounts::create_admin(
            app.store.as_ref(),
            "grace@example.com",
            "correct horse battery staple",
            AdminCreation::Operator(Role::Agent),
        )
        .await
        .unwrap();
        let users = app.get_json("/users").await;
        assert_eq!(users["items"][0]["email"], "grace@example.com", "{users}");
        // The first account is the owner, whatever it was asked to be.
        assert_eq!(users["items"][0]["role"], "owner", "{users}");

        let assignee = format!("/conversations/{conversation}/assignee");
        assert_eq!(app.get_json(&assignee).await, json!({"assignee": null}));
        let (status, assigned) = send(app.put(&assignee, &json!({"user_id": grace.id}))).await;
        assert_eq!(status, StatusCode::OK, "{}: {assigned}", app.label);
        assert_eq!(assigned["assignee"]["email"], "grace@example.com");
        assert_eq!(app.get_json(&assignee).await, assigned);
        let nobody = uuid::Uuid::now_v7();
        let refused = app
            .put(&assignee, &json!({"user_id": nobody}))
            .send()
            .await
            .unwrap();
        let refused = problem(refused, StatusCode::BAD_REQUEST).await;
        assert_eq!(problem_fields(&refused), ["user_id"], "{refused}");
        assert_eq!(app.get_json(&assignee).await, assigned, "unchanged");
        let (_, unassigned) = send(app.put(&assignee, &json!({"user_id": null}))).await;
        assert_eq!(unassigned, json!({"assignee": null}));
        let missing = app
            .get(&format!("/conversations/{nobody}/assignee"))
            .send()
            .await
            .unwrap();
        problem(missing, StatusCode::NOT_FOUND).await;

        let path = format!("/conversations/{conversation}/notes");
        let (status, note) = send(app.post(&path, &json!({"body": " Called her back. "}))).await;
        assert_eq!(status, StatusCode::CREATED, "{}: {note}", app.label);
        assert_eq!(note["kind"], "note");
        assert_eq!(note["body"], "Called her back.");
        let empty = app
            .post(&path, &json!({"body": "  "}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem_fields(&problem(empty, StatusCode::BAD_REQUEST).await),
            ["body"]
        );
        let missing = app
            .post(
                &format!("/conversations/{nobody}/notes"),
                &json!({"body": "x"}),
            )
            .send()
            .await
            .unwrap();
        problem(missing, StatusCode::NOT_FOUND).await;

        // Take-over and hand-back: the agent falls silent, then answers again; the notes say so.
        let (status, taken) = send(app.post(
            &format!("/conversations/{conversation}/handoff"),
            &json!({}),
        ))
        .await;
        assert_eq!(status, StatusCode::OK, "{}: {taken}", app.label);
        assert_eq!(taken["status"], "human");
        let silent = text(&app, PHONE, "still there?").await;
        assert_eq!(silent["replies"], json!([]), "{}", app.label);
        let (_, resumed) =
            send(app.post(&format!("/conversations/{conversation}/resume"), &json!({}))).await;
        assert_eq!(resumed["status"], "agent");
        let answered = text(&app, PHONE, "one more question").await;
        assert_eq!(answered["replies"].as_array().unwrap().len(), 1);

        let kinds: Vec<(String, String)> = notes(&app, &conversation).await;
        let kinds: Vec<&str> = kinds.iter().map(|(kind, _)| kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["assigned", "assigned", "note", "took_over", "handed_back"],
            "{}",
            app.label
        );
        assert_eq!(
            notes(&app, &conversation).await[0].1,
            "assigned to grace@example.com"
        );
    }
}

#[tokio::test]
async fn canned_replies_are_kept_changed_filled_in_and_deleted_through_the_api() {
    for app in apps().await {
        let conversation = front_desk(&app).await;
        let (status, _) = send(
            app.http
                .patch(app.url(&format!("/contacts/{PHONE}")))
                .bearer_auth(&app.key)
                .json(&json!({"name": "Ana Ruiz"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}", app.label);

        let (status, hours) = send(app.post(
            "/canned-replies",
            &json!({"title": "Hours", "body": "Hi {{first_name}}, we open at 9."}),
        ))
        .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {hours}", app.label);
        let id = hours["id"].as_str().unwrap();
        let again = app
            .post(
                "/canned-replies",
                &json!({"title": "Hours", "body": "Other"}),
            )
            .send()
            .await
            .unwrap();
        let again = problem(again, StatusCode::CONFLICT).await;
        assert!(
            again["detail"]
                .as_str()
                .unwrap()
                .contains("choose another title"),
            "{again}"
        );
        let invalid = app
            .post("/canned-replies", &json!({"title": "", "body": " "}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem_fields(&problem(invalid, StatusCode::BAD_REQUEST).await),
            ["title", "body"]
        );
        assert_eq!(
            app.get_json("/canned-replies").await["items"],
            json!([hours])
        );
        assert_eq!(app.get_json(&format!("/canned-replies/{id}")).await, hours);

        let filled = app
            .get_json(&format!(
                "/conversations/{conversation}/canned-replies/{id}"
            ))
            .await;
        assert_eq!(
            filled,
            json!({"body": "Hi Ana, we open at 9."}),
            "{}",
            app.label
        );

        let (status, changed) = send(app.put(
            &format!("/canned-replies/{id}"),
            &json!({"title": "Opening hours", "body": "We open at {{missing}} 9, {{phone}}."}),
        ))
        .await;
        assert_eq!(status, StatusCode::OK, "{}: {changed}", app.label);
        assert_eq!(changed["title"], "Opening hours");
        assert_eq!(changed["created_at"], hours["created_at"]);
        let filled = app
            .get_json(&format!(
                "/conversations/{conversation}/canned-replies/{id}"
            ))
            .await;
        assert_eq!(filled["body"], format!("We open at 9, {PHONE}."));
        let (_, other) = send(app.post(
            "/canned-replies",
            &json!({"title": "Parking", "body": "Free parking behind the building."}),
        ))
        .await;
        let clash = app
            .put(
                &format!("/canned-replies/{}", other["id"].as_str().unwrap()),
                &json!({"title": "Opening hours", "body": "x"}),
            )
            .send()
            .await
            .unwrap();
        problem(clash, StatusCode::CONFLICT).await;

        let (status, _) = send(delete(&app, &format!("/canned-replies/{id}"))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        for path in [
            format!("/canned-replies/{id}"),
            format!("/conversations/{conversation}/canned-replies/{id}"),
        ] {
            let gone = app.get(&path).send().await.unwrap();
            problem(gone, StatusCode::NOT_FOUND).await;
        }
        let gone = delete(&app, &format!("/canned-replies/{id}"))
            .send()
            .await
            .unwrap();
        problem(gone, StatusCode::NOT_FOUND).await;
        assert_eq!(
            app.get_json("/canned-replies").await["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
}

/// Turns suggest mode on for the default agent.
/// Texts [`PHONE`] and returns the conversation and the agent's drafted reply.
async fn drafted(app: &TestApp, body: &str) -> (String, String) {
    let answer = text(app, PHONE, body).await;
    let reply = &answer["replies"][0];
    assert_eq!(reply["status"], "draft", "{}: {answer}", app.label);
    (
        answer["conversation_id"].as_str().unwrap().to_string(),
        reply["id"].as_str().unwrap().to_string(),
    )
}

async fn message(app: &TestApp, conversation: &str, id: &str) -> Option<Value> {
    app.get_json(&format!("/conversations/{conversation}"))
        .await["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .cloned()
}

#[tokio::test]
async fn suggest_mode_drafts_are_sent_edited_or_discarded_through_the_api() {
    for app in apps().await {
        app.create(json!({
            "name": "Front desk", "goal": "general_inquiry", "active": true,
            "response_template": "Thanks for your message, we will get back to you."
        }))
        .await;
        turn_on_suggest_mode(app.store.as_ref()).await;

        // As drafted.
        let (conversation, draft) = drafted(&app, "Do you take new patients?").await;
        let send_path = |draft: &str| format!("/conversations/{conversation}/drafts/{draft}/send");
        let (status, sent) = send(app.post(&send_path(&draft), &json!({}))).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{}: {sent}", app.label);
        assert_eq!(sent["id"], draft.as_str());
        assert_eq!(sent["author"], "agent");
        assert_eq!(
            sent["body"],
            "Thanks for your message, we will get back to you."
        );
        assert_ne!(sent["status"], "draft");
        let twice = app
            .post(&send_path(&draft), &json!({}))
            .send()
            .await
            .unwrap();
        let twice = problem(twice, StatusCode::NOT_FOUND).await;
        assert!(
            twice["detail"]
                .as_str()
                .unwrap()
                .contains("is not waiting in this conversation"),
            "{twice}"
        );

        // Edited: the person's words go out, as theirs; an empty edit is refused.
        let (_, draft) = drafted(&app, "And on Saturdays?").await;
        let empty = app
            .post(&send_path(&draft), &json!({"body": " "}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem_fields(&problem(empty, StatusCode::BAD_REQUEST).await),
            ["body"]
        );
        assert_eq!(
            message(&app, &conversation, &draft).await.unwrap()["status"],
            "draft",
            "nothing left"
        );
        let (status, edited) = send(app.post(
            &send_path(&draft),
            &json!({"body": "Yes, Saturdays 9 to 1."}),
        ))
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{}: {edited}", app.label);
        assert_eq!(edited["body"], "Yes, Saturdays 9 to 1.");
        assert_eq!(edited["author"], "human");

        // Discarded: gone, nothing sent; a draft of another conversation is not this one's.
        let (_, draft) = drafted(&app, "Is there parking?").await;
        let other = text(&app, "+15551240002", "hello").await;
        let elsewhere = app
            .post(
                &format!(
                    "/conversations/{}/drafts/{draft}/discard",
                    other["conversation_id"].as_str().unwrap()
                ),
                &json!({}),
            )
            .send()
            .await
            .unwrap();
        problem(elsewhere, StatusCode::NOT_FOUND).await;
        let discard = format!("/conversations/{conversation}/drafts/{draft}/discard");
        let (status, _) = send(app.post(&discard, &json!({}))).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{}", app.label);
        assert!(message(&app, &conversation, &draft).await.is_none());
        let again = app.post(&discard, &json!({})).send().await.unwrap();
        problem(again, StatusCode::NOT_FOUND).await;
        let sent = app
            .post(&send_path(&draft), &json!({}))
            .send()
            .await
            .unwrap();
        problem(sent, StatusCode::NOT_FOUND).await;
    }
}
