//! What `refreshStatus` shows of a unit.

use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use zkcity_entities::refresh_run::Model;

use super::RefreshService;
use crate::run_log::{self, RunStatus};
use crate::settings::{parse_cron, SourceKind};
use crate::unit::Unit;

/// A unit's refresh state.
#[derive(Clone, Debug)]
pub struct UnitStatus {
    pub unit: Unit,
    pub source: SourceKind,
    /// Scheduled by the running scheduler.
    pub enabled: bool,
    pub cron: String,
    /// When the schedule fires next (UTC); `None` when not scheduled.
    pub next_run: Option<DateTime<Utc>>,
    /// A run is in progress right now.
    pub running: bool,
    /// The latest finished run (ok or failed).
    pub last_run: Option<Model>,
    pub last_success: Option<Model>,
    pub last_failure: Option<Model>,
}

impl RefreshService {
    /// The refresh state of `unit`, from the run log and the schedule.
    pub async fn status(&self, unit: Unit) -> Result<UnitStatus, DbErr> {
        let db = &self.inner.db;
        let rt = self.runtime(unit);
        let enabled = rt.scheduled.load(Ordering::SeqCst);
        let cron = self.inner.settings.cron(unit).to_owned();
        let next_run = if enabled {
            next_tick(&cron, Utc::now())
        } else {
            None
        };
        Ok(UnitStatus {
            unit,
            source: rt.source.kind(),
            enabled,
            next_run,
            running: rt.guard.try_lock().is_err(),
            last_run: run_log::latest(db, unit, &[RunStatus::Ok, RunStatus::Failed]).await?,
            last_success: run_log::latest(db, unit, &[RunStatus::Ok]).await?,
            last_failure: run_log::latest(db, unit, &[RunStatus::Failed]).await?,
            cron,
        })
    }
}

/// The first time after `now` that `cron` fires, as the scheduler computes it.
pub fn next_tick(cron: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    parse_cron(cron)
        .ok()?
        .find_next_occurrence(&now, false)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn next_tick_of_the_default_crons() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 25, 21, 7, 30)
            .single()
            .expect("valid");
        let at = |m, s| Utc.with_ymd_and_hms(2026, 11, 25, 21, m, s).single();
        assert_eq!(next_tick("0 * * * * *", now), at(8, 0));
        assert_eq!(next_tick("0 */5 * * * *", now), at(10, 0));
        assert_eq!(next_tick("0 */15 * * * *", now), at(15, 0));
        assert_eq!(next_tick("not cron", now), None);
    }
}
