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
impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        if std::thread::panicking() {
            return;
        }
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

    /// The two statements that claim up to `limit` inbound messages on this database, with
    /// numbered parameters (`$1` the lease's end, `$2` now, then `limit` message ids), for
    /// query-plan tests.
    pub fn inbound_claim_statements(&self, limit: usize) -> [String; 2] {
        if self.label == "postgres" {
            crate::sql::PostgresStore::inbound_claim_statements(limit)
        } else {
            crate::sql::SqliteStore::inbound_claim_statements(limit)
        }
    }
    /// The inbox's search for `text` on this database, as the conversation list runs it (a
    /// page of 25, newest activity first), for query-plan tests. Its parameters are placeholders:
    /// on PostgreSQL `$1`..`$3` the ILIKE pattern, then `$4` the limit.
    pub fn inbox_search_statement(&self, text: &crate::inbox::SearchText) -> String {
        fn listing<DB: sqlx::Database>(
            push_search: impl FnOnce(&mut sqlx::QueryBuilder<DB>),
        ) -> String
        where
            i64: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        {
            let mut select =
                sqlx::QueryBuilder::<DB>::new("SELECT c.id FROM conversations c WHERE 1 = 1");
            push_search(&mut select);
            select
                .push(" ORDER BY c.last_message_at DESC, c.id DESC LIMIT ")
                .push_bind(26_i64);
            select.into_string()
        }
        if self.label == "postgres" {
            listing(|select| crate::sql::PostgresStore::push_search(select, text))
        } else {
            listing(|select| crate::sql::SqliteStore::push_search(select, text))
        }
    }
}

pub fn postgres_server_url() -> Option<String> {
    std::env::var("SMSFLOW_TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .ok()
        .filter(|url| url.starts_with("postgres"))
}

pub fn sqlite() -> TestDatabase {
    let dir = tempfile::tempdir().expect("a temporary directory");
    TestDatabase {
        label: "sqlite",
        url: format!("sqlite://{}", dir.path().join("smsflow.db").display()),
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
