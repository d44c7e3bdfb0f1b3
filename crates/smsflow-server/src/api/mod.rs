pub mod conversations;
pub mod workflows;
