//! The compiled matcher a server uses, swapped atomically when workflows change. Changes made by this
//! process refresh it at once; changes made by other processes are noticed by polling the database's
//! workflow revision (one tiny query per interval, never one per message). With the embedding model,
//! each compile embeds the workflows' example phrases (the model remembers the ones it has seen).

use arc_swap::ArcSwap;
use smsflow_core::semantic::{Embedder, SemanticConfig};
use smsflow_core::{MatchEntry, Matcher, Workflow};
use smsflow_store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

pub struct CompiledWorkflows {
    /// The database revision these workflows were read at.
    pub revision: i64,
    pub matcher: Matcher,
    /// The full workflows, for what happens after matching (templates, steps).
    pub workflows: HashMap<Uuid, Workflow>,
}

/// The embedding model and the thresholds that go with it: the second matching signal.
#[derive(Clone)]
pub struct Semantic {
    /// The model's name, for `/healthz`.
    pub model: String,
    pub embedder: Arc<dyn Embedder>,
    pub config: SemanticConfig,
}

pub struct MatcherCache {
    store: Arc<dyn Store>,
    semantic: Option<Semantic>,
    current: ArcSwap<CompiledWorkflows>,
    /// Serialises recompiles so concurrent refreshes do not each compile.
    compiling: tokio::sync::Mutex<()>,
}

impl MatcherCache {
    pub async fn load(
        store: Arc<dyn Store>,
        semantic: Option<Semantic>,
    ) -> Result<MatcherCache, StoreError> {
        let compiled = compile(store.as_ref(), semantic.as_ref()).await?;
        Ok(MatcherCache {
            store,
            semantic,
            current: ArcSwap::from_pointee(compiled),
            compiling: tokio::sync::Mutex::new(()),
        })
    }

    /// The matcher as of the last refresh: for the per-message path.
    pub fn current(&self) -> Arc<CompiledWorkflows> {
        self.current.load_full()
    }

    /// Recompiles if the workflows changed in the database since the last compile.
    pub async fn refresh(&self) -> Result<Arc<CompiledWorkflows>, StoreError> {
        let revision = self.store.workflows_revision().await?;
        if self.current.load().revision == revision {
            return Ok(self.current());
        }
        let _one_at_a_time = self.compiling.lock().await;
        if self.current.load().revision >= revision {
            return Ok(self.current());
        }
        let compiled = Arc::new(compile(self.store.as_ref(), self.semantic.as_ref()).await?);
        tracing::info!(
            revision = compiled.revision,
            workflows = compiled.matcher.len(),
            "workflows changed: matcher recompiled"
        );
        self.current.store(compiled.clone());
        Ok(compiled)
    }

    /// The semantic signal, if the model is loaded.
    pub fn semantic(&self) -> Option<&Semantic> {
        self.semantic.as_ref()
    }

    /// Polls for changes made by other processes until the task is dropped.
    pub fn watch(self: &Arc<Self>, interval: Duration) -> tokio::task::JoinHandle<()> {
        let cache = Arc::clone(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                if let Err(error) = cache.refresh().await {
                    tracing::warn!(%error, "cannot check for workflow changes; will retry");
                }
            }
        })
    }
}

async fn compile(
    store: &dyn Store,
    semantic: Option<&Semantic>,
) -> Result<CompiledWorkflows, StoreError> {
    // Read the revision first: the workflows read after it are at least that new.
    let revision = store.workflows_revision().await?;
    let workflows = store.all_workflows().await?;
    let matcher = match semantic {
        None => build_matcher(&workflows, None),
        Some(semantic) => {
            let (semantic, workflows) = (semantic.clone(), workflows.clone());
            // Embedding new examples is CPU work: keep it off the async workers.
            tokio::task::spawn_blocking(move || build_matcher(&workflows, Some(&semantic)))
                .await
                .expect("compiling the matcher does not panic")
        }
    };
    Ok(CompiledWorkflows {
        revision,
        matcher,
        workflows: workflows
            .into_iter()
            .map(|workflow| (workflow.id, workflow))
            .collect(),
    })
}

/// Compiles a matcher for `workflows`, matching by meaning too with `semantic`.
pub fn build_matcher(workflows: &[Workflow], semantic: Option<&Semantic>) -> Matcher {
    let entries: Vec<MatchEntry> = workflows.iter().map(MatchEntry::from).collect();
    match semantic {
        None => Matcher::new(entries),
        Some(semantic) => {
            Matcher::with_semantic(entries, semantic.embedder.clone(), semantic.config.clone())
        }
    }
}
