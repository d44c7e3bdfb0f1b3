pub mod agents;
pub mod analytics;
pub mod contacts;
pub mod conversations;
pub mod steps;
pub mod workflows;
