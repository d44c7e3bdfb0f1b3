pub mod workflows;
