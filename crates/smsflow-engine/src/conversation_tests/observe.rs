//! What a conversation did, turn by turn, read back from the database after each text: the same
//! reading whether the texts came through the simulator or a gateway's webhook.

use smsflow_core::TicketPriority;
use smsflow_core::conversation::ConversationStatus;
use smsflow_store::{Store, StoreError};
use std::collections::BTreeMap;
use std::future::Future;
use uuid::Uuid;

use super::format::{ConversationTest, DEFAULT_FROM};

/// One text, sent and settled: processed, and its replies handed to the channel.
#[derive(Debug, Clone)]
pub struct SentText {
    pub conversation_id: Uuid,
    pub message_id: Uuid,
    /// What the person received, in order.
    pub replies: Vec<String>,
}

/// A way to text smsflow as a person: the simulator, or a gateway's signed webhook.
pub trait Phone {
    fn text(
        &mut self,
        from: &str,
        to: &str,
        body: &str,
    ) -> impl Future<Output = Result<SentText, StoreError>>;
}

/// What one turn did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Observed {
    /// The workflow that handled the text.
    pub workflow: Option<String>,
    /// Why: the routing reason, or the carrier keyword, or why nothing answered.
    pub why: String,
    /// Every field the run knows after this turn.
    pub fields: BTreeMap<String, String>,
    /// The fields the reply asked for.
    pub asked_for: Vec<String>,
    /// The conversation's tickets after this turn (number, priority), oldest first.
    pub tickets: Vec<(String, TicketPriority)>,
    /// The conversation's saved records after this turn: (collection, fields).
    pub records: Vec<(String, BTreeMap<String, String>)>,
    pub replies: Vec<String>,
    /// The conversation is with a person now.
    pub handoff: bool,
}

/// Plays the test's turns through `phone` and reads what each did from `store`.
pub async fn play(
    test: &ConversationTest,
    phone: &mut impl Phone,
    store: &dyn Store,
    default_to: &str,
) -> Result<Vec<Observed>, StoreError> {
    let from = test.from.as_deref().unwrap_or(DEFAULT_FROM);
    let to = test.to.as_deref().unwrap_or(default_to);
    let mut observed = Vec::with_capacity(test.turns.len());
    for turn in &test.turns {
        let sent = phone.text(from, to, &turn.send).await?;
        observed.push(observe(store, sent).await?);
    }
    Ok(observed)
}

async fn observe(store: &dyn Store, sent: SentText) -> Result<Observed, StoreError> {
    let message = store.get_message(sent.message_id).await?;
    let explanation = message.explanation.unwrap_or_default();
    let text = |value: &serde_json::Value| value.as_str().map(str::to_string);
    let agent = &explanation["agent"];
    let why = text(&explanation["routing_reason"])
        .or_else(|| text(&explanation["carrier_keyword"]).map(|k| format!("carrier keyword {k}")))
        .into_iter()
        .chain(
            text(&explanation["reply"])
                .filter(|reply| reply.starts_with("none"))
                .map(|reply| format!("reply: {reply}")),
        )
        .collect::<Vec<_>>()
        .join("; ");
    let conversation = store.get_conversation(sent.conversation_id).await?;
    let tickets = store
        .list_tickets(None)
        .await?
        .into_iter()
        .filter(|ticket| ticket.conversation_id == sent.conversation_id)
        // Newest first from the store.
        .rev()
        .map(|ticket| (ticket.number, ticket.priority))
        .collect::<Vec<_>>();
    let mut records = Vec::new();
    for collection in store.list_collections().await? {
        records.extend(
            store
                .list_records(&collection.name)
                .await?
                .into_iter()
                .filter(|record| record.conversation_id == sent.conversation_id)
                .map(|record| (record.collection, record.fields)),
        );
    }
    Ok(Observed {
        workflow: text(&explanation["workflow"]),
        why,
        fields: agent["fields"]
            .as_object()
            .map(|fields| {
                fields
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default(),
        asked_for: agent["asked_for"]
            .as_array()
            .map(|asked| asked.iter().filter_map(text).collect())
            .unwrap_or_default(),
        tickets,
        records,
        replies: sent.replies,
        handoff: conversation.status == ConversationStatus::Human,
    })
}
