//! The interface to a sentence-embedding model, as the matcher sees it. The core never runs a model:
//! an adapter crate (smsflow-semantic) implements [`Embedder`], and the matcher calls it.

use std::sync::Arc;

use crate::classifier::Training;
use crate::workflow::Sensitivity;

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

    /// A goal classifier kept by [`Embedder::keep_classifier`] under `key`, as
    /// [`crate::classifier::GoalClassifier::to_bytes`] wrote it: the matcher keeps the one it
    /// trains on the goals' built-in examples (a second or more of training, the same at every
    /// start). `None` when none is kept under `key`; by default none is ever kept.
    fn kept_classifier(&self, _key: u64) -> Option<Vec<u8>> {
        None
    }

    /// Keeps `classifier` (bytes of a trained goal classifier) under `key`, for example in a file
    /// beside the model, in place of any kept before. By default it is not kept.
    fn keep_classifier(&self, _key: u64, _classifier: &[u8]) {}
}

/// How the matcher decides by meaning with a given model: how its goal classifier is trained and
/// calibrated (see [`crate::classifier`]), and the probability cut-offs of the decision. The values
/// depend on the model; its adapter crate provides values chosen on labelled data.
#[derive(Debug, Clone, PartialEq)]
pub struct SemanticConfig {
    pub training: Training,
    /// The least probability of its goal for a workflow to match by meaning, by sensitivity.
    pub strict: f32,
    pub balanced: f32,
    pub broad: f32,
    /// Goals within this much probability of the most probable one match too (a tie).
    pub margin: f32,
    /// A match by meaning at least this probable wins over a lower-ranked workflow's keyword;
    /// below it, a keyword the business chose decides.
    pub clear: f32,
    /// A goal does not match by meaning when the message's closest "none of these" example is this
    /// much more similar (cosine) than the goal's closest example: the catch-all's examples are of
    /// many kinds, which one linear class fits less well than their nearest neighbours do.
    /// `f32::INFINITY` turns the check off.
    pub nearer_none: f32,
}

impl SemanticConfig {
    /// The cut-off for a workflow's sensitivity.
    pub fn cutoff(&self, sensitivity: Sensitivity) -> f32 {
        match sensitivity {
            Sensitivity::Strict => self.strict,
            Sensitivity::Balanced => self.balanced,
            Sensitivity::Broad => self.broad,
        }
    }
}

/// Cosine similarity of two unit-length vectors.
pub fn similarity(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
