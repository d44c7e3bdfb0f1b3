//! The default agent and the routing rules the inbound worker routes with (`AgentStore::routing`):
//! kept between batches, never stale after a change through the store, and read again after
//! another process's change, on SQLite and PostgreSQL.

use smsflow_core::agents::{AgentSpec, RuleConditions};
use smsflow_store::{Author, testing};
use std::sync::Arc;
use std::time::Duration;

fn agent(name: &str, is_default: bool) -> AgentSpec {
    AgentSpec {
        is_default,
        ..testing::agent_spec(name)
    }
}

#[tokio::test]
async fn a_change_through_the_store_is_routed_with_at_once() {
    for db in testing::all().await {
        let store = db.store().await;
        let by = Author::system();
        let first = store.routing().await.unwrap();
        assert!(first.rules.is_empty(), "{}", db.label);
        assert!(
            Arc::ptr_eq(&first, &store.routing().await.unwrap()),
            "{}: unchanged, it is kept",
            db.label
        );
        let desk = store
            .create_agent(&agent("Desk", false), &by)
            .await
            .unwrap();
        let rule = store
            .create_routing_rule(10, desk.id, &RuleConditions::default(), &by)
            .await
            .unwrap();
        assert_eq!(
            store.routing().await.unwrap().rules,
            std::slice::from_ref(&rule),
            "{}",
            db.label
        );
        let desk = store
            .update_agent(desk.id, &agent("Desk", true), &by)
            .await
            .unwrap();
        assert_eq!(
            store.routing().await.unwrap().default_agent,
            desk,
            "{}",
            db.label
        );
        store.delete_routing_rule(rule.id, &by).await.unwrap();
        assert!(
            store.routing().await.unwrap().rules.is_empty(),
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn another_processes_change_is_routed_with_after_a_recheck() {
    for db in testing::all().await {
        let (this, other) = (db.store().await, db.store().await);
        let by = Author::system();
        assert!(
            this.routing().await.unwrap().rules.is_empty(),
            "{}",
            db.label
        );
        let desk = other
            .create_agent(&agent("Desk", false), &by)
            .await
            .unwrap();
        let rule = other
            .create_routing_rule(10, desk.id, &RuleConditions::default(), &by)
            .await
            .unwrap();
        // The other store's change bumped the revision, which this one checks every half second.
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(this.routing().await.unwrap().rules, [rule], "{}", db.label);
    }
}
