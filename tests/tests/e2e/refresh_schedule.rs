//! The scheduler: a unit scheduled every second refreshes on its own, and a
//! trigger that finds the previous run still running is skipped, not run
//! alongside it.

use std::sync::atomic::{AtomicI64, Ordering};

use zkcity_jobs::settings::{HttpFormat, SourceKind};
use zkcity_tests::refresh::{eventually, run_count, FeedServer};
use zkcity_tests::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_scheduled_every_second_refreshes_on_its_own() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|s| {
        s.refresh.enabled = true;
        s.refresh.power.cron = Some("* * * * * *".into());
        s.refresh.power.run_on_start = false;
        s.refresh.traffic.enabled = false;
        s.refresh.ecological.enabled = false;
    })
    .await?;
    let scheduled = "SELECT COUNT(*) FROM refresh_run WHERE unit = 'power' AND status = 'ok' AND trigger = 'schedule'";
    eventually(90, "three scheduled power runs", || async {
        Ok((app.sql_i64(scheduled).await? >= 3).then_some(()))
    })
    .await?;

    // Each run replayed the next dataset step: consecutive cursors, new
    // shifted rows with replay provenance.
    let rows = app
        .sql("SELECT cursor FROM refresh_run WHERE unit = 'power' AND status = 'ok' ORDER BY id LIMIT 3")
        .await?;
    let cursors: Vec<i64> = rows
        .iter()
        .map(|r| {
            r.try_get::<Option<String>>("", "cursor")
                .ok()
                .flatten()
                .and_then(|c| c.parse().ok())
                .unwrap_or(-1)
        })
        .collect();
    assert_eq!(cursors[1], cursors[0] + 1, "{cursors:?}");
    assert_eq!(cursors[2], cursors[1] + 1, "{cursors:?}");
    let replayed = app
        .sql_i64(
            "SELECT COUNT(*) FROM market_transaction WHERE source = 'replay:entsoe:a44:belgium'",
        )
        .await?;
    assert!(replayed >= 3, "replayed transactions: {replayed}");
    let latest = app
        .sql_i64("SELECT COUNT(*) FROM market_transaction WHERE delivery_start > now() - interval '2 days' AND delivery_start <= now()")
        .await?;
    assert!(latest >= 1, "replayed rows track the present");

    // Other units were not scheduled.
    assert_eq!(run_count(&app, "traffic", None).await?, 0);
    let status = app
        .data("{ refreshStatus(unit: POWER) { enabled cron nextScheduledRun lastSuccess { status trigger } } }", serde_json::json!({}))
        .await?;
    let s = &status["refreshStatus"][0];
    assert_eq!(s["enabled"], true);
    assert_eq!(s["cron"], "* * * * * *");
    assert!(s["nextScheduledRun"].is_string(), "{s}");
    assert_eq!(s["lastSuccess"]["status"], "OK");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trigger_during_a_running_run_is_skipped() -> anyhow::Result<()> {
    // Every run waits 3 s on a feed that never answers in time, while the
    // schedule fires every second.
    let feed = FeedServer::start(vec![]).await?;
    let url = feed.url("/slow");
    let app = TestApp::spawn_with(move |s| {
        s.refresh.enabled = true;
        s.refresh.retry.max_attempts = 1;
        let t = &mut s.refresh.traffic;
        t.cron = Some("* * * * * *".into());
        t.source = SourceKind::Http;
        t.http.urls = vec![url];
        t.http.format = HttpFormat::Ndjson;
        t.http.timeout_secs = 3;
        s.refresh.power.enabled = false;
        s.refresh.ecological.enabled = false;
    })
    .await?;
    let max_running = AtomicI64::new(0);
    eventually(90, "a skipped trigger and a finished run", || async {
        let running = run_count(&app, "traffic", Some("running")).await?;
        max_running.fetch_max(running, Ordering::SeqCst);
        let skipped = run_count(&app, "traffic", Some("skipped")).await?;
        let failed = run_count(&app, "traffic", Some("failed")).await?;
        Ok((skipped >= 2 && failed >= 1).then_some(()))
    })
    .await?;
    let max_running = max_running.load(Ordering::SeqCst);
    assert!(
        max_running <= 1,
        "two runs of one unit overlapped ({max_running} running)"
    );
    let reason = app
        .sql("SELECT error FROM refresh_run WHERE status = 'skipped' LIMIT 1")
        .await?;
    let reason: Option<String> = reason[0].try_get("", "error")?;
    assert_eq!(
        reason.as_deref(),
        Some("skipped: previous run still running")
    );
    let failed = app
        .sql("SELECT error FROM refresh_run WHERE status = 'failed' LIMIT 1")
        .await?;
    let failed: Option<String> = failed[0].try_get("", "error")?;
    assert!(failed.unwrap_or_default().contains("timed out after 3 s"));
    Ok(())
}
