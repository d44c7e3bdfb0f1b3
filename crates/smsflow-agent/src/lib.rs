//! The agent's deterministic parts: built-in extractors for common fields, SMS templates, and the
//! builtin reply writer that follows a workflow's goal, template and steps without any model.

pub mod builtin;
pub mod extract;
pub mod template;
