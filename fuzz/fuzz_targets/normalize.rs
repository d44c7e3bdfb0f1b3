//! The matcher's normaliser: the output is space-separated lower-case words with a leading and a
//! trailing space, and reusing the buffer gives the same result as a fresh one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smsflow_core::text::{normalize, normalize_into};

fuzz_target!(|input: (&str, &str)| {
    let (first, text) = input;
    let fresh = normalize(text);
    assert!(fresh.starts_with(' ') && fresh.ends_with(' '), "{fresh:?}");
    assert!(!fresh.contains("  ") || fresh == " ", "{fresh:?}");
    assert!(!fresh.chars().any(|c| c.is_ascii_uppercase()), "{fresh:?}");
    let mut reused = String::new();
    normalize_into(first, &mut reused);
    normalize_into(text, &mut reused);
    assert_eq!(reused, fresh);
});
