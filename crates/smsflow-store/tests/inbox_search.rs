//! The inbox's search and unread count, on SQLite and (when configured) PostgreSQL: a part of the
//! number, of the contact's name or of any message finds the conversation, in any case, with the
//! other filters; names changed later are found by their new value only.

use smsflow_core::conversation::Channel;
use smsflow_store::contacts::ContactUpdate;
use smsflow_store::conversations::{
    ConversationQuery, Explanation, InboundOutcome, InboundSms, NewOutbound,
};
use smsflow_store::inbox::SearchText;
use smsflow_store::{Store, testing};
use time::Duration;

/// Stores and processes one inbound text (which also records its contact).
async fn deliver(store: &dyn Store, from: &str, body: &str) {
    store_text(store, from, body).await;
    process_next(store, None).await;
}

async fn store_text(store: &dyn Store, from: &str, body: &str) {
    let sms = InboundSms {
        channel: Channel::Simulator,
        our_number: "+15550009999".into(),
        their_number: from.into(),
        body: body.into(),
        provider_id: None,
        media_urls: vec![],
        simulated: true,
    };
    store.record_inbound(&sms).await.unwrap();
}

/// Processes the next stored text, queueing `reply` if any.
async fn process_next(store: &dyn Store, reply: Option<NewOutbound>) {
    let (message, _) = store
        .claim_inbound(Duration::seconds(30), 1)
        .await
        .unwrap()
        .pop()
        .expect("the message just stored");
    let outcome = InboundOutcome {
        workflow_id: None,
        explanation: Explanation::default(),
        active_workflow_id: None,
        active_workflow_at: None,
        run_completed: false,
        active_run_id: None,
        run: None,
        language: None,
        handoff: None,
        opt_change: None,
        reply,
    };
    store
        .complete_inbound(&[(&message, &outcome)])
        .await
        .unwrap();
}

async fn found(store: &dyn Store, text: &str, unread: bool) -> Vec<String> {
    let query = ConversationQuery {
        text: SearchText::parse(text).unwrap(),
        unread,
        limit: 50,
        ..ConversationQuery::default()
    };
    let page = store.list_conversations(&query).await.unwrap();
    let mut numbers: Vec<String> = page.items.into_iter().map(|c| c.their_number).collect();
    numbers.sort();
    numbers
}

fn named(name: &str) -> ContactUpdate {
    ContactUpdate {
        name: Some(Some(name.into())),
        ..ContactUpdate::default()
    }
}

#[tokio::test]
async fn search_finds_part_of_a_number_a_name_or_a_message() {
    for db in testing::all().await {
        let store = db.store().await;
        let store = store.as_ref();
        deliver(store, "+15550102030", "Is the clinic open on Saturday?").await;
        deliver(store, "+15550107777", "My kitchen sink is leaking").await;
        deliver(store, "+15559990000", "hello").await;
        store
            .update_contact("+15559990000", &named("María López"))
            .await
            .unwrap();
        let label = db.label;

        assert_eq!(
            found(store, "5550102", false).await,
            ["+15550102030"],
            "{label}"
        );
        assert_eq!(
            found(store, "555-010", false).await,
            ["+15550102030", "+15550107777"],
            "{label}"
        );
        assert_eq!(
            found(store, "KITCHEN SINK", false).await,
            ["+15550107777"],
            "{label}"
        );
        assert_eq!(
            found(store, "saturday", false).await,
            ["+15550102030"],
            "{label}"
        );
        assert_eq!(
            found(store, "lópez", false).await,
            ["+15559990000"],
            "{label}"
        );
        // Our own number is on every conversation: it finds nothing.
        assert!(
            found(store, "5550009999", false).await.is_empty(),
            "{label}"
        );
        // Wildcards and quotes are text like any other.
        assert!(found(store, "%_%", false).await.is_empty(), "{label}");
        assert!(
            found(store, "\"sink\" OR clinic", false).await.is_empty(),
            "{label}"
        );

        // With the unread filter: reading a conversation takes it out.
        assert_eq!(store.unread_conversations().await.unwrap(), 3, "{label}");
        let sink = store
            .list_conversations(&ConversationQuery {
                text: SearchText::parse("sink").unwrap(),
                limit: 1,
                ..ConversationQuery::default()
            })
            .await
            .unwrap()
            .items[0]
            .id;
        store.mark_conversation_read(sink).await.unwrap();
        assert_eq!(store.unread_conversations().await.unwrap(), 2, "{label}");
        assert!(found(store, "sink", true).await.is_empty(), "{label}");
        assert_eq!(
            found(store, "555-010", true).await,
            ["+15550102030"],
            "{label}"
        );

        // A renamed contact is found by the new name only.
        store
            .update_contact("+15559990000", &named("Maria Garcia"))
            .await
            .unwrap();
        assert!(found(store, "lópez", false).await.is_empty(), "{label}");
        assert_eq!(
            found(store, "garcia", false).await,
            ["+15559990000"],
            "{label}"
        );
        // A later message of the conversation is searchable too.
        deliver(store, "+15559990000", "Can I move my appointment?").await;
        assert_eq!(
            found(store, "appointment", false).await,
            ["+15559990000"],
            "{label}"
        );
    }
}

/// A word in more messages than the search collects and sorts (sql_inbox.rs) is found by walking
/// the newest conversations: its pages still list every match once, newest activity first, in
/// ASCII or not, in any case.
#[tokio::test]
async fn a_common_word_is_paged_newest_first() {
    const CONVERSATIONS: usize = 1_210;
    for db in testing::all().await {
        let store = db.store().await;
        let store = store.as_ref();
        let label = db.label;
        for i in 0..CONVERSATIONS {
            // Every eleventh texter has another day in mind: 1,100 match.
            let day = if i % 11 == 0 {
                "Friday (viernes)"
            } else {
                "Saturday (sábado)"
            };
            let sms = InboundSms {
                channel: Channel::Simulator,
                our_number: "+15550009999".into(),
                their_number: format!("+1555{i:07}"),
                body: format!("Can you come on {day}?"),
                provider_id: None,
                media_urls: vec![],
                simulated: true,
            };
            store.record_inbound(&sms).await.unwrap();
        }
        let everyone = store
            .list_conversations(&ConversationQuery {
                limit: CONVERSATIONS as u32,
                ..ConversationQuery::default()
            })
            .await
            .unwrap();
        let expected: Vec<String> = everyone
            .items
            .into_iter()
            .map(|c| c.their_number)
            .filter(|number| number[5..].parse::<usize>().unwrap() % 11 != 0)
            .collect();
        assert_eq!(expected.len(), 1_100, "{label}");

        for text in ["saturday", "SÁBADO"] {
            let mut listed = Vec::new();
            let mut after = None;
            loop {
                let page = store
                    .list_conversations(&ConversationQuery {
                        text: SearchText::parse(text).unwrap(),
                        after,
                        limit: 300,
                        ..ConversationQuery::default()
                    })
                    .await
                    .unwrap();
                listed.extend(page.items.into_iter().map(|c| c.their_number));
                after = page.next;
                if after.is_none() {
                    break;
                }
            }
            assert_eq!(listed, expected, "{label}: {text}");
        }
    }
}

/// On SQLite a row joins the full-text indexes in a batch, after it is stored (migrations 0028,
/// 0036, 0038): a search still finds every text at once, and texts or contacts changed or deleted
/// before or after their batch, or one stored in the place of the newest one deleted, leave each
/// index exactly as its table (FTS5's own integrity check compares them).
#[tokio::test]
async fn texts_changed_before_or_after_their_indexing_leave_the_index_whole_on_sqlite() {
    let db = testing::sqlite();
    let store = db.store().await;
    let store = store.as_ref();
    deliver(store, "+15550100001", "apple pie").await;
    deliver(store, "+15550100002", "banana split").await;
    // The search indexes what is pending: both are indexed now.
    assert_eq!(found(store, "apple", false).await, ["+15550100001"]);
    deliver(store, "+15550100003", "cherry tart").await;
    let raw = sqlx::SqlitePool::connect(&db.url).await.unwrap();
    for change in [
        // indexed, then changed: indexed with its new text
        "UPDATE messages SET body = 'durian' WHERE body = 'banana split'",
        // waiting, changed: still waiting
        "UPDATE messages SET body = 'elderberry' WHERE body = 'cherry tart'",
        // indexed, then deleted
        "DELETE FROM messages WHERE body = 'apple pie'",
        "UPDATE contacts SET name = 'Fig Newton' WHERE number = '+15550100003'",
    ] {
        sqlx::query(change).execute(&raw).await.unwrap();
    }
    assert!(found(store, "banana", false).await.is_empty());
    assert_eq!(found(store, "durian", false).await, ["+15550100002"]);
    assert!(found(store, "cherry", false).await.is_empty());
    assert_eq!(found(store, "elderberry", false).await, ["+15550100003"]);
    assert!(found(store, "apple", false).await.is_empty());
    assert_eq!(found(store, "newton", false).await, ["+15550100003"]);
    // Indexed since the searches above: then changed and deleted.
    sqlx::query("UPDATE messages SET body = 'grape' WHERE body = 'durian'")
        .execute(&raw)
        .await
        .unwrap();
    sqlx::query("DELETE FROM messages WHERE body = 'grape'")
        .execute(&raw)
        .await
        .unwrap();
    assert!(found(store, "grape", false).await.is_empty());
    // The newest text, indexed, deleted: the next text takes its rowid and is indexed all the same.
    deliver(store, "+15550100004", "honeydew").await;
    assert_eq!(found(store, "honeydew", false).await, ["+15550100004"]);
    let newest = "SELECT MAX(rowid) FROM messages";
    let deleted: i64 = sqlx::query_scalar(newest).fetch_one(&raw).await.unwrap();
    sqlx::query("DELETE FROM messages WHERE body = 'honeydew'")
        .execute(&raw)
        .await
        .unwrap();
    deliver(store, "+15550100004", "kiwi").await;
    let stored: i64 = sqlx::query_scalar(newest).fetch_one(&raw).await.unwrap();
    assert_eq!(
        stored, deleted,
        "SQLite gives the next row the deleted one's rowid"
    );
    assert_eq!(found(store, "kiwi", false).await, ["+15550100004"]);
    assert!(found(store, "honeydew", false).await.is_empty());
    // Contacts likewise (migration 0038): one indexed, then renamed, is found by its new name
    // only; the newest, named and indexed, deleted: the next contact takes its rowid and is
    // indexed all the same.
    for rename in ["Quince Jam", "Raspberry"] {
        sqlx::query("UPDATE contacts SET name = $1 WHERE number = '+15550100001'")
            .bind(rename)
            .execute(&raw)
            .await
            .unwrap();
        assert_eq!(found(store, rename, false).await, ["+15550100001"]);
    }
    assert!(found(store, "quince", false).await.is_empty());
    store
        .update_contact("+15550100004", &named("Honeydew Melon"))
        .await
        .unwrap();
    assert_eq!(found(store, "melon", false).await, ["+15550100004"]);
    let newest = "SELECT MAX(rowid) FROM contacts";
    let deleted: i64 = sqlx::query_scalar(newest).fetch_one(&raw).await.unwrap();
    sqlx::query("DELETE FROM contacts WHERE number = '+15550100004'")
        .execute(&raw)
        .await
        .unwrap();
    assert!(found(store, "melon", false).await.is_empty());
    deliver(store, "+15550100005", "lime").await;
    let stored: i64 = sqlx::query_scalar(newest).fetch_one(&raw).await.unwrap();
    assert_eq!(
        stored, deleted,
        "SQLite gives the next contact the deleted one's rowid"
    );
    store
        .update_contact("+15550100005", &named("Lime Grower"))
        .await
        .unwrap();
    assert_eq!(found(store, "grower", false).await, ["+15550100005"]);
    assert_indexes_match_their_tables(&raw).await;
}

/// FTS5's own integrity check of each full-text index against its table.
async fn assert_indexes_match_their_tables(raw: &sqlx::SqlitePool) {
    for index in ["messages_search", "conversations_search", "contacts_search"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {index} ({index}, rank) VALUES ('integrity-check', 1)"
        )))
        .execute(raw)
        .await
        .unwrap_or_else(|error| panic!("{index} differs from its table: {error}"));
    }
}

/// An inbox indexed before migrations 0038 and 0039 (contacts waiting in a list, the indexes
/// keeping sizes) finds after them what it found before, and what was waiting: a text and a
/// contact indexed, a contact renamed since, a text and a contact not indexed yet.
#[tokio::test]
async fn an_upgraded_sqlite_inbox_finds_what_it_found_and_what_waited() {
    let db = testing::sqlite();
    let raw = testing::sqlite_before(&db, 38, true).await;
    let store_row = |number: &'static str, name: &'static str, body: &'static str| {
        let raw = raw.clone();
        async move {
            let conversation_id = uuid::Uuid::now_v7();
            for statement in [
                "INSERT INTO contacts (number, name, fields, last_seen_at, created_at, updated_at) \
                 VALUES ($2, $3, '{}', $5, $5, $5)",
                "INSERT INTO conversations (id, our_number, their_number, channel, status, \
                 run_completed, unread_count, last_message_at, created_at) \
                 VALUES ($1, '+15550009999', $2, 'simulator', 'agent', FALSE, 0, $5, $5)",
                "INSERT INTO messages (id, conversation_id, direction, author, channel, body, status, \
                 segments, encoding, media_urls, simulated, attempts, created_at, updated_at) \
                 VALUES ($6, $1, 'inbound', 'contact', 'simulator', $4, 'processed', 1, 'gsm7', '[]', \
                 TRUE, 0, $5, $5)",
            ] {
                sqlx::query(statement)
                    .bind(conversation_id)
                    .bind(number)
                    .bind(name)
                    .bind(body)
                    .bind("2026-12-06T10:00:00.000000Z")
                    .bind(uuid::Uuid::now_v7())
                    .execute(&raw)
                    .await
                    .unwrap_or_else(|error| panic!("{statement}: {error}"));
            }
        }
    };
    store_row("+15550200001", "Ada Apple", "quince jam").await;
    // Indexed as the writer indexed before 0038.
    for statement in [
        "INSERT INTO messages_search (rowid, body) SELECT rowid, body FROM messages \
         WHERE rowid > (SELECT messages FROM search_indexed_up_to)",
        "INSERT INTO conversations_search (rowid, their_number) SELECT rowid, their_number \
         FROM conversations WHERE rowid > (SELECT conversations FROM search_indexed_up_to)",
        "UPDATE search_indexed_up_to SET messages = (SELECT MAX(rowid) FROM messages), \
         conversations = (SELECT MAX(rowid) FROM conversations)",
        "INSERT INTO contacts_search (rowid, name) SELECT c.rowid, c.name \
         FROM contacts_search_pending p JOIN contacts c ON c.rowid = p.rowid",
        "DELETE FROM contacts_search_pending",
        "UPDATE contacts SET name = 'Ada Banana' WHERE number = '+15550200001'",
    ] {
        sqlx::query(statement).execute(&raw).await.unwrap();
    }
    store_row("+15550200002", "Bo Cherry", "durian tart").await;
    raw.close().await;

    let store = db.store().await;
    let store = store.as_ref();
    let raw = sqlx::SqlitePool::connect(&db.url).await.unwrap();
    for (text, number) in [
        ("quince", "+15550200001"),
        ("banana", "+15550200001"),
        ("durian", "+15550200002"),
        ("cherry", "+15550200002"),
        ("5550200002", "+15550200002"),
    ] {
        assert_eq!(found(store, text, false).await, [number], "{text}");
    }
    assert!(found(store, "apple", false).await.is_empty());
    assert_indexes_match_their_tables(&raw).await;
}

/// On PostgreSQL the texts are searched in message_bodies, their insert-only copy (migration
/// 0033): each message's copy is written once, whatever its status goes through, and follows its
/// text when it is edited or deleted.
#[tokio::test]
async fn texts_are_searched_in_a_copy_written_once_per_message_on_postgres() {
    let Some(db) = testing::postgres().await else {
        return;
    };
    let store = db.store().await;
    let store = store.as_ref();
    let raw = sqlx::PgPool::connect(&db.url).await.unwrap();
    let copy_version = |body: &'static str| {
        let raw = raw.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT b.xmin::text FROM message_bodies b JOIN messages m ON m.id = b.message_id \
                 WHERE m.body = $1",
            )
            .bind(body)
            .fetch_one(&raw)
            .await
            .unwrap()
        }
    };
    store_text(store, "+15550100001", "apple pie").await;
    let stored = copy_version("apple pie").await;
    // Claimed, processed with a reply queued, the reply claimed: four status changes.
    let reply = testing::new_outbound("banana split", time::OffsetDateTime::now_utc());
    process_next(store, Some(reply)).await;
    let queued = copy_version("banana split").await;
    assert_eq!(
        store
            .claim_outbound(Duration::seconds(30), 8)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(copy_version("apple pie").await, stored, "written once");
    assert_eq!(copy_version("banana split").await, queued, "written once");
    assert_eq!(found(store, "BANANA", false).await, ["+15550100001"]);

    deliver(store, "+15550100002", "cherry tart").await;
    sqlx::query("UPDATE messages SET body = 'durian' WHERE body = 'cherry tart'")
        .execute(&raw)
        .await
        .unwrap();
    sqlx::query("DELETE FROM messages WHERE body = 'apple pie'")
        .execute(&raw)
        .await
        .unwrap();
    assert!(found(store, "cherry", false).await.is_empty());
    assert_eq!(found(store, "durian", false).await, ["+15550100002"]);
    assert!(found(store, "apple", false).await.is_empty());
    let differences: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages m FULL JOIN message_bodies b \
         ON b.message_id = m.id AND b.conversation_id = m.conversation_id AND b.body = m.body \
         WHERE m.id IS NULL OR b.message_id IS NULL",
    )
    .fetch_one(&raw)
    .await
    .unwrap();
    assert_eq!(differences, 0, "every message has its copy, and only they");
}
