//! The retention rule on a real (SQLite) run log: what is kept, what goes,
//! oldest first and in bounded batches, and that the SQL of
//! [`delete_batch`] agrees with [`prunable`].

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{Database, DatabaseConnection, EntityTrait, QueryOrder};
use zkcity_entities::refresh_run::{Column, Entity, Model};
use zkcity_migrations::{Migrator, MigratorTrait};

use super::*;
use crate::batch::WriteCounts;
use crate::run_log::Trigger;
use crate::settings::RefreshSettings;
use crate::RefreshService;

/// A migrated SQLite file of its own; removed by `Drop`.
struct TempDb {
    db: DatabaseConnection,
    path: PathBuf,
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

async fn temp_db(tag: &str) -> TempDb {
    let path = std::env::temp_dir().join(format!(
        "zk_retention_{tag}_{}_{}.db",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or(0)
    ));
    let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("open sqlite");
    Migrator::up(&db, None).await.expect("migrate");
    TempDb { db, path }
}

fn days_ago(now: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    now - TimeDelta::days(days)
}

/// What a logged run ends as.
enum End {
    Ok(Option<&'static str>),
    Failed,
    Skipped,
    Running,
}

/// Logs one run of `unit` through the run-log API, started `days` ago.
async fn log(db: &DatabaseConnection, unit: Unit, source: SourceKind, days: i64, end: End) -> i64 {
    let at = days_ago(Utc::now(), days);
    if let End::Skipped = end {
        return run_log::record_skipped(
            db,
            unit,
            source,
            Trigger::Schedule,
            at,
            run_log::SKIPPED_HERE,
        )
        .await
        .expect("skip");
    }
    let id = run_log::start(db, unit, source, Trigger::Schedule, 1, at)
        .await
        .expect("start");
    let done = at + TimeDelta::seconds(1);
    match end {
        End::Ok(cursor) => {
            let cursor = cursor.map(str::to_owned);
            run_log::finish_ok(db, id, &WriteCounts::default(), cursor, None, done)
                .await
                .expect("ok")
        }
        End::Failed => run_log::finish_failed(db, id, "boom", done)
            .await
            .expect("failed"),
        End::Skipped | End::Running => {}
    }
    id
}

async fn all_runs(db: &DatabaseConnection) -> Vec<Model> {
    Entity::find()
        .order_by_asc(Column::Id)
        .all(db)
        .await
        .expect("runs")
}

fn ids(runs: &[Model]) -> BTreeSet<i64> {
    runs.iter().map(|r| r.id).collect()
}

/// Ids, in start order, of the log every test below prunes.
struct Log {
    old_ok: i64,
    old_http_cursor: i64,
    cursor: i64,
    old_failed: i64,
    old_skipped: i64,
    running: i64,
    last_ok: i64,
    last_failed: i64,
    recent_skipped: i64,
    traffic: Vec<i64>,
}

/// Power (replay) runs 60 to 45 days old plus a recent one, and old traffic
/// runs that pruning power must not touch.
async fn old_log(db: &DatabaseConnection) -> Log {
    use SourceKind::{Http, Replay};
    let p = Unit::Power;
    Log {
        old_ok: log(db, p, Replay, 60, End::Ok(None)).await,
        old_http_cursor: log(db, p, Http, 55, End::Ok(Some("x"))).await,
        cursor: log(db, p, Replay, 50, End::Ok(Some("7"))).await,
        old_failed: log(db, p, Replay, 49, End::Failed).await,
        old_skipped: log(db, p, Replay, 48, End::Skipped).await,
        running: log(db, p, Replay, 47, End::Running).await,
        last_ok: log(db, p, Replay, 46, End::Ok(None)).await,
        last_failed: log(db, p, Replay, 45, End::Failed).await,
        recent_skipped: log(db, p, Replay, 1, End::Skipped).await,
        traffic: vec![
            log(db, Unit::Traffic, Replay, 60, End::Skipped).await,
            log(db, Unit::Traffic, Replay, 59, End::Ok(Some("3"))).await,
        ],
    }
}

#[test]
fn cutoff_is_keep_days_back_and_never_overflows() {
    let now = Utc::now();
    assert_eq!(cutoff(now, 30), days_ago(now, 30));
    assert_eq!(cutoff(now, u32::MAX), DateTime::<Utc>::MIN_UTC);
}

#[tokio::test]
async fn keeps_what_status_and_the_next_run_read_and_deletes_the_rest() {
    let t = temp_db("keep").await;
    let db = &t.db;
    let l = old_log(db).await;
    let before = all_runs(db).await;

    let keep = Keep::of(db, Unit::Power, SourceKind::Replay)
        .await
        .expect("keep");
    assert_eq!(keep, Keep::from_ids([l.cursor, l.last_ok, l.last_failed]));

    let cut = cutoff(Utc::now(), 30);
    let expected_gone: BTreeSet<i64> = before
        .iter()
        .filter(|r| prunable(r, Unit::Power, cut, &keep))
        .map(|r| r.id)
        .collect();
    assert_eq!(
        expected_gone,
        BTreeSet::from([l.old_ok, l.old_http_cursor, l.old_failed, l.old_skipped]),
        "the rule: old, not running, not kept"
    );

    // One row per batch, oldest first, until nothing is left to prune.
    let first = delete_batch(db, Unit::Power, cut, &keep, 1)
        .await
        .expect("batch");
    assert_eq!(first, 1);
    assert!(
        !ids(&all_runs(db).await).contains(&l.old_ok),
        "oldest first"
    );
    let mut total = first;
    loop {
        let n = delete_batch(db, Unit::Power, cut, &keep, 1)
            .await
            .expect("batch");
        if n == 0 {
            break;
        }
        total += n;
    }
    assert_eq!(total, 4);

    let after = ids(&all_runs(db).await);
    let expected: BTreeSet<i64> = ids(&before).difference(&expected_gone).copied().collect();
    assert_eq!(
        after, expected,
        "the SQL deletes exactly what `prunable` says"
    );
    for kept in [
        l.cursor,
        l.running,
        l.last_ok,
        l.last_failed,
        l.recent_skipped,
    ] {
        assert!(after.contains(&kept), "run {kept} kept");
    }
    for other in &l.traffic {
        assert!(
            after.contains(other),
            "another unit's run {other} untouched"
        );
    }
    // What `refreshStatus` reads is unchanged.
    let ok = run_log::latest(db, Unit::Power, &[RunStatus::Ok]).await;
    assert_eq!(ok.expect("latest").map(|r| r.id), Some(l.last_ok));
    let failed = run_log::latest(db, Unit::Power, &[RunStatus::Failed]).await;
    assert_eq!(failed.expect("latest").map(|r| r.id), Some(l.last_failed));
    let cursor = run_log::last_cursor(db, Unit::Power, SourceKind::Replay).await;
    assert_eq!(cursor.expect("cursor").as_deref(), Some("7"));
}

#[tokio::test]
async fn a_unit_with_nothing_but_old_runs_keeps_its_last_success_and_failure() {
    let t = temp_db("only").await;
    let db = &t.db;
    let ok = log(db, Unit::Ecological, SourceKind::Http, 400, End::Ok(None)).await;
    let failed = log(db, Unit::Ecological, SourceKind::Http, 300, End::Failed).await;
    let keep = Keep::of(db, Unit::Ecological, SourceKind::Http)
        .await
        .expect("keep");
    let n = delete_batch(db, Unit::Ecological, cutoff(Utc::now(), 1), &keep, 100)
        .await
        .expect("batch");
    assert_eq!(n, 0);
    assert_eq!(ids(&all_runs(db).await), BTreeSet::from([ok, failed]));
}

fn service(
    db: &DatabaseConnection,
    configure: impl FnOnce(&mut RefreshSettings),
) -> RefreshService {
    let mut settings = RefreshSettings::default();
    configure(&mut settings);
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    RefreshService::new(db.clone(), settings, &fixtures).expect("service")
}

#[tokio::test]
async fn a_pass_is_bounded_and_pruning_off_keeps_everything() {
    let t = temp_db("pass").await;
    let db = &t.db;
    let l = old_log(db).await;
    let before = all_runs(db).await.len();

    let off = service(db, |s| s.retention.enabled = false);
    assert_eq!(off.prune(Unit::Power).await.expect("prune"), 0);
    assert_eq!(all_runs(db).await.len(), before);

    // Two batches of one row per pass: four prunable rows take two passes.
    let bounded = service(db, |s| {
        s.retention.batch_rows = 1;
        s.retention.max_batches = 2;
    });
    assert_eq!(bounded.prune(Unit::Power).await.expect("prune"), 2);
    assert_eq!(bounded.prune(Unit::Power).await.expect("prune"), 2);
    assert_eq!(bounded.prune(Unit::Power).await.expect("prune"), 0);
    let left = ids(&all_runs(db).await);
    assert_eq!(left.len(), before - 4);
    assert!(left.contains(&l.last_failed) && left.contains(&l.running));
}
