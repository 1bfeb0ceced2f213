//! [`RefreshService`]: the "what" of a refresh — one unit, one run, testable
//! without any scheduler (STYLE 11). The scheduler and the `refreshNow`
//! mutation only call [`RefreshService::trigger`].
//!
//! A run of a unit:
//! 1. takes the unit's guard with `try_lock` — if the previous run still
//!    runs, the trigger is recorded as `skipped` (tokio-cron-scheduler has
//!    no overlap protection, DESIGN §8);
//! 2. per attempt: inserts a `running` row, fetches from the source, then in
//!    ONE transaction upserts the batch and marks the row `ok` with counts
//!    and cursor, and commits — all of it or none of it;
//! 3. on failure marks the row `failed` with the reason and retries
//!    retryable errors with exponential backoff and jitter, up to
//!    `retry.max_attempts`;
//! 4. after a commit, publishes a [`RefreshEvent`] on a broadcast channel
//!    (the `unitRefreshed` subscription) and records metrics;
//! 5. with the unit's guard released, prunes the unit's old runs from the
//!    log (retention, bounded per pass; a failure is only logged and counted).

mod attempt;
mod prune;
mod status;
pub mod unit_lock;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::{broadcast, Mutex};
use tracing::{info, warn};

pub use self::status::UnitStatus;
use crate::batch::WriteCounts;
use crate::run_log::{self, RunStatus, Trigger};
use crate::settings::{InvalidSetting, RefreshSettings, SourceKind};
use crate::sources::{Source, SourceError};
use crate::unit::Unit;
use unit_lock::UnitLock;

/// Events kept for slow subscribers before they start missing some.
const EVENT_BUFFER: usize = 256;

/// Outcome of one trigger of a unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunReport {
    /// The `refresh_run` row of the last attempt (or of the skip).
    pub run_id: i64,
    pub unit: Unit,
    pub source: SourceKind,
    pub status: RunStatus,
    /// Attempts made (1 when the first one succeeded).
    pub attempts: u32,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub counts: WriteCounts,
}

/// Published after each committed run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshEvent {
    pub unit: Unit,
    pub run_id: i64,
    pub source: SourceKind,
    pub counts: WriteCounts,
    pub finished_at: DateTime<Utc>,
}

/// Why a trigger ended without committing.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// Every attempt failed; the last reason is recorded in run `run_id`.
    #[error("{unit} refresh failed after {attempts} attempt(s): {reason}")]
    Failed {
        unit: Unit,
        run_id: i64,
        attempts: u32,
        reason: String,
    },
    /// The run log itself could not be written.
    #[error("refresh run log: {0}")]
    RunLog(#[from] DbErr),
}

/// Why the service could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A setting is unusable.
    #[error(transparent)]
    Invalid(#[from] InvalidSetting),
    /// A source could not be set up (e.g. its directory not created).
    #[error("{unit} source: {source}")]
    Source { unit: Unit, source: SourceError },
}

/// One unit's connector, overlap guard, schedule flag and pruning guard.
struct UnitRuntime {
    source: Source,
    guard: Mutex<()>,
    scheduled: AtomicBool,
    /// Held by a pruning pass, so passes of a unit never run side by side.
    pruning: Mutex<()>,
}

struct Inner {
    db: DatabaseConnection,
    settings: RefreshSettings,
    units: BTreeMap<Unit, UnitRuntime>,
    events: broadcast::Sender<RefreshEvent>,
    /// SQLite has one writer: two units' transactions started together make
    /// one fail with "database is locked", so on SQLite the write phases of
    /// the units take turns (fetching stays concurrent). Unused on PostgreSQL.
    sqlite_writer: Mutex<()>,
    /// Called right after each commit, before anything else happens.
    commit_hooks: std::sync::RwLock<Vec<CommitHook>>,
}

/// Told, synchronously, that a unit's new rows are committed.
pub type CommitHook = Arc<dyn Fn(Unit) + Send + Sync>;

/// Refreshes the data units; cheap to clone (shared state).
#[derive(Clone)]
pub struct RefreshService {
    inner: Arc<Inner>,
}

impl RefreshService {
    /// Validates `settings` and sets up each unit's source (replay datasets
    /// in `fixtures` are parsed lazily, at a unit's first run).
    pub fn new(
        db: DatabaseConnection,
        settings: RefreshSettings,
        fixtures: &Path,
    ) -> Result<Self, BuildError> {
        settings.validate()?;
        let mut units = BTreeMap::new();
        for unit in Unit::ALL {
            let source = Source::build(unit, settings.unit(unit), &settings.replay, fixtures)
                .map_err(|source| BuildError::Source { unit, source })?;
            units.insert(
                unit,
                UnitRuntime {
                    source,
                    guard: Mutex::new(()),
                    scheduled: AtomicBool::new(false),
                    pruning: Mutex::new(()),
                },
            );
        }
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                settings,
                units,
                events,
                sqlite_writer: Mutex::new(()),
                commit_hooks: std::sync::RwLock::default(),
            }),
        })
    }

    /// The settings the service runs with.
    pub fn settings(&self) -> &RefreshSettings {
        &self.inner.settings
    }

    /// Calls `hook` right after every commit of a run from now on — before
    /// the run is reported or its event sent, so that a cache it drops is
    /// dropped before `refreshNow` answers (the broadcast events arrive
    /// later, on another task).
    pub fn on_commit(&self, hook: CommitHook) {
        if let Ok(mut hooks) = self.inner.commit_hooks.write() {
            hooks.push(hook);
        }
    }

    fn committed(&self, unit: Unit) {
        if let Ok(hooks) = self.inner.commit_hooks.read() {
            for hook in hooks.iter() {
                hook(unit);
            }
        }
    }

    /// Events of every committed run from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<RefreshEvent> {
        self.inner.events.subscribe()
    }

    fn runtime(&self, unit: Unit) -> &UnitRuntime {
        // Every unit is inserted by `new`.
        &self.inner.units[&unit]
    }

    pub(crate) fn set_scheduled(&self, unit: Unit, on: bool) {
        self.runtime(unit).scheduled.store(on, Ordering::SeqCst);
    }

    /// Marks runs a stopped process left `running` as failed (call once at
    /// start, before the first run). A unit whose lock another server
    /// process holds is running there, so its `running` row is left alone.
    pub async fn recover(&self) -> Result<u64, DbErr> {
        let mut n = 0;
        for unit in Unit::ALL {
            let Some(lock) = UnitLock::try_acquire(&self.inner.db, unit).await? else {
                continue;
            };
            let marked = run_log::mark_interrupted(&self.inner.db, unit, Utc::now()).await;
            lock.release().await;
            n += marked?;
        }
        if n > 0 {
            warn!(
                runs = n,
                "refresh runs interrupted by the last stop marked failed"
            );
        }
        Ok(n)
    }

    /// Refreshes `unit` once now (a manual trigger).
    pub async fn run_unit(&self, unit: Unit) -> Result<RunReport, RefreshError> {
        self.trigger(unit, Trigger::Manual).await
    }

    /// Runs `unit` unless its previous run is still running (then records a
    /// skip), retrying failed attempts; then prunes the unit's old runs
    /// (see [`RefreshService::prune`]) before returning.
    #[tracing::instrument(skip(self), fields(unit = %unit, trigger = trigger.as_str()))]
    pub async fn trigger(&self, unit: Unit, trigger: Trigger) -> Result<RunReport, RefreshError> {
        let rt = self.runtime(unit);
        let kind = rt.source.kind();
        let Ok(running) = rt.guard.try_lock() else {
            return self.skip(unit, kind, trigger, run_log::SKIPPED_HERE).await;
        };
        let Some(elsewhere) = UnitLock::try_acquire(&self.inner.db, unit).await? else {
            return self
                .skip(unit, kind, trigger, run_log::SKIPPED_ELSEWHERE)
                .await;
        };
        let outcome = self.with_retries(unit, rt, trigger).await;
        // Pruning happens after the run, outside its guards: the next run of
        // the unit is free to start, and the outcome is already decided.
        elsewhere.release().await;
        drop(running);
        self.prune_after_run(unit).await;
        outcome
    }

    /// Records a trigger that found its unit running (here or elsewhere).
    async fn skip(
        &self,
        unit: Unit,
        kind: SourceKind,
        trigger: Trigger,
        why: &str,
    ) -> Result<RunReport, RefreshError> {
        let now = Utc::now();
        let run_id = run_log::record_skipped(&self.inner.db, unit, kind, trigger, now, why).await?;
        crate::observe::skipped(unit);
        info!("{why}");
        Ok(RunReport {
            run_id,
            unit,
            source: kind,
            status: RunStatus::Skipped,
            attempts: 0,
            started_at: now,
            finished_at: now,
            counts: WriteCounts::default(),
        })
    }

    async fn with_retries(
        &self,
        unit: Unit,
        rt: &UnitRuntime,
        trigger: Trigger,
    ) -> Result<RunReport, RefreshError> {
        let max = self.inner.settings.retry.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            match self.attempt(unit, rt, trigger, attempt).await {
                Ok(report) => return Ok(report),
                Err(failure) if attempt < max && failure.retryable => {
                    let delay = self.backoff(attempt);
                    warn!(attempt, reason = %failure.reason, ?delay, "refresh attempt failed; retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(failure) => {
                    warn!(attempt, reason = %failure.reason, "refresh failed");
                    return Err(RefreshError::Failed {
                        unit,
                        run_id: failure.run_id,
                        attempts: attempt,
                        reason: failure.reason,
                    });
                }
            }
        }
    }

    /// Delay before attempt `attempt + 1`: `initial · 2^(attempt−1)` capped at
    /// the maximum, then "equal jitter" (a uniform draw in its upper half), so
    /// units failing together do not retry in lockstep.
    fn backoff(&self, attempt: u32) -> Duration {
        let r = &self.inner.settings.retry;
        let exp = r
            .initial_backoff_ms
            .saturating_mul(1u64 << (attempt - 1).min(20));
        let capped = exp.min(r.max_backoff_ms);
        let jittered = rand::thread_rng().gen_range(capped / 2..=capped);
        Duration::from_millis(jittered)
    }

    /// Waits (up to `timeout`) for runs in progress to finish, so a shutdown
    /// does not cut a transaction short (it would roll back, but the work
    /// would be lost).
    pub async fn drain(&self, timeout: Duration) {
        let all = async {
            for rt in self.inner.units.values() {
                let _ = rt.guard.lock().await;
            }
        };
        if tokio::time::timeout(timeout, all).await.is_err() {
            warn!("refresh runs still running at shutdown; they will roll back");
        }
    }
}
