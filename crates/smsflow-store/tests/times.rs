//! Times within one second, on SQLite and (when configured) PostgreSQL. SQLite compares stored
//! times as text, which is time order only when every time has the same width (stored_time.rs):
//! in RFC 3339 with its trailing zeros dropped, '…:00.5Z' sorted after '…:00.51Z'. Each case here
//! sits at such a boundary: half a second and 0.51 s past the same whole second.

use smsflow_core::conversation::{Channel, MessageStatus};
use smsflow_store::contacts::ContactQuery;
use smsflow_store::conversations::{ConversationQuery, NewOutbound};
use smsflow_store::notifications::{DeliveryOutcome, Fanout};
use smsflow_store::{Store, testing};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const LEASE: Duration = Duration::seconds(30);

/// The whole second `from_now` away, and the times 0.5 s and 0.51 s past it.
fn within_one_second(from_now: Duration) -> (OffsetDateTime, OffsetDateTime) {
    let second = (OffsetDateTime::now_utc() + from_now)
        .replace_nanosecond(0)
        .unwrap();
    (
        second + Duration::milliseconds(500),
        second + Duration::milliseconds(510),
    )
}

fn reply(send_after: OffsetDateTime, draft_expires_at: Option<OffsetDateTime>) -> NewOutbound {
    NewOutbound {
        draft_expires_at,
        ..testing::new_outbound("Your appointment is confirmed", send_after)
    }
}

async fn conversation(store: &dyn Store, their_number: &str) -> Uuid {
    store
        .open_conversation(Channel::Simulator, "+15550009999", their_number)
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn a_draft_expires_at_its_time_to_the_hundredth_of_a_second() {
    for db in testing::all().await {
        let store = db.store().await;
        let (expiry, just_after) = within_one_second(Duration::days(1));
        let conversation_id = conversation(store.as_ref(), "+15551110001").await;
        store
            .queue_outbound(
                conversation_id,
                &reply(OffsetDateTime::now_utc(), Some(expiry)),
            )
            .await
            .unwrap();
        let before = store
            .expire_drafted_replies(expiry - Duration::milliseconds(10))
            .await
            .unwrap();
        assert!(before.is_empty(), "{}: not yet", db.label);
        let after = store.expire_drafted_replies(just_after).await.unwrap();
        assert_eq!(after.len(), 1, "{}: due 10 ms before", db.label);
    }
}

#[tokio::test]
async fn a_notification_retried_at_half_past_a_second_is_due_at_51_hundredths_past() {
    for db in testing::all().await {
        let store = db.store().await;
        // A text that fails for good: its event is posted to the team webhook.
        let conversation_id = conversation(store.as_ref(), "+15551110002").await;
        store
            .queue_outbound(conversation_id, &reply(OffsetDateTime::now_utc(), None))
            .await
            .unwrap();
        let job = store.claim_outbound(LEASE, 1).await.unwrap().pop().unwrap();
        store
            .mark_failed(
                job.message.id,
                job.message.attempts,
                MessageStatus::Failed,
                None,
                "unknown number",
            )
            .await
            .unwrap();
        let events = store.unrouted_notification_events(10).await.unwrap();
        assert_eq!(events.len(), 1, "{}: the failure's event", db.label);
        let webhook = Fanout {
            emails: vec![],
            webhook: true,
        };
        store
            .fan_out_notification(events[0].id, &webhook)
            .await
            .unwrap();
        let claimed = store
            .claim_notification_webhook(OffsetDateTime::now_utc(), LEASE)
            .await
            .unwrap()
            .unwrap();
        let (retry_at, just_after) = within_one_second(Duration::days(1));
        store
            .finish_notification(
                claimed.claim,
                &DeliveryOutcome::Retry {
                    error: "HTTP 503".into(),
                    at: retry_at,
                },
                None,
            )
            .await
            .unwrap();
        let early = store
            .claim_notification_webhook(retry_at - Duration::milliseconds(10), LEASE)
            .await
            .unwrap();
        assert!(early.is_none(), "{}: not yet", db.label);
        let due = store
            .claim_notification_webhook(just_after, LEASE)
            .await
            .unwrap();
        assert!(due.is_some(), "{}: due 10 ms before", db.label);
    }
}

#[tokio::test]
async fn the_outbound_queue_sends_the_soonest_first_within_a_second() {
    for db in testing::all().await {
        let store = db.store().await;
        let (sooner, later) = within_one_second(-Duration::hours(1));
        let later_id = store
            .queue_outbound(
                conversation(store.as_ref(), "+15551110003").await,
                &reply(later, None),
            )
            .await
            .unwrap()
            .id;
        let sooner_id = store
            .queue_outbound(
                conversation(store.as_ref(), "+15551110004").await,
                &reply(sooner, None),
            )
            .await
            .unwrap()
            .id;
        let mut claimed = Vec::new();
        for _ in 0..2 {
            let job = store.claim_outbound(LEASE, 1).await.unwrap().pop().unwrap();
            claimed.push(job.message.id);
        }
        assert_eq!(claimed, [sooner_id, later_id], "{}", db.label);
    }
}

/// A SQLite database at the migration before the fixed-width times, with rows stored the way sqlx
/// wrote times then (RFC 3339, trailing zeros dropped): after the upgrade, every listing by time
/// is in time order.
#[tokio::test]
async fn an_upgraded_sqlite_database_lists_times_within_a_second_in_order() {
    const HALF: &str = "2026-11-29T10:00:00.5Z";
    const LATER: &str = "2026-11-29T10:00:00.51Z";
    let db = testing::sqlite();
    let pool = before_fixed_width_times(&db).await;
    // The later row first, so that neither insertion order nor rowid gives the right answer.
    for (name, at) in [("later", LATER), ("half", HALF)] {
        let number = format!("+1555000{}", name.len());
        let conversation_id = Uuid::now_v7();
        for statement in [
            "INSERT INTO api_keys (id, name, prefix, secret_hash, created_at) VALUES ($1, $2, $2, $2, $3)",
            "INSERT INTO admins (id, email, email_key, password_hash, created_at, role) \
             VALUES ($1, $2, $2, 'h', $3, 'admin')",
            "INSERT INTO invites (token_hash, id, email, email_key, role, invited_by, created_at, expires_at) \
             VALUES ($2, $1, $2, $2, 'agent', 'system', $3, 4102444800)",
            "INSERT INTO opt_outs (number, keyword, opted_out_at) VALUES ($4, 'STOP', $3)",
            "INSERT INTO contacts (number, fields, last_seen_at, created_at, updated_at) \
             VALUES ($4, '{}', $3, $3, $3)",
            "INSERT INTO conversations (id, our_number, their_number, channel, status, run_completed, \
             unread_count, last_message_at, created_at) \
             VALUES ($5, '+15550009999', $4, 'simulator', 'agent', FALSE, 0, $3, $3)",
            "INSERT INTO messages (id, conversation_id, direction, author, channel, body, status, segments, \
             encoding, media_urls, simulated, attempts, created_at, updated_at) \
             VALUES ($1, $5, 'inbound', 'contact', 'simulator', $2, 'processed', 1, 'gsm7', '[]', TRUE, 0, $3, $3)",
            "INSERT INTO messages (id, conversation_id, direction, author, channel, body, status, segments, \
             encoding, media_urls, simulated, attempts, next_attempt_at, created_at, updated_at) \
             VALUES ($1, $5, 'outbound', 'agent', 'simulator', $2, 'queued', 1, 'gsm7', '[]', TRUE, 0, $3, $3, $3)",
        ] {
            sqlx::query(statement)
                .bind(Uuid::now_v7())
                .bind(name)
                .bind(at)
                .bind(&number)
                .bind(conversation_id)
                .execute(&pool)
                .await
                .unwrap_or_else(|error| panic!("{statement}: {error}"));
        }
    }
    pool.close().await;

    let store = db.store().await;
    let oldest_first = ["half", "later"];
    let newest_first = ["later", "half"];
    assert_eq!(
        store
            .list_api_keys()
            .await
            .unwrap()
            .into_iter()
            .map(|key| key.name)
            .collect::<Vec<_>>(),
        oldest_first,
        "API keys"
    );
    assert_eq!(
        store
            .list_admins()
            .await
            .unwrap()
            .into_iter()
            .map(|admin| admin.email)
            .collect::<Vec<_>>(),
        oldest_first,
        "admins"
    );
    assert_eq!(
        store
            .list_invites()
            .await
            .unwrap()
            .into_iter()
            .map(|invite| invite.email)
            .collect::<Vec<_>>(),
        newest_first,
        "invites"
    );
    let number_of = |name: &str| format!("+1555000{}", name.len());
    let numbers = |order: [&str; 2]| order.map(number_of).to_vec();
    assert_eq!(
        store
            .list_opt_outs()
            .await
            .unwrap()
            .into_iter()
            .map(|opt_out| opt_out.number)
            .collect::<Vec<_>>(),
        numbers(newest_first),
        "opt-outs"
    );
    let contacts = store
        .list_contacts(&ContactQuery {
            limit: 10,
            ..ContactQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        contacts
            .items
            .into_iter()
            .map(|contact| contact.number)
            .collect::<Vec<_>>(),
        numbers(newest_first),
        "contacts"
    );
    let conversations = store
        .list_conversations(&ConversationQuery {
            limit: 10,
            ..ConversationQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        conversations
            .items
            .into_iter()
            .map(|conversation| conversation.their_number)
            .collect::<Vec<_>>(),
        numbers(newest_first),
        "conversations"
    );
    let texts = store
        .inbound_texts(OffsetDateTime::UNIX_EPOCH, None, None, 10)
        .await
        .unwrap();
    assert_eq!(
        texts.into_iter().map(|text| text.body).collect::<Vec<_>>(),
        oldest_first,
        "replay"
    );
    let mut sent = Vec::new();
    for _ in 0..2 {
        let job = store.claim_outbound(LEASE, 1).await.unwrap().pop().unwrap();
        sent.push(job.message.body);
    }
    assert_eq!(sent, oldest_first, "the outbound queue");
}

/// The upgrade rewrites every time the schema stores: a row in every table that has a time
/// column (`at`, `…_at`, `…_until`), each time in the RFC 3339 sqlx wrote, with an offset (as a
/// time given with one was stored), reads back in the fixed width, in UTC.
#[tokio::test]
async fn the_upgrade_rewrites_every_stored_time() {
    let db = testing::sqlite();
    let pool = before_fixed_width_times(&db).await;
    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT m.name, p.name, p.type FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY m.name, p.cid",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    // Times are text; `expires_at` and the like (Unix seconds) are integers.
    let is_time = |(_, column, kind): &(String, String, String)| {
        kind == "TEXT" && (column == "at" || column.ends_with("_at") || column.ends_with("_until"))
    };
    let mut times = Vec::new();
    let tables = columns.chunk_by(|a, b| a.0 == b.0);
    for table in tables.filter(|table| table.iter().any(is_time)) {
        let name = &table[0].0;
        // Any value its type takes; the rows need not make sense together (no foreign keys).
        let values: Vec<&str> = table
            .iter()
            .map(|column| match column.2.as_str() {
                _ if is_time(column) => "'2026-11-29T12:00:00.5+02:00'",
                "BLOB" => "randomblob(16)",
                "TEXT" => "'{}'",
                _ => "1",
            })
            .collect();
        let names: Vec<&str> = table.iter().map(|(_, column, _)| column.as_str()).collect();
        // Names from the schema itself. The only row of its table (migration 0007 seeds an agent).
        let insert = format!(
            "DELETE FROM {name}; INSERT INTO {name} ({}) VALUES ({})",
            names.join(", "),
            values.join(", ")
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(insert.clone()))
            .execute(&pool)
            .await
            .unwrap_or_else(|error| panic!("{insert}: {error}"));
        times.extend(
            table
                .iter()
                .filter(|column| is_time(column))
                .map(|(_, column, _)| (name.clone(), column.clone())),
        );
    }
    sqlx::migrate!("./migrations/sqlite")
        .run(&pool)
        .await
        .unwrap();
    assert!(times.len() > 40, "every time column: {times:?}");
    for (table, column) in times {
        let stored: Vec<String> =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT {column} FROM {table}")))
                .fetch_all(&pool)
                .await
                .unwrap();
        assert!(!stored.is_empty(), "{table}.{column}");
        for stored in stored {
            assert_eq!(stored, "2026-11-29T10:00:00.500000Z", "{table}.{column}");
        }
    }
}

/// A SQLite database at the migration before the times' fixed width (0032), with foreign keys off
/// so that rows can be written alone.
async fn before_fixed_width_times(db: &testing::TestDatabase) -> sqlx::SqlitePool {
    testing::sqlite_before(db, 32, false).await
}
