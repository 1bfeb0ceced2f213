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
//! ```no_run
//! # async fn demo(db: &sea_orm::DatabaseConnection) -> Result<(), zkcity_jobs::import::ImportError> {
//! use zkcity_jobs::import::{import_fixtures, ImportWindow};
//! let report = import_fixtures(db, std::path::Path::new("fixtures"), ImportWindow::ALL).await?;
//! println!("{} flow observations in {:?}", report.written.traffic_flow_observation, report.total);
//! # Ok(()) }
//! ```

pub mod import;
pub mod load;
pub mod store;
