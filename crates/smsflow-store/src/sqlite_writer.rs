//! SQLite's writer thread: a unit of work (store an inbound text, claim a batch, record what
//! processing decided, claim and mark sent) runs as one closure on a thread that owns a rusqlite
//! connection, so a unit costs one hop between threads instead of one per statement (sqlx runs
//! each statement on its own worker thread and wakes the task after each).
//!
//! Group commit: the units waiting when a transaction begins share it, and so do those that
//! arrive while it is written, up to its commit (the writer yields its CPU once before
//! committing, for the request tasks that would queue more: at 4 webhooks in flight on one
//! core, a quarter fewer bytes written per text). Units are written bare first: a savepoint
//! copies every page its unit changes (profiled: the largest cost of a group after the commit's
//! own), and units rarely fail. If one fails, the
//! transaction is rolled back and the group written again with each unit in a savepoint of its
//! own ([`Care::Isolated`]), so the failing unit rolls back alone. Every caller gets its answer
//! only after the transaction holding its unit is committed.
//!
//! Upkeep: work that may wait (indexing for search what the units wrote) is done once every so
//! many units, in a transaction of its own after a group is answered, rather than in each unit.

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::StoreError;
use crate::sqlite_wal_writes;

/// At most this many units in one transaction.
const GROUP_MAX: usize = 128;

/// Prepared statements kept: the claims have one text per batch size.
const STATEMENT_CACHE: usize = 512;

/// What the writer does once every `every` units (see the module's comment); it is also a unit
/// of its own whenever asked (`SqliteWriter::run`).
#[derive(Clone, Copy)]
pub(crate) struct Upkeep {
    pub(crate) every: usize,
    pub(crate) work: fn(&Connection) -> Result<(), StoreError>,
}

/// Sends units of work to the writer thread; the thread ends when this is dropped.
pub(crate) struct SqliteWriter {
    units: mpsc::Sender<Box<dyn Unit>>,
}

impl SqliteWriter {
    /// Opens a second connection to the (existing, migrated) database at `path` with the same
    /// settings as the store's sqlx connections (WAL, synchronous FULL, 10 s busy timeout,
    /// foreign keys), through the VFS that writes each commit's log in one call
    /// ([`sqlite_wal_writes`]), and starts its thread, which does `upkeep` when it is due.
    pub(crate) fn open(path: &Path, upkeep: Option<Upkeep>) -> Result<Self, StoreError> {
        sqlite_wal_writes::register().map_err(|error| {
            StoreError::Writer(format!("cannot set up its file access: {error}"))
        })?;
        let connection = Connection::open_with_flags_and_vfs(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            sqlite_wal_writes::WAL_WRITES_VFS,
        )?;
        connection.busy_timeout(Duration::from_secs(10))?;
        // Also what lets its VFS buffer the log's writes until the commit's sync (see there).
        connection.pragma_update(None, "synchronous", "FULL")?;
        let synchronous: i64 = connection.query_row("PRAGMA synchronous", [], |row| row.get(0))?;
        if synchronous < 2 {
            return Err(StoreError::Writer(format!(
                "SQLite kept synchronous at {synchronous} where it was set to FULL (2)"
            )));
        }
        connection.pragma_update(None, "foreign_keys", true)?;
        // Savepoints keep the pages they change in a statement journal, which spills to a temporary
        // file past 64 KiB: created, written and deleted for each group (profiled: a fifth of the
        // writer's time). Kept in memory instead.
        connection.pragma_update(None, "temp_store", "MEMORY")?;
        connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let (units, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-writer".to_string())
            .spawn(move || write_loop(connection, queue, upkeep))
            .map_err(|error| StoreError::Writer(format!("cannot start its thread: {error}")))?;
        Ok(SqliteWriter { units })
    }

    /// Runs `unit` in a transaction on the writer thread and answers once it is committed. An
    /// error from `unit` rolls back what it wrote (and nothing else). The unit may run twice (see
    /// the module's comment): only its last run is committed.
    pub(crate) async fn run<R, F>(&self, unit: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: Fn(&Connection) -> Result<R, StoreError> + Send + 'static,
    {
        self.run_with_care(move |connection, _| unit(connection))
            .await
    }

    /// As [`run`](Self::run), for a unit whose parts may fail alone: told how careful to be
    /// (see [`Care`]).
    pub(crate) async fn run_with_care<R, F>(&self, unit: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: Fn(&Connection, Care) -> Result<R, StoreError> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.units
            .send(Box::new(Pending {
                unit,
                outcome: None,
                answer,
            }))
            .map_err(|_| StoreError::Writer("its thread has stopped".to_string()))?;
        answered
            .await
            .map_err(|_| StoreError::Writer("its thread has stopped".to_string()))?
    }
}

/// How a unit is written: bare (the first time), or isolated because a unit of its group
/// failed bare. A unit whose parts may fail alone (e.g. the messages of a processed batch) puts
/// each in a savepoint only when isolated: bare, a failing part fails the whole transaction,
/// which is then written again isolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Care {
    Bare,
    Isolated,
}

/// A unit of work waiting on the writer thread, type-erased.
trait Unit: Send {
    /// Runs the unit inside the open transaction; isolated and not `alone` in it, in a savepoint
    /// of its own. True when it failed (and, unless in its own savepoint, left the transaction to
    /// be rolled back).
    fn write(&mut self, connection: &Connection, care: Care, alone: bool) -> bool;
    /// Answers the caller with the transaction's fate.
    fn answer(self: Box<Self>, committed: Result<(), &rusqlite::Error>);
}

struct Pending<R, F> {
    unit: F,
    outcome: Option<Result<R, StoreError>>,
    answer: tokio::sync::oneshot::Sender<Result<R, StoreError>>,
}

impl<R, F> Unit for Pending<R, F>
where
    R: Send + 'static,
    F: Fn(&Connection, Care) -> Result<R, StoreError> + Send + 'static,
{
    fn write(&mut self, connection: &Connection, care: Care, alone: bool) -> bool {
        let unit = |connection: &Connection| (self.unit)(connection, care);
        let outcome = if care == Care::Isolated && !alone {
            in_savepoint(connection, unit)
        } else {
            guarded(connection, unit)
        };
        let failed = outcome.is_err();
        self.outcome = Some(outcome);
        failed
    }

    fn answer(self: Box<Self>, committed: Result<(), &rusqlite::Error>) {
        let result = match (committed, self.outcome) {
            (Ok(()), Some(outcome)) => outcome,
            (Ok(()), None) => Err(StoreError::Writer("the unit never ran".to_string())),
            (Err(error), _) => Err(StoreError::Writer(format!("not committed: {error}"))),
        };
        // The caller may have gone (a cancelled request): its write stands all the same.
        let _ = self.answer.send(result);
    }
}

pub(crate) fn in_savepoint<R>(
    connection: &Connection,
    unit: impl FnOnce(&Connection) -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    control(connection, "SAVEPOINT unit")?;
    let outcome = guarded(connection, unit);
    if outcome.is_err() {
        control(connection, "ROLLBACK TO unit")?;
    }
    control(connection, "RELEASE unit")?;
    outcome
}

/// Runs a statement that begins or ends a transaction or savepoint, prepared once: several run
/// for every unit, and parsing one again each time costs more than running it.
fn control(connection: &Connection, sql: &str) -> rusqlite::Result<()> {
    connection.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// Runs `unit`, a panic in it answered as an error (the thread goes on).
fn guarded<R>(
    connection: &Connection,
    unit: impl FnOnce(&Connection) -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    std::panic::catch_unwind(AssertUnwindSafe(|| unit(connection)))
        .unwrap_or_else(|_| Err(StoreError::Writer("a write panicked".to_string())))
}

fn write_loop(
    connection: Connection,
    queue: mpsc::Receiver<Box<dyn Unit>>,
    upkeep: Option<Upkeep>,
) {
    let mut units_since_upkeep = 0;
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        group.extend(queue.try_iter().take(GROUP_MAX - 1));
        let committed = match write_group(&connection, &mut group, Care::Bare, Some(&queue)) {
            Ok(false) => Ok(()),
            Ok(true) => write_group(&connection, &mut group, Care::Isolated, None).map(|_| ()),
            Err(error) => Err(error),
        };
        if committed.is_err()
            && !connection.is_autocommit()
            && let Err(error) = control(&connection, "ROLLBACK")
        {
            tracing::warn!(%error, "cannot roll back a failed group of writes");
        }
        units_since_upkeep += group.len();
        for unit in group {
            unit.answer(committed.as_ref().map(|_| ()));
        }
        if let Some(upkeep) = upkeep.filter(|upkeep| units_since_upkeep >= upkeep.every) {
            units_since_upkeep = 0;
            do_upkeep(&connection, upkeep);
        }
    }
}

/// Writes `group` in one transaction, `care` taken, and answers whether a unit failed. Bare, a
/// failed unit rolls the transaction back (the group is to be written again isolated); isolated,
/// it rolled back alone in its savepoint and the others are committed, or, alone in the group,
/// its transaction is rolled back. Given the queue, the units that arrived meanwhile join the
/// group before it commits.
fn write_group(
    connection: &Connection,
    group: &mut Vec<Box<dyn Unit>>,
    care: Care,
    late: Option<&mpsc::Receiver<Box<dyn Unit>>>,
) -> rusqlite::Result<bool> {
    // IMMEDIATE: take the write lock now, waiting on the busy timeout for another writer,
    // rather than fail at the first write.
    control(connection, "BEGIN IMMEDIATE")?;
    let alone = group.len() == 1;
    let mut failed = false;
    for unit in group.iter_mut() {
        failed |= unit.write(connection, care, alone);
        if failed && care == Care::Bare {
            break;
        }
    }
    if let Some(queue) = late.filter(|_| !failed) {
        // The units' senders (request tasks) may be waiting for a CPU this thread holds:
        // letting them run first puts their units in this commit rather than the next.
        std::thread::yield_now();
        while group.len() < GROUP_MAX {
            let Ok(mut unit) = queue.try_recv() else {
                break;
            };
            failed |= unit.write(connection, care, false);
            group.push(unit);
            if failed {
                break;
            }
        }
    }
    let rolled_back = failed && (care == Care::Bare || alone);
    control(connection, if rolled_back { "ROLLBACK" } else { "COMMIT" })?;
    Ok(failed)
}

/// Runs `upkeep` in a transaction of its own; nobody waits for it, so a failure is logged (the
/// work is done at its next turn).
fn do_upkeep(connection: &Connection, upkeep: Upkeep) {
    let done = connection
        .execute_batch("BEGIN IMMEDIATE")
        .map_err(StoreError::from)
        .and_then(|()| guarded(connection, upkeep.work))
        .and_then(|()| Ok(connection.execute_batch("COMMIT")?));
    if let Err(error) = done {
        tracing::warn!(%error, "the writer's upkeep failed; it is tried again later");
        if !connection.is_autocommit()
            && let Err(error) = connection.execute_batch("ROLLBACK")
        {
            tracing::warn!(%error, "cannot roll back the writer's upkeep");
        }
    }
}

/// A value as sqlx stores it on SQLite, so that both read and compare alike: UUIDs as 16-byte
/// blobs, times as fixed-width UTC text (`stored_time.rs`), booleans as 0/1, JSON as text.
pub(crate) trait SqlValue {
    fn value(&self) -> Value;
}

impl SqlValue for Uuid {
    fn value(&self) -> Value {
        Value::Blob(self.as_bytes().to_vec())
    }
}

impl SqlValue for OffsetDateTime {
    fn value(&self) -> Value {
        Value::Text(crate::stored_time::sqlite_text(*self))
    }
}

impl SqlValue for str {
    fn value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

impl SqlValue for String {
    fn value(&self) -> Value {
        self.as_str().value()
    }
}

impl SqlValue for i64 {
    fn value(&self) -> Value {
        Value::Integer(*self)
    }
}

impl SqlValue for bool {
    fn value(&self) -> Value {
        Value::Integer(i64::from(*self))
    }
}

impl<T: SqlValue + ?Sized> SqlValue for &T {
    fn value(&self) -> Value {
        (**self).value()
    }
}

impl<T: SqlValue> SqlValue for Option<T> {
    fn value(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::value)
    }
}

/// A JSON column's value.
pub(crate) struct JsonText<T>(pub T);

impl<T: serde::Serialize> SqlValue for JsonText<T> {
    fn value(&self) -> Value {
        Value::Text(serde_json::to_string(&self.0).expect("stored values serialise to JSON"))
    }
}

/// The values of a statement's `$1`, `$2`, ... in order.
macro_rules! values {
    ($($value:expr),* $(,)?) => {
        [$($crate::sqlite_writer::SqlValue::value(&$value)),*]
    };
}
pub(crate) use values;

/// Binds `values` to the statement's numbered parameters: `$n` is `values[n - 1]` wherever it
/// appears (SQLite numbers `$n` parameters by first appearance, not by `n`), so the SQL written
/// for sqlx runs here unchanged.
fn bind(statement: &mut rusqlite::Statement<'_>, values: &[Value]) -> Result<(), StoreError> {
    for index in 1..=statement.parameter_count() {
        let number = statement
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|number| number.parse::<usize>().ok())
            .filter(|number| (1..=values.len()).contains(number))
            .ok_or_else(|| {
                StoreError::Writer(format!(
                    "parameter {index} of a statement is not one of $1..${}",
                    values.len()
                ))
            })?;
        statement.raw_bind_parameter(index, &values[number - 1])?;
    }
    Ok(())
}

/// Runs a statement (with or without RETURNING) and answers how many rows it changed.
pub(crate) fn execute(
    connection: &Connection,
    sql: &str,
    values: &[Value],
) -> Result<u64, StoreError> {
    let mut statement = connection.prepare_cached(sql)?;
    bind(&mut statement, values)?;
    let mut rows = statement.raw_query();
    while rows.next()?.is_some() {}
    Ok(connection.changes())
}

/// Runs a statement and reads each row it answers with `read`.
pub(crate) fn query<T>(
    connection: &Connection,
    sql: &str,
    values: &[Value],
    mut read: impl FnMut(&rusqlite::Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut statement = connection.prepare_cached(sql)?;
    bind(&mut statement, values)?;
    let mut rows = statement.raw_query();
    let mut answered = Vec::new();
    while let Some(row) = rows.next()? {
        answered.push(read(row)?);
    }
    Ok(answered)
}

/// Reads columns stored the way sqlx stores them (see [`SqlValue`]).
pub(crate) struct Columns<'r, 's> {
    row: &'r rusqlite::Row<'s>,
}

impl<'r, 's> Columns<'r, 's> {
    pub(crate) fn of(row: &'r rusqlite::Row<'s>) -> Self {
        Columns { row }
    }

    pub(crate) fn get<T: rusqlite::types::FromSql>(&self, index: usize) -> Result<T, StoreError> {
        Ok(self.row.get(index)?)
    }

    pub(crate) fn uuid(&self, index: usize) -> Result<Uuid, StoreError> {
        self.uuid_or_null(index)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {index}: NULL where an id was")))
    }

    pub(crate) fn uuid_or_null(&self, index: usize) -> Result<Option<Uuid>, StoreError> {
        self.row
            .get_ref(index)?
            .as_blob_or_null()
            .map_err(|error| StoreError::Corrupt(format!("column {index}: {error}")))?
            .map(|bytes| {
                Uuid::from_slice(bytes)
                    .map_err(|error| StoreError::Corrupt(format!("column {index}: {error}")))
            })
            .transpose()
    }

    pub(crate) fn time(&self, index: usize) -> Result<OffsetDateTime, StoreError> {
        self.time_or_null(index)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {index}: NULL where a time was")))
    }

    pub(crate) fn time_or_null(&self, index: usize) -> Result<Option<OffsetDateTime>, StoreError> {
        self.row
            .get_ref(index)?
            .as_str_or_null()
            .map_err(|error| StoreError::Corrupt(format!("column {index}: {error}")))?
            .map(|text| {
                OffsetDateTime::parse(text, &Rfc3339)
                    .map_err(|error| StoreError::Corrupt(format!("time {text:?}: {error}")))
            })
            .transpose()
    }

    pub(crate) fn json<T: serde::de::DeserializeOwned>(
        &self,
        index: usize,
    ) -> Result<T, StoreError> {
        self.json_or_null(index)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {index}: NULL where JSON was")))
    }

    pub(crate) fn json_or_null<T: serde::de::DeserializeOwned>(
        &self,
        index: usize,
    ) -> Result<Option<T>, StoreError> {
        self.row
            .get_ref(index)?
            .as_str_or_null()
            .map_err(|error| StoreError::Corrupt(format!("column {index}: {error}")))?
            .map(|text| {
                serde_json::from_str(text)
                    .map_err(|error| StoreError::Corrupt(format!("column {index}: {error}")))
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer() -> (tempfile::TempDir, SqliteWriter, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("writer.db");
        let setup = Connection::open(&path).expect("a new database");
        setup
            .execute_batch(
                "PRAGMA journal_mode = WAL; CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)",
            )
            .expect("a table");
        let writer = SqliteWriter::open(&path, None).expect("the writer opens");
        (dir, writer, path)
    }

    fn texts(path: &Path) -> Vec<String> {
        let db = Connection::open(path).expect("the database opens");
        let mut select = db
            .prepare("SELECT text FROM notes ORDER BY text")
            .expect("a query");
        select
            .query_map([], |row| row.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("texts")
    }

    fn note(db: &Connection, text: &str) -> Result<u64, StoreError> {
        execute(db, "INSERT INTO notes (text) VALUES ($1)", &values![text])
    }

    #[tokio::test]
    async fn a_unit_is_committed_whole_before_its_answer() {
        let (_dir, writer, path) = writer();
        let written = writer
            .run(|db| Ok(note(db, "first")? + note(db, "second")?))
            .await
            .expect("the unit commits");
        assert_eq!(written, 2);
        assert_eq!(texts(&path), ["first", "second"]);
    }

    #[tokio::test]
    async fn a_failing_unit_rolls_back_alone() {
        let (_dir, writer, path) = writer();
        writer
            .run(|db| note(db, "kept"))
            .await
            .expect("the first unit commits");
        // Its first row is written, then the second fails (a duplicate): neither stays.
        let failed = writer
            .run(|db| {
                note(db, "half")?;
                note(db, "kept")
            })
            .await;
        assert!(matches!(failed, Err(StoreError::Sqlite(_))), "{failed:?}");
        let panicked = writer
            .run(|db| -> Result<(), StoreError> {
                note(db, "before the panic")?;
                panic!("a bug in a unit")
            })
            .await;
        assert!(
            matches!(panicked, Err(StoreError::Writer(_))),
            "{panicked:?}"
        );
        writer
            .run(|db| note(db, "after"))
            .await
            .expect("the writer goes on after a failed unit");
        assert_eq!(texts(&path), ["after", "kept"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_units_each_land_once_and_failures_spoil_no_other() {
        let (_dir, writer, path) = writer();
        let writer = std::sync::Arc::new(writer);
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..300 {
            let writer = std::sync::Arc::clone(&writer);
            tasks.spawn(async move {
                let text = format!("note {n:03}");
                // Every third unit writes its note, then fails on a duplicate of it.
                let outcome = writer
                    .run(move |db| {
                        note(db, &text)?;
                        if n % 3 == 0 {
                            note(db, &text)?;
                        }
                        Ok(())
                    })
                    .await;
                (n, outcome.is_ok())
            });
        }
        let mut answered = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            answered.push(joined.expect("a task"));
        }
        assert_eq!(answered.len(), 300);
        assert!(answered.iter().all(|&(n, ok)| ok == (n % 3 != 0)));
        let expected: Vec<String> = (0..300)
            .filter(|n| n % 3 != 0)
            .map(|n| format!("note {n:03}"))
            .collect();
        assert_eq!(texts(&path), expected);
    }

    /// A unit queued while a group is being written joins its transaction: here it fails, so
    /// the whole group, the unit already written included, is written again isolated.
    #[tokio::test]
    async fn a_unit_queued_while_a_group_is_written_joins_its_transaction() {
        let (_dir, writer, path) = writer();
        writer.run(|db| note(db, "taken")).await.expect("a note");
        let (started, start) = mpsc::channel::<()>();
        let (release, released) = mpsc::channel::<()>();
        let (started, released) = (
            std::sync::Mutex::new(started),
            std::sync::Mutex::new(released),
        );
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = std::sync::Arc::clone(&runs);
        let first = writer.run(move |db| {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = started.lock().expect("the sender").send(());
            // Once released, a second run does not wait again.
            let _ = released.lock().expect("the receiver").recv();
            note(db, "first")
        });
        let late = async {
            tokio::task::spawn_blocking(move || start.recv())
                .await
                .expect("the waiting task")
                .expect("the first unit starts");
            let (answer, answered) = tokio::sync::oneshot::channel();
            writer
                .units
                .send(Box::new(Pending {
                    unit: |db: &Connection, _: Care| note(db, "taken"),
                    outcome: None,
                    answer,
                }))
                .expect("the writer takes it");
            drop(release);
            answered.await.expect("an answer")
        };
        let (first, late) = tokio::join!(first, late);
        assert_eq!(first.expect("the first unit"), 1);
        assert!(matches!(late, Err(StoreError::Sqlite(_))), "{late:?}");
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert_eq!(texts(&path), ["first", "taken"]);
    }

    /// Units that share a transaction are written bare; when one fails, the others are written
    /// again, each in a savepoint, and only that second run is committed.
    #[tokio::test]
    async fn a_group_is_written_again_isolated_when_a_unit_fails() {
        let (_dir, writer, path) = writer();
        let (release, released) = mpsc::channel::<()>();
        let released = std::sync::Mutex::new(released);
        let cares = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = std::sync::Arc::clone(&cares);
        writer.run(|db| note(db, "taken")).await.expect("a note");
        // The first unit holds the writer until both others are queued, so that they share
        // a transaction (the first one's, or the next).
        let hold = writer.run(move |_| {
            // Once released, a second run (if it shares their group) does not wait again.
            let _ = released.lock().expect("the receiver").recv();
            Ok(())
        });
        let kept = writer.run_with_care(move |db, care| {
            seen.lock().expect("the cares").push(care);
            note(db, "kept")
        });
        let failing = writer.run(|db| note(db, "taken"));
        let (held, kept, failing, ()) = tokio::join!(hold, kept, failing, async move {
            drop(release);
        });
        held.expect("the holding unit");
        assert_eq!(kept.expect("the unit beside a failing one"), 1);
        assert!(matches!(failing, Err(StoreError::Sqlite(_))), "{failing:?}");
        assert_eq!(
            *cares.lock().expect("the cares"),
            [Care::Bare, Care::Isolated]
        );
        assert_eq!(texts(&path), ["kept", "taken"]);
    }

    #[test]
    fn numbered_parameters_bind_by_number_not_by_position() {
        let db = Connection::open_in_memory().expect("a database");
        let answered = query(
            &db,
            "SELECT $2 || '-' || $1 || '-' || $2",
            &values!["one", "two"],
            |row| Columns::of(row).get::<String>(0),
        )
        .expect("a row");
        assert_eq!(answered, ["two-one-two"]);
    }
}
