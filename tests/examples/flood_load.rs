//! Flood generator (DESIGN §5 amendments): what the heaviest public requests
//! the cost limits still allow, sent from many connections at once, do to
//! the server's memory and to a concurrent anonymous query; and how fast the
//! gate turns away replayed proofs.
//!
//! 1. registers `--identities` fresh identities and pre-builds two sets of
//!    `--probes` anonymous queries (distinct nullifiers);
//! 2. finds, for each public document in `FLOODS`, the most aliases the
//!    limits accept (a binary search on `QUERY_TOO_COMPLEX` and
//!    `BODY_TOO_LARGE`),
//!    and checks that the 9,000-alias `checkpoint` request is refused;
//! 3. baseline: the server's RSS, then one probe at a time without load;
//! 4. flood: `--connections` clients loop over those documents for
//!    `--seconds` while the second set of probes is sent one at a time;
//!    the server's RSS is sampled every 100 ms;
//! 5. after: the RSS five seconds after the flood stopped;
//! 6. replays: one accepted request sent `--replays` times over 16
//!    connections, every answer counted by code.
//!
//! The server's RSS is read from `/proc/PID/status`, so run it on the same
//! machine and pass its PID:
//!
//! ```text
//! cargo run --release -p zkcity-tests --example flood_load -- \
//!     --server http://127.0.0.1:18080 --admin-token T --pid $(pgrep -n zkcity)
//! ```
//! Exits 1 when a probe was not accepted or the 9,000-alias request was not
//! refused. See README.md, "Performance".

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use serde_json::{json, Value};
use zkcity_client::anon::server::ZkServer;
use zkcity_client::anon::text::QueryText;
use zkcity_tests::error_code;
use zkcity_tests::load::{accepted, load_average, ms, percentile, register_identities, Requesters};

const PROBE: &str = "{ stations(first: 1) { totalCount } }";

/// Public documents a flood repeats, each as one aliased field: the log's
/// largest page with every column, a signed checkpoint, and the membership
/// roots. `{}` is where the alias goes.
const FLOODS: &[(&str, &str)] = &[
    (
        "auditLog",
        "{}: auditLog(first: 100) { edges { cursor node { index timestampMs kind commitment root epoch nullifier m proof prev bytes leafHash } } }",
    ),
    ("checkpoint", "{}: checkpoint"),
    ("membership", "{}: membership { size root roots }"),
];

/// Flags; `--help` lists them.
#[derive(clap::Parser)]
#[command(
    about = "Flood of the heaviest allowed public requests, and a concurrent anonymous query"
)]
struct Args {
    /// Base URL of the server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// Admin token for `registerMember`.
    #[arg(long, env = "ZKCITY_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// The server's process id, to read its RSS.
    #[arg(long)]
    pid: Option<u32>,
    /// Flooding connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// How long the flood lasts at least (it also lasts until every probe
    /// was answered).
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Anonymous probes before and during the flood (each).
    #[arg(long, default_value_t = 100)]
    probes: usize,
    /// Fresh identities registered for the probes.
    #[arg(long, default_value_t = 2)]
    identities: usize,
    /// Replays of one accepted request.
    #[arg(long, default_value_t = 5000)]
    replays: usize,
}

/// The server's resident set size now and at its peak (kB), from
/// `/proc/PID/status`.
fn rss_kb(pid: Option<u32>) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

fn mb(kb: Option<u64>) -> String {
    kb.map_or("unknown".into(), |kb| {
        format!("{:.0} MB", kb as f64 / 1024.0)
    })
}

async fn post(http: &reqwest::Client, url: &str, body: &Value) -> Value {
    match http.post(url).json(body).send().await {
        Ok(r) => r
            .json::<Value>()
            .await
            .unwrap_or_else(|e| json!({"transport": e.to_string()})),
        Err(e) => json!({"transport": e.to_string()}),
    }
}

/// The document of `n` aliases of one flood field.
fn aliased(field: &str, n: usize) -> Value {
    let fields: Vec<String> = (0..n)
        .map(|i| field.replace("{}", &format!("a{i}")))
        .collect();
    json!({ "query": format!("{{ {} }}", fields.join(" ")) })
}

/// The most aliases of `field` the server runs (neither `QUERY_TOO_COMPLEX`
/// nor `BODY_TOO_LARGE`).
async fn heaviest_allowed(http: &reqwest::Client, url: &str, field: &str) -> anyhow::Result<usize> {
    let (mut ok, mut refused) = (0usize, 20_000usize);
    while refused - ok > 1 {
        let n = (ok + refused) / 2;
        let body = post(http, url, &aliased(field, n)).await;
        match error_code(&body) {
            None => ok = n,
            Some("QUERY_TOO_COMPLEX" | "BODY_TOO_LARGE") => refused = n,
            Some(other) => anyhow::bail!("{n} aliases of {field}: {other}: {body}"),
        }
    }
    ensure!(ok > 0, "not even one {field} is allowed");
    Ok(ok)
}

/// Sends probes one at a time; returns their latencies and the first
/// answer that was not an accepted query.
async fn probe(
    http: &reqwest::Client,
    url: &str,
    bodies: &[Value],
) -> (Vec<Duration>, usize, Option<Value>) {
    let (mut lat, mut rejected, mut first) = (Vec::new(), 0, None);
    for body in bodies {
        let t = Instant::now();
        let resp = post(http, url, body).await;
        lat.push(t.elapsed());
        if !accepted(&resp, true) {
            rejected += 1;
            first.get_or_insert(resp);
        }
    }
    lat.sort();
    (lat, rejected, first)
}

fn summary(lat: &[Duration]) -> String {
    format!(
        "p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        ms(percentile(lat, 50.0)),
        ms(percentile(lat, 99.0)),
        ms(lat.last().copied().unwrap_or_default())
    )
}

/// Answers of a flood or replay run, counted by `extensions.code`
/// (`ok` for data without errors).
#[derive(Default)]
struct Tally(Mutex<BTreeMap<String, u64>>);

impl Tally {
    fn add(&self, body: &Value) {
        let key = match (error_code(body), body.get("transport")) {
            (Some(code), _) => code.to_owned(),
            (None, Some(_)) => "transport error".to_owned(),
            (None, None) => "ok".to_owned(),
        };
        *self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default() += 1;
    }
    fn show(&self) -> String {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
    fn total(&self) -> u64 {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .sum()
    }
}

/// `connections` clients looping over `bodies` until `stop`.
fn flood(
    http: &reqwest::Client,
    url: &str,
    bodies: Arc<Vec<Value>>,
    connections: usize,
    stop: Arc<AtomicBool>,
    tally: Arc<Tally>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..connections)
        .map(|c| {
            let (http, url, bodies, stop, tally) = (
                http.clone(),
                url.to_owned(),
                bodies.clone(),
                stop.clone(),
                tally.clone(),
            );
            tokio::spawn(async move {
                let mut j = c;
                while !stop.load(Ordering::Relaxed) {
                    tally.add(&post(&http, &url, &bodies[j % bodies.len()]).await);
                    j += 1;
                }
            })
        })
        .collect()
}

/// Samples the server's RSS every 100 ms until `stop`; returns the peak.
fn sample_rss(pid: Option<u32>, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<Option<u64>> {
    let peak = Arc::new(AtomicU64::new(0));
    tokio::spawn(async move {
        while !stop.load(Ordering::Relaxed) {
            if let Some((now, _)) = rss_kb(pid) {
                peak.fetch_max(now, Ordering::Relaxed);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        pid.map(|_| peak.load(Ordering::Relaxed))
    })
}

/// The same accepted request `count` times over 16 connections.
async fn replay(http: &reqwest::Client, url: &str, body: Value, count: usize) -> (Tally, Duration) {
    let tally = Arc::new(Tally::default());
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let body = Arc::new(body);
    let start = Instant::now();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (http, url, body, next, tally) = (
                http.clone(),
                url.to_owned(),
                body.clone(),
                next.clone(),
                tally.clone(),
            );
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < count {
                    tally.add(&post(&http, &url, &body).await);
                }
            })
        })
        .collect();
    futures::future::join_all(tasks).await;
    let wall = start.elapsed();
    (Arc::try_unwrap(tally).unwrap_or_default(), wall)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = <Args as clap::Parser>::parse();
    args.server = args.server.trim_end_matches('/').to_owned();
    let url = format!("{}/graphql", args.server);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections + 16)
        .build()?;
    let server = ZkServer::new(&args.server);

    let ids = register_identities(
        &http,
        &args.server,
        args.admin_token.as_deref(),
        args.identities,
    )
    .await?;
    let requesters = Requesters::load(&server, ids).await?;
    let text = QueryText {
        query: PROBE.into(),
        variables: None,
        operation_name: None,
    };
    let mut probes = requesters.prebuild(&server, 2 * args.probes, &text).await?;
    let during = probes.split_off(args.probes);
    let before = probes;

    let refused = post(&http, &url, &aliased("{}: checkpoint", 9000)).await;
    let nine_thousand = error_code(&refused).unwrap_or("accepted").to_owned();
    let mut bodies = Vec::new();
    for (name, field) in FLOODS {
        let n = heaviest_allowed(&http, &url, field).await?;
        eprintln!("heaviest allowed {name}: {n} aliases");
        bodies.push(aliased(field, n));
    }

    let rss_idle = rss_kb(args.pid);
    let (base, base_rejected, base_first) = probe(&http, &url, &before).await;
    eprintln!("baseline probes: {}", summary(&base));

    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let sampler = sample_rss(args.pid, stop.clone());
    let started = Instant::now();
    let floods = flood(
        &http,
        &url,
        Arc::new(bodies),
        args.connections,
        stop.clone(),
        tally.clone(),
    );
    tokio::time::sleep(Duration::from_secs(1)).await; // let the flood build up
    let load_during = load_average();
    let (under, under_rejected, under_first) = probe(&http, &url, &during).await;
    let rest = Duration::from_secs(args.seconds).saturating_sub(started.elapsed());
    tokio::time::sleep(rest).await;
    stop.store(true, Ordering::Relaxed);
    futures::future::join_all(floods).await;
    let flood_wall = started.elapsed();
    let rss_peak = sampler.await.context("RSS sampler")?;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let rss_after = rss_kb(args.pid);

    let replayed = before
        .first()
        .cloned()
        .context("--probes must be at least 1")?;
    let (replays, replay_wall) = replay(&http, &url, replayed, args.replays).await;

    println!(
        "flood: {} connections, {:.1} s, {} answers ({:.0}/s): {}",
        args.connections,
        flood_wall.as_secs_f64(),
        tally.total(),
        tally.total() as f64 / flood_wall.as_secs_f64(),
        tally.show()
    );
    println!("9000 checkpoint aliases: {nine_thousand}");
    println!(
        "server RSS: idle {}  flood peak {}  5 s after {}  (process peak {})",
        mb(rss_idle.map(|r| r.0)),
        mb(rss_peak),
        mb(rss_after.map(|r| r.0)),
        mb(rss_after.map(|r| r.1)),
    );
    println!(
        "anonymous probe, alone: {}  not accepted {base_rejected}",
        summary(&base)
    );
    println!(
        "anonymous probe, under the flood: {}  not accepted {under_rejected}  (load average {load_during})",
        summary(&under)
    );
    println!(
        "replays: {} in {:.2} s ({:.0}/s): {}",
        replays.total(),
        replay_wall.as_secs_f64(),
        replays.total() as f64 / replay_wall.as_secs_f64(),
        replays.show()
    );
    if let Some(r) = base_first.or(under_first) {
        eprintln!("first non-accepted probe: {r}");
        std::process::exit(1);
    }
    if nine_thousand != "QUERY_TOO_COMPLEX" {
        eprintln!("the 9,000-alias request was not refused: {refused}");
        std::process::exit(1);
    }
    Ok(())
}
