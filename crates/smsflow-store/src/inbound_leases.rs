//! Keeping claimed inbound messages while they take long: a model may take longer to answer than
//! a claim's lease, and a worker extends the claims it still holds so no other worker takes the
//! same message over while it waits.

use async_trait::async_trait;

use crate::StoreError;
use crate::conversations::Message;

#[async_trait]
pub trait InboundLeaseStore: Send + Sync {
    /// Each of `claimed` (messages from `claim_inbound`) still waiting to be processed keeps its
    /// claim until `lease` from now. A message already recorded as processed changes nothing, so
    /// a late extension never touches the conversation's next message.
    async fn extend_inbound_claims(
        &self,
        claimed: &[&Message],
        lease: time::Duration,
    ) -> Result<(), StoreError>;
}
