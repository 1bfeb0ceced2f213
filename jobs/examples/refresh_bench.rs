//! Measures refresh runs on a real database (numbers in jobs/README.md).
//!
//! ```text
//! DATABASE_URL=postgres://postgres@127.0.0.1/zk_bench \
//!   cargo run --release -p zkcity-jobs --example refresh_bench
//! ```
//!
//! The database must be empty (it is migrated here). Per unit it times:
//! the first replay run (includes parsing the dataset), `STEPS` catch-up
//! runs that each replay a new hour (inserts), and `STEPS` runs of the
//! present hour (rewrites). Then the whole I-94 file through the `http`
//! source from a local server, once into empty tables and once again.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use sea_orm::Database;
use zkcity_jobs::settings::{HttpFormat, RefreshSettings, SourceKind};
use zkcity_jobs::{RefreshService, RunReport, Unit};
use zkcity_migrations::{Migrator, MigratorTrait};

const STEPS: u32 = 48;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Median and 95th percentile of `d`.
fn percentiles(mut d: Vec<Duration>) -> (Duration, Duration) {
    d.sort();
    let at = |q: f64| d[((d.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.95))
}

fn line(label: &str, runs: &[(Duration, RunReport)]) {
    let total_rows: u64 = runs.iter().map(|(_, r)| r.counts.written()).sum();
    let total_time: Duration = runs.iter().map(|(d, _)| *d).sum();
    let (p50, p95) = percentiles(runs.iter().map(|(d, _)| *d).collect());
    let inserted: u64 = runs.iter().map(|(_, r)| r.counts.inserted()).sum();
    println!(
        "{label:<34} runs {:>3}  rows/run {:>7.1} (inserted {:>5.1})  p50 {:>8.2} ms  p95 {:>8.2} ms  {:>9.0} rows/s",
        runs.len(),
        total_rows as f64 / runs.len() as f64,
        inserted as f64 / runs.len() as f64,
        p50.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3,
        total_rows as f64 / total_time.as_secs_f64()
    );
}

async fn timed(service: &RefreshService, unit: Unit) -> anyhow::Result<(Duration, RunReport)> {
    let t = Instant::now();
    let report = service.run_unit(unit).await?;
    Ok((t.elapsed(), report))
}

async fn replay(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    let mut settings = RefreshSettings::default();
    settings.replay.backfill_steps = STEPS;
    let service = RefreshService::new(db.clone(), settings, &fixtures())?;
    for unit in Unit::ALL {
        line(
            &format!("{unit}: first run (parse dataset)"),
            &[timed(&service, unit).await?],
        );
        let mut catch_up = Vec::new();
        for _ in 0..STEPS {
            catch_up.push(timed(&service, unit).await?);
        }
        line(&format!("{unit}: replay step, new hour"), &catch_up);
        let mut again = Vec::new();
        for _ in 0..STEPS {
            again.push(timed(&service, unit).await?);
        }
        line(&format!("{unit}: replay step, same hour"), &again);
    }
    Ok(())
}

async fn http_full_file(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    let body = std::fs::read(fixtures().join(zkcity_jobs::import::TRAFFIC))?;
    let router = axum::Router::new().route(
        "/i94.csv",
        axum::routing::get(move || async move { body.clone() }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/i94.csv", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    let mut settings = RefreshSettings::default();
    settings.traffic.source = SourceKind::Http;
    settings.traffic.http.urls = vec![url];
    settings.traffic.http.format = HttpFormat::MndotI94Csv;
    settings.traffic.http.timeout_secs = 120;
    let service = RefreshService::new(db.clone(), settings, &fixtures())?;
    sea_orm::ConnectionTrait::execute_unprepared(db, "DELETE FROM road_condition_report; DELETE FROM traffic_flow_observation; DELETE FROM road_segment").await?;
    line(
        "traffic: whole I-94 file over http",
        &[timed(&service, Unit::Traffic).await?],
    );
    line(
        "traffic: same file again",
        &[timed(&service, Unit::Traffic).await?],
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL")?;
    let db = Database::connect(url).await?;
    Migrator::up(&db, None).await?;
    replay(&db).await?;
    http_full_file(&db).await?;
    Ok(())
}
