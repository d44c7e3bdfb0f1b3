//! `smsflow backup FILE` and `smsflow restore FILE`: SQLite's online backup API, safe while
//! `smsflow serve` runs. PostgreSQL has its own tools (pg_dump, pg_restore): docs/deploy.md.

use anyhow::{Context, bail};
use clap::Args;
use smsflow_server::Config;
use smsflow_store::backup::{self, CopyProgress, CopySummary};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct BackupArgs {
    /// The file to write (it must not exist yet), e.g. /var/backups/smsflow-2026-11-28.db.
    file: PathBuf,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// A file `smsflow backup` wrote.
    file: PathBuf,
    /// Replace the database even though it already holds data (stop `smsflow serve` first).
    #[arg(long)]
    force: bool,
}

pub async fn backup(args: BackupArgs, config: &Config) -> anyhow::Result<()> {
    let database = sqlite_path(config, "backup")?;
    let destination = args.file.clone();
    let summary = tokio::task::spawn_blocking(move || {
        let mut shown = Progress::new("backing up");
        let summary = backup::backup(&database, &destination, &mut |p| shown.show(p));
        shown.finish();
        summary
    })
    .await
    .context("the backup task stopped")??;
    println!(
        "Backed up {} to {} ({}, schema version {}).",
        config.database_url,
        args.file.display(),
        size(&summary),
        summary.schema_version
    );
    Ok(())
}

pub async fn restore(args: RestoreArgs, config: &Config) -> anyhow::Result<()> {
    let database = sqlite_path(config, "restore")?;
    let source = args.file.clone();
    let target = database.clone();
    let force = args.force;
    let summary = tokio::task::spawn_blocking(move || -> anyhow::Result<CopySummary> {
        if !force && backup::is_database(&target)? {
            bail!(
                "{} already holds a database: stop `smsflow serve`, then run `smsflow restore {} --force` to replace it (back it up first if you may need it)",
                target.display(),
                source.display()
            );
        }
        let mut shown = Progress::new("restoring");
        let summary = backup::restore(&source, &target, &mut |p| shown.show(p));
        shown.finish();
        Ok(summary?)
    })
    .await
    .context("the restore task stopped")??;
    println!(
        "Restored {} into {} ({}, schema version {}). `smsflow serve` applies any newer migrations when it starts.",
        args.file.display(),
        database.display(),
        size(&summary),
        summary.schema_version
    );
    Ok(())
}

/// The SQLite file of the configured database; PostgreSQL is backed up with its own tools.
fn sqlite_path(config: &Config, verb: &str) -> anyhow::Result<PathBuf> {
    let url = config.database_url.as_str();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        bail!(
            "`smsflow {verb}` copies SQLite databases; for PostgreSQL use its own tools: \
             `pg_dump --format=custom --file=smsflow.dump \"$DATABASE_URL\"` to back up and \
             `pg_restore --clean --if-exists --dbname=\"$DATABASE_URL\" smsflow.dump` to restore (docs/deploy.md)"
        );
    }
    match url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Some(path) => Ok(Path::new(path).to_path_buf()),
        None => bail!("unsupported database URL {url:?}: smsflow backs up sqlite://path databases"),
    }
}

fn size(summary: &CopySummary) -> String {
    format!(
        "{} pages, {:.1} MB",
        summary.pages,
        summary.bytes as f64 / 1e6
    )
}

/// A percentage on stderr when it is a terminal; nothing otherwise (cron mails stay short).
struct Progress {
    what: &'static str,
    terminal: bool,
    shown: bool,
}

impl Progress {
    fn new(what: &'static str) -> Progress {
        Progress {
            what,
            terminal: std::io::stderr().is_terminal(),
            shown: false,
        }
    }

    fn show(&mut self, progress: CopyProgress) {
        if !self.terminal || progress.total_pages == 0 {
            return;
        }
        let percent = progress.copied_pages * 100 / progress.total_pages;
        eprint!(
            "\r{}: {percent:>3}% ({}/{} pages)",
            self.what, progress.copied_pages, progress.total_pages
        );
        let _ = std::io::stderr().flush();
        self.shown = true;
    }

    fn finish(&self) {
        if self.shown {
            eprintln!();
        }
    }
}
