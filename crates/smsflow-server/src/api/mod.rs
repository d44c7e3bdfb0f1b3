pub mod agents;
pub mod conversations;
pub mod steps;
pub mod workflows;
