//! The GSM-7/UCS-2 segment counter and `fit_segments`: a fitted reply fits its budget, is a prefix
//! of the original (plus "...") when cut, and text already in GSM-7 is left alone by `to_gsm_friendly`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smsflow_core::sms::{Encoding, fit_segments, segment_info, to_gsm_friendly};

fuzz_target!(|input: (u8, &str)| {
    let (budget, body) = input;
    let budget = usize::from(budget % 8);
    let info = segment_info(body);
    assert!(info.segments >= 1);
    match info.encoding {
        Encoding::Gsm7 => assert!(info.units >= body.chars().count()),
        Encoding::Ucs2 => assert_eq!(info.units, body.encode_utf16().count()),
    }
    let fitted = fit_segments(body, budget);
    assert!(
        segment_info(&fitted).segments <= budget.max(1),
        "{fitted:?}"
    );
    if fitted != body {
        let kept = fitted
            .strip_suffix("...")
            .expect("a cut reply ends with ...");
        assert!(
            body.starts_with(kept),
            "{kept:?} is not a prefix of the body"
        );
    }
    let friendly = to_gsm_friendly(body);
    if info.encoding == Encoding::Gsm7 {
        assert_eq!(friendly, body, "GSM-7 text is left alone");
    }
});
