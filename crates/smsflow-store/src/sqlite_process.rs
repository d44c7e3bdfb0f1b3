//! SQLite's settings for the whole process, made before anything opens a database.

use libsqlite3_sys as ffi;

/// Turns off SQLite's memory statistics (`sqlite3_memory_used`, which nothing here reads): with
/// them on, every allocation and free of SQLite's takes a process-wide mutex and measures the
/// block (profiled: ~2% of the pipeline's CPU per text, most of it on the writer thread). False
/// when SQLite was already in use, which leaves them on.
///
/// # Safety
/// `sqlite3_config` is not thread-safe: no other thread may call SQLite while this runs. Call it
/// first thing in `main`, before any thread starts.
pub unsafe fn configure_sqlite() -> bool {
    // SAFETY: the caller guarantees no concurrent SQLite call; MEMSTATUS takes one int. Once
    // SQLite is initialised this answers SQLITE_MISUSE and changes nothing.
    let rc = unsafe { ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int) };
    rc == ffi::SQLITE_OK
}
