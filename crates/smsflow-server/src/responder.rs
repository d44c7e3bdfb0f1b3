//! The seam where replies are written. Until the AI agent arrives, the reply is the matched
//! workflow's response template (or its first Send Response step's template), as written.

use async_trait::async_trait;
use smsflow_core::{Step, Workflow};
use smsflow_store::conversations::{Conversation, Message};

/// One turn of a conversation, as the responder sees it.
pub struct Turn<'a> {
    pub workflow: Option<&'a Workflow>,
    pub conversation: &'a Conversation,
    pub message: &'a Message,
}

#[async_trait]
pub trait Responder: Send + Sync {
    /// The reply to send, or `None` to stay silent.
    async fn reply(&self, turn: &Turn<'_>) -> Option<String>;
    /// Whether the workflow's run is complete after this turn (the next message matches anew).
    fn run_completed(&self, turn: &Turn<'_>) -> bool;
}

/// Replies with the workflow's template as written.
pub struct TemplateResponder;

#[async_trait]
impl Responder for TemplateResponder {
    async fn reply(&self, turn: &Turn<'_>) -> Option<String> {
        let spec = &turn.workflow?.spec;
        spec.response_template.clone().or_else(|| {
            spec.steps.iter().find_map(|step| match step {
                Step::SendResponse { template } => Some(template.clone()),
                _ => None,
            })
        })
    }

    /// Without a step engine, a workflow's steps are never done; a workflow without steps is done
    /// after its reply.
    fn run_completed(&self, turn: &Turn<'_>) -> bool {
        turn.workflow
            .is_none_or(|workflow| workflow.spec.steps.is_empty())
    }
}
