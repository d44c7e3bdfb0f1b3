//! The queries run once per message must not scan the whole messages table: at thousands of
//! stored messages a scan per inbound message made processing fall behind (bench/twilio_load.sh).
//! SQLite's query planner is asked how it runs the loop-guard count and the queue claims; the SQL
//! is the store's (crates/smsflow-store/src/sql_conversations.rs), with literal parameters. The
//! dashboard's reads of one workflow's period must use their indexes too (sql_analytics.rs).

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
        "SELECT c.their_number, COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE m.direction = 'outbound' AND m.author = 'agent' AND m.created_at >= '2026-01-01' \
         AND c.their_number IN ('+15551230000', '+15551230001') GROUP BY c.their_number",
    )
    .await;
    assert!(
        loop_guard.contains("conversations_their_number") && !loop_guard.contains("SCAN m"),
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
    let unread = plan(
        &pool,
        "SELECT c.id FROM conversations c WHERE 1 = 1 AND c.unread_count > 0 \
         ORDER BY c.last_message_at DESC, c.id DESC LIMIT 26",
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
            && number("Plan Rows") > BOUNDED
        {
            return Some(format!("{kind} expecting {} rows", number("Plan Rows")));
        }
        let actual = number("Actual Rows") * number("Actual Loops");
        let removed = number("Rows Removed by Filter") + number("Rows Removed by Join Filter");
        if actual > BOUNDED || removed > BOUNDED {
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
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("PREPARE claim_step AS {sql}")))
        .execute(&mut *tx)
        .await
        .expect("PREPARE");
    let mut times = [0.0; 2];
    for (i, mode) in ["force_custom_plan", "force_generic_plan"]
        .into_iter()
        .enumerate()
    {
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
        let root = &plan.0[0];
        if let Some(why) = reads_the_backlog(&root["Plan"]) {
            panic!("{what} ({mode}) reads the backlog: {why}\n{root:#}");
        }
        times[i] = root["Execution Time"].as_f64().unwrap_or_default();
    }
    sqlx::raw_sql("DEALLOCATE claim_step")
        .execute(&mut *tx)
        .await
        .unwrap();
    times
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
    for statistics in [
        Statistics::NeverAnalysed,
        Statistics::AnalysedEmpty,
        Statistics::AnalysedQueueEmpty,
        Statistics::AnalysedFull,
    ] {
        let db = smsflow_store::testing::postgres()
            .await
            .expect("a test database");
        let store = db.store().await;
        let pool = sqlx::PgPool::connect(&db.url)
            .await
            .expect("the test database opens");
        // Autovacuum must not take statistics behind the test's back.
        sqlx::raw_sql(
            "ALTER TABLE messages SET (autovacuum_enabled = off); \
             ALTER TABLE conversations SET (autovacuum_enabled = off)",
        )
        .execute(&pool)
        .await
        .unwrap();
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
        let bump = check_plan(
            &mut tx,
            "counting the claimed messages' attempts",
            &messages,
            &quoted,
        )
        .await;
        tx.rollback().await.unwrap();
        eprintln!(
            "{statistics:?}: claim {:.2} ms (generic plan {:.2}), behind leased ones {:.2} ms (generic {:.2}), \
             the messages {:.2} ms (generic {:.2})",
            first[0], first[1], next[0], next[1], bump[0], bump[1]
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

/// The inbox's search reads the three trigram indexes (FTS5, migration 0022), never every
/// conversation, message or contact: the only scans are of the full-text indexes' matches.
#[tokio::test]
async fn inbox_search_reads_full_text_indexes_on_sqlite() {
    let db = smsflow_store::testing::sqlite();
    drop(db.store().await);
    let pool = SqlitePoolOptions::new()
        .connect(&db.url)
        .await
        .expect("the test database opens");
    let text = smsflow_store::inbox::SearchText::parse("555-0102")
        .unwrap()
        .unwrap();
    let search = plan(&pool, &db.inbox_search_statement(&text)).await;
    for index in ["messages_search", "conversations_search", "contacts_search"] {
        assert!(
            search.contains(&format!("{index} VIRTUAL TABLE INDEX")),
            "the search does not match {index}: {search}"
        );
    }
    assert!(
        search
            .split("; ")
            .filter(|step| step.starts_with("SCAN"))
            .all(|step| step.contains("VIRTUAL TABLE")),
        "the search scans a table: {search}"
    );
}

/// On PostgreSQL the search's ILIKE reads the pg_trgm indexes (migration 0022): with 50,000
/// conversations (numbers spread as real ones are), a message and a contact each, the plan scans no
/// table and reads no more than a thousand rows anywhere. (Only the plan that knows the text: the
/// generic one, which cannot tell how much a pattern matches, costs ten times more, so PostgreSQL
/// never keeps it for this statement.)
#[tokio::test]
async fn inbox_search_reads_trigram_indexes_on_postgres() {
    let Some(db) = smsflow_store::testing::postgres().await else {
        return;
    };
    drop(db.store().await);
    let pool = sqlx::PgPool::connect(&db.url)
        .await
        .expect("the test database opens");
    let conversation = ordered_id(1, "i");
    let message = ordered_id(2, "i");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "INSERT INTO conversations (id, our_number, their_number, channel, status, run_completed, \
         unread_count, last_message_at, created_at) \
         SELECT {conversation}, '+15550000000', '+1' || (2000000000 + i::bigint * 15485863 % 7000000000)::text, \
         'twilio', 'agent', FALSE, 0, now(), now() FROM generate_series(1, {BACKLOG_CONVERSATIONS}) AS i; \
         INSERT INTO messages (id, conversation_id, direction, author, channel, body, status, segments, \
         encoding, media_urls, simulated, attempts, created_at, updated_at) \
         SELECT {message}, {conversation}, 'inbound', 'contact', 'twilio', 'about ' || md5(i::text), \
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
    // Seven digits from the middle of one number.
    let number: String = sqlx::query_scalar(
        "SELECT their_number FROM conversations ORDER BY id OFFSET 12344 LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let digits = &number[4..11];
    let text = smsflow_store::inbox::SearchText::parse(digits)
        .unwrap()
        .unwrap();
    let pattern = format!("%{digits}%");
    let statement = db.inbox_search_statement(&text);
    let plan: sqlx::types::Json<serde_json::Value> = sqlx::query_scalar(sqlx::AssertSqlSafe(
        format!("EXPLAIN (ANALYZE, FORMAT JSON) {statement}"),
    ))
    .bind(&pattern)
    .bind(&pattern)
    .bind(&pattern)
    .bind(26_i64)
    .fetch_one(&pool)
    .await
    .expect("EXPLAIN ANALYZE");
    let root = &plan.0[0];
    if let Some(why) = reads_the_backlog(&root["Plan"]) {
        panic!("the inbox search reads every row: {why}\n{root:#}");
    }
    let indexes: Vec<&str> = nodes(&root["Plan"])
        .into_iter()
        .filter_map(|node| node["Index Name"].as_str())
        .collect();
    for index in [
        "messages_body_trigrams",
        "conversations_their_number_trigrams",
        "contacts_name_trigrams",
    ] {
        assert!(
            indexes.contains(&index),
            "the search does not read {index}: {root:#}"
        );
    }
    eprintln!(
        "inbox search: {:.2} ms",
        root["Execution Time"].as_f64().unwrap_or_default()
    );
}
