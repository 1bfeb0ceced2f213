//! zkcity jobs: the data-update side of the server (DESIGN.md §3).
//!
//! This crate turns the real datasets bundled in `fixtures/` into rows of the
//! `zkcity-entities` tables and stores them idempotently:
//!
//! - [`load`] — pure parsers, one module per dataset: bytes in, ActiveModels
//!   out, no I/O, every derivation rule documented beside its code
//!   ([`load::air_quality`], [`load::power`], [`load::traffic`],
//!   [`load::image`]);
//! - [`store`] — batched `INSERT … ON CONFLICT (natural key) DO UPDATE`
//!   upserts over any sea-orm connection or transaction, for PostgreSQL and
//!   SQLite alike;
//! - [`import`] — [`import::import_fixtures`], which loads every unit in one
//!   transaction per unit, optionally restricted to an [`import::ImportWindow`].
//!
//! Parsers are separated from storage so a scheduled refresh (or the replay
//! source) can reuse them on fresh bytes, and so their rules are unit-tested
//! without a database.
//!
//! The refresh module (DESIGN §3, jobs/README.md) keeps each unit current:
//! [`RefreshService`] runs one unit once — fetch from its [`sources`]
//! connector (replay, http or file), upsert in one transaction, log the run
//! in `refresh_run` ([`run_log`]), publish a [`RefreshEvent`], prune the
//! unit's old runs ([`retention`]) — and [`RefreshScheduler`] triggers it on
//! each unit's cron schedule ([`settings::RefreshSettings`]).
//!
//! ```no_run
//! # async fn demo(db: &sea_orm::DatabaseConnection) -> Result<(), zkcity_jobs::import::ImportError> {
//! use zkcity_jobs::import::{import_fixtures, ImportWindow};
//! let report = import_fixtures(db, std::path::Path::new("fixtures"), ImportWindow::ALL).await?;
//! println!("{} flow observations in {:?}", report.written.traffic_flow_observation, report.total);
//! # Ok(()) }
//! ```

pub mod batch;
pub mod changes;
pub mod import;
pub mod load;
mod observe;
pub mod retention;
mod rollup;
pub mod run_log;
pub mod scheduler;
pub mod service;
pub mod settings;
pub mod sources;
pub mod store;
pub mod unit;

pub use scheduler::RefreshScheduler;
pub use service::{RefreshEvent, RefreshService, RunReport};
pub use settings::RefreshSettings;
pub use unit::Unit;
