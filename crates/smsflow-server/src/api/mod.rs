pub mod agents;
pub mod analytics;
pub mod conversations;
pub mod steps;
pub mod workflows;
