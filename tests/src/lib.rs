//! The end-to-end harness (after zero2prod's `spawn_app`): every test gets a
//! fresh PostgreSQL database holding the bundled real data, a real server on
//! a random port, and an HTTP client.
//!
//! Loading the real datasets takes seconds, so each test process imports
//! them once into a template database and every test database is a
//! `CREATE DATABASE … TEMPLATE` copy of it.

pub mod audit;
pub mod load;
pub mod npm;
pub mod proxy;
pub mod refresh;
pub mod relay;
pub mod replica;
pub mod snarkjs;
pub mod socks;
pub mod witness;
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::Context;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{json, Value};
use tokio::sync::OnceCell;
use zkcity_api::config::Settings;
use zkcity_api::Application;

pub mod zk;

/// Server of the PostgreSQL cluster the tests use (`ZKCITY_TEST_PG` overrides).
pub fn pg_server() -> String {
    std::env::var("ZKCITY_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// URL of database `name` on the test cluster.
pub fn pg_url(name: &str) -> String {
    format!("{}/{name}", pg_server())
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A connection to the test cluster's `postgres` database, for cluster-wide
/// work (creating databases, replication slots).
pub(crate) async fn admin() -> anyhow::Result<DatabaseConnection> {
    Database::connect(pg_url("postgres"))
        .await
        .context("connecting to the postgres database")
}

/// Creates the template database with migrations and the full real datasets
/// (once per process), and removes templates left by dead test processes.
async fn template() -> anyhow::Result<&'static str> {
    let name = TEMPLATE
        .get_or_try_init(|| async {
            let admin = admin().await?;
            drop_stale_templates(&admin).await?;
            let name = format!("zk_tpl_{}", std::process::id());
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            let db = Database::connect(pg_url(&name)).await?;
            zkcity_api::db::migrate(&db).await?;
            let dir = Settings::default().data.fixtures_dir;
            zkcity_jobs::import::import_fixtures(&db, &dir, Default::default()).await?;
            db.close().await?;
            anyhow::Ok(name)
        })
        .await?;
    Ok(name.as_str())
}

async fn drop_stale_templates(admin: &DatabaseConnection) -> anyhow::Result<()> {
    let rows = admin
        .query_all(Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'zk\\_tpl\\_%' OR datname LIKE 'zk\\_t\\_%'",
        ))
        .await?;
    for row in rows {
        let name: String = row.try_get("", "datname")?;
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
        }
    }
    Ok(())
}

/// A fresh database holding the real data; dropped with the value.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub async fn create() -> anyhow::Result<Self> {
        let template = template().await?;
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("zk_t_{}_{n}", std::process::id());
        let admin = admin().await?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await?;
        Ok(Self {
            url: pg_url(&name),
            name,
        })
    }

    /// An empty database (schema only) for tests that load their own data.
    pub async fn create_empty() -> anyhow::Result<Self> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("zk_t_{}_{n}", std::process::id());
        admin()
            .await?
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await?;
        Ok(Self {
            url: pg_url(&name),
            name,
        })
    }

    /// An outage: the database refuses new connections and every existing
    /// one is cut. [`TestDatabase::end_outage`] lets connections in again.
    pub async fn start_outage(&self) -> anyhow::Result<()> {
        let admin = admin().await?;
        let name = &self.name;
        admin
            .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
            .await?;
        admin
            .execute_unprepared(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ))
            .await?;
        Ok(())
    }

    pub async fn end_outage(&self) -> anyhow::Result<()> {
        let name = &self.name;
        admin()
            .await?
            .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
            .await?;
        Ok(())
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime; a blocking side thread with
        // its own runtime keeps it simple.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    if let Ok(admin) = admin().await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                    }
                });
            }
        })
        .join();
    }
}

/// A running server and a client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// Direct connection for checking the API against SQL.
    pub db: DatabaseConnection,
    pub settings: Settings,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    // Declared last so the server and connections go before the database.
    pub database: TestDatabase,
}

impl TestApp {
    /// Server over a copy of the real data with default settings.
    pub async fn spawn() -> anyhow::Result<Self> {
        Self::spawn_with(|_| {}).await
    }

    /// Server over a copy of the real data, settings adjusted by `tweak`.
    pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> anyhow::Result<Self> {
        init_logs();
        let database = TestDatabase::create().await?;
        Self::spawn_on(database, tweak).await
    }

    /// Server over `database`.
    pub async fn spawn_on(
        database: TestDatabase,
        tweak: impl FnOnce(&mut Settings),
    ) -> anyhow::Result<Self> {
        let mut settings = Settings::default();
        settings.server.port = 0;
        settings.database.url = Some(database.url.clone().into());
        settings.data.seed_on_start = false;
        // Scheduled refresh would change data under other tests' feet; the
        // refresh tests (tests/tests/refresh_*.rs) switch it back on.
        settings.refresh.enabled = false;
        // Data units are open unless a test turns the privacy gate on
        // (tests/tests/anon_*.rs); keys are the shared cached test keys.
        settings.zk.require_proof = zkcity_api::gate::UnitPolicy {
            traffic: false,
            power: false,
            ecological: false,
        };
        tweak(&mut settings);
        if settings.zk.proving_key == zkcity_api::gate::ZkSettings::default().proving_key {
            let (pk, vk) = zk::test_keys(settings.audit.membership_depth, settings.zk.slot_bits)?;
            settings.zk.proving_key = pk;
            settings.zk.verifying_key = vk;
        }
        let (address, tx) = serve(&settings).await?;
        let db = Database::connect(database.url.clone()).await?;
        Ok(Self {
            address,
            client: reqwest::Client::new(),
            db,
            settings,
            shutdown: Some(tx),
            database,
        })
    }

    /// POSTs a GraphQL request and returns the JSON body.
    pub async fn graphql(&self, query: &str, variables: Value) -> anyhow::Result<Value> {
        let body = json!({"query": query, "variables": variables});
        let resp = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&body)
            .send()
            .await?;
        Ok(resp.json().await?)
    }

    /// Like [`graphql`](Self::graphql) but fails on any GraphQL error and
    /// returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> anyhow::Result<Value> {
        let body = self.graphql(query, variables).await?;
        if let Some(errors) = body.get("errors") {
            anyhow::bail!("GraphQL errors: {errors}");
        }
        body.get("data").cloned().context("no data in the response")
    }

    /// Runs SQL directly (the independent oracle for API answers).
    pub async fn sql(&self, sql: &str) -> anyhow::Result<Vec<sea_orm::QueryResult>> {
        Ok(self
            .db
            .query_all(Statement::from_string(self.db.get_database_backend(), sql))
            .await?)
    }

    /// The Prometheus text `GET /metrics` answers.
    pub async fn metrics(&self) -> anyhow::Result<String> {
        let url = format!("{}/metrics", self.address);
        Ok(self.client.get(url).send().await?.text().await?)
    }

    /// The value of one series on `/metrics`, named with its labels as
    /// exported (`name{label="v"}`); `None` while it was never recorded.
    pub async fn metric(&self, series: &str) -> anyhow::Result<Option<f64>> {
        let text = self.metrics().await?;
        Ok(text.lines().find_map(|line| {
            line.strip_prefix(series)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        }))
    }

    /// The status `GET /readyz` answers.
    pub async fn readyz(&self) -> anyhow::Result<u16> {
        let url = format!("{}/readyz", self.address);
        Ok(self.client.get(url).send().await?.status().as_u16())
    }

    /// Polls `/readyz` every 250 ms until it answers `status` or `within`
    /// has passed (deadlines are generous: a liveness check, not timing).
    pub async fn wait_ready(
        &self,
        status: u16,
        within: std::time::Duration,
    ) -> anyhow::Result<bool> {
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if self.readyz().await? == status {
                return Ok(true);
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        Ok(false)
    }

    /// One integer from SQL, e.g. a `COUNT(*)`.
    pub async fn sql_i64(&self, sql: &str) -> anyhow::Result<i64> {
        let rows = self.sql(sql).await?;
        let row = rows.first().context("no row")?;
        Ok(row.try_get_by_index::<i64>(0)?)
    }
}

/// Builds a server with `settings` and runs it on this runtime until the
/// returned sender is used or dropped; returns its base URL.
async fn serve(settings: &Settings) -> anyhow::Result<(String, tokio::sync::oneshot::Sender<()>)> {
    let app = Application::build(settings).await?;
    let address = format!("http://127.0.0.1:{}", app.port());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        // A server that stops on its own fails the test's next request;
        // say why here, or that failure reads as a bare refused connection.
        if let Err(e) = app
            .run_until(async move {
                let _ = rx.await;
            })
            .await
        {
            eprintln!("the test server stopped: {e:#}");
        }
    });
    Ok((address, tx))
}

/// A second server process's worth of server (its own pools, caches and
/// change feed) on another app's database; stops when dropped.
pub struct Peer {
    pub address: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    /// Starts another server with this one's settings on its database, as
    /// a second process behind a load balancer would be.
    pub async fn spawn_peer(&self) -> anyhow::Result<Peer> {
        let (address, tx) = serve(&self.settings).await?;
        Ok(Peer {
            address,
            shutdown: Some(tx),
        })
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The `extensions.code` of the first error of a response.
pub fn error_code(body: &Value) -> Option<&str> {
    body.pointer("/errors/0/extensions/code")
        .and_then(Value::as_str)
}

fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_test_writer()
        .try_init();
}

/// [`zkcity_bin`] for async tests. A rebuild may take a minute; done on
/// the runtime's own thread it would stall the test's in-process server
/// mid-connect, and PostgreSQL drops a connection whose start-up stalls past
/// its `authentication_timeout` (60 s).
pub async fn zkcity_bin_async() -> anyhow::Result<std::path::PathBuf> {
    tokio::task::spawn_blocking(zkcity_bin).await?
}

/// Path of the `zkcity` binary of this build profile (tests that run the
/// CLI or a second server process).
///
/// `cargo test --workspace` (README's command, and CI's) builds it with the
/// tests, because the `zkcity-cli` package has integration tests of its own;
/// this only checks it. When the tests of this package alone were built
/// (`cargo test -p zkcity-tests`), the binary may be missing or older than
/// the `zkcity-cli` library it is made of (this package depends on that
/// library, so the library is always current): then it is rebuilt first.
/// Blocks; async code calls [`zkcity_bin_async`].
pub fn zkcity_bin() -> anyhow::Result<std::path::PathBuf> {
    static BUILT: std::sync::OnceLock<Result<std::path::PathBuf, String>> =
        std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            // target/<profile>/deps/<test-exe> → target/<profile>/zkcity
            let deps = exe.parent().ok_or("unexpected test binary location")?;
            let profile_dir = deps.parent().ok_or("unexpected test binary location")?;
            let bin = profile_dir.join("zkcity");
            if !binary_is_stale(&bin, deps) {
                return Ok(bin);
            }
            let mut cmd = std::process::Command::new(
                std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
            );
            cmd.args(["build", "-q", "-p", "zkcity-cli", "--bin", "zkcity"]);
            if profile_dir.file_name().is_some_and(|n| n == "release") {
                cmd.arg("--release");
            }
            if let Some(target_dir) = profile_dir.parent() {
                cmd.env("CARGO_TARGET_DIR", target_dir);
            }
            let status = cmd
                .status()
                .map_err(|e| format!("running cargo build: {e}"))?;
            if !status.success() || !bin.is_file() {
                return Err(format!("building the zkcity binary failed ({status})"));
            }
            Ok(bin)
        })
        .clone()
        .map_err(|e| anyhow::anyhow!(e))
}

/// Whether `bin` is missing or older than the newest `zkcity-cli` library
/// in `deps` (the binary is that library's `main` and nothing else).
fn binary_is_stale(bin: &std::path::Path, deps: &std::path::Path) -> bool {
    let modified = |p: &std::path::Path| p.metadata().and_then(|m| m.modified()).ok();
    let Some(built) = modified(bin) else {
        return true;
    };
    let newest_lib = std::fs::read_dir(deps)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libzkcity_cli-") && n.ends_with(".rlib"))
        })
        .filter_map(|p| modified(&p))
        .max();
    newest_lib.is_some_and(|lib| lib > built)
}
