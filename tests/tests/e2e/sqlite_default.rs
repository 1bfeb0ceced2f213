//! `zkcity serve` with no `DATABASE_URL` runs on the embedded SQLite default,
//! seeds the bundled real data and serves it (units opened for plain reads).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

/// Kills the server even when an assertion fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

#[tokio::test]
async fn serve_without_database_url_uses_sqlite_with_real_data() -> anyhow::Result<()> {
    let bin = zkcity_tests::zkcity_bin_async().await?;
    let dir = std::env::temp_dir().join(format!("zkcity-sqlite-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let port = free_port()?;
    let child = Command::new(bin)
        .arg("serve")
        .current_dir(&dir)
        .env_remove("DATABASE_URL")
        .env("ZKCITY_SERVER__PORT", port.to_string())
        // The counts below are the bundled data's; replay would add rows.
        .env("ZKCITY_REFRESH__ENABLED", "false")
        // Plain reads (no proofs) for this check; the anonymous path is
        // covered by the anon_* tests.
        .env("ZKCITY_ZK__REQUIRE_PROOF__TRAFFIC", "false")
        .env("ZKCITY_ZK__REQUIRE_PROOF__POWER", "false")
        .env("ZKCITY_ZK__REQUIRE_PROOF__ECOLOGICAL", "false")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let _server = Server(child);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..240 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
            if r.status() == 200 {
                ready = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(ready, "server did not become ready");
    assert!(
        dir.join("data/zkcity.db").is_file(),
        "the embedded SQLite file was created"
    );

    let q = r#"{ stations { totalCount } airQualityObservations(first: 1, filter: {stationIds: ["dongsi"]}) { totalCount edges { node { aqi pm25 station { name } } } }
                 marketTransactions { totalCount } trafficFlowObservations { totalCount } imageTiles { totalCount }
                 airQualityAggregate(groupBy: DISTRICT, bucket: DAY, filter: {time: {from: "2017-01-01T00:00:00Z", to: "2017-01-02T00:00:00Z"}}) { key observations pm25 { avg max } }
                 jan1: airQualityObservations(filter: {time: {from: "2017-01-01T00:00:00Z", to: "2017-01-02T00:00:00Z"}}) { totalCount } }"#;
    let body: Value = client
        .post(format!("{base}/graphql"))
        .json(&json!({"query": q}))
        .send()
        .await?
        .json()
        .await?;
    assert!(body.get("errors").is_none(), "{body}");
    let d = &body["data"];
    assert_eq!(d["stations"]["totalCount"], 12);
    // 2017-01-01 00:00 .. 2017-02-28 23:00 hourly at Dongsi, from the real CSV.
    assert_eq!(d["airQualityObservations"]["totalCount"], 1416);
    assert_eq!(
        d["airQualityObservations"]["edges"][0]["node"]["station"]["name"],
        "Dongsi"
    );
    assert!(d["marketTransactions"]["totalCount"].as_i64().unwrap_or(0) > 20_000);
    assert!(
        d["trafficFlowObservations"]["totalCount"]
            .as_i64()
            .unwrap_or(0)
            > 40_000
    );
    assert_eq!(d["imageTiles"]["totalCount"], 2);
    // Whole days: answered from the daily rollup, which holds every reading.
    let days = d["airQualityAggregate"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!days.is_empty(), "{body}");
    let counted: i64 = days.iter().filter_map(|b| b["observations"].as_i64()).sum();
    assert_eq!(Some(counted), d["jan1"]["totalCount"].as_i64(), "{body}");
    assert!(
        days.iter().all(|b| b["pm25"]["avg"]
            .as_f64()
            .is_some_and(|a| a > 0.0 && b["pm25"]["max"].as_f64().is_some_and(|m| a <= m))),
        "{body}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
