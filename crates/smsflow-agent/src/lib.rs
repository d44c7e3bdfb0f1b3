//! The agent's deterministic parts: built-in extractors for common fields, SMS templates, and the
//! builtin reply writer that follows a workflow's goal, template and steps without any model, and
//! the ticket summary.

pub mod builtin;
pub mod extract;
pub mod fields;
pub mod phrases;
pub mod summary;
pub mod template;
pub mod voice;
