//! GraphiQL in a real browser (issue 13): Debian's Chromium, headless,
//! driven by Playwright (`tests/browser/`, pinned by its package-lock.json)
//! with no network besides loopback, opens the proxy's GraphiQL, runs a
//! query on a gated unit and reads the data off the page; then the
//! server's GraphiQL with a public query. Screenshots are kept in
//! `target/browser-artifacts/`.
//!
//! Needs `chromium` (Debian package) and `npm ci` in `tests/browser`;
//! `.ci/run` installs both.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::Value;

use crate::proxy_support::*;

/// `target/browser-artifacts` (beside the test binary's profile directory).
fn artifacts() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let target = exe
        .ancestors()
        .nth(3)
        .context("unexpected test binary location")?;
    let dir = target.join("browser-artifacts");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn chromium() -> anyhow::Result<PathBuf> {
    ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .context("Chromium is not installed: apt-get install -y chromium (as .ci/run does)")
}

/// Runs `graphiql.mjs` on `page` and returns what it saw.
async fn run_page(page: &str, expect: &str, screenshot: &Path) -> anyhow::Result<Value> {
    let dir = zkcity_tests::npm::ensure_installed("browser", "playwright-core")?;
    let out = tokio::process::Command::new("node")
        .arg(dir.join("graphiql.mjs"))
        .env("PAGE_URL", page)
        .env("EXPECT", expect)
        .env("SCREENSHOT", screenshot)
        .env("CHROMIUM", chromium()?)
        .current_dir(&dir)
        .kill_on_drop(true)
        .output()
        .await
        .context("running node")?;
    anyhow::ensure!(
        out.status.success(),
        "the browser run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).context("graphiql.mjs output")?;
    assert_eq!(
        seen["offsite"],
        serde_json::json!([]),
        "the page asked another origin: {seen}"
    );
    assert_eq!(
        seen["errors"],
        serde_json::json!([]),
        "script errors: {seen}"
    );
    anyhow::ensure!(screenshot.is_file(), "no screenshot");
    Ok(seen)
}

fn with_query(base: &str, query: &str) -> anyhow::Result<String> {
    Ok(
        reqwest::Url::parse_with_params(&format!("{base}/graphql"), [("query", query)])?
            .to_string(),
    )
}

#[tokio::test]
async fn graphiql_in_chromium_queries_a_gated_unit_through_the_proxy() -> anyhow::Result<()> {
    let (app, me, key) = gated_with_member().await?;
    let proxy = me.proxy(&app.address, &["--log-key", &key]).await?;
    let shots = artifacts()?;
    let before = query_entries(&app).await?;
    let page = with_query(&proxy.address, "{ stations(first: 1) { totalCount } }")?;
    let seen = run_page(&page, "totalCount", &shots.join("proxy-graphiql.png")).await?;
    let text = seen["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("\"totalCount\": 12"),
        "the data on the page: {text}"
    );
    assert_eq!(
        query_entries(&app).await?,
        before + 1,
        "logged as one anonymous query"
    );

    let page = with_query(&app.address, "{ zkParameters { depth slotBits } }")?;
    let seen = run_page(&page, "slotBits", &shots.join("server-graphiql.png")).await?;
    let text = seen["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("\"depth\": 20"),
        "the data on the page: {text}"
    );
    Ok(())
}
