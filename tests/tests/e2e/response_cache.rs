//! The response cache for public reads (api/src/graphql/response_cache.rs):
//! it really answers from memory, and it never answers from before a
//! refresh commit — in the server that ran the refresh as soon as
//! `refreshNow` answers, in another server on the same database as soon as
//! the commit's notice arrives, and while readers run during refreshes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::Mutex;
use zkcity_tests::refresh::{eventually, manual, refresh_ok};
use zkcity_tests::TestApp;

/// The newest reading and the count: both change when a refresh adds rows.
const QUERY: &str =
    "{ airQualityObservations(first: 1, orderBy: {field: DATE_OBSERVED, direction: DESC}) \
    { totalCount nodes { id dateObserved } } }";

/// The truth, from SQL.
async fn truth(app: &TestApp) -> anyhow::Result<i64> {
    app.sql_i64("SELECT COUNT(*) FROM air_quality_observation")
        .await
}

/// `totalCount` as answered by the server at `address`.
async fn answered(client: &reqwest::Client, address: &str) -> anyhow::Result<i64> {
    let body: Value = client
        .post(format!("{address}/graphql"))
        .json(&json!({ "query": QUERY }))
        .send()
        .await?
        .json()
        .await?;
    body.pointer("/data/airQualityObservations/totalCount")
        .and_then(Value::as_i64)
        .ok_or_else(|| anyhow::anyhow!("no totalCount in {body}"))
}

/// A row written behind the server's back (no refresh, no notice): only a
/// cache keeps answering without it.
async fn insert_row_directly(app: &TestApp, days: u32) -> anyhow::Result<()> {
    app.sql(&format!(
        "INSERT INTO air_quality_observation (station_id, date_observed, aqi, aqi_standard, \
         unit, source, ingested_at) \
         SELECT station_id, date_observed + interval '{days} days', aqi, aqi_standard, unit, \
         source, ingested_at FROM air_quality_observation ORDER BY id LIMIT 1"
    ))
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_come_from_memory_until_a_refresh_commits_in_any_process() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(manual).await?;
    let peer = app.spawn_peer().await?;
    let client = reqwest::Client::new();
    let before = truth(&app).await?;
    for address in [&app.address, &peer.address] {
        assert_eq!(answered(&client, address).await?, before);
    }

    // Served from memory: a row written without a refresh is not seen.
    insert_row_directly(&app, 1001).await?;
    assert_eq!(truth(&app).await?, before + 1);
    for address in [&app.address, &peer.address] {
        assert_eq!(
            answered(&client, address).await?,
            before,
            "{address} cached"
        );
    }

    // A refresh commit in `app`: `app` answers the new rows as soon as
    // refreshNow returns; the peer once the notice has arrived, and from
    // then on never the old answer again.
    let run = refresh_ok(&app, "ECOLOGICAL").await?;
    assert_eq!(run["status"], "OK", "{run}");
    let after = truth(&app).await?;
    assert!(
        after > before + 1,
        "the refresh must add rows for this test to mean anything ({before} → {after})"
    );
    assert_eq!(answered(&client, &app.address).await?, after);
    eventually(10, "the peer to drop its cached answer", || async {
        Ok((answered(&client, &peer.address).await? == after).then_some(()))
    })
    .await?;
    for _ in 0..20 {
        assert_eq!(answered(&client, &peer.address).await?, after);
        assert_eq!(answered(&client, &app.address).await?, after);
    }

    // The peer's own refresh reaches `app` the same way.
    insert_row_directly(&app, 1002).await?;
    let run = refresh_now_at(&client, &peer.address).await?;
    assert_eq!(run["status"], "OK", "{run}");
    let latest = truth(&app).await?;
    assert!(latest > after, "{after} → {latest}");
    assert_eq!(answered(&client, &peer.address).await?, latest);
    eventually(10, "app to drop its cached answer", || async {
        Ok((answered(&client, &app.address).await? == latest).then_some(()))
    })
    .await?;
    Ok(())
}

/// `refreshNow(unit: ECOLOGICAL)` as admin on the server at `address`.
async fn refresh_now_at(client: &reqwest::Client, address: &str) -> anyhow::Result<Value> {
    let body: Value = client
        .post(format!("{address}/graphql"))
        .bearer_auth(zkcity_tests::refresh::ADMIN_TOKEN)
        .json(&json!({ "query": "mutation { refreshNow(unit: ECOLOGICAL) { status } }" }))
        .send()
        .await?
        .json()
        .await?;
    body.pointer("/data/refreshNow")
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("refreshNow failed: {body}"))
}

/// One answer a reader got: when its request started and the count.
type Seen = Vec<(Instant, i64)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_during_refreshes_never_get_an_answer_from_before_the_last_commit(
) -> anyhow::Result<()> {
    let app = TestApp::spawn_with(manual).await?;
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..6 {
        let (seen, stop) = (seen.clone(), stop.clone());
        let address = app.address.clone();
        readers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let started = Instant::now();
                let count = answered(&client, &address).await?;
                seen.lock().await.push((started, count));
            }
            anyhow::Ok(())
        }));
    }
    // Each refresh's count, and when refreshNow answered.
    let mut commits = Vec::new();
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..3 {
        refresh_ok(&app, "ECOLOGICAL").await?;
        commits.push((Instant::now(), truth(&app).await?));
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for reader in readers {
        reader.await??;
    }
    let seen = seen.lock().await;
    let mut checked = 0;
    for (started, count) in seen.iter() {
        // The newest commit that had answered before this read started.
        // Rows are only added, so a read that started after a commit's
        // refreshNow answered must count at least that commit's rows.
        if let Some((_, expected)) = commits.iter().rev().find(|(at, _)| at < started) {
            assert!(
                count >= expected,
                "a read started after the commit of {expected} rows answered {count}"
            );
            checked += 1;
        }
    }
    assert!(
        checked > 50,
        "too few reads after a commit to mean anything: {checked}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_cache_off_every_answer_reads_the_database() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|s| {
        manual(s);
        s.graphql.response_cache_mib = 0;
    })
    .await?;
    let client = reqwest::Client::new();
    let before = answered(&client, &app.address).await?;
    insert_row_directly(&app, 1003).await?;
    assert_eq!(answered(&client, &app.address).await?, before + 1);
    Ok(())
}
