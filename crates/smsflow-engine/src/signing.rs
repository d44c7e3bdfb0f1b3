//! Signed JSON webhooks, both ways: `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (Calendly's
//! scheme, which smsflow also uses for the webhooks it sends).

use hmac::{Hmac, Mac};

/// How old a signed request may be: replays of older ones are refused.
pub const TOLERANCE_SECS: i64 = 300;

fn mac(key: &str, timestamp: i64, body: &[u8]) -> Hmac<sha2::Sha256> {
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The signature header value for `body` at `timestamp`.
pub fn sign(key: &str, timestamp: i64, body: &[u8]) -> String {
    let hex: String = mac(key, timestamp, body)
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={hex}")
}

/// Checks a signature header in constant time, and that it is at most [`TOLERANCE_SECS`] old.
pub fn verify(key: &str, header: &str, body: &[u8], now: i64) -> bool {
    let mut timestamp = None;
    let mut signature = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signature = hex_decode(value),
            _ => {}
        }
    }
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return false;
    };
    (now - timestamp).abs() <= TOLERANCE_SECS
        && mac(key, timestamp, body).verify_slice(&signature).is_ok()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_with_a_time_limit() {
        let body = br#"{"event":"invitee.created"}"#;
        let header = sign("key", 1_700_000_000, body);
        assert!(verify("key", &header, body, 1_700_000_100));
        assert!(!verify("key", &header, body, 1_700_001_000), "too old");
        assert!(!verify("other", &header, body, 1_700_000_100));
        assert!(!verify("key", &header, b"{}", 1_700_000_100));
        assert!(!verify("key", "v1=00", body, 1_700_000_100));
        assert!(!verify("key", "t=1700000000,v1=zz", body, 1_700_000_000));
    }
}
