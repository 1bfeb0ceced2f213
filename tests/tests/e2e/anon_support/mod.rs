//! Shared helpers of the anonymous-query tests: a server with the privacy
//! gate on, member registration, proof building with the client library,
//! and the log/nullifier counts that a rejected request must not change.
#![allow(dead_code)]

use anyhow::Context;
use serde_json::{json, Value};
use zkcity_api::gate::UnitPolicy;
use zkcity_circuits::{fr_to_decimal, Identity, ProvingKey};
use zkcity_client::anon::membership::{from_leaves, Membership};
use zkcity_client::anon::prover::{build_request, Prepared};
use zkcity_client::anon::text::QueryText;
use zkcity_tests::TestApp;

pub const DEPTH: usize = 20;
pub const SLOT_BITS: usize = 10;

/// A server with every data unit behind the gate, its admin token and log
/// key in a fresh directory (returned, for the pinned key).
pub async fn spawn_gated() -> anyhow::Result<(TestApp, std::path::PathBuf)> {
    spawn_gated_with(|_| {}).await
}

/// [`spawn_gated`] with settings adjusted by `tweak` afterwards.
pub async fn spawn_gated_with(
    tweak: impl FnOnce(&mut zkcity_api::config::Settings),
) -> anyhow::Result<(TestApp, std::path::PathBuf)> {
    let dir = zkcity_tests::audit::temp_dir("anon")?;
    let d = dir.clone();
    let app = TestApp::spawn_with(move |s| {
        zkcity_tests::audit::configure(s, &d);
        s.zk.require_proof = UnitPolicy::default();
        tweak(s);
    })
    .await?;
    Ok((app, dir))
}

/// Registers `id` through the admin mutation.
pub async fn register(app: &TestApp, id: &Identity) -> anyhow::Result<()> {
    let resp = zkcity_tests::audit::register_with(
        &app.address,
        Some(zkcity_tests::audit::ADMIN_TOKEN),
        &fr_to_decimal(&id.commitment()),
    )
    .await?;
    anyhow::ensure!(resp.get("errors").is_none(), "registerMember: {resp}");
    Ok(())
}

/// The shared test proving key.
pub fn proving_key() -> anyhow::Result<ProvingKey> {
    let (pk, _) = zkcity_tests::zk::test_keys(DEPTH, SLOT_BITS)?;
    Ok(zkcity_circuits::load_proving_key(&pk, DEPTH, SLOT_BITS)?)
}

/// The shared test verifying key.
pub fn verifying_key() -> anyhow::Result<zkcity_circuits::VerifyingKey> {
    let (_, vk) = zkcity_tests::zk::test_keys(DEPTH, SLOT_BITS)?;
    Ok(zkcity_circuits::load_verifying_key(&vk, DEPTH, SLOT_BITS)?)
}

/// The member tree as registered on `app`, rebuilt locally for `id`.
pub async fn membership(app: &TestApp, id: &Identity) -> anyhow::Result<Membership> {
    let server = zkcity_client::anon::server::ZkServer::new(&app.address);
    let leaves = server.membership_leaves().await?;
    Ok(from_leaves(&leaves, DEPTH, id.commitment())?)
}

/// The server's current epoch.
pub async fn current_epoch(app: &TestApp) -> anyhow::Result<u64> {
    let d = app
        .data("{ zkParameters { currentEpoch } }", json!({}))
        .await?;
    d["zkParameters"]["currentEpoch"]
        .as_u64()
        .context("currentEpoch")
}

pub fn text(query: &str) -> QueryText {
    QueryText {
        query: query.to_owned(),
        variables: None,
        operation_name: None,
    }
}

/// A proven request body for (`epoch`, `slot`).
pub fn prepare(
    pk: &ProvingKey,
    id: &Identity,
    m: &Membership,
    epoch: u64,
    slot: u64,
    t: &QueryText,
) -> anyhow::Result<Prepared> {
    Ok(build_request(pk, id, m, epoch, slot, t)?)
}

/// POSTs a raw body.
pub async fn post(app: &TestApp, body: &Value) -> anyhow::Result<Value> {
    Ok(app
        .client
        .post(format!("{}/graphql", app.address))
        .json(body)
        .send()
        .await?
        .json()
        .await?)
}

/// (audit entries, nullifiers) — what a rejected request must leave unchanged.
pub async fn counts(app: &TestApp) -> anyhow::Result<(i64, i64)> {
    Ok((
        app.sql_i64("SELECT COUNT(*) FROM audit_entry").await?,
        app.sql_i64("SELECT COUNT(*) FROM nullifier").await?,
    ))
}

/// Adds two non-negative decimal strings (for `n + r`).
pub fn add_decimal(a: &str, b: &str) -> String {
    let (a, b): (Vec<u8>, Vec<u8>) = (
        a.bytes().rev().map(|c| c - b'0').collect(),
        b.bytes().rev().map(|c| c - b'0').collect(),
    );
    let mut out = Vec::new();
    let mut carry = 0;
    for i in 0..a.len().max(b.len()) {
        let s = a.get(i).copied().unwrap_or(0) + b.get(i).copied().unwrap_or(0) + carry;
        out.push(b'0' + s % 10);
        carry = s / 10;
    }
    if carry > 0 {
        out.push(b'0' + carry);
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The BN254 scalar field modulus r.
pub const MODULUS: &str =
    "21888242871839275222246405745257275088548364400416034343698204186575808495617";

/// A freshly registered member, ready to prove in the current epoch.
pub struct Member {
    pub id: Identity,
    pub path: Membership,
    pub epoch: u64,
}

impl Member {
    pub async fn join(app: &TestApp) -> anyhow::Result<Self> {
        let id = Identity::random(&mut rand::thread_rng());
        register(app, &id).await?;
        let path = membership(app, &id).await?;
        let epoch = current_epoch(app).await?;
        Ok(Self { id, path, epoch })
    }

    /// The request body for `query` in `slot` of the member's epoch.
    pub fn request(&self, pk: &ProvingKey, slot: u64, query: &str) -> anyhow::Result<Value> {
        Ok(prepare(pk, &self.id, &self.path, self.epoch, slot, &text(query))?.body)
    }
}
