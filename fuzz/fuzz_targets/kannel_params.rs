//! Kannel's callbacks as the server reads them: the query string of get-url/post-url/dlr-url
//! parsed with `form_urlencoded`, the delivery-report type, and the text's encoding (which decides
//! `coding=2` on sendsms). The parameters survive the round trip through the query we send Kannel.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smsflow_core::sms::{Encoding, segment_info};
use smsflow_sms::kannel::delivery_status;
use std::collections::HashMap;

fuzz_target!(|data: &[u8]| {
    let params: HashMap<String, String> = form_urlencoded::parse(data).into_owned().collect();
    if let Some(kind) = params.get("type").and_then(|t| t.parse::<u8>().ok()) {
        let _ = delivery_status(kind);
    }
    if let Some(text) = params.get("text") {
        let info = segment_info(text);
        assert!(info.segments >= 1);
        if info.encoding == Encoding::Gsm7 {
            assert!(text.is_ascii() || !text.contains('\u{FFFD}'));
        }
    }
    // What we send to sendsms is read back by Kannel as the same parameters.
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in &params {
        query.append_pair(name, value);
    }
    let query = query.finish();
    let back: HashMap<String, String> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(back, params);
});
