//! Copies of a SQLite database made with SQLite's online backup API (`sqlite3_backup_*`): the copy
//! is one consistent snapshot even while `smsflow serve` keeps writing, because the source is read
//! inside a single read transaction (in WAL mode writers go on meanwhile).
//!
//! The same copy, in the other direction, restores a backup: it goes through SQLite's locks, so a
//! process that has the database open sees either the old or the restored content, never a mix.

use libsqlite3_sys as ffi;
use std::ffi::{CStr, CString, c_int};
use std::path::{Path, PathBuf};

use crate::StoreError;

/// Pages copied per step: 4 MiB with SQLite's default page size, so progress moves on big files.
const PAGES_PER_STEP: c_int = 1024;
/// How long a step waits for a lock held by another connection before it tries again.
const BUSY_TIMEOUT_MS: c_int = 10_000;

/// How far a copy has come, after each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyProgress {
    pub copied_pages: u64,
    pub total_pages: u64,
}

/// What a finished copy holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySummary {
    pub pages: u64,
    pub bytes: u64,
    /// The newest migration the database has (0 for a database smsflow never migrated).
    pub schema_version: i64,
}

/// Copies the live database at `source` into a new file `destination` (which must not exist). The
/// copy is written next to `destination` and renamed into place once checked, so a failed or
/// interrupted backup never leaves a partial file under the name asked for.
pub fn backup(
    source: &Path,
    destination: &Path,
    progress: &mut dyn FnMut(CopyProgress),
) -> Result<CopySummary, StoreError> {
    if !source.is_file() {
        return Err(backup_error(format!(
            "there is no database at {}: check SMSFLOW_DATABASE_URL (or database_url in the config)",
            source.display()
        )));
    }
    if destination.exists() {
        return Err(backup_error(format!(
            "{} already exists: choose another file name (backups are never overwritten)",
            destination.display()
        )));
    }
    let partial = partial_path(destination);
    let _ = std::fs::remove_file(&partial);
    let result = copy(source, &partial, progress).and_then(|pages| {
        // A backup is one self-contained file: no -wal beside it, whatever mode the source uses.
        Connection::open(&partial, ffi::SQLITE_OPEN_READWRITE)?
            .query_text("PRAGMA journal_mode = DELETE")?;
        let summary = check(&partial, pages)?;
        std::fs::rename(&partial, destination).map_err(|error| {
            backup_error(format!(
                "cannot move the finished backup to {}: {error}",
                destination.display()
            ))
        })?;
        Ok(summary)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// Replaces the database at `destination` with the backup at `source`, after checking that the
/// backup is an intact smsflow database. The caller decides whether replacing an existing database
/// is allowed ([`is_database`] tells).
pub fn restore(
    source: &Path,
    destination: &Path,
    progress: &mut dyn FnMut(CopyProgress),
) -> Result<CopySummary, StoreError> {
    if !source.is_file() {
        return Err(backup_error(format!(
            "there is no backup at {}",
            source.display()
        )));
    }
    let checked = check(source, 0)?;
    if let Some(dir) = destination
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Directory {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let pages = copy(source, destination, progress)?;
    Ok(CopySummary { pages, ..checked })
}

/// Whether `path` is a SQLite database that holds any table (an empty or missing file is not).
pub fn is_database(path: &Path) -> Result<bool, StoreError> {
    if std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) == 0 {
        return Ok(false);
    }
    let db = Connection::open(path, ffi::SQLITE_OPEN_READONLY)?;
    Ok(db.query_i64("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table'")? > 0)
}

fn partial_path(destination: &Path) -> PathBuf {
    let mut name = destination.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    destination.with_file_name(name)
}

/// Copies every page of `source` into `destination` inside one read transaction of the source.
fn copy(
    source: &Path,
    destination: &Path,
    progress: &mut dyn FnMut(CopyProgress),
) -> Result<u64, StoreError> {
    let from = Connection::open(source, ffi::SQLITE_OPEN_READONLY)?;
    let to = Connection::open(
        destination,
        ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE,
    )?;
    // Reading sqlite_schema starts the read transaction that pins the snapshot every step copies
    // from; without it each step would take a new snapshot and restart when another process writes.
    from.execute("BEGIN")?;
    from.query_i64("SELECT COUNT(*) FROM sqlite_schema")?;
    let main = c"main";
    // SAFETY: both handles are open and outlive the backup object, which is finished below.
    let handle =
        unsafe { ffi::sqlite3_backup_init(to.raw, main.as_ptr(), from.raw, main.as_ptr()) };
    if handle.is_null() {
        return Err(to.error("cannot start the copy"));
    }
    let mut rc;
    loop {
        // SAFETY: `handle` is a live backup object until sqlite3_backup_finish.
        rc = unsafe { ffi::sqlite3_backup_step(handle, PAGES_PER_STEP) };
        let (remaining, total) = unsafe {
            (
                ffi::sqlite3_backup_remaining(handle),
                ffi::sqlite3_backup_pagecount(handle),
            )
        };
        let total = u64::try_from(total).unwrap_or(0);
        progress(CopyProgress {
            copied_pages: total.saturating_sub(u64::try_from(remaining).unwrap_or(0)),
            total_pages: total,
        });
        if rc != ffi::SQLITE_OK {
            break;
        }
    }
    let total = u64::try_from(unsafe { ffi::sqlite3_backup_pagecount(handle) }).unwrap_or(0);
    // SAFETY: finishing releases the backup object; `handle` is not used again.
    let finished = unsafe { ffi::sqlite3_backup_finish(handle) };
    from.execute("COMMIT")?;
    if rc != ffi::SQLITE_DONE || finished != ffi::SQLITE_OK {
        return Err(to.error("the copy failed"));
    }
    Ok(total)
}

/// Checks that `path` is an intact smsflow database and says what it holds.
fn check(path: &Path, pages: u64) -> Result<CopySummary, StoreError> {
    let db = Connection::open(path, ffi::SQLITE_OPEN_READONLY)?;
    let verdict = db.query_text("PRAGMA quick_check")?;
    if verdict != "ok" {
        return Err(backup_error(format!(
            "{} is damaged (SQLite's quick_check says: {verdict})",
            path.display()
        )));
    }
    let migrated =
        db.query_i64("SELECT COUNT(*) FROM sqlite_schema WHERE name = '_sqlx_migrations'")? > 0;
    if !migrated {
        return Err(backup_error(format!(
            "{} is a SQLite file but not an smsflow database (it has no migrations table)",
            path.display()
        )));
    }
    let page_size = db.query_i64("PRAGMA page_size")?;
    let pages = if pages == 0 {
        u64::try_from(db.query_i64("PRAGMA page_count")?).unwrap_or(0)
    } else {
        pages
    };
    Ok(CopySummary {
        pages,
        bytes: pages * u64::try_from(page_size).unwrap_or(0),
        schema_version: db.query_i64("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")?,
    })
}

fn backup_error(message: String) -> StoreError {
    StoreError::Backup(message)
}

/// A raw SQLite connection, closed on drop; just enough for the backup API.
struct Connection {
    raw: *mut ffi::sqlite3,
    path: PathBuf,
}

impl Connection {
    fn open(path: &Path, flags: c_int) -> Result<Connection, StoreError> {
        let name = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| backup_error(format!("{} has a NUL byte in its name", path.display())))?;
        let mut raw = std::ptr::null_mut();
        // SAFETY: `name` is a valid C string; SQLite sets `raw` even on failure (closed below).
        let rc = unsafe { ffi::sqlite3_open_v2(name.as_ptr(), &mut raw, flags, std::ptr::null()) };
        let db = Connection {
            raw,
            path: path.to_path_buf(),
        };
        if rc != ffi::SQLITE_OK {
            return Err(db.error("cannot open"));
        }
        // SAFETY: `raw` is an open connection.
        unsafe { ffi::sqlite3_busy_timeout(raw, BUSY_TIMEOUT_MS) };
        Ok(db)
    }

    fn error(&self, what: &str) -> StoreError {
        let detail = if self.raw.is_null() {
            "out of memory".to_string()
        } else {
            // SAFETY: sqlite3_errmsg returns a NUL-terminated string owned by the connection.
            unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.raw)) }
                .to_string_lossy()
                .into_owned()
        };
        backup_error(format!("{what} {}: {detail}", self.path.display()))
    }

    fn execute(&self, sql: &str) -> Result<(), StoreError> {
        let sql = CString::new(sql).expect("static SQL has no NUL");
        // SAFETY: `raw` is open and `sql` is a valid C string.
        let rc = unsafe {
            ffi::sqlite3_exec(
                self.raw,
                sql.as_ptr(),
                None,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if rc == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(self.error("cannot read"))
        }
    }

    /// The first column of the first row of `sql`, with the statement finalised before returning.
    fn query<T>(
        &self,
        sql: &str,
        read: impl FnOnce(*mut ffi::sqlite3_stmt) -> T,
    ) -> Result<T, StoreError> {
        let sql = CString::new(sql).expect("static SQL has no NUL");
        let mut statement = std::ptr::null_mut();
        // SAFETY: `raw` is open; the statement is finalised on every path below.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(
                self.raw,
                sql.as_ptr(),
                -1,
                &mut statement,
                std::ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(self.error("cannot read"));
        }
        let result = if unsafe { ffi::sqlite3_step(statement) } == ffi::SQLITE_ROW {
            Ok(read(statement))
        } else {
            Err(self.error("cannot read"))
        };
        unsafe { ffi::sqlite3_finalize(statement) };
        result
    }

    fn query_i64(&self, sql: &str) -> Result<i64, StoreError> {
        // SAFETY: called on a statement positioned on a row.
        self.query(sql, |statement| unsafe {
            ffi::sqlite3_column_int64(statement, 0)
        })
    }

    fn query_text(&self, sql: &str) -> Result<String, StoreError> {
        self.query(sql, |statement| {
            // SAFETY: the text pointer is valid until the statement steps again or is finalised.
            let text = unsafe { ffi::sqlite3_column_text(statement, 0) };
            if text.is_null() {
                String::new()
            } else {
                unsafe { CStr::from_ptr(text.cast()) }
                    .to_string_lossy()
                    .into_owned()
            }
        })
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // SAFETY: closing a connection (or a null one, which is a no-op) exactly once.
        unsafe { ffi::sqlite3_close(self.raw) };
    }
}
