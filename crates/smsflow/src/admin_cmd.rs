//! `smsflow admin ...`: the accounts of the web app and their roles. Passwords are read from the terminal
//! without echo, or with `--password-stdin` from the first line of standard input (for scripts);
//! never from the command line, where other users could see them.

use anyhow::Context;
use clap::Subcommand;
use smsflow_server::Config;
use smsflow_server::web::accounts::{self, AccountError};
use smsflow_store::{AdminCreation, Role};
use std::io::{BufRead, IsTerminal};

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create an account that can sign in to the web app (the first account is always the owner).
    Create {
        /// The user's email address, used to sign in.
        #[arg(long)]
        email: String,
        /// What the user may do: viewer (reads), agent (answers texters), admin (everything but
        /// changing owners) or owner (everything).
        #[arg(long, default_value = "admin")]
        role: Role,
        /// Read the password from the first line of standard input instead of the terminal.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password for an admin; their open sessions end.
    SetPassword {
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input instead of the terminal.
        #[arg(long)]
        password_stdin: bool,
    },
}

pub async fn run(command: AdminCommand, config: &Config) -> anyhow::Result<()> {
    let store = crate::open_store(config).await?;
    match command {
        AdminCommand::Create {
            email,
            role,
            password_stdin,
        } => {
            accounts::check_email(&email)
                .map_err(|message| anyhow::anyhow!("--email: {message}"))?;
            let password = read_password(password_stdin)?;
            let admin = accounts::create_admin(
                store.as_ref(),
                &email,
                &password,
                AdminCreation::Operator(role),
            )
            .await
            .map_err(explain)?;
            println!(
                "Created admin {} (id {}, role {}). Sign in at {}/login.",
                admin.email, admin.id, admin.role, config.public_url
            );
        }
        AdminCommand::SetPassword {
            email,
            password_stdin,
        } => {
            let password = read_password(password_stdin)?;
            let admin = accounts::set_password(
                store.as_ref(),
                &email,
                &password,
                &smsflow_store::Author::cli(),
            )
            .await
            .map_err(explain)?;
            println!(
                "New password set for {}; their sessions have ended.",
                admin.email
            );
        }
    }
    Ok(())
}

fn explain(error: AccountError) -> anyhow::Error {
    anyhow::anyhow!("{error}")
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        anyhow::ensure!(
            !password.is_empty(),
            "standard input is empty: send the password on its first line"
        );
        return Ok(password);
    }
    anyhow::ensure!(
        std::io::stdin().is_terminal(),
        "there is no terminal to type a password in: pipe it with --password-stdin"
    );
    let password = rpassword::prompt_password("Password: ").context("cannot read the password")?;
    accounts::check_password(&password)
        .map_err(|message| anyhow::anyhow!("the password {message}"))?;
    let again =
        rpassword::prompt_password("Password again: ").context("cannot read the password")?;
    anyhow::ensure!(
        password == again,
        "the two passwords differ: nothing was changed"
    );
    Ok(password)
}
