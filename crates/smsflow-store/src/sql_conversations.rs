//! SQL for conversations, messages, the outbound queue and opt-outs, written once for both
//! databases (see `sql.rs`). The queue claims differ only in PostgreSQL's row locking clause.

use async_trait::async_trait;
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::conversations::*;
use crate::sql::BeginWrite;
use crate::sql::{PostgresStore, SqliteStore, now};
use crate::stored_time::StoredTime;

macro_rules! message_columns {
    () => {
        "id, conversation_id, direction, author, channel, body, provider_id, status, error_code, \
         error_message, segments, encoding, media_urls, simulated, language, workflow_id, explanation, \
         attempts, next_attempt_at, created_at, updated_at"
    };
}
/// The columns of `conversations c`, or of the table named (SQLite's RETURNING knows no alias).
#[rustfmt::skip]
macro_rules! conversation_columns {
    () => {
        conversation_columns!("c")
    };
    ($c:literal) => {
        concat!(
            $c, ".id, ", $c, ".our_number, ", $c, ".their_number, ", $c, ".channel, ", $c, ".status, ",
            $c, ".active_workflow_id, ", $c, ".active_workflow_at, ", $c, ".run_completed, ",
            $c, ".active_run_id, ", $c, ".unread_count, ", $c, ".last_read_at, ", $c, ".last_message_at, ",
            $c, ".created_at, ", $c, ".language, ", $c, ".needs_human_at, ",
            "EXISTS (SELECT 1 FROM opt_outs o WHERE o.number = ", $c, ".their_number) AS opted_out"
        )
    };
}
/// Outbound messages not yet handed to the gateway.
macro_rules! unsent {
    () => {
        "direction = 'outbound' AND status IN ('queued', 'sending')"
    };
}

/// The replies (`messages m`) a sender may claim at `$2`, in no order: unsent, due, and not held
/// by another sender's claim.
macro_rules! claimable_reply {
    () => {
        "m.direction = 'outbound' AND m.status IN ('queued', 'sending') AND m.next_attempt_at <= $2 \
         AND (m.locked_until IS NULL OR m.locked_until < $2)"
    };
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: Uuid,
    conversation_id: Uuid,
    direction: String,
    author: String,
    channel: String,
    body: String,
    provider_id: Option<String>,
    status: String,
    error_code: Option<String>,
    error_message: Option<String>,
    segments: i64,
    encoding: String,
    media_urls: Json<Vec<String>>,
    simulated: bool,
    language: Option<String>,
    workflow_id: Option<Uuid>,
    explanation: Option<Json<serde_json::Value>>,
    attempts: i64,
    next_attempt_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

/// An outgoing webhook's columns after an attempt: delivered, pending again (with the error and
/// when to retry) or failed for good.
pub(crate) fn webhook_delivery(
    outcome: Result<(), (String, Option<OffsetDateTime>)>,
) -> (&'static str, Option<String>, Option<OffsetDateTime>) {
    match outcome {
        Ok(()) => ("delivered", None, None),
        Err((error, Some(next))) => ("pending", Some(error), Some(next)),
        Err((error, None)) => ("failed", Some(error), None),
    }
}

fn parsed<T>(value: Option<T>, what: &str, text: &str) -> Result<T, StoreError> {
    value.ok_or_else(|| StoreError::Corrupt(format!("unknown {what} {text:?}")))
}

/// The conversation's language after this outcome: a confident detection, else unchanged (NULL).
fn confident_language(outcome: &InboundOutcome) -> Option<&'static str> {
    outcome
        .language
        .filter(|detection| detection.confident)
        .map(|detection| detection.language.code())
}

fn parsed_language(code: Option<String>) -> Result<Option<Language>, StoreError> {
    code.map(|code| parsed(Language::parse(&code), "language", &code))
        .transpose()
}

impl TryFrom<MessageRow> for Message {
    type Error = StoreError;
    fn try_from(row: MessageRow) -> Result<Self, StoreError> {
        Ok(Message {
            id: row.id,
            conversation_id: row.conversation_id,
            direction: parsed(
                Direction::parse(&row.direction),
                "direction",
                &row.direction,
            )?,
            author: parsed(Author::parse(&row.author), "author", &row.author)?,
            channel: parsed(Channel::parse(&row.channel), "channel", &row.channel)?,
            body: row.body,
            provider_id: row.provider_id,
            status: parsed(
                MessageStatus::parse(&row.status),
                "message status",
                &row.status,
            )?,
            error_code: row.error_code,
            error_message: row.error_message,
            segments: row.segments,
            encoding: row.encoding,
            media_urls: row.media_urls.0,
            simulated: row.simulated,
            language: parsed_language(row.language)?,
            workflow_id: row.workflow_id,
            explanation: row.explanation.map(|json| json.0),
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ConversationRow {
    id: Uuid,
    our_number: String,
    their_number: String,
    channel: String,
    status: String,
    active_workflow_id: Option<Uuid>,
    active_workflow_at: Option<OffsetDateTime>,
    run_completed: bool,
    active_run_id: Option<Uuid>,
    unread_count: i64,
    last_read_at: Option<OffsetDateTime>,
    last_message_at: OffsetDateTime,
    created_at: OffsetDateTime,
    language: Option<String>,
    needs_human_at: Option<OffsetDateTime>,
    opted_out: bool,
}

impl TryFrom<ConversationRow> for Conversation {
    type Error = StoreError;
    fn try_from(row: ConversationRow) -> Result<Self, StoreError> {
        Ok(Conversation {
            id: row.id,
            our_number: row.our_number,
            their_number: row.their_number,
            channel: parsed(Channel::parse(&row.channel), "channel", &row.channel)?,
            status: parsed(
                ConversationStatus::parse(&row.status),
                "conversation status",
                &row.status,
            )?,
            active_workflow_id: row.active_workflow_id,
            active_workflow_at: row.active_workflow_at,
            run_completed: row.run_completed,
            active_run_id: row.active_run_id,
            unread_count: row.unread_count,
            last_read_at: row.last_read_at,
            opted_out: row.opted_out,
            language: parsed_language(row.language)?,
            needs_human_at: row.needs_human_at,
            last_message_at: row.last_message_at,
            created_at: row.created_at,
        })
    }
}

/// A conversation claimed for its pending inbound message, with the claims of that message.
#[derive(sqlx::FromRow)]
struct ClaimedConversationRow {
    #[sqlx(flatten)]
    conversation: ConversationRow,
    pending_inbound_id: Uuid,
    inbound_attempts: i64,
}

macro_rules! ticket_columns {
    () => {
        "id, number, run_id, conversation_id, workflow_id, priority, status, assignee, summary, fields, \
         created_at, updated_at"
    };
}

#[derive(sqlx::FromRow)]
struct TicketRow {
    id: Uuid,
    number: String,
    run_id: Uuid,
    conversation_id: Uuid,
    workflow_id: Uuid,
    priority: String,
    status: String,
    assignee: Option<String>,
    summary: String,
    fields: Json<std::collections::BTreeMap<String, String>>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl TryFrom<TicketRow> for Ticket {
    type Error = StoreError;
    fn try_from(row: TicketRow) -> Result<Self, StoreError> {
        Ok(Ticket {
            id: row.id,
            number: row.number,
            run_id: row.run_id,
            conversation_id: row.conversation_id,
            workflow_id: row.workflow_id,
            priority: parsed(
                smsflow_core::TicketPriority::parse(&row.priority),
                "ticket priority",
                &row.priority,
            )?,
            status: parsed(
                TicketStatus::parse(&row.status),
                "ticket status",
                &row.status,
            )?,
            assignee: row.assignee,
            summary: row.summary,
            fields: row.fields.0,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct RecordRow {
    id: Uuid,
    collection: String,
    run_id: Uuid,
    conversation_id: Uuid,
    workflow_id: Uuid,
    phone: String,
    fields: Json<std::collections::BTreeMap<String, String>>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl From<RecordRow> for Record {
    fn from(row: RecordRow) -> Self {
        Record {
            id: row.id,
            collection: row.collection,
            run_id: row.run_id,
            conversation_id: row.conversation_id,
            workflow_id: row.workflow_id,
            phone: row.phone,
            fields: row.fields.0,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn conversation_not_found(id: Uuid) -> StoreError {
    StoreError::NotFound {
        what: "conversation",
        key: id.to_string(),
    }
}

/// Claimed outbound messages, each with what sending needs from its conversation.
fn outbound_jobs(
    messages: Vec<Message>,
    mut conversations: std::collections::HashMap<Uuid, Conversation>,
) -> Result<Vec<OutboundJob>, StoreError> {
    messages
        .into_iter()
        .map(|message| {
            let conversation = conversations
                .remove(&message.conversation_id)
                .ok_or_else(|| conversation_not_found(message.conversation_id))?;
            Ok(OutboundJob {
                message,
                our_number: conversation.our_number,
                their_number: conversation.their_number,
                opted_out: conversation.opted_out,
            })
        })
        .collect()
}

// The statements of the message pipeline that both databases run as written (PostgreSQL through
// sqlx in `postgres.rs`, SQLite on the writer thread in `sqlite.rs`), with numbered parameters.

/// The stored message a retried delivery repeats.
const FIND_INBOUND: &str = "SELECT id, conversation_id FROM messages \
     WHERE channel = $1 AND provider_id = $2 AND direction = 'inbound'";
const OPT_OUT: &str = "INSERT INTO opt_outs (number, keyword, opted_out_at) VALUES ($1, $2, $3) \
     ON CONFLICT (number) DO UPDATE SET keyword = excluded.keyword, opted_out_at = excluded.opted_out_at";
const OPT_IN: &str = "DELETE FROM opt_outs WHERE number = $1";
/// The texter asked for a person: the agent falls silent and the inbox shows "Needs a human"
/// (the team's notification is recorded by the database: migration 0024).
const HANDOFF: &str =
    "UPDATE conversations SET status = 'human', needs_human_at = $2 WHERE id = $1";
/// A newer text makes the agent's unapproved drafts in its conversation moot (suggest mode):
/// they are deleted, and the new text's own draft, if any, replaces them.
const SUPERSEDE_DRAFTS: &str =
    "DELETE FROM messages WHERE status = 'draft' AND conversation_id = $1";
const UPSERT_RUN: &str = "INSERT INTO runs (id, conversation_id, workflow_id, state, completed, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $6) \
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, completed = excluded.completed, \
     updated_at = excluded.updated_at";
/// A run's ticket, once.
const INSERT_TICKET: &str = "INSERT INTO tickets (id, number, run_id, conversation_id, workflow_id, priority, status, \
     summary, fields, created_at, updated_at, webhook_status) \
     VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $9, $10) \
     ON CONFLICT (run_id) DO NOTHING";
/// A run's record in a collection, upserted.
const UPSERT_RECORD: &str = "INSERT INTO records (id, collection, run_id, conversation_id, workflow_id, phone, fields, \
     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
     ON CONFLICT (collection, run_id) DO UPDATE SET fields = excluded.fields, \
     phone = excluded.phone, updated_at = excluded.updated_at";
/// An outbound message, queued or a draft (`$13`, expiring at `$14`); the caller updates the
/// conversation's `last_message_at`.
macro_rules! insert_outbound {
    () => {
        "INSERT INTO messages (id, conversation_id, direction, author, channel, body, \
         status, segments, encoding, media_urls, simulated, workflow_id, attempts, \
         next_attempt_at, created_at, updated_at, language, draft_expires_at) \
         VALUES ($1, $2, 'outbound', $3, $4, $5, $13, $6, $7, $8, FALSE, $9, 0, $10, $11, $11, $12, $14)"
    };
}
/// [`insert_outbound!`], answering the stored message.
const INSERT_OUTBOUND: &str = concat!(insert_outbound!(), " RETURNING ", message_columns!());
/// A claimed message handed to the gateway (unless its claim was lost meanwhile).
const MARK_SENT: &str = "UPDATE messages SET status = $2, provider_id = $3, locked_until = NULL, \
     next_attempt_at = NULL, error_message = NULL, updated_at = $4, sent_at = $4 \
     WHERE id = $1 AND status = 'sending' AND attempts = $5";
/// A gateway's status callback (`$1` channel, `$2` its id, `$3` the status, `$4` its error code,
/// `$5` now). Callbacks can arrive out of order: a late "sent" never overwrites a final status.
pub(crate) const RECORD_DELIVERY: &str = "UPDATE messages SET status = $3, error_code = COALESCE($4, error_code), \
     updated_at = $5 WHERE channel = $1 AND provider_id = $2 AND direction = 'outbound' \
     AND ($3 IN ('delivered', 'undelivered', 'failed') OR status IN ('queued', 'sending', 'sent'))";
/// Whether a callback that changed nothing is of a message sent here (`$1` channel, `$2` its id).
pub(crate) const DELIVERY_KNOWN: &str = "SELECT COUNT(*) FROM messages WHERE channel = $1 AND provider_id = $2 AND direction = 'outbound'";
/// Claims up to `limit` outbound messages due at `$2` until `$1`, soonest first, at most one per
/// conversation (see `ConversationStore::claim_outbound`). `index`: the index SQLite's planner
/// must walk; `skip_locked`: PostgreSQL's row locking clause. `limit` is a number written into the
/// statement on both: a bound LIMIT makes SQLite prepare the statement again at every bind
/// (profiled: 8% of the pipeline's CPU), and PostgreSQL's generic plan costs it as a tenth of
/// the due messages. `fence`: PostgreSQL's `OFFSET 0`, which keeps the check for an earlier
/// unsent message a lookup per candidate in its conversation's messages_unsent (migration
/// 0029): made an anti join, it was planned as a scan of every unsent message per candidate
/// whenever the statistics said the queue was small. (`e.attempts >= 0`, true of every message,
/// is in that index's predicate and not in the walk's, so the walk cannot take it for its own
/// and sort what it finds.) A claimed message's next attempt is its lease's end (as it is if the
/// send is never recorded): its entry in the queue's index moves behind every due message, so a
/// claim's walk of the due ones never reads the messages in flight, and on PostgreSQL the head of
/// the index, where the entries of claimed and sent messages die, is no longer written by every
/// claim: in bursts the walks read 18-47 entries per scan, where they read up to 9,173 before
/// (docs/benchmarks.md, session 13, pg9).
pub(crate) fn outbound_claim_sql(
    index: &str,
    skip_locked: &str,
    fence: &str,
    limit: &str,
) -> String {
    format!(
        "UPDATE messages SET status = 'sending', locked_until = $1, next_attempt_at = $1, \
         attempts = attempts + 1, updated_at = $2 WHERE id IN (SELECT m.id FROM messages m {index} \
         WHERE {} \
         AND NOT EXISTS (SELECT 1 FROM messages e WHERE e.conversation_id = m.conversation_id \
           AND e.{} AND e.attempts >= 0 AND e.id < m.id \
           AND (e.next_attempt_at <= $2 OR e.attempts > 0) {fence}) \
         ORDER BY m.next_attempt_at, m.id LIMIT {limit} {skip_locked}) RETURNING {}",
        claimable_reply!(),
        unsent!(),
        message_columns!()
    )
}

/// Leases up to `limit` conversations with a pending inbound message until `$1` (now: `$2`),
/// oldest message first, and counts the attempt on the lease (migration 0030: no message row is
/// written), returning them with that message's id and its attempts. Walking the index of pending
/// conversations in order (`index`: SQLite's planner needs telling) and stopping after `limit`
/// is the whole cost, whatever the backlog: the limit is written into the statement so that the
/// planner never costs it as a fraction of the table. The lease keeps a conversation's later
/// messages unclaimable while this one is in flight. `skip_locked`: PostgreSQL's row locking.
pub(crate) fn inbound_claim_sql(index: &str, skip_locked: &str, limit: usize) -> String {
    format!(
        "UPDATE conversations SET inbound_claimed_until = $1, inbound_attempts = inbound_attempts + 1 \
         WHERE id IN (SELECT q.id FROM conversations q {index} \
         WHERE q.pending_inbound_id IS NOT NULL AND (q.inbound_claimed_until IS NULL OR q.inbound_claimed_until < $2) \
         ORDER BY q.pending_inbound_id LIMIT {limit} {skip_locked}) \
         RETURNING {}, pending_inbound_id, inbound_attempts",
        conversation_columns!("conversations")
    )
}

/// The text of a statement that depends on a count (a LIMIT written into it, or how many ids it
/// lists), formatted once per count and `statement` (a name) in the process: the pipeline's
/// claims run many times a second. The counts are a few batch sizes, so the texts are few.
pub(crate) fn formatted_once(
    statement: &'static str,
    count: usize,
    format: impl FnOnce() -> String,
) -> std::sync::Arc<str> {
    type Texts = std::collections::HashMap<(&'static str, usize), std::sync::Arc<str>>;
    static TEXTS: std::sync::LazyLock<std::sync::Mutex<Texts>> =
        std::sync::LazyLock::new(Default::default);
    let mut texts = TEXTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    std::sync::Arc::clone(
        texts
            .entry((statement, count))
            .or_insert_with(|| format().into()),
    )
}

/// The `count` messages (`$1`...) whose conversations a claim leased. (By id alone: with a
/// condition on the status too, a planner may read every pending message's entry in an index of
/// statuses, as SQLite's messages_pending did until migration 0031.)
pub(crate) fn inbound_claim_messages_sql(count: usize) -> String {
    format!(
        "SELECT {} FROM messages WHERE id IN ({})",
        message_columns!(),
        numbered(count)
    )
}

/// The conversations with these `count` ids (`$1`...).
fn conversations_by_id_sql(count: usize) -> String {
    format!(
        "SELECT {} FROM conversations c WHERE c.id IN ({})",
        conversation_columns!(),
        numbered(count)
    )
}

/// The loop guard's count: automatic replies since `$1` to each of `count` numbers (`$2`...),
/// 0 for a number with none. A lookup per number, nested: its conversations by number, then
/// each one's messages by conversation. As a join of messages and conversations, PostgreSQL
/// could walk every recent outbound message instead (messages_workflow, whose leading column
/// the count does not name: 166 ms at 100,000 recent replies, never analysed), a subquery per
/// row it cannot.
pub(crate) fn automatic_replies_sql(count: usize) -> String {
    let numbers = (2..2 + count)
        .map(|n| format!("(${n})"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "WITH numbers (number) AS (VALUES {numbers}) \
         SELECT n.number, CAST(COALESCE((SELECT SUM((SELECT COUNT(*) FROM messages m \
         WHERE m.conversation_id = c.id AND m.direction = 'outbound' AND m.author = 'agent' \
         AND m.created_at >= $1)) FROM conversations c WHERE c.their_number = n.number), 0) AS BIGINT) \
         FROM numbers n"
    )
}

/// `$1, $2, ... $count`.
fn numbered(count: usize) -> String {
    numbered_from(1, count)
}

/// `$first, ...`, `count` of them.
pub(crate) fn numbered_from(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$skip_locked`: PostgreSQL's row locking clause for queue claims. The units of work of the
/// message pipeline (store an inbound text, claim and record a batch, claim and mark sent) are
/// each database's own: `sqlite.rs` runs them on the writer thread, `postgres.rs` with sqlx.
macro_rules! impl_conversation_store {
    ($store:ty, $db:ty, $skip_locked:literal) => {
        impl $store {
            async fn fetch_conversation(
                executor: impl sqlx::Executor<'_, Database = $db>,
                id: Uuid,
            ) -> Result<Option<Conversation>, StoreError> {
                sqlx::query_as::<_, ConversationRow>(concat!(
                    "SELECT ", conversation_columns!(), " FROM conversations c WHERE c.id = $1"
                ))
                .bind(id)
                .fetch_optional(executor)
                .await?
                .map(Conversation::try_from)
                .transpose()
            }

            /// The texter asked for a person (`HANDOFF`); also when nobody approved a draft in time.
            pub(crate) async fn save_handoff(
                tx: &mut sqlx::Transaction<'_, $db>,
                conversation_id: Uuid,
                at: OffsetDateTime,
            ) -> Result<(), StoreError> {
                sqlx::query(HANDOFF)
                    .bind(conversation_id)
                    .bind(StoredTime(at))
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            /// Queues an outbound message and marks the conversation active.
            async fn insert_outbound(
                tx: &mut sqlx::Transaction<'_, $db>,
                conversation_id: Uuid,
                channel: &str,
                message: &NewOutbound,
                at: OffsetDateTime,
            ) -> Result<Message, StoreError> {
                let message = Self::insert_outbound_row(tx, conversation_id, channel, message, at).await?;
                // A person writing takes up a hand-off the texter asked for.
                sqlx::query(
                    "UPDATE conversations SET last_message_at = $2, \
                     needs_human_at = CASE WHEN $3 THEN NULL ELSE needs_human_at END WHERE id = $1",
                )
                    .bind(conversation_id)
                    .bind(StoredTime(at))
                    .bind(message.author == Author::Human)
                    .execute(&mut **tx)
                    .await?;
                Ok(message)
            }

            /// The message row alone: the caller updates the conversation's `last_message_at`.
            async fn insert_outbound_row(
                tx: &mut sqlx::Transaction<'_, $db>,
                conversation_id: Uuid,
                channel: &str,
                message: &NewOutbound,
                at: OffsetDateTime,
            ) -> Result<Message, StoreError> {
                let row = sqlx::query_as::<_, MessageRow>(INSERT_OUTBOUND)
                .bind(Uuid::now_v7())
                .bind(conversation_id)
                .bind(message.author.as_str())
                .bind(channel)
                .bind(&message.body)
                .bind(message.segments)
                .bind(&message.encoding)
                .bind(Json(Vec::<String>::new()))
                .bind(message.workflow_id)
                .bind(StoredTime(message.send_after))
                .bind(StoredTime(at))
                .bind(message.language.map(Language::code))
                .bind(message.status().as_str())
                .bind(message.draft_expires_at.map(StoredTime))
                .fetch_one(&mut **tx)
                .await?;
                Message::try_from(row)
            }
        }

        // The inbox's conversation list and its search (sql_inbox.rs).
        impl $store {
            /// Adds `query`'s filters and position (not its search) to a listing of `c`.
            fn push_conversation_filters(select: &mut sqlx::QueryBuilder<$db>, query: &ConversationQuery) {
                if let Some(number) = &query.number {
                    select.push(" AND (c.our_number = ").push_bind(number.clone());
                    select.push(" OR c.their_number = ").push_bind(number.clone()).push(")");
                }
                if let Some(status) = query.status {
                    select.push(" AND c.status = ").push_bind(status.as_str());
                }
                if query.unread {
                    select.push(" AND c.unread_count > 0");
                }
                if let Some(opted_out) = query.opted_out {
                    select
                        .push(if opted_out { " AND " } else { " AND NOT " })
                        .push("EXISTS (SELECT 1 FROM opt_outs o WHERE o.number = c.their_number)");
                }
                match query.assigned {
                    Some(crate::team::AssignedFilter::To(admin_id)) => {
                        select
                            .push(" AND EXISTS (SELECT 1 FROM conversation_assignments s WHERE s.conversation_id = c.id AND s.admin_id = ")
                            .push_bind(admin_id)
                            .push(")");
                    }
                    Some(crate::team::AssignedFilter::Nobody) => {
                        select.push(" AND NOT EXISTS (SELECT 1 FROM conversation_assignments s WHERE s.conversation_id = c.id)");
                    }
                    None => {}
                }
                if let Some(workflow_id) = query.workflow_id {
                    select
                        .push(" AND EXISTS (SELECT 1 FROM messages w WHERE w.conversation_id = c.id AND w.workflow_id = ")
                        .push_bind(workflow_id)
                        .push(")");
                }
                if let Some(since) = query.since {
                    select.push(" AND c.last_message_at >= ").push_bind(StoredTime(since));
                }
                if let Some(until) = query.until {
                    select.push(" AND c.last_message_at < ").push_bind(StoredTime(until));
                }
                if let Some(after) = &query.after {
                    // The first condition alone is what an index range can use (the next page
                    // starts where this one ended); the second settles the ties.
                    select
                        .push(" AND c.last_message_at <= ")
                        .push_bind(StoredTime(after.last_message_at))
                        .push(" AND (c.last_message_at < ")
                        .push_bind(StoredTime(after.last_message_at))
                        .push(" OR c.id < ")
                        .push_bind(after.id)
                        .push(")");
                }
            }

            /// The first `limit` + 1 conversations `query` lists, newest activity first, narrowed
            /// to a search by `search` (`query.text` is not read here).
            pub(crate) fn conversation_listing_statement(
                query: &ConversationQuery,
                search: Option<crate::sql_inbox::SearchPass<'_>>,
                limit: u32,
            ) -> sqlx::QueryBuilder<$db> {
                let mut select = sqlx::QueryBuilder::<$db>::new(concat!(
                    "SELECT ", conversation_columns!(), " FROM conversations c WHERE 1 = 1"
                ));
                Self::push_conversation_filters(&mut select, query);
                match search {
                    None => {}
                    Some(crate::sql_inbox::SearchPass::Recent { text, horizon }) => {
                        if let Some(horizon) = horizon {
                            crate::sql_inbox::push_horizon(&mut select, horizon);
                        }
                        Self::push_search_test(&mut select, text);
                    }
                    Some(crate::sql_inbox::SearchPass::Everywhere(text)) => Self::push_search(&mut select, text),
                }
                select
                    .push(" ORDER BY c.last_message_at DESC, c.id DESC LIMIT ")
                    .push_bind(i64::from(limit) + 1);
                select
            }

            /// The last conversation a search's first pass tests: the [`RECENT_WALK`]th that
            /// `query` lists from its position on, if there are that many.
            ///
            /// [`RECENT_WALK`]: crate::sql_inbox::RECENT_WALK
            pub(crate) fn search_horizon_statement(query: &ConversationQuery) -> sqlx::QueryBuilder<$db> {
                let mut select = sqlx::QueryBuilder::<$db>::new(
                    "SELECT c.last_message_at, c.id FROM conversations c WHERE 1 = 1",
                );
                Self::push_conversation_filters(&mut select, query);
                select
                    .push(" ORDER BY c.last_message_at DESC, c.id DESC LIMIT 1 OFFSET ")
                    .push_bind(crate::sql_inbox::RECENT_WALK - 1);
                select
            }

            async fn conversation_listing(
                &self,
                query: &ConversationQuery,
                search: Option<crate::sql_inbox::SearchPass<'_>>,
                limit: u32,
            ) -> Result<Vec<Conversation>, StoreError> {
                Self::conversation_listing_statement(query, search, limit)
                    .build_query_as::<ConversationRow>()
                    .fetch_all(&self.read)
                    .await?
                    .into_iter()
                    .map(Conversation::try_from)
                    .collect()
            }

            /// A search's page (see sql_inbox.rs): every match sorted when there are few, else
            /// the newest conversations tested one by one, then, if they hold less than a page,
            /// every match sorted.
            async fn search_conversations(
                &self,
                query: &ConversationQuery,
                text: &crate::inbox::SearchText,
                limit: u32,
            ) -> Result<Vec<Conversation>, StoreError> {
                self.index_pending_search().await?;
                let everywhere = crate::sql_inbox::SearchPass::Everywhere(text);
                let matches: i64 = Self::search_matches_statement(text)
                    .build_query_scalar()
                    .fetch_one(&self.read)
                    .await?;
                if matches <= crate::sql_inbox::GATHER_AT_MOST {
                    return self.conversation_listing(query, Some(everywhere), limit).await;
                }
                let horizon = Self::search_horizon_statement(query)
                    .build_query_as::<(OffsetDateTime, Uuid)>()
                    .fetch_optional(&self.read)
                    .await?
                    .map(|(last_message_at, id)| ConversationCursor { last_message_at, id });
                let recent = crate::sql_inbox::SearchPass::Recent { text, horizon: horizon.as_ref() };
                let found = self.conversation_listing(query, Some(recent), limit).await?;
                // A full page among the newest is the page; with no horizon the walk saw them all.
                if found.len() > limit as usize || horizon.is_none() {
                    return Ok(found);
                }
                self.conversation_listing(query, Some(everywhere), limit).await
            }
        }

        #[async_trait]
        impl ConversationStore for $store {
            async fn record_inbound(&self, sms: &InboundSms) -> Result<RecordedInbound, StoreError> {
                self.record_inbound_routed(sms).await
            }

            async fn claim_inbound(
                &self,
                lease: time::Duration,
                limit: usize,
            ) -> Result<Vec<(Message, Conversation)>, StoreError> {
                self.claim_inbound_routed(lease, limit).await
            }
            async fn complete_inbound(
                &self,
                completed: &[(&Message, &InboundOutcome)],
            ) -> Result<(), StoreError> {
                self.complete_inbound_routed(completed).await
            }
            async fn complete_inbound_and_claim(
                &self,
                completed: Vec<(&Message, InboundOutcome)>,
                next: ClaimNext,
            ) -> Result<ClaimedNext, StoreError> {
                self.complete_inbound_and_claim_routed(completed, next).await
            }
            async fn automatic_replies_since(
                &self,
                numbers: &[&str],
                since: OffsetDateTime,
            ) -> Result<std::collections::HashMap<String, i64>, StoreError> {
                if numbers.is_empty() {
                    return Ok(std::collections::HashMap::new());
                }
                self.automatic_replies_routed(numbers, since).await
            }

            async fn queue_outbound(
                &self,
                conversation_id: Uuid,
                message: &NewOutbound,
            ) -> Result<Message, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let channel: Option<String> =
                    sqlx::query_scalar("SELECT channel FROM conversations WHERE id = $1")
                        .bind(conversation_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                let channel = channel.ok_or_else(|| conversation_not_found(conversation_id))?;
                let message = Self::insert_outbound(&mut tx, conversation_id, &channel, message, now()).await?;
                tx.commit().await?;
                Ok(message)
            }

            async fn open_conversation(
                &self,
                channel: Channel,
                our_number: &str,
                their_number: &str,
            ) -> Result<Conversation, StoreError> {
                let at = now();
                let id: Uuid = sqlx::query_scalar(
                    "INSERT INTO conversations (id, our_number, their_number, channel, status, \
                     run_completed, unread_count, last_message_at, created_at) \
                     VALUES ($1, $2, $3, $4, 'agent', FALSE, 0, $5, $5) \
                     ON CONFLICT (our_number, their_number) DO UPDATE SET channel = excluded.channel \
                     RETURNING id",
                )
                .bind(Uuid::now_v7())
                .bind(our_number)
                .bind(their_number)
                .bind(channel.as_str())
                .bind(StoredTime(at))
                .fetch_one(&self.write)
                .await?;
                Self::fetch_conversation(&self.write, id)
                    .await?
                    .ok_or_else(|| conversation_not_found(id))
            }

            async fn claim_outbound(&self, lease: time::Duration, limit: usize) -> Result<Vec<OutboundJob>, StoreError> {
                self.claim_outbound_routed(lease, limit).await
            }
            async fn mark_sent(
                &self,
                message_id: Uuid,
                attempt: i64,
                provider_id: Option<&str>,
                status: MessageStatus,
            ) -> Result<(), StoreError> {
                self.mark_sent_routed(message_id, attempt, provider_id, status).await
            }
            async fn mark_all_sent_and_claim(
                &self,
                sent: &[SentMark],
                lease: time::Duration,
                limit: usize,
            ) -> Result<Vec<OutboundJob>, StoreError> {
                self.mark_all_sent_and_claim_routed(sent, lease, limit).await
            }

            async fn mark_retry(
                &self,
                message_id: Uuid,
                attempt: i64,
                error: &str,
                next_attempt_at: OffsetDateTime,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE messages SET status = 'queued', error_message = $2, next_attempt_at = $3, \
                     locked_until = NULL, updated_at = $4 WHERE id = $1 AND status = 'sending' AND attempts = $5",
                )
                .bind(message_id)
                .bind(error)
                .bind(StoredTime(next_attempt_at))
                .bind(StoredTime(now()))
                .bind(attempt)
                .execute(&self.write)
                .await?;
                Ok(())
            }

            async fn mark_failed(
                &self,
                message_id: Uuid,
                attempt: i64,
                status: MessageStatus,
                error_code: Option<&str>,
                error: &str,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE messages SET status = $2, error_code = $3, error_message = $4, \
                     locked_until = NULL, next_attempt_at = NULL, updated_at = $5 \
                     WHERE id = $1 AND status = 'sending' AND attempts = $6",
                )
                .bind(message_id)
                .bind(status.as_str())
                .bind(error_code)
                .bind(error)
                .bind(StoredTime(now()))
                .bind(attempt)
                .execute(&self.write)
                .await?;
                Ok(())
            }

            async fn record_delivery(&self, report: &DeliveryReport) -> Result<bool, StoreError> {
                let updated = sqlx::query(RECORD_DELIVERY)
                    .bind(report.channel.as_str())
                    .bind(&report.provider_id)
                    .bind(report.status.as_str())
                    .bind(&report.error_code)
                    .bind(StoredTime(now()))
                    .execute(&self.write)
                    .await?
                    .rows_affected();
                if updated > 0 {
                    return Ok(true);
                }
                let known: Option<i64> = sqlx::query_scalar(DELIVERY_KNOWN)
                    .bind(report.channel.as_str())
                    .bind(&report.provider_id)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(known.unwrap_or(0) > 0)
            }

            async fn get_conversation(&self, id: Uuid) -> Result<Conversation, StoreError> {
                Self::fetch_conversation(&self.read, id)
                    .await?
                    .ok_or_else(|| conversation_not_found(id))
            }

            async fn list_conversations(
                &self,
                query: &ConversationQuery,
            ) -> Result<ConversationPage, StoreError> {
                let limit = query.limit.max(1);
                let mut items = match &query.text {
                    None => self.conversation_listing(query, None, limit).await?,
                    Some(text) => self.search_conversations(query, text, limit).await?,
                };
                let next = if items.len() > limit as usize {
                    items.truncate(limit as usize);
                    items.last().map(|c| ConversationCursor { last_message_at: c.last_message_at, id: c.id })
                } else {
                    None
                };
                Ok(ConversationPage { items, next })
            }

            async fn conversation_messages(&self, id: Uuid) -> Result<Vec<Message>, StoreError> {
                sqlx::query_as::<_, MessageRow>(concat!(
                    "SELECT ", message_columns!(), " FROM messages WHERE conversation_id = $1 ORDER BY id"
                ))
                .bind(id)
                .fetch_all(&self.read)
                .await?
                .into_iter()
                .map(Message::try_from)
                .collect()
            }

            async fn get_message(&self, id: Uuid) -> Result<Message, StoreError> {
                sqlx::query_as::<_, MessageRow>(concat!(
                    "SELECT ", message_columns!(), " FROM messages WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.read)
                .await?
                .map(Message::try_from)
                .transpose()?
                .ok_or_else(|| StoreError::NotFound { what: "message", key: id.to_string() })
            }

            async fn latest_messages(&self, conversation_ids: &[Uuid]) -> Result<Vec<Message>, StoreError> {
                if conversation_ids.is_empty() {
                    return Ok(Vec::new());
                }
                // Message ids are UUIDv7: the highest id of a conversation is its newest message.
                let mut select = sqlx::QueryBuilder::<$db>::new(concat!(
                    "SELECT ", message_columns!(), " FROM messages m WHERE m.id = \
                     (SELECT x.id FROM messages x WHERE x.conversation_id = m.conversation_id ORDER BY x.id DESC LIMIT 1) \
                     AND m.conversation_id IN ("
                ));
                let mut ids = select.separated(", ");
                for id in conversation_ids {
                    ids.push_bind(*id);
                }
                select.push(")");
                select
                    .build_query_as::<MessageRow>()
                    .fetch_all(&self.read)
                    .await?
                    .into_iter()
                    .map(Message::try_from)
                    .collect()
            }

            async fn set_conversation_status(
                &self,
                id: Uuid,
                status: ConversationStatus,
            ) -> Result<Conversation, StoreError> {
                let updated = sqlx::query(
                    "UPDATE conversations SET status = $2, unread_count = 0, needs_human_at = NULL WHERE id = $1",
                )
                    .bind(id)
                    .bind(status.as_str())
                    .execute(&self.write)
                    .await?
                    .rows_affected();
                if updated == 0 {
                    return Err(conversation_not_found(id));
                }
                Self::fetch_conversation(&self.write, id)
                    .await?
                    .ok_or_else(|| conversation_not_found(id))
            }

            async fn mark_conversation_read(&self, id: Uuid) -> Result<(), StoreError> {
                let updated = sqlx::query("UPDATE conversations SET unread_count = 0, last_read_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(StoredTime(now()))
                    .execute(&self.write)
                    .await?
                    .rows_affected();
                if updated == 0 {
                    return Err(conversation_not_found(id));
                }
                Ok(())
            }

            async fn get_run(&self, id: Uuid) -> Result<Option<Run>, StoreError> {
                let row: Option<(Uuid, Uuid, Uuid, Json<smsflow_core::run::RunState>, bool)> = sqlx::query_as(
                    "SELECT id, conversation_id, workflow_id, state, completed FROM runs WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map(|(id, conversation_id, workflow_id, state, completed)| Run {
                    id,
                    conversation_id,
                    workflow_id,
                    state: state.0,
                    completed,
                }))
            }

            async fn record_booking(&self, run_id: Uuid, confirmation: &NewOutbound) -> Result<BookingOutcome, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let run: Option<(Uuid, Json<smsflow_core::run::RunState>, String)> = sqlx::query_as(
                    "SELECT r.conversation_id, r.state, c.channel FROM runs r JOIN conversations c ON c.id = r.conversation_id WHERE r.id = $1",
                )
                .bind(run_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((conversation_id, Json(mut state), channel)) = run else {
                    return Ok(BookingOutcome::UnknownRun);
                };
                if state.booked {
                    return Ok(BookingOutcome::AlreadyBooked);
                }
                state.booked = true;
                let at = now();
                sqlx::query("UPDATE runs SET state = $2, updated_at = $3 WHERE id = $1")
                    .bind(run_id)
                    .bind(Json(&state))
                    .bind(StoredTime(at))
                    .execute(&mut *tx)
                    .await?;
                Self::insert_outbound(&mut tx, conversation_id, &channel, confirmation, at).await?;
                tx.commit().await?;
                Ok(BookingOutcome::Booked { conversation_id })
            }

            async fn list_tickets(&self, status: Option<TicketStatus>) -> Result<Vec<Ticket>, StoreError> {
                sqlx::query_as::<_, TicketRow>(concat!(
                    "SELECT ", ticket_columns!(), " FROM tickets WHERE ($1 IS NULL OR status = $1) ORDER BY created_at DESC, id DESC"
                ))
                .bind(status.map(TicketStatus::as_str))
                .fetch_all(&self.read)
                .await?
                .into_iter()
                .map(Ticket::try_from)
                .collect()
            }

            async fn claim_ticket_webhook(&self, lease: time::Duration) -> Result<Option<(Ticket, i64)>, StoreError> {
                let at = now();
                let claimed: Option<(Uuid, i64)> = sqlx::query_as(concat!(
                    "UPDATE tickets SET webhook_next_at = $1, webhook_attempts = webhook_attempts + 1 WHERE id = (\
                     SELECT id FROM tickets WHERE webhook_status = 'pending' \
                     AND (webhook_next_at IS NULL OR webhook_next_at <= $2) ORDER BY created_at, id LIMIT 1 ",
                    $skip_locked,
                    ") RETURNING id, webhook_attempts"
                ))
                .bind(StoredTime(at + lease))
                .bind(StoredTime(at))
                .fetch_optional(&self.write)
                .await?;
                let Some((id, attempt)) = claimed else { return Ok(None) };
                Ok(Some((self.get_ticket(&id.to_string()).await?, attempt)))
            }

            async fn finish_ticket_webhook(
                &self,
                id: Uuid,
                attempt: i64,
                outcome: Result<(), (String, Option<OffsetDateTime>)>,
            ) -> Result<(), StoreError> {
                let (status, error, next) = webhook_delivery(outcome);
                sqlx::query(
                    "UPDATE tickets SET webhook_status = $3, webhook_error = $4, webhook_next_at = $5 \
                     WHERE id = $1 AND webhook_attempts = $2 AND webhook_status = 'pending'",
                )
                .bind(id)
                .bind(attempt)
                .bind(status)
                .bind(error)
                .bind(next.map(StoredTime))
                .execute(&self.write)
                .await?;
                Ok(())
            }

            async fn get_ticket(&self, id_or_number: &str) -> Result<Ticket, StoreError> {
                sqlx::query_as::<_, TicketRow>(concat!(
                    "SELECT ", ticket_columns!(), " FROM tickets WHERE id = $1 OR number = $2"
                ))
                .bind(Uuid::parse_str(id_or_number).ok())
                .bind(id_or_number)
                .fetch_optional(&self.read)
                .await?
                .map(Ticket::try_from)
                .transpose()?
                .ok_or_else(|| StoreError::NotFound { what: "ticket", key: id_or_number.to_string() })
            }

            async fn update_ticket(
                &self,
                id: Uuid,
                status: Option<TicketStatus>,
                assignee: Option<Option<String>>,
            ) -> Result<Ticket, StoreError> {
                sqlx::query_as::<_, TicketRow>(concat!(
                    "UPDATE tickets SET status = COALESCE($2, status), \
                     assignee = CASE WHEN $3 THEN $4 ELSE assignee END, updated_at = $5 \
                     WHERE id = $1 RETURNING ", ticket_columns!()
                ))
                .bind(id)
                .bind(status.map(TicketStatus::as_str))
                .bind(assignee.is_some())
                .bind(assignee.flatten())
                .bind(StoredTime(now()))
                .fetch_optional(&self.write)
                .await?
                .map(Ticket::try_from)
                .transpose()?
                .ok_or_else(|| StoreError::NotFound { what: "ticket", key: id.to_string() })
            }

            async fn list_records(&self, collection: &str) -> Result<Vec<Record>, StoreError> {
                let rows: Vec<RecordRow> = sqlx::query_as(
                    "SELECT id, collection, run_id, conversation_id, workflow_id, phone, fields, created_at, updated_at \
                     FROM records WHERE collection = $1 ORDER BY created_at, id",
                )
                .bind(collection)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().map(Record::from).collect())
            }

            async fn list_collections(&self) -> Result<Vec<CollectionSummary>, StoreError> {
                let rows: Vec<(String, i64, OffsetDateTime)> = sqlx::query_as(
                    "SELECT collection, COUNT(*), MAX(updated_at) FROM records GROUP BY collection ORDER BY collection",
                )
                .fetch_all(&self.read)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(name, records, last_saved_at)| CollectionSummary { name, records, last_saved_at })
                    .collect())
            }

            async fn is_opted_out(&self, number: &str) -> Result<bool, StoreError> {
                let found: Option<String> = sqlx::query_scalar("SELECT number FROM opt_outs WHERE number = $1")
                    .bind(number)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(found.is_some())
            }

            async fn list_opt_outs(&self) -> Result<Vec<OptOut>, StoreError> {
                let rows: Vec<(String, String, OffsetDateTime)> = sqlx::query_as(
                    "SELECT number, keyword, opted_out_at FROM opt_outs ORDER BY opted_out_at DESC, number",
                )
                .fetch_all(&self.read)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(number, keyword, opted_out_at)| OptOut { number, keyword, opted_out_at })
                    .collect())
            }
        }
    };
}

impl_conversation_store!(SqliteStore, sqlx::Sqlite, "");
impl_conversation_store!(PostgresStore, sqlx::Postgres, "FOR UPDATE SKIP LOCKED");

mod postgres;
pub(crate) mod postgres_intake;
mod sqlite;
