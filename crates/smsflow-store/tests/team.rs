//! Suggest mode's drafted replies in the store, on SQLite and (when configured) PostgreSQL: a
//! draft is never claimed for sending, a newer text replaces it (recorded one conversation at a
//! time or as a batch), a person's approval queues it, and an expired draft hands the
//! conversation to the team once.

use smsflow_core::conversation::{Channel, ConversationStatus, MessageStatus};
use smsflow_store::conversations::{Explanation, InboundOutcome, InboundSms, Message, NewOutbound};
use smsflow_store::notifications::NotificationKind;
use smsflow_store::team::NoteKind;
use smsflow_store::{Store, testing};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const LEASE: Duration = Duration::seconds(30);

fn draft(body: &str, expires: OffsetDateTime) -> NewOutbound {
    NewOutbound {
        draft_expires_at: Some(expires),
        ..testing::new_outbound(body, OffsetDateTime::now_utc())
    }
}

fn outcome(reply: Option<NewOutbound>) -> InboundOutcome {
    InboundOutcome {
        workflow_id: None,
        explanation: Explanation::default(),
        active_workflow_id: None,
        active_workflow_at: None,
        run_completed: false,
        active_run_id: None,
        opt_change: None,
        reply,
        run: None,
        language: None,
        handoff: None,
    }
}

/// Stores and processes one text from each number as one batch; the conversations, in order.
async fn deliver(store: &dyn Store, texts: &[(&str, InboundOutcome)]) -> Vec<Uuid> {
    let mut conversations = Vec::new();
    for (from, _) in texts {
        let recorded = store
            .record_inbound(&InboundSms {
                channel: Channel::Simulator,
                our_number: "+15550009999".into(),
                their_number: (*from).into(),
                body: "hello".into(),
                provider_id: None,
                media_urls: vec![],
                simulated: true,
            })
            .await
            .unwrap();
        conversations.push(recorded.conversation_id);
    }
    let claimed = store.claim_inbound(LEASE, texts.len()).await.unwrap();
    assert_eq!(claimed.len(), texts.len());
    let completed: Vec<_> = claimed
        .iter()
        .map(|(message, _)| {
            let index = conversations
                .iter()
                .position(|id| *id == message.conversation_id)
                .unwrap();
            (message, &texts[index].1)
        })
        .collect();
    store.complete_inbound(&completed).await.unwrap();
    conversations
}

async fn drafts(store: &dyn Store, conversation: Uuid) -> Vec<Message> {
    store
        .conversation_messages(conversation)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.status == MessageStatus::Draft)
        .collect()
}

#[tokio::test]
async fn drafts_are_never_claimed_and_a_newer_text_replaces_them() {
    for db in testing::all().await {
        let store = db.store().await;
        let store = store.as_ref();
        let later = OffsetDateTime::now_utc() + Duration::minutes(30);
        let ids = deliver(
            store,
            &[
                ("+15551230001", outcome(Some(draft("first for A", later)))),
                ("+15551230002", outcome(Some(draft("first for B", later)))),
            ],
        )
        .await;
        for id in &ids {
            assert_eq!(drafts(store, *id).await.len(), 1, "{}", db.label);
        }
        assert!(
            store.claim_outbound(LEASE, 10).await.unwrap().is_empty(),
            "{}: drafts wait",
            db.label
        );

        // A's newer text drafts again; B's newer text drafts nothing: both old drafts are gone.
        deliver(
            store,
            &[
                ("+15551230001", outcome(Some(draft("second for A", later)))),
                ("+15551230002", outcome(None)),
            ],
        )
        .await;
        let a = drafts(store, ids[0]).await;
        assert_eq!(
            a.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
            ["second for A"],
            "{}",
            db.label
        );
        assert!(drafts(store, ids[1]).await.is_empty(), "{}", db.label);

        // Approved: queued and claimed like any reply; a second approval finds no draft.
        store.send_drafted_reply(a[0].id, None).await.unwrap();
        let claimed = store.claim_outbound(LEASE, 10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].message.body, "second for A");
        assert!(matches!(
            store.send_drafted_reply(a[0].id, None).await,
            Err(smsflow_store::StoreError::NotFound { .. })
        ));
        assert!(matches!(
            store.discard_drafted_reply(a[0].id).await,
            Err(smsflow_store::StoreError::NotFound { .. })
        ));
    }
}

#[tokio::test]
async fn an_expired_draft_hands_the_conversation_to_the_team_once() {
    for db in testing::all().await {
        let store = db.store().await;
        let store = store.as_ref();
        let now = OffsetDateTime::now_utc();
        let expires = now + Duration::minutes(5);
        let ids = deliver(
            store,
            &[("+15551230001", outcome(Some(draft("a draft", expires))))],
        )
        .await;
        assert!(store.expire_drafted_replies(now).await.unwrap().is_empty());
        let expired = store.expire_drafted_replies(expires).await.unwrap();
        assert_eq!(expired, ids, "{}", db.label);
        assert!(drafts(store, ids[0]).await.is_empty());
        let conversation = store.get_conversation(ids[0]).await.unwrap();
        assert_eq!(conversation.status, ConversationStatus::Human);
        assert!(conversation.needs_human_at.is_some());
        // The team hears of it as of any hand-off.
        let events = store.unrouted_notification_events(10).await.unwrap();
        assert!(
            events
                .iter()
                .any(|event| event.kind == NotificationKind::NeedsHuman
                    && event.conversation_id == ids[0]),
            "{}",
            db.label
        );
        let notes = store.conversation_notes(ids[0]).await.unwrap();
        assert_eq!(
            notes.iter().map(|n| n.kind).collect::<Vec<_>>(),
            [NoteKind::DraftExpired]
        );
        assert!(
            store
                .expire_drafted_replies(expires + Duration::hours(1))
                .await
                .unwrap()
                .is_empty()
        );
    }
}
