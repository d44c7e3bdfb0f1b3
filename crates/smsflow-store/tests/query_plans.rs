//! The queries run once per message must not scan the whole messages table: at thousands of
//! stored messages a scan per inbound message made processing fall behind (bench/twilio_load.sh).
//! SQLite's query planner is asked how it runs the loop-guard count and the queue claims; the SQL
//! is the store's (crates/smsflow-store/src/sql_conversations.rs), with literal parameters. The
//! dashboard's reads of one workflow's period must use their indexes too (sql_analytics.rs).

use smsflow_store::conversations::ConversationQuery;
use sqlx::sqlite::SqlitePoolOptions;

async fn plan(pool: &sqlx::SqlitePool, sql: &str) -> String {
    let rows: Vec<(i64, i64, i64, String)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
            .fetch_all(pool)
            .await
            .expect("a query plan");
    rows.into_iter()
        .map(|row| row.3)
        .collect::<Vec<_>>()
        .join("; ")
}

#[tokio::test]
async fn per_message_queries_use_indexes_on_sqlite() {
    let db = smsflow_store::testing::sqlite();
    drop(db.store().await); // creates and migrates the database
    let pool = SqlitePoolOptions::new()
        .connect(&db.url)
        .await
        .expect("the test database opens");

    let loop_guard = plan(
        &pool,
        &smsflow_store::testing::TestDatabase::loop_guard_statement(2),
    )
    .await;
    assert!(
        loop_guard.contains("conversations_their_number")
            && loop_guard.contains("messages_conversation")
            && !loop_guard.contains("SCAN m")
            && !loop_guard.contains("SCAN c"),
        "the loop guard's count scans: {loop_guard}"
    );

    let [claim, messages] = db.inbound_claim_statements(64);
    let claim = plan(&pool, &claim).await;
    assert!(
        claim.contains("conversations_inbound_queue") && !claim.contains("TEMP B-TREE"),
        "claiming inbound messages sorts every pending conversation: {claim}"
    );
    let messages = plan(&pool, &messages).await;
    assert!(
        messages.contains("(id=?)") && !messages.contains("SCAN"),
        "the claimed messages are not looked up by id: {messages}"
    );

    let outbound = plan(
        &pool,
        "SELECT m.id FROM messages m INDEXED BY messages_outbound_queue WHERE m.direction = 'outbound' \
         AND m.status IN ('queued', 'sending') AND m.next_attempt_at <= '2026-01-01' \
         AND (m.locked_until IS NULL OR m.locked_until < '2026-01-01') \
         AND NOT EXISTS (SELECT 1 FROM messages e WHERE e.conversation_id = m.conversation_id \
           AND e.direction = 'outbound' AND e.status IN ('queued', 'sending') AND e.id < m.id \
           AND (e.next_attempt_at <= '2026-01-01' OR e.attempts > 0)) \
         ORDER BY m.next_attempt_at, m.id LIMIT 1",
    )
    .await;
    assert!(
        outbound.contains("messages_outbound_queue") && !outbound.contains("TEMP B-TREE"),
        "claiming an outbound message sorts every due one: {outbound}"
    );

    // A status callback finds its reply by the gateway's id in the index of sent replies' ids
    // (migration 0031: inbound texts and unsent replies add no entry to it).
    for statement in smsflow_store::testing::TestDatabase::delivery_statements() {
        let callback = plan(&pool, statement).await;
        assert!(
            callback.contains("messages_outbound_provider_id (channel=? AND provider_id=?)")
                && !callback.contains("SCAN"),
            "a status callback does not look its message up by the gateway's id: {callback}"
        );
    }

    // The dashboard reads one workflow's period by index, never every message (sql_analytics.rs).
    for (what, sql) in [
        (
            "matched per day",
            "SELECT substr(created_at, 1, 10) AS day, COUNT(*) FROM messages WHERE workflow_id = X'00' \
             AND direction = 'inbound' AND created_at >= '2026-01-01' AND created_at < '2026-01-08' GROUP BY day",
        ),
        (
            "reply times",
            "SELECT (SELECT MAX(i.created_at) FROM messages i WHERE i.conversation_id = o.conversation_id \
             AND i.direction = 'inbound' AND i.created_at <= o.created_at), o.sent_at FROM messages o \
             WHERE o.workflow_id = X'00' AND o.direction = 'outbound' AND o.author = 'agent' \
             AND o.created_at >= '2026-01-01' AND o.created_at < '2026-01-08' AND o.sent_at IS NOT NULL",
        ),
        (
            "runs",
            "SELECT state FROM runs WHERE workflow_id = X'00' AND created_at >= '2026-01-01' AND created_at < '2026-01-08'",
        ),
    ] {
        let plan = plan(&pool, sql).await;
        assert!(
            (plan.contains("messages_workflow (workflow_id=? AND direction=? AND created_at>? AND created_at<?)")
                || plan.contains("runs_workflow (workflow_id=? AND created_at>? AND created_at<?)"))
                && !plan.contains("SCAN"),
            "{what}: {plan}"
        );
    }
}

/// The inbox's Unread page and its previews read an index, not every conversation or message
/// (bench/inbox_pages.sh: the Unread page went from 18 ms to 2 ms at 10,000 conversations).
#[tokio::test]
async fn inbox_queries_use_indexes_on_sqlite() {
    let db = smsflow_store::testing::sqlite();
    drop(db.store().await);
    let pool = SqlitePoolOptions::new()
        .connect(&db.url)
        .await
        .expect("the test database opens");
    let list = plan(&pool, &db.inbox_list_statement(&Default::default())).await;
    assert!(
        list.contains("conversations_recent") && !list.contains("TEMP B-TREE FOR ORDER BY"),
        "the inbox's page sorts the conversations: {list}"
    );
    let unread = plan(
        &pool,
        &db.inbox_list_statement(&ConversationQuery {
            unread: true,
            ..Default::default()
        }),
    )
    .await;
    assert!(
        unread.contains("conversations_unread") && !unread.contains("TEMP B-TREE"),
        "the Unread page sorts or scans: {unread}"
    );
    let previews = plan(
        &pool,
        "SELECT m.body FROM messages m WHERE m.id = \
         (SELECT x.id FROM messages x WHERE x.conversation_id = m.conversation_id ORDER BY x.id DESC LIMIT 1) \
         AND m.conversation_id IN (X'00', X'01')",
    )
    .await;
    assert!(
        previews.contains("messages_conversation") && !previews.contains("SCAN m"),
        "the previews scan the messages: {previews}"
    );
}

/// Messages in the PostgreSQL plan test's backlog, and the conversations they come from.
const BACKLOG: i64 = 100_000;
const BACKLOG_CONVERSATIONS: i64 = 50_000;
/// The claim's batch, as the pipeline claims it.
const BATCH: usize = 64;
/// Rows a plan node may read or produce: a few batches, 1% of the backlog.
const BOUNDED: f64 = 1_000.0;

/// When the statistics were taken, relative to the backlog's arrival.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Statistics {
    NeverAnalysed,
    /// ANALYZE on empty tables, then the backlog arrives.
    AnalysedEmpty,
    /// ANALYZE with a history of processed messages and no queue (the steady state), then the
    /// backlog arrives.
    AnalysedQueueEmpty,
    /// ANALYZE after the backlog arrived.
    AnalysedFull,
}

impl Statistics {
    const ALL: [Statistics; 4] = [
        Statistics::NeverAnalysed,
        Statistics::AnalysedEmpty,
        Statistics::AnalysedQueueEmpty,
        Statistics::AnalysedFull,
    ];
}

/// A fresh PostgreSQL test database, its store and a pool, with autovacuum off on `tables`:
/// it must not take statistics behind the test's back.
async fn database_without_autovacuum(
    tables: &[&str],
) -> (
    smsflow_store::testing::TestDatabase,
    std::sync::Arc<dyn smsflow_store::Store>,
    sqlx::PgPool,
) {
    let db = smsflow_store::testing::postgres()
        .await
        .expect("a test database");
    let store = db.store().await;
    let pool = db.postgres_pool().await;
    for table in tables {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "ALTER TABLE {table} SET (autovacuum_enabled = off)"
        )))
        .execute(&pool)
        .await
        .unwrap();
    }
    (db, store, pool)
}

/// The uuid of row `i` in a family of ordered ids (as `Uuid::now_v7` ids are ordered by time).
fn ordered_id(family: u32, i: &str) -> String {
    format!("('{family:08x}-0000-7000-8000-' || lpad(to_hex({i}), 12, '0'))::uuid")
}

/// `count` conversations (family 1, from `first`) and `per_conversation` messages each (family 2,
/// oldest first), inbound from their own numbers, pending (`received`) or `processed`.
async fn insert_messages(
    pool: &sqlx::PgPool,
    first: i64,
    count: i64,
    per_conversation: i64,
    status: &str,
) {
    let pending = status == "received";
    let conversation = ordered_id(1, "i");
    let head = if pending {
        ordered_id(2, "i")
    } else {
        "NULL".to_string()
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "INSERT INTO conversations (id, our_number, their_number, channel, status, run_completed, \
         unread_count, last_message_at, created_at, pending_inbound_id) \
         SELECT {conversation}, '+15550000000', '+1' || (5550000000 + i)::text, 'twilio', 'agent', FALSE, \
         {per_conversation}, now(), now(), {head} FROM generate_series({first}, {last}) AS i",
        last = first + count - 1
    )))
    .execute(pool)
    .await
    .expect("conversations inserted");
    // Message j of conversation i: oldest first across the backlog, so that a conversation's
    // messages are spread through the queue as when many people text at once.
    let message = ordered_id(2, "(i + j * 1000000)");
    let conversation = ordered_id(1, "i");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "INSERT INTO messages (id, conversation_id, direction, author, channel, body, provider_id, status, \
         segments, encoding, media_urls, simulated, attempts, created_at, updated_at) \
         SELECT {message}, {conversation}, 'inbound', 'contact', 'twilio', 'hello', 'SM' || i || '-' || j, \
         '{status}', 1, 'gsm7', '[]', FALSE, 0, now(), now() \
         FROM generate_series(0, {per}) AS j, generate_series({first}, {last}) AS i",
        per = per_conversation - 1,
        last = first + count - 1
    )))
    .execute(pool)
    .await
    .expect("messages inserted");
}

/// Every node of a JSON plan, depth first.
fn nodes(plan: &serde_json::Value) -> Vec<&serde_json::Value> {
    let mut all = vec![plan];
    for child in plan["Plans"].as_array().into_iter().flatten() {
        all.extend(nodes(child));
    }
    all
}

/// Why `plan` reads the backlog, if it does: a sequential scan of either table, or a node that
/// consumes its whole input (sort, hash, bitmap, aggregate, anti join) expected or seen to hold
/// a large part of it, or any node that produced or filtered out that many rows.
fn reads_the_backlog(plan: &serde_json::Value) -> Option<String> {
    reads_more_than(plan, BOUNDED)
}

/// As [`reads_the_backlog`], with `bound` rows in place of [`BOUNDED`].
fn reads_more_than(plan: &serde_json::Value, bound: f64) -> Option<String> {
    const WHOLE_INPUT: [&str; 7] = [
        "Sort",
        "Hash",
        "Bitmap Heap Scan",
        "Bitmap Index Scan",
        "Aggregate",
        "Materialize",
        "Incremental Sort",
    ];
    for node in nodes(plan) {
        let kind = node["Node Type"].as_str().unwrap_or_default();
        let relation = node["Relation Name"]
            .as_str()
            .or(node["Index Name"].as_str())
            .unwrap_or_default();
        let number = |key: &str| node[key].as_f64().unwrap_or(0.0);
        if kind == "Seq Scan" && (relation == "messages" || relation == "conversations") {
            return Some(format!("a sequential scan of {relation}"));
        }
        if (WHOLE_INPUT.contains(&kind) || node["Join Type"] == "Anti")
            && number("Plan Rows") > bound
        {
            return Some(format!("{kind} expecting {} rows", number("Plan Rows")));
        }
        let actual = number("Actual Rows") * number("Actual Loops");
        let removed = number("Rows Removed by Filter") + number("Rows Removed by Join Filter");
        if actual > bound || removed > bound {
            return Some(format!(
                "{kind} on {relation:?}: {actual} rows out, {removed} filtered out"
            ));
        }
    }
    None
}

/// Prepares `sql` and runs `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE` of it with `arguments` (SQL
/// expressions), as a custom plan (which knows the values) and as the generic plan (which does
/// not); fails naming `what` if either reads the backlog. The statement runs: the caller rolls
/// the transaction back. Returns the two execution times in ms.
async fn check_plan(
    tx: &mut sqlx::PgConnection,
    what: &str,
    sql: &str,
    arguments: &[String],
) -> [f64; 2] {
    let mut times = [0.0; 2];
    for (i, mode) in PLAN_MODES.into_iter().enumerate() {
        times[i] = check_plan_as(tx, mode, what, sql, arguments).await;
    }
    times
}

/// The `plan_cache_mode`s a plan test checks: a custom plan and the generic plan.
const PLAN_MODES: [&str; 2] = ["force_custom_plan", "force_generic_plan"];

/// As [`check_plan`], planned as `mode` alone. Returns the execution time in ms.
async fn check_plan_as(
    tx: &mut sqlx::PgConnection,
    mode: &str,
    what: &str,
    sql: &str,
    arguments: &[String],
) -> f64 {
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("PREPARE claim_step AS {sql}")))
        .execute(&mut *tx)
        .await
        .expect("PREPARE");
    let plan = explain_prepared(tx, mode, arguments).await;
    let root = &plan[0];
    if let Some(why) = reads_the_backlog(&root["Plan"]) {
        panic!("{what} ({mode}) reads the backlog: {why}\n{root:#}");
    }
    assert!(
        root.get("JIT").is_none(),
        "{what} ({mode}) was compiled with JIT, which costs more than the statement\n{root:#}"
    );
    sqlx::raw_sql("DEALLOCATE claim_step")
        .execute(&mut *tx)
        .await
        .unwrap();
    root["Execution Time"].as_f64().unwrap_or_default()
}

/// `EXPLAIN (ANALYZE, FORMAT JSON)` of the prepared `claim_step` with `arguments`, planned as
/// `mode` (a `plan_cache_mode`).
async fn explain_prepared(
    tx: &mut sqlx::PgConnection,
    mode: &str,
    arguments: &[String],
) -> serde_json::Value {
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "SET LOCAL plan_cache_mode = {mode}"
    )))
    .execute(&mut *tx)
    .await
    .unwrap();
    let plan: sqlx::types::Json<serde_json::Value> =
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE claim_step({})",
            arguments.join(", ")
        )))
        .persistent(false)
        .fetch_one(&mut *tx)
        .await
        .expect("EXPLAIN EXECUTE");
    plan.0
}

/// The PostgreSQL inbound claim walks an index in order and stops, whatever the statistics say:
/// with a 100,000-message backlog (50,000 conversations, two messages each) no plan of its
/// statements, custom or generic, scans the messages or conversations or sorts the backlog,
/// never analysed, analysed empty, analysed with an empty queue, or analysed full. (The old claim,
/// an anti join over pending messages, took 577-862 ms per claim at 16,000 messages.)
#[tokio::test]
async fn inbound_claim_never_reads_the_backlog_on_postgres() {
    let Some(_) = smsflow_store::testing::postgres_server_url() else {
        return;
    };
    for statistics in Statistics::ALL {
        let (db, store, pool) = database_without_autovacuum(&["messages", "conversations"]).await;
        let backlog_from = match statistics {
            Statistics::AnalysedQueueEmpty => {
                insert_messages(&pool, 1, BACKLOG_CONVERSATIONS, 2, "processed").await;
                BACKLOG_CONVERSATIONS + 1
            }
            _ => 1,
        };
        if statistics != Statistics::NeverAnalysed && statistics != Statistics::AnalysedFull {
            sqlx::raw_sql("ANALYZE").execute(&pool).await.unwrap();
        }
        insert_messages(
            &pool,
            backlog_from,
            BACKLOG_CONVERSATIONS,
            BACKLOG / BACKLOG_CONVERSATIONS,
            "received",
        )
        .await;
        if statistics == Statistics::AnalysedFull {
            sqlx::raw_sql("ANALYZE").execute(&pool).await.unwrap();
        }

        let [claim, messages] = db.inbound_claim_statements(BATCH);
        let lease = [
            "now() + interval '60 seconds'".to_string(),
            "now()".to_string(),
        ];
        let mut tx = pool.begin().await.unwrap();
        let first = check_plan(&mut tx, "the claim", &claim, &lease).await;
        // The first claim's conversations are leased now: the next one walks past them.
        let next = check_plan(
            &mut tx,
            "the claim behind leased conversations",
            &claim,
            &lease,
        )
        .await;
        let heads: Vec<String> = sqlx::query_scalar::<_, uuid::Uuid>(
            "SELECT pending_inbound_id FROM conversations WHERE pending_inbound_id IS NOT NULL \
             ORDER BY pending_inbound_id LIMIT 64",
        )
        .fetch_all(&mut *tx)
        .await
        .unwrap()
        .iter()
        .map(uuid::Uuid::to_string)
        .collect();
        let quoted: Vec<String> = heads.iter().map(|id| format!("'{id}'")).collect();
        let read = check_plan(&mut tx, "reading the claimed messages", &messages, &quoted).await;
        tx.rollback().await.unwrap();
        eprintln!(
            "{statistics:?}: claim {:.2} ms (generic plan {:.2}), behind leased ones {:.2} ms (generic {:.2}), \
             the messages {:.2} ms (generic {:.2})",
            first[0], first[1], next[0], next[1], read[0], read[1]
        );

        // The backlog is what the store would have written: the claim takes its oldest messages.
        let claimed = store
            .claim_inbound(time::Duration::seconds(60), BATCH)
            .await
            .unwrap();
        let oldest: Vec<String> = claimed.iter().map(|(m, _)| m.id.to_string()).collect();
        assert_eq!(
            oldest, heads,
            "{statistics:?}: the oldest pending message of each conversation"
        );
        // The database goes when `db` is dropped, after the pools that use it.
        drop((store, pool));
    }
}

/// `per_conversation` outbound replies queued (family 3, due now, oldest first across the
/// conversations `first`..`first + count`, which exist) or `sent`.
async fn insert_replies(
    pool: &sqlx::PgPool,
    first: i64,
    count: i64,
    per_conversation: i64,
    status: &str,
) {
    let message = ordered_id(3, "(i + j * 1000000)");
    let conversation = ordered_id(1, "i");
    let due = if status == "queued" { "now()" } else { "NULL" };
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "INSERT INTO messages (id, conversation_id, direction, author, channel, body, status, segments, \
         encoding, media_urls, simulated, attempts, next_attempt_at, created_at, updated_at) \
         SELECT {message}, {conversation}, 'outbound', 'agent', 'twilio', 'thanks', '{status}', 1, 'gsm7', \
         '[]', FALSE, 0, {due}, now(), now() \
         FROM generate_series(0, {per}) AS j, generate_series({first}, {last}) AS i",
        per = per_conversation - 1,
        last = first + count - 1
    )))
    .execute(pool)
    .await
    .expect("replies inserted");
}

/// 100,000 replies `status` (two each in 50,000 conversations, each with a processed text),
/// with the statistics taken as `statistics` says; analysed with a history, that history is
/// 50,000 conversations of sent replies, two days old when `aged_history` (outside the loop
/// guard's window). Answers the first backlog conversation's index (as `insert_messages`).
async fn replies_backlog(
    pool: &sqlx::PgPool,
    statistics: Statistics,
    status: &str,
    aged_history: bool,
) -> i64 {
    let backlog_from = match statistics {
        Statistics::AnalysedQueueEmpty => {
            insert_messages(pool, 1, BACKLOG_CONVERSATIONS, 1, "processed").await;
            insert_replies(pool, 1, BACKLOG_CONVERSATIONS, 2, "sent").await;
            if aged_history {
                sqlx::raw_sql("UPDATE messages SET created_at = now() - interval '2 days'")
                    .execute(pool)
                    .await
                    .unwrap();
            }
            BACKLOG_CONVERSATIONS + 1
        }
        _ => 1,
    };
    if statistics != Statistics::NeverAnalysed && statistics != Statistics::AnalysedFull {
        sqlx::raw_sql("ANALYZE").execute(pool).await.unwrap();
    }
    insert_messages(pool, backlog_from, BACKLOG_CONVERSATIONS, 1, "processed").await;
    insert_replies(
        pool,
        backlog_from,
        BACKLOG_CONVERSATIONS,
        BACKLOG / BACKLOG_CONVERSATIONS,
        status,
    )
    .await;
    if statistics == Statistics::AnalysedFull {
        sqlx::raw_sql("ANALYZE").execute(pool).await.unwrap();
    }
    backlog_from
}

/// The PostgreSQL outbound claim walks messages_outbound_queue in order and stops, whatever the
/// statistics say: with 100,000 replies queued (50,000 conversations, two each: the second waits
/// for the first) no plan of it, custom or generic, scans or sorts the queue, never analysed,
/// analysed empty, analysed with a history of sent replies and no queue, or analysed full; nor
/// does the claim after it, behind the messages it leased.
#[tokio::test]
async fn outbound_claim_never_reads_the_backlog_on_postgres() {
    let Some(_) = smsflow_store::testing::postgres_server_url() else {
        return;
    };
    const OUTBOUND_BATCH: usize = 8;
    for statistics in Statistics::ALL {
        let (_db, store, pool) = database_without_autovacuum(&["messages", "conversations"]).await;
        replies_backlog(&pool, statistics, "queued", false).await;

        let claim =
            smsflow_store::testing::TestDatabase::postgres_outbound_claim_statement(OUTBOUND_BATCH);
        let lease = [
            "now() + interval '60 seconds'".to_string(),
            "now()".to_string(),
        ];
        let oldest: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT id FROM messages WHERE status = 'queued' ORDER BY id LIMIT $1",
        )
        .bind(OUTBOUND_BATCH as i64)
        .fetch_all(&pool)
        .await
        .unwrap();
        let mut tx = pool.begin().await.unwrap();
        let first = check_plan(&mut tx, "the outbound claim", &claim, &lease).await;
        let next = check_plan(
            &mut tx,
            "the outbound claim behind leased messages",
            &claim,
            &lease,
        )
        .await;
        tx.rollback().await.unwrap();
        eprintln!(
            "{statistics:?}: outbound claim {:.2} ms (generic plan {:.2}), behind leased ones {:.2} ms (generic {:.2})",
            first[0], first[1], next[0], next[1]
        );

        // The store's claim takes the oldest replies, each the first of its conversation.
        let mut claimed: Vec<uuid::Uuid> = store
            .claim_outbound(time::Duration::seconds(60), OUTBOUND_BATCH)
            .await
            .unwrap()
            .iter()
            .map(|job| job.message.id)
            .collect();
        claimed.sort();
        assert_eq!(claimed, oldest, "{statistics:?}: the oldest queued replies");
        drop((store, pool));
    }
}

/// `values` as a PostgreSQL array of `kind`.
fn array_of(values: &[String], kind: &str) -> String {
    let quoted: Vec<String> = values.iter().map(|value| format!("'{value}'")).collect();
    format!("ARRAY[{}]::{kind}[]", quoted.join(", "))
}

/// Recording a processed batch on PostgreSQL (its texts and conversations, then its replies, each
/// claimed when no earlier reply of its conversation is unsent) reads each row by key, whatever
/// the statistics say: with 100,000 replies queued, no plan of either statement, custom or
/// generic, reads or compares more than a few batches' rows, never analysed, analysed empty,
/// analysed with a history of sent replies, or analysed full. (Joined to the batch's arrays as a
/// table, the recording compared 4,096 rows for a batch of 64, and the replies' check for an
/// earlier unsent one read every unsent reply once for each reply: docs/benchmarks.md, session
/// 42.)
#[tokio::test]
async fn recording_a_batch_reads_by_key_on_postgres() {
    let Some(_) = smsflow_store::testing::postgres_server_url() else {
        return;
    };
    for statistics in Statistics::ALL {
        let (_db, store, pool) = database_without_autovacuum(&["messages", "conversations"]).await;
        replies_backlog(&pool, statistics, "queued", false).await;
        let [record, replies] =
            smsflow_store::testing::TestDatabase::postgres_recording_statements();
        let mut times = Vec::new();
        for mode in PLAN_MODES {
            let mut tx = pool.begin().await.unwrap();
            // The batch: the oldest texts, pending again (with a history, those of conversations
            // whose replies were all sent: their new replies are claimed).
            let batch: Vec<(uuid::Uuid, uuid::Uuid)> = sqlx::query_as(
                "UPDATE messages SET status = 'received' WHERE id IN (SELECT id FROM messages \
                 WHERE direction = 'inbound' ORDER BY id LIMIT $1) RETURNING id, conversation_id",
            )
            .bind(BATCH as i64)
            .fetch_all(&mut *tx)
            .await
            .unwrap();
            let texts: Vec<String> = batch.iter().map(|(id, _)| id.to_string()).collect();
            let conversations: Vec<String> = batch.iter().map(|(_, id)| id.to_string()).collect();
            let each = |value: &str| format!("array_fill({value}, ARRAY[{BATCH}])");
            let recording = [
                array_of(&texts, "uuid"),
                array_of(&conversations, "uuid"),
                each("NULL::uuid"),
                each("'{}'::jsonb"),
                each("'en'::text"),
                each("NULL::uuid"),
                each("now()"),
                each("FALSE"),
                each("NULL::uuid"),
                each("TRUE"),
                each("NULL::text"),
                "now()".to_string(),
                each("1::bigint"),
            ];
            let recorded =
                check_plan_as(&mut tx, mode, "recording the batch", record, &recording).await;
            // Newer than every message, as `Uuid::now_v7` ids are (family 4 of `ordered_id`).
            let reply_ids: Vec<String> = (1..=BATCH)
                .map(|i| format!("00000004-0000-7000-8000-{i:012x}"))
                .collect();
            let queued = [
                array_of(&reply_ids, "uuid"),
                array_of(&conversations, "uuid"),
                each("'agent'::text"),
                each("'twilio'::text"),
                each("'thanks'::text"),
                each("1::bigint"),
                each("'gsm7'::text"),
                each("NULL::uuid"),
                each("now()"),
                each("NULL::text"),
                each("'queued'::text"),
                each("NULL::timestamptz"),
                "now()".to_string(),
                BATCH.to_string(),
                "now() + interval '60 seconds'".to_string(),
            ];
            let inserted =
                check_plan_as(&mut tx, mode, "queuing the replies", replies, &queued).await;
            tx.rollback().await.unwrap();
            times.push(format!(
                "{mode}: recording {recorded:.2} ms, replies {inserted:.2} ms"
            ));
        }
        eprintln!("{statistics:?}: {}", times.join("; "));
        drop((store, pool));
    }
}

/// The PostgreSQL outbound claim's walk of the due replies never reads the replies in flight: a
/// claimed reply's next attempt is its lease's end, so its entry in messages_outbound_queue is
/// behind every due one. (When the walk read them and filtered them out by their lease, every
/// claim also wrote its replies' new entries at the head of the index, where the entries of the
/// replies claimed and sent before die, and in bursts the walks read up to 9,173 entries per
/// scan: docs/benchmarks.md, session 13, pg9.)
#[tokio::test]
async fn outbound_claim_walks_past_no_reply_in_flight_on_postgres() {
    let Some(_) = smsflow_store::testing::postgres_server_url() else {
        return;
    };
    const OUTBOUND_BATCH: usize = 8;
    const SENDERS: usize = 4;
    let (_db, store, pool) = database_without_autovacuum(&["messages", "conversations"]).await;
    insert_messages(&pool, 1, 1_000, 1, "processed").await;
    insert_replies(&pool, 1, 1_000, 1, "queued").await;
    sqlx::raw_sql("ANALYZE").execute(&pool).await.unwrap();
    // Senders hold their claimed replies while they send them.
    for _ in 0..SENDERS {
        let claimed = store
            .claim_outbound(time::Duration::seconds(60), OUTBOUND_BATCH)
            .await
            .unwrap();
        assert_eq!(claimed.len(), OUTBOUND_BATCH);
    }

    let claim =
        smsflow_store::testing::TestDatabase::postgres_outbound_claim_statement(OUTBOUND_BATCH);
    let mut tx = pool.begin().await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "PREPARE claim_step AS {claim}"
    )))
    .execute(&mut *tx)
    .await
    .expect("PREPARE");
    let lease = [
        "now() + interval '60 seconds'".to_string(),
        "now()".to_string(),
    ];
    for mode in ["force_custom_plan", "force_generic_plan"] {
        let plan = explain_prepared(&mut tx, mode, &lease).await;
        let walk = nodes(&plan[0]["Plan"])
            .into_iter()
            .find(|node| node["Index Name"] == "messages_outbound_queue" && node["Alias"] == "m")
            .unwrap_or_else(|| panic!("{mode}: no walk of messages_outbound_queue\n{plan:#}"));
        let count = |key: &str| walk[key].as_f64().unwrap_or_default();
        assert_eq!(
            (count("Actual Rows"), count("Rows Removed by Filter")),
            (OUTBOUND_BATCH as f64, 0.0),
            "{mode}: the walk reads only the replies it claims\n{plan:#}"
        );
    }
    tx.rollback().await.unwrap();
}

/// The loop guard's count of automatic replies to a batch's numbers looks up each number's
/// conversations and each one's messages, whatever the statistics say: with 100,000 recent
/// replies (50,000 conversations, two each) no plan of it, custom or generic, reads them all,
/// never analysed, analysed empty, analysed with a history of older replies, or analysed full.
/// (As a join it walked every recent outbound message when never analysed: 166 ms.) A
/// delivery report finds its message by the gateway's id in an index too.
#[tokio::test]
async fn loop_guard_never_reads_the_backlog_on_postgres() {
    let Some(_) = smsflow_store::testing::postgres_server_url() else {
        return;
    };
    for statistics in Statistics::ALL {
        let (_db, store, pool) = database_without_autovacuum(&["messages", "conversations"]).await;
        let backlog_from = replies_backlog(&pool, statistics, "sent", true).await;

        // A batch's numbers: 63 of the backlog's conversations and one that never texted.
        let numbers: Vec<String> = (backlog_from + 100..backlog_from + 163)
            .map(|i| format!("+1{}", 5_550_000_000 + i))
            .chain(["+15559999999".to_string()])
            .collect();
        let mut arguments = vec!["now() - interval '1 hour'".to_string()];
        arguments.extend(numbers.iter().map(|number| format!("'{number}'")));
        let guard = smsflow_store::testing::TestDatabase::loop_guard_statement(numbers.len());
        let delivery = "SELECT id FROM messages WHERE channel = $1 AND provider_id = $2 \
                        AND direction = 'outbound'";
        let mut tx = pool.begin().await.unwrap();
        let times = check_plan(&mut tx, "the loop guard's count", &guard, &arguments).await;
        check_plan(
            &mut tx,
            "a delivery report's lookup",
            delivery,
            &["'twilio'".to_string(), "'SMx'".to_string()],
        )
        .await;
        tx.rollback().await.unwrap();
        eprintln!(
            "{statistics:?}: loop guard {:.2} ms (generic plan {:.2})",
            times[0], times[1]
        );

        // The store counts both replies of each texter, and leaves out the one with none.
        let since = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
        let asked: Vec<&str> = numbers.iter().map(String::as_str).collect();
        let counts = store.automatic_replies_since(&asked, since).await.unwrap();
        assert_eq!(counts.len(), 63, "{statistics:?}: {counts:?}");
        assert!(
            counts.values().all(|&replies| replies == 2),
            "{statistics:?}: {counts:?}"
        );
        drop((store, pool));
    }
}

/// The inbox's search (sql_inbox.rs) never reads every conversation, message or contact: it counts
/// the matches in the full-text indexes (FTS5, migration 0022); for a common text it walks the
/// conversations in the list's order (an index, no sort: the walk stops at a page), reading each
/// one's messages and contact by key (a text other than ASCII: testing them against the full-text
/// indexes' matches); otherwise it reads only the full-text indexes' matches.
#[tokio::test]
async fn inbox_search_reads_full_text_indexes_on_sqlite() {
    let db = smsflow_store::testing::sqlite();
    drop(db.store().await);
    let pool = SqlitePoolOptions::new()
        .connect(&db.url)
        .await
        .expect("the test database opens");
    let text = smsflow_store::inbox::SearchText::parse("Saturday")
        .unwrap()
        .unwrap();
    let [matches, horizon, recent, everywhere] = db.inbox_search_statements(&text);
    let matches = plan(&pool, &matches).await;
    assert!(
        matches.matches("VIRTUAL TABLE INDEX").count() == 3
            && matches
                .split("; ")
                .filter(|step| step.starts_with("SCAN"))
                .all(|step| step.contains("VIRTUAL TABLE")
                    || step.starts_with("SCAN (subquery")
                    || step == "SCAN CONSTANT ROW"),
        "counting the matches reads more than the full-text indexes: {matches}"
    );
    let horizon = plan(&pool, &horizon).await;
    assert!(
        horizon.contains("conversations_recent") && !horizon.contains("TEMP B-TREE FOR ORDER BY"),
        "finding the walk's end sorts the conversations: {horizon}"
    );
    let recent = plan(&pool, &recent).await;
    assert!(
        recent.contains("c USING INDEX conversations_recent")
            && !recent.contains("TEMP B-TREE FOR ORDER BY"),
        "the first pass does not walk the conversations in order: {recent}"
    );
    for index in [
        "messages_conversation (conversation_id=?)",
        "contacts_1 (number=?)",
    ] {
        assert!(
            recent.contains(index),
            "the walk does not read {index}: {recent}"
        );
    }
    assert!(
        !recent.contains("VIRTUAL TABLE"),
        "the walk reads every match of an ASCII text: {recent}"
    );
    // Other text is tested against the full-text indexes' matches.
    let accented = smsflow_store::inbox::SearchText::parse("Zoë")
        .unwrap()
        .unwrap();
    let [_, _, accented, _] = db.inbox_search_statements(&accented);
    let accented = plan(&pool, &accented).await;
    for index in [
        "messages_conversation (conversation_id=?)",
        "messages_search VIRTUAL TABLE INDEX",
        "contacts_search VIRTUAL TABLE INDEX",
    ] {
        assert!(
            accented.contains(index),
            "the walk does not read {index}: {accented}"
        );
    }
    let everywhere = plan(&pool, &everywhere).await;
    for index in ["messages_search", "conversations_search", "contacts_search"] {
        assert!(
            everywhere.contains(&format!("{index} VIRTUAL TABLE INDEX")),
            "the second pass does not match {index}: {everywhere}"
        );
    }
    assert!(
        everywhere
            .split("; ")
            .filter(|step| step.starts_with("SCAN"))
            .all(|step| step.contains("VIRTUAL TABLE")),
        "the second pass scans a table: {everywhere}"
    );
}

/// On PostgreSQL the inbox's list, its Unread page and its search read indexes and stop early:
/// with 50,000 conversations (numbers spread as real ones are, one in ten unread), a message and
/// a contact each, no plan scans a table, and none reads more than a thousand rows anywhere, but
/// for a common text's walk, which tests at most the newest `INBOX_RECENT_WALK` conversations (and
/// finds the walk's end in an index). A search counts its matches first, reading at most
/// `INBOX_GATHER_AT_MOST` + 1 of each kind: a part of a number (rare) is then collected from the
/// pg_trgm indexes (migration 0022), also when the statistics guess it matches hundreds; a common
/// word (one conversation in 16) and a word in every conversation fill their page in the walk.
/// Each page is the one a plain scan of every conversation finds. (Only the plans that know the
/// text: the generic one, which cannot tell how much a pattern matches, costs ten times more, so
/// PostgreSQL never keeps it for these statements.)
#[tokio::test]
async fn inbox_reads_indexes_and_stops_early_on_postgres() {
    let Some(db) = smsflow_store::testing::postgres().await else {
        return;
    };
    drop(db.store().await);
    let pool = sqlx::PgPool::connect(&db.url)
        .await
        .expect("the test database opens");
    let conversation = ordered_id(1, "i");
    let message = ordered_id(2, "i");
    // Activity in an order of its own (not the ids'), over a month.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "INSERT INTO conversations (id, our_number, their_number, channel, status, run_completed, \
         unread_count, last_message_at, created_at) \
         SELECT {conversation}, '+15550000000', '+1' || (2000000000 + i::bigint * 15485863 % 7000000000)::text, \
         'twilio', 'agent', FALSE, CASE WHEN i % 10 = 0 THEN 1 ELSE 0 END, \
         now() - (i::bigint * 7919 % 2592000) * interval '1 second', now() \
         FROM generate_series(1, {BACKLOG_CONVERSATIONS}) AS i; \
         INSERT INTO messages (id, conversation_id, direction, author, channel, body, status, segments, \
         encoding, media_urls, simulated, attempts, created_at, updated_at) \
         SELECT {message}, {conversation}, 'inbound', 'contact', 'twilio', \
         'about ' || md5(i::text) || CASE WHEN i % 16 = 0 THEN ' on Saturday' ELSE '' END, \
         'processed', 1, 'gsm7', '[]', FALSE, 0, now(), now() FROM generate_series(1, {BACKLOG_CONVERSATIONS}) AS i; \
         INSERT INTO contacts (number, name, fields, last_seen_at, created_at, updated_at) \
         SELECT their_number, 'Person ' || md5(their_number), '{{}}', now(), now(), now() FROM conversations"
    )))
    .execute(&pool)
    .await
    .expect("conversations, messages and contacts inserted");
    // As autovacuum would: statistics, and the GIN indexes' pending entries merged.
    sqlx::raw_sql("VACUUM ANALYZE")
        .execute(&pool)
        .await
        .unwrap();

    let list = db.inbox_list_statement(&Default::default());
    let time = explain_within(
        &pool,
        "the inbox's page",
        &list,
        &["26".into()],
        Bound::Rows(BOUNDED),
    )
    .await;
    eprintln!("inbox page: {time:.2} ms");
    let unread = db.inbox_list_statement(&ConversationQuery {
        unread: true,
        ..Default::default()
    });
    let time = explain_within(
        &pool,
        "the Unread page",
        &unread,
        &["26".into()],
        Bound::Rows(BOUNDED),
    )
    .await;
    eprintln!("Unread page: {time:.2} ms");

    // Seven digits from the middle of one number.
    let number: String = sqlx::query_scalar(
        "SELECT their_number FROM conversations ORDER BY id OFFSET 12344 LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    // And from one the statistics sampled as a histogram bound: PostgreSQL then guesses that
    // one conversation in a hundred matches (it cannot tell how many a pattern does).
    let sampled: String = sqlx::query_scalar(
        "SELECT (histogram_bounds::text::text[])[50] FROM pg_stats \
         WHERE tablename = 'conversations' AND attname = 'their_number'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let walk = smsflow_store::testing::INBOX_RECENT_WALK as f64;
    let gather_at_most = smsflow_store::testing::INBOX_GATHER_AT_MOST;
    for (what, text, common) in [
        ("a part of a number", &number[4..11], false),
        ("a part of a sampled number", &sampled[4..11], false),
        ("a common word", "saturday", true),
        ("a word in every conversation", "about", true),
    ] {
        let search = smsflow_store::inbox::SearchText::parse(text)
            .unwrap()
            .unwrap();
        let pattern = format!("'%{text}%'");
        let [matches, horizon, recent, everywhere] = db.inbox_search_statements(&search);
        let cap = (gather_at_most + 1).to_string();
        let count_arguments = [&pattern, &cap, &pattern, &cap, &pattern, &cap].map(String::clone);
        // A trigram index's bitmap is built whole (from its posting lists), and a scan of a table
        // stops at the cap: no node may read or drop more than a tenth of the rows. For a common
        // word the planner may rightly prefer scanning messages until the cap is reached (about
        // 16,000 rows for "saturday", depending on the sampled statistics): that stops early, so
        // it may see up to half the conversations' rows, still far from a whole table (50,000
        // conversations, twice as many messages).
        let seen = if common {
            BACKLOG_CONVERSATIONS as f64 / 2.0
        } else {
            BACKLOG_CONVERSATIONS as f64 / 10.0
        };
        let time = explain_within(
            &pool,
            "counting the matches",
            &matches,
            &count_arguments,
            Bound::RowsSeen(seen),
        )
        .await;
        let counted: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(matches))
            .bind(format!("%{text}%"))
            .bind(gather_at_most + 1)
            .bind(format!("%{text}%"))
            .bind(gather_at_most + 1)
            .bind(format!("%{text}%"))
            .bind(gather_at_most + 1)
            .fetch_one(&pool)
            .await
            .unwrap();
        eprintln!("{what}: {counted} matches counted in {time:.2} ms");
        assert_eq!(
            counted > gather_at_most,
            common,
            "{what}: {counted} matches"
        );
        let everywhere_arguments = [
            pattern.clone(),
            pattern.clone(),
            pattern.clone(),
            "26".into(),
        ];
        let page = if common {
            let to_horizon = [(smsflow_store::testing::INBOX_RECENT_WALK - 1).to_string()];
            let time = explain_within(
                &pool,
                "the walk's end",
                &horizon,
                &to_horizon,
                Bound::Rows(walk + 1.0),
            )
            .await;
            eprintln!("{what}: the walk's end {time:.2} ms");
            let (at, id): (time::OffsetDateTime, uuid::Uuid) =
                sqlx::query_as(sqlx::AssertSqlSafe(horizon))
                    .bind(smsflow_store::testing::INBOX_RECENT_WALK - 1)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            let at = format!(
                "'{}'::timestamptz",
                at.format(&time::format_description::well_known::Rfc3339)
                    .unwrap()
            );
            let id = format!("'{id}'::uuid");
            let arguments = [
                at.clone(),
                at,
                id,
                pattern.clone(),
                pattern.clone(),
                pattern,
                "26".into(),
            ];
            let time = explain_within(
                &pool,
                "the walk",
                &recent,
                &arguments,
                Bound::Rows(walk + 1.0),
            )
            .await;
            eprintln!("{what}: the walk {time:.2} ms");
            let found = prepared_ids(&pool, &recent, &arguments).await;
            assert_eq!(found.len(), 26, "{what}: the walk fills the page");
            found
        } else {
            let time = explain_within(
                &pool,
                "collecting the matches",
                &everywhere,
                &everywhere_arguments,
                Bound::Rows(BOUNDED),
            )
            .await;
            eprintln!("{what}: collecting the matches {time:.2} ms");
            prepared_ids(&pool, &everywhere, &everywhere_arguments).await
        };
        let scanned: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT c.id FROM conversations c WHERE c.their_number ILIKE $1 \
             OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.body ILIKE $1) \
             OR EXISTS (SELECT 1 FROM contacts p WHERE p.number = c.their_number AND p.name ILIKE $1) \
             ORDER BY c.last_message_at DESC, c.id DESC LIMIT 26",
        )
        .bind(format!("%{text}%"))
        .fetch_all(&pool)
        .await
        .unwrap();
        assert!(!scanned.is_empty(), "{what}: found somewhere");
        assert_eq!(page, scanned, "{what}: the page of a plain scan");
    }
}

/// How much of the tables a plan may read.
#[derive(Debug, Clone, Copy)]
enum Bound {
    /// No scan of a table, no node that reads its whole input expecting more than this many rows,
    /// and no node that produces or drops more ([`reads_more_than`]).
    Rows(f64),
    /// No node that produced or dropped more than this many rows ([`sees_more_than`]): a scan
    /// that stops early is fine.
    RowsSeen(f64),
}

/// Why `plan` saw more than `bound` rows, if it did: a node produced or filtered out that many.
fn sees_more_than(plan: &serde_json::Value, bound: f64) -> Option<String> {
    nodes(plan).into_iter().find_map(|node| {
        let number = |key: &str| node[key].as_f64().unwrap_or(0.0);
        let actual = number("Actual Rows") * number("Actual Loops");
        let removed = number("Rows Removed by Filter") + number("Rows Removed by Index Recheck");
        (actual > bound || removed > bound).then(|| {
            format!(
                "{} : {actual} rows out, {removed} filtered out",
                node["Node Type"]
            )
        })
    })
}

/// Runs `EXPLAIN (ANALYZE, FORMAT JSON)` of `sql` prepared with `arguments` (SQL expressions), as
/// the plan that knows them; fails naming `what` if it reads more than `bound` allows. Returns the
/// execution time in ms.
async fn explain_within(
    pool: &sqlx::PgPool,
    what: &str,
    sql: &str,
    arguments: &[String],
    bound: Bound,
) -> f64 {
    let mut connection = pool.acquire().await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "SET plan_cache_mode = force_custom_plan; PREPARE inbox_step AS {sql}"
    )))
    .execute(&mut *connection)
    .await
    .expect("PREPARE");
    let execute = format!("EXECUTE inbox_step({})", arguments.join(", "));
    let plan: sqlx::types::Json<serde_json::Value> = sqlx::query_scalar(sqlx::AssertSqlSafe(
        format!("EXPLAIN (ANALYZE, FORMAT JSON) {execute}"),
    ))
    .persistent(false)
    .fetch_one(&mut *connection)
    .await
    .expect("EXPLAIN EXECUTE");
    sqlx::raw_sql("DEALLOCATE inbox_step; RESET plan_cache_mode")
        .execute(&mut *connection)
        .await
        .unwrap();
    let root = &plan.0[0];
    let why = match bound {
        Bound::Rows(bound) => reads_more_than(&root["Plan"], bound),
        Bound::RowsSeen(bound) => sees_more_than(&root["Plan"], bound),
    };
    if let Some(why) = why {
        panic!("{what} reads every row: {why}\n{root:#}");
    }
    root["Execution Time"].as_f64().unwrap_or_default()
}

/// The ids `sql` (prepared with `arguments`, SQL expressions) answers.
async fn prepared_ids(pool: &sqlx::PgPool, sql: &str, arguments: &[String]) -> Vec<uuid::Uuid> {
    let mut connection = pool.acquire().await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("PREPARE inbox_ids AS {sql}")))
        .execute(&mut *connection)
        .await
        .expect("PREPARE");
    // The conversation's id is the first column.
    let rows = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "EXECUTE inbox_ids({})",
        arguments.join(", ")
    )))
    .persistent(false)
    .fetch_all(&mut *connection)
    .await;
    sqlx::raw_sql("DEALLOCATE inbox_ids")
        .execute(&mut *connection)
        .await
        .unwrap();
    rows.expect("the page")
}
