//! The real `zkcity proxy` as a child process for the privacy-proxy tests
//! (tests/tests/e2e/proxy_*.rs): started on a random loopback port, killed
//! when dropped.

use std::path::Path;

use anyhow::Context;
use tokio::io::AsyncBufReadExt;

/// A running `zkcity proxy`.
pub struct ProxyProcess {
    pub child: tokio::process::Child,
    /// `http://127.0.0.1:<port>`.
    pub address: String,
}

impl ProxyProcess {
    /// `zkcity proxy --server <server> --identity <identity> --state-dir
    /// <state_dir> --listen 127.0.0.1:0 <extra…>`; waits until it listens.
    pub async fn spawn(
        server: &str,
        identity: &Path,
        state_dir: &Path,
        extra: &[&str],
    ) -> anyhow::Result<Self> {
        let mut child = tokio::process::Command::new(crate::zkcity_bin_async().await?)
            .args(["proxy", "--server", server, "--listen", "127.0.0.1:0"])
            .arg("--identity")
            .arg(identity)
            .arg("--state-dir")
            .arg(state_dir)
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("spawning zkcity proxy")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let address = tokio::time::timeout(std::time::Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(rest) = line.strip_prefix("zkcity proxy listening on ") {
                    let addr = rest.split_whitespace().next().context("no address")?;
                    return Ok(addr.to_owned());
                }
            }
            anyhow::bail!("zkcity proxy exited before listening")
        })
        .await
        .context("zkcity proxy did not start in time")??;
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { child, address })
    }

    /// POSTs a JSON body to the proxy's `/graphql` as any GraphQL client would.
    pub async fn post(&self, body: &serde_json::Value) -> anyhow::Result<(u16, serde_json::Value)> {
        let resp = reqwest::Client::new()
            .post(format!("{}/graphql", self.address))
            .json(body)
            .send()
            .await?;
        let status = resp.status().as_u16();
        Ok((status, resp.json().await?))
    }
}
