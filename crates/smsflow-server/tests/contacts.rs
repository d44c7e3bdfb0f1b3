//! Memory across workflows and typed fields, through the HTTP API on both databases: what a person
//! told one workflow is not asked again by the next, the contact is listed, searched and edited at
//! `/api/v1/contacts`, and an invalid value is asked for again saying what was wrong.

mod common;

use common::{TestApp, apps, problem, problem_fields, reply, text};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn patch(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.http
        .patch(app.url(path))
        .bearer_auth(&app.key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_second_workflow_knows_what_the_first_was_told() {
    for app in apps().await {
        app.create(json!({
            "name": "Leads", "goal": "lead_capture", "priority": 20, "active": true,
            "keywords": ["pricing"],
            "steps": [
                {"type": "extract_information", "fields": "name,email,company"},
                {"type": "save_to_database", "table": "leads"}
            ]
        }))
        .await;
        app.create(json!({
            "name": "Support", "goal": "help_desk_support", "priority": 10, "active": true,
            "keywords": ["broken"],
            "steps": [
                {"type": "extract_information", "fields": "name,email,phone"},
                {"type": "create_support_ticket", "priority": "high"}
            ]
        }))
        .await;
        let dana = "+14155550111";
        text(&app, dana, "hi, pricing please").await;
        text(&app, dana, "I'm Dana from Blue Fin Sushi").await;
        let done = text(&app, dana, "dana@bluefin.example").await;
        assert_eq!(
            done["inbound"]["explanation"]["agent"]["completed"], true,
            "{}",
            app.label
        );

        // Another workflow takes over: name, email and phone are known, the ticket is opened at once.
        let support = text(&app, dana, "my freezer is broken").await;
        let agent = &support["inbound"]["explanation"]["agent"];
        assert_eq!(
            agent["asked_for"],
            json!([]),
            "{}: {}",
            app.label,
            reply(&support)
        );
        assert_eq!(agent["fields"]["email"], "dana@bluefin.example");
        assert_eq!(agent["fields"]["phone"], dana, "their number is the phone");
        let tickets = app.get_json("/tickets").await;
        assert_eq!(
            tickets["items"][0]["fields"]["name"], "Dana",
            "{}",
            app.label
        );
        assert_eq!(tickets["items"][0]["fields"]["company"], "Blue Fin Sushi");

        let contact = app.get_json(&format!("/contacts/{dana}")).await;
        assert_eq!(contact["name"], "Dana", "{}", app.label);
        assert_eq!(contact["email"], "dana@bluefin.example");
        assert_eq!(contact["company"], "Blue Fin Sushi");
        assert_eq!(contact["opted_out"], false);

        let listed = app.get_json("/contacts?search=blue%20fin").await;
        assert_eq!(
            listed["items"].as_array().unwrap().len(),
            1,
            "{}",
            app.label
        );
        let none = app.get_json("/contacts?search=nobody").await;
        assert!(none["items"].as_array().unwrap().is_empty());

        let edited = patch(
            &app,
            &format!("/contacts/{dana}"),
            json!({"email": "Dana@NewFin.example", "fields": {"budget": "2000"}}),
        )
        .await;
        assert_eq!(edited.status(), StatusCode::OK, "{}", app.label);
        let edited: Value = edited.json().await.unwrap();
        assert_eq!(
            edited["email"], "dana@newfin.example",
            "checked and lower-cased"
        );
        assert_eq!(edited["fields"], json!({"budget": "2000"}));

        let invalid = patch(
            &app,
            &format!("/contacts/{dana}"),
            json!({"email": "dana@gmail", "language": "Spanish", "fields": {"name": "x"}}),
        )
        .await;
        let body = problem(invalid, StatusCode::BAD_REQUEST).await;
        assert_eq!(problem_fields(&body), ["email", "language", "fields.name"]);
        let unknown = patch(&app, "/contacts/+19990000000", json!({"name": "Zed"})).await;
        problem(unknown, StatusCode::NOT_FOUND).await;
        let bad_cursor = app.get("/contacts?cursor=nope").send().await.unwrap();
        problem(bad_cursor, StatusCode::BAD_REQUEST).await;
    }
}

#[tokio::test]
async fn an_invalid_value_is_asked_again_with_the_reason_and_a_correction_replaces_it() {
    for app in apps().await {
        app.create(json!({
            "name": "Bookings", "goal": "appointment_booking", "active": true,
            "keywords": ["book"],
            "steps": [
                {"type": "extract_information", "fields": [
                    "email", {"name": "guests", "type": "number"}
                ], "reasks": 2},
                {"type": "save_to_database", "table": "bookings"}
            ]
        }))
        .await;
        let from = "+14155550133";
        text(&app, from, "I'd like to book a table").await;
        let wrong = text(&app, from, "sam@gmail").await;
        assert!(
            reply(&wrong)
                .starts_with("That email address, sam@gmail, seems to be missing its ending"),
            "{}: {}",
            app.label,
            reply(&wrong)
        );
        assert_eq!(
            wrong["inbound"]["explanation"]["agent"]["invalid"]["email"],
            "That email address, sam@gmail, seems to be missing its ending (like name@example.com)."
        );
        text(&app, from, "sam@gmail.com").await;
        let corrected = text(&app, from, "actually use sam@yahoo.com, and we're 4").await;
        assert_eq!(
            corrected["inbound"]["explanation"]["agent"]["fields"]["email"], "sam@yahoo.com",
            "{}",
            app.label
        );
        let records = app.get_json("/collections/bookings/records").await;
        assert_eq!(
            records["items"][0]["fields"]["guests"], "4",
            "{}",
            app.label
        );
        assert_eq!(records["items"][0]["fields"]["email"], "sam@yahoo.com");
    }
}
