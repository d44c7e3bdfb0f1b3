//! Kannel, the open-source SMS gateway: sending through its `sendsms` HTTP interface, and reading the
//! delivery-report types its `dlr-url` callbacks carry.

use async_trait::async_trait;
use smsflow_core::conversation::{Channel, MessageStatus};
use smsflow_core::sms::{Encoding, segment_info};

use crate::{OutgoingSms, SendError, SendReceipt, SmsChannel, classify_status};

/// Kannel's dlr-mask: delivered (1), failed (2), buffered (4), SMSC accepted (8), SMSC rejected (16).
pub const DLR_MASK: u8 = 31;

/// Our status for a Kannel delivery-report type (`%d`); `None` for "buffered" (no news).
pub fn delivery_status(dlr_type: u8) -> Option<MessageStatus> {
    match dlr_type {
        1 => Some(MessageStatus::Delivered),
        2 => Some(MessageStatus::Undelivered),
        8 => Some(MessageStatus::Sent),
        16 => Some(MessageStatus::Failed),
        _ => None,
    }
}

#[derive(Clone)]
pub struct KannelChannel {
    http: reqwest::Client,
    sendsms_url: String,
    username: String,
    password: String,
    /// `<public_url>/webhooks/kannel/dlr?secret=...`: Kannel appends nothing, so our id and `%d` are
    /// added to it per message.
    dlr_url: String,
}

impl std::fmt::Debug for KannelChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KannelChannel")
            .field("sendsms_url", &self.sendsms_url)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl KannelChannel {
    pub fn new(
        http: reqwest::Client,
        sendsms_url: &str,
        username: &str,
        password: &str,
        dlr_url: String,
    ) -> Self {
        KannelChannel {
            http,
            sendsms_url: sendsms_url.to_string(),
            username: username.to_string(),
            password: password.to_string(),
            dlr_url,
        }
    }
}

#[async_trait]
impl SmsChannel for KannelChannel {
    fn kind(&self) -> Channel {
        Channel::Kannel
    }

    async fn send(&self, sms: &OutgoingSms) -> Result<SendReceipt, SendError> {
        // Kannel's sendsms answers no message id: our own id rides in the dlr-url instead.
        let separator = if self.dlr_url.contains('?') { '&' } else { '?' };
        let dlr_url = format!("{}{separator}id={}&type=%d", self.dlr_url, sms.message_id);
        let mask = DLR_MASK.to_string();
        let mut query = vec![
            ("username", self.username.as_str()),
            ("password", self.password.as_str()),
            ("from", sms.from.as_str()),
            ("to", sms.to.as_str()),
            ("text", sms.body.as_str()),
            ("charset", "UTF-8"),
            ("dlr-mask", mask.as_str()),
            ("dlr-url", dlr_url.as_str()),
        ];
        if segment_info(&sms.body).encoding == Encoding::Ucs2 {
            query.push(("coding", "2"));
        }
        let response = self
            .http
            .get(&self.sendsms_url)
            .query(&query)
            .send()
            .await
            .map_err(|error| SendError::Transient(format!("cannot reach Kannel: {error}")))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status.is_success() {
            return Ok(SendReceipt {
                provider_id: Some(sms.message_id.to_string()),
                status: MessageStatus::Sent,
            });
        }
        Err(classify_status(status, None, text.trim().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_report_types() {
        assert_eq!(delivery_status(1), Some(MessageStatus::Delivered));
        assert_eq!(delivery_status(16), Some(MessageStatus::Failed));
        assert_eq!(delivery_status(4), None);
    }
}
