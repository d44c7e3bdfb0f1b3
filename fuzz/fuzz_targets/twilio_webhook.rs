//! A Twilio webhook as the server reads it: the form body parsed with `form_urlencoded` (as
//! `/webhooks/twilio/sms` does) and its `X-Twilio-Signature` checked. Input: auth token, URL and
//! signature on the first three lines, the form body after them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smsflow_sms::twilio::{signature, verify_signature};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |&b| b == b'\n');
    let token = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let url = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let given = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let body = parts.next().unwrap_or_default();
    let params: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();

    // Whatever signature came with it, checking it never panics.
    let accepted = verify_signature(&token, &url, &params, &given);
    // Our own signature of the same request is accepted, in any parameter order.
    let ours = signature(&token, &url, &params);
    assert!(verify_signature(&token, &url, &params, &ours));
    let mut reversed = params.clone();
    reversed.reverse();
    assert_eq!(signature(&token, &url, &reversed), ours);
    // A given signature is accepted only when it is the request's own (modulo surrounding space).
    if accepted {
        assert_eq!(given.trim(), ours);
    }
    // Changing the body changes the signature.
    let mut tampered = params;
    tampered.push(("Body".into(), "tampered".into()));
    assert!(!verify_signature(&token, &url, &tampered, &ours));
});
