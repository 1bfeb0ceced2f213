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
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use zkcity_circuits::{fr_to_decimal, Identity};
use zkcity_client::anon::server::ZkServer;
use zkcity_client::anon::text::QueryText;
use zkcity_tests::load::{
    accepted, load_average, ms, percentile, register, register_identities, Requesters,
};

const DEFAULT_QUERY: &str = "{ stations(first: 1) { totalCount } }";

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
            register(http, &args.server, args.admin_token.as_deref(), &c).await?;
            if (i + 1).is_multiple_of(1000) {
                eprintln!("  {} / {missing} ({:.1?})", i + 1, start.elapsed());
            }
        }
    };
    futures::future::try_join_all((0..8).map(|_| worker())).await?;
    eprintln!("registered {missing} members in {:.1?}", start.elapsed());
    Ok(())
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
        let token = args.admin_token.as_deref();
        let ids = register_identities(&http, &args.server, token, args.identities).await?;
        if args.fill_members > 0 {
            fill(&http, &args, &server, args.fill_members).await?;
        }
        if total == 0 {
            return Ok(());
        }
        let requesters = Requesters::load(&server, ids).await?;
        requesters.prebuild(&server, total, &text).await?
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
