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
}

impl TestDatabase {
    pub async fn store(&self) -> Arc<dyn Store> {
        crate::connect(&self.url)
            .await
            .unwrap_or_else(|error| panic!("cannot open the {} test database: {error}", self.label))
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
    })
}

/// SQLite, plus PostgreSQL when a server is configured: run each storage test on every backend.
pub async fn all() -> Vec<TestDatabase> {
    let mut databases = vec![sqlite()];
    databases.extend(postgres().await);
    databases
}
