//! `RefreshService` without a scheduler (STYLE 11): replay runs of all three
//! units, concurrently, on SQLite and PostgreSQL — each a committed run on
//! its first attempt, logged with counts and cursor, the same step twice
//! changing no counts. And a unit's run never overlaps a run of the same
//! unit in another server process sharing the PostgreSQL database: the
//! unit's advisory lock is held here by a second session exactly as another
//! process's run would hold it.

mod common;

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, Statement};
use sea_orm::{DbBackend, TransactionTrait};
use zkcity_jobs::run_log::{self, RunStatus, Trigger};
use zkcity_jobs::service::unit_lock::lock_keys;
use zkcity_jobs::settings::{RefreshSettings, SourceKind};
use zkcity_jobs::{RefreshService, Unit};

async fn replay_all_units(db: DatabaseConnection) {
    let mut settings = RefreshSettings::default();
    settings.replay.backfill_steps = 0;
    settings.retry.max_attempts = 1;
    let service = RefreshService::new(db.clone(), settings, &common::fixtures()).expect("service");
    let mut events = service.subscribe();

    // All three at once: on SQLite their write phases must take turns
    // instead of failing with "database is locked".
    let (t, p, e) = tokio::join!(
        service.run_unit(Unit::Traffic),
        service.run_unit(Unit::Power),
        service.run_unit(Unit::Ecological)
    );
    for report in [t, p, e] {
        let report = report.expect("run committed");
        assert_eq!(report.status, RunStatus::Ok);
        assert_eq!(report.attempts, 1, "{report:?}");
        // Into empty tables: the segment or stations at least (a power hour
        // with no published price would legitimately add nothing).
        assert!(
            report.unit == Unit::Power || report.counts.inserted() > 0,
            "{report:?}"
        );
    }
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(events.recv().await.expect("event").unit);
    }
    seen.sort();
    assert_eq!(seen, vec![Unit::Traffic, Unit::Power, Unit::Ecological]);

    let before = common::counts(&db).await;
    let again = service
        .run_unit(Unit::Ecological)
        .await
        .expect("second run");
    // Same present step (unless the hour just turned): nothing new.
    if again.counts.inserted() == 0 {
        assert_eq!(common::counts(&db).await, before);
        assert_eq!(again.counts.updated(), 24, "12 stations + 12 observations");
    }
    let status = service.status(Unit::Ecological).await.expect("status");
    assert_eq!(status.last_success.map(|r| r.id), Some(again.run_id));
    assert!(status.last_failure.is_none());
    assert!(!status.enabled, "not scheduled: no scheduler runs here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_replay_runs_commit_on_sqlite() {
    let (db, path) = common::fresh_sqlite().await;
    replay_all_units(db).await;
    let _ = std::fs::remove_file(path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_replay_runs_commit_on_postgres() {
    let (db, name) = common::fresh_postgres().await;
    replay_all_units(db.clone()).await;
    common::drop_postgres(db, &name).await;
}

/// Another session holding `unit`'s lock, as a run in another process does.
async fn hold_lock(db: &DatabaseConnection, unit: Unit) -> DatabaseTransaction {
    let (class, key) = lock_keys(unit);
    let txn = db.begin().await.expect("begin");
    txn.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1, $2)",
        [class.into(), key.into()],
    ))
    .await
    .expect("lock");
    txn
}

fn service(db: &DatabaseConnection) -> RefreshService {
    let mut settings = RefreshSettings::default();
    settings.replay.backfill_steps = 0;
    settings.retry.max_attempts = 1;
    RefreshService::new(db.clone(), settings, &common::fixtures()).expect("service")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_running_in_another_process_is_skipped_and_writes_nothing() {
    let (db, name) = common::fresh_postgres().await;
    let service = service(&db);
    let held = hold_lock(&db, Unit::Ecological).await;

    let report = service.run_unit(Unit::Ecological).await.expect("trigger");
    assert_eq!(report.status, RunStatus::Skipped);
    assert_eq!(common::count(&db, "air_quality_observation").await, 0);
    let row = run_log::get(&db, report.run_id)
        .await
        .expect("read")
        .expect("row");
    assert_eq!(row.error.as_deref(), Some(run_log::SKIPPED_ELSEWHERE));
    // Other units are not held.
    let power = service.run_unit(Unit::Power).await.expect("power");
    assert_eq!(power.status, RunStatus::Ok);

    held.rollback().await.expect("release");
    let report = service.run_unit(Unit::Ecological).await.expect("trigger");
    assert_eq!(report.status, RunStatus::Ok);
    assert!(common::count(&db, "air_quality_observation").await > 0);
    common::drop_postgres(db, &name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_leaves_a_live_run_of_another_process_alone() {
    let (db, name) = common::fresh_postgres().await;
    let now = chrono::Utc::now();
    let live = run_log::start(
        &db,
        Unit::Traffic,
        SourceKind::Replay,
        Trigger::Schedule,
        1,
        now,
    )
    .await
    .expect("live run");
    let dead = run_log::start(
        &db,
        Unit::Power,
        SourceKind::Replay,
        Trigger::Schedule,
        1,
        now,
    )
    .await
    .expect("dead run");
    let held = hold_lock(&db, Unit::Traffic).await;

    let marked = service(&db).recover().await.expect("recover");
    assert_eq!(marked, 1, "only the run nobody holds");
    let status = |id| {
        let db = db.clone();
        async move {
            run_log::get(&db, id)
                .await
                .expect("read")
                .expect("row")
                .status
        }
    };
    assert_eq!(status(live).await, RunStatus::Running.as_str());
    assert_eq!(status(dead).await, RunStatus::Failed.as_str());

    held.rollback().await.expect("release");
    assert_eq!(service(&db).recover().await.expect("recover"), 1);
    assert_eq!(status(live).await, RunStatus::Failed.as_str());
    common::drop_postgres(db, &name).await;
}
