//! SQLite's settings for the whole process, made before anything opens a database.

use libmimalloc_sys as mimalloc;
use libsqlite3_sys as ffi;
use std::ffi::{c_int, c_void};

/// Makes SQLite's process-wide settings; false when SQLite was already in use, which refuses them
/// and keeps its defaults:
/// - its memory statistics off (`sqlite3_memory_used`, which nothing here reads): with them on,
///   every allocation and free of SQLite's takes a process-wide mutex and measures the block
///   (profiled: ~2% of the pipeline's CPU per text, most of it on the writer thread);
/// - its allocations from mimalloc, the binary's allocator, instead of glibc's `malloc`, which
///   SQLite calls directly whatever Rust's global allocator is (profiled: glibc's malloc and free
///   on the writer thread).
///
/// # Safety
/// `sqlite3_config` is not thread-safe: no other thread may call SQLite while this runs. Call it
/// first thing in `main`, before any thread starts.
pub unsafe fn configure_sqlite() -> bool {
    // mimalloc behind SQLite's allocator interface, which counts in `int`s; SQLite copies it.
    let mimalloc = ffi::sqlite3_mem_methods {
        xMalloc: Some(sqlite_malloc),
        xFree: Some(sqlite_free),
        xRealloc: Some(sqlite_realloc),
        xSize: Some(sqlite_size),
        xRoundup: Some(sqlite_roundup),
        xInit: Some(sqlite_init),
        xShutdown: Some(sqlite_shutdown),
        pAppData: std::ptr::null_mut(),
    };
    // SAFETY: the caller guarantees no concurrent SQLite call; MEMSTATUS takes one int, MALLOC a
    // pointer to methods, copied before it returns. Once SQLite is initialised each answers
    // SQLITE_MISUSE and changes nothing.
    unsafe {
        ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int) == ffi::SQLITE_OK
            && ffi::sqlite3_config(ffi::SQLITE_CONFIG_MALLOC, &mimalloc as *const _)
                == ffi::SQLITE_OK
    }
}

/// SQLite never asks for a negative or zero size (its `sqlite3Malloc` checks), but a negative
/// `int` must not become a huge `usize`.
fn size(bytes: c_int) -> usize {
    usize::try_from(bytes).unwrap_or(0)
}

unsafe extern "C" fn sqlite_malloc(bytes: c_int) -> *mut c_void {
    // SAFETY: mimalloc's malloc; its blocks are aligned to 8 bytes at least, as SQLite requires.
    unsafe { mimalloc::mi_malloc(size(bytes)) }
}

unsafe extern "C" fn sqlite_free(block: *mut c_void) {
    // SAFETY: SQLite frees only blocks it got from these methods.
    unsafe { mimalloc::mi_free(block) }
}

unsafe extern "C" fn sqlite_realloc(block: *mut c_void, bytes: c_int) -> *mut c_void {
    // SAFETY: as for free; mimalloc keeps the contents up to the smaller size.
    unsafe { mimalloc::mi_realloc(block, size(bytes)) }
}

unsafe extern "C" fn sqlite_size(block: *mut c_void) -> c_int {
    // SAFETY: a block from these methods; SQLite's blocks are far below 2 GiB.
    let bytes = unsafe { mimalloc::mi_usable_size(block) };
    c_int::try_from(bytes).unwrap_or(c_int::MAX)
}

unsafe extern "C" fn sqlite_roundup(bytes: c_int) -> c_int {
    // SAFETY: a pure function of the size.
    let rounded = unsafe { mimalloc::mi_good_size(size(bytes)) };
    c_int::try_from(rounded).unwrap_or(bytes)
}

unsafe extern "C" fn sqlite_init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn sqlite_shutdown(_: *mut c_void) {}
