//! The default agent and the routing rules kept between the inbound worker's batches: they change
//! only through the agents' API, yet were read again for every batch (two read transactions on
//! reader connections whose page caches the writer's commits had just invalidated).
//!
//! A store forgets what it keeps when a change goes through it, so this process never routes
//! with a rule it changed; another process's change bumps `agents_revision` (migration 0035),
//! which is checked when what is kept is older than [`RECHECK`].

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::agents::Routing;

/// How long what is kept is used without asking whether another process changed it.
pub(crate) const RECHECK: Duration = Duration::from_millis(500);

#[derive(Default)]
pub(crate) struct RoutingCache {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    kept: Option<Kept>,
    /// Counts this store's changes: what was read before one of them is not kept.
    changes: u64,
}

struct Kept {
    revision: i64,
    checked_at: Instant,
    routing: Arc<Routing>,
}

/// Where a read of the routing starts: this store's changes so far, to keep it only if none
/// happened meanwhile.
pub(crate) struct ReadStart {
    changes: u64,
}

impl RoutingCache {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What is kept, if checked against the revision within [`RECHECK`].
    pub(crate) fn recent(&self) -> Option<Arc<Routing>> {
        let state = self.state();
        let kept = state.kept.as_ref()?;
        (kept.checked_at.elapsed() < RECHECK).then(|| Arc::clone(&kept.routing))
    }

    /// To call before reading the revision.
    pub(crate) fn start_read(&self) -> ReadStart {
        ReadStart {
            changes: self.state().changes,
        }
    }

    /// What is kept, if it is `revision`'s: it counts as checked now.
    pub(crate) fn at_revision(&self, revision: i64) -> Option<Arc<Routing>> {
        let mut state = self.state();
        let kept = state
            .kept
            .as_mut()
            .filter(|kept| kept.revision == revision)?;
        kept.checked_at = Instant::now();
        Some(Arc::clone(&kept.routing))
    }

    /// Keeps `routing`, read after `revision` (read after `start`), unless this store changed the
    /// agents or the rules since `start`.
    pub(crate) fn keep(&self, start: ReadStart, revision: i64, routing: &Arc<Routing>) {
        let mut state = self.state();
        if state.changes == start.changes {
            state.kept = Some(Kept {
                revision,
                checked_at: Instant::now(),
                routing: Arc::clone(routing),
            });
        }
    }

    /// After a change through this store (committed): the next read goes to the database.
    pub(crate) fn forget(&self) {
        let mut state = self.state();
        state.kept = None;
        state.changes += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::Agent;
    use smsflow_core::agents::AgentSpec;

    fn routing() -> Arc<Routing> {
        let at = time::OffsetDateTime::UNIX_EPOCH;
        Arc::new(Routing {
            default_agent: Agent {
                id: uuid::Uuid::nil(),
                spec: AgentSpec {
                    name: "Default".into(),
                    persona: String::new(),
                    backend: "builtin".into(),
                    model: None,
                    max_segments: 2,
                    language: None,
                    is_default: true,
                    suggest_replies: false,
                },
                created_at: at,
                updated_at: at,
            },
            rules: Vec::new(),
        })
    }

    #[test]
    fn what_was_read_before_a_change_through_the_store_is_not_kept() {
        let cache = RoutingCache::default();
        let start = cache.start_read();
        cache.forget();
        cache.keep(start, 1, &routing());
        assert!(cache.recent().is_none());
        assert!(cache.at_revision(1).is_none());
    }

    #[test]
    fn what_is_kept_is_served_until_a_change_and_only_at_its_revision() {
        let cache = RoutingCache::default();
        let kept = routing();
        cache.keep(cache.start_read(), 1, &kept);
        assert!(Arc::ptr_eq(&cache.recent().unwrap(), &kept));
        assert!(cache.at_revision(2).is_none(), "another process changed it");
        assert!(Arc::ptr_eq(&cache.at_revision(1).unwrap(), &kept));
        cache.forget();
        assert!(cache.recent().is_none());
    }
}
