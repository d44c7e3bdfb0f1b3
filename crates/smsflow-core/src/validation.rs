//! Validation problems: each names the field it concerns and says what to do.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One thing wrong with the input, e.g. `steps[2].link: must be an absolute http(s) URL`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// Path of the field, e.g. `steps[2].link`.
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every problem found in one input, in the order the fields appear.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct Problems(Vec<Problem>);

impl Problems {
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut problems = Problems::default();
        problems.push::<()>(field, message);
        problems
    }

    /// Records a problem; returns `None` so a failed check can end a parse expression.
    pub fn push<T>(&mut self, field: impl Into<String>, message: impl Into<String>) -> Option<T> {
        self.0.push(Problem {
            field: field.into(),
            message: message.into(),
        });
        None
    }

    /// Keeps the value of a successful parse, or records its message under `field`.
    pub fn check<T>(&mut self, field: impl Into<String>, parsed: Result<T, String>) -> Option<T> {
        parsed.map_or_else(|message| self.push(field, message), Some)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter()
    }

    /// Adds every problem of `other`.
    pub fn extend(&mut self, other: Problems) {
        self.0.extend(other.0);
    }

    /// Prefixes every field path, e.g. with `[3]` for the fourth workflow of a file.
    pub fn within(self, prefix: &str) -> Self {
        Problems(
            self.0
                .into_iter()
                .map(|problem| Problem {
                    field: format!("{prefix}.{}", problem.field),
                    message: problem.message,
                })
                .collect(),
        )
    }
}

impl std::fmt::Display for Problems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}
