//! The queries run once per message must not scan the whole messages table: at thousands of
//! stored messages a scan per inbound message made processing fall behind (bench/twilio_load.sh).
//! SQLite's query planner is asked how it runs the loop-guard count and the queue claims; the SQL
//! is the store's (crates/smsflow-store/src/sql_conversations.rs), with literal parameters.

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
}
