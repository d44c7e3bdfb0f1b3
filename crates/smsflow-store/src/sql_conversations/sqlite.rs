//! The message pipeline's units of work on SQLite, each one closure on the writer thread
//! (`sqlite_writer.rs`): one hop between threads per unit, not one per statement.

use rusqlite::Connection;
use sqlx::types::Json;
use std::collections::BTreeMap;
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

use super::*;
use crate::contacts::merge;
use crate::sql_contacts::{CONTACT_COLUMNS_KNOWN, REMEMBER_CONTACT, TOUCH_CONTACT};
use crate::sqlite_writer::{
    Care, Columns, JsonText, SqlValue, execute, in_savepoint, query, values,
};

/// SQLite's planner is told which index each claim walks.
const INBOUND_QUEUE_INDEX: &str = "INDEXED BY conversations_inbound_queue";
const OUTBOUND_QUEUE_INDEX: &str = "INDEXED BY messages_outbound_queue";

// Where the writer knows the answer, its statements ask for none with RETURNING: SQLite gathers
// what RETURNING answers in a temporary table, and in a transaction a statement that fires a
// trigger (RETURNING is run as one) keeps a journal of each page it changes before changing it,
// in case it fails halfway. A lookup and a plain insert cost less (docs/benchmarks.md, session 46).

/// The conversation between two numbers (the writer thread alone writes: what it finds stays true
/// until its unit ends).
const FIND_CONVERSATION: &str =
    "SELECT id FROM conversations WHERE our_number = $1 AND their_number = $2";
/// An inbound text's new conversation, the text its next to claim.
const INSERT_INBOUND_CONVERSATION: &str = "INSERT INTO conversations (id, our_number, their_number, channel, status, \
     run_completed, unread_count, last_message_at, created_at, pending_inbound_id) \
     VALUES ($1, $2, $3, $4, 'agent', FALSE, 1, $5, $5, $6)";
/// An inbound text in a conversation that exists: the text is the conversation's next to claim
/// unless one is pending already.
const UPDATE_INBOUND_CONVERSATION: &str = "UPDATE conversations SET last_message_at = $2, channel = $3, \
     unread_count = unread_count + 1, pending_inbound_id = COALESCE(pending_inbound_id, $4) \
     WHERE id = $1";
/// An inbound text, unless its provider id was stored before (a retry).
const INSERT_INBOUND_MESSAGE: &str = "INSERT INTO messages (id, conversation_id, direction, author, channel, body, \
     provider_id, status, segments, encoding, media_urls, simulated, attempts, \
     created_at, updated_at) \
     VALUES ($1, $2, 'inbound', 'contact', $3, $4, $5, 'received', $6, $7, $8, $9, 0, $10, $10) \
     ON CONFLICT (channel, provider_id) WHERE direction = 'inbound' DO NOTHING";
/// A reply a sender may claim at `$2`, if any: the outbound claim's choice less the order within
/// a conversation, so none found means the claim would find none.
const REPLY_MAY_BE_DUE: &str = concat!(
    "SELECT 1 FROM messages m INDEXED BY messages_outbound_queue WHERE ",
    claimable_reply!(),
    " LIMIT 1"
);

/// Whether any conversation has a text waiting, leased or not: the first entry of the inbound
/// queue's partial index, where the claim would walk past the leased ones. None means the claim
/// would find none.
const TEXT_MAY_BE_WAITING: &str = "SELECT 1 FROM conversations q INDEXED BY conversations_inbound_queue \
     WHERE q.pending_inbound_id IS NOT NULL LIMIT 1";

impl SqliteStore {
    /// The two statements that claim up to `limit` inbound messages, as the writer runs them
    /// (the second for `limit` conversations claimed), each formatted once.
    pub(crate) fn inbound_claim_statements(limit: usize) -> [Arc<str>; 2] {
        [
            formatted_once("sqlite inbound claim", limit, || {
                inbound_claim_sql(INBOUND_QUEUE_INDEX, "", limit)
            }),
            formatted_once("inbound claim messages", limit, || {
                inbound_claim_messages_sql(limit)
            }),
        ]
    }

    /// Stores one inbound text: a retry of a stored one is answered with it and changes nothing.
    /// Texts arriving together share a transaction (the writer's group commit).
    pub(super) async fn record_inbound_routed(
        &self,
        sms: &InboundSms,
    ) -> Result<RecordedInbound, StoreError> {
        let sms = sms.clone();
        self.writer
            .run(move |db| record_inbound(db, &sms, now()))
            .await
    }

    pub(super) async fn claim_inbound_routed(
        &self,
        lease: time::Duration,
        limit: usize,
    ) -> Result<Vec<(Message, Conversation)>, StoreError> {
        self.writer
            .run(move |db| {
                let at = now();
                claim_inbound(db, at + lease, at, limit)
            })
            .await
    }

    /// Records processed messages in one unit; a message another worker finished first (after
    /// this one's lease expired) keeps that result, and one that fails spoils no other: its
    /// error is answered after the others are committed.
    pub(super) async fn complete_inbound_routed(
        &self,
        completed: &[(&Message, &InboundOutcome)],
    ) -> Result<(), StoreError> {
        let nothing = ClaimNext {
            lease: time::Duration::ZERO,
            inbound: 0,
            outbound: 0,
        };
        let completed = completed
            .iter()
            .map(|(message, outcome)| (*message, (*outcome).clone()))
            .collect();
        self.complete_inbound_and_claim_routed(completed, nothing)
            .await
            .map(|_| ())
    }

    /// Records processed messages as `complete_inbound_routed` and, in the same unit, claims
    /// what `next` asks for: the pages the claims change were mostly just written by the
    /// recording (the conversations, the replies), so they cost no commit of their own.
    pub(super) async fn complete_inbound_and_claim_routed(
        &self,
        completed: Vec<(&Message, InboundOutcome)>,
        next: ClaimNext,
    ) -> Result<ClaimedNext, StoreError> {
        let completed: Vec<(Completed, InboundOutcome)> = completed
            .into_iter()
            .map(|(message, outcome)| (Completed::of(message), outcome))
            .collect();
        let (failures, claimed) = self
            .writer
            .run_with_care(move |db, care| {
                let at = now();
                let mut failures = Vec::new();
                if care == Care::Bare {
                    // No savepoints: a message that fails fails the unit, which the writer then
                    // writes again isolated.
                    for (message, outcome) in &completed {
                        complete_one(db, message, outcome, at)?;
                    }
                } else if let [(message, outcome)] = completed.as_slice() {
                    // Alone, a message needs no savepoint of its own: if it fails, so does the
                    // unit, and the writer rolls back what it wrote (there is no claim to keep).
                    complete_one(db, message, outcome, at)
                        .inspect_err(|error| not_recorded(message.id, error))?;
                } else {
                    for (message, outcome) in &completed {
                        if let Err(error) =
                            in_savepoint(db, |db| complete_one(db, message, outcome, at))
                        {
                            failures.push((message.id, error));
                        }
                    }
                }
                let mut claimed = ClaimedNext::default();
                if failures.is_empty() {
                    let until = at + next.lease;
                    if next.inbound > 0 {
                        claimed.inbound = claim_inbound(db, until, at, next.inbound)?;
                    }
                    if next.outbound > 0 {
                        claimed.outbound = claim_outbound(db, until, at, next.outbound)?;
                    }
                }
                Ok((failures, claimed))
            })
            .await?;
        for (message_id, error) in &failures {
            not_recorded(*message_id, error);
        }
        match failures.into_iter().next() {
            Some((_, error)) => Err(error),
            None => Ok(claimed),
        }
    }

    pub(super) async fn claim_outbound_routed(
        &self,
        lease: time::Duration,
        limit: usize,
    ) -> Result<Vec<OutboundJob>, StoreError> {
        self.writer
            .run(move |db| {
                let at = now();
                claim_outbound(db, at + lease, at, limit)
            })
            .await
    }

    /// On the calling thread (see `sqlite_reader.rs`).
    pub(super) async fn automatic_replies_routed(
        &self,
        numbers: &[&str],
        since: OffsetDateTime,
    ) -> Result<std::collections::HashMap<String, i64>, StoreError> {
        let mut bound = vec![SqlValue::value(&since)];
        bound.extend(numbers.iter().map(SqlValue::value));
        let counts = self.readers.read(|db| {
            query(db, &automatic_replies_sql(numbers.len()), &bound, |row| {
                let columns = Columns::of(row);
                Ok((columns.get(0)?, columns.get(1)?))
            })
        })?;
        Ok(counts
            .into_iter()
            .filter(|(_, replies)| *replies > 0)
            .collect())
    }

    pub(super) async fn mark_sent_routed(
        &self,
        message_id: Uuid,
        attempt: i64,
        provider_id: Option<&str>,
        status: MessageStatus,
    ) -> Result<(), StoreError> {
        let sent = SentMark {
            message_id,
            attempt,
            provider_id: provider_id.map(str::to_string),
            status,
        };
        self.mark_all_sent_and_claim_routed(&[sent], time::Duration::ZERO, 0)
            .await
            .map(|_| ())
    }

    /// One unit for all, the claim after the marks.
    pub(super) async fn mark_all_sent_and_claim_routed(
        &self,
        sent: &[SentMark],
        lease: time::Duration,
        limit: usize,
    ) -> Result<Vec<OutboundJob>, StoreError> {
        let sent = sent.to_vec();
        self.writer
            .run(move |db| {
                let at = now();
                for mark in &sent {
                    execute(
                        db,
                        MARK_SENT,
                        &values![
                            mark.message_id,
                            mark.status.as_str(),
                            mark.provider_id,
                            at,
                            mark.attempt
                        ],
                    )?;
                }
                if limit == 0 {
                    return Ok(Vec::new());
                }
                claim_outbound(db, at + lease, at, limit)
            })
            .await
    }
}

fn record_inbound(
    db: &Connection,
    sms: &InboundSms,
    at: OffsetDateTime,
) -> Result<RecordedInbound, StoreError> {
    // The writer holds the write lock: no other connection can store the same text meanwhile.
    if let Some(provider_id) = &sms.provider_id {
        let stored = query(
            db,
            FIND_INBOUND,
            &values![sms.channel.as_str(), provider_id],
            |row| {
                let columns = Columns::of(row);
                Ok((columns.uuid(0)?, columns.uuid(1)?))
            },
        )?;
        if let Some(&(message_id, conversation_id)) = stored.first() {
            return Ok(RecordedInbound {
                message_id,
                conversation_id,
                duplicate: true,
            });
        }
    }
    let message_id = Uuid::now_v7();
    let found = query(
        db,
        FIND_CONVERSATION,
        &values![sms.our_number, sms.their_number],
        |row| Columns::of(row).uuid(0),
    )?;
    let conversation_id = match found.first() {
        Some(&conversation_id) => {
            execute(
                db,
                UPDATE_INBOUND_CONVERSATION,
                &values![conversation_id, at, sms.channel.as_str(), message_id],
            )?;
            conversation_id
        }
        None => {
            let conversation_id = Uuid::now_v7();
            execute(
                db,
                INSERT_INBOUND_CONVERSATION,
                &values![
                    conversation_id,
                    sms.our_number,
                    sms.their_number,
                    sms.channel.as_str(),
                    at,
                    message_id
                ],
            )?;
            conversation_id
        }
    };
    let info = smsflow_core::sms::segment_info(&sms.body);
    let inserted = execute(
        db,
        INSERT_INBOUND_MESSAGE,
        &values![
            message_id,
            conversation_id,
            sms.channel.as_str(),
            sms.body,
            sms.provider_id,
            info.segments as i64,
            info.encoding.as_str(),
            JsonText(&sms.media_urls),
            sms.simulated,
            at
        ],
    )?;
    if inserted != 1 {
        return Err(StoreError::Writer(
            "an inbound text's provider id was stored meanwhile".to_string(),
        ));
    }
    Ok(RecordedInbound {
        message_id,
        conversation_id,
        duplicate: false,
    })
}

fn claim_inbound(
    db: &Connection,
    until: OffsetDateTime,
    at: OffsetDateTime,
    limit: usize,
) -> Result<Vec<(Message, Conversation)>, StoreError> {
    // As for replies (`claim_outbound`): a claim that finds nothing still writes, so a seek first
    // says whether any text waits at all. Only then is the claim's own walk past the leased ones
    // done (a seek for a claimable one would walk them twice when many are leased).
    let waiting = query(db, TEXT_MAY_BE_WAITING, &[], |_| Ok(()))?;
    if waiting.is_empty() {
        return Ok(Vec::new());
    }
    let [claim, _] = SqliteStore::inbound_claim_statements(limit);
    let conversations = query(db, &claim, &values![until, at], |row| {
        let columns = Columns::of(row);
        Ok((
            conversation_row(&columns)?,
            columns.uuid(16)?,
            columns.get::<i64>(17)?,
        ))
    })?;
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<_> = conversations
        .iter()
        .map(|(_, id, _)| SqlValue::value(id))
        .collect();
    let [_, read] = SqliteStore::inbound_claim_statements(ids.len());
    let mut messages = query(db, &read, &ids, |row| {
        Message::try_from(message_row(&Columns::of(row))?)
    })?
    .into_iter()
    // Claimed while processed already: finished by a worker whose lease had run out.
    .filter(|message| message.status == MessageStatus::Received)
    .map(|message| (message.conversation_id, message))
    .collect::<std::collections::HashMap<_, _>>();
    let mut claimed = conversations
        .into_iter()
        .filter_map(|(conversation, _, attempts)| {
            let mut message = messages.remove(&conversation.id)?;
            message.attempts = attempts;
            Some(Conversation::try_from(conversation).map(|c| (message, c)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    // RETURNING has no order.
    claimed.sort_by_key(|(message, _)| message.id);
    Ok(claimed)
}

fn not_recorded(message_id: Uuid, error: &StoreError) {
    tracing::warn!(%error, %message_id, "cannot record a processed message; it is processed again when its claim lapses");
}

/// What recording a processed message needs of it.
struct Completed {
    id: Uuid,
    conversation_id: Uuid,
    channel: Channel,
    /// As claimed: counted on the conversation's lease until now.
    attempts: i64,
}

impl Completed {
    fn of(message: &Message) -> Self {
        Completed {
            id: message.id,
            conversation_id: message.conversation_id,
            channel: message.channel,
            attempts: message.attempts,
        }
    }
}

/// Records one processed message; nothing when another worker finished it first.
fn complete_one(
    db: &Connection,
    message: &Completed,
    outcome: &InboundOutcome,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    let processed = execute(
        db,
        "UPDATE messages SET status = 'processed', workflow_id = $2, explanation = $3, updated_at = $4, \
         language = $5, attempts = $6 WHERE id = $1 AND status = 'received'",
        &values![
            message.id,
            outcome.workflow_id,
            JsonText(&outcome.explanation),
            at,
            outcome.language.map(|detection| detection.language.code()),
            message.attempts
        ],
    )?;
    if processed == 0 {
        return Ok(());
    }
    let their_number: String = query(
        db,
        "SELECT their_number FROM conversations WHERE id = $1",
        &values![message.conversation_id],
        |row| Columns::of(row).get(0),
    )?
    .into_iter()
    .next()
    .ok_or_else(|| conversation_not_found(message.conversation_id))?;
    // The conversation's next pending message becomes claimable, untried, and its lease ends.
    execute(
        db,
        "UPDATE conversations SET active_workflow_id = $2, active_workflow_at = $3, run_completed = $4, \
         active_run_id = $5, last_message_at = COALESCE($6, last_message_at), \
         language = COALESCE($7, language), inbound_claimed_until = NULL, inbound_attempts = 0, \
         pending_inbound_id = (SELECT m.id FROM messages m WHERE m.conversation_id = conversations.id \
         AND m.direction = 'inbound' AND m.status = 'received' ORDER BY m.id LIMIT 1) \
         WHERE id = $1",
        &values![
            message.conversation_id,
            outcome.active_workflow_id,
            outcome.active_workflow_at,
            outcome.run_completed,
            outcome.active_run_id,
            outcome.reply.as_ref().map(|_| at),
            confident_language(outcome)
        ],
    )?;
    execute(
        db,
        TOUCH_CONTACT,
        &values![
            their_number,
            JsonText(BTreeMap::<String, String>::new()),
            at
        ],
    )?;
    match &outcome.opt_change {
        Some(OptChange::OptOut { keyword }) => {
            execute(db, OPT_OUT, &values![their_number, keyword, at])?;
        }
        Some(OptChange::OptIn) => {
            execute(db, OPT_IN, &values![their_number])?;
        }
        None => {}
    }
    if outcome.handoff.is_some() {
        execute(db, HANDOFF, &values![message.conversation_id, at])?;
    }
    if let Some(run) = &outcome.run {
        save_run(db, message.conversation_id, run, at)?;
    }
    execute(db, SUPERSEDE_DRAFTS, &values![message.conversation_id])?;
    if let Some(reply) = &outcome.reply {
        execute(
            db,
            insert_outbound!(),
            &values![
                Uuid::now_v7(),
                message.conversation_id,
                reply.author.as_str(),
                message.channel.as_str(),
                reply.body,
                reply.segments,
                reply.encoding,
                JsonText(Vec::<String>::new()),
                reply.workflow_id,
                reply.send_after,
                at,
                reply.language.map(Language::code),
                reply.status().as_str(),
                reply.draft_expires_at
            ],
        )?;
    }
    Ok(())
}

/// Stores the run's state, its ticket (once), its records (upserted) and what the person told
/// about themselves with their contact.
fn save_run(
    db: &Connection,
    conversation_id: Uuid,
    run: &RunUpdate,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    execute(
        db,
        UPSERT_RUN,
        &values![
            run.run_id,
            conversation_id,
            run.workflow_id,
            JsonText(&run.state),
            run.completed,
            at
        ],
    )?;
    if let Some(ticket) = &run.new_ticket {
        execute(
            db,
            INSERT_TICKET,
            &values![
                Uuid::now_v7(),
                ticket.number,
                run.run_id,
                conversation_id,
                run.workflow_id,
                ticket.priority.as_str(),
                ticket.summary,
                JsonText(&run.state.fields),
                at,
                ticket.notify.then_some("pending")
            ],
        )?;
    }
    for collection in &run.records {
        execute(
            db,
            UPSERT_RECORD,
            &values![
                Uuid::now_v7(),
                collection,
                run.run_id,
                conversation_id,
                run.workflow_id,
                run.phone,
                JsonText(&run.state.fields),
                at
            ],
        )?;
    }
    if run.learned.is_empty() {
        return Ok(());
    }
    let known = query(db, CONTACT_COLUMNS_KNOWN, &values![run.phone], |row| {
        let columns = Columns::of(row);
        Ok((
            [columns.get(0)?, columns.get(1)?, columns.get(2)?],
            columns.json::<BTreeMap<String, String>>(3)?,
        ))
    })?
    .into_iter()
    .next()
    .unwrap_or_default();
    let ([name, email, company], fields) = merge(known.0, known.1, &run.learned);
    execute(
        db,
        REMEMBER_CONTACT,
        &values![run.phone, name, email, company, JsonText(fields), at],
    )?;
    Ok(())
}

fn claim_outbound(
    db: &Connection,
    until: OffsetDateTime,
    at: OffsetDateTime,
    limit: usize,
) -> Result<Vec<OutboundJob>, StoreError> {
    // The claim writes even when it takes nothing (a statement journal, a table for what it
    // returns), and it often takes nothing: a sender woken after another took the reply. One
    // seek in the queue's index says whether any reply may be due.
    let due = query(db, REPLY_MAY_BE_DUE, &values![until, at], |_| Ok(()))?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let claim = outbound_claim(limit);
    let mut messages = query(db, &claim, &values![until, at], |row| {
        Message::try_from(message_row(&Columns::of(row))?)
    })?;
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    // RETURNING has no order: oldest first (the claim gave each the same next attempt, its
    // lease's end).
    messages.sort_by_key(|m| m.id);
    let ids: Vec<_> = messages
        .iter()
        .map(|m| SqlValue::value(&m.conversation_id))
        .collect();
    let conversations = query(db, &conversations_by_id_sql(ids.len()), &ids, |row| {
        Conversation::try_from(conversation_row(&Columns::of(row))?)
    })?
    .into_iter()
    .map(|c| (c.id, c))
    .collect();
    outbound_jobs(messages, conversations)
}

/// The outbound claim of up to `limit` messages: its limit is written into its text (see
/// `outbound_claim_sql`), so each limit is a text of its own, formatted once.
fn outbound_claim(limit: usize) -> Arc<str> {
    formatted_once("sqlite outbound claim", limit, || {
        outbound_claim_sql(OUTBOUND_QUEUE_INDEX, "", "", &limit.to_string())
    })
}

/// A row of `message_columns!()`.
fn message_row(c: &Columns<'_, '_>) -> Result<MessageRow, StoreError> {
    Ok(MessageRow {
        id: c.uuid(0)?,
        conversation_id: c.uuid(1)?,
        direction: c.get(2)?,
        author: c.get(3)?,
        channel: c.get(4)?,
        body: c.get(5)?,
        provider_id: c.get(6)?,
        status: c.get(7)?,
        error_code: c.get(8)?,
        error_message: c.get(9)?,
        segments: c.get(10)?,
        encoding: c.get(11)?,
        media_urls: Json(c.json(12)?),
        simulated: c.get(13)?,
        language: c.get(14)?,
        workflow_id: c.uuid_or_null(15)?,
        explanation: c.json_or_null(16)?.map(Json),
        attempts: c.get(17)?,
        next_attempt_at: c.time_or_null(18)?,
        created_at: c.time(19)?,
        updated_at: c.time(20)?,
    })
}

/// A row of `conversation_columns!()`.
fn conversation_row(c: &Columns<'_, '_>) -> Result<ConversationRow, StoreError> {
    Ok(ConversationRow {
        id: c.uuid(0)?,
        our_number: c.get(1)?,
        their_number: c.get(2)?,
        channel: c.get(3)?,
        status: c.get(4)?,
        active_workflow_id: c.uuid_or_null(5)?,
        active_workflow_at: c.time_or_null(6)?,
        run_completed: c.get(7)?,
        active_run_id: c.uuid_or_null(8)?,
        unread_count: c.get(9)?,
        last_read_at: c.time_or_null(10)?,
        last_message_at: c.time(11)?,
        created_at: c.time(12)?,
        language: c.get(13)?,
        needs_human_at: c.time_or_null(14)?,
        opted_out: c.get(15)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::StatementStatus;

    /// SQLite prepares a statement again whenever a value is bound to its LIMIT: the claim runs
    /// many times a second, so its limit is written into its text instead.
    #[tokio::test]
    async fn the_outbound_claim_is_prepared_once_not_at_every_call() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("claims.db");
        SqliteStore::open(&path).await.expect("the store opens");
        let db = Connection::open(&path).expect("the database opens");
        let at = now();
        for _ in 0..3 {
            claim_outbound(&db, at + time::Duration::seconds(60), at, 8).expect("a claim");
        }
        let claim = outbound_claim(8);
        assert!(Arc::ptr_eq(&claim, &outbound_claim(8)), "formatted once");
        let prepared_again = |sql: &str| {
            db.prepare_cached(sql)
                .expect("a cached statement")
                .get_status(StatementStatus::RePrepare)
        };
        assert_eq!(prepared_again(&claim), 0);
        // The same claim with its limit bound, as it was.
        let bound = outbound_claim_sql(OUTBOUND_QUEUE_INDEX, "", "", "$3");
        for _ in 0..3 {
            query(&db, &bound, &values![at, at, 8_i64], |_| Ok(())).expect("a claim");
        }
        assert!(prepared_again(&bound) > 0);
    }

    /// The inbound claim's two statements are formatted once per batch size, on both databases.
    #[test]
    fn the_inbound_claim_is_formatted_once() {
        for statements in [
            SqliteStore::inbound_claim_statements,
            crate::sql::PostgresStore::inbound_claim_statements,
        ] {
            let [claim, messages] = statements(64);
            let [again, messages_again] = statements(64);
            assert!(Arc::ptr_eq(&claim, &again) && Arc::ptr_eq(&messages, &messages_again));
            assert!(claim.contains("LIMIT 64") && messages.contains("$64)"));
            let [fewer, _] = statements(1);
            assert!(fewer.contains("LIMIT 1 "));
        }
    }
}
