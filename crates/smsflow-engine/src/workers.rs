//! The engine's background tasks, and how they stop.
//!
//! A stop that merely aborts them is a crash for the work in hand: a reply handed to the gateway
//! but not yet marked sent keeps its claim until the lease lapses, and is then sent again by
//! another claim (adopted instead where the gateway can be asked, sent twice where it cannot).
//! [`Workers::stop`] lets the inbound workers and senders finish what they hold, including the
//! replies the inbound workers are sending, and only then aborts the rest.

use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

use crate::messaging::Messaging;

/// How long a graceful stop waits for the work in hand: a send is bounded by the gateway
/// client's timeout (20 s), and most take well under a second; together with the HTTP server's
/// 10 s for requests in flight it fits systemd's 30 s (deploy/smsflow.service).
pub const STOP_GRACE: Duration = Duration::from_secs(15);

pub struct Workers {
    messaging: Arc<Messaging>,
    /// Inbound workers and senders: asked to stop, they finish what they hold and return.
    draining: Vec<JoinHandle<()>>,
    /// Everything else (follow-ups, notifications, watching for changes, the model's install):
    /// what they do resumes from the database, so they are aborted.
    others: Vec<JoinHandle<()>>,
}

impl Workers {
    pub(crate) fn new(messaging: Arc<Messaging>) -> Workers {
        Workers {
            messaging,
            draining: Vec::new(),
            others: Vec::new(),
        }
    }

    /// A worker that returns once [`Messaging::request_stop`] is called and its work in hand is
    /// done.
    pub(crate) fn add_draining(&mut self, worker: JoinHandle<()>) {
        self.draining.push(worker);
    }

    /// A task aborted when the workers stop.
    pub fn add(&mut self, task: JoinHandle<()>) {
        self.others.push(task);
    }

    /// Stops gracefully: no more claims; the messages in hand are processed, and the replies in
    /// flight sent and marked, for `grace` at most; then every task is aborted (what was still
    /// in flight is taken over when its claim lapses, as after a crash). True when everything in
    /// hand was finished.
    pub async fn stop(mut self, grace: Duration) -> bool {
        self.messaging.request_stop();
        let finished = tokio::time::timeout(grace, async {
            for worker in &mut self.draining {
                // A worker that panicked has nothing left to finish.
                let _ = worker.await;
            }
            // The inbound workers' replies are sent by tasks of their own.
            self.messaging.replies_sent().await;
        });
        let finished = finished.await.is_ok();
        if !finished {
            tracing::warn!(
                ?grace,
                "work still in flight when the workers stopped: it is taken over when its claims lapse"
            );
        }
        finished
    }
}

/// Dropped without [`Workers::stop`] (a test's end, a failed start): every task is aborted.
impl Drop for Workers {
    fn drop(&mut self) {
        self.draining
            .iter()
            .chain(&self.others)
            .for_each(JoinHandle::abort);
    }
}
