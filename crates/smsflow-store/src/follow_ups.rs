//! Auto follow-up: the one nudge each run gets. The setting itself (nudge a texter its run has
//! waited on for N hours) is part of the workflow's spec ([`smsflow_core::AutoFollowUp`]).

use async_trait::async_trait;
use smsflow_core::language::Language;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;
use crate::conversations::{Message, NewOutbound};

/// A run waiting on its texter long enough for a nudge.
#[derive(Debug, Clone, PartialEq)]
pub struct DueFollowUp {
    pub conversation_id: Uuid,
    pub run_id: Uuid,
    pub workflow_id: Uuid,
    pub language: Option<Language>,
}

#[async_trait]
pub trait FollowUpStore: Send + Sync {
    /// Runs of `workflow_id` still waiting on their texter (the last message is ours) since
    /// `waiting_since` or before, not nudged yet, in conversations the agent still holds and whose
    /// number has not opted out.
    async fn due_follow_ups(
        &self,
        workflow_id: Uuid,
        waiting_since: OffsetDateTime,
    ) -> Result<Vec<DueFollowUp>, StoreError>;
    /// Records the run's nudge and queues `message`; `None` (nothing queued) when the run had
    /// its nudge already.
    async fn queue_follow_up(
        &self,
        due: &DueFollowUp,
        message: &NewOutbound,
    ) -> Result<Option<Message>, StoreError>;
    /// The nudges among a conversation's messages (the thread marks them).
    async fn follow_up_messages(&self, conversation_id: Uuid) -> Result<Vec<Uuid>, StoreError>;
    /// The runs of a workflow nudged within `period`, and how many of their texters answered
    /// after the nudge (the dashboard's funnel).
    async fn follow_up_counts(
        &self,
        workflow_id: Uuid,
        period: &crate::analytics::Period,
    ) -> Result<FollowUpCounts, StoreError>;
}

/// Nudges sent and answered, for the dashboard's funnel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowUpCounts {
    pub nudged: i64,
    pub answered: i64,
}
