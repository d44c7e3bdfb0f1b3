//! Conversations, messages, the outbound queue and opt-outs: the types the store speaks.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::StoreError;
pub use smsflow_core::conversation::{
    Author, Channel, ConversationStatus, Direction, MessageStatus, TicketStatus,
};
pub use smsflow_core::language::{Detection, Language};

/// An SMS as a gateway delivered it.
#[derive(Debug, Clone)]
pub struct InboundSms {
    pub channel: Channel,
    pub our_number: String,
    pub their_number: String,
    pub body: String,
    /// The gateway's id for the message (Twilio MessageSid); retries carry the same one.
    pub provider_id: Option<String>,
    pub media_urls: Vec<String>,
    pub simulated: bool,
}

/// The answer to storing an inbound SMS.
#[derive(Debug, Clone)]
pub struct RecordedInbound {
    pub message_id: Uuid,
    pub conversation_id: Uuid,
    /// True when this provider id was stored before: acknowledge, do not process again.
    pub duplicate: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Conversation {
    pub id: Uuid,
    pub our_number: String,
    pub their_number: String,
    pub channel: Channel,
    pub status: ConversationStatus,
    /// The workflow guiding the conversation, kept across turns.
    pub active_workflow_id: Option<Uuid>,
    /// When the active workflow last handled a message (its idle timeout counts from here).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub active_workflow_at: Option<OffsetDateTime>,
    /// The active workflow's steps are done: the next message starts a new match.
    pub run_completed: bool,
    /// The run of the active workflow (its collected fields and steps done).
    pub active_run_id: Option<Uuid>,
    /// Inbound messages since a person last opened the conversation (or took it over).
    pub unread_count: i64,
    /// When a person last opened the conversation in the inbox.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_read_at: Option<OffsetDateTime>,
    /// Their number has opted out (texted STOP).
    pub opted_out: bool,
    /// The language the person last wrote in, as far as a text showed it.
    pub language: Option<Language>,
    /// When the person asked for a person (the inbox shows "Needs a human"); cleared once a
    /// person replies or hands the conversation back.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub needs_human_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub last_message_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Message {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub direction: Direction,
    pub author: Author,
    pub channel: Channel,
    pub body: String,
    pub provider_id: Option<String>,
    pub status: MessageStatus,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub segments: i64,
    pub encoding: String,
    pub media_urls: Vec<String>,
    pub simulated: bool,
    /// Inbound: the language detected (the conversation's earlier one when the text was too short
    /// to tell). Outbound: the language the reply is written in.
    pub language: Option<Language>,
    /// Inbound: the workflow that handled it. Outbound: the workflow behind the reply.
    pub workflow_id: Option<Uuid>,
    /// Inbound: how the workflow was chosen (the matcher's explanation and the routing decision).
    #[schema(value_type = Option<Object>)]
    pub explanation: Option<serde_json::Value>,
    pub attempts: i64,
    /// Outbound, queued: when it is due; sending: its lease's end, when it is tried again if
    /// its send is never recorded; sent or final: none.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// An outbound message to queue.
#[derive(Debug, Clone)]
pub struct NewOutbound {
    pub body: String,
    pub author: Author,
    pub workflow_id: Option<Uuid>,
    pub segments: i64,
    pub encoding: String,
    /// When it may be sent (later than now during quiet hours).
    pub send_after: OffsetDateTime,
    /// The language it is written in, when the agent chose one.
    pub language: Option<Language>,
    /// Suggest mode: the agent's reply waits as a draft for a person to approve until then (and
    /// is never sent unless approved); `None`: queued to be sent.
    pub draft_expires_at: Option<OffsetDateTime>,
}

impl NewOutbound {
    /// How it is stored: a draft waiting for approval, or queued.
    pub fn status(&self) -> MessageStatus {
        match self.draft_expires_at {
            Some(_) => MessageStatus::Draft,
            None => MessageStatus::Queued,
        }
    }
}

/// How an inbound text was answered, stored with it as one JSON object: each part is written as
/// JSON when it is set, from its own type (the matcher's answer is a few hundred values: building
/// them as a JSON tree, then writing and freeing the tree on the database's thread, cost more
/// than the text's storage).
#[derive(Debug, Clone, Default)]
pub struct Explanation(std::collections::BTreeMap<&'static str, Box<serde_json::value::RawValue>>);

impl Explanation {
    /// Sets the part `key` (replacing what it said).
    pub fn set(&mut self, key: &'static str, value: impl Serialize) {
        let written = serde_json::value::to_raw_value(&value).unwrap_or_else(|error| {
            // Only a map with keys that are not text fails: the part says so instead.
            serde_json::value::to_raw_value(&format!("not written: {error}"))
                .expect("a string is written as JSON")
        });
        self.0.insert(key, written);
    }

    /// [`Explanation::set`], chained.
    pub fn with(mut self, key: &'static str, value: impl Serialize) -> Self {
        self.set(key, value);
        self
    }

    /// The part `key` as JSON text.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|part| part.get())
    }
}

impl Serialize for Explanation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter())
    }
}

/// What processing an inbound message decided; stored in one transaction.
#[derive(Debug, Clone)]
pub struct InboundOutcome {
    pub workflow_id: Option<Uuid>,
    pub explanation: Explanation,
    /// The conversation's workflow from now on.
    pub active_workflow_id: Option<Uuid>,
    pub active_workflow_at: Option<OffsetDateTime>,
    pub run_completed: bool,
    pub active_run_id: Option<Uuid>,
    pub opt_change: Option<OptChange>,
    pub reply: Option<NewOutbound>,
    /// The run this turn advanced, with what its steps did.
    pub run: Option<RunUpdate>,
    /// The message's language; a confident detection becomes the conversation's language.
    pub language: Option<Detection>,
    /// The person asked for a person: the conversation goes to `human` and "Needs a human".
    pub handoff: Option<Handoff>,
}

/// A hand-off to a person, asked for by the texter (the team is notified: see `notifications`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handoff;

/// A run's new state and the effects of its steps on this turn, stored with the turn.
#[derive(Debug, Clone)]
pub struct RunUpdate {
    pub run_id: Uuid,
    pub workflow_id: Uuid,
    pub state: smsflow_core::run::RunState,
    pub completed: bool,
    pub new_ticket: Option<NewTicket>,
    /// Collections to save (or update) the run's record in.
    pub records: Vec<String>,
    /// Their number, saved with records.
    pub phone: String,
    /// The fields the person gave on this turn: stored with their contact too.
    pub learned: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct NewTicket {
    /// Post it to the configured helpdesk webhook.
    pub notify: bool,
    pub number: String,
    pub priority: smsflow_core::TicketPriority,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Ticket {
    pub id: Uuid,
    /// What the person is told, e.g. `T-4KQ7ZP`.
    pub number: String,
    pub run_id: Uuid,
    pub conversation_id: Uuid,
    pub workflow_id: Uuid,
    pub priority: smsflow_core::TicketPriority,
    pub status: TicketStatus,
    pub assignee: Option<String>,
    pub summary: String,
    pub fields: std::collections::BTreeMap<String, String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// A record saved by a Save to Database step.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Record {
    pub id: Uuid,
    pub collection: String,
    pub run_id: Uuid,
    pub conversation_id: Uuid,
    pub workflow_id: Uuid,
    pub phone: String,
    pub fields: std::collections::BTreeMap<String, String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// A collection that Save to Database steps wrote to.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CollectionSummary {
    pub name: String,
    pub records: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub last_saved_at: OffsetDateTime,
}

/// What a booking webhook changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingOutcome {
    Booked { conversation_id: Uuid },
    AlreadyBooked,
    UnknownRun,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Run {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub workflow_id: Uuid,
    pub state: smsflow_core::run::RunState,
    pub completed: bool,
}

#[derive(Debug, Clone)]
pub enum OptChange {
    OptOut { keyword: String },
    OptIn,
}

/// An outbound message claimed for sending, with what the channel needs.
#[derive(Debug, Clone)]
pub struct OutboundJob {
    pub message: Message,
    pub our_number: String,
    pub their_number: String,
    pub opted_out: bool,
}

/// What a worker claims in the transaction that records its processed batch (see
/// [`ConversationStore::complete_inbound_and_claim`]): as much as claiming it apart would, without
/// a transaction of its own. Zero claims nothing.
#[derive(Debug, Clone, Copy)]
pub struct ClaimNext {
    pub lease: time::Duration,
    /// At most this many inbound messages, as `claim_inbound` claims them.
    pub inbound: usize,
    /// At most this many outbound messages due, as `claim_outbound` claims them (the replies
    /// just queued among them; on PostgreSQL only those).
    pub outbound: usize,
}

/// What [`ConversationStore::complete_inbound_and_claim`] claimed.
#[derive(Debug, Default)]
pub struct ClaimedNext {
    pub inbound: Vec<(Message, Conversation)>,
    pub outbound: Vec<OutboundJob>,
}

/// A claimed send the gateway accepted: `mark_sent`'s arguments.
#[derive(Debug, Clone)]
pub struct SentMark {
    pub message_id: Uuid,
    pub attempt: i64,
    pub provider_id: Option<String>,
    pub status: MessageStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct OptOut {
    pub number: String,
    pub keyword: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub opted_out_at: OffsetDateTime,
}

/// Filters and position of one page of conversations (newest activity first).
#[derive(Debug, Clone, Default)]
pub struct ConversationQuery {
    /// Either side's number.
    pub number: Option<String>,
    /// A part of their number, of the contact's name or of any message.
    pub text: Option<crate::inbox::SearchText>,
    pub status: Option<ConversationStatus>,
    pub workflow_id: Option<Uuid>,
    /// Only conversations with unread inbound messages.
    pub unread: bool,
    /// Only conversations whose number opted out (`true`) or did not (`false`).
    pub opted_out: Option<bool>,
    /// Only conversations assigned to this admin, or to nobody.
    pub assigned: Option<crate::team::AssignedFilter>,
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    pub after: Option<ConversationCursor>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationCursor {
    #[serde(with = "time::serde::rfc3339")]
    pub last_message_at: OffsetDateTime,
    pub id: Uuid,
}

#[derive(Debug, Clone)]
pub struct ConversationPage {
    pub items: Vec<Conversation>,
    pub next: Option<ConversationCursor>,
}

/// Delivery news from a gateway's status callback.
#[derive(Debug, Clone)]
pub struct DeliveryReport {
    pub channel: Channel,
    /// The gateway's id (Twilio MessageSid) or, for Kannel, our message id.
    pub provider_id: String,
    pub status: MessageStatus,
    pub error_code: Option<String>,
}

#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// Stores an inbound SMS and its conversation in one transaction, before anything else happens.
    async fn record_inbound(&self, sms: &InboundSms) -> Result<RecordedInbound, StoreError>;
    /// Claims up to `limit` of the oldest unprocessed inbound messages, each the first one pending
    /// in its conversation (so at most one per conversation), for `lease`; a crashed worker's
    /// claim expires and the message is processed again. Oldest first.
    async fn claim_inbound(
        &self,
        lease: time::Duration,
        limit: usize,
    ) -> Result<Vec<(Message, Conversation)>, StoreError>;
    /// Records the outcomes of processing claimed messages (routing, opt-out, reply): one
    /// transaction for the batch; a message another worker finished first keeps that result.
    async fn complete_inbound(
        &self,
        completed: &[(&Message, &InboundOutcome)],
    ) -> Result<(), StoreError>;
    /// Records processed messages as `complete_inbound` does and claims what `next` asks for,
    /// after recording (a conversation whose message was just recorded may be claimed again for
    /// its next one): on SQLite in the same transaction; on PostgreSQL the inbound batch right
    /// after, apart, and of outbound messages only the replies queued with the batch (each
    /// inserted claimed, not queued and claimed apart). Claims nothing when a message could not
    /// be recorded. Takes the outcomes, which SQLite's writer thread
    /// keeps until it has written them.
    async fn complete_inbound_and_claim(
        &self,
        completed: Vec<(&Message, InboundOutcome)>,
        next: ClaimNext,
    ) -> Result<ClaimedNext, StoreError>;
    /// Automatic replies queued to each of `numbers` since `since` (the loop guard's count);
    /// numbers with none are left out.
    async fn automatic_replies_since(
        &self,
        numbers: &[&str],
        since: OffsetDateTime,
    ) -> Result<std::collections::HashMap<String, i64>, StoreError>;

    /// Queues a message in a conversation (a person writing by hand, or a system message).
    async fn queue_outbound(
        &self,
        conversation_id: Uuid,
        message: &NewOutbound,
    ) -> Result<Message, StoreError>;
    /// Finds or creates the conversation between two numbers (to start one from our side).
    async fn open_conversation(
        &self,
        channel: Channel,
        our_number: &str,
        their_number: &str,
    ) -> Result<Conversation, StoreError>;
    /// Claims up to `limit` outbound messages due, soonest first, keeping each conversation's
    /// messages in order (so at most one per conversation): an earlier message waiting to be
    /// retried holds back the later ones; one held for quiet hours (never tried yet) does not hold
    /// back a message due now, such as a STOP confirmation.
    async fn claim_outbound(
        &self,
        lease: time::Duration,
        limit: usize,
    ) -> Result<Vec<OutboundJob>, StoreError>;
    // The outcome of a claimed send. `attempt` is the message's `attempts` as claimed: when a
    // slow worker's lease expired and another claimed the message, the first one's outcome is
    // ignored (the update matches no row).
    async fn mark_sent(
        &self,
        message_id: Uuid,
        attempt: i64,
        provider_id: Option<&str>,
        status: MessageStatus,
    ) -> Result<(), StoreError>;
    /// `mark_sent` for several claimed sends at once and, where the database allows it, claims
    /// up to `limit` outbound messages due for `lease` in the same transaction, as `claim_outbound`
    /// does (a conversation's next message, held back until this one was sent, among them).
    /// PostgreSQL marks each apart and claims nothing (its senders claim apart, as before).
    async fn mark_all_sent_and_claim(
        &self,
        sent: &[SentMark],
        lease: time::Duration,
        limit: usize,
    ) -> Result<Vec<OutboundJob>, StoreError>;
    async fn mark_retry(
        &self,
        message_id: Uuid,
        attempt: i64,
        error: &str,
        next_attempt_at: OffsetDateTime,
    ) -> Result<(), StoreError>;
    async fn mark_failed(
        &self,
        message_id: Uuid,
        attempt: i64,
        status: MessageStatus,
        error_code: Option<&str>,
        error: &str,
    ) -> Result<(), StoreError>;
    /// Applies a delivery report; false when no message has that provider id.
    async fn record_delivery(&self, report: &DeliveryReport) -> Result<bool, StoreError>;

    async fn get_conversation(&self, id: Uuid) -> Result<Conversation, StoreError>;
    async fn list_conversations(
        &self,
        query: &ConversationQuery,
    ) -> Result<ConversationPage, StoreError>;
    async fn conversation_messages(&self, id: Uuid) -> Result<Vec<Message>, StoreError>;
    async fn get_message(&self, id: Uuid) -> Result<Message, StoreError>;
    /// The newest message of each of these conversations (for the inbox's previews).
    async fn latest_messages(&self, conversation_ids: &[Uuid]) -> Result<Vec<Message>, StoreError>;
    /// Hands the conversation to a human (`Human`) or back to the agent (`Agent`); marks it read.
    async fn set_conversation_status(
        &self,
        id: Uuid,
        status: ConversationStatus,
    ) -> Result<Conversation, StoreError>;

    /// A person opened the conversation: its inbound messages so far are read.
    async fn mark_conversation_read(&self, id: Uuid) -> Result<(), StoreError>;

    async fn get_run(&self, id: Uuid) -> Result<Option<Run>, StoreError>;
    /// Marks the run booked and queues the confirmation, in one transaction; once per run.
    async fn record_booking(
        &self,
        run_id: Uuid,
        confirmation: &NewOutbound,
    ) -> Result<BookingOutcome, StoreError>;
    async fn list_tickets(&self, status: Option<TicketStatus>) -> Result<Vec<Ticket>, StoreError>;
    /// Claims the next ticket due for the helpdesk webhook (a lease, like the outbound queue).
    async fn claim_ticket_webhook(
        &self,
        lease: time::Duration,
    ) -> Result<Option<(Ticket, i64)>, StoreError>;
    /// The outcome of a claimed delivery: `Ok` delivered, `Err((error, Some(next)))` retry at
    /// `next`, `Err((error, None))` failed for good. `attempt` is the claim's attempt number.
    async fn finish_ticket_webhook(
        &self,
        id: Uuid,
        attempt: i64,
        outcome: Result<(), (String, Option<OffsetDateTime>)>,
    ) -> Result<(), StoreError>;
    /// By id or by number (`T-...`).
    async fn get_ticket(&self, id_or_number: &str) -> Result<Ticket, StoreError>;
    async fn update_ticket(
        &self,
        id: Uuid,
        status: Option<TicketStatus>,
        assignee: Option<Option<String>>,
    ) -> Result<Ticket, StoreError>;
    async fn list_records(&self, collection: &str) -> Result<Vec<Record>, StoreError>;
    /// Every collection with records, by name.
    async fn list_collections(&self) -> Result<Vec<CollectionSummary>, StoreError>;

    async fn is_opted_out(&self, number: &str) -> Result<bool, StoreError>;
    async fn list_opt_outs(&self) -> Result<Vec<OptOut>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::Explanation;
    use std::collections::BTreeMap;

    #[test]
    fn an_explanation_is_one_object_of_its_parts_each_written_from_its_type() {
        let mut explanation = Explanation::default()
            .with("reply", "queued")
            .with("matching", BTreeMap::from([("winner", 2)]))
            .with("handoff", Option::<&str>::None);
        explanation.set("reply", "drafted");
        assert_eq!(explanation.get("reply"), Some(r#""drafted""#));
        assert_eq!(
            serde_json::to_string(&explanation).unwrap(),
            r#"{"handoff":null,"matching":{"winner":2},"reply":"drafted"}"#
        );
    }

    #[test]
    fn a_part_json_cannot_hold_says_so_instead() {
        let explanation = Explanation::default().with("fields", BTreeMap::from([((1, 2), 3)]));
        let written = explanation.get("fields").unwrap();
        assert!(
            written.starts_with(r#""not written: "#) && written.contains("key must be a string"),
            "{written}"
        );
    }
}
