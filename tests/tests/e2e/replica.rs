//! Scale-out reads (issue 14, README "Scaling out") on a real local
//! PostgreSQL streaming replica (`zkcity_tests::replica`): public reads go
//! to it, the gate and the audit log stay on the primary, and a replica
//! stopped under load leaves the rotation without a failed request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{json, Value};
use zkcity_api::gate::UnitPolicy;
use zkcity_tests::replica::Replica;
use zkcity_tests::{audit, TestApp, TestDatabase};

use crate::anon_support::{post, proving_key, Member, DEPTH, SLOT_BITS};

const REPLICA_READS: &str = "zkcity_db_public_reads_total{target=\"replica-0\"}";
const PRIMARY_READS: &str = "zkcity_db_public_reads_total{target=\"primary\"}";
const HEALTHY: &str = "zkcity_db_replicas_healthy";

/// A station that exists only on the primary while replay is paused.
const PROBE_ID: &str = "zk-replica-probe";
const PROBE: &str = "{ station(id: \"zk-replica-probe\") { name } }";
/// The public read of the load phase.
const PAGE: &str = "{ stations(first: 5) { totalCount edges { node { id name } } } }";

/// A metric's value on `/metrics` (0 when not yet recorded).
async fn metric(app: &TestApp, series: &str) -> anyhow::Result<f64> {
    Ok(app.metric(series).await?.unwrap_or(0.0))
}

/// Polls `series` until it equals `want`, for at most `within`.
async fn wait_metric(
    app: &TestApp,
    series: &str,
    want: f64,
    within: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    loop {
        let now = metric(app, series).await?;
        if now == want {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{series} is {now}, not {want}, after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Public reads, traffic and power behind the gate, one replica.
async fn spawn_with_replica(
    database: TestDatabase,
    replica: &Replica,
    dir: &std::path::Path,
) -> anyhow::Result<TestApp> {
    let url = replica.url(&database.name);
    TestApp::spawn_on(database, |s| {
        audit::configure(s, dir);
        s.zk.require_proof = UnitPolicy {
            traffic: true,
            power: true,
            ecological: false,
        };
        s.database.replica_urls = vec![url.into()];
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replica_serves_public_reads_not_the_gate_and_leaves_rotation_without_failures(
) -> anyhow::Result<()> {
    let database = TestDatabase::create().await?;
    let mut replica = Replica::start().await?;
    replica.wait_caught_up(Duration::from_secs(30)).await?;
    let dir = audit::temp_dir("replica")?;
    let app = spawn_with_replica(database, &replica, &dir).await?;
    wait_metric(&app, HEALTHY, 1.0, Duration::from_secs(10)).await?;

    // 1. Reads are served by the replica: with its replay paused, a row
    //    written on the primary is not in the answer; once replayed, it is.
    replica.wait_caught_up(Duration::from_secs(30)).await?;
    replica.pause_replay().await?;
    app.sql(&format!(
        "INSERT INTO station (id, name, latitude, longitude, district, source, ingested_at) \
         VALUES ('{PROBE_ID}', 'Replica probe', 0, 0, 'test', 'test', now())"
    ))
    .await?;
    let before = metric(&app, REPLICA_READS).await?;
    let stale = app.data(PROBE, json!({})).await?;
    assert_eq!(
        stale["station"],
        Value::Null,
        "read on the paused replica: {stale}"
    );
    assert!(
        metric(&app, REPLICA_READS).await? > before,
        "counted as a replica read"
    );

    // 2. The gate is unaffected, still with replay paused (anything it read
    //    from the replica would be stale): a new member registers and its
    //    anonymous query on a gated unit is accepted, logged on the primary,
    //    and the log verifies with its proofs. None of it reads the replica.
    let replica_reads = metric(&app, REPLICA_READS).await?;
    let logged = app.sql_i64("SELECT COUNT(*) FROM audit_entry").await?;
    let member = Member::join(&app).await?;
    let gated = "{ marketTransactions(first: 2) { totalCount } }";
    let answer = post(&app, &member.request(&proving_key()?, 0, gated)?).await?;
    assert!(answer.get("errors").is_none(), "gated query: {answer}");
    assert!(
        answer
            .pointer("/data/marketTransactions/totalCount")
            .is_some(),
        "{answer}"
    );
    assert!(
        answer.pointer("/extensions/zkcity/receipt/index").is_some(),
        "{answer}"
    );
    let appended = app.sql_i64("SELECT COUNT(*) FROM audit_entry").await?;
    assert_eq!(appended, logged + 2, "the member and the query are logged");
    let (_, vk) = zkcity_tests::zk::test_keys(DEPTH, SLOT_BITS)?;
    let key = audit::log_key(&dir)?;
    let outcome = audit::verify_server_proofs(&app.address, &key, None, Some(vk)).await?;
    assert_eq!(audit::failure(&outcome), None);
    assert_eq!(
        metric(&app, REPLICA_READS).await?,
        replica_reads,
        "the gate read no replica"
    );

    replica.resume_replay().await?;
    replica.wait_caught_up(Duration::from_secs(30)).await?;
    let fresh = app.data(PROBE, json!({})).await?;
    assert_eq!(fresh["station"]["name"], "Replica probe", "{fresh}");

    // 3. Eight clients read for 4.5 s; the replica is stopped after 1.5 s.
    let stop_after = Duration::from_millis(1500);
    let run_for = Duration::from_millis(4500);
    let ok = Arc::new(AtomicU64::new(0));
    let ok_after_stop = Arc::new(AtomicU64::new(0));
    let stopped = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let replica_at_start = metric(&app, REPLICA_READS).await?;
    let start = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (client, url) = (app.client.clone(), format!("{}/graphql", app.address));
        let (ok, ok_after_stop, stopped) = (ok.clone(), ok_after_stop.clone(), stopped.clone());
        clients.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            while start.elapsed() < run_for {
                let after_stop = stopped.load(Ordering::Acquire);
                match read_page(&client, &url).await {
                    Ok(()) if after_stop => {
                        ok_after_stop.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(()) => {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => failures.push(format!("{e:#}")),
                }
            }
            failures
        }));
    }
    tokio::time::sleep(stop_after).await;
    let replica_before_stop = metric(&app, REPLICA_READS).await?;
    replica.stop_immediately().await?;
    stopped.store(true, Ordering::Release);
    let mut failures = Vec::new();
    for client in clients {
        failures.extend(client.await?);
    }
    let (before_stop, after_stop) = (
        ok.load(Ordering::Relaxed),
        ok_after_stop.load(Ordering::Relaxed),
    );
    eprintln!(
        "load: {before_stop} reads before the stop, {after_stop} after, {} failed; \
         replica reads at the stop: {replica_before_stop}",
        failures.len()
    );
    assert!(failures.is_empty(), "failed requests: {failures:?}");
    assert!(
        before_stop > 0 && after_stop > 0,
        "{before_stop} / {after_stop}"
    );
    assert!(
        replica_before_stop > replica_at_start,
        "the load was served by the replica"
    );

    // Out of rotation: the gauge is 0, reads go on on the primary only, and
    // readiness follows the primary.
    wait_metric(&app, HEALTHY, 0.0, Duration::from_secs(5)).await?;
    let (on_replica, on_primary) = (
        metric(&app, REPLICA_READS).await?,
        metric(&app, PRIMARY_READS).await?,
    );
    for _ in 0..20 {
        read_page(&app.client, &format!("{}/graphql", app.address)).await?;
    }
    assert_eq!(
        metric(&app, REPLICA_READS).await?,
        on_replica,
        "no read goes to the stopped replica"
    );
    assert!(metric(&app, PRIMARY_READS).await? >= on_primary + 20.0);
    assert_eq!(app.readyz().await?, 200, "readiness is the primary's");
    Ok(())
}

/// One public page read over HTTP; any error, status or GraphQL, fails.
async fn read_page(client: &reqwest::Client, url: &str) -> anyhow::Result<()> {
    let resp = client
        .post(url)
        .json(&json!({"query": PAGE}))
        .send()
        .await?;
    let status = resp.status();
    let body: Value = resp.json().await.context("response body")?;
    anyhow::ensure!(status.is_success(), "HTTP {status}: {body}");
    anyhow::ensure!(body.get("errors").is_none(), "{body}");
    anyhow::ensure!(
        body.pointer("/data/stations/totalCount")
            .is_some_and(Value::is_i64),
        "{body}"
    );
    Ok(())
}
