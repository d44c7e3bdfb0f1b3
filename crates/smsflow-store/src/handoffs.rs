//! Hand-offs the texter asked for, and their delivery to the team's webhook
//! (`conversation.needs_human`), retried like the ticket webhook.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::conversations::Conversation;

#[async_trait]
pub trait HandoffStore: Send + Sync {
    /// Claims the next conversation whose hand-off webhook is due, for `lease`; with the attempt
    /// number of this claim.
    async fn claim_handoff_webhook(
        &self,
        lease: time::Duration,
    ) -> Result<Option<(Conversation, i64)>, StoreError>;
    /// The outcome of a claimed delivery: `Ok` delivered, `Err((error, Some(next)))` retry at
    /// `next`, `Err((error, None))` failed for good. A claim whose lease another worker took over
    /// (a different `attempt`) changes nothing.
    async fn finish_handoff_webhook(
        &self,
        conversation_id: Uuid,
        attempt: i64,
        outcome: Result<(), (String, Option<OffsetDateTime>)>,
    ) -> Result<(), StoreError>;
}
