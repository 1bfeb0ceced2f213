//! `RefreshService` without a scheduler (STYLE 11): replay runs of all three
//! units, concurrently, on SQLite and PostgreSQL — each a committed run on
//! its first attempt, logged with counts and cursor, the same step twice
//! changing no counts.

mod common;

use sea_orm::DatabaseConnection;
use zkcity_jobs::run_log::RunStatus;
use zkcity_jobs::settings::RefreshSettings;
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
