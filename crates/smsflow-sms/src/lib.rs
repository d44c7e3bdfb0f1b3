//! SMS channels: one [`SmsChannel`] interface with adapters for Twilio, Kannel and the built-in
//! simulator, plus the checks their webhooks need (Twilio's request signature).

pub mod kannel;
pub mod simulator;
pub mod twilio;

use async_trait::async_trait;
use smsflow_core::conversation::{Channel, MessageStatus};
use uuid::Uuid;

/// One message to hand to a gateway.
#[derive(Debug, Clone)]
pub struct OutgoingSms {
    /// Our id for the message (Kannel's delivery reports come back with it).
    pub message_id: Uuid,
    pub from: String,
    pub to: String,
    pub body: String,
}

/// The gateway took the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReceipt {
    /// The gateway's id for it, which its delivery reports name.
    pub provider_id: Option<String>,
    /// `Sent` (handed over), or `Delivered` when the gateway knows at once (the simulator).
    pub status: MessageStatus,
}

/// Why a send failed, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Network errors, timeouts, 5xx and 429: retried with backoff.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// The gateway refused the message itself (bad number, bad credentials): not retried.
    #[error("refused by the gateway{}: {message}", code.as_ref().map(|c| format!(" (error {c})")).unwrap_or_default())]
    Permanent {
        code: Option<String>,
        message: String,
    },
}

/// What is known of a message's earlier attempt whose outcome is unknown (the process died, or the
/// connection broke, after handing it to the gateway), to find it at the gateway.
#[derive(Debug, Clone)]
pub struct EarlierAttempt {
    /// The message was queued at this time: the gateway cannot have taken it before.
    pub queued_at: time::OffsetDateTime,
    /// Gateway ids already recorded for other messages of the conversation: an identical body
    /// sent under one of these is not this message.
    pub known_ids: Vec<String>,
}

#[async_trait]
pub trait SmsChannel: Send + Sync {
    fn kind(&self) -> Channel;
    async fn send(&self, sms: &OutgoingSms) -> Result<SendReceipt, SendError>;
    /// Before a re-send: the gateway's id for `sms` if an earlier attempt was in fact accepted, so
    /// it is adopted instead of sent twice. Gateways with no way to ask (Kannel's sendsms, the
    /// simulator) answer `None`, which makes a re-send at-least-once.
    async fn find_accepted(
        &self,
        _sms: &OutgoingSms,
        _earlier: &EarlierAttempt,
    ) -> Result<Option<String>, SendError> {
        Ok(None)
    }
}

/// Classifies an HTTP failure: 429 and 5xx are worth retrying, other 4xx are not.
pub(crate) fn classify_status(
    status: reqwest::StatusCode,
    code: Option<String>,
    message: String,
) -> SendError {
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS
        || status == reqwest::StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
    {
        SendError::Transient(format!("HTTP {status}: {message}"))
    } else {
        SendError::Permanent {
            code,
            message: format!("HTTP {status}: {message}"),
        }
    }
}

/// An HTTP client for gateways: bounded timeouts so a hung gateway delays, never blocks, the queue.
/// HTTPS uses rustls with the `ring` provider, installed for the process on first use.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .expect("an HTTP client builds")
}
