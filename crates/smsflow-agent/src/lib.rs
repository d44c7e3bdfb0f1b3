//! The agent's deterministic parts: built-in extractors for common fields, SMS templates, and the
//! builtin reply writer that follows a workflow's goal, template and steps without any model, and
//! the ticket summary; and a learned reader of free-text fields that reads beside the rules.

pub mod builtin;
pub mod extract;
pub mod fields;
pub mod phrases;
pub mod summary;
pub mod tagger;
pub mod template;
pub mod voice;
