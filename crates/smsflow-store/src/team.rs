//! Working as a team in the inbox: who a conversation is assigned to, what the team wrote and did
//! in it (internal notes, and events such as a take-over, shown in the thread and never sent),
//! canned replies, and the agent's drafted replies in suggest mode.

use async_trait::async_trait;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::conversations::{ConversationStatus, NewOutbound};
use crate::{Admin, StoreError};

/// Which conversations the inbox lists by assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignedFilter {
    /// Assigned to this admin ("Mine" for the one signed in).
    To(Uuid),
    /// Assigned to nobody.
    Nobody,
}

macro_rules! note_kinds {
    ($($variant:ident = $text:literal),+ $(,)?) => {
        /// What a line in the thread's notes and activity records.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum NoteKind { $($variant),+ }

        impl NoteKind {
            pub fn as_str(self) -> &'static str {
                match self { $(NoteKind::$variant => $text),+ }
            }
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(NoteKind::$variant),)+ _ => None }
            }
        }
    };
}

note_kinds!(
    Note = "note",
    TookOver = "took_over",
    HandedBack = "handed_back",
    Assigned = "assigned",
    DraftExpired = "draft_expired",
);

/// An internal note or an event in a conversation: for the team's eyes only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub kind: NoteKind,
    /// Who wrote it or did it (an email); `None` for the system (a draft that expired).
    pub author: Option<String>,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A reply the team keeps at hand; `{{name}}` and other variables are filled in when used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CannedReply {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[async_trait]
pub trait TeamStore: Send + Sync {
    /// Who the conversation is assigned to, if anyone.
    async fn assignee(&self, conversation_id: Uuid) -> Result<Option<Admin>, StoreError>;
    /// Assigns the conversation to `admin_id` (or nobody), recording it in the thread as done `by`.
    async fn assign_conversation(
        &self,
        conversation_id: Uuid,
        admin_id: Option<Uuid>,
        by: &str,
    ) -> Result<(), StoreError>;
    /// Gives the conversation to a person (`Human`: the agent falls silent) or back to the agent,
    /// recording `note` in the thread, in one transaction. Like `set_conversation_status`, it
    /// marks the conversation read and takes up a hand-off the texter asked for.
    async fn change_owner(
        &self,
        conversation_id: Uuid,
        status: ConversationStatus,
        kind: NoteKind,
        by: &str,
        body: &str,
    ) -> Result<(), StoreError>;
    async fn add_note(
        &self,
        conversation_id: Uuid,
        kind: NoteKind,
        author: Option<&str>,
        body: &str,
    ) -> Result<Note, StoreError>;
    /// The conversation's notes and events, oldest first.
    async fn conversation_notes(&self, conversation_id: Uuid) -> Result<Vec<Note>, StoreError>;

    async fn list_canned_replies(&self) -> Result<Vec<CannedReply>, StoreError>;
    async fn get_canned_reply(&self, id: Uuid) -> Result<CannedReply, StoreError>;
    /// Refused when another canned reply has the same title.
    async fn create_canned_reply(&self, title: &str, body: &str)
    -> Result<CannedReply, StoreError>;
    async fn delete_canned_reply(&self, id: Uuid) -> Result<(), StoreError>;

    /// Queues the agent's drafted reply `message_id` for sending, as drafted or as `edited`; a
    /// draft a newer text replaced, or that expired or was discarded, is `NotFound`.
    async fn send_drafted_reply(
        &self,
        message_id: Uuid,
        edited: Option<&NewOutbound>,
    ) -> Result<(), StoreError>;
    /// Deletes a drafted reply unsent; `NotFound` when it is no longer a draft.
    async fn discard_drafted_reply(&self, message_id: Uuid) -> Result<(), StoreError>;
    /// Deletes the drafts that nobody approved by `now` and hands their conversations to the team
    /// (as a texter's request for a person would, with a note in the thread); their ids.
    async fn expire_drafted_replies(&self, now: OffsetDateTime) -> Result<Vec<Uuid>, StoreError>;
}
