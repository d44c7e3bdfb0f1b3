//! Bad input at every entry point, on SQLite and PostgreSQL alike (issue 15): NUL bytes and invalid
//! UTF-8, junk sender identifiers, and senders a reply cannot reach. A gateway's text is repaired
//! and stored (a retry could never succeed, so refusing it would lose it); what a person typed is
//! refused with 400, naming the field.

mod common;

use common::browser::{self, form};
use common::{
    Sent, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TestApp, problem, signed_form, spawn_configured,
    twilio_standin,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use smsflow_store::testing;
use std::sync::Arc;

const OUR_NUMBER: &str = "+15559870000";
const KANNEL_SECRET: &str = "kannel-test-secret";

/// An app with Twilio (answered by a stand-in) and Kannel (whose sendsms nobody answers), plus
/// one catch-all workflow so every text that may be answered is.
async fn gateway_apps(extra: &[(&str, &str)]) -> Vec<(TestApp, Sent)> {
    let mut apps = Vec::new();
    for db in testing::all().await {
        let (api_base, sent) = twilio_standin().await;
        let mut env = vec![
            ("SMSFLOW_TWILIO_ACCOUNT_SID", TWILIO_ACCOUNT_SID),
            ("SMSFLOW_TWILIO_AUTH_TOKEN", TWILIO_AUTH_TOKEN),
            ("SMSFLOW_TWILIO_API_BASE", api_base.as_str()),
            (
                "SMSFLOW_KANNEL_SENDSMS_URL",
                "http://127.0.0.1:9/cgi-bin/sendsms",
            ),
            ("SMSFLOW_KANNEL_SECRET", KANNEL_SECRET),
            ("SMSFLOW_SMS_DEFAULT_FROM", OUR_NUMBER),
        ];
        env.extend_from_slice(extra);
        let app = spawn_configured(Arc::new(db), &env).await;
        app.create(json!({
            "name": "Everything else",
            "goal": "general_inquiry",
            "response_template": "Thanks for your message!",
            "active": true
        }))
        .await;
        apps.push((app, sent));
    }
    apps
}

async fn twilio(app: &TestApp, pairs: &[(&str, &str)]) -> reqwest::Response {
    let (body, signature) = signed_form(app, "/webhooks/twilio/sms", pairs);
    app.http
        .post(format!("{}/webhooks/twilio/sms", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", signature)
        .body(body)
        .send()
        .await
        .unwrap()
}

fn kannel_url(app: &TestApp, query: &str) -> String {
    format!(
        "{}/webhooks/kannel/sms?secret={KANNEL_SECRET}&to=%2B15559870000&{query}",
        app.base
    )
}

/// The stored messages of the conversation with `their_number`.
async fn thread(app: &TestApp, their_number: &str) -> Vec<Value> {
    let list = app.get_json("/conversations?limit=200").await;
    let Some(conversation) = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["their_number"] == their_number)
    else {
        panic!("{}: no conversation with {their_number:?}", app.label);
    };
    let id = conversation["id"].as_str().unwrap();
    app.get_json(&format!("/conversations/{id}")).await["messages"]
        .as_array()
        .unwrap()
        .clone()
}

/// The inbound message's explanation, once a worker processed it.
async fn processed(app: &TestApp, their_number: &str) -> Value {
    let id = thread(app, their_number).await[0]["conversation_id"]
        .as_str()
        .unwrap()
        .to_string();
    app.wait_for_message(&id, |m| {
        m["direction"] == "inbound" && m["status"] == "processed"
    })
    .await
}

/// Replies the Twilio stand-in was asked to send to `to`: (From, Body).
fn replies_to(sent: &Sent, to: &str) -> Vec<(String, String)> {
    sent.lock()
        .unwrap()
        .iter()
        .filter(|(recipient, _, _)| recipient == to)
        .map(|(_, from, body)| (from.clone(), body.clone()))
        .collect()
}

async fn wait_for_reply(sent: &Sent, to: &str) -> (String, String) {
    for _ in 0..200 {
        if let Some(reply) = replies_to(sent, to).into_iter().next() {
            return reply;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("no reply to {to} reached Twilio");
}

#[tokio::test]
async fn nul_bytes_and_invalid_utf8_from_gateways_are_stored_as_replacement_characters() {
    for (app, sent) in gateway_apps(&[]).await {
        let response = twilio(
            &app,
            &[
                ("MessageSid", "SM0000000000000000000000000000nul1"),
                ("From", "+14155550101"),
                ("To", OUR_NUMBER),
                ("Body", "hello\0world"),
            ],
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{}", app.label);
        assert_eq!(
            thread(&app, "+14155550101").await[0]["body"],
            "hello\u{fffd}world",
            "{}",
            app.label
        );
        // Stored once and answered like any text.
        wait_for_reply(&sent, "+14155550101").await;

        let get = app
            .http
            .get(kannel_url(
                &app,
                "from=%2B14155550102&text=caf%C3%A9%00%FF&id=k1",
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(get.status(), StatusCode::OK, "{}", app.label);
        assert_eq!(
            thread(&app, "+14155550102").await[0]["body"],
            "café\u{fffd}\u{fffd}",
            "{}",
            app.label
        );

        let post = app
            .http
            .post(kannel_url(&app, "from=%2B14155550103&id=k2"))
            .body(b"line\0two \xff".to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(post.status(), StatusCode::OK, "{}", app.label);
        assert_eq!(
            thread(&app, "+14155550103").await[0]["body"],
            "line\u{fffd}two \u{fffd}",
            "{}",
            app.label
        );
    }
}

/// Each API entry point a person types into: a NUL is refused with 400 naming the field.
#[tokio::test]
async fn nul_bytes_typed_into_the_api_are_refused_naming_the_field() {
    for (app, _) in gateway_apps(&[]).await {
        let cases: Vec<(&str, Value, &str)> = vec![
            (
                "/simulator/messages",
                json!({"from": "+14155550104", "body": "hi\u{0}"}),
                "body.body",
            ),
            (
                "/messages/send",
                json!({"to": "+14155550105", "body": "a\u{0}b"}),
                "body.body",
            ),
            (
                "/workflows",
                json!({"name": "Nul", "goal": "general_inquiry", "context": "x\u{0}"}),
                "body.context",
            ),
            (
                "/workflows",
                json!({"name": "Nul", "goal": "general_inquiry", "response_template": "\u{0}"}),
                "body.response_template",
            ),
            (
                "/workflows",
                json!({"name": "Nul", "goal": "general_inquiry", "keywords": ["ok", "a\u{0}"]}),
                "body.keywords[1]",
            ),
            (
                "/workflows",
                json!({"name": "Nul", "goal": "general_inquiry",
                       "steps": [{"type": "send_response", "template": "hi\u{0}"}]}),
                "body.steps[0].template",
            ),
            (
                "/agents",
                json!({"name": "Nul", "persona": "kind\u{0}"}),
                "body.persona",
            ),
        ];
        for (path, body, field) in cases {
            let response = app.post(path, &body).send().await.unwrap();
            let document = problem(response, StatusCode::BAD_REQUEST).await;
            assert_eq!(
                document["problems"][0]["field"], field,
                "{} {path}: {document}",
                app.label
            );
        }
        for path in [
            "/workflows?q=a%00b",
            "/conversations?number=%2B1%00",
            "/tickets/a%00b",
            "/workflows?q=%FF",
        ] {
            let response = app.get(path).send().await.unwrap();
            problem(response, StatusCode::BAD_REQUEST).await;
        }
        // Nothing was stored.
        let list = app.get_json("/conversations").await;
        assert_eq!(list["items"], json!([]), "{}", app.label);
    }
}

#[tokio::test]
async fn nul_bytes_typed_into_the_web_app_are_refused() {
    for mut browser in browser::browsers().await {
        browser.with_admin().await;
        browser.sign_in().await;
        for path in [
            "/workflows?q=a%00b",
            "/conversations?number=%2B1%00",
            "/tickets/a%00b",
        ] {
            let page = browser.get(path).await;
            assert_eq!(page.status, StatusCode::BAD_REQUEST, "{path}");
            assert!(page.body.contains("NUL"), "{}", page.body);
        }
        let new_agent = browser.get("/agents/new").await;
        let csrf = new_agent.csrf();
        let page = browser
            .post(
                "/agents/new",
                form(&[
                    ("csrf", &csrf),
                    ("name", "Nul"),
                    ("persona", "kind\0"),
                    ("backend", "builtin"),
                    ("max_segments", "3"),
                ]),
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", browser.label);
        assert!(page.body.contains("form.persona"), "{}", page.body);
        let new_workflow = browser.get("/workflows/new").await;
        let csrf = new_workflow.csrf();
        let page = browser
            .post(
                "/workflows/new",
                form(&[
                    ("csrf", &csrf),
                    ("name", "Nul"),
                    ("goal", "general_inquiry"),
                    ("keywords", "price\0"),
                ]),
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", browser.label);
        assert!(page.body.contains("form.keywords"), "{}", page.body);
        assert!(
            browser.store.list_agents().await.unwrap().len() == 1,
            "only the default agent"
        );
    }
}

#[tokio::test]
async fn junk_sender_identifiers_are_refused_before_anything_is_stored() {
    for (app, sent) in gateway_apps(&[]).await {
        let long = "1".repeat(10_002);
        let junk: Vec<(&str, &str, &str, &str)> = vec![
            // (From, To, MessageSid, what the answer names)
            ("", "", "", "From is empty"),
            ("", OUR_NUMBER, "SM01", "From is empty"),
            (
                "<script>alert(1)</script>",
                OUR_NUMBER,
                "SM02",
                "From \"<script>",
            ),
            (&long, OUR_NUMBER, "SM03", "From \"1111"),
            ("+14155550106\0", OUR_NUMBER, "SM04", "From \"+14155550106"),
            ("+14155550106\u{fffd}", OUR_NUMBER, "SM05", "From "),
            ("+14155550106", "", "SM06", "To is empty"),
            ("+14155550106", OUR_NUMBER, "", "MessageSid is required"),
            (
                "+14155550106",
                OUR_NUMBER,
                "SM 07",
                "MessageSid is required",
            ),
        ];
        for (from, to, sid, says) in junk {
            let response = twilio(
                &app,
                &[
                    ("MessageSid", sid),
                    ("From", from),
                    ("To", to),
                    ("Body", "pricing"),
                ],
            )
            .await;
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{from:?}");
            let text = response.text().await.unwrap();
            assert!(text.starts_with(says), "{from:?}: {text}");
            assert!(text.len() < 600, "the answer quotes a little only");
        }
        let kannel = app
            .http
            .get(kannel_url(&app, "from=%3Cb%3E&text=hi&id=k3"))
            .send()
            .await
            .unwrap();
        assert_eq!(kannel.status(), StatusCode::BAD_REQUEST);
        let simulator = app
            .post(
                "/simulator/messages",
                &json!({"from": "not a number!", "body": "hi"}),
            )
            .send()
            .await
            .unwrap();
        let document = problem(simulator, StatusCode::BAD_REQUEST).await;
        assert_eq!(document["problems"][0]["field"], "from");
        let list = app.get_json("/conversations").await;
        assert_eq!(list["items"], json!([]), "{}: nothing stored", app.label);
        assert!(sent.lock().unwrap().is_empty(), "nothing answered");

        // A Kannel message without an id is stored each time: none is taken for another's retry.
        for text in ["first", "second"] {
            let response = app
                .http
                .get(kannel_url(
                    &app,
                    &format!("from=%2B14155550107&text={text}&id="),
                ))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
        }
        let bodies: Vec<Value> = thread(&app, "+14155550107")
            .await
            .iter()
            .filter(|m| m["direction"] == "inbound")
            .map(|m| m["body"].clone())
            .collect();
        assert_eq!(
            bodies,
            vec![json!("first"), json!("second")],
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn short_codes_and_alphanumeric_senders_are_stored_and_not_answered() {
    for (app, sent) in gateway_apps(&[]).await {
        for (from, sid, kind) in [
            ("Alice", "SMalpha1", "alphanumeric sender ID"),
            ("12345", "SMshort1", "short code"),
        ] {
            let response = twilio(
                &app,
                &[
                    ("MessageSid", sid),
                    ("From", from),
                    ("To", OUR_NUMBER),
                    ("Body", "pricing please"),
                ],
            )
            .await;
            assert_eq!(response.status(), StatusCode::OK, "{from}");
            let inbound = processed(&app, from).await;
            let reason = inbound["explanation"]["reply"].as_str().unwrap();
            assert!(
                reason.starts_with("none: the sender is") && reason.contains(kind),
                "{}: {reason}",
                app.label
            );
        }
        let simulated = common::text(&app, "MyShop", "hello").await;
        assert_eq!(simulated["replies"], json!([]), "{}", app.label);
        assert!(
            simulated["inbound"]["explanation"]["reply"]
                .as_str()
                .unwrap()
                .contains("alphanumeric"),
            "{simulated}"
        );
        // A phone after them is answered: they held nothing up.
        twilio(
            &app,
            &[
                ("MessageSid", "SMphone01"),
                ("From", "+14155550108"),
                ("To", OUR_NUMBER),
                ("Body", "hello"),
            ],
        )
        .await;
        wait_for_reply(&sent, "+14155550108").await;
        assert!(replies_to(&sent, "Alice").is_empty());
        assert!(replies_to(&sent, "12345").is_empty());
    }
}

#[tokio::test]
async fn whatsapp_senders_are_answered_on_whatsapp() {
    for (app, sent) in gateway_apps(&[]).await {
        let response = twilio(
            &app,
            &[
                ("MessageSid", "SMwhatsapp1"),
                ("From", "whatsapp:+14155550109"),
                ("To", "whatsapp:+15559870000"),
                ("Body", "hello"),
            ],
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        let (from, body) = wait_for_reply(&sent, "whatsapp:+14155550109").await;
        assert_eq!(from, "whatsapp:+15559870000", "{}", app.label);
        assert!(body.contains("Thanks for your message!"), "{body}");
    }
}

#[tokio::test]
async fn whatsapp_senders_are_stored_and_not_answered_when_whatsapp_is_off() {
    for (app, sent) in gateway_apps(&[("SMSFLOW_SMS_WHATSAPP", "false")]).await {
        twilio(
            &app,
            &[
                ("MessageSid", "SMwhatsapp2"),
                ("From", "whatsapp:+14155550110"),
                ("To", "whatsapp:+15559870000"),
                ("Body", "hello"),
            ],
        )
        .await;
        let inbound = processed(&app, "whatsapp:+14155550110").await;
        assert_eq!(inbound["body"], "hello");
        let reason = inbound["explanation"]["reply"].as_str().unwrap();
        assert!(reason.contains("WhatsApp replies are off"), "{reason}");
        assert!(replies_to(&sent, "whatsapp:+14155550110").is_empty());
    }
}

#[tokio::test]
async fn oversized_input_is_cut_or_refused_and_later_messages_still_flow() {
    for (app, sent) in gateway_apps(&[]).await {
        // 200 KB through Twilio: stored cut to the API's limit, saying how long it was.
        let long = "pricing ".repeat(25_000);
        let response = twilio(
            &app,
            &[
                ("MessageSid", "SMlong0001"),
                ("From", "+14155550111"),
                ("To", OUR_NUMBER),
                ("Body", &long),
            ],
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{}", app.label);
        let stored = thread(&app, "+14155550111").await[0]["body"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            stored.ends_with(" [cut by smsflow: 200000 characters received]"),
            "{}",
            app.label
        );
        assert_eq!(
            stored.chars().count(),
            smsflow_core::sms::MAX_BODY_CHARS
                + " [cut by smsflow: 200000 characters received]".len()
        );
        // The same through Kannel's GET (a URL holds at most 64 KiB) and POST.
        let kannel_long = "x".repeat(100_000);
        let get = app
            .http
            .get(kannel_url(
                &app,
                &format!(
                    "from=%2B14155550112&text={}&id=k-long",
                    &kannel_long[..30_000]
                ),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(get.status(), StatusCode::OK);
        let post = app
            .http
            .post(kannel_url(&app, "from=%2B14155550113&id=k-long-post"))
            .body(kannel_long.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(post.status(), StatusCode::OK);
        for (number, received) in [("+14155550112", 30_000), ("+14155550113", 100_000)] {
            let body = thread(&app, number).await[0]["body"].clone();
            assert!(
                body.as_str()
                    .unwrap()
                    .ends_with(&format!("[cut by smsflow: {received} characters received]")),
                "{number}"
            );
        }

        // 100 media URLs: Twilio sends at most 10, and only those are kept.
        let urls: Vec<(String, String)> = (0..100)
            .map(|i| {
                (
                    format!("MediaUrl{i}"),
                    format!("https://api.twilio.com/media/{i}"),
                )
            })
            .collect();
        let mut pairs: Vec<(&str, &str)> = vec![
            ("MessageSid", "MMmedia0001"),
            ("From", "+14155550114"),
            ("To", OUR_NUMBER),
            ("Body", "photos"),
            ("NumMedia", "100"),
        ];
        pairs.extend(urls.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        assert_eq!(twilio(&app, &pairs).await.status(), StatusCode::OK);
        let media = thread(&app, "+14155550114").await[0]["media_urls"].clone();
        assert_eq!(media.as_array().unwrap().len(), 10, "{}", app.label);

        // 1 MB bodies are refused before anything is read into a message.
        let megabyte = "y".repeat(1024 * 1024);
        let response = twilio(
            &app,
            &[
                ("MessageSid", "SMhuge0001"),
                ("From", "+14155550115"),
                ("To", OUR_NUMBER),
                ("Body", &megabyte),
            ],
        )
        .await;
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let response = app
            .http
            .post(kannel_url(&app, "from=%2B14155550115&id=k-huge"))
            .body(megabyte.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let response = app
            .post(
                "/simulator/messages",
                &json!({"from": "+14155550115", "body": megabyte}),
            )
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;

        // 10 MB and deeply nested JSON, 10,000-character keywords, 5,000 fields to extract.
        let ten_mb = format!(
            "{{\"name\":\"Big\",\"goal\":\"general_inquiry\",\"context\":\"{}\"}}",
            "z".repeat(10 * 1024 * 1024)
        );
        let response = app
            .http
            .post(app.url("/workflows"))
            .bearer_auth(&app.key)
            .header("content-type", "application/json")
            .body(ten_mb)
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;
        let nested = format!(
            "{{\"name\":{}1{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let response = app
            .http
            .post(app.url("/workflows"))
            .bearer_auth(&app.key)
            .header("content-type", "application/json")
            .body(nested)
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::BAD_REQUEST).await;
        let keyword = "k".repeat(10_000);
        let response = app
            .post(
                "/workflows",
                &json!({"name": "Long keyword", "goal": "general_inquiry", "keywords": [keyword]}),
            )
            .send()
            .await
            .unwrap();
        let document = problem(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(document["problems"][0]["field"], "keywords[0]");
        let fields: Vec<String> = (0..5_000).map(|i| format!("field{i}")).collect();
        let response = app
            .post(
                "/workflows",
                &json!({"name": "Many fields", "goal": "lead_capture",
                        "steps": [{"type": "extract_information", "fields": fields}]}),
            )
            .send()
            .await
            .unwrap();
        let document = problem(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(document["problems"][0]["field"], "steps[0].fields");
        assert!(
            document["problems"][0]["message"]
                .as_str()
                .unwrap()
                .contains("at most 50 fields"),
            "{document}"
        );

        // None of it blocked the queue: a text after all that is answered.
        twilio(
            &app,
            &[
                ("MessageSid", "SMafter0001"),
                ("From", "+14155550116"),
                ("To", OUR_NUMBER),
                ("Body", "hello"),
            ],
        )
        .await;
        wait_for_reply(&sent, "+14155550116").await;
    }
}
