//! News for the live inbox: which conversation changed (a message arrived, was answered, sent or
//! delivered; a person read it or took it over). The web app streams these to open inbox pages
//! (Server-Sent Events), which then fetch what they show again. Only this process's changes are
//! published: with several processes on one PostgreSQL database, the pages' polling picks up
//! the others'.

use std::sync::Arc;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

/// What changed in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxChange {
    /// A message was added to it or changed (its delivery status, how it was routed).
    Message,
    /// The conversation itself: read, taken over or handed back.
    Conversation,
}

impl InboxChange {
    pub fn as_str(self) -> &'static str {
        match self {
            InboxChange::Message => "message",
            InboxChange::Conversation => "conversation",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxEvent {
    pub conversation_id: Uuid,
    pub change: InboxChange,
}

/// Events kept for a slow listener before it misses some (and is told to reload everything).
const BACKLOG: usize = 256;

/// The channel the pipeline publishes inbox events on; any number of listeners.
#[derive(Debug, Clone)]
pub struct InboxEvents {
    sender: broadcast::Sender<InboxEvent>,
    /// Set when the process stops: listeners end their streams rather than hold up the shutdown.
    stopping: Arc<watch::Sender<bool>>,
}

impl Default for InboxEvents {
    fn default() -> Self {
        InboxEvents {
            sender: broadcast::channel(BACKLOG).0,
            stopping: Arc::new(watch::channel(false).0),
        }
    }
}

impl InboxEvents {
    pub fn publish(&self, conversation_id: Uuid, change: InboxChange) {
        // Nobody listening (no inbox open) is not an error.
        let _ = self.sender.send(InboxEvent {
            conversation_id,
            change,
        });
    }

    pub fn subscribe(&self) -> broadcast::Receiver<InboxEvent> {
        self.sender.subscribe()
    }

    /// The process is stopping: every [`stopped`](Self::stopped) completes.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// Completes once [`stop`](Self::stop) was called (at once if it was already).
    pub fn stopped(&self) -> impl std::future::Future<Output = ()> + Send + use<> {
        let mut stopping = self.stopping.subscribe();
        async move {
            // An error means the sender is gone: nothing will be published any more either.
            let _ = stopping.wait_for(|stopping| *stopping).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn listeners_hear_when_the_process_stops() {
        let events = InboxEvents::default();
        let before = events.stopped();
        events.stop();
        before.await;
        events.stopped().await;
    }

    #[tokio::test]
    async fn every_listener_hears_each_event() {
        let events = InboxEvents::default();
        events.publish(Uuid::nil(), InboxChange::Message);
        let (mut first, mut second) = (events.subscribe(), events.subscribe());
        let id = Uuid::now_v7();
        events.publish(id, InboxChange::Conversation);
        for listener in [&mut first, &mut second] {
            assert_eq!(
                listener.recv().await.unwrap(),
                InboxEvent {
                    conversation_id: id,
                    change: InboxChange::Conversation
                }
            );
        }
    }
}
