//! The compiled matcher a server uses, swapped atomically when workflows change. Changes made by this
//! process refresh it at once; changes made by other processes are noticed by polling the database's
//! workflow revision (one tiny query per interval, never one per message). With the embedding model,
//! each compile embeds the workflows' example phrases (the model remembers the ones it has seen) and
//! trains the goal classifier on them, unless the examples are those of the previous compile: then
//! the previous matcher's classifier is shared. The model can arrive after start (installed in the
//! background): [`MatcherCache::set_semantic`] swaps it in and recompiles, without a restart.

use arc_swap::{ArcSwap, ArcSwapOption};
use smsflow_core::semantic::{Embedder, SemanticConfig};
use smsflow_core::{MatchEntry, Matcher, Workflow, WorkflowSpec};
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

/// The embedding model and the matching settings that go with it: the second matching signal.
#[derive(Clone)]
pub struct Semantic {
    /// The model's name, for `/healthz`.
    pub model: String,
    pub embedder: Arc<dyn Embedder>,
    pub config: SemanticConfig,
}

pub struct MatcherCache {
    store: Arc<dyn Store>,
    semantic: ArcSwapOption<Semantic>,
    current: ArcSwap<CompiledWorkflows>,
    /// Serialises recompiles so concurrent refreshes do not each compile.
    compiling: tokio::sync::Mutex<()>,
}

impl MatcherCache {
    pub async fn load(
        store: Arc<dyn Store>,
        semantic: Option<Semantic>,
    ) -> Result<MatcherCache, StoreError> {
        let compiled = compile(store.as_ref(), semantic.as_ref(), None).await?;
        Ok(MatcherCache {
            store,
            semantic: ArcSwapOption::from_pointee(semantic),
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
        let previous = Some(self.current());
        let compiled =
            Arc::new(compile(self.store.as_ref(), self.semantic().as_deref(), previous).await?);
        tracing::info!(
            revision = compiled.revision,
            workflows = compiled.matcher.len(),
            "workflows changed: matcher recompiled"
        );
        self.current.store(compiled.clone());
        Ok(compiled)
    }

    /// A matcher over the saved workflows with `draft` (an unsaved form) in place of the saved
    /// workflow `replaces`, or added to them: to test a change before saving it. Compiled for this
    /// one test (the model remembers the examples it embedded; a draft that leaves the examples
    /// alone shares the saved workflows' classifier, otherwise it is trained again).
    pub async fn with_draft(
        &self,
        draft: &WorkflowSpec,
        replaces: Option<Uuid>,
    ) -> Result<Matcher, StoreError> {
        let compiled = self.refresh().await?;
        let saved = replaces.and_then(|id| compiled.workflows.get(&id));
        let mut entries: Vec<MatchEntry> = compiled
            .workflows
            .values()
            .filter(|workflow| Some(workflow.id) != replaces)
            .map(MatchEntry::from)
            .collect();
        entries.push(MatchEntry {
            id: saved.map(|workflow| workflow.id),
            created_at: saved.map(|workflow| workflow.created_at),
            ..MatchEntry::from(draft)
        });
        Ok(build(entries, self.semantic().as_deref(), Some(compiled)).await)
    }

    /// The semantic signal, if the model is loaded.
    pub fn semantic(&self) -> Option<Arc<Semantic>> {
        self.semantic.load_full()
    }

    /// Starts matching by meaning with `semantic` (a model that became ready after start): the
    /// workflows are recompiled with it before this returns.
    pub async fn set_semantic(&self, semantic: Semantic) -> Result<(), StoreError> {
        let _one_at_a_time = self.compiling.lock().await;
        let semantic = Arc::new(semantic);
        let compiled = compile(self.store.as_ref(), Some(&*semantic), Some(self.current())).await?;
        self.semantic.store(Some(semantic));
        self.current.store(Arc::new(compiled));
        Ok(())
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

/// Compiles the saved workflows; `previous` (the workflows compiled before) lends its goal classifier
/// when the examples did not change.
async fn compile(
    store: &dyn Store,
    semantic: Option<&Semantic>,
    previous: Option<Arc<CompiledWorkflows>>,
) -> Result<CompiledWorkflows, StoreError> {
    // Every change to the workflows bumps the revision in the same transaction: workflows read
    // between two equal readings of it are exactly that revision's, so messages routed with them
    // name the right version. A change in between (a publish) means read again.
    let mut revision = store.workflows_revision().await?;
    let workflows = loop {
        let workflows = store.all_workflows().await?;
        let after = store.workflows_revision().await?;
        if after == revision {
            break workflows;
        }
        revision = after;
    };
    let entries: Vec<MatchEntry> = workflows.iter().map(MatchEntry::from).collect();
    Ok(CompiledWorkflows {
        revision,
        matcher: build(entries, semantic, previous).await,
        workflows: workflows
            .into_iter()
            .map(|workflow| (workflow.id, workflow))
            .collect(),
    })
}

/// Compiles a matcher for `workflows`, matching by meaning too with `semantic`. With the model
/// this is CPU work (embedding new examples, training the classifier): async callers use [`build`].
pub fn build_matcher(workflows: &[Workflow], semantic: Option<&Semantic>) -> Matcher {
    matcher_of(
        workflows.iter().map(MatchEntry::from).collect(),
        semantic,
        None,
    )
}

fn matcher_of(
    entries: Vec<MatchEntry>,
    semantic: Option<&Semantic>,
    previous: Option<&Matcher>,
) -> Matcher {
    let Some(semantic) = semantic else {
        return Matcher::new(entries);
    };
    let (embedder, config) = (semantic.embedder.clone(), semantic.config.clone());
    match previous {
        None => Matcher::with_semantic(entries, embedder, config),
        Some(previous) => Matcher::with_semantic_after(previous, entries, embedder, config),
    }
}

/// [`build_matcher`] for entries, off the async workers when the model is involved.
async fn build(
    entries: Vec<MatchEntry>,
    semantic: Option<&Semantic>,
    previous: Option<Arc<CompiledWorkflows>>,
) -> Matcher {
    match semantic {
        None => Matcher::new(entries),
        Some(semantic) => {
            let semantic = semantic.clone();
            tokio::task::spawn_blocking(move || {
                let previous = previous.as_ref().map(|compiled| &compiled.matcher);
                matcher_of(entries, Some(&semantic), previous)
            })
            .await
            .expect("compiling the matcher does not panic")
        }
    }
}
