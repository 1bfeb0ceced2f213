//! Added latency of the privacy proxy (issue 13), one request at a time:
//!
//! - public query (pass-through): `{ zkParameters { depth } }` sent to the
//!   server directly and through `zkcity proxy`;
//! - gated query (proof included): `{ stations(first: 5) { totalCount } }`
//!   through the proxy (parameters, slot, Groth16 proof, send, receipt
//!   check and store), against the same query sent directly with a proof
//!   built beforehand (what the server itself takes).
//!
//! Against a running server with the gate on and an admin token; starts
//! the `zkcity` binary given by `--zkcity` as the proxy.
//!
//! ```text
//! cargo run --release -p zkcity-tests --example proxy_latency -- \
//!     --server http://127.0.0.1:18080 --admin-token T --requests 200
//! ```
//! Figures in README.md, "Performance".

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use zkcity_circuits::fr_to_decimal;
use zkcity_client::anon::server::ZkServer;
use zkcity_client::anon::text::QueryText;
use zkcity_tests::load::{
    accepted, load_average, ms, percentile, register, register_identities, Requesters,
};
use zkcity_tests::proxy::ProxyProcess;

const PUBLIC: &str = "{ zkParameters { depth } }";
const GATED: &str = "{ stations(first: 5) { totalCount } }";

#[derive(clap::Parser)]
#[command(about = "Added latency of zkcity proxy")]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    #[arg(long, env = "ZKCITY_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// Requests measured per series.
    #[arg(long, default_value_t = 200)]
    requests: usize,
}

/// Sends `body` `n` times one after another; the sorted latencies.
async fn series(
    http: &reqwest::Client,
    url: &str,
    bodies: Vec<Value>,
    proof: bool,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(bodies.len());
    for body in bodies {
        let start = Instant::now();
        let answer: Value = http.post(url).json(&body).send().await?.json().await?;
        times.push(start.elapsed());
        anyhow::ensure!(
            answer.get("errors").is_none() && (!proof || accepted(&answer, true)),
            "not accepted: {answer}"
        );
    }
    times.sort();
    Ok(times)
}

fn report(name: &str, times: &[Duration]) -> (f64, f64) {
    let (p50, p99) = (ms(percentile(times, 50.0)), ms(percentile(times, 99.0)));
    println!(
        "{name:<40} p50 {p50:>8.2} ms   p99 {p99:>8.2} ms   (n = {})",
        times.len()
    );
    (p50, p99)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = <Args as clap::Parser>::parse();
    let http = reqwest::Client::new();
    let n = args.requests;
    let dir = std::env::temp_dir().join(format!("zkcity-proxy-latency-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let identity = dir.join("me.json");
    let me = zkcity_client::anon::identity::create(&identity)?;
    register(
        &http,
        &args.server,
        args.admin_token.as_deref(),
        &fr_to_decimal(&me.commitment()),
    )
    .await?;
    let proxy = ProxyProcess::spawn(&args.server, &identity, &dir.join("state"), &[]).await?;
    let via_proxy = format!("{}/graphql", proxy.address);
    let direct = format!("{}/graphql", args.server);
    eprintln!(
        "warming up (key download, tree) ... load average {}",
        load_average()
    );
    series(&http, &via_proxy, vec![json!({"query": GATED}); 5], true).await?;
    series(&http, &direct, vec![json!({"query": PUBLIC}); 20], false).await?;

    let public = vec![json!({"query": PUBLIC}); n];
    let d = report(
        "public, direct",
        &series(&http, &direct, public.clone(), false).await?,
    );
    let p = report(
        "public, through the proxy",
        &series(&http, &via_proxy, public, false).await?,
    );
    println!(
        "{:<40} p50 {:>8.2} ms   p99 {:>8.2} ms",
        "  added by the proxy",
        p.0 - d.0,
        p.1 - d.1
    );

    let server = ZkServer::new(&args.server);
    let others = register_identities(&http, &args.server, args.admin_token.as_deref(), 1).await?;
    let requesters = Requesters::load(&server, others).await?;
    let text = QueryText {
        query: GATED.into(),
        variables: None,
        operation_name: None,
    };
    let proven = requesters.prebuild(&server, n, &text).await?;
    let d = report(
        "gated, direct (proof built beforehand)",
        &series(&http, &direct, proven, true).await?,
    );
    eprintln!("load average {}", load_average());
    let g = report(
        "gated, through the proxy (proof included)",
        &series(&http, &via_proxy, vec![json!({"query": GATED}); n], true).await?,
    );
    println!(
        "{:<40} p50 {:>8.2} ms   p99 {:>8.2} ms",
        "  added by the proxy",
        g.0 - d.0,
        g.1 - d.1
    );
    println!("load average {}", load_average());
    drop(proxy);
    let _ = std::fs::remove_dir_all(PathBuf::from(&dir));
    Ok(())
}
