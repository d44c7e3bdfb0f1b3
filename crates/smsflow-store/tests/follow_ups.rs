//! A workflow's auto follow-up is part of its spec: kept in versions, so a rollback restores it
//! with its workflow; and moved there by migration 0027 from the table it had of its own. On
//! SQLite and PostgreSQL.

use smsflow_core::{AutoFollowUp, LocalizedText, Workflow, WorkflowDraft, WorkflowSpec};
use smsflow_store::{Author, DraftWorkflow, Publication, testing};
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

fn spec(json: serde_json::Value) -> WorkflowSpec {
    serde_json::from_value::<WorkflowDraft>(json)
        .unwrap()
        .validate()
        .unwrap()
}

fn nudge() -> AutoFollowUp {
    AutoFollowUp {
        after_hours: 4,
        template: LocalizedText::PerLanguage(
            [
                (
                    smsflow_core::language::Language::English,
                    "Still there?".into(),
                ),
                (
                    smsflow_core::language::Language::Spanish,
                    "¿Sigue ahí?".into(),
                ),
            ]
            .into(),
        ),
    }
}

#[tokio::test]
async fn a_workflow_deleted_by_a_publish_comes_back_with_its_follow_up_on_rollback() {
    for db in testing::all().await {
        let store = db.store().await;
        let by = Author::system();
        let with_follow_up = WorkflowSpec {
            follow_up: Some(nudge()),
            ..spec(serde_json::json!({"name": "Leads", "goal": "lead_capture", "active": true}))
        };
        let leads = store.create_workflow(&with_follow_up, &by).await.unwrap();
        let version = store.latest_version().await.unwrap();
        let publication = Publication {
            by: &by,
            note: None,
            expected_version: None,
        };
        store.publish_set(&[], publication.clone()).await.unwrap();
        assert!(store.get_workflow(leads.id).await.is_err(), "{}", db.label);

        store.rollback(version, publication).await.unwrap();
        assert_eq!(
            store.get_workflow(leads.id).await.unwrap().spec.follow_up,
            Some(nudge()),
            "{}",
            db.label
        );
    }
}

/// The database as migration 0026 left it: two workflows, one with a follow-up in the old table;
/// two versions; a draft with both.
macro_rules! seed_before_0027 {
    ($pool:expr, $migrations:expr, $with:expr, $without:expr) => {{
        let pool = $pool;
        testing::migrations_before($migrations, 27)
            .run(&pool)
            .await
            .unwrap();
        let now = OffsetDateTime::now_utc();
        let (with, without): (&Workflow, &Workflow) = ($with, $without);
        for workflow in [with, without] {
            sqlx::query(
                "INSERT INTO workflows (id, name, name_key, goal, context, priority, active, \
                 keywords, steps, version, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'lead_capture', '', 0, TRUE, $4, $4, 1, $5, $5)",
            )
            .bind(workflow.id)
            .bind(workflow.spec.name.as_str())
            .bind(workflow.spec.name.as_str().to_lowercase())
            .bind(Json(Vec::<String>::new()))
            .bind(now)
            .execute(&pool)
            .await
            .unwrap();
        }
        sqlx::query(
            "INSERT INTO workflow_follow_ups (workflow_id, after_hours, template) VALUES ($1, $2, $3)",
        )
        .bind(with.id)
        .bind(i64::from(nudge().after_hours))
        .bind(Json(&nudge().template))
        .execute(&pool)
        .await
        .unwrap();
        for (number, set) in [(1_i64, vec![with.clone()]), (2, vec![with.clone(), without.clone()])] {
            sqlx::query(
                "INSERT INTO workflow_versions (number, kind, author, workflows, created_at) \
                 VALUES ($1, 'edit', 'test', $2, $3)",
            )
            .bind(number)
            .bind(Json(&set))
            .bind(now)
            .execute(&pool)
            .await
            .unwrap();
        }
        sqlx::query("UPDATE workflow_revision SET revision = 2")
            .execute(&pool)
            .await
            .unwrap();
        let drafted: Vec<DraftWorkflow> = [with, without].map(DraftWorkflow::from).to_vec();
        sqlx::query(
            "INSERT INTO workflow_drafts (id, base_version, revision, author, workflows, updated_at) \
             VALUES (1, 2, 1, 'test', $1, $2)",
        )
        .bind(Json(&drafted))
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }};
}

#[tokio::test]
async fn migration_0027_moves_follow_ups_into_the_workflow_its_latest_version_and_the_draft() {
    for db in testing::all().await {
        let workflow = |name: &str| Workflow {
            id: Uuid::now_v7(),
            spec: spec(serde_json::json!({"name": name, "goal": "lead_capture", "active": true})),
            version: 1,
            created_at: OffsetDateTime::now_utc(),
            updated_at: OffsetDateTime::now_utc(),
        };
        let (with, without) = (workflow("Leads"), workflow("Support"));
        if db.label == "sqlite" {
            let path = db.url.strip_prefix("sqlite://").unwrap();
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true);
            seed_before_0027!(
                sqlx::SqlitePool::connect_with(options).await.unwrap(),
                sqlx::migrate!("./migrations/sqlite"),
                &with,
                &without
            );
        } else {
            seed_before_0027!(
                sqlx::PgPool::connect(&db.url).await.unwrap(),
                sqlx::migrate!("./migrations/postgres"),
                &with,
                &without
            );
        }

        let store = db.store().await;
        let expected = vec![(with.id, Some(nudge())), (without.id, None)];
        let mut live = Vec::new();
        for id in [with.id, without.id] {
            live.push((id, store.get_workflow(id).await.unwrap().spec.follow_up));
        }
        assert_eq!(live, expected, "{}: live", db.label);

        let latest: Vec<_> = store
            .get_version(2)
            .await
            .unwrap()
            .workflows
            .into_iter()
            .map(|workflow| (workflow.id, workflow.spec.follow_up))
            .collect();
        assert_eq!(
            latest, expected,
            "{}: the latest version, in its order",
            db.label
        );
        let earlier = store.get_version(1).await.unwrap().workflows;
        assert_eq!(
            earlier[0].spec.follow_up, None,
            "{}: earlier versions are as they were",
            db.label
        );
        let drafted: Vec<_> = store
            .get_draft()
            .await
            .unwrap()
            .unwrap()
            .workflows
            .into_iter()
            .map(|workflow| (workflow.id, workflow.spec.follow_up))
            .collect();
        assert_eq!(drafted, expected, "{}: the draft", db.label);
    }
}
