//! Runs in progress keep the workflow version they started with: a publish changes what new
//! conversations get, never the rules of a conversation half-way through. Stored versions never
//! change, so the sets read here are kept (a few at a time).

use smsflow_core::Workflow;
use smsflow_store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Sets kept at once; more are read again from the database when needed.
const KEPT: usize = 16;

type WorkflowSet = Arc<HashMap<Uuid, Workflow>>;

#[derive(Default)]
pub struct PinnedVersions {
    sets: Mutex<HashMap<i64, WorkflowSet>>,
}

impl PinnedVersions {
    /// The workflow `id` as it was in `version`, or `None` if that version is not kept (then the
    /// current workflow is the best there is).
    pub async fn workflow(
        &self,
        store: &dyn Store,
        version: i64,
        id: Uuid,
    ) -> Result<Option<Workflow>, StoreError> {
        let kept = self
            .sets
            .lock()
            .expect("not poisoned")
            .get(&version)
            .cloned();
        let set = match kept {
            Some(set) => set,
            None => {
                let set: WorkflowSet = match store.get_version(version).await {
                    Ok(stored) => {
                        Arc::new(stored.workflows.into_iter().map(|w| (w.id, w)).collect())
                    }
                    Err(StoreError::NotFound { .. }) => return Ok(None),
                    Err(error) => return Err(error),
                };
                let mut sets = self.sets.lock().expect("not poisoned");
                if sets.len() >= KEPT {
                    sets.clear();
                }
                sets.insert(version, set.clone());
                set
            }
        };
        Ok(set.get(&id).cloned())
    }
}
