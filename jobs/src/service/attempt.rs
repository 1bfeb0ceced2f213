//! One attempt of a unit's run: fetch, then one transaction.

use std::time::Instant;

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, TransactionTrait};
use tracing::info;

use super::{RefreshEvent, RefreshService, RunReport, UnitRuntime};
use crate::batch::WriteCounts;
use crate::run_log::{self, RunStatus, Trigger};
use crate::sources::{file::Processed, FetchContext, SourceError};
use crate::unit::Unit;

/// A failed attempt, already recorded in its run row.
pub(super) struct Failure {
    pub run_id: i64,
    pub reason: String,
    pub retryable: bool,
}

/// Why the work of an attempt failed.
enum AttemptError {
    Source(SourceError),
    Database(DbErr),
}

impl From<SourceError> for AttemptError {
    fn from(e: SourceError) -> Self {
        AttemptError::Source(e)
    }
}

impl From<DbErr> for AttemptError {
    fn from(e: DbErr) -> Self {
        AttemptError::Database(e)
    }
}

impl AttemptError {
    fn reason(&self) -> String {
        match self {
            AttemptError::Source(e) => e.to_string(),
            AttemptError::Database(e) => format!("database: {e}"),
        }
    }

    fn retryable(&self) -> bool {
        match self {
            AttemptError::Source(e) => e.retryable(),
            AttemptError::Database(_) => true,
        }
    }
}

/// Marks its run `failed` if dropped before the attempt finished — the
/// attempt's future was cancelled (task aborted, server stopping), and its
/// transaction was rolled back by being dropped.
struct RunningRow {
    db: DatabaseConnection,
    id: i64,
    done: bool,
}

impl Drop for RunningRow {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let (db, id) = (self.db.clone(), self.id);
            handle.spawn(async move {
                let why = "interrupted: the run was cancelled before it committed; nothing of it was written";
                if let Err(e) = run_log::finish_cancelled(&db, id, why, Utc::now()).await {
                    tracing::error!(run = id, error = %e, "cannot mark a cancelled run failed");
                }
            });
        }
    }
}

impl RefreshService {
    /// Runs one attempt and records its outcome.
    pub(super) async fn attempt(
        &self,
        unit: Unit,
        rt: &UnitRuntime,
        trigger: Trigger,
        attempt: u32,
    ) -> Result<RunReport, Failure> {
        let db = &self.inner.db;
        let kind = rt.source.kind();
        let started_at = Utc::now();
        let timer = Instant::now();
        let fail = |run_id, reason: String| Failure {
            run_id,
            reason,
            retryable: true,
        };
        let run_id = run_log::start(db, unit, kind, trigger, attempt, started_at)
            .await
            .map_err(|e| fail(0, format!("cannot record the run: {e}")))?;
        let mut row = RunningRow {
            db: db.clone(),
            id: run_id,
            done: false,
        };
        let outcome = self.execute(unit, rt, run_id).await;
        row.done = true;
        let finished_at = Utc::now();
        match outcome {
            Ok((counts, processed)) => {
                if let Some(p) = processed {
                    p.complete().await;
                }
                crate::observe::attempt(unit, true, timer.elapsed(), Some(&counts));
                info!(
                    run = run_id,
                    inserted = counts.inserted(),
                    updated = counts.updated(),
                    ms = timer.elapsed().as_millis() as u64,
                    "refresh committed"
                );
                let event = RefreshEvent {
                    unit,
                    run_id,
                    source: kind,
                    counts: counts.clone(),
                    finished_at,
                };
                // No receiver is fine: nobody is subscribed.
                let _ = self.inner.events.send(event);
                Ok(RunReport {
                    run_id,
                    unit,
                    source: kind,
                    status: RunStatus::Ok,
                    attempts: attempt,
                    started_at,
                    finished_at,
                    counts,
                })
            }
            Err(e) => {
                crate::observe::attempt(unit, false, timer.elapsed(), None);
                let reason = e.reason();
                if let Err(log) = run_log::finish_failed(db, run_id, &reason, finished_at).await {
                    tracing::error!(run = run_id, error = %log, "cannot record a failed run");
                }
                Err(Failure {
                    run_id,
                    reason,
                    retryable: e.retryable(),
                })
            }
        }
    }

    /// Fetches, then writes the batch and completes the run row in one
    /// transaction. Dropping this future before the commit rolls it back.
    async fn execute(
        &self,
        unit: Unit,
        rt: &UnitRuntime,
        run_id: i64,
    ) -> Result<(WriteCounts, Option<Processed>), AttemptError> {
        let db = &self.inner.db;
        let kind = rt.source.kind();
        let cursor = run_log::last_cursor(db, unit, kind).await?;
        let ctx = FetchContext {
            db,
            now: Utc::now(),
            cursor: cursor.as_deref(),
        };
        let fetched = rt.source.fetch(&ctx).await?;
        let _writer = match db.get_database_backend() {
            DbBackend::Sqlite => Some(self.inner.sqlite_writer.lock().await),
            _ => None,
        };
        let txn = db.begin().await?;
        let counts = fetched.batch.write(&txn).await?;
        run_log::finish_ok(
            &txn,
            run_id,
            &counts,
            fetched.cursor,
            fetched.note,
            Utc::now(),
        )
        .await?;
        crate::changes::announce(&txn, unit).await?;
        txn.commit().await?;
        self.committed(unit);
        Ok((counts, fetched.on_commit))
    }
}
