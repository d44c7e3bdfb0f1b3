//! Auto follow-up: a workflow that has one (off by default) nudges, once per run, a texter it has
//! waited on for N hours, in their language. Never during quiet hours (the nudge waits for them to
//! end), never to a number that opted out or a conversation a person has taken over, and a reply
//! from the texter starts the wait again.

use smsflow_core::conversation::Author;
use smsflow_core::language::Language;
use smsflow_store::StoreError;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

use super::Messaging;

/// How often the worker looks for runs to nudge.
const FOLLOW_UP_CHECK: Duration = Duration::from_secs(60);

impl Messaging {
    /// Queues the nudges due at `now`; how many. Nothing during quiet hours.
    pub async fn queue_due_follow_ups(&self, now: OffsetDateTime) -> Result<usize, StoreError> {
        if let Some(quiet) = &self.settings.quiet_hours
            && quiet.next_allowed(now) > now
        {
            return Ok(0);
        }
        let mut queued = 0;
        for workflow in self.store.all_workflows().await? {
            let Some(setting) = workflow.spec.follow_up else {
                continue;
            };
            let workflow_id = workflow.id;
            let waiting_since = now - time::Duration::hours(i64::from(setting.after_hours));
            for due in self
                .store
                .due_follow_ups(workflow_id, waiting_since)
                .await?
            {
                let language = due.language.unwrap_or(Language::English);
                let mut nudge = self.outbound(
                    setting.template.in_language(language),
                    Author::Agent,
                    Some(workflow_id),
                    Some(self.settings.max_segments),
                );
                nudge.language = Some(language);
                if self.store.queue_follow_up(&due, &nudge).await?.is_some() {
                    tracing::info!(conversation_id = %due.conversation_id, %workflow_id, "follow-up queued");
                    queued += 1;
                }
            }
        }
        if queued > 0 {
            self.outbound_ready.notify_one();
        }
        Ok(queued)
    }

    /// Queues due nudges every minute until the handle is aborted.
    pub fn spawn_follow_ups(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(FOLLOW_UP_CHECK);
            loop {
                every.tick().await;
                if let Err(error) = this.queue_due_follow_ups(OffsetDateTime::now_utc()).await {
                    tracing::warn!(%error, "cannot queue follow-ups; will retry");
                }
            }
        })
    }
}
