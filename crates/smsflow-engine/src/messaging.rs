//! The message pipeline: an inbound SMS is stored first (by the webhook), then processed by a
//! worker (carrier keywords, routing, the reply), and replies leave through the outbound queue.
//! Every step is a database transaction, so a crash delays work and never loses it: claims are
//! leases that expire, and several processes can share the queue.
//!
//! Several inbound workers run in a process; a claim takes a conversation's earliest pending
//! message, and its later ones stay unclaimable until that one is recorded, so each conversation
//! is answered in order. With a model server, each claimed conversation is answered in a task of
//! its own (at most `model_calls_in_flight` at once), and the claims are extended while the model
//! writes. No model or HTTP call happens inside a database transaction.

use futures_util::FutureExt;
use rand::Rng;
use serde::Serialize;
use serde_json::json;
use smsflow_core::conversation::{
    ActiveWorkflow, Author, Channel, ConversationStatus, MessageStatus, route,
};
use smsflow_core::sms::{
    CarrierKeyword, carrier_keyword, fit_segments, inbound_text, segment_info,
};
use smsflow_sms::{EarlierAttempt, OutgoingSms, SendError, SendReceipt, SmsChannel};
use smsflow_store::conversations::{
    BookingOutcome, ClaimNext, ClaimedNext, Conversation, Explanation, Handoff, InboundOutcome,
    InboundSms, Message, NewOutbound, OptChange, OutboundJob, RecordedInbound, SentMark,
};
use smsflow_store::{Store, StoreError};
use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use uuid::Uuid;

mod conversing;
mod follow_ups;
mod suggesting;

use crate::agent::{Agent, Texter};
use crate::inbox_events::{InboxChange, InboxEvents};
use crate::matching::MatcherCache;
use crate::settings::SmsSettings;
use crate::workers::Workers;
use smsflow_core::conversation::RoutingDecision;
use smsflow_core::language::Language;
use smsflow_llm::Speaker;

/// How long a worker owns a claimed message before another may take it over.
const LEASE: time::Duration = time::Duration::seconds(60);
/// How often the claims of messages a model is answering are extended: well within a lease.
const LEASE_RENEWAL: Duration = Duration::from_secs(20);
/// Transient send failures are retried this many times before the message is marked failed.
pub const MAX_SEND_ATTEMPTS: i64 = 12;
/// Inbound messages claimed and recorded together: one transaction and one set of lookups
/// (loop-guard counts, contacts; the routing rules and the default agent when they changed) for up
/// to this many.
const INBOUND_BATCH: usize = 64;
/// Outbound messages one sender claims and sends together (with 4 senders, up to 32 in flight).
const OUTBOUND_BATCH: usize = 8;
/// Sends in flight, at most, of the replies the inbound workers claim in the transaction that
/// queues them (besides the senders' batches).
const REPLY_SLOTS: usize = 32;
/// Replies the inbound workers may hold claimed, being sent or waiting for one of the
/// `REPLY_SLOTS`: enough for a few batches' replies, so that each is claimed with its batch
/// rather than by a sender's claim of its own (on PostgreSQL a statement and a row version more
/// for each: some 17% of the database's CPU a text; docs/benchmarks.md, session 51), and few
/// enough that the wait for a slot stays well within a claim's lease.
const HELD_REPLIES: usize = 256;
/// A held reply still waiting for a slot this long after its claim (half a lease) is left for
/// its claim to lapse and a sender to claim it again, rather than sent near the lease's end.
const HELD_REPLY_WAIT: Duration = Duration::from_secs(30);
/// Recording claims nothing more.
const NOTHING_NEXT: ClaimNext = ClaimNext {
    lease: LEASE,
    inbound: 0,
    outbound: 0,
};
/// How often idle workers look for work that other processes queued.
const POLL: Duration = Duration::from_millis(500);

pub struct Messaging {
    pub store: Arc<dyn Store>,
    pub matchers: Arc<MatcherCache>,
    pub channels: HashMap<Channel, Arc<dyn SmsChannel>>,
    pub settings: SmsSettings,
    pub agent: Agent,
    /// Posts new tickets to a helpdesk, when configured.
    pub ticket_webhook: Option<TicketWebhook>,
    /// How long a batch the inbound workers claimed while texts kept coming waits before it is
    /// recorded (`batch_wait_ms`), so that the claim recorded with it takes more of them: zero by
    /// default, never waiting.
    pub batch_wait: Duration,
    /// What changed, for the live inbox.
    pub inbox: InboxEvents,
    inbound_ready: Notify,
    outbound_ready: Notify,
    pinned: crate::pinned::PinnedVersions,
    /// Model calls this process may have in flight (`model_calls_in_flight`).
    model_slots: Arc<Semaphore>,
    /// Claimed messages a model is answering: their claims are extended until they are recorded.
    answering: Mutex<HashMap<Uuid, Message>>,
    /// Replies claimed by the inbound workers (`HELD_REPLIES`): one is taken before a reply is
    /// claimed and given back once its sending is recorded.
    held_replies: Arc<Semaphore>,
    /// Sends of those replies in flight (`REPLY_SLOTS`).
    reply_slots: Arc<Semaphore>,
    /// Set when the process stops gracefully: the inbound workers and senders claim nothing
    /// more, finish what they hold and return.
    stopping: AtomicBool,
    /// Told when the process starts stopping: a batch waiting for more texts waits no longer.
    stop_requested: Notify,
    /// Inbound workers whose batch is waiting for more texts: while one is, the others leave new
    /// texts to it rather than claim them in batches of their own.
    waiting_for_texts: AtomicUsize,
}

impl Messaging {
    pub fn new(
        store: Arc<dyn Store>,
        matchers: Arc<MatcherCache>,
        channels: HashMap<Channel, Arc<dyn SmsChannel>>,
        settings: SmsSettings,
        agent: Agent,
        model_calls_in_flight: usize,
    ) -> Messaging {
        Messaging {
            store,
            matchers,
            channels,
            settings,
            agent,
            ticket_webhook: None,
            batch_wait: Duration::ZERO,
            inbox: InboxEvents::default(),
            inbound_ready: Notify::new(),
            outbound_ready: Notify::new(),
            pinned: Default::default(),
            model_slots: Arc::new(Semaphore::new(model_calls_in_flight.max(1))),
            answering: Mutex::default(),
            held_replies: Arc::new(Semaphore::new(HELD_REPLIES)),
            reply_slots: Arc::new(Semaphore::new(REPLY_SLOTS)),
            stopping: AtomicBool::new(false),
            stop_requested: Notify::new(),
            waiting_for_texts: AtomicUsize::new(0),
        }
    }

    /// Asks the inbound workers and senders to stop: each finishes the work it holds, claims
    /// nothing more and returns.
    pub(crate) fn request_stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.stop_requested.notify_waiters();
        self.inbound_ready.notify_waiters();
        self.outbound_ready.notify_waiters();
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Waits until no reply claimed by an inbound worker is still being sent or marked.
    pub(crate) async fn replies_sent(&self) {
        let all = u32::try_from(HELD_REPLIES).expect("a few hundred replies");
        // Never closed; each held reply keeps its permit until its sending is recorded.
        let _ = self.held_replies.acquire_many(all).await;
    }

    /// What recording a batch claims next: nothing once the process is stopping.
    fn claim_next(&self, inbound: usize, outbound: usize) -> ClaimNext {
        if self.stopping() {
            return NOTHING_NEXT;
        }
        ClaimNext {
            lease: LEASE,
            inbound,
            outbound,
        }
    }

    /// Stores an inbound SMS (committed before this returns) and wakes a worker. Its text is first
    /// made storable on every database ([`inbound_text`]), and an empty gateway id counts as none
    /// (else every later message without one would be taken for a retry of the first).
    pub async fn receive(&self, sms: &InboundSms) -> Result<RecordedInbound, StoreError> {
        let body = inbound_text(&sms.body);
        let blank_id = sms
            .provider_id
            .as_ref()
            .is_some_and(|id| id.trim().is_empty());
        let repaired;
        let sms = if matches!(body, Cow::Owned(_)) || blank_id {
            if sms.body.contains('\0') {
                tracing::warn!(
                    channel = sms.channel.as_str(),
                    "inbound text had NUL characters: stored as U+FFFD"
                );
            }
            repaired = InboundSms {
                body: body.into_owned(),
                provider_id: sms.provider_id.clone().filter(|id| !id.trim().is_empty()),
                ..sms.clone()
            };
            &repaired
        } else {
            sms
        };
        let recorded = self.store.record_inbound(sms).await?;
        if recorded.duplicate {
            tracing::info!(message_id = %recorded.message_id, channel = sms.channel.as_str(), "duplicate delivery acknowledged, not processed again");
        } else {
            self.inbound_ready.notify_one();
            self.inbox
                .publish(recorded.conversation_id, InboxChange::Message);
        }
        Ok(recorded)
    }

    /// Queues a message in a conversation and wakes a sender.
    pub async fn queue(
        &self,
        conversation_id: Uuid,
        body: &str,
        author: Author,
    ) -> Result<Message, StoreError> {
        let message = self
            .store
            .queue_outbound(conversation_id, &self.outbound(body, author, None, None))
            .await?;
        self.outbound_ready.notify_one();
        self.inbox.publish(conversation_id, InboxChange::Message);
        Ok(message)
    }

    /// Prepares an outbound body: GSM-friendly characters and, for automatic replies (`budget` is
    /// their segment limit), the segment budget and quiet hours.
    fn outbound(
        &self,
        body: &str,
        author: Author,
        workflow_id: Option<Uuid>,
        budget: Option<usize>,
    ) -> NewOutbound {
        let automatic = budget.is_some();
        let mut body = self.settings.as_sent(body);
        // A model may write a NUL, which PostgreSQL cannot store: the reply would never be queued.
        if body.contains('\0') {
            body = body.replace('\0', "\u{fffd}");
        }
        if let Some(budget) = budget {
            body = fit_segments(&body, budget);
        }
        let info = segment_info(&body);
        let now = OffsetDateTime::now_utc();
        let send_after = match (&self.settings.quiet_hours, automatic) {
            (Some(quiet), true) => quiet.next_allowed(now),
            _ => now,
        };
        NewOutbound {
            body,
            author,
            workflow_id,
            segments: info.segments as i64,
            encoding: info.encoding.as_str().to_string(),
            send_after,
            language: None,
            draft_expires_at: None,
        }
    }

    /// Why no reply can reach the other side of `conversation`, if none can: short codes and
    /// alphanumeric senders never, WhatsApp senders only through Twilio with `sms.whatsapp` on.
    fn unanswerable(
        &self,
        conversation: &smsflow_store::conversations::Conversation,
    ) -> Option<&'static str> {
        let whatsapp = self.settings.whatsapp && conversation.channel == Channel::Twilio;
        match smsflow_core::sender::Sender::parse(&conversation.their_number) {
            Ok(sender) => sender.unanswerable(whatsapp),
            Err(_) => Some("not a phone number, WhatsApp number, short code or sender ID"),
        }
    }

    /// Processes a batch of pending inbound messages (at most one per conversation), recorded
    /// together; false when there was none. Tests that drive the queue by hand run it (the
    /// builtin worker records each batch with the claims of what comes next instead).
    pub async fn process_next_inbound(&self) -> Result<bool, StoreError> {
        // A model takes seconds per reply: one message at a time, so none waits for the others'.
        let limit = if self.agent.has_model() {
            1
        } else {
            INBOUND_BATCH
        };
        let claimed = self.store.claim_inbound(LEASE, limit).await?;
        if claimed.is_empty() {
            return Ok(false);
        }
        let outcomes = self.decide_all(&claimed).await?;
        self.record(&claimed, outcomes, NOTHING_NEXT).await?;
        Ok(true)
    }

    /// Processes a claimed batch (the keyword agent's worker) and claims, in the transaction that
    /// records it, the next batch and the replies it can hold, which it sends in a task of its
    /// own. Answers the next batch (empty when none was pending). A batch that is not full
    /// and was claimed while texts kept coming (`under_load`) waits `batch_wait` first.
    async fn process_and_claim_next(
        self: &Arc<Self>,
        claimed: &[(Message, Conversation)],
        under_load: bool,
    ) -> Result<Vec<(Message, Conversation)>, StoreError> {
        let outcomes = self.decide_all(claimed).await?;
        if under_load && claimed.len() < INBOUND_BATCH {
            self.wait_for_more_texts().await;
        }
        let replies = outcomes.iter().filter(|o| o.reply.is_some()).count();
        let held = free_slots(&self.held_replies, replies);
        let next = self.claim_next(INBOUND_BATCH, held.len());
        let ClaimedNext { inbound, outbound } = self.record(claimed, outcomes, next).await?;
        if !outbound.is_empty() {
            let this = Arc::clone(self);
            tokio::spawn(async move {
                if let Err(error) = this.send_held(outbound).await {
                    tracing::warn!(%error, "cannot send replies or record their sending; they are sent again when their claims lapse");
                }
                drop(held);
            });
        }
        Ok(inbound)
    }

    /// Sends replies claimed with their batch as reply slots free up, up to `REPLY_SLOTS` at a
    /// time across the process, each chunk with what the store claims after it (`send_claimed`).
    /// Those still waiting `HELD_REPLY_WAIT` after their claim are left for it to lapse.
    async fn send_held(self: &Arc<Self>, mut jobs: Vec<OutboundJob>) -> Result<(), StoreError> {
        let claimed_at = tokio::time::Instant::now();
        while !jobs.is_empty() {
            let first = Arc::clone(&self.reply_slots)
                .acquire_owned()
                .await
                .expect("the reply slots are never closed");
            if claimed_at.elapsed() >= HELD_REPLY_WAIT {
                tracing::warn!(
                    replies = jobs.len(),
                    "replies waited too long for a free send; they are sent once their claims lapse"
                );
                return Ok(());
            }
            let mut slots = vec![first];
            slots.extend(free_slots(
                &self.reply_slots,
                jobs.len().min(REPLY_SLOTS) - 1,
            ));
            let chunk: Vec<OutboundJob> = jobs.drain(..slots.len()).collect();
            self.send_claimed(chunk, slots.len()).await?;
        }
        Ok(())
    }

    /// Waits `batch_wait`, or until the process starts stopping. Texts arriving meanwhile are
    /// claimed with this batch's recording: a batch of many costs much less per text than many
    /// of a few (one transaction, one set of lookups, the same pages written once), and a text
    /// that arrives alone is never held, as its batch is not claimed under load.
    async fn wait_for_more_texts(&self) {
        if self.batch_wait.is_zero() {
            return;
        }
        let stop = self.stop_requested.notified();
        tokio::pin!(stop);
        // Listening before looking, so a stop requested in between is not missed.
        stop.as_mut().enable();
        if self.stopping() {
            return;
        }
        let _waiting = WaitingForTexts::count(&self.waiting_for_texts);
        tokio::select! {
            () = tokio::time::sleep(self.batch_wait) => {}
            () = stop => {}
        }
    }

    /// With a model server: waits for a free model slot, claims as many conversations as slots
    /// are free and answers each in a task of its own on `answering`, so a slow reply holds up no
    /// other conversation. Texts from one number (in different conversations) are answered one
    /// after another, so the loop guard and opt-outs of one count for the next. False when
    /// nothing was pending.
    async fn dispatch_to_model(
        self: &Arc<Self>,
        answering: &mut JoinSet<()>,
    ) -> Result<bool, StoreError> {
        let slots = Arc::clone(&self.model_slots);
        let mut free = vec![
            Arc::clone(&slots)
                .acquire_owned()
                .await
                .expect("the model slots are never closed"),
        ];
        // Stopped while waiting for a slot: nothing more is claimed.
        if self.stopping() {
            return Ok(false);
        }
        free.extend(free_slots(&slots, INBOUND_BATCH - 1));
        let claimed = self.store.claim_inbound(LEASE, free.len()).await?;
        if claimed.is_empty() {
            return Ok(false);
        }
        let mut by_number: HashMap<String, Vec<(Answering, Conversation)>> = HashMap::new();
        for (message, conversation) in claimed {
            by_number
                .entry(conversation.their_number.clone())
                .or_default()
                .push((Answering::start(self, message), conversation));
        }
        // One slot per number; the slots left over are freed here.
        for (texts, slot) in by_number.into_values().zip(free) {
            let this = Arc::clone(self);
            answering.spawn(async move {
                for claim in texts {
                    this.answer(claim).await;
                }
                drop(slot);
            });
        }
        Ok(true)
    }

    /// Decides and records one claimed message a model answers. On failure its claim lapses and
    /// it is processed again, as after a crash.
    async fn answer(&self, (answering, conversation): (Answering, Conversation)) {
        let claimed = [(answering.message.clone(), conversation)];
        let decided = self.decide_all(&claimed).await;
        // Recorded next (or left to lapse): no longer extended.
        drop(answering);
        let recorded = match decided {
            Ok(outcomes) => self
                .record(&claimed, outcomes, NOTHING_NEXT)
                .await
                .map(|_| ()),
            Err(error) => Err(error),
        };
        if let Err(error) = recorded {
            tracing::warn!(%error, message_id = %claimed[0].0.id, "cannot process an inbound message; it is processed again when its claim lapses");
        }
    }

    fn in_flight(&self) -> MutexGuard<'_, HashMap<Uuid, Message>> {
        self.answering.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Extends the claims of the messages a model is answering, every [`LEASE_RENEWAL`], so a
    /// slow model never lets another worker take one over.
    async fn keep_claims(&self) {
        loop {
            tokio::time::sleep(LEASE_RENEWAL).await;
            let answering: Vec<Message> = self.in_flight().values().cloned().collect();
            let claimed: Vec<&Message> = answering.iter().collect();
            if let Err(error) = self.store.extend_inbound_claims(&claimed, LEASE).await {
                tracing::warn!(%error, messages = claimed.len(), "cannot extend the claims of messages a model is answering; they may be processed again");
            }
        }
    }

    /// Decides claimed messages in order, each seeing what the earlier ones changed (an opt-out,
    /// the loop guard's count), with one set of lookups for all.
    async fn decide_all(
        &self,
        claimed: &[(Message, Conversation)],
    ) -> Result<Vec<InboundOutcome>, StoreError> {
        let now = OffsetDateTime::now_utc();
        let numbers: Vec<&str> = claimed
            .iter()
            .map(|(_, conversation)| conversation.their_number.as_str())
            .collect();
        let mut batch = Batch {
            now,
            compiled: self.matchers.current(),
            routing: self.store.routing().await?,
            automatic_replies: self
                .store
                .automatic_replies_since(&numbers, now - time::Duration::minutes(1))
                .await?,
            contacts: self.store.contacts_of(&numbers).await?,
            opted_out: HashMap::new(),
        };
        let mut outcomes = Vec::with_capacity(claimed.len());
        for (message, conversation) in claimed {
            let deciding = self.decide(&mut batch, message, conversation);
            let left_as_is = || unchanged(conversation);
            outcomes.push(hand_off_if_it_panics(deciding, message.id, left_as_is).await?);
        }
        Ok(outcomes)
    }

    /// Records decided messages together (one transaction) with what `next` claims, and wakes
    /// a sender for the replies not claimed with them. The outcomes go to the store as they are
    /// (on SQLite, to its writer thread), not copied.
    async fn record(
        &self,
        claimed: &[(Message, Conversation)],
        outcomes: Vec<InboundOutcome>,
        next: ClaimNext,
    ) -> Result<ClaimedNext, StoreError> {
        // What is logged and told to the senders once the outcomes are gone.
        let decided: Vec<(Option<Uuid>, bool)> = outcomes
            .iter()
            .map(|outcome| (outcome.workflow_id, outcome.reply.is_some()))
            .collect();
        let completed: Vec<(&Message, InboundOutcome)> = claimed
            .iter()
            .map(|(message, _)| message)
            .zip(outcomes)
            .collect();
        let claimed_next = self
            .store
            .complete_inbound_and_claim(completed, next)
            .await?;
        let mut left_to_senders = false;
        for ((message, conversation), (workflow_id, replied)) in claimed.iter().zip(decided) {
            // A conversation has one message in a claim: a job of this conversation is its reply.
            left_to_senders |= replied
                && !claimed_next
                    .outbound
                    .iter()
                    .any(|job| job.message.conversation_id == conversation.id);
            self.inbox.publish(conversation.id, InboxChange::Message);
            tracing::info!(message_id = %message.id, conversation_id = %conversation.id, workflow_id = ?workflow_id, replied, "inbound message processed");
        }
        if left_to_senders {
            self.outbound_ready.notify_one();
        }
        Ok(claimed_next)
    }

    /// What one inbound message calls for: carrier keyword, routing, the reply.
    async fn decide(
        &self,
        batch: &mut Batch,
        message: &Message,
        conversation: &smsflow_store::conversations::Conversation,
    ) -> Result<InboundOutcome, StoreError> {
        let now = batch.now;
        let compiled = &batch.compiled;
        let detection = smsflow_core::language::detect(&message.body, conversation.language);
        // A STOP or START earlier in this batch, not yet stored, counts already.
        let opted_out = batch
            .opted_out
            .get(&conversation.their_number)
            .copied()
            .unwrap_or(conversation.opted_out);
        let active = conversation.active_workflow_id.map(|id| ActiveWorkflow {
            id,
            last_turn_at: conversation
                .active_workflow_at
                .unwrap_or(conversation.created_at),
            run_completed: conversation.run_completed,
        });
        let keep = InboundOutcome {
            language: Some(detection),
            ..unchanged(conversation)
        };
        if let Some(reason) = self.unanswerable(conversation) {
            return Ok(InboundOutcome {
                explanation: Explanation::default()
                    .with("reply", format!("none: the sender is {reason}")),
                ..keep
            });
        }
        let system_reply = |text: &str| Some(self.outbound(text, Author::System, None, None));
        let outcome = match carrier_keyword(&message.body) {
            Some(CarrierKeyword::OptOut) => InboundOutcome {
                explanation: Explanation::default()
                    .with("carrier_keyword", "opt_out")
                    .with("reply", "opt-out confirmation; nothing more is sent to this number until it texts START"),
                opt_change: Some(OptChange::OptOut {
                    keyword: message.body.trim().to_uppercase(),
                }),
                reply: system_reply(&self.settings.opt_out_text),
                ..keep
            },
            Some(CarrierKeyword::OptIn) => InboundOutcome {
                explanation: Explanation::default()
                    .with("carrier_keyword", "opt_in")
                    .with("reply", "opt-in confirmation"),
                opt_change: Some(OptChange::OptIn),
                reply: system_reply(&self.settings.opt_in_text),
                ..keep
            },
            Some(CarrierKeyword::Help) => InboundOutcome {
                explanation: Explanation::default()
                    .with("carrier_keyword", "help")
                    .with("reply", "help text"),
                reply: system_reply(&self.settings.help_text),
                ..keep
            },
            None => {
                let idle = time::Duration::minutes(self.settings.idle_timeout_minutes as i64);
                let routed = route(&compiled.matcher, &message.body, active, now, idle);
                let workflow = routed
                    .workflow
                    .and_then(|entry| entry.id)
                    .and_then(|id| compiled.workflows.get(&id));
                let replies_this_minute = batch
                    .automatic_replies
                    .get(&conversation.their_number)
                    .copied()
                    .unwrap_or(0);
                let human = conversation.status == ConversationStatus::Human;
                let loop_guard =
                    replies_this_minute >= i64::from(self.settings.auto_replies_per_minute);
                let silenced = if opted_out {
                    Some("none: the number has opted out".to_string())
                } else if human {
                    Some("none: a human has taken over this conversation".to_string())
                } else if loop_guard {
                    Some(format!(
                        "none: loop guard, already {} automatic replies to this number in the last minute",
                        self.settings.auto_replies_per_minute
                    ))
                } else if workflow.is_none() {
                    Some("none: no workflow matched (add an active general_inquiry workflow to answer every message)".to_string())
                } else {
                    None
                };
                let continuing = matches!(routed.decision, RoutingDecision::Continued { .. });
                let run = match (continuing, conversation.active_run_id) {
                    (true, Some(run_id)) => self.store.get_run(run_id).await?,
                    _ => None,
                };
                // A run in progress keeps the version it started with.
                let started_with = run
                    .as_ref()
                    .filter(|run| workflow.is_some_and(|w| w.id == run.workflow_id))
                    .and_then(|run| run.state.workflows_version)
                    .filter(|version| *version != compiled.revision);
                let pinned = match (started_with, workflow) {
                    (Some(version), Some(current)) => {
                        self.pinned
                            .workflow(self.store.as_ref(), version, current.id)
                            .await?
                    }
                    _ => None,
                };
                let version = match &pinned {
                    Some(_) => started_with.unwrap_or(compiled.revision),
                    None => compiled.revision,
                };
                let workflow = pinned.as_ref().or(workflow);
                // The routing's explanation, built once and completed by whatever answers.
                let keep = InboundOutcome {
                    explanation: Explanation::default()
                        .with("workflow", workflow.map(|w| w.spec.name.as_str()))
                        .with("workflows_version", version)
                        .with("routing", &routed.decision)
                        .with("routing_reason", routed.decision.describe())
                        .with("matching", &routed.explanation),
                    ..keep
                };
                let conversed = if opted_out || human || loop_guard {
                    None
                } else {
                    let fixed = batch.routing.default_agent.spec.language.as_deref();
                    let language = conversing::reply_language(fixed, detection);
                    self.converse(
                        message,
                        conversation,
                        &routed.decision,
                        now,
                        language,
                        &keep,
                    )
                    .await?
                };
                let mut explanation = keep.explanation;
                match (conversed, workflow, silenced) {
                    (Some(conversed), _, _) => conversed,
                    (None, Some(workflow), None) => {
                        let (assigned, source) =
                            self.assigned_agent(batch, workflow, conversation).await?;
                        // The agent's own limit, within the installation's cap.
                        let max_segments = usize::try_from(assigned.spec.max_segments)
                            .unwrap_or(usize::MAX)
                            .min(self.settings.max_segments);
                        let language = conversing::reply_language(
                            assigned.spec.language.as_deref(),
                            detection,
                        );
                        // A new run starts with what the contact told us in earlier ones.
                        let known = batch
                            .contacts
                            .get(&conversation.their_number)
                            .map(smsflow_store::contacts::Contact::known)
                            .unwrap_or_default();
                        let mut turn = self.agent.turn(
                            workflow,
                            run,
                            &message.body,
                            &Texter {
                                number: &conversation.their_number,
                                known: &known,
                                language,
                                max_segments,
                            },
                        );
                        let recent = if self.agent.has_model() {
                            self.recent(conversation.id).await?
                        } else {
                            Vec::new()
                        };
                        let max_chars = 153 * max_segments;
                        turn.run.state.workflows_version.get_or_insert(version);
                        if let Some(ticket) = turn.run.new_ticket.as_mut() {
                            ticket.notify = self.ticket_webhook.is_some();
                        }
                        let writer = self
                            .agent
                            .write(
                                workflow,
                                &assigned,
                                &mut turn,
                                &message.body,
                                recent,
                                max_chars,
                            )
                            .await;
                        // An answer stayed invalid after its re-asks and its step hands off:
                        // a person takes over, and the reply says so instead of asking on.
                        if turn.hand_off {
                            turn.reply = smsflow_agent::phrases::phrases(turn.language)
                                .pass_on(self.next_opening(now).as_ref());
                            explanation.set(
                                "handoff",
                                "an answer stayed invalid after its re-asks and the step hands off: handed to the team",
                            );
                        }
                        explanation.set("reply", "queued");
                        explanation.set(
                            "agent",
                            AgentNote {
                                asked_for: &turn.asked_for,
                                assigned_agent: AssignedNote {
                                    how: &source,
                                    id: assigned.id,
                                    name: &assigned.spec.name,
                                },
                                backend: &writer.backend,
                                booking_link: &turn.run.state.booking_link,
                                completed: turn.run.completed,
                                extracted: &turn.newly_extracted,
                                fallback: &writer.fallback,
                                fields: &turn.run.state.fields,
                                hand_off: turn.hand_off,
                                invalid: &turn.invalid,
                                language: turn.language,
                                skipped: &turn.run.state.skipped,
                                steps_done: &turn.run.state.steps_done,
                                ticket_id: &turn.run.state.ticket_id,
                                wants_human: writer.wants_human,
                            },
                        );
                        let mut reply = self.outbound(
                            &turn.reply,
                            Author::Agent,
                            Some(workflow.id),
                            Some(max_segments),
                        );
                        reply.language = Some(turn.language);
                        self.draft_when_suggesting(&assigned, &mut reply, &mut explanation, now);
                        InboundOutcome {
                            workflow_id: Some(workflow.id),
                            explanation,
                            active_workflow_id: Some(workflow.id),
                            active_workflow_at: Some(now),
                            run_completed: turn.run.completed,
                            active_run_id: Some(turn.run.run_id),
                            reply: Some(reply),
                            handoff: turn.hand_off.then_some(Handoff),
                            run: Some(turn.run),
                            ..keep
                        }
                    }
                    (None, workflow, silenced) => {
                        explanation.set("reply", silenced.unwrap_or_default());
                        InboundOutcome {
                            workflow_id: workflow.map(|w| w.id),
                            explanation,
                            active_workflow_id: workflow.map(|w| w.id),
                            active_workflow_at: workflow.map(|_| now),
                            run_completed: run.as_ref().is_some_and(|run| run.completed),
                            active_run_id: run.as_ref().map(|run| run.id),
                            ..keep
                        }
                    }
                }
            }
        };
        match &outcome.opt_change {
            Some(OptChange::OptOut { .. }) => {
                batch
                    .opted_out
                    .insert(conversation.their_number.clone(), true);
            }
            Some(OptChange::OptIn) => {
                batch
                    .opted_out
                    .insert(conversation.their_number.clone(), false);
            }
            None => {}
        }
        if outcome
            .reply
            .as_ref()
            .is_some_and(|reply| reply.author == Author::Agent)
        {
            *batch
                .automatic_replies
                .entry(conversation.their_number.clone())
                .or_default() += 1;
        }
        Ok(outcome)
    }

    /// The agent for this turn: the workflow's, else the first matching routing rule's, else the
    /// default SMS agent.
    async fn assigned_agent(
        &self,
        batch: &Batch,
        workflow: &smsflow_core::Workflow,
        conversation: &smsflow_store::conversations::Conversation,
    ) -> Result<
        (
            smsflow_store::agents::Agent,
            smsflow_core::agents::AgentSource,
        ),
        StoreError,
    > {
        let default = &batch.routing.default_agent;
        let context = smsflow_core::agents::RoutingContext {
            to: &conversation.our_number,
            from: &conversation.their_number,
            goal: workflow.spec.goal,
        };
        let clock = |zone: Option<&str>| local_clock(batch.now, zone.unwrap_or("UTC"));
        let (agent_id, source) = smsflow_core::agents::resolve_agent(
            workflow.spec.agent_id,
            &batch.routing.rules,
            &context,
            default.id,
            clock,
        );
        let agent = if agent_id == default.id {
            default.clone()
        } else {
            self.store.get_agent(agent_id).await?
        };
        Ok((agent, source))
    }

    /// A booking was made through a link a run offered: mark the run booked and confirm by SMS.
    pub async fn confirm_booking(
        &self,
        run_id: Uuid,
        starts: Option<&str>,
    ) -> Result<BookingOutcome, StoreError> {
        let language = self.run_language(run_id).await?;
        let phrases = smsflow_agent::phrases::phrases(language);
        let text = match starts {
            Some(starts) => smsflow_agent::template::fill(phrases.booked_at, &[("starts", starts)]),
            None => phrases.booked.to_string(),
        };
        let mut confirmation =
            self.outbound(&text, Author::Agent, None, Some(self.settings.max_segments));
        confirmation.language = Some(language);
        let outcome = self.store.record_booking(run_id, &confirmation).await?;
        if let BookingOutcome::Booked { conversation_id } = outcome {
            self.outbound_ready.notify_one();
            self.inbox.publish(conversation_id, InboxChange::Message);
        }
        Ok(outcome)
    }

    /// The language of the conversation a run is in (English when unknown).
    async fn run_language(&self, run_id: Uuid) -> Result<Language, StoreError> {
        let Some(run) = self.store.get_run(run_id).await? else {
            return Ok(Language::English);
        };
        let conversation = self.store.get_conversation(run.conversation_id).await?;
        Ok(conversation.language.unwrap_or(Language::English))
    }

    /// Posts one due ticket to the helpdesk webhook; false when there was none.
    pub async fn deliver_next_ticket(&self) -> Result<bool, StoreError> {
        let Some(webhook) = &self.ticket_webhook else {
            return Ok(false);
        };
        let Some((ticket, attempt)) = self.store.claim_ticket_webhook(LEASE).await? else {
            return Ok(false);
        };
        let body = json!({
            "event": "ticket.created",
            "ticket": ticket,
            "conversation_url": format!("{}/api/v1/conversations/{}", webhook.public_url, ticket.conversation_id),
        });
        let outcome = webhook.post(&body).await.map_err(|error| {
            tracing::warn!(ticket = %ticket.number, %error, attempt, "ticket webhook failed");
            let next =
                (attempt < MAX_SEND_ATTEMPTS).then(|| OffsetDateTime::now_utc() + backoff(attempt));
            (error, next)
        });
        self.store
            .finish_ticket_webhook(ticket.id, attempt, outcome)
            .await?;
        Ok(true)
    }

    /// The last turns of a conversation, for a model to read.
    async fn recent(&self, conversation_id: Uuid) -> Result<Vec<(Speaker, String)>, StoreError> {
        let messages = self.store.conversation_messages(conversation_id).await?;
        let start = messages.len().saturating_sub(10);
        Ok(messages[start..]
            .iter()
            .map(|m| {
                let speaker = if m.direction == smsflow_core::conversation::Direction::Inbound {
                    Speaker::Contact
                } else {
                    Speaker::Agent
                };
                (speaker, m.body.clone())
            })
            .collect())
    }

    /// Sends a batch of due outbound messages (at most one per conversation); false when none was
    /// due. They are sent concurrently: the whole batch is done within one HTTP timeout, well
    /// inside the lease, so no message is taken over while it is still being sent.
    pub async fn send_next(self: &Arc<Self>) -> Result<bool, StoreError> {
        let jobs = self.store.claim_outbound(LEASE, OUTBOUND_BATCH).await?;
        if jobs.is_empty() {
            return Ok(false);
        }
        self.send_claimed(jobs, OUTBOUND_BATCH).await?;
        Ok(true)
    }

    /// Sends claimed messages, then those the store claims (up to `limit`) in the transaction
    /// that marks them sent, until it claims none. A failure to record an outcome is answered
    /// once the messages claimed meanwhile are sent too.
    async fn send_claimed(
        self: &Arc<Self>,
        mut jobs: Vec<OutboundJob>,
        limit: usize,
    ) -> Result<(), StoreError> {
        let mut recorded = Ok(());
        while !jobs.is_empty() {
            let conversations: Vec<Uuid> =
                jobs.iter().map(|job| job.message.conversation_id).collect();
            let (sent, outcome) = self.send_all(jobs).await;
            recorded = recorded.and(outcome);
            // Nothing more once the process is stopping: what is held back waits for the next.
            let limit = if self.stopping() { 0 } else { limit };
            jobs = self
                .store
                .mark_all_sent_and_claim(&sent, LEASE, limit)
                .await?;
            for conversation_id in conversations {
                self.inbox.publish(conversation_id, InboxChange::Message);
            }
        }
        recorded
    }

    /// Sends claimed messages concurrently: answers the accepted ones, to be marked sent together,
    /// having recorded every other outcome, and the last error recording one.
    async fn send_all(
        self: &Arc<Self>,
        jobs: Vec<OutboundJob>,
    ) -> (Vec<SentMark>, Result<(), StoreError>) {
        let mut sends = tokio::task::JoinSet::new();
        for job in jobs {
            let this = Arc::clone(self);
            sends.spawn(async move { this.send(job).await });
        }
        let mut outcome = Ok(());
        let mut sent = Vec::new();
        while let Some(joined) = sends.join_next().await {
            match joined.unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic())) {
                Ok(Some(mark)) => sent.push(mark),
                Ok(None) => {}
                Err(error) => outcome = Err(error),
            }
        }
        (sent, outcome)
    }

    /// Sends one claimed message; answers what to record when the gateway accepted it, and
    /// records any other outcome itself.
    async fn send(&self, job: OutboundJob) -> Result<Option<SentMark>, StoreError> {
        let message = &job.message;
        if job.opted_out && message.author != Author::System {
            self.store
                .mark_failed(
                    message.id,
                    message.attempts,
                    MessageStatus::Suppressed,
                    None,
                    "not sent: the number opted out (STOP)",
                )
                .await?;
            return Ok(None);
        }
        let Some(channel) = self.channels.get(&message.channel) else {
            self.store
                .mark_failed(
                    message.id,
                    message.attempts,
                    MessageStatus::Failed,
                    None,
                    &format!(
                        "the {} channel is not configured: see docs/configuration.md",
                        message.channel.as_str()
                    ),
                )
                .await?;
            return Ok(None);
        };
        let sms = OutgoingSms {
            message_id: message.id,
            from: job.our_number.clone(),
            to: job.their_number.clone(),
            body: message.body.clone(),
        };
        let sent = if message.attempts > 1 {
            self.resend(channel.as_ref(), &sms, message).await?
        } else {
            channel.send(&sms).await
        };
        match sent {
            Ok(receipt) => {
                tracing::info!(message_id = %message.id, channel = message.channel.as_str(), "message sent");
                return Ok(Some(SentMark {
                    message_id: message.id,
                    attempt: message.attempts,
                    provider_id: receipt.provider_id,
                    status: receipt.status,
                }));
            }
            Err(SendError::Permanent {
                code,
                message: error,
            }) => {
                tracing::warn!(message_id = %message.id, %error, "message refused by the gateway: not retried");
                self.store
                    .mark_failed(
                        message.id,
                        message.attempts,
                        MessageStatus::Failed,
                        code.as_deref(),
                        &error,
                    )
                    .await?;
            }
            Err(SendError::Transient(error)) if message.attempts >= MAX_SEND_ATTEMPTS => {
                tracing::warn!(message_id = %message.id, %error, attempts = message.attempts, "giving up after repeated failures");
                self.store
                    .mark_failed(
                        message.id,
                        message.attempts,
                        MessageStatus::Failed,
                        None,
                        &format!("gave up after {} attempts: {error}", message.attempts),
                    )
                    .await?;
            }
            Err(SendError::Transient(error)) => {
                let next = OffsetDateTime::now_utc() + backoff(message.attempts);
                tracing::info!(message_id = %message.id, %error, attempts = message.attempts, "send failed; will retry");
                self.store
                    .mark_retry(message.id, message.attempts, &error, next)
                    .await?;
            }
        }
        Ok(None)
    }

    /// A re-send: the earlier attempt may have reached the gateway (the process died, or the answer
    /// was lost, after handing it over). Where the gateway can be asked, a copy it accepted is
    /// adopted instead of sending the message twice.
    async fn resend(
        &self,
        channel: &dyn SmsChannel,
        sms: &OutgoingSms,
        message: &Message,
    ) -> Result<Result<SendReceipt, SendError>, StoreError> {
        let known_ids = self
            .store
            .conversation_messages(message.conversation_id)
            .await?
            .into_iter()
            .filter(|m| m.id != message.id)
            .filter_map(|m| m.provider_id)
            .collect();
        let earlier = EarlierAttempt {
            queued_at: message.created_at,
            known_ids,
        };
        Ok(match channel.find_accepted(sms, &earlier).await {
            Ok(Some(provider_id)) => {
                tracing::info!(message_id = %message.id, channel = message.channel.as_str(), provider_id, "an earlier attempt was accepted by the gateway: adopted, not sent again");
                Ok(SendReceipt {
                    provider_id: Some(provider_id),
                    status: MessageStatus::Sent,
                })
            }
            Ok(None) => channel.send(sms).await,
            Err(error) => Err(error),
        })
    }

    /// Runs `inbound` processors and `senders` outbound senders until the returned workers are
    /// stopped.
    pub fn spawn_workers(self: &Arc<Self>, inbound: usize, senders: usize) -> Workers {
        let mut handles = Workers::new(Arc::clone(self));
        let model = self.agent.has_model();
        for _ in 0..inbound.max(1) {
            let this = Arc::clone(self);
            handles.add_draining(tokio::spawn(async move {
                if model {
                    this.model_inbound_worker().await
                } else {
                    this.inbound_worker().await
                }
            }));
        }
        if model {
            let this = Arc::clone(self);
            handles.add(tokio::spawn(async move { this.keep_claims().await }));
        }
        if self.ticket_webhook.is_some() {
            let this = Arc::clone(self);
            handles.add(tokio::spawn(async move {
                let never = Notify::new();
                drain(
                    &never,
                    "cannot deliver webhooks; will retry",
                    || true,
                    || this.deliver_next_ticket(),
                )
                .await
            }));
        }
        let this = Arc::clone(self);
        handles.add(tokio::spawn(
            async move { this.expire_drafts_worker().await },
        ));
        for _ in 0..senders.max(1) {
            let this = Arc::clone(self);
            handles.add_draining(tokio::spawn(async move {
                drain(
                    &this.outbound_ready,
                    "cannot send queued messages; will retry",
                    || !this.stopping(),
                    || this.send_next(),
                )
                .await
            }));
        }
        handles
    }
}

/// Runs `step` again at once while it finds work; when it finds none, or fails (logged as
/// `failure`), waits until `ready` is notified or the poll interval passes. Until `running`
/// answers false (checked before each step).
pub(crate) async fn drain<F, Work>(
    ready: &Notify,
    failure: &str,
    running: impl Fn() -> bool,
    mut step: F,
) where
    F: FnMut() -> Work,
    Work: std::future::Future<Output = Result<bool, StoreError>>,
{
    while running() {
        match step().await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "{failure}"),
        }
        let _ = tokio::time::timeout(POLL, ready.notified()).await;
    }
}

/// An inbound worker counted among those waiting for more texts while this lives (also when its
/// wait is cut short by the task's end).
struct WaitingForTexts<'a>(&'a AtomicUsize);

impl<'a> WaitingForTexts<'a> {
    fn count(waiting: &'a AtomicUsize) -> Self {
        waiting.fetch_add(1, Ordering::SeqCst);
        WaitingForTexts(waiting)
    }
}

impl Drop for WaitingForTexts<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Up to `wanted` of `slots`' permits free now (none waited for).
fn free_slots(slots: &Arc<Semaphore>, wanted: usize) -> Vec<OwnedSemaphorePermit> {
    std::iter::from_fn(|| Arc::clone(slots).try_acquire_owned().ok())
        .take(wanted)
        .collect()
}

impl Messaging {
    /// Processes claimed batches as they come, each recorded with the claim of the next.
    /// Returns when the process is stopping, once the batch in hand is recorded.
    async fn inbound_worker(self: Arc<Self>) {
        let mut claimed = Vec::new();
        // Whether `claimed` came with the last batch's recording: texts kept coming.
        let mut under_load = false;
        loop {
            if claimed.is_empty() {
                under_load = false;
                if self.stopping() {
                    return;
                }
                // A worker waiting for more texts takes new ones with its batch: claimed here too,
                // they would be split into more batches, each costing more a text.
                let another_takes_them = self.waiting_for_texts.load(Ordering::SeqCst) > 0;
                if !another_takes_them {
                    claimed = match self.store.claim_inbound(LEASE, INBOUND_BATCH).await {
                        Ok(found) => found,
                        Err(error) => {
                            tracing::warn!(%error, "cannot process inbound messages; will retry");
                            Vec::new()
                        }
                    };
                }
            }
            if !claimed.is_empty() {
                match self.process_and_claim_next(&claimed, under_load).await {
                    // None pending when the batch was recorded: later texts wake this worker.
                    Ok(next) => {
                        claimed = next;
                        if !claimed.is_empty() {
                            under_load = true;
                            continue;
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "cannot process inbound messages; will retry");
                        claimed = Vec::new();
                    }
                }
            }
            let _ = tokio::time::timeout(POLL, self.inbound_ready.notified()).await;
        }
    }

    /// Hands claimed conversations to the model as slots free up. Returns when the process is
    /// stopping, once the conversations in hand are answered.
    async fn model_inbound_worker(self: Arc<Self>) {
        // Aborted with the worker: their claims lapse and the messages are processed again.
        let mut answering = JoinSet::new();
        loop {
            if self.stopping() {
                while answering.join_next().await.is_some() {}
                return;
            }
            while let Some(answered) = answering.try_join_next() {
                if let Err(error) = answered {
                    tracing::error!(%error, "answering an inbound message failed");
                }
            }
            match self.dispatch_to_model(&mut answering).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => {
                    tracing::warn!(%error, "cannot process inbound messages; will retry")
                }
            }
            let _ = tokio::time::timeout(POLL, self.inbound_ready.notified()).await;
        }
    }
}

/// A claimed message a model is answering: its claim is extended until this is dropped (also
/// when answering panics, so a failed message is not held forever).
struct Answering {
    messaging: Arc<Messaging>,
    message: Message,
}

impl Answering {
    fn start(messaging: &Arc<Messaging>, message: Message) -> Answering {
        messaging.in_flight().insert(message.id, message.clone());
        Answering {
            messaging: Arc::clone(messaging),
            message,
        }
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        self.messaging.in_flight().remove(&self.message.id);
    }
}

/// What the messages of one inbound batch share: looked up once, and updated as each is decided
/// so a later message sees what an earlier one changed.
struct Batch {
    now: OffsetDateTime,
    compiled: Arc<crate::matching::CompiledWorkflows>,
    /// The default agent and the routing rules (kept by the store between batches).
    routing: Arc<smsflow_store::agents::Routing>,
    /// Automatic replies per number in the last minute (the loop guard).
    automatic_replies: HashMap<String, i64>,
    /// What we know about each number (pre-fills new runs).
    contacts: HashMap<String, smsflow_store::contacts::Contact>,
    /// Opt-outs (true) and opt-ins (false) decided in this batch.
    opted_out: HashMap<String, bool>,
}

/// A signed outgoing webhook: a helpdesk's for new tickets, the team's for notifications.
pub struct TicketWebhook {
    pub url: String,
    pub secret: String,
    /// For the conversation link in the payload.
    pub public_url: String,
    pub http: reqwest::Client,
}

impl TicketWebhook {
    /// Posts `payload` signed with the secret (`x-smsflow-signature`); the error says why it
    /// was not accepted.
    pub(crate) async fn post(&self, payload: &serde_json::Value) -> Result<(), String> {
        let body = payload.to_string();
        let signature = crate::signing::sign(
            &self.secret,
            OffsetDateTime::now_utc().unix_timestamp(),
            body.as_bytes(),
        );
        let sent = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("x-smsflow-signature", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(response) => Err(format!("the webhook answered HTTP {}", response.status())),
            Err(error) => Err(format!("cannot reach the webhook: {error}")),
        }
    }
}

/// The weekday and minute of the day at `now` in `zone`; `None` for an unknown zone.
fn local_clock(now: OffsetDateTime, zone: &str) -> Option<smsflow_core::agents::LocalClock> {
    let zone = jiff::tz::TimeZone::get(zone).ok()?;
    let local = jiff::Timestamp::from_nanosecond(now.unix_timestamp_nanos())
        .ok()?
        .to_zoned(zone);
    Some(smsflow_core::agents::LocalClock {
        weekday: local.weekday().to_monday_one_offset() as u8,
        minute: local.hour() as u16 * 60 + local.minute() as u16,
    })
}

/// The agent's part of a text's explanation: what its turn did (fields in the order the
/// inbox has always shown them).
#[derive(Serialize)]
struct AgentNote<'a> {
    asked_for: &'a [String],
    assigned_agent: AssignedNote<'a>,
    backend: &'a str,
    booking_link: &'a Option<String>,
    completed: bool,
    extracted: &'a std::collections::BTreeMap<String, String>,
    fallback: &'a Option<String>,
    fields: &'a std::collections::BTreeMap<String, String>,
    hand_off: bool,
    invalid: &'a std::collections::BTreeMap<String, String>,
    language: smsflow_core::language::Language,
    skipped: &'a std::collections::BTreeSet<String>,
    steps_done: &'a std::collections::BTreeSet<usize>,
    ticket_id: &'a Option<String>,
    wants_human: bool,
}

/// Which agent answered, and why that one.
#[derive(Serialize)]
struct AssignedNote<'a> {
    how: &'a smsflow_core::agents::AgentSource,
    id: Uuid,
    name: &'a str,
}

/// What a message leaves as it was: no workflow, no reply, the conversation's state kept.
fn unchanged(conversation: &Conversation) -> InboundOutcome {
    InboundOutcome {
        workflow_id: None,
        explanation: Explanation::default(),
        active_workflow_id: conversation.active_workflow_id,
        active_workflow_at: conversation.active_workflow_at,
        run_completed: conversation.run_completed,
        active_run_id: conversation.active_run_id,
        opt_change: None,
        reply: None,
        run: None,
        language: None,
        handoff: None,
    }
}

/// Runs `deciding` (one message's decision); a panic in it, a bug in the agent or a reader, is
/// caught and gives a hand-off instead. Uncaught, it would end the worker, so no later text
/// would be answered until a restart, and the same text would end the worker again after it.
/// Caught, the text is recorded as processed, nobody answers it automatically (it might be
/// from a number that opted out: the checks had not run) and the team is told a person must.
async fn hand_off_if_it_panics(
    deciding: impl Future<Output = Result<InboundOutcome, StoreError>>,
    message_id: Uuid,
    left_as_is: impl FnOnce() -> InboundOutcome,
) -> Result<InboundOutcome, StoreError> {
    match AssertUnwindSafe(deciding).catch_unwind().await {
        Ok(decided) => decided,
        Err(panic) => {
            let reason = panic
                .downcast_ref::<&str>()
                .map(|text| text.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_string());
            tracing::error!(%message_id, %reason, "deciding on an inbound message panicked; handed to the team");
            Ok(InboundOutcome {
                explanation: Explanation::default()
                    .with(
                        "reply",
                        "none: deciding on this text failed (a bug in smsflow, please report it with this text); handed to the team",
                    )
                    .with("handoff", format!("deciding failed: {reason}")),
                handoff: Some(Handoff),
                ..left_as_is()
            })
        }
    }
}

/// Exponential backoff with full jitter: about 2 s, 4 s, 8 s, ... capped at 10 minutes.
pub fn backoff(attempts: i64) -> time::Duration {
    let exponent = attempts.clamp(1, 20) as u32 - 1;
    let ceiling_ms = (2_000u64.saturating_mul(1 << exponent)).min(600_000);
    let jittered = rand::rng().random_range(ceiling_ms / 2..=ceiling_ms);
    time::Duration::milliseconds(jittered as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_while_deciding_hands_the_text_to_the_team() {
        let left_as_is = || InboundOutcome {
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
        };
        let outcome = hand_off_if_it_panics(
            async { panic!("index out of bounds in a reader") },
            Uuid::new_v4(),
            left_as_is,
        )
        .await
        .expect("a panic is an outcome, not an error");
        assert_eq!(outcome.handoff, Some(Handoff));
        assert!(outcome.reply.is_none(), "nobody is answered automatically");
        assert_eq!(
            outcome.explanation.get("handoff"),
            Some(r#""deciding failed: index out of bounds in a reader""#)
        );

        let decided = hand_off_if_it_panics(async { Ok(left_as_is()) }, Uuid::new_v4(), left_as_is)
            .await
            .expect("decided");
        assert_eq!(
            decided.handoff, None,
            "a decision that does not panic is kept"
        );
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        for _ in 0..50 {
            let first = backoff(1).whole_milliseconds();
            assert!((1_000..=2_000).contains(&first), "{first}");
            let fourth = backoff(4).whole_milliseconds();
            assert!((8_000..=16_000).contains(&fourth), "{fourth}");
            assert!(backoff(40).whole_milliseconds() <= 600_000);
        }
    }
}

/// One simulated turn: the inbound message and the replies it produced.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SimulatedTurn {
    pub conversation_id: Uuid,
    pub inbound: Message,
    /// Replies queued for this message (delivered at once by the simulator channel, unless quiet
    /// hours hold them).
    pub replies: Vec<Message>,
}

impl Messaging {
    /// Delivers `body` from `from` to `to` through the simulator, as a phone would, and waits (a few
    /// seconds at most) for the workers to process it and send the replies.
    pub async fn simulate(
        &self,
        from: &str,
        to: &str,
        body: &str,
    ) -> Result<SimulatedTurn, StoreError> {
        let recorded = self
            .receive(&InboundSms {
                channel: Channel::Simulator,
                our_number: to.to_string(),
                their_number: from.to_string(),
                body: body.to_string(),
                provider_id: Some(format!("sim-{}", Uuid::now_v7())),
                media_urls: Vec::new(),
                simulated: true,
            })
            .await?;
        settled_turn(
            self.store.as_ref(),
            recorded.conversation_id,
            recorded.message_id,
        )
        .await
    }
}

/// Waits (a few seconds at most) until the inbound message `message_id` is processed and its
/// replies are handed to their channel, whichever way the message came in; the turn it made.
pub async fn settled_turn(
    store: &dyn Store,
    conversation_id: Uuid,
    message_id: Uuid,
) -> Result<SimulatedTurn, StoreError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let settled = |messages: &[Message]| {
        messages.iter().all(|m| match m.direction {
            smsflow_core::conversation::Direction::Inbound => {
                m.id != message_id || m.status == MessageStatus::Processed
            }
            smsflow_core::conversation::Direction::Outbound => {
                m.id < message_id
                    || !matches!(m.status, MessageStatus::Queued | MessageStatus::Sending)
                    // Scheduled for later; a message being sent has its lease's end there.
                    || m.status == MessageStatus::Queued
                        && m.next_attempt_at.is_some_and(|at| {
                            at > OffsetDateTime::now_utc() + time::Duration::seconds(5)
                        })
            }
        })
    };
    let mut messages = store.conversation_messages(conversation_id).await?;
    while !settled(&messages) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        messages = store.conversation_messages(conversation_id).await?;
    }
    let inbound = messages
        .iter()
        .find(|m| m.id == message_id)
        .cloned()
        .ok_or_else(|| StoreError::NotFound {
            what: "message",
            key: message_id.to_string(),
        })?;
    let replies = messages
        .into_iter()
        .filter(|m| {
            m.direction == smsflow_core::conversation::Direction::Outbound && m.id > message_id
        })
        .collect();
    Ok(SimulatedTurn {
        conversation_id,
        inbound,
        replies,
    })
}
