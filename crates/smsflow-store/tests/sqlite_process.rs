//! SQLite's process-wide settings: a test binary of its own, so nothing else in the process uses
//! SQLite before or while they are made.

#[test]
fn memory_statistics_off_and_mimalloc_allocating_when_configured_first() {
    // SAFETY: the only test of this process, before anything opens a database.
    assert!(unsafe { smsflow_store::configure_sqlite() });
    let db = rusqlite::Connection::open_in_memory().expect("a database");
    db.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (randomblob(100000));")
        .expect("a write");
    // SAFETY: reads SQLite's counter, which only the statistics keep.
    assert_eq!(unsafe { libsqlite3_sys::sqlite3_memory_used() }, 0);
    // SQLite's blocks come from mimalloc (this test binary's own allocator is glibc's), and their
    // sizes are mimalloc's.
    // SAFETY: a block of SQLite's allocator, measured and freed by it.
    unsafe {
        let block = libsqlite3_sys::sqlite3_malloc(1000);
        assert!(libmimalloc_sys::mi_is_in_heap_region(block));
        assert_eq!(
            libsqlite3_sys::sqlite3_msize(block),
            libmimalloc_sys::mi_usable_size(block) as u64
        );
        libsqlite3_sys::sqlite3_free(block);
    }
    // Once SQLite is in use, it refuses and changes nothing.
    // SAFETY: no other thread; SQLite answers SQLITE_MISUSE.
    assert!(!unsafe { smsflow_store::configure_sqlite() });
}
