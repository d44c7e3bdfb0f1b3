//! A throwaway installation: a fresh SQLite database in a temporary directory, holding the given
//! workflows, with the full message pipeline running in this process. `smsflow chat --file` and
//! conversation tests text it through the simulator. Nothing leaves it: no gateway is configured and
//! no ticket reaches a helpdesk.

use smsflow_core::WorkflowSpec;
use smsflow_store::StoreError;

use crate::matching::Semantic;
use crate::{AppState, Config};

pub struct Sandbox {
    pub state: AppState,
    workers: Vec<tokio::task::JoinHandle<()>>,
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
    /// Starts a throwaway copy of the installation `config` describes, with these workflows.
    pub async fn start(
        mut config: Config,
        workflows: &[WorkflowSpec],
        semantic: Option<Semantic>,
    ) -> Result<Sandbox, SandboxError> {
        let dir = tempfile::tempdir()?;
        config.database_url = format!("sqlite://{}", dir.path().join("sandbox.db").display());
        config.twilio = None;
        config.kannel = None;
        config.ticket_webhook = None;
        let store = smsflow_store::connect(&config.database_url).await?;
        for spec in workflows {
            store
                .create_workflow(spec, &smsflow_store::Author::system())
                .await?;
        }
        let state = AppState::with_semantic(store, config, semantic).await?;
        let workers = state.start_workers();
        Ok(Sandbox {
            state,
            workers,
            _dir: dir,
        })
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.workers.iter().for_each(|worker| worker.abort());
    }
}
