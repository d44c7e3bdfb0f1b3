use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{what} {key} does not exist")]
    NotFound { what: &'static str, key: String },
    #[error("a workflow named {0:?} already exists: choose another name, or update that workflow")]
    NameTaken(String),
    #[error("an API key named {0:?} already exists: choose another name, or revoke that key first")]
    ApiKeyNameTaken(String),
    #[error("an admin with the email {0:?} already exists: sign in, or choose another email")]
    AdminEmailTaken(String),
    #[error(
        "an admin account already exists: sign in, or ask an admin to create yours with `smsflow admin create`"
    )]
    AdminExists,
    #[error(
        "the workflow was changed by someone else (it is now at version {current}): fetch it again, reapply your change and retry"
    )]
    VersionConflict { current: i64 },
    #[error("{}", draft_changed(*current))]
    DraftChanged { current: Option<i64> },
    #[error(
        "the published workflows changed since this was based on version {base} (the latest is {latest}): look at the new version, redo the change on it and publish again"
    )]
    Stale { base: i64, latest: i64 },
    #[error(
        "unsupported database URL {0:?}: use sqlite://path/to/smsflow.db or postgres://user@host/db"
    )]
    UnsupportedUrl(String),
    #[error("stored data is unreadable ({0}): was the database changed by hand?")]
    Corrupt(String),
    #[error("cannot prepare the database directory {path}: {source}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
    /// A change the data's rules forbid, with what to do instead.
    #[error("{0}")]
    Refused(String),
    /// A backup or restore that could not be made, with what to do.
    #[error("{0}")]
    Backup(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// SQLite's writer thread or PostgreSQL's intake could not write (see `sqlite_writer.rs`,
    /// `postgres_intake.rs`).
    #[error("the database writer failed ({0}): nothing of this write was stored; retry it")]
    Writer(String),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

fn draft_changed(current: Option<i64>) -> String {
    match current {
        Some(revision) => format!(
            "the draft was changed by someone else (it is now at revision {revision}): fetch it again, reapply your change and retry"
        ),
        None => "there is no draft (it was published or discarded): start a new one".to_string(),
    }
}

impl StoreError {
    pub(crate) fn workflow_not_found(id: uuid::Uuid) -> Self {
        StoreError::NotFound {
            what: "workflow",
            key: id.to_string(),
        }
    }
}
