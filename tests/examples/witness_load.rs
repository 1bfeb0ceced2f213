//! What witnessing costs (DESIGN §6 amendment "Witnesses"), against a
//! running server: appends (member registrations) from `--workers`
//! concurrent clients, then how long until the published checkpoint covers
//! the last one, and the collector's round latency from `/metrics`.
//!
//! ```sh
//! cargo run --release -p zkcity-tests --example witness_load -- \
//!   --server http://127.0.0.1:8080 --admin-token s3cret --count 5000 --workers 16
//! ```
//!
//! Run it against a server with `[audit.witnesses]` and one without (on a
//! fresh database each) in the same session to compare append costs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use zkcity_tests::load::{load_average, ms, percentile, register};

#[derive(Parser, Debug)]
struct Args {
    /// Base URL of the server.
    #[arg(long)]
    server: String,
    /// Admin bearer token (registrations are admin mutations).
    #[arg(long)]
    admin_token: String,
    /// Appends to make.
    #[arg(long, default_value_t = 5_000)]
    count: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    workers: u64,
    /// First commitment (use a fresh range per run on one database).
    #[arg(long, default_value_t = 1)]
    first: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let http = reqwest::Client::new();
    let next = Arc::new(AtomicU64::new(args.first));
    let end = args.first + args.count;
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(args.count as usize)));
    let started = Instant::now();
    let tasks = (0..args.workers).map(|_| {
        let (http, next, latencies) = (http.clone(), next.clone(), latencies.clone());
        let (server, token) = (args.server.clone(), args.admin_token.clone());
        tokio::spawn(async move {
            loop {
                let c = next.fetch_add(1, Ordering::SeqCst);
                if c >= end {
                    return anyhow::Ok(());
                }
                let t = Instant::now();
                register(&http, &server, Some(&token), &c.to_string()).await?;
                if let Ok(mut l) = latencies.lock() {
                    l.push(t.elapsed());
                }
            }
        })
    });
    for t in futures::future::join_all(tasks).await {
        t??;
    }
    let elapsed = started.elapsed();
    let mut lat = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    lat.sort();
    println!(
        "appends: {} in {:.2} s = {:.0}/s, p50 {:.1} ms, p99 {:.1} ms (load average {})",
        args.count,
        elapsed.as_secs_f64(),
        args.count as f64 / elapsed.as_secs_f64(),
        ms(percentile(&lat, 0.50)),
        ms(percentile(&lat, 0.99)),
        load_average()
    );
    cosigned_lag(&http, &args.server).await
}

/// Time until `/checkpoint` covers the head and carries cosignatures, and
/// the collector's mean round latency.
async fn cosigned_lag(http: &reqwest::Client, server: &str) -> anyhow::Result<()> {
    let head = |note: &str| {
        note.lines()
            .nth(1)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let q = serde_json::json!({"query": "{ auditLog(first: 0) { totalCount } }"});
    let body: serde_json::Value = http
        .post(format!("{server}/graphql"))
        .json(&q)
        .send()
        .await?
        .json()
        .await?;
    let size = body
        .pointer("/data/auditLog/totalCount")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    let t = Instant::now();
    loop {
        let note = http
            .get(format!("{server}/checkpoint"))
            .send()
            .await?
            .text()
            .await?;
        let cosigs = note
            .lines()
            .filter(|l| l.starts_with('\u{2014}'))
            .count()
            .saturating_sub(1);
        if head(&note) >= size && cosigs > 0 {
            println!("published checkpoint covers size {size} with {cosigs} cosignatures {:.0} ms after the last append", ms(t.elapsed()));
            break;
        }
        if t.elapsed() > Duration::from_secs(10) {
            println!(
                "no cosigned checkpoint of size {size} within 10 s (no witnesses configured?)"
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let metrics = http
        .get(format!("{server}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    let value = |name: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
    };
    if let (Some(sum), Some(count)) = (
        value("zkcity_witness_round_duration_seconds_sum"),
        value("zkcity_witness_round_duration_seconds_count"),
    ) {
        println!(
            "witness rounds: {count} (one per checkpoint submitted), mean {:.2} ms",
            sum * 1000.0 / count.max(1.0)
        );
    }
    Ok(())
}
