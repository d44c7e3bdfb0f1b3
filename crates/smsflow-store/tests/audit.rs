//! The audit log: every change to workflows, agents, routing rules, admins and API keys is recorded
//! with who, when, and the thing before and after (never a secret), on SQLite and PostgreSQL.

use smsflow_core::WorkflowDraft;
use smsflow_core::agents::RuleConditions;
use smsflow_store::audit::{AuditAction, AuditEntry, AuditQuery, AuditSubject};
use smsflow_store::{AdminCreation, Author, DraftWorkflow, Publication, Store, testing};

async fn entries(store: &dyn Store, query: AuditQuery) -> Vec<AuditEntry> {
    store
        .list_audit(&AuditQuery {
            limit: 200,
            ..query
        })
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn agents_rules_keys_and_admins_are_logged_with_before_and_after() {
    for db in testing::all().await {
        let store = db.store().await;
        let (ann, ci) = (Author::admin("ann@example.com"), Author::api_key("ci"));

        let desk = store
            .create_agent(&testing::agent_spec("Front desk"), &ann)
            .await
            .unwrap();
        let mut renamed = desk.spec.clone();
        renamed.name = "Reception".into();
        store.update_agent(desk.id, &renamed, &ci).await.unwrap();
        let first = store
            .create_routing_rule(10, desk.id, &RuleConditions::default(), &ann)
            .await
            .unwrap();
        let weekends = RuleConditions {
            days: vec![6, 7],
            ..RuleConditions::default()
        };
        let second = store
            .create_routing_rule(20, desk.id, &weekends, &ann)
            .await
            .unwrap();
        store
            .update_routing_rule(first.id, desk.id, &weekends, &ci)
            .await
            .unwrap();
        store
            .reorder_routing_rules(&[second.id, first.id], &ann)
            .await
            .unwrap();
        store.delete_routing_rule(first.id, &ann).await.unwrap();
        store.delete_routing_rule(second.id, &ann).await.unwrap();
        store.delete_agent(desk.id, &ann).await.unwrap();

        let agents = entries(
            store.as_ref(),
            AuditQuery {
                subject: Some(AuditSubject::Agent),
                ..AuditQuery::default()
            },
        )
        .await;
        let actions: Vec<AuditAction> = agents.iter().map(|entry| entry.action).collect();
        assert_eq!(
            actions,
            [
                AuditAction::Delete,
                AuditAction::Update,
                AuditAction::Create
            ],
            "{}: newest first",
            db.label
        );
        let update = &agents[1];
        assert_eq!(update.actor, ci);
        assert_eq!(update.subject_id, desk.id.to_string());
        assert_eq!(update.before.as_ref().unwrap()["name"], "Front desk");
        assert_eq!(update.after.as_ref().unwrap()["name"], "Reception");
        assert_eq!(agents[0].before.as_ref().unwrap()["name"], "Reception");
        assert!(agents[0].after.is_none() && agents[2].before.is_none());

        let rules = entries(
            store.as_ref(),
            AuditQuery {
                subject: Some(AuditSubject::RoutingRule),
                ..AuditQuery::default()
            },
        )
        .await;
        assert_eq!(rules.len(), 6, "{}", db.label);
        let reorder = rules
            .iter()
            .find(|entry| entry.action == AuditAction::Reorder)
            .unwrap();
        assert_eq!(
            reorder.before.as_ref().unwrap(),
            &serde_json::json!([first.id, second.id])
        );
        assert_eq!(
            reorder.after.as_ref().unwrap(),
            &serde_json::json!([second.id, first.id])
        );
        let changed = rules
            .iter()
            .find(|entry| entry.action == AuditAction::Update)
            .unwrap();
        assert_eq!(
            changed.before.as_ref().unwrap()["conditions"]["days"],
            serde_json::json!([])
        );
        assert_eq!(
            changed.after.as_ref().unwrap()["conditions"]["days"],
            serde_json::json!([6, 7])
        );

        // Keys and admins: never the secret, its hash or a password hash.
        let key = store
            .create_api_key("deploy", smsflow_store::ApiKeyScope::Full, &ann)
            .await
            .unwrap();
        store.revoke_api_key("deploy", &ann).await.unwrap();
        store
            .create_admin(
                "bob@example.com",
                "$argon2id$secret-hash",
                AdminCreation::Operator(smsflow_store::Role::Admin),
                &Author::cli(),
            )
            .await
            .unwrap();
        store
            .set_admin_password("bob@example.com", "$argon2id$other-hash", &ann)
            .await
            .unwrap();
        let people = entries(store.as_ref(), AuditQuery::default()).await;
        let text = serde_json::to_string(&people).unwrap();
        assert!(!text.contains(&key.secret), "{}", db.label);
        assert!(!text.contains("argon2id"), "{}", db.label);
        let revoked = &people[2];
        assert_eq!(
            (revoked.action, revoked.subject),
            (AuditAction::Revoke, AuditSubject::ApiKey)
        );
        assert!(revoked.before.as_ref().unwrap()["revoked_at"].is_null());
        assert!(revoked.after.as_ref().unwrap()["revoked_at"].is_string());
        assert_eq!(people[0].action, AuditAction::SetPassword);
        assert_eq!(
            people[0].summary,
            "admin bob@example.com: new password, sessions ended"
        );
        assert!(people[1].actor.as_str().starts_with("cli ("));
    }
}

#[tokio::test]
async fn workflow_changes_name_their_version_and_what_they_changed() {
    for db in testing::all().await {
        let store = db.store().await;
        let ann = Author::admin("ann@example.com");
        let spec = |priority: i64| {
            serde_json::from_value::<WorkflowDraft>(serde_json::json!({
                "name": "Leads", "goal": "lead_capture", "priority": priority, "active": true}))
            .unwrap()
            .validate()
            .unwrap()
        };
        let leads = store.create_workflow(&spec(10), &ann).await.unwrap();
        store
            .create_workflow(
                &serde_json::from_value::<WorkflowDraft>(
                    serde_json::json!({"name": "Support", "goal": "help_desk_support"}),
                )
                .unwrap()
                .validate()
                .unwrap(),
                &ann,
            )
            .await
            .unwrap();
        let before = store.latest_version().await.unwrap();
        store
            .update_workflow(leads.id, &spec(20), None, &ann)
            .await
            .unwrap();
        let publication = Publication {
            by: &ann,
            note: None,
            expected_version: None,
        };
        let restored = store.rollback(before, publication).await.unwrap();

        let log = entries(
            store.as_ref(),
            AuditQuery {
                subject: Some(AuditSubject::Workflows),
                ..AuditQuery::default()
            },
        )
        .await;
        assert_eq!(log.len(), 4, "{}", db.label);
        let (rollback, update) = (&log[0], &log[1]);
        assert_eq!(rollback.action, AuditAction::Rollback);
        assert_eq!(rollback.subject_id, restored.number.to_string());
        assert_eq!(
            rollback.summary,
            format!(
                "version {} restores version {before}: \"Leads\"",
                restored.number
            )
        );
        assert_eq!(update.action, AuditAction::Update);
        // Only the changed workflow, as it was and as it is.
        assert_eq!(update.before.as_ref().unwrap()[0]["priority"], 10);
        assert_eq!(update.after.as_ref().unwrap()[0]["priority"], 20);
        assert_eq!(update.after.as_ref().unwrap().as_array().unwrap().len(), 1);
        assert_eq!(log[3].action, AuditAction::Create);
        assert!(
            log[3]
                .before
                .as_ref()
                .unwrap()
                .as_array()
                .unwrap()
                .is_empty()
        );
    }
}

/// Saving the draft and discarding it are logged too (nothing goes live): who, the draft's
/// revision, and the workflows the save changed in the draft, as they were and are.
#[tokio::test]
async fn draft_saves_and_discards_are_logged_with_what_they_changed() {
    for db in testing::all().await {
        let store = db.store().await;
        let (ann, ci) = (Author::admin("ann@example.com"), Author::api_key("ci"));
        let spec = |name: &str, priority: i64| {
            serde_json::from_value::<WorkflowDraft>(serde_json::json!({
                "name": name, "goal": "lead_capture", "priority": priority}))
            .unwrap()
            .validate()
            .unwrap()
        };
        let leads = store
            .create_workflow(&spec("Leads", 10), &ann)
            .await
            .unwrap();
        let live = DraftWorkflow::from(&leads);
        let raised = DraftWorkflow {
            spec: spec("Leads", 30),
            ..live.clone()
        };
        let quotes = DraftWorkflow {
            id: uuid::Uuid::now_v7(),
            spec: spec("Quotes", 5),
        };
        let first = store
            .save_draft(std::slice::from_ref(&raised), None, &ann)
            .await
            .unwrap();
        store
            .save_draft(&[raised.clone(), quotes.clone()], Some(first.revision), &ci)
            .await
            .unwrap();
        store.discard_draft(&ann).await.unwrap();
        // Discarding when there is no draft changes nothing and logs nothing.
        store.discard_draft(&ann).await.unwrap();

        let log = entries(
            store.as_ref(),
            AuditQuery {
                subject: Some(AuditSubject::Draft),
                ..AuditQuery::default()
            },
        )
        .await;
        let seen: Vec<(AuditAction, &str, &str)> = log
            .iter()
            .map(|entry| (entry.action, entry.actor.as_str(), entry.summary.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    AuditAction::Delete,
                    ann.as_str(),
                    "draft revision 2 discarded: it changed \"Leads\", \"Quotes\""
                ),
                (
                    AuditAction::Update,
                    ci.as_str(),
                    "draft revision 2: \"Quotes\""
                ),
                (
                    AuditAction::Create,
                    ann.as_str(),
                    "draft revision 1: \"Leads\""
                ),
            ],
            "{}",
            db.label
        );
        let created = &log[2];
        assert_eq!(created.subject_id, "1");
        assert_eq!(created.before.as_ref().unwrap()[0]["priority"], 10);
        assert_eq!(created.after.as_ref().unwrap()[0]["priority"], 30);
        let updated = &log[1];
        assert!(
            updated
                .before
                .as_ref()
                .unwrap()
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert_eq!(updated.after.as_ref().unwrap()[0]["name"], "Quotes");
        // The discard keeps what the draft held and the live set it leaves.
        let discarded = &log[0];
        assert_eq!(
            discarded.before.as_ref().unwrap().as_array().unwrap().len(),
            2
        );
        assert_eq!(discarded.after.as_ref().unwrap()[0]["priority"], 10);
        assert_eq!(store.all_workflows().await.unwrap(), vec![leads]);
    }
}

#[tokio::test]
async fn the_log_pages_back_and_filters_by_actor_and_subject() {
    for db in testing::all().await {
        let store = db.store().await;
        for i in 0..5 {
            let by = Author::api_key(if i % 2 == 0 { "ci" } else { "Deploy Bot" });
            store
                .create_agent(&testing::agent_spec(&format!("Agent {i}")), &by)
                .await
                .unwrap();
        }
        let first = store
            .list_audit(&AuditQuery {
                limit: 2,
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(first.items.len(), 2, "{}", db.label);
        assert_eq!(first.items[0].summary, "agent \"Agent 4\"");
        let second = store
            .list_audit(&AuditQuery {
                limit: 2,
                before: first.next,
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(second.items[0].summary, "agent \"Agent 2\"");
        let last = store
            .list_audit(&AuditQuery {
                limit: 2,
                before: second.next,
                ..AuditQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(last.items.len(), 1);
        assert!(last.next.is_none(), "{}: no page after the last", db.label);

        let bots = entries(
            store.as_ref(),
            AuditQuery {
                actor_contains: Some("deploy bot".into()),
                ..AuditQuery::default()
            },
        )
        .await;
        assert_eq!(bots.len(), 2, "{}: any case", db.label);
        let one = entries(
            store.as_ref(),
            AuditQuery {
                subject_id: Some(bots[0].subject_id.clone()),
                ..AuditQuery::default()
            },
        )
        .await;
        assert_eq!(one, vec![bots[0].clone()]);
        let none = entries(
            store.as_ref(),
            AuditQuery {
                subject: Some(AuditSubject::ApiKey),
                actor_contains: Some("100%_".into()),
                ..AuditQuery::default()
            },
        )
        .await;
        assert!(none.is_empty());
    }
}
