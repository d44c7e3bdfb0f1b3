//! Whole workflow sets as people send them (the draft of the API, a directory of YAML files):
//! validated together, with the ids they keep once published.

use smsflow_core::versions::SetDiff;
use smsflow_core::{Problems, Workflow, WorkflowDraft};
use smsflow_store::{DraftWorkflow, Store, StoreError, WorkflowSetVersion};
use std::collections::HashSet;
use uuid::Uuid;

/// Validates every workflow (problems are prefixed with `[i] (name)`) and checks that names are unique.
/// A workflow keeps its `id` if it has one, else the id of the workflow in `current` with its
/// name (any case), else gets a new one: so a file without ids still updates in place.
pub fn draft_set(
    drafts: &[WorkflowDraft],
    current: &[DraftWorkflow],
) -> Result<Vec<DraftWorkflow>, Problems> {
    let mut problems = Problems::default();
    let mut set = Vec::with_capacity(drafts.len());
    let mut names = HashSet::new();
    let mut ids = HashSet::new();
    for (i, draft) in drafts.iter().enumerate() {
        let spec = match draft.validate() {
            Ok(spec) => spec,
            Err(found) => {
                // The name, when there is one, says which workflow of a long list is meant.
                let label = match &draft.name {
                    Some(name) => format!("[{i}] ({name})"),
                    None => format!("[{i}]"),
                };
                problems.extend(found.within(&label));
                continue;
            }
        };
        let key = spec.name.as_str().to_lowercase();
        if !names.insert(key.clone()) {
            problems.push::<()>(
                format!("[{i}].name"),
                format!(
                    "{:?} is used by two workflows: names must be unique (ignoring case)",
                    spec.name.as_str()
                ),
            );
        }
        let id = draft
            .id
            .or_else(|| {
                current
                    .iter()
                    .find(|w| w.spec.name.as_str().to_lowercase() == key)
                    .map(|w| w.id)
            })
            .unwrap_or_else(Uuid::now_v7);
        if !ids.insert(id) {
            problems.push::<()>(
                format!("[{i}].id"),
                "is used by two workflows: remove it from the copy",
            );
        }
        set.push(DraftWorkflow { id, spec });
    }
    if problems.is_empty() {
        Ok(set)
    } else {
        Err(problems)
    }
}

/// The live workflows as a set.
pub async fn live_set(store: &dyn Store) -> Result<Vec<DraftWorkflow>, StoreError> {
    Ok(store
        .all_workflows()
        .await?
        .iter()
        .map(DraftWorkflow::from)
        .collect())
}

/// What changes from `before` to `after`, workflows matched by id.
pub fn diff(before: &[DraftWorkflow], after: &[DraftWorkflow]) -> SetDiff {
    SetDiff::between(&keyed(before), &keyed(after))
}

fn keyed(set: &[DraftWorkflow]) -> Vec<(Uuid, &smsflow_core::WorkflowSpec)> {
    set.iter().map(|w| (w.id, &w.spec)).collect()
}

/// The same, for stored versions.
pub fn workflows_as_set(workflows: &[Workflow]) -> Vec<DraftWorkflow> {
    workflows.iter().map(DraftWorkflow::from).collect()
}

/// A stored version, the number of the version before it (if kept), and what it changed.
pub async fn version_with_changes(
    store: &dyn Store,
    number: i64,
) -> Result<(WorkflowSetVersion, Option<i64>, SetDiff), StoreError> {
    let version = store.get_version(number).await?;
    let previous = store.list_versions(Some(number), 1).await?.pop();
    let before = match &previous {
        Some(previous) => workflows_as_set(&store.get_version(previous.number).await?.workflows),
        None => Vec::new(),
    };
    let changes = diff(&before, &workflows_as_set(&version.workflows));
    Ok((version, previous.map(|p| p.number), changes))
}
