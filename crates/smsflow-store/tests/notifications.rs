//! The team's notifications in the store, on SQLite and (when configured) PostgreSQL: events
//! recorded with what caused them (a hand-off, a ticket, a failed delivery), fanned out into
//! deliveries, claimed with a lease, retried, and held back by an admin's digest window.

use smsflow_core::conversation::{Channel, MessageStatus};
use smsflow_core::run::RunState;
use smsflow_store::conversations::{
    DeliveryReport, Explanation, Handoff, InboundOutcome, InboundSms, NewTicket, RunUpdate,
};
use smsflow_store::notifications::{
    DeliveryOutcome, Fanout, NotificationKind, NotificationPreferences,
};
use smsflow_store::{AdminCreation, Store, testing};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const LEASE: Duration = Duration::seconds(30);

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Stores and processes one text from `from` with `outcome`; returns its conversation.
async fn deliver(store: &dyn Store, from: &str, outcome: InboundOutcome) -> Uuid {
    let recorded = store
        .record_inbound(&InboundSms {
            channel: Channel::Simulator,
            our_number: "+15550009999".into(),
            their_number: from.into(),
            body: "hello".into(),
            provider_id: None,
            media_urls: vec![],
            simulated: true,
        })
        .await
        .unwrap();
    let claimed = store.claim_inbound(LEASE, 1).await.unwrap();
    let completed: Vec<_> = claimed
        .iter()
        .map(|(message, _)| (message, &outcome))
        .collect();
    store.complete_inbound(&completed).await.unwrap();
    recorded.conversation_id
}

fn outcome() -> InboundOutcome {
    InboundOutcome {
        workflow_id: None,
        explanation: Explanation::default(),
        active_workflow_id: None,
        active_workflow_at: None,
        run_completed: false,
        active_run_id: None,
        opt_change: None,
        reply: None,
        run: None,
        language: None,
        handoff: None,
    }
}

fn with_ticket(number: &str) -> InboundOutcome {
    let workflow_id = Uuid::now_v7();
    InboundOutcome {
        run: Some(RunUpdate {
            run_id: Uuid::now_v7(),
            workflow_id,
            state: RunState::default(),
            completed: true,
            new_ticket: Some(NewTicket {
                notify: false,
                number: number.into(),
                priority: smsflow_core::TicketPriority::High,
                summary: "Leaking tap".into(),
            }),
            records: vec![],
            phone: "+15551110002".into(),
            learned: Default::default(),
        }),
        ..outcome()
    }
}

/// Queues a text in `conversation_id` and claims it for sending; its id and attempt.
async fn claim_a_send(store: &dyn Store, conversation_id: Uuid) -> (Uuid, i64) {
    let queued = store
        .queue_outbound(
            conversation_id,
            &testing::new_outbound("Your appointment is confirmed", OffsetDateTime::now_utc()),
        )
        .await
        .unwrap();
    let jobs = store.claim_outbound(LEASE, 8).await.unwrap();
    let job = jobs.iter().find(|job| job.message.id == queued.id).unwrap();
    (queued.id, job.message.attempts)
}

#[tokio::test]
async fn events_are_recorded_with_what_caused_them_once_each() {
    for db in testing::all().await {
        let store = db.store().await;
        let store = store.as_ref();
        let handed_off = deliver(
            store,
            "+15551110001",
            InboundOutcome {
                handoff: Some(Handoff),
                ..outcome()
            },
        )
        .await;
        let ticketed = deliver(store, "+15551110002", with_ticket("T-NOTIFY1")).await;
        // Refused by the gateway ...
        let (refused, attempt) = claim_a_send(store, ticketed).await;
        store
            .mark_failed(
                refused,
                attempt,
                MessageStatus::Failed,
                Some("21610"),
                "unsubscribed recipient",
            )
            .await
            .unwrap();
        // ... refused with no error code (SQLite's trigger fires on the code's update, 0038) ...
        let (uncoded, attempt) = claim_a_send(store, ticketed).await;
        store
            .mark_failed(uncoded, attempt, MessageStatus::Failed, None, "refused")
            .await
            .unwrap();
        // ... and reported undelivered by a status callback, twice: one event.
        let (lost, attempt) = claim_a_send(store, ticketed).await;
        store
            .mark_sent(lost, attempt, Some("SM-lost"), MessageStatus::Sent)
            .await
            .unwrap();
        for status in [MessageStatus::Undelivered, MessageStatus::Failed] {
            store
                .record_delivery(&DeliveryReport {
                    channel: Channel::Simulator,
                    provider_id: "SM-lost".into(),
                    status,
                    error_code: Some("30003".into()),
                })
                .await
                .unwrap();
        }

        let events = store.unrouted_notification_events(10).await.unwrap();
        let kinds: Vec<(NotificationKind, Uuid)> = events
            .iter()
            .map(|event| (event.kind, event.conversation_id))
            .collect();
        assert_eq!(
            kinds,
            [
                (NotificationKind::NeedsHuman, handed_off),
                (NotificationKind::TicketOpened, ticketed),
                (NotificationKind::DeliveryFailed, ticketed),
                (NotificationKind::DeliveryFailed, ticketed),
                (NotificationKind::DeliveryFailed, ticketed),
            ],
            "{}",
            db.label
        );
        assert_eq!(events[0].their_number, "+15551110001", "{}", db.label);
        let ticket = events[1].ticket.as_ref().expect("the ticket");
        assert_eq!(
            (ticket.number.as_str(), ticket.summary.as_str()),
            ("T-NOTIFY1", "Leaking tap"),
            "{}",
            db.label
        );
        let failures: Vec<(Uuid, Option<&str>)> = events[2..]
            .iter()
            .map(|event| {
                let message = event.message.as_ref().expect("the failed text");
                (message.id, message.error_code.as_deref())
            })
            .collect();
        assert_eq!(
            failures,
            [
                (refused, Some("21610")),
                (uncoded, None),
                (lost, Some("30003"))
            ],
            "{}",
            db.label
        );

        // Fanned out once, whoever comes second.
        let fanout = Fanout {
            emails: vec![],
            webhook: true,
        };
        assert!(
            store
                .fan_out_notification(events[0].id, &fanout)
                .await
                .unwrap()
        );
        assert!(
            !store
                .fan_out_notification(events[0].id, &fanout)
                .await
                .unwrap(),
            "{}",
            db.label
        );
        let left = store.unrouted_notification_events(10).await.unwrap();
        assert_eq!(left.len(), 4, "{}", db.label);
    }
}

#[tokio::test]
async fn webhook_posts_are_leased_retried_and_finished() {
    for db in testing::all().await {
        let store = db.store().await;
        let store = store.as_ref();
        deliver(
            store,
            "+15551110003",
            InboundOutcome {
                handoff: Some(Handoff),
                ..outcome()
            },
        )
        .await;
        let event = store
            .unrouted_notification_events(1)
            .await
            .unwrap()
            .remove(0);
        let webhook = Fanout {
            emails: vec![],
            webhook: true,
        };
        store
            .fan_out_notification(event.id, &webhook)
            .await
            .unwrap();

        let first = store
            .claim_notification_webhook(now(), LEASE)
            .await
            .unwrap()
            .expect("due");
        assert_eq!(
            (first.event.id, first.attempt),
            (event.id, 1),
            "{}",
            db.label
        );
        assert!(
            store
                .claim_notification_webhook(now(), LEASE)
                .await
                .unwrap()
                .is_none(),
            "leased ({})",
            db.label
        );
        let retry = DeliveryOutcome::Retry {
            error: "HTTP 503".into(),
            at: OffsetDateTime::now_utc() - Duration::seconds(1),
        };
        store
            .finish_notification(first.claim, &retry, None)
            .await
            .unwrap();
        let second = store
            .claim_notification_webhook(now(), LEASE)
            .await
            .unwrap()
            .expect("due again");
        assert_eq!(second.attempt, 2, "{}", db.label);
        // The first claim is over: its late outcome changes nothing.
        store
            .finish_notification(first.claim, &DeliveryOutcome::Sent, None)
            .await
            .unwrap();
        store
            .finish_notification(second.claim, &DeliveryOutcome::Sent, None)
            .await
            .unwrap();
        assert!(
            store
                .claim_notification_webhook(now(), LEASE)
                .await
                .unwrap()
                .is_none(),
            "delivered once ({})",
            db.label
        );
    }
}

#[tokio::test]
async fn emails_wait_for_the_digest_window_and_then_come_together() {
    for db in testing::all().await {
        let store = db.store().await;
        let store = store.as_ref();
        let by = smsflow_store::Author::system();
        let ada = store
            .create_admin(
                "ada@example.com",
                "$argon2id$x",
                AdminCreation::Operator(smsflow_store::Role::Admin),
                &by,
            )
            .await
            .unwrap();
        let bob = store
            .create_admin(
                "bob@example.com",
                "$argon2id$x",
                AdminCreation::Operator(smsflow_store::Role::Admin),
                &by,
            )
            .await
            .unwrap();
        let quiet = NotificationPreferences {
            ticket_opened: false,
            digest_minutes: 30,
            ..NotificationPreferences::default()
        };
        store
            .set_notification_preferences(bob.id, &quiet)
            .await
            .unwrap();
        let preferences = store.admins_with_preferences().await.unwrap();
        assert_eq!(
            preferences,
            [
                (ada.clone(), NotificationPreferences::default()),
                (bob.clone(), quiet.clone())
            ],
            "{}",
            db.label
        );
        assert_eq!(
            store.notification_preferences(bob.id).await.unwrap(),
            quiet,
            "{}",
            db.label
        );

        let to_ada = Fanout {
            emails: vec![ada.id],
            webhook: false,
        };
        let mut numbers = ["+15551110004", "+15551110005", "+15551110006"].into_iter();
        let mut hand_off = async || {
            deliver(
                store,
                numbers.next().unwrap(),
                InboundOutcome {
                    handoff: Some(Handoff),
                    ..outcome()
                },
            )
            .await;
            let event = store
                .unrouted_notification_events(1)
                .await
                .unwrap()
                .remove(0);
            store.fan_out_notification(event.id, &to_ada).await.unwrap();
            event.id
        };

        // The first email goes at once ...
        let first = hand_off().await;
        let claimed = store
            .claim_notification_emails(now(), LEASE)
            .await
            .unwrap()
            .expect("due");
        assert_eq!(claimed.admin, ada, "{}", db.label);
        let ids: Vec<i64> = claimed.events.iter().map(|event| event.id).collect();
        assert_eq!(ids, [first], "{}", db.label);
        let hold = now() + Duration::minutes(10);
        store
            .finish_notification(claimed.claim, &DeliveryOutcome::Sent, Some((ada.id, hold)))
            .await
            .unwrap();

        // ... the next ones wait for the window, and come in one digest.
        let second = hand_off().await;
        let third = hand_off().await;
        assert!(
            store
                .claim_notification_emails(now(), LEASE)
                .await
                .unwrap()
                .is_none(),
            "held for the digest window ({})",
            db.label
        );
        // A late outcome of a finished claim moves no window.
        store
            .finish_notification(claimed.claim, &DeliveryOutcome::Sent, Some((ada.id, now())))
            .await
            .unwrap();
        assert!(
            store
                .claim_notification_emails(now(), LEASE)
                .await
                .unwrap()
                .is_none(),
            "{}",
            db.label
        );
        let digest = store
            .claim_notification_emails(hold + Duration::seconds(1), LEASE)
            .await
            .unwrap()
            .expect("the window is over");
        assert_eq!(digest.admin, ada, "{}", db.label);
        let ids: Vec<i64> = digest.events.iter().map(|event| event.id).collect();
        assert_eq!(ids, [second, third], "{}", db.label);

        // An outage delays: the email is due again later, with both events.
        let later = DeliveryOutcome::Retry {
            error: "connection refused".into(),
            at: hold + Duration::seconds(2),
        };
        store
            .finish_notification(digest.claim, &later, None)
            .await
            .unwrap();
        let again = store
            .claim_notification_emails(hold + Duration::seconds(2), LEASE)
            .await
            .unwrap()
            .expect("retried");
        assert_eq!((again.events.len(), again.attempt), (2, 2), "{}", db.label);
    }
}
