//! The queries run once per message must not scan the whole messages table: at thousands of
//! stored messages a scan per inbound message made processing fall behind (bench/twilio_load.sh).
//! SQLite's query planner is asked how it runs the loop-guard count and the inbound claim; the SQL
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
        "SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE c.their_number = '+15551230000' AND m.direction = 'outbound' AND m.author = 'agent' \
         AND m.created_at >= '2026-01-01'",
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
         ORDER BY m.id LIMIT 1",
    )
    .await;
    assert!(
        claim.contains("messages_inbound_queue") && !claim.contains("TEMP B-TREE"),
        "claiming an inbound message sorts every pending one: {claim}"
    );
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
