//! Audit log measurements on PostgreSQL (DESIGN §6): appends/s, proof latency
//! at a large size, and end-to-end verifier throughput. Not a criterion
//! bench: each figure needs a database in a given state.
//!
//! ```text
//! ZKCITY_BENCH_PG=postgres://postgres@127.0.0.1:5432 \
//!   cargo bench -p zkcity-api --bench ledger -- <command>
//!   reset                        fresh database `zk_bench_ledger`
//!   append <count> <concurrency> query appends through Ledger::append_query
//!   members <count> <concurrency> registrations through Ledger::register_member
//!   fill <size>                  bulk-load query entries up to <size>
//!   proofs <samples>             inclusion/consistency proof latency at the current size
//!   verify                       serve the log in-process and run the client verifier
//! ```
//! Run `append` in two processes at once for the two-process figure.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use zkcity_api::config::Settings;
use zkcity_circuits::Fr;
use zkcity_ledger::{AuditSettings, Ledger, QueryAppend};

const DB: &str = "zk_bench_ledger";

fn pg() -> String {
    std::env::var("ZKCITY_BENCH_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn work_dir() -> PathBuf {
    std::env::temp_dir().join("zkcity-bench-ledger")
}

fn audit_settings() -> AuditSettings {
    AuditSettings {
        key_file: Some(work_dir().join("log.key")),
        signer_state_file: Some(work_dir().join(format!("signed-{}", std::process::id()))),
        max_batch: 1024,
        ..AuditSettings::default()
    }
}

async fn connect() -> anyhow::Result<DatabaseConnection> {
    let mut opts = sea_orm::ConnectOptions::new(format!("{}/{DB}", pg()));
    opts.max_connections(16).sqlx_logging(false);
    Ok(Database::connect(opts).await?)
}

async fn ledger() -> anyhow::Result<Ledger> {
    std::fs::create_dir_all(work_dir())?;
    let db = connect().await?;
    zkcity_api::db::migrate(&db).await?;
    Ok(Ledger::start(db, &audit_settings(), &PathBuf::from("unused.db")).await?)
}

fn query(n: u64, root: Fr) -> QueryAppend {
    // Distinct nullifiers per process and call; proofs are opaque bytes to the log.
    let salt = u64::from(std::process::id()) << 40;
    QueryAppend {
        root,
        // The current epoch, so `verify` (which checks epochs against the
        // entries' timestamps) accepts a log filled over several hours.
        epoch: current_epoch(),
        nullifier: Fr::from(salt + n),
        m: Fr::from(n),
        proof: [n as u8; 128],
    }
}

/// DESIGN §4's epoch of now with the default 3600 s epochs.
fn current_epoch() -> u64 {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    zkcity_audit::EpochRule::default().epoch_at(now_ms)
}

async fn append(count: u64, concurrency: u64, members: bool) -> anyhow::Result<()> {
    let ledger = ledger().await?;
    let root = ledger.membership().await?.root;
    let start_size = ledger.head().await?.size;
    let started = Instant::now();
    let per = count / concurrency;
    let salt = u64::from(std::process::id()) << 32;
    let tasks = (0..concurrency).map(|w| {
        let ledger = ledger.clone();
        tokio::spawn(async move {
            for i in 0..per {
                let n = w * per + i;
                if members {
                    ledger.register_member(Fr::from(salt + n + 1)).await?;
                } else {
                    ledger.append_query(query(n, root)).await?;
                }
            }
            anyhow::Ok(())
        })
    });
    for t in futures::future::join_all(tasks).await {
        t??;
    }
    let secs = started.elapsed().as_secs_f64();
    let what = if members {
        "registrations"
    } else {
        "query appends"
    };
    println!("{} {what} with {concurrency} concurrent callers in {secs:.2} s: {:.0}/s (log {start_size} -> {})",
        per * concurrency, (per * concurrency) as f64 / secs, ledger.head().await?.size);
    Ok(())
}

async fn fill(size: u64) -> anyhow::Result<()> {
    let ledger = ledger().await?;
    let root = ledger.membership().await?.root;
    let (started, first) = (Instant::now(), ledger.head().await?.size);
    let mut last_report = Instant::now();
    loop {
        let now = ledger.head().await?.size;
        if now >= size {
            break;
        }
        let chunk = (size - now).min(20_000);
        let calls = (0..chunk).map(|i| ledger.append_query(query(now + i, root)));
        for r in futures::future::join_all(calls).await {
            r?;
        }
        if last_report.elapsed() > Duration::from_secs(10) {
            last_report = Instant::now();
            eprintln!(
                "fill: {} entries, {:.0}/s",
                now + chunk,
                (now + chunk - first) as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "filled to {size} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn percentiles(mut v: Vec<Duration>) -> String {
    v.sort_unstable();
    let at = |p: f64| v[((v.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e3;
    let mean = v.iter().map(Duration::as_secs_f64).sum::<f64>() / v.len() as f64 * 1e3;
    format!(
        "mean {mean:.2} ms, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(0.5),
        at(0.99),
        at(1.0)
    )
}

async fn proofs(samples: u64) -> anyhow::Result<()> {
    let ledger = ledger().await?;
    let size = ledger.head().await?.size;
    anyhow::ensure!(size > 1, "fill the log first");
    let (mut inc, mut con) = (Vec::new(), Vec::new());
    for _ in 0..samples {
        let i = rand::random::<u64>() % size;
        let t = Instant::now();
        ledger.inclusion_proof(i, size).await?;
        inc.push(t.elapsed());
        let old = 1 + rand::random::<u64>() % (size - 1);
        let t = Instant::now();
        ledger.consistency_proof(old, size).await?;
        con.push(t.elapsed());
    }
    let t = Instant::now();
    ledger.checkpoint().await?;
    println!("size {size}: inclusion proof {}", percentiles(inc));
    println!("size {size}: consistency proof {}", percentiles(con));
    println!(
        "size {size}: first checkpoint (sign + root check) {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}

async fn verify() -> anyhow::Result<()> {
    let mut settings = Settings::default();
    settings.database.url = Some(format!("{}/{DB}", pg()).into());
    settings.server.port = 0;
    settings.data.seed_on_start = false;
    settings.audit = audit_settings();
    let app = zkcity_api::Application::build(&settings).await?;
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(std::future::pending()));
    let key = zkcity_audit::LogSigner::load(&work_dir().join("log.key"))?.verifier_key();
    let opts = zkcity_client::audit::VerifyOptions {
        source: zkcity_client::audit::Source::Server(address),
        log_key: key,
        state: None,
        membership_depth: 20,
        // The bench log holds placeholder proofs: its figure is the rest of the checks.
        proofs: zkcity_client::audit::ProofCheck::Skip,
        slot_bits: 10,
        epoch_rule: zkcity_client::audit::EpochRule::default(),
        progress: true,
        witnesses: Default::default(),
    };
    match zkcity_client::audit::verify(&opts).await? {
        zkcity_client::audit::Outcome::Verified(r) => println!(
            "verified {} entries over HTTP in {:.1} s: {:.0} entries/s",
            r.summary.state.size,
            r.elapsed.as_secs_f64(),
            r.entries_per_sec
        ),
        zkcity_client::audit::Outcome::Failed(e) => anyhow::bail!("verification failed: {e}"),
    }
    Ok(())
}

async fn reset() -> anyhow::Result<()> {
    let admin = Database::connect(format!("{}/postgres", pg())).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
        .await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {DB}"))
        .await?;
    let _ = std::fs::remove_dir_all(work_dir());
    println!("fresh database {DB}");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let num = |i: usize, default: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    match args.first().map(String::as_str) {
        Some("reset") => reset().await,
        Some("append") => append(num(1, 10_000), num(2, 256), false).await,
        Some("members") => append(num(1, 2_000), num(2, 64), true).await,
        Some("fill") => fill(num(1, 1_000_000)).await,
        Some("proofs") => proofs(num(1, 1_000)).await,
        Some("verify") => verify().await,
        _ => {
            println!(
                "commands: reset | append N C | members N C | fill SIZE | proofs SAMPLES | verify"
            );
            Ok(())
        }
    }
    .context("ledger bench")
}
