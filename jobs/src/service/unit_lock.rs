//! A unit's run guard across server processes sharing one PostgreSQL
//! database. The per-process guard (`UnitRuntime::guard`) cannot see a run
//! of the same unit in another process; a transaction-scoped advisory lock
//! can. It is taken with `pg_try_advisory_xact_lock` in a transaction kept
//! open for the whole run, so it is released when the run ends — or when
//! the process dies and PostgreSQL closes its connection, which is what
//! makes it safe to use for crash recovery too ([`RefreshService::recover`]).
//!
//! SQLite is the single-process embedded default: there the per-process
//! guard is the whole story.
//!
//! [`RefreshService::recover`]: super::RefreshService::recover

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, Statement,
    TransactionTrait,
};

use crate::unit::Unit;

/// First key of the two-key advisory lock: "zkrefr" in ASCII, so it cannot
/// collide with the audit log's lock or another application's.
const LOCK_CLASS: i32 = 0x7a6b_7266;

/// Held while a unit runs; released by [`UnitLock::release`] or on drop.
pub(crate) struct UnitLock {
    /// The transaction holding the advisory lock (none on SQLite).
    txn: Option<DatabaseTransaction>,
}

impl UnitLock {
    /// Takes `unit`'s lock unless another session holds it (`None` then).
    pub(crate) async fn try_acquire(
        db: &DatabaseConnection,
        unit: Unit,
    ) -> Result<Option<UnitLock>, DbErr> {
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(Some(UnitLock { txn: None }));
        }
        let txn = db.begin().await?;
        let row = txn
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_try_advisory_xact_lock($1, $2) AS locked",
                {
                    let (class, key) = lock_keys(unit);
                    [class.into(), key.into()]
                },
            ))
            .await?;
        let locked = row.map(|r| r.try_get::<bool>("", "locked")).transpose()?;
        if locked == Some(true) {
            Ok(Some(UnitLock { txn: Some(txn) }))
        } else {
            txn.rollback().await?;
            Ok(None)
        }
    }

    /// Ends the holding transaction (it wrote nothing), freeing the unit.
    pub(crate) async fn release(self) {
        if let Some(txn) = self.txn {
            if let Err(e) = txn.rollback().await {
                // The connection is gone; so is the lock.
                tracing::warn!(error = %e, "releasing a unit lock");
            }
        }
    }
}

/// The two keys of `unit`'s advisory lock. Public because holding it is how
/// an operator pauses a unit's refresh on every server from `psql`
/// (`SELECT pg_advisory_lock(2053861990, 2)` pauses power): runs then
/// record `skipped`.
pub fn lock_keys(unit: Unit) -> (i32, i32) {
    let key = match unit {
        Unit::Traffic => 1,
        Unit::Power => 2,
        Unit::Ecological => 3,
    };
    (LOCK_CLASS, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_class_key_is_the_constant() {
        assert_eq!(LOCK_CLASS, 2_053_861_990);
    }

    #[test]
    fn each_unit_has_its_own_key() {
        let mut keys: Vec<(i32, i32)> = Unit::ALL.iter().map(|&u| lock_keys(u)).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), Unit::ALL.len());
    }
}
