//! Helpers for the audit log end-to-end tests (tests/tests/audit_*.rs):
//! a server with an admin token and its own log key, member registration
//! over GraphQL, the verifier as a library and as the real `zkcity` binary,
//! and extra in-process servers over the same database.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::Context;
use serde_json::{json, Value};
use zkcity_api::config::Settings;
use zkcity_audit::LogSigner;
use zkcity_client::audit::{verify, Outcome, ProofCheck, Source, VerifyOptions};

use crate::TestApp;

/// The admin bearer token of audit test servers.
pub const ADMIN_TOKEN: &str = "audit-test-admin-token";

static DIRS: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty directory for one test's key and state files.
pub fn temp_dir(tag: &str) -> anyhow::Result<PathBuf> {
    let n = DIRS.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("zkcity-audit-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Admin token and a log key file (generated on start) inside `dir`.
pub fn configure(settings: &mut Settings, dir: &Path) {
    settings.admin.token = Some(ADMIN_TOKEN.to_owned().into());
    settings.audit.key_file = Some(dir.join("log.key"));
    settings.audit.signer_state_file = Some(dir.join("log.key.signed"));
}

/// A server over a copy of the real data with [`configure`]d settings.
pub async fn spawn(dir: &Path) -> anyhow::Result<TestApp> {
    let dir = dir.to_owned();
    TestApp::spawn_with(move |s| configure(s, &dir)).await
}

/// The pinned verifier key of the log key in `dir` (read from the key file,
/// not from the server).
pub fn log_key(dir: &Path) -> anyhow::Result<String> {
    Ok(LogSigner::load(&dir.join("log.key"))
        .context("loading the test log key")?
        .verifier_key())
}

const REGISTER: &str = "mutation($c: String!) { registerMember(identityCommitment: $c) { leafIndex root receipt { index leafHash treeSize checkpoint inclusionProof } } }";

/// POSTs `registerMember` with an optional bearer token; returns the body.
pub async fn register_with(
    address: &str,
    token: Option<&str>,
    commitment: &str,
) -> anyhow::Result<Value> {
    let mut req = reqwest::Client::new()
        .post(format!("{address}/graphql"))
        .json(&json!({"query": REGISTER, "variables": {"c": commitment}}));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    Ok(req.send().await?.json().await?)
}

/// Registers `commitment` with the admin token; fails on any GraphQL error.
pub async fn register(address: &str, commitment: &str) -> anyhow::Result<Value> {
    let body = register_with(address, Some(ADMIN_TOKEN), commitment).await?;
    if let Some(errors) = body.get("errors") {
        anyhow::bail!("registerMember({commitment}) failed: {errors}");
    }
    body.pointer("/data/registerMember")
        .cloned()
        .context("no registerMember in the response")
}

/// Registers members with commitments `first..first + count` one after another.
pub async fn register_many(address: &str, first: u64, count: u64) -> anyhow::Result<()> {
    for c in first..first + count {
        register(address, &c.to_string()).await?;
    }
    Ok(())
}

/// The current epoch under DESIGN §4's default 3600 s epochs (the test
/// servers' `zk.epoch_seconds`), for query entries appended straight through
/// the Ledger API: the verifier checks each entry's epoch against its
/// timestamp, so an arbitrary epoch would fail it.
pub fn current_epoch() -> u64 {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    zkcity_client::audit::EpochRule::default().epoch_at(now_ms)
}

/// Runs the verifier library against a server.
pub async fn verify_server(
    address: &str,
    key: &str,
    state: Option<&Path>,
) -> anyhow::Result<Outcome> {
    verify_server_proofs(address, key, state, None).await
}

/// Like [`verify_server`], also checking Groth16 proofs with `verifying_key`.
pub async fn verify_server_proofs(
    address: &str,
    key: &str,
    state: Option<&Path>,
    verifying_key: Option<PathBuf>,
) -> anyhow::Result<Outcome> {
    let opts = VerifyOptions {
        source: Source::Server(address.to_owned()),
        log_key: key.to_owned(),
        state: state.map(Path::to_owned),
        membership_depth: 20,
        proofs: match verifying_key {
            Some(path) => ProofCheck::File { path, sha256: None },
            // These logs hold placeholder proofs appended through the ledger.
            None => ProofCheck::Skip,
        },
        slot_bits: 10,
        epoch_rule: zkcity_client::audit::EpochRule::default(),
        progress: false,
        witnesses: Default::default(),
    };
    Ok(verify(&opts).await?)
}

/// The failing index and reason, or `None` when the log verified.
pub fn failure(outcome: &Outcome) -> Option<(Option<u64>, String)> {
    match outcome {
        Outcome::Verified(_) => None,
        Outcome::Failed(e) => Some((e.index, format!("{:?}", e.kind))),
    }
}

/// Output of one run of the real `zkcity` binary.
#[derive(Debug)]
pub struct CliRun {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `zkcity audit verify --server <address> --log-key <key> <extra…>`, the
/// real binary, as a compliance team runs it.
pub async fn verify_cli(address: &str, key: &str, extra: &[&str]) -> anyhow::Result<CliRun> {
    let mut args = vec!["audit", "verify", "--server", address, "--log-key", key];
    args.extend_from_slice(extra);
    zkcity(&args).await
}

/// Runs `zkcity <args>` (the binary of this build profile) to completion.
pub async fn zkcity(args: &[&str]) -> anyhow::Result<CliRun> {
    let bin = crate::zkcity_bin_async().await?;
    let out = tokio::process::Command::new(bin)
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .output()
        .await
        .context("running zkcity")?;
    Ok(CliRun {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// An extra in-process server with `settings` (e.g. over another app's
/// database); it stops when the returned sender is dropped.
pub async fn spawn_server(
    mut settings: Settings,
) -> anyhow::Result<(String, tokio::sync::oneshot::Sender<()>)> {
    settings.server.port = 0;
    let app = zkcity_api::Application::build(&settings).await?;
    let address = format!("http://127.0.0.1:{}", app.port());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    Ok((address, tx))
}

/// A `zkcity serve` child process.
pub struct ServerProcess {
    pub child: tokio::process::Child,
    pub address: String,
}

/// Starts the real binary as a server over `database_url` with the log key
/// in `dir` (shared by every process of one test) and waits until it listens.
pub async fn spawn_process(
    database_url: &str,
    dir: &Path,
    name: &str,
) -> anyhow::Result<ServerProcess> {
    use tokio::io::AsyncBufReadExt;
    let (pk, vk) = crate::zk::test_keys(20, 10)?;
    let mut child = tokio::process::Command::new(crate::zkcity_bin_async().await?)
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("ZKCITY_SERVER__PORT", "0")
        .env("ZKCITY_ADMIN__TOKEN", ADMIN_TOKEN)
        .env("ZKCITY_AUDIT__KEY_FILE", dir.join("log.key"))
        .env(
            "ZKCITY_AUDIT__SIGNER_STATE_FILE",
            dir.join(format!("{name}.signed")),
        )
        .env("ZKCITY_DATA__SEED_ON_START", "false")
        .env("ZKCITY_REFRESH__ENABLED", "false")
        .env("ZKCITY_ZK__PROVING_KEY", pk)
        .env("ZKCITY_ZK__VERIFYING_KEY", vk)
        .env("ZKCITY_LOG_FORMAT", "json")
        .env("RUST_LOG", "info,sqlx=warn,sea_orm=warn")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("spawning zkcity serve")?;
    let stderr = child.stderr.take().context("no stderr")?;
    let mut lines = tokio::io::BufReader::new(stderr).lines();
    let address = tokio::time::timeout(std::time::Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await? {
            let v: Value = serde_json::from_str(&line).unwrap_or_default();
            if v.pointer("/fields/message").and_then(Value::as_str) == Some("zkcity listening") {
                let addr = v
                    .pointer("/fields/addr")
                    .and_then(Value::as_str)
                    .context("no addr")?;
                return Ok(format!("http://{addr}"));
            }
        }
        anyhow::bail!("zkcity serve ({name}) exited before listening")
    })
    .await
    .context("zkcity serve did not start in time")??;
    // Keep draining the log so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(ServerProcess { child, address })
}
