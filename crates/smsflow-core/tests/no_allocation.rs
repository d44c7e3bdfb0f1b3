//! Matching a message allocates nothing once warm: not per keyword, not per message.

use smsflow_core::{Goal, MatchEntry, Matcher};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

#[test]
fn finding_the_winner_does_not_allocate() {
    let entries = (0..1_000)
        .map(|i| MatchEntry {
            keywords: vec![format!("product{i}"), format!("service {i}")],
            ..MatchEntry::new(
                &format!("workflow {i}"),
                Goal::ALL[i % Goal::ALL.len()],
                (i % 50) as i64,
                true,
            )
        })
        .collect();
    let matcher = Matcher::new(entries);
    let messages = [
        "Can I get a quote? My sink has a problem and I'd like to book an appointment, pls",
        "¿Tienen citas disponibles mañana? Necesito ayuda con un problema",
        "product7 and service 12 please",
    ];
    // Warm the thread-local buffer with a long message first.
    matcher.find(&"warm up ".repeat(100));
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..100 {
        for message in messages {
            assert!(matcher.find(message).is_some());
        }
    }
    assert_eq!(ALLOCATIONS.load(Ordering::Relaxed) - before, 0);
}
