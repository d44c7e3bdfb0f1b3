//! The agent converses in the texter's language, hands the conversation to a person when asked,
//! and answers follow-ups after a run in context: end to end through the simulator, on SQLite and
//! (when configured) PostgreSQL.

mod common;

use common::browser::browsers;
use common::{helpdesk, reply, spawn_configured, text};
use serde_json::{Value, json};
use smsflow_store::testing;
use std::sync::Arc;

fn general_inquiry() -> Value {
    json!({
        "name": "General", "goal": "general_inquiry", "active": true,
        "steps": [{"type": "extract_information", "fields": "name,email"}]
    })
}

#[tokio::test]
async fn spanish_texts_get_spanish_replies_and_short_ones_keep_the_language() {
    for db in testing::all().await {
        let app = spawn_configured(Arc::new(db), &[]).await;
        app.create(general_inquiry()).await;
        let phone = "+14155550301";
        let first = text(&app, phone, "Hola, quiero información sobre sus precios").await;
        assert_eq!(
            reply(&first),
            "¡Gracias por su mensaje! ¿Me podría dar su nombre y su correo electrónico?",
            "{}",
            app.label
        );
        assert_eq!(first["inbound"]["language"], "es", "{}", app.label);
        assert_eq!(first["replies"][0]["language"], "es", "{}", app.label);
        // "Dana" says nothing of its language: the conversation's stands.
        let second = text(&app, phone, "Dana").await;
        assert_eq!(
            reply(&second),
            "¡Mucho gusto, Dana! ¿Me podría dar su correo electrónico?",
            "{}",
            app.label
        );
        let conversation = first["conversation_id"].as_str().unwrap();
        let stored: Value = app
            .get_json(&format!("/conversations/{conversation}"))
            .await;
        assert_eq!(stored["conversation"]["language"], "es", "{}", app.label);

        // Someone else, in English, on the same workflow.
        let english = text(&app, "+14155550302", "Hi, what are your prices?").await;
        assert_eq!(
            reply(&english),
            "Thanks for your message! Could I get your name and your email address?"
        );
        assert_eq!(english["replies"][0]["language"], "en");
    }
}

#[tokio::test]
async fn a_request_for_a_person_hands_off_and_the_team_is_told() {
    let (url, received) = helpdesk("handoff-secret-1234").await;
    for db in testing::all().await {
        received.lock().unwrap().clear();
        let app = spawn_configured(
            Arc::new(db),
            &[
                ("SMSFLOW_HANDOFF_WEBHOOK_URL", &url),
                ("SMSFLOW_HANDOFF_WEBHOOK_SECRET", "handoff-secret-1234"),
            ],
        )
        .await;
        app.create(general_inquiry()).await;
        let phone = "+14155550311";
        text(&app, phone, "hi there").await;
        let asked = text(&app, phone, "I need to speak to a real person please").await;
        assert_eq!(
            reply(&asked),
            "Of course - a person from our team will reply here shortly.",
            "{}",
            app.label
        );
        let conversation = asked["conversation_id"].as_str().unwrap();
        let stored: Value = app
            .get_json(&format!("/conversations/{conversation}"))
            .await;
        assert_eq!(stored["conversation"]["status"], "human", "{}", app.label);
        assert!(
            stored["conversation"]["needs_human_at"].is_string(),
            "{}",
            app.label
        );

        // The agent is silent now, and the team's endpoint got the event (after one refusal).
        let after = text(&app, phone, "hello?").await;
        assert!(after["replies"].as_array().unwrap().is_empty());
        for _ in 0..400 {
            if !received.lock().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        let deliveries = received.lock().unwrap().clone();
        assert_eq!(deliveries.len(), 1, "{}", app.label);
        assert_eq!(deliveries[0]["event"], "conversation.needs_human");
        assert_eq!(deliveries[0]["conversation"]["id"], conversation);
        assert_eq!(
            deliveries[0]["conversation_url"],
            format!("{}/api/v1/conversations/{conversation}", app.base)
        );
    }
}

/// The step's `on_invalid: hand_off` setting: once an answer is still wrong after its re-asks, a
/// person takes over as if the texter had asked for one.
#[tokio::test]
async fn an_answer_still_invalid_after_its_re_asks_hands_off_when_the_step_says_so() {
    let (url, received) = helpdesk("handoff-secret-5678").await;
    for db in testing::all().await {
        received.lock().unwrap().clear();
        let app = spawn_configured(
            Arc::new(db),
            &[
                ("SMSFLOW_HANDOFF_WEBHOOK_URL", &url),
                ("SMSFLOW_HANDOFF_WEBHOOK_SECRET", "handoff-secret-5678"),
            ],
        )
        .await;
        app.create(json!({
            "name": "Tables", "goal": "general_inquiry", "active": true,
            "steps": [
                {"type": "extract_information", "fields": [{"name": "guests", "type": "number"}],
                 "reasks": 1, "on_invalid": "hand_off"},
                {"type": "save_to_database", "table": "tables"}
            ]
        }))
        .await;
        let phone = "+14155550321";
        text(&app, phone, "can I book a table for tonight?").await;
        let once = text(&app, phone, "lots of us").await;
        assert!(
            reply(&once).starts_with("Please answer with a number."),
            "{}: re-asked first: {}",
            app.label,
            reply(&once)
        );
        let twice = text(&app, phone, "many").await;
        assert_eq!(
            reply(&twice),
            "Let me pass you to a person from our team: they will reply here shortly.",
            "{}",
            app.label
        );
        let conversation = twice["conversation_id"].as_str().unwrap();
        let stored: Value = app
            .get_json(&format!("/conversations/{conversation}"))
            .await;
        assert_eq!(stored["conversation"]["status"], "human", "{}", app.label);
        assert!(
            stored["conversation"]["needs_human_at"].is_string(),
            "{}",
            app.label
        );
        let after = text(&app, phone, "4").await;
        assert!(
            after["replies"].as_array().unwrap().is_empty(),
            "{}: the agent is silent now",
            app.label
        );
        for _ in 0..400 {
            if !received.lock().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        let deliveries = received.lock().unwrap().clone();
        assert_eq!(deliveries.len(), 1, "{}", app.label);
        assert_eq!(deliveries[0]["event"], "conversation.needs_human");
        assert_eq!(deliveries[0]["conversation"]["id"], conversation);
    }
}

#[tokio::test]
async fn a_person_asked_for_in_spanish_outside_business_hours_is_promised_for_the_next_opening() {
    // Open only the day after tomorrow (UTC), so now is always outside business hours.
    let weekday = time::OffsetDateTime::now_utc()
        .weekday()
        .number_days_from_monday() as usize;
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let names = [
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
    ];
    let open_day = (weekday + 2) % 7;
    let hours = format!("{} 09:00-17:00", days[open_day]);
    let app = spawn_configured(
        Arc::new(testing::sqlite()),
        &[("SMSFLOW_SMS_BUSINESS_HOURS", &hours)],
    )
    .await;
    app.create(general_inquiry()).await;
    let asked = text(&app, "+14155550321", "quiero hablar con alguien").await;
    assert_eq!(
        reply(&asked),
        format!(
            "Por supuesto: una persona de nuestro equipo le responderá por aquí el {} después de las 09:00.",
            names[open_day]
        )
    );
    assert!(asked["inbound"]["explanation"]["handoff"].is_string());
}

#[tokio::test]
async fn after_a_ticket_follow_ups_are_answered_in_context() {
    for db in testing::all().await {
        let app = spawn_configured(Arc::new(db), &[]).await;
        app.create(json!({
            "name": "Support", "goal": "help_desk_support", "active": true, "priority": 10,
            "steps": [{"type": "create_support_ticket", "priority": "normal"}]
        }))
        .await;
        app.create(general_inquiry()).await;
        let phone = "+14155550331";
        let opened = text(&app, phone, "my dishwasher is broken, I need help").await;
        let tickets: Value = app.get_json("/tickets").await;
        let number = tickets["items"][0]["number"].as_str().unwrap().to_string();
        assert!(reply(&opened).contains(&number), "{}", app.label);

        let update = text(&app, phone, "any update on this?").await;
        assert_eq!(
            reply(&update),
            format!(
                "Your ticket {number} is open. Our team will text you here as soon as there is news."
            ),
            "{}",
            app.label
        );
        let thanks = text(&app, phone, "ok thanks!").await;
        assert_eq!(reply(&thanks), "You're welcome! Text us any time.");
        assert!(
            thanks["inbound"]["explanation"]["agent"].is_null(),
            "no new run ({})",
            app.label
        );
        let tickets: Value = app.get_json("/tickets").await;
        assert_eq!(tickets["items"].as_array().unwrap().len(), 1);

        // A new topic starts a new match, as before.
        let new_topic = text(&app, phone, "also, what are your opening hours?").await;
        assert_eq!(
            new_topic["inbound"]["explanation"]["routing"]["decision"],
            "previous_completed"
        );
        assert!(
            new_topic["inbound"]["explanation"]["agent"].is_object(),
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn the_thread_shows_languages_and_the_inbox_who_asked_for_a_person() {
    for mut app in browsers().await {
        app.with_admin().await;
        app.workflow(general_inquiry()).await;
        let conversation = app.text("+14155550341", "Hola, necesito ayuda").await;
        app.text("+14155550341", "quiero hablar con una persona")
            .await;
        app.sign_in().await;
        let inbox = app.get("/conversations?show=human").await;
        assert!(
            inbox.body.contains("Needs a human: asked for a person"),
            "{}: {}",
            app.label,
            inbox.body
        );
        let thread = app.get(&format!("/conversations/{conversation}")).await;
        for shown in [
            "Needs a human: they asked for a person",
            "writes in Spanish",
            "· Spanish",
            "handed to the team",
        ] {
            assert!(
                thread.body.contains(shown),
                "{}: {shown:?} in {}",
                app.label,
                thread.body
            );
        }
    }
}
