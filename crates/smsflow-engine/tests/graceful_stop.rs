//! A graceful stop while replies are being sent: each reply in flight is finished and marked
//! sent before the workers return, nothing is left claimed, and after a restart every texter has
//! had exactly one reply. The inbound worker claims the replies it queues with their batch and
//! sends them itself, a few dozen at a time however many it holds. A batch waiting for more texts
//! (`batch_wait`) waits no longer once the process stops, and is recorded.

use async_trait::async_trait;
use smsflow_core::conversation::{Channel, Direction, MessageStatus};
use smsflow_engine::agent::Agent;
use smsflow_engine::matching::MatcherCache;
use smsflow_engine::messaging::Messaging;
use smsflow_engine::settings::SmsSettings;
use smsflow_sms::{OutgoingSms, SendError, SendReceipt, SmsChannel};
use smsflow_store::conversations::{InboundSms, Message};
use smsflow_store::{Store, testing};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// Fewer than the replies an inbound worker sends at once (32).
const TEXTERS: usize = 20;

/// More replies than an inbound worker sends at once (32), fewer than a batch (64) and than the
/// replies it may hold claimed (256).
const MANY_TEXTERS: usize = 60;

/// A gateway that takes a while to accept each message, and counts what it was handed.
#[derive(Default)]
struct SlowGateway {
    /// Messages handed over, in order; the accepted ones are in `accepted`.
    started: Mutex<Vec<Uuid>>,
    accepted: Mutex<Vec<Uuid>>,
    /// Sends handed over and not yet accepted, and the most there were at once.
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

impl SlowGateway {
    fn started(&self) -> usize {
        self.started.lock().unwrap().len()
    }
    fn accepted(&self) -> Vec<Uuid> {
        self.accepted.lock().unwrap().clone()
    }
}

#[async_trait]
impl SmsChannel for SlowGateway {
    fn kind(&self) -> Channel {
        Channel::Twilio
    }

    async fn send(&self, sms: &OutgoingSms) -> Result<SendReceipt, SendError> {
        self.started.lock().unwrap().push(sms.message_id);
        let in_flight = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(in_flight, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.accepted.lock().unwrap().push(sms.message_id);
        Ok(SendReceipt {
            provider_id: Some(format!("SM{}", sms.message_id.simple())),
            status: MessageStatus::Sent,
        })
    }
}

fn settings() -> SmsSettings {
    SmsSettings {
        default_from: "+15550000000".into(),
        max_segments: 3,
        gsm_friendly: true,
        help_text: "You are texting an automated assistant. Reply STOP to opt out.".into(),
        opt_out_text: "You are unsubscribed. Reply START to resubscribe.".into(),
        opt_in_text: "You are subscribed again.".into(),
        auto_replies_per_minute: 5,
        idle_timeout_minutes: 1440,
        draft_expiry_minutes: 30,
        quiet_hours: None,
        whatsapp: true,
        business_hours: None,
        timezone: jiff::tz::TimeZone::UTC,
    }
}

async fn messaging(
    store: &Arc<dyn Store>,
    gateway: &Arc<SlowGateway>,
    batch_wait: Duration,
) -> Arc<Messaging> {
    let matchers = MatcherCache::load(store.clone(), None).await.unwrap();
    let channels = HashMap::from([(Channel::Twilio, gateway.clone() as Arc<dyn SmsChannel>)]);
    let mut messaging = Messaging::new(
        store.clone(),
        Arc::new(matchers),
        channels,
        settings(),
        Agent::new(None),
        1,
    );
    messaging.batch_wait = batch_wait;
    Arc::new(messaging)
}

/// A HELP from `number`: answered without any workflow.
fn help(number: &str, provider_id: &str) -> InboundSms {
    InboundSms {
        channel: Channel::Twilio,
        our_number: "+15550000000".into(),
        their_number: number.into(),
        body: "HELP".into(),
        provider_id: Some(provider_id.into()),
        media_urls: vec![],
        simulated: false,
    }
}

/// The replies queued in these conversations.
async fn replies(store: &Arc<dyn Store>, conversations: &[Uuid]) -> Vec<Message> {
    let mut replies = Vec::new();
    for id in conversations {
        let messages = store.conversation_messages(*id).await.unwrap();
        replies.extend(
            messages
                .into_iter()
                .filter(|m| m.direction == Direction::Outbound),
        );
    }
    replies
}

/// A HELP received from each of `texters` numbers (`+1555` and `series`, then the texter's
/// number); their conversations.
async fn helps(messaging: &Messaging, series: &str, texters: usize) -> Vec<Uuid> {
    let mut conversations = Vec::new();
    for n in 0..texters {
        let sms = help(&format!("+1555{series}{n:04}"), &format!("SM{series}{n}"));
        conversations.push(messaging.receive(&sms).await.unwrap().conversation_id);
    }
    conversations
}

/// How many replies in these conversations are sent.
async fn sent_count(store: &Arc<dyn Store>, conversations: &[Uuid]) -> usize {
    let replies = replies(store, conversations).await;
    replies
        .iter()
        .filter(|m| m.status == MessageStatus::Sent)
        .count()
}

/// The gateway was handed `texters` replies, each once.
fn assert_each_handed_over_once(gateway: &SlowGateway, texters: usize, label: &str) {
    let mut handed_over = gateway.accepted();
    handed_over.sort();
    handed_over.dedup();
    assert_eq!(
        (gateway.started(), handed_over.len()),
        (texters, texters),
        "{label}: each reply handed to the gateway once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_while_replies_are_sent_loses_and_duplicates_none() {
    for db in testing::all().await {
        let store = db.store().await;
        let gateway = Arc::new(SlowGateway::default());
        let first = messaging(&store, &gateway, Duration::ZERO).await;
        let conversations = helps(&first, "123", TEXTERS).await;
        let workers = first.spawn_workers(1, 4);
        while gateway.started() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(
            workers.stop(Duration::from_secs(60)).await,
            "{}: the work in hand finishes",
            db.label
        );

        // Nothing in flight is left behind: every send handed over was accepted and recorded,
        // and no reply is still claimed (its claim would lapse and send it again).
        let accepted = gateway.accepted();
        assert_eq!(gateway.started(), accepted.len(), "{}", db.label);
        let stopped = replies(&store, &conversations).await;
        let sent: Vec<Uuid> = stopped
            .iter()
            .filter(|m| m.status == MessageStatus::Sent)
            .map(|m| m.id)
            .collect();
        assert!(!sent.is_empty(), "{}: some replies were sent", db.label);
        assert!(
            stopped
                .iter()
                .all(|m| matches!(m.status, MessageStatus::Sent | MessageStatus::Queued)),
            "{}: a reply is left claimed: {:?}",
            db.label,
            stopped.iter().map(|m| m.status).collect::<Vec<_>>()
        );
        let mut accepted_sorted = accepted.clone();
        accepted_sorted.sort();
        let mut sent_sorted = sent.clone();
        sent_sorted.sort();
        assert_eq!(accepted_sorted, sent_sorted, "{}", db.label);

        // Started again (a new process): the rest is answered, each texter once.
        let second = messaging(&store, &gateway, Duration::ZERO).await;
        let workers = second.spawn_workers(1, 4);
        until(async || sent_count(&store, &conversations).await == TEXTERS).await;
        let answered = sent_count(&store, &conversations).await;
        assert!(workers.stop(Duration::from_secs(60)).await);
        assert_eq!(answered, TEXTERS, "{}: every texter answered", db.label);
        let all = replies(&store, &conversations).await;
        assert_eq!(all.len(), TEXTERS, "{}: one reply per texter", db.label);
        assert_each_handed_over_once(&gateway, TEXTERS, db.label);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batchs_replies_are_claimed_with_it_and_sent_32_at_a_time() {
    for db in testing::all().await {
        let store = db.store().await;
        let gateway = Arc::new(SlowGateway::default());
        let messaging = messaging(&store, &gateway, Duration::ZERO).await;
        let conversations = helps(&messaging, "124", MANY_TEXTERS).await;
        let workers = messaging.spawn_workers(1, 4);
        until(async || sent_count(&store, &conversations).await == MANY_TEXTERS).await;
        let answered = sent_count(&store, &conversations).await;
        assert!(workers.stop(Duration::from_secs(60)).await);
        assert_eq!(
            answered, MANY_TEXTERS,
            "{}: every texter answered",
            db.label
        );
        assert_each_handed_over_once(&gateway, MANY_TEXTERS, db.label);
        // One worker took the 60 texts in one batch and its replies with its recording: had it
        // held only what it could send at once, the senders would have sent the rest meanwhile.
        let most = gateway.most_in_flight.load(Ordering::SeqCst);
        assert!(
            (2..=32).contains(&most),
            "{}: {most} sends in flight at once",
            db.label
        );
    }
}

async fn status_of(store: &Arc<dyn Store>, id: Uuid) -> MessageStatus {
    store.get_message(id).await.unwrap().status
}

/// Waits (a minute at most) until `ready` says so.
async fn until(mut ready: impl AsyncFnMut() -> bool) {
    for _ in 0..6000 {
        if ready().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_claimed_under_load_waits_for_more_texts_until_a_stop() {
    for db in testing::all().await {
        let store = db.store().await;
        let gateway = Arc::new(SlowGateway::default());
        // Longer than any test runs: only the stop can end it.
        let waiting = messaging(&store, &gateway, Duration::from_secs(3600)).await;
        // Two texts of one conversation: a worker claims the first alone (a conversation is
        // answered in order) and the second with the first's recording, as under load.
        let first = waiting
            .receive(&help("+15551230001", "SMwait1"))
            .await
            .unwrap();
        let second = waiting
            .receive(&help("+15551230001", "SMwait2"))
            .await
            .unwrap();
        let conversation = first.conversation_id;
        let workers = waiting.spawn_workers(2, 4);

        // The first, claimed as a worker started, waits for nothing: it is answered.
        until(async || gateway.accepted().len() == 1).await;
        assert_eq!(
            gateway.accepted().len(),
            1,
            "{}: the first is answered",
            db.label
        );
        assert_eq!(
            status_of(&store, first.message_id).await,
            MessageStatus::Processed
        );
        // The second waits for texts that would share its batch, and the other worker leaves a
        // new text to it.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let third = waiting
            .receive(&help("+15551230002", "SMwait3"))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        for (text, which) in [(&second, "the second"), (&third, "the third")] {
            assert_eq!(
                status_of(&store, text.message_id).await,
                MessageStatus::Received,
                "{}: {which} waits",
                db.label
            );
        }

        // A stop ends the wait: the second is recorded (its reply queued for the next start),
        // and nothing more is claimed.
        assert!(
            workers.stop(Duration::from_secs(60)).await,
            "{}: the waiting batch is recorded at the stop",
            db.label
        );
        assert_eq!(
            status_of(&store, second.message_id).await,
            MessageStatus::Processed,
            "{}",
            db.label
        );
        assert_eq!(
            replies(&store, &[conversation]).await.len(),
            2,
            "{}",
            db.label
        );

        // Started again: the third is answered too.
        let again = messaging(&store, &gateway, Duration::ZERO).await;
        let workers = again.spawn_workers(2, 4);
        until(async || status_of(&store, third.message_id).await == MessageStatus::Processed).await;
        assert!(workers.stop(Duration::from_secs(60)).await);
        assert_eq!(
            replies(&store, &[third.conversation_id]).await.len(),
            1,
            "{}: the third is answered once",
            db.label
        );
    }
}
