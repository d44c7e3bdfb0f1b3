//! Auto follow-up: a workflow's setting (nudge a texter its run has waited on for N hours) and
//! the one nudge each run gets.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use smsflow_core::LocalizedText;
use smsflow_core::language::Language;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::StoreError;
use crate::conversations::{Message, NewOutbound};

/// A workflow's follow-up: after `after_hours` without an answer, one nudge with `template`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FollowUpSetting {
    /// Hours the run waits on the texter before the nudge, 1 to 168.
    pub after_hours: u32,
    /// The nudge: the same in every language, or `{"en": ..., "es": ...}`.
    pub template: LocalizedText,
}

impl FollowUpSetting {
    /// The longest wait offered: a week.
    pub const MAX_HOURS: u32 = 168;

    /// What is wrong with the setting, if anything: the field and what to do.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if !(1..=Self::MAX_HOURS).contains(&self.after_hours) {
            return Some((
                "after_hours",
                format!("must be between 1 and {} hours", Self::MAX_HOURS),
            ));
        }
        let blank = match &self.template {
            LocalizedText::Plain(text) => text.trim().is_empty(),
            LocalizedText::PerLanguage(texts) => {
                texts.is_empty() || texts.values().any(|text| text.trim().is_empty())
            }
        };
        blank.then(|| {
            (
                "template",
                "write the nudge, e.g. \"Still there? Reply to pick up where we left off.\"".into(),
            )
        })
    }
}

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
    /// Every workflow's follow-up setting (workflows without one are off).
    async fn follow_up_settings(&self) -> Result<Vec<(Uuid, FollowUpSetting)>, StoreError>;
    async fn follow_up_setting(
        &self,
        workflow_id: Uuid,
    ) -> Result<Option<FollowUpSetting>, StoreError>;
    /// Sets (or, with `None`, turns off) a workflow's follow-up.
    async fn set_follow_up_setting(
        &self,
        workflow_id: Uuid,
        setting: Option<&FollowUpSetting>,
    ) -> Result<(), StoreError>;
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
