//! Auto follow-up: a workflow that has one nudges, once per run, a texter it has waited on for N
//! hours, in their language; never to an opted-out number or a conversation a person took over,
//! a reply starts the wait again, and quiet hours defer it. The clock is the test's: the worker
//! is asked what is due at a given time. On SQLite and (when configured) PostgreSQL.

mod common;

use common::spawn_with;
use reqwest::StatusCode;
use serde_json::json;
use smsflow_core::conversation::{Author, ConversationStatus, Direction};
use smsflow_core::{AutoFollowUp, WorkflowDraft};
use smsflow_store::testing::{self, TestDatabase};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// An installation without HTTP or background workers: the test drives the queue and the clock.
struct Installation {
    state: smsflow_server::AppState,
    label: &'static str,
    _db: Arc<TestDatabase>,
}

impl Installation {
    async fn start(db: TestDatabase, env: &[(&str, &str)]) -> Installation {
        let db = Arc::new(db);
        let store = db.store().await;
        let mut vars: std::collections::HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let no_model = std::env::temp_dir().join("smsflow-test-no-model");
        vars.insert("SMSFLOW_DATA_DIR".into(), no_model.display().to_string());
        let config = smsflow_server::Config::load(None, &vars).unwrap();
        let state = smsflow_server::AppState::with_semantic(store, config, None)
            .await
            .unwrap();
        Installation {
            state,
            label: db.label,
            _db: db,
        }
    }

    /// A lead-capture workflow nudging after 4 hours, in English or Spanish.
    async fn workflow_with_follow_up(&self) -> Uuid {
        let draft: WorkflowDraft = serde_json::from_value(json!({
            "name": "Leads", "goal": "general_inquiry", "active": true,
            "steps": [{"type": "extract_information", "fields": "name,email"}],
            "follow_up": {"after_hours": 4, "template": {
                "en": "Still there? Reply to pick up where we left off.",
                "es": "¿Sigue ahí? Responda para continuar."
            }}
        }))
        .unwrap();
        let workflow = self
            .state
            .store
            .create_workflow(&draft.validate().unwrap(), &smsflow_store::Author::system())
            .await
            .unwrap();
        self.state.matchers.refresh().await.unwrap();
        workflow.id
    }

    /// A text from `from`, stored and processed; its conversation.
    async fn text(&self, from: &str, body: &str) -> Uuid {
        let recorded = self
            .state
            .messaging
            .receive(&smsflow_store::conversations::InboundSms {
                channel: smsflow_core::conversation::Channel::Simulator,
                our_number: "+15550009999".into(),
                their_number: from.into(),
                body: body.into(),
                provider_id: None,
                media_urls: vec![],
                simulated: true,
            })
            .await
            .unwrap();
        while self.state.messaging.process_next_inbound().await.unwrap() {}
        recorded.conversation_id
    }

    /// When the conversation last had a message.
    async fn last_message_at(&self, conversation: Uuid) -> OffsetDateTime {
        self.state
            .store
            .get_conversation(conversation)
            .await
            .unwrap()
            .last_message_at
    }

    async fn nudges_at(&self, now: OffsetDateTime) -> usize {
        self.state
            .messaging
            .queue_due_follow_ups(now)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_run_waiting_on_the_texter_is_nudged_once_after_n_hours_in_their_language() {
    for db in testing::all().await {
        let app = Installation::start(db, &[]).await;
        let workflow = app.workflow_with_follow_up().await;
        let conversation = app
            .text("+14155550501", "Hola, quiero información sobre sus precios")
            .await;
        let asked_at = app.last_message_at(conversation).await;
        assert_eq!(
            app.nudges_at(asked_at + Duration::hours(4) - Duration::seconds(1))
                .await,
            0,
            "{}: not yet",
            app.label
        );
        assert_eq!(
            app.nudges_at(asked_at + Duration::hours(4)).await,
            1,
            "{}",
            app.label
        );
        let messages = app
            .state
            .store
            .conversation_messages(conversation)
            .await
            .unwrap();
        let nudge = messages.last().unwrap();
        assert_eq!(
            (
                nudge.direction,
                nudge.author,
                nudge.body.as_str(),
                nudge.workflow_id
            ),
            (
                Direction::Outbound,
                Author::Agent,
                "¿Sigue ahí? Responda para continuar.",
                Some(workflow)
            ),
            "{}",
            app.label
        );
        // One per run, however long the texter stays away.
        assert_eq!(
            app.nudges_at(asked_at + Duration::hours(100)).await,
            0,
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn the_thread_marks_the_nudge_and_the_funnel_counts_it_and_its_answers() {
    for mut browser in common::browser::browsers().await {
        let workflow = signed_in_with(
            &mut browser,
            json!({
                "name": "Leads", "goal": "general_inquiry", "active": true,
                "steps": [{"type": "extract_information", "fields": "name,email"}],
                "follow_up": {"after_hours": 2, "template": "Still there?"}
            }),
        )
        .await;
        let conversation = browser
            .text("+14155550531", "Hi, what are your prices?")
            .await;
        let waiting = OffsetDateTime::now_utc() + Duration::hours(3);
        let queued = browser.state.messaging.queue_due_follow_ups(waiting).await;
        assert_eq!(queued.unwrap(), 1, "{}", browser.label);
        browser.text("+14155550531", "Dana").await;

        let thread = browser.get(&format!("/conversations/{conversation}")).await;
        assert_eq!(
            thread.body.matches(" · follow-up · ").count(),
            1,
            "{}: the nudge is marked",
            browser.label
        );
        let dashboard = browser
            .get(&format!("/dashboard?workflow={}", workflow.id))
            .await;
        for stage in ["Nudged (auto follow-up)", "Answered the nudge"] {
            assert!(
                dashboard.body.contains(stage),
                "{}: {stage} in the funnel",
                browser.label
            );
        }
        let counts = browser
            .store
            .follow_up_counts(
                workflow.id,
                &smsflow_store::analytics::Period::last_days(
                    OffsetDateTime::now_utc() + Duration::minutes(1),
                    1,
                ),
            )
            .await
            .unwrap();
        assert_eq!(
            (counts.nudged, counts.answered),
            (1, 1),
            "{}",
            browser.label
        );
    }
}

#[tokio::test]
async fn a_reply_restarts_the_wait_and_opted_out_or_taken_over_conversations_are_never_nudged() {
    for db in testing::all().await {
        let app = Installation::start(db, &[]).await;
        app.workflow_with_follow_up().await;
        let replied = app.text("+14155550511", "Hi, what are your prices?").await;
        let asked_at = app.last_message_at(replied).await;
        app.text("+14155550511", "Dana").await;
        let answered_at = app.last_message_at(replied).await;
        assert!(answered_at > asked_at, "{}", app.label);
        assert_eq!(
            app.nudges_at(answered_at + Duration::hours(4) - Duration::microseconds(1))
                .await,
            0,
            "{}: the reply started the wait again",
            app.label
        );

        let opted_out = app.text("+14155550512", "Hi, what are your prices?").await;
        app.text("+14155550512", "STOP").await;
        let taken_over = app.text("+14155550513", "Hi, what are your prices?").await;
        app.state
            .store
            .set_conversation_status(taken_over, ConversationStatus::Human)
            .await
            .unwrap();

        let later = app.last_message_at(taken_over).await + Duration::hours(5);
        assert_eq!(
            app.nudges_at(later).await,
            1,
            "{}: only the conversation still waiting",
            app.label
        );
        for (conversation, why) in [(opted_out, "opted out"), (taken_over, "taken over")] {
            let messages = app
                .state
                .store
                .conversation_messages(conversation)
                .await
                .unwrap();
            assert!(
                !messages.iter().any(|m| m.body.starts_with("Still there?")),
                "{}: {why}",
                app.label
            );
        }
    }
}

#[tokio::test]
async fn quiet_hours_defer_the_nudge_until_they_end() {
    for db in testing::all().await {
        // Quiet hours (UTC) from an hour before the nudge is due to an hour after it.
        let due = OffsetDateTime::now_utc() + Duration::hours(4);
        let clock = |at: OffsetDateTime| format!("{:02}:{:02}", at.hour(), at.minute());
        let (start, end) = (
            clock(due - Duration::hours(1)),
            clock(due + Duration::hours(1)),
        );
        let app = Installation::start(
            db,
            &[
                ("SMSFLOW_SMS_QUIET_HOURS_START", &start),
                ("SMSFLOW_SMS_QUIET_HOURS_END", &end),
            ],
        )
        .await;
        app.workflow_with_follow_up().await;
        let conversation = app.text("+14155550521", "Hi, what are your prices?").await;
        let asked_at = app.last_message_at(conversation).await;
        let due = asked_at + Duration::hours(4);
        assert_eq!(app.nudges_at(due).await, 0, "{}: quiet", app.label);
        assert_eq!(
            app.nudges_at(due + Duration::hours(2)).await,
            1,
            "{}: after quiet hours",
            app.label
        );
    }
}

#[tokio::test]
async fn the_follow_up_is_set_read_and_turned_off_through_the_api() {
    let app = spawn_with(Arc::new(testing::sqlite()), &[], false).await;
    let workflow = app
        .create(json!({
            "name": "Leads", "goal": "lead_capture", "active": true,
            "steps": [{"type": "extract_information", "fields": "name"}]
        }))
        .await;
    let path = format!("/workflows/{}/follow-up", workflow["id"].as_str().unwrap());
    let off = app.get(&path).send().await.unwrap();
    assert_eq!(off.status(), StatusCode::NOT_FOUND, "off by default");

    let too_long = json!({"after_hours": 500, "template": "Still there?"});
    let refused = app.put(&path, &too_long).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let blank = json!({"after_hours": 4, "template": {"en": " "}});
    let refused = app.put(&path, &blank).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);

    let setting =
        json!({"after_hours": 4, "template": {"en": "Still there?", "es": "¿Sigue ahí?"}});
    let set = app.put(&path, &setting).send().await.unwrap();
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(app.get_json(&path).await, setting);

    let deleted = app
        .http
        .delete(app.url(&path))
        .bearer_auth(&app.key)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let off = app.get(&path).send().await.unwrap();
    assert_eq!(off.status(), StatusCode::NOT_FOUND);

    let unknown = app
        .put(
            &format!("/workflows/{}/follow-up", Uuid::now_v7()),
            &setting,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_follow_up_is_set_and_turned_off_in_the_web_app() {
    use common::browser::form;
    for mut browser in common::browser::browsers().await {
        let workflow = signed_in_with(
            &mut browser,
            json!({
                "name": "Leads", "goal": "general_inquiry", "active": true,
                "steps": [{"type": "extract_information", "fields": "name"}]
            }),
        )
        .await;
        let path = format!("/workflows/{}/follow-up", workflow.id);
        let edit = browser.get(&format!("/workflows/{}", workflow.id)).await;
        assert!(
            edit.body.contains(&path),
            "{}: linked from the editor",
            browser.label
        );
        let page = browser.get(&path).await;
        let csrf = page.csrf();

        let refused = browser
            .post(
                &path,
                form(&[
                    ("csrf", &csrf),
                    ("on", "on"),
                    ("after_hours", "0"),
                    ("english", "Still there?"),
                ]),
            )
            .await;
        assert!(
            refused.body.contains("Hours: must be between 1 and 168"),
            "{}",
            browser.label
        );
        let saved = browser
            .post(
                &path,
                form(&[
                    ("csrf", &csrf),
                    ("on", "on"),
                    ("after_hours", "6"),
                    ("english", "Still there?"),
                    ("spanish", "¿Sigue ahí?"),
                ]),
            )
            .await;
        assert_eq!(
            saved.location.as_deref(),
            Some(format!("{path}?saved=live").as_str())
        );
        let setting = follow_up_of(&browser, workflow.id).await.unwrap();
        assert_eq!(setting.after_hours, 6, "{}", browser.label);
        assert_eq!(
            setting
                .template
                .in_language(smsflow_core::language::Language::Spanish),
            "¿Sigue ahí?",
            "{}",
            browser.label
        );
        browser
            .post(
                &path,
                form(&[
                    ("csrf", &csrf),
                    ("after_hours", "6"),
                    ("english", "Still there?"),
                ]),
            )
            .await;
        assert_eq!(
            follow_up_of(&browser, workflow.id).await,
            None,
            "{}: unticked is off",
            browser.label
        );
    }
}

/// The live workflow's follow-up.
async fn follow_up_of(browser: &common::browser::Browser, workflow: Uuid) -> Option<AutoFollowUp> {
    browser
        .store
        .get_workflow(workflow)
        .await
        .unwrap()
        .spec
        .follow_up
}

/// The history entry of the latest version, with its changes.
async fn latest_version(app: &common::TestApp) -> serde_json::Value {
    let number = app.get_json("/workflows/versions").await["items"][0]["number"].clone();
    app.get_json(&format!("/workflows/versions/{number}")).await
}

/// The bug this fixes: the follow-up lived in a table of its own, deleted with its workflow by a
/// publish and not in the versions, so a rollback brought the workflow back without it.
#[tokio::test]
async fn a_workflow_deleted_by_a_publish_and_restored_by_a_rollback_keeps_its_follow_up() {
    for app in common::apps().await {
        let workflow = app
            .create(json!({
                "name": "Leads", "goal": "lead_capture", "active": true,
                "steps": [{"type": "extract_information", "fields": "name"}]
            }))
            .await;
        let id = workflow["id"].as_str().unwrap();
        let path = format!("/workflows/{id}/follow-up");
        let setting =
            json!({"after_hours": 4, "template": {"en": "Still there?", "es": "¿Sigue ahí?"}});
        let set = app.put(&path, &setting).send().await.unwrap();
        assert_eq!(set.status(), StatusCode::OK, "{}", app.label);

        // Setting it is a version of the workflow, with the change in words.
        let with_follow_up = latest_version(&app).await;
        assert_eq!(
            with_follow_up["changes"]["workflows"][0]["fields"],
            json!([{"field": "follow_up", "before": null,
                    "after": "after 4 hours, en: \"Still there?\", es: \"¿Sigue ahí?\""}]),
            "{}",
            app.label
        );
        assert_eq!(
            app.get_json(&format!("/workflows/{id}")).await["follow_up"],
            setting,
            "{}: part of the workflow",
            app.label
        );

        // A publish without the workflow deletes it.
        let emptied = app
            .put("/workflows/draft", &json!({"workflows": []}))
            .send()
            .await
            .unwrap();
        assert_eq!(emptied.status(), StatusCode::OK, "{}", app.label);
        let published = app
            .post("/workflows/draft/publish", &json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(published.status(), StatusCode::CREATED, "{}", app.label);
        let gone = app.get(&format!("/workflows/{id}")).send().await.unwrap();
        assert_eq!(gone.status(), StatusCode::NOT_FOUND, "{}", app.label);

        let rollback = app
            .post(
                &format!("/workflows/versions/{}/rollback", with_follow_up["number"]),
                &json!({}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(rollback.status(), StatusCode::CREATED, "{}", app.label);
        assert_eq!(
            app.get_json(&path).await,
            setting,
            "{}: restored with the workflow",
            app.label
        );
    }
}

#[tokio::test]
async fn a_follow_up_saved_in_a_draft_is_shown_in_its_changes_and_goes_live_when_published() {
    for app in common::apps().await {
        let workflow = app
            .create(json!({"name": "Leads", "goal": "lead_capture", "active": true}))
            .await;
        let path = format!("/workflows/{}/follow-up", workflow["id"].as_str().unwrap());
        let setting = json!({"after_hours": 12, "template": "Still there?"});
        let draft = app
            .put(
                "/workflows/draft",
                &json!({"workflows": [
                    {"name": "Leads", "goal": "lead_capture", "active": true, "follow_up": setting}
                ]}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(draft.status(), StatusCode::OK, "{}", app.label);
        let draft: serde_json::Value = draft.json().await.unwrap();
        assert_eq!(
            draft["changes"]["workflows"][0]["fields"],
            json!([{"field": "follow_up", "before": null, "after": "after 12 hours, \"Still there?\""}]),
            "{}",
            app.label
        );
        let off = app.get(&path).send().await.unwrap();
        assert_eq!(
            off.status(),
            StatusCode::NOT_FOUND,
            "{}: not live yet",
            app.label
        );

        let published = app
            .post("/workflows/draft/publish", &json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(published.status(), StatusCode::CREATED, "{}", app.label);
        assert_eq!(app.get_json(&path).await, setting, "{}", app.label);

        // An invalid follow-up in a draft is refused with its path, like any field.
        let refused = app
            .put(
                "/workflows/draft",
                &json!({"workflows": [
                    {"name": "Leads", "goal": "lead_capture",
                     "follow_up": {"after_hours": 0, "template": "Still there?"}}
                ]}),
            )
            .send()
            .await
            .unwrap();
        let refused = common::problem(refused, StatusCode::BAD_REQUEST).await;
        assert!(
            common::problem_fields(&refused)
                .iter()
                .any(|field| field.ends_with("follow_up.after_hours")),
            "{}: {refused}",
            app.label
        );
    }
}

#[tokio::test]
async fn the_follow_up_page_saves_to_the_draft_and_shows_the_drafts_copy() {
    use common::browser::form;
    for mut browser in common::browser::browsers().await {
        let workflow = signed_in_with(
            &mut browser,
            json!({
                "name": "Leads", "goal": "general_inquiry", "active": true,
                "follow_up": {"after_hours": 2, "template": "Still there?"}
            }),
        )
        .await;
        let path = format!("/workflows/{}/follow-up", workflow.id);
        let csrf = browser.get(&path).await.csrf();
        let saved = browser
            .post(
                &path,
                form(&[
                    ("csrf", &csrf),
                    ("on", "on"),
                    ("after_hours", "8"),
                    ("english", "Any questions?"),
                    ("action", "save_draft"),
                ]),
            )
            .await;
        assert_eq!(
            saved.location.as_deref(),
            Some(format!("{path}?saved=draft").as_str()),
            "{}",
            browser.label
        );
        assert_eq!(
            follow_up_of(&browser, workflow.id)
                .await
                .unwrap()
                .after_hours,
            2,
            "{}: the live workflow is unchanged",
            browser.label
        );
        let draft = browser.store.get_draft().await.unwrap().unwrap();
        let drafted = draft
            .workflows
            .iter()
            .find(|drafted| drafted.id == workflow.id)
            .unwrap();
        assert_eq!(
            drafted.spec.follow_up.as_ref().map(|f| f.after_hours),
            Some(8),
            "{}",
            browser.label
        );
        let page = browser.get(&path).await;
        assert!(
            page.body.contains("id=\"from-draft\"") && page.body.contains("Any questions?"),
            "{}: the page shows the draft's copy",
            browser.label
        );

        // The editor, saving other fields to the draft, keeps the draft's follow-up.
        let editor = format!("/workflows/{}", workflow.id);
        let edit = browser.get(&editor).await;
        let submitted = common::browser::submitted_form(&edit.body, &editor)
            .replace("action=save", "action=save_draft")
            .replace("priority=0", "priority=5");
        let saved = browser.post(&editor, submitted).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", browser.label);
        let draft = browser.store.get_draft().await.unwrap().unwrap();
        let drafted = &draft.workflows[0].spec;
        assert_eq!(
            (
                drafted.priority,
                drafted.follow_up.as_ref().map(|f| f.after_hours)
            ),
            (5, Some(8)),
            "{}",
            browser.label
        );
    }
}

/// Signs the browser in as an admin, with `workflow` created; the stored workflow.
async fn signed_in_with(
    browser: &mut common::browser::Browser,
    workflow: serde_json::Value,
) -> smsflow_core::Workflow {
    browser.with_admin().await;
    browser.sign_in().await;
    let name = workflow["name"].as_str().unwrap().to_string();
    browser.workflow(workflow).await;
    browser
        .store
        .find_workflow_by_name(&name)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn the_openapi_document_shows_the_follow_up_as_a_field_of_the_workflow_spec() {
    let app = spawn_with(Arc::new(testing::sqlite()), &[], false).await;
    let document = app.get_json("/openapi.json").await;
    let schemas = &document["components"]["schemas"];
    assert_eq!(
        schemas["AutoFollowUp"]["required"],
        json!(["after_hours", "template"])
    );
    for schema in ["WorkflowSpec", "WorkflowDraft"] {
        let text = schemas[schema].to_string();
        assert!(
            text.contains("\"follow_up\"") && text.contains("#/components/schemas/AutoFollowUp"),
            "{schema}: {text}"
        );
    }
}
