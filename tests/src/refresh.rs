//! Helpers for the refresh tests (tests/tests/refresh_*.rs): a local feed
//! server, admin calls, run-log queries and polling.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use zkcity_api::config::Settings;

use crate::TestApp;

/// The admin token the refresh tests configure.
pub const ADMIN_TOKEN: &str = "refresh-test-admin-token";

/// Scheduler off (manual `refreshNow` only), admin token set, no retries
/// delay worth waiting for.
pub fn manual(settings: &mut Settings) {
    settings.refresh.enabled = false;
    settings.admin.token = Some(ADMIN_TOKEN.to_owned().into());
    settings.refresh.retry.initial_backoff_ms = 10;
    settings.refresh.retry.max_backoff_ms = 50;
}

/// A bundled dataset file (`fixtures/<rel>`).
pub fn fixture_path(rel: &str) -> PathBuf {
    Settings::default().data.fixtures_dir.join(rel)
}

/// The header and first `rows` records of a bundled CSV, byte for byte.
pub fn fixture_head(rel: &str, rows: usize) -> anyhow::Result<Vec<u8>> {
    let bytes =
        std::fs::read(fixture_path(rel)).with_context(|| format!("reading fixture {rel}"))?;
    let mut lines = 0;
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' {
            lines += 1;
            if lines == rows + 1 {
                return Ok(bytes[..=i].to_vec());
            }
        }
    }
    Ok(bytes)
}

/// A sample file of tests/data/refresh.
pub fn sample(name: &str) -> anyhow::Result<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data/refresh")
        .join(name);
    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
}

/// A local HTTP feed: `/files/{name}` serves registered bodies; `/slow`
/// answers after 30 s; `/status/{code}` answers with that status; `/garbage`
/// serves HTML.
pub struct FeedServer {
    pub base: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Files = Arc<HashMap<String, Vec<u8>>>;

async fn file(State(files): State<Files>, Path(name): Path<String>) -> Response {
    match files.get(&name) {
        Some(body) => (
            [(header::CONTENT_TYPE, "application/octet-stream")],
            body.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn slow() -> Response {
    tokio::time::sleep(Duration::from_secs(30)).await;
    "too late".into_response()
}

async fn status(Path(code): Path<u16>) -> Response {
    let code = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, "upstream says no").into_response()
}

async fn garbage() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html")],
        "<html><body>502 Bad Gateway</body></html>",
    )
        .into_response()
}

impl FeedServer {
    /// Starts the server on a random port with `files`.
    pub async fn start(files: Vec<(&str, Vec<u8>)>) -> anyhow::Result<Self> {
        let files: Files = Arc::new(files.into_iter().map(|(n, b)| (n.to_owned(), b)).collect());
        let router = Router::new()
            .route("/files/{name}", get(file))
            .route("/slow", get(slow))
            .route("/status/{code}", get(status))
            .route("/garbage", get(garbage))
            .with_state(files);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { base, task })
    }

    /// URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// `refreshNow(unit)` with `token` (None = no Authorization header).
pub async fn refresh_now(app: &TestApp, unit: &str, token: Option<&str>) -> anyhow::Result<Value> {
    let query = format!(
        "mutation {{ refreshNow(unit: {unit}) {{ id status attempt rowsWritten rowsInserted rowsUpdated error note source tables {{ table inserted updated }} }} }}"
    );
    let mut req = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": query }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    Ok(req.send().await?.json().await?)
}

/// `refreshNow` as admin; fails on GraphQL errors; returns the run object.
pub async fn refresh_ok(app: &TestApp, unit: &str) -> anyhow::Result<Value> {
    let body = refresh_now(app, unit, Some(ADMIN_TOKEN)).await?;
    if body.get("errors").is_some() {
        anyhow::bail!("refreshNow failed: {body}");
    }
    body.pointer("/data/refreshNow")
        .cloned()
        .context("no run in the response")
}

/// Rows of `refresh_run` for `unit` with `status` (any status when None).
pub async fn run_count(app: &TestApp, unit: &str, status: Option<&str>) -> anyhow::Result<i64> {
    let filter = status
        .map(|s| format!(" AND status = '{s}'"))
        .unwrap_or_default();
    app.sql_i64(&format!(
        "SELECT COUNT(*) FROM refresh_run WHERE unit = '{unit}'{filter}"
    ))
    .await
}

/// Row counts of every data table, to prove that nothing changed.
pub async fn data_counts(app: &TestApp) -> anyhow::Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for t in [
        "station",
        "air_quality_observation",
        "emission_report",
        "clearing_price",
        "market_transaction",
        "road_segment",
        "traffic_flow_observation",
        "road_condition_report",
        "image_tile",
        "tile_blob",
    ] {
        out.push((
            t.to_owned(),
            app.sql_i64(&format!("SELECT COUNT(*) FROM {t}")).await?,
        ));
    }
    Ok(out)
}

/// Polls `check` every 100 ms until it returns `Some`, failing after
/// `secs` seconds (generous deadlines: this is a liveness check, not a timing one).
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await? {
            return Ok(v);
        }
        if tokio::time::Instant::now() > deadline {
            anyhow::bail!("timed out after {secs} s waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Inserts a run of `unit` (`POWER`, …) with `status` that started `days`
/// ago, as an earlier server would have logged it (`running` rows have no
/// `finished_at`); returns its id. Insert only after the server answered a
/// request: its start marks `running` rows of a previous process failed.
pub async fn insert_old_run(
    app: &TestApp,
    unit: &str,
    status: &str,
    days: i64,
) -> anyhow::Result<i64> {
    let finished = if status == "running" {
        "NULL".to_owned()
    } else {
        format!("now() - interval '{days} days' + interval '1 second'")
    };
    let error = match status {
        "failed" => "'an old failure'",
        "skipped" => "'skipped: previous run still running'",
        _ => "NULL",
    };
    app.sql_i64(&format!(
        "INSERT INTO refresh_run (unit, source, trigger, attempt, status, started_at, finished_at, error) \
         VALUES ('{}', 'replay', 'schedule', 1, '{status}', now() - interval '{days} days', {finished}, {error}) \
         RETURNING id",
        unit.to_lowercase()
    ))
    .await
}

/// Ids of `unit`'s rows in `refresh_run`, in order.
pub async fn run_ids(app: &TestApp, unit: &str) -> anyhow::Result<Vec<i64>> {
    let rows = app
        .sql(&format!(
            "SELECT id FROM refresh_run WHERE unit = '{}' ORDER BY id",
            unit.to_lowercase()
        ))
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get_by_index::<i64>(0)?))
        .collect()
}

/// `refreshStatus(unit)`: the unit's last success, last error and last run.
pub async fn refresh_status(app: &TestApp, unit: &str) -> anyhow::Result<Value> {
    let query = format!(
        "{{ refreshStatus(unit: {unit}) {{ running rows durationMs \
         lastSuccess {{ id status startedAt finishedAt rowsWritten }} \
         lastError {{ id status startedAt error }} lastRun {{ id status }} }} }}"
    );
    let data = app.data(&query, json!({})).await?;
    data.pointer("/refreshStatus/0")
        .cloned()
        .context("no status in the response")
}
