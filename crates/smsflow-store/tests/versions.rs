//! Versions of the workflow set, drafts, publishing and rollback, on SQLite and PostgreSQL.

use smsflow_core::{WorkflowDraft, WorkflowSpec};
use smsflow_store::{Author, DraftWorkflow, Publication, StoreError, VersionKind, testing};
use uuid::Uuid;

fn spec(json: serde_json::Value) -> WorkflowSpec {
    serde_json::from_value::<WorkflowDraft>(json)
        .unwrap()
        .validate()
        .unwrap()
}

fn named(name: &str, priority: i64) -> WorkflowSpec {
    spec(
        serde_json::json!({"name": name, "goal": "lead_capture", "priority": priority, "active": true,
        "keywords": ["quote"], "steps": [{"type": "send_response", "template": "Thanks"}]}),
    )
}

fn publication(by: &Author) -> Publication<'_> {
    Publication {
        by,
        note: None,
        expected_version: None,
    }
}

#[tokio::test]
async fn every_direct_change_is_a_version_with_its_author_and_the_whole_set() {
    for db in testing::all().await {
        let store = db.store().await;
        let (ann, ci) = (Author::admin("ann@example.com"), Author::api_key("ci"));
        assert_eq!(store.latest_version().await.unwrap(), 0, "{}", db.label);
        let leads = store
            .create_workflow(&named("Leads", 10), &ann)
            .await
            .unwrap();
        store
            .create_workflow(&named("Support", 5), &ci)
            .await
            .unwrap();
        store
            .update_workflow(leads.id, &named("Leads", 20), Some(1), &ci)
            .await
            .unwrap();
        store.delete_workflow(leads.id, None, &ann).await.unwrap();

        let history = store.list_versions(None, 10).await.unwrap();
        assert_eq!(history.len(), 4, "{}", db.label);
        assert!(
            history.windows(2).all(|w| w[0].number > w[1].number),
            "newest first"
        );
        assert_eq!(history[3].author, ann);
        assert_eq!(history[1].author, ci);
        assert!(history.iter().all(|v| v.kind == VersionKind::Edit));
        assert_eq!(store.latest_version().await.unwrap(), history[0].number);
        assert_eq!(
            store.workflows_revision().await.unwrap(),
            history[0].number,
            "a version is numbered by the revision it made"
        );

        let second = store.get_version(history[2].number).await.unwrap();
        let names: Vec<&str> = second
            .workflows
            .iter()
            .map(|w| w.spec.name.as_str())
            .collect();
        assert_eq!(names, ["Leads", "Support"], "{}: the whole set", db.label);
        let older = store
            .list_versions(Some(history[1].number), 10)
            .await
            .unwrap();
        assert_eq!(older.len(), 2, "paging back");
        assert!(matches!(
            store.get_version(9_999).await,
            Err(StoreError::NotFound { .. })
        ));
    }
}

#[tokio::test]
async fn a_draft_is_published_at_once_and_a_publish_racing_an_edit_is_refused() {
    for db in testing::all().await {
        let store = db.store().await;
        let by = Author::api_key("ci");
        let leads = store
            .create_workflow(&named("Leads", 10), &by)
            .await
            .unwrap();
        let support = store
            .create_workflow(&named("Support", 5), &by)
            .await
            .unwrap();
        let live_before = store.all_workflows().await.unwrap();

        // The draft renames one workflow, changes another's name to the first's old name (a swap
        // through the unique name index), and adds a third.
        let draft_set = vec![
            DraftWorkflow {
                id: leads.id,
                spec: named("Support", 30),
            },
            DraftWorkflow {
                id: support.id,
                spec: named("Leads", 5),
            },
            DraftWorkflow {
                id: Uuid::now_v7(),
                spec: named("Refunds", 1),
            },
        ];
        let draft = store.save_draft(&draft_set, None, &by).await.unwrap();
        assert_eq!(draft.revision, 1);
        assert_eq!(draft.base_version, store.latest_version().await.unwrap());
        assert_eq!(
            store.all_workflows().await.unwrap(),
            live_before,
            "{}: a draft is not live",
            db.label
        );
        assert!(
            matches!(
                store.save_draft(&draft_set, None, &by).await,
                Err(StoreError::DraftChanged { current: Some(1) })
            ),
            "{}: starting a second draft over the first is refused",
            db.label
        );
        let saved = store.save_draft(&draft_set, Some(1), &by).await.unwrap();
        assert_eq!(saved.revision, 2);
        assert!(matches!(
            store.publish_draft(Some(1), publication(&by)).await,
            Err(StoreError::DraftChanged { current: Some(2) })
        ));

        let version = store
            .publish_draft(Some(2), publication(&by))
            .await
            .unwrap();
        assert_eq!(version.kind, VersionKind::Publish);
        assert!(
            store.get_draft().await.unwrap().is_none(),
            "publishing uses the draft up"
        );
        let live = store.all_workflows().await.unwrap();
        let by_id = |id| live.iter().find(|w| w.id == id).unwrap();
        assert_eq!(by_id(leads.id).spec, named("Support", 30), "{}", db.label);
        assert_eq!(by_id(support.id).spec, named("Leads", 5));
        assert_eq!(live.len(), 3);
        assert_eq!(
            store.workflows_revision().await.unwrap(),
            version.number,
            "one revision for the whole publish"
        );

        // A draft based on this version, then a direct edit: publishing the draft would drop the
        // edit, so it is refused and nothing changes.
        store.save_draft(&[], None, &by).await.unwrap();
        store
            .update_workflow(leads.id, &named("Support", 31), None, &by)
            .await
            .unwrap();
        let live_after_edit = store.all_workflows().await.unwrap();
        let refused = store.publish_draft(None, publication(&by)).await;
        assert!(
            matches!(refused, Err(StoreError::Stale { base, latest }) if base == version.number && latest == version.number + 1),
            "{}: {refused:?}",
            db.label
        );
        assert_eq!(
            store.all_workflows().await.unwrap(),
            live_after_edit,
            "nothing merged"
        );
        assert_eq!(
            store.workflows_revision().await.unwrap(),
            version.number + 1,
            "the refused publish left no revision"
        );
        store.discard_draft(&by).await.unwrap();
        assert!(matches!(
            store.publish_draft(None, publication(&by)).await,
            Err(StoreError::DraftChanged { current: None })
        ));
    }
}

#[tokio::test]
async fn rollback_restores_the_exact_earlier_set_as_a_new_version() {
    for db in testing::all().await {
        let store = db.store().await;
        let by = Author::admin("ann@example.com");
        let leads = store
            .create_workflow(&named("Leads", 10), &by)
            .await
            .unwrap();
        let detailed = spec(serde_json::json!({
            "name": "Support", "goal": "help_desk_support", "priority": 7, "active": false,
            "context": "Be brief.", "response_template": "Hi {{name}}", "keywords": ["broken", "help"],
            "examples": ["my order never came"],
            "steps": [{"type": "extract_information", "fields": "name,order_number"},
                      {"type": "create_support_ticket", "priority": "high"}]
        }));
        store.create_workflow(&detailed, &by).await.unwrap();
        let good = store.latest_version().await.unwrap();
        let good_set = store.all_workflows().await.unwrap();

        let support = store
            .find_workflow_by_name("Support")
            .await
            .unwrap()
            .unwrap();
        store.delete_workflow(support.id, None, &by).await.unwrap();
        store
            .update_workflow(leads.id, &named("Leads renamed", 1), None, &by)
            .await
            .unwrap();
        store
            .create_workflow(&named("Support", 0), &by)
            .await
            .unwrap();

        let stale = store
            .rollback(
                good,
                Publication {
                    by: &by,
                    note: None,
                    expected_version: Some(good),
                },
            )
            .await;
        assert!(
            matches!(stale, Err(StoreError::Stale { .. })),
            "{}: {stale:?}",
            db.label
        );

        let restored = store
            .rollback(
                good,
                Publication {
                    by: &by,
                    note: Some("undo the cleanup"),
                    expected_version: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(restored.kind, VersionKind::Rollback);
        assert_eq!(restored.restored_from, Some(good));
        assert_eq!(restored.note.as_deref(), Some("undo the cleanup"));
        let live = store.all_workflows().await.unwrap();
        let pairs = |set: &[smsflow_core::Workflow]| -> Vec<(Uuid, WorkflowSpec)> {
            set.iter().map(|w| (w.id, w.spec.clone())).collect()
        };
        assert_eq!(
            pairs(&live),
            pairs(&good_set),
            "{}: the same ids and specs",
            db.label
        );
        assert_eq!(
            pairs(&store.get_version(restored.number).await.unwrap().workflows),
            pairs(&good_set)
        );
        assert!(matches!(
            store.rollback(9_999, publication(&by)).await,
            Err(StoreError::NotFound { .. })
        ));
    }
}

/// Two processes on one database publishing at once: the revision lock serialises them, and the
/// second is refused because its base is no longer the latest version.
#[tokio::test]
async fn two_stores_publishing_from_the_same_base_never_both_win() {
    for db in testing::all().await {
        let (first, second) = (db.store().await, db.store().await);
        let by = Author::api_key("ci");
        first
            .create_workflow(&named("Leads", 10), &by)
            .await
            .unwrap();
        let base = first.latest_version().await.unwrap();
        let mut tasks = Vec::new();
        for (i, store) in [first.clone(), second.clone(), first.clone(), second.clone()]
            .into_iter()
            .enumerate()
        {
            tasks.push(tokio::spawn(async move {
                let by = Author::api_key("ci");
                let set = [DraftWorkflow {
                    id: Uuid::now_v7(),
                    spec: named(&format!("Writer {i}"), 0),
                }];
                store
                    .publish_set(
                        &set,
                        Publication {
                            by: &by,
                            note: None,
                            expected_version: Some(base),
                        },
                    )
                    .await
            }));
        }
        let mut winners = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => winners += 1,
                Err(StoreError::Stale { .. }) => {}
                Err(other) => panic!("{}: unexpected {other}", db.label),
            }
        }
        assert_eq!(winners, 1, "{}", db.label);
        assert_eq!(second.all_workflows().await.unwrap().len(), 1);
    }
}
