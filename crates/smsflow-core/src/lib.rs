//! smsflow's domain: workflows, goals, validation and the matcher. Pure code: no I/O, no async.

pub mod agents;
pub mod auto_follow_up;
pub mod classifier;
pub mod conversation;
pub mod cpu;
pub mod fields;
pub mod goal;
pub mod intent;
pub mod labelled;
pub mod language;
pub mod localized;
pub mod matcher;
pub mod quality;
pub mod run;
pub mod semantic;
pub mod sender;
pub mod sms;
pub mod text;
pub mod validation;
pub mod versions;
pub mod workflow;

pub use auto_follow_up::AutoFollowUp;
pub use fields::{FieldSpec, FieldType, OnInvalid};
pub use goal::Goal;
pub use localized::{LocalizedText, TextDraft};
pub use matcher::{MatchEntry, MatchExplanation, Matcher};
pub use validation::{Problem, Problems};
pub use workflow::{
    BookingLink, FieldName, Step, TableName, TicketPriority, Workflow, WorkflowDraft, WorkflowName,
    WorkflowSpec,
};
