//! SMS conversations end to end through the HTTP API and the simulator channel, on SQLite and
//! (when configured) PostgreSQL: routing across turns, carrier keywords, hand-off, the loop guard,
//! segments, quiet hours, Twilio webhooks and the outbound queue.

mod common;

use common::{
    TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TestApp, problem, signed_form, spawn_configured,
    spawn_with, text,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use smsflow_store::testing;
use std::sync::Arc;

const PHONE: &str = "+15557770001";

async fn each_backend(env: &[(&str, &str)]) -> Vec<TestApp> {
    let mut apps = Vec::new();
    for db in testing::all().await {
        apps.push(spawn_configured(Arc::new(db), env).await);
    }
    apps
}

async fn with_workflows(app: &TestApp) {
    app.create(
        json!({"name": "Support", "goal": "help_desk_support", "priority": 30, "active": true,
        "keywords": ["broken"], "response_template": "Sorry to hear that! What happened?",
        "steps": [{"type": "extract_information", "fields": "name,email"}]}),
    )
    .await;
    app.create(
        json!({"name": "Leads", "goal": "lead_capture", "priority": 20, "active": true,
        "response_template": "Thanks for your interest \u{2014} we\u{2019}ll help.",
        "steps": [{"type": "extract_information", "fields": "name,company,email"}]}),
    )
    .await;
    app.create(
        json!({"name": "Fallback", "goal": "general_inquiry", "active": true,
        "response_template": "Hi! How can we help?"}),
    )
    .await;
}

fn reply_bodies(turn: &Value) -> Vec<String> {
    turn["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["body"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_conversation_keeps_its_workflow_until_a_higher_priority_one_matches() {
    for app in each_backend(&[]).await {
        with_workflows(&app).await;
        let first = text(&app, PHONE, "how much for a quote?").await;
        // Curly apostrophe replaced by a GSM-7 one: the reply stays one GSM-7 segment.
        assert_eq!(
            reply_bodies(&first),
            [
                "Thanks for your interest - we'll help. Could I get your name and your company's name?"
            ],
            "{}",
            app.label
        );
        assert_eq!(first["replies"][0]["encoding"], "gsm7");
        assert_eq!(first["replies"][0]["segments"], 1);
        assert_eq!(first["replies"][0]["status"], "delivered");
        assert_eq!(first["inbound"]["simulated"], true);
        assert_eq!(
            first["inbound"]["explanation"]["routing"]["decision"],
            "new_match"
        );

        let second = text(&app, PHONE, "Dana from Blue Fin Sushi").await;
        assert_eq!(
            second["inbound"]["explanation"]["workflow"], "Leads",
            "{}",
            app.label
        );
        assert_eq!(
            second["inbound"]["explanation"]["routing"],
            json!({"decision": "continued", "matched_instead": "Fallback"})
        );

        let third = text(&app, PHONE, "actually my order arrived broken").await;
        assert_eq!(third["inbound"]["explanation"]["workflow"], "Support");
        assert_eq!(
            third["inbound"]["explanation"]["routing"]["decision"],
            "higher_priority"
        );
        assert_eq!(
            reply_bodies(&third),
            ["Sorry to hear that! What happened? Could I get your email address?"],
            "the contact's name, given to the first workflow, is not asked again"
        );
        assert_eq!(
            second["inbound"]["explanation"]["agent"]["fields"],
            json!({"company": "Blue Fin Sushi", "name": "Dana"})
        );

        let conversation_id = first["conversation_id"].as_str().unwrap();
        let thread: Value = app
            .get_json(&format!("/conversations/{conversation_id}"))
            .await;
        let directions: Vec<&str> = thread["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["direction"].as_str().unwrap())
            .collect();
        assert_eq!(
            directions,
            [
                "inbound", "outbound", "inbound", "outbound", "inbound", "outbound"
            ]
        );
        assert_eq!(thread["conversation"]["their_number"], PHONE);
        assert!(
            thread["messages"][0]["explanation"]["matching"]["candidates"].is_array(),
            "the matching explanation is stored"
        );
        assert_eq!(thread["messages"][1]["author"], "agent");

        let listed: Value = app
            .get(&format!(
                "/conversations?number={}",
                PHONE.replace('+', "%2B")
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(listed["items"].as_array().unwrap().len(), 1);
        let none: Value = app.get_json("/conversations?status=human").await;
        assert_eq!(none["items"].as_array().unwrap().len(), 0);
    }
}

#[tokio::test]
async fn stop_start_and_help_are_answered_before_any_workflow() {
    for app in each_backend(&[]).await {
        with_workflows(&app).await;
        let help = text(&app, PHONE, "help").await;
        assert!(
            reply_bodies(&help)[0].contains("Reply STOP to opt out"),
            "{help}"
        );
        let stop = text(&app, PHONE, " Stop ").await;
        assert_eq!(stop["inbound"]["explanation"]["carrier_keyword"], "opt_out");
        assert!(reply_bodies(&stop)[0].contains("unsubscribed"));

        let ignored = text(&app, PHONE, "I need a quote").await;
        assert!(
            reply_bodies(&ignored).is_empty(),
            "{}: nothing is sent to an opted-out number",
            app.label
        );
        let conversation_id = stop["conversation_id"].as_str().unwrap();
        let manual = app
            .post(
                &format!("/conversations/{conversation_id}/messages"),
                &json!({"body": "Are you sure?"}),
            )
            .send()
            .await
            .unwrap();
        problem(manual, StatusCode::CONFLICT).await;
        let started = app
            .post("/messages/send", &json!({"to": PHONE, "body": "hello"}))
            .send()
            .await
            .unwrap();
        problem(started, StatusCode::CONFLICT).await;

        let opt_outs: Value = app.get_json("/opt-outs").await;
        assert_eq!(opt_outs["items"][0]["number"], PHONE);
        assert_eq!(opt_outs["items"][0]["keyword"], "STOP");
        let csv = app
            .get("/opt-outs.csv")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            csv.starts_with("number,keyword,opted_out_at\n+15557770001,STOP,"),
            "{csv}"
        );

        let start = text(&app, PHONE, "START").await;
        assert!(reply_bodies(&start)[0].contains("subscribed again"));
        let after = text(&app, PHONE, "I need a quote").await;
        assert_eq!(reply_bodies(&after).len(), 1, "replies resume after START");
        let opt_outs: Value = app.get_json("/opt-outs").await;
        assert!(opt_outs["items"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_human_can_take_over_and_hand_back() {
    for app in each_backend(&[]).await {
        with_workflows(&app).await;
        let first = text(&app, PHONE, "hello").await;
        let id = first["conversation_id"].as_str().unwrap().to_string();
        let handed: Value = app
            .post(&format!("/conversations/{id}/handoff"), &json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(handed["status"], "human");
        let silent = text(&app, PHONE, "is anyone there?").await;
        assert!(
            reply_bodies(&silent).is_empty(),
            "{}: the agent stays silent",
            app.label
        );
        assert!(
            silent["inbound"]["explanation"]["reply"]
                .as_str()
                .unwrap()
                .contains("human has taken over")
        );

        let manual = app
            .post(
                &format!("/conversations/{id}/messages"),
                &json!({"body": "Hi, this is Sam from the front desk."}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(manual.status(), StatusCode::ACCEPTED);
        let manual: Value = manual.json().await.unwrap();
        assert_eq!(manual["author"], "human");
        wait_for_status(&app, &id, manual["id"].as_str().unwrap(), "delivered").await;

        let resumed: Value = app
            .post(&format!("/conversations/{id}/resume"), &json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(resumed["status"], "agent");
        assert_eq!(reply_bodies(&text(&app, PHONE, "thanks").await).len(), 1);
        problem(
            app.post("/conversations/not-an-id/handoff", &json!({}))
                .send()
                .await
                .unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
    }
}

async fn wait_for_status(
    app: &TestApp,
    conversation_id: &str,
    message_id: &str,
    status: &str,
) -> Value {
    app.wait_for_message(conversation_id, |m| {
        m["id"] == message_id && m["status"] == status
    })
    .await
}

#[tokio::test]
async fn the_loop_guard_limits_automatic_replies_per_number() {
    for app in each_backend(&[("SMSFLOW_SMS_AUTO_REPLIES_PER_MINUTE", "2")]).await {
        with_workflows(&app).await;
        let replies: Vec<usize> = {
            let mut counts = Vec::new();
            for body in ["hi", "hi again", "hello??"] {
                counts.push(reply_bodies(&text(&app, "+15557770002", body).await).len());
            }
            counts
        };
        assert_eq!(replies, [1, 1, 0], "{}", app.label);
        let other = text(&app, "+15557770003", "hi").await;
        assert_eq!(reply_bodies(&other).len(), 1, "the limit is per number");
    }
}

#[tokio::test]
async fn long_replies_are_cut_to_the_segment_budget() {
    for app in each_backend(&[("SMSFLOW_SMS_MAX_SEGMENTS", "2")]).await {
        // Distinct sentences: a repeated one would be said once (one voice).
        let long: String = (1..=20)
            .map(|n| format!("Point {n} of our long welcome is here. "))
            .collect();
        app.create(json!({"name": "Wordy", "goal": "general_inquiry", "active": true, "response_template": long})).await;
        let turn = text(&app, PHONE, "hi").await;
        assert_eq!(turn["replies"][0]["segments"], 2, "{}", app.label);
        let body = turn["replies"][0]["body"].as_str().unwrap();
        // Fitted by whole sentences of the template (one voice drops sentences, never cuts one).
        assert!(
            body.split_inclusive(". ")
                .all(|sentence| long.contains(sentence.trim())),
            "{body}"
        );
    }
}

#[tokio::test]
async fn quiet_hours_hold_automatic_replies_until_they_end() {
    // Quiet all day but the last minute before midnight UTC... and the window wraps: 00:00-23:59.
    let env = [
        ("SMSFLOW_SMS_QUIET_HOURS_START", "00:00"),
        ("SMSFLOW_SMS_QUIET_HOURS_END", "23:59"),
        ("SMSFLOW_SMS_TIMEZONE", "UTC"),
    ];
    let db = Arc::new(testing::sqlite());
    let app = spawn_configured(db, &env).await;
    let now = time::OffsetDateTime::now_utc();
    if now.hour() == 23 && now.minute() == 59 {
        return; // The one minute of the day outside these quiet hours.
    }
    with_workflows(&app).await;
    let turn = text(&app, PHONE, "hi").await;
    let reply = &turn["replies"][0];
    assert_eq!(reply["status"], "queued", "{turn}");
    let at = time::OffsetDateTime::parse(
        reply["next_attempt_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!((at.hour(), at.minute()), (23, 59));
    // A STOP confirmation is not held.
    let stop = text(&app, PHONE, "STOP").await;
    assert_eq!(stop["replies"][0]["status"], "delivered");
}

fn twilio_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("SMSFLOW_TWILIO_ACCOUNT_SID", TWILIO_ACCOUNT_SID),
        ("SMSFLOW_TWILIO_AUTH_TOKEN", TWILIO_AUTH_TOKEN),
        // Nothing listens there: sends fail as network errors and stay queued for retry.
        ("SMSFLOW_TWILIO_API_BASE", "http://127.0.0.1:9"),
    ]
}

#[tokio::test]
async fn twilio_webhooks_are_signature_checked_and_deduplicated() {
    for app in each_backend(&twilio_env()).await {
        with_workflows(&app).await;
        let form = [
            ("MessageSid", "SM0001"),
            ("AccountSid", TWILIO_ACCOUNT_SID),
            ("From", PHONE),
            ("To", "+15550009999"),
            ("Body", "pricing please"),
            ("NumMedia", "1"),
            ("MediaUrl0", "https://api.twilio.com/media/ME1"),
        ];
        let (body, signature) = signed_form(&app, "/webhooks/twilio/sms", &form);
        let post = |signature: Option<String>, body: String| {
            let mut request = app
                .http
                .post(format!("{}/webhooks/twilio/sms", app.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
            if let Some(signature) = signature {
                request = request.header("x-twilio-signature", signature);
            }
            request.send()
        };
        assert_eq!(
            post(None, body.clone()).await.unwrap().status(),
            StatusCode::FORBIDDEN
        );
        let tampered = body.replace("pricing", "free");
        assert_eq!(
            post(Some(signature.clone()), tampered)
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN
        );
        let listed: Value = app.get_json("/conversations").await;
        assert!(
            listed["items"].as_array().unwrap().is_empty(),
            "{}: refused webhooks store nothing",
            app.label
        );

        // Ten concurrent deliveries of the same message: stored and processed once.
        let deliveries: Vec<_> = (0..10)
            .map(|_| post(Some(signature.clone()), body.clone()))
            .collect();
        for response in futures_join(deliveries).await {
            let response = response.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(
                response.headers()["content-type"],
                "text/xml; charset=utf-8"
            );
            assert!(response.text().await.unwrap().ends_with("<Response/>"));
        }
        let conversations: Value = app.get_json("/conversations").await;
        let id = conversations["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let mut thread = Value::Null;
        for _ in 0..200 {
            thread = app.get_json(&format!("/conversations/{id}")).await;
            if thread["messages"].as_array().unwrap().len() >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        let messages = thread["messages"].as_array().unwrap();
        assert_eq!(
            messages.len(),
            2,
            "{}: one inbound, one reply: {thread:#}",
            app.label
        );
        assert_eq!(messages[0]["provider_id"], "SM0001");
        assert_eq!(
            messages[0]["media_urls"],
            json!(["https://api.twilio.com/media/ME1"])
        );
        assert_eq!(messages[1]["channel"], "twilio");
        // The API is unreachable: the reply waits in the queue with the error, never dropped.
        let reply = app
            .wait_for_message(&id, |m| {
                m["direction"] == "outbound" && m["error_message"].is_string()
            })
            .await;
        assert_eq!(reply["status"], "queued");
        assert!(
            reply["error_message"]
                .as_str()
                .unwrap()
                .contains("cannot reach Twilio")
        );
        assert!(reply["attempts"].as_i64().unwrap() >= 1);
    }
}

async fn futures_join<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.unwrap());
    }
    outputs
}

#[tokio::test]
async fn twilio_status_callbacks_update_delivery() {
    for db in testing::all().await {
        // No workers: the test plays the queue's part, as if Twilio had accepted the message.
        let app = spawn_with(Arc::new(db), &twilio_env(), false).await;
        let sent: Value = app
            .post(
                "/messages/send",
                &json!({"to": PHONE, "body": "Your order shipped"}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let message_id: uuid::Uuid = sent["message"]["id"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            sent["message"]["channel"], "twilio",
            "Twilio is the default channel once configured"
        );
        let job = app
            .store
            .claim_outbound(time::Duration::seconds(30), 1)
            .await
            .unwrap()
            .pop()
            .expect("the message is due");
        assert_eq!(job.message.id, message_id);
        app.store
            .mark_sent(
                message_id,
                job.message.attempts,
                Some("SM9999"),
                smsflow_core::conversation::MessageStatus::Sent,
            )
            .await
            .unwrap();
        let form = [
            ("MessageSid", "SM9999"),
            ("MessageStatus", "undelivered"),
            ("ErrorCode", "30003"),
        ];
        let (body, signature) = signed_form(&app, "/webhooks/twilio/status", &form);
        let response = app
            .http
            .post(format!("{}/webhooks/twilio/status", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", signature)
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        let message = app.store.get_message(message_id).await.unwrap();
        assert_eq!(
            (message.status.as_str(), message.error_code.as_deref()),
            ("undelivered", Some("30003")),
            "{}",
            app.label
        );
        // A late "sent" never overwrites the final status.
        let (body, signature) = signed_form(
            &app,
            "/webhooks/twilio/status",
            &[("MessageSid", "SM9999"), ("MessageStatus", "sent")],
        );
        app.http
            .post(format!("{}/webhooks/twilio/status", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", signature)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            app.store
                .get_message(message_id)
                .await
                .unwrap()
                .status
                .as_str(),
            "undelivered"
        );
    }
}

#[tokio::test]
async fn sending_validates_its_input_and_needs_a_configured_channel() {
    let app = spawn_configured(Arc::new(testing::sqlite()), &[]).await;
    let body = problem(
        app.post("/messages/send", &json!({"to": "555", "body": " "}))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let fields = common::problem_fields(&body);
    assert_eq!(fields, ["to", "body"]);
    let kannel = app
        .post(
            "/messages/send",
            &json!({"to": PHONE, "body": "hi", "channel": "kannel"}),
        )
        .send()
        .await
        .unwrap();
    let body = problem(kannel, StatusCode::BAD_REQUEST).await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("kannel channel is not configured")
    );
    let sent = app
        .post(
            "/messages/send",
            &json!({"to": PHONE, "body": "Hello from the shop"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    let sent: Value = sent.json().await.unwrap();
    assert_eq!(sent["message"]["channel"], "simulator");
    let id = sent["conversation_id"].as_str().unwrap();
    wait_for_status(
        &app,
        id,
        sent["message"]["id"].as_str().unwrap(),
        "delivered",
    )
    .await;
    let unknown = app
        .http
        .post(format!("{}/webhooks/twilio/sms", app.base))
        .body("From=x")
        .send()
        .await
        .unwrap();
    assert_eq!(
        unknown.status(),
        StatusCode::NOT_FOUND,
        "Twilio webhooks answer 404 when Twilio is not configured"
    );
}

/// (sid, to, from, body, date_created) of a message the stand-in Twilio created.
type Created = (String, String, String, String, String);

/// A stand-in for Twilio's Messages API: creates are remembered (as Twilio does on accepting
/// one), and the Messages list answers from them, filtered by To and From, newest first.
#[derive(Default)]
struct FakeTwilio {
    created: std::sync::Mutex<Vec<Created>>,
    /// The query of each list request.
    lookups: std::sync::Mutex<Vec<std::collections::HashMap<String, String>>>,
}

impl FakeTwilio {
    fn create(&self, to: &str, from: &str, body: &str) -> String {
        let mut created = self.created.lock().unwrap();
        let sid = format!("SM{:032}", created.len());
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc2822)
            .unwrap();
        created.push((sid.clone(), to.into(), from.into(), body.into(), now));
        sid
    }

    async fn serve(self: Arc<Self>) -> String {
        use axum::extract::{Query, State};
        type Params = std::collections::HashMap<String, String>;
        let app = axum::Router::new()
            .route(
                "/2010-04-01/Accounts/{sid}/Messages.json",
                axum::routing::post(
                    |State(fake): State<Arc<FakeTwilio>>, body: String| async move {
                        let form: Params = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
                        let sid = fake.create(&form["To"], &form["From"], &form["Body"]);
                        (StatusCode::CREATED, axum::Json(json!({"sid": sid, "status": "queued"})))
                    },
                )
                .get(
                    |State(fake): State<Arc<FakeTwilio>>, Query(query): Query<Params>| async move {
                        fake.lookups.lock().unwrap().push(query.clone());
                        let created = fake.created.lock().unwrap();
                        let messages: Vec<Value> = created
                            .iter()
                            .rev()
                            .filter(|(_, to, from, _, _)| {
                                query.get("To") == Some(to) && query.get("From") == Some(from)
                            })
                            .map(|(sid, to, from, body, at)| {
                                json!({"sid": sid, "to": to, "from": from, "body": body, "date_created": at})
                            })
                            .collect();
                        axum::Json(json!({"messages": messages}))
                    },
                ),
            )
            .with_state(self);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        base
    }
}

#[tokio::test]
async fn a_twilio_message_in_flight_when_the_process_died_is_adopted_not_sent_twice() {
    for db in testing::all().await {
        let db = Arc::new(db);
        let fake = Arc::new(FakeTwilio::default());
        let api_base = fake.clone().serve().await;
        let mut env = twilio_env();
        env.retain(|(key, _)| *key != "SMSFLOW_TWILIO_API_BASE");
        env.push(("SMSFLOW_TWILIO_API_BASE", api_base.as_str()));
        // The process that dies: no workers, the test plays its sender.
        let dead = spawn_with(db.clone(), &env, false).await;
        let mut queued = Vec::new();
        for (to, body) in [
            ("+15557770101", "reached Twilio"),
            ("+15557770102", "never left"),
        ] {
            let sent = dead
                .post("/messages/send", &json!({"to": to, "body": body}))
                .send()
                .await
                .unwrap();
            assert_eq!(sent.status(), StatusCode::ACCEPTED, "{}", dead.label);
            let sent: Value = sent.json().await.unwrap();
            queued.push(sent);
        }
        // It claims both and dies: the first had reached Twilio, the second had not.
        let jobs = dead
            .store
            .claim_outbound(time::Duration::milliseconds(-1), 10)
            .await
            .unwrap();
        assert_eq!(jobs.len(), 2, "{}", dead.label);
        let first = jobs
            .iter()
            .find(|j| j.message.body == "reached Twilio")
            .unwrap();
        let adopted_sid = fake.create(&first.their_number, &first.our_number, "reached Twilio");

        // The restarted process takes both over once the lease has expired.
        let restarted = spawn_with(db.clone(), &env, true).await;
        for (sent, expected_sid) in queued.iter().zip([Some(adopted_sid.as_str()), None]) {
            let message = restarted
                .wait_for_message(sent["conversation_id"].as_str().unwrap(), |m| {
                    m["id"] == sent["message"]["id"] && m["status"] == "sent"
                })
                .await;
            if let Some(sid) = expected_sid {
                assert_eq!(message["provider_id"], sid, "{}: adopted", restarted.label);
            }
        }
        let created = fake.created.lock().unwrap().clone();
        let bodies: Vec<&str> = created.iter().map(|c| c.3.as_str()).collect();
        assert_eq!(
            bodies,
            ["reached Twilio", "never left"],
            "{}: each message reached Twilio once",
            restarted.label
        );
        let lookups = fake.lookups.lock().unwrap().clone();
        assert_eq!(
            lookups.len(),
            2,
            "{}: each re-send asked first",
            restarted.label
        );
        for lookup in &lookups {
            assert!(
                lookup.contains_key("To") && lookup.contains_key("From"),
                "{lookup:?}"
            );
        }
    }
}
