//! Tells every server process on the database that a unit's data changed,
//! so their response caches drop answers computed from the old rows.
//!
//! PostgreSQL delivers a `NOTIFY` issued inside a transaction only when, and
//! only if, that transaction commits, and in commit order — exactly "after
//! the new rows are visible". SQLite has no such channel; a process that
//! writes the SQLite file tells only itself (through the refresh events),
//! and the cache's maximum age bounds what other processes may serve.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use crate::unit::Unit;

/// The `LISTEN`/`NOTIFY` channel; the payload is the unit's name.
pub const DATA_CHANGED_CHANNEL: &str = "zkcity_data_changed";

/// Queues the notice in `txn`'s transaction (sent at its commit).
pub async fn announce<C: ConnectionTrait>(txn: &C, unit: Unit) -> Result<(), DbErr> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    txn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [DATA_CHANGED_CHANNEL.into(), unit.as_str().into()],
    ))
    .await
    .map(|_| ())
}
