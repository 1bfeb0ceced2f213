//! Database connection: PostgreSQL when a URL is configured, otherwise the
//! embedded SQLite file — the same sea-orm code serves both (DESIGN §2);
//! and [`ReadPool`], which may send public reads to PostgreSQL streaming
//! replicas ([`replicas`], README "Scaling out").

pub mod failure;
pub mod replicas;

use std::time::Duration;

use anyhow::Context;
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use secrecy::ExposeSecret;
use zkcity_migrations::{Migrator, MigratorTrait};

use crate::config::DatabaseSettings;

pub use failure::{ClassifyRead, ReadFailure};
pub use replicas::{ReadPool, ReadTarget, ReplicaError};

/// The URL to connect to; creates the SQLite file's directory when needed.
pub fn database_url(settings: &DatabaseSettings) -> anyhow::Result<String> {
    if let Some(url) = &settings.url {
        return Ok(url.expose_secret().to_string());
    }
    let path = &settings.sqlite_path;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    Ok(format!("sqlite://{}?mode=rwc", path.display()))
}

/// Opens the public pool (`max_connections`).
pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    connect_pool(settings, settings.max_connections).await
}

/// Opens the reserved pool (`reserved_connections`) of the gate, the ledger,
/// admin mutations and refresh runs.
pub async fn connect_reserved(settings: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    connect_pool(settings, settings.reserved_connections.max(1)).await
}

/// Opens a pool of `size`. SQLite gets WAL and a busy timeout so the API
/// and the refresh jobs can share the file.
async fn connect_pool(
    settings: &DatabaseSettings,
    size: u32,
) -> anyhow::Result<DatabaseConnection> {
    let url = database_url(settings)?;
    let is_sqlite = url.starts_with("sqlite:");
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(if is_sqlite { size.min(8) } else { size })
        .connect_timeout(Duration::from_secs(settings.connect_timeout_secs))
        .acquire_timeout(Duration::from_secs(settings.connect_timeout_secs))
        .sqlx_logging(false);
    let db = Database::connect(opts)
        .await
        .context("connecting to the database")?;
    if is_sqlite {
        use sea_orm::ConnectionTrait;
        for pragma in [
            "PRAGMA journal_mode=WAL",
            "PRAGMA busy_timeout=5000",
            "PRAGMA foreign_keys=ON",
        ] {
            db.execute_unprepared(pragma)
                .await
                .with_context(|| pragma.to_string())?;
        }
    }
    Ok(db)
}

/// Brings the schema up to date.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("running migrations")
}
