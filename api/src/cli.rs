//! The `zkcity` command line: one binary, one subcommand per user task.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use zkcity_jobs::import::{import_fixtures, ImportWindow};

use crate::config::Settings;
use crate::{db, startup, telemetry};

#[derive(Parser, Debug)]
#[command(
    name = "zkcity",
    version,
    about = "Smart-city data over GraphQL, with anonymous, audited queries"
)]
pub struct Cli {
    /// TOML configuration file (default: ./zkcity.toml when present).
    #[arg(long, global = true, env = "ZKCITY_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Load the bundled real datasets (idempotent).
    Import {
        /// Directory of the datasets (default: the configured fixtures dir).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Only rows at or after this RFC 3339 time.
        #[arg(long)]
        from: Option<DateTime<Utc>>,
        /// Only rows before this RFC 3339 time.
        #[arg(long)]
        to: Option<DateTime<Utc>>,
    },
    /// Generate the circuit's proving and verifying keys (single-party setup).
    Setup(crate::gate::cli::SetupArgs),
    /// Create or show a requester identity.
    Identity {
        #[command(subcommand)]
        command: crate::gate::cli::IdentityCommand,
    },
    /// Make an anonymous, audited query.
    Query(crate::gate::cli::QueryArgs),
    /// Audit log tools for compliance teams: verify, export.
    Audit {
        #[command(subcommand)]
        command: crate::ledger::cli::AuditCommand,
    },
}

/// Entry point of the binary: errors become a message and exit code 1.
/// Usage errors too (clap's own default is 2), so that 2 keeps meaning what
/// `zkcity audit verify` says with it: the log failed verification.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // `--help` and `--version` are "errors" printed to stdout.
            let failed = err.use_stderr();
            let _ = err.print();
            return if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    telemetry::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = cli.command.unwrap_or(Command::Serve);
    match command {
        // Requester commands need no server configuration.
        Command::Setup(args) => return crate::gate::cli::setup(args),
        Command::Identity { command } => return crate::gate::cli::identity(command),
        Command::Query(args) => return crate::gate::cli::query(args).await,
        _ => {}
    }
    let config = cli
        .config
        .or_else(|| Some(PathBuf::from("zkcity.toml")).filter(|p| p.is_file()));
    let settings = Settings::load(config.as_deref())?;
    match command {
        Command::Setup(_) | Command::Identity { .. } | Command::Query(_) => {}
        Command::Audit { command } => return crate::ledger::cli::run(command).await,
        Command::Serve => {
            let app = startup::Application::build(&settings).await?;
            app.run_until(startup::shutdown_signal()).await?;
        }
        Command::Migrate => {
            let conn = db::connect(&settings.database).await?;
            db::migrate(&conn).await?;
            println!("schema is up to date");
        }
        Command::Import { dir, from, to } => {
            let conn = db::connect(&settings.database).await?;
            db::migrate(&conn).await?;
            let dir = dir.unwrap_or(settings.data.fixtures_dir);
            let report = import_fixtures(&conn, &dir, ImportWindow { from, to })
                .await
                .with_context(|| format!("importing {}", dir.display()))?;
            println!("{report:#?}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
