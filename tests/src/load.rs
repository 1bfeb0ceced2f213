//! What the load generators in `examples/` share: registering members,
//! pre-building anonymous requests on every core, and reading latencies.
//! Proving is the slow part of a load run, so it happens before the clock
//! starts and on every core.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use serde_json::{json, Value};
use zkcity_circuits::{fr_to_decimal, parse_fr, Identity, ProvingKey};
use zkcity_client::anon::membership::{from_leaves, Membership};
use zkcity_client::anon::prover::build_request;
use zkcity_client::anon::server::{ZkParams, ZkServer};
use zkcity_client::anon::text::QueryText;
use zkcity_client::anon::{keys, AnonError};

const REGISTER: &str =
    "mutation($c: String!) { registerMember(identityCommitment: $c) { leafIndex } }";

/// The one-minute, five-minute and fifteen-minute load averages, so a
/// figure can be read against what else the machine was doing.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// `registerMember` with the admin token.
pub async fn register(
    http: &reqwest::Client,
    server: &str,
    admin_token: Option<&str>,
    commitment: &str,
) -> anyhow::Result<()> {
    let token = admin_token.context("registering members needs --admin-token")?;
    let body: Value = http
        .post(format!("{server}/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": REGISTER, "variables": {"c": commitment}}))
        .send()
        .await?
        .json()
        .await?;
    ensure!(body.get("errors").is_none(), "registerMember: {body}");
    Ok(())
}

/// Registers `count` fresh identities.
pub async fn register_identities(
    http: &reqwest::Client,
    server: &str,
    admin_token: Option<&str>,
    count: usize,
) -> anyhow::Result<Vec<Identity>> {
    let mut ids = Vec::with_capacity(count);
    for _ in 0..count {
        let id = Identity::random(&mut rand::rngs::OsRng);
        register(http, server, admin_token, &fr_to_decimal(&id.commitment())).await?;
        ids.push(id);
    }
    Ok(ids)
}

/// What a requester holds before it proves: the proving key, and each
/// identity's membership path in the tree it downloaded (as `zkcity query`
/// does), checked against a root the server accepts.
pub struct Requesters {
    pub params: ZkParams,
    pub proving_key: ProvingKey,
    pub members: Vec<(Identity, Membership)>,
}

impl Requesters {
    pub async fn load(server: &ZkServer, ids: Vec<Identity>) -> anyhow::Result<Self> {
        ensure!(!ids.is_empty(), "proof mode needs --identities > 0");
        let params = server.zk_parameters().await?;
        let state = std::env::temp_dir().join("zkcity-anon-load");
        let t = Instant::now();
        let proving_key = keys::proving_key(server, &state, &params).await?;
        eprintln!("proving key loaded in {:.1?}", t.elapsed());
        let t = Instant::now();
        let leaves = server.membership_leaves().await?;
        let members = ids
            .into_iter()
            .map(|id| {
                let path = from_leaves(&leaves, params.depth, id.commitment())?;
                Ok((id, path))
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
        Ok(Self {
            params,
            proving_key,
            members,
        })
    }

    /// How many distinct nullifiers these identities have in one epoch.
    pub fn capacity(&self) -> usize {
        self.members.len() << self.params.slot_bits
    }

    /// Pre-builds `count` request bodies for the current epoch on every
    /// core: request `j` uses identity `j % K` and slot `j / K`, so every
    /// nullifier is distinct. Fails when the epoch moved on meanwhile.
    pub async fn prebuild(
        &self,
        server: &ZkServer,
        count: usize,
        text: &QueryText,
    ) -> anyhow::Result<Vec<Value>> {
        ensure!(
            count <= self.capacity(),
            "{count} requests need more than {} identities × {} slots",
            self.members.len(),
            1usize << self.params.slot_bits
        );
        let epoch = self.params.current_epoch;
        eprintln!(
            "pre-building {count} requests for epoch {epoch} (load average {}) ...",
            load_average()
        );
        let bodies = tokio::task::block_in_place(|| {
            prebuild(&self.proving_key, &self.members, epoch, count, text)
        })?;
        let now = server.zk_parameters().await?.current_epoch;
        ensure!(
            now <= epoch + 1,
            "the epoch moved on while proving ({epoch} → {now}); rerun"
        );
        Ok(bodies)
    }
}

fn prebuild(
    pk: &ProvingKey,
    members: &[(Identity, Membership)],
    epoch: u64,
    count: usize,
    text: &QueryText,
) -> anyhow::Result<Vec<Value>> {
    // The MSM tables pay for themselves after ~13 proofs.
    if count > 13 {
        pk.prepare_prover();
    }
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

/// Whether a response is an accepted query (with a receipt when `proof`).
pub fn accepted(body: &Value, proof: bool) -> bool {
    let ok = body.get("errors").is_none() && body.get("data").is_some_and(|d| !d.is_null());
    ok && (!proof || body.pointer("/extensions/zkcity/receipt/index").is_some())
}

/// The `p`th percentile (nearest rank) of sorted latencies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
