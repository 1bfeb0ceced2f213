//! Run-log retention end to end on PostgreSQL: runs logged long ago by an
//! "earlier server" (inserted through SQL) are pruned by the pass that
//! follows a unit's run, except what `refreshStatus` shows and runs still
//! `running`; a pass is bounded; pruning switched off keeps everything.
//!
//! No test waits for pruning: the pass runs before `refreshNow` answers
//! (after the run's guard is released), so every check is exact.

use serde_json::Value;
use zkcity_jobs::settings::{HttpFormat, SourceKind};
use zkcity_tests::refresh::{
    insert_old_run, manual, refresh_ok, refresh_status, run_count, run_ids, FeedServer,
};
use zkcity_tests::TestApp;

/// The value of `zkcity_refresh_pruned_total{unit="<unit>"}` in /metrics
/// (process-wide: other tests of this binary may have added to it).
async fn pruned_metric(app: &TestApp, unit: &str) -> anyhow::Result<f64> {
    let series = format!("zkcity_refresh_pruned_total{{unit=\"{unit}\"}}");
    app.metric(&series)
        .await?
        .ok_or_else(|| anyhow::anyhow!("{series} not on /metrics"))
}

fn id(run: &Value) -> i64 {
    run["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or(-1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_runs_are_pruned_and_refresh_status_answers_the_same() -> anyhow::Result<()> {
    // Traffic fails (404, not retried) so its old last success must survive.
    let feed = FeedServer::start(vec![]).await?;
    let missing = feed.url("/files/missing.csv");
    let app = TestApp::spawn_with(move |s| {
        manual(s);
        s.refresh.traffic.source = SourceKind::Http;
        s.refresh.traffic.http.urls = vec![missing];
        s.refresh.traffic.http.format = HttpFormat::MndotI94Csv;
    })
    .await?;
    // An answer means start-up recovery (which fails `running` rows) is over.
    refresh_status(&app, "POWER").await?;

    // Power: the new run becomes the last success; the old last failure,
    // the old running run and a recent run must stay.
    let p_old_ok = insert_old_run(&app, "POWER", "ok", 60).await?;
    let p_old_failed = insert_old_run(&app, "POWER", "failed", 50).await?;
    let p_old_skipped = insert_old_run(&app, "POWER", "skipped", 45).await?;
    let p_last_failed = insert_old_run(&app, "POWER", "failed", 40).await?;
    let p_running = insert_old_run(&app, "POWER", "running", 38).await?;
    let p_ok = insert_old_run(&app, "POWER", "ok", 35).await?;
    let p_recent = insert_old_run(&app, "POWER", "skipped", 5).await?;
    // Traffic: the new run fails; the old last success must stay.
    let t_old_ok = insert_old_run(&app, "TRAFFIC", "ok", 60).await?;
    let t_last_ok = insert_old_run(&app, "TRAFFIC", "ok", 50).await?;
    let t_old_failed = insert_old_run(&app, "TRAFFIC", "failed", 45).await?;
    let t_old_skipped = insert_old_run(&app, "TRAFFIC", "skipped", 40).await?;
    // Ecological: old runs, but no run of the unit, so no pass prunes them.
    let e_old = vec![
        insert_old_run(&app, "ECOLOGICAL", "ok", 90).await?,
        insert_old_run(&app, "ECOLOGICAL", "skipped", 80).await?,
    ];

    let power_before = refresh_status(&app, "POWER").await?;
    let traffic_before = refresh_status(&app, "TRAFFIC").await?;
    assert_eq!(id(&power_before["lastError"]), p_last_failed);
    assert_eq!(id(&power_before["lastSuccess"]), p_ok);
    assert_eq!(id(&traffic_before["lastSuccess"]), t_last_ok);
    assert_eq!(id(&traffic_before["lastError"]), t_old_failed);

    let power_run = refresh_ok(&app, "POWER").await?;
    assert_eq!(power_run["status"], "OK", "{power_run}");
    let traffic_run = refresh_ok(&app, "TRAFFIC").await?;
    assert_eq!(traffic_run["status"], "FAILED", "{traffic_run}");

    // Gone: p_old_ok, p_old_failed, p_old_skipped, p_ok (no longer the last
    // success); t_old_ok, t_old_failed (no longer the last failure),
    // t_old_skipped.
    let kept_power = vec![p_last_failed, p_running, p_recent, id(&power_run)];
    assert_eq!(run_ids(&app, "POWER").await?, kept_power);
    assert_eq!(
        run_ids(&app, "TRAFFIC").await?,
        vec![t_last_ok, id(&traffic_run)]
    );
    assert_eq!(run_ids(&app, "ECOLOGICAL").await?, e_old);
    for gone in [
        p_old_ok,
        p_old_failed,
        p_old_skipped,
        p_ok,
        t_old_ok,
        t_old_failed,
        t_old_skipped,
    ] {
        let sql = format!("SELECT COUNT(*) FROM refresh_run WHERE id = {gone}");
        assert_eq!(app.sql_i64(&sql).await?, 0, "run {gone} pruned");
    }

    // refreshStatus: what it showed of the old runs it still shows.
    let power_after = refresh_status(&app, "POWER").await?;
    assert_eq!(power_after["lastError"], power_before["lastError"]);
    assert_eq!(id(&power_after["lastSuccess"]), id(&power_run));
    assert_eq!(id(&power_after["lastRun"]), id(&power_run));
    let traffic_after = refresh_status(&app, "TRAFFIC").await?;
    assert_eq!(traffic_after["lastSuccess"], traffic_before["lastSuccess"]);
    assert_eq!(traffic_after["rows"], traffic_before["rows"]);
    assert_eq!(traffic_after["durationMs"], traffic_before["durationMs"]);
    assert_eq!(id(&traffic_after["lastError"]), id(&traffic_run));

    // The pruned rows are counted.
    assert!(pruned_metric(&app, "power").await? >= 4.0);
    assert!(pruned_metric(&app, "traffic").await? >= 3.0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_deletes_at_most_max_batches_times_batch_rows() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|s| {
        manual(s);
        s.refresh.retention.batch_rows = 100;
        s.refresh.retention.max_batches = 2;
    })
    .await?;
    refresh_status(&app, "ECOLOGICAL").await?;
    app.sql(
        "INSERT INTO refresh_run (unit, source, trigger, attempt, status, started_at, finished_at, error) \
         SELECT 'ecological', 'replay', 'schedule', 1, 'skipped', \
                now() - interval '40 days' - g * interval '1 second', now() - interval '40 days', 'old' \
         FROM generate_series(1, 450) AS g",
    )
    .await?;
    // Each run's pass removes 200 of the backlog; the rest waits.
    for left in [250, 50, 0] {
        let run = refresh_ok(&app, "ECOLOGICAL").await?;
        assert_eq!(run["status"], "OK", "{run}");
        assert_eq!(run_count(&app, "ecological", Some("skipped")).await?, left);
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pruning_switched_off_keeps_every_run() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|s| {
        manual(s);
        s.refresh.retention.enabled = false;
    })
    .await?;
    refresh_status(&app, "POWER").await?;
    let mut old = Vec::new();
    for (status, days) in [("ok", 400), ("failed", 300), ("skipped", 200), ("ok", 100)] {
        old.push(insert_old_run(&app, "POWER", status, days).await?);
    }
    let run = refresh_ok(&app, "POWER").await?;
    assert_eq!(run["status"], "OK", "{run}");
    // With retention on, the pass before this answer would have deleted three
    // of them (the first test shows it); off, all are there.
    old.push(id(&run));
    assert_eq!(run_ids(&app, "POWER").await?, old);
    Ok(())
}
