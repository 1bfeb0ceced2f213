//! Retention of the run log (`refresh_run`): which old runs may go, and the
//! bounded `DELETE` that removes them (jobs/README.md, "Run log retention").
//!
//! Every trigger writes a row, so without pruning the log grows forever
//! (≈ 1,800 rows a day at the default schedules). A unit's runs that started
//! before the cutoff (`now − keep_days`) are deleted, oldest first, at most
//! `batch_rows` per statement, except the rows something still reads:
//!
//! - the unit's latest `ok` run and latest `failed` run — `refreshStatus`
//!   shows them as `lastSuccess` and `lastError`, and `lastRun` is the newer
//!   of the two;
//! - the latest `ok` run with a cursor of the unit's current source — the
//!   next run continues from it (replay would otherwise fall back to
//!   `backfill_steps` behind the present);
//! - runs still `running` — in progress, or left by a crash until the next
//!   start marks them `failed`.
//!
//! [`prunable`] states that rule in Rust; [`delete_batch`] applies it in SQL
//! (portable to PostgreSQL and SQLite, served by the index on
//! `(unit, started_at)`), and the tests check that both agree.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::{Expr, Order, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use zkcity_entities::refresh_run::{Column, Entity, Model};

use crate::run_log::{self, RunStatus};
use crate::settings::SourceKind;
use crate::unit::Unit;

/// The runs of one unit that pruning keeps whatever their age.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keep {
    ids: BTreeSet<i64>,
}

impl Keep {
    /// Keeps exactly the runs `ids`.
    pub fn from_ids(ids: impl IntoIterator<Item = i64>) -> Self {
        Self {
            ids: ids.into_iter().collect(),
        }
    }

    /// What `refreshStatus` and the next run of `unit` (fed by `source`)
    /// read from the log: its latest success, latest failure and the run
    /// holding its cursor. Runs still `running` are kept by [`prunable`].
    pub async fn of(
        db: &impl ConnectionTrait,
        unit: Unit,
        source: SourceKind,
    ) -> Result<Self, DbErr> {
        let ok = run_log::latest(db, unit, &[RunStatus::Ok]).await?;
        let failed = run_log::latest(db, unit, &[RunStatus::Failed]).await?;
        let cursor = run_log::cursor_run(db, unit, source).await?;
        Ok(Self::from_ids(
            [ok, failed, cursor].into_iter().flatten().map(|m| m.id),
        ))
    }

    /// Whether run `id` is kept.
    pub fn contains(&self, id: i64) -> bool {
        self.ids.contains(&id)
    }
}

/// Runs that started before this instant are old: `now − keep_days`. A
/// `keep_days` beyond chrono's range means nothing is ever old.
pub fn cutoff(now: DateTime<Utc>, keep_days: u32) -> DateTime<Utc> {
    TimeDelta::try_days(i64::from(keep_days))
        .and_then(|d| now.checked_sub_signed(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The retention rule: `run` of `unit` may be deleted iff it started before
/// `cutoff`, is not `running` and is not one of `keep`. [`delete_batch`]
/// applies the same rule in SQL.
pub fn prunable(run: &Model, unit: Unit, cutoff: DateTime<Utc>, keep: &Keep) -> bool {
    run.unit == unit.as_str()
        && run.started_at < cutoff
        && run.status != RunStatus::Running.as_str()
        && !keep.contains(run.id)
}

/// Deletes at most `limit` prunable runs of `unit`, oldest first; returns
/// how many. One short statement: `DELETE … WHERE id IN (SELECT id … ORDER
/// BY started_at LIMIT n)`, which PostgreSQL and SQLite both accept.
pub async fn delete_batch(
    db: &impl ConnectionTrait,
    unit: Unit,
    cutoff: DateTime<Utc>,
    keep: &Keep,
    limit: u32,
) -> Result<u64, DbErr> {
    let mut old = Query::select();
    old.column(Column::Id)
        .from(Entity)
        .and_where(Column::Unit.eq(unit.as_str()))
        .and_where(Column::StartedAt.lt(cutoff))
        .and_where(Column::Status.ne(RunStatus::Running.as_str()))
        .order_by(Column::StartedAt, Order::Asc)
        .limit(u64::from(limit));
    if !keep.ids.is_empty() {
        old.and_where(Expr::col(Column::Id).is_not_in(keep.ids.iter().copied()));
    }
    let res = Entity::delete_many()
        .filter(Column::Id.in_subquery(old))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

#[cfg(test)]
mod tests;
