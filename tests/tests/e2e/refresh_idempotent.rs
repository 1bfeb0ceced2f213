//! Idempotence: the same input twice leaves row counts unchanged (the second
//! run rewrites, inserts nothing).

use serde_json::Value;
use zkcity_jobs::settings::{HttpFormat, SourceKind};
use zkcity_tests::refresh::{data_counts, manual, refresh_ok, sample, FeedServer};
use zkcity_tests::{TestApp, TestDatabase};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_the_present_step_twice_changes_no_counts() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|s| {
        manual(s);
        s.refresh.replay.backfill_steps = 0;
    })
    .await?;
    for unit in ["POWER", "ECOLOGICAL", "TRAFFIC"] {
        // Caught up, a run replays the present hour; two runs a moment apart
        // replay the same step unless an hour boundary falls between them,
        // in which case the next pair is compared.
        let mut previous: Option<(Value, Vec<(String, i64)>)> = None;
        let mut compared = false;
        for _ in 0..3 {
            let run = refresh_ok(&app, unit).await?;
            assert_eq!(run["status"], "OK", "{unit}: {run}");
            let counts = data_counts(&app).await?;
            if let Some((prev, prev_counts)) = &previous {
                if prev["note"] == run["note"] {
                    assert_eq!(run["rowsInserted"], 0, "{unit}: {run}");
                    assert_eq!(run["rowsUpdated"], prev["rowsWritten"], "{unit}: {run}");
                    assert_eq!(&counts, prev_counts, "{unit}: counts changed");
                    compared = true;
                    break;
                }
            }
            previous = Some((run, counts));
        }
        assert!(compared, "{unit}: never replayed the same step twice");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_http_feed_twice_changes_no_counts() -> anyhow::Result<()> {
    let feed = FeedServer::start(vec![("power.ndjson", sample("power_generic.ndjson")?)]).await?;
    let url = feed.url("/files/power.ndjson");
    let app = TestApp::spawn_on(TestDatabase::create_empty().await?, move |s| {
        manual(s);
        s.refresh.power.source = SourceKind::Http;
        s.refresh.power.http.urls = vec![url];
        s.refresh.power.http.format = HttpFormat::Ndjson;
    })
    .await?;
    let first = refresh_ok(&app, "POWER").await?;
    assert_eq!(first["rowsInserted"], 12, "{first}");
    let after_first = data_counts(&app).await?;
    let second = refresh_ok(&app, "POWER").await?;
    assert_eq!(second["rowsInserted"], 0, "{second}");
    assert_eq!(second["rowsUpdated"], 12, "{second}");
    assert_eq!(data_counts(&app).await?, after_first);

    // The run log and metrics saw both runs.
    let metrics = app.metrics().await?;
    assert!(
        metrics.contains("zkcity_refresh_rows_total{unit=\"power\",kind=\"inserted\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("zkcity_refresh_duration_seconds"),
        "{metrics}"
    );
    Ok(())
}
