//! The smsflow engine: a text arrives, it is answered. It owns the message pipeline (storing
//! inbound texts, the inbound and outbound workers, routing with the compiled matcher, the agent
//! that writes replies with the builtin agent or a model server, quiet and business hours, the
//! signed webhooks smsflow sends), the throwaway sandbox, conversation tests and the saved test
//! suite, replays of stored texts, workflow sets and the embedding model's life cycle.
//!
//! It knows nothing of HTTP: the server crate adapts the REST API, the gateways' webhooks and the
//! web app to it, and the CLI runs it directly (`smsflow chat`, `test`, `versions replay`). It
//! reads no configuration either: the caller hands it [`settings::EngineSettings`] and the SMS
//! channels to send through.

pub mod agent;
pub mod business_hours;
pub mod conversation_tests;
pub mod inbox_events;
pub mod matching;
pub mod messaging;
pub mod model;
pub mod notifications;
mod pinned;
pub mod quiet_hours;
pub mod replay;
pub mod sandbox;
pub mod saved_suite;
pub mod settings;
pub mod signing;
pub mod workers;
pub mod workflow_sets;

use smsflow_core::conversation::Channel;
use smsflow_sms::SmsChannel;
use smsflow_store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use matching::{MatcherCache, Semantic};
use messaging::{Messaging, TicketWebhook};
use notifications::Notifier;
use settings::{EngineSettings, TicketWebhookSettings};
use workers::Workers;

/// The message pipeline of one installation: its store, the compiled workflows and the messaging
/// that answers texts. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub store: Arc<dyn Store>,
    pub matchers: Arc<MatcherCache>,
    pub messaging: Arc<Messaging>,
    /// Tells the team of hand-offs, new tickets and failed deliveries.
    pub notifier: Arc<Notifier>,
    pub settings: Arc<EngineSettings>,
}

impl Engine {
    /// Matching on keywords and, with `semantic`, on meaning; replies sent through `channels`.
    pub async fn new(
        store: Arc<dyn Store>,
        settings: EngineSettings,
        channels: HashMap<Channel, Arc<dyn SmsChannel>>,
        semantic: Option<Semantic>,
    ) -> Result<Engine, StoreError> {
        let matchers = Arc::new(MatcherCache::load(store.clone(), semantic).await?);
        let mut messaging = Messaging::new(
            store.clone(),
            matchers.clone(),
            channels,
            settings.sms.clone(),
            agent::Agent::new(model_backend(&settings)).in_zone(settings.sms.timezone.clone()),
            settings.model_calls_in_flight,
        );
        let signed = |webhook: &TicketWebhookSettings| TicketWebhook {
            url: webhook.url.clone(),
            secret: webhook.secret.clone(),
            public_url: settings.public_url.clone(),
            http: smsflow_sms::http_client(),
        };
        messaging.ticket_webhook = settings.ticket_webhook.as_ref().map(signed);
        messaging.batch_wait = Duration::from_millis(settings.batch_wait_ms);
        let notifier = Notifier::new(store.clone(), &settings.notifications, &settings.public_url);
        Ok(Engine {
            store,
            matchers,
            messaging: Arc::new(messaging),
            notifier: Arc::new(notifier),
            settings: Arc::new(settings),
        })
    }

    /// Starts the background work: inbound processing, outbound sending, auto follow-ups, the
    /// team's notifications (when configured), and watching for workflow changes made by other
    /// processes. Stop them with [`Workers::stop`] (or drop them to abort everything).
    pub fn start_workers(&self) -> Workers {
        let mut workers = self
            .messaging
            .spawn_workers(self.settings.inbound_workers, 4);
        workers.add(
            self.matchers
                .watch(Duration::from_millis(self.settings.reload_interval_ms)),
        );
        workers.add(self.messaging.spawn_follow_ups());
        if self.notifier.enabled() {
            workers.add(Arc::clone(&self.notifier).spawn());
        }
        workers
    }
}

/// The model server that writes replies, when one is configured.
fn model_backend(settings: &EngineSettings) -> Option<Arc<dyn smsflow_llm::LlmBackend>> {
    let openai = settings.openai.clone()?;
    match smsflow_llm::OpenAiBackend::new(openai) {
        Ok(backend) => Some(Arc::new(backend)),
        Err(error) => {
            tracing::warn!(%error, "the model server is not usable: the builtin agent writes every reply");
            None
        }
    }
}
