//! Turns the conversation answers itself, before any workflow: a request for a person hands the
//! conversation to the team, and right after a run is done a thank-you gets a short closing and
//! "any update?" gets the ticket's number and status, without starting a new run. The team hears
//! of a hand-off through its notifications (`crate::notifications`).

use smsflow_agent::phrases::{Opening, phrases};
use smsflow_core::conversation::{Author, RoutingDecision};
use smsflow_core::intent::{FollowUp, follow_up, wants_human};
use smsflow_core::language::{Detection, Language};
use smsflow_store::StoreError;
use smsflow_store::conversations::{Conversation, Handoff, InboundOutcome, Message};
use time::OffsetDateTime;

use super::Messaging;

/// The language to answer in: the agent's fixed language when it is one we write, else the
/// person's.
pub(super) fn reply_language(fixed: Option<&str>, detection: Detection) -> Language {
    fixed
        .and_then(Language::parse)
        .unwrap_or(detection.language)
}

impl Messaging {
    /// The conversation's own answer to `message`, or `None` when a workflow handles it.
    /// `keep` is the outcome that changes nothing (with the routing explanation), copied only
    /// when the conversation answers; `language` the language to answer in.
    pub(super) async fn converse(
        &self,
        message: &Message,
        conversation: &Conversation,
        decision: &RoutingDecision,
        now: OffsetDateTime,
        language: Language,
        keep: &InboundOutcome,
    ) -> Result<Option<InboundOutcome>, StoreError> {
        let phrases = phrases(language);
        let budget = Some(self.settings.max_segments);
        if wants_human(&message.body) {
            let mut answer = keep.clone();
            answer.explanation.set(
                "handoff",
                "the person asked for a person: handed to the team",
            );
            answer.explanation.set("reply", "queued");
            let mut reply = self.outbound(
                &phrases.handoff(self.next_opening(now).as_ref()),
                Author::Agent,
                None,
                budget,
            );
            reply.language = Some(language);
            answer.reply = Some(reply);
            answer.handoff = Some(Handoff);
            return Ok(Some(answer));
        }
        let idle = time::Duration::minutes(self.settings.idle_timeout_minutes as i64);
        let just_completed = matches!(decision, RoutingDecision::PreviousCompleted { .. })
            && conversation
                .active_workflow_at
                .is_some_and(|at| now - at <= idle);
        let Some(intent) = just_completed.then(|| follow_up(&message.body)).flatten() else {
            return Ok(None);
        };
        let body = match intent {
            FollowUp::Closing => phrases.closing.to_string(),
            FollowUp::StatusQuery => {
                let run = match conversation.active_run_id {
                    Some(run_id) => self.store.get_run(run_id).await?,
                    None => None,
                };
                let Some(number) = run.and_then(|run| run.state.ticket_id) else {
                    // Nothing to report on: a new match, as any other text.
                    return Ok(None);
                };
                let ticket = match self.store.get_ticket(&number).await {
                    Ok(ticket) => ticket,
                    Err(StoreError::NotFound { .. }) => return Ok(None),
                    Err(error) => return Err(error),
                };
                smsflow_agent::template::fill(
                    phrases.ticket_status,
                    &[
                        ("ticket_id", ticket.number.as_str()),
                        ("status", phrases.ticket_status_word(ticket.status)),
                    ],
                )
            }
        };
        let mut answer = keep.clone();
        answer.explanation.set(
            "follow_up",
            match intent {
                FollowUp::Closing => {
                    "a thank-you after the run was done: a short closing, no new run"
                }
                FollowUp::StatusQuery => {
                    "a status question after the run was done: the ticket's number and status"
                }
            },
        );
        answer.explanation.set("reply", "queued");
        let mut reply = self.outbound(
            &body,
            Author::Agent,
            conversation.active_workflow_id,
            budget,
        );
        reply.language = Some(language);
        answer.workflow_id = conversation.active_workflow_id;
        answer.reply = Some(reply);
        Ok(Some(answer))
    }

    /// When the team is next in, from business hours; `None`: a person answers shortly.
    pub(super) fn next_opening(&self, now: OffsetDateTime) -> Option<Opening> {
        self.settings
            .business_hours
            .as_ref()
            .and_then(|hours| hours.next_opening(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_language_wins_over_the_persons() {
        let spanish = Detection {
            language: Language::Spanish,
            confident: true,
        };
        assert_eq!(reply_language(None, spanish), Language::Spanish);
        assert_eq!(reply_language(Some("en"), spanish), Language::English);
        assert_eq!(
            reply_language(Some("fr"), spanish),
            Language::Spanish,
            "the builtin agent writes English and Spanish; another language falls back to the person's"
        );
    }
}
