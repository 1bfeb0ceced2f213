//! Shared set-up of the privacy-proxy tests: a gated server, a member
//! identity made and registered with the real CLI, and `zkcity proxy`
//! between them (optionally through a recording relay).
#![allow(dead_code)]

use std::path::PathBuf;

use anyhow::Context;
use serde_json::Value;
use zkcity_tests::audit::{log_key, temp_dir, zkcity, ADMIN_TOKEN};
use zkcity_tests::proxy::ProxyProcess;
use zkcity_tests::TestApp;

use crate::anon_support::{counts, spawn_gated};

/// One query per unit, sent unmodified by a plain HTTP client.
pub const UNITS: [&str; 3] = [
    "{ roadSegments(first: 1) { totalCount } }",
    "{ marketTransactions(first: 1) { totalCount } }",
    "{ stations(first: 1) { totalCount } }",
];

/// A requester's files: identity, state directory, its commitment.
pub struct Requester {
    pub identity: PathBuf,
    pub state: PathBuf,
    pub commitment: String,
    /// The identity file's text (its secrets, for leak checks).
    pub secrets: Vec<String>,
}

impl Requester {
    /// `zkcity identity new`; registered on `app` when `register`.
    pub async fn new(app: &TestApp, register: bool) -> anyhow::Result<Self> {
        let dir = temp_dir("proxy-requester")?;
        let identity = dir.join("me.json");
        let run = zkcity(&["identity", "new", "--out", &identity.to_string_lossy()]).await?;
        anyhow::ensure!(run.code == 0, "identity new: {run:?}");
        let commitment = run.stdout.trim().to_owned();
        if register {
            let resp =
                zkcity_tests::audit::register_with(&app.address, Some(ADMIN_TOKEN), &commitment)
                    .await?;
            anyhow::ensure!(resp.get("errors").is_none(), "registerMember: {resp}");
        }
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&identity)?)?;
        let secrets = ["k", "t"]
            .iter()
            .map(|k| {
                file[k]
                    .as_str()
                    .map(str::to_owned)
                    .context("identity field")
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            identity,
            state: dir.join("state"),
            commitment,
            secrets,
        })
    }

    /// `zkcity proxy` for this requester in front of `server`.
    pub async fn proxy(&self, server: &str, extra: &[&str]) -> anyhow::Result<ProxyProcess> {
        ProxyProcess::spawn(server, &self.identity, &self.state, extra).await
    }
}

/// A gated server, a registered requester, and the pinned log key.
pub async fn gated_with_member() -> anyhow::Result<(TestApp, Requester, String)> {
    let (app, dir) = spawn_gated().await?;
    let me = Requester::new(&app, true).await?;
    Ok((app, me, log_key(&dir)?))
}

/// Query entries in the log.
pub async fn query_entries(app: &TestApp) -> anyhow::Result<i64> {
    Ok(counts(app).await?.1)
}
