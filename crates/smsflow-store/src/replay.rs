//! Stored inbound texts, read back in the order they arrived, to replay them against another
//! workflow set.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// One stored inbound text and how it was routed when it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredText {
    pub message_id: Uuid,
    pub conversation_id: Uuid,
    pub their_number: String,
    pub body: String,
    pub received_at: OffsetDateTime,
    /// The workflow that handled it, if any.
    pub workflow_id: Option<Uuid>,
}

/// A position in arrival order (received time, then message id).
pub type TextCursor = (OffsetDateTime, Uuid);

#[async_trait]
pub trait ReplayStore: Send + Sync {
    /// Inbound texts received from `since`, of one conversation if given, in arrival order, after
    /// `after`; at most `limit`.
    async fn inbound_texts(
        &self,
        since: OffsetDateTime,
        conversation: Option<Uuid>,
        after: Option<TextCursor>,
        limit: u32,
    ) -> Result<Vec<StoredText>, StoreError>;
}
