//! A SQLite VFS for the writer thread's connection that hands each commit's write-ahead-log frames
//! to the kernel in one write. SQLite writes a frame as two `pwrite`s (its 24-byte header, then
//! the page): about 22 system calls a text in the pipeline, where the same bytes in one call cost
//! a fifth of the time (measured: 11 frames, 20-25 µs as 22 calls, 4.4-4.7 µs as one).
//!
//! The VFS wraps the platform's default one and changes nothing but the write-ahead log's writes:
//! a write that continues the previous one is appended to a buffer, which goes to the file before
//! anything that could observe the file or make the frames count:
//! - a sync (with `synchronous = FULL` SQLite syncs the log at every commit, before it publishes
//!   the commit to other connections in the shared-memory index),
//! - a read, a truncation, a size asked, a file control, closing the file,
//! - a write that does not continue the buffer (a frame overwritten in place), or a full buffer,
//! - the end of the write transaction (the connection unlocking the log's write lock, after a
//!   commit or a rollback): a rolled-back transaction's frames reach the file before another
//!   connection may write there, as without this VFS.
//!
//! So what is on disk at every point another connection or a crash could see it is what SQLite
//! alone would have written. It relies on `synchronous = FULL` (or EXTRA): with NORMAL, SQLite
//! publishes a commit without syncing, and other connections could read frames still buffered.
//! The writer sets FULL itself and checks it (`SqliteWriter::open`).

use libsqlite3_sys as ffi;
use std::ffi::{CStr, c_int, c_void};
use std::mem::size_of;
use std::ptr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicPtr, Ordering};

/// The name connections open the database with to use this VFS.
pub(crate) const WAL_WRITES_VFS: &CStr = c"smsflow-wal-writes";

/// At most this much buffered, then written: the most the platform's VFS writes in one call
/// (its `seekAndWriteFd` keeps only the low 17 bits of a size, and a write of exactly 128 KiB
/// would write nothing and fail as a full disk). 31 frames of 4 KiB pages; a commit at 4 texts
/// in flight writes about 70.
const BUFFER_MAX: usize = 0x1ffff;

/// Registers the VFS (once per process; not as the default). An error says why SQLite refused.
pub(crate) fn register() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            // SAFETY: `sqlite3_vfs_find(NULL)` answers the default VFS, which SQLite never frees;
            // the copy registered is leaked, as SQLite keeps its address for the process's life.
            unsafe {
                let root = ffi::sqlite3_vfs_find(ptr::null());
                if root.is_null() {
                    return Err("SQLite has no default VFS".to_string());
                }
                let mut vfs = *root;
                vfs.pNext = ptr::null_mut();
                vfs.zName = WAL_WRITES_VFS.as_ptr();
                vfs.szOsFile = c_int::try_from(file_offset() + (*root).szOsFile as usize)
                    .map_err(|_| "the default VFS's files are too large".to_string())?;
                vfs.xOpen = Some(open);
                // Every other method is the default VFS's own, called with this copy, whose
                // `pAppData` is the default's too.
                ROOT.store(root, Ordering::Release);
                let vfs = Box::leak(Box::new(vfs));
                match ffi::sqlite3_vfs_register(vfs, 0) {
                    ffi::SQLITE_OK => Ok(()),
                    code => Err(format!("sqlite3_vfs_register answered {code}")),
                }
            }
        })
        .clone()
}

/// The default VFS this one wraps.
static ROOT: AtomicPtr<ffi::sqlite3_vfs> = AtomicPtr::new(ptr::null_mut());

/// The main database file: the default VFS's file, with its methods called through ours so that
/// the end of a write transaction writes what the log buffered.
#[repr(C)]
struct DbFile {
    base: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    /// The write-ahead log the same connection opened, while it is open.
    wal: *mut WalFile,
}

/// The write-ahead log: the default VFS's file, and the writes not yet handed to it.
#[repr(C)]
struct WalFile {
    base: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    /// The main database file of the same connection, if it is ours (else nothing is buffered).
    db: *mut DbFile,
    buffer: Vec<u8>,
    /// Where in the file `buffer` starts.
    buffer_at: i64,
}

/// Where the default VFS's file starts in the space SQLite gives a file of ours.
const fn file_offset() -> usize {
    let ours = if size_of::<DbFile>() > size_of::<WalFile>() {
        size_of::<DbFile>()
    } else {
        size_of::<WalFile>()
    };
    ours.next_multiple_of(16)
}

fn root() -> *mut ffi::sqlite3_vfs {
    ROOT.load(Ordering::Acquire)
}

/// Calls method `$name` of the default VFS's file `$real` with `$args`; a method it lacks
/// answers `$missing`.
macro_rules! real {
    ($real:expr, $name:ident, $missing:expr $(, $args:expr)*) => {{
        let real: *mut ffi::sqlite3_file = $real;
        match (*(*real).pMethods).$name {
            Some(method) => method(real $(, $args)*),
            None => $missing,
        }
    }};
}

unsafe extern "C" fn open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    // SAFETY (whole function): SQLite gives `file` as `szOsFile` bytes, aligned for any type; the
    // default VFS's file goes `file_offset()` bytes in.
    unsafe {
        let root = root();
        let Some(root_open) = (*root).xOpen else {
            return ffi::SQLITE_CANTOPEN;
        };
        let kind = flags & (ffi::SQLITE_OPEN_MAIN_DB | ffi::SQLITE_OPEN_WAL);
        if kind == 0 {
            // Neither the database nor its log (a temporary file, a journal): the default
            // VFS's file as it is, at the start of the space.
            return root_open(root, name, file, flags, out_flags);
        }
        let real = file
            .cast::<u8>()
            .add(file_offset())
            .cast::<ffi::sqlite3_file>();
        (*file).pMethods = ptr::null();
        let code = root_open(root, name, real, flags, out_flags);
        if code != ffi::SQLITE_OK {
            // SQLite closes only a file whose methods are set: ours are not.
            if !(*real).pMethods.is_null() {
                real!(real, xClose, ffi::SQLITE_OK);
            }
            return code;
        }
        if kind == ffi::SQLITE_OPEN_MAIN_DB {
            ptr::write(
                file.cast::<DbFile>(),
                DbFile {
                    base: ffi::sqlite3_file {
                        pMethods: &DB_METHODS,
                    },
                    real,
                    wal: ptr::null_mut(),
                },
            );
        } else {
            let db = ffi::sqlite3_database_file_object(name);
            let db = if !db.is_null() && ptr::eq((*db).pMethods, &DB_METHODS) {
                db.cast::<DbFile>()
            } else {
                ptr::null_mut()
            };
            let wal = file.cast::<WalFile>();
            ptr::write(
                wal,
                WalFile {
                    base: ffi::sqlite3_file {
                        pMethods: &WAL_METHODS,
                    },
                    real,
                    db,
                    buffer: Vec::new(),
                    buffer_at: 0,
                },
            );
            if !db.is_null() {
                (*db).wal = wal;
            }
        }
        ffi::SQLITE_OK
    }
}

impl WalFile {
    /// Hands what is buffered to the file; the buffer is emptied even if that fails (SQLite then
    /// fails the transaction, whose frames the log's checksums no longer vouch for).
    unsafe fn flush(&mut self) -> c_int {
        if self.buffer.is_empty() {
            return ffi::SQLITE_OK;
        }
        // At most BUFFER_MAX bytes: an `int`.
        let length = self.buffer.len() as c_int;
        // SAFETY: `real` is the open file; the buffer outlives the call.
        let code = unsafe {
            real!(
                self.real,
                xWrite,
                ffi::SQLITE_IOERR_WRITE,
                self.buffer.as_ptr().cast::<c_void>(),
                length,
                self.buffer_at
            )
        };
        #[cfg(test)]
        tests::WRITES.with(|writes| writes.set(writes.get() + 1));
        self.buffer.clear();
        code
    }
}

/// The log file of a `sqlite3_file` SQLite gives one of `WAL_METHODS`.
unsafe fn wal<'a>(file: *mut ffi::sqlite3_file) -> &'a mut WalFile {
    // SAFETY: `open` wrote a `WalFile` there; SQLite calls a file's methods one at a time.
    unsafe { &mut *file.cast::<WalFile>() }
}

unsafe extern "C" fn wal_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: see `wal`; the `WalFile` is dropped once, here, and its database no longer points
    // to it.
    unsafe {
        let wal = wal(file);
        let flushed = wal.flush();
        let closed = real!(wal.real, xClose, ffi::SQLITE_OK);
        if !wal.db.is_null() {
            (*wal.db).wal = ptr::null_mut();
        }
        ptr::drop_in_place(file.cast::<WalFile>());
        if flushed != ffi::SQLITE_OK {
            flushed
        } else {
            closed
        }
    }
}

unsafe extern "C" fn wal_write(
    file: *mut ffi::sqlite3_file,
    data: *const c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    // SAFETY: see `wal`; SQLite gives `amount` readable bytes at `data`.
    unsafe {
        let wal = wal(file);
        let size = amount.max(0) as usize;
        let continues = offset == wal.buffer_at + wal.buffer.len() as i64;
        if !wal.buffer.is_empty() && (!continues || wal.buffer.len() + size > BUFFER_MAX) {
            let code = wal.flush();
            if code != ffi::SQLITE_OK {
                return code;
            }
        }
        // Not buffered: a log whose database file is not ours (nothing would write the buffer at
        // the end of a transaction), or a write larger than any frame (pages are at most 64 KiB).
        if wal.db.is_null() || size > BUFFER_MAX {
            return real!(
                wal.real,
                xWrite,
                ffi::SQLITE_IOERR_WRITE,
                data,
                amount,
                offset
            );
        }
        if wal.buffer.is_empty() {
            wal.buffer_at = offset;
        }
        wal.buffer
            .extend_from_slice(std::slice::from_raw_parts(data.cast::<u8>(), size));
        ffi::SQLITE_OK
    }
}

/// A method of the log that flushes first, then calls the default VFS's.
macro_rules! flushing {
    ($fn_name:ident, $name:ident, $missing:expr $(, $arg:ident : $ty:ty)*) => {
        unsafe extern "C" fn $fn_name(file: *mut ffi::sqlite3_file $(, $arg: $ty)*) -> c_int {
            // SAFETY: see `wal`.
            unsafe {
                let wal = wal(file);
                let code = wal.flush();
                if code != ffi::SQLITE_OK {
                    return code;
                }
                real!(wal.real, $name, $missing $(, $arg)*)
            }
        }
    };
}

flushing!(wal_read, xRead, ffi::SQLITE_IOERR_READ, data: *mut c_void, amount: c_int, offset: i64);
flushing!(wal_truncate, xTruncate, ffi::SQLITE_IOERR_TRUNCATE, size: i64);
flushing!(wal_sync, xSync, ffi::SQLITE_IOERR_FSYNC, flags: c_int);
flushing!(wal_file_size, xFileSize, ffi::SQLITE_IOERR_FSTAT, size: *mut i64);
flushing!(wal_file_control, xFileControl, ffi::SQLITE_NOTFOUND, op: c_int, arg: *mut c_void);

/// A method of the database or the log that only calls the default VFS's.
macro_rules! passing {
    ($fn_name:ident, $file:ty, $name:ident, $missing:expr $(, $arg:ident : $ty:ty)*) => {
        unsafe extern "C" fn $fn_name(file: *mut ffi::sqlite3_file $(, $arg: $ty)*) -> c_int {
            // SAFETY: `open` wrote a file of this type there.
            unsafe { real!((*file.cast::<$file>()).real, $name, $missing $(, $arg)*) }
        }
    };
}

passing!(wal_lock, WalFile, xLock, ffi::SQLITE_OK, level: c_int);
passing!(wal_unlock, WalFile, xUnlock, ffi::SQLITE_OK, level: c_int);
passing!(wal_reserved, WalFile, xCheckReservedLock, ffi::SQLITE_OK, out: *mut c_int);
passing!(wal_sector_size, WalFile, xSectorSize, 4096);
passing!(wal_device, WalFile, xDeviceCharacteristics, 0);

static WAL_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    // The log is never mapped into memory nor given shared memory: version 1 is all it needs.
    iVersion: 1,
    xClose: Some(wal_close),
    xRead: Some(wal_read),
    xWrite: Some(wal_write),
    xTruncate: Some(wal_truncate),
    xSync: Some(wal_sync),
    xFileSize: Some(wal_file_size),
    xLock: Some(wal_lock),
    xUnlock: Some(wal_unlock),
    xCheckReservedLock: Some(wal_reserved),
    xFileControl: Some(wal_file_control),
    xSectorSize: Some(wal_sector_size),
    xDeviceCharacteristics: Some(wal_device),
    xShmMap: None,
    xShmLock: None,
    xShmBarrier: None,
    xShmUnmap: None,
    xFetch: None,
    xUnfetch: None,
};

unsafe extern "C" fn db_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: `open` wrote a `DbFile` there; it is dropped once, here (it owns nothing).
    unsafe {
        let db = &mut *file.cast::<DbFile>();
        let mut flushed = ffi::SQLITE_OK;
        if !db.wal.is_null() {
            // SQLite closes the log first; should it not, the log writes through from now on.
            flushed = (*db.wal).flush();
            (*db.wal).db = ptr::null_mut();
        }
        let closed = real!(db.real, xClose, ffi::SQLITE_OK);
        if flushed != ffi::SQLITE_OK {
            flushed
        } else {
            closed
        }
    }
}

/// SQLite's lock on the log's shared memory that a writer holds for its whole transaction.
const WAL_WRITE_LOCK: c_int = 0;

unsafe extern "C" fn db_shm_lock(
    file: *mut ffi::sqlite3_file,
    offset: c_int,
    count: c_int,
    flags: c_int,
) -> c_int {
    // SAFETY: `open` wrote a `DbFile` there, and `wal` is open while it points to it.
    unsafe {
        let db = &mut *file.cast::<DbFile>();
        let unlocks_writer = flags & ffi::SQLITE_SHM_UNLOCK != 0
            && (offset..offset + count).contains(&WAL_WRITE_LOCK);
        if unlocks_writer && !db.wal.is_null() {
            let code = (*db.wal).flush();
            if code != ffi::SQLITE_OK {
                return code;
            }
        }
        real!(
            db.real,
            xShmLock,
            ffi::SQLITE_IOERR_SHMLOCK,
            offset,
            count,
            flags
        )
    }
}

unsafe extern "C" fn db_shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: `open` wrote a `DbFile` there.
    unsafe {
        let real = (*file.cast::<DbFile>()).real;
        if let Some(barrier) = (*(*real).pMethods).xShmBarrier {
            barrier(real);
        }
    }
}

passing!(db_read, DbFile, xRead, ffi::SQLITE_IOERR_READ, data: *mut c_void, amount: c_int, offset: i64);
passing!(db_write, DbFile, xWrite, ffi::SQLITE_IOERR_WRITE, data: *const c_void, amount: c_int, offset: i64);
passing!(db_truncate, DbFile, xTruncate, ffi::SQLITE_IOERR_TRUNCATE, size: i64);
passing!(db_sync, DbFile, xSync, ffi::SQLITE_IOERR_FSYNC, flags: c_int);
passing!(db_file_size, DbFile, xFileSize, ffi::SQLITE_IOERR_FSTAT, size: *mut i64);
passing!(db_lock, DbFile, xLock, ffi::SQLITE_IOERR_LOCK, level: c_int);
passing!(db_unlock, DbFile, xUnlock, ffi::SQLITE_IOERR_UNLOCK, level: c_int);
passing!(db_reserved, DbFile, xCheckReservedLock, ffi::SQLITE_IOERR_CHECKRESERVEDLOCK, out: *mut c_int);
passing!(db_file_control, DbFile, xFileControl, ffi::SQLITE_NOTFOUND, op: c_int, arg: *mut c_void);
passing!(db_sector_size, DbFile, xSectorSize, 4096);
passing!(db_device, DbFile, xDeviceCharacteristics, 0);
passing!(db_shm_map, DbFile, xShmMap, ffi::SQLITE_IOERR_SHMMAP, region: c_int, size: c_int, extend: c_int, out: *mut *mut c_void);
passing!(db_shm_unmap, DbFile, xShmUnmap, ffi::SQLITE_OK, delete: c_int);
passing!(db_unfetch, DbFile, xUnfetch, ffi::SQLITE_OK, offset: i64, page: *mut c_void);

unsafe extern "C" fn db_fetch(
    file: *mut ffi::sqlite3_file,
    offset: i64,
    amount: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: `open` wrote a `DbFile` there; SQLite gives `out` to write to.
    unsafe {
        *out = ptr::null_mut();
        real!(
            (*file.cast::<DbFile>()).real,
            xFetch,
            ffi::SQLITE_OK,
            offset,
            amount,
            out
        )
    }
}

static DB_METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(db_close),
    xRead: Some(db_read),
    xWrite: Some(db_write),
    xTruncate: Some(db_truncate),
    xSync: Some(db_sync),
    xFileSize: Some(db_file_size),
    xLock: Some(db_lock),
    xUnlock: Some(db_unlock),
    xCheckReservedLock: Some(db_reserved),
    xFileControl: Some(db_file_control),
    xSectorSize: Some(db_sector_size),
    xDeviceCharacteristics: Some(db_device),
    xShmMap: Some(db_shm_map),
    xShmLock: Some(db_shm_lock),
    xShmBarrier: Some(db_shm_barrier),
    xShmUnmap: Some(db_shm_unmap),
    xFetch: Some(db_fetch),
    xUnfetch: Some(db_unfetch),
};

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::{Connection, OpenFlags};
    use std::cell::Cell;
    use std::path::{Path, PathBuf};

    thread_local! {
        /// Writes this thread's connections handed to the log file (see `WalFile::flush`).
        pub(super) static WRITES: Cell<u64> = const { Cell::new(0) };
    }

    fn writes() -> u64 {
        WRITES.with(Cell::get)
    }

    fn open_ours(path: &Path) -> Connection {
        register().unwrap();
        let db = Connection::open_with_flags_and_vfs(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            WAL_WRITES_VFS,
        )
        .unwrap();
        db.pragma_update(None, "journal_mode", "WAL").unwrap();
        db.pragma_update(None, "synchronous", "FULL").unwrap();
        db
    }

    /// A fresh database in a directory of its own (kept while the first part lives), opened
    /// through this VFS, with an empty `notes` table.
    fn notes_through_ours() -> (tempfile::TempDir, PathBuf, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let ours = open_ours(&path);
        ours.execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            .unwrap();
        (dir, path, ours)
    }

    fn open_default(path: &Path) -> Connection {
        let db = Connection::open(path).unwrap();
        db.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
        db
    }

    fn integrity(db: &Connection) -> String {
        db.query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap()
    }

    fn count(db: &Connection) -> i64 {
        db.query_row("SELECT COUNT(*) FROM notes", [], |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn a_commit_reaches_the_log_in_one_write_and_other_connections_read_it() {
        let (_dir, path, ours) = notes_through_ours();
        let other = open_default(&path);
        let mut stored = 0;
        for round in 0..20 {
            let before = writes();
            // Most rounds about 15 pages, each a frame SQLite writes in two calls: one write
            // here; every fifth round about 150 pages (620 KiB): five of at most 128 KiB.
            let (notes, expected_writes) = if round % 5 == 4 { (300, 5) } else { (30, 1) };
            ours.execute_batch("BEGIN").unwrap();
            for _ in 0..notes {
                ours.execute("INSERT INTO notes (body) VALUES (?1)", ["x".repeat(1500)])
                    .unwrap();
            }
            ours.execute_batch("COMMIT").unwrap();
            assert_eq!(writes() - before, expected_writes, "round {round}");
            stored += notes;
            assert_eq!(count(&other), stored);
        }
        assert_eq!(integrity(&other), "ok");
        drop(ours);
        assert_eq!(count(&open_default(&path)), stored);
    }

    #[test]
    fn a_rolled_back_transaction_leaves_the_log_to_the_next_writer() {
        let (_dir, path, ours) = notes_through_ours();
        // A cache of a few pages: the transaction spills frames to the log before it ends.
        ours.pragma_update(None, "cache_size", 5).unwrap();
        let other = open_default(&path);
        for round in 0..5 {
            ours.execute_batch("BEGIN").unwrap();
            for _ in 0..200 {
                ours.execute("INSERT INTO notes (body) VALUES (?1)", ["r".repeat(1000)])
                    .unwrap();
            }
            ours.execute_batch("ROLLBACK").unwrap();
            // Another connection writes where the rolled-back frames were, and commits.
            other
                .execute(
                    "INSERT INTO notes (body) VALUES (?1)",
                    [format!("other {round}")],
                )
                .unwrap();
            ours.execute(
                "INSERT INTO notes (body) VALUES (?1)",
                [format!("ours {round}")],
            )
            .unwrap();
        }
        for db in [&ours, &other, &open_default(&path)] {
            assert_eq!(integrity(db), "ok");
            let bodies: Vec<String> = db
                .prepare("SELECT body FROM notes ORDER BY id")
                .unwrap()
                .query_map([], |row| row.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            let expected: Vec<String> = (0..5)
                .flat_map(|round| [format!("other {round}"), format!("ours {round}")])
                .collect();
            assert_eq!(bodies, expected);
        }
    }

    #[test]
    fn frames_spilled_overwritten_and_checkpointed_read_back_as_written() {
        let (_dir, path, ours) = notes_through_ours();
        ours.execute_batch("PRAGMA cache_size = 5; PRAGMA wal_autocheckpoint = 20;")
            .unwrap();
        let reader = open_default(&path);
        for round in 0..10_i64 {
            ours.execute_batch("BEGIN").unwrap();
            for n in 0..100_i64 {
                ours.execute(
                    "INSERT INTO notes (id, body) VALUES (?1, ?2)",
                    (round * 100 + n, format!("{n:0>800}")),
                )
                .unwrap();
            }
            // Pages spilled to the log earlier in this transaction, changed again: read back
            // from the log, and their frames overwritten in place.
            ours.execute(
                "UPDATE notes SET body = body || 'again' WHERE id >= ?1",
                [round * 100],
            )
            .unwrap();
            ours.execute_batch("COMMIT").unwrap();
            assert_eq!(count(&reader), (round + 1) * 100);
        }
        let again: i64 = reader
            .query_row(
                "SELECT COUNT(*) FROM notes WHERE body LIKE '%again'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(again, 1000);
        assert_eq!(integrity(&reader), "ok");
        drop(ours);
        let reopened = open_default(&path);
        assert_eq!(integrity(&reopened), "ok");
        assert_eq!(count(&reopened), 1000);
    }
}
