//! The `smsflow` command: run the server and manage workflows and API keys from the shell.

mod admin_cmd;
mod backup_cmd;
mod chat;
mod extract_cmd;
mod model_cmd;
mod test_cmd;
mod versions_cmd;
mod workflows_cmd;

use anyhow::Context;
use clap::{Parser, Subcommand};
use smsflow_server::Config;
use smsflow_store::ApiKeyScope;
use std::path::PathBuf;
use std::sync::Arc;

/// mimalloc instead of the system allocator: a text costs some hundred allocations, and glibc's
/// malloc and free were a sixth of the pipeline's CPU (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "smsflow",
    version,
    about = "SMS workflows that guide AI agents in SMS conversations",
    long_about = "SMS workflows that guide AI agents in SMS conversations.\n\nWith no configuration smsflow keeps its data in a SQLite file in its data directory. Settings come from a TOML file (--config or SMSFLOW_CONFIG) and SMSFLOW_* environment variables; see docs/configuration.md."
)]
struct Cli {
    /// TOML configuration file (also SMSFLOW_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (REST API under /api/v1).
    Serve,
    /// Define, import, export and test workflows.
    #[command(subcommand)]
    Workflows(workflows_cmd::WorkflowsCommand),
    /// Text with your workflows in the terminal, through the built-in SMS simulator.
    Chat(chat::ChatArgs),
    /// Run scripted conversations (YAML) against the workflows, each in a throwaway copy; nothing is sent.
    Test(test_cmd::TestArgs),
    /// Show the fields the built-in extractors find in a message (name, email, phone, company, ...).
    Extract(extract_cmd::ExtractArgs),
    /// Manage the API keys (read-only or full) that authenticate /api requests.
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Install or check the embedding model that matches messages by meaning.
    #[command(subcommand)]
    Model(model_cmd::ModelCommand),
    /// Manage the accounts that sign in to the web app, and their roles.
    #[command(subcommand)]
    Admin(admin_cmd::AdminCommand),
    /// Check the configured Twilio credentials with Twilio's API (the account they open).
    #[command(subcommand)]
    Twilio(TwilioCommand),
    /// Copy the SQLite database to a file, consistently, while `smsflow serve` runs.
    Backup(backup_cmd::BackupArgs),
    /// Replace the SQLite database with a backup (refuses to replace one holding data without --force).
    Restore(backup_cmd::RestoreArgs),
}

#[derive(Subcommand)]
enum ApiKeyCommand {
    /// Create a key; its secret is printed once, alone on the last line.
    Create {
        /// A name saying who uses the key, e.g. "ci" or "crm-sync".
        #[arg(long)]
        name: String,
        /// What the key may do: read-only (GET requests only) or full.
        #[arg(long, default_value = "full", value_parser = parse_scope)]
        scope: ApiKeyScope,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key by name or id; requests using it get 401 from then on.
    Revoke {
        /// The key's name or id.
        key: String,
    },
}

#[derive(Subcommand)]
enum TwilioCommand {
    /// Ask Twilio whether twilio.account_sid and twilio.auth_token open an account, before texts
    /// depend on them; exits 1 with what to fix when they do not.
    Check,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve) {
        end_quietly_when_the_reader_goes_away();
    }
    // SAFETY: before any thread starts, so nothing else calls SQLite meanwhile.
    unsafe { smsflow_store::configure_sqlite() };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Rust ignores SIGPIPE, so printing to a pipe whose reader has gone (`smsflow workflows history
/// | head`) panics. A command-line tool should end quietly instead, as `cat` does. The server keeps
/// ignoring it: its sockets and logs must never end the process.
fn end_quietly_when_the_reader_goes_away() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread starts; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let is_server = matches!(cli.command, Command::Serve);
    init_logging(if is_server { "info" } else { "warn" });
    let config = Config::from_process(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => {
            let store = open_store(&config).await?;
            if store
                .list_api_keys()
                .await?
                .iter()
                .all(|key| key.revoked_at.is_some())
            {
                tracing::warn!(
                    "no API keys yet: create one with `smsflow api-key create --name admin` to use the API"
                );
            }
            if store.count_admins().await? == 0 {
                tracing::warn!(
                    public_url = %config.public_url,
                    "no admin account yet: open the web app to create one on its setup page, or run `smsflow admin create --email you@example.com`"
                );
            }
            smsflow_server::serve(config, store).await
        }
        Command::Workflows(command) => workflows_cmd::run(command, &config).await,
        Command::Chat(args) => chat::run(args, config).await,
        Command::Test(args) => test_cmd::run(args, &config).await,
        Command::Extract(args) => extract_cmd::run(args),
        Command::ApiKey(command) => api_key(command, &config).await,
        Command::Model(command) => model_cmd::run(command, &config),
        Command::Admin(command) => admin_cmd::run(command, &config).await,
        Command::Twilio(TwilioCommand::Check) => check_twilio(&config).await,
        Command::Backup(args) => backup_cmd::backup(args, &config).await,
        Command::Restore(args) => backup_cmd::restore(args, &config).await,
    }
}

async fn check_twilio(config: &Config) -> anyhow::Result<()> {
    let Some(twilio) = &config.twilio else {
        anyhow::bail!(
            "Twilio is not configured: set twilio.account_sid and twilio.auth_token (SMSFLOW_TWILIO_ACCOUNT_SID, SMSFLOW_TWILIO_AUTH_TOKEN)"
        );
    };
    let account = smsflow_sms::twilio::check_credentials(
        &smsflow_sms::http_client(),
        &twilio.api_base,
        &twilio.account_sid,
        &twilio.auth_token,
    )
    .await
    .with_context(|| format!("the credentials of {} do not work", twilio.account_sid))?;
    println!(
        "Twilio knows these credentials: {}.",
        account.summary(&twilio.account_sid)
    );
    println!(
        "Set your number's \"A message comes in\" webhook to {}/webhooks/twilio/sms (HTTP POST).",
        config.public_url
    );
    Ok(())
}

pub(crate) async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn smsflow_store::Store>> {
    smsflow_store::connect(&config.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", redact(&config.database_url)))
}

/// The database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn parse_scope(text: &str) -> Result<ApiKeyScope, String> {
    ApiKeyScope::parse(text)
        .ok_or_else(|| format!("{text:?} is not a scope: use read-only or full"))
}

async fn api_key(command: ApiKeyCommand, config: &Config) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    match command {
        ApiKeyCommand::Create { name, scope } => {
            let name = name.trim();
            anyhow::ensure!(
                !name.is_empty() && name.len() <= 100,
                "--name must be 1 to 100 characters, e.g. --name ci"
            );
            let created = store
                .create_api_key(name, scope, &smsflow_store::Author::cli())
                .await?;
            println!(
                "Created {} API key {:?} (id {}).",
                created.key.scope.label(),
                created.key.name,
                created.key.id
            );
            println!(
                "Store it now: it is shown only this once. Use it as `Authorization: Bearer <key>`."
            );
            println!("{}", created.secret);
        }
        ApiKeyCommand::List => {
            let keys = store.list_api_keys().await?;
            if keys.is_empty() {
                println!("No API keys. Create one with `smsflow api-key create --name NAME`.");
            }
            for key in keys {
                let state = match key.revoked_at {
                    Some(at) => format!("revoked {}", rfc3339(at)),
                    None => "live".into(),
                };
                println!(
                    "{}  {:<20} {}…  {:<9} created {}  {state}",
                    key.id,
                    key.name,
                    key.prefix,
                    key.scope.label(),
                    rfc3339(key.created_at)
                );
            }
        }
        ApiKeyCommand::Revoke { key } => {
            let revoked = store
                .revoke_api_key(&key, &smsflow_store::Author::cli())
                .await?;
            println!("Revoked API key {:?} ({}).", revoked.name, revoked.id);
        }
    }
    Ok(())
}

pub(crate) fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.to_string())
}

fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:secret@db/x"), "postgres://u:***@db/x");
        assert_eq!(redact("postgres://u@db/x"), "postgres://u@db/x");
        assert_eq!(redact("sqlite://a.db"), "sqlite://a.db");
    }
}
