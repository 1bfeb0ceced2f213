//! Load generator for anonymous queries (DESIGN §5): accepted queries per
//! second and p50/p99 latency with pre-built proofs, and the same query
//! without the gate.
//!
//! Proof mode (server with the gate on, admin token set):
//! 1. registers `--identities` fresh identities through `registerMember`;
//! 2. optionally registers random members until `--fill-members` are
//!    registered (a realistic tree; the server's work per query does not
//!    depend on it, the client's tree rebuild does);
//! 3. downloads every leaf and rebuilds the tree locally, as a requester does;
//! 4. pre-builds `--requests` (+ `--warmup`) requests on every core, each
//!    with its own nullifier (identity × slot of the current epoch);
//! 5. fires them over `--concurrency` connections and reports throughput,
//!    p50, p99 and the number of requests not accepted (no receipt or any
//!    error) — which must be 0.
//!
//! `--no-proof` sends the same query without `extensions.zkcity` (run it
//! against a server started with `ZKCITY_ZK__REQUIRE_PROOF__*=false`).
//! `--requests 0 --identities 0 --fill-members M` only fills the tree.
//!
//! ```text
//! cargo run --release -p zkcity-tests --example anon_load -- \
//!     --server http://127.0.0.1:18080 --admin-token T --identities 8 \
//!     --requests 1000 --concurrency 16
//! ```
//! See client/README.md, "Performance".

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use serde_json::{json, Value};
use zkcity_circuits::{fr_to_decimal, parse_fr, Identity};
use zkcity_client::anon::membership::{from_leaves, Membership};
use zkcity_client::anon::prover::build_request;
use zkcity_client::anon::server::ZkServer;
use zkcity_client::anon::text::QueryText;
use zkcity_client::anon::{keys, AnonError};

const DEFAULT_QUERY: &str = "{ stations(first: 1) { totalCount } }";
const REGISTER: &str =
    "mutation($c: String!) { registerMember(identityCommitment: $c) { leafIndex } }";

/// Flags; `--help` lists them.
#[derive(clap::Parser)]
#[command(about = "Load generator for anonymous queries")]
struct Args {
    /// Base URL of the server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// Admin token for `registerMember`.
    #[arg(long, env = "ZKCITY_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// Fresh identities registered and used for the requests.
    #[arg(long, default_value_t = 8)]
    identities: usize,
    /// Requests measured.
    #[arg(long, default_value_t = 1000)]
    requests: usize,
    /// Requests sent before measuring.
    #[arg(long, default_value_t = 20)]
    warmup: usize,
    /// Connections at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// The GraphQL query sent.
    #[arg(long, default_value = DEFAULT_QUERY)]
    query: String,
    /// Send the query without `extensions.zkcity`.
    #[arg(long)]
    no_proof: bool,
    /// Register random members until the tree holds this many.
    #[arg(long, default_value_t = 0)]
    fill_members: usize,
}

fn parse_args() -> Args {
    let mut args = <Args as clap::Parser>::parse();
    args.server = args.server.trim_end_matches('/').to_owned();
    args.concurrency = args.concurrency.max(1);
    args
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// `registerMember` with the admin token.
async fn register(http: &reqwest::Client, args: &Args, commitment: &str) -> anyhow::Result<()> {
    let token = args
        .admin_token
        .as_deref()
        .context("registering members needs --admin-token")?;
    let body: Value = http
        .post(format!("{}/graphql", args.server))
        .bearer_auth(token)
        .json(&json!({"query": REGISTER, "variables": {"c": commitment}}))
        .send()
        .await?
        .json()
        .await?;
    ensure!(body.get("errors").is_none(), "registerMember: {body}");
    Ok(())
}

/// Registers random members until `target` are registered (8 in flight).
async fn fill(
    http: &reqwest::Client,
    args: &Args,
    server: &ZkServer,
    target: usize,
) -> anyhow::Result<()> {
    let have = server.membership_leaves().await?.len();
    if have >= target {
        return Ok(());
    }
    let missing = target - have;
    eprintln!("registering {missing} random members (to {target}) ...");
    let start = Instant::now();
    let next = AtomicUsize::new(0);
    let worker = || async {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= missing {
                return anyhow::Ok(());
            }
            let c = fr_to_decimal(&Identity::random(&mut rand::rngs::OsRng).commitment());
            register(http, args, &c).await?;
            if (i + 1).is_multiple_of(1000) {
                eprintln!("  {} / {missing} ({:.1?})", i + 1, start.elapsed());
            }
        }
    };
    futures::future::try_join_all((0..8).map(|_| worker())).await?;
    eprintln!("registered {missing} members in {:.1?}", start.elapsed());
    Ok(())
}

/// Pre-builds `count` requests on every core: request `j` uses identity
/// `j % K` and slot `j / K` of `epoch`, so every nullifier is distinct.
fn prebuild(
    pk: &zkcity_circuits::ProvingKey,
    members: &[(Identity, Membership)],
    epoch: u64,
    count: usize,
    text: &QueryText,
) -> anyhow::Result<Vec<Value>> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (next, finished) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let out: Mutex<Vec<Option<Value>>> = Mutex::new(vec![None; count]);
    let start = Instant::now();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| -> Result<(), AnonError> {
                    loop {
                        let j = next.fetch_add(1, Ordering::Relaxed);
                        if j >= count {
                            return Ok(());
                        }
                        let (id, m) = &members[j % members.len()];
                        let slot = (j / members.len()) as u64;
                        let prepared = build_request(pk, id, m, epoch, slot, text)?;
                        out.lock().unwrap_or_else(|e| e.into_inner())[j] = Some(prepared.body);
                        let done = finished.fetch_add(1, Ordering::Relaxed) + 1;
                        if done % 50 == 0 || done == count {
                            eprintln!("  proved {done} / {count} ({:.1?})", start.elapsed());
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            w.join()
                .map_err(|_| anyhow::anyhow!("a prover thread panicked"))??;
        }
        anyhow::Ok(())
    })?;
    let elapsed = start.elapsed();
    eprintln!(
        "pre-built {count} requests in {elapsed:.1?} on {threads} threads ({:.0} ms per proof per thread)",
        elapsed.as_secs_f64() * 1e3 * threads as f64 / count.max(1) as f64
    );
    out.into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|b| b.context("missing request"))
        .collect()
}

/// Whether a response is an accepted query.
fn accepted(body: &Value, proof: bool) -> bool {
    let ok = body.get("errors").is_none() && body.get("data").is_some_and(|d| !d.is_null());
    ok && (!proof || body.pointer("/extensions/zkcity/receipt/index").is_some())
}

struct Fired {
    latencies: Vec<Duration>,
    rejected: usize,
    first_rejection: Option<Value>,
    wall: Duration,
}

/// Sends every body over `concurrency` connections.
async fn fire(
    http: &reqwest::Client,
    url: &str,
    bodies: Vec<Value>,
    concurrency: usize,
    proof: bool,
) -> Fired {
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (http, url, bodies, next) =
                (http.clone(), url.to_owned(), bodies.clone(), next.clone());
            tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut rejected = Vec::new();
                loop {
                    let j = next.fetch_add(1, Ordering::Relaxed);
                    let Some(body) = bodies.get(j) else {
                        return (lat, rejected);
                    };
                    let t = Instant::now();
                    let resp = match http.post(&url).json(body).send().await {
                        Ok(r) => r
                            .json::<Value>()
                            .await
                            .unwrap_or_else(|e| json!({"transport": e.to_string()})),
                        Err(e) => json!({"transport": e.to_string()}),
                    };
                    lat.push(t.elapsed());
                    if !accepted(&resp, proof) {
                        rejected.push(resp);
                    }
                }
            })
        })
        .collect();
    let mut fired = Fired {
        latencies: Vec::new(),
        rejected: 0,
        first_rejection: None,
        wall: Duration::ZERO,
    };
    for t in tasks {
        let (lat, rej) = t.await.unwrap_or_default();
        fired.latencies.extend(lat);
        fired.rejected += rej.len();
        if fired.first_rejection.is_none() {
            fired.first_rejection = rej.into_iter().next();
        }
    }
    fired.wall = start.elapsed();
    fired
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let server = ZkServer::new(&args.server);
    let text = QueryText {
        query: args.query.clone(),
        variables: None,
        operation_name: None,
    };
    let total = args.requests + args.warmup;

    let bodies = if args.no_proof {
        vec![json!({"query": args.query}); total]
    } else {
        let mut ids = Vec::new();
        for _ in 0..args.identities {
            let id = Identity::random(&mut rand::rngs::OsRng);
            register(&http, &args, &fr_to_decimal(&id.commitment())).await?;
            ids.push(id);
        }
        if args.fill_members > 0 {
            fill(&http, &args, &server, args.fill_members).await?;
        }
        if total == 0 {
            return Ok(());
        }
        ensure!(!ids.is_empty(), "proof mode needs --identities > 0");
        let params = server.zk_parameters().await?;
        let slots = 1usize << params.slot_bits;
        ensure!(
            total <= ids.len() * slots,
            "{total} requests need more than {} identities × {slots} slots",
            ids.len()
        );
        let state = std::env::temp_dir().join("zkcity-anon-load");
        let t = Instant::now();
        let pk = keys::proving_key(&server, &state, &params).await?;
        eprintln!("proving key loaded in {:.1?}", t.elapsed());
        let t = Instant::now();
        let leaves = server.membership_leaves().await?;
        let members = ids
            .into_iter()
            .map(|id| {
                Ok((
                    id.clone(),
                    from_leaves(&leaves, params.depth, id.commitment())?,
                ))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let root = members[0].1.root;
        ensure!(
            params
                .accepted_roots
                .iter()
                .filter_map(|r| parse_fr(r).ok())
                .any(|r| r == root),
            "the rebuilt root is not accepted"
        );
        eprintln!(
            "{} leaves downloaded, tree rebuilt {} times in {:.1?}",
            leaves.len(),
            members.len(),
            t.elapsed()
        );
        let epoch = params.current_epoch;
        eprintln!(
            "pre-building {total} requests for epoch {epoch} (load average {}) ...",
            load_average()
        );
        let pk2 = pk.clone();
        let bodies =
            tokio::task::spawn_blocking(move || prebuild(&pk2, &members, epoch, total, &text))
                .await??;
        let now = server.zk_parameters().await?.current_epoch;
        ensure!(
            now <= epoch + 1,
            "the epoch moved on while proving ({epoch} → {now}); rerun"
        );
        bodies
    };

    let url = format!("{}/graphql", args.server);
    let mut bodies = bodies;
    let measured = bodies.split_off(args.warmup.min(bodies.len()));
    if !bodies.is_empty() {
        let w = fire(&http, &url, bodies, args.concurrency, !args.no_proof).await;
        eprintln!(
            "warm-up: {} requests, {} not accepted",
            w.latencies.len(),
            w.rejected
        );
    }
    let load_before = load_average();
    let mut f = fire(&http, &url, measured, args.concurrency, !args.no_proof).await;
    let load_after = load_average();
    f.latencies.sort();
    let n = f.latencies.len();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "mode {}  requests {n}  concurrency {}  wall {:.2} s  throughput {:.1} req/s  p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms  not accepted {}  load average before {load_before} after {load_after}",
        if args.no_proof { "no-proof" } else { "proof" },
        args.concurrency,
        f.wall.as_secs_f64(),
        n as f64 / f.wall.as_secs_f64(),
        ms(percentile(&f.latencies, 50.0)),
        ms(percentile(&f.latencies, 99.0)),
        ms(f.latencies.last().copied().unwrap_or_default()),
        f.rejected,
    );
    if let Some(r) = f.first_rejection {
        eprintln!("first non-accepted response: {r}");
        std::process::exit(1);
    }
    Ok(())
}
