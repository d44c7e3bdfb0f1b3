//! PostgreSQL's intake: the webhooks' inbound texts stored in batches, one statement and one
//! commit for every text waiting, as SQLite's writer groups its units. Stored one statement and
//! one commit each, a burst's texts took the database's CPU (without fsync) or its disk's syncs
//! (with) from the pipeline's claims and records while they arrived (docs/benchmarks.md, session
//! 32).
//!
//! Whoever stores a text queues it and, when no runner is writing, or a whole batch waits while
//! fewer than `RUNNERS` are, starts one: a task (so that a webhook dropped mid-batch cancels
//! nobody's store) that writes what is waiting, batch after batch, until nothing is. One runner
//! while its next batch can take every text waiting: texts split among runners made smaller
//! batches, and each statement and commit costs the database about as much whatever its size
//! (at 4 requests in flight, a third of what storing a text cost it; docs/benchmarks.md,
//! session 44). More when a whole batch waits, so that a slow disk's commits do not hold texts
//! back. A batch holds at most one text per conversation, so that its upsert changes each
//! conversation once; the others wait for the next. A batch that fails (a retried delivery's
//! provider id stored already, a deadlock) is written again one text at a time, so each caller
//! gets its own answer.

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::types::Json;
use sqlx::{PgPool, Postgres};
use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use uuid::Uuid;

use super::FIND_INBOUND;
use crate::StoreError;
use crate::conversations::{InboundSms, RecordedInbound};
use crate::sql::now;

/// Batches written at once at most, each on a connection of the intake's own: a burst's texts
/// never wait for the pipeline's connections, nor the pipeline for theirs.
const RUNNERS: usize = 4;

/// At most this many texts in one batch.
const BATCH_MAX: usize = 64;

/// The texts of a batch and their conversations, arrays in step (`$1` to `$11`), stored at
/// `$12`: the conversations upserted in the order of their numbers (every batch locks them in
/// the same order, so two batches never wait for each other's), then the messages. Answers each
/// message's id and conversation's id. A provider id stored before fails the whole statement.
const RECORD_ALL_INBOUND: &str = "WITH texts AS (SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], \
     $5::uuid[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::jsonb[], $11::bool[]) \
     AS t(conversation_id, our_number, their_number, channel, message_id, body, provider_id, \
     segments, encoding, media_urls, simulated)), \
     conversation AS (INSERT INTO conversations (id, our_number, their_number, channel, status, \
     run_completed, unread_count, last_message_at, created_at, pending_inbound_id) \
     SELECT conversation_id, our_number, their_number, channel, 'agent', FALSE, 1, $12, $12, \
     message_id FROM texts ORDER BY our_number, their_number \
     ON CONFLICT (our_number, their_number) DO UPDATE SET \
     last_message_at = excluded.last_message_at, channel = excluded.channel, \
     unread_count = conversations.unread_count + 1, \
     pending_inbound_id = COALESCE(conversations.pending_inbound_id, excluded.pending_inbound_id) \
     RETURNING id, our_number, their_number) \
     INSERT INTO messages (id, conversation_id, direction, author, channel, body, provider_id, \
     status, segments, encoding, media_urls, simulated, attempts, created_at, updated_at) \
     SELECT t.message_id, c.id, 'inbound', 'contact', t.channel, t.body, t.provider_id, \
     'received', t.segments, t.encoding, t.media_urls, t.simulated, 0, $12, $12 \
     FROM texts t JOIN conversation c \
     ON c.our_number = t.our_number AND c.their_number = t.their_number \
     RETURNING id, conversation_id";

/// A text waiting to be stored, and who waits for the answer.
struct Waiting {
    sms: InboundSms,
    message_id: Uuid,
    answer: oneshot::Sender<Result<RecordedInbound, StoreError>>,
}

pub(crate) struct Intake {
    pool: PgPool,
    waiting: Mutex<VecDeque<Waiting>>,
    runners: Arc<Semaphore>,
}

impl Intake {
    /// Stores through connections of its own to `options`' database, opened on the first text,
    /// so a process that stores none (the CLI) opens none.
    pub(crate) fn connect_lazy(options: PgConnectOptions) -> Arc<Self> {
        Arc::new(Intake {
            pool: PgPoolOptions::new()
                .max_connections(RUNNERS as u32)
                .acquire_timeout(std::time::Duration::from_secs(10))
                .connect_lazy_with(options),
            waiting: Mutex::default(),
            runners: Arc::new(Semaphore::new(RUNNERS)),
        })
    }

    /// Stores `sms` with the texts waiting meanwhile; answers once it is committed (or found
    /// stored before: a retried delivery).
    pub(crate) async fn record(
        self: &Arc<Self>,
        sms: &InboundSms,
    ) -> Result<RecordedInbound, StoreError> {
        let (answer, answered) = oneshot::channel();
        let waiting = {
            let mut waiting = self.waiting_texts();
            waiting.push_back(Waiting {
                sms: sms.clone(),
                message_id: Uuid::now_v7(),
                answer,
            });
            waiting.len()
        };
        if (self.writing() == 0 || waiting >= BATCH_MAX)
            && let Ok(permit) = Arc::clone(&self.runners).try_acquire_owned()
        {
            tokio::spawn(Arc::clone(self).run(permit));
        }
        answered
            .await
            .map_err(|_| StoreError::Writer("the intake's task stopped".to_string()))?
    }

    /// The runners writing now.
    fn writing(&self) -> usize {
        RUNNERS - self.runners.available_permits()
    }

    fn waiting_texts(&self) -> std::sync::MutexGuard<'_, VecDeque<Waiting>> {
        // Nothing panics while holding it; were it poisoned, the queue is still whole.
        self.waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes batches until none waits. A text queued after the last batch was taken, while
    /// every runner was busy, started none: the runner looks again once its permit is back.
    async fn run(self: Arc<Self>, mut permit: OwnedSemaphorePermit) {
        loop {
            loop {
                let batch = self.next_batch();
                if batch.is_empty() {
                    break;
                }
                self.write(batch).await;
            }
            drop(permit);
            if self.waiting_texts().is_empty() {
                return;
            }
            match Arc::clone(&self.runners).try_acquire_owned() {
                Ok(again) => permit = again,
                Err(_) => return,
            }
        }
    }

    /// The texts waiting longest, at most one per conversation, sorted by their numbers.
    fn next_batch(&self) -> Vec<Waiting> {
        let mut waiting = self.waiting_texts();
        let mut conversations = HashSet::new();
        let mut batch = Vec::new();
        let mut later = VecDeque::new();
        while batch.len() < BATCH_MAX {
            let Some(text) = waiting.pop_front() else {
                break;
            };
            if conversations.insert((text.sms.our_number.clone(), text.sms.their_number.clone())) {
                batch.push(text);
            } else {
                later.push_back(text);
            }
        }
        later.append(&mut waiting);
        *waiting = later;
        batch.sort_by(|a, b| {
            (&a.sms.our_number, &a.sms.their_number).cmp(&(&b.sms.our_number, &b.sms.their_number))
        });
        batch
    }

    /// Writes `batch` in one statement, or its texts one by one when that fails, and answers
    /// each text's caller.
    async fn write(&self, batch: Vec<Waiting>) {
        let mut connection = match self.pool.acquire().await {
            Ok(connection) => connection,
            Err(error) => {
                let reason = format!("no connection to the database: {error}");
                for text in batch {
                    let _ = text.answer.send(Err(StoreError::Writer(reason.clone())));
                }
                return;
            }
        };
        if batch.len() > 1 {
            match store_all(&mut connection, &batch).await {
                Ok(conversations) => {
                    for (text, conversation_id) in batch.into_iter().zip(conversations) {
                        let _ = text.answer.send(Ok(RecordedInbound {
                            message_id: text.message_id,
                            conversation_id,
                            duplicate: false,
                        }));
                    }
                    return;
                }
                Err(error) => {
                    tracing::debug!(%error, texts = batch.len(), "cannot store a batch of inbound texts together; storing them one by one")
                }
            }
        }
        for text in batch {
            let stored = store_alone(&mut connection, &text).await;
            let _ = text.answer.send(stored);
        }
    }
}

/// Stores the batch; answers each text's conversation, in the batch's order.
async fn store_all(
    connection: &mut PoolConnection<Postgres>,
    batch: &[Waiting],
) -> Result<Vec<Uuid>, sqlx::Error> {
    let texts = || batch.iter().map(|text| &text.sms);
    let segments: Vec<_> = texts()
        .map(|sms| smsflow_core::sms::segment_info(&sms.body))
        .collect();
    let stored: std::collections::HashMap<Uuid, Uuid> = sqlx::query_as(RECORD_ALL_INBOUND)
        .bind(texts().map(|_| Uuid::now_v7()).collect::<Vec<_>>())
        .bind(
            texts()
                .map(|sms| sms.our_number.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            texts()
                .map(|sms| sms.their_number.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(texts().map(|sms| sms.channel.as_str()).collect::<Vec<_>>())
        .bind(batch.iter().map(|text| text.message_id).collect::<Vec<_>>())
        .bind(texts().map(|sms| sms.body.as_str()).collect::<Vec<_>>())
        .bind(
            texts()
                .map(|sms| sms.provider_id.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(
            segments
                .iter()
                .map(|info| info.segments as i64)
                .collect::<Vec<_>>(),
        )
        .bind(
            segments
                .iter()
                .map(|info| info.encoding.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(texts().map(|sms| Json(&sms.media_urls)).collect::<Vec<_>>())
        .bind(texts().map(|sms| sms.simulated).collect::<Vec<_>>())
        .bind(now())
        .fetch_all(&mut **connection)
        .await?
        .into_iter()
        .collect();
    batch
        .iter()
        .map(|text| {
            stored.get(&text.message_id).copied().ok_or_else(|| {
                sqlx::Error::Protocol("a stored text's conversation was not answered".into())
            })
        })
        .collect()
}

/// Stores one text, or finds it stored before (its provider id repeated: a retried delivery).
/// The lookup runs on the same connection: sqlx answers a failed statement before the server
/// has rolled it back, and until then its lock on the conversation would make claims skip it.
async fn store_alone(
    connection: &mut PoolConnection<Postgres>,
    text: &Waiting,
) -> Result<RecordedInbound, StoreError> {
    match store_all(connection, std::slice::from_ref(text)).await {
        Ok(conversations) => Ok(RecordedInbound {
            message_id: text.message_id,
            conversation_id: conversations[0],
            duplicate: false,
        }),
        Err(sqlx::Error::Database(error))
            if error.constraint() == Some("messages_inbound_provider_id") =>
        {
            let (message_id, conversation_id): (Uuid, Uuid) = sqlx::query_as(FIND_INBOUND)
                .bind(text.sms.channel.as_str())
                .bind(&text.sms.provider_id)
                .fetch_one(&mut **connection)
                .await?;
            Ok(RecordedInbound {
                message_id,
                conversation_id,
                duplicate: true,
            })
        }
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversations::Channel;
    use crate::conversations::ConversationStore;
    use std::collections::HashMap;

    fn text(from: usize, provider_id: &str) -> InboundSms {
        InboundSms {
            channel: Channel::Twilio,
            our_number: "+15550009999".into(),
            their_number: format!("+1555000{from:04}"),
            body: format!("text {provider_id}"),
            provider_id: Some(provider_id.into()),
            media_urls: vec![],
            simulated: false,
        }
    }

    /// Waits until `runners` runners write and `queued` texts wait behind them.
    async fn until(intake: &Intake, runners: usize, queued: usize) {
        let mut seen = (0, 0);
        for _ in 0..500 {
            seen = (intake.writing(), intake.waiting_texts().len());
            if seen == (runners, queued) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let (running, waiting) = seen;
        panic!("{running} runners write and {waiting} texts wait, not {runners} and {queued}");
    }

    /// One runner writes while its next batch can take every text waiting; a second starts
    /// once a whole batch waits. The runners are held by a lock on the conversations, so the
    /// texts queue behind them; once it is released, each text is stored once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_runner_starts_only_when_a_whole_batch_waits() {
        let Some(database) = crate::testing::postgres().await else {
            return;
        };
        let store = Arc::new(
            crate::sql::PostgresStore::connect(&database.url)
                .await
                .expect("the test database opens"),
        );
        let intake = Arc::clone(&store.intake);
        let pool = database.postgres_pool().await;
        let mut lock = pool.begin().await.expect("a transaction of the test's own");
        sqlx::query("LOCK TABLE conversations IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *lock)
            .await
            .expect("locks the conversations against writes");
        let store_from = |people: std::ops::Range<usize>| {
            people
                .map(|from| {
                    let store = Arc::clone(&store);
                    let sms = text(from, &format!("SM{from}"));
                    tokio::spawn(async move { store.record_inbound(&sms).await })
                })
                .collect::<Vec<_>>()
        };
        // A first text: a runner takes it, and waits for the lock.
        let mut stores = store_from(0..1);
        until(&intake, 1, 0).await;
        // Fewer texts than a batch takes: they wait for that runner.
        stores.extend(store_from(1..BATCH_MAX));
        until(&intake, 1, BATCH_MAX - 1).await;
        // A whole batch waits: a second runner takes it.
        stores.extend(store_from(BATCH_MAX..BATCH_MAX + 1));
        until(&intake, 2, 0).await;

        lock.commit().await.expect("the lock is released");
        let mut stored = HashSet::new();
        for store in stores {
            let answer = store.await.expect("no panic").expect("stored");
            assert!(!answer.duplicate);
            stored.insert(answer.conversation_id);
        }
        assert_eq!(stored.len(), BATCH_MAX + 1);
    }

    /// A burst stored at once, batched: three texts from each of 60 people, and a retry of
    /// every third text among them. Each text is stored once, its retries answer its message as
    /// a duplicate, and each conversation holds and counts its three.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_with_retries_is_stored_once_each() {
        let Some(database) = crate::testing::postgres().await else {
            return;
        };
        let store = crate::sql::PostgresStore::connect(&database.url)
            .await
            .expect("the test database opens");
        let store = Arc::new(store);
        let mut deliveries = Vec::new();
        for round in 0..3 {
            for from in 0..60 {
                deliveries.push(text(from, &format!("SM{from}-{round}")));
                if (from + round) % 3 == 0 {
                    deliveries.push(text(from, &format!("SM{from}-{round}")));
                }
            }
        }
        let stores: Vec<_> = deliveries
            .iter()
            .map(|sms| {
                let (store, sms) = (Arc::clone(&store), sms.clone());
                tokio::spawn(async move { store.record_inbound(&sms).await })
            })
            .collect();
        let mut answers = Vec::new();
        for stored in stores {
            answers.push(stored.await.expect("no panic").expect("stored"));
        }

        let mut by_provider_id: HashMap<&str, Vec<&RecordedInbound>> = HashMap::new();
        for (sms, answer) in deliveries.iter().zip(&answers) {
            let provider_id = sms.provider_id.as_deref().expect("a provider id");
            by_provider_id.entry(provider_id).or_default().push(answer);
        }
        assert_eq!(by_provider_id.len(), 180);
        for (provider_id, answers) in &by_provider_id {
            let stored = answers.iter().filter(|answer| !answer.duplicate).count();
            assert_eq!(stored, 1, "{provider_id} stored {stored} times");
            assert!(
                answers
                    .iter()
                    .all(|answer| answer.message_id == answers[0].message_id),
                "{provider_id}'s retry answered another message"
            );
        }
        let conversations: HashSet<Uuid> = answers.iter().map(|a| a.conversation_id).collect();
        assert_eq!(conversations.len(), 60);
        for conversation_id in conversations {
            let conversation = store.get_conversation(conversation_id).await.expect("kept");
            assert_eq!(conversation.unread_count, 3);
            let messages = store
                .conversation_messages(conversation_id)
                .await
                .expect("its messages");
            assert_eq!(messages.len(), 3);
        }
    }
}
