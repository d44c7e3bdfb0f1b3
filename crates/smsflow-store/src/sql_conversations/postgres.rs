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

/// Locks the conversations `$1` (an array) in id order, then (the lock's count is a one-time
/// condition, evaluated first) does `SUPERSEDE_DRAFTS` for them.
const LOCK_AND_SUPERSEDE_DRAFTS: &str = "WITH locked AS \
     (SELECT id FROM conversations WHERE id = ANY($1) ORDER BY id FOR UPDATE) \
     DELETE FROM messages WHERE status = 'draft' AND conversation_id = ANY($1) \
     AND (SELECT COUNT(*) FROM locked) >= 0";

/// Records a batch of processed messages (`$1`, each the pending message of its conversation,
/// `$2`) and their conversations (locked already), arrays in step: the message's workflow `$3`,
/// explanation `$4`, language `$5` and attempts as claimed `$13`; the conversation's workflow
/// `$6` since `$7`, whether its run is completed `$8`, its run `$9`, whether a reply is queued
/// (activity at `$12`, now) `$10` and its confident language `$11`. Each conversation's next
/// pending message becomes claimable, untried, and its lease ends: one new version of the
/// conversation's row. Answers the conversations recorded, with their numbers: fewer than given
/// when a message was processed already. A row's values are found by its id's place in the
/// arrays, not by joining them as a table: the planner rescanned one side of such a join for
/// each row of the other (4,096 rows compared for a batch of 64), and each table is read by
/// `= ANY` of its ids alone, a lookup by primary key whatever the statistics.
const COMPLETE_ALL_INBOUND: &str = "WITH processed AS (UPDATE messages m SET status = 'processed', \
     workflow_id = ($3::uuid[])[array_position($1::uuid[], m.id)], explanation = ($4::jsonb[])[array_position($1::uuid[], m.id)], \
     language = ($5::text[])[array_position($1::uuid[], m.id)], attempts = ($13::bigint[])[array_position($1::uuid[], m.id)], updated_at = $12 \
     WHERE m.id = ANY($1) AND m.status = 'received' RETURNING m.conversation_id) \
     UPDATE conversations c SET active_workflow_id = ($6::uuid[])[array_position($2::uuid[], c.id)], \
     active_workflow_at = ($7::timestamptz[])[array_position($2::uuid[], c.id)], \
     run_completed = ($8::bool[])[array_position($2::uuid[], c.id)], active_run_id = ($9::uuid[])[array_position($2::uuid[], c.id)], \
     last_message_at = CASE WHEN ($10::bool[])[array_position($2::uuid[], c.id)] THEN $12 ELSE c.last_message_at END, \
     language = COALESCE(($11::text[])[array_position($2::uuid[], c.id)], c.language), \
     inbound_claimed_until = NULL, inbound_attempts = 0, \
     pending_inbound_id = (SELECT n.id FROM messages n WHERE n.conversation_id = c.id \
     AND n.direction = 'inbound' AND n.status = 'received' \
     AND n.id <> ($1::uuid[])[array_position($2::uuid[], c.id)] ORDER BY n.id LIMIT 1) \
     WHERE c.id = ANY(ARRAY(SELECT conversation_id FROM processed)) RETURNING c.id, c.their_number";

/// `UPSERT_RUN` for many runs, arrays in step (`$1` to `$5`), at `$6`. A batch holds one message
/// per conversation, so no run twice (ON CONFLICT cannot change a row twice in one statement).
const UPSERT_ALL_RUNS: &str = "INSERT INTO runs (id, conversation_id, workflow_id, state, completed, \
     created_at, updated_at) SELECT r.id, r.conversation_id, r.workflow_id, r.state, r.completed, $6, $6 \
     FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::jsonb[], $5::bool[]) \
     AS r(id, conversation_id, workflow_id, state, completed) \
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, completed = excluded.completed, \
     updated_at = excluded.updated_at";

/// `INSERT_OUTBOUND` for many messages, arrays in step (`$1` to `$12`), created at `$13`; up to
/// `$14` of them (oldest first) inserted claimed until `$15`, as `outbound_claim_sql` would claim
/// them: queued, due now, with no earlier unsent message in the conversation. Answers those, with
/// what sending needs, as the outbound claim does: each is then written once, not queued and
/// claimed in a transaction of its own. As in the claim, the check for an earlier unsent message
/// is fenced (`OFFSET 0`) so that it stays a lookup for each reply: made a join, it read every
/// unsent message once for each reply. Each claimed reply's conversation is looked up by its id.
const INSERT_ALL_OUTBOUND: &str = concat!(
    "WITH r AS (SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], \
     $11::text[], $6::bigint[], $7::text[], $8::uuid[], $9::timestamptz[], $10::text[], \
     $12::timestamptz[]) AS r(id, conversation_id, author, channel, body, status, segments, \
     encoding, workflow_id, next_attempt_at, language, draft_expires_at)), \
     claimed AS (SELECT r.id FROM r WHERE r.status = 'queued' AND r.next_attempt_at <= $13 \
     AND NOT EXISTS (SELECT 1 FROM messages e WHERE e.conversation_id = r.conversation_id AND e.",
    unsent!(),
    " AND e.attempts >= 0 AND e.id < r.id AND (e.next_attempt_at <= $13 OR e.attempts > 0) OFFSET 0) \
     ORDER BY r.id LIMIT $14), \
     inserted AS (INSERT INTO messages (id, conversation_id, direction, author, \
     channel, body, status, segments, encoding, media_urls, simulated, workflow_id, attempts, \
     next_attempt_at, locked_until, created_at, updated_at, language, draft_expires_at) \
     SELECT r.id, r.conversation_id, 'outbound', r.author, r.channel, r.body, \
     CASE WHEN l.id IS NULL THEN r.status ELSE 'sending' END, r.segments, r.encoding, '[]', FALSE, \
     r.workflow_id, CASE WHEN l.id IS NULL THEN 0 ELSE 1 END, \
     CASE WHEN l.id IS NULL THEN r.next_attempt_at ELSE $15 END, \
     CASE WHEN l.id IS NOT NULL THEN $15 END, $13, $13, r.language, r.draft_expires_at \
     FROM r LEFT JOIN claimed l ON l.id = r.id RETURNING ",
    message_columns!(),
    ") SELECT inserted.*, c.our_number, c.their_number, \
     EXISTS (SELECT 1 FROM opt_outs o WHERE o.number = c.their_number) AS opted_out \
     FROM inserted CROSS JOIN LATERAL (SELECT our_number, their_number FROM conversations \
     WHERE id = inserted.conversation_id OFFSET 0) c WHERE inserted.status = 'sending'"
);

/// A claimed outbound message with its conversation's numbers.
#[derive(sqlx::FromRow)]
struct OutboundJobRow {
    #[sqlx(flatten)]
    message: MessageRow,
    our_number: String,
    their_number: String,
    opted_out: bool,
}

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

    /// The statements that record a processed batch: its texts and conversations, then its
    /// replies. For the query-plan tests only.
    #[cfg(feature = "testing")]
    pub(crate) fn recording_statements() -> [&'static str; 2] {
        [COMPLETE_ALL_INBOUND, INSERT_ALL_OUTBOUND]
    }

    /// The outbound claim of up to `limit` messages (`$1` the lease's end, `$2` now) with what
    /// sending needs of each message's conversation, in one statement (the conversations found
    /// by `= ANY` of their ids: a primary-key lookup whatever the estimate), formatted once per
    /// limit (see `outbound_claim_sql`).
    pub(crate) fn outbound_claim_statement(limit: usize) -> Arc<str> {
        formatted_once("postgres outbound claim", limit, || {
            format!(
                "WITH claimed AS ({}) SELECT claimed.*, c.our_number, c.their_number, \
                 EXISTS (SELECT 1 FROM opt_outs o WHERE o.number = c.their_number) AS opted_out \
                 FROM claimed JOIN conversations c ON c.id = claimed.conversation_id \
                 WHERE c.id = ANY(ARRAY(SELECT conversation_id FROM claimed))",
                outbound_claim_sql("", "FOR UPDATE SKIP LOCKED", "OFFSET 0", &limit.to_string())
            )
        })
    }

    /// Stored with the other texts waiting meanwhile (`postgres_intake.rs`).
    pub(super) async fn record_inbound_routed(
        &self,
        sms: &InboundSms,
    ) -> Result<RecordedInbound, StoreError> {
        self.intake.record(sms).await
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
        let [_, read] = Self::inbound_claim_statements(conversations.len());
        let mut read = sqlx::query_as::<_, MessageRow>(sqlx::AssertSqlSafe(&*read));
        for row in &conversations {
            read = read.bind(row.pending_inbound_id);
        }
        let mut messages = read
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
                let mut message = messages.remove(&row.conversation.id)?;
                message.attempts = row.inbound_attempts;
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
        self.complete_inbound_claiming_replies(completed, time::Duration::ZERO, 0)
            .await
            .map(|_| ())
    }

    /// Records processed messages and claims up to `limit` of the replies queued with them,
    /// until `lease` from now (see `INSERT_ALL_OUTBOUND`).
    async fn complete_inbound_claiming_replies(
        &self,
        completed: &[(&Message, &InboundOutcome)],
        lease: time::Duration,
        limit: usize,
    ) -> Result<Vec<OutboundJob>, StoreError> {
        if completed.len() > 1 {
            match self
                .complete_inbound_together(completed, lease, limit)
                .await
            {
                Ok(Some(claimed)) => return Ok(claimed),
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, messages = completed.len(), "cannot record a batch of processed messages together; recording them one by one")
                }
            }
        }
        // One at a time: one message finished elsewhere, or failing, spoils no other.
        let mut claimed = Vec::new();
        for one in completed {
            let left = limit.saturating_sub(claimed.len());
            if let Some(replies) = self
                .complete_inbound_together(std::slice::from_ref(one), lease, left)
                .await?
            {
                claimed.extend(replies);
            }
        }
        Ok(claimed)
    }

    /// Records processed messages in one transaction, a statement for each step over the whole
    /// batch (arrays in step; the rows found by `= ANY` of their ids, a lookup by primary key
    /// whatever the statistics) and one for each run, opt change or hand-off, and answers the
    /// replies claimed with them (up to `limit`, until `lease` from now); none (and nothing
    /// recorded) when one of them was finished by another worker first (after this one's lease
    /// expired).
    async fn complete_inbound_together(
        &self,
        completed: &[(&Message, &InboundOutcome)],
        lease: time::Duration,
        limit: usize,
    ) -> Result<Option<Vec<OutboundJob>>, StoreError> {
        let at = now();
        let mut tx = self.write.begin_write().await?;
        // The conversations are locked first, in the order record_inbound takes them (the
        // other order deadlocks with a duplicate delivery arriving meanwhile), and in a
        // statement of their own: no message can then be stored in them that the next
        // statement's snapshot would miss. With them, before any reply is queued, a processed
        // message supersedes its conversation's drafts. (Should this deadlock with a draft
        // being approved, the batch is recorded again one message at a time.)
        let conversations: Vec<Uuid> = completed.iter().map(|(m, _)| m.conversation_id).collect();
        sqlx::query(LOCK_AND_SUPERSEDE_DRAFTS)
            .bind(&conversations)
            .execute(&mut *tx)
            .await?;
        let outcomes = completed.iter().map(|(_, outcome)| outcome);
        let processed: std::collections::HashMap<Uuid, String> =
            sqlx::query_as::<_, (Uuid, String)>(COMPLETE_ALL_INBOUND)
                .bind(completed.iter().map(|(m, _)| m.id).collect::<Vec<_>>())
                .bind(&conversations)
                .bind(outcomes.clone().map(|o| o.workflow_id).collect::<Vec<_>>())
                .bind(
                    outcomes
                        .clone()
                        .map(|o| Json(&o.explanation))
                        .collect::<Vec<_>>(),
                )
                .bind(
                    outcomes
                        .clone()
                        .map(|o| o.language.map(|detection| detection.language.code()))
                        .collect::<Vec<_>>(),
                )
                .bind(
                    outcomes
                        .clone()
                        .map(|o| o.active_workflow_id)
                        .collect::<Vec<_>>(),
                )
                .bind(
                    outcomes
                        .clone()
                        .map(|o| o.active_workflow_at)
                        .collect::<Vec<_>>(),
                )
                .bind(
                    outcomes
                        .clone()
                        .map(|o| o.run_completed)
                        .collect::<Vec<_>>(),
                )
                .bind(
                    outcomes
                        .clone()
                        .map(|o| o.active_run_id)
                        .collect::<Vec<_>>(),
                )
                .bind(
                    outcomes
                        .clone()
                        .map(|o| o.reply.is_some())
                        .collect::<Vec<_>>(),
                )
                .bind(outcomes.map(|o| confident_language(o)).collect::<Vec<_>>())
                .bind(at)
                .bind(
                    completed
                        .iter()
                        .map(|(m, _)| m.attempts)
                        .collect::<Vec<_>>(),
                )
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
        if processed.len() != completed.len() {
            tx.rollback().await?;
            return Ok(None);
        }
        let mut numbers = std::collections::BTreeSet::new();
        let mut replies = Vec::new();
        let mut runs = Vec::new();
        for (message, outcome) in completed {
            let their_number = &processed[&message.conversation_id];
            match &outcome.opt_change {
                Some(OptChange::OptOut { keyword }) => {
                    sqlx::query(OPT_OUT)
                        .bind(their_number)
                        .bind(keyword)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                }
                Some(OptChange::OptIn) => {
                    sqlx::query(OPT_IN)
                        .bind(their_number)
                        .execute(&mut *tx)
                        .await?;
                }
                None => {}
            }
            if let Some(run) = &outcome.run {
                runs.push((message.conversation_id, run));
            }
            if outcome.handoff.is_some() {
                Self::save_handoff(&mut tx, message.conversation_id, at).await?;
            }
            if let Some(reply) = &outcome.reply {
                replies.push((*message, reply));
            }
            numbers.insert(their_number.as_str());
        }
        Self::save_all_runs(&mut tx, &runs, at).await?;
        let claimed = Self::insert_all_outbound(&mut tx, &replies, at, at + lease, limit).await?;
        // Once for the batch, in the numbers' order (as every transaction that touches several).
        Self::touch_contacts(&mut tx, &numbers, at).await?;
        tx.commit().await?;
        Ok(Some(claimed))
    }

    /// Queues (or keeps as drafts) the replies to these messages, in one statement, claiming
    /// up to `limit` of them until `until` (see `INSERT_ALL_OUTBOUND`).
    async fn insert_all_outbound(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        replies: &[(&Message, &NewOutbound)],
        at: OffsetDateTime,
        until: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<OutboundJob>, StoreError> {
        if replies.is_empty() {
            return Ok(Vec::new());
        }
        let claimed = sqlx::query_as::<_, OutboundJobRow>(INSERT_ALL_OUTBOUND)
            .bind(replies.iter().map(|_| Uuid::now_v7()).collect::<Vec<_>>())
            .bind(
                replies
                    .iter()
                    .map(|(m, _)| m.conversation_id)
                    .collect::<Vec<_>>(),
            )
            .bind(
                replies
                    .iter()
                    .map(|(_, r)| r.author.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(
                replies
                    .iter()
                    .map(|(m, _)| m.channel.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(
                replies
                    .iter()
                    .map(|(_, r)| r.body.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(replies.iter().map(|(_, r)| r.segments).collect::<Vec<_>>())
            .bind(
                replies
                    .iter()
                    .map(|(_, r)| r.encoding.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(
                replies
                    .iter()
                    .map(|(_, r)| r.workflow_id)
                    .collect::<Vec<_>>(),
            )
            .bind(
                replies
                    .iter()
                    .map(|(_, r)| r.send_after)
                    .collect::<Vec<_>>(),
            )
            .bind(
                replies
                    .iter()
                    .map(|(_, r)| r.language.map(Language::code))
                    .collect::<Vec<_>>(),
            )
            .bind(
                replies
                    .iter()
                    .map(|(_, r)| r.status().as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(
                replies
                    .iter()
                    .map(|(_, r)| r.draft_expires_at)
                    .collect::<Vec<_>>(),
            )
            .bind(at)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(until)
            .fetch_all(&mut **tx)
            .await?;
        outbound_jobs(claimed)
    }

    /// Stores the runs' states (each run of its conversation, given by id) in one statement, then
    /// each run's ticket (once) and records (upserted).
    async fn save_all_runs(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        runs: &[(Uuid, &RunUpdate)],
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        if runs.is_empty() {
            return Ok(());
        }
        sqlx::query(UPSERT_ALL_RUNS)
            .bind(runs.iter().map(|(_, run)| run.run_id).collect::<Vec<_>>())
            .bind(runs.iter().map(|(id, _)| *id).collect::<Vec<_>>())
            .bind(
                runs.iter()
                    .map(|(_, run)| run.workflow_id)
                    .collect::<Vec<_>>(),
            )
            .bind(
                runs.iter()
                    .map(|(_, run)| Json(&run.state))
                    .collect::<Vec<_>>(),
            )
            .bind(
                runs.iter()
                    .map(|(_, run)| run.completed)
                    .collect::<Vec<_>>(),
            )
            .bind(at)
            .execute(&mut **tx)
            .await?;
        for (conversation_id, run) in runs {
            Self::save_run_effects(tx, *conversation_id, run, at).await?;
        }
        Ok(())
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

    /// One statement: the claim, with its conversations' numbers and opt-outs.
    pub(super) async fn claim_outbound_routed(
        &self,
        lease: time::Duration,
        limit: usize,
    ) -> Result<Vec<OutboundJob>, StoreError> {
        let at = now();
        let rows = sqlx::query_as::<_, OutboundJobRow>(sqlx::AssertSqlSafe(
            &*Self::outbound_claim_statement(limit),
        ))
        .bind(at + lease)
        .bind(at)
        .fetch_all(&self.write)
        .await?;
        outbound_jobs(rows)
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
        Ok(select
            .fetch_all(&self.read)
            .await?
            .into_iter()
            .filter(|(_, replies)| *replies > 0)
            .collect())
    }

    /// Records the batch with the replies it claims, then claims the next inbound batch apart, as
    /// a worker did before claiming again (see `ConversationStore::complete_inbound_and_claim`).
    pub(super) async fn complete_inbound_and_claim_routed(
        &self,
        completed: Vec<(&Message, InboundOutcome)>,
        next: ClaimNext,
    ) -> Result<ClaimedNext, StoreError> {
        let completed: Vec<(&Message, &InboundOutcome)> = completed
            .iter()
            .map(|(message, outcome)| (*message, outcome))
            .collect();
        let outbound = self
            .complete_inbound_claiming_replies(&completed, next.lease, next.outbound)
            .await?;
        let inbound = match next.inbound {
            0 => Vec::new(),
            limit => self.claim_inbound_routed(next.lease, limit).await?,
        };
        Ok(ClaimedNext { inbound, outbound })
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

/// Claimed outbound messages as jobs, oldest first (RETURNING has no order; a claim gives each the
/// same next attempt, its lease's end).
fn outbound_jobs(rows: Vec<OutboundJobRow>) -> Result<Vec<OutboundJob>, StoreError> {
    let mut jobs = rows
        .into_iter()
        .map(|row| {
            Ok(OutboundJob {
                message: Message::try_from(row.message)?,
                our_number: row.our_number,
                their_number: row.their_number,
                opted_out: row.opted_out,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    jobs.sort_by_key(|job| job.message.id);
    Ok(jobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A webhook's text is stored while the pipeline holds every connection of its pool (a
    /// burst's claims and records): sharing one pool, the store waited for one of them.
    #[tokio::test]
    async fn a_text_is_stored_while_the_pipeline_holds_every_connection() {
        let Some(database) = crate::testing::postgres().await else {
            return;
        };
        let store = PostgresStore::connect(&database.url)
            .await
            .expect("the test database opens");
        let mut held = Vec::new();
        for _ in 0..store.write.options().get_max_connections() {
            held.push(store.write.acquire().await.expect("a pipeline connection"));
        }
        let sms = InboundSms {
            channel: Channel::Twilio,
            our_number: "+15550009999".into(),
            their_number: "+15550001111".into(),
            body: "hello".into(),
            provider_id: Some("SM-intake".into()),
            media_urls: vec![],
            simulated: false,
        };
        let stored = store.record_inbound_routed(&sms).await.expect("stored");
        let again = store.record_inbound_routed(&sms).await.expect("found");
        assert!(!stored.duplicate && again.duplicate);
        assert_eq!(again.message_id, stored.message_id);
        drop(held);
        let message = store.get_message(stored.message_id).await.expect("stored");
        assert_eq!(message.status, MessageStatus::Received);
    }
}
