//! Operator commands: `zkcity serve`, `zkcity migrate`, `zkcity import`.
//! Each loads the layered configuration (DESIGN §1 "operator") first.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Args;
use zkcity_api::config::Settings;
use zkcity_api::{db, startup};
use zkcity_jobs::import::{import_fixtures, ImportWindow};

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Directory of the datasets (default: the configured fixtures dir).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Only rows at or after this RFC 3339 time.
    #[arg(long)]
    pub from: Option<DateTime<Utc>>,
    /// Only rows before this RFC 3339 time.
    #[arg(long)]
    pub to: Option<DateTime<Utc>>,
}

/// The settings: `--config`, else `./zkcity.toml` when present, under the
/// environment's `ZKCITY_*` overrides.
fn settings(config: Option<PathBuf>) -> anyhow::Result<Settings> {
    let config = config.or_else(|| Some(PathBuf::from("zkcity.toml")).filter(|p| p.is_file()));
    Ok(Settings::load(config.as_deref())?)
}

/// `zkcity serve`: runs the server until Ctrl-C or SIGTERM.
pub async fn serve(config: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let app = startup::Application::build(&settings(config)?).await?;
    app.run_until(startup::shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// `zkcity migrate`: brings the schema up to date.
pub async fn migrate(config: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let conn = db::connect(&settings(config)?.database).await?;
    db::migrate(&conn).await?;
    println!("schema is up to date");
    Ok(ExitCode::SUCCESS)
}

/// `zkcity import`: loads the bundled datasets (idempotent upserts).
pub async fn import(config: Option<PathBuf>, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let settings = settings(config)?;
    let conn = db::connect(&settings.database).await?;
    db::migrate(&conn).await?;
    let dir = args.dir.unwrap_or(settings.data.fixtures_dir);
    let window = ImportWindow {
        from: args.from,
        to: args.to,
    };
    let report = import_fixtures(&conn, &dir, window)
        .await
        .with_context(|| format!("importing {}", dir.display()))?;
    println!("{report:#?}");
    Ok(ExitCode::SUCCESS)
}
