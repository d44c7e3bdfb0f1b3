//! The interface to a sentence-embedding model, as the matcher sees it. The core never runs a model:
//! an adapter crate (smsflow-semantic) implements [`Embedder`], and the matcher calls it.

use std::sync::Arc;

use crate::goal::Goal;

/// Turns text into a unit-length vector whose dot product with another is their cosine similarity.
pub trait Embedder: Send + Sync {
    /// The embedding of a message, or `None` if this text cannot be embedded.
    fn embed(&self, text: &str) -> Option<Vec<f32>>;

    /// The embedding of an example phrase. Examples recur every time the workflows are compiled, so
    /// implementations may remember them.
    fn embed_example(&self, text: &str) -> Option<Arc<[f32]>> {
        self.embed(text).map(Arc::from)
    }

    /// [`Embedder::embed_example`] for many phrases at once, in order: implementations may batch.
    fn embed_examples(&self, texts: &[&str]) -> Vec<Option<Arc<[f32]>>> {
        texts.iter().map(|text| self.embed_example(text)).collect()
    }
}

/// How close a message must be to a goal's examples to match it: the similarity of the message to
/// the goal's closest example must reach the goal's threshold, and be within `margin` of the
/// closest example of any goal (the catch-all's examples included, which are counter-examples).
/// Both depend on the model; its adapter crate provides values chosen on labelled data.
#[derive(Debug, Clone, PartialEq)]
pub struct SemanticConfig {
    thresholds: [f32; Goal::ALL.len()],
    margin: f32,
}

impl SemanticConfig {
    pub fn new(threshold: impl Fn(Goal) -> f32, margin: f32) -> SemanticConfig {
        SemanticConfig {
            thresholds: Goal::ALL.map(threshold),
            margin,
        }
    }

    pub fn threshold(&self, goal: Goal) -> f32 {
        self.thresholds[goal as usize]
    }

    pub fn margin(&self) -> f32 {
        self.margin
    }
}

/// Cosine similarity of two unit-length vectors.
pub fn similarity(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
