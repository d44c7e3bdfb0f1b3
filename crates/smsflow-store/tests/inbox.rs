//! What the web app's operational pages read, on SQLite and (when configured) PostgreSQL: unread and
//! opted-out conversations, reading a conversation, the newest message of each, collections, and
//! reordering routing rules.

use smsflow_core::agents::{AgentDraft, RuleConditions};
use smsflow_core::conversation::Channel;
use smsflow_core::run::RunState;
use smsflow_store::conversations::{
    ConversationQuery, Explanation, InboundOutcome, InboundSms, OptChange, RunUpdate,
};
use smsflow_store::{Store, StoreError, testing};
use time::Duration;
use uuid::Uuid;

fn sms(from: &str, body: &str) -> InboundSms {
    InboundSms {
        channel: Channel::Simulator,
        our_number: "+15550009999".into(),
        their_number: from.into(),
        body: body.into(),
        provider_id: None,
        media_urls: vec![],
        simulated: true,
    }
}

fn outcome() -> InboundOutcome {
    InboundOutcome {
        workflow_id: None,
        explanation: Explanation::default(),
        active_workflow_id: None,
        active_workflow_at: None,
        run_completed: false,
        active_run_id: None,
        run: None,
        language: None,
        handoff: None,
        opt_change: None,
        reply: None,
    }
}

/// Stores and processes one inbound message with `outcome`; returns its conversation.
async fn deliver(store: &dyn Store, from: &str, outcome: InboundOutcome) -> Uuid {
    let recorded = store.record_inbound(&sms(from, "hello")).await.unwrap();
    let (message, _) = store
        .claim_inbound(Duration::seconds(30), 1)
        .await
        .unwrap()
        .pop()
        .expect("the message just stored");
    store
        .complete_inbound(&[(&message, &outcome)])
        .await
        .unwrap();
    recorded.conversation_id
}

fn listed(query: ConversationQuery) -> ConversationQuery {
    ConversationQuery { limit: 50, ..query }
}

async fn numbers(store: &dyn Store, query: ConversationQuery) -> Vec<String> {
    let page = store.list_conversations(&listed(query)).await.unwrap();
    let mut numbers: Vec<String> = page.items.into_iter().map(|c| c.their_number).collect();
    numbers.sort();
    numbers
}

#[tokio::test]
async fn unread_and_opted_out_filters_and_reading_a_conversation() {
    for db in testing::all().await {
        let store = db.store().await;
        let store = store.as_ref();
        let read_one = deliver(store, "+15551110001", outcome()).await;
        deliver(store, "+15551110002", outcome()).await;
        let stop = InboundOutcome {
            opt_change: Some(OptChange::OptOut {
                keyword: "STOP".into(),
            }),
            ..outcome()
        };
        deliver(store, "+15551110003", stop).await;

        let fresh = store.get_conversation(read_one).await.unwrap();
        assert_eq!((fresh.unread_count, fresh.last_read_at), (1, None));
        store.mark_conversation_read(read_one).await.unwrap();
        let read = store.get_conversation(read_one).await.unwrap();
        assert_eq!(read.unread_count, 0, "{}", db.label);
        assert!(read.last_read_at.is_some(), "{}", db.label);

        let unread = ConversationQuery {
            unread: true,
            ..ConversationQuery::default()
        };
        assert_eq!(
            numbers(store, unread.clone()).await,
            ["+15551110002", "+15551110003"],
            "{}",
            db.label
        );
        let opted_out = ConversationQuery {
            opted_out: Some(true),
            ..ConversationQuery::default()
        };
        assert_eq!(numbers(store, opted_out).await, ["+15551110003"]);
        let not_opted_out = ConversationQuery {
            opted_out: Some(false),
            unread: true,
            ..ConversationQuery::default()
        };
        assert_eq!(numbers(store, not_opted_out).await, ["+15551110002"]);

        // A new message after reading is unread again.
        deliver(store, "+15551110001", outcome()).await;
        assert_eq!(
            numbers(store, unread).await,
            ["+15551110001", "+15551110002", "+15551110003"],
            "{}",
            db.label
        );
        // The inbox previews each conversation's newest message.
        let newest = store.conversation_messages(read_one).await.unwrap();
        assert_eq!(newest.len(), 2);
        let page = store
            .list_conversations(&listed(ConversationQuery::default()))
            .await
            .unwrap();
        let ids: Vec<Uuid> = page.items.iter().map(|c| c.id).collect();
        let latest = store.latest_messages(&ids).await.unwrap();
        assert_eq!(latest.len(), 3, "{}", db.label);
        assert!(latest.contains(newest.last().unwrap()), "{}", db.label);
        assert!(store.latest_messages(&[]).await.unwrap().is_empty());
        assert!(matches!(
            store.mark_conversation_read(Uuid::now_v7()).await,
            Err(StoreError::NotFound { .. })
        ));
    }
}

#[tokio::test]
async fn collections_are_listed_with_their_record_counts() {
    for db in testing::all().await {
        let store = db.store().await;
        let store = store.as_ref();
        assert!(store.list_collections().await.unwrap().is_empty());
        let workflow_id = Uuid::now_v7();
        for (from, collections) in [
            ("+15551110001", vec!["leads"]),
            ("+15551110002", vec!["leads", "callbacks"]),
        ] {
            let run_id = Uuid::now_v7();
            let mut state = RunState::default();
            state.fields.insert("name".into(), "Ada".into());
            let saved = InboundOutcome {
                active_workflow_id: Some(workflow_id),
                active_run_id: Some(run_id),
                run: Some(RunUpdate {
                    run_id,
                    workflow_id,
                    state,
                    completed: true,
                    new_ticket: None,
                    records: collections.into_iter().map(String::from).collect(),
                    phone: from.into(),
                    learned: Default::default(),
                }),
                ..outcome()
            };
            deliver(store, from, saved).await;
        }
        let collections = store.list_collections().await.unwrap();
        let summary: Vec<(&str, i64)> = collections
            .iter()
            .map(|c| (c.name.as_str(), c.records))
            .collect();
        assert_eq!(summary, [("callbacks", 1), ("leads", 2)], "{}", db.label);
    }
}

#[tokio::test]
async fn routing_rules_are_reordered_only_as_a_whole_and_edited_in_place() {
    for db in testing::all().await {
        let store = db.store().await;
        let agent = store
            .create_agent(
                &AgentDraft {
                    name: Some("Night desk".into()),
                    ..AgentDraft::default()
                }
                .validate()
                .unwrap(),
                &smsflow_store::Author::system(),
            )
            .await
            .unwrap();
        let mut ids = Vec::new();
        for position in [1, 2, 3] {
            let rule = store
                .create_routing_rule(
                    position,
                    agent.id,
                    &RuleConditions::default(),
                    &smsflow_store::Author::system(),
                )
                .await
                .unwrap();
            ids.push(rule.id);
        }
        let wanted = vec![ids[2], ids[0], ids[1]];
        let reordered = store
            .reorder_routing_rules(&wanted, &smsflow_store::Author::system())
            .await
            .unwrap();
        let order: Vec<(Uuid, i64)> = reordered.iter().map(|r| (r.id, r.position)).collect();
        assert_eq!(
            order,
            [(ids[2], 10), (ids[0], 20), (ids[1], 30)],
            "{}",
            db.label
        );
        // A stale order (a rule missing, or one named twice) changes nothing.
        for stale in [vec![ids[0], ids[1]], vec![ids[0], ids[0], ids[1]]] {
            assert!(matches!(
                store
                    .reorder_routing_rules(&stale, &smsflow_store::Author::system())
                    .await,
                Err(StoreError::Refused(_))
            ));
        }
        let after: Vec<Uuid> = store
            .list_routing_rules()
            .await
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(after, wanted, "{}", db.label);

        // Editing a rule changes its conditions, not its place.
        let weekends = RuleConditions {
            days: vec![6, 7],
            ..RuleConditions::default()
        };
        let edited = store
            .update_routing_rule(
                ids[0],
                agent.id,
                &weekends,
                &smsflow_store::Author::system(),
            )
            .await
            .unwrap();
        assert_eq!((edited.position, &edited.conditions), (20, &weekends));
        let stored = store.list_routing_rules().await.unwrap();
        assert_eq!(stored[1], edited, "{}", db.label);
        assert!(matches!(
            store
                .update_routing_rule(
                    Uuid::now_v7(),
                    agent.id,
                    &weekends,
                    &smsflow_store::Author::system()
                )
                .await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            store
                .update_routing_rule(
                    ids[0],
                    Uuid::now_v7(),
                    &weekends,
                    &smsflow_store::Author::system()
                )
                .await,
            Err(StoreError::NotFound { .. })
        ));
    }
}
