//! Source connectors: where a unit's fresh rows come from.
//!
//! - [`replay`] — the bundled real datasets shifted to the present (default);
//! - [`http`] — a URL polled every run, in a real public format or zkcity's
//!   generic NDJSON/CSV ([`generic`], [`openaq`], [`native`]);
//! - [`file`] — files dropped into a directory.
//!
//! A source only produces a [`Batch`] (and a cursor); the service writes it
//! in the run's transaction, so a source never leaves partial rows.

pub mod file;
pub mod generic;
pub mod http;
pub mod native;
pub mod openaq;
pub mod replay;

use std::path::Path;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use crate::batch::Batch;
use crate::settings::{ReplaySettings, SourceKind, UnitSettings};
use crate::unit::Unit;

/// What a source sees of the run.
pub struct FetchContext<'a> {
    /// For lookups only (e.g. station names); writes go through the batch.
    pub db: &'a DatabaseConnection,
    /// The run's clock reading (rows are stamped `ingested_at = now`).
    pub now: DateTime<Utc>,
    /// The cursor the last successful run of this unit and source stored.
    pub cursor: Option<&'a str>,
}

/// What a source produced for one run.
pub struct Fetched {
    pub batch: Batch,
    /// Stored with the run when it commits.
    pub cursor: Option<String>,
    /// Human-readable remark kept with the run (e.g. rejected files).
    pub note: Option<String>,
    /// Work to do once the run's transaction has committed.
    pub on_commit: Option<file::Processed>,
}

/// Why a source could not produce rows; recorded as the run's error.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The request did not complete within the configured timeout.
    #[error("request to {url} timed out after {secs} s")]
    Timeout { url: String, secs: u64 },
    /// The server answered with a non-success status.
    #[error("HTTP status {status} from {url}")]
    Status { status: u16, url: String },
    /// The body exceeded the configured limit.
    #[error("response from {url} exceeds the limit of {limit} bytes")]
    TooLarge { url: String, limit: usize },
    /// Connecting or reading failed.
    #[error("request to {url} failed: {reason}")]
    Transport { url: String, reason: String },
    /// The payload is not in the configured format.
    #[error("malformed payload: {0}")]
    Malformed(String),
    /// A bundled dataset could not be read or parsed.
    #[error("dataset {path}: {reason}")]
    Dataset { path: String, reason: String },
    /// The watched directory could not be read or a file not moved.
    #[error("{0}")]
    Io(String),
    /// A lookup query failed.
    #[error("database: {0}")]
    Database(#[from] DbErr),
    /// A parsing task panicked or was cancelled.
    #[error("parsing task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl SourceError {
    /// Whether trying again may help: transport trouble and server errors
    /// may pass; a malformed payload or a 4xx answer will not.
    pub fn retryable(&self) -> bool {
        match self {
            SourceError::Timeout { .. } | SourceError::Transport { .. } | SourceError::Io(_) => {
                true
            }
            SourceError::Database(_) | SourceError::Task(_) => true,
            SourceError::Status { status, .. } => *status >= 500 || *status == 429,
            SourceError::TooLarge { .. }
            | SourceError::Malformed(_)
            | SourceError::Dataset { .. } => false,
        }
    }
}

/// A unit's configured connector.
pub enum Source {
    Replay(replay::ReplaySource),
    Http(http::HttpSource),
    File(file::FileSource),
}

impl Source {
    /// The connector `settings` select for `unit`.
    pub fn build(
        unit: Unit,
        settings: &UnitSettings,
        replay: &ReplaySettings,
        fixtures: &Path,
    ) -> Result<Self, SourceError> {
        Ok(match settings.source {
            SourceKind::Replay => Source::Replay(replay::ReplaySource::new(
                unit,
                fixtures.to_owned(),
                replay.clone(),
            )),
            SourceKind::Http => Source::Http(http::HttpSource::new(unit, settings.http.clone())?),
            SourceKind::File => Source::File(file::FileSource::new(unit, &settings.file)?),
        })
    }

    /// Which kind of connector this is.
    pub fn kind(&self) -> SourceKind {
        match self {
            Source::Replay(_) => SourceKind::Replay,
            Source::Http(_) => SourceKind::Http,
            Source::File(_) => SourceKind::File,
        }
    }

    /// Produces the rows of one run.
    pub async fn fetch(&self, ctx: &FetchContext<'_>) -> Result<Fetched, SourceError> {
        match self {
            Source::Replay(s) => s.fetch(ctx).await,
            Source::Http(s) => s.fetch(ctx).await,
            Source::File(s) => s.fetch(ctx).await,
        }
    }
}
