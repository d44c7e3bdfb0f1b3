//! Fresh databases for tests: always a temporary SQLite file, and a new PostgreSQL database when
//! `SMSFLOW_TEST_DATABASE_URL` or `DATABASE_URL` points at a server (`scripts/test.sh` starts one).

use std::sync::Arc;

use crate::Store;

pub struct TestDatabase {
    /// `sqlite` or `postgres`, for test messages.
    pub label: &'static str,
    pub url: String,
    /// Keeps the SQLite file's directory alive for the test's duration.
    _dir: Option<tempfile::TempDir>,
    /// The PostgreSQL server and database name, dropped with the test database.
    postgres: Option<(String, String)>,
}

/// Test suites create hundreds of PostgreSQL databases per run: each is dropped when the test
/// ends, so repeated runs do not fill the server's disk. A failed test's database is kept to be
/// looked at (its URL is in the test's messages).
///
/// A SQLite database is checked before it goes: every time the test stored is in the fixed-width
/// form (see `assert_times_fixed_width`).
impl Drop for TestDatabase {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        if let Some(dir) = &self._dir {
            assert_times_fixed_width(&dir.path().join(SQLITE_FILE));
        }
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on: drop the database
        // from a thread of its own. FORCE closes connections the test's pools still hold.
        let dropped = std::thread::spawn(move || {
            use sqlx::Connection;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test database");
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&server).await?;
                // The name was generated from hex digits only: safe to place in the statement.
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await
                .map(|_| ())
            })
        })
        .join();
        if let Ok(Err(error)) = dropped {
            eprintln!("could not drop a PostgreSQL test database: {error}");
        }
    }
}

impl TestDatabase {
    pub async fn store(&self) -> Arc<dyn Store> {
        crate::connect(&self.url)
            .await
            .unwrap_or_else(|error| panic!("cannot open the {} test database: {error}", self.label))
    }

    /// A pool on this PostgreSQL test database whose sessions are set up as the store's (no JIT),
    /// for query-plan tests.
    pub async fn postgres_pool(&self) -> sqlx::PgPool {
        let options = crate::sql::PostgresStore::connect_options(&self.url)
            .expect("a PostgreSQL test database's URL");
        sqlx::PgPool::connect_with(options)
            .await
            .expect("the test database opens")
    }

    /// The two statements that claim up to `limit` inbound messages on this database, with
    /// numbered parameters (`$1` the lease's end, `$2` now, then `limit` message ids), for
    /// query-plan tests.
    pub fn inbound_claim_statements(&self, limit: usize) -> [String; 2] {
        if self.label == "postgres" {
            crate::sql::PostgresStore::inbound_claim_statements(limit)
        } else {
            crate::sql::SqliteStore::inbound_claim_statements(limit)
        }
        .map(|statement| statement.to_string())
    }
    /// The loop guard's count of automatic replies to `count` numbers (`$1` since when, then the
    /// numbers), the same on both databases, for query-plan tests.
    pub fn loop_guard_statement(count: usize) -> String {
        crate::sql_conversations::automatic_replies_sql(count)
    }
    /// A status callback's two statements, the same on both databases (`$1` the channel, `$2`
    /// the gateway's id; the update's `$3` status, `$4` error code and `$5` now), for query-plan
    /// tests.
    pub fn delivery_statements() -> [&'static str; 2] {
        [
            crate::sql_conversations::RECORD_DELIVERY,
            crate::sql_conversations::DELIVERY_KNOWN,
        ]
    }
    /// The statement that claims up to `limit` outbound messages on PostgreSQL (`$1` the lease's
    /// end, `$2` now), for query-plan tests.
    pub fn postgres_outbound_claim_statement(limit: usize) -> String {
        crate::sql::PostgresStore::outbound_claim_statement(limit).to_string()
    }
    /// The two statements that record a processed batch on PostgreSQL: its texts and
    /// conversations (`$1` the texts, `$2` their conversations, ...), then its replies, some
    /// claimed (see `sql_conversations/postgres.rs`), for query-plan tests.
    pub fn postgres_recording_statements() -> [&'static str; 2] {
        crate::sql::PostgresStore::recording_statements()
    }
    /// The inbox's list for `query` (its filters, not its search) on this database, a page of
    /// 25 newest activity first, for query-plan tests. Its parameters are placeholders, numbered
    /// in the order of the filters (then the limit).
    pub fn inbox_list_statement(&self, query: &crate::conversations::ConversationQuery) -> String {
        if self.label == "postgres" {
            crate::sql::PostgresStore::conversation_listing_statement(query, None, 25).into_string()
        } else {
            crate::sql::SqliteStore::conversation_listing_statement(query, None, 25).into_string()
        }
    }

    /// The inbox's search for `text` on this database as the conversation list runs it (a page of
    /// 25, newest activity first; see sql_inbox.rs), for query-plan tests: the count of matches
    /// (up to `INBOX_GATHER_AT_MOST` + 1 of each kind), the statement that finds how far the walk
    /// goes, the walk (the newest conversations tested one by one) and the collection of every
    /// match. Their parameters are placeholders: the count's are the text (the FTS5 phrase, or
    /// the ILIKE pattern on PostgreSQL) and the cap, three times; the walk's end's `$1` is the
    /// walk's length less one; on PostgreSQL the walk's `$1`, `$2` are the horizon's time and `$3`
    /// its id, `$4`..`$6` the pattern and `$7` the limit; the collection's `$1`..`$3` the pattern
    /// and `$4` the limit.
    pub fn inbox_search_statements(&self, text: &crate::inbox::SearchText) -> [String; 4] {
        use crate::sql_inbox::SearchPass;
        let query = crate::conversations::ConversationQuery::default();
        let horizon = crate::conversations::ConversationCursor {
            last_message_at: time::OffsetDateTime::UNIX_EPOCH,
            id: uuid::Uuid::nil(),
        };
        let recent = SearchPass::Recent {
            text,
            horizon: Some(&horizon),
        };
        let everywhere = SearchPass::Everywhere(text);
        if self.label == "postgres" {
            use crate::sql::PostgresStore as Db;
            [
                Db::search_matches_statement(text).into_string(),
                Db::search_horizon_statement(&query).into_string(),
                Db::conversation_listing_statement(&query, Some(recent), 25).into_string(),
                Db::conversation_listing_statement(&query, Some(everywhere), 25).into_string(),
            ]
        } else {
            use crate::sql::SqliteStore as Db;
            [
                Db::search_matches_statement(text).into_string(),
                Db::search_horizon_statement(&query).into_string(),
                Db::conversation_listing_statement(&query, Some(recent), 25).into_string(),
                Db::conversation_listing_statement(&query, Some(everywhere), 25).into_string(),
            ]
        }
    }
}

/// A search with at most this many matches of each kind collects and sorts them (sql_inbox.rs).
pub const INBOX_GATHER_AT_MOST: i64 = crate::sql_inbox::GATHER_AT_MOST;
/// How many of the newest conversations a search for a common text tests at most (sql_inbox.rs).
pub const INBOX_RECENT_WALK: i64 = crate::sql_inbox::RECENT_WALK;

/// `migrator` with only its migrations numbered below `version`: running it leaves a database as
/// an earlier smsflow did, for tests of the migrations that follow.
pub fn migrations_before(
    mut migrator: sqlx::migrate::Migrator,
    version: i64,
) -> sqlx::migrate::Migrator {
    migrator.migrations = migrator
        .migrations
        .iter()
        .filter(|migration| migration.version < version)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    migrator
}

/// A one-connection pool on `db` (SQLite), the file made with every migration numbered below
/// `version`: the database as an earlier smsflow left it, for tests that write its rows and then
/// upgrade it. `foreign_keys` off lets a test write rows alone.
pub async fn sqlite_before(
    db: &TestDatabase,
    version: i64,
    foreign_keys: bool,
) -> sqlx::SqlitePool {
    let path = db
        .url
        .strip_prefix("sqlite://")
        .expect("a SQLite test database");
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .foreign_keys(foreign_keys),
        )
        .await
        .expect("the test's SQLite file");
    migrations_before(sqlx::migrate!("./migrations/sqlite"), version)
        .run(&pool)
        .await
        .expect("the migrations before the one tested");
    pool
}

/// A reply the agent wrote, queued to be sent from `send_after`: one GSM-7 segment, no workflow,
/// language or draft expiry. Tests change the field they are about with `..new_outbound(...)`.
pub fn new_outbound(
    body: &str,
    send_after: time::OffsetDateTime,
) -> crate::conversations::NewOutbound {
    crate::conversations::NewOutbound {
        body: body.into(),
        author: smsflow_core::conversation::Author::Agent,
        workflow_id: None,
        segments: 1,
        encoding: "gsm7".into(),
        send_after,
        language: None,
        draft_expires_at: None,
    }
}

/// A builtin agent named `name`, not the default: a friendly persona, two segments, the texter's
/// language. Tests change the field they are about with `..agent_spec(...)`.
pub fn agent_spec(name: &str) -> smsflow_core::agents::AgentSpec {
    smsflow_core::agents::AgentSpec {
        name: name.into(),
        persona: "Friendly.".into(),
        backend: "builtin".into(),
        model: None,
        max_segments: 2,
        language: None,
        is_default: false,
        suggest_replies: false,
    }
}

pub fn postgres_server_url() -> Option<String> {
    std::env::var("SMSFLOW_TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .ok()
        .filter(|url| url.starts_with("postgres"))
}

const SQLITE_FILE: &str = "smsflow.db";

pub fn sqlite() -> TestDatabase {
    let dir = tempfile::tempdir().expect("a temporary directory");
    TestDatabase {
        label: "sqlite",
        url: format!("sqlite://{}", dir.path().join(SQLITE_FILE).display()),
        _dir: Some(dir),
        postgres: None,
    }
}

/// A new, empty PostgreSQL database on the test server, or `None` when no server is configured.
pub async fn postgres() -> Option<TestDatabase> {
    use sqlx::Connection;
    let server = postgres_server_url()?;
    let name = format!("smsflow_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&server)
        .await
        .unwrap_or_else(|error| {
            panic!("cannot reach the PostgreSQL test server {server}: {error}")
        });
    // The name is generated above from hex digits only: safe to place in the statement.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    let (base, _) = server
        .rsplit_once('/')
        .expect("a database URL ends with /name");
    Some(TestDatabase {
        label: "postgres",
        url: format!("{base}/{name}"),
        _dir: None,
        postgres: Some((server, name)),
    })
}

/// SQLite, plus PostgreSQL when a server is configured: run each storage test on every backend.
pub async fn all() -> Vec<TestDatabase> {
    let mut databases = vec![sqlite()];
    databases.extend(postgres().await);
    databases
}

/// Panics unless every time stored in the SQLite database at `path` (a column named `at`, `…_at`
/// or `…_until`) is UTC text with six fractional digits, as `stored_time.rs` writes it: a statement
/// that bound an `OffsetDateTime` itself, not a `StoredTime`, stored sqlx's variable-width RFC 3339,
/// which SQLite sorts and compares wrongly. A database never opened is not checked.
fn assert_times_fixed_width(path: &std::path::Path) {
    use rusqlite::{Connection, OpenFlags, OptionalExtension};
    const FIXED_WIDTH: &str = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\
                               .[0-9][0-9][0-9][0-9][0-9][0-9]Z";
    if !path.exists() {
        return;
    }
    let connection = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open the test database to check its times");
    let columns = connection
        .prepare(
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND (p.name = 'at' OR p.name LIKE '%\\_at' ESCAPE '\\' \
             OR p.name LIKE '%\\_until' ESCAPE '\\')",
        )
        .and_then(|mut statement| {
            statement
                .query_map([], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                })?
                .collect::<Result<Vec<_>, _>>()
        })
        .expect("list the test database's columns");
    for (table, column) in columns {
        // The names come from the schema itself.
        let wrong: Option<String> = connection
            .query_row(
                &format!(
                    "SELECT \"{column}\" FROM \"{table}\" WHERE typeof(\"{column}\") = 'text' \
                     AND NOT \"{column}\" GLOB $1 LIMIT 1"
                ),
                [FIXED_WIDTH],
                |row| row.get(0),
            )
            .optional()
            .expect("read the test database's times");
        if let Some(wrong) = wrong {
            panic!(
                "{table}.{column} holds the time {wrong:?}, not in the fixed-width form: \
                 bind it as a StoredTime (stored_time.rs)"
            );
        }
    }
}
