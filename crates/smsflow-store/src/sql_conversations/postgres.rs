//! The message pipeline's units of work on PostgreSQL, with sqlx: many connections, so each
//! unit is a transaction of its own and workers on several processes claim with SKIP LOCKED.

use sqlx::types::Json;
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

use super::*;

/// `MARK_SENT` for a batch: `$1` the ids, `$2` the statuses, `$3` the gateway's ids, `$4` the
/// attempts the marks are for (arrays in step), `$5` now. A mark whose claim was lost meanwhile
/// changes nothing, as one alone.
const MARK_ALL_SENT: &str = "UPDATE messages SET status = s.status, provider_id = s.provider_id, \
     locked_until = NULL, next_attempt_at = NULL, error_message = NULL, updated_at = $5, sent_at = $5 \
     FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::bigint[]) AS s(id, status, provider_id, attempt) \
     WHERE messages.id = s.id AND messages.status = 'sending' AND messages.attempts = s.attempt";

/// `SUPERSEDE_DRAFTS` for the conversations `$1` (an array).
const SUPERSEDE_ALL_DRAFTS: &str =
    "DELETE FROM messages WHERE status = 'draft' AND conversation_id = ANY($1)";

static OUTBOUND_CLAIM: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| outbound_claim_sql("", "FOR UPDATE SKIP LOCKED", "$3"));

impl PostgresStore {
    /// The two statements that claim up to `limit` inbound messages (the second for `limit`
    /// conversations claimed), each formatted once.
    pub(crate) fn inbound_claim_statements(limit: usize) -> [Arc<str>; 2] {
        [
            formatted_once("postgres inbound claim", limit, || {
                inbound_claim_sql("", "FOR UPDATE SKIP LOCKED", limit)
            }),
            formatted_once("inbound claim messages", limit, || {
                inbound_claim_messages_sql(limit)
            }),
        ]
    }

    /// One inbound message in its own transaction.
    pub(super) async fn record_inbound_routed(
        &self,
        sms: &InboundSms,
    ) -> Result<RecordedInbound, StoreError> {
        let at = now();
        let message_id = Uuid::now_v7();
        let mut tx = self.write.begin_write().await?;
        let conversation_id: Uuid = sqlx::query_scalar(UPSERT_INBOUND_CONVERSATION)
            .bind(Uuid::now_v7())
            .bind(&sms.our_number)
            .bind(&sms.their_number)
            .bind(sms.channel.as_str())
            .bind(at)
            .bind(message_id)
            .fetch_one(&mut *tx)
            .await?;
        let info = smsflow_core::sms::segment_info(&sms.body);
        let inserted: Option<Uuid> = sqlx::query_scalar(INSERT_INBOUND_MESSAGE)
            .bind(message_id)
            .bind(conversation_id)
            .bind(sms.channel.as_str())
            .bind(&sms.body)
            .bind(&sms.provider_id)
            .bind(info.segments as i64)
            .bind(info.encoding.as_str())
            .bind(Json(&sms.media_urls))
            .bind(sms.simulated)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
        if inserted.is_some() {
            tx.commit().await?;
            return Ok(RecordedInbound {
                message_id,
                conversation_id,
                duplicate: false,
            });
        }
        // A retry of a message already stored: change nothing (nor the pending message).
        tx.rollback().await?;
        let (message_id, conversation_id): (Uuid, Uuid) = sqlx::query_as(FIND_INBOUND)
            .bind(sms.channel.as_str())
            .bind(&sms.provider_id)
            .fetch_one(&self.write)
            .await?;
        Ok(RecordedInbound {
            message_id,
            conversation_id,
            duplicate: true,
        })
    }

    pub(super) async fn claim_inbound_routed(
        &self,
        lease: time::Duration,
        limit: usize,
    ) -> Result<Vec<(Message, Conversation)>, StoreError> {
        let at = now();
        let [claim, _] = Self::inbound_claim_statements(limit);
        let conversations =
            sqlx::query_as::<_, ClaimedConversationRow>(sqlx::AssertSqlSafe(&*claim))
                .bind(at + lease)
                .bind(at)
                .fetch_all(&self.write)
                .await?;
        if conversations.is_empty() {
            return Ok(Vec::new());
        }
        let [_, bump] = Self::inbound_claim_statements(conversations.len());
        let mut bump = sqlx::query_as::<_, MessageRow>(sqlx::AssertSqlSafe(&*bump));
        for row in &conversations {
            bump = bump.bind(row.pending_inbound_id);
        }
        let mut messages = bump
            .fetch_all(&self.write)
            .await?
            .into_iter()
            .map(|row| Message::try_from(row).map(|m| (m.conversation_id, m)))
            .filter(|m| !matches!(m, Ok((_, m)) if m.status != MessageStatus::Received))
            .collect::<Result<std::collections::HashMap<_, _>, _>>()?;
        // A message processed already was finished by a worker whose lease had run out,
        // between the two statements; that worker's completion lifted this lease too.
        let mut claimed = conversations
            .into_iter()
            .filter_map(|row| {
                let message = messages.remove(&row.conversation.id)?;
                Some(Conversation::try_from(row.conversation).map(|c| (message, c)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // RETURNING has no order.
        claimed.sort_by_key(|(m, _)| m.id);
        Ok(claimed)
    }

    pub(super) async fn complete_inbound_routed(
        &self,
        completed: &[(&Message, &InboundOutcome)],
    ) -> Result<(), StoreError> {
        if completed.len() > 1 {
            match self.complete_inbound_together(completed).await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(error) => {
                    tracing::warn!(%error, messages = completed.len(), "cannot record a batch of processed messages together; recording them one by one")
                }
            }
        }
        // One at a time: one message finished elsewhere, or failing, spoils no other.
        for one in completed {
            self.complete_inbound_together(std::slice::from_ref(one))
                .await?;
        }
        Ok(())
    }

    /// Records processed messages in one transaction, a few statements each (the planner may
    /// scan the messages for a multi-row UPDATE ... FROM VALUES); false (and nothing recorded)
    /// when one of them was finished by another worker first (after this one's lease expired).
    async fn complete_inbound_together(
        &self,
        completed: &[(&Message, &InboundOutcome)],
    ) -> Result<bool, StoreError> {
        let at = now();
        let mut tx = self.write.begin_write().await?;
        // Once for the batch (one message per conversation), before any reply is queued: a
        // processed message supersedes its conversation's drafts. (Should this deadlock with a
        // draft being approved, the batch is recorded again one message at a time.)
        let conversations: Vec<Uuid> = completed.iter().map(|(m, _)| m.conversation_id).collect();
        sqlx::query(SUPERSEDE_ALL_DRAFTS)
            .bind(&conversations)
            .execute(&mut *tx)
            .await?;
        let mut numbers = std::collections::BTreeSet::new();
        for (message, outcome) in completed {
            // Lock the conversation before the message, in the order record_inbound takes
            // them: the other order deadlocks with a duplicate delivery arriving meanwhile.
            let their_number: String = sqlx::query_scalar(
                "UPDATE conversations SET active_workflow_id = $2, active_workflow_at = $3, \
                 run_completed = $4, active_run_id = $5, last_message_at = COALESCE($6, last_message_at), \
                 language = COALESCE($7, language) WHERE id = $1 RETURNING their_number",
            )
            .bind(message.conversation_id)
            .bind(outcome.active_workflow_id)
            .bind(outcome.active_workflow_at)
            .bind(outcome.run_completed)
            .bind(outcome.active_run_id)
            .bind(outcome.reply.as_ref().map(|_| at))
            .bind(confident_language(outcome))
            .fetch_one(&mut *tx)
            .await?;
            // The conversation's next pending message becomes claimable and the lease
            // ends. Its row is locked (above), so no message can be stored meanwhile that
            // this statement's snapshot would miss. (PostgreSQL: a WITH that writes.)
            let processed = sqlx::query(
                "WITH processed AS (UPDATE messages SET status = 'processed', workflow_id = $2, \
                 explanation = $3, updated_at = $4, language = $5 WHERE id = $1 AND status = 'received' \
                 RETURNING id, conversation_id) \
                 UPDATE conversations SET inbound_claimed_until = NULL, pending_inbound_id = \
                 (SELECT m.id FROM messages m WHERE m.conversation_id = processed.conversation_id \
                 AND m.direction = 'inbound' AND m.status = 'received' AND m.id <> processed.id \
                 ORDER BY m.id LIMIT 1) \
                 FROM processed WHERE conversations.id = processed.conversation_id",
            )
            .bind(message.id)
            .bind(outcome.workflow_id)
            .bind(Json(&outcome.explanation))
            .bind(at)
            .bind(outcome.language.map(|detection| detection.language.code()))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if processed == 0 {
                tx.rollback().await?;
                return Ok(false);
            }
            match &outcome.opt_change {
                Some(OptChange::OptOut { keyword }) => {
                    sqlx::query(OPT_OUT)
                        .bind(&their_number)
                        .bind(keyword)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                }
                Some(OptChange::OptIn) => {
                    sqlx::query(OPT_IN)
                        .bind(&their_number)
                        .execute(&mut *tx)
                        .await?;
                }
                None => {}
            }
            if let Some(run) = &outcome.run {
                Self::save_run(&mut tx, message.conversation_id, run, at).await?;
            }
            if outcome.handoff.is_some() {
                Self::save_handoff(&mut tx, message.conversation_id, at).await?;
            }
            if let Some(reply) = &outcome.reply {
                Self::insert_outbound_row(
                    &mut tx,
                    message.conversation_id,
                    message.channel.as_str(),
                    reply,
                    at,
                )
                .await?;
            }
            numbers.insert(their_number);
        }
        // Once for the batch, in the numbers' order (as every transaction that touches several).
        Self::touch_contacts(&mut tx, &numbers.iter().map(String::as_str).collect(), at).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Stores the run's state, its ticket (once) and its records (upserted).
    async fn save_run(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        conversation_id: Uuid,
        run: &RunUpdate,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query(UPSERT_RUN)
            .bind(run.run_id)
            .bind(conversation_id)
            .bind(run.workflow_id)
            .bind(Json(&run.state))
            .bind(run.completed)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        Self::save_run_effects(tx, conversation_id, run, at).await
    }

    /// The ticket and records a run's steps made, after the run is saved.
    async fn save_run_effects(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        conversation_id: Uuid,
        run: &RunUpdate,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if let Some(ticket) = &run.new_ticket {
            sqlx::query(INSERT_TICKET)
                .bind(Uuid::now_v7())
                .bind(&ticket.number)
                .bind(run.run_id)
                .bind(conversation_id)
                .bind(run.workflow_id)
                .bind(ticket.priority.as_str())
                .bind(&ticket.summary)
                .bind(Json(&run.state.fields))
                .bind(at)
                .bind(ticket.notify.then_some("pending"))
                .execute(&mut **tx)
                .await?;
        }
        for collection in &run.records {
            sqlx::query(UPSERT_RECORD)
                .bind(Uuid::now_v7())
                .bind(collection)
                .bind(run.run_id)
                .bind(conversation_id)
                .bind(run.workflow_id)
                .bind(&run.phone)
                .bind(Json(&run.state.fields))
                .bind(at)
                .execute(&mut **tx)
                .await?;
        }
        Self::remember_contact(tx, &run.phone, &run.learned, at).await
    }

    pub(super) async fn claim_outbound_routed(
        &self,
        lease: time::Duration,
        limit: usize,
    ) -> Result<Vec<OutboundJob>, StoreError> {
        let at = now();
        let rows = sqlx::query_as::<_, MessageRow>(sqlx::AssertSqlSafe(OUTBOUND_CLAIM.as_str()))
            .bind(at + lease)
            .bind(at)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.write)
            .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut messages = rows
            .into_iter()
            .map(Message::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        // RETURNING has no order: soonest due first.
        messages.sort_by_key(|m| (m.next_attempt_at, m.id));
        let mut select = sqlx::query_as::<_, ConversationRow>(sqlx::AssertSqlSafe(
            conversations_by_id_sql(messages.len()),
        ));
        for message in &messages {
            select = select.bind(message.conversation_id);
        }
        let conversations = select
            .fetch_all(&self.write)
            .await?
            .into_iter()
            .map(|row| Conversation::try_from(row).map(|c| (c.id, c)))
            .collect::<Result<_, _>>()?;
        outbound_jobs(messages, conversations)
    }

    pub(super) async fn automatic_replies_routed(
        &self,
        numbers: &[&str],
        since: OffsetDateTime,
    ) -> Result<std::collections::HashMap<String, i64>, StoreError> {
        let mut select = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(
            automatic_replies_sql(numbers.len()),
        ))
        .bind(since);
        for number in numbers {
            select = select.bind(*number);
        }
        Ok(select.fetch_all(&self.read).await?.into_iter().collect())
    }

    /// Records the batch, then claims the next inbound batch apart, as a worker did before
    /// claiming again; claims no outbound message (see
    /// `ConversationStore::complete_inbound_and_claim`).
    pub(super) async fn complete_inbound_and_claim_routed(
        &self,
        completed: &[(&Message, &InboundOutcome)],
        next: ClaimNext,
    ) -> Result<ClaimedNext, StoreError> {
        self.complete_inbound_routed(completed).await?;
        let inbound = match next.inbound {
            0 => Vec::new(),
            limit => self.claim_inbound_routed(next.lease, limit).await?,
        };
        Ok(ClaimedNext {
            inbound,
            outbound: Vec::new(),
        })
    }

    /// One statement (and one commit) for the whole batch, where each mark was a transaction
    /// of its own; claims nothing (see `ConversationStore::mark_all_sent_and_claim`).
    pub(super) async fn mark_all_sent_and_claim_routed(
        &self,
        sent: &[SentMark],
        _lease: time::Duration,
        _limit: usize,
    ) -> Result<Vec<OutboundJob>, StoreError> {
        if sent.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = sent.iter().map(|mark| mark.message_id).collect();
        let statuses: Vec<&str> = sent.iter().map(|mark| mark.status.as_str()).collect();
        let provider_ids: Vec<Option<&str>> = sent
            .iter()
            .map(|mark| mark.provider_id.as_deref())
            .collect();
        let attempts: Vec<i64> = sent.iter().map(|mark| mark.attempt).collect();
        sqlx::query(MARK_ALL_SENT)
            .bind(ids)
            .bind(statuses)
            .bind(provider_ids)
            .bind(attempts)
            .bind(now())
            .execute(&self.write)
            .await?;
        Ok(Vec::new())
    }

    pub(super) async fn mark_sent_routed(
        &self,
        message_id: Uuid,
        attempt: i64,
        provider_id: Option<&str>,
        status: MessageStatus,
    ) -> Result<(), StoreError> {
        sqlx::query(MARK_SENT)
            .bind(message_id)
            .bind(status.as_str())
            .bind(provider_id)
            .bind(now())
            .bind(attempt)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
