//! The `refresh_run` table: one row per attempt of a unit's refresh.
//!
//! A row is inserted as `running` before the work starts (so a crash leaves
//! a visible trace, turned into `failed` at the next start by
//! [`mark_interrupted`]), completed as `ok` *inside* the run's data
//! transaction (data, counts and cursor commit together), or completed as
//! `failed` after the transaction rolled back.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use zkcity_entities::refresh_run::{self, ActiveModel, Column, Entity, Model};

use crate::batch::WriteCounts;
use crate::settings::SourceKind;
use crate::unit::Unit;

/// How a run ended (or that it has not yet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    Ok,
    Failed,
    Skipped,
}

impl RunStatus {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Ok => "ok",
            RunStatus::Failed => "failed",
            RunStatus::Skipped => "skipped",
        }
    }

    /// Parses the stored text.
    pub fn parse(s: &str) -> Option<Self> {
        [
            RunStatus::Running,
            RunStatus::Ok,
            RunStatus::Failed,
            RunStatus::Skipped,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// What started a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// The unit's cron schedule.
    Schedule,
    /// The run right after the server started.
    Startup,
    /// The `refreshNow` admin mutation (or a direct call).
    Manual,
}

impl Trigger {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Startup => "startup",
            Trigger::Manual => "manual",
        }
    }
}

/// Inserts a `running` row and returns its id.
pub async fn start(
    db: &impl ConnectionTrait,
    unit: Unit,
    source: SourceKind,
    trigger: Trigger,
    attempt: u32,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let row = ActiveModel {
        id: NotSet,
        unit: Set(unit.as_str().to_owned()),
        source: Set(source.as_str().to_owned()),
        trigger: Set(trigger.as_str().to_owned()),
        attempt: Set(i32::try_from(attempt).unwrap_or(i32::MAX)),
        status: Set(RunStatus::Running.as_str().to_owned()),
        started_at: Set(now),
        finished_at: Set(None),
        rows_written: Set(0),
        rows_inserted: Set(0),
        rows_updated: Set(0),
        error: Set(None),
        note: Set(None),
        cursor: Set(None),
        tables: Set(None),
    };
    Ok(Entity::insert(row).exec(db).await?.last_insert_id)
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Completes run `id` as `ok`; call it on the run's transaction.
pub async fn finish_ok(
    txn: &impl ConnectionTrait,
    id: i64,
    counts: &WriteCounts,
    cursor: Option<String>,
    note: Option<String>,
    finished_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let tables = serde_json::to_value(&counts.0).unwrap_or_default();
    Entity::update_many()
        .col_expr(Column::Status, Expr::value(RunStatus::Ok.as_str()))
        .col_expr(Column::FinishedAt, Expr::value(finished_at))
        .col_expr(Column::RowsWritten, Expr::value(signed(counts.written())))
        .col_expr(Column::RowsInserted, Expr::value(signed(counts.inserted())))
        .col_expr(Column::RowsUpdated, Expr::value(signed(counts.updated())))
        .col_expr(Column::Cursor, Expr::value(cursor))
        .col_expr(Column::Note, Expr::value(note))
        .col_expr(Column::Tables, Expr::value(tables))
        .filter(Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Completes run `id` as `failed` with `error`.
pub async fn finish_failed(
    db: &impl ConnectionTrait,
    id: i64,
    error: &str,
    finished_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    mark_failed(id, error, finished_at).exec(db).await?;
    Ok(())
}

/// The update that turns run `id` into `failed` with `error`.
fn mark_failed(id: i64, error: &str, finished_at: DateTime<Utc>) -> sea_orm::UpdateMany<Entity> {
    Entity::update_many()
        .col_expr(Column::Status, Expr::value(RunStatus::Failed.as_str()))
        .col_expr(Column::FinishedAt, Expr::value(finished_at))
        .col_expr(Column::Error, Expr::value(error.to_owned()))
        .filter(Column::Id.eq(id))
}

/// Marks run `id` failed only if it is still `running`: a cancelled attempt
/// whose commit nevertheless reached the database stays `ok`.
pub async fn finish_cancelled(
    db: &impl ConnectionTrait,
    id: i64,
    error: &str,
    finished_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    mark_failed(id, error, finished_at)
        .filter(Column::Status.eq(RunStatus::Running.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// Why a trigger found its unit already running.
pub const SKIPPED_HERE: &str = "skipped: previous run still running";
/// ... in another server process sharing the database.
pub const SKIPPED_ELSEWHERE: &str = "skipped: another server process is running this unit";

/// Records a run that did not start because one of the unit is still
/// running; `why` is [`SKIPPED_HERE`] or [`SKIPPED_ELSEWHERE`].
pub async fn record_skipped(
    db: &impl ConnectionTrait,
    unit: Unit,
    source: SourceKind,
    trigger: Trigger,
    now: DateTime<Utc>,
    why: &str,
) -> Result<i64, DbErr> {
    let id = start(db, unit, source, trigger, 1, now).await?;
    Entity::update_many()
        .col_expr(Column::Status, Expr::value(RunStatus::Skipped.as_str()))
        .col_expr(Column::FinishedAt, Expr::value(now))
        .col_expr(Column::Error, Expr::value(why))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(id)
}

/// Marks `unit`'s runs left `running` by a stopped process as failed;
/// returns how many. Call only while holding the unit's lock, or a live run
/// of another process would be marked.
pub async fn mark_interrupted(
    db: &impl ConnectionTrait,
    unit: Unit,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let res = Entity::update_many()
        .col_expr(Column::Status, Expr::value(RunStatus::Failed.as_str()))
        .col_expr(Column::FinishedAt, Expr::value(now))
        .col_expr(
            Column::Error,
            Expr::value(
                "interrupted: the server stopped during the run; nothing of it was committed",
            ),
        )
        .filter(Column::Unit.eq(unit.as_str()))
        .filter(Column::Status.eq(RunStatus::Running.as_str()))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// The last successful run of `unit` with `source` that stored a cursor: the
/// run the next one continues from (and which retention therefore keeps).
pub(crate) async fn cursor_run(
    db: &impl ConnectionTrait,
    unit: Unit,
    source: SourceKind,
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::Unit.eq(unit.as_str()))
        .filter(Column::Source.eq(source.as_str()))
        .filter(Column::Status.eq(RunStatus::Ok.as_str()))
        .filter(Column::Cursor.is_not_null())
        .order_by_desc(Column::Id)
        .one(db)
        .await
}

/// The cursor of the last successful run of `unit` with `source`.
pub async fn last_cursor(
    db: &impl ConnectionTrait,
    unit: Unit,
    source: SourceKind,
) -> Result<Option<String>, DbErr> {
    Ok(cursor_run(db, unit, source).await?.and_then(|r| r.cursor))
}

/// The latest run of `unit` with one of `statuses`.
pub async fn latest(
    db: &impl ConnectionTrait,
    unit: Unit,
    statuses: &[RunStatus],
) -> Result<Option<Model>, DbErr> {
    Entity::find()
        .filter(Column::Unit.eq(unit.as_str()))
        .filter(Column::Status.is_in(statuses.iter().map(|s| s.as_str())))
        .order_by_desc(Column::Id)
        .one(db)
        .await
}

/// One run by id.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Option<refresh_run::Model>, DbErr> {
    Entity::find_by_id(id).one(db).await
}
