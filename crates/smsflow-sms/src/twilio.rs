//! Twilio: the request signature of its webhooks, its message statuses, and sending through its
//! Messages REST API (`POST /2010-04-01/Accounts/{Sid}/Messages.json`).

use async_trait::async_trait;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha1::Sha1;
use smsflow_core::conversation::{Channel, MessageStatus};

use crate::{EarlierAttempt, OutgoingSms, SendError, SendReceipt, SmsChannel, classify_status};

pub const DEFAULT_API_BASE: &str = "https://api.twilio.com";

/// `X-Twilio-Signature` as Twilio computes it: HMAC-SHA1, keyed with the auth token, of the full URL
/// followed by every POST parameter's name and value, sorted by name (then value); base64.
pub fn signature(
    auth_token: &str,
    url: &str,
    params: &[(impl AsRef<str>, impl AsRef<str>)],
) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(signing_mac(auth_token, url, params).finalize().into_bytes())
}

/// Checks a webhook's signature in constant time.
pub fn verify_signature(
    auth_token: &str,
    url: &str,
    params: &[(impl AsRef<str>, impl AsRef<str>)],
    given: &str,
) -> bool {
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(given.trim()) else {
        return false;
    };
    signing_mac(auth_token, url, params)
        .verify_slice(&given)
        .is_ok()
}

fn signing_mac(
    auth_token: &str,
    url: &str,
    params: &[(impl AsRef<str>, impl AsRef<str>)],
) -> Hmac<Sha1> {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .map(|(name, value)| (name.as_ref(), value.as_ref()))
        .collect();
    sorted.sort_unstable();
    let mut mac =
        Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes any key length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// The `From` of a message to `to`: a `whatsapp:` recipient is answered on WhatsApp, from our
/// number's WhatsApp address (`whatsapp:` + our number), never through the SMS API.
pub fn sender_for(our_number: &str, to: &str) -> String {
    const WHATSAPP: &str = "whatsapp:";
    if to.starts_with(WHATSAPP) && !our_number.starts_with(WHATSAPP) {
        format!("{WHATSAPP}{our_number}")
    } else {
        our_number.to_string()
    }
}

/// Our status for a Twilio `MessageStatus`; `None` for the ones before "sent" (we already know the
/// message left our queue).
pub fn delivery_status(twilio_status: &str) -> Option<MessageStatus> {
    match twilio_status {
        "sent" => Some(MessageStatus::Sent),
        "delivered" | "read" => Some(MessageStatus::Delivered),
        "undelivered" => Some(MessageStatus::Undelivered),
        "failed" | "canceled" => Some(MessageStatus::Failed),
        _ => None,
    }
}

#[derive(Clone)]
pub struct TwilioChannel {
    http: reqwest::Client,
    api_base: String,
    /// Where replies are posted (and looked up), parsed once: parsing it at every send was 1% of
    /// a text's instructions (docs/benchmarks.md, session 47). What is wrong with an api_base
    /// that is not a URL is said at every send.
    messages_url: Result<reqwest::Url, String>,
    account_sid: String,
    auth_token: String,
    /// Where Twilio posts delivery statuses: `<public_url>/webhooks/twilio/status`.
    status_callback: String,
}

impl std::fmt::Debug for TwilioChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the auth token.
        f.debug_struct("TwilioChannel")
            .field("api_base", &self.api_base)
            .field("account_sid", &self.account_sid)
            .finish_non_exhaustive()
    }
}

/// A Twilio account, as its API describes it.
#[derive(Debug, Clone, Deserialize)]
pub struct TwilioAccount {
    pub friendly_name: Option<String>,
    /// `active`, `suspended` or `closed`.
    pub status: Option<String>,
}

impl TwilioAccount {
    /// `account “Acme”, active`, for people checking their credentials.
    pub fn summary(&self, account_sid: &str) -> String {
        format!(
            "account “{}”, {}",
            self.friendly_name.as_deref().unwrap_or(account_sid),
            self.status.as_deref().unwrap_or("status unknown")
        )
    }
}

/// Why pasted Twilio credentials cannot be used, said so that the person knows what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    #[error(
        "that is not an Account SID: it starts with AC and has 32 more letters and digits (Twilio console → Account info)"
    )]
    MalformedSid,
    #[error("the Auth Token is empty: paste it from Twilio console → Account info")]
    EmptyToken,
    #[error("Twilio refused them ({0}): check the Account SID and Auth Token")]
    Refused(String),
    #[error("could not check them: {0}; check twilio.api_base and that this server can reach it")]
    Unreachable(String),
}

/// Checks credentials with Twilio before they are used: fetches the account they open
/// (`GET /2010-04-01/Accounts/{sid}.json`), which Twilio refuses (401) to wrong ones.
pub async fn check_credentials(
    http: &reqwest::Client,
    api_base: &str,
    account_sid: &str,
    auth_token: &str,
) -> Result<TwilioAccount, CredentialsError> {
    if !is_account_sid(account_sid) {
        return Err(CredentialsError::MalformedSid);
    }
    if auth_token.is_empty() {
        return Err(CredentialsError::EmptyToken);
    }
    let api_base = api_base.trim_end_matches('/');
    let url = format!("{api_base}/2010-04-01/Accounts/{account_sid}.json");
    let response = http
        .get(&url)
        .basic_auth(account_sid, Some(auth_token))
        .send()
        .await
        .map_err(|error| {
            CredentialsError::Unreachable(format!("cannot reach Twilio at {api_base}: {error}"))
        })?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if status.is_success() {
        return serde_json::from_str(&text).map_err(|error| {
            CredentialsError::Unreachable(format!(
                "Twilio's account answered {status} with an unreadable body: {error}"
            ))
        });
    }
    Err(match answer_error(status, &text) {
        SendError::Transient(message) => CredentialsError::Unreachable(message),
        SendError::Permanent { code, message } => CredentialsError::Refused(match code {
            Some(code) => format!("error {code}, {message}"),
            None => message,
        }),
    })
}

/// Whether `sid` is shaped like an Account SID (`AC` and 32 hexadecimal digits), so a pasted
/// value can be refused with a clear message before asking Twilio.
fn is_account_sid(sid: &str) -> bool {
    sid.len() == 34 && sid.starts_with("AC") && sid[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[derive(Deserialize)]
struct MessageResource {
    sid: String,
}

/// One page of `GET .../Messages.json`, newest first.
#[derive(Deserialize)]
struct MessagePage {
    messages: Vec<ListedMessage>,
}

#[derive(Deserialize)]
struct ListedMessage {
    sid: String,
    body: Option<String>,
    /// RFC 2822, e.g. `Fri, 24 May 2019 17:44:46 +0000`.
    date_created: Option<String>,
}

/// Twilio's clock and ours may differ a little; its `date_created` has whole seconds.
const CLOCK_SKEW: time::Duration = time::Duration::seconds(60);
/// Messages between two numbers created since one was queued: ours, plus any sent by hand meanwhile
/// (later messages of the conversation wait for this one).
const LOOKUP_PAGE_SIZE: &str = "50";

#[derive(Deserialize)]
struct ErrorResource {
    code: Option<serde_json::Value>,
    message: Option<String>,
}

impl TwilioChannel {
    pub fn new(
        http: reqwest::Client,
        api_base: &str,
        account_sid: &str,
        auth_token: &str,
        status_callback: String,
    ) -> Self {
        let api_base = api_base.trim_end_matches('/');
        let messages_url = format!("{api_base}/2010-04-01/Accounts/{account_sid}/Messages.json");
        TwilioChannel {
            http,
            messages_url: messages_url.parse().map_err(|error| {
                format!("twilio.api_base {api_base:?} is not a URL ({error}): set it to https://api.twilio.com")
            }),
            api_base: api_base.to_string(),
            account_sid: account_sid.to_string(),
            auth_token: auth_token.to_string(),
            status_callback,
        }
    }

    pub fn account_sid(&self) -> &str {
        &self.account_sid
    }

    fn messages_url(&self) -> Result<reqwest::Url, SendError> {
        self.messages_url.clone().map_err(SendError::Transient)
    }
}

/// The error of a non-2xx answer, with Twilio's error code when its body has one.
fn answer_error(status: reqwest::StatusCode, text: &str) -> SendError {
    let error: Option<ErrorResource> = serde_json::from_str(text).ok();
    let code = error
        .as_ref()
        .and_then(|e| e.code.as_ref())
        .map(|code| code.to_string().trim_matches('"').to_string());
    let message = error
        .and_then(|e| e.message)
        .unwrap_or_else(|| text.chars().take(200).collect());
    classify_status(status, code, message)
}

/// The listed message that is `sms`, if any: same body, created after it was queued, not another
/// message's; the oldest such (the first attempt Twilio accepted).
fn matching_sid(page: MessagePage, sms: &OutgoingSms, earlier: &EarlierAttempt) -> Option<String> {
    let not_before = earlier.queued_at - CLOCK_SKEW;
    // Newest first: walk from the oldest.
    page.messages
        .into_iter()
        .rev()
        .filter(|m| m.body.as_deref() == Some(sms.body.as_str()))
        .filter(|m| !earlier.known_ids.contains(&m.sid))
        .filter(|m| {
            m.date_created
                .as_deref()
                .and_then(|at| {
                    time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc2822)
                        .ok()
                })
                .is_some_and(|at| at >= not_before)
        })
        .map(|m| m.sid)
        .next()
}

#[async_trait]
impl SmsChannel for TwilioChannel {
    fn kind(&self) -> Channel {
        Channel::Twilio
    }

    async fn send(&self, sms: &OutgoingSms) -> Result<SendReceipt, SendError> {
        let url = self.messages_url()?;
        let from = sender_for(&sms.from, &sms.to);
        let form = [
            ("To", sms.to.as_str()),
            ("From", from.as_str()),
            ("Body", sms.body.as_str()),
            ("StatusCallback", self.status_callback.as_str()),
        ];
        let response = self
            .http
            .post(url)
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(&form)
            .send()
            .await
            .map_err(|error| SendError::Transient(format!("cannot reach Twilio: {error}")))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status.is_success() {
            let resource: MessageResource = serde_json::from_str(&text).map_err(|error| {
                SendError::Transient(format!(
                    "Twilio answered {status} with an unreadable body: {error}"
                ))
            })?;
            return Ok(SendReceipt {
                provider_id: Some(resource.sid),
                status: MessageStatus::Sent,
            });
        }
        Err(answer_error(status, &text))
    }

    /// Twilio has no idempotency key: ask its Messages list for what went from our number to
    /// theirs. Not filtered by `DateSent`: a message Twilio accepted but still holds in its queue
    /// has no `date_sent` yet, and that is the one a blind re-send would duplicate.
    async fn find_accepted(
        &self,
        sms: &OutgoingSms,
        earlier: &EarlierAttempt,
    ) -> Result<Option<String>, SendError> {
        let from = sender_for(&sms.from, &sms.to);
        let query = [
            ("To", sms.to.as_str()),
            ("From", from.as_str()),
            ("PageSize", LOOKUP_PAGE_SIZE),
        ];
        let response = self
            .http
            .get(self.messages_url()?)
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .query(&query)
            .send()
            .await
            .map_err(|error| SendError::Transient(format!("cannot reach Twilio: {error}")))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(answer_error(status, &text));
        }
        let page: MessagePage = serde_json::from_str(&text).map_err(|error| {
            SendError::Transient(format!(
                "Twilio's message list answered {status} with an unreadable body: {error}"
            ))
        })?;
        Ok(matching_sid(page, sms, earlier))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn account_sids_are_ac_and_32_hex_digits() {
        assert!(is_account_sid("AC0123456789abcdef0123456789ABCDEF"));
        for wrong in [
            "",
            "AC123",
            "SK0123456789abcdef0123456789abcdef",
            "AC0123456789abcdef0123456789abcdeg",
            "AC0123456789abcdef0123456789abcdef0",
        ] {
            assert!(!is_account_sid(wrong), "{wrong}");
        }
    }

    /// The example of Twilio's security documentation; the expected value was computed by
    /// `RequestValidator.compute_signature` of Twilio's Python SDK (twilio 9.13.0).
    #[test]
    fn signature_matches_twilios_documented_example() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let form = params(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]);
        let expected = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
        assert_eq!(signature("12345", url, &form), expected);
        assert!(verify_signature("12345", url, &form, expected));
        assert!(!verify_signature(
            "12345",
            url,
            &form,
            "0/KCTR6DLpKmkAf8muzZqo1nDgR="
        ));
        assert!(!verify_signature("wrong", url, &form, expected));
        let mut tampered = form.clone();
        tampered[2].1 = "9999".into();
        assert!(!verify_signature("12345", url, &tampered, expected));
        assert!(!verify_signature("12345", url, &form, "not base64!"));
    }

    #[tokio::test]
    async fn an_api_base_that_is_not_a_url_is_named_at_a_send() {
        let twilio = TwilioChannel::new(
            crate::http_client(),
            "api.twilio.com",
            "AC0123456789abcdef0123456789abcdef",
            "token",
            "https://example.com/webhooks/twilio/status".into(),
        );
        let sms = OutgoingSms {
            message_id: uuid::Uuid::nil(),
            from: "+15550000000".into(),
            to: "+15551112222".into(),
            body: "Thanks!".into(),
        };
        let Err(SendError::Transient(error)) = twilio.send(&sms).await else {
            panic!("a send without a URL to post to cannot succeed");
        };
        assert!(
            error.starts_with(r#"twilio.api_base "api.twilio.com" is not a URL"#),
            "{error}"
        );
    }

    #[test]
    fn a_lookup_adopts_only_this_messages_copy() {
        let queued_at = time::macros::datetime!(2026-05-24 17:44:40 UTC);
        let sms = OutgoingSms {
            message_id: uuid::Uuid::nil(),
            from: "+15550000000".into(),
            to: "+15551112222".into(),
            body: "Thanks!".into(),
        };
        let listed = |sid: &str, body: &str, created: &str| ListedMessage {
            sid: sid.into(),
            body: Some(body.into()),
            date_created: Some(created.into()),
        };
        let page = || MessagePage {
            messages: vec![
                listed("SMnewer", "Thanks!", "Sun, 24 May 2026 17:46:00 +0000"),
                listed(
                    "SMother",
                    "Something else",
                    "Sun, 24 May 2026 17:45:00 +0000",
                ),
                listed("SMfirst", "Thanks!", "Sun, 24 May 2026 17:44:46 +0000"),
                listed("SMold", "Thanks!", "Sun, 24 May 2026 17:30:00 +0000"),
            ],
        };
        let earlier = |known: &[&str]| EarlierAttempt {
            queued_at,
            known_ids: known.iter().map(|s| s.to_string()).collect(),
        };
        // The oldest copy created since it was queued; an older identical text is another message.
        assert_eq!(
            matching_sid(page(), &sms, &earlier(&[])).as_deref(),
            Some("SMfirst")
        );
        // A copy recorded for another message of the conversation is not this one.
        assert_eq!(
            matching_sid(page(), &sms, &earlier(&["SMfirst"])).as_deref(),
            Some("SMnewer")
        );
        assert_eq!(
            matching_sid(page(), &sms, &earlier(&["SMfirst", "SMnewer"])),
            None
        );
    }

    #[test]
    fn whatsapp_recipients_are_answered_from_our_whatsapp_address() {
        assert_eq!(
            sender_for("+15550000000", "whatsapp:+15551112222"),
            "whatsapp:+15550000000"
        );
        assert_eq!(
            sender_for("whatsapp:+15550000000", "whatsapp:+15551112222"),
            "whatsapp:+15550000000"
        );
        assert_eq!(sender_for("+15550000000", "+15551112222"), "+15550000000");
    }

    #[test]
    fn statuses_before_sent_are_not_ours_to_record() {
        assert_eq!(delivery_status("queued"), None);
        assert_eq!(delivery_status("sending"), None);
        assert_eq!(delivery_status("delivered"), Some(MessageStatus::Delivered));
        assert_eq!(
            delivery_status("undelivered"),
            Some(MessageStatus::Undelivered)
        );
        assert_eq!(delivery_status("failed"), Some(MessageStatus::Failed));
    }
}
