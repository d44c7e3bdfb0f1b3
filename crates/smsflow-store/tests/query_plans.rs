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

    let claim = plan(
        &pool,
        "SELECT m.id FROM messages m WHERE m.direction = 'inbound' AND m.status = 'received' \
         AND (m.locked_until IS NULL OR m.locked_until < '2026-01-01') \
         AND NOT EXISTS (SELECT 1 FROM messages e WHERE e.conversation_id = m.conversation_id \
           AND e.direction = 'inbound' AND e.status = 'received' AND e.id < m.id) \
         ORDER BY m.id LIMIT 64",
    )
    .await;
    assert!(
        claim.contains("messages_inbound_queue") && !claim.contains("TEMP B-TREE"),
        "claiming an inbound message sorts every pending one: {claim}"
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
