pub mod agents;
pub mod analytics;
pub mod contacts;
pub mod conversations;
pub mod replays;
pub mod steps;
pub mod versions;
pub mod workflows;
