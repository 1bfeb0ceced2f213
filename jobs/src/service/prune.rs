//! Pruning the run log after a unit's run (retention, jobs/README.md "Run
//! log retention"). A pass follows every finished trigger of a unit, after
//! the unit's guard is released — so it never delays or fails a run, and a
//! new run of the unit may start while it prunes — and deletes at most
//! `max_batches × batch_rows` rows, so a huge backlog is worked off over
//! several passes instead of in one long statement.

use chrono::Utc;
use sea_orm::{ConnectionTrait, DbBackend, DbErr};
use tracing::{info, warn};

use super::RefreshService;
use crate::retention::{self, Keep};
use crate::unit::Unit;

impl RefreshService {
    /// Deletes `unit`'s runs older than `retention.keep_days` (all but what
    /// `refreshStatus` and the next run read), at most `max_batches` ×
    /// `batch_rows` of them; returns how many. `0` when retention is off.
    pub async fn prune(&self, unit: Unit) -> Result<u64, DbErr> {
        let r = &self.inner.settings.retention;
        if !r.enabled {
            return Ok(0);
        }
        let db = &self.inner.db;
        let cutoff = retention::cutoff(Utc::now(), r.keep_days);
        let keep = Keep::of(db, unit, self.runtime(unit).source.kind()).await?;
        let mut total = 0;
        for _ in 0..r.max_batches {
            // SQLite has one writer: a batch takes its turn with the units'
            // write phases (one short statement, so a run waits little).
            let _writer = match db.get_database_backend() {
                DbBackend::Sqlite => Some(self.inner.sqlite_writer.lock().await),
                _ => None,
            };
            let n = retention::delete_batch(db, unit, cutoff, &keep, r.batch_rows).await?;
            crate::observe::pruned(unit, n);
            total += n;
            if n < u64::from(r.batch_rows) {
                break;
            }
        }
        Ok(total)
    }

    /// One pruning pass after a run of `unit`, unless one is still going
    /// (passes of a unit never pile up). A failure is logged and counted,
    /// never returned: the run it follows has already finished, and the
    /// next run's pass tries again.
    pub(super) async fn prune_after_run(&self, unit: Unit) {
        if !self.inner.settings.retention.enabled {
            return;
        }
        let Ok(_pass) = self.runtime(unit).pruning.try_lock() else {
            return;
        };
        match self.prune(unit).await {
            Ok(0) => {}
            Ok(rows) => info!(rows, "old refresh runs pruned"),
            Err(e) => {
                crate::observe::prune_failed(unit);
                warn!(error = %e, "pruning the refresh run log failed; the next run retries");
            }
        }
    }
}
