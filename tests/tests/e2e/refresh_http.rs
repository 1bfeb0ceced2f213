//! The `http` source against a real local HTTP server serving real sample
//! files in their real formats, and its failures: a timeout, an HTTP 500,
//! garbage, an oversize body — each a failed run with its reason recorded,
//! the previous data intact.

use zkcity_jobs::import::{AIR_QUALITY, POWER, TRAFFIC};
use zkcity_jobs::settings::{HttpFormat, SourceKind, UnitSettings};
use zkcity_tests::refresh::{
    data_counts, fixture_head, manual, refresh_ok, run_count, sample, FeedServer,
};
use zkcity_tests::{TestApp, TestDatabase};

fn http(unit: &mut UnitSettings, urls: Vec<String>, format: HttpFormat) {
    unit.source = SourceKind::Http;
    unit.http.urls = urls;
    unit.http.format = format;
    unit.http.timeout_secs = 2;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openaq_v3_measurements_of_two_sensors_merge_into_station_hours() -> anyhow::Result<()> {
    let feed = FeedServer::start(vec![
        ("pm25.json", sample("openaq_dongsi_pm25.json")?),
        ("no2.json", sample("openaq_dongsi_no2.json")?),
    ])
    .await?;
    let urls = vec![feed.url("/files/pm25.json"), feed.url("/files/no2.json")];
    let app = TestApp::spawn_with(move |s| {
        manual(s);
        http(&mut s.refresh.ecological, urls, HttpFormat::OpenaqV3);
        s.refresh.ecological.http.station_id = Some("dongsi".into());
    })
    .await?;
    let before = data_counts(&app).await?;
    let run = refresh_ok(&app, "ECOLOGICAL").await?;
    assert_eq!(run["status"], "OK", "{run}");
    // Six real hours already imported from the UCI file are rewritten.
    assert_eq!(run["rowsUpdated"], 6, "{run}");
    assert_eq!(run["rowsInserted"], 0, "{run}");
    assert_eq!(data_counts(&app).await?, before);
    let row = app
        .sql("SELECT source, pm25, no2, aqi FROM air_quality_observation WHERE station_id = 'dongsi' AND date_observed = '2016-12-31T16:00:00Z'")
        .await?;
    assert_eq!(row[0].try_get::<String>("", "source")?, "openaq:v3");
    assert_eq!(row[0].try_get::<Option<f64>>("", "pm25")?, Some(501.0));
    assert_eq!(row[0].try_get::<Option<f64>>("", "no2")?, Some(90.0));
    assert!(row[0].try_get::<Option<i32>>("", "aqi")?.unwrap_or(0) >= 300);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundled_datasets_native_formats_are_read_over_http() -> anyhow::Result<()> {
    let feed = FeedServer::start(vec![
        ("prices.csv", fixture_head(POWER, 48)?),
        ("i94.csv", fixture_head(TRAFFIC, 120)?),
        ("beijing.csv", fixture_head(AIR_QUALITY, 60)?),
    ])
    .await?;
    let (p, t, e) = (
        feed.url("/files/prices.csv"),
        feed.url("/files/i94.csv"),
        feed.url("/files/beijing.csv"),
    );
    let app = TestApp::spawn_with(move |s| {
        manual(s);
        http(&mut s.refresh.power, vec![p], HttpFormat::EntsoeBeCsv);
        http(&mut s.refresh.traffic, vec![t], HttpFormat::MndotI94Csv);
        http(
            &mut s.refresh.ecological,
            vec![e],
            HttpFormat::UciBeijingCsv,
        );
    })
    .await?;
    let before = data_counts(&app).await?;
    for (unit, at_least) in [("POWER", 96), ("TRAFFIC", 100), ("ECOLOGICAL", 60)] {
        let run = refresh_ok(&app, unit).await?;
        assert_eq!(run["status"], "OK", "{unit}: {run}");
        // The same real rows the import loaded: rewritten, none added.
        assert_eq!(run["rowsInserted"], 0, "{unit}: {run}");
        assert!(
            run["rowsUpdated"].as_i64().unwrap_or(0) >= at_least,
            "{unit}: {run}"
        );
    }
    assert_eq!(data_counts(&app).await?, before);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generic_ndjson_and_csv_feeds_insert_into_an_empty_database() -> anyhow::Result<()> {
    let feed = FeedServer::start(vec![
        ("power.ndjson", sample("power_generic.ndjson")?),
        ("traffic.csv", sample("traffic_generic.csv")?),
    ])
    .await?;
    let (p, t) = (
        feed.url("/files/power.ndjson"),
        feed.url("/files/traffic.csv"),
    );
    let app = TestApp::spawn_on(TestDatabase::create_empty().await?, move |s| {
        manual(s);
        http(&mut s.refresh.power, vec![p], HttpFormat::Ndjson);
        http(&mut s.refresh.traffic, vec![t], HttpFormat::Csv);
    })
    .await?;
    let run = refresh_ok(&app, "POWER").await?;
    assert_eq!(run["rowsInserted"], 12, "{run}");
    let run = refresh_ok(&app, "TRAFFIC").await?;
    assert_eq!(run["rowsInserted"], 13, "{run}");
    assert_eq!(
        app.sql_i64(
            "SELECT COUNT(*) FROM traffic_flow_observation WHERE congestion_level = 'heavy'"
        )
        .await?,
        8
    );
    let price = app
        .sql("SELECT price_per_mwh FROM clearing_price ORDER BY interval_start LIMIT 1")
        .await?;
    assert_eq!(price[0].try_get::<f64>("", "price_per_mwh")?, 82.02);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_http_errors_and_garbage_fail_the_run_and_keep_the_data() -> anyhow::Result<()> {
    let feed = FeedServer::start(vec![]).await?;
    let (slow, e500, garbage) = (
        feed.url("/slow"),
        feed.url("/status/500"),
        feed.url("/garbage"),
    );
    let app = TestApp::spawn_with(move |s| {
        manual(s);
        s.refresh.retry.max_attempts = 2;
        http(&mut s.refresh.traffic, vec![slow], HttpFormat::MndotI94Csv);
        s.refresh.traffic.http.timeout_secs = 1;
        http(&mut s.refresh.power, vec![e500], HttpFormat::EntsoeBeCsv);
        http(
            &mut s.refresh.ecological,
            vec![garbage],
            HttpFormat::OpenaqV3,
        );
        s.refresh.ecological.http.station_id = Some("dongsi".into());
    })
    .await?;
    let before = data_counts(&app).await?;
    let cases = [
        ("TRAFFIC", "traffic", "timed out after 1 s", 2),
        ("POWER", "power", "HTTP status 500", 2),
        // A malformed payload stays malformed: no retry.
        ("ECOLOGICAL", "ecological", "malformed payload", 1),
    ];
    for (unit, name, reason, attempts) in cases {
        let run = refresh_ok(&app, unit).await?;
        assert_eq!(run["status"], "FAILED", "{unit}: {run}");
        assert!(
            run["error"].as_str().unwrap_or_default().contains(reason),
            "{unit}: {run}"
        );
        assert_eq!(run["attempt"], attempts, "{unit}: {run}");
        assert_eq!(
            run_count(&app, name, Some("failed")).await?,
            attempts as i64
        );
        assert_eq!(run_count(&app, name, Some("ok")).await?, 0);
    }
    assert_eq!(
        data_counts(&app).await?,
        before,
        "a failed run must leave the data intact"
    );
    let status = app
        .data(
            "{ refreshStatus(unit: POWER) { lastSuccess { id } lastError { error attempt } } }",
            serde_json::json!({}),
        )
        .await?;
    assert!(status["refreshStatus"][0]["lastSuccess"].is_null());
    assert!(status["refreshStatus"][0]["lastError"]["error"]
        .as_str()
        .unwrap_or_default()
        .contains("500"));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_body_fails_the_run() -> anyhow::Result<()> {
    let feed = FeedServer::start(vec![("prices.csv", fixture_head(POWER, 2000)?)]).await?;
    let url = feed.url("/files/prices.csv");
    let app = TestApp::spawn_with(move |s| {
        manual(s);
        http(&mut s.refresh.power, vec![url], HttpFormat::EntsoeBeCsv);
        s.refresh.power.http.max_body_bytes = 4096;
    })
    .await?;
    let before = data_counts(&app).await?;
    let run = refresh_ok(&app, "POWER").await?;
    assert_eq!(run["status"], "FAILED", "{run}");
    assert!(
        run["error"]
            .as_str()
            .unwrap_or_default()
            .contains("exceeds the limit of 4096 bytes"),
        "{run}"
    );
    assert_eq!(data_counts(&app).await?, before);
    Ok(())
}
