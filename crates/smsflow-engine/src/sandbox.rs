//! A throwaway installation: a fresh SQLite database in a temporary directory, holding the given
//! workflows, with the full message pipeline running in this process. `smsflow chat --file` and
//! conversation tests text it through the simulator. Nothing leaves it: no gateway is configured and
//! no ticket reaches a helpdesk.

use smsflow_core::WorkflowSpec;
use smsflow_core::conversation::Channel;
use smsflow_sms::SmsChannel;
use smsflow_store::StoreError;
use std::collections::HashMap;
use std::sync::Arc;

use crate::Engine;
use crate::matching::Semantic;
use crate::settings::EngineSettings;
use crate::workers::Workers;

pub struct Sandbox {
    pub engine: Engine,
    // Aborted with the sandbox.
    _workers: Workers,
    // Deleted with the sandbox.
    _dir: tempfile::TempDir,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "cannot create a scratch directory for a throwaway database: {0} (set TMPDIR to a writable directory)"
    )]
    Scratch(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Sandbox {
    /// Starts a throwaway copy of the installation `settings` describe, with these workflows.
    pub async fn start(
        mut settings: EngineSettings,
        workflows: &[WorkflowSpec],
        semantic: Option<Semantic>,
    ) -> Result<Sandbox, SandboxError> {
        let dir = tempfile::tempdir()?;
        let database_url = format!("sqlite://{}", dir.path().join("sandbox.db").display());
        // Nothing done in a sandbox reaches a helpdesk or the team.
        settings.ticket_webhook = None;
        settings.notifications = Default::default();
        let store = smsflow_store::connect(&database_url).await?;
        for spec in workflows {
            store
                .create_workflow(spec, &smsflow_store::Author::system())
                .await?;
        }
        // The simulator only: no gateway is configured.
        let channels = HashMap::from([(
            Channel::Simulator,
            Arc::new(smsflow_sms::simulator::Simulator) as Arc<dyn SmsChannel>,
        )]);
        let engine = Engine::new(store, settings, channels, semantic).await?;
        let workers = engine.start_workers();
        Ok(Sandbox {
            engine,
            _workers: workers,
            _dir: dir,
        })
    }
}
