//! The built-in simulator: messages "sent" here are delivered at once, to the conversation history
//! (`smsflow chat` and `POST /api/v1/simulator/messages` read them from there).

use async_trait::async_trait;
use smsflow_core::conversation::{Channel, MessageStatus};

use crate::{OutgoingSms, SendError, SendReceipt, SmsChannel};

#[derive(Debug, Default)]
pub struct Simulator;

#[async_trait]
impl SmsChannel for Simulator {
    fn kind(&self) -> Channel {
        Channel::Simulator
    }

    async fn send(&self, sms: &OutgoingSms) -> Result<SendReceipt, SendError> {
        Ok(SendReceipt {
            provider_id: Some(format!("sim-{}", sms.message_id)),
            status: MessageStatus::Delivered,
        })
    }
}
