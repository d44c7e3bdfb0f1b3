//! Storage behaviour, run on SQLite and (when configured) PostgreSQL.

use smsflow_core::{Goal, WorkflowDraft, WorkflowSpec};
use smsflow_store::{Author, StoreError, WorkflowQuery, testing};

fn tester() -> Author {
    Author::api_key("tests")
}

fn spec(name: &str, goal: &str, priority: i64, active: bool) -> WorkflowSpec {
    serde_json::from_value::<WorkflowDraft>(serde_json::json!({
        "name": name, "goal": goal, "priority": priority, "active": active,
        "keywords": ["estimate"],
        "examples": ["what would a new roof cost?", "¿Cuánto cuesta?"],
        "steps": [{"type": "extract_information", "fields": "name,email"},
                  {"type": "save_to_database", "table": "leads"}]
    }))
    .unwrap()
    .validate()
    .unwrap()
}

#[tokio::test]
async fn workflows_are_created_read_and_unique_by_name() {
    for db in testing::all().await {
        let store = db.store().await;
        let created = store
            .create_workflow(&spec("Leads", "lead_capture", 20, true), &tester())
            .await
            .unwrap();
        assert_eq!(created.version, 1, "{}", db.label);
        assert_eq!(created.created_at, created.updated_at);
        let fetched = store.get_workflow(created.id).await.unwrap();
        assert_eq!(
            fetched, created,
            "{}: a stored workflow reads back equal",
            db.label
        );
        assert_eq!(
            fetched.spec.examples,
            ["what would a new roof cost?", "¿Cuánto cuesta?"],
            "{}: examples are stored",
            db.label
        );
        let mut changed = fetched.spec.clone();
        changed.examples = vec!["quote for a fence".into()];
        let updated = store
            .update_workflow(created.id, &changed, Some(created.version), &tester())
            .await
            .unwrap();
        assert_eq!(updated.spec.examples, ["quote for a fence"], "{}", db.label);
        let by_name = store.find_workflow_by_name(" leads ").await.unwrap();
        assert_eq!(by_name.map(|w| w.id), Some(created.id));

        let duplicate = store
            .create_workflow(&spec("LEADS", "sales_inquiry", 0, false), &tester())
            .await;
        assert!(
            matches!(duplicate, Err(StoreError::NameTaken(ref n)) if n == "LEADS"),
            "{}: {duplicate:?}",
            db.label
        );
        let missing = store.get_workflow(uuid::Uuid::now_v7()).await;
        assert!(matches!(missing, Err(StoreError::NotFound { .. })));
    }
}

#[tokio::test]
async fn listing_filters_sorts_and_pages() {
    for db in testing::all().await {
        let store = db.store().await;
        for (name, goal, priority, active) in [
            ("b support", "help_desk_support", 10, true),
            ("a support", "help_desk_support", 10, false),
            ("Sales", "sales_inquiry", 30, true),
            ("Fallback 100%", "general_inquiry", 0, true),
            ("Booking", "appointment_booking", 20, true),
        ] {
            store
                .create_workflow(&spec(name, goal, priority, active), &tester())
                .await
                .unwrap();
        }
        let names = |page: &smsflow_store::WorkflowPage| {
            page.items
                .iter()
                .map(|w| w.spec.name.to_string())
                .collect::<Vec<_>>()
        };

        let mut query = WorkflowQuery {
            limit: 2,
            ..Default::default()
        };
        let mut seen = Vec::new();
        loop {
            let page = store.list_workflows(&query).await.unwrap();
            assert_eq!(page.total, 5);
            seen.extend(names(&page));
            match page.next {
                Some(next) => query.after = Some(next),
                None => break,
            }
        }
        assert_eq!(
            seen,
            [
                "Sales",
                "Booking",
                "a support",
                "b support",
                "Fallback 100%"
            ],
            "{}",
            db.label
        );

        let support = store
            .list_workflows(&WorkflowQuery {
                goal: Some(Goal::HelpDeskSupport),
                active: Some(true),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(names(&support), ["b support"]);
        let search = |text: &str| WorkflowQuery {
            name_contains: Some(text.into()),
            limit: 50,
            ..Default::default()
        };
        assert_eq!(
            names(&store.list_workflows(&search("SUPP")).await.unwrap()),
            ["a support", "b support"]
        );
        assert_eq!(
            names(&store.list_workflows(&search("100%")).await.unwrap()),
            ["Fallback 100%"]
        );
        assert_eq!(
            store.list_workflows(&search("_")).await.unwrap().total,
            0,
            "LIKE wildcards are literal"
        );
    }
}

#[tokio::test]
async fn updates_check_the_version_and_bump_it() {
    for db in testing::all().await {
        let store = db.store().await;
        let created = store
            .create_workflow(&spec("Leads", "lead_capture", 20, false), &tester())
            .await
            .unwrap();
        let revision = store.workflows_revision().await.unwrap();

        let updated = store
            .update_workflow(
                created.id,
                &spec("Leads v2", "lead_capture", 25, false),
                Some(1),
                &tester(),
            )
            .await
            .unwrap();
        assert_eq!(updated.version, 2);
        assert_eq!(updated.spec.name.as_str(), "Leads v2");
        assert!(updated.updated_at >= created.updated_at);
        assert_eq!(updated.created_at, created.created_at);
        assert!(
            store.workflows_revision().await.unwrap() > revision,
            "{}: changes bump the revision",
            db.label
        );

        let stale = store
            .update_workflow(
                created.id,
                &spec("Stale", "lead_capture", 0, false),
                Some(1),
                &tester(),
            )
            .await;
        assert!(
            matches!(stale, Err(StoreError::VersionConflict { current: 2 })),
            "{}: {stale:?}",
            db.label
        );
        assert_eq!(
            store
                .get_workflow(created.id)
                .await
                .unwrap()
                .spec
                .name
                .as_str(),
            "Leads v2",
            "nothing overwritten"
        );

        let active = store
            .set_workflow_active(created.id, true, None, &tester())
            .await
            .unwrap();
        assert!(active.spec.active);
        assert_eq!(active.version, 3);
        let again = store
            .set_workflow_active(created.id, true, None, &tester())
            .await
            .unwrap();
        assert_eq!(
            again.version, 3,
            "activating an active workflow changes nothing"
        );

        assert!(matches!(
            store.delete_workflow(created.id, Some(1), &tester()).await,
            Err(StoreError::VersionConflict { current: 3 })
        ));
        store
            .delete_workflow(created.id, Some(3), &tester())
            .await
            .unwrap();
        assert!(matches!(
            store.delete_workflow(created.id, None, &tester()).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            store
                .set_workflow_active(created.id, false, None, &tester())
                .await,
            Err(StoreError::NotFound { .. })
        ));
    }
}

/// Two processes on one database: the database, not an in-process lock, decides who wins.
#[tokio::test]
async fn concurrent_updates_from_two_stores_never_both_win() {
    for db in testing::all().await {
        let (first, second) = (db.store().await, db.store().await);
        let created = first
            .create_workflow(&spec("Shared", "lead_capture", 0, false), &tester())
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store = if i % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            let id = created.id;
            tasks.push(tokio::spawn(async move {
                store
                    .update_workflow(
                        id,
                        &spec(&format!("Writer {i}"), "lead_capture", i, false),
                        Some(1),
                        &tester(),
                    )
                    .await
            }));
        }
        let mut winners = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(workflow) => {
                    winners += 1;
                    assert_eq!(workflow.version, 2);
                }
                Err(StoreError::VersionConflict { current: 2 }) => {}
                Err(other) => panic!("{}: unexpected {other}", db.label),
            }
        }
        assert_eq!(
            winners, 1,
            "{}: exactly one writer of version 1 wins",
            db.label
        );
    }
}

#[tokio::test]
async fn api_keys_are_hashed_authenticated_and_revoked() {
    for db in testing::all().await {
        let store = db.store().await;
        let created = store
            .create_api_key(
                "ci",
                smsflow_store::ApiKeyScope::Full,
                &smsflow_store::Author::system(),
            )
            .await
            .unwrap();
        assert!(created.secret.starts_with(&created.key.prefix));
        let found = store.authenticate(&created.secret).await.unwrap();
        assert_eq!(found.map(|k| k.id), Some(created.key.id));
        assert_eq!(store.authenticate("sfk_wrong").await.unwrap(), None);
        assert!(matches!(
            store
                .create_api_key(
                    "ci",
                    smsflow_store::ApiKeyScope::Full,
                    &smsflow_store::Author::system()
                )
                .await,
            Err(StoreError::ApiKeyNameTaken(_))
        ));

        let revoked = store
            .revoke_api_key("ci", &smsflow_store::Author::system())
            .await
            .unwrap();
        assert!(revoked.revoked_at.is_some());
        assert_eq!(
            store.authenticate(&created.secret).await.unwrap(),
            None,
            "{}",
            db.label
        );
        assert!(matches!(
            store
                .revoke_api_key("ci", &smsflow_store::Author::system())
                .await,
            Err(StoreError::NotFound { .. })
        ));
        let replacement = store
            .create_api_key(
                "ci",
                smsflow_store::ApiKeyScope::Full,
                &smsflow_store::Author::system(),
            )
            .await
            .unwrap();
        store
            .revoke_api_key(
                &replacement.key.id.to_string(),
                &smsflow_store::Author::system(),
            )
            .await
            .unwrap();
        assert_eq!(store.list_api_keys().await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn a_missing_sqlite_directory_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}",
        dir.path().join("nested/dir/smsflow.db").display()
    );
    let store = smsflow_store::connect(&url).await.unwrap();
    assert_eq!(store.backend(), "sqlite");
    assert!(matches!(
        smsflow_store::connect("mysql://x").await,
        Err(StoreError::UnsupportedUrl(_))
    ));
}

#[tokio::test]
async fn admins_and_their_sessions() {
    use smsflow_store::AdminCreation;
    for db in testing::all().await {
        let store = db.store().await;
        assert_eq!(store.count_admins().await.unwrap(), 0);
        let first = store
            .create_admin(
                " Ada@Example.com ",
                "$argon2id$first",
                AdminCreation::FirstRun,
                &smsflow_store::Author::system(),
            )
            .await
            .unwrap();
        assert_eq!(first.email, "Ada@Example.com", "{}", db.label);
        let again = store
            .create_admin(
                "bob@example.com",
                "$argon2id$x",
                AdminCreation::FirstRun,
                &smsflow_store::Author::system(),
            )
            .await;
        assert!(
            matches!(again, Err(StoreError::AdminExists)),
            "{}: the setup page works once: {again:?}",
            db.label
        );
        let taken = store
            .create_admin(
                "ADA@example.com",
                "$argon2id$x",
                AdminCreation::Operator(smsflow_store::Role::Admin),
                &smsflow_store::Author::system(),
            )
            .await;
        assert!(
            matches!(taken, Err(StoreError::AdminEmailTaken(_))),
            "{}: {taken:?}",
            db.label
        );
        store
            .create_admin(
                "bob@example.com",
                "$argon2id$bob",
                AdminCreation::Operator(smsflow_store::Role::Admin),
                &smsflow_store::Author::system(),
            )
            .await
            .unwrap();
        assert_eq!(store.count_admins().await.unwrap(), 2);

        let credentials = store
            .admin_credentials("ada@EXAMPLE.com")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(credentials.admin.id, first.id);
        assert_eq!(credentials.password_hash, "$argon2id$first");
        assert!(
            store
                .admin_credentials("eve@example.com")
                .await
                .unwrap()
                .is_none()
        );

        let session = store
            .create_admin_session(first.id, time::Duration::hours(1))
            .await
            .unwrap();
        assert_ne!(session.token, session.csrf_token);
        let live = store.admin_session(&session.token).await.unwrap().unwrap();
        assert_eq!(live.admin.id, first.id, "{}", db.label);
        assert_eq!(live.csrf_token, session.csrf_token);
        assert_eq!(
            live.expires_at.unix_timestamp(),
            session.expires_at.unix_timestamp()
        );
        assert!(store.admin_session("not-a-token").await.unwrap().is_none());

        let expired = store
            .create_admin_session(first.id, time::Duration::seconds(-1))
            .await
            .unwrap();
        assert!(
            store.admin_session(&expired.token).await.unwrap().is_none(),
            "{}: an expired session does not sign anyone in",
            db.label
        );

        store.delete_admin_session(&session.token).await.unwrap();
        assert!(store.admin_session(&session.token).await.unwrap().is_none());

        let other = store
            .create_admin_session(first.id, time::Duration::hours(1))
            .await
            .unwrap();
        store
            .set_admin_password(
                "ada@example.com",
                "$argon2id$new",
                &smsflow_store::Author::system(),
            )
            .await
            .unwrap();
        assert!(
            store.admin_session(&other.token).await.unwrap().is_none(),
            "{}: a new password ends the old sessions",
            db.label
        );
        assert_eq!(
            store
                .admin_credentials("ada@example.com")
                .await
                .unwrap()
                .unwrap()
                .password_hash,
            "$argon2id$new"
        );
    }
}

#[tokio::test]
async fn per_language_templates_are_stored_and_a_plain_one_stays_plain() {
    use smsflow_core::language::Language;
    for db in testing::all().await {
        let store = db.store().await;
        let spec = serde_json::from_value::<WorkflowDraft>(serde_json::json!({
            "name": "Leads", "goal": "lead_capture", "active": true,
            "response_template": {"en": "Thanks for your interest!", "es": "¡Gracias por su interés!"},
            "steps": [{"type": "send_response", "template": {"es": "Le escribiremos."}}]
        }))
        .unwrap()
        .validate()
        .unwrap();
        let created = store.create_workflow(&spec, &tester()).await.unwrap();
        let fetched = store.get_workflow(created.id).await.unwrap();
        assert_eq!(fetched.spec, spec, "{}", db.label);
        let template = fetched.spec.response_template.clone().unwrap();
        assert_eq!(
            template.in_language(Language::Spanish),
            "¡Gracias por su interés!",
            "{}",
            db.label
        );
        // Back to one text for everyone: nothing of the Spanish one is left behind.
        let mut plain = fetched.spec.clone();
        plain.response_template = Some("Thanks!".into());
        let updated = store
            .update_workflow(created.id, &plain, Some(fetched.version), &tester())
            .await
            .unwrap();
        assert_eq!(
            updated.spec.response_template,
            Some("Thanks!".into()),
            "{}",
            db.label
        );
        let listed = store.all_workflows().await.unwrap();
        assert_eq!(listed[0].spec, plain, "{}", db.label);
    }
}
