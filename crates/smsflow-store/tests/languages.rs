//! What the conversation keeps of languages and hand-offs, on SQLite and (when configured)
//! PostgreSQL: the language of each message and the conversation's last confident one, a
//! hand-off to a person and the team's notification of it.

use smsflow_core::conversation::{Author, Channel, ConversationStatus};
use smsflow_core::language::{Detection, Language};
use smsflow_store::conversations::{Explanation, Handoff, InboundOutcome, InboundSms, NewOutbound};
use smsflow_store::notifications::NotificationKind;
use smsflow_store::{Store, testing};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

fn reply(language: Language) -> NewOutbound {
    NewOutbound {
        language: Some(language),
        ..testing::new_outbound("reply", OffsetDateTime::now_utc())
    }
}

fn outcome(language: Option<Detection>, handoff: Option<Handoff>) -> InboundOutcome {
    InboundOutcome {
        workflow_id: None,
        explanation: Explanation::default(),
        active_workflow_id: None,
        active_workflow_at: None,
        run_completed: false,
        active_run_id: None,
        opt_change: None,
        reply: language.map(|detection| reply(detection.language)),
        run: None,
        language,
        handoff,
    }
}

/// Stores and processes texts from several numbers as one batch; returns the conversations.
async fn deliver(store: &dyn Store, texts: &[(&str, InboundOutcome)]) -> Vec<Uuid> {
    let mut conversations = Vec::new();
    for (from, _) in texts {
        let recorded = store
            .record_inbound(&InboundSms {
                channel: Channel::Simulator,
                our_number: "+15550009999".into(),
                their_number: (*from).into(),
                body: "hola".into(),
                provider_id: None,
                media_urls: vec![],
                simulated: true,
            })
            .await
            .unwrap();
        conversations.push(recorded.conversation_id);
    }
    let claimed = store
        .claim_inbound(Duration::seconds(30), texts.len())
        .await
        .unwrap();
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

fn detected(language: Language, confident: bool) -> Option<Detection> {
    Some(Detection {
        language,
        confident,
    })
}

#[tokio::test]
async fn messages_and_conversations_keep_their_language() {
    for db in testing::all().await {
        let store = db.store().await;
        let store = store.as_ref();
        let ids = deliver(
            store,
            &[
                (
                    "+15551230001",
                    outcome(detected(Language::Spanish, true), None),
                ),
                (
                    "+15551230002",
                    outcome(detected(Language::English, false), None),
                ),
            ],
        )
        .await;
        let spanish = store.get_conversation(ids[0]).await.unwrap();
        assert_eq!(spanish.language, Some(Language::Spanish), "{}", db.label);
        let unsure = store.get_conversation(ids[1]).await.unwrap();
        assert_eq!(
            unsure.language, None,
            "a guess does not become the conversation's language ({})",
            db.label
        );
        let messages = store.conversation_messages(ids[0]).await.unwrap();
        let languages: Vec<Option<Language>> = messages.iter().map(|m| m.language).collect();
        assert_eq!(
            languages,
            [Some(Language::Spanish), Some(Language::Spanish)],
            "the inbound text and the reply ({})",
            db.label
        );

        // A short text later ("ok") keeps the conversation's language.
        deliver(
            store,
            &[(
                "+15551230001",
                outcome(detected(Language::Spanish, false), None),
            )],
        )
        .await;
        let still = store.get_conversation(ids[0]).await.unwrap();
        assert_eq!(still.language, Some(Language::Spanish), "{}", db.label);
    }
}

#[tokio::test]
async fn a_handoff_goes_to_a_person_and_the_team_hears_of_it_once() {
    for db in testing::all().await {
        let store = db.store().await;
        let store = store.as_ref();
        let ids = deliver(
            store,
            &[
                ("+15551230011", outcome(None, Some(Handoff))),
                ("+15551230012", outcome(None, Some(Handoff))),
            ],
        )
        .await;
        for id in &ids {
            let conversation = store.get_conversation(*id).await.unwrap();
            assert_eq!(
                conversation.status,
                ConversationStatus::Human,
                "{}",
                db.label
            );
            assert!(conversation.needs_human_at.is_some(), "{}", db.label);
        }

        // The team hears of each once (migration 0024's trigger), also when asked again.
        deliver(store, &[("+15551230011", outcome(None, Some(Handoff)))]).await;
        let events = store.unrouted_notification_events(10).await.unwrap();
        let handed_off: Vec<(NotificationKind, Uuid)> = events
            .iter()
            .map(|event| (event.kind, event.conversation_id))
            .collect();
        assert_eq!(
            handed_off,
            [
                (NotificationKind::NeedsHuman, ids[0]),
                (NotificationKind::NeedsHuman, ids[1])
            ],
            "{}",
            db.label
        );

        // A person answering takes the hand-off up; handing back clears it too.
        store
            .queue_outbound(
                ids[0],
                &NewOutbound {
                    author: Author::Human,
                    ..reply(Language::Spanish)
                },
            )
            .await
            .unwrap();
        let answered = store.get_conversation(ids[0]).await.unwrap();
        assert_eq!(answered.needs_human_at, None, "{}", db.label);
        assert_eq!(answered.status, ConversationStatus::Human, "{}", db.label);
        let handed_back = store
            .set_conversation_status(ids[1], ConversationStatus::Agent)
            .await
            .unwrap();
        assert_eq!(handed_back.needs_human_at, None, "{}", db.label);
    }
}
