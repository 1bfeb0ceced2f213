//! The refresh API for the units' scheduled refreshes (DESIGN §3, data
//! units): `refreshStatus` (query), `refreshNow` (admin mutation) and
//! `unitRefreshed` (subscription over graphql-transport-ws, DESIGN §1).
//! Resolvers are thin: the work is [`zkcity_jobs::RefreshService`]'s.

use async_graphql::futures_util::Stream;
use async_graphql::{Context, Enum, Object, SimpleObject, Subscription, ID};
use chrono::{DateTime, Utc};
use zkcity_entities::refresh_run;
use zkcity_jobs::batch::WriteCounts;
use zkcity_jobs::run_log::RunStatus;
use zkcity_jobs::settings::SourceKind;
use zkcity_jobs::{RefreshEvent, RefreshService};

use crate::auth::require_admin;
use crate::graphql::error::{ApiError, ApiResult};

/// A data unit.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Unit {
    Traffic,
    Power,
    Ecological,
}

impl From<Unit> for zkcity_jobs::Unit {
    fn from(u: Unit) -> Self {
        match u {
            Unit::Traffic => zkcity_jobs::Unit::Traffic,
            Unit::Power => zkcity_jobs::Unit::Power,
            Unit::Ecological => zkcity_jobs::Unit::Ecological,
        }
    }
}

impl From<zkcity_jobs::Unit> for Unit {
    fn from(u: zkcity_jobs::Unit) -> Self {
        match u {
            zkcity_jobs::Unit::Traffic => Unit::Traffic,
            zkcity_jobs::Unit::Power => Unit::Power,
            zkcity_jobs::Unit::Ecological => Unit::Ecological,
        }
    }
}

/// The connector a unit is fed from.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RefreshSource {
    /// The bundled real datasets, time-shifted to the present.
    Replay,
    /// A polled URL.
    Http,
    /// Files dropped into a directory.
    File,
}

impl From<SourceKind> for RefreshSource {
    fn from(s: SourceKind) -> Self {
        match s {
            SourceKind::Replay => RefreshSource::Replay,
            SourceKind::Http => RefreshSource::Http,
            SourceKind::File => RefreshSource::File,
        }
    }
}

/// How a run ended.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RefreshRunStatus {
    Running,
    Ok,
    Failed,
    /// Not started: the unit's previous run was still running.
    Skipped,
}

/// Rows one table received in a run.
#[derive(SimpleObject, Clone, Debug)]
pub struct TableCount {
    pub table: String,
    pub inserted: i64,
    pub updated: i64,
}

fn tables(counts: &WriteCounts) -> Vec<TableCount> {
    counts
        .0
        .iter()
        .map(|(t, c)| TableCount {
            table: (*t).to_owned(),
            inserted: signed(c.inserted),
            updated: signed(c.updated),
        })
        .collect()
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// One attempt of a unit's refresh (a `refresh_run` row).
#[derive(SimpleObject, Clone, Debug)]
pub struct RefreshRun {
    pub id: ID,
    pub unit: String,
    pub source: String,
    /// `schedule`, `startup` or `manual`.
    pub trigger: String,
    pub attempt: i32,
    pub status: RefreshRunStatus,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub rows_written: i64,
    pub rows_inserted: i64,
    pub rows_updated: i64,
    /// Why it failed or was skipped.
    pub error: Option<String>,
    /// What a successful run did (the replayed step, rejected feed files).
    pub note: Option<String>,
    pub tables: Vec<TableCount>,
}

impl From<refresh_run::Model> for RefreshRun {
    fn from(m: refresh_run::Model) -> Self {
        let status = match RunStatus::parse(&m.status) {
            Some(RunStatus::Ok) => RefreshRunStatus::Ok,
            Some(RunStatus::Failed) => RefreshRunStatus::Failed,
            Some(RunStatus::Skipped) => RefreshRunStatus::Skipped,
            Some(RunStatus::Running) | None => RefreshRunStatus::Running,
        };
        let tables = m
            .tables
            .as_ref()
            .and_then(|t| {
                serde_json::from_value::<std::collections::BTreeMap<String, serde_json::Value>>(
                    t.clone(),
                )
                .ok()
            })
            .unwrap_or_default()
            .into_iter()
            .map(|(table, v)| TableCount {
                table,
                inserted: v
                    .get("inserted")
                    .and_then(serde_json::Value::as_i64)
                    .unwrap_or(0),
                updated: v
                    .get("updated")
                    .and_then(serde_json::Value::as_i64)
                    .unwrap_or(0),
            })
            .collect();
        Self {
            id: ID(m.id.to_string()),
            duration_ms: m.finished_at.map(|f| (f - m.started_at).num_milliseconds()),
            unit: m.unit,
            source: m.source,
            trigger: m.trigger,
            attempt: m.attempt,
            status,
            started_at: m.started_at,
            finished_at: m.finished_at,
            rows_written: m.rows_written,
            rows_inserted: m.rows_inserted,
            rows_updated: m.rows_updated,
            error: m.error,
            note: m.note,
            tables,
        }
    }
}

/// A unit's refresh state.
#[derive(SimpleObject, Clone, Debug)]
pub struct UnitRefreshStatus {
    pub unit: Unit,
    pub source: RefreshSource,
    /// Scheduled by this server.
    pub enabled: bool,
    /// Six-field cron expression (UTC, seconds first).
    pub cron: String,
    pub next_scheduled_run: Option<DateTime<Utc>>,
    /// A run is in progress now.
    pub running: bool,
    pub last_success: Option<RefreshRun>,
    /// The latest failed run (it may be older than the last success).
    pub last_error: Option<RefreshRun>,
    /// The latest finished run, ok or failed.
    pub last_run: Option<RefreshRun>,
    /// Rows written by the last successful run.
    pub rows: Option<i64>,
    /// Duration of the last successful run.
    pub duration_ms: Option<i64>,
}

/// Committed run notification.
#[derive(SimpleObject, Clone, Debug)]
pub struct UnitRefreshed {
    pub unit: Unit,
    pub run_id: ID,
    pub source: RefreshSource,
    pub rows_written: i64,
    pub rows_inserted: i64,
    pub rows_updated: i64,
    pub finished_at: DateTime<Utc>,
    /// What changed, per table.
    pub tables: Vec<TableCount>,
}

impl From<RefreshEvent> for UnitRefreshed {
    fn from(e: RefreshEvent) -> Self {
        Self {
            unit: e.unit.into(),
            run_id: ID(e.run_id.to_string()),
            source: e.source.into(),
            rows_written: signed(e.counts.written()),
            rows_inserted: signed(e.counts.inserted()),
            rows_updated: signed(e.counts.updated()),
            finished_at: e.finished_at,
            tables: tables(&e.counts),
        }
    }
}

fn service<'a>(ctx: &Context<'a>) -> ApiResult<&'a RefreshService> {
    ctx.data::<RefreshService>().map_err(|_| ApiError::Coded {
        code: "REFRESH_UNAVAILABLE",
        message: "the refresh service is not running".into(),
    })
}

#[derive(Default)]
pub struct RefreshQuery;

#[Object]
impl RefreshQuery {
    /// Refresh state of one unit, or of every unit.
    #[graphql(complexity = "crate::graphql::pagination::ROUND_TRIP + child_complexity")]
    async fn refresh_status(
        &self,
        ctx: &Context<'_>,
        unit: Option<Unit>,
    ) -> async_graphql::Result<Vec<UnitRefreshStatus>> {
        let svc = service(ctx)?;
        let units: Vec<zkcity_jobs::Unit> = match unit {
            Some(u) => vec![u.into()],
            None => zkcity_jobs::Unit::ALL.to_vec(),
        };
        let mut out = Vec::new();
        for u in units {
            let s = svc.status(u).await.map_err(ApiError::from)?;
            let last_success = s.last_success.map(RefreshRun::from);
            out.push(UnitRefreshStatus {
                unit: s.unit.into(),
                source: s.source.into(),
                enabled: s.enabled,
                cron: s.cron,
                next_scheduled_run: s.next_run,
                running: s.running,
                rows: last_success.as_ref().map(|r| r.rows_written),
                duration_ms: last_success.as_ref().and_then(|r| r.duration_ms),
                last_success,
                last_error: s.last_failure.map(RefreshRun::from),
                last_run: s.last_run.map(RefreshRun::from),
            });
        }
        Ok(out)
    }
}

#[derive(Default)]
pub struct RefreshMutation;

#[Object]
impl RefreshMutation {
    /// Refreshes `unit` now (admin). Returns the run: `OK`, `FAILED` with
    /// its error, or `SKIPPED` when a run of the unit is in progress.
    async fn refresh_now(
        &self,
        ctx: &Context<'_>,
        unit: Unit,
    ) -> async_graphql::Result<RefreshRun> {
        require_admin(ctx)?;
        let svc = service(ctx)?;
        let run_id = match svc.run_unit(unit.into()).await {
            Ok(report) => report.run_id,
            Err(zkcity_jobs::service::RefreshError::Failed { run_id, .. }) => run_id,
            Err(zkcity_jobs::service::RefreshError::RunLog(e)) => {
                return Err(ApiError::from(e).into())
            }
        };
        let db = &ctx.data::<crate::graphql::context::GqlContext>()?.reserved;
        let row = zkcity_jobs::run_log::get(db, run_id)
            .await
            .map_err(ApiError::from)?;
        row.map(RefreshRun::from).ok_or_else(|| {
            ApiError::Coded {
                code: "NOT_FOUND",
                message: format!("run {run_id} is not in the log"),
            }
            .into()
        })
    }
}

#[derive(Default)]
pub struct RefreshSubscription;

#[Subscription]
impl RefreshSubscription {
    /// Fires after each committed refresh run of `unit` (every unit when
    /// omitted). A subscriber too slow to keep up misses events, never
    /// blocks refreshes.
    async fn unit_refreshed(
        &self,
        ctx: &Context<'_>,
        unit: Option<Unit>,
    ) -> async_graphql::Result<impl Stream<Item = UnitRefreshed>> {
        let rx = service(ctx)?.subscribe();
        let wanted: Option<zkcity_jobs::Unit> = unit.map(Into::into);
        Ok(async_graphql::futures_util::stream::unfold(
            rx,
            move |mut rx| async move {
                loop {
                    match rx.recv().await {
                        Ok(event) if wanted.is_none_or(|u| u == event.unit) => {
                            return Some((UnitRefreshed::from(event), rx))
                        }
                        Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                            continue
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    }
                }
            },
        ))
    }
}
