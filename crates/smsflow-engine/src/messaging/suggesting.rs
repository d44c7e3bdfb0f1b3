//! Suggest mode: an agent set to suggest drafts its replies instead of sending them. A draft waits
//! in the thread for a person to send (as written or edited) or discard; a newer text from the
//! person replaces it (the store drops older drafts when it records the newer text); a draft
//! nobody approved within `sms.draft_expiry_minutes` is dropped and the conversation handed to
//! the team.

use smsflow_core::conversation::Author;
use smsflow_store::StoreError;
use smsflow_store::agents::Agent;
use smsflow_store::conversations::{Explanation, NewOutbound};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Messaging, POLL};

/// How often the expiry of drafts is checked: a draft expires within this of its time.
const EXPIRY_CHECK: std::time::Duration = std::time::Duration::from_secs(15);

impl Messaging {
    /// Makes `reply` a draft when `agent` is in suggest mode, saying so in the explanation.
    pub(super) fn draft_when_suggesting(
        &self,
        agent: &Agent,
        reply: &mut NewOutbound,
        explanation: &mut Explanation,
        now: OffsetDateTime,
    ) {
        if !agent.spec.suggest_replies {
            return;
        }
        let expiry = time::Duration::minutes(self.settings.draft_expiry_minutes as i64);
        reply.draft_expires_at = Some(now + expiry);
        explanation.set(
            "reply",
            format!(
                "drafted (suggest mode): waits for a person to send, edit or discard it; handed to the team if nobody has within {} minutes",
                self.settings.draft_expiry_minutes
            ),
        );
    }

    /// Sends a drafted reply as the agent wrote it, or as a person edited it (`edited`: then the
    /// reply is theirs). `NotFound` when the draft is gone (replaced, expired or discarded).
    pub async fn send_drafted_reply(
        &self,
        message_id: Uuid,
        edited: Option<&str>,
    ) -> Result<(), StoreError> {
        let edited = edited.map(|body| self.outbound(body, Author::Human, None, None));
        self.store
            .send_drafted_reply(message_id, edited.as_ref())
            .await?;
        self.outbound_ready.notify_one();
        Ok(())
    }

    /// Drops the drafts that expired by `now` and hands their conversations to the team; their
    /// conversations.
    pub async fn expire_drafted_replies(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<Uuid>, StoreError> {
        let expired = self.store.expire_drafted_replies(now).await?;
        for conversation_id in &expired {
            tracing::info!(%conversation_id, "a drafted reply expired unapproved: handed to the team");
        }
        Ok(expired)
    }

    /// Expires drafts as their time comes, forever.
    pub(super) async fn expire_drafts_worker(&self) {
        loop {
            if let Err(error) = self.expire_drafted_replies(OffsetDateTime::now_utc()).await {
                tracing::warn!(%error, "cannot expire drafted replies; will retry");
                tokio::time::sleep(POLL).await;
            }
            tokio::time::sleep(EXPIRY_CHECK).await;
        }
    }
}
