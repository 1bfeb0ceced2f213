//! Helpers for the witness and tiles end-to-end tests: `zkcity witness
//! serve` child processes, raw `add-checkpoint` calls, server settings that
//! name the witnesses, and fast log growth through concurrent registrations.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde_json::Value;
use zkcity_api::config::Settings;
use zkcity_audit::{LogSigner, WitnessSigner};
use zkcity_ledger::{WitnessEntry, WitnessesSettings};

use crate::audit::{register_with, ADMIN_TOKEN};

/// The default log origin of test servers (the key name).
pub const ORIGIN: &str = "zkcity.local/log";

/// A log key file in `dir/log.key` made before any server starts, so the
/// witnesses can be configured with its verifier key; returns that key.
pub fn make_log_key(dir: &Path) -> anyhow::Result<String> {
    let signer = LogSigner::generate(ORIGIN)?;
    signer.save(&dir.join("log.key"))?;
    Ok(signer.verifier_key())
}

/// A running `zkcity witness serve`.
pub struct WitnessProcess {
    pub child: tokio::process::Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Its `cosignature/v1` verifier key.
    pub key: String,
    pub name: String,
    pub key_file: PathBuf,
    pub state_file: PathBuf,
}

impl WitnessProcess {
    /// Starts witness `name` for `logs` with its key and state in `dir`
    /// (the key is made on first use), on `port` (0: any).
    pub async fn start(dir: &Path, name: &str, logs: &[&str], port: u16) -> anyhow::Result<Self> {
        let key_file = dir.join(format!("{name}.key"));
        let signer = match WitnessSigner::load(&key_file) {
            Ok(s) => s,
            Err(_) => {
                let s = WitnessSigner::generate(&format!("witness.test/{name}"))?;
                s.save(&key_file)?;
                s
            }
        };
        let state_file = dir.join(format!("{name}.state"));
        let mut cmd = tokio::process::Command::new(crate::zkcity_bin_async().await?);
        cmd.args(["witness", "serve", "--key"])
            .arg(&key_file)
            .arg("--state")
            .arg(&state_file)
            .args(["--listen", &format!("127.0.0.1:{port}")]);
        for log in logs {
            cmd.args(["--log", log]);
        }
        let child = cmd
            .env("ZKCITY_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("spawning zkcity witness serve")?;
        let (child, addr) = listening(child, "witness listening").await?;
        Ok(Self {
            child,
            url: format!("http://{addr}"),
            key: signer.verifier().to_string(),
            name: name.to_owned(),
            key_file,
            state_file,
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    }

    /// This witness as a server's `[[audit.witnesses.list]]` entry.
    pub fn entry(&self) -> WitnessEntry {
        WitnessEntry {
            name: self.name.clone(),
            key: self.key.clone(),
            url: self.url.clone(),
        }
    }

    /// Stops it (SIGKILL) and waits for it to be gone.
    pub async fn kill(&mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }
}

/// Waits for the JSON log line `message` and returns its `addr` field;
/// keeps draining stderr afterwards.
async fn listening(
    mut child: tokio::process::Child,
    message: &str,
) -> anyhow::Result<(tokio::process::Child, String)> {
    use tokio::io::AsyncBufReadExt;
    let stderr = child.stderr.take().context("no stderr")?;
    let mut lines = tokio::io::BufReader::new(stderr).lines();
    let addr = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await? {
            let v: Value = serde_json::from_str(&line).unwrap_or_default();
            if v.pointer("/fields/message").and_then(Value::as_str) == Some(message) {
                return v
                    .pointer("/fields/addr")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .context("no addr");
            }
        }
        anyhow::bail!("the process exited before `{message}`")
    })
    .await
    .context("the process did not start in time")??;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, addr))
}

/// `zkcity audit verify <source…> --log-key KEY` pinning `witnesses` with
/// `quorum` (proofs skipped: these logs hold member entries only);
/// `source` is `["--server", URL]` or `["--file", PATH]`.
pub async fn verify_with_quorum(
    source: &[&str],
    log_key: &str,
    witnesses: &[WitnessProcess],
    quorum: usize,
) -> anyhow::Result<crate::audit::CliRun> {
    let mut args: Vec<String> = ["audit", "verify"]
        .iter()
        .chain(source)
        .map(|s| s.to_string())
        .collect();
    args.extend(["--log-key".to_owned(), log_key.to_owned()]);
    for w in witnesses {
        args.extend(["--witness".to_owned(), w.key.clone()]);
    }
    args.extend(["--skip-proofs", "--quiet", "--quorum"].map(str::to_owned));
    args.push(quorum.to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    crate::audit::zkcity(&args).await
}

/// Server settings naming `witnesses` with `quorum`, retrying fast.
pub fn with_witnesses(settings: &mut Settings, witnesses: &[&WitnessProcess], quorum: usize) {
    settings.audit.witnesses = WitnessesSettings {
        quorum,
        timeout_ms: 2_000,
        retry_ms: 100,
        max_retry_ms: 1_000,
        list: witnesses.iter().map(|w| w.entry()).collect(),
    };
}

/// A raw `POST /add-checkpoint`: status, content type and body.
pub async fn add_checkpoint(
    url: &str,
    body: impl Into<reqwest::Body>,
) -> anyhow::Result<(u16, String, String)> {
    let resp = reqwest::Client::new()
        .post(format!("{url}/add-checkpoint"))
        .body(body)
        .send()
        .await?;
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Ok((status, ct, resp.text().await?))
}

/// Registers commitments `first..first + count` with `workers` concurrent
/// clients (the ledger batches them); fails unless every one succeeded.
pub async fn grow(address: &str, first: u64, count: u64, workers: u64) -> anyhow::Result<()> {
    let next = Arc::new(AtomicU64::new(first));
    let end = first + count;
    let tasks = (0..workers).map(|_| {
        let (address, next) = (address.to_owned(), next.clone());
        tokio::spawn(async move {
            loop {
                let c = next.fetch_add(1, Ordering::SeqCst);
                if c >= end {
                    return anyhow::Ok(());
                }
                let body = register_with(&address, Some(ADMIN_TOKEN), &c.to_string()).await?;
                if let Some(e) = body.get("errors") {
                    anyhow::bail!("registering {c}: {e}");
                }
            }
        })
    });
    for t in futures::future::join_all(tasks).await {
        t??;
    }
    Ok(())
}

/// The server's published checkpoint note (GraphQL `checkpoint`).
pub async fn checkpoint(address: &str) -> anyhow::Result<String> {
    let body: Value = reqwest::Client::new()
        .post(format!("{address}/graphql"))
        .json(&serde_json::json!({"query": "{ checkpoint }"}))
        .send()
        .await?
        .json()
        .await?;
    body.pointer("/data/checkpoint")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .with_context(|| format!("no checkpoint: {body}"))
}

/// Signature lines of `note` other than the log's own.
pub fn cosignature_lines(note: &str) -> Vec<String> {
    note.lines()
        .filter(|l| l.starts_with('\u{2014}') && !l.starts_with(&format!("\u{2014} {ORIGIN} ")))
        .map(str::to_owned)
        .collect()
}

/// Polls the published checkpoint until it has size ≥ `size` and at least
/// `cosigs` cosignature lines, within `within`.
pub async fn wait_cosigned(
    address: &str,
    size: u64,
    cosigs: usize,
    within: Duration,
) -> anyhow::Result<String> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let note = checkpoint(address).await?;
        let n: u64 = note
            .lines()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if n >= size && cosignature_lines(&note).len() >= cosigs {
            return Ok(note);
        }
        if tokio::time::Instant::now() > deadline {
            anyhow::bail!(
                "no checkpoint of size ≥ {size} with {cosigs} cosignatures; last:\n{note}"
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
