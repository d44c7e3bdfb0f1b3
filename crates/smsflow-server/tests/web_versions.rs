//! Changing workflows safely in the web app (draft badge, publish, history with diffs, restore, the
//! replay page) and the audit log (web page and `GET /api/v1/audit`), on SQLite and PostgreSQL.

mod common;

use common::browser::*;
use common::{apps, problem_fields};
use reqwest::StatusCode;
use serde_json::{Value, json};
use smsflow_store::Author;

/// The edit form of a workflow without steps.
fn edit_form(csrf: &str, name: &str, priority: &str, active: bool, action: &str) -> String {
    let mut pairs = vec![
        ("csrf", csrf),
        ("name", name),
        ("goal", "help_desk_support"),
        ("context", ""),
        ("priority", priority),
        ("keywords", "refund"),
        ("action", action),
    ];
    if active {
        pairs.push(("active", "on"));
    }
    form(&pairs)
}

#[tokio::test]
async fn edits_go_to_the_draft_then_are_published_with_their_diff_and_restored() {
    for mut app in browsers().await {
        app.with_admin().await;
        app.sign_in().await;
        let name = "Refunds <b>now</b>";
        app.workflow(
            json!({"name": name, "goal": "help_desk_support", "priority": 30,
            "active": true, "keywords": ["refund"]}),
        )
        .await;
        let id = app.store.all_workflows().await.unwrap()[0].id;
        let edit_path = format!("/workflows/{id}");

        // Save to draft: nothing goes live; the list shows the banner and the badge, escaped.
        let csrf = app.get(&edit_path).await.csrf();
        let saved = app
            .post(
                &edit_path,
                edit_form(&csrf, name, "35", false, "save_draft"),
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", app.label);
        assert!(saved.location.unwrap().contains("notice=drafted"));
        let live = app.store.get_workflow(id).await.unwrap();
        assert_eq!((live.spec.priority, live.spec.active), (30, true));
        let list = app.get("/workflows").await;
        assert!(list.body.contains("id=\"draft-banner\""), "{}", list.body);
        assert!(list.body.contains("0 created, 1 changed, 0 deleted"));
        assert!(
            list.body
                .contains("<span class=\"badge draft\">Draft</span>")
        );
        assert!(!list.body.contains("<b>now"));
        // Editing again starts from the draft's copy.
        let edit = app.get(&edit_path).await;
        assert!(edit.body.contains("id=\"from-draft\""));
        assert!(edit.body.contains("value=\"35\""));

        // The draft page: the diff in words, and a publish form naming the revision reviewed.
        let draft = app.get("/workflows/draft").await;
        assert!(
            draft
                .body
                .contains("Changed “Refunds &#60;b&#62;now&#60;/b&#62;”")
        );
        assert!(
            draft.body.contains(
                "<th scope=\"row\">priority</th><td><del>30</del></td><td><ins>35</ins></td>"
            ),
            "{}",
            draft.body
        );
        let revision = hidden(&draft.body, "revision").unwrap();
        let refused = app
            .post(
                "/workflows/draft/publish",
                form(&[("revision", revision.as_str())]),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{}: no CSRF token",
            app.label
        );

        // A direct edit since the draft started: publishing is refused, nothing merged.
        app.store
            .set_workflow_active(id, true, None, &Author::system())
            .await
            .unwrap();
        app.workflow(json!({"name": "Sales", "goal": "sales_inquiry", "active": true}))
            .await;
        let csrf = draft.csrf();
        let stale = app
            .post(
                "/workflows/draft/publish",
                form(&[("csrf", &csrf), ("revision", &revision)]),
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", app.label);
        assert!(
            stale
                .body
                .contains("Not published: the published workflows changed"),
            "{}",
            stale.body
        );
        assert_eq!(app.store.get_workflow(id).await.unwrap().spec.priority, 30);
        let discarded = app
            .post("/workflows/draft/discard", form(&[("csrf", &csrf)]))
            .await;
        assert_eq!(
            discarded.location.as_deref(),
            Some("/workflows?notice=discarded")
        );

        // Again from the new live set, then publish with a note.
        let csrf = app.get(&edit_path).await.csrf();
        app.post(
            &edit_path,
            edit_form(&csrf, name, "35", false, "save_draft"),
        )
        .await;
        let draft = app.get("/workflows/draft").await;
        let revision = hidden(&draft.body, "revision").unwrap();
        let before_publish = app.store.latest_version().await.unwrap();
        let published = app
            .post(
                "/workflows/draft/publish",
                form(&[
                    ("csrf", &csrf),
                    ("revision", &revision),
                    ("note", "quiet <season>"),
                ]),
            )
            .await;
        assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", app.label);
        let number = app.store.latest_version().await.unwrap();
        assert_eq!(
            published.location.as_deref(),
            Some(format!("/workflows/history?published={number}").as_str())
        );
        let live = app.store.get_workflow(id).await.unwrap();
        assert_eq!((live.spec.priority, live.spec.active), (35, false));
        assert!(
            app.get("/workflows")
                .await
                .body
                .find("draft-banner")
                .is_none()
        );

        // History and the version's diff; the live version offers no restore.
        let history = app
            .get(&format!("/workflows/history?published={number}"))
            .await;
        assert!(history.body.contains(&format!("Version {number} is live.")));
        assert!(history.body.contains("admin ada@example.com"));
        assert!(history.body.contains("quiet &#60;season&#62;"));
        let version = app.get(&format!("/workflows/history/{number}")).await;
        assert!(version.body.contains("<del>30</del></td><td><ins>35</ins>"));
        assert!(
            version
                .body
                .contains("<del>true</del></td><td><ins>false</ins>")
        );
        assert!(!version.body.contains("/restore"));

        // Restore the version before the publish: exactly that set, as a new version.
        let restored = app
            .post(
                &format!("/workflows/history/{before_publish}/restore"),
                form(&[("csrf", &csrf)]),
            )
            .await;
        assert_eq!(restored.status, StatusCode::SEE_OTHER, "{}", app.label);
        let live = app.store.get_workflow(id).await.unwrap();
        assert_eq!((live.spec.priority, live.spec.active), (30, true));
        let earlier = app.store.get_version(before_publish).await.unwrap();
        let now = app
            .store
            .get_version(app.store.latest_version().await.unwrap())
            .await
            .unwrap();
        let specs = |set: &[smsflow_core::Workflow]| {
            set.iter()
                .map(|w| (w.id, w.spec.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(specs(&now.workflows), specs(&earlier.workflows));

        // The audit log page names who did what, escaped, and filters.
        let audit = app.get("/audit?subject=workflows").await;
        assert!(audit.body.contains(&format!(
            "version {} restores version {before_publish}",
            number + 1
        )));
        assert!(audit.body.contains("admin ada@example.com"));
        assert!(audit.body.contains("&#60;b&#62;now"));
        assert!(!audit.body.contains("<b>now"));
        let agents_only = app.get("/audit?subject=agent").await;
        assert!(
            agents_only
                .body
                .contains("No changes recorded that match these filters")
        );
    }
}

/// A new workflow can go to the draft instead of live; its name must not clash with one in the
/// draft; and each draft save is in the audit log with who saved it.
#[tokio::test]
async fn a_new_workflow_saved_to_the_draft_is_not_live_and_the_save_is_audited() {
    for mut app in browsers().await {
        app.with_admin().await;
        app.sign_in().await;
        app.workflow(json!({"name": "Refunds", "goal": "help_desk_support", "active": true}))
            .await;
        let csrf = app.get("/workflows/new").await.csrf();
        let saved = app
            .post(
                "/workflows/new",
                edit_form(&csrf, "Returns", "25", true, "save_draft"),
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", app.label);
        assert!(saved.location.unwrap().contains("notice=drafted"));
        assert_eq!(app.store.all_workflows().await.unwrap().len(), 1);
        let draft = app.store.get_draft().await.unwrap().unwrap();
        let names: Vec<&str> = draft
            .workflows
            .iter()
            .map(|w| w.spec.name.as_str())
            .collect();
        assert_eq!(names, ["Refunds", "Returns"]);
        let list = app.get("/workflows").await;
        assert!(list.body.contains("1 created, 0 changed, 0 deleted"));

        // A second new workflow with a name the draft has (any case) is not saved.
        let clash = app
            .post(
                "/workflows/new",
                edit_form(&csrf, "RETURNS", "25", true, "save_draft"),
            )
            .await;
        assert_eq!(clash.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            clash
                .body
                .contains("another workflow already has this name")
        );
        assert_eq!(app.store.get_draft().await.unwrap().unwrap().revision, 1);

        let audit = app.get("/audit?subject=draft").await;
        assert!(
            audit.body.contains("draft revision 1: “Returns”")
                || audit.body.contains("draft revision 1: &#34;Returns&#34;"),
            "{}",
            audit.body
        );
        assert!(audit.body.contains("admin ada@example.com"));
    }
}

#[tokio::test]
async fn the_replay_page_shows_progress_then_a_report_that_filters() {
    for mut app in browsers().await {
        app.with_admin().await;
        app.sign_in().await;
        app.workflow(
            json!({"name": "Support", "goal": "help_desk_support", "priority": 30,
            "active": true, "keywords": ["broken"]}),
        )
        .await;
        app.workflow(json!({"name": "Everything else", "goal": "general_inquiry", "active": true}))
            .await;
        for (from, body) in [
            ("+14155550301", "my <i>screen</i> is broken"),
            ("+14155550302", "the app is broken again"),
            ("+14155550303", "hello there"),
        ] {
            app.text(from, body).await;
        }
        let form_page = app.get("/workflows/replay").await;
        assert!(
            form_page.body.contains("(there is no draft)"),
            "{}",
            app.label
        );
        let csrf = form_page.csrf();
        let no_draft = app
            .post(
                "/workflows/replay",
                form(&[("csrf", &csrf), ("since", "7d"), ("against", "draft")]),
            )
            .await;
        assert_eq!(no_draft.status, StatusCode::CONFLICT);

        // A draft that turns Support off, replayed against the published set.
        let live = app.store.all_workflows().await.unwrap();
        let mut set: Vec<smsflow_store::DraftWorkflow> = live
            .iter()
            .map(smsflow_store::DraftWorkflow::from)
            .collect();
        for workflow in &mut set {
            if workflow.spec.name.as_str() == "Support" {
                workflow.spec.active = false;
            }
        }
        app.store
            .save_draft(&set, None, &Author::system())
            .await
            .unwrap();
        let started = app
            .post(
                "/workflows/replay",
                form(&[("csrf", &csrf), ("since", "7d"), ("against", "draft")]),
            )
            .await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", app.label);
        let job = started.location.unwrap();
        let mut page = app.get(&job).await;
        for _ in 0..400 {
            if page.body.contains("id=\"replay-summary\"") {
                break;
            }
            // While it runs, the page polls itself (htmx, no inline script) and shows a progress bar.
            assert!(page.body.contains("hx-trigger=\"every 1s\""));
            assert!(page.body.contains("<progress id=\"replay-progress\""));
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            page = app.get(&job).await;
        }
        assert!(
            page.body.contains(
                "3 texts replayed (0 STOP/START/HELP left out): 2 would route differently"
            ),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("<progress id=\"replay-progress\" max=\"100\" value=\"100\"")
        );
        assert!(
            page.body
                .contains("my &#60;i&#62;screen&#60;/i&#62; is broken")
        );
        assert!(
            page.body
                .match_indices("<script")
                .all(|(at, _)| page.body[at..].starts_with("<script src=\"/assets/")),
            "no inline script: {}",
            page.body
        );
        let rows = |body: &str| {
            body.matches("<td data-label=\"Text\"><a href=\"/conversations/")
                .count()
        };
        assert_eq!(rows(&page.body), 2);
        let filtered = app.get(&format!("{job}?workflow=&q=AGAIN")).await;
        assert_eq!(rows(&filtered.body), 1, "{}", app.label);
        assert!(filtered.body.contains("the app is broken again"));
        let by_workflow = app.get(&format!("{job}?workflow=Nobody")).await;
        assert_eq!(rows(&by_workflow.body), 0);
        let missing = app
            .get("/workflows/replay/0195f2a4-0000-7000-8000-000000000000")
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_audit_api_lists_changes_newest_first_with_filters_and_pages() {
    for app in apps().await {
        for name in ["Front desk", "Night desk", "Weekend desk"] {
            let created = app
                .post("/agents", &json!({"name": name}))
                .send()
                .await
                .unwrap();
            assert_eq!(created.status(), StatusCode::CREATED, "{}", app.label);
        }
        let agents: Value = app.get_json("/audit?subject=agent&limit=2").await;
        let items = agents["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{}: {agents}", app.label);
        assert_eq!(items[0]["summary"], "agent \"Weekend desk\"");
        assert_eq!(items[0]["action"], "create");
        assert_eq!(items[0]["subject"], "agent");
        assert!(items[0]["before"].is_null());
        assert_eq!(items[0]["after"]["name"], "Weekend desk");
        assert!(
            items[0]["actor"]
                .as_str()
                .unwrap()
                .starts_with("api key \"test-")
        );
        let cursor = agents["next_cursor"].as_str().unwrap();
        let older: Value = app
            .get_json(&format!("/audit?subject=agent&limit=2&cursor={cursor}"))
            .await;
        assert_eq!(older["items"][0]["summary"], "agent \"Front desk\"");
        assert!(older["next_cursor"].is_null());

        let by_nobody: Value = app.get_json("/audit?actor=nobody").await;
        assert_eq!(by_nobody["items"], json!([]));
        let bad = app.get("/audit?limit=0").send().await.unwrap();
        assert_eq!(
            problem_fields(&common::problem(bad, StatusCode::BAD_REQUEST).await),
            ["query.limit"]
        );
        let bad = app.get("/audit?subject=planets").send().await.unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        let bad = app.get("/audit?cursor=nonsense").send().await.unwrap();
        assert_eq!(
            problem_fields(&common::problem(bad, StatusCode::BAD_REQUEST).await),
            ["query.cursor"]
        );
    }
}

#[tokio::test]
async fn a_pasted_suite_of_conversation_tests_runs_against_the_draft() {
    for mut app in browsers().await {
        app.with_admin().await;
        app.sign_in().await;
        app.workflow(
            json!({"name": "Support", "goal": "help_desk_support", "priority": 30,
            "active": true, "keywords": ["broken"]}),
        )
        .await;
        app.workflow(json!({"name": "Everything else", "goal": "general_inquiry", "active": true}))
            .await;
        let live = app.store.all_workflows().await.unwrap();
        let mut set: Vec<smsflow_store::DraftWorkflow> = live
            .iter()
            .map(smsflow_store::DraftWorkflow::from)
            .collect();
        for workflow in &mut set {
            if workflow.spec.name.as_str() == "Support" {
                workflow.spec.active = false;
            }
        }
        app.store
            .save_draft(&set, None, &Author::system())
            .await
            .unwrap();

        let csrf = app.get("/workflows/draft/tests").await.csrf();
        let suite = "tests:\n  - name: small talk <stays> general\n    turns:\n      - send: hello there\n        workflow: Everything else\n  - name: a broken screen goes to Support\n    turns:\n      - send: my screen is broken\n        workflow: Support\n";
        let ran = app
            .post(
                "/workflows/draft/tests",
                form(&[("csrf", &csrf), ("suite", suite)]),
            )
            .await;
        assert_eq!(ran.status, StatusCode::OK, "{}: {}", app.label, ran.body);
        assert!(
            ran.body
                .contains("1 of 2 tests passed against the draft (revision 1)."),
            "{}",
            ran.body
        );
        assert!(ran.body.contains("small talk &#60;stays&#62; general"));
        assert!(
            ran.body
                .contains("<span class=\"badge warn\">Failed</span>")
        );
        assert!(
            ran.body.contains("expected: Support"),
            "the failure says what was expected: {}",
            ran.body
        );
        // Nothing the tests sent reached the installation.
        assert!(
            app.store
                .list_conversations(&Default::default())
                .await
                .unwrap()
                .items
                .is_empty()
        );

        let misspelt = app
            .post(
                "/workflows/draft/tests",
                form(&[(
                    "csrf",
                    &csrf,
                ), ("suite", "tests:\n  - name: x\n    turns:\n      - send: hi\n        wrkflow: Support\n")]),
            )
            .await;
        assert_eq!(misspelt.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            misspelt.body.contains("tests[0].turns[0]"),
            "the unknown key is named by its path: {}",
            misspelt.body
        );
        let without_csrf = app
            .post("/workflows/draft/tests", form(&[("suite", suite)]))
            .await;
        assert_eq!(without_csrf.status, StatusCode::FORBIDDEN);

        // Saved, the suite is kept beside the workflows and the page opens with it.
        let saved = app
            .post(
                "/workflows/draft/tests",
                form(&[("csrf", &csrf), ("suite", suite), ("action", "save")]),
            )
            .await;
        assert_eq!(
            saved.status,
            StatusCode::OK,
            "{}: {}",
            app.label,
            saved.body
        );
        assert!(saved.body.contains("1 of 2 tests passed against the draft"));
        let stored = app.store.saved_test_suite().await.unwrap().unwrap();
        assert_eq!(stored.yaml, suite);
        assert!(
            stored.author.as_str().starts_with("admin "),
            "{}",
            stored.author
        );
        let reopened = app.get("/workflows/draft/tests").await;
        assert!(reopened.body.contains("small talk &#60;stays&#62; general"));
        assert!(
            reopened.body.contains("Saved by admin "),
            "{}",
            reopened.body
        );
        // A suite that does not parse is not saved over it.
        let refused = app
            .post(
                "/workflows/draft/tests",
                form(&[("csrf", &csrf), ("suite", "tests: 7"), ("action", "save")]),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("Not saved:"), "{}", refused.body);
        let kept = app.store.saved_test_suite().await.unwrap().unwrap();
        assert_eq!(kept.yaml, suite);
    }
}
