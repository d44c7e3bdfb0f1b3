//! The inbound and outbound queues, on SQLite and (when configured) PostgreSQL: stored once,
//! claimed once, kept in order, and taken over after a crashed worker's lease expires.

use smsflow_core::conversation::{Author, Channel, Direction, MessageStatus};
use smsflow_core::run::RunState;
use smsflow_store::conversations::{
    ClaimNext, Explanation, InboundOutcome, InboundSms, NewTicket, OutboundJob, RunUpdate, SentMark,
};
use smsflow_store::testing;
use std::collections::HashSet;
use time::{Duration, OffsetDateTime};

fn sms(provider_id: &str, from: &str) -> InboundSms {
    InboundSms {
        channel: Channel::Twilio,
        our_number: "+15550009999".into(),
        their_number: from.into(),
        body: "hello".into(),
        provider_id: Some(provider_id.into()),
        media_urls: vec![],
        simulated: false,
    }
}

/// Stores a text for each (provider id, their number), in order.
async fn store_texts(store: &std::sync::Arc<dyn smsflow_store::Store>, texts: &[(&str, &str)]) {
    for (sid, from) in texts {
        store.record_inbound(&sms(sid, from)).await.unwrap();
    }
}

#[tokio::test]
async fn concurrent_duplicate_deliveries_are_stored_once() {
    for db in testing::all().await {
        let (first, second) = (db.store().await, db.store().await);
        let mut tasks = Vec::new();
        for i in 0..16 {
            let store = if i % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            tasks.push(tokio::spawn(async move {
                store
                    .record_inbound(&sms("SMdup", "+15551110000"))
                    .await
                    .unwrap()
            }));
        }
        let mut fresh = 0;
        let mut ids = HashSet::new();
        for task in tasks {
            let recorded = task.await.unwrap();
            ids.insert(recorded.message_id);
            fresh += usize::from(!recorded.duplicate);
        }
        assert_eq!((fresh, ids.len()), (1, 1), "{}", db.label);
        // At once: a duplicate's answer leaves nothing of it in the way (on PostgreSQL, its
        // statement's lock on the conversation was released before it answered).
        let (message, conversation) = first
            .claim_inbound(Duration::seconds(30), 1)
            .await
            .unwrap()
            .pop()
            .unwrap_or_else(|| panic!("{}: the stored text is claimable", db.label));
        assert_eq!(
            conversation.unread_count, 1,
            "{}: duplicates do not count as unread",
            db.label
        );
        assert_eq!(message.provider_id.as_deref(), Some("SMdup"));
        assert!(
            first
                .claim_inbound(Duration::seconds(30), 1)
                .await
                .unwrap()
                .is_empty(),
            "claimed once"
        );
    }
}

#[tokio::test]
async fn inbound_messages_of_a_conversation_are_processed_in_order_and_once() {
    for db in testing::all().await {
        let store = db.store().await;
        store
            .record_inbound(&sms("SM1", "+15551110001"))
            .await
            .unwrap();
        store
            .record_inbound(&sms("SM2", "+15551110001"))
            .await
            .unwrap();
        store
            .record_inbound(&sms("SM3", "+15551110002"))
            .await
            .unwrap();
        let (first, _) = store
            .claim_inbound(Duration::seconds(30), 1)
            .await
            .unwrap()
            .pop()
            .unwrap();
        let (other, _) = store
            .claim_inbound(Duration::seconds(30), 1)
            .await
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(first.provider_id.as_deref(), Some("SM1"));
        assert_eq!(
            other.provider_id.as_deref(),
            Some("SM3"),
            "{}: SM2 waits for SM1 of its conversation",
            db.label
        );
        assert!(
            store
                .claim_inbound(Duration::seconds(30), 1)
                .await
                .unwrap()
                .is_empty()
        );

        let outcome = InboundOutcome {
            workflow_id: None,
            explanation: Explanation::default().with("test", true),
            active_workflow_id: None,
            active_workflow_at: None,
            run_completed: false,
            active_run_id: None,
            run: None,
            language: None,
            handoff: None,
            opt_change: None,
            reply: Some(testing::new_outbound(
                "reply to SM1",
                OffsetDateTime::now_utc(),
            )),
        };
        store.complete_inbound(&[(&first, &outcome)]).await.unwrap();
        store.complete_inbound(&[(&first, &outcome)]).await.unwrap();
        let messages = store
            .conversation_messages(first.conversation_id)
            .await
            .unwrap();
        assert_eq!(
            messages.iter().filter(|m| m.body == "reply to SM1").count(),
            1,
            "{}: completing twice replies once",
            db.label
        );
        assert_eq!(messages[0].status, MessageStatus::Processed);
        let (second, _) = store
            .claim_inbound(Duration::seconds(30), 1)
            .await
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(second.provider_id.as_deref(), Some("SM2"));
    }
}

fn replying(body: &str) -> InboundOutcome {
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
        reply: Some(testing::new_outbound(body, OffsetDateTime::now_utc())),
    }
}

#[tokio::test]
async fn a_batch_is_claimed_one_per_conversation_and_recorded_together() {
    for db in testing::all().await {
        let store = db.store().await;
        store_texts(
            &store,
            &[
                ("SMa1", "+15551120001"),
                ("SMa2", "+15551120001"),
                ("SMb1", "+15551120002"),
                ("SMc1", "+15551120003"),
            ],
        )
        .await;
        let claimed = store
            .claim_inbound(Duration::seconds(30), 10)
            .await
            .unwrap();
        let sids: Vec<_> = claimed
            .iter()
            .map(|(m, _)| m.provider_id.as_deref().unwrap())
            .collect();
        assert_eq!(
            sids,
            ["SMa1", "SMb1", "SMc1"],
            "{}: oldest first, SMa2 waits for SMa1",
            db.label
        );
        for (message, conversation) in &claimed {
            assert_eq!(message.conversation_id, conversation.id, "{}", db.label);
        }
        // Another worker finished SMb1 first (its lease had expired): it keeps that result, and
        // the rest of the batch is still recorded.
        let (a1, b1, c1) = (&claimed[0].0, &claimed[1].0, &claimed[2].0);
        let first = replying("b1 by the other worker");
        store.complete_inbound(&[(b1, &first)]).await.unwrap();
        let (ra, rb, rc) = (replying("a1"), replying("b1 again"), replying("c1"));
        store
            .complete_inbound(&[(a1, &ra), (b1, &rb), (c1, &rc)])
            .await
            .unwrap();
        let bodies = |id| {
            let store = store.clone();
            async move {
                store
                    .conversation_messages(id)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|m| (m.body, m.status))
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            bodies(b1.conversation_id).await,
            [
                ("hello".to_string(), MessageStatus::Processed),
                ("b1 by the other worker".to_string(), MessageStatus::Queued)
            ],
            "{}",
            db.label
        );
        assert_eq!(
            bodies(c1.conversation_id).await,
            [
                ("hello".to_string(), MessageStatus::Processed),
                ("c1".to_string(), MessageStatus::Queued)
            ],
            "{}",
            db.label
        );
        let next = store
            .claim_inbound(Duration::seconds(30), 10)
            .await
            .unwrap();
        assert_eq!(next.len(), 1, "{}", db.label);
        assert_eq!(next[0].0.provider_id.as_deref(), Some("SMa2"));
        // The loop guard counts automatic replies per number, in one query for the batch.
        let counts = store
            .automatic_replies_since(
                &["+15551120001", "+15551120003", "+15551129999"],
                OffsetDateTime::now_utc() - Duration::minutes(1),
            )
            .await
            .unwrap();
        assert_eq!(counts.get("+15551120001"), Some(&1), "{}", db.label);
        assert_eq!(counts.get("+15551120003"), Some(&1), "{}", db.label);
        assert_eq!(counts.get("+15551129999"), None, "{}", db.label);
    }
}

/// A reply carrying run `run_id` of a workflow, with the name it has learnt.
fn replying_with_run(
    body: &str,
    run_id: uuid::Uuid,
    name: &str,
    completed: bool,
) -> InboundOutcome {
    InboundOutcome {
        active_run_id: Some(run_id),
        run_completed: completed,
        run: Some(RunUpdate {
            run_id,
            workflow_id: uuid::Uuid::nil(),
            state: RunState {
                fields: [("name".to_string(), name.to_string())].into(),
                ..RunState::default()
            },
            completed,
            new_ticket: None,
            records: vec![],
            phone: "+15551140000".into(),
            learned: Default::default(),
        }),
        ..replying(body)
    }
}

/// A reply that completes a run and opens its ticket, numbered `number`.
fn replying_with_ticket(body: &str, number: &str) -> InboundOutcome {
    let mut outcome = replying_with_run(body, uuid::Uuid::now_v7(), "Tess", true);
    if let Some(run) = &mut outcome.run {
        run.new_ticket = Some(NewTicket {
            notify: false,
            number: number.into(),
            priority: smsflow_core::TicketPriority::Normal,
            summary: "A quote".into(),
        });
    }
    outcome
}

/// A message whose recording fails (here its ticket's number is taken) leaves nothing of it
/// written, recorded alone or in a batch, and stays to be processed again; the others of its
/// batch are recorded.
#[tokio::test]
async fn a_message_whose_recording_fails_leaves_nothing_of_it_written() {
    for db in testing::all().await {
        let store = db.store().await;
        store_texts(
            &store,
            &[
                ("SMf1", "+15551130001"),
                ("SMf2", "+15551130002"),
                ("SMf3", "+15551130003"),
            ],
        )
        .await;
        let claimed = store.claim_inbound(Duration::seconds(30), 3).await.unwrap();
        let (first, failing, other) = (&claimed[0].0, &claimed[1].0, &claimed[2].0);
        let taken = replying_with_ticket("first", "T-1");
        store.complete_inbound(&[(first, &taken)]).await.unwrap();
        let again = replying_with_ticket("never sent", "T-1");
        let alone = store.complete_inbound(&[(failing, &again)]).await;
        assert!(alone.is_err(), "{}: {alone:?}", db.label);
        let with_other = replying("other");
        let together = store
            .complete_inbound(&[(other, &with_other), (failing, &again)])
            .await;
        assert!(together.is_err(), "{}: {together:?}", db.label);
        let messages = store
            .conversation_messages(failing.conversation_id)
            .await
            .unwrap();
        let statuses: Vec<_> = messages
            .iter()
            .map(|m| (m.body.as_str(), m.status))
            .collect();
        assert_eq!(
            statuses,
            [("hello", MessageStatus::Received)],
            "{}",
            db.label
        );
        let run_id = again.run.as_ref().unwrap().run_id;
        assert!(
            store.get_run(run_id).await.unwrap().is_none(),
            "{}",
            db.label
        );
        let conversation = store
            .get_conversation(failing.conversation_id)
            .await
            .unwrap();
        assert_eq!(conversation.active_run_id, None, "{}", db.label);
        assert_eq!(
            replies(&store, other.conversation_id).await,
            ["other"],
            "{}",
            db.label
        );
        assert_eq!(
            replies(&store, first.conversation_id).await,
            ["first"],
            "{}",
            db.label
        );
    }
}

/// The runs of a batch are saved together, each with its own state: new runs, a run carried on
/// from an earlier text (its state replaced) and a run that opens a ticket.
#[tokio::test]
async fn a_batch_saves_each_of_its_runs() {
    for db in testing::all().await {
        let store = db.store().await;
        store_texts(
            &store,
            &[
                ("SMr1", "+15551140001"),
                ("SMr2", "+15551140002"),
                ("SMr3", "+15551140003"),
                ("SMr4", "+15551140002"),
                ("SMr5", "+15551140001"),
            ],
        )
        .await;
        let (ana, bo, cy) = (
            uuid::Uuid::now_v7(),
            uuid::Uuid::now_v7(),
            uuid::Uuid::now_v7(),
        );
        let claimed = store
            .claim_inbound(Duration::seconds(30), 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 3, "{}: one text per conversation", db.label);
        let ticketed = replying_with_ticket("three", "T-9");
        store
            .complete_inbound(&[
                (&claimed[0].0, &replying_with_run("one", ana, "Ana", false)),
                (&claimed[1].0, &replying_with_run("two", bo, "Bo", false)),
                (&claimed[2].0, &ticketed),
            ])
            .await
            .unwrap();
        let claimed = store
            .claim_inbound(Duration::seconds(30), 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 2, "{}", db.label);
        store
            .complete_inbound(&[
                (&claimed[0].0, &replying_with_run("four", bo, "Bea", true)),
                (&claimed[1].0, &replying_with_run("five", cy, "Cy", false)),
            ])
            .await
            .unwrap();
        for (run_id, name, completed) in [(ana, "Ana", false), (bo, "Bea", true), (cy, "Cy", false)]
        {
            let run = store
                .get_run(run_id)
                .await
                .unwrap()
                .expect("the run is saved");
            assert_eq!(
                (run.state.fields["name"].as_str(), run.completed),
                (name, completed),
                "{}",
                db.label
            );
        }
        let ticketed_run = ticketed.run.as_ref().unwrap().run_id;
        assert!(
            store
                .get_run(ticketed_run)
                .await
                .unwrap()
                .unwrap()
                .completed,
            "{}",
            db.label
        );
        assert_eq!(
            store.get_ticket("T-9").await.unwrap().run_id,
            ticketed_run,
            "{}",
            db.label
        );
    }
}

/// The replies queued in a conversation, oldest first.
async fn replies(
    store: &std::sync::Arc<dyn smsflow_store::Store>,
    conversation_id: uuid::Uuid,
) -> Vec<String> {
    store
        .conversation_messages(conversation_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.direction == Direction::Outbound)
        .map(|m| m.body)
        .collect()
}

#[tokio::test]
async fn an_expired_inbound_claim_is_taken_over_and_its_conversation_waits_meanwhile() {
    for db in testing::all().await {
        let (first, second) = (db.store().await, db.store().await);
        for (sid, from) in [
            ("SMw1", "+15551110006"),
            ("SMw2", "+15551110006"),
            ("SMw3", "+15551110007"),
        ] {
            first.record_inbound(&sms(sid, from)).await.unwrap();
        }
        // A worker claims the first message with a lease that runs out at once (it "crashed").
        let (crashed, _) = first
            .claim_inbound(Duration::milliseconds(-1), 1)
            .await
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(crashed.provider_id.as_deref(), Some("SMw1"));
        let taken_over = second
            .claim_inbound(Duration::seconds(30), 10)
            .await
            .unwrap();
        let sids: Vec<_> = taken_over
            .iter()
            .map(|(m, _)| (m.provider_id.as_deref().unwrap(), m.attempts))
            .collect();
        assert_eq!(
            sids,
            [("SMw1", 2), ("SMw3", 1)],
            "{}: the expired claim is taken over; SMw2 still waits",
            db.label
        );
        assert!(
            first
                .claim_inbound(Duration::seconds(30), 10)
                .await
                .unwrap()
                .is_empty(),
            "{}: SMw2 waits while SMw1 is in flight in another process",
            db.label
        );
        // The crashed worker comes back and finishes first; the later result is ignored.
        first
            .complete_inbound(&[(&crashed, &replying("w1 late"))])
            .await
            .unwrap();
        second
            .complete_inbound(&[(&taken_over[0].0, &replying("w1 again"))])
            .await
            .unwrap();
        assert_eq!(
            replies(&first, crashed.conversation_id).await,
            ["w1 late"],
            "{}",
            db.label
        );
        let (next, _) = second
            .claim_inbound(Duration::seconds(30), 10)
            .await
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(next.provider_id.as_deref(), Some("SMw2"), "{}", db.label);
    }
}

/// An inbound claim counts its attempt on the conversation's lease (migration 0030), not on the
/// message: the claims leave the message's row as stored (on PostgreSQL, no new row version, which
/// would add an entry to every index of messages), the claimed message carries the count, the
/// processed message keeps it, and the conversation's next message starts again at one.
#[tokio::test]
async fn inbound_attempts_are_counted_on_the_lease_and_kept_with_the_processed_message() {
    for db in testing::all().await {
        let store = db.store().await;
        let mut stored = Vec::new();
        for sid in ["SMa1", "SMa2"] {
            let recorded = store
                .record_inbound(&sms(sid, "+15551110008"))
                .await
                .unwrap();
            stored.push(recorded.message_id);
        }
        let pool = match db.label {
            "postgres" => Some(db.postgres_pool().await),
            _ => None,
        };
        let stored_version = row_version(pool.as_ref(), stored[0]).await;
        // Claimed, and the lease runs out at once (a crashed worker); then claimed again.
        let (first, _) = claim_one(&store, Duration::milliseconds(-1)).await;
        let (again, _) = claim_one(&store, Duration::seconds(30)).await;
        assert_eq!(
            (first.id, again.id, first.attempts, again.attempts),
            (stored[0], stored[0], 1, 2),
            "{}: each claim of the same message counts",
            db.label
        );
        assert_eq!(
            row_version(pool.as_ref(), stored[0]).await,
            stored_version,
            "{}: claims write no new version of the message's row",
            db.label
        );
        store
            .complete_inbound(&[(&again, &replying("a1"))])
            .await
            .unwrap();
        let processed = store
            .conversation_messages(again.conversation_id)
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.id == again.id)
            .unwrap();
        assert_eq!(
            (processed.status, processed.attempts),
            (MessageStatus::Processed, 2),
            "{}: the processed message keeps its attempts",
            db.label
        );
        let (next, _) = claim_one(&store, Duration::seconds(30)).await;
        assert_eq!(
            (next.provider_id.as_deref(), next.attempts),
            (Some("SMa2"), 1),
            "{}: the next message's count starts again",
            db.label
        );
        drop((store, pool));
    }
}

/// The oldest pending message and its conversation, claimed for `lease`.
async fn claim_one(
    store: &std::sync::Arc<dyn smsflow_store::Store>,
    lease: Duration,
) -> (
    smsflow_store::conversations::Message,
    smsflow_store::conversations::Conversation,
) {
    store.claim_inbound(lease, 1).await.unwrap().pop().unwrap()
}

/// The version of a message's row on PostgreSQL (its `xmin`: a new one with every update).
async fn row_version(pool: Option<&sqlx::PgPool>, id: uuid::Uuid) -> Option<String> {
    Some(
        sqlx::query_scalar("SELECT xmin::text FROM messages WHERE id = $1")
            .bind(id)
            .fetch_one(pool?)
            .await
            .unwrap(),
    )
}

/// Senders and workers in two processes at once (a store each): every message is processed
/// once, and each conversation's in the order its texts arrived, while new texts keep arriving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_in_two_processes_process_each_message_once_and_in_order() {
    const CONVERSATIONS: usize = 8;
    const TEXTS: usize = 10;
    for db in testing::all().await {
        let stores = [db.store().await, db.store().await];
        let senders: Vec<_> = (0..CONVERSATIONS)
            .map(|c| {
                let stores = stores.clone();
                tokio::spawn(async move {
                    let from = format!("+1555333{c:04}");
                    let mut conversation_id = None;
                    for t in 0..TEXTS {
                        let recorded = stores[t % 2]
                            .record_inbound(&sms(&format!("SM{c}-{t}"), &from))
                            .await
                            .unwrap();
                        conversation_id = Some(recorded.conversation_id);
                    }
                    conversation_id.unwrap()
                })
            })
            .collect();
        let processed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let workers: Vec<_> = (0..4)
            .map(|w| {
                let store = stores[w % 2].clone();
                let processed = processed.clone();
                tokio::spawn(async move {
                    while processed.load(std::sync::atomic::Ordering::SeqCst)
                        < CONVERSATIONS * TEXTS
                    {
                        let claimed = store.claim_inbound(Duration::seconds(30), 3).await.unwrap();
                        if claimed.is_empty() {
                            tokio::task::yield_now().await;
                            continue;
                        }
                        let outcomes: Vec<_> = claimed
                            .iter()
                            .map(|(m, _)| {
                                replying(&format!("re {}", m.provider_id.as_deref().unwrap()))
                            })
                            .collect();
                        let completed: Vec<_> =
                            claimed.iter().map(|(m, _)| m).zip(&outcomes).collect();
                        store.complete_inbound(&completed).await.unwrap();
                        processed.fetch_add(claimed.len(), std::sync::atomic::Ordering::SeqCst);
                    }
                })
            })
            .collect();
        let mut conversations = Vec::new();
        for (c, sender) in senders.into_iter().enumerate() {
            conversations.push((c, sender.await.unwrap()));
        }
        for worker in workers {
            tokio::time::timeout(std::time::Duration::from_secs(60), worker)
                .await
                .unwrap_or_else(|_| panic!("{}: messages left unprocessed", db.label))
                .unwrap();
        }
        for (c, conversation_id) in conversations {
            let expected: Vec<String> = (0..TEXTS).map(|t| format!("re SM{c}-{t}")).collect();
            assert_eq!(
                replies(&stores[0], conversation_id).await,
                expected,
                "{}",
                db.label
            );
        }
    }
}

#[tokio::test]
async fn recording_a_batch_claims_the_next_one_and_its_replies() {
    for db in testing::all().await {
        let store = db.store().await;
        store_texts(
            &store,
            &[
                ("SMn1", "+15551130001"),
                ("SMn2", "+15551130001"),
                ("SMn3", "+15551130002"),
            ],
        )
        .await;
        let claimed = store
            .claim_inbound(Duration::seconds(30), 10)
            .await
            .unwrap();
        let (first, other) = (&claimed[0].0, &claimed[1].0);
        let (first_reply, other_reply) = (replying("first's reply"), replying("other's reply"));
        let next = ClaimNext {
            lease: Duration::seconds(30),
            inbound: 10,
            outbound: 10,
        };
        let claimed_next = store
            .complete_inbound_and_claim(vec![(first, first_reply), (other, other_reply)], next)
            .await
            .unwrap();
        let bodies = |jobs: &[OutboundJob]| {
            let mut bodies: Vec<_> = jobs.iter().map(|job| job.message.body.clone()).collect();
            bodies.sort();
            bodies
        };
        // SMn2 became claimable when SMn1 was recorded (on SQLite in the same transaction).
        let next_texts: Vec<_> = claimed_next
            .inbound
            .iter()
            .map(|(m, _)| m.provider_id.clone().unwrap())
            .collect();
        assert_eq!(next_texts, ["SMn2"], "{}", db.label);
        assert_eq!(
            bodies(&claimed_next.outbound),
            ["first's reply", "other's reply"],
            "{}",
            db.label
        );
        let job = &claimed_next.outbound[0];
        assert_eq!(
            (
                job.message.status,
                job.message.attempts,
                job.their_number.as_str()
            ),
            (MessageStatus::Sending, 1, "+15551130001"),
            "{}: claimed as the outbound claim claims",
            db.label
        );
        // Claimed once: neither a later claim nor another worker takes them again.
        assert!(
            store
                .claim_inbound(Duration::seconds(30), 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .claim_outbound(Duration::seconds(30), 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

/// A reply is claimed with its batch only as a sender would claim it: not behind an earlier unsent
/// message of its conversation, not before it is due, and no more than asked for.
#[tokio::test]
async fn recording_a_batch_claims_only_the_replies_a_sender_could() {
    for db in testing::all().await {
        let store = db.store().await;
        let now = OffsetDateTime::now_utc();
        let behind = store
            .open_conversation(Channel::Twilio, "+15550009999", "+15551160001")
            .await
            .unwrap();
        let earlier = store
            .queue_outbound(behind.id, &testing::new_outbound("earlier", now))
            .await
            .unwrap();
        store_texts(
            &store,
            &[
                ("SMq1", "+15551160001"),
                ("SMq2", "+15551160002"),
                ("SMq3", "+15551160003"),
            ],
        )
        .await;
        let claimed = store
            .claim_inbound(Duration::seconds(30), 10)
            .await
            .unwrap();
        assert_eq!(claimed[0].1.id, behind.id, "{}", db.label);
        let later = InboundOutcome {
            reply: Some(testing::new_outbound("later", now + Duration::hours(1))),
            ..replying("")
        };
        let outcomes = vec![
            (&claimed[0].0, replying("behind")),
            (&claimed[1].0, replying("due")),
            (&claimed[2].0, later),
        ];
        let next = ClaimNext {
            lease: Duration::seconds(30),
            inbound: 0,
            outbound: 10,
        };
        let with_batch = store
            .complete_inbound_and_claim(outcomes, next)
            .await
            .unwrap()
            .outbound;
        let bodies = |jobs: &[OutboundJob]| -> Vec<String> {
            jobs.iter().map(|job| job.message.body.clone()).collect()
        };
        // SQLite's claim with the batch takes any message due, the earlier one too.
        let expected: &[&str] = if db.label == "sqlite" {
            &["earlier", "due"]
        } else {
            &["due"]
        };
        assert_eq!(bodies(&with_batch), expected, "{}", db.label);
        let apart = store
            .claim_outbound(Duration::seconds(30), 10)
            .await
            .unwrap();
        let expected: &[&str] = if db.label == "sqlite" {
            &[]
        } else {
            &["earlier"]
        };
        assert_eq!(bodies(&apart), expected, "{}: the rest wait", db.label);
        let sending = store.get_message(earlier.id).await.unwrap();
        store
            .mark_sent(
                earlier.id,
                sending.attempts,
                Some("SMe"),
                MessageStatus::Sent,
            )
            .await
            .unwrap();
        let then = store
            .claim_outbound(Duration::seconds(30), 10)
            .await
            .unwrap();
        assert_eq!(
            bodies(&then),
            ["behind"],
            "{}: once the earlier is sent",
            db.label
        );

        // No more than asked for: the oldest reply is claimed, the other waits for a sender.
        store_texts(
            &store,
            &[("SMq4", "+15551160004"), ("SMq5", "+15551160005")],
        )
        .await;
        let claimed = store
            .claim_inbound(Duration::seconds(30), 10)
            .await
            .unwrap();
        let outcomes = vec![
            (&claimed[0].0, replying("first")),
            (&claimed[1].0, replying("second")),
        ];
        let one = ClaimNext {
            outbound: 1,
            ..next
        };
        let with_batch = store
            .complete_inbound_and_claim(outcomes, one)
            .await
            .unwrap()
            .outbound;
        assert_eq!(bodies(&with_batch), ["first"], "{}", db.label);
        let apart = store
            .claim_outbound(Duration::seconds(30), 10)
            .await
            .unwrap();
        assert_eq!(bodies(&apart), ["second"], "{}", db.label);
    }
}

#[tokio::test]
async fn sends_are_marked_together_with_the_claim_of_what_they_held_back() {
    for db in testing::all().await {
        let store = db.store().await;
        let now = OffsetDateTime::now_utc();
        let mut conversations = Vec::new();
        for to in ["+15551140001", "+15551140002"] {
            let conversation = store
                .open_conversation(Channel::Simulator, "+15550009999", to)
                .await
                .unwrap();
            store
                .queue_outbound(
                    conversation.id,
                    &testing::new_outbound(&format!("to {to}"), now),
                )
                .await
                .unwrap();
            conversations.push(conversation.id);
        }
        // Held back until the first one to the first number is sent.
        store
            .queue_outbound(conversations[0], &testing::new_outbound("then this", now))
            .await
            .unwrap();
        let jobs = store
            .claim_outbound(Duration::seconds(30), 10)
            .await
            .unwrap();
        assert_eq!(jobs.len(), 2, "{}", db.label);
        let mut marks: Vec<SentMark> = jobs
            .iter()
            .map(|job| SentMark {
                message_id: job.message.id,
                attempt: job.message.attempts,
                provider_id: Some(format!("SM{}", job.message.id.simple())),
                status: MessageStatus::Sent,
            })
            .collect();
        // The second number's claim was taken over meanwhile: its mark no longer applies.
        let late = jobs
            .iter()
            .position(|job| job.message.conversation_id == conversations[1])
            .unwrap();
        marks[late].attempt -= 1;
        let claimed = store
            .mark_all_sent_and_claim(&marks, Duration::seconds(30), 10)
            .await
            .unwrap();
        let next = if db.label == "sqlite" {
            claimed
        } else {
            // PostgreSQL claims nothing with the marks: its senders claim apart.
            assert!(claimed.is_empty());
            store
                .claim_outbound(Duration::seconds(30), 10)
                .await
                .unwrap()
        };
        let bodies: Vec<_> = next.iter().map(|job| job.message.body.as_str()).collect();
        assert_eq!(bodies, ["then this"], "{}", db.label);
        let sent = store.get_message(marks[1 - late].message_id).await.unwrap();
        assert_eq!(
            (sent.status, sent.provider_id),
            (MessageStatus::Sent, marks[1 - late].provider_id.clone()),
            "{}",
            db.label
        );
        let ignored = store.get_message(marks[late].message_id).await.unwrap();
        assert_eq!(
            (ignored.status, ignored.provider_id),
            (MessageStatus::Sending, None),
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn an_expired_claim_is_taken_over_and_the_late_worker_is_ignored() {
    for db in testing::all().await {
        let store = db.store().await;
        let conversation = store
            .open_conversation(Channel::Simulator, "+15550009999", "+15551110003")
            .await
            .unwrap();
        let queued = store
            .queue_outbound(
                conversation.id,
                &testing::new_outbound("only once", OffsetDateTime::now_utc()),
            )
            .await
            .unwrap();
        // A worker claims it with a lease that runs out at once (it "crashed").
        let crashed = store
            .claim_outbound(Duration::milliseconds(-1), 1)
            .await
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(crashed.message.id, queued.id);
        let taken_over = store
            .claim_outbound(Duration::seconds(30), 1)
            .await
            .unwrap()
            .pop()
            .expect("an expired lease frees the message");
        assert_eq!(taken_over.message.attempts, 2);
        assert!(
            store
                .claim_outbound(Duration::seconds(30), 1)
                .await
                .unwrap()
                .is_empty()
        );
        // The first worker comes back late: its outcome no longer applies.
        store
            .mark_retry(
                queued.id,
                crashed.message.attempts,
                "late",
                OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
        store
            .mark_sent(
                queued.id,
                taken_over.message.attempts,
                Some("SMx"),
                MessageStatus::Sent,
            )
            .await
            .unwrap();
        let message = store.get_message(queued.id).await.unwrap();
        assert_eq!(
            (message.status, message.provider_id.as_deref()),
            (MessageStatus::Sent, Some("SMx")),
            "{}",
            db.label
        );
    }
}

/// An inbound worker claims the replies of a batch in the transaction that records it, and sends
/// them itself. When it dies before marking them sent, their claims lapse and a sender takes each
/// over once; the dead worker's late mark changes nothing.
#[tokio::test]
async fn replies_claimed_by_a_crashed_inbound_worker_are_taken_over_once() {
    for db in testing::all().await {
        replies_claimed_by_a_crashed_inbound_worker_are_taken_over_once_on(&db).await;
    }
}

async fn replies_claimed_by_a_crashed_inbound_worker_are_taken_over_once_on(
    db: &testing::TestDatabase,
) {
    let store = db.store().await;
    store
        .record_inbound(&sms("SMcrash1", "+15551150001"))
        .await
        .unwrap();
    let claimed = store
        .claim_inbound(Duration::seconds(30), 10)
        .await
        .unwrap();
    let reply = replying("sent once");
    // The reply's claim runs out at once: the worker "crashed" before sending it.
    let next = ClaimNext {
        lease: Duration::milliseconds(-1),
        inbound: 10,
        outbound: 10,
    };
    let crashed = store
        .complete_inbound_and_claim(vec![(&claimed[0].0, reply)], next)
        .await
        .unwrap()
        .outbound;
    assert_eq!(crashed.len(), 1, "the reply is claimed with the batch");
    let taken_over = store
        .claim_outbound(Duration::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(taken_over.len(), 1, "a lapsed claim frees the reply");
    let (crashed, taken_over) = (&crashed[0].message, &taken_over[0].message);
    assert_eq!(
        (taken_over.id, taken_over.attempts),
        (crashed.id, crashed.attempts + 1)
    );
    assert!(
        store
            .claim_outbound(Duration::seconds(30), 10)
            .await
            .unwrap()
            .is_empty(),
        "taken over once"
    );
    let mark = |message: &smsflow_store::conversations::Message, provider_id: &str| SentMark {
        message_id: message.id,
        attempt: message.attempts,
        provider_id: Some(provider_id.into()),
        status: MessageStatus::Sent,
    };
    // The dead worker's send did reach the gateway after all, and its mark arrives late.
    store
        .mark_all_sent_and_claim(&[mark(crashed, "SMlate")], Duration::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(
        store.get_message(crashed.id).await.unwrap().status,
        MessageStatus::Sending,
        "a late mark changes nothing"
    );
    store
        .mark_all_sent_and_claim(&[mark(taken_over, "SMtaken")], Duration::seconds(30), 10)
        .await
        .unwrap();
    let sent = store.get_message(crashed.id).await.unwrap();
    assert_eq!(
        (sent.status, sent.provider_id.as_deref()),
        (MessageStatus::Sent, Some("SMtaken"))
    );
}

#[tokio::test]
async fn a_conversations_replies_leave_in_order_across_workers() {
    for db in testing::all().await {
        let (first, second) = (db.store().await, db.store().await);
        let conversation = first
            .open_conversation(Channel::Simulator, "+15550009999", "+15551110004")
            .await
            .unwrap();
        let now = OffsetDateTime::now_utc();
        for i in 0..3 {
            first
                .queue_outbound(
                    conversation.id,
                    &testing::new_outbound(&format!("part {i}"), now),
                )
                .await
                .unwrap();
        }
        let mut batch = first
            .claim_outbound(Duration::seconds(30), 10)
            .await
            .unwrap();
        assert_eq!(batch.len(), 1, "{}: one message per conversation", db.label);
        let job = batch.pop().unwrap();
        assert_eq!(job.message.body, "part 0");
        assert!(
            second
                .claim_outbound(Duration::seconds(30), 10)
                .await
                .unwrap()
                .is_empty(),
            "{}: part 1 waits for part 0, also in a batch",
            db.label
        );
        // A failed attempt keeps its place: the next ones wait for its retry.
        first
            .mark_retry(
                job.message.id,
                job.message.attempts,
                "HTTP 503",
                now - Duration::seconds(1),
            )
            .await
            .unwrap();
        let retried = second
            .claim_outbound(Duration::seconds(30), 1)
            .await
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(retried.message.body, "part 0");
        second
            .mark_sent(
                retried.message.id,
                retried.message.attempts,
                None,
                MessageStatus::Sent,
            )
            .await
            .unwrap();
        let next = first
            .claim_outbound(Duration::seconds(30), 1)
            .await
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(next.message.body, "part 1");
    }
}

#[tokio::test]
async fn opt_outs_are_recorded_and_lifted() {
    for db in testing::all().await {
        let store = db.store().await;
        let recorded = store
            .record_inbound(&sms("SMstop", "+15551110005"))
            .await
            .unwrap();
        let (message, _) = store
            .claim_inbound(Duration::seconds(30), 1)
            .await
            .unwrap()
            .pop()
            .unwrap();
        let mut outcome = InboundOutcome {
            workflow_id: None,
            explanation: Explanation::default(),
            active_workflow_id: None,
            active_workflow_at: None,
            run_completed: false,
            active_run_id: None,
            run: None,
            language: None,
            handoff: None,
            opt_change: Some(smsflow_store::conversations::OptChange::OptOut {
                keyword: "STOP".into(),
            }),
            reply: None,
        };
        store
            .complete_inbound(&[(&message, &outcome)])
            .await
            .unwrap();
        assert!(store.is_opted_out("+15551110005").await.unwrap());
        assert!(
            store
                .get_conversation(recorded.conversation_id)
                .await
                .unwrap()
                .opted_out
        );
        assert_eq!(store.list_opt_outs().await.unwrap()[0].keyword, "STOP");
        store
            .record_inbound(&sms("SMstart", "+15551110005"))
            .await
            .unwrap();
        let (message, _) = store
            .claim_inbound(Duration::seconds(30), 1)
            .await
            .unwrap()
            .pop()
            .unwrap();
        outcome.opt_change = Some(smsflow_store::conversations::OptChange::OptIn);
        store
            .complete_inbound(&[(&message, &outcome)])
            .await
            .unwrap();
        assert!(
            !store.is_opted_out("+15551110005").await.unwrap(),
            "{}",
            db.label
        );
    }
}

#[tokio::test]
async fn concurrent_deliveries_are_each_stored_once_with_their_conversation() {
    // On SQLite these are stored together (group commit): each still gets its own answer.
    for db in testing::all().await {
        let store = db.store().await;
        let mut tasks = Vec::new();
        for i in 0..64 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let from = format!("+1555222{:04}", i % 8);
                let recorded = store
                    .record_inbound(&sms(&format!("SMgroup{i}"), &from))
                    .await
                    .unwrap();
                (from, recorded)
            }));
        }
        let mut conversations = std::collections::HashMap::new();
        let mut ids = HashSet::new();
        for task in tasks {
            let (from, recorded) = task.await.unwrap();
            assert!(!recorded.duplicate, "{}", db.label);
            ids.insert(recorded.message_id);
            let conversation = *conversations
                .entry(from)
                .or_insert(recorded.conversation_id);
            assert_eq!(conversation, recorded.conversation_id, "{}", db.label);
        }
        assert_eq!((ids.len(), conversations.len()), (64, 8), "{}", db.label);
        for &conversation_id in conversations.values() {
            let messages = store.conversation_messages(conversation_id).await.unwrap();
            assert_eq!(messages.len(), 8, "{}", db.label);
            assert!(messages.iter().all(|m| ids.contains(&m.id)), "{}", db.label);
        }
        let claimed = store
            .claim_inbound(Duration::seconds(30), 100)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 8, "{}: one per conversation", db.label);
        assert!(
            claimed.iter().all(|(_, c)| c.unread_count == 8),
            "{}: every message counts as unread",
            db.label
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_of_the_pipeline_and_of_people_at_once_all_land() {
    // On SQLite the pipeline writes on its own thread and connection while a person's reply is
    // written through another (a transaction that reads, then writes): neither may fail busy.
    for db in testing::all().await {
        let store = db.store().await;
        let conversation = store
            .open_conversation(Channel::Twilio, "+15550009999", "+15553330000")
            .await
            .unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..100 {
            let inbound = store.clone();
            tasks.spawn(async move {
                let from = format!("+1555444{i:04}");
                inbound
                    .record_inbound(&sms(&format!("SMboth{i}"), &from))
                    .await
                    .map(|_| ())
            });
            let person = store.clone();
            tasks.spawn(async move {
                let mut reply =
                    testing::new_outbound(&format!("by hand {i}"), OffsetDateTime::now_utc());
                reply.author = Author::Human;
                person
                    .queue_outbound(conversation.id, &reply)
                    .await
                    .map(|_| ())
            });
        }
        while let Some(written) = tasks.join_next().await {
            written
                .unwrap()
                .unwrap_or_else(|error| panic!("{}: {error}", db.label));
        }
        let replies = store.conversation_messages(conversation.id).await.unwrap();
        assert_eq!(replies.len(), 100, "{}", db.label);
        let claimed = store
            .claim_inbound(Duration::seconds(30), 200)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 100, "{}", db.label);
    }
}

/// A processed text's explanation is large enough to be compressed as its row is written; on
/// PostgreSQL that is with lz4, cheaper than the default pglz (migration 0037), and it reads back
/// whole.
#[tokio::test]
async fn a_long_explanation_is_compressed_with_lz4_on_postgres() {
    let Some(db) = testing::postgres().await else {
        return;
    };
    let store = db.store().await;
    store_texts(&store, &[("SMlong", "+15551170001")]).await;
    let (message, _) = claim_one(&store, Duration::seconds(30)).await;
    let reasons: Vec<String> = (0..60)
        .map(|i| format!("candidate {i}: the goal's meaning scored 0.{i:02} of 1"))
        .collect();
    let outcome = InboundOutcome {
        explanation: Explanation::default().with("candidates", &reasons),
        ..replying("a reply")
    };
    store
        .complete_inbound(&[(&message, &outcome)])
        .await
        .unwrap();

    let compression: Option<String> =
        sqlx::query_scalar("SELECT pg_column_compression(explanation) FROM messages WHERE id = $1")
            .bind(message.id)
            .fetch_one(&db.postgres_pool().await)
            .await
            .unwrap();
    assert_eq!(compression.as_deref(), Some("lz4"));
    let stored = store.get_message(message.id).await.unwrap().explanation;
    assert_eq!(
        stored,
        Some(serde_json::json!({ "candidates": reasons })),
        "the explanation reads back whole"
    );
}
